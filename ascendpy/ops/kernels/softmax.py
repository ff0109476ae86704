"""Softmax and log-softmax along any dim of a [outer, size, inner] (row-major) tensor.

`*_rows_*`: the dim is the last one (inner = 1); blocks take rows round-robin. A row of up to ROW elements is
loaded once; a longer one takes three passes over GM (its max, the sum of exp(x - max), the result).
`*_cols_*`: inner > 1; a unit is COLS neighbouring columns of one outer index, walked down the dim three
times with elementwise max / exp-sum / result. Everything is computed in f32 (common.py); the bf16 kernels
are in softmax_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, u32

ROW = 4096
COLS = 512
CAST = std.RoundMode.CAST_NONE


@std.inline
def row_max(xf, xs, x, base, n, lowp):
    """The max of x[base:base + n], read in ROW pieces."""
    m = std.f32(0.0)
    off = std.i64(0)
    while off < n:
        cnt = min(ROW, n - off)
        load_f32(xf, xs, x, base + off, cnt, lowp)
        v = std.reduce_max(xf, cnt)
        if off == 0 or v > m:
            m = v
        off += ROW
    return m


@std.inline
def row_sumexp(xf, yf, xs, x, base, n, m, lowp):
    """The sum of exp(x - m) over x[base:base + n], read in ROW pieces."""
    s = std.f32(0.0)
    off = std.i64(0)
    while off < n:
        cnt = min(ROW, n - off)
        load_f32(xf, xs, x, base + off, cnt, lowp)
        std.adds(yf, xf, -m, cnt)
        std.exp(yf, yf, cnt)
        s += std.reduce_sum(yf, cnt)
        off += ROW
    return s


@std.inline
def cols_max_sumexp(mf, sf, xf, xs, x, base, w, size, ld, lowp):
    """Over d < size of the runs x[base + d * ld:][:w]: mf = their max, sf = the sum of exp(x - mf)."""
    load_f32(mf, xs, x, base, w, lowp)
    d = std.i64(1)
    while d < std.i64(size):
        load_f32(xf, xs, x, base + d * ld, w, lowp)
        std.max(mf, mf, xf, w)
        d += 1
    std.duplicate(sf, 0.0, w)
    d = std.i64(0)
    while d < std.i64(size):
        load_f32(xf, xs, x, base + d * ld, w, lowp)
        std.sub(xf, xf, mf, w)
        std.exp(xf, xf, w)
        std.add(sf, sf, xf, w)
        d += 1


@std.inline
def rows(dtype, lowp, mode, log, x, y, nrows, ncols):
    xs = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    ys = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    xf = std.ub_alloc(f32, ROW)
    yf = std.ub_alloc(f32, ROW)
    n = std.i64(ncols)
    r = std.i64(std.get_block_idx())
    while r < std.i64(nrows):
        base = r * n
        if n <= ROW:
            load_f32(xf, xs, x, base, n, lowp)
            if log:
                std.ops.log_softmax(yf, xf, n)
            else:
                std.ops.softmax(yf, xf, n)
            store_f32(y, base, yf, ys, n, lowp, mode)
        else:
            m = row_max(xf, xs, x, base, n, lowp)
            s = row_sumexp(xf, yf, xs, x, base, n, m, lowp)
            shift = m + std.ln(s)
            inv = 1.0 / s
            off = 0
            while off < n:
                cnt = min(ROW, n - off)
                load_f32(xf, xs, x, base + off, cnt, lowp)
                if log:
                    std.adds(yf, xf, -shift, cnt)
                else:
                    std.adds(yf, xf, -m, cnt)
                    std.exp(yf, yf, cnt)
                    std.muls(yf, yf, inv, cnt)
                store_f32(y, base + off, yf, ys, cnt, lowp, mode)
                off += ROW
        r += std.get_block_num()


@std.inline
def cols(dtype, lowp, mode, log, x, y, outer, size, inner):
    xs = std.ub_alloc(dtype, COLS if lowp else ALIGN)
    ys = std.ub_alloc(dtype, COLS if lowp else ALIGN)
    xf = std.ub_alloc(f32, COLS)
    yf = std.ub_alloc(f32, COLS)
    mf = std.ub_alloc(f32, COLS)
    sf = std.ub_alloc(f32, COLS)
    ld = std.i64(inner)
    chunks = (ld + COLS - 1) // COLS
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * chunks:
        c0 = u % chunks * COLS
        w = min(COLS, ld - c0)
        base = u // chunks * std.i64(size) * ld + c0
        cols_max_sumexp(mf, sf, xf, xs, x, base, w, size, ld, lowp)
        if log:
            std.ln(sf, sf, w)
        d = std.i64(0)
        while d < std.i64(size):
            load_f32(xf, xs, x, base + d * ld, w, lowp)
            std.sub(xf, xf, mf, w)
            if log:
                std.sub(yf, xf, sf, w)
            else:
                std.exp(yf, xf, w)
                std.div(yf, yf, sf, w)
            store_f32(y, base + d * ld, yf, ys, w, lowp, mode)
            d += 1
        u += std.get_block_num()


@std.aiv_kernel
def softmax_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, ncols: u32):
    rows(f32, False, CAST, False, x, y, nrows, ncols)


@std.aiv_kernel
def softmax_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32):
    cols(f32, False, CAST, False, x, y, outer, size, inner)


@std.aiv_kernel
def softmax_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, ncols: u32):
    rows(f16, True, CAST, False, x, y, nrows, ncols)


@std.aiv_kernel
def softmax_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32):
    cols(f16, True, CAST, False, x, y, outer, size, inner)


@std.aiv_kernel
def log_softmax_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, ncols: u32):
    rows(f32, False, CAST, True, x, y, nrows, ncols)


@std.aiv_kernel
def log_softmax_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32):
    cols(f32, False, CAST, True, x, y, outer, size, inner)


@std.aiv_kernel
def log_softmax_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, ncols: u32):
    rows(f16, True, CAST, True, x, y, nrows, ncols)


@std.aiv_kernel
def log_softmax_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32):
    cols(f16, True, CAST, True, x, y, outer, size, inner)
