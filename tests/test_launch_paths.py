"""The simulator's fast launch paths give what the ACL-call path gives.

- ascendpySimLaunch (one C call per launch, the runtime's path on the simulator) against
  aclrtKernelArgsInit / Append / SetExtent / Finalize / aclrtLaunchKernelWithConfig (the NPU's path):
  same results, same faults, same argument errors.
- TPipe arenas come from a per-thread cache: a reused arena reads as zeros, like a fresh one, whatever
  the blocks of earlier launches on the same thread wrote.
- A one-block launch runs on its stream's worker (no pool hand-off): order across streams and with
  multi-block launches, fault lines, and a usable process after a fault stay as they were.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader, Stream, std
from ascendpy.runtime.faults import GlobalMemoryFault, KernelFault
from ascendpy.std import Ptr, f16, f32, i32, u8, u32
from ascendpy.toolchain.compile import compile_file

HERE = Path(__file__).resolve()
WORDS = 4096  # tests/launch_cpp/arena.cpp's kWords
BUG_LINE = next(i for i, line in enumerate(HERE.read_text().splitlines(), 1) if line.endswith("# BUG read_past"))


@std.aiv_kernel
def mixed(x: Ptr[f32], y: Ptr[i32], a: f32, b: i32, h: f16, k: u8, n: u32):
    """Scalars of every width between the pointers: y[i] = x[i] * a + b + h + k, one range per block."""
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    lo = std.get_block_idx() * per
    hi = min(lo + per, n)
    for i in range(lo, hi):
        y[i] = std.i32(x[i] * a + f32(h)) + b + std.i32(k)


@std.aiv_kernel
def step(d: Ptr[i32], n: u32, double: u32):
    """d = 2 d (double != 0) or d + 1, one range per block: the order of steps decides the result."""
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    lo = std.get_block_idx() * per
    hi = min(lo + per, n)
    for i in range(lo, hi):
        if double != 0:
            d[i] = d[i] * 2
        else:
            d[i] = d[i] + 1


@std.aiv_kernel
def read_past(x: Ptr[f32], y: Ptr[f32], n: u32):
    for i in range(n):
        y[i] = x[i + 1]  # BUG read_past


@pytest.fixture(scope="module")
def loader() -> KernelLoader:
    import sys

    return KernelLoader.from_module(sys.modules[__name__])


@pytest.fixture(scope="module")
def arena() -> KernelLoader:
    return KernelLoader(compile_file(HERE.parent / "launch_cpp" / "arena.cpp"))


def acl_path(kernel, ctx) -> None:  # noqa: ANN001 - a Kernel
    """Make `kernel` launch through the ACL calls in `ctx` (as on the NPU), not ascendpySimLaunch."""
    kernel.loader._binary(ctx)._packers[kernel.name] = None


def one_call_path(kernel, ctx) -> bool:  # noqa: ANN001
    return kernel.loader._binary(ctx).packer(kernel) is not None


def mixed_args(rng: np.random.Generator, n: int) -> tuple[np.ndarray, float, int, float, int]:
    x = rng.uniform(-100, 100, n).astype(np.float32)
    return x, float(rng.uniform(-4, 4)), int(rng.integers(-1000, 1000)), float(np.float16(rng.uniform(-8, 8))), \
        int(rng.integers(0, 256))


def mixed_expected(x: np.ndarray, a: float, b: int, h: float, k: int) -> np.ndarray:
    return ((x * np.float32(a) + np.float32(h)).astype(np.int32) + np.int32(b) + np.int32(k)).astype(np.int32)


# ------------------------------------------------------------------ one call against the ACL calls
@pytest.mark.parametrize("blocks", [1, 3, 48])
def test_one_call_launch_matches_the_acl_calls(runtime, rng, loader, blocks):
    _, _, ctx, stream = runtime
    n = 1000
    x, a, b, h, k = mixed_args(rng, n)
    dx = DeviceBuffer.from_numpy(x)
    fast, slow = loader.get_kernel("mixed"), KernelLoader(loader.artifact).get_kernel("mixed")
    assert one_call_path(fast, ctx)
    acl_path(slow, ctx)
    outs = []
    for kernel in (fast, slow):
        dy = DeviceBuffer.from_numpy(np.full(n, -7, np.int32))
        kernel[blocks, stream](dx, dy, a, b, h, k, n)
        stream.synchronize()
        outs.append(dy.to_numpy())
    assert not one_call_path(slow, ctx)
    np.testing.assert_array_equal(outs[0], mixed_expected(x, a, b, h, k))
    np.testing.assert_array_equal(outs[0], outs[1])


def test_one_call_launch_bounds_views_like_the_acl_calls(runtime, rng, loader):
    """A view passed to a kernel bounds its accesses by its own elements on both paths (the extents)."""
    _, _, ctx, stream = runtime
    x = rng.standard_normal(64).astype(np.float32)
    base = DeviceBuffer.from_numpy(x)
    texts = []
    for kernel in (loader.get_kernel("read_past"), KernelLoader(loader.artifact).get_kernel("read_past")):
        if len(texts):
            acl_path(kernel, ctx)
        kernel[1, stream](base[8:24], DeviceBuffer.empty(np.float32, 16), 16)
        with pytest.raises(GlobalMemoryFault) as err:
            stream.synchronize()
        assert err.value.kind == "global_out_of_bounds"
        assert err.value.lineno == BUG_LINE
        texts.append(str(err.value))
    assert texts[0] == texts[1]
    assert "view" in texts[0] or "[8" in texts[0], texts[0]


def test_one_call_launch_refuses_what_the_acl_calls_refuse(runtime):
    """ascendpySimLaunch's own checks: a wrong struct size, an extent on a scalar, a bad block count."""
    from ascendpy.runtime._acl import AclParamError

    _, _, ctx, stream = runtime
    import sys

    kernel = KernelLoader.from_module(sys.modules[__name__]).get_kernel("step")
    binary = kernel.loader._binary(ctx)
    func = binary.function("step")
    packer = binary.packer(kernel)
    lib = ctx._lib
    none = (1 << 64) - 1
    good_ext = packer.extents.pack(none, none, none)
    with pytest.raises(AclParamError, match="argsSize 4 is not the 16-byte argument struct"):
        lib.call("ascendpySimLaunch", func, 1, stream.handle, b"\0" * 4, 4, good_ext)
    with pytest.raises(AclParamError, match="parameter 1 of kernel 'step' is not a pointer"):
        lib.call("ascendpySimLaunch", func, 1, stream.handle, b"\0" * packer.size, packer.size,
                 packer.extents.pack(none, 4, none))
    with pytest.raises(AclParamError, match="numBlocks 0 is outside"):
        lib.call("ascendpySimLaunch", func, 0, stream.handle, b"\0" * packer.size, packer.size, good_ext)
    stream.synchronize()  # nothing was queued


def test_layout_is_the_kernels_argument_struct(runtime, loader):
    _, _, ctx, _ = runtime
    kernel = loader.get_kernel("mixed")
    out = (ctypes.c_uint64 * 16)()
    ctx._lib.call("ascendpySimKernelLayout", kernel.loader._binary(ctx).function("mixed"), out, len(out))
    # x, y: 8 bytes; a f32, b i32; h f16 and k u8 in 4-byte slots; n u32 (the bisheng ABI: alignment max(4, _))
    assert list(out[:2 + 2 * 7]) == [7, 36, 0, 8, 8, 8, 16, 4, 20, 4, 24, 2, 28, 1, 32, 4]


# ------------------------------------------------------------------------------ arena reuse
def test_a_reused_arena_reads_as_zeros(runtime, arena):
    """peek stores UB it never wrote: zeros, as from a fresh arena, after scribble filled it on the same threads."""
    _, _, _, stream = runtime
    for blocks in (1, 2, 8):  # inline on the stream's worker, and on the pool's threads
        y = DeviceBuffer.zeros(np.float32, WORDS * blocks)
        arena.get_kernel("scribble")[blocks, stream](y, 3.5)
        stream.synchronize()
        np.testing.assert_array_equal(y.to_numpy(), np.full(WORDS * blocks, 3.5, np.float32))
        z = DeviceBuffer.from_numpy(np.full(WORDS * blocks, 7.0, np.float32))
        arena.get_kernel("peek")[blocks, stream](z)
        stream.synchronize()
        np.testing.assert_array_equal(z.to_numpy(), np.zeros(WORDS * blocks, np.float32))


def test_arena_cache_zeroes_what_was_used(runtime):
    """__ascendpy_sim_arena_get/put directly: memory comes back zeroed, and the same memory is reused."""
    _, _, ctx, _ = runtime
    cdll = ctx._lib.cdll
    get, put = cdll.__ascendpy_sim_arena_get, cdll.__ascendpy_sim_arena_put
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.c_uint64]
    put.restype, put.argtypes = None, [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    n = 3 * 64 * 1024 + 64
    p = get(n)
    assert p and p % 64 == 0
    mem = (ctypes.c_uint8 * n).from_address(p)
    assert not any(bytes(mem))
    ctypes.memset(p, 0xAB, 5000)
    put(p, n, 5000)  # the TPipe carved 5000 bytes
    q = get(n)
    assert q == p  # this thread's cache handed it back
    assert not any(bytes((ctypes.c_uint8 * n).from_address(q)))
    put(q, n, 0)


# --------------------------------------------------------------------- order and faults inline
def test_back_to_back_launches_on_several_streams_keep_order(runtime, rng, loader):
    """Per stream a chain of steps that do not commute, one-block (inline) and multi-block (pool) mixed."""
    _, _, ctx, _ = runtime
    kernel = loader.get_kernel("step")
    n = 300
    streams = [Stream(ctx) for _ in range(3)]
    bufs, want = [], []
    for _ in streams:
        h = rng.integers(-50, 50, n).astype(np.int32)
        bufs.append(DeviceBuffer.from_numpy(h, context=ctx))
        want.append(h.copy())
    plan = rng.integers(0, 2, (3, 24))
    blocks = rng.choice([1, 1, 2, 5], (3, 24))
    for j in range(24):
        for i, s in enumerate(streams):
            kernel[int(blocks[i, j]), s](bufs[i], n, int(plan[i, j]))
            want[i] = want[i] * 2 if plan[i, j] else want[i] + 1
    for i, s in enumerate(streams):
        s.synchronize()
        np.testing.assert_array_equal(bufs[i].to_numpy(), want[i])
        s.close()


def test_inline_fault_names_the_line_and_the_stream_goes_on(runtime, rng, loader):
    """A one-block launch that faults on the stream's worker: the right line, later work runs, other streams too."""
    _, _, ctx, stream = runtime
    n = 32
    x = rng.standard_normal(n).astype(np.float32)
    for _ in range(2):
        loader.get_kernel("read_past")[1, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.empty(
            np.float32, n), n)
        d = DeviceBuffer.zeros(np.int32, 8)
        loader.get_kernel("step")[1, stream](d, 8, 0)  # queued behind the fault: still runs
        with pytest.raises(KernelFault) as err:
            stream.synchronize()
        assert err.value.kind == "global_out_of_bounds"
        assert err.value.kernel == "read_past" and err.value.block == 0
        assert err.value.filename == __file__
        assert err.value.lineno == BUG_LINE
        np.testing.assert_array_equal(d.to_numpy(), np.ones(8, np.int32))
    stream.synchronize()  # the fault was reported once
    other = Stream(ctx)
    d = DeviceBuffer.zeros(np.int32, 8)
    loader.get_kernel("step")[1, other](d, 8, 0)
    other.synchronize()
    np.testing.assert_array_equal(d.to_numpy(), np.ones(8, np.int32))
    other.close()


def test_one_block_launch_waits_for_a_core_behind_a_busy_pool(runtime, rng, loader):
    """With every core busy, a one-block launch on another stream queues for one (it does not run inline)."""
    _, _, ctx, stream = runtime
    import os

    cores = max(2, os.cpu_count() or 2)
    n = 1 << 20
    big = DeviceBuffer.zeros(np.int32, n)
    for _ in range(4):
        loader.get_kernel("step")[cores * 4, stream](big, n, 0)
    small = Stream(ctx)
    d = DeviceBuffer.zeros(np.int32, 8)
    loader.get_kernel("step")[1, small](d, 8, 0)
    small.synchronize()
    stream.synchronize()
    np.testing.assert_array_equal(d.to_numpy(), np.ones(8, np.int32))
    np.testing.assert_array_equal(big.to_numpy(), np.full(n, 4, np.int32))
    small.close()
