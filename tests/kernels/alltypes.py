"""One kernel per element type: z = x * s + y, with a scalar parameter of the same type."""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, i8, i16, i32, i64, u8, u16, u32, u64  # noqa: F401


@std.aiv_kernel
def madd_u8(x: Ptr[u8], y: Ptr[u8], z: Ptr[u8], s: u8, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_i8(x: Ptr[i8], y: Ptr[i8], z: Ptr[i8], s: i8, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_u16(x: Ptr[u16], y: Ptr[u16], z: Ptr[u16], s: u16, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_i16(x: Ptr[i16], y: Ptr[i16], z: Ptr[i16], s: i16, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_u32(x: Ptr[u32], y: Ptr[u32], z: Ptr[u32], s: u32, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_i32(x: Ptr[i32], y: Ptr[i32], z: Ptr[i32], s: i32, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_u64(x: Ptr[u64], y: Ptr[u64], z: Ptr[u64], s: u64, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_i64(x: Ptr[i64], y: Ptr[i64], z: Ptr[i64], s: i64, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], s: f16, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]


@std.aiv_kernel
def madd_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], s: f32, n: u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * s + y[i]
