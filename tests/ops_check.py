"""What the ascendpy.ops tests share: random inputs per dtype, tolerances per dtype, one comparison.

References are computed in float64 numpy from the very inputs the operator got (after their rounding to
the input dtype). Tolerances, per output dtype (rtol, atol): float32 computes in float32 (a few ulps of
rounding through exp/ln/div chains); float16 and bfloat16 are computed in float32 and rounded once, so
they are within about one ulp of the output type (2^-11 and 2^-8 relative) plus that of the inputs.
"""

from __future__ import annotations

import numpy as np

import ascendpy.runtime.memory as _memory

TOL: dict[str, tuple[float, float]] = {
    "float32": (2e-5, 1e-6),
    "float16": (2e-3, 1e-4),
    "bfloat16": (1.6e-2, 1e-3),
}
FLOATS = ("float32", "float16", "bfloat16")
# Shapes every elementwise operator is tested at: one element, odd sizes, several dims, more than one tile
# (2048 elements) and more than one block.
SHAPES = [(1,), (37,), (3, 517), (2, 3, 45), (4099,), (5, 8191)]


def dtype(name: str) -> np.dtype:
    return _memory.numpy_dtype(name)


def rand(rng: np.random.Generator, shape: tuple[int, ...], dt: str, scale: float = 1.0,
         low: float | None = None, high: float | None = None) -> np.ndarray:
    """Normal(0, scale) values, or uniform in [low, high), rounded to dtype `dt`."""
    if low is not None:
        x = rng.uniform(low, high, shape)
    else:
        x = rng.standard_normal(shape) * scale
    return np.asarray(x).astype(dtype(dt))


def f64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x).astype(np.float64)


def check(got: np.ndarray, ref: np.ndarray, dt: str, what: str, tol: tuple[float, float] | None = None) -> None:
    """got (of dtype dt) matches the float64 reference within dt's tolerance (or `tol`)."""
    rtol, atol = tol or TOL[dt]
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.dtype == dtype(dt), f"{what}: dtype {got.dtype}, expected {dt}"
    assert got.shape == ref.shape, f"{what}: shape {got.shape}, expected {ref.shape}"
    g = got.astype(np.float64)
    ok = np.isclose(g, ref, rtol=rtol, atol=atol, equal_nan=True)
    if not ok.all():
        bad = np.argwhere(~ok)[:5]
        err = np.abs(g - ref)[~ok]
        detail = ", ".join(f"{tuple(int(i) for i in b)}: got {g[tuple(b)]!r} want {ref[tuple(b)]!r}" for b in bad)
        raise AssertionError(f"{what}: {int((~ok).sum())} of {ok.size} elements off (rtol {rtol}, atol {atol}; "
                             f"largest error {err.max():.3g}): {detail}")
