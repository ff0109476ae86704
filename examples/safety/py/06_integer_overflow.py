"""Case 6, integer overflow, in ascendpy: u32 arithmetic wraps exactly as it does on the device.

ascendpy does not hide the wrap (like ascend-rs's wrapping_sub, the result is what the NPU computes):
for block 0, `start - HALO` is 4294967295. What it adds is the check behind every access: the
wrapped offset lies outside x's allocation, so the simulator raises GlobalMemoryFault at this
file's line instead of reading whatever lies there. Writing the offset in i64
(`std.i64(start) - HALO`) gives the honest -1 in the message instead.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

TILE = 256
HALO = 1


@std.aiv_kernel
def stencil3(x: Ptr[f32], y: Ptr[f32], n: u32):
    """y[i] = x[i - 1] + x[i] + x[i + 1], one TILE per block (n = TILE x blocks); x holds n + 1 elements."""
    xb = std.ub_alloc(f32, TILE + 2 * HALO)
    yb = std.ub_alloc(f32, TILE)
    start = std.u32(std.get_block_idx()) * TILE
    std.load(xb, x, start - HALO, TILE + 2 * HALO)  # BUG: block 0 loads from 0 - 1, which wraps
    for i in range(TILE):
        yb[i] = xb[i] + xb[i + 1] + xb[i + 2]
    std.store(y, start, yb, TILE)
