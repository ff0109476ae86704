"""Many allocations and launches leave nothing behind (a CI-sized benchmarks/bench_runtime_stress.py).

These assert resource counts, not speed: the simulator's live device allocations, live bytes
and live handles return exactly to where they started, and the process RSS does not keep
growing. Speed is measured by the benchmark.
"""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader
from tests.kernels import arith

RSS_BOUND = 30 * 2**20  # generous: the loops below would leak far more if anything leaked per cycle


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm (Linux)")


def counters(acl) -> tuple[int, int, int]:
    gc.collect()
    fn = acl.lib.fn
    return (fn("ascendpySimLiveAllocations")(), fn("ascendpySimLiveBytes")(), fn("ascendpySimLiveHandles")())


@pytest.fixture(scope="module")
def arith_loader() -> KernelLoader:
    return KernelLoader.from_module(arith)


def test_alloc_free_cycles_return_everything(runtime, rng):
    acl, _, ctx, stream = runtime
    cycles = 5_000
    sizes = rng.integers(1, 4097, cycles)
    close_it = rng.random(cycles) < 0.5
    dtypes = [np.float32, np.int16, np.uint8, np.float64]
    kept = rng.standard_normal(333).astype(np.float32)
    keep = DeviceBuffer.from_numpy(kept)  # something live throughout
    # one round first, so allocator pools and ctypes caches exist before the baseline
    for i in range(200):
        DeviceBuffer.empty(dtypes[i % 4], int(sizes[i])).close()
    start, rss0 = counters(acl), rss_bytes()
    for i in range(cycles):
        dt = dtypes[i % 4]
        if i % 10 == 0:  # now and then a buffer with data, read back and checked
            data = rng.standard_normal(int(sizes[i])).astype(dt) if np.dtype(dt).kind == "f" else \
                rng.integers(0, 100, int(sizes[i])).astype(dt)
            b = DeviceBuffer.from_numpy(data)
            np.testing.assert_array_equal(b.to_numpy(), data)
        else:
            b = DeviceBuffer.empty(dt, int(sizes[i]), context=ctx)
        if i % 7 == 0:
            v = b[1:]  # a view; owns nothing and dies with (or before) its base
            del v
        if close_it[i]:
            b.close()
        del b  # the other half is released by the finalizer
    end, rss1 = counters(acl), rss_bytes()
    assert end == start, f"live (allocations, bytes, handles) went from {start} to {end}"
    assert rss1 - rss0 < RSS_BOUND, f"RSS grew by {(rss1 - rss0) / 2**20:.1f} MiB over {cycles} cycles"
    np.testing.assert_array_equal(keep.to_numpy(), kept)


def test_launch_cycles_return_everything(arith_loader, runtime, rng):
    acl, _, ctx, stream = runtime
    axpy, empty = arith_loader.get_kernel("axpy"), arith_loader.get_kernel("empty")
    n = 1024
    x, y = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    xd, yd, zd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.empty(np.float32, n)
    axpy[4, stream](xd, yd, zd, 1.0, n)  # loads the binary before the baseline
    empty[1, stream]()
    stream.synchronize()
    start, rss0 = counters(acl), rss_bytes()
    a_values = rng.uniform(-3, 3, 1_000).astype(np.float32)
    for i, a in enumerate(a_values):
        axpy[1 + i % 8, stream](xd, yd, zd, float(a), n)
        empty[1 + i % 3, stream]()
        if i % 100 == 99:
            stream.synchronize()
            np.testing.assert_array_equal(zd.to_numpy(), a * x + y)
    stream.synchronize()
    end, rss1 = counters(acl), rss_bytes()
    assert end == start, f"live (allocations, bytes, handles) went from {start} to {end}"
    assert rss1 - rss0 < RSS_BOUND, f"RSS grew by {(rss1 - rss0) / 2**20:.1f} MiB over {len(a_values)} launches"
    np.testing.assert_array_equal(zd.to_numpy(), a_values[-1] * x + y)


def test_launches_on_fresh_buffers_free_them_after_sync(arith_loader, runtime, rng):
    """Buffers dropped while their launch is queued are held by the stream, then released at synchronize."""
    acl, _, _, stream = runtime
    axpy = arith_loader.get_kernel("axpy")
    axpy[1, stream](*(DeviceBuffer.zeros(np.float32, 1) for _ in range(3)), 1.0, 1)
    stream.synchronize()
    start, rss0 = counters(acl), rss_bytes()
    results = []
    for i in range(300):
        n = int(rng.integers(1, 2000))
        x, y = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
        zd = DeviceBuffer.empty(np.float32, n)
        axpy[1 + i % 5, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), zd, 2.0, n)
        results.append((zd, np.float32(2) * x + y))  # x and y device buffers are dropped while queued
        if i % 50 == 49:
            stream.synchronize()
            for got, want in results:
                np.testing.assert_array_equal(got.to_numpy(), want)
            results.clear()
    stream.synchronize()
    for got, want in results:
        np.testing.assert_array_equal(got.to_numpy(), want)
    results.clear()
    del zd, got  # the last ones
    end, rss1 = counters(acl), rss_bytes()
    assert end == start, f"live (allocations, bytes, handles) went from {start} to {end}"
    assert rss1 - rss0 < RSS_BOUND
