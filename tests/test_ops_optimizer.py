"""ascendpy.ops optimizer steps against float64 numpy versions of torch.optim's algorithms, several steps."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, check, f64, rand

SHAPES = [(37,), (3, 517), (5, 4100)]


def _tol(dt):  # a step is a few roundings of O(1) values in f32, then the stored state rounds to dt
    return {"float32": (1e-5, 1e-6), "float16": (2e-3, 1e-3), "bfloat16": (1.6e-2, 1e-2)}[dt]


@pytest.mark.op("sgd_step")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd(nesterov, dt, rng):
    for shape in SHAPES:
        p, buf = rand(rng, shape, dt), np.zeros(shape, rand(rng, (1,), dt).dtype)
        rp, rb = f64(p), f64(buf)
        for step in range(3):
            g = rand(rng, shape, dt)
            ops.sgd_step(p, g, buf, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=nesterov)
            d = f64(g) + 0.01 * rp
            rb = 0.9 * rb + d
            rp = rp - 0.1 * (d + 0.9 * rb if nesterov else rb)
            rp, rb = f64(rp.astype(p.dtype)), f64(rb.astype(p.dtype))  # stored in dt after each step
            check(p, rp, dt, f"sgd {shape} step {step}", _tol(dt))
            check(buf, rb, dt, f"sgd buffer {shape} step {step}", _tol(dt))
    p = rand(rng, (9,), dt)
    g = rand(rng, (9,), dt)
    want = f64(p) - 0.5 * f64(g)
    ops.sgd_step(p, g, lr=0.5)  # no momentum: no buffer
    check(p, want, dt, "plain sgd", _tol(dt))


@pytest.mark.op("adam_step")
@pytest.mark.parametrize("dt", FLOATS)
def test_adam(dt, rng):
    for shape in SHAPES:
        p = rand(rng, shape, dt)
        m, v = np.zeros_like(p), np.zeros_like(p)
        rp, rm, rv = f64(p), f64(m), f64(v)
        for step in range(1, 4):
            g = rand(rng, shape, dt)
            ops.adam_step(p, g, m, v, step, lr=1e-2, betas=(0.8, 0.99), weight_decay=0.1)
            gg = f64(g) + 0.1 * rp
            rm, rv = 0.8 * rm + 0.2 * gg, 0.99 * rv + 0.01 * gg * gg
            rp = rp - 1e-2 / (1 - 0.8**step) * rm / (np.sqrt(rv) / np.sqrt(1 - 0.99**step) + 1e-8)
            # the step uses the new state as computed (f32), then stores param and state rounded to dt
            rp, rm, rv = (f64(a.astype(p.dtype)) for a in (rp, rm, rv))
            check(p, rp, dt, f"adam {shape} step {step}", _tol(dt))


@pytest.mark.op("rmsprop_step", "adagrad_step")
@pytest.mark.parametrize("dt", FLOATS)
def test_rmsprop_and_adagrad(dt, rng):
    for shape in SHAPES:
        p, q = rand(rng, shape, dt), rand(rng, shape, dt)
        s1, s2 = np.zeros_like(p), np.zeros_like(p)
        rp, rq, r1, r2 = f64(p), f64(q), f64(s1), f64(s2)
        for step in range(1, 4):
            g = rand(rng, shape, dt)
            ops.rmsprop_step(p, g, s1, lr=1e-2, alpha=0.9)
            ops.adagrad_step(q, g, s2, step=step, lr=0.1, lr_decay=0.05)
            r1, r2 = 0.9 * r1 + 0.1 * f64(g) ** 2, r2 + f64(g) ** 2
            rp = rp - 1e-2 * f64(g) / (np.sqrt(r1) + 1e-8)
            rq = rq - 0.1 / (1 + (step - 1) * 0.05) * f64(g) / (np.sqrt(r2) + 1e-10)
            rp, rq, r1, r2 = (f64(a.astype(p.dtype)) for a in (rp, rq, r1, r2))
            check(p, rp, dt, f"rmsprop {shape} step {step}", _tol(dt))
            check(q, rq, dt, f"adagrad {shape} step {step}", _tol(dt))


@pytest.mark.op("lamb_step")
@pytest.mark.parametrize("dt", FLOATS)
def test_lamb(dt, rng):
    for shape in SHAPES:
        p, m = rand(rng, shape, dt), rand(rng, shape, dt)
        v = rand(rng, shape, dt, low=1e-3, high=1.0)
        r = f64(m) / (np.sqrt(f64(v)) + 1e-6)
        want = f64(p) - 0.1 * np.linalg.norm(f64(p)) / (np.linalg.norm(r) + 1e-6) * r
        ops.lamb_step(p, m, v, lr=0.1)
        check(p, want, dt, f"lamb {shape}", (_tol(dt)[0] * 2, _tol(dt)[1] * 2))


# MultiKernelBench's optimizer tasks: their exact forward (one step from zero state) at reduced sizes
@pytest.mark.op("adagrad_step", "adam_step", "lamb_step", "rmsprop_step", "sgd_step")
def test_multikernelbench_tasks(rng):
    P, G = rng.random((64, 256), dtype=np.float32), rng.random((64, 256), dtype=np.float32)
    P64, G64 = f64(P), f64(G)
    p = P.copy()
    ops.adagrad_step(p, G, np.zeros_like(P), lr=1e-2, eps=1e-10)
    check(p, P64 - 1e-2 * G64 / (np.sqrt(G64**2) + 1e-10), "float32", "adagrad")
    p = P.copy()
    ops.adam_step(p, G, np.zeros_like(P), np.zeros_like(P), step=1)
    m, v = 0.1 * G64, 0.001 * G64**2
    check(p, P64 - 1e-3 * (m / 0.1) / (np.sqrt(v / 0.001) + 1e-8), "float32", "adam")
    M, V = rng.random((64, 256), dtype=np.float32), rng.random((64, 256), dtype=np.float32) + 1e-3
    p = P.copy()
    ops.lamb_step(p, M, V, lr=1e-3, eps=1e-6)
    r = f64(M) / (np.sqrt(f64(V)) + 1e-6)
    check(p, P64 - 1e-3 * np.linalg.norm(P64) / (np.linalg.norm(r) + 1e-6) * r, "float32", "lamb")
    p = P.copy()
    ops.rmsprop_step(p, G, np.zeros_like(P), lr=1e-3, alpha=0.99, eps=1e-8)
    check(p, P64 - 1e-3 * G64 / (np.sqrt(0.01 * G64**2) + 1e-8), "float32", "rmsprop")
    p, vel = P.copy(), np.zeros_like(P)
    ops.sgd_step(p, G, vel, lr=1e-2, momentum=0.9)
    check(p, P64 - 1e-2 * G64, "float32", "sgd")


@pytest.mark.op("adam_step", "sgd_step")
def test_device_buffers_update_in_place(runtime, rng):
    ctx, s = runtime[2], runtime[3]
    p, g = rand(rng, (4, 100), "float32"), rand(rng, (4, 100), "float32")
    bp, bg = DeviceBuffer.from_numpy(p, context=ctx), DeviceBuffer.from_numpy(g, context=ctx)
    bm, bv = DeviceBuffer.from_numpy(np.zeros_like(p), context=ctx), DeviceBuffer.from_numpy(np.zeros_like(p),
                                                                                             context=ctx)
    assert ops.adam_step(bp, bg, bm, bv, 1, lr=0.1, stream=s) is bp
    check(bm.to_numpy(), 0.1 * f64(g), "float32", "exp_avg on the device")
    check(bp.to_numpy(), f64(p) - 0.1 * (0.1 * f64(g) / 0.1) / (np.sqrt(0.001 * f64(g) ** 2 / 0.001) + 1e-8),
          "float32", "param on the device")
    for b in (bp, bg, bm, bv):
        b.close()


@pytest.mark.op("sgd_step", "rmsprop_step")
def test_on_310p(runtime310, rng):
    p, g = rand(rng, (3, 300), "float16"), rand(rng, (3, 300), "float16")
    want = f64(p) - 0.5 * f64(g)
    ops.sgd_step(p, g, lr=0.5, stream=runtime310)
    check(p, want, "float16", "310P sgd", _tol("float16"))


@pytest.mark.op("sgd_step", "adam_step", "rmsprop_step")
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.sgd_step(np.ones(3, np.float32), np.ones(3, np.float32), momentum=0.9), ValueError,
     "momentum needs a momentum_buffer"),
    (lambda: ops.adam_step(np.ones(3, np.float32), np.ones(3, np.float32), np.ones(3, np.float32),
                           np.ones(4, np.float32), 1), ValueError, "exp_avg_sq must have the param's shape"),
    (lambda: ops.adam_step(np.ones(3, np.float32), np.ones(3, np.float32), np.ones(3, np.float32),
                           np.ones(3, np.float32), 0), ValueError, "step counts from 1"),
    (lambda: ops.sgd_step(np.ones(3, np.float32), np.ones(3, np.float16)), ValueError,
     "grad must have the param's shape"),
    (lambda: ops.rmsprop_step(np.ones(3, np.float32), np.ones(3, np.float32), np.ones(3, np.float32), alpha=1.0),
     ValueError, "alpha must be in"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.op("sgd_step")
def test_read_only_param_is_an_error(rng):
    p = rand(rng, (5,), "float32")
    p.setflags(write=False)
    with pytest.raises(ValueError, match="param is read-only"):
        ops.sgd_step(p, rand(rng, (5,), "float32"), lr=0.1)
