"""torch.argmax(x, dim=-1) on the NPU (or the simulator): int64 indices of the first maximum, and x == max as bool.

Run from the repository root:  python -m examples.argmax.main
"""

from __future__ import annotations

import numpy as np

from . import kernels


def argmax(x: np.ndarray, block_dim: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """(indices int64 [rows], is_max bool [rows, cols]) of a [rows, cols] float32 array (cols <= MAX_COLS)."""
    rows, cols = x.shape
    if not 1 <= cols <= kernels.MAX_COLS:
        raise ValueError(f"argmax: rows of 1..{kernels.MAX_COLS} elements, got {cols}")
    idx = np.zeros(rows, np.int64)
    is_max = np.zeros((rows, cols), bool)
    kernels.argmax_rows[min(block_dim, rows)](np.ascontiguousarray(x, np.float32), idx, is_max, rows, cols)
    return idx, is_max


def main(rows: int = 37, cols: int = 1001, seed: int = 0) -> bool:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x[::3] = np.round(x[::3])  # rows with repeated maxima: the first one wins
    idx, is_max = argmax(x)
    want = np.argmax(x, axis=-1)
    same = bool((idx == want).all())
    mask_ok = bool((is_max == (x == x.max(axis=-1, keepdims=True))).all())
    print(f"argmax of a [{rows}, {cols}] f32 tensor: all indices match np.argmax: {same} "
          f"({int((idx != want).sum())} differ, max index error {int(np.abs(idx - want).max())}); "
          f"is_max mask matches: {mask_ok}")
    return same and mask_ok


if __name__ == "__main__":
    main()
