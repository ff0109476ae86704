"""Case 5, double free, in ascendpy: a buffer has exactly one name, and nothing to free.

The compiler emits one FreeTensor for each AllocTensor it emits. A second handle on a buffer,
which is how two frees of one buffer come about in AscendC, cannot be made: a buffer cannot be
aliased or rebound, so the line below is a CompileError.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

TILE = 256


@std.aiv_kernel
def relu_tiles(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, TILE)
    yb = std.ub_alloc(f32, TILE)
    last_input = xb  # BUG: a second handle on xb's buffer
    off: u32 = 0
    while off < n:
        cnt = min(TILE, n - off)
        std.load(xb, x, off, cnt)
        std.relu(yb, last_input, cnt)
        std.store(y, off, yb, cnt)
        off += TILE
