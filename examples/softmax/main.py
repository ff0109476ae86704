"""The softmax host program of the ascend-rs book, chapter 4: run both kernels and check them against numpy.

Run from the repository root:  python -m examples.softmax.main
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream

from . import kernels

RTOL = 1e-5  # the simulator's exp and numpy's differ in the last bits
ATOL = 1e-6


def reference(x: np.ndarray) -> np.ndarray:
    """The numerically stable softmax over the last axis, computed in float64, rounded to float32."""
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def numpy_softmax(x: np.ndarray) -> np.ndarray:
    """The same work as softmax_rows done by numpy in float32 (the timing baseline)."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


def run_scalar(loader: KernelLoader, stream: Stream, x: np.ndarray) -> tuple[np.ndarray, float]:
    """softmax(x) with the book's scalar kernel on one block; returns (result, seconds of the timed launch)."""
    x_dev, y_dev = DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, len(x))
    len_dev = DeviceBuffer.from_numpy(np.array([len(x)], dtype=np.uint32))  # len goes through a pointer
    kernel = loader.get_kernel("softmax")
    kernel[1, stream](x_dev, y_dev, len_dev)  # the first launch loads the library into the context
    stream.synchronize()
    t0 = time.perf_counter()
    kernel[1, stream](x_dev, y_dev, len_dev)
    stream.synchronize()
    return y_dev.to_numpy(), time.perf_counter() - t0


def run_rows(loader: KernelLoader, stream: Stream, m: np.ndarray, block_dim: int) -> tuple[np.ndarray, float]:
    """Row softmax of a rows x cols f32 matrix with softmax_rows; returns (result, seconds of the timed launch)."""
    rows, cols = m.shape
    m_dev, out_dev = DeviceBuffer.from_numpy(m.ravel()), DeviceBuffer.empty(np.float32, m.size)
    kernel = loader.get_kernel("softmax_rows")
    kernel[block_dim, stream](m_dev, out_dev, rows, cols)
    stream.synchronize()
    t0 = time.perf_counter()
    kernel[block_dim, stream](m_dev, out_dev, rows, cols)
    stream.synchronize()
    return out_dev.to_numpy().reshape(rows, cols), time.perf_counter() - t0


def check(name: str, got: np.ndarray, want: np.ndarray, seconds: float) -> bool:
    err = float(np.abs(got.astype(np.float64) - want).max()) if got.size else 0.0
    ok = bool(np.allclose(got, want, rtol=RTOL, atol=ATOL))
    print(f"{name}: max abs error {err:.3g}, {seconds * 1e3:.2f} ms, {'ok' if ok else 'MISMATCH'}")
    return ok


def main(n: int = 1024, rows: int = 256, cols: int = 1000, block_dim: int | None = None,
         seed: int | None = None) -> bool:
    """Scalar kernel on n elements, row kernel on a rows x cols matrix; True when both match numpy."""
    if not 1 <= cols <= kernels.MAX_COLS:
        raise ValueError(f"cols must be in 1..{kernels.MAX_COLS} (kernels.MAX_COLS), not {cols}")
    rng = np.random.default_rng(seed)
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        loader = KernelLoader.from_module(kernels)
        blocks = block_dim or device.vector_core_count
        print(f"softmax on {device.soc_name} ({acl.driver})")

        x = (rng.standard_normal(n) * 4).astype(np.float32)
        y, seconds = run_scalar(loader, stream, x)
        ok = check(f"scalar softmax (book 4.2), {n} elements, 1 block", y, reference(x), seconds)

        m = (rng.standard_normal((rows, cols)) * 4).astype(np.float32)
        out, seconds = run_rows(loader, stream, m, blocks)
        ok &= check(f"row softmax (book 4.3), {rows} x {cols}, {blocks} blocks", out, reference(m), seconds)
        t0 = time.perf_counter()
        numpy_softmax(m)
        print(f"  numpy float32 on the same matrix: {(time.perf_counter() - t0) * 1e3:.2f} ms")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
