"""examples/depthwise_conv: 3x3 depthwise convolution from std.load_rows windows, against numpy (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import KernelLoader
from examples.depthwise_conv import kernels
from examples.depthwise_conv import main as dwconv


@pytest.fixture(scope="module")
def loader() -> KernelLoader:
    return KernelLoader.from_module(kernels, soc="910B")


def test_depthwise_conv_program(capsys, rng):
    assert dwconv.main(shapes=[(2, 3, 17, 45)], seed=int(rng.integers(1 << 31)))
    out = capsys.readouterr().out
    assert out.count(" ok") == 2 and "MISMATCH" not in out and "max abs error" in out


@pytest.mark.parametrize(("shape", "block_dim"), [
    ((2, 3, 17, 45), 4),    # odd H and W, one tile per plane, planes shared by 4 blocks
    ((1, 2, 203, 45), 2),   # 203 rows: two tiles of at most 168 rows, the seam between them
    ((3, 1, 5, 2), 3),      # the smallest W (shifted rows of one element)
    ((1, 1, 9, 100), 1),    # a row longer than 32 bytes twice over, W a multiple of nothing
])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_depthwise_conv_against_numpy(runtime, rng, loader, shape, block_dim, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((shape[1], 1, 3, 3)).astype(dtype)
    got = dwconv.run(loader, runtime[3], x, w, block_dim)
    want = dwconv.reference(x, w)
    scale = float(np.abs(want).max())
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0, atol=dwconv.TOL[dtype] * scale)


def test_reference_is_torch_conv2d_semantics():
    """The numpy reference is conv2d(x, w, padding=1, groups=C): one hand-computed output element."""
    x = np.arange(2 * 4 * 5, dtype=np.float32).reshape(1, 2, 4, 5)
    w = np.arange(2 * 9, dtype=np.float32).reshape(2, 1, 3, 3)
    y = dwconv.reference(x, w)
    c, i, j = 1, 0, 4  # top-right corner of channel 1: only w[1, 0, 1:, :2] sees the image
    want = sum(w[c, 0, kh, kw] * x[0, c, i + kh - 1, j + kw - 1] for kh in (1, 2) for kw in (0, 1))
    assert y[0, c, i, j] == want


def test_too_narrow_an_image_is_refused(runtime, loader):
    x = np.zeros((1, 1, 4, 1), np.float32)
    with pytest.raises(ValueError, match="W must be in 2.."):
        dwconv.run(loader, runtime[3], x, np.zeros((1, 1, 3, 3), np.float32), 1)
