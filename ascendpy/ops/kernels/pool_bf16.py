"""bfloat16 pooling kernels (910B): pool.py's, cast back with CAST_RINT."""

from ascendpy import std
from ascendpy.ops.kernels import pool as k
from ascendpy.std import Ptr, bf16, u32

RINT = std.RoundMode.CAST_RINT


@std.aiv_kernel
def max_pool_bf16(x: Ptr[bf16], y: Ptr[bf16], planes: u32, id_: u32, ih: u32, iw: u32, od: u32, oh: u32, ow: u32, kd:
                  u32, kh: u32, kw: u32, sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, dd: u32, dh: u32, dw:
                  u32, include: u32):
    k.pool(k.MAX, bf16, True, RINT, x, y, planes, id_, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh,
             dw, include)


@std.aiv_kernel
def avg_pool_bf16(x: Ptr[bf16], y: Ptr[bf16], planes: u32, id_: u32, ih: u32, iw: u32, od: u32, oh: u32, ow: u32, kd:
                  u32, kh: u32, kw: u32, sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, dd: u32, dh: u32, dw:
                  u32, include: u32):
    k.pool(k.AVG, bf16, True, RINT, x, y, planes, id_, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh,
             dw, include)
