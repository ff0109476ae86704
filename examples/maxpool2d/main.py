"""2-D max pooling (kernel 3, stride 2, padding 1) on the NPU or the simulator, checked against numpy.

Run from the repository root:  python -m examples.maxpool2d.main
"""

from __future__ import annotations

import sys

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream

from . import kernels

MAX_W = kernels.CAP // 2 - 1  # a tile holds at least two rows of W + 1 columns (rounded up to 64 bytes)


def out_size(n: int) -> int:
    """Ho for H (Wo for W): (n + 2 * padding - kernel) // stride + 1."""
    return (n + 2 - 3) // 2 + 1


def reference(x: np.ndarray) -> np.ndarray:
    """max_pool2d(x, kernel_size=3, stride=2, padding=1): pad with -inf, take the max of every 3x3 window."""
    n, c, h, wd = x.shape
    xp = np.full((n, c, h + 2, wd + 2), -np.inf, dtype=x.dtype)
    xp[:, :, 1:-1, 1:-1] = x
    ho, wo = out_size(h), out_size(wd)
    out = np.full((n, c, ho, wo), -np.inf, dtype=x.dtype)
    for kh in range(3):
        for kw in range(3):
            out = np.maximum(out, xp[:, :, kh:kh + 2 * ho - 1:2, kw:kw + 2 * wo - 1:2])
    return out


def run(loader: KernelLoader, stream: Stream, x: np.ndarray, block_dim: int) -> np.ndarray:
    n, c, h, wd = x.shape
    if not 1 <= wd <= MAX_W or h < 1:
        raise ValueError(f"W must be in 1..{MAX_W} (kernels.CAP // 2 - 1) and H at least 1, not {wd} and {h}")
    name = "maxpool3s2_f32" if x.dtype == np.float32 else "maxpool3s2_f16"
    ho, wo = out_size(h), out_size(wd)
    y = DeviceBuffer.empty(x.dtype, n * c * ho * wo)
    loader.get_kernel(name)[block_dim, stream](DeviceBuffer.from_numpy(x.ravel()), y, n, c, h, wd)
    stream.synchronize()
    return y.to_numpy().reshape(n, c, ho, wo)


def main(shapes: list[tuple[int, int, int, int]] | None = None, dtypes: tuple[type, ...] = (np.float32, np.float16),
         block_dim: int = 4, seed: int | None = None) -> bool:
    """Each [N, C, H, W] shape in each dtype; True when every result equals the numpy reference (max is exact)."""
    shapes = shapes or [(2, 3, 17, 45), (1, 2, 64, 600)]
    rng = np.random.default_rng(seed)
    ok = True
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        loader = KernelLoader.from_module(kernels)
        print(f"max_pool2d(kernel 3, stride 2, padding 1) on {device.soc_name} ({acl.driver})")
        for shape in shapes:
            for dtype in dtypes:
                x = rng.standard_normal(shape).astype(dtype)
                got = run(loader, stream, x, block_dim)
                want = reference(x)
                err = float(np.abs(got.astype(np.float64) - want.astype(np.float64)).max())
                good = got.shape == want.shape and err == 0.0
                ok &= good
                print(f"  {np.dtype(dtype).name} {'x'.join(map(str, shape))} -> {'x'.join(map(str, want.shape))}: "
                      f"max abs error {err:.3g} {'ok' if good else 'MISMATCH'}")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
