"""Normalisations: statistics over a group of elements, then y = (x - shift) * scale [* weight + bias].

A group is `count` runs of `run` contiguous elements, `stride` apart, starting at g * gstride; that covers layer
and RMS norm (one run), instance norm (one run per channel), group norm (the group's channels as runs) and
batch norm (a channel's run in every sample). Run r of group g has channel (g % gmod) * cmul + r * rmul, for
per-channel affine parameters (wmode 1); wmode 2 takes the weight (and bias) per element of the run (one run).
Modes: NORM (mean and biased variance, two passes), RMS (mean of squares), L2 (norm), L1 (sum of |x| times
`factor`). NORM kernels also write each group's mean to stats[g] and its variance to stats[groups + g].
`cols_*`: RMS / L2 / L1 over a middle dim (elementwise down the dim, like the reductions' cols kernels).
Everything in f32 (common.py); bf16 kernels in norm_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, u32

TILE = 4096
COLS = 1024
CAST = std.RoundMode.CAST_NONE
NORM, RMS, L2, L1 = 0, 1, 2, 3


@std.inline
def contribution(mode, xf, wf, cnt, shift):
    """The group statistic's share of xf[:cnt] (wf is scratch)."""
    if mode == L1:
        std.abs(wf, xf, cnt)
    elif mode == NORM:
        std.adds(wf, xf, -shift, cnt)
        std.mul(wf, wf, wf, cnt)
    else:
        std.mul(wf, xf, xf, cnt)
    return std.reduce_sum(wf, cnt)


@std.inline
def group_pass(mode, st, xf, wf, x, base, count, run, stride, lowp, shift):
    """The sum over the group of `contribution` (shift: the mean, for NORM's variance pass)."""
    s = std.f32(0.0)
    r = std.i64(0)
    while r < std.i64(count):
        rb = base + r * std.i64(stride)
        off = std.i64(0)
        while off < std.i64(run):
            cnt = min(TILE, std.i64(run) - off)
            load_f32(xf, st, x, rb + off, cnt, lowp)
            s += contribution(mode, xf, wf, cnt, shift)
            off += TILE
        r += 1
    return s


@std.inline
def sum_pass(st, xf, x, base, count, run, stride, lowp):
    s = std.f32(0.0)
    r = std.i64(0)
    while r < std.i64(count):
        rb = base + r * std.i64(stride)
        off = std.i64(0)
        while off < std.i64(run):
            cnt = min(TILE, std.i64(run) - off)
            load_f32(xf, st, x, rb + off, cnt, lowp)
            s += std.reduce_sum(xf, cnt)
            off += TILE
        r += 1
    return s


@std.inline
def groups_kernel(mode, dtype, lowp, cmode, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul, rmul,
                  wmode, has_b, eps, factor):
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    xf = std.ub_alloc(f32, TILE)
    wf = std.ub_alloc(f32, TILE)
    bf = std.ub_alloc(f32, TILE)
    sf = std.ub_alloc(f32, 8)
    n = std.f32(std.i64(count) * std.i64(run))
    g = std.i64(std.get_block_idx())
    while g < std.i64(groups):
        base = g * std.i64(gstride)
        shift = std.f32(0.0)
        if mode == NORM:
            shift = sum_pass(st, xf, x, base, count, run, stride, lowp) / n
        s = group_pass(mode, st, xf, wf, x, base, count, run, stride, lowp, shift)
        if mode == NORM:
            scale = 1.0 / std.sqrt(s / n + eps)
            sf[0] = shift
            std.store(stats, g, sf, 1)
            sf[0] = s / n
            std.store(stats, std.i64(groups) + g, sf, 1)
        elif mode == RMS:
            scale = 1.0 / std.sqrt(s / n + eps)
        elif mode == L2:
            scale = 1.0 / max(std.sqrt(s), eps)
        else:
            scale = 1.0 / max(s * factor, eps)
        r = std.i64(0)
        while r < std.i64(count):
            rb = base + r * std.i64(stride)
            wc = std.f32(1.0)
            bc = std.f32(0.0)
            if wmode == 1:
                ch = g % std.i64(gmod) * std.i64(cmul) + r * std.i64(rmul)
                load_f32(wf, st, w, ch, 1, lowp)
                wc = wf[0]
                if has_b == 1:
                    load_f32(bf, st, b, ch, 1, lowp)
                    bc = bf[0]
            off = std.i64(0)
            while off < std.i64(run):
                cnt = min(TILE, std.i64(run) - off)
                load_f32(xf, st, x, rb + off, cnt, lowp)
                std.adds(xf, xf, -shift, cnt)
                std.muls(xf, xf, scale, cnt)
                if wmode == 1:
                    std.muls(xf, xf, wc, cnt)
                    std.adds(xf, xf, bc, cnt)
                elif wmode == 2:
                    load_f32(wf, st, w, off, cnt, lowp)
                    std.mul(xf, xf, wf, cnt)
                    if has_b == 1:
                        load_f32(bf, st, b, off, cnt, lowp)
                        std.add(xf, xf, bf, cnt)
                store_f32(y, rb + off, xf, st, cnt, lowp, cmode)
                off += TILE
            r += 1
        g += std.get_block_num()


@std.inline
def cols_kernel(mode, dtype, lowp, cmode, x, y, outer, size, inner, eps, factor):
    st = std.ub_alloc(dtype, COLS if lowp else ALIGN)
    xf = std.ub_alloc(f32, COLS)
    af = std.ub_alloc(f32, COLS)
    ld = std.i64(inner)
    chunks = (ld + COLS - 1) // COLS
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * chunks:
        c0 = u % chunks * COLS
        w = min(COLS, ld - c0)
        base = u // chunks * std.i64(size) * ld + c0
        std.duplicate(af, 0.0, w)
        d = std.i64(0)
        while d < std.i64(size):
            load_f32(xf, st, x, base + d * ld, w, lowp)
            if mode == L1:
                std.abs(xf, xf, w)
            else:
                std.mul(xf, xf, xf, w)
            std.add(af, af, xf, w)
            d += 1
        if mode == RMS:
            std.muls(af, af, 1.0 / std.f32(size), w)
            std.adds(af, af, eps, w)
            std.sqrt(af, af, w)
        elif mode == L2:
            std.sqrt(af, af, w)
            std.maxs(af, af, eps, w)
        else:
            std.muls(af, af, factor, w)
            std.maxs(af, af, eps, w)
        d = std.i64(0)
        while d < std.i64(size):
            load_f32(xf, st, x, base + d * ld, w, lowp)
            std.div(xf, xf, af, w)
            store_f32(y, base + d * ld, xf, st, w, lowp, cmode)
            d += 1
        u += std.get_block_num()


@std.aiv_kernel
def groups_norm_f32(x: Ptr[f32], w: Ptr[f32], b: Ptr[f32], y: Ptr[f32], stats: Ptr[f32], groups: u32, count: u32,
                   run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                   eps: f32, factor: f32):
    groups_kernel(NORM, f32, False, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def groups_rms_f32(x: Ptr[f32], w: Ptr[f32], b: Ptr[f32], y: Ptr[f32], stats: Ptr[f32], groups: u32, count: u32,
                  run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                  eps: f32, factor: f32):
    groups_kernel(RMS, f32, False, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_rms_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    cols_kernel(RMS, f32, False, CAST, x, y, outer, size, inner, eps, factor)


@std.aiv_kernel
def groups_l2_f32(x: Ptr[f32], w: Ptr[f32], b: Ptr[f32], y: Ptr[f32], stats: Ptr[f32], groups: u32, count: u32,
                 run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                 eps: f32, factor: f32):
    groups_kernel(L2, f32, False, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_l2_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    cols_kernel(L2, f32, False, CAST, x, y, outer, size, inner, eps, factor)


@std.aiv_kernel
def groups_l1_f32(x: Ptr[f32], w: Ptr[f32], b: Ptr[f32], y: Ptr[f32], stats: Ptr[f32], groups: u32, count: u32,
                 run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                 eps: f32, factor: f32):
    groups_kernel(L1, f32, False, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_l1_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    cols_kernel(L1, f32, False, CAST, x, y, outer, size, inner, eps, factor)


@std.aiv_kernel
def groups_norm_f16(x: Ptr[f16], w: Ptr[f16], b: Ptr[f16], y: Ptr[f16], stats: Ptr[f32], groups: u32, count: u32,
                   run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                   eps: f32, factor: f32):
    groups_kernel(NORM, f16, True, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def groups_rms_f16(x: Ptr[f16], w: Ptr[f16], b: Ptr[f16], y: Ptr[f16], stats: Ptr[f32], groups: u32, count: u32,
                  run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                  eps: f32, factor: f32):
    groups_kernel(RMS, f16, True, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_rms_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    cols_kernel(RMS, f16, True, CAST, x, y, outer, size, inner, eps, factor)


@std.aiv_kernel
def groups_l2_f16(x: Ptr[f16], w: Ptr[f16], b: Ptr[f16], y: Ptr[f16], stats: Ptr[f32], groups: u32, count: u32,
                 run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                 eps: f32, factor: f32):
    groups_kernel(L2, f16, True, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_l2_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    cols_kernel(L2, f16, True, CAST, x, y, outer, size, inner, eps, factor)


@std.aiv_kernel
def groups_l1_f16(x: Ptr[f16], w: Ptr[f16], b: Ptr[f16], y: Ptr[f16], stats: Ptr[f32], groups: u32, count: u32,
                 run: u32, stride: u32, gstride: u32, gmod: u32, cmul: u32, rmul: u32, wmode: u32, has_b: u32,
                 eps: f32, factor: f32):
    groups_kernel(L1, f16, True, CAST, x, w, b, y, stats, groups, count, run, stride, gstride, gmod, cmul,
                  rmul, wmode, has_b, eps, factor)


@std.aiv_kernel
def cols_l1_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, size: u32, inner: u32, eps: f32, factor: f32):
    cols_kernel(L1, f16, True, CAST, x, y, outer, size, inner, eps, factor)
