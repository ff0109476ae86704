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
    form: str  # binary scalar unary dup cast compare compares select reduce cumsum erf argmax, gather forms below
    dtypes: tuple[str, ...]
    missing_on: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (SoC family, dtypes it lacks)

    def lacks(self, family: str, dtype: str) -> bool:
        return any(f == family and dtype in types for f, types in self.missing_on)

    @property
    def written(self) -> tuple[int, ...]:
        """IR operand positions the op writes (dst, and a reduction's or advanced API's work buffer)."""
        return {"reduce": (0, 2), "argmax": (0, 2), "broadcast": (0, 2), "cumsum": (0, 1, 3),
                "erf": (0, 2)}.get(self.form, (0,))


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
    # ---- scans and erf: advanced APIs (lib/math/cumsum.h, lib/math/erf.h) with a sharedTmpBuffer; see below.
    intr.cumsum: VecSig("CumSum", "cumsum", FLOAT),  # IR operands: dst, lastRow, src, tmp (u8), rows, cols
    intr.erf: VecSig("Erf", "erf", FLOAT),  # IR operands: dst, src, tmp (u8), count
    # argmax / argmin (issue 13): ReduceMax / ReduceMin(dst, src, work, count, calIndex = true)
    intr.argmax: VecSig("ReduceMax", "argmax", FLOAT),
    intr.argmin: VecSig("ReduceMin", "argmax", FLOAT),
}
# exp / ln / sqrt: the std markers double as scalar math; with three arguments they are these.
VECTOR_FORMS_OF_SCALAR_MATH = {"exp": VecSig("Exp", "unary", FLOAT), "ln": VecSig("Ln", "unary", FLOAT),
                               "sqrt": VecSig("Sqrt", "unary", FLOAT)}

# ---- gather and broadcast (issue 13). IR operands: gather [dst, src, offsets_u32, base, count];
# gather_mask [dst, src, (pattern_buf,) count, kept_u64] (mode = the GatherPattern name for the fixed form);
# brcb [dst, src, repeats]; broadcast [dst, src, tmp_u8, rows, cols] (mode = the axis, "0" or "1").
B16_B32 = ("i16", "u16", "f16", "bf16", "i32", "u32", "f32")  # Gather / GatherMask / Brcb: 2- and 4-byte types
GATHER_FORMS = ("gather", "gather_mask", "brcb", "broadcast")
VEC_OPS.update({
    intr.gather: VecSig("Gather", "gather", B16_B32),
    intr.gather_mask: VecSig("GatherMask", "gather_mask", B16_B32),
    intr.brcb: VecSig("Brcb", "brcb", B16_B32),
    intr.broadcast: VecSig("Broadcast", "broadcast", ("i8", "u8", "f16", "f32")),  # lib/pad/broadcast.h
})
# GatherMask's src1Pattern range per SoC (ASCENDC_CHECK_VALUE_RANGE in the dav_c220 / dav_m200 impls).
GATHER_MASK_PATTERNS = {"910B": range(1, 8), "310P": range(1, 7)}
# The tensor pattern's element type: the unsigned type of T's width (GatherMaskCal overloads).
GATHER_MASK_PATTERN_TYPE = {2: "u16", 4: "u32"}
# Gather(dst, src, offsets, base, count) issues count / (256 / sizeof(T)) repeats as a uint8_t.
GATHER_MAX_REPEATS = 255
BRCB_MAX_REPEATS = 255  # Brcb's repeatTime is a uint8_t
# 310P's Brcb stages through UB [TMP_UB_OFFSET, +8 KiB) = [248 KiB, 256 KiB) (dav_m200 impl; the Brcb page).
BRCB_310P_SCRATCH = 8 * 1024


def broadcast_tmp_bytes(family: str, nbytes: int, rows: int, cols: int, axis: int) -> int:
    """Bytes of sharedTmpBuffer that CANN 8.1's Broadcast<T, 2, axis> writes for [rows, cols] (read from
    highlevel_api/impl/pad/broadcast: 1-byte types go through half copies of src and dst; axis 0 needs a
    32-byte zero block; axis 1 on 910B (dav_c220) one Brcb block per row chunk (+ a padded copy when cols is
    not 32-byte aligned), on 310P (dav_m200) the whole transposed [cols, rows] staging plus a zero block)."""
    t = 2 if nbytes == 1 else nbytes
    per = 32 // t
    src_n, dst_n = (cols if axis == 0 else rows), rows * cols
    if src_n in (1, dst_n):
        inner = 0
    elif axis == 0:
        inner = 32
    elif family == "910B":
        inner = (per * per + (0 if cols % per == 0 else per * -(-cols // per) * per)) * t
    else:
        inner = (per + max(dst_n, per * -(-cols // 8) + 1)) * t
    if nbytes == 1:
        inner += 2 * (-(-src_n // 16) * 16 + -(-dst_n // 16) * 16)
    return -(-inner // 32) * 32
# ---- end gather and broadcast

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


# ---- scans and erf (CANN 8.1 highlevel_api impl/math/cumsum, impl/math/erf): sharedTmpBuffer sizes in bytes.
ONE_BLOCK = 32
CUMSUM_ROWS_PER_PASS = 16  # NCHW_CONV_ADDR_LIST_SIZE: the last-axis path transposes 16 rows at a time
CUMSUM_MAX_ROW_BYTES = 255 * ONE_BLOCK  # its TransDataTo5HD repeatTimes, inner / (32 / sizeof T), is a uint8_t
ERF_CHUNK = 1024  # elements per pass of Erf that the tmp buffer is sized for (a multiple of 32)


def cumsum_tmp_bytes(dtype: str, last_axis: bool, rows: int, cols: int) -> int:
    """The sharedTmpBuffer CumSum needs for rows x cols (rows: the most it will be called with).

    Last axis: 16 rows per pass, each needing two T copies of a row (the transposes) plus, for half, an f32
    copy: 16 * cols * (2 * sizeof(T) [+ 4 for half]) bytes; the vendor code divides by this, so anything
    smaller faults. First axis: half accumulates in an f32 copy (rows * cols * 4 bytes); float needs none
    (one 32-byte block is passed, as the call takes a tensor).
    """
    size = 2 if dtype == "f16" else 4
    if last_axis:
        return CUMSUM_ROWS_PER_PASS * cols * (2 * size + (2 if dtype == "f16" else 0))
    return -(-rows * cols * 4 // ONE_BLOCK) * ONE_BLOCK if dtype == "f16" else ONE_BLOCK


def erf_tmp_bytes(dtype: str, count: int) -> int:
    """The sharedTmpBuffer for Erf over `count` elements: passes of min(count, ERF_CHUNK) rounded up to 32.

    Erf splits the buffer into 3 f32 temporaries for float and 4 for half (ERF_FLOAT/HALF_CALC_PROCEDURE
    3 and 8 half-sized units), each a multiple of 32 elements; 384 / 512 bytes is the least that works.
    """
    chunk = min(-(-max(count, 1) // 32) * 32, ERF_CHUNK)
    return chunk * (12 if dtype == "f32" else 16)
