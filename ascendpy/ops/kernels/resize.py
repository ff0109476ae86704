"""Resampling (torch's interpolate, affine_grid and grid_sample), in f32: the operator casts f16/bf16 around it.

interpolate is separable. Along one dim each output element is a weighted sum of `taps` input elements, and
the (index, weight) tables depend on the shapes alone, so the host builds them (ops/resize.py) and the device
applies them a dim at a time:

- `resample_last_f32`: along the last dim. A unit is `rb` whole rows in UB; each tap is one Gather with the
  table's byte offsets (which already step over the rows), a Mul by the tap's weights and an Add.
- `resample_mid_f32`: along a dim with `inner` elements after it: each output row (a piece of up to PIECE
  contiguous elements) is the weighted sum of `taps` input rows, a Muls and an Add each.

grid_sample's coordinates come from a tensor, so they are computed on the device:

- `grid_taps_f32`: per pixel of the grid, the element offsets and weights of its corners (4 for bilinear, 1
  for nearest), zero-weighted and clamped where a corner falls outside the input (padding 'zeros') or with
  the coordinate clamped first (padding 'border'). Shared by every channel.
- `grid_sample_f32`: a unit is one plane (n, c); it is loaded in bands of whole rows that fit UB, each
  corner a Gather from the band (corners outside it weighted 0), the bands' sums accumulated in GM.
- `affine_grid_f32`: grid[n, h, w] = theta[n] @ (x[w], y[h], 1), interleaved (x, y) by a Gather.

310P has no f32 -> integer Cast, so floors and offsets use the f32 tricks of docs/vector.md: rint by adding
and subtracting 1.5 * 2^23, and an offset v as the bits of v + 2^23 less 0x4B000000 (exact below 2^22).
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, i32, u32

ROW = 8192  # input elements of a resample_last unit
OUTW = 4096  # output elements of a resample_last unit
TAB = 8192  # table entries (taps x width) held in UB
PIECE = 2048  # elements of a resample_mid output row per step
PIX = 1024  # grid pixels per step
BAND = 16384  # input elements of a grid_sample band
WIDE = 4096  # the widest affine_grid row
MAGIC = 12582912.0  # 1.5 * 2^23: adding and subtracting it rounds an f32 below 2^22 to an integer
BIAS = 8388608.0  # 2^23: the bits of v + 2^23 are 0x4B000000 + v for an integer 0 <= v < 2^23
BITS = 1258291200  # 0x4B000000
GE, LE, GT, LT = std.CMPMODE.GE, std.CMPMODE.LE, std.CMPMODE.GT, std.CMPMODE.LT


@std.aiv_kernel
def resample_last_f32(x: Ptr[f32], y: Ptr[f32], idx: Ptr[u32], wts: Ptr[f32], rows: u32, iw: u32, ow: u32,
                      taps: u32, rb: u32, tw: u32):
    """y[r, o] = sum_t wts[t, o'] * x[r, idx[t, o'] / 4] over units of rb rows (o' = the unit's row * ow + o)."""
    ib = std.ub_alloc(u32, TAB)
    wb = std.ub_alloc(f32, TAB)
    xb = std.ub_alloc(f32, ROW)
    g = std.ub_alloc(f32, OUTW)
    acc = std.ub_alloc(f32, OUTW)
    T = std.i64(taps)
    W = std.i64(tw)
    std.load(ib, idx, 0, T * W)
    std.load(wb, wts, 0, T * W)
    RB = std.i64(rb)
    units = (std.i64(rows) + RB - 1) // RB
    u = std.i64(std.get_block_idx())
    while u < units:
        r0 = u * RB
        nr = min(RB, std.i64(rows) - r0)
        cnt = nr * std.i64(ow)
        std.load(xb, x, r0 * std.i64(iw), nr * std.i64(iw))
        std.gather(g, xb, ib, 0, cnt)
        std.mul(acc, g, wb, cnt)
        t = std.i64(1)
        while t < T:
            std.gather(g, xb, ib[t * W:], 0, cnt)
            std.mul(g, g, wb[t * W:], cnt)
            std.add(acc, acc, g, cnt)
            t += 1
        std.store(y, r0 * std.i64(ow), acc, cnt)
        u += std.get_block_num()


@std.aiv_kernel
def resample_mid_f32(x: Ptr[f32], y: Ptr[f32], idx: Ptr[i32], wts: Ptr[f32], outer: u32, isz: u32, osz: u32,
                     inner: u32, taps: u32):
    """y[a, o, :] = sum_t wts[t, o] * x[a, idx[t, o], :] for x as [outer, isz, inner]."""
    ib = std.ub_alloc(i32, TAB)
    wb = std.ub_alloc(f32, TAB)
    xb = std.ub_alloc(f32, PIECE)
    acc = std.ub_alloc(f32, PIECE)
    T = std.i64(taps)
    OS = std.i64(osz)
    std.load(ib, idx, 0, T * OS)
    std.load(wb, wts, 0, T * OS)
    ld = std.i64(inner)
    chunks = (ld + PIECE - 1) // PIECE
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * OS * chunks:
        c0 = u % chunks * PIECE
        w = min(std.i64(PIECE), ld - c0)
        o = u // chunks % OS
        a = u // chunks // OS
        base = a * std.i64(isz) * ld + c0
        std.load(xb, x, base + std.i64(ib[o]) * ld, w)
        std.muls(acc, xb, wb[o], w)
        t = std.i64(1)
        while t < T:
            std.load(xb, x, base + std.i64(ib[t * OS + o]) * ld, w)
            std.muls(xb, xb, wb[t * OS + o], w)
            std.add(acc, acc, xb, w)
            t += 1
        std.store(y, (a * OS + o) * ld + c0, acc, w)
        u += std.get_block_num()


@std.inline
def floor_f32(dst, src, tmp, m, n):
    """dst = floor(src) for |src| < 2^22: rint by the 1.5 * 2^23 trick, less 1 where that rounded up."""
    std.adds(dst, src, MAGIC, n)
    std.adds(dst, dst, -MAGIC, n)
    std.compare(m, dst, src, GT, n)
    std.adds(tmp, dst, -1.0, n)
    std.select(dst, m, tmp, dst, n)


@std.inline
def in_range(wt, v, lo, hi, zero, m, n):
    """wt = 0 where v < lo or v > hi (compared in f32)."""
    std.compares(m, v, lo, GE, n)
    std.select(wt, m, wt, zero, n)
    std.compares(m, v, hi, LE, n)
    std.select(wt, m, wt, zero, n)


@std.inline
def clamp(dst, src, lo, hi, n):
    std.maxs(dst, src, lo, n)
    std.mins(dst, dst, hi, n)


@std.inline
def unnormalize(v, a, b, d, n):
    std.adds(v, v, 1.0, n)
    std.muls(v, v, a, n)
    std.adds(v, v, b, n)
    std.muls(v, v, d, n)


@std.aiv_kernel
def grid_taps_f32(grid: Ptr[f32], taps: Ptr[f32], n: u32, p: u32, ih: u32, iw: u32, ax: f32, bx: f32, dx: f32,
                  ay: f32, by: f32, dy: f32, corners: u32, border: u32):
    """taps[n, k, j] (k < corners) = the element offset of corner k of pixel j, taps[n, corners + k, j] its weight.

    The source coordinate is ((grid + 1) * a + b) * d per axis, torch's grid_sampler_unnormalize in its order of
    f32 operations (the host picks a, b, d for align_corners). Corners are
    (x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1) for bilinear, the nearest (rint) point for nearest.
    """
    gb = std.ub_alloc(f32, 2 * PIX)
    fx = std.ub_alloc(f32, PIX)
    fy = std.ub_alloc(f32, PIX)
    x0 = std.ub_alloc(f32, PIX)
    y0 = std.ub_alloc(f32, PIX)
    wx0 = std.ub_alloc(f32, PIX)
    wx1 = std.ub_alloc(f32, PIX)
    wy0 = std.ub_alloc(f32, PIX)
    wy1 = std.ub_alloc(f32, PIX)
    cx = std.ub_alloc(f32, PIX)
    cy = std.ub_alloc(f32, PIX)
    ob = std.ub_alloc(f32, PIX)
    tmp = std.ub_alloc(f32, PIX)
    zero = std.ub_alloc(f32, PIX)
    m = std.ub_alloc(std.u8, PIX // 8)
    W = std.f32(iw)
    H = std.f32(ih)
    K = std.i64(corners)
    P = std.i64(p)
    chunks = (P + PIX - 1) // PIX
    std.duplicate(zero, 0.0, PIX)
    u = std.i64(std.get_block_idx())
    while u < std.i64(n) * chunks:
        b = u // chunks
        j0 = u % chunks * PIX
        cnt = min(std.i64(PIX), P - j0)
        whole = (cnt + 63) // 64 * 64  # Compare/Select take whole 256-byte repeats
        std.load(gb, grid, (b * P + j0) * 2, cnt * 2)
        std.gather_mask(fx, gb, std.GatherPattern.EVEN, cnt * 2)
        std.gather_mask(fy, gb, std.GatherPattern.ODD, cnt * 2)
        unnormalize(fx, ax, bx, dx, whole)
        unnormalize(fy, ay, by, dy, whole)
        if border == 1:
            clamp(fx, fx, 0.0, W - 1.0, whole)
            clamp(fy, fy, 0.0, H - 1.0, whole)
        out = b * K * 2 * P + j0
        if corners == 1:
            std.adds(x0, fx, MAGIC, whole)  # nearest: rint, ties to even (torch's nearbyint)
            std.adds(x0, x0, -MAGIC, whole)
            std.adds(y0, fy, MAGIC, whole)
            std.adds(y0, y0, -MAGIC, whole)
            std.duplicate(wx0, 1.0, whole)
            in_range(wx0, x0, 0.0, W - 1.0, zero, m, whole)
            in_range(wx0, y0, 0.0, H - 1.0, zero, m, whole)
            clamp(cx, x0, 0.0, W - 1.0, whole)
            clamp(cy, y0, 0.0, H - 1.0, whole)
            std.muls(ob, cy, W, whole)
            std.add(ob, ob, cx, whole)
            std.store(taps, out, ob, cnt)
            std.store(taps, out + P, wx0, cnt)
        else:
            floor_f32(x0, fx, tmp, m, whole)
            floor_f32(y0, fy, tmp, m, whole)
            std.sub(wx1, fx, x0, whole)
            std.sub(wy1, fy, y0, whole)
            std.muls(wx0, wx1, -1.0, whole)
            std.adds(wx0, wx0, 1.0, whole)
            std.muls(wy0, wy1, -1.0, whole)
            std.adds(wy0, wy0, 1.0, whole)
            in_range(wx0, x0, 0.0, W - 1.0, zero, m, whole)
            in_range(wx1, x0, -1.0, W - 2.0, zero, m, whole)
            in_range(wy0, y0, 0.0, H - 1.0, zero, m, whole)
            in_range(wy1, y0, -1.0, H - 2.0, zero, m, whole)
            k = std.i64(0)
            while k < 4:
                std.adds(tmp, x0, std.f32(k % 2), whole)
                clamp(cx, tmp, 0.0, W - 1.0, whole)
                std.adds(tmp, y0, std.f32(k // 2), whole)
                clamp(cy, tmp, 0.0, H - 1.0, whole)
                std.muls(ob, cy, W, whole)
                std.add(ob, ob, cx, whole)
                std.store(taps, out + k * P, ob, cnt)
                if k == 0:
                    std.mul(ob, wy0, wx0, whole)
                elif k == 1:
                    std.mul(ob, wy0, wx1, whole)
                elif k == 2:
                    std.mul(ob, wy1, wx0, whole)
                else:
                    std.mul(ob, wy1, wx1, whole)
                std.store(taps, out + (4 + k) * P, ob, cnt)
                k += 1
        u += std.get_block_num()


@std.aiv_kernel
def grid_sample_f32(x: Ptr[f32], taps: Ptr[f32], y: Ptr[f32], n: u32, c: u32, plane: u32, iw: u32, band: u32,
                    p: u32, corners: u32):
    """y[b, ch, j] = sum_k taps[b, K + k, j] * x[b, ch, taps[b, k, j]] (K = corners), a band of rows at a time."""
    xb = std.ub_alloc(f32, BAND)
    of = std.ub_alloc(f32, PIX)
    wt = std.ub_alloc(f32, PIX)
    g = std.ub_alloc(f32, PIX)
    acc = std.ub_alloc(f32, PIX)
    zero = std.ub_alloc(f32, PIX)
    oi = std.ub_alloc(i32, PIX)
    m = std.ub_alloc(std.u8, PIX // 8)
    K = std.i64(corners)
    P = std.i64(p)
    S = std.i64(plane)
    B = std.i64(band) * std.i64(iw)  # elements of a full band
    chunks = (P + PIX - 1) // PIX
    std.duplicate(zero, 0.0, PIX)
    u = std.i64(std.get_block_idx())
    while u < std.i64(n) * std.i64(c):
        b = u // std.i64(c)
        lo = std.i64(0)
        while lo < S:
            hi = min(lo + B, S)
            std.load(xb, x, u * S + lo, hi - lo)
            q = std.i64(0)
            while q < chunks:
                j0 = q * PIX
                cnt = min(std.i64(PIX), P - j0)
                whole = (cnt + 63) // 64 * 64
                k = std.i64(0)
                while k < K:
                    std.load(of, taps, (b * K * 2 + k) * P + j0, cnt)
                    std.load(wt, taps, (b * K * 2 + K + k) * P + j0, cnt)
                    if S > B:  # more than one band: corners outside this one count 0 here
                        in_range(wt, of, std.f32(lo), std.f32(hi - 1), zero, m, whole)
                        std.adds(of, of, -std.f32(lo), whole)
                        clamp(of, of, 0.0, std.f32(hi - lo - 1), whole)
                    std.muls(of, of, 4.0, whole)
                    std.adds(of, of, BIAS, whole)
                    std.adds(oi, std.reinterpret(of, i32), -BITS, whole)
                    std.gather(g, xb, std.reinterpret(oi, u32), 0, cnt)
                    if k == 0:
                        std.mul(acc, g, wt, cnt)
                    else:
                        std.mul(g, g, wt, cnt)
                        std.add(acc, acc, g, cnt)
                    k += 1
                if lo > 0:
                    std.load(g, y, u * P + j0, cnt)
                    std.add(acc, acc, g, cnt)
                std.store(y, u * P + j0, acc, cnt)
                q += 1
            lo += B
        u += std.get_block_num()


@std.aiv_kernel
def affine_grid_f32(theta: Ptr[f32], xs: Ptr[f32], ys: Ptr[f32], il: Ptr[u32], grid: Ptr[f32], n: u32, h: u32,
                    w: u32, wp: u32):
    """grid[b, r, j] = (t00 xs[j] + t01 ys[r] + t02, t10 xs[j] + t11 ys[r] + t12) for theta[b] = [[t00, t01, t02],
    [t10, t11, t12]]; `il` interleaves the two rows (first at 0, second at wp elements)."""
    xb = std.ub_alloc(f32, WIDE)
    ilb = std.ub_alloc(u32, 2 * WIDE)
    yb = std.ub_alloc(f32, 2 * WIDE)
    gb = std.ub_alloc(f32, 2 * WIDE)
    tb = std.ub_alloc(f32, 8)
    W = std.i64(w)
    std.load(xb, xs, 0, W)
    std.load(ilb, il, 0, 2 * W)
    u = std.i64(std.get_block_idx())
    while u < std.i64(n) * std.i64(h):
        b = u // std.i64(h)
        r = u % std.i64(h)
        std.load(tb, theta, b * 6, 6)
        yr = ys[r]
        std.muls(yb, xb, tb[0], W)
        std.adds(yb, yb, tb[1] * yr + tb[2], W)
        std.muls(yb[wp:], xb, tb[3], W)
        std.adds(yb[wp:], yb[wp:], tb[4] * yr + tb[5], W)
        std.gather(gb, yb, ilb, 0, 2 * W)
        std.store(grid, u * 2 * W, gb, 2 * W)
        u += std.get_block_num()
