"""Case 3, use after free, in ascendpy: nothing can be freed too early.

In a kernel there is no free: a buffer from std.ub_alloc lives for the whole kernel, and the
compiler emits each queue tile's AllocTensor/FreeTensor around its uses. On the host, device
memory is a DeviceBuffer: closing it frees it, and any later use, such as passing it to a launch,
raises ResourceClosedError naming where it was closed. A launch that is still queued keeps its
buffers alive until it completes.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

TILE = 256


@std.aiv_kernel
def scale(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, TILE)
    yb = std.ub_alloc(f32, TILE)
    off: u32 = 0
    while off < n:
        cnt = min(TILE, n - off)
        std.load(xb, x, off, cnt)
        std.muls(yb, xb, 2.0, cnt)
        std.store(y, off, yb, cnt)
        off += TILE
