"""Launch checks and lifetime errors, each with a message that says what to do."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import Context, DeviceBuffer, KernelLoader, LaunchError, ResourceClosedError, Stream
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
    with pytest.raises(KeyError, match="no kernel 'mull'.*it has: mul"):
        loader.get_kernel("mull")
