"""ascendpy.ops pooling (max_pool1d/2d/3d, avg_pool1d/2d/3d) against a direct float64 numpy reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, check, f64, rand


def _out(n, k, s, p, d, ceil):
    span = n + 2 * p - d * (k - 1) - 1
    o = (-(-span // s) if ceil else span // s) + 1
    return o - 1 if ceil and (o - 1) * s >= n + p else o


def _ref(x, nd, k, s, p, d, kind, ceil=False, include=True):
    """torch's definition, window by window."""
    sp = x.shape[-nd:]
    outs = [_out(n, *a, ceil) for n, *a in zip(sp, k, s, p, d)]
    out = np.zeros(x.shape[:-nd] + tuple(outs))
    for o in itertools.product(*[range(n) for n in outs]):
        vals = []
        for w in itertools.product(*[range(ki) for ki in k]):
            idx = [oi * si - pi + wi * di for oi, si, pi, wi, di in zip(o, s, p, w, d)]
            if all(0 <= i < n for i, n in zip(idx, sp)):
                vals.append(x[(...,) + tuple(idx)])
        if kind == "max":
            out[(...,) + o] = np.max(np.stack(vals), 0)
        else:
            c = 1
            for oi, si, pi, ki, n in zip(o, s, p, k, sp):
                lo, hi = oi * si - pi, min(oi * si - pi + ki, n + pi)
                if not include:
                    lo, hi = max(lo, 0), min(hi, n)
                c *= hi - lo
            out[(...,) + o] = np.sum(np.stack(vals), 0) / c
    return out


def _t(v, nd):
    return (v,) * nd if isinstance(v, int) else v


# nd, input shape, kernel, stride, padding, dilation, ceil_mode
CASES = [(1, (2, 3, 17), 4, 2, 1, 1, False), (1, (3, 40), 8, 1, 4, 1, False), (1, (2, 2, 9), 3, 2, 1, 2, True),
         (2, (2, 3, 9, 11), 3, 2, 1, 1, False), (2, (1, 2, 7, 6), (2, 3), (1, 2), (1, 0), (1, 1), True),
         (2, (2, 5, 9), 4, 1, 1, 2, False), (3, (1, 2, 5, 6, 7), 3, 2, 1, 1, False),
         (3, (2, 3, 4, 5), 2, 1, 0, 1, True)]


@pytest.mark.op("max_pool1d", "max_pool2d", "max_pool3d")
@pytest.mark.parametrize("dt", FLOATS)
def test_max_pool(dt, rng):
    for nd, shape, k, s, p, d, ceil in CASES:
        x = rand(rng, shape, dt, 2)
        f = {1: ops.max_pool1d, 2: ops.max_pool2d, 3: ops.max_pool3d}[nd]
        got = f(x, k, s, p, d, ceil)
        want = _ref(f64(x), nd, _t(k, nd), _t(s, nd), _t(p, nd), _t(d, nd), "max", ceil)
        assert np.array_equal(f64(got), want), f"max_pool{nd}d {dt} {shape} k={k} s={s} p={p} d={d} ceil={ceil}"


@pytest.mark.op("avg_pool1d", "avg_pool2d", "avg_pool3d")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("include", [True, False])
def test_avg_pool(dt, include, rng):
    for nd, shape, k, s, p, _, ceil in CASES:
        x = rand(rng, shape, dt, 2)
        f = {1: ops.avg_pool1d, 2: ops.avg_pool2d, 3: ops.avg_pool3d}[nd]
        got = f(x, k, s, p, ceil, include)
        want = _ref(f64(x), nd, _t(k, nd), _t(s, nd), _t(p, nd), (1,) * nd, "avg", ceil, include)
        check(got, want, dt, f"avg_pool{nd}d {shape} k={k} include={include}")


# MultiKernelBench's pooling tasks: their module arguments at reduced sizes
@pytest.mark.op("avg_pool1d", "avg_pool2d", "avg_pool3d", "max_pool1d", "max_pool2d", "max_pool3d")
def test_multikernelbench_tasks(rng):
    x1 = rng.random((2, 4, 40), dtype=np.float32)
    check(ops.avg_pool1d(x1, 8, 1, 4), _ref(f64(x1), 1, (8,), (1,), (4,), (1,), "avg"), "float32", "average_pooling_1d")
    x2 = rng.random((2, 3, 24, 24), dtype=np.float32)
    check(ops.avg_pool2d(x2, 11), _ref(f64(x2), 2, (11, 11), (11, 11), (0, 0), (1, 1), "avg"), "float32", "avg 2d")
    x3 = rng.random((1, 2, 8, 8, 8), dtype=np.float32)
    check(ops.avg_pool3d(x3, 3, 2, 1), _ref(f64(x3), 3, (3,) * 3, (2,) * 3, (1,) * 3, (1,) * 3, "avg"), "float32",
          "average_pooling_3d")
    assert np.array_equal(ops.max_pool1d(x1, 8, 1, 4), _ref(f64(x1), 1, (8,), (1,), (4,), (1,), "max"))
    assert np.array_equal(ops.max_pool2d(x2, 4, 1, 1), _ref(f64(x2), 2, (4, 4), (1, 1), (1, 1), (1, 1), "max"))
    assert np.array_equal(ops.max_pool3d(x3, 3, 2, 1), _ref(f64(x3), 3, (3,) * 3, (2,) * 3, (1,) * 3, (1,) * 3,
                                                            "max"))


@pytest.mark.op("max_pool2d")
def test_device_buffers(runtime, rng):
    x = rand(rng, (2, 3, 9, 11), "float32")
    b = DeviceBuffer.from_numpy(x, context=runtime[2])
    y = ops.max_pool2d(b, 3, 2, 1, stream=runtime[3])
    assert isinstance(y, DeviceBuffer) and y.shape == (2, 3, 5, 6)
    assert np.array_equal(y.to_numpy(), _ref(f64(x), 2, (3, 3), (2, 2), (1, 1), (1, 1), "max"))
    b.close()
    y.close()


@pytest.mark.op("avg_pool2d", "max_pool1d")
def test_on_310p(runtime310, rng):
    x = rand(rng, (2, 3, 9, 11), "float16")
    check(ops.avg_pool2d(x, 3, 2, 1, stream=runtime310), _ref(f64(x), 2, (3, 3), (2, 2), (1, 1), (1, 1), "avg"),
          "float16", "310P avg_pool2d")


@pytest.mark.op("max_pool2d", "avg_pool1d")
@pytest.mark.parametrize("call,match", [
    (lambda: ops.max_pool2d(np.ones((2, 5), np.float32), 2), "3-d or 4-d"),
    (lambda: ops.max_pool2d(np.ones((1, 5, 5), np.float32), 2, padding=2), "at most half"),
    (lambda: ops.avg_pool1d(np.ones((1, 3), np.float32), 5), "output would be empty"),
    (lambda: ops.max_pool2d(np.ones((1, 5, 5), np.float32), (2, 2, 2)), "kernel_size must be an int or 2 ints"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
