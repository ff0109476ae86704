"""The simulator's fast vector loops (ascendpy_sim/vec_fast.h) against the reference loops, bit for bit.

tests/vec_fast_cpp/elementwise.cpp runs every level-2 instruction that has a fast path (the binary and
tensor-scalar ops, the unary ops, in place, a partial overlap, ReduceMax / ReduceMin / ReduceSum) on one tile
of random and special values: +-0, +-inf, quiet and signalling NaNs, subnormals, values whose products and
sums overflow half. It is built four ways: the default build (AVX2 + F16C, AVX-512 for Exp, on this CPU),
AVX2 only (-DASCENDPY_SIM_NO_AVX512), the portable loops (-DASCENDPY_SIM_PORTABLE, what a host without those
extensions runs) and the original per-element reference loops (-DASCENDPY_SIM_SCALAR_REF), for 910B and 310P
(their ReduceSum orders differ); every output must equal the reference's bit for bit.

One freedom: for + and * (also ReduceSum's partial sums) with a NaN in both operands, which operand's payload
the result carries is the compiler's choice in the reference (it may swap the operands of a commutative
instruction); the fast loops always keep the first operand's, as x86 does unswapped. There only NaN-ness is
compared.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader, Stream
from ascendpy.toolchain.compile import compile_cpp

SRC = Path(__file__).resolve().parent / "vec_fast_cpp" / "elementwise.cpp"
N, SLICES = 2048, 32
SOCS = {"910B": "Ascend910B3", "310P": "Ascend310P3"}
VARIANTS = {"fast": [], "avx2": ["-DASCENDPY_SIM_NO_AVX512=1"], "portable": ["-DASCENDPY_SIM_PORTABLE=1"],
            "reference": ["-DASCENDPY_SIM_SCALAR_REF=1"]}
# out slices where a NaN in both operands of + or * is possible (in place too, and ReduceSum's partial sums):
# see the module docstring
COMMUTATIVE = (0, 2, 6, 7, 17, 18, 19, 21, 24)
UINT = {np.float16: np.uint16, np.float32: np.uint32}


@pytest.fixture(scope="module")
def loaders() -> dict[tuple[str, str], KernelLoader]:
    src = SRC.read_text()
    return {(soc, v): KernelLoader(compile_cpp(src, source_name="elementwise.cpp", soc=SOCS[soc], extra_flags=flags))
            for soc in SOCS for v, flags in VARIANTS.items()}


@pytest.fixture(params=sorted(SOCS))
def soc(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def stream(soc: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Stream:
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    if soc == "310P":
        return request.getfixturevalue("runtime310")
    monkeypatch.setenv("ASCENDPY_SIM_SOC", SOCS[soc])
    return request.getfixturevalue("runtime")[3]


def _specials(dt: type) -> np.ndarray:
    u = UINT[dt]
    if dt is np.float16:
        bits = [0x0000, 0x8000, 0x7C00, 0xFC00, 0x7E00, 0xFE00, 0x7C01, 0x7D55, 0x0001, 0x8001, 0x03FF, 0x0400,
                0x7BFF, 0xFBFF, 0x5BFF, 0x3C00, 0xBC00, 0x1400, 0x0200]
    else:
        bits = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FA12345,
                0x00000001, 0x80000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0xBF800000,
                0x42B00000, 0xC2B00000, 0x42AE0000, 0xC2CF0000]
    return np.array(bits, u).view(dt)


def _data(rng: np.random.Generator, dt: type, nan_first: bool, nan_pairs: bool) -> tuple[np.ndarray, ...]:
    """x: random with specials scattered (a NaN at 0 if nan_first); y: random, large (sums that overflow half)
    and finite in [0, 1000) so that the short ReduceSum counts stay finite, specials above."""
    sp = _specials(dt)
    big = 3e4 if dt is np.float16 else 3e37
    x = (rng.standard_normal(N) * rng.choice([1e-3, 1.0, 30.0, 300.0], N)).astype(dt)
    x[rng.choice(np.arange(1, N), 3 * len(sp), replace=False)] = np.tile(sp, 3)
    x[[100, 101, 102]] = [0.0, -0.0, 0.0]
    x[[300, 900]] = x.max()  # a tie for the maximum: the first one is kept
    if nan_first:
        x[0] = np.nan
    y = np.clip(rng.standard_normal(N) * rng.choice([1e-2, 1.0, big], N), -2 * big, 2 * big).astype(dt)
    y[1000 + rng.choice(N - 1000, 2 * len(sp), replace=False)] = np.tile(sp, 2)
    if not nan_pairs:
        y[np.isnan(y)] = 1
    s = np.full(16, -0.75, dt)
    return x, y, s


def _run(loader: KernelLoader, stream: Stream, dt: type, x: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:
    out = DeviceBuffer.from_numpy(np.zeros(N * SLICES, dt))
    name = "vec_all_half" if dt is np.float16 else "vec_all_float"
    loader.get_kernel(name)[1, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y),
                                       DeviceBuffer.from_numpy(s), out)
    return out.to_numpy().reshape(SLICES, N)


def _same(got: np.ndarray, want: np.ndarray, dt: type, what: str) -> None:
    u = UINT[dt]
    g, w = got.view(u).copy(), want.view(u).copy()
    for k in COMMUTATIVE:
        both = np.isnan(got[k]) & np.isnan(want[k])
        g[k][both] = w[k][both]
    bad = np.argwhere(g != w)
    assert bad.size == 0, f"{what}: {len(bad)} lanes differ, first (slice, lane) {bad[:5].tolist()}: " \
                          f"{[(hex(g[i, j]), hex(w[i, j])) for i, j in bad[:5]]}"


@pytest.mark.parametrize("dt", [np.float16, np.float32], ids=["half", "float"])
@pytest.mark.parametrize("case", ["plain", "nan_first", "nan_pairs"])
def test_fast_and_portable_loops_match_the_reference(loaders, soc, stream, rng, dt, case):
    x, y, s = _data(rng, dt, nan_first=case == "nan_first", nan_pairs=case == "nan_pairs")
    ref = _run(loaders[soc, "reference"], stream, dt, x, y, s)
    for v in ("fast", "avx2", "portable"):
        _same(_run(loaders[soc, v], stream, dt, x, y, s), ref, dt, f"{v} vs reference on {soc}")
    # an independent check of the reference itself where numpy computes the same (one rounding per element)
    c = N - 3
    with np.errstate(all="ignore"):
        for k, want in ((1, x - y), (3, x / y), (6, x + s[0]), (7, x * s[0])):
            got, want = ref[k][:c], want[:c]
            nan = np.isnan(want)
            np.testing.assert_array_equal(np.isnan(got), nan)
            np.testing.assert_array_equal(got[~nan].view(UINT[dt]), want[~nan].view(UINT[dt]))
    if case != "nan_first":  # slice 23: ReduceMax of count 1 is x[0]; of count N the largest non-NaN
        assert ref[23][0].view(UINT[dt]) == x[0].view(UINT[dt])
        assert ref[23][4 * 6] == x[~np.isnan(x)].max()  # (np.nanmax misreads signalling NaNs)


@pytest.mark.parametrize("soc", ["910B"])
def test_every_half_value(loaders, soc, stream, rng):
    """All 65536 half bit patterns as src0 (against a shuffle of them as src1), 2048 per launch."""
    allh = np.arange(65536, dtype=np.uint16).view(np.float16)
    other = rng.permutation(allh)
    s = np.full(16, 3.25, np.float16)
    for at in range(0, 65536, N):
        x, y = allh[at:at + N].copy(), other[at:at + N].copy()
        ref = _run(loaders[soc, "reference"], stream, np.float16, x, y, s)
        for v in ("fast", "portable"):
            _same(_run(loaders[soc, v], stream, np.float16, x, y, s), ref, np.float16, f"{v} at {at}")


def test_cast_half_float(loaders, soc, stream, rng):
    """Cast float -> half (CAST_NONE, CAST_RINT on 910B, CAST_ODD) and half -> float, random and special values."""
    x32 = (rng.standard_normal(N) * rng.choice([1e-6, 1.0, 6e4, 1e6], N)).astype(np.float32)
    x32[rng.choice(N, 20, replace=False)] = _specials(np.float32)
    x32[:8] = np.array([65504, 65519.99, 65520, -65520, 2.0**-25, 2.0**-24 * 1.5, 2.0**-26, 3e-8], np.float32)
    x16 = rng.integers(0, 65536, N, dtype=np.uint16).view(np.float16)
    x16[:19] = _specials(np.float16)

    def run(v: str) -> tuple[np.ndarray, np.ndarray]:
        o16 = DeviceBuffer.from_numpy(np.zeros(3 * N, np.float16))
        o32 = DeviceBuffer.from_numpy(np.zeros(N, np.float32))
        loaders[soc, v].get_kernel("vec_cast")[1, stream](DeviceBuffer.from_numpy(x32), DeviceBuffer.from_numpy(x16),
                                                          o16, o32)
        return o16.to_numpy().view(np.uint16), o32.to_numpy().view(np.uint32)

    ref16, ref32 = run("reference")
    for v in ("fast", "portable"):
        got16, got32 = run(v)
        np.testing.assert_array_equal(got16, ref16, err_msg=f"{v} float -> half on {soc}")
        np.testing.assert_array_equal(got32, ref32, err_msg=f"{v} half -> float on {soc}")
    with np.errstate(over="ignore"):  # numpy's float -> half rounds to nearest even too (NaNs aside)
        ok = ~np.isnan(x32[: N - 3])
        np.testing.assert_array_equal(ref16[: N - 3][ok], x32[: N - 3][ok].astype(np.float16).view(np.uint16))
