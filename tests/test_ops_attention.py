"""ascendpy.ops attention operators against float64 numpy references on fresh random data."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import ops
from tests.ops_check import dtype, f64, rand

# Error relative to the largest output: f32 throughout (1e-5); f16/bf16 round the projections, the
# probabilities P and the output once each (2^-11 / 2^-8 relative).
TOL = {"float32": 1e-5, "float16": 4e-3, "bfloat16": 3e-2}


def rel_error(got: np.ndarray, want: np.ndarray) -> float:
    got, want = f64(got), f64(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sdpa_ref(q, k, v, mask=None, causal=False, scale=None, gqa=False):
    """F.scaled_dot_product_attention in float64 (bool mask: True takes part)."""
    q, k, v = f64(q), f64(k), f64(v)
    if gqa:
        g = q.shape[-3] // k.shape[-3]
        k, v = np.repeat(k, g, axis=-3), np.repeat(v, g, axis=-3)
    s = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    if causal:
        mask = np.tril(np.ones(s.shape[-2:], bool))
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + f64(mask)
    return softmax(s) @ v


def mha_ref(q, k, v, h, w, b, hk=None, allowed=None):
    """nn.MultiheadAttention(batch_first) forward in float64; `allowed`: bool, True takes part."""
    hk = hk or h
    bsz, n, e = q.shape
    d = w[0].shape[0] // h

    def heads(x, wi, bi, nh):
        y = f64(x) @ f64(wi).T + (0 if bi is None else f64(bi))
        return y.reshape(x.shape[0], x.shape[1], nh, d).transpose(0, 2, 1, 3)

    o = sdpa_ref(heads(q, w[0], b[0], h), heads(k, w[1], b[1], hk), heads(v, w[2], b[2], hk), mask=allowed,
                 gqa=hk != h)
    o = o.transpose(0, 2, 1, 3).reshape(bsz, n, h * d)
    return o @ f64(w[3]).T + (0 if b[3] is None else f64(b[3]))


def weights(rng, e_out, e_in, dt, hk_rows=None):
    rows = (e_out, hk_rows or e_out, hk_rows or e_out, e_out)
    ins = (e_in, e_in, e_in, e_out)
    w = [rand(rng, (r, i), dt, scale=1 / np.sqrt(i)) for r, i in zip(rows, ins, strict=True)]
    b = [rand(rng, (r,), dt, scale=0.1) for r in rows]
    return w, b


@pytest.mark.op("scaled_dot_product_attention")
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("qs", "ks", "ev"), [((1, 1), (1, 1), 1), ((2, 3, 17, 40), (2, 3, 29, 40), 24),
                                              ((150, 64), (200, 64), 70), ((2, 1, 5, 16), (2, 1, 4500, 16), 16)])
def test_sdpa_shapes(runtime, rng, dt, qs, ks, ev):
    """Odd sizes, more than one cube tile, and a row longer than one UB tile (S = 4500)."""
    q, k = rand(rng, qs, dt), rand(rng, ks, dt)
    v = rand(rng, (*ks[:-1], ev), dt)
    o = ops.scaled_dot_product_attention(q, k, v, stream=runtime[3])
    assert o.dtype == dtype(dt)
    assert rel_error(o, sdpa_ref(q, k, v)) < TOL[dt]


@pytest.mark.op("scaled_dot_product_attention")
@pytest.mark.parametrize("dt", ["float32", "float16"])
def test_sdpa_causal_scale_and_masks(runtime, rng, dt):
    q, k, v = rand(rng, (2, 3, 21, 32), dt), rand(rng, (2, 3, 30, 32), dt), rand(rng, (2, 3, 30, 20), dt)
    for kw, ref in [({"is_causal": True}, {"causal": True}), ({"scale": 0.3}, {"scale": 0.3})]:
        got = ops.scaled_dot_product_attention(q, k, v, stream=runtime[3], **kw)
        assert rel_error(got, sdpa_ref(q, k, v, **ref)) < TOL[dt]
    for shape in [(21, 30), (2, 1, 21, 30), (2, 3, 1, 30), (1, 30)]:
        bm = rng.random(shape) > 0.3
        bm[..., 0] = True  # no fully masked row (torch gives NaN there)
        got = ops.scaled_dot_product_attention(q, k, v, attn_mask=bm, stream=runtime[3])
        assert rel_error(got, sdpa_ref(q, k, v, mask=bm)) < TOL[dt], shape
        fm = rand(rng, shape, dt)
        got = ops.scaled_dot_product_attention(q, k, v, attn_mask=fm, stream=runtime[3])
        assert rel_error(got, sdpa_ref(q, k, v, mask=fm)) < TOL[dt], shape


@pytest.mark.op("scaled_dot_product_attention")
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("hq", "hk", "lq"), [(12, 2, 1), (12, 2, 7), (4, 1, 9), (6, 3, 1)])
def test_sdpa_gqa_and_decode(runtime, rng, dt, hq, hk, lq):
    """Qwen2-1.5B's 12 query heads on 2 KV heads (head dim reduced to 32), decode (lq = 1) and prefill."""
    q = rand(rng, (2, hq, lq, 32), dt)
    k, v = rand(rng, (2, hk, 75, 32), dt), rand(rng, (2, hk, 75, 32), dt)
    o = ops.scaled_dot_product_attention(q, k, v, enable_gqa=True, is_causal=lq > 1, stream=runtime[3])
    assert o.shape == (2, hq, lq, 32)
    assert rel_error(o, sdpa_ref(q, k, v, gqa=True, causal=lq > 1)) < TOL[dt]


@pytest.mark.op("scaled_dot_product_attention")
def test_sdpa_bad_arguments(runtime):
    z = np.zeros((2, 4, 5, 8), np.float32)
    call = ops.scaled_dot_product_attention
    with pytest.raises(ValueError, match="scaled_dot_product_attention: dropout_p must be 0.0"):
        call(z, z, z, dropout_p=0.1, stream=runtime[3])
    with pytest.raises(ValueError, match="key has embedding 7"):
        call(z, np.zeros((2, 4, 5, 7), np.float32), z, stream=runtime[3])
    with pytest.raises(ValueError, match="multiple of key/value heads"):
        call(z, np.zeros((2, 3, 5, 8), np.float32), np.zeros((2, 3, 5, 8), np.float32), enable_gqa=True,
             stream=runtime[3])
    with pytest.raises(ValueError, match="attn_mask of shape"):
        call(z, z, z, attn_mask=np.ones((5, 4), bool), stream=runtime[3])
    with pytest.raises(ValueError, match="not both"):
        call(z, z, z, attn_mask=np.ones((5, 5), bool), is_causal=True, stream=runtime[3])
    with pytest.raises(TypeError, match="attn_mask has dtype int32"):
        call(z, z, z, attn_mask=np.ones((5, 5), np.int32), stream=runtime[3])


@pytest.mark.op("multi_head_attention")
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("h", "hk", "kw"), [(4, None, {}), (4, None, {"is_causal": True}), (4, 2, {}),
                                             (4, 1, {"window": 5}), (4, None, {"window": 0})])
def test_multi_head_attention(runtime, rng, dt, h, hk, kw):
    bsz, n, e = 2, 19, 48
    x = rand(rng, (bsz, n, e), dt)
    w, b = weights(rng, e, e, dt, None if hk is None else e // h * hk)
    got = ops.multi_head_attention(x, x, x, h, *w, *b, num_kv_heads=hk, stream=runtime[3], **kw)
    i, j = np.indices((n, n))
    allowed = None
    if kw.get("is_causal"):
        allowed = j <= i
    if "window" in kw:
        allowed = (j <= i) & (j >= i - kw["window"])
    want = mha_ref(x, x, x, h, w, b, hk=hk, allowed=allowed)
    assert got.dtype == dtype(dt)
    assert rel_error(got, want) < TOL[dt]


@pytest.mark.op("multi_head_attention")
def test_multi_head_attention_masks_and_errors(runtime, rng):
    bsz, n, e, h = 2, 9, 32, 4
    x = rand(rng, (bsz, n, e), "float32")
    w, b = weights(rng, e, e, "float32")
    masked = rng.random((n, n)) > 0.7
    np.fill_diagonal(masked, False)
    got = ops.multi_head_attention(x, x, x, h, *w, *b, attn_mask=masked, stream=runtime[3])
    assert rel_error(got, mha_ref(x, x, x, h, w, b, allowed=~masked)) < TOL["float32"]
    with pytest.raises(ValueError, match="multi_head_attention: query must be"):
        ops.multi_head_attention(x[0], x, x, h, *w, stream=runtime[3])
    with pytest.raises(ValueError, match="k_weight must be"):
        ops.multi_head_attention(x, x, x, h, w[0], w[1][:8], w[2], w[3], stream=runtime[3])
    with pytest.raises(ValueError, match="embed 32 must split"):
        ops.multi_head_attention(x, x, x, 5, *w, stream=runtime[3])


@pytest.mark.op("linear_attention")
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("lq", "s", "d", "dv"), [(1, 3, 5, 1), (30, 40, 20, 24), (130, 150, 70, 33)])
def test_linear_attention(runtime, rng, dt, lq, s, d, dv):
    q, k, v = rand(rng, (2, lq, d), dt), rand(rng, (2, s, d), dt), rand(rng, (2, s, dv), dt)
    got = ops.linear_attention(q, k, v, stream=runtime[3])
    # f16/bf16: phi(Q), phi(K) and phi(K)^T V are rounded to the dtype (torch keeps the dtype too)
    qq, kk = (f64((np.maximum(f64(t), 0) + 1e-6).astype(dtype(dt))) for t in (q, k))
    assert rel_error(got, qq @ (np.swapaxes(kk, -1, -2) @ f64(v))) < TOL[dt] * 2
    with pytest.raises(ValueError, match="linear_attention: need query"):
        ops.linear_attention(q, np.concatenate([k, k], -1), v, stream=runtime[3])


@pytest.mark.op("scaled_dot_product_attention", "multi_head_attention")
def test_device_buffers(runtime, rng):
    from ascendpy.runtime.memory import DeviceBuffer

    q, k, v = (rand(rng, (3, 11, 16), "float32") for _ in range(3))
    bufs = []
    for x in (q, k, v):
        d = DeviceBuffer.from_numpy(x, context=runtime[2])
        d.shape = x.shape
        bufs.append(d)
    o = ops.scaled_dot_product_attention(*bufs, is_causal=True, stream=runtime[3])
    assert isinstance(o, DeviceBuffer) and tuple(o.shape) == (3, 11, 16)
    assert rel_error(o.to_numpy().reshape(3, 11, 16), sdpa_ref(q, k, v, causal=True)) < TOL["float32"]
    for d in (*bufs, o):
        d.close()


@pytest.mark.op("scaled_dot_product_attention", "multi_head_attention")
def test_torch_tensors(runtime, rng):
    torch = pytest.importorskip("torch")
    q, k, v = (torch.rand(2, 2, 9, 16) for _ in range(3))
    o = ops.scaled_dot_product_attention(q, k, v, is_causal=True, stream=runtime[3])
    assert isinstance(o, torch.Tensor)
    want = torch.nn.functional.scaled_dot_product_attention(q.double(), k.double(), v.double(), is_causal=True)
    assert rel_error(o.numpy(), want.numpy()) < TOL["float32"]


@pytest.mark.op("scaled_dot_product_attention", "multi_head_attention", "linear_attention")
def test_310p_float16(runtime310, rng):
    """310P: f16 on its cube, the vector steps on its AI cores."""
    q, k, v = rand(rng, (2, 4, 9, 32), "float16"), rand(rng, (2, 2, 33, 32), "float16"), \
        rand(rng, (2, 2, 33, 32), "float16")
    o = ops.scaled_dot_product_attention(q, k, v, enable_gqa=True, is_causal=True, stream=runtime310)
    assert rel_error(o, sdpa_ref(q, k, v, gqa=True, causal=True)) < TOL["float16"]
    x = rand(rng, (2, 9, 32), "float16")
    w, b = weights(rng, 32, 32, "float16")
    got = ops.multi_head_attention(x, x, x, 4, *w, *b, window=3, stream=runtime310)
    i, j = np.indices((9, 9))
    assert rel_error(got, mha_ref(x, x, x, 4, w, b, allowed=(j <= i) & (j >= i - 3))) < TOL["float16"]
    got = ops.linear_attention(q[0, :2], k[0], v[0], stream=runtime310)
    qq, kk = np.maximum(f64(q[0, :2]), 0) + 1e-6, np.maximum(f64(k[0]), 0) + 1e-6
    assert rel_error(got, qq @ (np.swapaxes(kk, -1, -2) @ f64(v[0]))) < TOL["float16"] * 2
    with pytest.raises(TypeError, match="f32 Mmad"):
        ops.scaled_dot_product_attention(f64(q).astype(np.float32), k.astype(np.float32), v.astype(np.float32),
                                         enable_gqa=True, stream=runtime310)


# --- every MKB attention task's reference computation, at reduced shapes (f32, torch.rand inputs) ---

def _u(rng, *shape):
    return rng.random(shape).astype(np.float32)


SDPA_TASKS = {  # task: (Q, K, V shapes)
    "scaled_dot_product_attention": ((2, 3, 40, 48), (2, 3, 40, 48), (2, 3, 40, 48)),
    "scaled_dot_product_attention_inference": ((1, 64, 96), (1, 64, 96), (1, 64, 96)),
    "scaled_dot_product_attention_long_context": ((1, 20, 64), (1, 4200, 64), (1, 4200, 64)),
    "kv_cached_attention_inference": ((1, 1, 128), (1, 300, 128), (1, 300, 128)),
    "kv_cached_chat_batch_attention": ((3, 1, 128), (3, 260, 128), (3, 260, 128)),
    "kv_cached_speculative_attention": ((2, 4, 128), (2, 260, 128), (2, 260, 128)),
}


@pytest.mark.op("scaled_dot_product_attention")
@pytest.mark.parametrize("task", list(SDPA_TASKS))
def test_mkb_sdpa_tasks(runtime, rng, task):
    q, k, v = (_u(rng, *s) for s in SDPA_TASKS[task])
    got = ops.scaled_dot_product_attention(q, k, v, stream=runtime[3])  # F.scaled_dot_product_attention(Q, K, V)
    assert rel_error(got, sdpa_ref(q, k, v)) < TOL["float32"]


def _projected(rng, x, e, h, hk, window=None):
    """group_query / multi_query / windowed_causal: q/k/v/out nn.Linear projections around per-head attention."""
    w, b = weights(rng, e, e, "float32", e // h * hk)
    got = ops.multi_head_attention(x, x, x, h, *w, *b, num_kv_heads=hk, window=window)
    n = x.shape[1]
    i, j = np.indices((n, n))
    allowed = None if window is None else (j <= i) & (j >= i - window)
    return got, mha_ref(x, x, x, h, w, b, hk=hk, allowed=allowed)


@pytest.mark.op("scaled_dot_product_attention", "multi_head_attention")
def test_mkb_group_query_and_multi_query(runtime, rng):
    x = _u(rng, 2, 24, 64)
    for h, hk in [(16, 4), (8, 1)]:  # group_query_attention (16 heads on 4), multi_query_attention (one KV head)
        got, want = _projected(rng, x, 64, h, hk)
        assert rel_error(got, want) < TOL["float32"]
    # the same through sdpa: the einsum form of the reference, K/V heads shared via enable_gqa
    q, k, v = _u(rng, 2, 16, 24, 4), _u(rng, 2, 4, 24, 4), _u(rng, 2, 4, 24, 4)
    got = ops.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    assert rel_error(got, sdpa_ref(q, k, v, gqa=True)) < TOL["float32"]


@pytest.mark.op("multi_head_attention")
def test_mkb_windowed_causal_attention(runtime, rng):
    x = _u(rng, 2, 40, 64)
    got, want = _projected(rng, x, 64, 16, 16, window=6)
    # the reference's own loop: row i attends K[max(0, i - window) : i + 1]
    assert rel_error(got, want) < TOL["float32"]


@pytest.mark.op("multi_head_attention")
@pytest.mark.parametrize("task", ["multi_head_attention", "causal_attention", "cross_attention",
                                  "cross_modal_attention", "sparse_attention"])
def test_mkb_multihead_tasks(runtime, rng, task):
    """nn.MultiheadAttention(batch_first=True)(q, kv, kv, attn_mask=...): in_proj_weight's three row blocks."""
    e, h, n = 64, 4, 24
    x = _u(rng, 2, n, e)
    q, kv, mask = x, x, None
    if task == "causal_attention":
        mask = np.triu(np.ones((n, n)), 1).astype(bool)
    if task == "sparse_attention":
        win = 5
        mask = np.ones((n, n), bool)
        for i in range(n):
            mask[i, max(0, i - win):min(n, i + win)] = False
    if task == "cross_attention":
        kv = _u(rng, 2, 37, e)
    w, b = weights(rng, e, e, "float32")
    if task == "cross_modal_attention":  # q_proj (256 -> 256), kv_proj (512 -> 256), reduced
        text, img = _u(rng, 2, 12, e), _u(rng, 2, 30, 96)
        wq, bq = rand(rng, (e, e), "float32", 1 / 8), rand(rng, (e,), "float32", 0.1)
        wkv, bkv = rand(rng, (e, 96), "float32", 0.1), rand(rng, (e,), "float32", 0.1)
        q, kv = ops.linear(text, wq, bq), ops.linear(img, wkv, bkv)
        qr, kvr = f64(text) @ f64(wq).T + bq, f64(img) @ f64(wkv).T + bkv
    got = ops.multi_head_attention(q, kv, kv, h, *w, *b, attn_mask=mask, stream=runtime[3])
    if task == "cross_modal_attention":
        want = mha_ref(qr, kvr, kvr, h, w, b)
    else:
        want = mha_ref(q, kv, kv, h, w, b, allowed=None if mask is None else ~mask)
    assert rel_error(got, want) < TOL["float32"]


@pytest.mark.op("linear_attention")
def test_mkb_linear_attention(runtime, rng):
    q, k, v = _u(rng, 2, 40, 48), _u(rng, 2, 40, 48), _u(rng, 2, 40, 48)
    got = ops.linear_attention(q, k, v, stream=runtime[3])
    qq, kk = np.maximum(f64(q), 0) + 1e-6, np.maximum(f64(k), 0) + 1e-6
    want = np.einsum("bqd,bdv->bqv", qq, np.einsum("bkd,bkv->bdv", kk, f64(v)))
    assert rel_error(got, want) < TOL["float32"]


@pytest.mark.op("scaled_dot_product_attention")
@pytest.mark.parametrize("dt", ["float32", "bfloat16"])
def test_sdpa_long_rows_with_masks(runtime, rng, dt):
    """Rows longer than the kernel's one-pass band (4096): the three-pass softmax, with bool and float masks."""
    q, k, v = rand(rng, (1, 3, 16), dt), rand(rng, (1, 4500, 16), dt), rand(rng, (1, 4500, 8), dt)
    bm = rng.random((3, 4500)) > 0.5
    fm = rand(rng, (1, 1, 4500), dt)
    for mask in (bm, fm):
        got = ops.scaled_dot_product_attention(q, k, v, attn_mask=mask, stream=runtime[3])
        assert rel_error(got, sdpa_ref(q, k, v, mask=mask)) < TOL[dt]
