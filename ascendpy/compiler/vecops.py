"""The vector intrinsics of `ascendpy.std`: AscendC name, argument form and element types.

One table serves the frontend (argument checking), the passes (which operands
an op writes, which types a SoC lacks) and codegen (the C++ call). Element types
are those CANN 8.1 declares for the level-2 API (reference/ascend-apis.md section
1.7); tests/test_sim_api_names.py ties them to the type matrix probed from the
vendor headers (tools/sim_api_matrix.txt).
"""

from __future__ import annotations

from dataclasses import dataclass

from ascendpy.std import intrinsics as intr

ARITH = ("i16", "f16", "i32", "f32")
FLOAT = ("f16", "f32")


@dataclass(frozen=True)
class VecSig:
    cpp: str  # AscendC function
    form: str  # binary | scalar | unary | dup | cast | compare | compares | select | reduce | argmax
    dtypes: tuple[str, ...]
    missing_on: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (SoC family, dtypes it lacks)

    def lacks(self, family: str, dtype: str) -> bool:
        return any(f == family and dtype in types for f, types in self.missing_on)

    @property
    def written(self) -> tuple[int, ...]:
        """IR operand positions the op writes (dst, and a reduction's work buffer)."""
        return (0, 2) if self.form in ("reduce", "argmax") else (0,)


VEC_OPS: dict[object, VecSig] = {
    intr.add: VecSig("Add", "binary", ARITH),
    intr.sub: VecSig("Sub", "binary", ARITH),
    intr.mul: VecSig("Mul", "binary", ARITH),
    intr.div: VecSig("Div", "binary", FLOAT),
    intr.min: VecSig("Min", "binary", ARITH),
    intr.max: VecSig("Max", "binary", ARITH),
    intr.adds: VecSig("Adds", "scalar", ARITH),
    intr.muls: VecSig("Muls", "scalar", ARITH),
    intr.maxs: VecSig("Maxs", "scalar", ARITH),
    intr.mins: VecSig("Mins", "scalar", ARITH),
    intr.abs: VecSig("Abs", "unary", FLOAT),
    intr.rsqrt: VecSig("Rsqrt", "unary", FLOAT),
    intr.reciprocal: VecSig("Reciprocal", "unary", FLOAT),
    intr.relu: VecSig("Relu", "unary", ("f16", "i32", "f32")),
    intr.duplicate: VecSig("Duplicate", "dup", ("i16", "u16", "f16", "bf16", "i32", "u32", "f32")),
    intr.cast: VecSig("Cast", "cast", ()),
    intr.compare: VecSig("Compare", "compare", ("f16", "f32", "i32"), (("310P", ("i32",)),)),
    intr.compares: VecSig("CompareScalar", "compares", ("f16", "f32", "i32"), (("310P", ("i32",)),)),
    intr.select: VecSig("Select", "select", FLOAT),
    intr.reduce_max: VecSig("ReduceMax", "reduce", FLOAT),
    intr.reduce_min: VecSig("ReduceMin", "reduce", FLOAT),
    intr.reduce_sum: VecSig("ReduceSum", "reduce", FLOAT),
    # argmax / argmin (issue 13): ReduceMax / ReduceMin(dst, src, work, count, calIndex = true)
    intr.argmax: VecSig("ReduceMax", "argmax", FLOAT),
    intr.argmin: VecSig("ReduceMin", "argmax", FLOAT),
}
# exp / ln / sqrt: the std markers double as scalar math; with three arguments they are these.
VECTOR_FORMS_OF_SCALAR_MATH = {"exp": VecSig("Exp", "unary", FLOAT), "ln": VecSig("Ln", "unary", FLOAT),
                               "sqrt": VecSig("Sqrt", "unary", FLOAT)}
BY_CPP: dict[str, VecSig] = {s.cpp: s for s in [*VEC_OPS.values(), *VECTOR_FORMS_OF_SCALAR_MATH.values()]}

# ---- casts (types, casts and argmax: issue 13)
# Cast pairs (src, dst) -> round modes, per SoC family: the cases of CANN 8.1's CastIntrinsicsImpl that issue a
# vconv (basic_api/impl/dav_c220 and dav_m200 kernel_operator_vec_vconv_impl.h); on 310P only those the Cast page
# also lists (8.1 has f32 -> i32 there, the page does not). int32 -> half (vconv_deq, scaled by SetDeqScale) is not
# offered. The simulator implements the same pairs and modes (ascendpy_sim::cast_modes in vec.h).
_R5 = ("CAST_RINT", "CAST_FLOOR", "CAST_CEIL", "CAST_ROUND", "CAST_TRUNC")
_ALL = ("CAST_NONE", *_R5, "CAST_ODD")
CASTS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    "910B": {
        ("f16", "f32"): ("CAST_NONE",), ("f32", "f16"): _ALL, ("f32", "bf16"): _R5, ("bf16", "f32"): ("CAST_NONE",),
        ("bf16", "i32"): _R5, ("f32", "i32"): _R5, ("i32", "f32"): ("CAST_NONE", *_R5), ("f32", "f32"): _R5,
        ("f16", "i32"): _R5, ("f16", "i16"): _R5, ("i16", "f16"): ("CAST_NONE", *_R5), ("u8", "f16"): ("CAST_NONE",),
        ("i8", "f16"): ("CAST_NONE",), ("f16", "i8"): ("CAST_NONE", *_R5), ("f16", "u8"): ("CAST_NONE", *_R5),
        ("f32", "i16"): _R5, ("i16", "f32"): ("CAST_NONE",), ("i32", "i16"): ("CAST_NONE",),
        ("i32", "i64"): ("CAST_NONE",), ("i64", "i32"): ("CAST_NONE",), ("f32", "i64"): _R5, ("i64", "f32"): _R5,
    },
    "310P": {
        ("f16", "f32"): ("CAST_NONE",), ("f32", "f16"): ("CAST_NONE", "CAST_ODD"),
        ("i32", "f32"): ("CAST_NONE",), ("f16", "i32"): _R5, ("f16", "i16"): ("CAST_RINT",),
        ("i16", "f16"): ("CAST_NONE",), ("u8", "f16"): ("CAST_NONE",), ("i8", "f16"): ("CAST_NONE",),
        ("f16", "i8"): ("CAST_NONE", "CAST_FLOOR", "CAST_CEIL", "CAST_ROUND", "CAST_TRUNC"),
        ("f16", "u8"): ("CAST_NONE", "CAST_FLOOR", "CAST_CEIL", "CAST_ROUND", "CAST_TRUNC"),
        ("i32", "i16"): ("CAST_NONE",),
    },
}
# A bool buffer is cast as its bytes: AscendC has no Cast on bool, so codegen casts `buf.ReinterpretCast<uint8_t>()`.
CAST_VIEW = {"bool": "u8"}


def cast_route(family: str, src: str, dst: str) -> list[tuple[str, str, str]]:
    """Two-step routes src -> mid -> dst through the SoC's Cast pairs: (mid, a round mode of each step)."""
    pairs = CASTS[family]
    return [(mid, modes[0], pairs[(mid, dst)][0]) for (a, mid), modes in pairs.items()
            if a == src and mid not in (src, dst) and (mid, dst) in pairs]


def reduce_work_elems(count: int, nbytes: int, index: bool) -> int:
    """Elements of ReduceMax / ReduceMin's sharedTmpBuffer for `count` elements of `nbytes` bytes (the ReduceMax
    page's rule: the first round's [value, index] pairs, and with calIndex each later round's beside them)."""
    per_repeat, per_block = 256 // nbytes, 32 // nbytes

    def up(n: int, k: int) -> int:
        return -(-n // k) * k

    first = 2 * -(-count // per_repeat)
    if not index:
        return max(per_block, up(first, per_block))
    second = 2 * -(-first // per_repeat)
    need = up(first, per_block) + up(second, per_block)
    if second > 2:
        third = 2 * -(-second // per_repeat)
        need = up(first, per_block) + up(second, per_block) + up(third, per_block)
    return need


def soc_family(soc: str) -> str:
    return "310P" if soc.startswith("Ascend310P") else "910B"
