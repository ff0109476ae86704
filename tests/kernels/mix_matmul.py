"""Mix kernels for tests/test_cube_kernels.py: the AIC multiplies, the two AIVs of its group post-process.

Each block is a group (910B: one AIC, two AIVs). The AIC computes BM x BN tiles of A @ B into a GM
workspace and raises cross-core flag 0 per tile; each AIV waits for it, then takes half of the tile's
rows through the Unified Buffer and writes the final result.
"""

from ascendpy import std
from ascendpy.ops.kernels.matmul import accumulate
from ascendpy.std import Ptr, f16, f32, u32

BM, BN, BK = 32, 64, 64
HALF = BM // 2  # rows per AIV


@std.inline
def cube_side(a, b, ws, m, n, k, tiles, tiles_n):
    """The AIC: each tile of A @ B into the workspace, then flag 0 for the group's AIVs."""
    a1 = std.l1_alloc(f16, BM, BK)
    b1 = std.l1_alloc(f16, BK, BN)
    a2 = std.l0a_alloc(f16, BM, BK)
    b2 = std.l0b_alloc(f16, BK, BN)
    c1 = std.l0c_alloc(f32, BM, BN)
    t = std.get_block_idx()
    while t < tiles:
        row = t // tiles_n * BM
        col = t % tiles_n * BN
        mm = min(BM, m - row)
        nn = min(BN, n - col)
        accumulate(c1, a1, b1, a2, b2, a, b, row * k, 0, col, mm, nn, k, k, n, False, BK)
        std.fixpipe(ws, row * n + col, c1, mm, nn, n, False)
        std.cross_core_set_flag(0)  # SET: the tile is in the workspace
        t += std.get_block_num()


@std.mix_kernel
def matmul_bias_relu(a: Ptr[f16], b: Ptr[f16], bias: Ptr[f32], ws: Ptr[f32], out: Ptr[f32], m: u32, n: u32,
                     k: u32):
    """out = relu(A @ B + bias), bias one row of n."""
    xb = std.ub_alloc(f32, BN)
    bb = std.ub_alloc(f32, BN)
    yb = std.ub_alloc(f32, BN)
    tiles_n = (n + BN - 1) // BN
    tiles = (m + BM - 1) // BM * tiles_n
    if std.is_aic():
        cube_side(a, b, ws, m, n, k, tiles, tiles_n)
    else:
        t = std.get_block_idx() // 2  # the group: AIV block indices are group * 2 + sub-block
        sub = std.get_subblock_idx()
        while t < tiles:
            row = t // tiles_n * BM
            col = t % tiles_n * BN
            mm = min(BM, m - row)
            nn = min(BN, n - col)
            std.cross_core_wait_flag(0)  # WAIT: for the AIC's tile
            std.load(bb, bias, col, nn)
            r = sub * HALF
            while r < min(mm, (sub + 1) * HALF):
                std.load(xb, ws, (row + r) * n + col, nn)
                std.add(yb, xb, bb, nn)
                std.relu(yb, yb, nn)
                std.store(out, (row + r) * n + col, yb, nn)
                r += 1
            t += std.get_block_num()


@std.mix_kernel
def matmul_softmax(a: Ptr[f16], b: Ptr[f16], ws: Ptr[f32], out: Ptr[f32], m: u32, n: u32, k: u32):
    """out = softmax(A @ B) over each row; n <= BN (one tile across)."""
    xb = std.ub_alloc(f32, BN)
    yb = std.ub_alloc(f32, BN)
    tiles = (m + BM - 1) // BM
    if std.is_aic():
        cube_side(a, b, ws, m, n, k, tiles, 1)
    if std.is_aiv():
        t = std.get_block_idx() // 2
        sub = std.get_subblock_idx()
        while t < tiles:
            row = t * BM
            mm = min(BM, m - row)
            std.cross_core_wait_flag(0)
            r = sub * HALF
            while r < min(mm, (sub + 1) * HALF):
                std.load(xb, ws, (row + r) * n, n)
                std.ops.softmax(yb, xb, n)
                std.store(out, (row + r) * n, yb, n)
                r += 1
            t += std.get_block_num()


@std.mix_kernel
def matmul_no_set_flag(a: Ptr[f16], b: Ptr[f16], ws: Ptr[f32], out: Ptr[f32]):
    """A planted bug: the AIC never raises flag 0, so the AIVs' wait can never return (a deadlock)."""
    xb = std.ub_alloc(f32, 16)
    a1 = std.l1_alloc(f16, 16, 16)
    b1 = std.l1_alloc(f16, 16, 16)
    a2 = std.l0a_alloc(f16, 16, 16)
    b2 = std.l0b_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    if std.is_aic():
        std.load_nz(a1, a, 0, 16, 16, 16)
        std.load_nz(b1, b, 0, 16, 16, 16)
        std.load_l0a(a2, a1, 0, 0)
        std.load_l0b(b2, b1, 0, 0)
        std.mmad(c1, a2, b2, 16, 16, 16, False)
        std.fixpipe(ws, 0, c1, 16, 16, 16, False)
    else:
        std.cross_core_wait_flag(1)  # WAIT NEVER SET
        std.load(xb, ws, std.get_subblock_idx() * 16, 16)
        std.store(out, std.get_subblock_idx() * 16, xb, 16)
