"""Case 4, missing sync, in ascendpy: the same kernel, with no synchronisation written.

The compiler walks the kernel over the pipes (MTE2 loads, V vector ops, MTE3 stores) and puts a
SetFlag/WaitFlag pair wherever one pipe uses what another pipe wrote: after the loads and before
the add (MTE2 -> V), after the add and before the store (V -> MTE3). See the generated C++ with
`python -m ascendpy.toolchain.cli examples/safety/py/04_missing_sync.py --emit-cpp`.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

TILE = 1024


@std.aiv_kernel
def add_tile(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, TILE)
    yb = std.ub_alloc(f32, TILE)
    std.load(xb, x, 0, n)
    std.load(yb, y, 0, n)
    std.add(xb, xb, yb, n)  # reads what the two loads wrote: the compiler orders it after them
    std.store(z, 0, xb, n)
