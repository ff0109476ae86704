"""What the simulator's checkers cost: the bench_vector kernels with ASCENDPY_SIM_CHECKS on and off.

The checks mode is fixed per process (aclInit reads ASCENDPY_SIM_CHECKS, and the toolchain builds
kernels with frame pointers only when checks are on), so each measurement runs in a child process:
rounds alternate the two modes, every child times each case (median of --repeats after a warm-up),
and the reported ratio is the median over rounds of (checks-on time / checks-off time). Prints a
table and writes benchmarks/results/sim_checks.json.

    python benchmarks/bench_sim_checks.py [--rounds N] [--repeats N] [--block-dim N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "sim_checks.json"
MODES = {"on": "1", "off": "0"}


def worker(block_dim: int, repeats: int) -> None:
    """Time every bench_vector case in this process's checks mode; one JSON object on stdout."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_vector as bv
    import numpy as np

    from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream

    rng = np.random.default_rng(0)
    times: dict[str, float] = {}
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        for name, kname, shape in bv.CASES:
            x = (rng.standard_normal(shape) * 4).astype(np.float32)
            x_dev, y_dev = DeviceBuffer.from_numpy(x.ravel()), DeviceBuffer.empty(np.float32, x.size)
            module = bv if kname == "relu" else bv.softmax_kernels
            kernel = KernelLoader.from_module(module).get_kernel(kname)
            extra = (x.size,) if kname == "relu" else shape

            def launch(kernel=kernel, x_dev=x_dev, y_dev=y_dev, extra=extra) -> None:
                kernel[block_dim, stream](x_dev, y_dev, *extra)
                stream.synchronize()

            launch()
            times[name] = statistics.median(bv.timed(launch) for _ in range(repeats))
    json.dump(times, sys.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--block-dim", type=int, default=40)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.block_dim, args.repeats)
        return
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in MODES}
    for _ in range(args.rounds):
        for mode, value in MODES.items():
            env = {**os.environ, "ASCENDPY_SIM_CHECKS": value}
            out = subprocess.run([sys.executable, __file__, "--worker", "--block-dim", str(args.block_dim),
                                  "--repeats", str(args.repeats)], env=env, check=True, capture_output=True,
                                 text=True).stdout
            runs[mode].append(json.loads(out))
    cases = []
    for name in runs["on"][0]:
        on = [r[name] for r in runs["on"]]
        off = [r[name] for r in runs["off"]]
        cases.append({"name": name, "checks_on_s": statistics.median(on), "checks_off_s": statistics.median(off),
                      "on_over_off": statistics.median(a / b for a, b in zip(on, off))})
    results = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
               "date": time.strftime("%Y-%m-%d"), "block_dim": args.block_dim, "rounds": args.rounds,
               "repeats": args.repeats, "cases": cases}
    rows = [(c["name"], f"{c['checks_on_s'] * 1e3:.1f}", f"{c['checks_off_s'] * 1e3:.1f}", f"{c['on_over_off']:.2f}x")
            for c in cases]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_vector import report

    report(f"simulator checks on (default) vs ASCENDPY_SIM_CHECKS=0, block_dim {args.block_dim}; {args.rounds} "
           f"alternating rounds of one process per mode, each the median of {args.repeats} launches",
           ("case", "checks on ms", "checks off ms", "on / off"), rows, results, OUT)

if __name__ == "__main__":
    main()
