"""bfloat16 reductions (910B): reduce.py's kernels, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import reduce as r
from ascendpy.std import Ptr, bf16, f32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def sum_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    r.rows(r.SUM, bf16, True, RINT, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def sum_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, scale: f32):
    r.cols(r.SUM, bf16, True, RINT, x, y, outer, size, inner, scale)


@std.aiv_kernel
def mean_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    r.rows(r.MEAN, bf16, True, RINT, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def mean_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, scale: f32):
    r.cols(r.MEAN, bf16, True, RINT, x, y, outer, size, inner, scale)


@std.aiv_kernel
def amax_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    r.rows(r.AMAX, bf16, True, RINT, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def amax_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, scale: f32):
    r.cols(r.AMAX, bf16, True, RINT, x, y, outer, size, inner, scale)


@std.aiv_kernel
def amin_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    r.rows(r.AMIN, bf16, True, RINT, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def amin_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, scale: f32):
    r.cols(r.AMIN, bf16, True, RINT, x, y, outer, size, inner, scale)


@std.aiv_kernel
def prod_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    r.rows(r.PROD, bf16, True, RINT, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def prod_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, scale: f32):
    r.cols(r.PROD, bf16, True, RINT, x, y, outer, size, inner, scale)


@std.aiv_kernel
def lse_rows_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, size: u32):
    r.lse_rows(bf16, True, RINT, x, y, nrows, size)


@std.aiv_kernel
def lse_cols_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32):
    r.lse_cols(bf16, True, RINT, x, y, outer, size, inner)
