"""bfloat16 softmax / log-softmax kernels (910B): softmax.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels.softmax import cols, rows
from ascendpy.std import Ptr, bf16, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def softmax_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, ncols: u32):
    rows(bf16, True, RINT, False, x, y, nrows, ncols)


@std.aiv_kernel
def softmax_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32):
    cols(bf16, True, RINT, False, x, y, outer, size, inner)


@std.aiv_kernel
def log_softmax_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, ncols: u32):
    rows(bf16, True, RINT, True, x, y, nrows, ncols)


@std.aiv_kernel
def log_softmax_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32):
    cols(bf16, True, RINT, True, x, y, outer, size, inner)
