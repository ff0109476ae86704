"""kernel[block_dim](arrays...): decorated kernels launched on numpy arrays (and DeviceBuffers), outputs in place."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import Acl, Context, Device, DeviceBuffer, GlobalMemoryFault, LaunchError, Stream
from tests.kernels.array_launch import axpy, poke, tile_mm


@pytest.mark.parametrize(("shape", "block_dim"), [((1,), 1), ((1000,), 3), ((7, 333), 8)])
def test_outputs_land_in_the_callers_array_with_its_shape(rng, shape, block_dim):
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.standard_normal(shape).astype(np.float32)
    want = np.float32(2.5) * x + y
    axpy[block_dim](x, y, 2.5, x.size)
    assert y.shape == shape
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)


def test_keyword_arguments_and_a_cube_kernel(rng):
    a = rng.uniform(-1, 1, (32, 32)).astype(np.float16)
    bt = rng.uniform(-1, 1, (32, 32)).astype(np.float16)
    c = np.full((32, 32), np.nan, np.float32)
    tile_mm[1](a, c=c, bt=bt)
    want = a.astype(np.float64) @ bt.astype(np.float64).T
    assert np.abs(c - want).max() / np.abs(want).max() < 1e-3


def test_read_only_inputs_stay_as_they_are(rng):
    x = rng.standard_normal(100).astype(np.float32)
    x.flags.writeable = False
    y = np.zeros(100, np.float32)
    axpy[1](x, y, 1.0, 100)
    np.testing.assert_array_equal(y, x)


def test_an_explicit_stream_and_device_buffers_mix_with_arrays(runtime, rng):
    stream = runtime[3]
    x = rng.standard_normal(500).astype(np.float32)
    y = rng.standard_normal(500).astype(np.float32)
    dy = DeviceBuffer.from_numpy(y)
    axpy[4, stream](x, dy, -1.0, 500)
    np.testing.assert_allclose(dy.to_numpy(), y - x, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("args", "match"), [
    ((np.zeros(4, np.float64), np.zeros(4, np.float32), 1.0, 4), r"argument 0 \('x': Ptr\[f32\]\).*float64.*astype"),
    (([1.0, 2.0], np.zeros(2, np.float32), 1.0, 2), r"'x'.*must be a numpy array"),
    ((np.zeros(4, np.float32),), "takes 4 argument"),
])
def test_bad_arguments_name_the_parameter(args, match):
    with pytest.raises(LaunchError, match=match):
        axpy[1](*args)


def test_bad_launch_configs():
    with pytest.raises(LaunchError, match=r"axpy\[block_dim\]"):
        axpy[1, 2]
    with pytest.raises(LaunchError, match="block_dim must be an integer"):
        axpy[0](np.zeros(1, np.float32), np.zeros(1, np.float32), 1.0, 1)
    with pytest.raises(TypeError, match=r"axpy\[block_dim\]\(\.\.\.\)"):
        axpy(np.zeros(1, np.float32), np.zeros(1, np.float32), 1.0, 1)


def test_a_fault_names_the_line_and_the_next_launch_works(rng):
    z = np.zeros(8, np.int32)
    with pytest.raises(GlobalMemoryFault, match="array_launch.py"):
        poke[1](z, 8)
    assert not z.any()  # nothing was copied back from a failed launch
    poke[1](z, 3)
    assert z.tolist() == [0, 0, 0, 7, 0, 0, 0, 0]


def test_the_default_runtime_yields_to_an_explicit_one(rng):
    z = np.zeros(4, np.int32)
    poke[1](z, 1)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        poke[1, stream](z, 2)
        poke[1](z, 3)  # the default now runs on the program's Acl
    assert z.tolist() == [0, 7, 7, 7]


def test_torch_tensors_are_written_in_place(rng):
    torch = pytest.importorskip("torch")
    x = torch.randn(64)
    y = torch.randn(2, 64)[:, 0]  # not contiguous: written back through copy_
    want = 3 * x[:2] + y
    axpy[1](x[:2].contiguous(), y, 3.0, 2)
    assert torch.allclose(y, want)


def test_device_buffer_to_numpy_keeps_the_shape_it_was_made_from(runtime, rng):
    x = rng.standard_normal((3, 5, 7)).astype(np.float32)
    buf = DeviceBuffer.from_numpy(x)
    assert len(buf) == x.size and buf.shape == (3, 5, 7)
    np.testing.assert_array_equal(buf.to_numpy(), x)
    assert buf[2:9].to_numpy().shape == (7,)  # a view is flat
    assert DeviceBuffer.empty(np.int32, 6).to_numpy().shape == (6,)
