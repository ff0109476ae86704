"""bfloat16 conversions (910B): bf16 <-> f32, and bf16 <-> f16 through f32 (one rounding: f16 -> f32 and
bf16 -> f32 are exact). f32 -> bf16 rounds to nearest even (CAST_RINT)."""

from ascendpy import std
from ascendpy.ops.kernels.cast import TILE, convert
from ascendpy.ops.kernels.common import share
from ascendpy.std import Ptr, bf16, f16, f32, u32


@std.inline
def via_f32(src_t, dst_t, mode, x, y, n):
    xb = std.ub_alloc(src_t, TILE)
    xf = std.ub_alloc(f32, TILE)
    yb = std.ub_alloc(dst_t, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.cast(xf, xb, std.RoundMode.CAST_NONE, cnt)
        std.cast(yb, xf, mode, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.aiv_kernel
def cast_bf16_f32(x: Ptr[bf16], y: Ptr[f32], n: u32):
    convert(bf16, f32, std.RoundMode.CAST_NONE, x, y, n)


@std.aiv_kernel
def cast_f32_bf16(x: Ptr[f32], y: Ptr[bf16], n: u32):
    convert(f32, bf16, std.RoundMode.CAST_RINT, x, y, n)


@std.aiv_kernel
def cast_bf16_f16(x: Ptr[bf16], y: Ptr[f16], n: u32):
    via_f32(bf16, f16, std.RoundMode.CAST_NONE, x, y, n)


@std.aiv_kernel
def cast_f16_bf16(x: Ptr[f16], y: Ptr[bf16], n: u32):
    via_f32(f16, bf16, std.RoundMode.CAST_RINT, x, y, n)
