"""bfloat16 probabilities for attention (910B): attention.py's fused step, rounded with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels.attention import fused
from ascendpy.std import Ptr, bf16, boolean, f32, i32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def attn_float_bf16(x: Ptr[f32], mask: Ptr[f32], y: Ptr[bf16], nrows: u32, L: u32, S: u32, scale: f32,  # noqa: N803
                    d0: i32, d1: i32, mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    fused(False, bf16, True, RINT, x, mask, y, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)


@std.aiv_kernel
def attn_bool_bf16(x: Ptr[f32], mask: Ptr[boolean], y: Ptr[bf16], nrows: u32, L: u32, S: u32, scale: f32,  # noqa: N803
                   d0: i32, d1: i32, mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    fused(True, bf16, True, RINT, x, mask, y, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)
