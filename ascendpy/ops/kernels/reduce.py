"""Reductions over one dim of a [outer, size, inner] (row-major) tensor: sum, mean, amax, amin, prod.

`*_rows_*` (inner == 1): a block takes a contiguous range of rows and reduces each in ROW-element pieces with
ReduceSum / ReduceMax / ReduceMin (prod multiplies on the scalar unit, in order), collecting up to ROW results
in UB before one store. A row is `size` elements at `stride` apart rows, the last one `last` long (so a flat
reduction over all elements is rows of a chunk each, reduced again). `*_cols_*` (inner > 1): a unit is COLS
neighbouring columns of one outer index, accumulated down the dim with elementwise Add / Max / Min / Mul.
`lse_rows_*` / `lse_cols_*` are torch.logsumexp: max(x) + ln(sum(exp(x - max(x)))), the maximum found by a
first pass (rows of more than ROW elements, and the columns, are read twice). Everything in f32 (common.py);
bf16 kernels in reduce_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels import softmax as sm
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, u32

ROW = sm.ROW  # logsumexp reads rows through softmax's helpers, in pieces of its ROW
COLS = 1024
CAST = std.RoundMode.CAST_NONE
SUM, MEAN, AMAX, AMIN, PROD = 0, 1, 2, 3, 4


@std.inline
def piece(kind, xf, cnt):
    """The reduction of xf[:cnt] (a scalar)."""
    if kind == AMAX:
        v = std.reduce_max(xf, cnt)
    elif kind == AMIN:
        v = std.reduce_min(xf, cnt)
    elif kind == PROD:
        v = std.ops.reduce_prod(xf, cnt)
    else:
        v = std.reduce_sum(xf, cnt)
    return v


@std.inline
def rows(kind, dtype, lowp, mode, x, y, nrows, size, stride, last, scale):
    st = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    xf = std.ub_alloc(f32, ROW)
    of = std.ub_alloc(f32, ROW)
    nb = std.i64(std.get_block_num())
    per = (std.i64(nrows) + nb - 1) // nb
    r0 = std.i64(std.get_block_idx()) * per
    r1 = min(r0 + per, std.i64(nrows))
    r = r0
    k = std.i64(0)
    while r < r1:
        n = std.i64(size)
        if r == std.i64(nrows) - 1:
            n = std.i64(last)
        base = r * std.i64(stride)
        cnt = min(ROW, n)
        load_f32(xf, st, x, base, cnt, lowp)
        acc = piece(kind, xf, cnt)
        off = std.i64(ROW)
        while off < n:
            cnt = min(ROW, n - off)
            load_f32(xf, st, x, base + off, cnt, lowp)
            v = piece(kind, xf, cnt)
            if kind == AMAX:
                acc = max(acc, v)
            elif kind == AMIN:
                acc = min(acc, v)
            elif kind == PROD:
                acc = acc * v
            else:
                acc = acc + v
            off += ROW
        if kind == MEAN:
            acc = acc * scale
        of[k] = acc
        k += 1
        r += 1
        if k == ROW or r == r1:
            store_f32(y, r - k, of, st, k, lowp, mode)
            k = 0


@std.inline
def cols(kind, dtype, lowp, mode, x, y, outer, size, inner, scale):
    st = std.ub_alloc(dtype, COLS if lowp else ALIGN)
    xf = std.ub_alloc(f32, COLS)
    af = std.ub_alloc(f32, COLS)
    ld = std.i64(inner)
    chunks = (ld + COLS - 1) // COLS
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * chunks:
        c0 = u % chunks * COLS
        w = min(COLS, ld - c0)
        o = u // chunks
        base = o * std.i64(size) * ld + c0
        load_f32(af, st, x, base, w, lowp)
        d = std.i64(1)
        while d < std.i64(size):
            load_f32(xf, st, x, base + d * ld, w, lowp)
            if kind == AMAX:
                std.max(af, af, xf, w)
            elif kind == AMIN:
                std.min(af, af, xf, w)
            elif kind == PROD:
                std.mul(af, af, xf, w)
            else:
                std.add(af, af, xf, w)
            d += 1
        if kind == MEAN:
            std.muls(af, af, scale, w)
        store_f32(y, o * ld + c0, af, st, w, lowp, mode)
        u += std.get_block_num()


@std.inline
def lse_rows(dtype, lowp, mode, x, y, nrows, size):
    """y[r] = logsumexp of row r (`size` contiguous elements)."""
    st = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    xf = std.ub_alloc(f32, ROW)
    yf = std.ub_alloc(f32, ROW)
    ob = std.ub_alloc(f32, 8)
    n = std.i64(size)
    r = std.i64(std.get_block_idx())
    while r < std.i64(nrows):
        base = r * n
        m = sm.row_max(xf, st, x, base, n, lowp)
        acc = sm.row_sumexp(xf, yf, st, x, base, n, m, lowp)
        ob[0] = m + std.ln(acc)
        store_f32(y, r, ob, st, 1, lowp, mode)
        r += std.get_block_num()


@std.inline
def lse_cols(dtype, lowp, mode, x, y, outer, size, inner):
    """y[o, i] = logsumexp over d of x[o, d, i] (inner > 1), COLS columns a unit."""
    st = std.ub_alloc(dtype, COLS if lowp else ALIGN)
    xf = std.ub_alloc(f32, COLS)
    mf = std.ub_alloc(f32, COLS)
    af = std.ub_alloc(f32, COLS)
    ld = std.i64(inner)
    chunks = (ld + COLS - 1) // COLS
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * chunks:
        c0 = u % chunks * COLS
        w = min(COLS, ld - c0)
        base = u // chunks * std.i64(size) * ld + c0
        sm.cols_max_sumexp(mf, af, xf, st, x, base, w, size, ld, lowp)
        std.ln(af, af, w)
        std.add(af, af, mf, w)
        store_f32(y, u // chunks * ld + c0, af, st, w, lowp, mode)
        u += std.get_block_num()


@std.aiv_kernel
def lse_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, size: u32):
    lse_rows(f32, False, CAST, x, y, nrows, size)


@std.aiv_kernel
def lse_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32):
    lse_cols(f32, False, CAST, x, y, outer, size, inner)


@std.aiv_kernel
def lse_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, size: u32):
    lse_rows(f16, True, CAST, x, y, nrows, size)


@std.aiv_kernel
def lse_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32):
    lse_cols(f16, True, CAST, x, y, outer, size, inner)


@std.aiv_kernel
def sum_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(SUM, f32, False, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def sum_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, scale: f32):
    cols(SUM, f32, False, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def mean_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(MEAN, f32, False, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def mean_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, scale: f32):
    cols(MEAN, f32, False, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def amax_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(AMAX, f32, False, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def amax_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, scale: f32):
    cols(AMAX, f32, False, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def amin_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(AMIN, f32, False, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def amin_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, scale: f32):
    cols(AMIN, f32, False, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def prod_rows_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(PROD, f32, False, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def prod_cols_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, scale: f32):
    cols(PROD, f32, False, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def sum_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(SUM, f16, True, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def sum_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, scale: f32):
    cols(SUM, f16, True, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def mean_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(MEAN, f16, True, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def mean_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, scale: f32):
    cols(MEAN, f16, True, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def amax_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(AMAX, f16, True, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def amax_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, scale: f32):
    cols(AMAX, f16, True, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def amin_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(AMIN, f16, True, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def amin_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, scale: f32):
    cols(AMIN, f16, True, CAST, x, y, outer, size, inner, scale)


@std.aiv_kernel
def prod_rows_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, size: u32, stride: u32, last: u32, scale: f32):
    rows(PROD, f16, True, CAST, x, y, nrows, size, stride, last, scale)


@std.aiv_kernel
def prod_cols_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, scale: f32):
    cols(PROD, f16, True, CAST, x, y, outer, size, inner, scale)
