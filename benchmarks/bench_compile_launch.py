"""Compile times (cold and warm) of vec_mul and launch overhead of an empty kernel on the simulator.

Each compile measurement runs in a fresh Python process, from `import ascendpy` to a loaded
kernel, so it includes everything a user waits for. Prints a table and writes
benchmarks/results/compile_launch.json.

    python benchmarks/bench_compile_launch.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "compile_launch.json"

LOAD = """
import sys, time, json
t0 = time.perf_counter()
import ascendpy
from ascendpy import Acl, Device, Context, KernelLoader, DeviceBuffer, Stream
from examples.vec_mul import kernels
with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as s:
    k = KernelLoader.from_module(kernels).get_kernel("mul")
    import numpy as np
    b = [DeviceBuffer.zeros(np.uint16, 16) for _ in range(3)]
    k[1, s](*b)          # loads the library into the context
    s.synchronize()
    t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "xdsl_imported": "xdsl" in sys.modules}))
"""

LAUNCH = """
import ctypes, json, time
import numpy as np
from ascendpy import Acl, Device, Context, KernelLoader, Stream
from tests.kernels import arith
N = 2000
with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as s:
    k = KernelLoader.from_module(arith).get_kernel("empty")
    k[1, s](); s.synchronize()
    # baseline: the same ACL calls made directly through ctypes, no Python-side checks
    lib = ctx._lib
    func = k.loader._binary(ctx).function("empty")
    t0 = time.perf_counter()
    for _ in range(N):
        h = ctypes.c_void_p()
        lib.call("aclrtKernelArgsInit", func, ctypes.byref(h))
        lib.call("aclrtKernelArgsFinalize", h)
        lib.call("aclrtLaunchKernelWithConfig", func, 1, s.handle, None, h, None)
    s.synchronize()
    raw = (time.perf_counter() - t0) / N
    t0 = time.perf_counter()
    for _ in range(N):
        k[1, s]()
    s.synchronize()
    queued = (time.perf_counter() - t0) / N
    t0 = time.perf_counter()
    for _ in range(N // 4):
        k[1, s]()
        s.synchronize()
    roundtrip = (time.perf_counter() - t0) / (N // 4)
print(json.dumps({"raw_acl_launch_us": raw * 1e6, "kernel_launch_us": queued * 1e6,
                  "launch_and_sync_us": roundtrip * 1e6}))
"""


def run(code: str, cache: str) -> dict:
    env = {**os.environ, "ASCENDPY_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    results: dict[str, object] = {"machine": platform.platform(), "python": platform.python_version(),
                                  "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as cache:
        cold_all = run(LOAD, cache)                 # builds the simulator library and the kernel
    with tempfile.TemporaryDirectory() as cache:
        launch = run(LAUNCH, cache)  # builds the simulator library (and the empty kernel) first
        cold_kernel = run(LOAD, cache)
        warm = [run(LOAD, cache) for _ in range(3)]
    warm_best = min(w["seconds"] for w in warm)
    results.update({
        "vec_mul_cold_with_simulator_build_s": cold_all["seconds"],
        "vec_mul_cold_kernel_s": cold_kernel["seconds"],
        "vec_mul_warm_s": warm_best,
        "warm_imports_xdsl": any(w["xdsl_imported"] for w in warm),
        **launch,
        "launch_overhead_ratio_vs_raw_acl": launch["kernel_launch_us"] / launch["raw_acl_launch_us"],
    })
    rows = [
        ("vec_mul cold, empty cache (incl. simulator library build)", f"{cold_all['seconds']:.2f} s"),
        ("vec_mul cold, simulator library cached", f"{cold_kernel['seconds']:.2f} s"),
        ("vec_mul warm (new process, cache filled)", f"{warm_best:.3f} s"),
        ("warm path imports xDSL/compiler", str(results["warm_imports_xdsl"])),
        ("empty-kernel launch, raw ACL calls via ctypes (baseline)", f"{launch['raw_acl_launch_us']:.1f} us"),
        ("empty-kernel launch, Kernel[1, stream]() (queued)", f"{launch['kernel_launch_us']:.1f} us"),
        ("  ratio to baseline", f"{results['launch_overhead_ratio_vs_raw_acl']:.2f}x"),
        ("empty-kernel launch + stream.synchronize()", f"{launch['launch_and_sync_us']:.1f} us"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
