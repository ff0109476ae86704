"""Kernels for tests/test_buffer_views.py: sub-buffer views buf[a:b] as vector-op and DMA operands."""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

ROWS, COLS = 8, 64


@std.aiv_kernel
def add_halves(x: Ptr[f32], y: Ptr[f32]):
    """y[:64] = x[:64] + x[64:128], both halves views of one buffer."""
    xb = std.ub_alloc(f32, 128)
    yb = std.ub_alloc(f32, 64)
    std.load(xb, x, 0, 128)
    std.add(yb, xb[0:64], xb[64:128], 64)
    std.store(y, 0, yb, 64)


@std.aiv_kernel
def add_halves_f16(x: Ptr[f16], y: Ptr[f16]):
    xb = std.ub_alloc(f16, 256)
    yb = std.ub_alloc(f16, 128)
    std.load(xb[128:], x, 128, 128)  # the upper half first, through a view
    std.load(xb[:128], x, 0, 128)
    std.add(yb, xb[:128], xb[128:], 128)
    std.store(y, 0, yb, 128)


@std.aiv_kernel
def scale_rows(x: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32):
    """Row r of a ROWS x COLS block times (r + 1), each row a view at a run-time offset."""
    xb = std.ub_alloc(f32, ROWS * COLS)
    std.load(xb, x, 0, rows * cols)
    for r in range(rows):
        std.muls(xb[r * cols:(r + 1) * cols], xb[r * cols:(r + 1) * cols], std.f32(r + 1), cols)  # ROW VIEW
    std.store(y, 0, xb, rows * cols)
