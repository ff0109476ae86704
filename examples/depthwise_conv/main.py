"""3x3 depthwise convolution (stride 1, padding 1) on the NPU or the simulator, checked against numpy.

Run from the repository root:  python -m examples.depthwise_conv.main
"""

from __future__ import annotations

import sys

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, Stream

from . import kernels

TOL = {np.float32: 1e-5, np.float16: 1e-2}  # relative to the largest |y|: f16 rounds after every operation


def reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """conv2d(x, w, padding=1, groups=C) accumulated in float64."""
    n, c, h, wd = x.shape
    xp = np.zeros((n, c, h + 2, wd + 2))
    xp[:, :, 1:-1, 1:-1] = x
    out = np.zeros((n, c, h, wd))
    for kh in range(3):
        for kw in range(3):
            out += w[None, :, 0, kh, kw, None, None].astype(np.float64) * xp[:, :, kh:kh + h, kw:kw + wd]
    return out


def run(loader: KernelLoader, stream: Stream, x: np.ndarray, w: np.ndarray, block_dim: int) -> np.ndarray:
    n, c, h, wd = x.shape
    if wd < 2 or (wd + 15) // 16 * 16 * 3 > kernels.CAP:
        raise ValueError(f"W must be in 2..{kernels.CAP // 3 // 16 * 16} (kernels.CAP), not {wd}")
    name = "dwconv3x3_f32" if x.dtype == np.float32 else "dwconv3x3_f16"
    y = DeviceBuffer.empty(x.dtype, x.size)
    loader.get_kernel(name)[block_dim, stream](DeviceBuffer.from_numpy(x.ravel()), DeviceBuffer.from_numpy(w.ravel()),
                                               y, n, c, h, wd)
    stream.synchronize()
    return y.to_numpy().reshape(x.shape)


def main(shapes: list[tuple[int, int, int, int]] | None = None, dtypes: tuple[type, ...] = (np.float32, np.float16),
         block_dim: int = 4, seed: int | None = None) -> bool:
    """Each [N, C, H, W] shape in each dtype; True when every result is within TOL of the float64 reference."""
    shapes = shapes or [(2, 3, 17, 45), (1, 2, 300, 45)]
    rng = np.random.default_rng(seed)
    ok = True
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        loader = KernelLoader.from_module(kernels)
        print(f"depthwise 3x3 conv on {device.soc_name} ({acl.driver})")
        for shape in shapes:
            for dtype in dtypes:
                x = rng.standard_normal(shape).astype(dtype)
                w = rng.standard_normal((shape[1], 1, 3, 3)).astype(dtype)
                got = run(loader, stream, x, w, block_dim)
                want = reference(x, w)
                err = float(np.abs(got.astype(np.float64) - want).max())
                good = err <= TOL[dtype] * float(np.abs(want).max())
                ok &= good
                print(f"  {np.dtype(dtype).name} {'x'.join(map(str, shape))}: max abs error {err:.3g} "
                      f"{'ok' if good else 'MISMATCH'}")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
