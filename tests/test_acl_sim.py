"""libascendcl_sim.so through the ctypes binding: the ACL C functions called directly.

The high-level runtime objects have their own tests; here every check is on the
C ABI that both drivers share (codes, enum values, messages), plus the binary
route of kernel launches with a hand-written kernel library.
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
from ctypes import byref, c_float, c_int, c_int32, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from pathlib import Path

import numpy as np
import pytest

from ascendpy.runtime import _acl
from ascendpy.runtime._acl import (
    AclLib,
    AclParamError,
    AclRuntimeInternalError,
    AclRuntimeParamError,
    KernelExecutionError,
    MallocPolicy,
    MemcpyKind,
)
from ascendpy.sim import build as simbuild
from ascendpy.toolchain import host

H2D, D2H, D2D = MemcpyKind.HOST_TO_DEVICE, MemcpyKind.DEVICE_TO_HOST, MemcpyKind.DEVICE_TO_DEVICE

# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def lib() -> AclLib:
    """The simulator library, built into the session's private cache."""
    return AclLib.load(simbuild.sim_library(), driver="sim")


def _finalize_quietly(lib: AclLib) -> None:
    lib.fn("aclFinalize")()


@pytest.fixture
def fresh(lib: AclLib):
    """A finalized simulator (whatever an earlier test left), finalized again afterwards."""
    _finalize_quietly(lib)
    yield lib
    _finalize_quietly(lib)


@pytest.fixture
def acl(fresh: AclLib, monkeypatch: pytest.MonkeyPatch):
    """An initialized simulator with two devices of the default SoC, device 0 current."""
    monkeypatch.delenv("ASCENDPY_SIM_SOC", raising=False)
    monkeypatch.setenv("ASCENDPY_SIM_DEVICES", "2")
    fresh.call("aclInit", None)
    fresh.call("aclrtSetDevice", 0)
    yield fresh


KERNELS_CPP = r"""
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include "ascendpy_sim_abi.h"
#define APY_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
// Each block scales its own contiguous slice of [0, n).
void scale_slice(const float* x, float* y, float a, uint32_t n) {
  const int64_t b = __ascendpy_sim_block_idx(), nb = __ascendpy_sim_block_num();
  const int64_t per = (static_cast<int64_t>(n) + nb - 1) / nb;
  const int64_t lo = b * per, hi = std::min<int64_t>(n, lo + per);
  for (int64_t i = lo; i < hi; ++i) y[i] = a * x[i];
}
struct Tiling { float a; uint32_t n; };
}  // namespace

struct apy_args_scale { alignas(8) const float* x; alignas(8) float* y; alignas(4) float a;
                        alignas(4) uint32_t n; char end_; };
#define SCALE_LAYOUT {4, offsetof(apy_args_scale, end_), offsetof(apy_args_scale, x), 8, \
  offsetof(apy_args_scale, y), 8, offsetof(apy_args_scale, a), 4, offsetof(apy_args_scale, n), 4}

APY_EXPORT void __ascendpy_entry_scale(const uint8_t* args, uint64_t) {
  auto a = reinterpret_cast<const apy_args_scale*>(args);
  scale_slice(a->x, a->y, a->a, a->n);
}
APY_EXPORT const uint64_t __ascendpy_layout_scale[] = SCALE_LAYOUT;

APY_EXPORT void __ascendpy_entry_scale_fault(const uint8_t* args, uint64_t) {
  auto a = reinterpret_cast<const apy_args_scale*>(args);
  if (__ascendpy_sim_block_idx() == 2) throw ascendpy_sim::KernelFault("division_by_zero", "x / 0 at element 7");
  scale_slice(a->x, a->y, a->a, a->n);
}
APY_EXPORT const uint64_t __ascendpy_layout_scale_fault[] = SCALE_LAYOUT;

APY_EXPORT void __ascendpy_entry_std_throw(const uint8_t*, uint64_t) {
  if (__ascendpy_sim_block_idx() == 0) throw std::out_of_range("index 9 past 4");
}
APY_EXPORT const uint64_t __ascendpy_layout_std_throw[] = {0, 0};

struct apy_args_nap { alignas(4) uint32_t ms; char end_; };
APY_EXPORT void __ascendpy_entry_nap(const uint8_t* args, uint64_t) {
  auto a = reinterpret_cast<const apy_args_nap*>(args);
  if (__ascendpy_sim_block_idx() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(a->ms));
}
APY_EXPORT const uint64_t __ascendpy_layout_nap[] = {1, offsetof(apy_args_nap, end_), 0, 4};

struct apy_args_whoami { alignas(8) int64_t* out; char end_; };
APY_EXPORT void __ascendpy_entry_whoami(const uint8_t* args, uint64_t) {
  auto a = reinterpret_cast<const apy_args_whoami*>(args);
  const int64_t b = __ascendpy_sim_block_idx();
  a->out[b] = b * 100000 + __ascendpy_sim_block_num();
}
APY_EXPORT const uint64_t __ascendpy_layout_whoami[] = {1, offsetof(apy_args_whoami, end_), 0, 8};

struct apy_args_tiled { alignas(8) const float* x; alignas(8) float* y; alignas(8) const Tiling* t; char end_; };
APY_EXPORT void __ascendpy_entry_scale_tiled(const uint8_t* args, uint64_t) {
  auto a = reinterpret_cast<const apy_args_tiled*>(args);
  scale_slice(a->x, a->y, a->t->a, a->t->n);
}
APY_EXPORT const uint64_t __ascendpy_layout_scale_tiled[] = {3, offsetof(apy_args_tiled, end_),
  offsetof(apy_args_tiled, x), 8, offsetof(apy_args_tiled, y), 8, offsetof(apy_args_tiled, t), 8};

APY_EXPORT const char* const __ascendpy_kernel_names[] = {
  "scale", "scale_fault", "std_throw", "nap", "whoami", "scale_tiled", nullptr};
"""


@pytest.fixture(scope="session")
def kernel_lib(lib: AclLib, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hand-written kernel library following ascendpy_sim_abi.h, linked to the simulator."""
    d = tmp_path_factory.mktemp("kernels")
    src = d / "kernels.cpp"
    src.write_text(KERNELS_CPP)
    out = d / "kernels.so"
    simdir = lib.path.parent
    host.run([host.host_compiler().path, "-std=c++17", "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-pthread",
              "-Wall", "-Wextra", "-Werror", "-I", str(simbuild.include_dir()), str(src), "-o", str(out),
              f"-L{simdir}", "-l:libascendcl_sim.so", f"-Wl,-rpath,{simdir}"], "compiling the test kernels")
    return out


# ------------------------------------------------------------------- helpers


def code(lib: AclLib, name: str, *args: object) -> int:
    """The raw aclError of a call (and drain the thread's message)."""
    rc = int(lib.fn(name)(*args))
    lib.recent_error_message()
    return rc


def live(lib: AclLib) -> int:
    return int(lib.fn("ascendpySimLiveAllocations")())


def malloc(lib: AclLib, n: int, policy: int = MallocPolicy.HUGE_FIRST) -> c_void_p:
    p = c_void_p()
    lib.call("aclrtMalloc", byref(p), n, int(policy))
    return p


def to_device(lib: AclLib, arr: np.ndarray) -> c_void_p:
    p = malloc(lib, arr.nbytes)
    lib.call("aclrtMemcpy", p, arr.nbytes, arr.ctypes.data_as(c_void_p), arr.nbytes, H2D)
    return p


def from_device(lib: AclLib, p: c_void_p, like: np.ndarray) -> np.ndarray:
    out = np.empty_like(like)
    lib.call("aclrtMemcpy", out.ctypes.data_as(c_void_p), out.nbytes, p, out.nbytes, D2H)
    return out


def new_stream(lib: AclLib) -> c_void_p:
    s = c_void_p()
    lib.call("aclrtCreateStream", byref(s))
    return s


def new_event(lib: AclLib, flag: int | None = None) -> c_void_p:
    e = c_void_p()
    if flag is None:
        lib.call("aclrtCreateEvent", byref(e))
    else:
        lib.call("aclrtCreateEventWithFlag", byref(e), flag)
    return e


def load(lib: AclLib, path: Path) -> c_void_p:
    b = c_void_p()
    lib.call("aclrtBinaryLoadFromFile", str(path).encode(), None, byref(b))
    return b


def function(lib: AclLib, binary: c_void_p, name: str) -> c_void_p:
    f = c_void_p()
    lib.call("aclrtBinaryGetFunction", binary, name.encode(), byref(f))
    return f


def make_args(lib: AclLib, func: c_void_p, params: list[ctypes._SimpleCData]) -> c_void_p:
    args = c_void_p()
    lib.call("aclrtKernelArgsInit", func, byref(args))
    for value in params:
        lib.call("aclrtKernelArgsAppend", args, byref(value), ctypes.sizeof(value), byref(c_void_p()))
    lib.call("aclrtKernelArgsFinalize", args)
    return args


def launch(lib: AclLib, func: c_void_p, blocks: int, stream: c_void_p | None,
           params: list[ctypes._SimpleCData]) -> None:
    lib.call("aclrtLaunchKernelWithConfig", func, blocks, stream, None, make_args(lib, func, params), None)


def scale_params(x: c_void_p, y: c_void_p, a: float, n: int) -> list[ctypes._SimpleCData]:
    return [c_uint64(x.value or 0), c_uint64(y.value or 0), c_float(a), c_uint32(n)]


# ------------------------------------------------------------ init, devices


def test_init_finalize_codes(fresh: AclLib, tmp_path: Path) -> None:
    lib = fresh
    assert code(lib, "aclrtSetDevice", 0) == _acl.ERROR_CODES["ACL_ERROR_UNINITIALIZE"]
    assert code(lib, "aclFinalize") == _acl.ERROR_CODES["ACL_ERROR_REPEAT_FINALIZE"] == 100037
    assert code(lib, "aclInit", b"/nonexistent/acl.json") == _acl.ERROR_CODES["ACL_ERROR_INVALID_FILE"]
    cfg = tmp_path / "acl.json"
    cfg.write_text("{}")
    assert code(lib, "aclInit", str(cfg).encode()) == 0
    with pytest.raises(AclParamError) as info:
        lib.call("aclInit", None)
    err = info.value
    assert (err.code, err.name, err.function) == (100002, "ACL_ERROR_REPEAT_INITIALIZE", "aclInit")
    assert "aclFinalize" in err.message and "ACL_ERROR_REPEAT_INITIALIZE (100002)" in str(err)
    assert lib.fn("aclrtGetSocName")() == b"Ascend910B3"
    lib.call("aclFinalize")
    assert lib.fn("aclrtGetSocName")() is None
    lib.call("aclInit", None)  # the simulator allows a new aclInit after aclFinalize
    major, minor, patch = c_int32(), c_int32(), c_int32()
    lib.call("aclrtGetVersion", byref(major), byref(minor), byref(patch))
    assert major.value >= 1


@pytest.mark.parametrize("soc, ai, vec, ub, l2, hbm", [
    ("Ascend910B3", 20, 40, 192 * 1024, 192 << 20, 64 << 30),
    ("Ascend310P3", 8, 7, 256 * 1024, 16 << 20, 24 << 30),
])
def test_soc_and_device_count(fresh: AclLib, monkeypatch: pytest.MonkeyPatch, soc: str, ai: int, vec: int, ub: int,
                              l2: int, hbm: int) -> None:
    lib = fresh
    monkeypatch.setenv("ASCENDPY_SIM_SOC", soc)
    monkeypatch.setenv("ASCENDPY_SIM_DEVICES", "3")
    lib.call("aclInit", None)
    n = c_uint32()
    lib.call("aclrtGetDeviceCount", byref(n))
    assert n.value == 3
    assert lib.fn("aclrtGetSocName")().decode() == soc
    assert lib.fn("__ascendpy_sim_soc_name")().decode() == soc
    assert lib.fn("__ascendpy_sim_ub_bytes")() == ub
    value = c_int64()
    for dev in range(3):
        for info, want in [(_acl.DeviceInfo.AI_CORE_NUM, ai), (_acl.DeviceInfo.VECTOR_CORE_NUM, vec),
                           (_acl.DeviceInfo.L2_SIZE, l2)]:
            lib.call("aclGetDeviceCapability", dev, info, byref(value))
            assert value.value == want
        lib.call("aclrtGetDeviceInfo", dev, _acl.DevAttr.UBUF_PER_VECTOR_CORE, byref(value))
        assert value.value == ub
    with pytest.raises(AclRuntimeParamError) as info:
        lib.call("aclGetDeviceCapability", 3, 0, byref(value))
    assert info.value.name == "ACL_ERROR_RT_INVALID_DEVICEID" and "0..2" in info.value.message
    with pytest.raises(AclRuntimeParamError, match="ACL_ERROR_RT_INVALID_DEVICEID"):
        lib.call("aclrtSetDevice", -1)
    with pytest.raises(AclRuntimeParamError, match="ACL_ERROR_RT_CONTEXT_NULL"):
        lib.call("aclrtGetDevice", byref(c_int32()))
    lib.call("aclrtSetDevice", 2)
    dev_id = c_int32()
    lib.call("aclrtGetDevice", byref(dev_id))
    assert dev_id.value == 2
    free, total = c_size_t(), c_size_t()
    lib.call("aclrtGetMemInfo", _acl.MemAttr.HBM_MEM, byref(free), byref(total))
    assert total.value == hbm and free.value == hbm


def test_bad_environment_fails_init(fresh: AclLib, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend999X")
    with pytest.raises(AclParamError) as info:
        fresh.call("aclInit", None)
    assert "Ascend999X" in info.value.message
    for name in ("Ascend310P1", "Ascend310P3", "Ascend910B1", "Ascend910B2", "Ascend910B2C", "Ascend910B3",
                 "Ascend910B4", "Ascend910_9392"):
        assert name in info.value.message
    monkeypatch.delenv("ASCENDPY_SIM_SOC")
    monkeypatch.setenv("ASCENDPY_SIM_DEVICES", "zero")
    with pytest.raises(AclParamError, match="ASCENDPY_SIM_DEVICES"):
        fresh.call("aclInit", None)


# ------------------------------------------------------------------- memory


def test_memcpy_round_trip_every_kind(acl: AclLib, rng: np.random.Generator) -> None:
    lib = acl
    n = 4099
    data = rng.integers(0, 256, n, dtype=np.uint8)
    host_ptr = data.ctypes.data_as(c_void_p)
    bufs = [malloc(lib, n) for _ in range(4)]
    a, b, c, d = bufs

    def check(p: c_void_p) -> None:
        np.testing.assert_array_equal(from_device(lib, p, data), data)

    lib.call("aclrtMemcpy", a, n, host_ptr, n, H2D)
    check(a)
    lib.call("aclrtMemcpy", b, n, a, n, D2D)
    check(b)
    lib.call("aclrtMemcpy", c, n, host_ptr, n, MemcpyKind.HOST_TO_BUF_TO_DEVICE)
    check(c)
    lib.call("aclrtMemcpy", d, n, c, n, MemcpyKind.INNER_DEVICE_TO_DEVICE)
    check(d)
    out = np.zeros_like(data)
    lib.call("aclrtMemcpy", out.ctypes.data_as(c_void_p), n, host_ptr, n, MemcpyKind.HOST_TO_HOST)
    np.testing.assert_array_equal(out, data)
    # DEFAULT infers the direction from the pointers.
    other = rng.integers(0, 256, n, dtype=np.uint8)
    lib.call("aclrtMemcpy", a, n, other.ctypes.data_as(c_void_p), n, MemcpyKind.DEFAULT)
    lib.call("aclrtMemcpy", b, n, a, n, MemcpyKind.DEFAULT)
    out = np.zeros_like(data)
    lib.call("aclrtMemcpy", out.ctypes.data_as(c_void_p), n, b, n, MemcpyKind.DEFAULT)
    np.testing.assert_array_equal(out, other)
    # Across devices.
    lib.call("aclrtSetDevice", 1)
    remote = malloc(lib, n)
    lib.call("aclrtSetDevice", 0)
    lib.call("aclrtMemcpy", remote, n, c, n, MemcpyKind.INTER_DEVICE_TO_DEVICE)
    check(remote)
    with pytest.raises(AclParamError, match="INNER_DEVICE_TO_DEVICE copies within one device"):
        lib.call("aclrtMemcpy", remote, n, c, n, MemcpyKind.INNER_DEVICE_TO_DEVICE)
    # Asynchronous copies, through page-locked host memory too.
    stream = new_stream(lib)
    pinned = c_void_p()
    lib.call("aclrtMallocHost", byref(pinned), n)
    ctypes.memmove(pinned, host_ptr, n)
    lib.call("aclrtMemsetAsync", a, n, 0, n, stream)
    lib.call("aclrtMemcpyAsync", a, n, pinned, n, H2D, stream)
    lib.call("aclrtMemcpyAsync", b, n, a, n, D2D, stream)
    lib.call("aclrtMemcpyAsync", remote, n, b, n, MemcpyKind.INTER_DEVICE_TO_DEVICE, stream)
    got = np.zeros_like(data)
    lib.call("aclrtMemcpyAsync", got.ctypes.data_as(c_void_p), n, remote, n, D2H, stream)
    lib.call("aclrtSynchronizeStream", stream)
    np.testing.assert_array_equal(got, data)
    lib.call("aclrtFreeHost", pinned)
    lib.call("aclrtDestroyStream", stream)
    for p in [*bufs, remote]:
        lib.call("aclrtFree", p)
    assert live(lib) == 0 and lib.fn("ascendpySimLiveBytes")() == 0
    assert lib.fn("ascendpySimLiveHostAllocations")() == 0


def test_invalid_memcpy(acl: AclLib) -> None:
    lib = acl
    host_buf = np.zeros(256, dtype=np.uint8)
    h = host_buf.ctypes.data_as(c_void_p)
    p = malloc(lib, 128)
    with pytest.raises(AclParamError) as info:
        lib.call("aclrtMemcpy", p, 64, h, 100, H2D)
    assert info.value.function == "aclrtMemcpy" and "count 100 exceeds destMax 64" in info.value.message
    with pytest.raises(AclParamError, match=r"runs past the end of its device allocation of 128 bytes"):
        lib.call("aclrtMemcpy", c_void_p(p.value + 100), 256, h, 29, H2D)
    with pytest.raises(AclParamError, match="src .* is device memory"):
        lib.call("aclrtMemcpy", p, 128, p, 16, H2D)
    with pytest.raises(AclParamError, match="dst is NULL"):
        lib.call("aclrtMemcpy", None, 16, h, 16, H2D)
    with pytest.raises(AclParamError, match="kind 9 is not an aclrtMemcpyKind"):
        lib.call("aclrtMemcpy", p, 16, h, 16, 9)
    with pytest.raises(AclParamError, match="not inside a live device allocation"):
        lib.call("aclrtMemcpy", h, 16, h, 16, D2H)
    q = malloc(lib, 256)
    with pytest.raises(AclRuntimeParamError) as info:
        lib.call("aclrtMemcpyAsync", c_void_p(q.value + 8), 64, p, 64, D2D, None)
    assert info.value.name == "ACL_ERROR_RT_ADDR_UNALIGNED" and "64-byte aligned" in info.value.message
    lib.call("aclrtFree", p)
    with pytest.raises(AclParamError, match="not inside a live device allocation"):
        lib.call("aclrtMemcpy", h, 16, p, 16, D2H)
    with pytest.raises(AclParamError, match="not a live device allocation"):
        lib.call("aclrtFree", p)
    with pytest.raises(AclParamError, match="bytes into the allocation"):
        lib.call("aclrtFree", c_void_p(q.value + 32))
    with pytest.raises(AclParamError, match="count 300 exceeds maxCount 256"):
        lib.call("aclrtMemset", q, 256, 0, 300)
    lib.call("aclrtFree", q)
    assert live(lib) == 0


def test_every_malloc_policy(acl: AclLib) -> None:
    lib = acl
    policies = [int(p) for p in MallocPolicy]
    policies += [MallocPolicy.HUGE_ONLY | MallocPolicy.HIGH_BAND_WIDTH,
                 MallocPolicy.NORMAL_ONLY_P2P | MallocPolicy.LOW_BAND_WIDTH | MallocPolicy.ACCESS_USER_SPACE_READONLY]
    free0, total = c_size_t(), c_size_t()
    lib.call("aclrtGetMemInfo", _acl.MemAttr.HBM_MEM, byref(free0), byref(total))
    ptrs = []
    for policy in policies:
        ptrs.append(malloc(lib, 1000, policy))
        p = c_void_p()
        lib.call("aclrtMallocAlign32", byref(p), 1000, policy)
        ptrs.append(p)
        assert ptrs[-2].value % 64 == 0 and ptrs[-1].value % 32 == 0
    assert live(lib) == 2 * len(policies) and lib.fn("ascendpySimLiveBytes")() == 2000 * len(policies)
    free1 = c_size_t()
    lib.call("aclrtGetMemInfo", _acl.MemAttr.HBM_MEM, byref(free1), byref(total))
    # aclrtMalloc rounds to 32 bytes and adds 32 more; aclrtMallocAlign32 only rounds.
    assert free0.value - free1.value == len(policies) * ((1024 + 32) + 1024)
    for bad in (8, 0x200, int(MallocPolicy.LOW_BAND_WIDTH | MallocPolicy.HIGH_BAND_WIDTH), -1):
        with pytest.raises(AclParamError, match="not an aclrtMemMallocPolicy"):
            malloc(lib, 64, bad)
    with pytest.raises(AclParamError, match="size is 0"):
        malloc(lib, 0)
    for p in ptrs:
        lib.call("aclrtFree", p)
    assert live(lib) == 0 and lib.fn("ascendpySimLiveBytes")() == 0


def test_memset(acl: AclLib, rng: np.random.Generator) -> None:
    lib = acl
    data = rng.integers(0, 256, 300, dtype=np.uint8)
    p = to_device(lib, data)
    lib.call("aclrtMemset", c_void_p(p.value + 10), 290, 0x5A, 100)
    want = data.copy()
    want[10:110] = 0x5A
    np.testing.assert_array_equal(from_device(lib, p, data), want)
    lib.call("aclrtFree", p)


# ------------------------------------------------------------------- kernels


@pytest.mark.parametrize("blocks", [1, 3, 48])
def test_kernel_launch(acl: AclLib, kernel_lib: Path, rng: np.random.Generator, blocks: int) -> None:
    lib = acl
    n = 1000
    x = rng.standard_normal(n).astype(np.float32)
    a = np.float32(rng.uniform(-3, 3))
    dx, dy = to_device(lib, x), malloc(lib, x.nbytes)
    binary = load(lib, kernel_lib)
    scale = function(lib, binary, "scale")
    assert function(lib, binary, "scale").value == scale.value  # one handle per kernel
    stream = new_stream(lib)
    launch(lib, scale, blocks, stream, scale_params(dx, dy, float(a), n))
    lib.call("aclrtSynchronizeStream", stream)
    np.testing.assert_array_equal(from_device(lib, dy, x), a * x)
    # Every block ran exactly once, with the right index and count.
    who = malloc(lib, 8 * blocks)
    launch(lib, function(lib, binary, "whoami"), blocks, stream, [c_uint64(who.value)])
    lib.call("aclrtSynchronizeStream", stream)
    ids = from_device(lib, who, np.zeros(blocks, dtype=np.int64))
    np.testing.assert_array_equal(ids, np.arange(blocks) * 100000 + blocks)
    lib.call("aclrtBinaryUnLoad", binary)
    lib.call("aclrtDestroyStream", stream)
    for p in (dx, dy, who):
        lib.call("aclrtFree", p)
    assert live(lib) == 0 and lib.fn("ascendpySimLiveHandles")() == 0


def test_kernel_fault_is_reported_once_and_stream_survives(acl: AclLib, kernel_lib: Path,
                                                           rng: np.random.Generator) -> None:
    lib = acl
    n = 999
    x = rng.standard_normal(n).astype(np.float32)
    dx, dy = to_device(lib, x), malloc(lib, x.nbytes)
    binary = load(lib, kernel_lib)
    stream = new_stream(lib)
    launch(lib, function(lib, binary, "scale_fault"), 5, stream, scale_params(dx, dy, 2.0, n))
    with pytest.raises(KernelExecutionError) as info:
        lib.call("aclrtSynchronizeStream", stream)
    err = info.value
    assert err.code == 507035 and err.name == "ACL_ERROR_RT_VECTOR_CORE_EXCEPTION"
    assert err.message == "kernel 'scale_fault' block 2: division_by_zero: x / 0 at element 7"
    lib.call("aclrtSynchronizeStream", stream)  # reported once
    launch(lib, function(lib, binary, "scale"), 5, stream, scale_params(dx, dy, -0.5, n))
    lib.call("aclrtSynchronizeStream", stream)
    np.testing.assert_array_equal(from_device(lib, dy, x), np.float32(-0.5) * x)
    # Any C++ exception is a fault too, named by its type; SynchronizeDevice reports it as well.
    launch(lib, function(lib, binary, "std_throw"), 2, stream, [])
    with pytest.raises(KernelExecutionError, match=r"kernel 'std_throw' block 0: std::out_of_range: index 9"):
        lib.call("aclrtSynchronizeDevice")
    lib.call("aclrtSynchronizeDevice")
    lib.call("aclrtBinaryUnLoad", binary)
    lib.call("aclrtDestroyStream", stream)
    lib.call("aclrtFree", dx)
    lib.call("aclrtFree", dy)


def test_launch_argument_errors(acl: AclLib, kernel_lib: Path) -> None:
    lib = acl
    binary = load(lib, kernel_lib)
    scale = function(lib, binary, "scale")
    with pytest.raises(AclRuntimeInternalError) as info:
        function(lib, binary, "scael")
    assert info.value.name == "ACL_ERROR_RT_KERNEL_LOOKUP"
    assert "no kernel 'scael'" in info.value.message and "it has: scale, scale_fault, std_throw" in info.value.message
    args = c_void_p()
    lib.call("aclrtKernelArgsInit", scale, byref(args))
    ph = c_void_p()
    lib.call("aclrtKernelArgsAppend", args, byref(c_uint64(0)), 8, byref(ph))
    lib.call("aclrtKernelArgsAppend", args, byref(c_uint64(0)), 8, byref(ph))
    with pytest.raises(AclParamError, match="parameter 2 of kernel 'scale' is 4 bytes, but paramSize is 8"):
        lib.call("aclrtKernelArgsAppend", args, byref(c_uint64(0)), 8, byref(ph))
    with pytest.raises(AclParamError, match="takes 4 parameter"):
        lib.call("aclrtKernelArgsFinalize", args)
    with pytest.raises(AclParamError, match="not finalized"):
        lib.call("aclrtLaunchKernelWithConfig", scale, 1, None, None, args, None)
    lib.call("aclrtKernelArgsAppend", args, byref(c_float(1)), 4, byref(ph))
    lib.call("aclrtKernelArgsAppend", args, byref(c_uint32(0)), 4, byref(ph))
    with pytest.raises(AclParamError, match="parameter 4 is one too many"):
        lib.call("aclrtKernelArgsAppend", args, byref(c_uint32(0)), 4, byref(ph))
    lib.call("aclrtKernelArgsFinalize", args)
    for bad in (0, 65536):
        with pytest.raises(AclParamError, match=rf"numBlocks {bad} is outside \[1, 65535\]"):
            lib.call("aclrtLaunchKernelWithConfig", scale, bad, None, None, args, None)
    nap = function(lib, binary, "nap")
    with pytest.raises(AclParamError, match="made for kernel 'scale', not for 'nap'"):
        lib.call("aclrtLaunchKernelWithConfig", nap, 1, None, None, args, None)
    attr = _acl.LaunchKernelAttr(id=_acl.LaunchKernelAttrId.SCHEM_MODE)
    cfg = _acl.LaunchKernelCfg(attrs=ctypes.pointer(attr), numAttrs=1)
    attr.id = 42
    with pytest.raises(AclParamError, match="not an aclrtLaunchKernelAttrId"):
        lib.call("aclrtLaunchKernelWithConfig", scale, 4, None, byref(cfg), args, None)
    attr.id = _acl.LaunchKernelAttrId.SCHEM_MODE
    lib.call("aclrtLaunchKernelWithConfig", scale, 4, None, byref(cfg), args, None)  # n = 0: touches nothing
    lib.call("aclrtSynchronizeStream", None)
    # aclrtKernelArgsInit memory is system-managed: the launch consumed the handle.
    with pytest.raises(AclRuntimeParamError, match="not a live kernel args"):
        lib.call("aclrtLaunchKernelWithConfig", scale, 4, None, byref(cfg), args, None)
    lib.call("aclrtBinaryUnLoad", binary)
    with pytest.raises(AclRuntimeParamError, match="not a live function"):
        lib.call("aclrtLaunchKernelWithConfig", scale, 1, None, None, args, None)
    with pytest.raises(AclRuntimeParamError, match="not a live binary"):
        function(lib, binary, "scale")
    with pytest.raises(AclParamError, match="ACL_ERROR_INVALID_FILE"):
        load(lib, kernel_lib.with_name("missing.so"))
    with pytest.raises(AclParamError, match="does not export __ascendpy_kernel_names"):
        load(lib, lib.path)


def test_placeholder_argument(acl: AclLib, kernel_lib: Path, rng: np.random.Generator) -> None:
    lib = acl
    n = 77
    x = rng.standard_normal(n).astype(np.float32)
    dx, dy = to_device(lib, x), malloc(lib, x.nbytes)
    binary = load(lib, kernel_lib)
    tiled = function(lib, binary, "scale_tiled")
    args = c_void_p()
    lib.call("aclrtKernelArgsInit", tiled, byref(args))
    for p in (dx, dy):
        lib.call("aclrtKernelArgsAppend", args, byref(c_uint64(p.value)), 8, byref(c_void_p()))
    ph = c_void_p()
    lib.call("aclrtKernelArgsAppendPlaceHolder", args, byref(ph))
    with pytest.raises(AclParamError, match="has no data"):
        lib.call("aclrtKernelArgsFinalize", args)
    buf = c_void_p()
    lib.call("aclrtKernelArgsGetPlaceHolderBuffer", args, ph, 8, byref(buf))
    ctypes.memmove(buf, np.array([3.0], np.float32).tobytes() + np.array([n], np.uint32).tobytes(), 8)
    lib.call("aclrtKernelArgsFinalize", args)
    lib.call("aclrtLaunchKernelWithConfig", tiled, 3, None, None, args, None)
    lib.call("aclrtSynchronizeStream", None)
    np.testing.assert_array_equal(from_device(lib, dy, x), np.float32(3.0) * x)
    lib.call("aclrtBinaryUnLoad", binary)
    lib.call("aclrtFree", dx)
    lib.call("aclrtFree", dy)
    assert live(lib) == 0


def test_finalize_drains_queued_work(acl: AclLib, kernel_lib: Path) -> None:
    """aclFinalize with launches still queued (one with a placeholder) waits for them and releases everything."""
    lib = acl
    dx, dy = to_device(lib, np.ones(64, np.float32)), malloc(lib, 256)
    binary = load(lib, kernel_lib)
    stream = new_stream(lib)
    launch(lib, function(lib, binary, "nap"), 1, stream, [c_uint32(40)])
    tiled = function(lib, binary, "scale_tiled")
    args = c_void_p()
    lib.call("aclrtKernelArgsInit", tiled, byref(args))
    for p in (dx, dy):
        lib.call("aclrtKernelArgsAppend", args, byref(c_uint64(p.value)), 8, byref(c_void_p()))
    ph, buf = c_void_p(), c_void_p()
    lib.call("aclrtKernelArgsAppendPlaceHolder", args, byref(ph))
    lib.call("aclrtKernelArgsGetPlaceHolderBuffer", args, ph, 8, byref(buf))
    ctypes.memmove(buf, np.array([2.0], np.float32).tobytes() + np.array([64], np.uint32).tobytes(), 8)
    lib.call("aclrtKernelArgsFinalize", args)
    lib.call("aclrtLaunchKernelWithConfig", tiled, 4, stream, None, args, None)
    lib.call("aclFinalize")
    assert live(lib) == 0 and lib.fn("ascendpySimLiveHandles")() == 0
    lib.call("aclInit", None)
    assert live(lib) == 0


def test_launch_with_arguments_in_device_memory(acl: AclLib, kernel_lib: Path, rng: np.random.Generator) -> None:
    """aclrtLaunchKernel reads the argument block from device memory when the launch runs, in stream order."""
    lib = acl
    n = 300
    x = rng.standard_normal(n).astype(np.float32)
    dx, dy = to_device(lib, x), malloc(lib, x.nbytes)
    blob = (np.array([dx.value, dy.value], np.uint64).tobytes() + np.array([0.25], np.float32).tobytes()
            + np.array([n], np.uint32).tobytes())
    host_args = np.frombuffer(blob, np.uint8).copy()
    dargs = malloc(lib, 64)
    binary = load(lib, kernel_lib)
    scale = function(lib, binary, "scale")
    stream = new_stream(lib)
    lib.call("aclrtMemcpyAsync", dargs, 64, host_args.ctypes.data_as(c_void_p), len(blob), H2D, stream)
    lib.call("aclrtLaunchKernel", scale, 6, dargs, len(blob), stream)
    lib.call("aclrtSynchronizeStream", stream)
    np.testing.assert_array_equal(from_device(lib, dy, x), np.float32(0.25) * x)
    with pytest.raises(AclParamError, match="smaller than the 24-byte arguments"):
        lib.call("aclrtLaunchKernel", scale, 1, dargs, 16, stream)
    with pytest.raises(AclParamError, match="argsData .* is not inside a live device allocation"):
        lib.call("aclrtLaunchKernel", scale, 1, host_args.ctypes.data_as(c_void_p), len(blob), stream)
    base, size = c_void_p(), c_uint64()
    assert lib.fn("ascendpySimDeviceRange")(c_void_p(dx.value + 100), byref(base), byref(size)) == 1
    assert (base.value, size.value) == (dx.value, x.nbytes)
    assert lib.fn("ascendpySimDeviceRange")(c_void_p(dx.value + x.nbytes), None, None) == 0
    lib.call("aclrtDestroyStream", stream)
    lib.call("aclrtBinaryUnLoad", binary)
    for p in (dx, dy, dargs):
        lib.call("aclrtFree", p)


def test_freeing_buffers_of_a_queued_launch_is_safe(acl: AclLib, kernel_lib: Path) -> None:
    lib = acl
    n = 4096
    dx, dy = to_device(lib, np.ones(n, np.float32)), malloc(lib, 4 * n)
    binary = load(lib, kernel_lib)
    stream = new_stream(lib)
    launch(lib, function(lib, binary, "nap"), 1, stream, [c_uint32(50)])
    launch(lib, function(lib, binary, "scale"), 8, stream, scale_params(dx, dy, 2.0, n))
    lib.call("aclrtFree", dx)
    lib.call("aclrtFree", dy)
    lib.call("aclrtBinaryUnLoad", binary)  # the queued launch keeps the library loaded
    assert live(lib) == 0
    lib.call("aclrtSynchronizeStream", stream)
    lib.call("aclrtDestroyStream", stream)


# ------------------------------------------------------------ streams, events


def test_events_and_elapsed_time(acl: AclLib, kernel_lib: Path, rng: np.random.Generator) -> None:
    lib = acl
    binary = load(lib, kernel_lib)
    s1, s2 = new_stream(lib), new_stream(lib)
    start, end, done = new_event(lib), new_event(lib), new_event(lib, _acl.EventFlag.SYNC)
    status = c_int()
    lib.call("aclrtQueryEventStatus", end, byref(status))
    assert status.value == _acl.EventRecordedStatus.NOT_READY
    n = 500
    x = rng.standard_normal(n).astype(np.float32)
    dx, dy = to_device(lib, x), malloc(lib, x.nbytes)
    lib.call("aclrtRecordEvent", start, s1)
    launch(lib, function(lib, binary, "nap"), 1, s1, [c_uint32(60)])
    launch(lib, function(lib, binary, "scale"), 4, s1, scale_params(dx, dy, 1.5, n))
    lib.call("aclrtRecordEvent", end, s1)
    lib.call("aclrtRecordEvent", done, s1)
    # s2 copies y only after s1 has written it.
    lib.call("aclrtStreamWaitEvent", s2, done)
    got = np.zeros_like(x)
    lib.call("aclrtMemcpyAsync", got.ctypes.data_as(c_void_p), got.nbytes, dy, got.nbytes, D2H, s2)
    lib.call("aclrtSynchronizeStream", s2)
    np.testing.assert_array_equal(got, np.float32(1.5) * x)
    lib.call("aclrtSynchronizeEvent", end)
    lib.call("aclrtQueryEventStatus", end, byref(status))
    assert status.value == _acl.EventRecordedStatus.COMPLETE
    ms = c_float()
    lib.call("aclrtEventElapsedTime", byref(ms), start, end)
    assert 55.0 <= ms.value < 5000.0
    with pytest.raises(AclRuntimeParamError, match="ACL_EVENT_TIME_LINE"):
        lib.call("aclrtEventElapsedTime", byref(ms), start, done)
    never = new_event(lib, _acl.EventFlag.TIME_LINE)
    with pytest.raises(AclRuntimeInternalError, match="never recorded"):
        lib.call("aclrtEventElapsedTime", byref(ms), start, never)
    with pytest.raises(AclParamError, match="not ACL_EVENT_"):
        new_event(lib, 0x4)
    for e in (start, end, done, never):
        lib.call("aclrtDestroyEvent", e)
    for s in (s1, s2):
        lib.call("aclrtDestroyStream", s)
    lib.call("aclrtBinaryUnLoad", binary)
    lib.call("aclrtFree", dx)
    lib.call("aclrtFree", dy)
    assert lib.fn("ascendpySimLiveHandles")() == 0


def test_sync_with_timeout_honours_it(acl: AclLib, kernel_lib: Path) -> None:
    lib = acl
    binary = load(lib, kernel_lib)
    stream = new_stream(lib)
    launch(lib, function(lib, binary, "nap"), 1, stream, [c_uint32(400)])
    t0 = time.monotonic()
    with pytest.raises(AclRuntimeInternalError) as info:
        lib.call("aclrtSynchronizeStreamWithTimeout", stream, 20)
    assert time.monotonic() - t0 < 0.3
    assert info.value.name == "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT" and "unfinished task" in info.value.message
    assert not isinstance(info.value, KernelExecutionError)
    with pytest.raises(AclRuntimeInternalError, match="ACL_ERROR_RT_STREAM_SYNC_TIMEOUT"):
        lib.call("aclrtSynchronizeStreamWithTimeout", stream, 0)
    lib.call("aclrtSynchronizeStreamWithTimeout", stream, -1)
    lib.call("aclrtSynchronizeStreamWithTimeout", stream, 0)
    with pytest.raises(AclParamError, match="timeout -2 ms is invalid"):
        lib.call("aclrtSynchronizeStreamWithTimeout", stream, -2)
    # Destroying a stream waits for its queued work.
    launch(lib, function(lib, binary, "nap"), 1, stream, [c_uint32(80)])
    t0 = time.monotonic()
    lib.call("aclrtDestroyStream", stream)
    assert time.monotonic() - t0 >= 0.07
    lib.call("aclrtBinaryUnLoad", binary)


def test_stream_shared_by_four_threads(acl: AclLib, kernel_lib: Path) -> None:
    lib = acl
    ctx = c_void_p()
    lib.call("aclrtGetCurrentContext", byref(ctx))
    shared = new_stream(lib)
    binary = load(lib, kernel_lib)
    scale = function(lib, binary, "scale")
    errors: list[BaseException] = []
    seeds = np.random.SeedSequence().spawn(4)

    def worker(i: int) -> None:
        try:
            rng = np.random.default_rng(seeds[i])
            lib.call("aclrtSetCurrentContext", ctx)  # the current context is per thread
            own = new_stream(lib)
            n = 257 + 31 * i
            dx, dy = malloc(lib, 4 * n), malloc(lib, 4 * n)
            for it in range(15):
                stream = shared if it % 2 == 0 else own
                x = rng.standard_normal(n).astype(np.float32)
                a = float(np.float32(rng.uniform(-2, 2)))
                lib.call("aclrtMemcpyAsync", dx, 4 * n, x.ctypes.data_as(c_void_p), 4 * n, H2D, stream)
                launch(lib, scale, 1 + (it % 7), stream, scale_params(dx, dy, a, n))
                y = np.empty_like(x)
                lib.call("aclrtMemcpyAsync", y.ctypes.data_as(c_void_p), 4 * n, dy, 4 * n, D2H, stream)
                lib.call("aclrtSynchronizeStream", stream)
                np.testing.assert_array_equal(y, np.float32(a) * x)
            lib.call("aclrtDestroyStream", own)
            lib.call("aclrtFree", dx)
            lib.call("aclrtFree", dy)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    lib.call("aclrtDestroyStream", shared)
    lib.call("aclrtBinaryUnLoad", binary)
    assert live(lib) == 0 and lib.fn("ascendpySimLiveHandles")() == 0


def test_stale_and_foreign_handles(acl: AclLib) -> None:
    lib = acl
    stream = new_stream(lib)
    event = new_event(lib)
    with pytest.raises(AclRuntimeParamError, match="is a live event handle, not a stream handle"):
        lib.call("aclrtSynchronizeStream", event)
    lib.call("aclrtDestroyStream", stream)
    with pytest.raises(AclRuntimeParamError) as info:
        lib.call("aclrtSynchronizeStream", stream)
    assert info.value.name == "ACL_ERROR_RT_PARAM_INVALID" and "not a live stream" in info.value.message
    with pytest.raises(AclRuntimeParamError, match="not a live stream"):
        lib.call("aclrtDestroyStream", stream)
    with pytest.raises(AclParamError, match="stream handle is NULL"):
        lib.call("aclrtDestroyStream", None)
    with pytest.raises(AclRuntimeParamError, match="not a live stream"):
        lib.call("aclrtSynchronizeStream", c_void_p(0xDEADBEEF0))
    default_ctx = c_void_p()
    lib.call("aclrtGetCurrentContext", byref(default_ctx))
    with pytest.raises(AclParamError, match="default context of device 0"):
        lib.call("aclrtDestroyContext", default_ctx)
    ctx = c_void_p()
    lib.call("aclrtCreateContext", byref(ctx), 1)
    dev = c_int32()
    lib.call("aclrtGetDevice", byref(dev))
    assert dev.value == 1
    lib.call("aclrtDestroyContext", ctx)
    with pytest.raises(AclRuntimeParamError, match="ACL_ERROR_RT_CONTEXT_NULL"):
        new_stream(lib)
    with pytest.raises(AclRuntimeParamError, match="not a live context"):
        lib.call("aclrtSetCurrentContext", ctx)
    lib.call("aclrtSetCurrentContext", default_ctx)
    lib.call("aclrtDestroyEvent", event)

    # A thread that never set a context has none.
    result: list[BaseException | None] = []

    def no_context() -> None:
        try:
            new_stream(lib)
            result.append(None)
        except BaseException as exc:  # noqa: BLE001
            result.append(exc)

    t = threading.Thread(target=no_context)
    t.start()
    t.join()
    assert isinstance(result[0], AclRuntimeParamError) and "no current context" in result[0].message


def test_reset_device_releases_its_resources(acl: AclLib) -> None:
    lib = acl
    lib.call("aclrtSetDevice", 0)  # reference counted: two sets, two resets
    p = malloc(lib, 1 << 20)
    stream = new_stream(lib)
    event = new_event(lib)
    lib.call("aclrtResetDevice", 0)
    assert live(lib) == 1
    lib.call("aclrtSynchronizeStream", stream)
    lib.call("aclrtResetDevice", 0)
    assert live(lib) == 0 and lib.fn("ascendpySimLiveHandles")() == 0
    with pytest.raises(AclRuntimeParamError, match="not a live stream"):
        lib.call("aclrtSynchronizeStream", stream)
    with pytest.raises(AclRuntimeParamError, match="not a live event"):
        lib.call("aclrtRecordEvent", event, None)
    with pytest.raises(AclParamError, match="not a live device allocation"):
        lib.call("aclrtFree", p)
    base, size = c_void_p(), c_uint64()
    assert lib.fn("ascendpySimDeviceRange")(p, byref(base), byref(size)) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_forked_child_gets_a_fresh_simulator(acl: AclLib, kernel_lib: Path) -> None:
    """The parent's stream and pool threads do not exist in a child: it must fail cleanly, not hang."""
    lib = acl
    binary = load(lib, kernel_lib)
    stream = new_stream(lib)
    launch(lib, function(lib, binary, "nap"), 2, stream, [c_uint32(1)])
    lib.call("aclrtSynchronizeStream", stream)
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        status = 1
        try:
            if code(lib, "aclrtSynchronizeStream", stream) == _acl.ERROR_CODES["ACL_ERROR_UNINITIALIZE"]:
                lib.call("aclInit", None)
                lib.call("aclrtSetDevice", 0)
                x = np.arange(100, dtype=np.float32)
                dx, dy = to_device(lib, x), malloc(lib, x.nbytes)
                child_bin = load(lib, kernel_lib)
                launch(lib, function(lib, child_bin, "scale"), 3, None, scale_params(dx, dy, 2.0, 100))
                lib.call("aclrtSynchronizeStream", None)
                status = 0 if np.array_equal(from_device(lib, dy, x), 2 * x) else 2
        finally:
            os._exit(status)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung")
        time.sleep(0.01)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    lib.call("aclrtSynchronizeStream", stream)  # the parent is unaffected
    lib.call("aclrtDestroyStream", stream)
    lib.call("aclrtBinaryUnLoad", binary)


# ------------------------------------------------------- binding coverage


def test_symbols_and_constants_match_the_binding(lib: AclLib) -> None:
    missing = [n for n in [*_acl.PROTOTYPES, *_acl.SIM_EXTENSIONS] if not hasattr(lib.cdll, n)]
    assert not missing
    assert all(lib.has(n) for n in [*_acl.PROTOTYPES, *_acl.SIM_EXTENSIONS])
    compiled = dict(line.split("=") for line in lib.fn("ascendpySimConstants")().decode().split())
    assert len(compiled) > 80
    for name, value in compiled.items():
        if name.startswith("ACL_ERROR") or name == "ACL_SUCCESS":
            assert _acl.ERROR_CODES.get(name) == int(value), name
        else:
            assert _acl.C_CONSTANTS.get(name) == int(value), name
    # Every code of the reference's section 5.4 has a name, and a family.
    for name in ("ACL_ERROR_INVALID_PARAM", "ACL_ERROR_KERNEL_NOT_FOUND", "ACL_ERROR_REPEAT_FINALIZE",
                 "ACL_ERROR_FEATURE_UNSUPPORTED", "ACL_ERROR_STORAGE_OVER_LIMIT", "ACL_ERROR_PROFILING_FAILURE",
                 "ACL_ERROR_RT_ADDR_UNALIGNED", "ACL_ERROR_RT_DEVICE_OOM", "ACL_ERROR_RT_KERNEL_DUPLICATE",
                 "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT"):
        assert name in _acl.ERROR_CODES
    families = {100000: AclParamError, 200002: _acl.AclResourceError, 300000: _acl.AclStorageError,
                500001: _acl.AclInternalError, 107002: AclRuntimeParamError, 207001: _acl.AclRuntimeResourceError,
                507000: AclRuntimeInternalError}
    for c, cls in families.items():
        assert type(_acl.error_for(c, "f")) is cls
    for c in (507015, 507035, 507016, 507036, 507014, 507034):
        assert isinstance(_acl.error_for(c, "aclrtSynchronizeStream", "boom"), KernelExecutionError)
