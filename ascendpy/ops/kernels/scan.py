"""Cumulative sums and products along a dim of a [outer, size, inner] tensor (torch.cumsum / torch.cumprod), with
MultiKernelBench's exclusive, reverse and masked variants as run-time flags.

Each output element is the sequential scan torch computes (x0, x0 + x1, (x0 + x1) + x2, ...), rounded once
per step in f32. `*_cols_*` (inner > 1): a unit is COLS neighbouring columns of one outer index; the scan runs
down the dim with one vector Add / Mul of the columns per step. `*_rows_*` (inner == 1): the dim is contiguous,
so each row streams through UB in ROW pieces and the scan runs on the scalar unit (a carried value across
pieces; AscendC's CumSum takes its column count at compile time, so rows of any length go this way).
`masked`: x * mask first (mask a bool tensor of x's shape). bf16 kernels in scan_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, u32

ROW = 2048
COLS = 1024
CAST = std.RoundMode.CAST_NONE
SUM, PROD = 0, 1


@std.inline
def apply_mask(xf, mb, mh, mf, mask, off, cnt):
    """xf[:cnt] *= mask[off:off + cnt] (bool bytes -> f16 -> f32)."""
    std.load(mb, mask, off, cnt)
    std.cast(mh, mb, std.RoundMode.CAST_NONE, cnt)
    std.cast(mf, mh, std.RoundMode.CAST_NONE, cnt)
    std.mul(xf, xf, mf, cnt)


@std.inline
def rows(kind, dtype, lowp, mode, x, mask, y, nrows, size, exclusive, reverse, masked):
    st = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    xf = std.ub_alloc(f32, ROW)
    yf = std.ub_alloc(f32, ROW)
    mb = std.ub_alloc(std.boolean, ROW)
    mh = std.ub_alloc(f16, ROW)
    mf = std.ub_alloc(f32, ROW)
    n = std.i64(size)
    pieces = (n + ROW - 1) // ROW
    r = std.i64(std.get_block_idx())
    while r < std.i64(nrows):
        base = r * n
        acc = std.f32(0.0)
        if kind == PROD:
            acc = std.f32(1.0)
        first = std.i64(1)
        p = std.i64(0)
        while p < pieces:
            k = p
            if reverse == 1:
                k = pieces - 1 - p
            off = k * ROW
            cnt = min(ROW, n - off)
            load_f32(xf, st, x, base + off, cnt, lowp)
            if masked == 1:
                apply_mask(xf, mb, mh, mf, mask, base + off, cnt)
            j = std.i64(0)
            while j < cnt:
                i = j
                if reverse == 1:
                    i = cnt - 1 - j
                v = xf[i]
                if exclusive == 1:
                    yf[i] = acc
                if first == 1:
                    acc = v
                    first = 0
                elif kind == PROD:
                    acc = acc * v
                else:
                    acc = acc + v
                if exclusive == 0:
                    yf[i] = acc
                j += 1
            store_f32(y, base + off, yf, st, cnt, lowp, mode)
            p += 1
        r += std.get_block_num()


@std.inline
def cols(kind, dtype, lowp, mode, x, mask, y, outer, size, inner, exclusive, reverse, masked):
    st = std.ub_alloc(dtype, COLS if lowp else ALIGN)
    xf = std.ub_alloc(f32, COLS)
    af = std.ub_alloc(f32, COLS)
    mb = std.ub_alloc(std.boolean, COLS)
    mh = std.ub_alloc(f16, COLS)
    mf = std.ub_alloc(f32, COLS)
    ld = std.i64(inner)
    chunks = (ld + COLS - 1) // COLS
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * chunks:
        c0 = u % chunks * COLS
        w = min(COLS, ld - c0)
        base = u // chunks * std.i64(size) * ld + c0
        s = std.i64(0)
        while s < std.i64(size):
            d = s
            if reverse == 1:
                d = std.i64(size) - 1 - s
            load_f32(xf, st, x, base + d * ld, w, lowp)
            if masked == 1:
                apply_mask(xf, mb, mh, mf, mask, base + d * ld, w)
            if exclusive == 1:
                if s == 0:
                    if kind == PROD:
                        std.duplicate(af, 1.0, w)
                    else:
                        std.duplicate(af, 0.0, w)
                store_f32(y, base + d * ld, af, st, w, lowp, mode)
                if s == 0:
                    std.muls(af, xf, 1.0, w)
                elif kind == PROD:
                    std.mul(af, af, xf, w)
                else:
                    std.add(af, af, xf, w)
            else:
                if s == 0:
                    std.muls(af, xf, 1.0, w)
                elif kind == PROD:
                    std.mul(af, af, xf, w)
                else:
                    std.add(af, af, xf, w)
                store_f32(y, base + d * ld, af, st, w, lowp, mode)
            s += 1
        u += std.get_block_num()


@std.aiv_kernel
def cumsum_rows_f32(x: Ptr[f32], mask: Ptr[std.boolean], y: Ptr[f32], nrows: u32, size: u32, exclusive: u32,
                   reverse: u32, masked: u32):
    rows(SUM, f32, False, CAST, x, mask, y, nrows, size, exclusive, reverse, masked)


@std.aiv_kernel
def cumsum_cols_f32(x: Ptr[f32], mask: Ptr[std.boolean], y: Ptr[f32], outer: u32, size: u32, inner: u32,
                   exclusive: u32, reverse: u32, masked: u32):
    cols(SUM, f32, False, CAST, x, mask, y, outer, size, inner, exclusive, reverse, masked)


@std.aiv_kernel
def cumprod_rows_f32(x: Ptr[f32], mask: Ptr[std.boolean], y: Ptr[f32], nrows: u32, size: u32, exclusive: u32,
                    reverse: u32, masked: u32):
    rows(PROD, f32, False, CAST, x, mask, y, nrows, size, exclusive, reverse, masked)


@std.aiv_kernel
def cumprod_cols_f32(x: Ptr[f32], mask: Ptr[std.boolean], y: Ptr[f32], outer: u32, size: u32, inner: u32,
                    exclusive: u32, reverse: u32, masked: u32):
    cols(PROD, f32, False, CAST, x, mask, y, outer, size, inner, exclusive, reverse, masked)


@std.aiv_kernel
def cumsum_rows_f16(x: Ptr[f16], mask: Ptr[std.boolean], y: Ptr[f16], nrows: u32, size: u32, exclusive: u32,
                   reverse: u32, masked: u32):
    rows(SUM, f16, True, CAST, x, mask, y, nrows, size, exclusive, reverse, masked)


@std.aiv_kernel
def cumsum_cols_f16(x: Ptr[f16], mask: Ptr[std.boolean], y: Ptr[f16], outer: u32, size: u32, inner: u32,
                   exclusive: u32, reverse: u32, masked: u32):
    cols(SUM, f16, True, CAST, x, mask, y, outer, size, inner, exclusive, reverse, masked)


@std.aiv_kernel
def cumprod_rows_f16(x: Ptr[f16], mask: Ptr[std.boolean], y: Ptr[f16], nrows: u32, size: u32, exclusive: u32,
                    reverse: u32, masked: u32):
    rows(PROD, f16, True, CAST, x, mask, y, nrows, size, exclusive, reverse, masked)


@std.aiv_kernel
def cumprod_cols_f16(x: Ptr[f16], mask: Ptr[std.boolean], y: Ptr[f16], outer: u32, size: u32, inner: u32,
                    exclusive: u32, reverse: u32, masked: u32):
    cols(PROD, f16, True, CAST, x, mask, y, outer, size, inner, exclusive, reverse, masked)
