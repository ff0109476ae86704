"""Cube kernels for tests/test_cube_kernels.py: tiled matrix multiplication on the AIC.

C[m x n] = A[m x k] @ B[k x n] (or @ B^T with B given as [n x k]), all row-major in GM. The output is
cut into BM x BN tiles dealt round-robin to the blocks; each tile loops over k in BK steps, accumulating
in L0C, and leaves through one Fixpipe. Sizes need not be multiples of 16: the tail tiles load and
multiply only what is there (the ND2NZ copy zero-pads k to a whole fractal column).
"""

from ascendpy import std
from ascendpy.ops.kernels.matmul import accumulate
from ascendpy.std import Ptr, bf16, f16, f32, i8, i32, u32

BM, BN, BK = 64, 64, 64  # f16: L1 2 x 8 KiB, L0A/L0B 8 KiB, L0C 16 KiB
IK = 128  # i8 k step: one 64 x 128 i8 tile is 8 KiB too


@std.inline
def matmul_tiles(a, b, c, m, n, k, dtype, acc_t, bk, relu, trans):
    """B is [k x n], or with `trans` B^T [n x k]: [k x n] is transposed fractal by fractal on its way to L0B
    (16-bit types only); B^T's fractals already have the Zn shape L0B wants (every cube type)."""
    a1 = std.l1_alloc(dtype, BM, bk)
    b1 = std.l1_alloc(dtype, BN if trans else bk, bk if trans else BN)
    a2 = std.l0a_alloc(dtype, BM, bk)
    b2 = std.l0b_alloc(dtype, bk, BN)
    c1 = std.l0c_alloc(acc_t, BM, BN)
    tiles_n = (n + BN - 1) // BN
    tiles = (m + BM - 1) // BM * tiles_n
    t = std.get_block_idx()
    while t < tiles:
        row = t // tiles_n * BM
        col = t % tiles_n * BN
        mm = min(BM, m - row)
        nn = min(BN, n - col)
        accumulate(c1, a1, b1, a2, b2, a, b, row * k, 0, col, mm, nn, k, k, k if trans else n, trans, bk)
        std.fixpipe(c, row * n + col, c1, mm, nn, n, relu)
        t += std.get_block_num()


@std.cube_kernel
def matmul_f16(a: Ptr[f16], b: Ptr[f16], c: Ptr[f32], m: u32, n: u32, k: u32):
    matmul_tiles(a, b, c, m, n, k, f16, f32, BK, False, False)


@std.cube_kernel
def matmul_f16_out_f16_relu(a: Ptr[f16], b: Ptr[f16], c: Ptr[f16], m: u32, n: u32, k: u32):
    matmul_tiles(a, b, c, m, n, k, f16, f32, BK, True, False)


@std.cube_kernel
def matmul_f16_bt(a: Ptr[f16], bt: Ptr[f16], c: Ptr[f32], m: u32, n: u32, k: u32):
    matmul_tiles(a, bt, c, m, n, k, f16, f32, BK, False, True)


@std.cube_kernel
def matmul_bf16(a: Ptr[bf16], b: Ptr[bf16], c: Ptr[f32], m: u32, n: u32, k: u32):
    matmul_tiles(a, b, c, m, n, k, bf16, f32, BK, False, False)


@std.cube_kernel
def matmul_i8_bt(a: Ptr[i8], bt: Ptr[i8], c: Ptr[i32], m: u32, n: u32, k: u32):
    matmul_tiles(a, bt, c, m, n, k, i8, i32, IK, False, True)


@std.cube_kernel
def matmul_f32_bt(a: Ptr[f32], bt: Ptr[f32], c: Ptr[f32], m: u32, n: u32, k: u32):
    matmul_tiles(a, bt, c, m, n, k, f32, f32, 32, False, True)


@std.cube_kernel
def matmul_wrong_layout(a: Ptr[f16], b: Ptr[f16], c: Ptr[f32]):
    """A planted bug: 32 x 32 x 32 with A copied into L1 as plain ND rows (std.load) instead of std.load_nz."""
    a1 = std.l1_alloc(f16, 32, 32)
    b1 = std.l1_alloc(f16, 32, 32)
    a2 = std.l0a_alloc(f16, 32, 32)
    b2 = std.l0b_alloc(f16, 32, 32)
    c1 = std.l0c_alloc(f32, 32, 32)
    std.load(a1, a, 0, 32 * 32)  # WRONG LAYOUT: ND rows where the cube expects NZ fractals
    std.load_nz(b1, b, 0, 32, 32, 32)
    std.load_l0a(a2, a1, 0, 0)
    std.load_l0b(b2, b1, 0, 0)
    std.mmad(c1, a2, b2, 32, 32, 32, False)
    std.fixpipe(c, 0, c1, 32, 32, 32, False)


@std.cube_kernel
def matmul_tail_loaded_as_full_tile(a: Ptr[f16], b: Ptr[f16], c: Ptr[f32]):
    """A planted bug: 32 x 16 x 40 in 32 x 64 / 64 x 16 tiles, the L0 loads laid out for the whole tile (k = 64)."""
    a1 = std.l1_alloc(f16, 32, 64)
    b1 = std.l1_alloc(f16, 64, 16)
    a2 = std.l0a_alloc(f16, 32, 64)
    b2 = std.l0b_alloc(f16, 64, 16)
    c1 = std.l0c_alloc(f32, 32, 16)
    std.load_nz(a1, a, 0, 32, 40, 40)
    std.load_nz(b1, b, 0, 40, 16, 16)
    std.load_l0a(a2, a1, 0, 0)  # laid out for k = 64: 4 fractals per 16-row block
    std.load_l0b(b2, b1, 0, 0)
    std.mmad(c1, a2, b2, 32, 16, 40, False)  # TAIL: reads 3 fractals per row block
    std.fixpipe(c, 0, c1, 32, 16, 16, False)
