"""bfloat16 fused-chain kernels (910B): fused.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels.fused import fused
from ascendpy.std import Ptr, bf16, f32, i32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def fused_bf16_bf16(x: Ptr[bf16], y: Ptr[bf16], prog: Ptr[i32], fl: Ptr[f32], nsteps: u32, s0: Ptr[f32],
                    s1: Ptr[f32], s2: Ptr[f32], s3: Ptr[f32], rows: u32, L: u32):
    fused(bf16, True, RINT, bf16, True, x, y, prog, fl, nsteps, s0, s1, s2, s3, rows, L)


@std.aiv_kernel
def fused_f32_bf16(x: Ptr[f32], y: Ptr[bf16], prog: Ptr[i32], fl: Ptr[f32], nsteps: u32, s0: Ptr[f32], s1: Ptr[f32],
                   s2: Ptr[f32], s3: Ptr[f32], rows: u32, L: u32):
    fused(f32, False, RINT, bf16, True, x, y, prog, fl, nsteps, s0, s1, s2, s3, rows, L)
