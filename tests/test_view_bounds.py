"""A kernel given a view `buf[a:b]` may touch only elements [a, b) of the parent buffer.

The runtime tells the simulator how many bytes each pointer argument reaches; a GlobalTensor made
from a pointer inside a view is bounded by that view (not by the whole allocation), for ascendpy
kernels (scalar `ptr[i]` and std.load/std.store) and hand-written AscendC (SetValue/GetValue and
DataCopy) alike. Overlapping argument regions merge (the most permissive wins); a raw whole
buffer is bounded by its allocation as before. Each bug is planted at a `# BUG <kernel>` line
(Python, below) or a `// BUG <kernel>` line (tests/faults_cpp/view_bounds.cpp).
"""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader, std
from ascendpy.runtime._acl import AclLib, AclParamError
from ascendpy.runtime.faults import GlobalMemoryFault
from ascendpy.std import Ptr, f32, i64, u32
from tests.test_faults import CPP, cpp, expect

HERE = Path(__file__).resolve()
TILE = 64


@std.aiv_kernel
def scale(x: Ptr[f32], y: Ptr[f32], a: f32, n: u32):
    """A correct kernel: y[i] = a x[i] for i < n, elements dealt round-robin to blocks."""
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        y[i] = a * x[i]


@std.aiv_kernel
def poke(y: Ptr[f32], i: i64, v: f32):
    y[i] = v  # BUG poke


@std.aiv_kernel
def peek(x: Ptr[f32], y: Ptr[f32], i: i64):
    y[0] = x[i]  # BUG peek


@std.aiv_kernel
def load_tile(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, TILE)
    std.load(xb, x, 0, n)  # BUG load_tile
    std.store(y, 0, xb, n)


@std.aiv_kernel
def store_tile(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, TILE)
    std.load(xb, x, 0, n)
    std.store(y, 0, xb, n)  # BUG store_tile


@std.aiv_kernel
def poke_second(first: Ptr[f32], second: Ptr[f32], i: i64, v: f32):
    """Writes second[i]; `first` is only there to be another argument region of the same launch."""
    second[i] = v  # BUG poke_second


@pytest.fixture(autouse=True)
def _checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)


@pytest.fixture(scope="module")
def py() -> KernelLoader:
    return KernelLoader.from_module(sys.modules[__name__])


def parent(rng: np.random.Generator, n: int = 100) -> tuple[DeviceBuffer, np.ndarray]:
    host = rng.standard_normal(n).astype(np.float32)
    return DeviceBuffer.from_numpy(host), host


# ============================================================================= ascendpy kernels
def test_scalar_write_past_a_view_faults_and_leaves_the_parent_alone(runtime, rng, py):
    buf, host = parent(rng)
    err = expect(GlobalMemoryFault, "global_out_of_bounds", py, "poke", runtime[3], 1, buf[10:20], 10, 7.0,
                 source=HERE, words=("GlobalTensor::SetValue writes elements [10, 10]", "of a 40-byte view holding "
                                         "10 elements of 4 bytes", "valid indices are [0, 10)",
                                         "the view (kernel argument 0) is bytes [40, 80) of a 400-byte device "
                                         "allocation"))
    assert "400-byte device allocation holding" not in err.detail
    np.testing.assert_array_equal(buf.to_numpy(), host)


def test_scalar_read_before_a_view(runtime, rng, py):
    buf, _ = parent(rng)
    out = DeviceBuffer.empty(np.float32, 1)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "peek", runtime[3], 1, buf[30:50], out, -3,
           source=HERE, words=("GlobalTensor::GetValue reads elements [-3, -3]", "byte offset -12",
                                   "of a 80-byte view", "bytes [120, 200) of a 400-byte device allocation"))


def test_dma_load_past_a_view(runtime, rng, py):
    buf, _ = parent(rng)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "load_tile", runtime[3], 1, buf[8:40],
           DeviceBuffer.empty(np.float32, TILE), TILE, source=HERE,
           words=("DataCopy reads elements [0, 63]", "of a 128-byte view holding 32 elements",
                  "bytes [32, 160) of a 400-byte device allocation"))


def test_dma_store_past_a_view_writes_nothing(runtime, rng, py):
    x = DeviceBuffer.from_numpy(rng.standard_normal(TILE).astype(np.float32))
    buf, host = parent(rng)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "store_tile", runtime[3], 1, x, buf[16:48], TILE,
           source=HERE, words=("DataCopy writes elements [0, 63]", "of a 128-byte view holding 32 elements",
                                   "bytes [64, 192) of a 400-byte device allocation"))
    np.testing.assert_array_equal(buf.to_numpy(), host)  # checked before any byte moved


def test_correct_kernels_on_views_compute_and_touch_nothing_else(runtime, rng, py):
    stream = runtime[3]
    bx, hx = parent(rng, 300)
    by, hy = parent(rng, 300)
    n, a = 97, float(rng.uniform(0.5, 2.0))
    py.get_kernel("scale")[4, stream](bx[7:7 + n], by[131:131 + n], a, n)
    want = hy.copy()
    want[131:131 + n] = np.float32(a) * hx[7:7 + n]
    np.testing.assert_allclose(by.to_numpy(), want, rtol=1e-6)
    np.testing.assert_array_equal(bx.to_numpy(), hx)
    # DMA both ways through views whose GM side is not 32-byte aligned (allowed on the GM side).
    py.get_kernel("store_tile")[1, stream](bx[3:3 + TILE], by[5:5 + TILE], TILE)
    want[5:5 + TILE] = hx[3:3 + TILE]
    np.testing.assert_array_equal(by.to_numpy(), want)


def test_whole_buffer_and_view_together_may_use_the_whole_buffer(runtime, rng, py):
    buf, host = parent(rng)
    v = float(rng.standard_normal())
    py.get_kernel("poke_second")[1, runtime[3]](buf, buf[10:20], 50, v)  # view[50] is buf[60]: inside buf
    runtime[3].synchronize()
    host[60] = v
    np.testing.assert_array_equal(buf.to_numpy(), host)


def test_adjacent_views_stay_separate(runtime, rng, py):
    buf, host = parent(rng)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "poke_second", runtime[3], 1, buf[0:10], buf[10:20], -1,
           1.0, source=HERE, words=("writes elements [-1, -1]", "40-byte view", "kernel argument 1",
                                        "bytes [40, 80)"))
    np.testing.assert_array_equal(buf.to_numpy(), host)


def test_overlapping_views_merge_into_the_most_permissive(runtime, rng, py):
    buf, host = parent(rng)
    stream = runtime[3]
    v = float(rng.standard_normal())
    py.get_kernel("poke_second")[1, stream](buf[0:15], buf[10:20], -8, v)  # buf[2]: in the first view
    stream.synchronize()
    host[2] = v
    np.testing.assert_array_equal(buf.to_numpy(), host)
    # Past both: the merged region [0, 20) is what is named.
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "poke_second", stream, 1, buf[0:15], buf[10:20], 12, v,
           source=HERE, words=("80-byte view", "kernel argument 0 and 1 overlapping one(s), merged",
                                   "bytes [0, 80) of a 400-byte"))


def test_a_whole_buffer_is_bounded_by_its_allocation_as_before(runtime, rng, py):
    buf, host = parent(rng)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "poke", runtime[3], 1, buf, 100, 1.0, source=HERE,
           words=("writes elements [100, 100]", "400-byte device allocation holding 100 elements"))
    np.testing.assert_array_equal(buf.to_numpy(), host)


# ============================================================================= hand-written AscendC
def test_cpp_correct_kernels_on_views(runtime, rng):
    stream = runtime[3]
    bx, hx = parent(rng, 200)
    by, hy = parent(rng, 200)
    cpp("view_bounds.cpp").get_kernel("double_blocks")[4, stream](bx[9:41], by[50:82], 8)
    cpp("view_bounds.cpp").get_kernel("view_load")[1, stream](bx[100:164], by[120:184], 64)
    want = hy.copy()
    want[50:82] = hx[9:41] * 2
    want[120:184] = hx[100:164]
    np.testing.assert_array_equal(by.to_numpy(), want)
    np.testing.assert_array_equal(bx.to_numpy(), hx)


def test_cpp_block_whose_tensor_starts_past_the_view(runtime, rng):
    x = DeviceBuffer.from_numpy(rng.standard_normal(64).astype(np.float32))
    buf, host = parent(rng)
    # 3 blocks of 8 over a 16-element view: block 2's tensors start at its end.
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("view_bounds.cpp"), "double_blocks", runtime[3], 3, x,
           buf[4:20], 8, source=CPP / "view_bounds.cpp", block=2,
           words=("GlobalTensor::SetValue writes 4 bytes at byte offset 80 of a 400-byte device allocation",
                  "outside every view of it this launch was given",
                  "kernel argument 1 is the 64-byte view of bytes [16, 80)"))
    got = buf.to_numpy()
    np.testing.assert_array_equal(got[20:], host[20:])
    np.testing.assert_array_equal(got[:4], host[:4])


def test_cpp_datacopy_load_past_a_view(runtime, rng):
    buf, _ = parent(rng)
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("view_bounds.cpp"), "view_load", runtime[3], 1, buf[0:24],
           DeviceBuffer.empty(np.float32, 32), 32, source=CPP / "view_bounds.cpp",
           words=("DataCopy reads elements [0, 31]", "of a 96-byte view holding 24 elements",
                  "bytes [0, 96) of a 400-byte device allocation"))


def test_cpp_datacopy_store_past_a_view_writes_nothing(runtime, rng):
    x = DeviceBuffer.from_numpy(rng.standard_normal(32).astype(np.float32))
    buf, host = parent(rng)
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("view_bounds.cpp"), "view_store", runtime[3], 1, x,
           buf[60:84], 32, source=CPP / "view_bounds.cpp",
           words=("DataCopy writes elements [0, 31]", "of a 96-byte view",
                  "bytes [240, 336) of a 400-byte device allocation"))
    np.testing.assert_array_equal(buf.to_numpy(), host)


# ============================================================================= the driver contract
def test_only_a_driver_with_the_export_is_told_extents():
    """DESIGN principle 2: the NPU library has no ascendpySimKernelArgsSetExtent, and nothing is called."""
    lib = AclLib(ctypes.CDLL(None), Path("libascendcl.so"), "npu")
    assert not lib.has("ascendpySimKernelArgsSetExtent")
    lib.kernel_arg_extent(ctypes.c_void_p(1), ctypes.c_void_p(2), 40)  # no call, no error


def test_simulator_refuses_an_extent_on_a_scalar_parameter(runtime, py):
    kernel = py.get_kernel("poke")
    ctx = runtime[2]
    lib = ctx._lib
    func = kernel.loader._binary(ctx).function("poke")
    ctx._activate()
    args, param = ctypes.c_void_p(), ctypes.c_void_p()
    lib.call("aclrtKernelArgsInit", func, ctypes.byref(args))
    buf = DeviceBuffer.empty(np.float32, 4)
    lib.call("aclrtKernelArgsAppend", args, ctypes.byref(ctypes.c_uint64(buf.ptr.value)), 8, ctypes.byref(param))
    lib.kernel_arg_extent(args, param, 16)
    lib.call("aclrtKernelArgsAppend", args, ctypes.byref(ctypes.c_int64(0)), 8, ctypes.byref(param))
    lib.call("aclrtKernelArgsAppend", args, ctypes.byref(ctypes.c_float(1.0)), 4, ctypes.byref(param))
    with pytest.raises(AclParamError, match=r"parameter 2 of kernel 'poke' is not a pointer appended with "
                                            r"aclrtKernelArgsAppend \(4 bytes\)"):
        lib.kernel_arg_extent(args, param, 16)
