"""examples/cumsum: torch.cumsum(x, dim=-1) with std.cumsum, odd shapes, several tiles and column chunks."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import KernelLoader
from examples.cumsum import kernels
from examples.cumsum import main as cumsum


def test_cumsum_program(capsys, rng):
    assert cumsum.main(rows=77, cols=301, block_dim=3, seed=int(rng.integers(1 << 31)))
    out = capsys.readouterr().out
    assert "x [77, 301] f32" in out and out.rstrip().endswith("ok")


@pytest.mark.parametrize(("rows", "cols", "blocks"), [(1, 1, 1), (33, 7, 2), (45, 256, 4), (9, 519, 5)])
def test_cumsum_kernel_matches_a_sequential_float32_scan(runtime, rng, rows, cols, blocks):
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    y = cumsum.run(KernelLoader.from_module(kernels), runtime[3], x, blocks)
    want = np.cumsum(x, axis=-1, dtype=np.float32)
    if cols <= kernels.WIDTH:  # one chunk per row: CumSum's sequential float sum, bit for bit
        np.testing.assert_array_equal(y, want)
    else:  # later chunks add their running total at the end: a different order of additions
        np.testing.assert_allclose(y, np.cumsum(x.astype(np.float64), axis=-1), rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(y[:, :kernels.WIDTH], want[:, :kernels.WIDTH])
