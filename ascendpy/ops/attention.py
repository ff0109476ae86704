"""Attention as torch has it: F.scaled_dot_product_attention and nn.MultiheadAttention's forward, on ascendpy kernels.

scaled_dot_product_attention is three kernels on the device: the cube's QK^T (K read as stored: it is B^T
already) into f32 scores, one vector kernel that scales, masks, applies the causal / sliding-window band and
the row softmax and writes P in the input dtype (kernels/attention.py), and the cube's PV (V turned around on
the device, kernels/linalg.py; a decode step's few rows read V in place on the vector cores). Grouped-query
attention needs no copies: the g query heads that share one KV head are consecutive, so [B, Hq, L, E] is read
as [B, Hkv, g L, E] against [B, Hkv, S, E]. A decode step (L = 1, no GQA) computes its scores as vector dot
products against the cache rows (ops/matmul.py, gemv). multi_head_attention adds the projections (ops.linear's
kernels) and the head split/merge (a vector permute); linear_attention is phi(Q) (phi(K)^T V) with phi = relu
+ 1e-6.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, promote
from ascendpy.ops.matmul import PER_ROW_BLOCK, _kernels, _prod, product, short
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream

BIG = 1 << 30


def _mask_map(call: OpCall, mask: Tensor, batch: tuple[int, ...], L: int, S: int) -> tuple[int, int, int]:  # noqa: N803
    """(mdiv, mmod, mrl) of kernels/attention.py for a mask broadcast to batch + (L, S)."""
    op = call.op
    ms = mask.shape
    if len(ms) < 2 or ms[-1] != S or ms[-2] not in (1, L) or len(ms) - 2 > len(batch):
        raise ValueError(f"{op}: attn_mask of shape {ms} does not broadcast to the scores {(*batch, L, S)} "
                         f"(it must end in (1 or {L}, {S}))")
    mb = (1,) * (len(batch) - len(ms) + 2) + tuple(ms[:-2])
    nb = _prod(batch)
    if _prod(mb) == 1:
        mdiv, mmod = 1, 1
    else:
        # a prefix of the batch dims equal, the rest 1 (e.g. [B, 1, L, S] against [B, H, L, S])
        j = len(batch)
        while j > 0 and mb[j - 1] == 1:
            j -= 1
        if tuple(mb[:j]) != tuple(batch[:j]):
            raise ValueError(f"{op}: attn_mask of shape {ms} broadcasts in a pattern ascendpy does not read in place "
                             f"(against {(*batch, L, S)}); expand it to the leading batch dims")
        mdiv, mmod = _prod(batch[j:]), _prod(batch[:j])
        assert mdiv * mmod == nb
    return mdiv, mmod, ms[-2]


def sdpa(call: OpCall, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, causal: bool, scale: float | None,
         gqa: bool, band: tuple[int, int] | None = None, invert: bool = False) -> Tensor:
    """The attention of device tensors q [..., L, E], k [..., S, E], v [..., S, Ev] (all one dtype)."""
    op = call.op
    if min(q.ndim, k.ndim, v.ndim) < 2:
        raise ValueError(f"{op}: query, key and value must be at least 2-D, got {q.shape}, {k.shape}, {v.shape}")
    L, E = q.shape[-2:]  # noqa: N806
    S = k.shape[-2]  # noqa: N806
    if k.shape[-1] != E:
        raise ValueError(f"{op}: key has embedding {k.shape[-1]} but query has {E}")
    if v.shape[-2] != S or v.shape[:-2] != k.shape[:-2]:
        raise ValueError(f"{op}: value {v.shape} must match key {k.shape} but in the last dim")
    dt = q.dtype
    if gqa:
        if q.ndim < 3 or k.ndim < 3:
            raise ValueError(f"{op}: enable_gqa needs [..., heads, L, E] tensors, got {q.shape} and {k.shape}")
        hq, hk = q.shape[-3], k.shape[-3]
        if hk == 0 or hq % hk:
            raise ValueError(f"{op}: enable_gqa: query heads ({hq}) must be a multiple of key/value heads ({hk})")
        g = hq // hk
        qv = Tensor(q.buf, (*q.shape[:-3], hk, g * L, E), dt)
        logical = tuple(np.broadcast_shapes(q.shape[:-2], (*k.shape[:-3], hq)))
    else:
        g, qv = 1, q
        logical = tuple(np.broadcast_shapes(q.shape[:-2], k.shape[:-2]))
    scores = product(call, qv, k, False, True, np.dtype("float32"))  # [..., g L, S] in f32
    nrows = scores.size // S if S else 0
    out_shape = (*logical, L, v.shape[-1])
    if scores.size == 0 or v.shape[-1] == 0:
        o = call.empty(out_shape, dt)
        return o if o.size == 0 else product(call, Tensor(call.empty(scores.shape, dt).buf, scores.shape, dt), v,
                                             False, False, dt)
    from ascendpy.ops.kernels import attention as kattn
    from ascendpy.ops.kernels import attention_bf16

    sc = 1.0 / math.sqrt(E) if scale is None else float(scale)
    d0, d1 = band if band is not None else (-BIG, 1 if causal else BIG)
    kind, mode, mptr, mdiv, mmod, mrl = "float", 0, scores, 1, 1, 1
    if mask is not None:
        mdiv, mmod, mrl = _mask_map(call, mask, logical, L, S)
        if mask.dtype == np.dtype(bool):
            kind, mode, mptr = "bool", (2 if invert else 1), mask
        else:
            mode, mptr = 1, call.cast(mask, np.dtype("float32"))
    p = call.empty(scores.shape, dt)
    call.launch(call.kernels(kattn, attention_bf16, dt), f"attn_{kind}_{short(dt)}", call.blocks(nrows, 1), scores,
                mptr, p, nrows, L, S, sc, d0, d1, mode, mdiv, mmod, mrl)
    o = product(call, Tensor(p.buf, scores.shape, dt), v, False, False, dt)  # [..., g L, Ev]
    return Tensor(o.buf, out_shape, dt)


def _tensors(call: OpCall, names: tuple[str, ...], xs: tuple[Any, ...]) -> list[Tensor]:
    ts = [call.tensor(x, n) for x, n in zip(xs, names, strict=True)]
    dt = ts[0].dtype
    for t in ts[1:]:
        dt = promote(dt, t.dtype)
    return [call.cast(t, dt) for t in ts]


def _mask(call: OpCall, attn_mask: Any) -> Tensor | None:
    if attn_mask is None:
        return None
    return call.tensor(attn_mask, "attn_mask", (*FLOATS, "bool"))


@operator("attention", "mix", FLOATS, (
    "scaled_dot_product_attention", "scaled_dot_product_attention_inference",
    "scaled_dot_product_attention_long_context", "kv_cached_attention_inference", "kv_cached_chat_batch_attention",
    "kv_cached_speculative_attention", "group_query_attention", "multi_query_attention"),
    note="three kernels: cube QK^T, one vector scale/mask/band/softmax, cube PV; group_query / multi_query are "
         "linear projections + enable_gqa=True (multi_query: one KV head) + linear")
def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None, enable_gqa: bool = False, *,
                                 stream: Stream | None = None) -> Any:
    """F.scaled_dot_product_attention: softmax(Q K^T * scale + mask) V, scale 1/sqrt(E) by default.

    attn_mask: bool (True takes part) or float (added), broadcast to [..., L, S]; is_causal keeps j <= i
    (top-left aligned, as torch). dropout_p must be 0 (inference). A fully masked row gives a uniform
    row here where torch gives NaN.
    """
    op = "ascendpy.ops.scaled_dot_product_attention"
    if dropout_p != 0.0:
        raise ValueError(f"{op}: dropout_p must be 0.0 (ascendpy runs attention for inference), got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}: pass attn_mask or is_causal, not both (as torch)")
    with OpCall(op, stream) as call:
        q, k, v = _tensors(call, ("query", "key", "value"), (query, key, value))
        o = sdpa(call, q, k, v, _mask(call, attn_mask), bool(is_causal), scale, bool(enable_gqa))
        return call.result(o)


def split_heads(call: OpCall, x: Tensor, heads: int) -> Tensor:
    """[B, L, H * d] -> [B, H, L, d] on the device."""
    b, n, e = x.shape
    out = call.empty((b, heads, n, e // heads), x.dtype)
    if out.size:
        call.launch(_kernels(call, x.dtype), f"swap_mid_{x.short}", call.blocks(b * n, PER_ROW_BLOCK), x, out, b, n,
                    heads, e // heads)
    return out


def merge_heads(call: OpCall, x: Tensor) -> Tensor:
    """[B, H, L, d] -> [B, L, H * d] on the device."""
    b, h, n, d = x.shape
    out = call.empty((b, n, h * d), x.dtype)
    if out.size:
        call.launch(_kernels(call, x.dtype), f"swap_mid_{x.short}", call.blocks(b * h, PER_ROW_BLOCK), x, out, b, h,
                    n, d)
    return out


def linear_t(call: OpCall, x: Tensor, w: Tensor, bias: Tensor | None) -> Tensor:
    """F.linear on device tensors."""
    rows = _prod(x.shape[:-1])
    res = product(call, Tensor(x.buf, (rows, x.shape[-1]), x.dtype), w, False, True, x.dtype)
    if bias is not None and res.size:
        call.launch(_kernels(call, x.dtype), f"bias_rows_{short(x.dtype)}", call.blocks(rows, PER_ROW_BLOCK), res,
                    bias, res, rows, w.shape[0])
    return Tensor(res.buf, (*x.shape[:-1], w.shape[0]), x.dtype)


@operator("attention", "mix", FLOATS, (
    "multi_head_attention", "causal_attention", "cross_attention", "cross_modal_attention", "sparse_attention",
    "windowed_causal_attention", "group_query_attention", "multi_query_attention"),
    note="nn.MultiheadAttention(batch_first=True) forward: in-projections, sdpa, out-projection; group_query / "
         "multi_query with their own q/k/v/out nn.Linear weights and num_kv_heads (4 of 16, 1); "
         "causal/sparse pass their bool masks (True = masked); cross_modal adds q_proj/kv_proj (ops.linear) "
         "first; windowed_causal is window=256 (a band, no mask in memory)")
def multi_head_attention(query: Any, key: Any, value: Any, num_heads: int, q_weight: Any, k_weight: Any,
                         v_weight: Any, out_weight: Any, q_bias: Any = None, k_bias: Any = None, v_bias: Any = None,
                         out_bias: Any = None, *, num_kv_heads: int | None = None, attn_mask: Any = None,
                         is_causal: bool = False, window: int | None = None, stream: Stream | None = None) -> Any:
    """nn.MultiheadAttention's forward (batch_first, inference, need_weights=False) on [B, L, E] inputs.

    Weights as nn.Linear's ([out, in]); nn.MultiheadAttention's in_proj_weight is q/k/v_weight =
    its three row blocks. num_kv_heads < num_heads is grouped-query attention (k/v_weight [kv_heads d, E]).
    attn_mask as nn.MultiheadAttention's: bool True = NOT allowed, or float (added). is_causal keeps j <= i;
    `window` keeps i - window <= j <= i (sliding-window causal attention) without a mask tensor.
    """
    op = "ascendpy.ops.multi_head_attention"
    with OpCall(op, stream) as call:
        names = ("query", "key", "value", "q_weight", "k_weight", "v_weight", "out_weight")
        ts = _tensors(call, names, (query, key, value, q_weight, k_weight, v_weight, out_weight))
        q, k, v, wq, wk, wv, wo = ts
        biases = []
        for x, n in ((q_bias, "q_bias"), (k_bias, "k_bias"), (v_bias, "v_bias"), (out_bias, "out_bias")):
            biases.append(None if x is None else call.cast(call.tensor(x, n), q.dtype))
        for t, n in ((q, "query"), (k, "key"), (v, "value")):
            if t.ndim != 3:
                raise ValueError(f"{op}: {n} must be [batch, length, embed] (batch_first), got {t.shape}")
        hk = num_heads if num_kv_heads is None else num_kv_heads
        e = wq.shape[0]
        if num_heads <= 0 or e % num_heads or num_heads % max(hk, 1) or hk <= 0:
            raise ValueError(f"{op}: embed {e} must split into num_heads={num_heads}, a multiple of num_kv_heads={hk}")
        for w, n in ((wq, "q_weight"), (wk, "k_weight"), (wv, "v_weight")):
            src = {"q_weight": q, "k_weight": k, "v_weight": v}[n]
            want = e if n == "q_weight" else e // num_heads * hk
            if w.ndim != 2 or w.shape[1] != src.shape[-1] or w.shape[0] != want:
                raise ValueError(f"{op}: {n} must be [{want}, {src.shape[-1]}], got {w.shape}")
        qh = split_heads(call, linear_t(call, q, wq, biases[0]), num_heads)
        kh = split_heads(call, linear_t(call, k, wk, biases[1]), hk)
        vh = split_heads(call, linear_t(call, v, wv, biases[2]), hk)
        band = None
        if window is not None:
            if window < 0:
                raise ValueError(f"{op}: window must be >= 0, got {window}")
            band = (-int(window), 1)
        mask = _mask(call, attn_mask)
        o = sdpa(call, qh, kh, vh, mask, bool(is_causal), None, hk != num_heads, band, invert=True)
        return call.result(linear_t(call, merge_heads(call, o), wo, biases[3]))


@operator("attention", "mix", FLOATS, ("linear_attention",),
          note="phi(Q) (phi(K)^T V), phi = relu + 1e-6: a vector map and two cube products (K read transposed)")
def linear_attention(query: Any, key: Any, value: Any, eps: float = 1e-6, *, stream: Stream | None = None) -> Any:
    """Linear attention [.., L, d] x [.., S, d] x [.., S, dv]: (relu(Q) + eps) ((relu(K) + eps)^T V)."""
    op = "ascendpy.ops.linear_attention"
    with OpCall(op, stream) as call:
        q, k, v = _tensors(call, ("query", "key", "value"), (query, key, value))
        if min(q.ndim, k.ndim, v.ndim) < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
            raise ValueError(f"{op}: need query [.., L, d], key [.., S, d], value [.., S, dv]; got {q.shape}, "
                             f"{k.shape}, {v.shape}")
        phis = []
        for t in (q, k):
            p = call.empty(t.shape, t.dtype)
            if t.size:
                call.launch(_kernels(call, t.dtype), f"relu_eps_{t.short}", call.blocks(t.size, 8192), t, p, t.size,
                            float(eps))
            phis.append(p)
        kv = product(call, phis[1], v, True, False, q.dtype)  # [.., d, dv]
        return call.result(product(call, phis[0], kv, False, False, q.dtype))
