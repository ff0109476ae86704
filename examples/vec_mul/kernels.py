"""The vec_mul kernel of the ascend-rs book, chapter 3, in Python."""

from ascendpy import std
from ascendpy.std import Ptr, u16


@std.aiv_kernel
def mul(x: Ptr[u16], y: Ptr[u16], z: Ptr[u16]):
    block_size = 16 // std.get_block_num()
    start = std.get_block_idx() * block_size
    i = start
    while True:
        z[i] = x[i] * y[i]  # u16 arithmetic wraps, as on the device
        i = i + 1
        if i == block_size + start:
            break
