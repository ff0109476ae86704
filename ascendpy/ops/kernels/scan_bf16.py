"""bfloat16 scans (910B): scan.py's kernels, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import scan as k
from ascendpy.std import Ptr, bf16, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def cumsum_rows_bf16(x: Ptr[bf16], mask: Ptr[std.boolean], y: Ptr[bf16], nrows: u32, size: u32, exclusive: u32,
                    reverse: u32, masked: u32):
    k.rows(k.SUM, bf16, True, RINT, x, mask, y, nrows, size, exclusive, reverse, masked)


@std.aiv_kernel
def cumsum_cols_bf16(x: Ptr[bf16], mask: Ptr[std.boolean], y: Ptr[bf16], outer: u32, size: u32, inner: u32,
                    exclusive: u32, reverse: u32, masked: u32):
    k.cols(k.SUM, bf16, True, RINT, x, mask, y, outer, size, inner, exclusive, reverse, masked)


@std.aiv_kernel
def cumprod_rows_bf16(x: Ptr[bf16], mask: Ptr[std.boolean], y: Ptr[bf16], nrows: u32, size: u32, exclusive: u32,
                     reverse: u32, masked: u32):
    k.rows(k.PROD, bf16, True, RINT, x, mask, y, nrows, size, exclusive, reverse, masked)


@std.aiv_kernel
def cumprod_cols_bf16(x: Ptr[bf16], mask: Ptr[std.boolean], y: Ptr[bf16], outer: u32, size: u32, inner: u32,
                     exclusive: u32, reverse: u32, masked: u32):
    k.cols(k.PROD, bf16, True, RINT, x, mask, y, outer, size, inner, exclusive, reverse, masked)
