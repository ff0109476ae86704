"""Issue 14's speed table, every row in one run: `python -m benchmarks` from the repository root.

Each row is measured beside a baseline timed in the same run (numpy, a raw call, a fresh `import numpy`),
checks its result against numpy (bit-exact for the multiplies), and is judged against the issue's target.
Rows that need a fresh process or an empty cache run in child processes (`--worker`) with temporary caches.
Prints the table and writes JSON (default benchmarks/results/issue14.json).

    python -m benchmarks [--quick] [--only 1,3,5] [--json PATH] [--peers] [--block-dim N]
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bench_vector import numpy_softmax_rows, paired_medians, report, timed

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "issue14.json"
SCHEMA = "ascendpy-bench/1"
ROW_IDS = tuple(range(1, 10))


@dataclass(frozen=True)
class Plan:
    """Sizes and repeat counts of one run."""

    n_mul: int = 16 * 1024 * 1024
    softmax_shape: tuple[int, int] = (4096, 1024)
    matmul_n: int = 1024
    block_dim: int = 48
    repeats: int = 9                 # vector rows (1-3)
    matmul_repeats: int = 5
    launch_batches: int = 15         # row 5: median over batches of `launch_batch` launch+sync
    launch_batch: int = 200
    fresh_runs: int = 7              # row 6: fresh processes per side
    cold_runs: int = 3               # row 7: fresh process, fresh cache each
    warm_runs: int = 5               # row 8
    check_rounds: int = 3            # row 9: on/off process pairs
    check_repeats: int = 3

    @staticmethod
    def make(quick: bool, tiny: bool, block_dim: int) -> Plan:
        if tiny:  # for the test suite: exercises every row; the figures mean nothing
            return Plan(n_mul=1 << 16, softmax_shape=(64, 256), matmul_n=64, block_dim=block_dim, repeats=1,
                        matmul_repeats=1, launch_batches=2, launch_batch=5, fresh_runs=1, cold_runs=1,
                        warm_runs=1, check_rounds=1, check_repeats=1)
        if quick:
            return Plan(block_dim=block_dim, repeats=3, matmul_repeats=2, launch_batches=5, launch_batch=100,
                        fresh_runs=3, cold_runs=1, warm_runs=3, check_rounds=1, check_repeats=2)
        return Plan(block_dim=block_dim)


def count(n: int) -> str:
    return f"{n / 2**20:g}M" if n % 2**20 == 0 else str(n)


def row(rid: int, measure: str, unit: str, value: float, baseline_name: str | None, baseline: float | None,
        target_text: str, op: str, target: float, checked: str, met: bool | None = None,
        **details: Any) -> dict[str, Any]:
    """One row of the table: `value` (the median) met its target when `value op target`, unless `met` says
    otherwise (rows against numpy judge by the paired ratio, steadier than a ratio of medians)."""
    if met is None:
        met = value >= target if op == ">=" else value <= target
    return {"row": rid, "measure": measure, "unit": unit, "value": value,
            "baseline": {"name": baseline_name, "value": baseline, "unit": unit} if baseline_name else None,
            "target": {"text": target_text, "op": op, "value": target}, "met": bool(met), "checked": checked,
            "details": details}


# ------------------------------------------------------------------------------------------------- workers
# Children run `python -m benchmarks --worker NAME --params JSON` and print one JSON object last.

def child(worker: str, params: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    out = subprocess.run([sys.executable, "-m", "benchmarks", "--worker", worker, "--params", json.dumps(params)],
                         env=full_env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"worker {worker} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_code(code: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `code` in a fresh interpreter (repo root on the path); its last stdout line is JSON."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    out = subprocess.run([sys.executable, "-c", code], env=full_env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"child failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# Row 6: a fresh interpreter timing one import (the interpreter's own start-up is reported apart).
IMPORT = """
import json, time
t0 = time.perf_counter()
import {module}
print(json.dumps({{"seconds": time.perf_counter() - t0}}))
"""

# Rows 7 and 8: from `import ascendpy` to vec_mul's result on the host, checked against numpy (u16 wraps).
FIRST_RESULT = """
import json, time
t0 = time.perf_counter()
import numpy as np
from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream
t_import = time.perf_counter()
from examples.vec_mul import kernels
x = np.arange(16, dtype=np.uint16) * 4099
y = np.arange(16, dtype=np.uint16) + 40000
with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as s:
    t_runtime = time.perf_counter()
    k = KernelLoader.from_module(kernels).get_kernel("mul")
    t_compile = time.perf_counter()
    xd, yd, zd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.zeros(np.uint16, 16)
    k[1, s](xd, yd, zd)
    s.synchronize()
    z = zd.to_numpy()
    t1 = time.perf_counter()
assert np.array_equal(z, x * y), (z, x * y)
import sys
print(json.dumps({"seconds": t1 - t0, "import_s": t_import - t0, "runtime_open_s": t_runtime - t_import,
                  "get_kernel_s": t_compile - t_runtime,
                  "launch_and_copy_s": t1 - t_compile, "xdsl_imported": "xdsl" in sys.modules}))
"""

# The baseline of rows 7 and 8: numpy computing the same result in a fresh process.
FIRST_RESULT_NUMPY = """
import json, time
t0 = time.perf_counter()
import numpy as np
x = np.arange(16, dtype=np.uint16) * 4099
z = x * (np.arange(16, dtype=np.uint16) + 40000)
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""


def worker_launch(params: dict[str, Any]) -> dict[str, Any]:
    """Row 5 in a fresh process: empty kernel launch + synchronize, beside the raw ACL calls and a no-op ctypes
    call."""
    from ascendpy import Acl, Context, Device, KernelLoader, Stream
    from benchmarks import kernels

    batches, batch = params["batches"], params["batch"]
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as s:
        k = KernelLoader.from_module(kernels).get_kernel("empty")
        k[1, s]()
        s.synchronize()

        def ours() -> None:
            for _ in range(batch):
                k[1, s]()
                s.synchronize()

        # The same ACL calls made directly through ctypes, none of ascendpy's objects or checks.
        lib = ctx._lib
        func = k.loader._binary(ctx).function("empty")

        def raw() -> None:
            for _ in range(batch):
                h = ctypes.c_void_p()
                lib.call("aclrtKernelArgsInit", func, ctypes.byref(h))
                lib.call("aclrtKernelArgsFinalize", h)
                lib.call("aclrtLaunchKernelWithConfig", func, 1, s.handle, None, h, None)
                lib.call("aclrtSynchronizeStream", s.handle)

        ours_s, raw_s, ratio = paired_medians(ours, raw, batches)
        getpid = ctypes.CDLL(None).getpid
        noop_s = statistics.median(timed(lambda: [getpid() for _ in range(batch)]) for _ in range(batches))
    return {"launch_sync_us": ours_s / batch * 1e6, "raw_acl_launch_sync_us": raw_s / batch * 1e6,
            "ours_over_raw": ratio, "noop_ctypes_call_us": noop_s / batch * 1e6}


def worker_sim_times(params: dict[str, Any]) -> dict[str, Any]:
    """Row 9's child: the sim times of rows 1 and 3 in this process's ASCENDPY_SIM_CHECKS mode."""
    from ascendpy import Acl, Context, Device, Stream

    plan = Plan(**{**params, "softmax_shape": tuple(params["softmax_shape"])})
    rng = np.random.default_rng(0)
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        cases = {"f32 multiply": lambda: mul_case(stream, plan, rng, np.float32),
                 "row softmax": lambda: softmax_case(stream, plan, rng)}
        out = {}
        for name, case in cases.items():
            launch, _ref, check = case()
            launch()
            check()
            out[name] = statistics.median(timed(launch) for _ in range(plan.check_repeats))
    return out


def worker_peer(params: dict[str, Any]) -> dict[str, Any]:
    from benchmarks import peers

    return peers.worker_peer(params)


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "launch": worker_launch, "sim_times": worker_sim_times, "peer": worker_peer}


# ------------------------------------------------------------------------------------------------- cases

def numpy_two_threads(pool: ThreadPoolExecutor) -> Callable[..., None]:
    """np.multiply(x, y, out=z) split in two halves, one on `pool`'s thread and one on the caller's."""
    def mul(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
        h = x.size // 2
        f = pool.submit(np.multiply, x[:h], y[:h], out=z[:h])
        np.multiply(x[h:], y[h:], out=z[h:])
        f.result()
    return mul


_POOL = ThreadPoolExecutor(max_workers=1)


def mul_case(stream: Any, plan: Plan, rng: np.random.Generator, dtype: type) -> tuple[Callable, Callable, Callable]:
    """(sim launch, numpy two-thread multiply, bit-exact check) for an n-element multiply."""
    from ascendpy import DeviceBuffer, KernelLoader
    from benchmarks import kernels

    n = plan.n_mul
    x = rng.standard_normal(n).astype(dtype)
    y = rng.standard_normal(n).astype(dtype)
    z = np.empty_like(x)
    xd, yd, zd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.empty(dtype, n)
    k = KernelLoader.from_module(kernels).get_kernel("mul_f32" if dtype == np.float32 else "mul_f16")
    ref = numpy_two_threads(_POOL)

    def launch() -> None:
        k[plan.block_dim, stream](xd, yd, zd, n)
        stream.synchronize()

    def check() -> None:
        got, want = zd.to_numpy(), np.multiply(x, y)
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8)), f"{dtype.__name__} multiply not bit-exact"

    return launch, lambda: ref(x, y, z), check


def softmax_case(stream: Any, plan: Plan, rng: np.random.Generator) -> tuple[Callable, Callable, Callable]:
    from ascendpy import DeviceBuffer, KernelLoader
    from examples.softmax import kernels as softmax_kernels

    shape = plan.softmax_shape
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    y = np.empty_like(x)
    xd, yd = DeviceBuffer.from_numpy(x.ravel()), DeviceBuffer.empty(np.float32, x.size)
    k = KernelLoader.from_module(softmax_kernels).get_kernel("softmax_rows")

    def launch() -> None:
        k[plan.block_dim, stream](xd, yd, *shape)
        stream.synchronize()

    def check() -> None:
        want = np.empty_like(x)
        numpy_softmax_rows(x, want)
        got = yd.to_numpy().reshape(shape)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6), "row softmax: simulator and numpy disagree"

    return launch, lambda: numpy_softmax_rows(x, y), check


# ------------------------------------------------------------------------------------------------- rows

def row_mul_f32(stream: Any, plan: Plan, rng: np.random.Generator) -> dict[str, Any]:
    launch, ref, check = mul_case(stream, plan, rng, np.float32)
    sim_s, np_s, ratio = paired_medians(launch, ref, plan.repeats)
    check()
    nbytes = 3 * 4 * plan.n_mul
    sim, base = nbytes / sim_s / 1e9, nbytes / np_s / 1e9
    return row(1, f"f32 multiply {count(plan.n_mul)} elements, block_dim {plan.block_dim}", "GB/s", sim,
               "numpy np.multiply(out=), two threads", base, ">= 80% of numpy", ">=", 0.8 * base,
               "bit-exact vs np.multiply", met=1 / ratio >= 0.8, sim_s=sim_s, numpy_s=np_s, bytes=nbytes,
               sim_over_numpy_throughput=1 / ratio, bytes_counted="a + b + out")


def row_mul_f16(stream: Any, plan: Plan, rng: np.random.Generator) -> dict[str, Any]:
    launch, ref, check = mul_case(stream, plan, rng, np.float16)
    sim_s, np_s, ratio = paired_medians(launch, ref, plan.repeats)
    check()
    nbytes = 3 * 2 * plan.n_mul
    return row(2, f"f16 multiply {count(plan.n_mul)} elements, block_dim {plan.block_dim}", "GB/s",
               nbytes / sim_s / 1e9, "numpy np.multiply(out=) f16, two threads", nbytes / np_s / 1e9,
               ">= 10 GB/s", ">=", 10.0, "bit-exact vs np.multiply", sim_s=sim_s, numpy_s=np_s, bytes=nbytes,
               sim_over_numpy_throughput=1 / ratio, bytes_counted="a + b + out")


def row_softmax(stream: Any, plan: Plan, rng: np.random.Generator) -> dict[str, Any]:
    launch, ref, check = softmax_case(stream, plan, rng)
    sim_s, np_s, ratio = paired_medians(launch, ref, plan.repeats)
    check()
    r, c = plan.softmax_shape
    return row(3, f"row softmax {r}x{c} f32, block_dim {plan.block_dim}", "ms", sim_s * 1e3,
               "numpy max/subtract/exp/sum/divide, one thread", np_s * 1e3, "<= numpy time", "<=", np_s * 1e3,
               "allclose vs numpy (rtol 1e-5, atol 1e-6)", met=ratio <= 1.0, sim_over_numpy_time=ratio,
               sim_gb_s=2 * 4 * r * c / sim_s / 1e9, numpy_gb_s=2 * 4 * r * c / np_s / 1e9)


def row_matmul(stream: Any, plan: Plan, rng: np.random.Generator) -> dict[str, Any]:
    from ascendpy import ops

    n = plan.matmul_n
    a = rng.standard_normal((n, n)).astype(np.float16)
    b = rng.standard_normal((n, n)).astype(np.float16)
    a32, b32, c32 = a.astype(np.float32), b.astype(np.float32), np.empty((n, n), np.float32)
    got = ops.matmul(a, b, out_dtype=np.float32, stream=stream)
    want = a.astype(np.float64) @ b.astype(np.float64)
    rel = float(np.abs(got - want).max() / np.abs(want).max())
    assert rel < 1e-3, f"matmul {n}^3: relative error {rel}"
    sim_s, np_s, ratio = paired_medians(lambda: ops.matmul(a, b, out_dtype=np.float32, stream=stream),
                                        lambda: np.matmul(a32, b32, out=c32), plan.matmul_repeats)
    flops = 2.0 * n ** 3
    return row(4, f"f16 matmul {n}^3 -> f32 (ascendpy.ops.matmul, cube model)", "GFLOP/s", flops / sim_s / 1e9,
               "numpy f32 matmul, BLAS, all threads", flops / np_s / 1e9, ">= 25 GFLOP/s", ">=", 25.0,
               f"max rel error vs float64 {rel:.1e} (< 1e-3)", sim_s=sim_s, numpy_s=np_s,
               sim_over_numpy_time=ratio, includes="host->device copies, the cube kernel, the copy back")


def row_launch(plan: Plan) -> dict[str, Any]:
    r = child("launch", {"batches": plan.launch_batches, "batch": plan.launch_batch})
    return row(5, "empty kernel launch + synchronize, block_dim 1", "us", r["launch_sync_us"],
               "the same raw ACL calls through ctypes", r["raw_acl_launch_sync_us"], "<= 20 us", "<=", 20.0,
               "kernel ran (synchronize returned without a fault)", ours_over_raw=r["ours_over_raw"],
               noop_ctypes_call_us=r["noop_ctypes_call_us"], launches_per_batch=plan.launch_batch,
               batches=plan.launch_batches)


def row_import(plan: Plan) -> dict[str, Any]:
    pairs = [(run_code(IMPORT.format(module="ascendpy"))["seconds"], run_code(IMPORT.format(module="numpy"))["seconds"])
             for _ in range(plan.fresh_runs)]
    ours, base = (statistics.median(p[i] for p in pairs) * 1e3 for i in (0, 1))
    startup = statistics.median(timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
                                for _ in range(plan.fresh_runs)) * 1e3
    return row(6, "import ascendpy, fresh process", "ms", ours, "import numpy, fresh process", base, "<= 150 ms",
               "<=", 150.0, "imports", runs=plan.fresh_runs, interpreter_startup_ms=startup,
               all_ms=[p[0] * 1e3 for p in pairs])


def row_first_result(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    """Rows 7 and 8: vec_mul's first result in a fresh process, with an empty cache and with it filled."""
    cold, warm, base = [], [], []
    for i in range(plan.cold_runs):
        with tempfile.TemporaryDirectory(prefix="ascendpy-bench-") as cache:
            cold.append(run_code(FIRST_RESULT, {"ASCENDPY_CACHE_DIR": cache}))
            base.append(run_code(FIRST_RESULT_NUMPY)["seconds"])
            if i == plan.cold_runs - 1:
                for _ in range(plan.warm_runs):
                    warm.append(run_code(FIRST_RESULT, {"ASCENDPY_CACHE_DIR": cache}))
                    base.append(run_code(FIRST_RESULT_NUMPY)["seconds"])
    numpy_s = statistics.median(base)

    def phases(runs: list[dict[str, Any]]) -> dict[str, float]:
        keys = ("import_s", "runtime_open_s", "get_kernel_s", "launch_and_copy_s")
        return {k: statistics.median(r[k] for r in runs) for k in keys}

    r7 = row(7, "first result, fresh process, empty cache (vec_mul)", "s",
             statistics.median(r["seconds"] for r in cold),
             "numpy: import + the same multiply, fresh process", numpy_s, "<= 1.0 s", "<=", 1.0,
             "equal to numpy (u16 wraps)", runs=len(cold), **phases(cold))
    r8 = row(8, "first result, fresh process, cache filled (vec_mul)", "s",
             statistics.median(r["seconds"] for r in warm),
             "numpy: import + the same multiply, fresh process", numpy_s, "<= 0.25 s", "<=", 0.25,
             "equal to numpy (u16 wraps)", runs=len(warm), imports_xdsl=any(r["xdsl_imported"] for r in warm),
             **phases(warm))
    return r7, r8


def row_checks(plan: Plan) -> dict[str, Any]:
    params = {"n_mul": plan.n_mul, "softmax_shape": list(plan.softmax_shape), "block_dim": plan.block_dim,
              "check_repeats": plan.check_repeats}
    rounds = [(child("sim_times", params, {"ASCENDPY_SIM_CHECKS": "1"}),
               child("sim_times", params, {"ASCENDPY_SIM_CHECKS": "0"})) for _ in range(plan.check_rounds)]
    cases = {name: {"checks_on_s": statistics.median(on[name] for on, _ in rounds),
                    "checks_off_s": statistics.median(off[name] for _, off in rounds),
                    "on_over_off": statistics.median(on[name] / off[name] for on, off in rounds)}
             for name in rounds[0][0]}
    worst = max(c["on_over_off"] for c in cases.values())
    return row(9, "slowdown from the checkers (rows 1 and 3, the worse)", "x", worst, None, None, "<= 2x", "<=",
               2.0, "both modes checked against numpy", cases=cases, rounds=plan.check_rounds)


# ------------------------------------------------------------------------------------------------- the run

def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    from ascendpy.toolchain.host import host_compiler

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else ""

    return {"platform": platform.platform(), "cpu_model": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), "numpy": np.__version__, "compiler": host_compiler().identity,
            "git_commit": git("rev-parse", "HEAD") or None, "git_dirty": bool(git("status", "--porcelain",
                                                                                   "--untracked-files=no"))}


def fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def table_rows(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    out = []
    for r in rows:
        b = r["baseline"]
        out.append((f"{r['row']}. {r['measure']}", f"{fmt(r['value'])} {r['unit']}",
                    f"{fmt(b['value'])} {r['unit']}" if b else "-", f"{r['value'] / b['value']:.2f}" if b else "-",
                    r["target"]["text"] if r["target"] else "-", "yes" if r["met"] else "NO"))
    return out


def markdown(results: dict[str, Any]) -> str:
    """The table of a results JSON (and its peers, if run) as Markdown, as docs/performance.md quotes them."""
    lines = ["| # | measure | ascendpy | baseline | / baseline | target | met |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r, t in zip(results["rows"], table_rows(results["rows"])):
        b = r["baseline"]
        base = f"{t[2]} ({b['name']})" if b else "-"
        lines.append(f"| {r['row']} | {r['measure']} | {t[1]} | {base} | {t[3]} | {t[4]} | {t[5]} |")
    if results.get("peers"):
        from benchmarks import peers

        lines += ["", peers.markdown(results["peers"])]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    plan = Plan.make(args.quick, args.tiny, args.block_dim)
    only = set(ROW_IDS) if not args.only else {int(s) for s in args.only.split(",")}
    t0 = time.perf_counter()
    results: dict[str, Any] = {"schema": SCHEMA, "issue": 14,
                               "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                               "machine": machine(), "mode": "tiny" if args.tiny else "quick" if args.quick else "full",
                               "plan": {**plan.__dict__, "softmax_shape": list(plan.softmax_shape)}, "rows": []}
    rows: list[dict[str, Any]] = results["rows"]

    def measure(rids: tuple[int, ...], fn: Callable[[], dict[str, Any] | tuple[dict[str, Any], ...]]) -> None:
        """Append fn's rows; a row that fails (a wrong result, a crash) is recorded as failed and the run goes on."""
        try:
            got = fn()
            rows.extend(r for r in (got if isinstance(got, tuple) else (got,)) if r["row"] in only)
        except Exception as e:  # reported in the table, the JSON and the exit status
            rows.extend({"row": rid, "measure": f"FAILED: {type(e).__name__}: {e}".splitlines()[0][:200],
                         "unit": "", "value": None, "baseline": None, "target": None, "met": False,
                         "error": f"{type(e).__name__}: {e}"} for rid in rids if rid in only)
        print(f"  row{'s' if len(rids) > 1 else ''} {'-'.join(map(str, rids))} done "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)

    rng = np.random.default_rng(0)
    in_process = [(1, row_mul_f32), (2, row_mul_f16), (3, row_softmax), (4, row_matmul)]
    if only & {1, 2, 3, 4}:
        from ascendpy import Acl, Context, Device, Stream

        with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
            results["machine"].update(soc=device.soc_name, driver=acl.driver)
            for rid, fn in in_process:
                if rid in only:
                    measure((rid,), lambda fn=fn: fn(stream, plan, rng))
    for rid, fn in ((5, row_launch), (6, row_import)):
        if rid in only:
            measure((rid,), lambda fn=fn: fn(plan))
    if only & {7, 8}:
        measure((7, 8), lambda: row_first_result(plan))
    if 9 in only:
        measure((9,), lambda: row_checks(plan))
    if args.peers:
        from benchmarks import peers

        results["peers"] = peers.run_all(plan, rows)
    results["elapsed_s"] = time.perf_counter() - t0
    m = results["machine"]
    report(f"issue 14 speed table ({results['mode']}): {m['cpu_model']}, {m['cores']} cores, Python {m['python']}, "
           f"numpy {m['numpy']}, {m['compiler']}, commit {(m['git_commit'] or '?')[:10]}"
           f"{' (dirty)' if m['git_dirty'] else ''}; medians; {results['elapsed_s']:.0f} s",
           ("measure", "ascendpy", "baseline", "/ baseline", "target", "met"), table_rows(rows), results,
           Path(args.json))
    if args.peers:
        peers.print_table(results["peers"])
    failed = [r["row"] for r in rows if "error" in r]
    if failed:
        print(f"rows {failed} FAILED; their errors are in {args.json}", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--tiny", action="store_true", help="tiny sizes, for the test suite (figures meaningless)")
    ap.add_argument("--only", default="", help="comma-separated row numbers (1-9)")
    ap.add_argument("--json", default=str(OUT), help=f"where to write the results (default {OUT.relative_to(ROOT)})")
    ap.add_argument("--peers", action="store_true", help="also run Numba, Taichi, Warp and Triton's interpreter "
                                                          "(pip install -e '.[peers]')")
    ap.add_argument("--block-dim", type=int, default=48, help="blocks per launch of rows 1-3 (default 48)")
    ap.add_argument("--markdown", metavar="JSON", help="print the table of a results file as Markdown; no run")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return None
    if args.worker:
        print(json.dumps(WORKERS[args.worker](json.loads(args.params))))
        return None
    return run(args)
