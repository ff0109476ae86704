"""Kernels for the Ascend310P3 part of tests/test_vector_ops.py (compiled with soc="310P").

310P has no DataCopyPad: a copy whose count does not fill whole 32-byte blocks
moves the blocks by DMA and the tail element by element on the scalar unit.
These reuse the tiled helpers of vector_ops (same TILE) with the 310P cast pairs.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u8, u32
from tests.kernels.vector_ops import (
    cast_none,
    float_binary,
    float_unary,
    only_add,
    row_reduce,
    tiled_binary,
    tiled_dup,
    tiled_unary,
)


@std.inline
def f16_u8_modes(yb, xb, cnt, mode):
    if mode == 2:
        std.cast(yb, xb, std.RoundMode.CAST_FLOOR, cnt)
    else:
        std.cast(yb, xb, std.RoundMode.CAST_CEIL, cnt)


@std.aiv_kernel
def q_add_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], n: u32):
    tiled_binary(only_add, f16, x, y, z, n, 0)


@std.aiv_kernel
def binary_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], n: u32, op: u32):
    tiled_binary(float_binary, f32, x, y, z, n, op)


@std.aiv_kernel
def unary_f16(x: Ptr[f16], y: Ptr[f16], n: u32, op: u32):
    tiled_unary(float_unary, f16, f16, x, y, n, op)


@std.aiv_kernel
def duplicate_f16(y: Ptr[f16], v: f16, n: u32):
    tiled_dup(f16, y, v, n)


@std.aiv_kernel
def cast_f32_f16(x: Ptr[f32], y: Ptr[f16], n: u32):
    tiled_unary(cast_none, f32, f16, x, y, n, 0)


@std.aiv_kernel
def cast_f16_u8(x: Ptr[f16], y: Ptr[u8], n: u32, mode: u32):
    tiled_unary(f16_u8_modes, f16, u8, x, y, n, mode)


@std.aiv_kernel
def reduce_f16(x: Ptr[f16], out: Ptr[f16], out_buf: Ptr[f16], n: u32, op: u32):
    row_reduce(f16, x, out, out_buf, n, op)
