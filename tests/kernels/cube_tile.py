"""One 32 x 32 x 32 f16 tile through the whole cube path, one call per line (tests/test_cube_faults.py).

Each line carries a tag the tests look up; the compiler's own C++ is correct, and the tests plant one
bug at a time into it (a dropped flag, an oversized or shifted buffer) to show the simulator reports it
at this file's line.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32


@std.cube_kernel
def tile_mm(a: Ptr[f16], b: Ptr[f16], c: Ptr[f32]):
    a1 = std.l1_alloc(f16, 32, 32)
    b1 = std.l1_alloc(f16, 32, 32)
    a2 = std.l0a_alloc(f16, 32, 32)  # TAG l0a_alloc
    b2 = std.l0b_alloc(f16, 32, 32)
    c1 = std.l0c_alloc(f32, 32, 32)
    std.load_nz(a1, a, 0, 32, 32, 32)
    std.load_nz(b1, b, 0, 32, 32, 32)
    std.load_l0a(a2, a1, 0, 0)  # TAG load_l0a
    std.load_l0b(b2, b1, 0, 0)  # TAG load_l0b
    std.mmad(c1, a2, b2, 32, 32, 32, False)  # TAG mmad
    std.fixpipe(c, 0, c1, 32, 32, 32, False)  # TAG fixpipe
