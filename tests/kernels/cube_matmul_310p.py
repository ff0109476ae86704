"""Cube kernels that build for 310P too (f16 in; no bf16, f32 or i8 inputs there), for tests/test_cube_kernels.py.

310P has no Fixpipe: std.fixpipe leaves L0C through a UB staging tensor (docs/cube.md, "310P").
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32
from tests.kernels.cube_matmul import BK, matmul_tiles


@std.cube_kernel
def matmul_f16_any(a: Ptr[f16], b: Ptr[f16], c: Ptr[f32], m: u32, n: u32, k: u32):
    matmul_tiles(a, b, c, m, n, k, f16, f32, BK, False, False)


@std.cube_kernel
def matmul_f16_any_bt_relu_f16(a: Ptr[f16], bt: Ptr[f16], c: Ptr[f16], m: u32, n: u32, k: u32):
    matmul_tiles(a, bt, c, m, n, k, f16, f32, BK, True, True)
