"""The vector step between QK^T and PV of ascendpy.ops.scaled_dot_product_attention: scale, mask, band.

`prep_*` rewrites the f32 scores [rows, S] in place before the row softmax (kernels/softmax.py): row r
(query i = r % L of head r // L) becomes x * scale + mask outside-band entries set to -3.4e38. The band keeps
columns [i + d0, i + d1) (causal: d1 = 1; a sliding window: d0 = -window), so causal and windowed
attention need no mask in memory. An explicit mask is either f32 (added) or bool (`prep_bool`: True keeps
the entry, as in F.scaled_dot_product_attention; `invert` 1 for nn.MultiheadAttention's True = masked);
a masked entry becomes -3.4e38 (finite, so a fully masked row gives a uniform row where torch gives NaN).
Mask rows: ((r // L) // mdiv % mmod) * mrl + (i if mrl > 1 else 0), the broadcast of a [.., 1 or L, S] mask.
"""

from ascendpy import std
from ascendpy.std import Ptr, boolean, f16, f32, i32, u32

CH = 2048  # elements per chunk of a row
BIG = 3.4e38


@std.inline
def prep(is_bool, x, mask, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl):
    xf = std.ub_alloc(f32, CH)
    mf = std.ub_alloc(f32, CH)
    nf = std.ub_alloc(f32, CH)
    mh = std.ub_alloc(f16, CH if is_bool else 16)
    mb = std.ub_alloc(boolean, CH if is_bool else 32)
    std.duplicate(nf, -BIG, CH)
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
        if lo > 0:
            runs(x, base, nf, lo)
        off = lo
        while off < hi:
            w = min(CH, hi - off)
            std.load(xf, x, base + off, w)
            std.muls(xf, xf, scale, w)
            if mode > 0:
                if is_bool:
                    std.load(mb, mask, mrow * ss + off, w)
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
                    std.load(mf, mask, mrow * ss + off, w)
                    std.add(xf, xf, mf, w)
            std.store(x, base + off, xf, w)
            off += CH
        if hi < ss:
            runs(x, base + hi, nf, ss - hi)
        r += std.get_block_num()


@std.inline
def runs(x, off, nf, n):
    """x[off:off+n] = nf[0] (a -3.4e38 run: exp gives 0), CH at a time."""
    o = std.i64(0)
    while o < n:
        std.store(x, off + o, nf, min(CH, n - o))
        o += CH


@std.aiv_kernel
def prep_float(x: Ptr[f32], mask: Ptr[f32], nrows: u32, L: u32, S: u32, scale: f32, d0: i32, d1: i32,  # noqa: N803
               mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    prep(False, x, mask, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)


@std.aiv_kernel
def prep_bool(x: Ptr[f32], mask: Ptr[boolean], nrows: u32, L: u32, S: u32, scale: f32, d0: i32, d1: i32,  # noqa: N803
              mode: u32, mdiv: u32, mmod: u32, mrl: u32):
    prep(True, x, mask, nrows, L, S, scale, d0, d1, mode, mdiv, mmod, mrl)
