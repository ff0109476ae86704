"""ascendpy.ops reductions (sum, mean, amax, amin, prod) against float64 numpy, every dim form and dtype."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, TOL, check, f64, rand

# shape, dims: rows shorter and longer than a tile (4096), columns wider than a chunk (1024), several dims, all
CASES = [((7,), 0), ((3, 37), 1), ((3, 37), 0), ((2, 5000), -1), ((4, 3, 1100), 1), ((5, 6, 7), (0, 2)),
         ((2, 3, 4), None), ((40000,), None), ((3, 1, 5), 1)]

REDUCTIONS = [
    pytest.param(ops.sum, np.sum, id="sum", marks=pytest.mark.op("sum")),
    pytest.param(ops.mean, np.mean, id="mean", marks=pytest.mark.op("mean")),
    pytest.param(ops.amax, np.max, id="amax", marks=pytest.mark.op("amax")),
    pytest.param(ops.amin, np.min, id="amin", marks=pytest.mark.op("amin")),
]


def _sum_tol(x, dim, dt):
    """Sums round once per addition: the error scales with sum(|x|) along the reduced dims."""
    rtol, atol = TOL[dt]
    scale = np.sum(np.abs(f64(x)), axis=dim)
    return rtol, float(atol + rtol * np.max(scale))


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("call,ref", REDUCTIONS)
def test_reductions(call, ref, dt, rng, request):
    for shape, dim in CASES:
        for keepdim in (False, True):
            if dim is None and keepdim:
                continue
            x = rand(rng, shape, dt, 3)
            y = call(x, dim=dim, keepdim=keepdim)
            want = ref(f64(x), axis=dim, keepdims=keepdim)
            what = f"{request.node.callspec.id} {dt} {shape} dim={dim} keepdim={keepdim}"
            if call in (ops.amax, ops.amin):
                assert np.array_equal(y, want.astype(x.dtype)), what  # exact: a comparison, no rounding
            else:
                tol = _sum_tol(x, dim, dt)
                if call is ops.mean:
                    tol = (tol[0], tol[1] / max(x.size // max(np.size(want), 1), 1) + TOL[dt][1])
                check(y, np.asarray(want), dt, what, tol)


@pytest.mark.op("prod")
@pytest.mark.parametrize("dt", FLOATS)
def test_prod(dt, rng):
    for shape, dim in [((3, 37), 1), ((4, 33, 50), 1), ((2, 5000), -1), ((6, 7), 0), ((3000,), None)]:
        x = rand(rng, shape, dt, low=0.95, high=1.05)
        want = np.prod(f64(x), axis=dim)
        n = x.size // max(np.size(want), 1)
        rtol = TOL[dt][0] * max(1.0, n / 50)  # one rounding per multiply
        check(ops.prod(x, dim=dim), want, dt, f"prod {dt} {shape} dim={dim}", (rtol, 1e-30))


@pytest.mark.op("sum", "mean")
def test_dtype_argument_and_device_buffers(runtime, rng):
    x = rand(rng, (6, 300), "float16", 2)
    y = ops.sum(x, dim=1, dtype=np.float32)
    assert y.dtype == np.float32
    check(y, np.sum(f64(x), axis=1), "float32", "sum dtype=float32", _sum_tol(x, 1, "float32"))
    buf = DeviceBuffer.from_numpy(x, context=runtime[2])
    m = ops.mean(buf, dim=0, keepdim=True, stream=runtime[3])
    assert isinstance(m, DeviceBuffer) and m.shape == (1, 300)
    check(m.to_numpy(), np.mean(f64(x), axis=0, keepdims=True), "float16", "mean on a DeviceBuffer")
    buf.close()
    m.close()


# MultiKernelBench's reduce tasks: torch.max(x, dim)[0], mean, min, prod over dim 1, sum keepdim, at reduced sizes
@pytest.mark.op("amax", "mean", "amin", "prod", "sum")
def test_multikernelbench_tasks(rng):
    x = rng.random((4, 64, 96), dtype=np.float32)
    assert np.array_equal(ops.amax(x, dim=1), x.max(axis=1))
    check(ops.mean(x, dim=1), f64(x).mean(axis=1), "float32", "mean dim 1")
    assert np.array_equal(ops.amin(x, dim=1), x.min(axis=1))
    p = rng.uniform(0.9, 1.1, (4, 64, 96)).astype(np.float32)
    check(ops.prod(p, dim=1), np.prod(f64(p), axis=1), "float32", "prod dim 1", (1e-5, 1e-30))
    s = ops.sum(x, dim=1, keepdim=True)
    assert s.shape == (4, 1, 96)
    check(s, f64(x).sum(axis=1, keepdims=True), "float32", "sum keepdim", (2e-5, 1e-4))


@pytest.mark.op("sum", "amax")
def test_on_310p(runtime310, rng):
    for dt in ("float32", "float16"):
        x = rand(rng, (3, 5000), dt, 2)
        check(ops.sum(x, dim=1, stream=runtime310), f64(x).sum(axis=1), dt, f"310P sum {dt}", _sum_tol(x, 1, dt))
        assert np.array_equal(ops.amax(x, dim=0, stream=runtime310), x.max(axis=0))


@pytest.mark.op("sum")
def test_torch(rng):
    torch = pytest.importorskip("torch")
    x = torch.rand(3, 40)
    assert torch.allclose(ops.sum(x, dim=1), x.sum(dim=1))


@pytest.mark.op("sum", "prod")
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.sum(np.ones((2, 3), np.float32), dim=2), IndexError, "dim 2 is out of range"),
    (lambda: ops.sum(np.ones((2, 3), np.float32), dim=(1, 1)), ValueError, "names a dim twice"),
    (lambda: ops.prod(np.ones((2, 3), np.float32), dim=(0, 1)), TypeError, "dim must be an int"),
    (lambda: ops.amax(np.ones((0, 3), np.float32), dim=0), ValueError, "empty"),
    (lambda: ops.mean(np.ones(3, np.int64)), TypeError, "input has dtype int64"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
