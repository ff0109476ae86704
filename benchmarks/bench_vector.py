"""Simulator throughput of vectorised kernels (relu, row softmax) against numpy doing the same work.

Throughput is logical bytes moved over wall time: every input element read once plus every output
element written once (2 x 4 bytes per f32 element), for the kernel and for numpy alike. A kernel time
is one launch plus stream.synchronize(); numpy writes into a preallocated array. Each case has a
warm-up run, then the median of --repeats timed runs; ratios are against numpy measured in the same
run, alternating with the kernel (the ratio is the median of per-repeat ratios). Prints a table
and writes benchmarks/results/vector.json.

    python benchmarks/bench_vector.py [--block-dim N] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream, std  # noqa: E402
from ascendpy.std import Ptr, f32, u32  # noqa: E402
from examples.softmax import kernels as softmax_kernels  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "vector.json"
RELU_TILE = 8192  # f32 per tile: 2 buffers x 2 (double-buffered queues) x 32 KiB = 128 KiB of UB


_N = 16 * 1024 * 1024
CASES = [  # (name, kernel, shape)
    ("relu, 16M f32", "relu", (_N,)),
    ("row softmax, 4096 x 4096 f32 (16M)", "softmax_rows", (4096, 4096)),
    (f"row softmax, 2048 x {softmax_kernels.MAX_COLS} f32 (16M)", "softmax_rows",
     (_N // softmax_kernels.MAX_COLS, softmax_kernels.MAX_COLS)),
    ("row softmax, 4096 x 1024 f32 (4M)", "softmax_rows", (4096, 1024)),
]


@std.aiv_kernel
def relu(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, RELU_TILE)
    yb = std.ub_alloc(f32, RELU_TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(RELU_TILE, end - off)
        std.load(xb, x, off, cnt)
        std.relu(yb, xb, cnt)
        std.store(y, off, yb, cnt)
        off += RELU_TILE


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def print_table(head: tuple[str, ...], rows: list[tuple[str, ...]], right: bool = True) -> None:
    """Print rows in aligned columns: the first left-aligned, the others right-aligned (left with right=False)."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(f"{v:<{w}}" if i == 0 or not right else f"{v:>{w}}"
                        for i, (v, w) in enumerate(zip(r, widths))))


def report(title: str, head: tuple[str, ...], rows: list[tuple[str, ...]], results: dict, out: Path) -> None:
    """Print a table (first column left-aligned) under `title` and write `results` as JSON to `out`."""
    print(title)
    print_table(head, rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


def paired_medians(sim: Callable[[], object], ref: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Median times of sim and ref, and the median of their per-repeat ratio, after one warm-up run of each.

    The two alternate within each repeat, so both see the same machine conditions (CPU time on a shared
    VM drifts by up to 2x over seconds); the paired ratio is the most stable number.
    """
    sim()
    ref()
    pairs = [(timed(sim), timed(ref)) for _ in range(repeats)]
    return (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            statistics.median(p[0] / p[1] for p in pairs))


def numpy_relu(x: np.ndarray, y: np.ndarray) -> None:
    np.maximum(x, 0, out=y)


def numpy_softmax_rows(x: np.ndarray, y: np.ndarray) -> None:
    """The stable softmax over rows, in float32, the same passes as the kernel."""
    np.subtract(x, x.max(axis=1, keepdims=True), out=y)
    np.exp(y, out=y)
    y /= y.sum(axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--block-dim", type=int, default=40, help="blocks per launch (default 40: the 910B3's vector "
                                                              "cores)")
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    results: dict[str, object] = {"machine": platform.platform(), "python": platform.python_version(),
                                  "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d"),
                                  "numpy": np.__version__, "block_dim": args.block_dim, "repeats": args.repeats,
                                  "bytes_counted": "input read once + output written once (8 bytes per f32 element)",
                                  "threads": {"simulator": max(2, os.cpu_count() or 1), "numpy": 1},
                                  "cases": []}
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        results["driver"], results["soc"] = acl.driver, device.soc_name
        loaders = {"relu": KernelLoader.from_module(sys.modules[__name__]),
                   "softmax_rows": KernelLoader.from_module(softmax_kernels)}
        for name, kname, shape in CASES:
            x = (rng.standard_normal(shape) * 4).astype(np.float32)
            y = np.empty_like(x)
            x_dev, y_dev = DeviceBuffer.from_numpy(x.ravel()), DeviceBuffer.empty(np.float32, x.size)
            kernel = loaders[kname].get_kernel(kname)
            extra = (x.size,) if kname == "relu" else shape
            baseline = numpy_relu if kname == "relu" else numpy_softmax_rows

            def launch(kernel=kernel, x_dev=x_dev, y_dev=y_dev, extra=extra) -> None:
                kernel[args.block_dim, stream](x_dev, y_dev, *extra)
                stream.synchronize()

            sim_s, np_s, ratio = paired_medians(launch, lambda baseline=baseline, x=x, y=y: baseline(x, y),
                                                args.repeats)
            got = y_dev.to_numpy().reshape(shape)
            assert np.allclose(got, y, rtol=1e-5, atol=1e-6), f"{name}: simulator and numpy disagree"
            nbytes = 2 * x.nbytes
            results["cases"].append({
                "name": name, "kernel": kname, "shape": list(shape), "bytes": nbytes,
                "sim_s": sim_s, "numpy_s": np_s,
                "sim_gb_s": nbytes / sim_s / 1e9, "numpy_gb_s": nbytes / np_s / 1e9,
                "sim_over_numpy_time": ratio, "sim_over_numpy_throughput": 1 / ratio,
            })
    rows = [(c["name"], f"{c['sim_gb_s']:.2f}", f"{c['numpy_gb_s']:.2f}", f"{c['sim_over_numpy_time']:.2f}x",
             f"{c['sim_s'] * 1e3:.1f}", f"{c['numpy_s'] * 1e3:.1f}") for c in results["cases"]]
    report(f"{results['soc']} ({results['driver']}), block_dim {args.block_dim}, median of {args.repeats} after a "
           f"warm-up, kernel and numpy alternating; GB/s = (bytes read + bytes written) / wall time, 1 GB = 1e9 bytes",
           ("case", "sim GB/s", "numpy GB/s", "sim time / numpy time", "sim ms", "numpy ms"), rows, results, OUT)


if __name__ == "__main__":
    main()
