"""Host-runtime stress: does memory come back after many allocations and launches, and at what cost?

Three phases run in one process on one Acl/Device/Context/Stream (the simulator):

(a) 100,000 DeviceBuffer allocate/free cycles, sizes 1..4096 float32 elements, half freed
    with `close()` and half by dropping the last reference;
(b) 10,000 launches of `axpy` on 1,024 elements and 10,000 of `empty`, with a
    `stream.synchronize()` every 100 launches;
(c) baselines in the same process: the same numbers of raw `aclrtMalloc`/`aclrtFree` cycles and
    raw kernel launches (`aclrtKernelArgsInit/Append/Finalize` + `aclrtLaunchKernelWithConfig`),
    made directly through `acl.lib.call` with none of ascendpy's objects or checks.

For each phase it samples the process RSS (/proc/self/statm) and the simulator's live device
allocations, live bytes and live handles (streams, events, contexts, binaries) at the start,
after a warm-up (the first 10% of the cycles) and at the end. A phase "returns to start" when
the simulator's counts equal their start values exactly and RSS at the end is within
RSS_TOLERANCE_MIB of RSS at the start (allocator pools, interned ctypes types and numpy's
caches may keep a little). Prints a table and writes benchmarks/results/runtime_stress.json.

    python benchmarks/bench_runtime_stress.py [--scale 0.1]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.kernels

OUT = ROOT / "benchmarks" / "results" / "runtime_stress.json"
RSS_TOLERANCE_MIB = 2.0
ALLOC_CYCLES = 100_000
LAUNCHES = 10_000
SYNC_EVERY = 100
AXPY_N = 1024
AXPY_BLOCKS = 8


def rss_bytes() -> int:
    """Resident set size now (Linux); elsewhere the peak RSS, which can only grow."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


class Probe:
    """Snapshots of RSS and the simulator's live counters."""

    def __init__(self, acl) -> None:
        fn = acl.lib.fn
        self._allocs, self._bytes = fn("ascendpySimLiveAllocations"), fn("ascendpySimLiveBytes")
        self._handles = fn("ascendpySimLiveHandles")

    def snap(self) -> dict[str, int]:
        gc.collect()
        return {"rss": rss_bytes(), "live_allocations": int(self._allocs()), "live_bytes": int(self._bytes()),
                "live_handles": int(self._handles())}


def run_phase(name: str, probe: Probe, cycles: int, step: Callable[[int], None],
              finish: Callable[[], None] | None = None) -> dict[str, object]:
    """Run step(i) for i in range(cycles); time the cycles after the warm-up (the first 10%)."""
    warmup = cycles // 10
    start = probe.snap()
    for i in range(warmup):
        step(i)
    if finish is not None:
        finish()
    warm = probe.snap()
    t0 = time.perf_counter()
    for i in range(warmup, cycles):
        step(i)
    if finish is not None:
        finish()
    seconds = time.perf_counter() - t0
    end = probe.snap()
    counts_back = all(end[k] == start[k] for k in ("live_allocations", "live_bytes", "live_handles"))
    rss_growth = end["rss"] - start["rss"]
    return {
        "name": name, "cycles": cycles, "timed_cycles": cycles - warmup,
        "us_per_cycle": seconds / (cycles - warmup) * 1e6,
        "start": start, "after_warmup": warm, "end": end,
        "rss_growth_mib": rss_growth / 2**20,
        "rss_growth_after_warmup_mib": (end["rss"] - warm["rss"]) / 2**20,
        "live_counts_returned": counts_back,
        "rss_returned": rss_growth <= RSS_TOLERANCE_MIB * 2**20,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply cycle counts (for a quick try)")
    args = ap.parse_args()
    alloc_cycles = max(100, int(ALLOC_CYCLES * args.scale))
    launches = max(SYNC_EVERY * 10, int(LAUNCHES * args.scale) // SYNC_EVERY * SYNC_EVERY)

    from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, MallocPolicy, Stream
    from tests.kernels import arith

    rng = np.random.default_rng(int.from_bytes(os.urandom(4), "little"))
    sizes = rng.integers(1, 4097, alloc_cycles)          # elements, float32
    how = rng.random(alloc_cycles) < 0.5                 # True: close(); False: drop the last reference

    loader = KernelLoader.from_module(arith)             # compiles (or takes from the cache) first
    phases: list[dict[str, object]] = []
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        probe = Probe(acl)
        lib = acl.lib
        axpy, empty = loader.get_kernel("axpy"), loader.get_kernel("empty")
        x = DeviceBuffer.from_numpy(rng.standard_normal(AXPY_N, dtype=np.float32))
        y = DeviceBuffer.from_numpy(rng.standard_normal(AXPY_N, dtype=np.float32))
        z = DeviceBuffer.empty(np.float32, AXPY_N)
        axpy[AXPY_BLOCKS, stream](x, y, z, 1.5, AXPY_N)   # loads the binary into the context
        empty[1, stream]()
        stream.synchronize()

        # (c) baseline: raw aclrtMalloc / aclrtFree through ctypes
        policy = int(MallocPolicy.HUGE_FIRST)

        def raw_alloc(i: int) -> None:
            p = ctypes.c_void_p()
            lib.call("aclrtMalloc", ctypes.byref(p), max(int(sizes[i]) * 4, 32), policy)
            lib.call("aclrtFree", p)

        # (a) DeviceBuffer allocate / free
        def buffer_cycle(i: int) -> None:
            b = DeviceBuffer.empty(np.float32, int(sizes[i]), context=ctx)
            if how[i]:
                b.close()
            del b  # the other half is freed here by its finalizer

        # (c) baseline: raw kernel launches (what Kernel.launch does, minus every check and object)
        binary = loader._binary(ctx)
        funcs = {"axpy": binary.function("axpy"), "empty": binary.function("empty")}

        def raw_launch(name: str, block_dim: int, values: list[ctypes._SimpleCData]) -> Callable[[int], None]:
            func = funcs[name]
            sizes_ = [ctypes.sizeof(v) for v in values]

            def step(i: int) -> None:
                h = ctypes.c_void_p()
                lib.call("aclrtKernelArgsInit", func, ctypes.byref(h))
                for v, s in zip(values, sizes_):
                    ph = ctypes.c_void_p()
                    lib.call("aclrtKernelArgsAppend", h, ctypes.byref(v), s, ctypes.byref(ph))
                lib.call("aclrtKernelArgsFinalize", h)
                lib.call("aclrtLaunchKernelWithConfig", func, block_dim, stream.handle, None, h, None)
                if i % SYNC_EVERY == SYNC_EVERY - 1:
                    lib.call("aclrtSynchronizeStream", stream.handle)

            return step

        axpy_raw_args = [ctypes.c_uint64(b.ptr.value or 0) for b in (x, y, z)] + [ctypes.c_float(1.5),
                                                                                 ctypes.c_uint32(AXPY_N)]

        def kernel_steps(kernel, block_dim: int, args: tuple) -> Callable[[int], None]:
            def step(i: int) -> None:
                kernel[block_dim, stream](*args)
                if i % SYNC_EVERY == SYNC_EVERY - 1:
                    stream.synchronize()
            return step

        phases.append(run_phase("raw aclrtMalloc/aclrtFree (baseline)", probe, alloc_cycles, raw_alloc))
        phases.append(run_phase("DeviceBuffer.empty + close()/drop", probe, alloc_cycles, buffer_cycle))
        phases.append(run_phase("raw launch axpy n=1024 (baseline)", probe, launches,
                                raw_launch("axpy", AXPY_BLOCKS, axpy_raw_args), stream.synchronize))
        phases.append(run_phase("axpy[8, stream](x, y, z, 1.5, 1024)", probe, launches,
                                kernel_steps(axpy, AXPY_BLOCKS, (x, y, z, 1.5, AXPY_N)), stream.synchronize))
        phases.append(run_phase("raw launch empty (baseline)", probe, launches, raw_launch("empty", 1, []),
                                stream.synchronize))
        phases.append(run_phase("empty[1, stream]()", probe, launches, kernel_steps(empty, 1, ()),
                                stream.synchronize))

        # the launches computed the right thing all along
        want = np.float32(1.5) * x.to_numpy() + y.to_numpy()
        axpy_ok = bool(np.array_equal(z.to_numpy(), want))
        x.close(), y.close(), z.close()
        final = probe.snap()

    by = {p["name"]: p for p in phases}
    ratios = {
        "alloc_free_vs_raw": by["DeviceBuffer.empty + close()/drop"]["us_per_cycle"]
        / by["raw aclrtMalloc/aclrtFree (baseline)"]["us_per_cycle"],
        "axpy_launch_vs_raw": by["axpy[8, stream](x, y, z, 1.5, 1024)"]["us_per_cycle"]
        / by["raw launch axpy n=1024 (baseline)"]["us_per_cycle"],
        "empty_launch_vs_raw": by["empty[1, stream]()"]["us_per_cycle"]
        / by["raw launch empty (baseline)"]["us_per_cycle"],
    }
    results = {
        "machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d"), "rss_tolerance_mib": RSS_TOLERANCE_MIB,
        "alloc_cycles": alloc_cycles, "launches": launches, "sync_every": SYNC_EVERY,
        "phases": phases, "ratios": ratios, "axpy_result_correct": axpy_ok,
        "after_closing_buffers": final,
    }

    mib = 2**20
    header = (f"{'phase':<38} {'cycles':>7} {'us/cycle':>9} {'RSS start':>10} {'warm':>8} {'end':>8} "
              f"{'growth':>8}  {'live alloc/bytes/handles start -> warm -> end':<48} back?")
    print(header)
    print("-" * len(header))
    for p in phases:
        s, w, e = p["start"], p["after_warmup"], p["end"]
        counts = " -> ".join(f"{d['live_allocations']}/{d['live_bytes']}/{d['live_handles']}" for d in (s, w, e))
        if p["live_counts_returned"] and p["rss_returned"]:
            back = "yes"
        else:
            back = (f"NO (counts {'ok' if p['live_counts_returned'] else 'differ'}, "
                    f"RSS {'ok' if p['rss_returned'] else 'grew'})")
        print(f"{p['name']:<38} {p['cycles']:>7} {p['us_per_cycle']:>9.2f} {s['rss'] / mib:>8.1f}Mi "
              f"{w['rss'] / mib:>6.1f}Mi {e['rss'] / mib:>6.1f}Mi {p['rss_growth_mib']:>+6.2f}Mi  {counts:<48} {back}")
    print()
    print(f"ratio DeviceBuffer alloc/free to raw aclrtMalloc/aclrtFree: {ratios['alloc_free_vs_raw']:.2f}x")
    print(f"ratio axpy launch to raw ACL launch:                        {ratios['axpy_launch_vs_raw']:.2f}x")
    print(f"ratio empty launch to raw ACL launch:                       {ratios['empty_launch_vs_raw']:.2f}x")
    print(f"axpy result after all launches equals numpy:                {axpy_ok}")
    print(f"'back?' = simulator live counts equal their start exactly and RSS end - start <= "
          f"{RSS_TOLERANCE_MIB:g} MiB")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
