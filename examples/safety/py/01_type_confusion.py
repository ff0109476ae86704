"""Case 1, type confusion, in ascendpy: the element type is part of the kernel's signature.

`x: Ptr[f32]` travels with the compiled kernel, and every launch checks each buffer's dtype against
it: passing float16 data raises LaunchError before anything runs. Inside a kernel, storing an f32
value through a Ptr[u16] is a CompileError ("this could change the value, so convert explicitly").
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

MAX_N = 4096


@std.aiv_kernel
def softmax_typed(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, MAX_N)
    yb = std.ub_alloc(f32, MAX_N)
    std.load(xb, x, 0, n)
    std.ops.softmax(yb, xb, n)
    std.store(y, 0, yb, n)
