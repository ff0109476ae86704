"""std.ops composites against float64 numpy references, in f16 and f32, on fresh random data.

All kernels live in tests/kernels/composites.py (one compile). The f16 kernels call the
composites in place (dst is src), the f32 kernels out of place.

Tolerances: |got - ref| <= atol + rtol * |ref|, ref computed in float64 from the same
(rounded) inputs; (rtol, atol) per test below. f32 results chain 2 to 14 correctly
rounded ops: rtol 1e-6 to 4e-6 (8 to 32 ulps), atol 4e-7 to 1e-6. f16 results chain
the same ops with eps = 2^-11 per op: rtol 3e-3 to 1e-2, atol 2e-3 to 5e-3 (absolute
errors dominate near 0, e.g. tanh = 2 / (1 + e) - 1, log_softmax's -ln(sum)). Reductions
add the hardware's summation order (pairwise per 256-byte repeat, then sequential),
which the simulator follows. Each bound is at least about twice the worst error measured
over 30 seeds (elementwise: 6 x 100k values). reduce_prod and sgd_update must equal numpy's result bit for bit.
"""

from __future__ import annotations

import functools
import operator

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader
from ascendpy.std import ops
from tests.kernels import composites

DTYPES = {"f16": np.float16, "f32": np.float32}
LENGTHS = [1, 7, 100, 1000, 4096]  # 7 and 100 are not multiples of 32 bytes; 4096 fills a tile
LONG = 100_003  # elementwise only: 8 blocks, several TILE-sized steps each, a tail
ROWS = {1: 37, 7: 29, 100: 17, 1000: 9, 4096: 5}  # rows per length for the row kernels
ROW_BLOCKS = 4

SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805


@pytest.fixture(scope="module")
def loader() -> KernelLoader:
    return KernelLoader.from_module(composites)


def check(got, ref, rtol, atol, what, scale=None):
    """Assert |got - ref| <= atol + rtol * scale elementwise (scale: |ref| unless given); name the worst element.

    A sum's rounding error grows with its terms, not with its result: pass scale = the mean |term| where
    terms can cancel (reduce_mean), or a near-zero result gets a bound its terms cannot meet.
    """
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert got.shape == ref.shape
    assert np.array_equal(np.isnan(got), np.isnan(ref)), f"{what}: NaN mismatch at {np.flatnonzero(np.isnan(got))[:5]}"
    ok = ~np.isnan(ref)
    err = np.abs(got[ok] - ref[ok])
    scale = np.abs(ref) if scale is None else np.broadcast_to(np.asarray(scale, dtype=np.float64), ref.shape)
    bound = atol + rtol * scale[ok]
    if not np.all(err <= bound):
        i = int(np.argmax(err - bound))
        raise AssertionError(f"{what}: {int(np.sum(err > bound))} of {err.size} values off; worst got "
                             f"{got[ok][i]!r} want {ref[ok][i]!r} (err {err[i]:.3g}, bound {bound[i]:.3g})")


# ------------------------------------------------------------------ references (float64)
def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def _softplus(x):
    return np.logaddexp(0.0, x)


ELEMENTWISE_REF = {
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "gelu": lambda x: 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3))),
    "elu": lambda x: np.where(x > 0, x, 0.7 * np.expm1(np.minimum(x, 0.0))),
    "silu": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(np.minimum(x, 0.0))),
    "softplus": _softplus,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "hardsigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "hardswish": lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "hardtanh": lambda x: np.clip(x, -1.5, 2.0),
}

# (rtol, atol) per dtype; see the module docstring.
# Measured worst cases over 6 x 100k inputs: f32 1.5e-7 relative, 1.8e-7 absolute (tanh near 0);
# f16 1.2e-3 relative (selu), 1.4e-3 absolute (tanh near 0).
ELEMENTWISE_TOL = {"f32": (1e-6, 4e-7), "f16": (3e-3, 3e-3)}


def _activation_input(rng, n, dtype):
    """Mostly N(0, 4), with 5 % far out (|x| up to 60; f32 also up to 200) where exp, x^2 or x^3 overflow."""
    x = rng.standard_normal(n) * 4.0
    far = rng.random(n) < 0.05
    x[far] = rng.uniform(-60.0, 60.0, int(far.sum()))
    if dtype == np.float32:
        very = rng.random(n) < 0.01
        x[very] = rng.choice([-1.0, 1.0], int(very.sum())) * rng.uniform(80.0, 200.0, int(very.sum()))
    return x.astype(dtype)


def _run_map(loader, stream, name, x, block_dim):
    y = DeviceBuffer.empty(x.dtype, len(x))
    loader.get_kernel(name)[block_dim, stream](DeviceBuffer.from_numpy(x), y, len(x))
    return y.to_numpy()


def test_swish_is_silu():
    assert ops.swish is ops.silu


@pytest.mark.parametrize("t", DTYPES)
@pytest.mark.parametrize("name", ELEMENTWISE_REF)
def test_activation(loader, runtime, rng, name, t):
    _, _, _, stream = runtime
    dtype = DTYPES[t]
    rtol, atol = ELEMENTWISE_TOL[t]
    for n, block_dim in [*((n, 1) for n in LENGTHS), (LONG, 8)]:
        x = _activation_input(rng, n, dtype)
        if n >= 2:
            x[:2] = [-1.5, 2.5]  # both signs whatever the draw
        got = _run_map(loader, stream, f"{name}_{t}", x, block_dim)
        with np.errstate(over="ignore"):
            ref = ELEMENTWISE_REF[name](x.astype(np.float64))
        check(got, ref, rtol, atol, f"{name}_{t} n={n}")


# ------------------------------------------------------------------ row composites: softmax, log_softmax, norms
def _rows_input(rng, rows, cols, dtype, scale=3.0):
    """Row r is N(offset_r, spread_r^2): offsets up to +-20, spreads from 0.03 to 1 times scale."""
    off = rng.uniform(-20.0, 20.0, (rows, 1))
    spread = scale * rng.uniform(0.03, 1.0, (rows, 1))
    return (off + spread * rng.standard_normal((rows, cols))).astype(dtype)


def _softmax_ref(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _log_softmax_ref(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


ROWWISE_REF = {"softmax": _softmax_ref, "log_softmax": _log_softmax_ref}
# log_softmax: -ln(sum) carries the sum's relative rounding error as an absolute error (the atol).
ROWWISE_TOL = {"f32": (2e-6, 5e-7), "f16": (1e-2, 4e-3)}


@pytest.mark.parametrize("t", DTYPES)
@pytest.mark.parametrize("name", ROWWISE_REF)
def test_softmax_family(loader, runtime, rng, name, t):
    _, _, _, stream = runtime
    dtype = DTYPES[t]
    rtol, atol = ROWWISE_TOL[t]
    for cols in LENGTHS:
        rows = ROWS[cols]
        x = _rows_input(rng, rows, cols, dtype)
        y = DeviceBuffer.empty(dtype, rows * cols)
        loader.get_kernel(f"{name}_{t}")[ROW_BLOCKS, stream](DeviceBuffer.from_numpy(x.ravel()), y, rows, cols)
        ref = ROWWISE_REF[name](x.astype(np.float64))
        check(y.to_numpy().reshape(rows, cols), ref, rtol, atol, f"{name}_{t} cols={cols}")


def _layernorm_ref(x, g, b, eps):
    m = x.mean(axis=1, keepdims=True)
    v = ((x - m) ** 2).mean(axis=1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * g + b


def _rmsnorm_ref(x, g, eps):
    return x / np.sqrt((x**2).mean(axis=1, keepdims=True) + eps) * g


# Measured worst cases (30 seeds) use under a quarter of these.
NORM_TOL = {"f32": (2e-6, 1e-6), "f16": (5e-3, 5e-3)}


@pytest.mark.parametrize("t", DTYPES)
@pytest.mark.parametrize("name", ["layernorm", "rmsnorm"])
def test_norm(loader, runtime, rng, name, t):
    """Rows N(offset, spread^2), offsets up to +-20, spreads 0.1 to 8: |mean| / std up to 200, and f16
    sums of 4096 squares (of x - mean up to spread 8, of x up to 28) that would overflow unscaled."""
    _, _, _, stream = runtime
    dtype = DTYPES[t]
    rtol, atol = NORM_TOL[t]
    for cols in LENGTHS:
        rows = ROWS[cols]
        spread = rng.uniform(0.1, 8.0, (rows, 1))
        x = (rng.uniform(-20.0, 20.0, (rows, 1)) + spread * rng.standard_normal((rows, cols))).astype(dtype)
        g = rng.uniform(0.5, 1.5, cols).astype(dtype)
        b = rng.uniform(-1.0, 1.0, cols).astype(dtype)
        y = DeviceBuffer.empty(dtype, rows * cols)
        xd, gd = DeviceBuffer.from_numpy(x.ravel()), DeviceBuffer.from_numpy(g)
        x64, g64, b64 = x.astype(np.float64), g.astype(np.float64), b.astype(np.float64)
        if name == "layernorm":
            loader.get_kernel(f"layernorm_{t}")[ROW_BLOCKS, stream](xd, gd, DeviceBuffer.from_numpy(b), y, rows, cols)
            ref = _layernorm_ref(x64, g64, b64, float(dtype(1e-5)))  # the kernels' eps, rounded to the type
        else:
            loader.get_kernel(f"rmsnorm_{t}")[ROW_BLOCKS, stream](xd, gd, y, rows, cols)
            ref = _rmsnorm_ref(x64, g64, float(dtype(1e-6)))
        check(y.to_numpy().reshape(rows, cols), ref, rtol, atol, f"{name}_{t} cols={cols}")


# ------------------------------------------------------------------ reductions returning a scalar
def _run_rows_reduce(loader, stream, name, rows, cols, *inputs):
    out = DeviceBuffer.empty(inputs[0].dtype, rows)
    args = [DeviceBuffer.from_numpy(a.ravel()) for a in inputs]
    loader.get_kernel(name)[ROW_BLOCKS, stream](*args, out, rows, cols)
    return out.to_numpy()


def _reduce_input(rng, name, rows, cols, dtype):
    if name == "reduce_mean":  # f16: a plain sum of 4096 of these (about 80k) would overflow
        return (rng.uniform(5.0, 35.0, (rows, 1)) + 10.0 * rng.standard_normal((rows, cols))).astype(dtype)
    if name == "reduce_prod":  # log|product| ~ N(0, 1): stays in range, both signs
        mag = np.exp(rng.standard_normal((rows, cols)) / np.sqrt(cols))
        return (mag * rng.choice([-1.0, 1.0], (rows, cols))).astype(dtype)
    if name == "l2_norm":  # f16: sum(x^2) would reach 4096 * 64
        return (8.0 * rng.standard_normal((rows, cols))).astype(dtype)
    return rng.standard_normal((rows, cols)).astype(dtype)


REDUCE_REF = {
    "l1_norm": lambda x: np.abs(x).sum(axis=1),
    "l2_norm": lambda x: np.sqrt((x**2).sum(axis=1)),
    "reduce_mean": lambda x: x.mean(axis=1),
}
# f16 sums of up to 4096 terms: each partial sum rounded, sequential across 128-lane repeats.
REDUCE_TOL = {"f32": (2e-6, 1e-6), "f16": (5e-3, 2e-3)}


@pytest.mark.parametrize("t", DTYPES)
@pytest.mark.parametrize("name", [*REDUCE_REF, "reduce_prod"])
def test_reduction(loader, runtime, rng, name, t):
    _, _, _, stream = runtime
    dtype = DTYPES[t]
    for cols in LENGTHS:
        rows = ROWS[cols]
        x = _reduce_input(rng, name, rows, cols, dtype)
        got = _run_rows_reduce(loader, stream, f"{name}_{t}", rows, cols, x)
        if name == "reduce_prod":  # a sequential product in the element type, bit for bit
            want = np.array([functools.reduce(operator.mul, row) for row in x], dtype=dtype)
            np.testing.assert_array_equal(got, want, err_msg=f"{name}_{t} cols={cols}")
        else:
            rtol, atol = REDUCE_TOL[t]
            x64 = x.astype(np.float64)
            ref = REDUCE_REF[name](x64)
            scale = np.maximum(np.abs(ref), np.abs(x64).mean(axis=1)) if name == "reduce_mean" else None
            check(got, ref, rtol, atol, f"{name}_{t} cols={cols}", scale)


def _softmax_rows(rng, rows, cols, scale):
    return _softmax_ref(scale * rng.standard_normal((rows, cols)))


def _reduce2_input(rng, name, rows, cols, dtype):
    if name == "mse_loss":  # f16: sum((a - b)^2) would reach 4096 * 128
        a, b = 8.0 * rng.standard_normal((2, rows, cols))
    elif name == "huber_loss":  # |a - b| on both sides of delta = 0.75
        a, b = rng.standard_normal((2, rows, cols))
    elif name == "hinge_loss":  # margins p*t on both sides of 1
        a = 1.5 * rng.standard_normal((rows, cols))
        b = rng.choice([-1.0, 1.0], (rows, cols))
    elif name == "cosine_similarity":  # correlated, anti-correlated rows; large values for f16
        a = 20.0 * rng.standard_normal((rows, cols))
        b = rng.uniform(-1.0, 1.0, (rows, 1)) * a + 20.0 * rng.standard_normal((rows, cols))
    elif name == "cross_entropy":  # logits; soft targets, and one-hot rows
        a = 4.0 * rng.standard_normal((rows, cols))
        b = _softmax_rows(rng, rows, cols, 1.0)
        b[::2] = np.eye(cols)[rng.integers(0, cols, (rows + 1) // 2)]
    else:  # kl_div: two distributions; some p exactly 0
        a = _softmax_rows(rng, rows, cols, 2.0)
        a[rng.random((rows, cols)) < 0.1] = 0.0
        b = _softmax_rows(rng, rows, cols, 2.0)
    return a.astype(dtype), b.astype(dtype)


def _kl_ref(p, q, tiny):
    return (p * (np.log(np.maximum(p, tiny)) - np.log(np.maximum(q, tiny)))).sum(axis=1)


def _huber_ref(a, b, delta=0.75):
    d = np.abs(a - b)
    return np.where(d <= delta, 0.5 * d * d, delta * (d - 0.5 * delta)).mean(axis=1)


REDUCE2_REF = {
    "mse_loss": lambda a, b, t: ((a - b) ** 2).mean(axis=1),
    "huber_loss": lambda a, b, t: _huber_ref(a, b),
    "hinge_loss": lambda a, b, t: np.maximum(0.0, 1.0 - a * b).mean(axis=1),
    "cosine_similarity": lambda a, b, t: (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1)),
    "cross_entropy": lambda a, b, t: -(b * _log_softmax_ref(a)).sum(axis=1),
    "kl_div": lambda a, b, t: _kl_ref(a, b, 2.0**-14 if t == "f16" else 2.0**-126),
}
REDUCE2_TOL = {"f32": (4e-6, 1e-6), "f16": (5e-3, 2e-3)}


@pytest.mark.parametrize("t", DTYPES)
@pytest.mark.parametrize("name", REDUCE2_REF)
def test_loss(loader, runtime, rng, name, t):
    _, _, _, stream = runtime
    dtype = DTYPES[t]
    rtol, atol = REDUCE2_TOL[t]
    for cols in LENGTHS:
        rows = ROWS[cols]
        a, b = _reduce2_input(rng, name, rows, cols, dtype)
        got = _run_rows_reduce(loader, stream, f"{name}_{t}", rows, cols, a, b)
        want = REDUCE2_REF[name](a.astype(np.float64), b.astype(np.float64), t)
        check(got, want, rtol, atol, f"{name}_{t} cols={cols}")


@pytest.mark.parametrize("t", DTYPES)
def test_sgd_update(loader, runtime, rng, t):
    """param - grad * lr, rounded per op exactly like numpy in the element type; in place in global memory."""
    _, _, _, stream = runtime
    dtype = DTYPES[t]
    for n, block_dim in [*((n, 1) for n in LENGTHS), (LONG, 8)]:
        p = rng.standard_normal(n).astype(dtype)
        g = rng.standard_normal(n).astype(dtype)
        lr = dtype(rng.uniform(0.001, 0.5))
        pd = DeviceBuffer.from_numpy(p)
        loader.get_kernel(f"sgd_update_{t}")[block_dim, stream](pd, DeviceBuffer.from_numpy(g), n, lr.item())
        want = p - g * lr
        np.testing.assert_array_equal(pd.to_numpy().view(f"u{p.itemsize}"), want.view(f"u{p.itemsize}"),
                                      err_msg=f"sgd_update_{t} n={n}")


@pytest.mark.parametrize("t", DTYPES)
def test_degenerate_rows(loader, runtime, rng, t):
    """Rows of zeros, constant rows and rows of tiny values (f16 subnormals, where 1/max|x| overflows)."""
    _, _, _, stream = runtime
    dtype = DTYPES[t]
    rows, cols = 3, 100
    x = np.zeros((rows, cols))
    x[1] = 3.0
    x[2] = 1e-6 * rng.standard_normal(cols)
    x = x.astype(dtype)
    x64 = x.astype(np.float64)
    g = rng.uniform(0.5, 1.5, cols).astype(dtype)
    b = rng.uniform(-1.0, 1.0, cols).astype(dtype)
    g64, b64 = g.astype(np.float64), b.astype(np.float64)
    xd, gd, y = DeviceBuffer.from_numpy(x.ravel()), DeviceBuffer.from_numpy(g), DeviceBuffer.empty(dtype, rows * cols)

    loader.get_kernel(f"layernorm_{t}")[ROW_BLOCKS, stream](xd, gd, DeviceBuffer.from_numpy(b), y, rows, cols)
    check(y.to_numpy().reshape(rows, cols), _layernorm_ref(x64, g64, b64, float(dtype(1e-5))), *NORM_TOL[t],
          f"layernorm_{t}")
    loader.get_kernel(f"rmsnorm_{t}")[ROW_BLOCKS, stream](xd, gd, y, rows, cols)
    rtol = NORM_TOL[t][0]  # relative only: the tiny row's outputs are about 1e-3
    check(y.to_numpy().reshape(rows, cols), _rmsnorm_ref(x64, g64, float(dtype(1e-6))), rtol, 0.0, f"rmsnorm_{t}")

    got = _run_rows_reduce(loader, stream, f"l2_norm_{t}", rows, cols, x)
    check(got, REDUCE_REF["l2_norm"](x64), REDUCE_TOL[t][0], 0.0, f"l2_norm_{t}")

    # cosine: zeros -> 0; a constant row with itself -> 1; tiny values against their negation -> -1
    got = _run_rows_reduce(loader, stream, f"cosine_similarity_{t}", rows, cols, x, np.where(np.arange(3)[:, None] == 2,
                                                                                           -x, x).astype(dtype))
    check(got, [0.0, 1.0, -1.0], REDUCE2_TOL[t][0], 0.0, f"cosine_similarity_{t}")
    got = _run_rows_reduce(loader, stream, f"mse_loss_{t}", rows, cols, x, np.zeros_like(x))
    check(got, (x64**2).mean(axis=1), *REDUCE2_TOL[t], f"mse_loss_{t}")
