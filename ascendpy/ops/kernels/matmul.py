"""Cube kernels behind `ascendpy.ops.matmul`: C[b] = A[b] @ B[b] (or @ B[b]^T), tiled over the blocks.

Every operand is row-major in GM. The output of each batch is cut into TILE_M x TILE_N tiles, dealt
round-robin to the blocks (one AIC each); a tile walks k in TILE_K steps: A and B tiles go GM -> L1 with
the ND -> NZ conversion, L1 -> L0A / L0B, and Mmad accumulates into L0C; one Fixpipe converts the f32
accumulator to the output type on the way to GM. Tails need no padding: the copies move only what is
there and ND2NZ zero-fills k to a whole fractal. `accumulate` takes B as [K x N] too (transposed fractal
by fractal on its way to L0B), but there a k tail leaves rows of the L1 tile that nothing wrote, which
the cube multiplies by A's zero padding: fine unless they hold a NaN, so the operators pass B^T.
A batch stride of 0 shares one 2-D operand across the batch.

Budget per block (f16, 910B): the L1 and L0A/L0B tiles are double-buffered queues, L1 2 x 2 x 32 KiB,
L0A and L0B 2 x 32 KiB each (all of them), L0C 64 KiB (f32 128 x 128).
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

TILE_M, TILE_N, TILE_K = 128, 128, 128
F32_K = 64  # f32 inputs: L0A 2 x 128 x 64 x 4 bytes = all 64 KiB


@std.inline
def accumulate(c1, a1, b1, a2, b2, a, b, a0, b0, col, mm, nn, k, lda, ldb, trans, bk):
    """c1 (L0C) = A[mm x k] @ B[k x nn] for one output tile, k in steps of bk (the L0 tiles' depth).

    The A tile starts at element a0 of `a` (row pitch lda). B is [k x n] from element b0 (row pitch ldb),
    its tile at column `col`; with `trans` (a compile-time bool), `b` holds B^T as [n x k] and the tile is
    rows col.. of it. a1/b1 are the L1 tiles, a2/b2 the L0A/L0B tiles: any shapes that hold the pieces.
    """
    k0: u32 = 0
    while k0 < k:
        kk = min(bk, k - k0)
        std.load_nz(a1, a, a0 + k0, mm, kk, lda)
        std.load_l0a(a2, a1, 0, 0, mm, kk)
        if trans:
            std.load_nz(b1, b, b0 + std.u64(col) * ldb + k0, nn, kk, ldb)
            std.load_l0b_trans(b2, b1, 0, 0, kk, nn)
        else:
            std.load_nz(b1, b, b0 + std.u64(k0) * ldb + std.u64(col), kk, nn, ldb)
            std.load_l0b(b2, b1, 0, 0, kk, nn)
        std.mmad(c1, a2, b2, mm, nn, kk, k0 > 0)
        k0 += bk


@std.inline
def tiles(a, b, c, batch, m, n, k, a_bs, b_bs, dtype, trans, bk):
    """Every output tile of every batch assigned to this block; `trans`: b holds B^T as [n x k]. `bk` is the
    k depth of the L0 tiles (TILE_K for 16-bit inputs, F32_K for f32, whose elements are twice as large)."""
    a1 = std.l1_alloc(dtype, TILE_M, bk)
    b1 = std.l1_alloc(dtype, TILE_N if trans else bk, bk if trans else TILE_N)  # B^T [n x k] or B [k x n]
    a2 = std.l0a_alloc(dtype, TILE_M, bk)
    b2 = std.l0b_alloc(dtype, bk, TILE_N)
    c1 = std.l0c_alloc(f32, TILE_M, TILE_N)
    tiles_n = (n + TILE_N - 1) // TILE_N
    per_batch = (m + TILE_M - 1) // TILE_M * tiles_n
    total = std.u64(per_batch) * batch
    t = std.u64(std.get_block_idx())
    while t < total:
        bi = t // per_batch
        r = std.u32(t % per_batch)
        row = r // tiles_n * TILE_M
        col = r % tiles_n * TILE_N
        mm = min(TILE_M, m - row)
        nn = min(TILE_N, n - col)
        ldb = k if trans else n
        accumulate(c1, a1, b1, a2, b2, a, b, bi * a_bs + std.u64(row) * k, bi * b_bs, col, mm, nn, k, k, ldb,
                   trans, bk)
        std.fixpipe(c, bi * m * n + std.u64(row) * n + col, c1, mm, nn, n, False)
        t += std.u64(std.get_block_num())


# One kernel per (input type, output type); ascendpy.ops.matmul looks them up by name and always passes B^T
# (see its comment on k tails). The bf16 ones live in matmul_bf16.py: 310P has no bf16, and this module must
# build for it.
@std.cube_kernel
def matmul_f16_f32(a: Ptr[f16], bt: Ptr[f16], c: Ptr[f32], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                   b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, f16, True, TILE_K)


@std.cube_kernel
def matmul_f16_f16(a: Ptr[f16], bt: Ptr[f16], c: Ptr[f16], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                   b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, f16, True, TILE_K)
