"""The bf16 kernels of ascendpy.ops.matmul (910B only: 310P has no bfloat16_t); see matmul.py."""

from ascendpy import std
from ascendpy.ops.kernels.matmul import tiles
from ascendpy.std import Ptr, bf16, f16, f32, u32


@std.cube_kernel
def matmul_f16_bf16(a: Ptr[f16], bt: Ptr[f16], c: Ptr[bf16], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                    b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, f16, True)


@std.cube_kernel
def matmul_bf16_f32(a: Ptr[bf16], bt: Ptr[bf16], c: Ptr[f32], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                    b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, bf16, True)


@std.cube_kernel
def matmul_bf16_f16(a: Ptr[bf16], bt: Ptr[bf16], c: Ptr[f16], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                    b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, bf16, True)


@std.cube_kernel
def matmul_bf16_bf16(a: Ptr[bf16], bt: Ptr[bf16], c: Ptr[bf16], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                     b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, bf16, True)
