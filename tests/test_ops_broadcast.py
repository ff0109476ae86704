"""ascendpy.ops broadcasting operators against numpy on fresh random inputs (PyTorch's broadcasting rules)."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, check, dtype, f64, rand

# pairs of shapes: same shape, a bias row, a column, both sides broadcast, 4-d channel bias, 0-d, more than one tile
# along a row, a row split over blocks, an inner run of 3
PAIRS = [((37,), (37,)), ((5, 300), (300,)), ((4, 33, 1), (33, 7)), ((6, 1, 130), (1, 5, 1)),
         ((2, 16, 3, 5), (1, 16, 1, 1)), ((3, 70), ()), ((2, 5000), (5000,)), ((1, 70000), (1, 70000)),
         ((9, 1), (1, 3))]

BINARY = [
    pytest.param(ops.add, np.add, id="add", marks=pytest.mark.op("add")),
    pytest.param(ops.sub, np.subtract, id="sub", marks=pytest.mark.op("sub")),
    pytest.param(ops.mul, np.multiply, id="mul", marks=pytest.mark.op("mul")),
    pytest.param(ops.div, np.divide, id="div", marks=pytest.mark.op("div")),
    pytest.param(ops.maximum, np.maximum, id="maximum", marks=pytest.mark.op("maximum")),
    pytest.param(ops.minimum, np.minimum, id="minimum", marks=pytest.mark.op("minimum")),
]


@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("call,ref", BINARY)
def test_binary(call, ref, dt, rng, request):
    for sa, sb in PAIRS:
        for a_shape, b_shape in ((sa, sb), (sb, sa)):
            a, b = rand(rng, a_shape, dt, 3), rand(rng, b_shape, dt, 3)
            if call is ops.div:
                b = np.where(np.abs(f64(b)) < 0.1, 0.5, b).astype(b.dtype)
            y = call(a, b)
            want = ref(f64(a), f64(b))
            if dt == "float32":  # one f32 operation: bit-exact with numpy's f32 result
                assert np.array_equal(y, ref(a, b)), f"{request.node.callspec.id} {a_shape} {b_shape}"
            check(y, want, dt, f"{request.node.callspec.id} {dt} {a_shape} x {b_shape}")


@pytest.mark.op("add", "sub")
def test_alpha_and_python_scalars(rng):
    x, y = rand(rng, (3, 50), "float32", 2), rand(rng, (50,), "float32", 2)
    assert np.array_equal(ops.add(x, y, alpha=2.0), x + np.float32(2) * y)
    assert np.array_equal(ops.sub(x, y, alpha=0.5), x - np.float32(0.5) * y)
    assert np.array_equal(ops.add(x, 3.1415), x + np.float32(3.1415))  # a Python number keeps x's dtype
    h = x.astype(np.float16)
    assert ops.add(h, 2.5).dtype == np.float16 and ops.sub(1.0, h).dtype == np.float16
    check(ops.sub(1.0, h), 1.0 - f64(h), "float16", "1 - h")


@pytest.mark.op("add", "mul")
def test_promotion(rng):
    h, b, f = rand(rng, (4, 30), "float16"), rand(rng, (30,), "bfloat16"), rand(rng, (4, 30), "float32")
    assert ops.add(h, b).dtype == np.float32  # f16 with bf16: f32, as torch
    check(ops.add(h, b), f64(h) + f64(b), "float32", "f16 + bf16")
    assert ops.mul(h, f).dtype == np.float32
    zero_d = np.array(2.0, np.float32)
    assert ops.mul(h, zero_d).dtype == np.float16  # a 0-d tensor does not promote a dimensioned one
    check(ops.mul(h, zero_d), f64(h) * 2, "float16", "h * 0-d f32")


@pytest.mark.op("pow")
@pytest.mark.parametrize("dt", FLOATS)
def test_pow(dt, rng):
    for sa, sb in [((4, 300), (300,)), ((37,), ()), ((3, 1, 9), (5, 1))]:
        x = rand(rng, sa, dt, low=0.01, high=4.0)
        e = rand(rng, sb, dt, low=-2.0, high=3.0)
        check(ops.pow(x, e), f64(x) ** f64(e), dt, f"pow {dt} {sa} {sb}", (2e-5, 1e-6) if dt == "float32" else None)
    x = np.array([0.0, 0.0, 2.0], np.float32)
    assert np.array_equal(ops.pow(x, np.array([2.0, -1.0, 0.5], np.float32)), [0.0, np.inf, np.sqrt(np.float32(2))])


@pytest.mark.op("clamp")
@pytest.mark.parametrize("dt", FLOATS)
def test_clamp(dt, rng):
    x = rand(rng, (7, 301), dt, 4)
    lo, hi = rand(rng, (301,), dt, low=-3, high=-0.5), rand(rng, (7, 1), dt, low=0.5, high=3)
    assert np.array_equal(ops.clamp(x, lo, hi), np.clip(x, lo, hi))
    assert np.array_equal(ops.clamp(x, min=-1.0), np.maximum(x, dtype(dt).type(-1)))
    assert np.array_equal(ops.clamp(x, max=0.5), np.minimum(x, dtype(dt).type(0.5)))
    nan = np.array([np.nan, 1.0, -9.0], np.float32)
    assert np.isnan(ops.clamp(nan, -2.0, 2.0)[0])


@pytest.mark.op("where")
@pytest.mark.parametrize("dt", FLOATS)
def test_where(dt, rng):
    for sc, sx, sy in [((1, 51, 1), (6, 51, 7), (6, 51, 7)), ((300,), (4, 300), (300,)), ((5, 1), (), (5, 3000)),
                       ((9,), (9,), ())]:
        c = rng.integers(0, 2, sc).astype(bool)
        x, y = rand(rng, sx, dt, 3), rand(rng, sy, dt, 3)
        x = x if x.ndim else float(x)
        got = ops.where(c, x, y)
        assert np.array_equal(got, np.where(c, x, y).astype(dtype(dt))), f"where {sc} {sx} {sy}"
    inf = np.array([np.inf, np.nan, 1.0], np.float32)
    got = ops.where(np.array([False, False, True]), inf, np.array([2.0, 3.0, np.inf], np.float32))
    assert np.array_equal(got, [2.0, 3.0, 1.0])  # the unchosen inf/nan never leaks (a select, not arithmetic)


@pytest.mark.op("logical_and")
def test_logical_and(rng):
    for sa, sb in [((12, 51, 100), (1, 51, 1)), ((37,), (37,)), ((3, 5000), (5000,)), ((4, 1), ())]:
        a, b = rng.integers(0, 2, sa).astype(bool), rng.integers(0, 2, sb).astype(bool)
        got = ops.logical_and(a, b)
        assert got.dtype == np.bool_ and np.array_equal(got, a & b)


# MultiKernelBench's broadcast tasks, their exact calls at reduced shapes
@pytest.mark.op("add", "sub", "mul", "div", "maximum", "pow", "clamp", "where", "logical_and")
def test_multikernelbench_tasks(rng):
    x = rng.random((4, 2048), dtype=np.float32)
    assert np.array_equal(ops.add(x, np.array(3.1415, np.float32)), x + np.float32(3.1415))  # add_bias_broadcast
    x4, bias = rng.random((2, 64, 8, 8), dtype=np.float32), rng.random(64, dtype=np.float32)
    assert np.array_equal(ops.add(x4, bias.reshape(1, -1, 1, 1)), x4 + bias.reshape(1, -1, 1, 1))  # four-dim
    x = rng.random((64, 2048), dtype=np.float32) * 5
    lo, hi = np.full(2048, -2.0, np.float32), np.full(2048, 2.0, np.float32)
    assert np.array_equal(ops.clamp(x, min=lo, max=hi), np.clip(x, lo, hi))  # clamp_broadcast
    x, s = rng.random((2, 3, 32, 128), dtype=np.float32), rng.random((3, 1, 1), dtype=np.float32)
    assert np.array_equal(ops.div(x, s), x / s)  # division_broadcast
    a, b = rng.random((4, 1, 2048), dtype=np.float32), rng.random((1, 4, 2048), dtype=np.float32)
    assert np.array_equal(ops.mul(a, b), a * b)  # elmentwise_mul_broadcast
    a, b = rng.integers(0, 2, (8, 64, 128)).astype(bool), rng.integers(0, 2, (1, 64, 1)).astype(bool)
    assert np.array_equal(ops.logical_and(a, b), a & b)  # logic_and_broadcast
    a, b = rng.random((16, 1, 1024), dtype=np.float32), rng.random((1, 64, 1), dtype=np.float32)
    assert np.array_equal(ops.maximum(a, b), np.maximum(a, b))  # max_broadcast
    x, e = np.abs(rng.random((4, 2048), dtype=np.float32)) + 1e-2, np.full(2048, 0.5, np.float32)
    check(ops.pow(x, e), f64(x) ** 0.5, "float32", "power_broadcast")
    x, bias = rng.random((8, 4096), dtype=np.float32), rng.random(4096, dtype=np.float32)
    assert np.array_equal(ops.sub(x, bias), x - bias)  # subtract_with_bias_broadcast
    c = rng.integers(0, 2, (1, 64, 1)).astype(bool)
    x, y = rng.random((8, 64, 16), dtype=np.float32), rng.random((8, 64, 16), dtype=np.float32)
    assert np.array_equal(ops.where(c, x, y), np.where(c, x, y))  # where_broadcast


@pytest.mark.op("add", "mul")
def test_device_buffers(runtime, rng):
    stream, ctx = runtime[3], runtime[2]
    x, y = rand(rng, (1, 1536), "float16", 2), rand(rng, (1, 1536), "float16", 2)
    bx, by = DeviceBuffer.from_numpy(x, context=ctx), DeviceBuffer.from_numpy(y, context=ctx)
    s = ops.add(bx, by, stream=stream)
    p = ops.mul(s, by, stream=stream)
    assert isinstance(p, DeviceBuffer) and p.shape == (1, 1536)
    assert np.array_equal(p.to_numpy(), (x + y) * y)
    for b in (bx, by, s, p):
        b.close()


@pytest.mark.op("add", "where")
def test_torch_tensors(rng):
    torch = pytest.importorskip("torch")
    a, b = torch.rand(3, 40), torch.rand(40)
    assert torch.equal(ops.add(a, b), a + b)
    c = torch.rand(3, 40) > 0.5
    assert torch.equal(ops.where(c, a, b), torch.where(c, a, b))


@pytest.mark.op("add", "clamp", "where")
def test_on_310p(runtime310, rng):
    for dt in ("float32", "float16"):
        a, b = rand(rng, (5, 333), dt, 2), rand(rng, (333,), dt, 2)
        assert np.array_equal(ops.add(a, b, stream=runtime310), a + b)
        assert np.array_equal(ops.clamp(a, -0.5, b, stream=runtime310), np.clip(a, dtype(dt).type(-0.5), b))
        c = rng.integers(0, 2, (5, 1)).astype(bool)
        assert np.array_equal(ops.where(c, a, b, stream=runtime310), np.where(c, a, b))


@pytest.mark.op("add")
@pytest.mark.parametrize("call,exc,match", [
    (lambda: ops.add(np.ones((2, 3), np.float32), np.ones(4, np.float32)), ValueError, r"add: shapes \(2, 3\), \(4,\)"),
    (lambda: ops.add(np.ones(3, np.int32), 1.0), TypeError, "add: input has dtype int32"),
    (lambda: ops.div(np.ones(3, np.float32), 2.0, rounding_mode="floor"), ValueError, "rounding_mode"),
    (lambda: ops.clamp(np.ones(3, np.float32)), ValueError, "at least one of min and max"),
    (lambda: ops.where(np.ones(3, np.float32), 1.0, 2.0), TypeError, "condition has dtype float32"),
    (lambda: ops.add(1.0, 2.0), TypeError, "at least one argument must be a tensor"),
    (lambda: ops.add(np.ones((1,) * 6 + (2, 1, 2, 1, 2, 1), np.float32), np.ones((2, 1, 2, 1, 2, 1, 2), np.float32)),
     ValueError, "at most 5"),
])
def test_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
