"""argmax over the last axis of x [rows, cols] (f32): int64 indices [rows] and the bool mask x == max [rows, cols].

The blocks split the rows. Each row is one DMA into a 32-byte-aligned UB buffer and one ReduceMax with calIndex
(`std.argmax`): no scalar loop over elements. The index of the first maximum (as np.argmax and torch.argmax pick)
is what the hardware returns on ties. The mask is CompareScalar(EQ, max) turned into bool bytes
(`std.ops.mask_to_bool`). Indices are gathered per tile of TILE_ROWS rows in an int64 UB buffer and stored with
one DMA per tile. Runs on 910B and 310P (no int64 Cast is needed: each index is written on the scalar unit).
"""

from ascendpy import std
from ascendpy.std import Ptr, boolean, f32, i64, u8, u32

MAX_COLS = 4096  # one row in UB (16 KiB of f32)
TILE_ROWS = 8  # indices stored per DMA


@std.aiv_kernel
def argmax_rows(x: Ptr[f32], idx: Ptr[i64], is_max: Ptr[boolean], rows: u32, cols: u32):
    xb = std.ub_alloc(f32, MAX_COLS)
    mb = std.ub_alloc(u8, MAX_COLS // 8)
    bb = std.ub_alloc(boolean, MAX_COLS)
    ib = std.ub_alloc(i64, TILE_ROWS)
    nb = std.get_block_num()
    per = (std.i64(rows) + nb - 1) // nb
    r = std.get_block_idx() * per
    end = min(r + per, std.i64(rows))
    while r < end:
        k = min(TILE_ROWS, end - r)
        for j in range(k):
            row = (r + j) * cols
            std.load(xb, x, row, cols)
            a = std.argmax(xb, cols)  # ReduceMax(..., calIndex = true): the first maximum
            ib[j] = std.i64(a)
            std.compares(mb, xb, xb[a], std.CMPMODE.EQ, cols)
            std.ops.mask_to_bool(bb, mb, cols)
            std.store(is_max, row, bb, cols)
        std.store(idx, r, ib, k)
        r += TILE_ROWS
