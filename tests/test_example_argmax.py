"""examples/argmax: torch.argmax(x, dim=-1) as int64 and the bool is-max mask, against numpy (ties included),
on 910B through the array launch and on 310P through a KernelLoader."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader
from examples.argmax import kernels
from examples.argmax import main as argmax_main


def _data(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x[::2] = rng.integers(-2, 3, (len(x[::2]), cols)).astype(np.float32)  # many tied maxima
    return x


def test_main_prints_that_all_indices_match(capsys, rng):
    assert argmax_main.main(seed=int(rng.integers(1 << 31)))
    out = capsys.readouterr().out
    assert "all indices match np.argmax: True" in out and "is_max mask matches: True" in out


@pytest.mark.parametrize(("rows", "cols", "block_dim"), [(1, 1, 1), (9, 65, 2), (23, 999, 5), (41, 4096, 8)])
def test_argmax_matches_numpy_with_ties(monkeypatch, rng, rows, cols, block_dim):
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    x = _data(rng, rows, cols)
    idx, is_max = argmax_main.argmax(x, block_dim)
    assert idx.dtype == np.int64 and is_max.dtype == np.bool_
    np.testing.assert_array_equal(idx, np.argmax(x, axis=-1))
    np.testing.assert_array_equal(is_max, x == x.max(axis=-1, keepdims=True))


def test_argmax_on_310p(runtime310, rng):
    kernel = KernelLoader.from_module(kernels, soc="310P").get_kernel("argmax_rows")
    rows, cols = 19, 777
    x = _data(rng, rows, cols)
    xd, idx = DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.int64, rows)
    mask = DeviceBuffer.empty(bool, rows * cols)
    kernel[3, runtime310](xd, idx, mask, rows, cols)
    np.testing.assert_array_equal(idx.to_numpy(), np.argmax(x, axis=-1))
    np.testing.assert_array_equal(mask.to_numpy().reshape(rows, cols), x == x.max(axis=-1, keepdims=True))


def test_too_long_rows_are_refused():
    with pytest.raises(ValueError, match="rows of 1..4096"):
        argmax_main.argmax(np.zeros((2, 5000), np.float32))
