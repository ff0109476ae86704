"""torch.cumsum(x, dim=-1) on a [rows, cols] f32 matrix with std.cumsum, checked against numpy.

Run from the repository root:  python -m examples.cumsum.main
"""

from __future__ import annotations

import sys

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream

from . import kernels

RTOL, ATOL = 1e-5, 1e-4


def reference(x: np.ndarray) -> np.ndarray:
    """torch.cumsum(x, dim=-1) semantics: float32 in, the exact prefix sums (float64) to compare with."""
    return np.cumsum(x.astype(np.float64), axis=-1)


def run(loader: KernelLoader, stream: Stream, x: np.ndarray, block_dim: int) -> np.ndarray:
    rows, cols = x.shape
    x_dev, y_dev = DeviceBuffer.from_numpy(x.ravel()), DeviceBuffer.empty(np.float32, x.size)
    loader.get_kernel("cumsum_rows")[block_dim, stream](x_dev, y_dev, rows, cols)
    stream.synchronize()
    return y_dev.to_numpy().reshape(rows, cols)


def main(rows: int = 1001, cols: int = 333, block_dim: int | None = None, seed: int | None = None) -> bool:
    """cumsum along the last axis of a random rows x cols matrix; True when it matches numpy."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        loader = KernelLoader.from_module(kernels)
        blocks = block_dim or device.vector_core_count
        print(f"cumsum(x, dim=-1), x [{rows}, {cols}] f32, {blocks} blocks on {device.soc_name} ({acl.driver})")
        y = run(loader, stream, x, blocks)
    want = reference(x)
    f32 = np.cumsum(x, axis=-1, dtype=np.float32)  # what torch.cumsum computes on the CPU (sequential f32)
    err = float(np.abs(y - want).max())
    err32 = float(np.abs(y - f32).max())
    ok = bool(np.allclose(y, want, rtol=RTOL, atol=ATOL))
    same = int((y == f32).sum())
    print(f"max abs error {err:.3g} vs float64 (numpy float32 cumsum: {float(np.abs(f32 - want).max()):.3g}); "
          f"{err32:.3g} vs numpy float32, {same} of {y.size} elements bit-identical; {'ok' if ok else 'MISMATCH'}")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
