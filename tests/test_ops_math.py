"""ascendpy.ops scans (cumsum, cumprod, MKB's exclusive / reverse / masked cumsum) and multiply against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, check, dtype, f64, rand

# shape, dim: rows longer than a UB piece (2048), columns wider than a chunk (1024), a middle dim, the first dim
CASES = [((37,), 0), ((3, 5000), 1), ((4, 7, 30), 1), ((9, 1100), 0), ((2, 3, 4), -1), ((1, 1), 1)]


def _excl(x, d):
    c = np.cumsum(x, axis=d)
    return np.concatenate([np.zeros_like(np.take(x, [0], axis=d)), np.delete(c, -1, axis=d)], axis=d)


def _rev(x, d):
    return np.flip(np.cumsum(np.flip(x, d), axis=d), d)


SCANS = [
    pytest.param(ops.cumsum, np.cumsum, id="cumsum", marks=pytest.mark.op("cumsum")),
    pytest.param(ops.cumsum_exclusive, _excl, id="exclusive", marks=pytest.mark.op("cumsum_exclusive")),
    pytest.param(ops.cumsum_reverse, _rev, id="reverse", marks=pytest.mark.op("cumsum_reverse")),
]


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("call,ref", SCANS)
def test_sums(call, ref, dt, rng, request):
    for shape, dim in CASES:
        x = rand(rng, shape, dt, 2)
        got = call(x, dim)
        if dt == "float32":  # the same sequential order as numpy: bit-exact
            assert np.array_equal(got, ref(x, dim)), f"{request.node.callspec.id} {shape} dim={dim}"
        scale = np.cumsum(np.abs(f64(x)), axis=dim).max()  # a prefix sum's error grows with sum |x|
        check(got, ref(f64(x), dim), dt, f"{request.node.callspec.id} {dt} {shape} {dim}",
              (2e-3 if dt != "float32" else 1e-6, float(scale) * {"float32": 1e-6, "float16": 2e-3,
                                                                  "bfloat16": 1.6e-2}[dt]))


@pytest.mark.op("cumprod")
@pytest.mark.parametrize("dt", FLOATS)
def test_cumprod(dt, rng):
    for shape, dim in CASES:
        x = rand(rng, shape, dt, low=0.99, high=1.01)  # products of 5000 stay well inside f16's normal range
        got = ops.cumprod(x, dim)
        if dt == "float32":
            assert np.array_equal(got, np.cumprod(x, axis=dim)), f"cumprod {shape} {dim}"
        n = shape[dim]
        check(got, np.cumprod(f64(x), axis=dim), dt, f"cumprod {dt} {shape}", (1e-5 * max(n, 1) if dt == "float32"
                                                                                else 2e-3 * 4, 1e-30))


@pytest.mark.op("masked_cumsum")
@pytest.mark.parametrize("dt", FLOATS)
def test_masked_cumsum(dt, rng):
    for shape, dim in CASES:
        x = rand(rng, shape, dt, 2)
        m = rng.integers(0, 2, shape).astype(bool)
        got = ops.masked_cumsum(x, m, dim)
        if dt == "float32":
            assert np.array_equal(got, np.cumsum(x * m, axis=dim)), f"masked_cumsum {shape} {dim}"
        scale = np.cumsum(np.abs(f64(x)), axis=dim).max()
        check(got, np.cumsum(f64(x) * m, axis=dim), dt, f"masked {dt} {shape}", (2e-3, float(scale) * 1.6e-2))


@pytest.mark.op("multiply")
@pytest.mark.parametrize("dt", FLOATS)
def test_multiply(dt, rng):
    a = rand(rng, (33, 517), dt, 3)
    assert np.array_equal(ops.multiply(a, 3.5), (f64(a) * 3.5).astype(dtype(dt)))  # one rounding: exact
    b = rand(rng, (517,), dt)
    assert np.array_equal(ops.multiply(a, b), (f64(a) * f64(b)).astype(dtype(dt)))


# MultiKernelBench's math tasks at reduced sizes
@pytest.mark.op("cumprod", "cumsum", "cumsum_exclusive", "cumsum_reverse", "masked_cumsum", "multiply")
def test_multikernelbench_tasks(rng):
    x = rng.random((16, 3000), dtype=np.float32)
    assert np.array_equal(ops.cumprod(x, dim=1), np.cumprod(x, axis=1))
    assert np.array_equal(ops.cumsum(x, dim=1), np.cumsum(x, axis=1))
    assert np.array_equal(ops.cumsum_exclusive(x, dim=1), _excl(x, 1))
    assert np.array_equal(ops.cumsum_reverse(x, dim=1), _rev(x, 1))
    m = rng.random((16, 3000)) > 0.5
    assert np.array_equal(ops.masked_cumsum(x, m, dim=1), np.cumsum(x * m, axis=1))
    a, s = rng.random((64, 128), dtype=np.float32), 3.14
    assert np.array_equal(ops.multiply(a, s), a * np.float32(s))


@pytest.mark.op("cumsum")
def test_device_buffers_dtype_and_310p(runtime, rng):
    x = rand(rng, (3, 300), "float16", 2)
    buf = DeviceBuffer.from_numpy(x, context=runtime[2])
    c = ops.cumsum(buf, 1, dtype=np.float32, stream=runtime[3])
    assert isinstance(c, DeviceBuffer) and c.dtype == np.float32
    assert np.array_equal(c.to_numpy(), np.cumsum(x.astype(np.float32), axis=1))
    buf.close()
    c.close()


@pytest.mark.op("cumsum", "cumprod")
def test_on_310p(runtime310, rng):
    for dt in ("float32", "float16"):
        x = rand(rng, (3, 2100), dt, low=0.9, high=1.1)
        check(ops.cumsum(x, 1, stream=runtime310), np.cumsum(f64(x), 1), dt, f"310P cumsum {dt}", (2e-3, 2.0))
        check(ops.cumprod(x, 0, stream=runtime310), np.cumprod(f64(x), 0), dt, f"310P cumprod {dt}", (2e-3, 1e-30))


@pytest.mark.op("cumsum", "masked_cumsum")
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.cumsum(np.ones((2, 3), np.float32), 2), IndexError, "dim 2 is out of range"),
    (lambda: ops.masked_cumsum(np.ones((2, 3), np.float32), np.ones((3,), bool), 1), ValueError, "mask must have"),
    (lambda: ops.masked_cumsum(np.ones(3, np.float32), np.ones(3, np.float32), 0), TypeError, "mask has dtype"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
