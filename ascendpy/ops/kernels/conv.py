"""Convolutions (torch's conv1d/2d/3d and conv_transpose1d/2d/3d) as im2col, a matrix product and an epilogue.

A convolution over [N, C, D, H, W] (1-D and 2-D as size-1 dims) is, per group g, W_g [OCg, K] @ colT_g [K, P]
with K = Cig * kD * kH * kW taps and P output positions. The matrix product is ascendpy.ops.matmul's (the
cube, or the vector cores for a few rows); this module builds colT and writes the result:

- `im2col_*`: colT[g, k, p] = the input element tap k of position p reads, or 0. Along D and H the host
  gives, per tap and output index, the input row it reads or -1 (`td`, `th`); along W, per piece of up to
  `op` outputs, the byte offsets of every tap's elements in a window of the input row (`tw`, from `win`:
  its start and length). A unit is one input row of one tap row (g, i, kd, kh) for one output row: the
  window is loaded once into UB behind a zero block (offset 0 reads a zero: padding, or for a transposed
  convolution a position between the input's strided elements) and each kw is one Gather. The tables
  encode stride, padding, dilation and transposition, so one kernel serves all of them.
- `conv_out_*`: y[n, oc, s] = epilogue(C[g, o, p] + bias[oc]) in the output type, C being the product's f32
  rows [G, ocn, P] (ocn output channels per group from oc0) of output rows u0.. (an output row is (n, od, oh))
  and the epilogue an `ascendpy.ops.Epilogue` program (fused.py) run on the tile before its one store.

The row of tap k is i * mi + tap * mk: K in (i, tap) order for a convolution's weight [OC, Cig, taps], in
(tap, i) order for a transposed one's, whose weight the host transposes to [G, OCg, taps * Cig].
bf16 kernels in conv_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, store_f32
from ascendpy.ops.kernels.fused import FLOATS, FT, PROG, program, run
from ascendpy.std import Ptr, f16, f32, i32, u32

ROWX = 8192  # elements of an input window in UB (after its 16-element zero block)
TABP = 8192  # W-tap offsets of one piece (kW x opp)
PIECE = 2048  # outputs of a piece
ZERO = 16  # the zero block before the window: 32 bytes of f16, 64 of f32
CAST = std.RoundMode.CAST_NONE


@std.inline
def im2col(dtype, zt, x, col, tw, win, th, td, c, cig, id_, ih, iw, kd, kh, kw, od, oh, ow, u0, rows, op, opp, npieces,
           resident, ktot, mi, mk, groups):
    st = std.ub_alloc(dtype, ZERO + ROWX)
    tb = std.ub_alloc(u32, TABP)
    ob = std.ub_alloc(dtype, PIECE)
    zb = std.ub_alloc(dtype, PIECE)
    std.duplicate(std.reinterpret(zb, zt), 0.0, PIECE)  # zt: dtype, or f16 for bf16 (zero has the same bits)
    std.duplicate(std.reinterpret(st, zt), 0.0, ZERO)
    KW = std.i64(kw)
    KH = std.i64(kh)
    KD = std.i64(kd)
    OH = std.i64(oh)
    OD = std.i64(od)
    OW = std.i64(ow)
    R = std.i64(rows)
    P = R * OW  # positions of this chunk
    if resident == 1:
        std.load(tb, tw, 0, KW * std.i64(opp))
    u = std.i64(std.get_block_idx())
    while u < std.i64(groups) * std.i64(cig) * KD * KH * R:
        r = u % R
        q = u // R
        b = q % KH
        a = q // KH % KD
        i = q // (KH * KD) % std.i64(cig)
        g = q // (KH * KD * std.i64(cig))
        U = std.i64(u0) + r
        n = U // (OD * OH)
        zd = U // OH % OD
        zh = U % OH
        di = std.i64(td[a * OD + zd])
        hi = std.i64(th[b * OH + zh])
        ok = di >= 0 and hi >= 0
        row = (((n * std.i64(c) + g * std.i64(cig) + i) * std.i64(id_) + di) * std.i64(ih) + hi) * std.i64(iw)
        k0 = i * std.i64(mi) + (a * KH + b) * KW * std.i64(mk)
        base = g * std.i64(ktot) * P + r * OW
        pc = std.i64(0)
        while pc < std.i64(npieces):
            o0 = pc * std.i64(op)
            cnt = min(std.i64(op), OW - o0)
            if ok:
                if resident == 0:
                    std.load(tb, tw, pc * KW * std.i64(opp), KW * std.i64(opp))
                ln = std.i64(win[2 * pc + 1])
                if ln > 0:
                    std.load(st[ZERO:], x, row + std.i64(win[2 * pc]), ln)
            t = std.i64(0)
            while t < KW:
                at = base + (k0 + t * std.i64(mk)) * P + o0
                if ok:
                    std.gather(ob, st, tb[t * std.i64(opp):], 0, cnt)
                    std.store(col, at, ob, cnt)
                else:
                    std.store(col, at, zb, cnt)
                t += 1
            pc += 1
        u += std.get_block_num()


@std.inline
def conv_out(dtype, lowp, mode, cm, bias, y, groups, ocg, oc0, ocn, octot, rs, ow, u0, rows, has_bias, prog, fl,
             nsteps, s0, s1, s2, s3):
    """y rows (n, g * ocg + oc0 + o, s) from C [G, ocn, P] f32 (+ bias, then the epilogue program on rows of
    (n, oc) planes: fused.py), FT elements at a time."""
    xf = std.ub_alloc(f32, FT)
    t = std.ub_alloc(f32, FT)
    sv = std.ub_alloc(f32, FT)
    pb = std.ub_alloc(i32, PROG)
    fb = std.ub_alloc(f32, FLOATS)
    ys = std.ub_alloc(dtype, FT if lowp else ALIGN)
    if nsteps > 0:
        program(pb, fb, prog, fl, nsteps)
    OW = std.i64(ow)
    R = std.i64(rows)
    RS = std.i64(rs)  # output rows per image (OD * OH)
    OCN = std.i64(ocn)
    OC = std.i64(octot)
    chunks = (OW + FT - 1) // FT
    u = std.i64(std.get_block_idx())
    while u < std.i64(groups) * OCN * R * chunks:
        o0 = u % chunks * FT
        cnt = min(std.i64(FT), OW - o0)
        r = u // chunks % R
        go = u // chunks // R  # g * ocn + o
        g = go // OCN
        oc = g * std.i64(ocg) + std.i64(oc0) + go % OCN
        U = std.i64(u0) + r
        std.load(xf, cm, (go * R + r) * OW + o0, cnt)
        if has_bias == 1:
            std.adds(xf, xf, bias[oc], cnt)
        if nsteps > 0:
            run(xf, t, sv, cnt, U // RS * OC + oc, U % RS * OW + o0, RS * OW, pb, fb, nsteps, s0, s1, s2, s3)
        store_f32(y, ((U // RS * OC + oc) * RS + U % RS) * OW + o0, xf, ys, cnt, lowp, mode)
        u += std.get_block_num()


@std.aiv_kernel
def im2col_f32(x: Ptr[f32], col: Ptr[f32], tw: Ptr[u32], win: Ptr[i32], th: Ptr[i32], td: Ptr[i32], c: u32, cig: u32,
               id_: u32, ih: u32, iw: u32, kd: u32, kh: u32, kw: u32, od: u32, oh: u32, ow: u32, u0: u32, rows: u32,
               op: u32, opp: u32, npieces: u32, resident: u32, ktot: u32, mi: u32, mk: u32, groups: u32):
    im2col(f32, f32, x, col, tw, win, th, td, c, cig, id_, ih, iw, kd, kh, kw, od, oh, ow, u0, rows, op, opp, npieces,
           resident, ktot, mi, mk, groups)


@std.aiv_kernel
def im2col_f16(x: Ptr[f16], col: Ptr[f16], tw: Ptr[u32], win: Ptr[i32], th: Ptr[i32], td: Ptr[i32], c: u32, cig: u32,
               id_: u32, ih: u32, iw: u32, kd: u32, kh: u32, kw: u32, od: u32, oh: u32, ow: u32, u0: u32, rows: u32,
               op: u32, opp: u32, npieces: u32, resident: u32, ktot: u32, mi: u32, mk: u32, groups: u32):
    im2col(f16, f16, x, col, tw, win, th, td, c, cig, id_, ih, iw, kd, kh, kw, od, oh, ow, u0, rows, op, opp, npieces,
           resident, ktot, mi, mk, groups)


@std.aiv_kernel
def conv_out_f32(cm: Ptr[f32], bias: Ptr[f32], y: Ptr[f32], groups: u32, ocg: u32, oc0: u32, ocn: u32, octot: u32,
                 rs: u32, ow: u32, u0: u32, rows: u32, has_bias: u32, prog: Ptr[i32], fl: Ptr[f32], nsteps: u32,
                 s0: Ptr[f32], s1: Ptr[f32], s2: Ptr[f32], s3: Ptr[f32]):
    conv_out(f32, False, CAST, cm, bias, y, groups, ocg, oc0, ocn, octot, rs, ow, u0, rows, has_bias, prog, fl,
             nsteps, s0, s1, s2, s3)


@std.aiv_kernel
def conv_out_f16(cm: Ptr[f32], bias: Ptr[f32], y: Ptr[f16], groups: u32, ocg: u32, oc0: u32, ocn: u32, octot: u32,
                 rs: u32, ow: u32, u0: u32, rows: u32, has_bias: u32, prog: Ptr[i32], fl: Ptr[f32], nsteps: u32,
                 s0: Ptr[f32], s1: Ptr[f32], s2: Ptr[f32], s3: Ptr[f32]):
    conv_out(f16, True, CAST, cm, bias, y, groups, ocg, oc0, ocn, octot, rs, ow, u0, rows, has_bias, prog, fl,
             nsteps, s0, s1, s2, s3)
