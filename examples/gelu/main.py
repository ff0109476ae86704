"""Exact GELU (torch.nn.functional.gelu, approximate='none') with std.erf, against a float64 reference.

Reports, per dtype, the max abs error and the fraction of points outside MultiKernelBench's tolerance
(atol = rtol = 1e-2) over [-6, 6], for the erf kernel and, for comparison, the tanh approximation.

Run from the repository root:  python -m examples.gelu.main
"""

from __future__ import annotations

import math
import sys

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream

from . import kernels

ATOL = RTOL = 1e-2  # MultiKernelBench's correctness tolerance
_erf = np.vectorize(math.erf, otypes=[np.float64])


def reference(x: np.ndarray) -> np.ndarray:
    """0.5 x (1 + erf(x / sqrt(2))) in float64 on the kernel's own (rounded) inputs."""
    x64 = x.astype(np.float64)
    return 0.5 * x64 * (1.0 + _erf(x64 / math.sqrt(2.0)))


def run(loader: KernelLoader, stream: Stream, name: str, x: np.ndarray, block_dim: int) -> np.ndarray:
    x_dev, y_dev = DeviceBuffer.from_numpy(x), DeviceBuffer.empty(x.dtype, x.size)
    loader.get_kernel(name)[block_dim, stream](x_dev, y_dev, x.size)
    stream.synchronize()
    return y_dev.to_numpy()


def outside(got: np.ndarray, want: np.ndarray) -> float:
    """The fraction of elements that fail np.allclose(got, want, rtol=RTOL, atol=ATOL)."""
    return float((np.abs(got.astype(np.float64) - want) > ATOL + RTOL * np.abs(want)).mean())


def main(n: int = 1_000_001, block_dim: int | None = None) -> dict[str, tuple[float, float]]:
    """GELU on n points evenly over [-6, 6]; returns {kernel: (max abs error, fraction outside)}."""
    results: dict[str, tuple[float, float]] = {}
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        loader = KernelLoader.from_module(kernels)
        blocks = block_dim or device.vector_core_count
        print(f"GELU over {n} points in [-6, 6], {blocks} blocks on {device.soc_name} ({acl.driver})")
        for dtype, suffix in ((np.float32, "f32"), (np.float16, "f16")):
            x = np.linspace(-6.0, 6.0, n).astype(dtype)
            want = reference(x)
            for name in (f"gelu_{suffix}", f"gelu_tanh_{suffix}"):
                got = run(loader, stream, name, x, blocks)
                err, frac = float(np.abs(got.astype(np.float64) - want).max()), outside(got, want)
                results[name] = (err, frac)
                print(f"  {name:14s} max abs error {err:.3g}, outside atol=rtol=1e-2: {frac:.2%}")
    return results


if __name__ == "__main__":
    res = main()
    sys.exit(0 if res["gelu_f32"][1] == 0 and res["gelu_f16"][1] == 0 else 1)
