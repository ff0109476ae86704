"""bfloat16 RoPE (910B): rotary.py's kernel, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels.rotary import rope
from ascendpy.std import Ptr, bf16, u32


@std.aiv_kernel
def rope_bf16(x: Ptr[bf16], cos: Ptr[bf16], sin: Ptr[bf16], y: Ptr[bf16], rows: u32, heads: u32, seq: u32, half: u32,
             cos_bs: u32):
    rope(bf16, True, std.RoundMode.CAST_RINT, x, cos, sin, y, rows, heads, seq, half, cos_bs)
