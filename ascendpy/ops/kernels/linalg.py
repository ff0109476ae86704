"""Vector kernels around the cube matmul: transposes, matrix-vector products, triangle masks, row scaling.

- `transpose_*`: [batch, rows, cols] -> [batch, cols, rows] in TT x TT tiles: each row of a tile is one DMA
  into UB, one Gather (byte offsets from the host: index metadata) transposes the tile, each of its rows
  is one DMA out. The cube reads both operands with k contiguous (docs/cube.md, "k tails: prefer B^T"),
  so B [K, N] and a transposed A are turned around here, on the device.
- `gemv_*`: y[r] = A_r . v_r, a dot product per row: matrix-vector products (N = 1) and a one-row
  F.linear (x [1, K] against weight [N, K]), where the cube would fill 1 of its 16 rows. A vector of up
  to VK elements shared by all rows is loaded once.
- `tri_*`: torch.tril / triu of [batch, m, n]: row i keeps columns [i + d0, i + d1), the rest are zero.
- `diag_rows_*`: y[r, :] = d[r] * x[r, :] (torch.diag(d) @ x without a cube).
- `bias_rows_*`: y[r, :] = x[r, :] + bias (F.linear's bias).
- `vecmat_*`: a few rows times B [K, N] (a decode step's P V), B read once and in place.
- `swap_mid_*`: [a, p, q, d] -> [a, q, p, d] (attention heads); `relu_eps_*`: linear attention's relu(x) + eps.

Everything is computed in f32 (common.py); bf16 kernels are in linalg_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, TILE, load_f32, share, store_f32
from ascendpy.std import Ptr, f16, f32, i32, u32

TT = 64  # transpose tile side: 64 x 64 elements, 64 f32 gather repeats
VK = 4096  # gemv: k chunk (and the longest vector held in UB for every row)
RB = 256  # gemv / diag: rows per output run
MR, CW, PK = 8, 256, 512  # vecmat: rows, output columns per unit, p values per chunk
CAST = std.RoundMode.CAST_NONE


@std.inline
def transpose(dtype, x, y, offs, batch, rows, cols):
    xb = std.ub_alloc(dtype, TT * TT)
    tb = std.ub_alloc(dtype, TT * TT)
    ob = std.ub_alloc(u32, TT * TT)
    std.load(ob, offs, 0, TT * TT)
    tr = (std.i64(rows) + TT - 1) // TT
    tc = (std.i64(cols) + TT - 1) // TT
    per = tr * tc
    t = std.i64(std.get_block_idx())
    while t < per * std.i64(batch):
        base = t // per * std.i64(rows) * std.i64(cols)
        r0 = t % per // tc * TT
        c0 = t % per % tc * TT
        r = min(TT, std.i64(rows) - r0)
        c = min(TT, std.i64(cols) - c0)
        i = std.i64(0)
        while i < r:
            std.load(xb[i * TT:], x, base + (r0 + i) * std.i64(cols) + c0, c)
            i += 1
        std.gather(tb, xb, ob, 0, TT * TT)
        j = std.i64(0)
        while j < c:
            std.store(y, base + (c0 + j) * std.i64(rows) + r0, tb[j * TT:], r)
            j += 1
        t += std.get_block_num()


@std.inline
def gemv(dtype, lowp, odtype, olowp, mode, a, v, y, nrows, rpb, k, a_bs, v_bs, hold):
    """Row r of batch r // rpb: A at (r // rpb) a_bs + (r % rpb) k, its vector at (r // rpb) v_bs. `hold`
    (1 when every row shares one vector of at most VK elements): v is loaded once."""
    xs = std.ub_alloc(dtype, VK if lowp else ALIGN)
    vs = std.ub_alloc(dtype, VK if lowp else ALIGN)
    xf = std.ub_alloc(f32, VK)
    vf = std.ub_alloc(f32, VK)
    of = std.ub_alloc(f32, RB)
    os = std.ub_alloc(odtype, RB if olowp else ALIGN)
    kk = std.i64(k)
    if hold == 1:
        load_f32(vf, vs, v, 0, kk, lowp)
    per = share(nrows)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(nrows))
    g = start
    while g < end:
        cnt = min(RB, end - g)
        j = std.i64(0)
        while j < cnt:
            r = g + j
            abase = r // std.i64(rpb) * std.i64(a_bs) + r % std.i64(rpb) * kk
            vbase = r // std.i64(rpb) * std.i64(v_bs)
            s = std.f32(0.0)
            off = std.i64(0)
            while off < kk:
                w = min(VK, kk - off)
                load_f32(xf, xs, a, abase + off, w, lowp)
                if hold == 0:
                    load_f32(vf, vs, v, vbase + off, w, lowp)
                std.mul(xf, xf, vf, w)
                s += std.reduce_sum(xf, w)
                off += VK
            of[j] = s
            j += 1
        store_f32(y, g, of, os, cnt, olowp, mode)
        g += RB


@std.inline
def tri(dtype, lowp, mode, x, y, nrows, m, n, d0, d1):
    """Row r (i = r % m) of [nrows, n] keeps columns [clamp(i + d0), clamp(i + d1)); zeros elsewhere."""
    buf = std.ub_alloc(dtype, TILE)
    zf = std.ub_alloc(f32, TILE)
    zs = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    std.duplicate(zf, 0.0, TILE)
    if lowp:
        std.cast(zs, zf, mode, TILE)
    nn = std.i64(n)
    r = std.i64(std.get_block_idx())
    while r < std.i64(nrows):
        i = r % std.i64(m)
        lo = min(max(i + std.i64(d0), 0), nn)
        hi = min(max(i + std.i64(d1), lo), nn)
        base = r * nn
        off = std.i64(0)
        while off < nn:
            cnt = min(TILE, nn - off)
            if off + cnt <= lo:
                zero_run(y, base + off, zf, zs, cnt, lowp)
            elif lo == hi:
                zero_run(y, base + off, zf, zs, cnt, lowp)
            elif off >= hi:
                zero_run(y, base + off, zf, zs, cnt, lowp)
            else:
                a = max(lo, off)
                b = min(hi, off + cnt)
                std.load(buf, x, base + a, b - a)  # the kept run, from UB offset 0 (32-byte aligned)
                if a > off:
                    zero_run(y, base + off, zf, zs, a - off, lowp)
                if off + cnt > b:
                    zero_run(y, base + b, zf, zs, off + cnt - b, lowp)
                std.store(y, base + a, buf, b - a)
            off += TILE
        r += std.get_block_num()


@std.inline
def zero_run(y, off, zf, zs, cnt, lowp):
    if lowp:
        std.store(y, off, zs, cnt)
    else:
        std.store(y, off, zf, cnt)


@std.inline
def diag_rows(dtype, lowp, mode, d, x, y, nrows, n):
    xs = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    ys = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    ds = std.ub_alloc(dtype, RB if lowp else ALIGN)
    xf = std.ub_alloc(f32, TILE)
    yf = std.ub_alloc(f32, TILE)
    df = std.ub_alloc(f32, RB)
    nn = std.i64(n)
    per = share(nrows)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(nrows))
    g = start
    while g < end:
        cnt = min(RB, end - g)
        load_f32(df, ds, d, g, cnt, lowp)
        j = std.i64(0)
        while j < cnt:
            s = df[j]
            base = (g + j) * nn
            off = std.i64(0)
            while off < nn:
                w = min(TILE, nn - off)
                load_f32(xf, xs, x, base + off, w, lowp)
                std.muls(yf, xf, s, w)
                store_f32(y, base + off, yf, ys, w, lowp, mode)
                off += TILE
            j += 1
        g += RB


@std.inline
def bias_rows(dtype, lowp, mode, x, bias, y, nrows, n):
    """y[r, :] = x[r, :] + bias (F.linear's bias; x may be y)."""
    xs = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    ys = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    xf = std.ub_alloc(f32, TILE)
    bf = std.ub_alloc(f32, TILE)
    nn = std.i64(n)
    r = std.i64(std.get_block_idx())
    while r < std.i64(nrows):
        off = std.i64(0)
        while off < nn:
            w = min(TILE, nn - off)
            load_f32(xf, xs, x, r * nn + off, w, lowp)
            load_f32(bf, ys, bias, off, w, lowp)
            std.add(xf, xf, bf, w)
            store_f32(y, r * nn + off, xf, ys, w, lowp, mode)
            off += TILE
        r += std.get_block_num()


@std.inline
def vecmat(dtype, lowp, odtype, olowp, mode, p, v, y, batch, m, k, n, p_bs, v_bs):
    """y[b, i, :] = sum_s p[b, i, s] v[b, s, :] for few rows i (m <= MR): V [k, n] is read once, row by row, and
    each of its rows added, scaled, into MR accumulators (a decode step's P V without turning V around).
    A unit is one batch's CW output columns."""
    vs = std.ub_alloc(dtype, CW if lowp else ALIGN)
    vf = std.ub_alloc(f32, CW)
    tf = std.ub_alloc(f32, CW)
    acc = std.ub_alloc(f32, MR * CW)
    ps = std.ub_alloc(dtype, PK if lowp else ALIGN)
    pf = std.ub_alloc(f32, MR * PK)
    os = std.ub_alloc(odtype, CW if olowp else ALIGN)
    kk = std.i64(k)
    nn = std.i64(n)
    chunks = (nn + CW - 1) // CW
    u = std.i64(std.get_block_idx())
    while u < std.i64(batch) * chunks:
        bi = u // chunks
        c0 = u % chunks * CW
        w = min(CW, nn - c0)
        std.duplicate(acc, 0.0, MR * CW)
        s0 = std.i64(0)
        while s0 < kk:
            ks = min(PK, kk - s0)
            i = std.i64(0)
            while i < std.i64(m):
                poff = bi * std.i64(p_bs) + i * kk + s0
                if lowp:
                    std.load(ps, p, poff, ks)
                    std.cast(pf[i * PK:], ps, std.RoundMode.CAST_NONE, ks)
                else:
                    std.load(pf[i * PK:], p, poff, ks)
                i += 1
            s = std.i64(0)
            while s < ks:
                load_f32(vf, vs, v, bi * std.i64(v_bs) + (s0 + s) * nn + c0, w, lowp)
                i = std.i64(0)
                while i < std.i64(m):
                    std.muls(tf, vf, pf[i * PK + s], w)
                    std.add(acc[i * CW:], acc[i * CW:], tf, w)
                    i += 1
                s += 1
            s0 += PK
        i = std.i64(0)
        while i < std.i64(m):
            yoff = (bi * std.i64(m) + i) * nn + c0
            if olowp:
                std.cast(os, acc[i * CW:], mode, w)
                std.store(y, yoff, os, w)
            else:
                std.store(y, yoff, acc[i * CW:], w)
            i += 1
        u += std.get_block_num()


@std.aiv_kernel
def transpose_f32(x: Ptr[f32], y: Ptr[f32], offs: Ptr[u32], batch: u32, rows: u32, cols: u32):
    transpose(f32, x, y, offs, batch, rows, cols)


@std.aiv_kernel
def transpose_f16(x: Ptr[f16], y: Ptr[f16], offs: Ptr[u32], batch: u32, rows: u32, cols: u32):
    transpose(f16, x, y, offs, batch, rows, cols)


@std.aiv_kernel
def gemv_f32_f32(a: Ptr[f32], v: Ptr[f32], y: Ptr[f32], nrows: u32, rpb: u32, k: u32, a_bs: u32, v_bs: u32,
                 hold: u32):
    gemv(f32, False, f32, False, CAST, a, v, y, nrows, rpb, k, a_bs, v_bs, hold)


@std.aiv_kernel
def gemv_f16_f16(a: Ptr[f16], v: Ptr[f16], y: Ptr[f16], nrows: u32, rpb: u32, k: u32, a_bs: u32, v_bs: u32,
                 hold: u32):
    gemv(f16, True, f16, True, CAST, a, v, y, nrows, rpb, k, a_bs, v_bs, hold)


@std.aiv_kernel
def gemv_f16_f32(a: Ptr[f16], v: Ptr[f16], y: Ptr[f32], nrows: u32, rpb: u32, k: u32, a_bs: u32, v_bs: u32,
                 hold: u32):
    gemv(f16, True, f32, False, CAST, a, v, y, nrows, rpb, k, a_bs, v_bs, hold)


@std.aiv_kernel
def tri_f32(x: Ptr[f32], y: Ptr[f32], nrows: u32, m: u32, n: u32, d0: i32, d1: i32):
    tri(f32, False, CAST, x, y, nrows, m, n, d0, d1)


@std.aiv_kernel
def tri_f16(x: Ptr[f16], y: Ptr[f16], nrows: u32, m: u32, n: u32, d0: i32, d1: i32):
    tri(f16, True, CAST, x, y, nrows, m, n, d0, d1)


@std.aiv_kernel
def diag_rows_f32(d: Ptr[f32], x: Ptr[f32], y: Ptr[f32], nrows: u32, n: u32):
    diag_rows(f32, False, CAST, d, x, y, nrows, n)


@std.aiv_kernel
def diag_rows_f16(d: Ptr[f16], x: Ptr[f16], y: Ptr[f16], nrows: u32, n: u32):
    diag_rows(f16, True, CAST, d, x, y, nrows, n)


@std.aiv_kernel
def bias_rows_f32(x: Ptr[f32], bias: Ptr[f32], y: Ptr[f32], nrows: u32, n: u32):
    bias_rows(f32, False, CAST, x, bias, y, nrows, n)


@std.aiv_kernel
def bias_rows_f16(x: Ptr[f16], bias: Ptr[f16], y: Ptr[f16], nrows: u32, n: u32):
    bias_rows(f16, True, CAST, x, bias, y, nrows, n)


@std.inline
def swap_mid(dtype, x, y, outer, p, q, d):
    """[outer, p, q, d] -> [outer, q, p, d] (attention heads split / merged): one DMA in and out per d-run."""
    buf = std.ub_alloc(dtype, TILE)
    dd = std.i64(d)
    pp = std.i64(p)
    qq = std.i64(q)
    r = std.i64(std.get_block_idx())
    while r < std.i64(outer) * pp:
        a = r // pp
        pi = r % pp
        qi = std.i64(0)
        while qi < qq:
            src = (r * qq + qi) * dd
            dst = ((a * qq + qi) * pp + pi) * dd
            off = std.i64(0)
            while off < dd:
                w = min(TILE, dd - off)
                std.load(buf, x, src + off, w)
                std.store(y, dst + off, buf, w)
                off += TILE
            qi += 1
        r += std.get_block_num()


@std.inline
def relu_eps(dtype, lowp, mode, x, y, n, eps):
    """y = relu(x) + eps (linear attention's feature map)."""
    xs = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    xf = std.ub_alloc(f32, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        load_f32(xf, xs, x, off, cnt, lowp)
        std.relu(xf, xf, cnt)
        std.adds(xf, xf, eps, cnt)
        store_f32(y, off, xf, xs, cnt, lowp, mode)
        off += TILE


@std.aiv_kernel
def swap_mid_f32(x: Ptr[f32], y: Ptr[f32], outer: u32, p: u32, q: u32, d: u32):
    swap_mid(f32, x, y, outer, p, q, d)


@std.aiv_kernel
def swap_mid_f16(x: Ptr[f16], y: Ptr[f16], outer: u32, p: u32, q: u32, d: u32):
    swap_mid(f16, x, y, outer, p, q, d)


@std.aiv_kernel
def relu_eps_f32(x: Ptr[f32], y: Ptr[f32], n: u32, eps: f32):
    relu_eps(f32, False, CAST, x, y, n, eps)


@std.aiv_kernel
def relu_eps_f16(x: Ptr[f16], y: Ptr[f16], n: u32, eps: f32):
    relu_eps(f16, True, CAST, x, y, n, eps)


@std.aiv_kernel
def vecmat_f32_f32(p: Ptr[f32], v: Ptr[f32], y: Ptr[f32], batch: u32, m: u32, k: u32, n: u32, p_bs: u32,
                   v_bs: u32):
    vecmat(f32, False, f32, False, CAST, p, v, y, batch, m, k, n, p_bs, v_bs)


@std.aiv_kernel
def vecmat_f16_f16(p: Ptr[f16], v: Ptr[f16], y: Ptr[f16], batch: u32, m: u32, k: u32, n: u32, p_bs: u32,
                   v_bs: u32):
    vecmat(f16, True, f16, True, CAST, p, v, y, batch, m, k, n, p_bs, v_bs)


@std.aiv_kernel
def vecmat_f16_f32(p: Ptr[f16], v: Ptr[f16], y: Ptr[f32], batch: u32, m: u32, k: u32, n: u32, p_bs: u32,
                   v_bs: u32):
    vecmat(f16, True, f32, False, CAST, p, v, y, batch, m, k, n, p_bs, v_bs)
