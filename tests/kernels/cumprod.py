"""Kernels for tests/test_cumprod.py: std.ops.cumprod along the last axis (torch.cumprod(x, dim=-1)).

Each kernel takes a row-major [rows, COLS] matrix in GM; tiles of at most TILE_ROWS rows go through UB, so
inputs larger than one tile take several (each row is independent along the last axis, and the last tile
has a run-time number of rows). Row lengths are compile-time and odd on purpose: the composite transposes
on chip, so no 32-byte alignment of a row is needed.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

TILE_ROWS = 7  # rows per UB tile: not a multiple of 8 or 16, so the transposed tile has padding rows


@std.inline
def _prod_last(dtype, cols, tile_rows, x, y, rows):
    """y = cumprod(x, axis=-1) over tiles of `tile_rows` rows of `cols` elements."""
    xb = std.ub_alloc(dtype, tile_rows * cols)
    yb = std.ub_alloc(dtype, tile_rows * cols)
    r = std.u32(0)
    while r < rows:
        n = min(tile_rows, rows - r)
        std.load(xb, x, r * cols, n * cols)
        std.ops.cumprod(yb, xb, n, cols, -1)
        std.store(y, r * cols, yb, n * cols)
        r += tile_rows


@std.aiv_kernel
def cumprod_last_45_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    _prod_last(f32, 45, TILE_ROWS, x, y, rows)


@std.aiv_kernel
def cumprod_last_45_f16(x: Ptr[f16], y: Ptr[f16], rows: u32):
    _prod_last(f16, 45, TILE_ROWS, x, y, rows)


@std.aiv_kernel
def cumprod_last_64_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    _prod_last(f32, 64, 33, x, y, rows)


@std.aiv_kernel
def cumprod_last_64_f16(x: Ptr[f16], y: Ptr[f16], rows: u32):
    _prod_last(f16, 64, 33, x, y, rows)


@std.aiv_kernel
def cumprod_last_1_f32(x: Ptr[f32], y: Ptr[f32], rows: u32):
    _prod_last(f32, 1, 1, x, y, rows)


@std.aiv_kernel
def cumprod_vector_f32(x: Ptr[f32], y: Ptr[f32]):
    """A 1-D tile of 333 elements: rows = 1, in place (dst is src)."""
    xb = std.ub_alloc(f32, 333)
    std.load(xb, x, 0, 333)
    std.ops.cumprod(xb, xb, 1, 333, 1)
    std.store(y, 0, xb, 333)


@std.aiv_kernel
def cumprod_vector_f16(x: Ptr[f16], y: Ptr[f16]):
    xb = std.ub_alloc(f16, 333)
    std.load(xb, x, 0, 333)
    std.ops.cumprod(xb, xb, 1, 333, 1)
    std.store(y, 0, xb, 333)


# ------------------------------------------------------------------ std.reinterpret (the offsets' u32 view)
@std.aiv_kernel
def reinterpret_next_up(x: Ptr[f32], y: Ptr[f32], n: u32):
    """y = the next f32 above each positive x: +1 on the bits, through an i32 view of the loaded f32 buffer.

    The DMA in writes `xb`, the Adds writes its i32 view and the DMA out reads `xb`: the sync pass must see
    the view as `xb` (MTE2 -> V and V -> MTE3 flags), or the simulator's race check faults.
    """
    xb = std.ub_alloc(f32, 1024)
    std.load(xb, x, 0, n)
    std.adds(std.reinterpret(xb, std.i32), std.reinterpret(xb, std.i32), 1, n)
    std.store(y, 0, xb, n)
