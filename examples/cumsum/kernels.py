"""torch.cumsum(x, dim=-1) for a row-major [rows, cols] f32 matrix, as one vector kernel (std.cumsum).

The blocks split the rows. A block moves tiles of TILE_ROWS rows through UB, WIDTH columns at a time: each
row's chunk lands in a row of WIDTH elements (CumSum needs rows of a multiple of 32 bytes, so a row of an
odd `cols` is padded; the padding sits after the row's last column and cannot change it), std.cumsum
(AscendC CumSum along the last axis) scans all rows of the tile at once, and for a matrix wider than
WIDTH each row adds the running total of its previous chunks (one Adds per row; `carry` holds them).
There is no loop over elements: per row one DMA in, at most one Adds, one DMA out.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

WIDTH = 256  # columns per chunk: a multiple of 8 f32 (32 bytes); CumSum's tmp is 16 x WIDTH x 8 bytes
TILE_ROWS = 32


@std.aiv_kernel
def cumsum_rows(x: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32):
    xb = std.ub_alloc(f32, TILE_ROWS * WIDTH)
    yb = std.ub_alloc(f32, TILE_ROWS * WIDTH)
    carry = std.ub_alloc(f32, TILE_ROWS)  # per row of the tile: the sum of its chunks so far
    nb = std.get_block_num()
    per = (rows + nb - 1) // nb
    first = std.get_block_idx() * per
    last = min(first + per, rows)
    t = first
    while t < last:
        n = min(TILE_ROWS, last - t)
        c0 = std.u32(0)
        while c0 < cols:
            cw = min(WIDTH, cols - c0)
            for r in range(n):
                std.load(xb[r * WIDTH:(r + 1) * WIDTH], x, std.u64(t + r) * cols + c0, cw)
            std.cumsum(yb, xb, n, WIDTH, 1)
            for r in range(n):
                if c0 > 0:
                    std.adds(yb[r * WIDTH:(r + 1) * WIDTH], yb[r * WIDTH:(r + 1) * WIDTH], carry[r], cw)
                carry[r] = yb[r * WIDTH + cw - 1]
                std.store(y, std.u64(t + r) * cols + c0, yb[r * WIDTH:(r + 1) * WIDTH], cw)
            c0 += WIDTH
        t += TILE_ROWS
