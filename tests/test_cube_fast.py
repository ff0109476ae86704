"""The simulator's fast cube paths against its element-by-element ones, bit for bit (ascendpy_sim/cube.h).

ASCENDPY_SIM_CUBE=reference makes every cube instruction take the portable element-by-element path (Mmad's
scalar loops: the reference). The same kernels (tests/sim_cube/) run both ways on inputs built to be hard:
random values of every magnitude, infinities, NaNs with payloads, subnormals, signed zeros, odd m / n / k,
several k chunks accumulated in L0C, GEMV mode (m = 1), both SoCs and int8. The outputs are compared as raw
bits, NaN payloads included.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import ml_dtypes
import numpy as np
import pytest
from test_sim_cube import CPP, _build, _run, _slack

from ascendpy import DeviceBuffer, KernelLoader, Stream
from ascendpy.errors import ValidationWarning
from ascendpy.toolchain.compile import compile_cpp

BF16 = ml_dtypes.bfloat16


@pytest.fixture(scope="module")
def matmul() -> KernelLoader:
    return _build("matmul.cpp")


@pytest.fixture(scope="module")
def bugs() -> KernelLoader:
    with warnings.catch_warnings():  # the static validator sees the planted bugs of the other kernels
        warnings.simplefilter("ignore", ValidationWarning)
        return _build("bugs.cpp")


@pytest.fixture(scope="module")
def matmul310() -> KernelLoader:
    return _build("matmul_310p.cpp", soc="Ascend310P3")


@pytest.fixture
def stream(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Stream:
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    return request.getfixturevalue("runtime")[3]


def hard(rng: np.random.Generator, shape: tuple[int, ...], dtype: type, special: float = 0.05) -> np.ndarray:
    """Normal values scaled over many binades, with a fraction `special` of random bit patterns (NaN payloads,
    infinities, subnormals, the largest finite values) and signed zeros."""
    bits = {np.float16: np.uint16, BF16: np.uint16, np.float32: np.uint32}[dtype]
    x = (rng.standard_normal(shape) * np.exp2(rng.integers(-12, 8, shape))).astype(dtype)
    raw = x.view(bits)
    pick = rng.random(shape) < special
    raw[pick] = rng.integers(0, np.iinfo(bits).max, pick.sum(), dtype=bits, endpoint=True)
    raw[rng.random(shape) < special / 4] = 0  # +0
    return x


def both(fn: Callable[[], np.ndarray], monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, np.ndarray]:
    """fn() on the fast path and on the reference path."""
    monkeypatch.delenv("ASCENDPY_SIM_CUBE", raising=False)
    fast = fn()
    monkeypatch.setenv("ASCENDPY_SIM_CUBE", "reference")
    ref = fn()
    monkeypatch.delenv("ASCENDPY_SIM_CUBE")
    return fast, ref


def same_bits(fast: np.ndarray, ref: np.ndarray) -> None:
    bits = np.uint16 if fast.itemsize == 2 else np.uint32
    f, r = fast.view(bits), ref.view(bits)
    bad = np.flatnonzero(f != r)
    assert bad.size == 0, f"{bad.size} of {f.size} differ, first at {bad[0]}: {f.flat[bad[0]]:#x} != " \
        f"{r.flat[bad[0]]:#x}"


SHAPES = [(1, 33, 70), (17, 5, 33), (30, 40, 70), (100, 33, 77), (130, 150, 300), (64, 16, 16)]


@pytest.mark.parametrize("m,n,k", SHAPES)
@pytest.mark.parametrize("special", [0.0, 0.002, 0.05])
def test_f16_matmul_bits(matmul, stream, rng, monkeypatch, m, n, k, special):
    a, b = hard(rng, (m, k), np.float16, special), hard(rng, (k, n), np.float16, special)
    for name, bb in (("matmul_f16_kn", b), ("matmul_f16_nk", b.T)):
        fast, ref = both(lambda name=name, bb=bb: _run(matmul, name, stream, a, bb, m, n, k, np.float32), monkeypatch)
        same_bits(fast, ref)
    if special == 0.0:  # still the right numbers
        want = a.astype(np.float64) @ b.astype(np.float64)
        assert np.abs(fast - want).max() <= 1e-3 * np.abs(want).max()
    fast, ref = both(lambda: _run(matmul, "matmul_f16_kn_to_f16", stream, a, b, m, n, k, np.float16, relu=1),
                     monkeypatch)
    same_bits(fast, ref)


@pytest.mark.parametrize("m,n,k", [(17, 5, 33), (100, 33, 300)])
def test_bf16_and_f32_matmul_bits(matmul, stream, rng, monkeypatch, m, n, k):
    a, b = hard(rng, (m, k), BF16), hard(rng, (k, n), BF16)
    same_bits(*both(lambda: _run(matmul, "matmul_bf16_kn", stream, a, b, m, n, k, np.float32), monkeypatch))
    same_bits(*both(lambda: _run(matmul, "matmul_bf16_nk_to_bf16", stream, a, b.T, m, n, k, BF16), monkeypatch))
    a, b = hard(rng, (m, k), np.float32), hard(rng, (k, n), np.float32)
    same_bits(*both(lambda: _run(matmul, "matmul_f32_nk", stream, a, b.T, m, n, k, np.float32), monkeypatch))


def test_f32_products_are_rounded_before_the_sum(matmul, stream, rng, monkeypatch):
    """c = c + (a * b) in float32, k in order, two roundings each (a fused multiply-add would differ)."""
    m, n, k = 32, 48, 24
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    fast, ref = both(lambda: _run(matmul, "matmul_f32_nk", stream, a, b.T, m, n, k, np.float32), monkeypatch)
    acc = np.zeros((m, n), np.float32)
    for i in range(k):
        acc = acc + np.outer(a[:, i], b[i, :])  # float32 products, float32 sums
    same_bits(fast, acc)
    same_bits(ref, acc)


@pytest.mark.parametrize("m,n,k", [(100, 33, 300), (1, 40, 64), (45, 17, 31)])
def test_int8_matmul_bits(matmul, stream, rng, monkeypatch, m, n, k):
    a = rng.integers(-128, 128, (m, k)).astype(np.int8)
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    fast, ref = both(lambda: _run(matmul, "matmul_i8_nk", stream, a, b.T, m, n, k, np.int32), monkeypatch)
    same_bits(fast, ref)
    np.testing.assert_array_equal(fast, a.astype(np.int64) @ b.astype(np.int64))


@pytest.mark.parametrize("m,n,k", [(1, 32, 16), (1, 48, 64), (1, 5, 33), (17, 5, 33)])
def test_gemv_mode_bits(bugs, stream, rng, monkeypatch, m, n, k):
    """m = 1: the cube reads L0A as one ND row and writes row 0 of each C fractal only."""
    a, b = hard(rng, (m, k), np.float16, 0.01), hard(rng, (k, n), np.float16, 0.01)

    def run() -> np.ndarray:
        c = DeviceBuffer.empty(np.float32, m * n)
        bugs.get_kernel("single_tile")[1, stream](DeviceBuffer.from_numpy(a.ravel()),
                                                  DeviceBuffer.from_numpy(b.ravel()), c, m, n, k)
        return c.to_numpy()

    same_bits(*both(run, monkeypatch))


@pytest.mark.parametrize("m,n,k", [(30, 48, 70), (100, 80, 150)])
def test_310p_bits(matmul310, runtime310, rng, monkeypatch, m, n, k):
    a, b = hard(rng, (m, k), np.float16), hard(rng, (k, n), np.float16)
    for kernel, out in (("matmul310_f32", np.float32), ("matmul310_f16", np.float16)):
        def run(kernel: str = kernel, out: type = out) -> np.ndarray:
            c = DeviceBuffer.empty(out, m * n)
            matmul310.get_kernel(kernel)[2, runtime310](_slack(a), _slack(b), c, m, n, k, 1)
            return c.to_numpy()

        same_bits(*both(run, monkeypatch))


# ----------------------------------------------------------------------------- raw fractal images (mmad_raw.h)
RAW_910B = [("raw_f32_f16", np.float16), ("raw_f32_bf16", BF16), ("raw_f32_f32", np.float32),
            ("raw_i32_s8", np.int8)]
RAW_310P = [("raw_f16_f16", np.float16), ("raw_f32_f16", np.float16), ("raw_i32_s8", np.int8),
            ("raw_i32_u8s8", np.uint8), ("raw_i32_u8", np.uint8)]
# (m, m2, n, k): Mmad #2 accumulates m2 rows (1: GEMV mode) onto Mmad #1's m x n.
RAW_SHAPES = [(16, 16, 16, 16), (30, 30, 40, 70), (64, 1, 100, 61), (17, 1, 5, 3), (1, 1, 33, 200), (48, 48, 128, 128)]


def _fits(dtype: type, m: int, n: int, k: int) -> bool:
    """The L0A and L0B images hold 32 KiB each."""
    size = np.dtype(dtype).itemsize
    kf = -(-k * size // 32)
    return max(-(-m // 16), -(-n // 16)) * kf * 512 <= 32 * 1024


def _raw_cases(kernels: list[tuple[str, type]]) -> list[tuple[object, ...]]:
    return [(name, dt, *shape) for name, dt in kernels for shape in RAW_SHAPES if _fits(dt, shape[0], *shape[2:])]


def _raw(loader: KernelLoader, name: str, stream: Stream, rng: np.random.Generator, dtype: type, m: int, m2: int,
         n: int, k: int, flags: int = 0) -> Callable[[], np.ndarray]:
    count = 32 * 1024 // np.dtype(dtype).itemsize
    if np.dtype(dtype).kind in "iu":
        a, b = (rng.integers(0, 256, count).astype(np.uint8).view(dtype) for _ in range(2))
    else:
        a, b = hard(rng, (count,), dtype, 0.01), hard(rng, (count,), dtype, 0.01)
    acc = 2 if name.startswith("raw_f16") else 4
    c_elems = -(-n // 16) * -(-m // 16) * 256

    def run() -> np.ndarray:
        c = DeviceBuffer.empty(np.uint16 if acc == 2 else np.uint32, c_elems)
        loader.get_kernel(name)[1, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b), c, m, m2, n, k,
                                           flags)
        return c.to_numpy()

    return run


def _build_raw(name: str, soc: str) -> KernelLoader:
    """mmad_raw_<soc>.cpp with mmad_raw.h pasted in place of its #include (so the cache key covers both)."""
    path = CPP / name
    source = path.read_text().replace('#include "mmad_raw.h"', (CPP / "mmad_raw.h").read_text())
    return KernelLoader(compile_cpp(source, source_name=str(path), soc=soc))


@pytest.fixture(scope="module")
def raw910() -> KernelLoader:
    return _build_raw("mmad_raw_910b.cpp", "Ascend910B3")


@pytest.fixture(scope="module")
def raw310() -> KernelLoader:
    return _build_raw("mmad_raw_310p.cpp", "Ascend310P3")


@pytest.mark.parametrize("name,dtype,m,m2,n,k", _raw_cases(RAW_910B))
def test_raw_mmad_910b_bits(raw910, stream, rng, monkeypatch, name, dtype, m, m2, n, k):
    run = _raw(raw910, name, stream, rng, dtype, m, m2, n, k)
    same_bits(*both(run, monkeypatch))


@pytest.mark.parametrize("m,m2,n,k", [(30, 30, 40, 70), (64, 1, 100, 61), (17, 17, 5, 3)])
def test_raw_mmad_f32_k_direction_align_bits(raw910, stream, rng, monkeypatch, m, m2, n, k):
    run = _raw(raw910, "raw_f32_f32", stream, rng, np.float32, m, m2, n, k, flags=1)
    same_bits(*both(run, monkeypatch))


@pytest.mark.parametrize("name,dtype,m,m2,n,k", _raw_cases(RAW_310P))
def test_raw_mmad_310p_bits(raw310, runtime310, rng, monkeypatch, name, dtype, m, m2, n, k):
    run = _raw(raw310, name, runtime310, rng, dtype, m, m2, n, k)
    same_bits(*both(run, monkeypatch))
