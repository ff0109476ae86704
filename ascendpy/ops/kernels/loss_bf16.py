"""bfloat16 loss kernels (910B): loss.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import loss as k
from ascendpy.ops.kernels.broadcast import binary
from ascendpy.std import Ptr, bf16, f32, i64, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def sqdiff_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
                xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
                alpha: f32):
    binary(k._sqdiff, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1,
           ys2, ys3, yin, alpha)


@std.aiv_kernel
def absdiff_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
                 u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin:
                 u32, alpha: f32):
    binary(k._absdiff, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1,
           ys2, ys3, yin, alpha)


@std.aiv_kernel
def huber_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
               xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
               alpha: f32):
    binary(k._huber, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def hinge_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
               xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
               alpha: f32):
    binary(k._hinge, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def kl_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
            xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
            f32):
    binary(k._kl, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def kl_log_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
                xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
                alpha: f32):
    binary(k._kl_log, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1,
           ys2, ys3, yin, alpha)


@std.aiv_kernel
def cross_entropy_bf16(x: Ptr[bf16], target: Ptr[i64], loss: Ptr[f32], valid: Ptr[f32], rows: u32, cols: u32, ignore:
                       i64):
    k.cross_entropy_rows(bf16, True, RINT, x, target, loss, valid, rows, cols, ignore)


@std.aiv_kernel
def cos_rows_bf16(a: Ptr[bf16], b: Ptr[bf16], y: Ptr[bf16], rows: u32, cols: u32, eps: f32):
    k.row_pairs(k.COS, bf16, True, RINT, a, b, y, rows, cols, eps)


@std.aiv_kernel
def pdist_rows_bf16(a: Ptr[bf16], b: Ptr[bf16], y: Ptr[bf16], rows: u32, cols: u32, eps: f32):
    k.row_pairs(k.PDIST, bf16, True, RINT, a, b, y, rows, cols, eps)
