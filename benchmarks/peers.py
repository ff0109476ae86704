"""The peers `python -m benchmarks --peers` runs beside ascendpy: Numba, Taichi, Warp and Triton's interpreter.

Each peer runs the same f32 multiply, f16 multiply and row softmax (and matmul where it has one of its own) its
own way on the CPU, at the sizes of the ascendpy rows, alternating with the same numpy baseline, and is checked
against numpy (bit-exact for the multiplies). Each peer runs in a child process of its own (a crash or a
thread pool of one cannot disturb another). Install them with `pip install -e '.[peers]'`.

No `from __future__ import annotations` here: Taichi and Warp read kernel annotations as live objects.
"""

import importlib.metadata
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.bench_vector import numpy_softmax_rows, paired_medians
from benchmarks.bench_vector import print_table as print_rows

# (peer, distribution, extra environment of its child)
PEERS = [("numba", "numba", {}), ("taichi", "taichi", {}), ("warp", "warp-lang", {}),
         ("triton (interpreter)", "triton", {"TRITON_INTERPRET": "1"})]
NOT_INSTALLED = "not installed (pip install -e '.[peers]')"
CASES = ("f32 multiply", "f16 multiply", "row softmax", "f16 matmul")

# A peer case: inputs -> (run once, the result as a numpy array).
Prepared = tuple[Callable[[], object], Callable[[], np.ndarray]]


# ------------------------------------------------------------------------------------------------ the peers

def numba_cases() -> dict[str, Callable[..., Prepared]]:
    import numba

    @numba.njit(parallel=True)
    def mul(x, y, z):
        for i in numba.prange(x.size):
            z[i] = x[i] * y[i]

    @numba.njit(parallel=True)
    def softmax(x, y):
        for r in numba.prange(x.shape[0]):
            m = x[r, 0]
            for c in range(1, x.shape[1]):
                m = max(m, x[r, c])
            s = np.float32(0)
            for c in range(x.shape[1]):
                e = np.exp(x[r, c] - m)
                y[r, c] = e
                s += e
            for c in range(x.shape[1]):
                y[r, c] = y[r, c] / s

    def prep_mul(x: np.ndarray, y: np.ndarray) -> Prepared:
        z = np.empty_like(x)
        return (lambda: mul(x, y, z)), (lambda: z)

    def prep_softmax(x: np.ndarray) -> Prepared:
        y = np.empty_like(x)
        return (lambda: softmax(x, y)), (lambda: y)

    # No matmul of its own: np.dot inside njit calls numpy's BLAS.
    return {"f32 multiply": prep_mul, "f16 multiply": prep_mul, "row softmax": prep_softmax}


def taichi_cases() -> dict[str, Callable[..., Prepared]]:
    import taichi as ti

    ti.init(arch=ti.cpu, fast_math=False, log_level=ti.WARN)

    def mul_kernel(dt: Any) -> Any:
        @ti.kernel
        def mul(x: ti.types.ndarray(dtype=dt, ndim=1), y: ti.types.ndarray(dtype=dt, ndim=1),
                z: ti.types.ndarray(dtype=dt, ndim=1)):
            for i in range(x.shape[0]):
                z[i] = x[i] * y[i]
        return mul

    muls = {np.float32: mul_kernel(ti.f32), np.float16: mul_kernel(ti.f16)}

    @ti.kernel
    def softmax(x: ti.types.ndarray(dtype=ti.f32, ndim=2), y: ti.types.ndarray(dtype=ti.f32, ndim=2)):
        for r in range(x.shape[0]):  # the outermost loop runs in parallel, the inner ones serially
            m = x[r, 0]
            for c in range(1, x.shape[1]):
                m = ti.max(m, x[r, c])
            s = 0.0  # ti.f32, Taichi's default float
            for c in range(x.shape[1]):
                e = ti.exp(x[r, c] - m)
                y[r, c] = e
                s += e
            for c in range(x.shape[1]):
                y[r, c] = y[r, c] / s

    def prep_mul(x: np.ndarray, y: np.ndarray) -> Prepared:
        z = np.empty_like(x)
        k = muls[x.dtype.type]
        return (lambda: (k(x, y, z), ti.sync())), (lambda: z)

    def prep_softmax(x: np.ndarray) -> Prepared:
        y = np.empty_like(x)
        return (lambda: (softmax(x, y), ti.sync())), (lambda: y)

    return {"f32 multiply": prep_mul, "f16 multiply": prep_mul, "row softmax": prep_softmax}


def warp_cases() -> dict[str, Callable[..., Prepared]]:
    import warp as wp

    wp.config.quiet = True
    wp.init()

    def mul_kernel(dt: Any) -> Any:
        def mul(x: wp.array(dtype=dt), y: wp.array(dtype=dt), z: wp.array(dtype=dt)):
            i = wp.tid()
            z[i] = x[i] * y[i]
        return wp.Kernel(mul, key=f"mul_{dt.__name__}")

    muls = {np.float32: mul_kernel(wp.float32), np.float16: mul_kernel(wp.float16)}

    @wp.kernel
    def softmax(x: wp.array2d(dtype=wp.float32), y: wp.array2d(dtype=wp.float32)):
        r = wp.tid()
        cols = x.shape[1]
        m = wp.float32(x[r, 0])  # a constructor: Warp lets a loop reassign only such variables
        for c in range(1, cols):
            m = wp.max(m, x[r, c])
        s = wp.float32(0.0)
        for c in range(cols):
            e = wp.exp(x[r, c] - m)
            y[r, c] = e
            s += e
        for c in range(cols):
            y[r, c] = y[r, c] / s

    def prep_mul(x: np.ndarray, y: np.ndarray) -> Prepared:
        dt = wp.float32 if x.dtype == np.float32 else wp.float16
        xw, yw = (wp.array(a, dtype=dt, device="cpu", copy=False) for a in (x, y))
        zw = wp.empty(x.size, dtype=dt, device="cpu")
        k = muls[x.dtype.type]
        return (lambda: (wp.launch(k, dim=x.size, inputs=[xw, yw, zw], device="cpu"), wp.synchronize())), zw.numpy

    def prep_softmax(x: np.ndarray) -> Prepared:
        xw = wp.array(x, dtype=wp.float32, device="cpu", copy=False)
        yw = wp.empty(x.shape, dtype=wp.float32, device="cpu")
        return (lambda: (wp.launch(softmax, dim=x.shape[0], inputs=[xw, yw], device="cpu"),
                         wp.synchronize())), yw.numpy

    return {"f32 multiply": prep_mul, "f16 multiply": prep_mul, "row softmax": prep_softmax}


def triton_cases() -> dict[str, Callable[..., Prepared]]:
    assert os.environ.get("TRITON_INTERPRET") == "1", "Triton runs on the CPU only through its interpreter"
    import torch
    import triton
    import triton.language as tl

    @triton.jit
    def mul_kernel(x_ptr, y_ptr, z_ptr, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        mask = offs < n
        tl.store(z_ptr + offs, tl.load(x_ptr + offs, mask=mask) * tl.load(y_ptr + offs, mask=mask), mask=mask)

    @triton.jit
    def softmax_kernel(x_ptr, y_ptr, rows, cols, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr):
        r = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)[:, None]
        c = tl.arange(0, BLOCK_N)[None, :]
        mask = (r < rows) & (c < cols)
        x = tl.load(x_ptr + r * cols + c, mask=mask, other=-float("inf"))
        e = tl.exp(x - tl.max(x, axis=1)[:, None])
        tl.store(y_ptr + r * cols + c, e / tl.sum(e, axis=1)[:, None], mask=mask)

    @triton.jit
    def matmul_kernel(a_ptr, b_ptr, c_ptr, M, N, K, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr):
        rm = tl.program_id(0) * BM + tl.arange(0, BM)
        rn = tl.program_id(1) * BN + tl.arange(0, BN)
        rk = tl.arange(0, BK)
        acc = tl.zeros((BM, BN), dtype=tl.float32)
        for k in range(0, K, BK):
            a = tl.load(a_ptr + rm[:, None] * K + (k + rk)[None, :],
                        mask=(rm[:, None] < M) & ((k + rk)[None, :] < K), other=0.0)
            b = tl.load(b_ptr + (k + rk)[:, None] * N + rn[None, :],
                        mask=((k + rk)[:, None] < K) & (rn[None, :] < N), other=0.0)
            acc += tl.dot(a, b)
        tl.store(c_ptr + rm[:, None] * N + rn[None, :], acc, mask=(rm[:, None] < M) & (rn[None, :] < N))

    def prep_mul(x: np.ndarray, y: np.ndarray) -> Prepared:
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        zt = torch.empty_like(xt)
        block = 1 << 16
        grid = (triton.cdiv(x.size, block),)
        return (lambda: mul_kernel[grid](xt, yt, zt, x.size, BLOCK=block)), zt.numpy

    def prep_softmax(x: np.ndarray) -> Prepared:
        xt = torch.from_numpy(x)
        yt = torch.empty_like(xt)
        rows, cols = x.shape
        bm, bn = 16, triton.next_power_of_2(cols)
        return (lambda: softmax_kernel[(triton.cdiv(rows, bm),)](xt, yt, rows, cols, BLOCK_M=bm,
                                                                 BLOCK_N=bn)), yt.numpy

    def prep_matmul(a: np.ndarray, b: np.ndarray) -> Prepared:
        at, bt = torch.from_numpy(a), torch.from_numpy(b)
        (m, k), n = a.shape, b.shape[1]
        ct = torch.empty((m, n), dtype=torch.float32)
        bs = min(128, triton.next_power_of_2(max(m, n, 16)))
        grid = (triton.cdiv(m, bs), triton.cdiv(n, bs))
        return (lambda: matmul_kernel[grid](at, bt, ct, m, n, k, BM=bs, BN=bs, BK=min(64, bs))), ct.numpy

    return {"f32 multiply": prep_mul, "f16 multiply": prep_mul, "row softmax": prep_softmax,
            "f16 matmul": prep_matmul}


MAKERS: dict[str, Callable[[], dict[str, Callable[..., Prepared]]]] = {
    "numba": numba_cases, "taichi": taichi_cases, "warp": warp_cases, "triton (interpreter)": triton_cases}


# ------------------------------------------------------------------------------------------------ measuring

def worker_peer(params: dict[str, Any]) -> dict[str, Any]:
    """One peer's cases in this process, each against numpy in alternation; {case: result}."""
    from benchmarks.suite import _POOL, Plan, numpy_two_threads

    plan = Plan(**{**params["plan"], "softmax_shape": tuple(params["plan"]["softmax_shape"])})
    cases = MAKERS[params["peer"]]()
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {}
    two = numpy_two_threads(_POOL)
    repeats = max(1, min(plan.repeats, 5))
    for case in CASES:
        if case not in cases:
            out[case] = {"status": "n/a (no matmul of its own)" if case == "f16 matmul" else "n/a"}
            continue
        try:
            if case.endswith("multiply"):
                dt = np.float32 if case.startswith("f32") else np.float16
                x, y = (rng.standard_normal(plan.n_mul).astype(dt) for _ in range(2))
                z = np.empty_like(x)
                run, result = cases[case](x, y)
                ref: Callable[[], object] = lambda x=x, y=y, z=z: two(x, y, z)  # noqa: E731
                units, work = "GB/s", 3 * x.nbytes / 1e9
            elif case == "row softmax":
                x = (rng.standard_normal(plan.softmax_shape) * 4).astype(np.float32)
                z = np.empty_like(x)
                run, result = cases[case](x)
                ref = lambda x=x, z=z: numpy_softmax_rows(x, z)  # noqa: E731
                units, work = "ms", None
            else:
                n = plan.matmul_n
                a, b = (rng.standard_normal((n, n)).astype(np.float16) for _ in range(2))
                a32, b32, z = a.astype(np.float32), b.astype(np.float32), np.empty((n, n), np.float32)
                run, result = cases[case](a, b)
                ref = lambda a32=a32, b32=b32, z=z: np.matmul(a32, b32, out=z)  # noqa: E731
                units, work = "GFLOP/s", 2.0 * n ** 3 / 1e9
            peer_s, np_s, ratio = paired_medians(run, ref, repeats if case != "f16 matmul" else plan.matmul_repeats)
            got = result()
            if case.endswith("multiply"):
                ok = np.array_equal(got.view(np.uint8), np.multiply(x, y).view(np.uint8))
                checked = "bit-exact" if ok else "NOT bit-exact"
            elif case == "row softmax":
                want = np.empty_like(x)
                numpy_softmax_rows(x, want)
                ok = bool(np.allclose(got, want, rtol=1e-5, atol=1e-6))
                checked = "allclose" if ok else "NOT allclose (rtol 1e-5, atol 1e-6)"
            else:
                want = a.astype(np.float64) @ b.astype(np.float64)
                rel = float(np.abs(got - want).max() / np.abs(want).max())
                ok, checked = rel < 1e-3, f"rel err {rel:.1e}"
            value, base = ((work / peer_s, work / np_s) if work else (peer_s * 1e3, np_s * 1e3))
            out[case] = {"status": "ok" if ok else "mismatch", "unit": units, "value": value, "numpy": base,
                         "peer_over_numpy_time": ratio, "checked": checked, "peer_s": peer_s, "numpy_s": np_s}
        except Exception as e:  # a peer that cannot run a case (e.g. no f16 on the CPU) says why
            last = next((ln.strip() for ln in reversed(str(e).splitlines()) if ln.strip()), "")
            out[case] = {"status": f"unsupported: {type(e).__name__}: {last[:160]}"}
    return out


def run_all(plan: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every peer in a child of its own; {peer: {"version": ..., "cases": {...}}}."""
    from benchmarks.suite import child

    results: dict[str, Any] = {}
    for peer, dist, env in PEERS:
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            results[peer] = {"version": None, "status": NOT_INSTALLED, "cases": {}}
            continue
        params = {"peer": peer, "plan": {**plan.__dict__, "softmax_shape": list(plan.softmax_shape)}}
        try:
            cases = child("peer", params, env)
            results[peer] = {"version": version, "status": "ok", "cases": cases}
        except RuntimeError as e:
            results[peer] = {"version": version, "status": f"failed: {str(e).splitlines()[-1][:200]}", "cases": {}}
        print(f"  peer {peer} done", flush=True)
    by_row = {r["row"]: r for r in rows}
    ours = {"f32 multiply": 1, "f16 multiply": 2, "row softmax": 3, "f16 matmul": 4}
    results["ascendpy"] = {}
    for case, i in ours.items():
        if i in by_row and "error" not in by_row[i]:
            r = by_row[i]
            d = r["details"]
            ratio = d["sim_over_numpy_time"] if "sim_over_numpy_time" in d else 1 / d["sim_over_numpy_throughput"]
            results["ascendpy"][case] = {"value": r["value"], "unit": r["unit"], "numpy": r["baseline"]["value"],
                                         "peer_over_numpy_time": ratio, "checked": r["checked"]}
    return results


def print_table(peers: dict[str, Any]) -> None:
    lines: list[tuple[str, ...]] = []
    ours = peers.get("ascendpy", {})
    entries = [("ascendpy (simulator)", {"cases": ours}), *((f"{p} {i['version'] or ''}".strip(), i)
                                                       for p, i in peers.items() if p != "ascendpy")]
    for case in CASES:
        for who, info in entries:
            c = info["cases"].get(case)
            if c is None and who.startswith("ascendpy"):
                continue
            if c is None:
                lines.append((case, who, "-", "", "", info["status"]))
            elif "value" in c:
                lines.append((case, who, f"{c['value']:.3g} {c['unit']}",
                              f"{c['numpy']:.3g} {c['unit']}", f"{1 / c['peer_over_numpy_time']:.2f}"
                              if c["unit"] != "ms" else f"{c['peer_over_numpy_time']:.2f}", c["checked"]))
            else:
                lines.append((case, who, "-", "", "", c["status"]))
    print("peers on the CPU, same sizes (GB/s and GFLOP/s: higher is better; ms: lower is better); "
          "'vs numpy' is the paired throughput ratio (time ratio for ms)")
    print_rows(("case", "who", "figure", "numpy", "vs numpy", "checked / status"), lines, right=False)


def markdown(peers: dict[str, Any]) -> str:
    """The peers table as Markdown ('vs numpy': throughput ratio, or time ratio for ms)."""
    lines = ["| case | who | figure | numpy, same run | vs numpy | checked / status |",
             "| --- | --- | --- | --- | --- | --- |"]
    entries = [("ascendpy (simulator)", peers.get("ascendpy", {})),
               *((f"{p} {i['version'] or ''}".strip(), i["cases"]) for p, i in peers.items() if p != "ascendpy")]
    for case in CASES:
        for who, cases in entries:
            c = cases.get(case)
            if c is None:
                if not who.startswith("ascendpy"):
                    status = next(i["status"] for p, i in peers.items() if who.startswith(p))
                    lines.append(f"| {case} | {who} | - | | | {status} |")
            elif "value" in c:
                ratio = c["peer_over_numpy_time"] if c["unit"] == "ms" else 1 / c["peer_over_numpy_time"]
                lines.append(f"| {case} | {who} | {c['value']:.3g} {c['unit']} | {c['numpy']:.3g} {c['unit']} | "
                             f"{ratio:.2f} | {c['checked']} |")
            else:
                lines.append(f"| {case} | {who} | - | | | {c['status']} |")
    return "\n".join(lines)
