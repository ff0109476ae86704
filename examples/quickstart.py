import numpy as np

from ascendpy import std


@std.aiv_kernel
def scale(x: std.Ptr[std.f32], y: std.Ptr[std.f32], n: std.u32):
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        y[i] = x[i] * 2.0


x = np.arange(1000, dtype=np.float32)
y = np.empty_like(x)
scale[8](x, y, x.size)  # copies x and y to the device, runs 8 blocks, copies y back
