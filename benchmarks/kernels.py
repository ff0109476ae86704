"""The kernels issue 14's speed table is measured on, shared by every benchmark.

`mul_f32` / `mul_f16` are bandwidth-bound elementwise multiplies: each block takes a contiguous
share of the vectors and streams it through the Unified Buffer one tile at a time (the compiler
double-buffers the load and store queues). Row softmax is `examples.softmax.kernels.softmax_rows`.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

# f32 per tile: 3 buffers x 2 (double-buffered queues) x 16 KiB = 96 KiB of the 910B's 192 KiB UB.
MUL_TILE = 4096


@std.aiv_kernel
def mul_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, MUL_TILE)
    yb = std.ub_alloc(f32, MUL_TILE)
    zb = std.ub_alloc(f32, MUL_TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(MUL_TILE, end - off)
        std.load(xb, x, off, cnt)
        std.load(yb, y, off, cnt)
        std.mul(zb, xb, yb, cnt)
        std.store(z, off, zb, cnt)
        off += MUL_TILE


@std.aiv_kernel
def mul_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], n: u32):
    xb = std.ub_alloc(f16, 2 * MUL_TILE)
    yb = std.ub_alloc(f16, 2 * MUL_TILE)
    zb = std.ub_alloc(f16, 2 * MUL_TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(2 * MUL_TILE, end - off)
        std.load(xb, x, off, cnt)
        std.load(yb, y, off, cnt)
        std.mul(zb, xb, yb, cnt)
        std.store(z, off, zb, cnt)
        off += 2 * MUL_TILE


@std.aiv_kernel
def empty():
    """Does nothing: what a launch costs by itself."""
    pass
