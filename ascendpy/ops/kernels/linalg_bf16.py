"""bfloat16 kernels of linalg.py (910B): the same inlines, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels.linalg import bias_rows, diag_rows, gemv, relu_eps, swap_mid, transpose, tri, vecmat
from ascendpy.std import Ptr, bf16, f32, i32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def transpose_bf16(x: Ptr[bf16], y: Ptr[bf16], offs: Ptr[u32], batch: u32, rows: u32, cols: u32):
    transpose(bf16, x, y, offs, batch, rows, cols)


@std.aiv_kernel
def gemv_bf16_bf16(a: Ptr[bf16], v: Ptr[bf16], y: Ptr[bf16], nrows: u32, rpb: u32, k: u32, a_bs: u32, v_bs: u32,
                   hold: u32):
    gemv(bf16, True, bf16, True, RINT, a, v, y, nrows, rpb, k, a_bs, v_bs, hold)


@std.aiv_kernel
def gemv_bf16_f32(a: Ptr[bf16], v: Ptr[bf16], y: Ptr[f32], nrows: u32, rpb: u32, k: u32, a_bs: u32, v_bs: u32,
                  hold: u32):
    gemv(bf16, True, f32, False, RINT, a, v, y, nrows, rpb, k, a_bs, v_bs, hold)


@std.aiv_kernel
def tri_bf16(x: Ptr[bf16], y: Ptr[bf16], nrows: u32, m: u32, n: u32, d0: i32, d1: i32):
    tri(bf16, True, RINT, x, y, nrows, m, n, d0, d1)


@std.aiv_kernel
def diag_rows_bf16(d: Ptr[bf16], x: Ptr[bf16], y: Ptr[bf16], nrows: u32, n: u32):
    diag_rows(bf16, True, RINT, d, x, y, nrows, n)


@std.aiv_kernel
def bias_rows_bf16(x: Ptr[bf16], bias: Ptr[bf16], y: Ptr[bf16], nrows: u32, n: u32):
    bias_rows(bf16, True, RINT, x, bias, y, nrows, n)


@std.aiv_kernel
def swap_mid_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, p: u32, q: u32, d: u32):
    swap_mid(bf16, x, y, outer, p, q, d)


@std.aiv_kernel
def relu_eps_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, eps: f32):
    relu_eps(bf16, True, RINT, x, y, n, eps)


@std.aiv_kernel
def vecmat_bf16_bf16(p: Ptr[bf16], v: Ptr[bf16], y: Ptr[bf16], batch: u32, m: u32, k: u32, n: u32, p_bs: u32,
                     v_bs: u32):
    vecmat(bf16, True, bf16, True, RINT, p, v, y, batch, m, k, n, p_bs, v_bs)


@std.aiv_kernel
def vecmat_bf16_f32(p: Ptr[bf16], v: Ptr[bf16], y: Ptr[f32], batch: u32, m: u32, k: u32, n: u32, p_bs: u32,
                    v_bs: u32):
    vecmat(bf16, True, f32, False, RINT, p, v, y, batch, m, k, n, p_bs, v_bs)
