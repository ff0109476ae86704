"""examples/maxpool2d: max_pool2d(kernel 3, stride 2, padding 1) from strided load_rows and GatherMask, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import CompileError, KernelLoader
from examples.maxpool2d import kernels
from examples.maxpool2d import main as maxpool


@pytest.fixture(scope="module")
def loader() -> KernelLoader:
    return KernelLoader.from_module(kernels, soc="910B")


def test_maxpool2d_program(capsys, rng):
    assert maxpool.main(shapes=[(2, 3, 17, 45)], seed=int(rng.integers(1 << 31)))
    out = capsys.readouterr().out
    assert out.count(" ok") == 2 and "MISMATCH" not in out and "2x3x9x23" in out


@pytest.mark.parametrize(("shape", "block_dim"), [
    ((2, 3, 17, 45), 4),    # odd H and W: row H and column W of the last windows are padding
    ((1, 1, 1, 1), 1),      # one element: every neighbour is padding, no odd row is loaded
    ((1, 2, 2, 3), 2),      # H even (no bottom padding row), W odd
    ((2, 1, 6, 8), 3),      # H and W even
    ((1, 1, 3, 5), 8),      # more blocks than work
    ((1, 1, 101, 600), 3),  # 51 output rows in 5 tiles of at most 12 (ld 608): the seams, the last tile short
    ((1, 1, 5, maxpool.MAX_W), 2),  # the widest W: one output row per tile
])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_maxpool2d_against_numpy(runtime, rng, loader, shape, block_dim, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    got = maxpool.run(loader, runtime[3], x, block_dim)
    np.testing.assert_array_equal(got, maxpool.reference(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_infinities_pass_through(runtime, rng, loader, dtype):
    """-inf inputs are never taken over a finite neighbour, +inf always wins its windows: padding is -inf."""
    x = rng.standard_normal((1, 2, 9, 11)).astype(dtype)
    x[0, 0, 0, :] = -np.inf  # a whole top row of -inf: output row 0 still comes from row 1
    x[0, 1, 4, 5] = np.inf
    x[0, 1, 8, 10] = -np.inf  # the bottom-right corner, whose window is [7:9, 9:11] plus padding
    got = maxpool.run(loader, runtime[3], x, 2)
    want = maxpool.reference(x)
    np.testing.assert_array_equal(got, want)
    assert np.isinf(got[0, 1, 2, 2]) and np.isfinite(got[0, 0]).all()


def test_reference_is_torch_max_pool2d_semantics():
    """The numpy reference is max_pool2d(x, 3, 2, 1): shapes and hand-computed elements."""
    x = np.arange(1 * 1 * 5 * 6, dtype=np.float32).reshape(1, 1, 5, 6) * np.where(np.arange(6) % 2, -1, 1)
    y = maxpool.reference(x)
    assert y.shape == (1, 1, 3, 3)
    assert y[0, 0, 0, 0] == x[0, 0, 0:2, 0:2].max()   # the corner: rows -1 and columns -1 are padding
    assert y[0, 0, 1, 2] == x[0, 0, 1:4, 3:6].max()   # rows 1..3, columns 3..5 (column 6 is padding)
    assert y[0, 0, 2, 1] == x[0, 0, 3:5, 1:4].max()   # rows 3, 4 (row 5 is padding)
    assert [maxpool.out_size(n) for n in (1, 2, 3, 4, 17)] == [1, 1, 2, 2, 9]


def test_too_wide_an_image_is_refused(runtime, loader):
    x = np.zeros((1, 1, 2, maxpool.MAX_W + 1), np.float32)
    with pytest.raises(ValueError, match="W must be in 1.."):
        maxpool.run(loader, runtime[3], x, 1)


def test_310p_has_no_datacopypad():
    """On 310P the padded row loads are a CompileError at the load_rows line, saying why."""
    from ascendpy.compiler import compile_module

    with pytest.raises(CompileError, match="kernels.py:\\d+: .*load_rows needs DataCopyPad.*310P3 has no DataCopyPad"):
        compile_module(kernels, "Ascend310P3")
