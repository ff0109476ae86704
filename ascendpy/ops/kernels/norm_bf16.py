"""bfloat16 normalisation kernels (910B): norm.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import norm as k
from ascendpy.std import Ptr, bf16, f32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def groups_norm_bf16(x: Ptr[bf16], w: Ptr[bf16], b: Ptr[bf16], y: Ptr[bf16], stats: Ptr[f32], groups: u32, count: u32,
                    run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                    eps: f32, factor: f32):
    k.groups_kernel(k.NORM, bf16, True, RINT, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                      rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def groups_rms_bf16(x: Ptr[bf16], w: Ptr[bf16], b: Ptr[bf16], y: Ptr[bf16], stats: Ptr[f32], groups: u32, count: u32,
                   run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                   eps: f32, factor: f32):
    k.groups_kernel(k.RMS, bf16, True, RINT, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                      rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_rms_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    k.cols_kernel(k.RMS, bf16, True, RINT, x, y, outer, size, inner, eps, factor)


@std.aiv_kernel
def groups_l2_bf16(x: Ptr[bf16], w: Ptr[bf16], b: Ptr[bf16], y: Ptr[bf16], stats: Ptr[f32], groups: u32, count: u32,
                  run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                  eps: f32, factor: f32):
    k.groups_kernel(k.L2, bf16, True, RINT, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                      rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_l2_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    k.cols_kernel(k.L2, bf16, True, RINT, x, y, outer, size, inner, eps, factor)


@std.aiv_kernel
def groups_l1_bf16(x: Ptr[bf16], w: Ptr[bf16], b: Ptr[bf16], y: Ptr[bf16], stats: Ptr[f32], groups: u32, count: u32,
                  run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                  eps: f32, factor: f32):
    k.groups_kernel(k.L1, bf16, True, RINT, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                      rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_l1_bf16(x: Ptr[bf16], y: Ptr[bf16], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    k.cols_kernel(k.L1, bf16, True, RINT, x, y, outer, size, inner, eps, factor)
