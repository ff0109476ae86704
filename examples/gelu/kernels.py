"""Exact GELU, torch.nn.functional.gelu's default: 0.5 x (1 + erf(x / sqrt(2))), for f32 and f16 vectors.

erf is std.erf (AscendC Erf, via std.ops.gelu_exact); `gelu_tanh_*` run the tanh approximation
(std.ops.gelu) for comparison. The blocks split the vector; each moves TILE elements at a time.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

TILE = 4096


@std.inline
def _map(op, dtype, x, y, n):
    xb = std.ub_alloc(dtype, TILE)
    yb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        op(yb, xb, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.aiv_kernel
def gelu_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    _map(std.ops.gelu_exact, f32, x, y, n)


@std.aiv_kernel
def gelu_f16(x: Ptr[f16], y: Ptr[f16], n: u32):
    _map(std.ops.gelu_exact, f16, x, y, n)


@std.aiv_kernel
def gelu_tanh_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    _map(std.ops.gelu, f32, x, y, n)


@std.aiv_kernel
def gelu_tanh_f16(x: Ptr[f16], y: Ptr[f16], n: u32):
    _map(std.ops.gelu, f16, x, y, n)
