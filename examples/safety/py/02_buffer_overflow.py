"""Case 2, buffer overflow, in ascendpy: a UB buffer knows its length, and counts are checked against it.

There is no unchecked element access: `buf[i]` and every vector op's count are checked. A count
known at compile time (a literal, a module constant, `len(buf)`) that exceeds the buffer is a
CompileError at its line, as below; a count that arrives at run time and exceeds the buffer is an
OnChipCapacityFault at its line from the simulator.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

TILE = 256
N = 512  # the whole input: two tiles


@std.aiv_kernel
def clamp_tile(x: Ptr[f32], y: Ptr[f32], n: u32):
    t = std.ub_alloc(f32, TILE)
    std.load(t, x, 0, TILE)
    std.maxs(t, t, 0.0, N)  # BUG: N elements of a TILE-element buffer
    std.store(y, 0, t, TILE)
