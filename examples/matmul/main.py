"""Matrix multiplication on the cube unit, then fused epilogues on the vector units.

1. `ascendpy.ops.matmul`: f16 inputs, f32 output, tiled over the blocks (the kernels are in
   ascendpy/ops/kernels/matmul.py), for shapes that are and are not multiples of 16, and with B given
   transposed; each checked against numpy in float64 (relative error below 1e-3).
2. Mix kernels (kernels.py): the AIC multiplies into a workspace and raises a cross-core flag, the two
   AIVs of its group add a bias and apply ReLU, or take a softmax over each row.

Run from the repository root:  python -m examples.matmul.main
"""

from __future__ import annotations

import time

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream, ops

from . import kernels

SHAPES = [(16, 16, 16), (128, 256, 64), (1000, 333, 77), (1024, 1024, 1024)]  # (m, n, k)
TOLERANCE = 1e-3


def rel_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got.astype(np.float64) - want).max() / max(np.abs(want).max(), 1e-30))


def softmax_rows(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def run_fused(stream: Stream, loader: KernelLoader, name: str, a: np.ndarray, b: np.ndarray,
              bias: np.ndarray | None = None) -> np.ndarray:
    """Launch mix kernel `name` on one group per BM-row block (at most the SoC's cube cores)."""
    (m, k), n = a.shape, b.shape[1]
    groups = min(-(-m // kernels.BM), stream.context.device.ai_core_count or 1)
    bufs = [DeviceBuffer.from_numpy(a.ravel()), DeviceBuffer.from_numpy(np.ascontiguousarray(b.T).ravel())]  # B^T
    if bias is not None:
        bufs.append(DeviceBuffer.from_numpy(bias))
    ws, out = DeviceBuffer.empty(np.float32, m * n), DeviceBuffer.empty(np.float32, m * n)
    loader.get_kernel(name)[groups, stream](*bufs, ws, out, m, n, k)
    result = out.to_numpy().reshape(m, n)
    for buf in (*bufs, ws, out):
        buf.close()
    return result


def main(shapes: list[tuple[int, int, int]] | None = None, fused: tuple[int, int, int] = (200, 300, 77),
         seed: int = 0) -> bool:
    rng = np.random.default_rng(seed)
    ok = True
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        print(f"cube matmul on {device.soc_name} ({acl.driver})")
        for m, n, k in shapes or SHAPES:
            a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
            b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
            want = a.astype(np.float64) @ b.astype(np.float64)
            t0 = time.perf_counter()
            c = ops.matmul(a, b, out_dtype=np.float32, stream=stream)
            dt = time.perf_counter() - t0
            ct = ops.matmul(a, np.ascontiguousarray(b.T), transpose_b=True, out_dtype=np.float32, stream=stream)
            errs = rel_error(c, want), rel_error(ct, want)
            good = c.dtype == np.float32 and max(errs) < TOLERANCE
            ok &= good
            print(f"  {m:5d} x {n:5d} x {k:5d}: rel error {errs[0]:.1e} (transpose-B {errs[1]:.1e}), "
                  f"{dt * 1e3:7.1f} ms, {2 * m * n * k / dt / 1e9:6.2f} GFLOP/s {'ok' if good else 'MISMATCH'}")
        loader = KernelLoader.from_module(kernels)
        m, n, k = fused
        a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
        b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
        bias = rng.uniform(-1, 1, n).astype(np.float32)
        scores = a.astype(np.float64) @ b.astype(np.float64)
        for name, want, extra in (("matmul_bias_relu", np.maximum(scores + bias, 0), bias),
                                  ("matmul_softmax", softmax_rows(scores), None)):
            got = run_fused(stream, loader, name, a, b, extra)
            err = rel_error(got, want)
            good = err < TOLERANCE
            ok &= good
            print(f"  mix {name} {m} x {n} x {k}: rel error {err:.1e} {'ok' if good else 'MISMATCH'}")
    return ok


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
