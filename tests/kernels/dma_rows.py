"""Kernels for tests/test_dma_rows.py: rows of a matrix, column blocks and 2-D windows in one DMA.

std.load_rows / std.store_rows with run-time sizes and pitches, padding and unaligned rows: DataCopyPad,
so 910B only (tests/kernels/dma_rows_310p.py has the forms that also run on 310P).
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

CAP = 2048  # elements of each UB tile: a window of `tr` rows at pitch `ld` needs tr * ld <= CAP


@std.inline
def window(dtype, per, x, y, rows, cols, c0, src_ld, dst_ld, left, right, value, scale):
    """y[r, :] = scale * ([value] * left + x[r, c0:c0 + cols] + [value] * right) for r < rows, tile by tile.

    Each tile is one load_rows (padded rows at the default UB pitch), one muls over the whole tile, one
    store_rows of exactly cols + left + right elements a row into y (row pitch dst_ld). `per` is the
    number of elements in 32 bytes.
    """
    xb = std.ub_alloc(dtype, CAP)
    yb = std.ub_alloc(dtype, CAP)
    w = cols + left + right
    ld = (w + per - 1) // per * per  # the default UB pitch of load_rows
    tr = CAP // ld
    for r0 in range(0, rows, tr):
        n = min(tr, rows - r0)
        std.load_rows(xb, x, r0 * src_ld + c0, n, cols, src_ld, pad_left=left, pad_right=right, pad_value=value)
        std.muls(yb, xb, scale, n * ld)
        std.store_rows(y, r0 * dst_ld, yb, n, w, dst_ld)


@std.aiv_kernel
def window_f32(x: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32, c0: u32, src_ld: u32, dst_ld: u32):
    window(f32, 8, x, y, rows, cols, c0, src_ld, dst_ld, 1, 2, -3.5, 2.0)


@std.aiv_kernel
def window_f16(x: Ptr[f16], y: Ptr[f16], rows: u32, cols: u32, c0: u32, src_ld: u32, dst_ld: u32):
    window(f16, 16, x, y, rows, cols, c0, src_ld, dst_ld, 16, 3, 7.0, 2.0)


@std.aiv_kernel
def window_nopad_f32(x: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32, c0: u32, src_ld: u32, dst_ld: u32):
    window(f32, 8, x, y, rows, cols, c0, src_ld, dst_ld, 0, 0, 0.0, 2.0)


@std.aiv_kernel
def constant_odd_f32(x: Ptr[f32], y: Ptr[f32]):
    """Constant, unaligned: 9 rows of 45 f32 (180 bytes) at GM pitch 47, UB pitch 64, stored at pitch 50."""
    xb = std.ub_alloc(f32, 9 * 64)
    std.load_rows(xb, x, 3, 9, 45, 47, dst_ld=64)  # ODD LOAD
    std.store_rows(y, 0, xb, 9, 45, 50, src_ld=64)  # ODD STORE


@std.aiv_kernel
def runtime_pitch_f32(x: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32, ub_ld: u32):
    """A run-time UB pitch: the simulator checks it is whole 32-byte blocks and holds a row."""
    xb = std.ub_alloc(f32, CAP)
    std.load_rows(xb, x, 0, rows, cols, cols, dst_ld=ub_ld)  # BUG runtime_pitch_f32
    std.store_rows(y, 0, xb, rows, cols, cols, src_ld=ub_ld)


@std.aiv_kernel
def rows_past_buffer_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    """8 rows of 64 f32 fit the 512-element buffer; a run-time rows = 9 runs past its end."""
    xb = std.ub_alloc(f32, 512)
    std.load_rows(xb, x, 0, rows, 64, 64)  # BUG rows_past_buffer_f32
    std.store_rows(y, 0, xb, rows, 64, 64)


@std.aiv_kernel
def view_past_buffer_f32(x: Ptr[f32], y: Ptr[f32], i: u32):
    """Doubles xb[i:i + 64] in place: i = 96 runs 32 elements past the 128-element buffer; i = 4 is off the
    32-byte grid."""
    xb = std.ub_alloc(f32, 128)
    std.load(xb, x, 0, 128)
    std.muls(xb[i:i + 64], xb[i:i + 64], 2.0, 64)  # BUG view_past_buffer_f32
    std.store(y, 0, xb, 128)
