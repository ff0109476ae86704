"""ascendpy.ops.embedding: rows of a table gathered by int64/int32 ids, bit-exact (nothing is computed)."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, rand


@pytest.mark.op("embedding")
@pytest.mark.parametrize("dt", FLOATS)
def test_embedding(dt, rng):
    for v, d, ids_shape in [(10, 37, (5,)), (100, 1536, (1,)), (50, 9000, (2, 3)), (7, 8, (4, 33)), (3, 1, (9,))]:
        w = rand(rng, (v, d), dt)
        for itype in (np.int64, np.int32):
            ids = rng.integers(0, v, ids_shape).astype(itype)
            got = ops.embedding(ids, w)
            assert got.shape == ids_shape + (d,) and got.dtype == w.dtype
            assert np.array_equal(got.view(np.uint8), w[ids].view(np.uint8)), f"embedding {dt} {v}x{d} {ids_shape}"


@pytest.mark.op("embedding")
def test_embedding_on_device(runtime, rng):
    w = rand(rng, (200, 64), "float16")
    ids = rng.integers(0, 200, (3,))
    bw, bi = DeviceBuffer.from_numpy(w, context=runtime[2]), DeviceBuffer.from_numpy(ids, context=runtime[2])
    out = ops.embedding(bi, bw, stream=runtime[3])
    assert isinstance(out, DeviceBuffer) and out.shape == (3, 64) and np.array_equal(out.to_numpy(), w[ids])
    for b in (bw, bi, out):
        b.close()


@pytest.mark.op("embedding")
def test_embedding_on_310p(runtime310, rng):
    w = rand(rng, (200, 37), "float16")
    ids = rng.integers(0, 200, (5, 2))
    assert np.array_equal(ops.embedding(ids, w, stream=runtime310), w[ids])


@pytest.mark.op("embedding")
def test_embedding_task(rng):
    """MultiKernelBench's embedding task (nn.Embedding forward on int64 ids) at a reduced size."""
    w = rng.standard_normal((1000, 128)).astype(np.float32)
    ids = rng.integers(0, 1000, (8, 16))
    assert np.array_equal(ops.embedding(ids, w), w[ids])


@pytest.mark.op("embedding")
@pytest.mark.parametrize("ids,exc,match", [
    (np.array([0, 10]), IndexError, "index 10 is out of range for a weight of 10 rows"),
    (np.array([-1]), IndexError, "index -1 is out of range"),
    (np.array([0.0]), TypeError, "input has dtype float64; this operator takes int64, int32"),
])
def test_embedding_bad_ids(ids, exc, match):
    with pytest.raises(exc, match=match):
        ops.embedding(ids, np.ones((10, 4), np.float32))
