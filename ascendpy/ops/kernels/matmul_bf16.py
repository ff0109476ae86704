"""The 910B-only kernels of ascendpy.ops.matmul: bf16 (310P has no bfloat16_t) and f32 inputs (310P's cube has
no f32 Mmad); see matmul.py."""

from ascendpy import std
from ascendpy.ops.kernels.matmul import F32_K, TILE_K, tiles
from ascendpy.std import Ptr, bf16, f16, f32, u32


@std.cube_kernel
def matmul_f16_bf16(a: Ptr[f16], bt: Ptr[f16], c: Ptr[bf16], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                    b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, f16, True, TILE_K)


@std.cube_kernel
def matmul_bf16_f32(a: Ptr[bf16], bt: Ptr[bf16], c: Ptr[f32], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                    b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, bf16, True, TILE_K)


@std.cube_kernel
def matmul_bf16_f16(a: Ptr[bf16], bt: Ptr[bf16], c: Ptr[f16], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                    b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, bf16, True, TILE_K)


@std.cube_kernel
def matmul_bf16_bf16(a: Ptr[bf16], bt: Ptr[bf16], c: Ptr[bf16], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                     b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, bf16, True, TILE_K)


@std.cube_kernel
def matmul_f32_f32(a: Ptr[f32], bt: Ptr[f32], c: Ptr[f32], batch: u32, m: u32, n: u32, k: u32, a_bs: u32,
                   b_bs: u32):
    tiles(a, bt, c, batch, m, n, k, a_bs, b_bs, f32, True, F32_K)
