"""bfloat16 index kernels (910B): index.py's lookups on bf16 tables."""

from ascendpy import std
from ascendpy.ops.kernels import index as k
from ascendpy.ops.kernels.index import copy_rows, lookup
from ascendpy.std import Ptr, bf16, f32, i32, i64, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def embedding_i64_bf16(ids: Ptr[i64], weight: Ptr[bf16], out: Ptr[bf16], tokens: u32, d: u32):
    lookup(bf16, i64, ids, weight, out, tokens, d)


@std.aiv_kernel
def embedding_i32_bf16(ids: Ptr[i32], weight: Ptr[bf16], out: Ptr[bf16], tokens: u32, d: u32):
    lookup(bf16, i32, ids, weight, out, tokens, d)


@std.aiv_kernel
def argmax_rows_bf16(x: Ptr[bf16], y: Ptr[i64], nrows: u32, size: u32):
    k.arg_rows(k.ARGMAX, bf16, True, x, y, nrows, size)


@std.aiv_kernel
def argmin_rows_bf16(x: Ptr[bf16], y: Ptr[i64], nrows: u32, size: u32):
    k.arg_rows(k.ARGMIN, bf16, True, x, y, nrows, size)


@std.aiv_kernel
def argmax_cols_bf16(x: Ptr[bf16], y: Ptr[i64], outer: u32, size: u32, inner: u32):
    k.arg_cols(k.ARGMAX, bf16, True, x, y, outer, size, inner)


@std.aiv_kernel
def argmin_cols_bf16(x: Ptr[bf16], y: Ptr[i64], outer: u32, size: u32, inner: u32):
    k.arg_cols(k.ARGMIN, bf16, True, x, y, outer, size, inner)


@std.aiv_kernel
def gather_rows_bf16(x: Ptr[bf16], idx: Ptr[i64], y: Ptr[bf16], rows: u32, size: u32, k: u32, idx_rs: u32):
    k.gather_rows(bf16, x, idx, y, rows, size, k, idx_rs, 2)


@std.aiv_kernel
def scatter_rows_bf16(x: Ptr[bf16], idx: Ptr[i64], src: Ptr[bf16], y: Ptr[bf16], rows: u32, size: u32, k: u32,
                      add: u32):
    k.scatter_rows(bf16, True, RINT, x, idx, src, y, rows, size, k, add)


@std.aiv_kernel
def index_rows_bf16(y: Ptr[bf16], idx: Ptr[i64], src: Ptr[bf16], outer: u32, size: u32, inner: u32, k: u32,
                    alpha: f32, add: u32):
    k.index_rows(bf16, True, RINT, y, idx, src, outer, size, inner, k, alpha, add)


@std.aiv_kernel
def copy_rows_bf16(x: Ptr[bf16], xoff: u32, xs: u32, y: Ptr[bf16], yoff: u32, ys: u32, rows: u32, n: u32):
    copy_rows(bf16, x, xoff, xs, y, yoff, ys, rows, n)
