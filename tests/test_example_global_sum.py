"""examples/global_sum: sum and mean of a large f32 vector in one launch (atomic add + SyncAll), vs numpy float64.

Tolerance: examples.global_sum.main.tolerance, a worst-case bound on f32 summation (2^-24 per add along the deepest
path: ReduceSum's tree and repeats, the tile sums of a chunk, the atomic adds of the block partials, times
sum |x|); the mean within that bound / n plus one rounding of the division.
"""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import CompileError
from ascendpy.compiler import compile_module
from examples.global_sum import kernels
from examples.global_sum import main as global_sum


def _check(x: np.ndarray, total: float, mean: float, blocks: int) -> None:
    exact = x.astype(np.float64).sum()
    tol = global_sum.tolerance(x, blocks)
    assert abs(total - exact) <= tol, (total, exact, tol)
    assert abs(mean - exact / len(x)) <= tol / len(x) + 2.0**-24 * abs(exact / len(x)), (mean, exact / len(x))


def test_main_prints_the_results_and_errors(capsys):
    global_sum.main(seed=1)
    out = capsys.readouterr().out
    assert "1000003 f32 in one launch of 40 blocks" in out and "sum " in out and "mean " in out and "error" in out


@pytest.mark.parametrize("n", [1_000_003, 4097, 3])
def test_910b_whatever_out_held_before(runtime, rng, n):
    stream, soc = runtime[3], runtime[1].soc_name
    x = (rng.standard_normal(n) * 3 + 0.5).astype(np.float32)
    for before in (None, rng.standard_normal(8).astype(np.float32) * 1e6):  # NaNs, then garbage: both zeroed
        total, mean, blocks = global_sum.run(stream, soc, x, before)
        _check(x, total, mean, blocks)


def test_310p_with_the_software_sync_all(runtime310, rng):
    x = rng.standard_normal(global_sum.N).astype(np.float32)
    total, mean, blocks = global_sum.run(runtime310, "Ascend310P3", x, np.full(8, 7.0, np.float32))
    assert blocks == 8
    _check(x, total, mean, blocks)


def test_the_hardware_sync_all_kernel_is_a_compile_error_on_310p():
    with pytest.raises(CompileError, match="std.sync_all\\(\\) is the hardware SyncAll, which Ascend310P3 does not "
                                           "have") as info:
        compile_module(kernels, "Ascend310P3")
    assert info.value.filename == kernels.__file__ and info.value.kernel == "global_sum"
