"""ascendpy.ops losses against float64 numpy on fresh random inputs, every dtype and reduction."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, check, f64, rand


def _tol(dt):  # a loss sums many rounded terms: relative to its magnitude
    return {"float32": (2e-5, 1e-6), "float16": (5e-3, 1e-3), "bfloat16": (3e-2, 1e-2)}[dt]


def _reduce(z, reduction, batch=1):
    return {"mean": z.mean(), "sum": z.sum(), "none": z, "batchmean": z.sum() / batch}[reduction]


def _huber(d, delta):
    a = np.abs(d)
    return np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))


def _dist(x, y, dt):
    return f64(np.sqrt(((x - y + 1e-6) ** 2).sum(-1)).astype(dt))


POINTWISE = [
    pytest.param(ops.mse_loss, lambda p, t: (p - t) ** 2, id="mse", marks=pytest.mark.op("mse_loss")),
    pytest.param(ops.l1_loss, lambda p, t: np.abs(p - t), id="l1", marks=pytest.mark.op("l1_loss")),
    pytest.param(lambda p, t, **k: ops.huber_loss(p, t, delta=0.7, **k), lambda p, t: _huber(p - t, 0.7), id="huber",
                 marks=pytest.mark.op("huber_loss")),
    pytest.param(ops.smooth_l1_loss, lambda p, t: _huber(p - t, 1.0), id="smooth_l1",
                 marks=pytest.mark.op("smooth_l1_loss")),
    pytest.param(lambda p, t, **k: ops.smooth_l1_loss(p, t, beta=0.5, **k), lambda p, t: _huber(p - t, 0.5) / 0.5,
                 id="smooth_l1_beta", marks=pytest.mark.op("smooth_l1_loss")),
]


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("call,ref", POINTWISE)
def test_pointwise_losses(call, ref, dt, rng, request):
    for shape in [(37,), (3, 517), (2, 3, 5000)]:
        p, t = rand(rng, shape, dt, 2), rand(rng, shape, dt, 2)
        for reduction in ("mean", "sum", "none"):
            got = call(p, t, reduction=reduction)
            want = np.asarray(_reduce(ref(f64(p), f64(t)), reduction))
            if reduction == "sum":  # a sum in f16 overflows to inf past 65504, as torch's
                with np.errstate(over="ignore"):
                    want = f64(want.astype(p.dtype))
            check(got, np.asarray(want), dt, f"{request.node.callspec.id} {shape} {reduction}", _tol(dt))


@pytest.mark.op("kl_div")
@pytest.mark.parametrize("dt", FLOATS)
def test_kl_div(dt, rng):
    for shape in [(4, 33), (3, 5000)]:
        a, b = rng.random(shape), rng.random(shape)
        lp = np.log(a / a.sum(-1, keepdims=True)).astype(rand(rng, (1,), dt).dtype)
        q = (b / b.sum(-1, keepdims=True)).astype(lp.dtype)
        q[0, :3] = 0  # a zero target contributes 0 (xlogy), not NaN
        term = np.where(f64(q) > 0, f64(q) * (np.log(np.where(f64(q) > 0, f64(q), 1)) - f64(lp)), 0)
        for reduction in ("batchmean", "sum", "mean"):
            check(ops.kl_div(lp, q, reduction=reduction), np.asarray(_reduce(term, reduction, shape[0])), dt,
                  f"kl_div {shape} {reduction}", _tol(dt))
        lq = np.log(f64(q) + 1e-3).astype(lp.dtype)
        check(ops.kl_div(lp, lq, reduction="sum", log_target=True), np.asarray((np.exp(f64(lq)) * (f64(lq) - f64(lp)))
                                                                               .sum()), dt, "log_target", _tol(dt))


@pytest.mark.op("cross_entropy")
@pytest.mark.parametrize("dt", FLOATS)
def test_cross_entropy(dt, rng):
    for n, c in [(5, 7), (33, 500), (3, 9000)]:
        x = rand(rng, (n, c), dt, 3)
        t = rng.integers(0, c, n)
        t[1] = -100
        x64 = f64(x)
        m = x64.max(1, keepdims=True)
        per = (np.log(np.exp(x64 - m).sum(1)) + m[:, 0]) - x64[np.arange(n), np.maximum(t, 0)]
        per[1] = 0
        check(ops.cross_entropy(x, t, reduction="none"), per, dt, f"cross_entropy none {n}x{c}", _tol(dt))
        check(ops.cross_entropy(x, t), np.asarray(per.sum() / (n - 1)), dt, f"cross_entropy mean {n}x{c}", _tol(dt))
        check(ops.cross_entropy(x, t, reduction="sum"), np.asarray(per.sum()), dt, "cross_entropy sum", _tol(dt))


@pytest.mark.op("cosine_similarity", "cosine_similarity_loss", "pairwise_distance", "triplet_margin_loss",
                "hinge_loss")
@pytest.mark.parametrize("dt", FLOATS)
def test_row_losses(dt, rng):
    for shape in [(6, 37), (3, 5000), (2, 3, 40)]:
        a, b, c = (rand(rng, shape, dt, 2) for _ in range(3))
        a64, b64, c64 = f64(a), f64(b), f64(c)
        cos = (a64 * b64).sum(-1) / np.sqrt((a64**2).sum(-1) * (b64**2).sum(-1))
        check(ops.cosine_similarity(a, b, dim=-1), cos, dt, f"cosine_similarity {shape}", _tol(dt))
        check(ops.cosine_similarity_loss(a, b, dim=-1), np.asarray(np.mean(1 - cos)), dt, "cosine loss", _tol(dt))
        # the distances are rounded to the dtype before they are subtracted, as in torch
        d_ap, d_an, d_pn = (_dist(x, y, a.dtype) for x, y in ((a64, b64), (a64, c64), (b64, c64)))
        check(ops.pairwise_distance(a, b), d_ap, dt, f"pairwise_distance {shape}", _tol(dt))
        tol = (_tol(dt)[0], _tol(dt)[0] * float(d_ap.max()))  # d_ap - d_an cancels: error relative to d
        check(ops.triplet_margin_loss(a, b, c, margin=0.5), np.asarray(np.maximum(d_ap - d_an + 0.5, 0).mean()), dt,
              f"triplet {shape}", tol)
        check(ops.triplet_margin_loss(a, b, c, swap=True, reduction="sum"),
              np.asarray(np.maximum(d_ap - np.minimum(d_an, d_pn) + 1.0, 0).sum()), dt, "triplet swap",
              (tol[0], tol[1] * d_ap.size))
    p, t = rand(rng, (8, 8), dt, 2), (rng.integers(0, 2, 8) * 2 - 1).astype(rand(rng, (1,), dt).dtype)
    check(ops.hinge_loss(p, t), np.asarray(np.maximum(1 - f64(p) * f64(t), 0).mean()), dt, "hinge", _tol(dt))


# MultiKernelBench's loss tasks, their exact forward at reduced sizes
@pytest.mark.op("cosine_similarity_loss", "cross_entropy", "hinge_loss", "smooth_l1_loss", "kl_div", "mse_loss",
                "triplet_margin_loss")
def test_multikernelbench_tasks(rng):
    p, t = rng.random((16, 409), dtype=np.float32), rng.random((16, 409), dtype=np.float32)
    p64, t64 = f64(p), f64(t)
    cos = (p64 * t64).sum(1) / np.sqrt((p64**2).sum(1) * (t64**2).sum(1))
    check(ops.cosine_similarity_loss(p, t, dim=1), np.asarray(np.mean(1 - cos)), "float32", "cosine_similarity_loss")
    x, y = rng.random((32, 409), dtype=np.float32), rng.integers(0, 409, 32)
    lse = np.log(np.exp(f64(x)).sum(1))
    check(ops.cross_entropy(x, y), np.asarray(np.mean(lse - f64(x)[np.arange(32), y])), "float32", "cross_entropy")
    q, s = rng.random((64, 64), dtype=np.float32), (rng.integers(0, 2, 64) * 2 - 1).astype(np.float32)
    check(ops.hinge_loss(q, s), np.asarray(np.mean(np.maximum(1 - f64(q) * s, 0))), "float32", "hinge_loss")
    check(ops.smooth_l1_loss(p * 0.3, t), np.asarray(_huber(0.3 * p64 - t64, 1.0).mean()), "float32", "huber")
    a = np.exp(p) / np.exp(p).sum(-1, keepdims=True)
    b = np.exp(t) / np.exp(t).sum(-1, keepdims=True)
    check(ops.kl_div(np.log(a), b, reduction="batchmean"),
          np.asarray((f64(b) * (np.log(f64(b)) - f64(np.log(a)))).sum() / 16), "float32", "kl_div_loss")
    check(ops.mse_loss(p, t), np.asarray(((p64 - t64) ** 2).mean()), "float32", "mse_loss")
    n = rng.random((16, 409), dtype=np.float32)
    dap, dan = np.linalg.norm(p64 - t64 + 1e-6, axis=1), np.linalg.norm(p64 - f64(n) + 1e-6, axis=1)
    check(ops.triplet_margin_loss(p, t, n), np.asarray(np.maximum(dap - dan + 1, 0).mean()), "float32", "triplet")


@pytest.mark.op("mse_loss", "cross_entropy")
def test_device_buffers_and_310p(runtime, rng):
    ctx, s = runtime[2], runtime[3]
    p, t = rand(rng, (4, 100), "float32"), rand(rng, (4, 100), "float32")
    bp, bt = DeviceBuffer.from_numpy(p, context=ctx), DeviceBuffer.from_numpy(t, context=ctx)
    m = ops.mse_loss(bp, bt, stream=s)
    assert isinstance(m, DeviceBuffer) and m.shape == ()
    check(m.to_numpy(), np.asarray(((f64(p) - f64(t)) ** 2).mean()), "float32", "mse on device buffers")
    for b in (bp, bt, m):
        b.close()


@pytest.mark.op("mse_loss", "cross_entropy")
def test_on_310p(runtime310, rng):
    p, t = rand(rng, (4, 100), "float16"), rand(rng, (4, 100), "float16")
    check(ops.mse_loss(p, t, stream=runtime310), np.asarray(((f64(p) - f64(t)) ** 2).mean()), "float16", "310P mse",
          _tol("float16"))
    x, y = rand(rng, (5, 70), "float32", 2), rng.integers(0, 70, 5)
    lse = np.log(np.exp(f64(x)).sum(1))
    check(ops.cross_entropy(x, y, stream=runtime310), np.asarray(np.mean(lse - f64(x)[np.arange(5), y])), "float32",
          "310P cross_entropy")


@pytest.mark.op("mse_loss", "cross_entropy", "cosine_similarity")
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.mse_loss(np.ones(3, np.float32), np.ones(3, np.float32), reduction="avg"), ValueError,
     "reduction must be one of mean, sum, none"),
    (lambda: ops.mse_loss(np.ones(3, np.float32), np.ones(4, np.float32)), ValueError, "must have one shape"),
    (lambda: ops.cross_entropy(np.ones((2, 3), np.float32), np.array([0, 3])), IndexError, "target 3 is out of range"),
    (lambda: ops.cross_entropy(np.ones((2, 3), np.float32), np.array([0.0, 1.0])), TypeError, "target has dtype"),
    (lambda: ops.cosine_similarity(np.ones((2, 3), np.float32), np.ones((2, 3), np.float32), dim=0), ValueError,
     "dim must be the last dim"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
