"""Mix kernels for the matmul example: the cube unit multiplies, the vector units finish the job.

A mix kernel runs as groups of one AIC (cube core) and two AIVs (vector cores) on a 910B; block b of the
launch is group b. The AIC computes BM-row blocks of A @ B (every column tile of the block, k in BK steps
accumulated in L0C) into a global-memory workspace and raises cross-core flag 0 when a row block is
complete; the two AIVs of the group wait for that flag, then each takes half of the block's rows through
the Unified Buffer for the epilogue and writes the result. This is how attention's softmax(Q K^T) V is
built: the scores leave the cube through the workspace, the vector side normalises them.
"""

from ascendpy import std
from ascendpy.ops.kernels.matmul import accumulate  # GM -> L1 -> L0A/L0B -> Mmad, over k, for one tile
from ascendpy.std import Ptr, f16, f32, u32

BM, BN, BK = 64, 128, 128  # f16, double-buffered: L1 2 x (16 + 32) KiB, L0A 2 x 16, L0B 2 x 32, L0C 32 KiB (f32)
HALF = BM // 2  # rows of a row block per AIV
MAX_N = 2048  # softmax holds a whole row in UB: 2 buffers x 8 KiB


@std.inline
def cube_row_blocks(a, bt, ws, m, n, k):
    """The AIC side: A @ B for this group's row blocks into `ws` (row-major m x n); flag 0 per row block.

    B comes transposed, as `bt` [n x k]: then k runs along the L1 tile's columns, which ND2NZ zero-pads to a
    whole fractal, so a k tail multiplies zeros by zeros (with B as [k x n] the rows past the tail would be
    stale L1)."""
    a1 = std.l1_alloc(f16, BM, BK)
    b1 = std.l1_alloc(f16, BN, BK)
    a2 = std.l0a_alloc(f16, BM, BK)
    b2 = std.l0b_alloc(f16, BK, BN)
    c1 = std.l0c_alloc(f32, BM, BN)
    blocks = (m + BM - 1) // BM
    t = std.get_block_idx()
    while t < blocks:
        row = t * BM
        mm = min(BM, m - row)
        col: u32 = 0
        while col < n:
            nn = min(BN, n - col)
            accumulate(c1, a1, b1, a2, b2, a, bt, row * k, 0, col, mm, nn, k, k, k, True, BK)  # k steps of BK
            std.fixpipe(ws, row * n + col, c1, mm, nn, n, False)
            col += BN
        std.cross_core_set_flag(0)  # the row block is in the workspace
        t += std.get_block_num()


@std.mix_kernel
def matmul_bias_relu(a: Ptr[f16], bt: Ptr[f16], bias: Ptr[f32], ws: Ptr[f32], out: Ptr[f32], m: u32, n: u32,
                     k: u32):
    """out = relu(A @ B + bias): A [m x k] and B^T [n x k] f16; bias one f32 row of n; ws an f32 m x n scratch."""
    xb = std.ub_alloc(f32, BN)
    bb = std.ub_alloc(f32, BN)
    yb = std.ub_alloc(f32, BN)
    if std.is_aic():
        cube_row_blocks(a, bt, ws, m, n, k)
    if std.is_aiv():
        t = std.get_block_idx() // 2  # AIV block indices are group * 2 + sub-block
        sub = std.get_subblock_idx()
        while t < (m + BM - 1) // BM:
            row = t * BM
            std.cross_core_wait_flag(0)
            r = row + sub * HALF
            while r < min(m, row + (sub + 1) * HALF):
                col: u32 = 0
                while col < n:
                    nn = min(BN, n - col)
                    std.load(xb, ws, r * n + col, nn)
                    std.load(bb, bias, col, nn)
                    std.add(yb, xb, bb, nn)
                    std.relu(yb, yb, nn)
                    std.store(out, r * n + col, yb, nn)
                    col += BN
                r += 1
            t += std.get_block_num()


@std.mix_kernel
def matmul_softmax(a: Ptr[f16], bt: Ptr[f16], ws: Ptr[f32], out: Ptr[f32], m: u32, n: u32, k: u32):
    """out = softmax(A @ B) along each row (n <= MAX_N): A [m x k], B^T [n x k]; ws an f32 m x n scratch."""
    xb = std.ub_alloc(f32, MAX_N)
    yb = std.ub_alloc(f32, MAX_N)
    if std.is_aic():
        cube_row_blocks(a, bt, ws, m, n, k)
    if std.is_aiv():
        t = std.get_block_idx() // 2
        sub = std.get_subblock_idx()
        while t < (m + BM - 1) // BM:
            row = t * BM
            std.cross_core_wait_flag(0)
            r = row + sub * HALF
            while r < min(m, row + (sub + 1) * HALF):
                std.load(xb, ws, r * n, n)
                std.ops.softmax(yb, xb, n)
                std.store(out, r * n, yb, n)
                r += 1
            t += std.get_block_num()
