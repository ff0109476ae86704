"""Kernels for tests/test_array_launch.py: launched as kernel[block_dim](arrays...)."""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, i32, u32

TILE = 1024


@std.aiv_kernel
def axpy(x: Ptr[f32], y: Ptr[f32], a: f32, n: u32):
    """y = a * x + y over n elements, the blocks splitting them."""
    xb = std.ub_alloc(f32, TILE)
    yb = std.ub_alloc(f32, TILE)
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.load(yb, y, off, cnt)
        std.muls(xb, xb, a, cnt)
        std.add(yb, yb, xb, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.aiv_kernel
def poke(z: Ptr[i32], i: u32):
    z[i] = 7


@std.cube_kernel
def tile_mm(a: Ptr[f16], bt: Ptr[f16], c: Ptr[f32]):
    """c = a @ bt.T for one 32 x 32 x 32 tile."""
    a1 = std.l1_alloc(f16, 32, 32)
    b1 = std.l1_alloc(f16, 32, 32)
    a2 = std.l0a_alloc(f16, 32, 32)
    b2 = std.l0b_alloc(f16, 32, 32)
    c1 = std.l0c_alloc(f32, 32, 32)
    std.load_nz(a1, a, 0, 32, 32, 32)
    std.load_nz(b1, bt, 0, 32, 32, 32)
    std.load_l0a(a2, a1, 0, 0)
    std.load_l0b_trans(b2, b1, 0, 0)
    std.mmad(c1, a2, b2, 32, 32, 32, False)
    std.fixpipe(c, 0, c1, 32, 32, 32, False)
