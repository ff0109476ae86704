"""Optimizer steps: one fused kernel per optimizer, updating the parameter and its state in place.

Every tensor of a step has the parameter's n elements; a block streams its share through UB in TILE pieces,
loads each operand, computes the update in f32 and stores the new parameter (and state) over the old one
(each element is read before the same block writes it). Hyperparameters that depend only on the step (bias
corrections, decayed learning rates) arrive as f32 scalars. bf16 kernels in optim_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, share, store_f32
from ascendpy.std import Ptr, f16, f32, u32

TILE = 2048
CAST = std.RoundMode.CAST_NONE


@std.inline
def sgd(dtype, lowp, mode, p, g, buf, n, lr, momentum, dampening, weight_decay, nesterov, first):
    """d = g + wd p; buf = momentum buf + (1 - dampening) d (buf = d on the first step); d = d + momentum buf
    (nesterov) or buf; p -= lr d. momentum == 0: p -= lr d, buf untouched."""
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    pf = std.ub_alloc(f32, TILE)
    gf = std.ub_alloc(f32, TILE)
    bf = std.ub_alloc(f32, TILE)
    wf = std.ub_alloc(f32, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        load_f32(pf, st, p, off, cnt, lowp)
        load_f32(gf, st, g, off, cnt, lowp)
        std.muls(wf, pf, weight_decay, cnt)
        std.add(gf, gf, wf, cnt)
        if momentum != 0.0:
            if first == 1:
                std.muls(bf, gf, 1.0, cnt)
            else:
                load_f32(bf, st, buf, off, cnt, lowp)
                std.muls(bf, bf, momentum, cnt)
                std.muls(wf, gf, 1.0 - dampening, cnt)
                std.add(bf, bf, wf, cnt)
            store_f32(buf, off, bf, st, cnt, lowp, mode)
            if nesterov == 1:
                std.muls(wf, bf, momentum, cnt)
                std.add(gf, gf, wf, cnt)
            else:
                std.muls(gf, bf, 1.0, cnt)
        std.muls(gf, gf, lr, cnt)
        std.sub(pf, pf, gf, cnt)
        store_f32(p, off, pf, st, cnt, lowp, mode)
        off += TILE


@std.inline
def adam(dtype, lowp, mode, p, g, m, v, n, lr, b1, b2, eps, weight_decay, step_size, inv_sqrt_bc2):
    """g += wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= step_size m / (sqrt(v) / sqrt(bc2) + eps)."""
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    pf = std.ub_alloc(f32, TILE)
    gf = std.ub_alloc(f32, TILE)
    mf = std.ub_alloc(f32, TILE)
    vf = std.ub_alloc(f32, TILE)
    wf = std.ub_alloc(f32, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        load_f32(pf, st, p, off, cnt, lowp)
        load_f32(gf, st, g, off, cnt, lowp)
        load_f32(mf, st, m, off, cnt, lowp)
        load_f32(vf, st, v, off, cnt, lowp)
        std.muls(wf, pf, weight_decay, cnt)
        std.add(gf, gf, wf, cnt)
        std.muls(mf, mf, b1, cnt)
        std.muls(wf, gf, 1.0 - b1, cnt)
        std.add(mf, mf, wf, cnt)
        std.mul(wf, gf, gf, cnt)
        std.muls(wf, wf, 1.0 - b2, cnt)
        std.muls(vf, vf, b2, cnt)
        std.add(vf, vf, wf, cnt)
        store_f32(m, off, mf, st, cnt, lowp, mode)
        store_f32(v, off, vf, st, cnt, lowp, mode)
        std.sqrt(wf, vf, cnt)
        std.muls(wf, wf, inv_sqrt_bc2, cnt)
        std.adds(wf, wf, eps, cnt)
        std.div(wf, mf, wf, cnt)
        std.muls(wf, wf, step_size, cnt)
        std.sub(pf, pf, wf, cnt)
        store_f32(p, off, pf, st, cnt, lowp, mode)
        off += TILE


@std.inline
def sq_avg(dtype, lowp, mode, p, g, s, n, lr, alpha, eps, weight_decay):
    """g += wd p; s = alpha s + (1 - alpha) g^2 (rmsprop; adagrad: alpha = 1, s += g^2 with factor 1);
    p -= lr g / (sqrt(s) + eps). The weight of g^2 is 1 - alpha, or 1 when alpha is 1 (a plain sum)."""
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    pf = std.ub_alloc(f32, TILE)
    gf = std.ub_alloc(f32, TILE)
    sf = std.ub_alloc(f32, TILE)
    wf = std.ub_alloc(f32, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        load_f32(pf, st, p, off, cnt, lowp)
        load_f32(gf, st, g, off, cnt, lowp)
        load_f32(sf, st, s, off, cnt, lowp)
        std.muls(wf, pf, weight_decay, cnt)
        std.add(gf, gf, wf, cnt)
        std.mul(wf, gf, gf, cnt)
        if alpha != 1.0:
            std.muls(wf, wf, 1.0 - alpha, cnt)
            std.muls(sf, sf, alpha, cnt)
        std.add(sf, sf, wf, cnt)
        store_f32(s, off, sf, st, cnt, lowp, mode)
        std.sqrt(wf, sf, cnt)
        std.adds(wf, wf, eps, cnt)
        std.div(wf, gf, wf, cnt)
        std.muls(wf, wf, lr, cnt)
        std.sub(pf, pf, wf, cnt)
        store_f32(p, off, pf, st, cnt, lowp, mode)
        off += TILE


@std.inline
def lamb_ratio(dtype, lowp, mode, m, v, r, n, eps):
    """r = m / (sqrt(v) + eps) (the LAMB update direction; the trust ratio needs whole-tensor norms)."""
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    mf = std.ub_alloc(f32, TILE)
    vf = std.ub_alloc(f32, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        load_f32(mf, st, m, off, cnt, lowp)
        load_f32(vf, st, v, off, cnt, lowp)
        std.sqrt(vf, vf, cnt)
        std.adds(vf, vf, eps, cnt)
        std.div(mf, mf, vf, cnt)
        store_f32(r, off, mf, st, cnt, lowp, mode)
        off += TILE


@std.aiv_kernel
def sgd_f32(p: Ptr[f32], g: Ptr[f32], buf: Ptr[f32], n: u32, lr: f32, momentum: f32, dampening: f32,
           weight_decay: f32, nesterov: u32, first: u32):
    sgd(f32, False, CAST, p, g, buf, n, lr, momentum, dampening, weight_decay, nesterov, first)


@std.aiv_kernel
def adam_f32(p: Ptr[f32], g: Ptr[f32], m: Ptr[f32], v: Ptr[f32], n: u32, lr: f32, b1: f32, b2: f32, eps: f32,
            weight_decay: f32, step_size: f32, inv_sqrt_bc2: f32):
    adam(f32, False, CAST, p, g, m, v, n, lr, b1, b2, eps, weight_decay, step_size, inv_sqrt_bc2)


@std.aiv_kernel
def sq_avg_f32(p: Ptr[f32], g: Ptr[f32], s: Ptr[f32], n: u32, lr: f32, alpha: f32, eps: f32, weight_decay: f32):
    sq_avg(f32, False, CAST, p, g, s, n, lr, alpha, eps, weight_decay)


@std.aiv_kernel
def lamb_ratio_f32(m: Ptr[f32], v: Ptr[f32], r: Ptr[f32], n: u32, eps: f32):
    lamb_ratio(f32, False, CAST, m, v, r, n, eps)


@std.aiv_kernel
def sgd_f16(p: Ptr[f16], g: Ptr[f16], buf: Ptr[f16], n: u32, lr: f32, momentum: f32, dampening: f32,
           weight_decay: f32, nesterov: u32, first: u32):
    sgd(f16, True, CAST, p, g, buf, n, lr, momentum, dampening, weight_decay, nesterov, first)


@std.aiv_kernel
def adam_f16(p: Ptr[f16], g: Ptr[f16], m: Ptr[f16], v: Ptr[f16], n: u32, lr: f32, b1: f32, b2: f32, eps: f32,
            weight_decay: f32, step_size: f32, inv_sqrt_bc2: f32):
    adam(f16, True, CAST, p, g, m, v, n, lr, b1, b2, eps, weight_decay, step_size, inv_sqrt_bc2)


@std.aiv_kernel
def sq_avg_f16(p: Ptr[f16], g: Ptr[f16], s: Ptr[f16], n: u32, lr: f32, alpha: f32, eps: f32, weight_decay: f32):
    sq_avg(f16, True, CAST, p, g, s, n, lr, alpha, eps, weight_decay)


@std.aiv_kernel
def lamb_ratio_f16(m: Ptr[f16], v: Ptr[f16], r: Ptr[f16], n: u32, eps: f32):
    lamb_ratio(f16, True, CAST, m, v, r, n, eps)
