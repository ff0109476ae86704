"""Simulator GFLOP/s of f16 matmul on the cube model (ascendpy.ops.matmul) beside numpy float32 matmul.

FLOPs are 2*M*N*K for both. The kernel time is one ascendpy.ops.matmul call on an explicit stream (host to
device copies, the cube kernel, the copy back); numpy multiplies the same matrices as float32 with its BLAS
(all its threads). Each case: one warm-up, then the median of --repeats runs, alternating with numpy; the
ratio is the median of per-repeat ratios. The result is checked against numpy in float64. Prints a table and
writes benchmarks/results/matmul.json.

    python benchmarks/bench_matmul.py [--repeats N] [--sizes 512,1024]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_vector import paired_medians, report  # noqa: E402 - beside this file

from ascendpy import Acl, Context, Device, Stream, ops  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "matmul.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sizes", default="512,1024", help="comma-separated cube sizes N for N x N x N")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    results: dict[str, object] = {"machine": platform.platform(), "python": platform.python_version(),
                                  "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
                                  "numpy": np.__version__, "repeats": args.repeats,
                                  "flops_counted": "2*M*N*K", "cases": []}
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        results["driver"], results["soc"] = acl.driver, device.soc_name
        for size in (int(s) for s in args.sizes.split(",")):
            a = rng.standard_normal((size, size)).astype(np.float16)
            b = rng.standard_normal((size, size)).astype(np.float16)
            a32, b32 = a.astype(np.float32), b.astype(np.float32)
            c32 = np.empty((size, size), np.float32)
            got = ops.matmul(a, b, out_dtype=np.float32, stream=stream)
            want = a.astype(np.float64) @ b.astype(np.float64)
            rel = float(np.abs(got - want).max() / np.abs(want).max())
            assert rel < 1e-3, f"{size}^3: relative error {rel}"
            sim_s, np_s, ratio = paired_medians(lambda a=a, b=b: ops.matmul(a, b, out_dtype=np.float32, stream=stream),
                                                lambda a32=a32, b32=b32, c32=c32: np.matmul(a32, b32, out=c32),
                                                args.repeats)
            flops = 2.0 * size ** 3
            results["cases"].append({"name": f"f16 matmul {size}^3 -> f32", "m": size, "n": size, "k": size,
                                     "sim_s": sim_s, "numpy_f32_s": np_s, "sim_gflop_s": flops / sim_s / 1e9,
                                     "numpy_f32_gflop_s": flops / np_s / 1e9, "sim_over_numpy_time": ratio,
                                     "max_rel_error_vs_f64": rel})
    rows = [(c["name"], f"{c['sim_gflop_s']:.2f}", f"{c['numpy_f32_gflop_s']:.1f}", f"{c['sim_over_numpy_time']:.1f}x",
             f"{c['sim_s'] * 1e3:.0f}", f"{c['numpy_f32_s'] * 1e3:.1f}", f"{c['max_rel_error_vs_f64']:.1e}")
            for c in results["cases"]]
    report(f"{results['soc']} ({results['driver']}), median of {args.repeats} after a warm-up, alternating with "
           "numpy float32 matmul; GFLOP/s = 2*M*N*K / wall time",
           ("case", "sim GFLOP/s", "numpy f32 GFLOP/s", "sim time / numpy time", "sim ms", "numpy ms",
            "max rel err"), rows, results, OUT)


if __name__ == "__main__":
    main()
