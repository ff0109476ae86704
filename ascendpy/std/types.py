"""Element types and typed global-memory pointers of the device language."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScalarType:
    """A plain numeric element type, as the device sees it."""

    name: str  # the device-language name: u16, f32, ...
    kind: str  # "u" unsigned int, "i" signed int, "f" float
    bits: int
    cpp: str  # AscendC / C++ spelling
    numpy: str  # numpy dtype name

    @property
    def is_int(self) -> bool:
        return self.kind in "ui"

    @property
    def is_float(self) -> bool:
        return self.kind == "f"

    @property
    def signed(self) -> bool:
        return self.kind != "u"

    @property
    def nbytes(self) -> int:
        return max(1, self.bits // 8)  # bool: one byte per element in memory (numpy bool_, C++ bool)

    def min_max(self) -> tuple[int, int] | tuple[float, float]:
        if self.kind == "u":
            return 0, (1 << self.bits) - 1
        if self.kind == "i":
            return -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        big = {16: 65504.0, 32: 3.4028234663852886e38, 64: 1.7976931348623157e308}[self.bits]
        return -big, big

    def __call__(self, value: object) -> object:
        raise TypeError(
            f"std.{self.name}(...) converts a value inside an @std.aiv_kernel function; "
            "it cannot be called from ordinary Python"
        )

    def __repr__(self) -> str:
        return self.name


u8 = ScalarType("u8", "u", 8, "uint8_t", "uint8")
i8 = ScalarType("i8", "i", 8, "int8_t", "int8")
u16 = ScalarType("u16", "u", 16, "uint16_t", "uint16")
i16 = ScalarType("i16", "i", 16, "int16_t", "int16")
u32 = ScalarType("u32", "u", 32, "uint32_t", "uint32")
i32 = ScalarType("i32", "i", 32, "int32_t", "int32")
u64 = ScalarType("u64", "u", 64, "uint64_t", "uint64")
i64 = ScalarType("i64", "i", 64, "int64_t", "int64")
f16 = ScalarType("f16", "f", 16, "half", "float16")
f32 = ScalarType("f32", "f", 32, "float", "float32")
bf16 = ScalarType("bf16", "f", 16, "bfloat16_t", "bfloat16")  # buffers and pointers only: no scalar arithmetic
boolean = ScalarType("bool", "u", 1, "bool", "bool")  # scalars (comparisons); Ptr / buffers hold one 0/1 byte each

SCALAR_TYPES: dict[str, ScalarType] = {
    t.name: t for t in (u8, i8, u16, i16, u32, i32, u64, i64, f16, f32)
}
# Element types of Ptr[...] and on-chip buffers: the scalar types plus bf16 (910B only) and bool (one byte each,
# moved and indexed like u8; std.cast and std.ops.mask_to_bool / bool_to_mask convert it on chip).
ELEMENT_TYPES: dict[str, ScalarType] = {**SCALAR_TYPES, "bf16": bf16, "bool": boolean}


@dataclass(frozen=True)
class PtrType:
    """`Ptr[T]`: a pointer into device global memory whose elements are T."""

    elem: ScalarType

    def __repr__(self) -> str:
        return f"Ptr[{self.elem.name}]"


class _PtrFactory:
    def __getitem__(self, elem: ScalarType) -> PtrType:
        if not isinstance(elem, ScalarType):
            raise TypeError(
                f"Ptr[...] takes an element type such as u16 or f32, not {elem!r}; "
                f"valid: {', '.join(ELEMENT_TYPES)}"
            )
        return PtrType(elem)

    def __repr__(self) -> str:
        return "Ptr"


Ptr = _PtrFactory()
