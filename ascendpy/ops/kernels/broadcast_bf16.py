"""bfloat16 broadcasting kernels (910B): broadcast.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import broadcast as b
from ascendpy.ops.kernels.broadcast import binary, clamp, where
from ascendpy.std import Ptr, bf16, f32, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def add_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._add, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def add1_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._add1, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def sub_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._sub, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def sub1_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._sub1, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def mul_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._mul, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def div_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._div, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def maximum_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32,
    d3: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._maximum, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1,
           ys2, ys3, yin, alpha)


@std.aiv_kernel
def minimum_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32,
    d3: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._minimum, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1,
           ys2, ys3, yin, alpha)


@std.aiv_kernel
def pow_bf16(x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(b._pow, bf16, True, RINT, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def clamp_bf16(x: Ptr[bf16], lo: Ptr[bf16], hi: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32, d1:
    u32, d2: u32, d3: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ls0: u32, ls1: u32, ls2: u32, ls3:
    u32, lin: u32, hs0: u32, hs1: u32, hs2: u32, hs3: u32, hin: u32):
    clamp(bf16, True, RINT, x, lo, hi, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ls0,
          ls1, ls2, ls3, lin, hs0, hs1, hs2, hs3, hin)


@std.aiv_kernel
def where_bf16(c: Ptr[std.boolean], x: Ptr[bf16], y: Ptr[bf16], z: Ptr[bf16], rows: u32, length: u32, chunk: u32,
    d1: u32, d2: u32, d3: u32, cs0: u32, cs1: u32, cs2: u32, cs3: u32, cin: u32, xs0: u32, xs1: u32, xs2: u32,
    xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32):
    where(bf16, True, RINT, c, x, y, z, rows, length, chunk, d1, d2, d3, cs0, cs1, cs2, cs3, cin, xs0,
          xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3, yin)
