"""Kernels for tests/test_scan_erf.py: std.cumsum (AscendC CumSum), std.ops.cumprod and std.erf (AscendC Erf).

Each kernel takes a [rows, cols] matrix (or a vector) in GM; tiles of TILE_ROWS rows go through UB, so
inputs larger than one tile take several. Row lengths are compile-time (`cols` of CumSum is the tile
width); the number of rows is a run-time argument.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

COLS32 = 40  # f32 row length: a multiple of 8 elements (32 bytes)
COLS16 = 48  # f16 row length: a multiple of 16 elements
TILE_ROWS = 24  # rows per UB tile (not a multiple of 16: the last pass of the last-axis path is a tail)
ERF_TILE = 2048


@std.inline
def _scan_rows(op, dtype, cols, axis, x, y, rows):
    """y = op(x) over tiles of TILE_ROWS rows; axis 1 only (each tile is independent)."""
    xb = std.ub_alloc(dtype, TILE_ROWS * cols)
    yb = std.ub_alloc(dtype, TILE_ROWS * cols)
    r = std.u32(0)
    while r < rows:
        n = min(TILE_ROWS, rows - r)
        std.load(xb, x, r * cols, n * cols)
        op(yb, xb, n, cols, axis)
        std.store(y, r * cols, yb, n * cols)
        r += TILE_ROWS


@std.aiv_kernel
def cumsum_last_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    _scan_rows(std.cumsum, f32, COLS32, 1, x, y, rows)


@std.aiv_kernel
def cumsum_last_f16(x: Ptr[f16], y: Ptr[f16], rows: u32):
    _scan_rows(std.cumsum, f16, COLS16, 1, x, y, rows)


@std.inline
def _scan_down(dtype, cols, x, y, rows):
    """y = cumsum(x, axis=0) over tiles of rows: each tile's last row (CumSum's lastRow output) carries into
    the first row of the next tile."""
    xb = std.ub_alloc(dtype, TILE_ROWS * cols)
    yb = std.ub_alloc(dtype, TILE_ROWS * cols)
    carry = std.ub_alloc(dtype, cols)
    std.duplicate(carry, 0.0, cols)
    r = std.u32(0)
    while r < rows:
        n = min(TILE_ROWS, rows - r)
        std.load(xb, x, r * cols, n * cols)
        std.add(xb[0:cols], xb[0:cols], carry, cols)
        std.cumsum(yb, xb, n, cols, 0, carry)
        std.store(y, r * cols, yb, n * cols)
        r += TILE_ROWS


@std.aiv_kernel
def cumsum_first_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    _scan_down(f32, COLS32, x, y, rows)


@std.aiv_kernel
def cumsum_first_f16(x: Ptr[f16], y: Ptr[f16], rows: u32):
    _scan_down(f16, COLS16, x, y, rows)


@std.inline
def _erf(dtype, x, y, n):
    xb = std.ub_alloc(dtype, ERF_TILE)
    yb = std.ub_alloc(dtype, ERF_TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(ERF_TILE, end - off)
        std.load(xb, x, off, cnt)
        std.erf(yb, xb, cnt)
        std.store(y, off, yb, cnt)
        off += ERF_TILE


@std.aiv_kernel
def erf_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    _erf(f32, x, y, n)


@std.aiv_kernel
def erf_f16(x: Ptr[f16], y: Ptr[f16], n: u32):
    _erf(f16, x, y, n)


@std.inline
def _prod_down(dtype, cols, x, y, rows):
    """y = cumprod(x, axis=0) over tiles of rows, the previous tile's last row carried into row 0."""
    xb = std.ub_alloc(dtype, TILE_ROWS * cols)
    yb = std.ub_alloc(dtype, TILE_ROWS * cols)
    carry = std.ub_alloc(dtype, cols)
    std.duplicate(carry, 1.0, cols)
    r = std.u32(0)
    while r < rows:
        n = min(TILE_ROWS, rows - r)
        std.load(xb, x, r * cols, n * cols)
        std.mul(xb[0:cols], xb[0:cols], carry, cols)
        std.ops.cumprod(yb, xb, n, cols, 0)
        std.muls(carry, yb[(n - 1) * cols:n * cols], 1.0, cols)
        std.store(y, r * cols, yb, n * cols)
        r += TILE_ROWS


@std.aiv_kernel
def cumprod_first_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    _prod_down(f32, COLS32, x, y, rows)


@std.aiv_kernel
def cumprod_first_f16(x: Ptr[f16], y: Ptr[f16], rows: u32):
    _prod_down(f16, COLS16, x, y, rows)


@std.inline
def _prod_last(dtype, cols, x, y, rows):
    """y = cumprod(x, axis=-1) over tiles of TILE_ROWS rows (each row is independent)."""
    xb = std.ub_alloc(dtype, TILE_ROWS * cols)
    yb = std.ub_alloc(dtype, TILE_ROWS * cols)
    r = std.get_block_idx() * TILE_ROWS
    while r < rows:
        n = min(TILE_ROWS, rows - r)
        std.load(xb, x, r * cols, n * cols)
        std.ops.cumprod(yb, xb, n, cols, -1)
        std.store(y, r * cols, yb, n * cols)
        r += TILE_ROWS * std.get_block_num()


@std.aiv_kernel
def cumprod_last_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    _prod_last(f32, COLS32, x, y, rows)


@std.aiv_kernel
def cumprod_last_f16(x: Ptr[f16], y: Ptr[f16], rows: u32):
    _prod_last(f16, COLS16, x, y, rows)


# ------------------------------------------------------------------ planted misuse (tests/test_scan_erf.py)
@std.aiv_kernel
def cumsum_view(x: Ptr[f32], y: Ptr[f32], at: u32):
    a = std.ub_alloc(f32, 256)
    b = std.ub_alloc(f32, 256)
    std.load(a, x, 0, 128)
    std.cumsum(b[at:at + 128], a, 16, 8, 1)  # MISALIGNED
    std.store(y, 0, b, 128)


@std.aiv_kernel
def erf_view(x: Ptr[f16], y: Ptr[f16], at: u32):
    a = std.ub_alloc(f16, 256)
    b = std.ub_alloc(f16, 256)
    std.load(a, x, 0, 128)
    std.erf(b, a[at:at + 128], 100)  # MISALIGNED
    std.store(y, 0, b, 128)
