"""Loss kernels: elementwise loss terms over broadcast operands (broadcast.py's `binary`), and row kernels for
cross entropy, cosine similarity and pairwise distance. Reductions ('mean', 'sum') are the reduce kernels.

Huber and smooth L1 are branch-free and exact: with m = min(|d|, delta), m (|d| - m / 2) is d^2 / 2 when
|d| <= delta and delta (|d| - delta / 2) otherwise. KL's target ln target is taken of max(target, FLT_MIN), so a
zero target contributes exactly 0 (torch's xlogy) without a select.
"""

from ascendpy import std
from ascendpy.ops.kernels.broadcast import binary
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, i64, u32

ROW = 4096
CAST = std.RoundMode.CAST_NONE
FLT_MIN = 1.1754943508222875e-38
COS, PDIST = 0, 1


@std.inline
def _sqdiff(dst, a, b, n, alpha):
    std.sub(dst, a, b, n)
    std.mul(dst, dst, dst, n)


@std.inline
def _absdiff(dst, a, b, n, alpha):
    std.sub(dst, a, b, n)
    std.abs(dst, dst, n)


@std.inline
def _huber(dst, a, b, n, alpha):
    """alpha = delta; smooth L1 with beta is this divided by beta."""
    std.sub(dst, a, b, n)
    std.abs(dst, dst, n)
    std.mins(b, dst, alpha, n)
    std.muls(a, b, -0.5, n)
    std.add(dst, dst, a, n)
    std.mul(dst, dst, b, n)


@std.inline
def _hinge(dst, a, b, n, alpha):
    """max(0, 1 - a b)."""
    std.mul(dst, a, b, n)
    std.muls(dst, dst, -1.0, n)
    std.adds(dst, dst, 1.0, n)
    std.relu(dst, dst, n)


@std.inline
def _kl(dst, a, b, n, alpha):
    """target (ln target - input) for input = log-probabilities a, target = probabilities b."""
    std.maxs(dst, b, FLT_MIN, n)
    std.ln(dst, dst, n)
    std.sub(dst, dst, a, n)
    std.mul(dst, dst, b, n)


@std.inline
def _kl_log(dst, a, b, n, alpha):
    """exp(b) (b - a) for a log target b."""
    std.sub(dst, b, a, n)
    std.exp(b, b, n)
    std.mul(dst, dst, b, n)


@std.inline
def cross_entropy_rows(dtype, lowp, mode, x, target, loss, valid, rows, cols, ignore):
    """loss[r] = logsumexp(x[r]) - x[r, target[r]], valid[r] = 1 (0 and 0 where target[r] == ignore)."""
    st = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    xf = std.ub_alloc(f32, ROW)
    yf = std.ub_alloc(f32, ROW)
    tb = std.ub_alloc(i64, 8)
    of = std.ub_alloc(f32, 8)
    vf = std.ub_alloc(f32, 8)
    n = std.i64(cols)
    r = std.i64(std.get_block_idx())
    while r < std.i64(rows):
        base = r * n
        std.load(tb, target, r, 1)
        t = tb[0]
        cnt = min(ROW, n)
        load_f32(xf, st, x, base, cnt, lowp)
        m = std.reduce_max(xf, cnt)
        off = std.i64(ROW)
        while off < n:
            cnt = min(ROW, n - off)
            load_f32(xf, st, x, base + off, cnt, lowp)
            m = max(m, std.reduce_max(xf, cnt))
            off += ROW
        s = std.f32(0.0)
        picked = std.f32(0.0)
        off = 0
        while off < n:
            cnt = min(ROW, n - off)
            load_f32(xf, st, x, base + off, cnt, lowp)
            if t >= off and t < off + cnt:
                picked = xf[t - off]
            std.adds(yf, xf, -m, cnt)
            std.exp(yf, yf, cnt)
            s += std.reduce_sum(yf, cnt)
            off += ROW
        of[0] = m + std.ln(s) - picked
        vf[0] = 1.0
        if t == std.i64(ignore):
            of[0] = 0.0
            vf[0] = 0.0
        std.store(loss, r, of, 1)
        std.store(valid, r, vf, 1)
        r += std.get_block_num()


@std.inline
def row_pairs(kind, dtype, lowp, mode, a, b, y, rows, cols, eps):
    """COS: y[r] = a.b / sqrt(max(|a|^2 |b|^2, eps^2)); PDIST: y[r] = |a - b + eps|_2, over each row."""
    st = std.ub_alloc(dtype, ROW if lowp else ALIGN)
    af = std.ub_alloc(f32, ROW)
    bf = std.ub_alloc(f32, ROW)
    wf = std.ub_alloc(f32, ROW)
    of = std.ub_alloc(f32, 8)
    n = std.i64(cols)
    r = std.i64(std.get_block_idx())
    while r < std.i64(rows):
        base = r * n
        ab = std.f32(0.0)
        aa = std.f32(0.0)
        bb = std.f32(0.0)
        off = std.i64(0)
        while off < n:
            cnt = min(ROW, n - off)
            load_f32(af, st, a, base + off, cnt, lowp)
            load_f32(bf, st, b, base + off, cnt, lowp)
            if kind == COS:
                std.mul(wf, af, bf, cnt)
                ab += std.reduce_sum(wf, cnt)
                std.mul(wf, af, af, cnt)
                aa += std.reduce_sum(wf, cnt)
                std.mul(wf, bf, bf, cnt)
                bb += std.reduce_sum(wf, cnt)
            else:
                std.sub(wf, af, bf, cnt)
                std.adds(wf, wf, eps, cnt)
                std.mul(wf, wf, wf, cnt)
                ab += std.reduce_sum(wf, cnt)
            off += ROW
        if kind == COS:
            of[0] = ab / std.sqrt(max(aa * bb, eps * eps))
        else:
            of[0] = std.sqrt(ab)
        store_f32(y, r, of, st, 1, lowp, mode)
        r += std.get_block_num()


@std.aiv_kernel
def sqdiff_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
               xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
               alpha: f32):
    binary(_sqdiff, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def absdiff_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
                xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
                alpha: f32):
    binary(_absdiff, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def huber_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32, xs0:
              u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
              f32):
    binary(_huber, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def hinge_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32, xs0:
              u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
              f32):
    binary(_hinge, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def kl_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32, xs0:
           u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha: f32):
    binary(_kl, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3,
           yin, alpha)


@std.aiv_kernel
def kl_log_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
               xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
               alpha: f32):
    binary(_kl_log, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def cross_entropy_f32(x: Ptr[f32], target: Ptr[i64], loss: Ptr[f32], valid: Ptr[f32], rows: u32, cols: u32, ignore:
                      i64):
    cross_entropy_rows(f32, False, CAST, x, target, loss, valid, rows, cols, ignore)


@std.aiv_kernel
def cos_rows_f32(a: Ptr[f32], b: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32, eps: f32):
    row_pairs(COS, f32, False, CAST, a, b, y, rows, cols, eps)


@std.aiv_kernel
def pdist_rows_f32(a: Ptr[f32], b: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32, eps: f32):
    row_pairs(PDIST, f32, False, CAST, a, b, y, rows, cols, eps)


@std.aiv_kernel
def sqdiff_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
               xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
               alpha: f32):
    binary(_sqdiff, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def absdiff_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
                xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
                alpha: f32):
    binary(_absdiff, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def huber_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32, xs0:
              u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
              f32):
    binary(_huber, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def hinge_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32, xs0:
              u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
              f32):
    binary(_hinge, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def kl_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32, xs0:
           u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha: f32):
    binary(_kl, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3,
           yin, alpha)


@std.aiv_kernel
def kl_log_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
               xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
               alpha: f32):
    binary(_kl_log, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def cross_entropy_f16(x: Ptr[f16], target: Ptr[i64], loss: Ptr[f32], valid: Ptr[f32], rows: u32, cols: u32, ignore:
                      i64):
    cross_entropy_rows(f16, True, CAST, x, target, loss, valid, rows, cols, ignore)


@std.aiv_kernel
def cos_rows_f16(a: Ptr[f16], b: Ptr[f16], y: Ptr[f16], rows: u32, cols: u32, eps: f32):
    row_pairs(COS, f16, True, CAST, a, b, y, rows, cols, eps)


@std.aiv_kernel
def pdist_rows_f16(a: Ptr[f16], b: Ptr[f16], y: Ptr[f16], rows: u32, cols: u32, eps: f32):
    row_pairs(PDIST, f16, True, CAST, a, b, y, rows, cols, eps)
