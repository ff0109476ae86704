"""ascendpy.ops.dropout and Epilogue.dropout: the exact mask against a numpy replica of the kernel's hash, its
statistics (keep rate, independence of neighbours and of seeds), the fused forms and MultiKernelBench's two
dropout tasks.

The mask is a function of (seed, flat index), so the tests can reproduce it exactly: `mask` below is the
kernel's hash written in numpy. Kept values are x / (1 - p) rounded once to the output dtype.
"""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from ascendpy.ops import Epilogue as E
from ascendpy.ops.fused import _fmix32
from tests.ops_check import FLOATS, check, dtype, f64, rand
from tests.test_ops_convolution import conv_ref
from tests.test_ops_fused import close, gn, softmax


def _fmix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def mask(shape: tuple[int, ...], p: float, seed: int) -> np.ndarray:
    """True where the kernel keeps the element (kernels/fused.py's dropout_mask, in numpy)."""
    i = np.arange(int(np.prod(shape)), dtype=np.uint32)
    with np.errstate(over="ignore"):
        h = _fmix(i * np.uint32(0x9E3779B1) + np.uint32(_fmix32(seed)))
    return ((h >> np.uint32(8)) >= np.uint32(round(p * (1 << 24)))).reshape(shape)


def ref(x: np.ndarray, p: float, seed: int) -> np.ndarray:
    return np.where(mask(x.shape, p, seed), f64(x) / (1 - p), 0.0)


@pytest.mark.op("dropout")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("shape", [(7,), (37, 1500), (3, 5, 33), (2, 3, 4, 700)])
def test_dropout_exact_mask(dt, shape, rng):
    x = rand(rng, shape, dt)
    p, seed = float(rng.uniform(0.05, 0.9)), int(rng.integers(1 << 32))
    y = ops.dropout(x, p, seed=seed)
    check(y, ref(x, p, seed), dt, f"dropout p={p} seed={seed}")
    assert np.array_equal(y != 0, mask(shape, p, seed) & (x != 0)), f"seed {seed}: the kept elements differ"


@pytest.mark.op("dropout")
def test_dropout_statistics(rng):
    """Keep rate within 5 sigma of 1 - p; neighbours and two seeds' masks uncorrelated (the hash is sound)."""
    n = 1 << 18
    x = np.ones(n, np.float32)
    for p in (0.1, 0.5, 0.8):
        seed = int(rng.integers(1 << 32))
        k = ops.dropout(x, p, seed=seed) != 0
        sigma = np.sqrt(n * p * (1 - p))
        assert abs(k.sum() - n * (1 - p)) < 5 * sigma, f"p={p} seed={seed}: kept {k.sum()} of {n}"
        for other in (k[1:], k[8:], k[1024:]):  # neighbours, the next 32-byte block, the next tile
            c = np.corrcoef(k[:other.size], other)[0, 1]
            assert abs(c) < 5 / np.sqrt(n), f"p={p} seed={seed}: neighbour correlation {c}"
        k2 = ops.dropout(x, p, seed=seed + 1) != 0
        c = np.corrcoef(k, k2)[0, 1]
        assert abs(c) < 5 / np.sqrt(n), f"p={p} seeds {seed}, {seed + 1}: mask correlation {c}"


@pytest.mark.op("dropout")
def test_dropout_seeds(rng):
    x = rand(rng, (64, 65), "float32")
    a, b = ops.dropout(x, 0.5), ops.dropout(x, 0.5)
    assert not np.array_equal(a, b), "two calls without a seed gave the same mask"
    ops.manual_seed(1234)
    a = ops.dropout(x, 0.5)
    ops.manual_seed(1234)
    assert np.array_equal(ops.dropout(x, 0.5), a), "manual_seed did not repeat the mask"
    assert np.array_equal(ops.dropout(x, 0.5, seed=7), ops.dropout(x, 0.5, seed=7 + (1 << 32)))  # seed mod 2^32


@pytest.mark.op("dropout")
@pytest.mark.parametrize("dt", FLOATS)
def test_dropout_identity_and_all(dt, rng):
    x = rand(rng, (5, 300), dt)
    for y in (ops.dropout(x, 0.0), ops.dropout(x, 0.7, training=False), ops.dropout(x, 0.7, False)):
        assert y.dtype == dtype(dt) and np.array_equal(f64(y), f64(x)) and y is not x
    z = ops.dropout(x, 1.0)
    assert z.dtype == dtype(dt) and not np.any(f64(z)), "p=1 keeps nothing"


def test_dropout_errors():
    x = np.ones((4, 4), np.float32)
    for p in (-0.1, 1.5, float("nan"), "0.5"):
        with pytest.raises(ValueError, match=r"ascendpy.ops.dropout: dropout probability has to be between 0 and 1"):
            ops.dropout(x, p)
    with pytest.raises(ValueError, match="inplace=True is not supported"):
        ops.dropout(x, 0.5, inplace=True)
    with pytest.raises(TypeError, match="seed must be an int"):
        ops.dropout(x, 0.5, seed=1.5)
    with pytest.raises(ValueError, match="Epilogue.dropout: dropout probability"):
        E().dropout(2)
    assert np.array_equal(ops.dropout(x, 0.0), x)  # the process stays usable


@pytest.mark.op("dropout", "linear", "conv2d", "fused")
def test_dropout_fuses_with_the_same_mask(rng):
    """A dropout step in a linear's or conv's epilogue masks exactly what ops.dropout masks for the seed."""
    seed = int(rng.integers(1 << 32))
    x, w, b = rand(rng, (9, 40), "float32"), rand(rng, (33, 40), "float32"), rand(rng, (33,), "float32")
    r = f64(x) @ f64(w).T + f64(b)
    y = ops.linear(x, w, b, epilogue=E().relu().dropout(0.25, seed=seed))
    close(y, ref(np.maximum(r, 0), 0.25, seed), f"linear+dropout seed={seed}")
    xc, wc = rand(rng, (2, 3, 9, 11), "float32"), rand(rng, (5, 3, 3, 3), "float32")
    yc = ops.conv2d(xc, wc, epilogue=E().dropout(0.4, seed=seed).mul(2.0))
    close(yc, ref(conv_ref(xc, wc, None), 0.4, seed) * 2, f"conv2d+dropout seed={seed}")
    xf = rand(rng, (3, 4, 50), "float32")
    yf = ops.fused(xf, E().add(1.0).dropout(0.6, seed=seed))
    check(yf, ref(f64(xf) + 1, 0.6, seed), "float32", f"fused dropout seed={seed}")


@pytest.mark.op("dropout")
def test_dropout_310p_and_device_buffers(runtime310, rng):
    """The same mask on 310P (f16, a DeviceBuffer in and out) as the numpy replica."""
    x = rand(rng, (17, 2100), "float16")
    seed = int(rng.integers(1 << 32))
    d = DeviceBuffer.from_numpy(x, context=runtime310.context)
    y = ops.dropout(d, 0.3, seed=seed, stream=runtime310)
    assert isinstance(y, DeviceBuffer)
    check(y.to_numpy().reshape(y.shape), ref(x, 0.3, seed), "float16", f"310P dropout seed={seed}")
    for buf in (d, y):
        buf.close()


# ---- MultiKernelBench's dropout tasks at reduced sizes (the mask is ours, so the reference replays it)
@pytest.mark.op("dropout", "conv3d", "group_norm", "fused")
def test_conv3d_group_norm_min_clamp_dropout(rng):
    seed = int(rng.integers(1 << 32))
    x, w, b = rand(rng, (2, 3, 5, 6, 7), "float32"), rand(rng, (16, 3, 3, 3, 3), "float32"), rand(rng, (16,),
                                                                                                 "float32")
    y = ops.fused(ops.group_norm(ops.conv3d(x, w, b), 8), E().minimum(0.0).clamp(0.0, 1.0).dropout(0.2, seed=seed))
    want = ref(np.clip(np.minimum(gn(conv_ref(x, w, b), 8), 0.0), 0.0, 1.0), 0.2, seed)
    close(y, want + 0.0, f"seed={seed}")


@pytest.mark.op("dropout", "linear", "softmax")
def test_matmul_dropout_mean_softmax(rng):
    seed = int(rng.integers(1 << 32))
    x, w, b = rand(rng, (8, 300), "float32"), rand(rng, (200, 300), "float32"), rand(rng, (200,), "float32")
    y = ops.softmax(ops.linear(x, w, b, epilogue=E().dropout(0.2, seed=seed)), dim=1)
    close(y, softmax(ref(f64(x) @ f64(w).T + f64(b), 0.2, seed), 1), f"seed={seed}")


def test_dropout_tasks_are_registered():
    from ascendpy.ops.registry import OPERATORS

    assert sorted(OPERATORS["dropout"].tasks) == ["conv3d_group_norm_min_clamp_dropout", "matmul_dropout_mean_softmax"]

