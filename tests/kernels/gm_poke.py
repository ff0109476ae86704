"""A kernel that writes x[i]: with i == len(x) it is one element past the end."""

from ascendpy import std
from ascendpy.std import Ptr, f32, i64


@std.aiv_kernel
def poke(x: Ptr[f32], i: i64):
    x[i] = 1.0
