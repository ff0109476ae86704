"""Launch checks and lifetime errors, each with a message that says what to do."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import Context, DeviceBuffer, KernelLoader, KernelNotFoundError, LaunchError, ResourceClosedError, Stream
from examples.vec_mul import kernels as vec_mul_kernels
from tests.kernels import arith


@pytest.fixture(scope="module")
def mul():
    return KernelLoader.from_module(vec_mul_kernels).get_kernel("mul")


@pytest.fixture(scope="module")
def axpy():
    return KernelLoader.from_module(arith).get_kernel("axpy")


def _bufs(n=16, dtype=np.uint16):
    return [DeviceBuffer.zeros(dtype, n) for _ in range(3)]


def test_wrong_argument_count(mul, runtime):
    stream = runtime[3]
    x, y, _ = _bufs()
    with pytest.raises(LaunchError, match=r"kernel 'mul' takes 3 argument\(s\) \(x: Ptr\[u16\], y: Ptr\[u16\], "
                                          r"z: Ptr\[u16\]\), got 2"):
        mul.launch(2, stream, [x, y])


def test_wrong_element_type(mul, runtime):
    stream = runtime[3]
    x, y, _ = _bufs()
    z = DeviceBuffer.zeros(np.float32, 16)
    with pytest.raises(LaunchError, match=r"argument 2 \('z': Ptr\[u16\]\) of kernel 'mul' expects elements of "
                                          r"u16 \(uint16\) but got a DeviceBuffer of float32"):
        mul[2, stream](x, y, z)


def test_u16_buffer_where_f32_declared(axpy, runtime):
    stream = runtime[3]
    x = DeviceBuffer.zeros(np.uint16, 8)
    y, z = DeviceBuffer.zeros(np.float32, 8), DeviceBuffer.zeros(np.float32, 8)
    with pytest.raises(LaunchError, match=r"Ptr\[f32\].*uint16"):
        axpy[1, stream](x, y, z, 1.0, 8)


def test_scalar_checks(axpy, runtime):
    stream = runtime[3]
    x, y, z = _bufs(8, np.float32)
    with pytest.raises(LaunchError, match=r"'n': u32.*must be in \[0, 4294967295\] for u32; got -1"):
        axpy[1, stream](x, y, z, 1.0, -1)
    with pytest.raises(LaunchError, match=r"integer \(u32\); got the float 2.5"):
        axpy[1, stream](x, y, z, 1.0, 2.5)
    with pytest.raises(LaunchError, match=r"'a': f32.*must be a DeviceBuffer|is a f32 scalar; got DeviceBuffer"):
        axpy[1, stream](x, y, z, x, 8)


@pytest.mark.parametrize("block_dim", [0, 65536, -1, 2.0, True])
def test_block_dim_range(mul, runtime, block_dim):
    with pytest.raises(LaunchError, match=r"block_dim must be an integer in \[1, 65535\]"):
        mul.launch(block_dim, runtime[3], _bufs())


def test_closed_stream(mul, runtime):
    _, _, ctx, _ = runtime
    s = Stream(ctx)
    s.close()
    with pytest.raises(ResourceClosedError, match=r"<Stream closed> was closed \(at .*test_launch_errors.py:\d+\)"):
        mul[2, s](*_bufs())
    with pytest.raises(ResourceClosedError):
        s.synchronize()


def test_buffer_of_closed_context(mul, runtime):
    _, device, ctx, stream = runtime
    other = Context(device)
    bufs = _bufs()
    other.close()  # closes the buffers it owns first
    ctx.make_current()
    assert all(b.closed for b in bufs)
    with pytest.raises(ResourceClosedError, match=r"DeviceBuffer uint16\[16\] closed"):
        mul[2, stream](*bufs)
    with pytest.raises(ResourceClosedError):
        bufs[0].to_numpy()


def test_buffer_from_another_context(mul, runtime):
    _, device, ctx, stream = runtime
    other = Context(device)  # becomes this thread's current context
    foreign = _bufs()
    ctx.make_current()
    with pytest.raises(LaunchError, match="belongs to <Context on device 0>, but the stream to"):
        mul[2, stream](*foreign)
    other.close()


def test_not_a_device_type():
    with pytest.raises(TypeError, match="only plain numeric element types"):
        DeviceBuffer.from_numpy(np.array(["a", "b"]))
    with pytest.raises(TypeError, match="cannot be sent to the device"):
        DeviceBuffer.empty(object, 3)


def test_unknown_kernel_name():
    loader = KernelLoader.from_module(vec_mul_kernels)
    with pytest.raises(KernelNotFoundError) as info:
        loader.get_kernel("mull")
    assert isinstance(info.value, KeyError)  # `except KeyError` still catches it
    assert str(info.value) == (f"no kernel 'mull' in {vec_mul_kernels.__file__}.cpp (did you mean 'mul'?); "
                               "it has: mul")
    with pytest.raises(KernelNotFoundError, match=r"no kernel 'missing' in .*; it has: mul$"):
        loader.get_kernel("missing")


# ----------------------------------------------------------------------------- arguments by name
def test_keyword_arguments_by_parameter_name(axpy, runtime, rng):
    stream = runtime[3]
    n = 37
    x, y = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    a = np.float32(rng.uniform(-2, 2))
    bx, by = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y)
    for launch in (lambda z: axpy[2, stream](n=n, a=a, z=z, y=by, x=bx),  # any order
                   lambda z: axpy[2, stream](bx, by, z, n=n, a=a),        # positional, then by name
                   lambda z: axpy.launch(2, stream, [bx, by], z=z, a=a, n=n),
                   lambda z: axpy.launch(2, stream, x=bx, y=by, z=z, a=a, n=n)):
        bz = DeviceBuffer.zeros(np.float32, n)
        launch(bz)
        np.testing.assert_allclose(bz.to_numpy(), a * x + y, rtol=1e-6)


def test_keyword_argument_errors(axpy, runtime):
    stream = runtime[3]
    x, y, z = _bufs(8, np.float32)
    sig = r"\(x: Ptr\[f32\], y: Ptr\[f32\], z: Ptr\[f32\], a: f32, n: u32\)"
    with pytest.raises(LaunchError, match=r"kernel 'axpy' has no parameter 'nn' \(did you mean 'n'\?\); its "
                                          r"parameters are " + sig):
        axpy[1, stream](x, y, z, 1.0, nn=8)
    with pytest.raises(LaunchError, match=r"kernel 'axpy' got parameter 'x' twice: as argument 0 and by name"):
        axpy[1, stream](x, y, z, 1.0, x=x)
    with pytest.raises(LaunchError, match=r"kernel 'axpy' is missing argument\(s\) 'a', 'n'; its parameters are "
                                          + sig):
        axpy.launch(1, stream, [x], y=y, z=z)
    with pytest.raises(LaunchError, match=r"kernel 'axpy' takes 5 argument\(s\) " + sig + ", got 6"):
        axpy[1, stream](x, y, z, 1.0, 8, 9)
    # A LaunchError is a TypeError, like a Python call with a bad keyword.
    with pytest.raises(TypeError):
        axpy[1, stream](x, y, z, 1.0, 8, block_dim=1)


def test_keyword_arguments_of_a_hand_written_kernel_use_its_cpp_names(runtime, rng):
    from tests.test_view_bounds import CPP, cpp

    assert (CPP / "view_bounds.cpp").is_file()
    kernel = cpp("view_bounds.cpp").get_kernel("view_load")
    stream = runtime[3]
    x = rng.standard_normal(64).astype(np.float32)
    bx, by = DeviceBuffer.from_numpy(x), DeviceBuffer.zeros(np.float32, 64)
    kernel[1, stream](n=64, y=by, x=bx)
    np.testing.assert_array_equal(by.to_numpy(), x)
    with pytest.raises(LaunchError, match=r"kernel 'view_load' has no parameter 'count'; its parameters are "
                                          r"\(GM_ADDR x, GM_ADDR y, uint32_t n\)"):
        kernel[1, stream](bx, by, count=64)
