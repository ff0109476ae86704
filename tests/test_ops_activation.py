"""ascendpy.ops activations against float64 numpy on fresh random inputs, every dtype, several shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ascendpy import ops
from tests.ops_check import FLOATS, SHAPES, check, f64, rand

_erf = np.frompyfunc(math.erf, 1, 1)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.logaddexp(0.0, beta * x) / beta)


def _case(name, op, call, ref, scale):
    return pytest.param(call, ref, scale, id=name, marks=op)


# (call, float64 reference, input scale), each marked with the operator it tests
ELEMENTWISE = [
    _case("relu", pytest.mark.op("relu"), ops.relu, lambda x: np.maximum(x, 0), 3),
    _case("sigmoid", pytest.mark.op("sigmoid"), ops.sigmoid, lambda x: 1 / (1 + np.exp(-x)), 6),
    _case("tanh", pytest.mark.op("tanh"), ops.tanh, np.tanh, 3),
    _case("gelu", pytest.mark.op("gelu"), ops.gelu,
          lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)).astype(np.float64)), 3),
    _case("gelu_tanh", pytest.mark.op("gelu"), lambda x: ops.gelu(x, approximate="tanh"),
          lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))), 3),
    _case("elu", pytest.mark.op("elu"), lambda x: ops.elu(x, alpha=0.7),
          lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)), 3),
    _case("selu", pytest.mark.op("selu"), ops.selu,
          lambda x: SELU_SCALE * (np.maximum(x, 0) + np.minimum(0, SELU_ALPHA * np.expm1(x))), 3),
    _case("silu", pytest.mark.op("silu"), ops.silu, lambda x: x / (1 + np.exp(-x)), 6),
    _case("softplus", pytest.mark.op("softplus"), ops.softplus, _softplus, 8),
    _case("softplus_beta", pytest.mark.op("softplus"), lambda x: ops.softplus(x, beta=2.0, threshold=3.0),
          lambda x: _softplus(x, 2.0, 3.0), 3),
    _case("softsign", pytest.mark.op("softsign"), ops.softsign, lambda x: x / (1 + np.abs(x)), 5),
    _case("hardsigmoid", pytest.mark.op("hardsigmoid"), ops.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), 5),
    _case("hardswish", pytest.mark.op("hardswish"), ops.hardswish, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), 5),
    _case("leaky_relu", pytest.mark.op("leaky_relu"), ops.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), 3),
    _case("leaky_relu_slope", pytest.mark.op("leaky_relu"), lambda x: ops.leaky_relu(x, 0.3),
          lambda x: np.where(x > 0, x, 0.3 * x), 3),
    _case("hardtanh", pytest.mark.op("hardtanh"), ops.hardtanh, lambda x: np.clip(x, -1, 1), 2),
    _case("hardtanh_range", pytest.mark.op("hardtanh"), lambda x: ops.hardtanh(x, -0.5, 2.0),
          lambda x: np.clip(x, -0.5, 2.0), 2),
    _case("mish", pytest.mark.op("mish"), ops.mish, lambda x: x * np.tanh(np.logaddexp(0.0, x)), 4),
]


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("call,ref,scale", ELEMENTWISE)
def test_elementwise(call, ref, scale, dt, rng, request):
    for shape in SHAPES:
        x = rand(rng, shape, dt, scale)
        check(call(x), ref(f64(x)), dt, f"{request.node.callspec.id} {shape}")


def _softmax_ref(x, dim, log):
    m = x.max(axis=dim, keepdims=True)
    e = np.exp(x - m)
    s = e.sum(axis=dim, keepdims=True)
    return x - m - np.log(s) if log else e / s


# shapes and dims: rows that fit a tile, rows longer than one (4096), a middle dim, the first dim, 1-element dims
SOFTMAX_CASES = [((7, 37), -1), ((3, 5003), 1), ((2, 9001), -1), ((3, 70, 5), 1), ((700, 3), 0), ((4, 5, 6), 2),
                 ((1,), 0), ((5, 1), 1), ((2, 3, 1100), 0)]


@pytest.mark.op("softmax", "log_softmax")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax(log, dt, rng):
    f = ops.log_softmax if log else ops.softmax
    for shape, dim in SOFTMAX_CASES:
        x = rand(rng, shape, dt, 4)
        y = f(x, dim=dim)
        # log_softmax values near 0 are differences of nearby numbers: absolute error, as for f32 rounding of x
        tol = (2e-5, 2e-5) if log and dt == "float32" else None
        check(y, _softmax_ref(f64(x), dim, log), dt, f"{'log_' if log else ''}softmax {dt} {shape} dim={dim}", tol)


@pytest.mark.op("softmax")
def test_softmax_dtype_argument_and_implicit_dim(rng):
    x = rand(rng, (3, 40), "float16", 3)
    y = ops.softmax(x, dim=1, dtype=np.float32)  # torch: cast first, compute in the dtype
    check(y, _softmax_ref(f64(x), 1, False), "float32", "softmax dtype=float32")
    with pytest.warns(DeprecationWarning, match="implicit dim"):
        y2 = ops.softmax(x.astype(np.float32))  # 2-d: torch's implicit dim is 1
    check(y2, _softmax_ref(f64(x), 1, False), "float32", "softmax implicit dim")


@pytest.mark.op("softmax")
def test_softmax_extremes(rng):
    """Large logits cannot overflow (the max is subtracted) and -inf entries get probability 0."""
    x = rand(rng, (4, 300), "float32", 1) * 80
    x[0, :7] = -np.inf
    y = ops.softmax(x, dim=-1)
    assert np.isfinite(y).all() and (y[0, :7] == 0).all()
    check(y, _softmax_ref(f64(x), -1, False), "float32", "softmax with large logits")


@pytest.mark.op("relu", "sigmoid")
def test_torch_tensors_in_and_out(rng):
    torch = pytest.importorskip("torch")
    x = rand(rng, (3, 100), "float32", 3)
    for dt in (torch.float32, torch.float16, torch.bfloat16):
        t = torch.from_numpy(x).to(dt)
        y = ops.sigmoid(t)
        assert isinstance(y, torch.Tensor) and y.dtype == dt and y.shape == t.shape
        np.testing.assert_allclose(y.float().numpy(), torch.sigmoid(t.float()).numpy(), rtol=1.6e-2, atol=1e-3)
    y = ops.relu(torch.from_numpy(x).t())  # a non-contiguous tensor
    assert torch.equal(y, torch.relu(torch.from_numpy(x).t()))


@pytest.mark.op("silu", "softmax", "gelu")
def test_device_buffers_stay_on_the_device(runtime, rng):
    """DeviceBuffer in, DeviceBuffer out: a chain never leaves the device, and the caller owns the results."""
    from ascendpy import DeviceBuffer

    stream = runtime[3]
    x = rand(rng, (6, 333), "float32", 3)
    buf = DeviceBuffer.from_numpy(x, context=runtime[2])
    a = ops.silu(buf, stream=stream)
    b = ops.softmax(a, dim=1, stream=stream)
    c = ops.gelu(b, stream=stream)
    assert isinstance(c, DeviceBuffer) and c.shape == (6, 333)
    s = f64(x) / (1 + np.exp(-f64(x)))
    ref = _softmax_ref(s, 1, False)
    ref = 0.5 * ref * (1 + _erf(ref / math.sqrt(2)).astype(np.float64))
    check(c.to_numpy(), ref, "float32", "silu -> softmax -> gelu on device buffers")
    for d in (a, b, c, buf):
        d.close()


@pytest.mark.op("relu", "tanh", "softmax")
def test_on_310p_f16_and_f32(runtime310, rng):
    for dt in ("float32", "float16"):
        x = rand(rng, (3, 1000), dt, 3)
        check(ops.tanh(x, stream=runtime310), np.tanh(f64(x)), dt, f"310P tanh {dt}")
        check(ops.softmax(x, dim=0, stream=runtime310), _softmax_ref(f64(x), 0, False), dt, f"310P softmax {dt}")
    with pytest.raises(TypeError, match="310P has no bfloat16"):
        ops.relu(rand(rng, (8,), "bfloat16"), stream=runtime310)


@pytest.mark.op("relu")
def test_empty_and_zero_d(rng):
    assert ops.relu(np.zeros((0, 3), np.float32)).shape == (0, 3)
    y = ops.relu(np.array(-2.5, np.float32))
    assert y.shape == () and y == 0


@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.relu(np.arange(4)), TypeError, "relu: input has dtype int64; this operator takes float32"),
    (lambda: ops.relu([1.0, 2.0]), TypeError, "must be a numpy array"),
    (lambda: ops.gelu(np.ones(3, np.float32), approximate="fast"), ValueError, "approximate must be"),
    (lambda: ops.softmax(np.ones((2, 3), np.float32), dim=2), IndexError, r"dim 2 is out of range .*\[-2, 1\]"),
    (lambda: ops.hardtanh(np.ones(3, np.float32), 1.0, -1.0), ValueError, "min_val"),
    (lambda: ops.softplus(np.ones(3, np.float32), beta=0), ValueError, "beta must be nonzero"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
