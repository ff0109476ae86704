"""A scalar-loop scale kernel: y = alpha * x, each block taking a contiguous range."""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32


@std.aiv_kernel
def scale(x: Ptr[f32], y: Ptr[f32], alpha: f32, n: u32):
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    lo = std.get_block_idx() * per
    for i in range(lo, min(lo + per, n)):
        y[i] = alpha * x[i]
