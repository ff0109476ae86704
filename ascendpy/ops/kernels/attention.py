"""The vector step between QK^T and PV of ascendpy.ops.scaled_dot_product_attention, as one kernel.

`attn_{float,bool}_{out}` reads the f32 scores [rows, S] and writes the probabilities P in the output type:
row r (query i = r % L of head r // L) is softmax(x * scale + mask) over its band, zeros outside. The band
keeps columns [i + d0, i + d1) (causal: d1 = 1; a sliding window: d0 = -window), so causal and windowed
attention need no mask in memory, and only the band is read. A band of up to ROW scores is loaded once; a
longer one takes three passes (max, sum of exp, result). An explicit mask is either f32 (added) or bool
(`attn_bool_*`: True keeps the entry, as in F.scaled_dot_product_attention; mode 2 for
nn.MultiheadAttention's True = masked); a masked entry becomes -3.4e38 (finite, so a fully masked row gives a
uniform row where torch gives NaN). Mask rows: ((r // L) // mdiv % mmod) * mrl + (i if mrl > 1 else 0), the
broadcast of a [.., 1 or L, S] mask.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN
from ascendpy.std import Ptr, boolean, f16, f32, i32, u32

CH = 2048  # elements per chunk of a row
ROW = 4096  # softmax: a band of up to ROW scores is loaded once; a longer one takes three passes over GM
BIG = 3.4e38


@std.inline
def scores(xf, mf, mh, mb, is_bool, x, mask, off, moff, w, scale, mode):
    """xf[:w] = x[off:off+w] * scale, masked (mask row elements from moff)."""
    std.load(xf, x, off, w)
    std.muls(xf, xf, scale, w)
    if mode > 0:
        if is_bool:
            std.load(mb, mask, moff, w)
            std.cast(mh, mb, std.RoundMode.CAST_NONE, w)
            std.cast(mf, mh, std.RoundMode.CAST_NONE, w)
            if mode == 2:
                std.muls(mf, mf, -1.0, w)
                std.adds(mf, mf, 1.0, w)
            std.mul(xf, xf, mf, w)
            std.adds(mf, mf, -1.0, w)
            std.muls(mf, mf, BIG, w)
            std.add(xf, xf, mf, w)
        else:
            std.load(mf, mask, moff, w)
            std.add(xf, xf, mf, w)


@std.inline
def put(y, off, yf, ys, w, lowp, rmode):
    if lowp:
        std.cast(ys, yf, rmode, w)
        std.store(y, off, ys, w)
    else:
        std.store(y, off, yf, w)


@std.inline
def zeros(y, off, zf, zs, n, lowp):
    o = std.i64(0)
    while o < n:
        if lowp:
            std.store(y, off + o, zs, min(ROW, n - o))
        else:
            std.store(y, off + o, zf, min(ROW, n - o))
        o += ROW


@std.inline
def fused(is_bool, odtype, lowp, rmode, x, mask, y, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl):
    """P = softmax(x * scale + mask) over the band [i + d0, i + d1) of each row, zeros outside, written in the
    output type: the whole step between the two cube products as one vector kernel."""
    xf = std.ub_alloc(f32, ROW)
    yf = std.ub_alloc(f32, ROW)
    mf = std.ub_alloc(f32, ROW)
    zf = std.ub_alloc(f32, ROW)
    mh = std.ub_alloc(f16, ROW if is_bool else 16)
    mb = std.ub_alloc(boolean, ROW if is_bool else 32)
    ys = std.ub_alloc(odtype, ROW if lowp else ALIGN)
    zs = std.ub_alloc(odtype, ROW if lowp else ALIGN)
    std.duplicate(zf, 0.0, ROW)
    if lowp:
        std.cast(zs, zf, rmode, ROW)
    ss = std.i64(S)
    ll = std.i64(L)
    r = std.i64(std.get_block_idx())
    while r < std.i64(nrows):
        i = r % ll
        lo = min(max(i + std.i64(d0), 0), ss)
        hi = min(max(i + std.i64(d1), lo), ss)
        base = r * ss
        mrow = r // ll // std.i64(mdiv) % std.i64(mmod) * std.i64(mrl)
        if mrl > 1:
            mrow += i
        mbase = mrow * ss
        n = hi - lo
        if lo > 0:
            zeros(y, base, zf, zs, lo, lowp)
        if hi < ss:
            zeros(y, base + hi, zf, zs, ss - hi, lowp)
        if n > 0:
            if n <= ROW:
                scores(xf, mf, mh, mb, is_bool, x, mask, base + lo, mbase + lo, n, scale, mode)
                std.ops.softmax(yf, xf, n)
                put(y, base + lo, yf, ys, n, lowp, rmode)
            else:
                scores(xf, mf, mh, mb, is_bool, x, mask, base + lo, mbase + lo, ROW, scale, mode)
                mx = std.reduce_max(xf, ROW)
                off = std.i64(ROW)
                while off < n:
                    w = min(ROW, n - off)
                    scores(xf, mf, mh, mb, is_bool, x, mask, base + lo + off, mbase + lo + off, w, scale, mode)
                    mx = max(mx, std.reduce_max(xf, w))
                    off += ROW
                sm = std.f32(0.0)
                off = 0
                while off < n:
                    w = min(ROW, n - off)
                    scores(xf, mf, mh, mb, is_bool, x, mask, base + lo + off, mbase + lo + off, w, scale, mode)
                    std.adds(yf, xf, -mx, w)
                    std.exp(yf, yf, w)
                    sm += std.reduce_sum(yf, w)
                    off += ROW
                inv = 1.0 / sm
                off = 0
                while off < n:
                    w = min(ROW, n - off)
                    scores(xf, mf, mh, mb, is_bool, x, mask, base + lo + off, mbase + lo + off, w, scale, mode)
                    std.adds(yf, xf, -mx, w)
                    std.exp(yf, yf, w)
                    std.muls(yf, yf, inv, w)
                    put(y, base + lo + off, yf, ys, w, lowp, rmode)
                    off += ROW
        r += std.get_block_num()


CAST = std.RoundMode.CAST_NONE


@std.aiv_kernel
def attn_float_f32(x: Ptr[f32], mask: Ptr[f32], y: Ptr[f32], nrows: u32, L: u32, S: u32, scale: f32,  # noqa: N803
                   d0: i32, d1: i32, mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    fused(False, f32, False, CAST, x, mask, y, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)


@std.aiv_kernel
def attn_bool_f32(x: Ptr[f32], mask: Ptr[boolean], y: Ptr[f32], nrows: u32, L: u32, S: u32, scale: f32,  # noqa: N803
                  d0: i32, d1: i32, mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    fused(True, f32, False, CAST, x, mask, y, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)


@std.aiv_kernel
def attn_float_f16(x: Ptr[f32], mask: Ptr[f32], y: Ptr[f16], nrows: u32, L: u32, S: u32, scale: f32,  # noqa: N803
                   d0: i32, d1: i32, mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    fused(False, f16, True, CAST, x, mask, y, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)


@std.aiv_kernel
def attn_bool_f16(x: Ptr[f32], mask: Ptr[boolean], y: Ptr[f16], nrows: u32, L: u32, S: u32, scale: f32,  # noqa: N803
                  d0: i32, d1: i32, mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    fused(True, f16, True, CAST, x, mask, y, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)
