"""Kernels compiled from Python run on the simulator and match numpy on fresh random data."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader
from examples.vec_mul import kernels as vec_mul_kernels
from tests.kernels import arith


@pytest.fixture(scope="module")
def vec_mul_loader() -> KernelLoader:
    return KernelLoader.from_module(vec_mul_kernels)


@pytest.fixture(scope="module")
def arith_loader() -> KernelLoader:
    return KernelLoader.from_module(arith)


@pytest.mark.parametrize("block_dim", [1, 2, 4, 8, 16])
def test_vec_mul(vec_mul_loader, runtime, rng, block_dim):
    _, _, _, stream = runtime
    x = rng.integers(0, 1 << 16, 16, dtype=np.uint16)
    y = rng.integers(0, 1 << 16, 16, dtype=np.uint16)
    xd, yd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y)
    zd = DeviceBuffer.empty(np.uint16, 16)
    vec_mul_loader.get_kernel("mul").launch(block_dim, stream, [xd, yd, zd])
    stream.synchronize()
    np.testing.assert_array_equal(zd.to_numpy(), x * y)


def test_vec_mul_short_launch_form(vec_mul_loader, runtime, rng):
    _, _, _, stream = runtime
    x = rng.integers(0, 1 << 16, 16, dtype=np.uint16)
    y = rng.integers(0, 1 << 16, 16, dtype=np.uint16)
    xd, yd, zd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.zeros(np.uint16, 16)
    vec_mul_loader.get_kernel("mul")[2, stream](xd, yd, zd)
    np.testing.assert_array_equal(zd.to_numpy(), x * y)  # to_numpy waits for the launch


@pytest.mark.parametrize("block_dim", [1, 7, 48])
def test_axpy_with_tail(arith_loader, runtime, rng, block_dim):
    _, _, _, stream = runtime
    n = 1_000_003
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    a = np.float32(rng.uniform(-3, 3))
    xd, yd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y)
    zd = DeviceBuffer.empty(np.float32, n)
    arith_loader.get_kernel("axpy").launch(block_dim, stream, [xd, yd, zd, float(a), n])
    stream.synchronize()
    # Each element is one f32 multiply and one f32 add, rounded like numpy's float32.
    np.testing.assert_array_equal(zd.to_numpy(), a * x + y)


@pytest.mark.parametrize("name,dtype", [("wrap_u8", np.uint8), ("wrap_i16", np.int16), ("wrap_u32", np.uint32)])
def test_integer_wraparound(arith_loader, runtime, rng, name, dtype):
    _, _, _, stream = runtime
    n = 4099
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    y = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    xd, yd, zd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.empty(dtype, n)
    arith_loader.get_kernel(name)[5, stream](xd, yd, zd, n)
    got = zd.to_numpy()
    with np.errstate(over="ignore"):
        if name == "wrap_u8":
            want = x * y + x - y
        elif name == "wrap_i16":
            want = x * y - x + dtype(7)
        else:
            want = x * y + (x << dtype(3)) - y
    np.testing.assert_array_equal(got, want.astype(dtype))


def test_python_division_semantics(arith_loader, runtime, rng):
    _, _, _, stream = runtime
    n = 2000
    x = rng.integers(-(2**31), 2**31 - 1, n, dtype=np.int32, endpoint=True)
    y = rng.integers(-50, 50, n, dtype=np.int32)
    y[y == 0] = 3
    x[:2] = -(2**31)
    y[:2] = [-1, 7]  # MIN // -1 wraps to MIN, MIN % -1 == 0
    bufs = [DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.empty(np.int32, n),
            DeviceBuffer.empty(np.int32, n)]
    arith_loader.get_kernel("int_div")[3, stream](*bufs, n)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(bufs[2].to_numpy(), x // y)
        np.testing.assert_array_equal(bufs[3].to_numpy(), x % y)


def test_nested_loops_continue_elif(arith_loader, runtime, rng):
    _, _, _, stream = runtime
    rows, cols = 37, 53
    x = rng.integers(-30, 30, (rows, cols), dtype=np.int32)
    x[rng.random((rows, cols)) < 0.2] = 0
    want = np.zeros(rows, dtype=np.int32)
    for r in range(rows):
        acc = 0
        for c in range(cols):
            v = int(x[r, c])
            if v == 0:
                continue
            elif v > 0:
                acc += v
            elif v < -10 and v % 3 == 0:
                acc -= 1
            else:
                acc += 2 * c
        want[r] = acc
    xd, out = DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.int32, rows)
    arith_loader.get_kernel("control")[4, stream](xd, out, rows, cols)
    np.testing.assert_array_equal(out.to_numpy(), want)


def test_half_rounds_per_operation(arith_loader, runtime, rng):
    _, _, _, stream = runtime
    n = 10_000
    x = rng.uniform(-100, 100, n).astype(np.float16)
    y = rng.uniform(-100, 100, n).astype(np.float16)
    xd, yd, zd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.empty(np.float16, n)
    arith_loader.get_kernel("half_fma")[8, stream](xd, yd, zd, n)
    want = (x * y) + x  # numpy float16 rounds each operation too
    np.testing.assert_array_equal(zd.to_numpy().view(np.uint16), want.view(np.uint16))


def test_scalar_math(arith_loader, runtime, rng):
    _, _, _, stream = runtime
    n = 3001
    x = rng.uniform(0.01, 20, n).astype(np.float32)
    outs = [DeviceBuffer.empty(np.float32, n) for _ in range(3)]
    arith_loader.get_kernel("scalar_math")[6, stream](DeviceBuffer.from_numpy(x), *outs, n)
    np.testing.assert_allclose(outs[0].to_numpy(), np.exp(x), rtol=2e-7)
    np.testing.assert_allclose(outs[1].to_numpy(), np.log(x), rtol=2e-7, atol=1e-7)
    np.testing.assert_allclose(outs[2].to_numpy(), np.sqrt(x), rtol=1.2e-7)


def test_float_to_int_conversion(arith_loader, runtime, rng):
    _, _, _, stream = runtime
    n = 1000
    x = rng.uniform(-1e5, 1e5, n).astype(np.float32)
    x[:4] = [np.nan, 3e9, -3e9, -0.75]
    oi, ou = DeviceBuffer.empty(np.int32, n), DeviceBuffer.empty(np.uint16, n)
    arith_loader.get_kernel("convert")[2, stream](DeviceBuffer.from_numpy(x), oi, ou, n)
    exact = np.nan_to_num(np.trunc(x.astype(np.float64)), nan=0)
    want_i = exact.clip(-(2**31), 2**31 - 1).astype(np.int64)
    want_u = exact.clip(0, 65535).astype(np.int64)
    np.testing.assert_array_equal(oi.to_numpy().astype(np.int64), want_i)
    np.testing.assert_array_equal(ou.to_numpy().astype(np.int64), want_u)


def test_kernel_without_parameters(arith_loader, runtime):
    _, _, _, stream = runtime
    arith_loader.get_kernel("empty")[3, stream]()
    stream.synchronize()


ALL_TYPES = ["u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f16", "f32"]


@pytest.mark.parametrize("t", ALL_TYPES)
def test_every_element_type(runtime, rng, t):
    """Pointers and scalars of every plain element type, with the type's own arithmetic."""
    from tests.kernels import alltypes

    _, _, _, stream = runtime
    dtype = np.dtype({"u": "uint", "i": "int", "f": "float"}[t[0]] + t[1:])
    n = 777
    if dtype.kind == "f":
        x = rng.uniform(-50, 50, n).astype(dtype)
        y = rng.uniform(-50, 50, n).astype(dtype)
        s = dtype.type(rng.uniform(-4, 4))
    else:
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
        y = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
        s = dtype.type(rng.integers(info.min, info.max, dtype=dtype, endpoint=True))
    z = DeviceBuffer.empty(dtype, n)
    kernel = KernelLoader.from_module(alltypes).get_kernel(f"madd_{t}")
    kernel[3, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), z, s.item(), n)
    with np.errstate(over="ignore"):
        want = x * s + y  # numpy keeps dtype: integer wrap-around, float16 rounding per op
    np.testing.assert_array_equal(z.to_numpy().view(f"u{dtype.itemsize}"), want.view(f"u{dtype.itemsize}"))
