"""Elementwise activations (PyTorch's torch.nn.functional names), one kernel per activation and dtype.

Each `_<name>(dst, src, n, a, b)` computes in f32 over UB buffers; `a` and `b` carry the activation's
parameters (alpha, negative_slope, min_val/max_val, beta/threshold). Kernels take (x, y, n, a, b); the bf16
ones are in activation_bf16.py (310P has no bfloat16). Softmax and log-softmax over a dim: softmax.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import unary
from ascendpy.std import Ptr, f16, f32, u32

CAST = std.RoundMode.CAST_NONE  # f32 -> f16: round to nearest even (310P has no CAST_RINT for it)


@std.inline
def _relu(dst, src, n, a, b):
    std.relu(dst, src, n)


@std.inline
def _sigmoid(dst, src, n, a, b):
    std.ops.sigmoid(dst, src, n)


@std.inline
def _tanh(dst, src, n, a, b):
    std.ops.tanh(dst, src, n)


@std.inline
def _gelu(dst, src, n, a, b):
    std.ops.gelu_exact(dst, src, n)


@std.inline
def _gelu_tanh(dst, src, n, a, b):
    std.ops.gelu(dst, src, n)


@std.inline
def _elu(dst, src, n, a, b):
    std.ops.elu(dst, src, n, a)


@std.inline
def _selu(dst, src, n, a, b):
    std.ops.selu(dst, src, n)


@std.inline
def _silu(dst, src, n, a, b):
    std.ops.silu(dst, src, n)


@std.inline
def _softplus(dst, src, n, a, b):
    """torch softplus(x, beta=a, threshold=b): ln(1 + exp(a x)) / a, and x itself where a x > b."""
    w = std.ub_alloc(f32, len(src))
    m = std.ub_alloc(std.u8, len(src) // 8)
    std.muls(w, src, a, n)
    std.ops.softplus(dst, w, n)
    std.muls(dst, dst, 1.0 / a, n)
    whole = (n + 63) // 64 * 64  # Compare/Select take whole 256-byte repeats; the tail lanes are never stored
    std.compares(m, w, b, std.CMPMODE.GT, whole)
    std.select(dst, m, src, dst, whole)


@std.inline
def _softsign(dst, src, n, a, b):
    std.ops.softsign(dst, src, n)


@std.inline
def _hardsigmoid(dst, src, n, a, b):
    std.ops.hardsigmoid(dst, src, n)


@std.inline
def _hardswish(dst, src, n, a, b):
    std.ops.hardswish(dst, src, n)


@std.inline
def _leaky_relu(dst, src, n, a, b):
    std.ops.leaky_relu(dst, src, n, a)


@std.inline
def _hardtanh(dst, src, n, a, b):
    std.ops.hardtanh(dst, src, n, a, b)


@std.inline
def _mish(dst, src, n, a, b):
    std.ops.mish(dst, src, n)


@std.aiv_kernel
def relu_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_relu, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def relu_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_relu, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def sigmoid_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_sigmoid, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def sigmoid_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_sigmoid, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def tanh_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_tanh, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def tanh_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_tanh, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def gelu_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_gelu, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def gelu_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_gelu, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def gelu_tanh_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_gelu_tanh, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def gelu_tanh_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_gelu_tanh, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def elu_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_elu, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def elu_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_elu, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def selu_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_selu, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def selu_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_selu, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def silu_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_silu, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def silu_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_silu, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def softplus_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_softplus, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def softplus_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_softplus, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def softsign_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_softsign, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def softsign_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_softsign, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def hardsigmoid_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_hardsigmoid, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def hardsigmoid_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_hardsigmoid, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def hardswish_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_hardswish, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def hardswish_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_hardswish, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def leaky_relu_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_leaky_relu, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def leaky_relu_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_leaky_relu, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def hardtanh_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_hardtanh, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def hardtanh_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_hardtanh, f16, True, CAST, x, y, n, a, b)


@std.aiv_kernel
def mish_f32(x: Ptr[f32], y: Ptr[f32], n: u32, a: f32, b: f32):
    unary(_mish, f32, False, CAST, x, y, n, a, b)


@std.aiv_kernel
def mish_f16(x: Ptr[f16], y: Ptr[f16], n: u32, a: f32, b: f32):
    unary(_mish, f16, True, CAST, x, y, n, a, b)
