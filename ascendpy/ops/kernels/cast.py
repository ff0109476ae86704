"""Dtype conversions on the device (the casts PyTorch's type promotion asks for): f16 <-> f32.

bfloat16 conversions are in cast_bf16.py (310P has no bfloat16). f32 -> f16 rounds to nearest even
(CAST_NONE; 310P has no CAST_RINT for it), like numpy and torch.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import share
from ascendpy.std import Ptr, f16, f32, u32

TILE = 4096


@std.inline
def convert(src_t, dst_t, mode, x, y, n):
    xb = std.ub_alloc(src_t, TILE)
    yb = std.ub_alloc(dst_t, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.cast(yb, xb, mode, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.aiv_kernel
def cast_f16_f32(x: Ptr[f16], y: Ptr[f32], n: u32):
    convert(f16, f32, std.RoundMode.CAST_NONE, x, y, n)


@std.aiv_kernel
def cast_f32_f16(x: Ptr[f32], y: Ptr[f16], n: u32):
    convert(f32, f16, std.RoundMode.CAST_NONE, x, y, n)
