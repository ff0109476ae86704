"""Kernels for tests/test_dma_rows.py that run on 910B and 310P: every row length and pitch a compile-time
whole number of 32-byte blocks and no padding, so each std.load_rows / std.store_rows is one strided
DataCopy with DataCopyParams (310P has no DataCopyPad). The row count is a run-time value.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

TR = 16  # rows per tile


@std.aiv_kernel
def block_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    """y[r, 0:64] = 3 * x[r, 8:72] for r < rows; x has 80 columns, y 96. The UB tile keeps a pitch of 72
    (a gap of one 32-byte block after each row, on both copies)."""
    xb = std.ub_alloc(f32, TR * 72)
    yb = std.ub_alloc(f32, TR * 72)
    for r0 in range(0, rows, TR):
        n = min(TR, rows - r0)
        std.load_rows(xb, x, r0 * 80 + 8, n, 64, 80, dst_ld=72)
        std.muls(yb, xb, 3.0, n * 72)
        std.store_rows(y, r0 * 96, yb, n, 64, 96, src_ld=72)


@std.aiv_kernel
def block_f16(x: Ptr[f16], y: Ptr[f16], rows: u32):
    """y[r, 0:48] = x[r, 16:64] + 1 for r < rows; x has 64 columns, y 80 (default UB pitch 48)."""
    xb = std.ub_alloc(f16, TR * 48)
    yb = std.ub_alloc(f16, TR * 48)
    for r0 in range(0, rows, TR):
        n = min(TR, rows - r0)
        std.load_rows(xb, x, r0 * 64 + 16, n, 48, 64)
        std.adds(yb, xb, 1.0, n * 48)
        std.store_rows(y, r0 * 80, yb, n, 48, 80)


@std.aiv_kernel
def one_row(x: Ptr[f32], y: Ptr[f32]):
    """One row: its pitch (0 here) is never used."""
    xb = std.ub_alloc(f32, 64)
    std.load_rows(xb, x, 8, 1, 64, 0)
    std.store_rows(y, 0, xb, 1, 64, 0)
