"""Kernels the runtime tests launch (compiled once per test session through the cache)."""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, i16, i32, u8, u16, u32


@std.aiv_kernel
def axpy(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], a: f32, n: u32):
    """z = a * x + y; each block takes one contiguous range, the last one the tail."""
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    lo = std.get_block_idx() * per
    hi = min(lo + per, n)
    for i in range(lo, hi):
        z[i] = a * x[i] + y[i]


@std.aiv_kernel
def wrap_u8(x: Ptr[u8], y: Ptr[u8], z: Ptr[u8], n: u32):
    i = std.get_block_idx()
    while i < n:
        z[i] = x[i] * y[i] + x[i] - y[i]
        i += std.get_block_num()


@std.aiv_kernel
def wrap_i16(x: Ptr[i16], y: Ptr[i16], z: Ptr[i16], n: u32):
    i = std.get_block_idx()
    while i < n:
        z[i] = x[i] * y[i] - x[i] + 7
        i += std.get_block_num()


@std.aiv_kernel
def wrap_u32(x: Ptr[u32], y: Ptr[u32], z: Ptr[u32], n: u32):
    i = std.get_block_idx()
    while i < n:
        z[i] = x[i] * y[i] + (x[i] << 3) - y[i]
        i += std.get_block_num()


@std.aiv_kernel
def int_div(x: Ptr[i32], y: Ptr[i32], q: Ptr[i32], r: Ptr[i32], n: u32):
    """Python semantics: // floors and % takes the divisor's sign."""
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        q[i] = x[i] // y[i]
        r[i] = x[i] % y[i]


@std.aiv_kernel
def control(x: Ptr[i32], out: Ptr[i32], rows: u32, cols: u32):
    """Nested loops with continue and elif: per row, sum positives, subtract multiples of 3 below -10."""
    for r in range(std.get_block_idx(), rows, std.get_block_num()):
        acc: i32 = 0
        for c in range(cols):
            v = x[r * cols + c]
            if v == 0:
                continue
            elif v > 0:
                acc += v
            elif v < -10 and v % 3 == 0:
                acc -= 1
            else:
                acc += 2 * std.i32(c)
        out[r] = acc


@std.aiv_kernel
def half_fma(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], n: u32):
    """f16 arithmetic rounds after every operation, like the device."""
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        z[i] = x[i] * y[i] + x[i]


@std.aiv_kernel
def scalar_math(x: Ptr[f32], e: Ptr[f32], l: Ptr[f32], s: Ptr[f32], n: u32):  # noqa: E741
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        e[i] = std.exp(x[i])
        l[i] = std.ln(x[i])
        s[i] = std.sqrt(x[i])


@std.aiv_kernel
def convert(x: Ptr[f32], out_i: Ptr[i32], out_u: Ptr[u16], n: u32):
    """Explicit float → int conversions truncate toward zero and saturate."""
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        out_i[i] = std.i32(x[i])
        out_u[i] = u16(x[i])


@std.aiv_kernel
def empty():
    pass
