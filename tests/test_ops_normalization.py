"""ascendpy.ops normalisations against float64 numpy on fresh random inputs, every dtype."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, check, f64, rand


def _norm(x, axes, w=None, b=None, eps=1e-5):
    m = x.mean(axis=axes, keepdims=True)
    y = (x - m) / np.sqrt(((x - m) ** 2).mean(axis=axes, keepdims=True) + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def _tol(dt):  # a normalised value is O(1); f16/bf16 round inputs, parameters and the result once each
    return {"float32": (1e-5, 1e-5), "float16": (4e-3, 4e-3), "bfloat16": (3e-2, 3e-2)}[dt]


def _x(rng, shape, dt):  # an offset mean and a spread: the variance pass must not cancel
    return rand(rng, shape, dt, low=-1.0, high=3.0)


@pytest.mark.op("layer_norm")
@pytest.mark.parametrize("dt", FLOATS)
def test_layer_norm(dt, rng):
    for shape, ns in [((3, 37), (37,)), ((2, 3, 5, 7), (3, 5, 7)), ((2, 5000), (5000,)), ((4, 1536), 1536)]:
        x = _x(rng, shape, dt)
        nsh = (ns,) if isinstance(ns, int) else ns
        w, b = rand(rng, nsh, dt), rand(rng, nsh, dt)
        axes = tuple(range(x.ndim - len(nsh), x.ndim))
        check(ops.layer_norm(x, ns, w, b), _norm(f64(x), axes, f64(w), f64(b)), dt, f"layer_norm {shape}", _tol(dt))
        check(ops.layer_norm(x, ns, eps=1e-3), _norm(f64(x), axes, eps=1e-3), dt, f"layer_norm plain {shape}",
              _tol(dt))


@pytest.mark.op("rms_norm")
@pytest.mark.parametrize("dt", FLOATS)
def test_rms_norm(dt, rng):
    for shape, ns in [((1, 1536), (1536,)), ((3, 37), (37,)), ((2, 3, 4100), (4100,)), ((2, 4, 6), (4, 6))]:
        x = rand(rng, shape, dt, 2)
        w = rand(rng, ns, dt, low=0.5, high=1.5)
        axes = tuple(range(x.ndim - len(ns), x.ndim))
        want = f64(x) / np.sqrt((f64(x) ** 2).mean(axis=axes, keepdims=True) + 1e-6) * f64(w)
        check(ops.rms_norm(x, ns, w, 1e-6), want, dt, f"rms_norm {shape}", _tol(dt))
    x = rand(rng, (3, 10), dt, 2)  # eps=None: the dtype's machine epsilon, as torch
    eps = {"float32": 2.0**-23, "float16": 2.0**-10, "bfloat16": 2.0**-7}[dt]
    check(ops.rms_norm(x, (10,)), f64(x) / np.sqrt((f64(x) ** 2).mean(-1, keepdims=True) + eps), dt, "eps None",
          _tol(dt))


@pytest.mark.op("batch_norm")
@pytest.mark.parametrize("dt", FLOATS)
def test_batch_norm(dt, rng):
    for shape in [(4, 3, 5, 7), (2, 6, 33), (3, 2)]:
        x = _x(rng, shape, dt)
        c = shape[1]
        view = (1, c) + (1,) * (x.ndim - 2)
        axes = (0,) + tuple(range(2, x.ndim))
        w, b = rand(rng, (c,), dt), rand(rng, (c,), dt)
        want = _norm(f64(x), axes, f64(w).reshape(view), f64(b).reshape(view))
        check(ops.batch_norm(x, None, None, w, b, training=True), want, dt, f"batch_norm {shape}", _tol(dt))
        rm, rv = rand(rng, (c,), "float32"), rand(rng, (c,), "float32", low=0.5, high=2.0)
        rm0, rv0 = rm.copy(), rv.copy()
        ops.batch_norm(x, rm, rv, training=True, momentum=0.2)  # running statistics updated in place
        n = x.size // c
        check(rm, 0.8 * f64(rm0) + 0.2 * f64(x).mean(axis=axes), "float32", "running_mean", _tol(dt))
        check(rv, 0.8 * f64(rv0) + 0.2 * f64(x).var(axis=axes) * n / (n - 1), "float32", "running_var", _tol(dt))
        y = ops.batch_norm(x, rm, rv, w, b, training=False, eps=1e-3)
        want = (f64(x) - f64(rm).reshape(view)) / np.sqrt(f64(rv).reshape(view) + 1e-3) * f64(w).reshape(view) \
            + f64(b).reshape(view)
        check(y, want, dt, f"batch_norm eval {shape}", _tol(dt))


@pytest.mark.op("group_norm", "instance_norm")
@pytest.mark.parametrize("dt", FLOATS)
def test_group_and_instance_norm(dt, rng):
    for shape, groups in [((2, 6, 5, 7), 3), ((3, 4, 33), 2), ((1, 8, 4100), 4), ((2, 4, 3), 1)]:
        x = _x(rng, shape, dt)
        n, c = shape[:2]
        view = (1, c) + (1,) * (x.ndim - 2)
        w, b = rand(rng, (c,), dt), rand(rng, (c,), dt)
        g = f64(x).reshape(n, groups, -1)
        want = _norm(g, (2,)).reshape(shape) * f64(w).reshape(view) + f64(b).reshape(view)
        check(ops.group_norm(x, groups, w, b), want, dt, f"group_norm {shape} G={groups}", _tol(dt))
        want = _norm(f64(x), tuple(range(2, x.ndim)), f64(w).reshape(view), f64(b).reshape(view))
        check(ops.instance_norm(x, weight=w, bias=b), want, dt, f"instance_norm {shape}", _tol(dt))


@pytest.mark.op("normalize", "mean_abs_normalize", "rms_norm")
@pytest.mark.parametrize("dt", FLOATS)
def test_norms_over_a_dim(dt, rng):
    for shape, dim in [((5, 37), 1), ((3, 5000), 1), ((2, 6, 9), 1), ((4, 3, 1100), 1), ((7, 3), 0)]:
        x = rand(rng, shape, dt, 2)
        x64 = f64(x)
        l2 = np.sqrt((x64**2).sum(axis=dim, keepdims=True))
        check(ops.normalize(x, dim=dim), x64 / l2, dt, f"normalize p=2 {shape} {dim}", _tol(dt))
        check(ops.normalize(x, p=1, dim=dim), x64 / np.abs(x64).sum(axis=dim, keepdims=True), dt, f"p=1 {shape}",
              _tol(dt))
        check(ops.mean_abs_normalize(x, dim=dim), x64 / np.abs(x64).mean(axis=dim, keepdims=True), dt,
              f"mean_abs_normalize {shape}", _tol(dt))
        ms = (x64**2).mean(axis=dim, keepdims=True)
        check(ops.rms_norm(x, dim=dim, eps=1e-5), x64 / np.sqrt(ms + 1e-5), dt, f"rms_norm dim {shape}", _tol(dt))
    x = rand(rng, (3, 4, 50), dt, 2)
    check(ops.normalize(x, dim=None), f64(x) / np.linalg.norm(f64(x)), dt, "Frobenius", _tol(dt))
    z = np.zeros((2, 5), x.dtype)
    assert np.array_equal(ops.normalize(z, dim=1), z)  # eps keeps 0 / 0 out, as F.normalize


# MultiKernelBench's normalisation tasks at reduced sizes, their exact forward
@pytest.mark.op("batch_norm", "normalize", "group_norm", "instance_norm", "mean_abs_normalize", "layer_norm",
                "rms_norm")
def test_multikernelbench_tasks(rng):
    x = rng.random((4, 8, 16, 16), dtype=np.float32)
    x64 = f64(x)
    check(ops.batch_norm(x, None, None, np.ones(8, np.float32), np.zeros(8, np.float32), training=True),
          _norm(x64, (0, 2, 3)), "float32", "batch_norm", _tol("float32"))
    check(ops.normalize(x, dim=None), x64 / np.linalg.norm(x64), "float32", "frobenius_norm", _tol("float32"))
    g = x64.reshape(4, 2, -1)
    check(ops.group_norm(x, 2, np.ones(8, np.float32), np.zeros(8, np.float32)), _norm(g, (2,)).reshape(x.shape),
          "float32", "group_norm", _tol("float32"))
    check(ops.instance_norm(x), _norm(x64, (2, 3)), "float32", "instance_norm", _tol("float32"))
    y2 = rng.random((16, 655), dtype=np.float32)
    check(ops.mean_abs_normalize(y2, dim=1), f64(y2) / np.abs(f64(y2)).mean(1, keepdims=True), "float32", "l1_norm",
          _tol("float32"))
    check(ops.normalize(y2, p=2, dim=1), f64(y2) / np.linalg.norm(f64(y2), axis=1, keepdims=True), "float32",
          "l2_norm", _tol("float32"))
    check(ops.layer_norm(x, (8, 16, 16), np.ones((8, 16, 16), np.float32), np.zeros((8, 16, 16), np.float32)),
          _norm(x64, (1, 2, 3)), "float32", "layer_norm", _tol("float32"))
    check(ops.rms_norm(x, dim=1, eps=1e-5), x64 / np.sqrt((x64**2).mean(1, keepdims=True) + 1e-5), "float32",
          "rms_norm", _tol("float32"))


@pytest.mark.op("rms_norm", "layer_norm")
def test_device_buffers(runtime, rng):
    ctx, stream = runtime[2], runtime[3]
    x, w = rand(rng, (1, 1536), "float16", 2), rand(rng, (1536,), "float16", low=0.5, high=1.5)
    bx, bw = DeviceBuffer.from_numpy(x, context=ctx), DeviceBuffer.from_numpy(w, context=ctx)
    y = ops.rms_norm(bx, (1536,), bw, 1e-6, stream=stream)
    assert isinstance(y, DeviceBuffer) and y.shape == (1, 1536)
    want = f64(x) / np.sqrt((f64(x) ** 2).mean(-1, keepdims=True) + 1e-6) * f64(w)
    check(y.to_numpy(), want, "float16", "rms_norm on device buffers", _tol("float16"))
    z = ops.layer_norm(y, 1536, stream=stream)
    check(z.to_numpy(), _norm(f64(y.to_numpy()), (1,)), "float16", "layer_norm on device buffers", _tol("float16"))
    for b in (bx, bw, y, z):
        b.close()


@pytest.mark.op("layer_norm", "group_norm")
def test_on_310p(runtime310, rng):
    for dt in ("float32", "float16"):
        x = _x(rng, (2, 4, 300), dt)
        check(ops.layer_norm(x, 300, stream=runtime310), _norm(f64(x), (2,)), dt, "310P layer_norm", _tol(dt))
        check(ops.group_norm(x, 2, stream=runtime310), _norm(f64(x).reshape(2, 2, -1), (2,)).reshape(x.shape), dt,
              "310P group_norm", _tol(dt))


@pytest.mark.op("layer_norm")
def test_torch(rng):
    torch = pytest.importorskip("torch")
    x = torch.rand(3, 40)
    assert torch.allclose(ops.layer_norm(x, (40,)), torch.nn.functional.layer_norm(x, (40,)), atol=1e-5)


@pytest.mark.op("layer_norm", "group_norm", "batch_norm", "normalize", "rms_norm")
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.layer_norm(np.ones((2, 3), np.float32), (4,)), ValueError, "trailing dims"),
    (lambda: ops.layer_norm(np.ones((2, 3), np.float32), 3, np.ones(4, np.float32)), ValueError, "weight must have"),
    (lambda: ops.group_norm(np.ones((2, 6, 3), np.float32), 4), ValueError, r"num_groups \(4\) must divide"),
    (lambda: ops.batch_norm(np.ones((2, 3), np.float32), None, None), ValueError, "needs running_mean"),
    (lambda: ops.normalize(np.ones((2, 3), np.float32), p=3), ValueError, "p must be 1 or 2"),
    (lambda: ops.rms_norm(np.ones((2, 3), np.float32)), TypeError, "normalized_shape is required"),
    (lambda: ops.batch_norm(np.ones((2, 3), np.float32), np.zeros(3, np.float32)[::2], np.ones(2, np.float32),
                            training=True), ValueError, "running_mean must have 3"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
