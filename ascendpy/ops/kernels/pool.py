"""Pooling over the last 1-3 dims (torch's avg_pool1d/2d/3d, max_pool1d/2d/3d), as 3-D windows with size-1 dims.

A unit is one output row (plane p = n * C + c, od, oh): each input row of its window that exists is loaded into UB
once, and the OW outputs take their kw elements from it on the scalar unit (windows overlap, stride and dilation
vary, so the row is reused instead of reloaded). Padding contributes -inf to max and, with count_include_pad,
zeros to the average's count, as torch. Computed in f32; bf16 kernels in pool_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, u32

ROW = 8192  # the widest input row
OUT = 4096  # the widest output row
CAST = std.RoundMode.CAST_NONE
MAX, AVG = 0, 1
NEG = -3.4028234663852886e38


@std.inline
def span(start, k, size, pad, include):
    """How many window positions count toward an average along one dim (torch's pool_size rule)."""
    lo = start
    hi = min(start + k, size + pad)
    if include == 0:
        lo = max(start, std.i64(0))
        hi = min(hi, size)
    return hi - lo


@std.inline
def pool(kind, dtype, lowp, mode, x, y, planes, id_, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh,
         dw, include):
    st = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    xf = std.ub_alloc(f32, ROW)
    af = std.ub_alloc(f32, OUT)
    ID = std.i64(id_)
    IH = std.i64(ih)
    IW = std.i64(iw)
    OD = std.i64(od)
    OH = std.i64(oh)
    OW = std.i64(ow)
    u = std.i64(std.get_block_idx())
    while u < std.i64(planes) * OD * OH:
        p = u // (OD * OH)
        zd = u // OH % OD
        zh = u % OH
        if kind == MAX:
            std.duplicate(af, NEG, OW)
        else:
            std.duplicate(af, 0.0, OW)
        a = std.i64(0)
        while a < std.i64(kd):
            di = zd * std.i64(sd) - std.i64(pd) + a * std.i64(dd)
            b = std.i64(0)
            while b < std.i64(kh):
                hi = zh * std.i64(sh) - std.i64(ph) + b * std.i64(dh)
                if di >= 0 and di < ID and hi >= 0 and hi < IH:
                    load_f32(xf, st, x, ((p * ID + di) * IH + hi) * IW, IW, lowp)
                    o = std.i64(0)
                    while o < OW:
                        acc = af[o]
                        c = std.i64(0)
                        while c < std.i64(kw):
                            wi = o * std.i64(sw) - std.i64(pw) + c * std.i64(dw)
                            if wi >= 0 and wi < IW:
                                v = xf[wi]
                                if kind == MAX:
                                    acc = max(acc, v)
                                else:
                                    acc = acc + v
                            c += 1
                        af[o] = acc
                        o += 1
                b += 1
            a += 1
        if kind == AVG:
            cd = span(zd * std.i64(sd) - std.i64(pd), std.i64(kd), ID, std.i64(pd), include)
            ch = span(zh * std.i64(sh) - std.i64(ph), std.i64(kh), IH, std.i64(ph), include)
            o = std.i64(0)
            while o < OW:
                cw = span(o * std.i64(sw) - std.i64(pw), std.i64(kw), IW, std.i64(pw), include)
                af[o] = af[o] / std.f32(cd * ch * cw)
                o += 1
        store_f32(y, u * OW, af, st, OW, lowp, mode)
        u += std.get_block_num()


@std.aiv_kernel
def max_pool_f32(x: Ptr[f32], y: Ptr[f32], planes: u32, id_: u32, ih: u32, iw: u32, od: u32, oh: u32, ow: u32, kd: u32,
                 kh: u32, kw: u32, sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, dd: u32, dh: u32, dw: u32,
                 include: u32):
    pool(MAX, f32, False, CAST, x, y, planes, id_, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
         include)


@std.aiv_kernel
def avg_pool_f32(x: Ptr[f32], y: Ptr[f32], planes: u32, id_: u32, ih: u32, iw: u32, od: u32, oh: u32, ow: u32, kd: u32,
                 kh: u32, kw: u32, sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, dd: u32, dh: u32, dw: u32,
                 include: u32):
    pool(AVG, f32, False, CAST, x, y, planes, id_, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
         include)


@std.aiv_kernel
def max_pool_f16(x: Ptr[f16], y: Ptr[f16], planes: u32, id_: u32, ih: u32, iw: u32, od: u32, oh: u32, ow: u32, kd: u32,
                 kh: u32, kw: u32, sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, dd: u32, dh: u32, dw: u32,
                 include: u32):
    pool(MAX, f16, True, CAST, x, y, planes, id_, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
         include)


@std.aiv_kernel
def avg_pool_f16(x: Ptr[f16], y: Ptr[f16], planes: u32, id_: u32, ih: u32, iw: u32, od: u32, oh: u32, ow: u32, kd: u32,
                 kh: u32, kw: u32, sd: u32, sh: u32, sw: u32, pd: u32, ph: u32, pw: u32, dd: u32, dh: u32, dw: u32,
                 include: u32):
    pool(AVG, f16, True, CAST, x, y, planes, id_, ih, iw, od, oh, ow, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
         include)
