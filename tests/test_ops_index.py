"""ascendpy.ops index operators (argmax/argmin, gather, index_select, scatter(_add), index_add/copy/put,
masked_fill, take_along_dim) against numpy on fresh random inputs; nothing rounds, so results are exact."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, dtype, f64, rand

_RT = {"float32": 1e-5, "float16": 4e-3, "bfloat16": 3e-2}


def _eq(got, want, what):
    assert got.shape == want.shape and got.dtype == want.dtype, f"{what}: {got.shape} {got.dtype} vs {want.shape}"
    assert np.array_equal(got, want), what


@pytest.mark.op("argmax", "argmin")
@pytest.mark.parametrize("dt", FLOATS)
def test_argmax_argmin(dt, rng):
    for shape, dim in [((37,), 0), ((3, 5000), 1), ((4, 9, 30), 1), ((7, 1100), 0), ((2, 3, 4), None)]:
        x = rand(rng, shape, dt, 3)
        x.flat[::7] = x.flat[0]  # ties: the first index wins, as numpy and torch
        xf = x.astype(np.float32)
        _eq(ops.argmax(x, dim), np.argmax(xf, axis=dim).astype(np.int64), f"argmax {dt} {shape} {dim}")
        _eq(ops.argmin(x, dim), np.argmin(xf, axis=dim).astype(np.int64), f"argmin {dt} {shape} {dim}")
        if dim is not None:
            _eq(ops.argmax(x, dim, keepdim=True), np.argmax(xf, axis=dim, keepdims=True).astype(np.int64), "keepdim")


@pytest.mark.op("gather", "take_along_dim", "index_select")
@pytest.mark.parametrize("dt", FLOATS)
def test_gathers(dt, rng):
    for shape, k in [((4, 300), 100), ((2, 3, 8192), 2000), ((5, 7), 20)]:
        x = rand(rng, shape, dt)
        idx = rng.integers(0, shape[-1], shape[:-1] + (k,))
        _eq(ops.gather(x, -1, idx), np.take_along_axis(x, idx, -1), f"gather {dt} {shape}")
        _eq(ops.take_along_dim(x, idx, x.ndim - 1), np.take_along_axis(x, idx, -1), "take_along_dim")
        i1 = rng.integers(0, shape[-1], k)
        _eq(ops.index_select(x, -1, i1), np.take(x, i1, axis=-1), f"index_select last {dt} {shape}")
        i0 = rng.integers(0, shape[0], 9)
        _eq(ops.index_select(x, 0, i0), x[i0], f"index_select rows {dt} {shape}")
    x = rand(rng, (3, 6, 40), dt)
    i = rng.integers(0, 6, 11)
    _eq(ops.index_select(x, 1, i), x[:, i], "index_select middle dim")


@pytest.mark.op("scatter", "scatter_add")
@pytest.mark.parametrize("dt", FLOATS)
def test_scatters(dt, rng):
    for shape, k in [((4, 300), 100), ((2, 3, 5000), 3000), ((3, 5), 12)]:
        x, idx = rand(rng, shape, dt), rng.integers(0, shape[-1], shape[:-1] + (k,))
        src = rand(rng, idx.shape, dt)
        want_s, want_a = x.astype(np.float64).copy(), x.astype(np.float64).copy()
        for pos in np.ndindex(idx.shape):  # in order: the last duplicate wins, additions accumulate in order
            row = pos[:-1] + (idx[pos],)
            want_s[row] = src[pos]
            want_a[row] = np.float32(want_a[row]) + np.float32(src[pos])
        _eq(ops.scatter(x, -1, idx, src), want_s.astype(x.dtype), f"scatter {dt} {shape}")
        got = ops.scatter_add(x, -1, idx, src)
        assert np.allclose(got.astype(np.float64), want_a.astype(x.dtype).astype(np.float64), rtol=1e-2, atol=1e-2)
        if dt == "float32":
            _eq(got, want_a.astype(np.float32), "scatter_add f32, accumulated in order")


@pytest.mark.op("index_add", "index_copy", "index_put")
@pytest.mark.parametrize("dt", FLOATS)
def test_index_rows(dt, rng):
    for shape in [(50, 33), (7, 3000), (4, 6, 5)]:
        x = rand(rng, shape, dt)
        ii = rng.integers(0, shape[0], 40)
        vals = rand(rng, (40,) + shape[1:], dt)
        want = x.astype(np.float32).copy()
        np.add.at(want, ii, 2.0 * vals.astype(np.float32))
        got = ops.index_add(x, 0, ii, vals, alpha=2.0)
        # rounded to dt after each accumulated row
        assert np.allclose(f64(got), f64(want.astype(x.dtype)), rtol=_RT[dt], atol=_RT[dt] * 4)
        uniq = rng.permutation(shape[0])[:min(5, shape[0])]
        src = rand(rng, (len(uniq),) + shape[1:], dt)
        want = x.copy()
        want[uniq] = src
        _eq(ops.index_copy(x, 0, uniq, src), want, f"index_copy {dt} {shape}")
        _eq(ops.index_put(x, (uniq,), src), want, f"index_put {dt} {shape}")
    x = rand(rng, (3, 8, 4), dt)
    ii = rng.integers(0, 8, 5)
    src = rand(rng, (3, 5, 4), dt)
    want = x.astype(np.float32).copy()
    for j, r in enumerate(ii):
        want[:, r] += src[:, j].astype(np.float32)
    got = ops.index_add(x, 1, ii, src)
    assert np.allclose(f64(got), f64(want.astype(x.dtype)), rtol=_RT[dt], atol=_RT[dt] * 4)


@pytest.mark.op("masked_fill")
@pytest.mark.parametrize("dt", FLOATS)
def test_masked_fill(dt, rng):
    x = rand(rng, (6, 51, 7), dt)
    for mshape in [(6, 51, 7), (1, 51, 1)]:
        m = rng.integers(0, 2, mshape).astype(bool)
        _eq(ops.masked_fill(x, m, -np.inf), np.where(m, dtype(dt).type(-np.inf), x), f"masked_fill {dt} {mshape}")


# MultiKernelBench's index tasks (the 12th, embedding, is in test_ops_embedding.py), exact calls at reduced sizes
@pytest.mark.op("argmax", "argmin", "gather", "index_add", "index_copy", "index_select", "index_put", "masked_fill",
                "scatter", "scatter_add", "take_along_dim")
def test_multikernelbench_tasks(rng):
    x = rng.random((4, 64, 63), dtype=np.float32)
    _eq(ops.argmax(x, dim=1), x.argmax(1), "argmax_over_a_dimension")
    _eq(ops.argmin(x, dim=1), x.argmin(1), "argmin_over_a_dimension")
    x2, idx = rng.random((8, 512), dtype=np.float32), rng.integers(0, 512, (8, 256))
    _eq(ops.gather(x2, 1, idx), np.take_along_axis(x2, idx, 1), "gather")
    _eq(ops.take_along_dim(x2, idx, dim=1), np.take_along_axis(x2, idx, 1), "take_along_dim")
    z, ind, vals = np.zeros((64, 256), np.float32), rng.integers(0, 64, (512,)), rng.random((512, 256), np.float32)
    want = z.copy()
    np.add.at(want, ind, vals)
    assert np.allclose(ops.index_add(z, 0, ind, vals), want, rtol=1e-5, atol=1e-5)
    z2, ind2 = np.zeros((512, 64), np.float32), rng.permutation(512)[:128]
    src = rng.random((128, 64), np.float32)
    want = z2.copy()
    want[ind2] = src
    _eq(ops.index_copy(z2, 0, ind2, src), want, "index_copy")
    _eq(ops.index_put(z2, (ind2,), src), want, "inplace_update")
    x3, sel = rng.random((16, 512), dtype=np.float32), rng.integers(0, 512, (128,))
    _eq(ops.index_select(x3, 1, sel), x3[:, sel], "index_select")
    x4, m = rng.random((4, 32, 32), dtype=np.float32), rng.integers(0, 2, (4, 32, 32)).astype(bool)
    _eq(ops.masked_fill(x4, m, float("-inf")), np.where(m, np.float32(-np.inf), x4), "masked_fill")
    z5, i5 = np.zeros((4, 512), np.float32), rng.integers(0, 512, (4, 256))
    u5 = rng.random((4, 256), dtype=np.float32)
    want = z5.copy()
    for r in range(4):
        for j in range(256):
            want[r, i5[r, j]] = u5[r, j]
    _eq(ops.scatter(z5, 1, i5, u5), want, "scatter")
    want = z5.copy()
    for r in range(4):
        for j in range(256):
            want[r, i5[r, j]] += u5[r, j]
    _eq(ops.scatter_add(z5, 1, i5, u5), want, "scatter_add")


@pytest.mark.op("argmax", "gather")
def test_device_buffers(runtime, rng):
    x = rand(rng, (3, 200), "float32")
    bx = DeviceBuffer.from_numpy(x, context=runtime[2])
    a = ops.argmax(bx, 1, stream=runtime[3])
    assert isinstance(a, DeviceBuffer) and np.array_equal(a.to_numpy(), x.argmax(1))
    g = ops.gather(bx, 1, a.to_numpy().reshape(3, 1), stream=runtime[3])
    assert np.array_equal(g.to_numpy()[:, 0], x.max(1))
    for b in (bx, a, g):
        b.close()


@pytest.mark.op("argmax", "scatter", "index_add")
def test_on_310p(runtime310, rng):
    x = rand(rng, (3, 500), "float16")
    assert np.array_equal(ops.argmax(x, 1, stream=runtime310), x.argmax(1))
    idx, src = rng.integers(0, 500, (3, 50)), rand(rng, (3, 50), "float16")
    want = x.copy()
    for r in range(3):
        for j in range(50):
            want[r, idx[r, j]] = src[r, j]
    assert np.array_equal(ops.scatter(x, 1, idx, src, stream=runtime310), want)


@pytest.mark.op("gather", "index_select", "scatter", "index_add")
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.gather(np.ones((2, 5), np.float32), 1, np.array([[0, 5], [1, 1]])), IndexError,
     "index holds 5, out of range for a dim of size 5"),
    (lambda: ops.gather(np.ones((2, 5), np.float32), 0, np.zeros((2, 2), np.int64)), ValueError,
     "must be the last dim"),
    (lambda: ops.index_select(np.ones((2, 5), np.float32), 1, np.zeros((2, 2), np.int64)), ValueError, "1-D"),
    (lambda: ops.scatter(np.ones((2, 5), np.float32), 1, np.zeros((2, 2), np.int64), np.ones((2, 3), np.float32)),
     ValueError, "must have one shape"),
    (lambda: ops.index_add(np.ones((4, 5), np.float32), 0, np.array([0, -1]), np.ones((2, 5), np.float32)),
     IndexError, "holds -1"),
    (lambda: ops.gather(np.ones((2, 5), np.float32), 1, np.zeros((2, 2), np.int32)), TypeError,
     "index has dtype int32; this operator takes int64"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
