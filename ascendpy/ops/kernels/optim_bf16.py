"""bfloat16 optimizer kernels (910B): optim.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import optim as k
from ascendpy.std import Ptr, bf16, f32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def sgd_bf16(p: Ptr[bf16], g: Ptr[bf16], buf: Ptr[bf16], n: u32, lr: f32, momentum: f32, dampening: f32,
            weight_decay: f32, nesterov: u32, first: u32):
    k.sgd(bf16, True, RINT, p, g, buf, n, lr, momentum, dampening, weight_decay, nesterov, first)


@std.aiv_kernel
def adam_bf16(p: Ptr[bf16], g: Ptr[bf16], m: Ptr[bf16], v: Ptr[bf16], n: u32, lr: f32, b1: f32, b2: f32, eps: f32,
             weight_decay: f32, step_size: f32, inv_sqrt_bc2: f32):
    k.adam(bf16, True, RINT, p, g, m, v, n, lr, b1, b2, eps, weight_decay, step_size, inv_sqrt_bc2)


@std.aiv_kernel
def sq_avg_bf16(p: Ptr[bf16], g: Ptr[bf16], s: Ptr[bf16], n: u32, lr: f32, alpha: f32, eps: f32, weight_decay: f32):
    k.sq_avg(bf16, True, RINT, p, g, s, n, lr, alpha, eps, weight_decay)


@std.aiv_kernel
def lamb_ratio_bf16(m: Ptr[bf16], v: Ptr[bf16], r: Ptr[bf16], n: u32, eps: f32):
    k.lamb_ratio(bf16, True, RINT, m, v, r, n, eps)
