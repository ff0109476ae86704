"""bfloat16 kernels of the elementwise activations (910B): activation.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import activation as act
from ascendpy.ops.kernels.common import unary
from ascendpy.std import Ptr, bf16, f32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def relu_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._relu, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def sigmoid_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._sigmoid, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def tanh_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._tanh, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def gelu_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._gelu, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def gelu_tanh_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._gelu_tanh, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def elu_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._elu, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def selu_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._selu, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def silu_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._silu, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def softplus_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._softplus, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def softsign_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._softsign, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def hardsigmoid_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._hardsigmoid, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def hardswish_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._hardswish, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def leaky_relu_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._leaky_relu, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def hardtanh_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._hardtanh, bf16, True, RINT, x, y, n, a, b)


@std.aiv_kernel
def mish_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32, a: f32, b: f32):
    unary(act._mish, bf16, True, RINT, x, y, n, a, b)
