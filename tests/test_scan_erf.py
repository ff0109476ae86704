"""std.cumsum (AscendC CumSum), std.ops.cumprod and std.erf (AscendC Erf): results, numerics, misuse.

The simulator computes what CANN 8.1's implementations compute (ascendpy_sim/math_adv.h): CumSum adds
sequentially in float (half widened, rounded once), Erf is the vendor's clipped rational P(x)/Q(x) in
float. The numpy models below do the same arithmetic, so the comparisons are bit for bit.
"""

from __future__ import annotations

import inspect
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest

from ascendpy import CompileError, KernelLoader, std
from ascendpy.compiler import kernel_cpp
from ascendpy.runtime.faults import AlignmentFault, KernelFault, PipeRaceFault
from ascendpy.std import Ptr, f16, f32, u32
from ascendpy.toolchain.cli import main as cli_main
from tests.kernels import scan_erf as k

SOCS = {"910B": "Ascend910B3", "310P": "Ascend310P3"}
CPP = Path(__file__).resolve().parent / "faults_cpp" / "scan_erf.cpp"


@pytest.fixture(params=sorted(SOCS))
def soc(request, monkeypatch) -> str:
    """The SoC name; the simulator runs that SoC for the runtime objects created while the test runs."""
    monkeypatch.setenv("ASCENDPY_SIM_SOC", SOCS[request.param])
    return request.param


@pytest.fixture
def stream(soc):
    """A stream on a device of the simulated `soc` (the default runtime keeps the SoC it was created on)."""
    from ascendpy import Acl, Context, Device, Stream

    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as s:
        assert device.soc_name == SOCS[soc]
        yield s


# ------------------------------------------------------------------ numpy models of the vendor arithmetic
def cumsum_model(x: np.ndarray, axis: int) -> np.ndarray:
    """Sequential float sums (np.cumsum is sequential), rounded once to x's type; along the last axis the
    result goes through Adds(x, 0) (-0 -> +0), which np.array_equal does not see anyway."""
    return np.cumsum(x.astype(np.float32), axis=axis, dtype=np.float32).astype(x.dtype)


def cumsum_down_tiles(x: np.ndarray, tile: int) -> np.ndarray:
    """The test kernel's axis-0 scan over tiles: row 0 of each tile += the previous tile's last row (in T)."""
    out = np.empty_like(x)
    carry = np.zeros(x.shape[1], x.dtype)
    for r in range(0, x.shape[0], tile):
        t = x[r:r + tile].copy()
        t[0] = t[0] + carry
        out[r:r + tile] = cumsum_model(t, 0)
        carry = out[min(r + tile, x.shape[0]) - 1]
    return out


P = [np.float32(v) for v in (0.29639384698e5, 0.50637915060e4, 0.13938061484e4, 0.10162808918e3,
                             0.75517016694e1, 0.053443748819)]
Q = [np.float32(v) for v in (0.26267224157e5, 0.13243365831e5, 0.30231248150e4, 0.39856963806e3,
                             0.31212858877e2)]


def erf_model(x: np.ndarray, soc: str) -> np.ndarray:
    """impl/math/erf in float32, op by op; half: widened, and rounded back half-away (910B) or even (310P)."""
    v = np.clip(x.astype(np.float32), np.float32(-3.92), np.float32(3.92))
    x2 = v * v
    p = x2 * P[5]
    for c in (P[4], P[3], P[2], P[1]):
        p = x2 * (p + c)
    p = v * (p + P[0])
    q = x2 + Q[4]
    for c in (Q[3], Q[2], Q[1], Q[0]):
        q = x2 * q + c
    r = (p / q).astype(np.float32)
    if x.dtype == np.float32:
        return r
    if soc == "310P":
        return r.astype(np.float16)
    return _f32_to_f16_half_away(r)


def _f32_to_f16_half_away(r: np.ndarray) -> np.ndarray:
    """float32 -> float16 rounding ties away from zero (CAST_ROUND): nearest-even, moved outward on a tie."""
    o = r.astype(np.float16)
    away = np.nextafter(o, np.copysign(np.float16(np.inf), r).astype(np.float16))
    tie = np.abs(r.astype(np.float64) - o) == np.abs(away.astype(np.float64) - r)
    return np.where(tie & (np.abs(away) > np.abs(o)), away, o)


# ------------------------------------------------------------------ CumSum
@pytest.mark.parametrize("rows", [1, 17, 53])
def test_cumsum_last_axis_f32_and_f16(rng, soc, rows, stream):
    x = rng.standard_normal((rows, k.COLS32)).astype(np.float32)
    y = np.zeros_like(x)
    k.cumsum_last_f32[1, stream](x, y, rows)
    np.testing.assert_array_equal(y, cumsum_model(x, 1))
    h = (rng.standard_normal((rows, k.COLS16)) * 4).astype(np.float16)
    yh = np.zeros_like(h)
    k.cumsum_last_f16[1, stream](h, yh, rows)
    np.testing.assert_array_equal(yh, cumsum_model(h, 1))
    # f16 accumulates in float: better than numpy's all-f16 cumsum
    exact = np.cumsum(h.astype(np.float64), axis=1)
    assert np.abs(yh - exact).max() <= np.abs(np.cumsum(h, axis=1) - exact).max()


@pytest.mark.parametrize("rows", [5, 53])
def test_cumsum_first_axis_across_tiles_with_last_row(rng, soc, rows, stream):
    x = rng.standard_normal((rows, k.COLS32)).astype(np.float32)
    y = np.zeros_like(x)
    k.cumsum_first_f32[1, stream](x, y, rows)
    np.testing.assert_array_equal(y, cumsum_down_tiles(x, k.TILE_ROWS))
    h = rng.standard_normal((rows, k.COLS16)).astype(np.float16)
    yh = np.zeros_like(h)
    k.cumsum_first_f16[1, stream](h, yh, rows)
    np.testing.assert_array_equal(yh, cumsum_down_tiles(h, k.TILE_ROWS))


def test_cumsum_generated_call_is_the_real_api():
    cpp = kernel_cpp(k.cumsum_first_f16)
    assert "constexpr AscendC::CumSumConfig apy_cumsum_first_row = {false, false, true};" in cpp
    assert "AscendC::CumSum<half, apy_cumsum_first_row>(" in cpp and "AscendC::CumSumInfo{" in cpp
    assert "AscendC::Erf(" in kernel_cpp(k.erf_f16)


# ------------------------------------------------------------------ cumprod
@pytest.mark.parametrize("rows", [1, 2, 53])
def test_cumprod_down_the_columns(rng, soc, rows, stream):
    x = (1 + 0.2 * rng.standard_normal((rows, k.COLS32))).astype(np.float32)
    y = np.zeros_like(x)
    k.cumprod_first_f32[1, stream](x, y, rows)
    np.testing.assert_array_equal(y, np.cumprod(x, axis=0, dtype=np.float32))
    h = (1 + 0.2 * rng.standard_normal((rows, k.COLS16))).astype(np.float16)
    yh = np.zeros_like(h)
    k.cumprod_first_f16[1, stream](h, yh, rows)
    np.testing.assert_array_equal(yh, np.cumprod(h, axis=0, dtype=np.float16))


@pytest.mark.parametrize(("rows", "block_dim"), [(1, 1), (5, 1), (53, 3)])
def test_cumprod_along_the_last_axis(rng, soc, rows, block_dim, stream):
    """Gathered through a transposed tile: the sequential product of each row, bit for bit (53 rows: 3 tiles)."""
    sign = rng.choice([-1.0, 1.0], (rows, k.COLS32))
    x = (sign * rng.uniform(0.5, 1.5, (rows, k.COLS32))).astype(np.float32)
    y = np.zeros_like(x)
    k.cumprod_last_f32[block_dim, stream](x, y, rows)
    np.testing.assert_array_equal(y, np.cumprod(x, axis=-1, dtype=np.float32))
    h = (rng.choice([-1.0, 1.0], (rows, k.COLS16)) * rng.uniform(0.8, 1.2, (rows, k.COLS16))).astype(np.float16)
    yh = np.zeros_like(h)
    k.cumprod_last_f16[block_dim, stream](h, yh, rows)
    want = np.empty_like(h)
    acc = np.ones(rows, np.float16)
    for j in range(k.COLS16):  # a sequential f16 product, rounded every step
        acc = (acc * h[:, j]).astype(np.float16)
        want[:, j] = acc
    np.testing.assert_array_equal(yh, want)


# ------------------------------------------------------------------ Erf
@pytest.mark.parametrize("n", [1, 1000, 5001])
def test_erf_matches_the_vendor_algorithm_bit_for_bit(rng, soc, n, stream):
    x = (rng.standard_normal(n) * 3).astype(np.float32)
    x[:4] = [0.0, -0.0, 7.5, -100.0][: min(4, n)]
    y = np.zeros_like(x)
    k.erf_f32[2, stream](x, y, n)
    np.testing.assert_array_equal(y, erf_model(x, soc))
    h = x.astype(np.float16)
    yh = np.zeros_like(h)
    k.erf_f16[2, stream](h, yh, n)
    np.testing.assert_array_equal(yh, erf_model(h, soc))


def test_erf_f16_on_every_half_value_rounds_as_the_soc_does(soc, stream):
    """910B's Erf rounds its float result to half with CAST_ROUND, 310P's with CAST_NONE: of all 63488 finite
    halves, x = +-0.001341 is where that shows (erf = 0.0015135 on 910B, 0.001513 on 310P)."""
    h = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    h = h[np.isfinite(h)]
    y = np.zeros_like(h)
    k.erf_f16[4, stream](h, y, h.size)
    np.testing.assert_array_equal(y, erf_model(h, soc))
    at = np.nonzero(h == np.float16(0.001341))[0][0]
    assert y[at] == (np.float16(0.0015135) if soc == "910B" else np.float16(0.001513))


def test_erf_error_against_math_erf_over_minus_6_to_6(soc, stream):
    """Measured: f32 max |error| 3.4e-7 (a few ulps of 1), f16 2.4e-4 (half an ulp of 1), both SoCs."""
    x = np.linspace(-6, 6, 24001).astype(np.float32)
    y = np.zeros_like(x)
    k.erf_f32[4, stream](x, y, x.size)
    err32 = np.abs(y - np.array([math.erf(v) for v in x.astype(np.float64)])).max()
    h = x.astype(np.float16)
    yh = np.zeros_like(h)
    k.erf_f16[4, stream](h, yh, h.size)
    err16 = np.abs(yh.astype(np.float64) - np.array([math.erf(v) for v in h.astype(np.float64)])).max()
    print(f"{soc}: erf max abs error over [-6, 6]: f32 {err32:.3g}, f16 {err16:.3g}")
    assert 1e-8 < err32 < 5e-7
    assert 1e-5 < err16 < 5e-4


# ------------------------------------------------------------------ misuse: compile time
@std.aiv_kernel
def cumsum_odd_cols(x: Ptr[f32]):
    a = std.ub_alloc(f32, 120)
    std.cumsum(a, a, 4, 30, 1)  # BAD


@std.aiv_kernel
def cumsum_long_rows(x: Ptr[f32]):
    a = std.ub_alloc(f32, 4096)
    std.cumsum(a, a, 1, 4096, 1)  # BAD


@std.aiv_kernel
def cumsum_bad_axis(x: Ptr[f32], axis: u32):
    a = std.ub_alloc(f32, 64)
    std.cumsum(a, a, 8, 8, axis)  # BAD


@std.aiv_kernel
def cumsum_too_many_rows(x: Ptr[f32]):
    a = std.ub_alloc(f32, 64)
    std.cumsum(a, a, 9, 8, 0)  # BAD


@std.aiv_kernel
def cumsum_short_last_row(x: Ptr[f32]):
    a = std.ub_alloc(f32, 64)
    last = std.ub_alloc(f32, 8)
    std.cumsum(a, a, 4, 16, 0, last)  # BAD


@std.aiv_kernel
def cumprod_odd_cols(x: Ptr[f16]):
    a = std.ub_alloc(f16, 96)
    std.ops.cumprod(a, a, 4, 24, 0)  # BAD


@std.aiv_kernel
def erf_on_i32(x: Ptr[f32]):
    a = std.ub_alloc(std.i32, 64)
    std.erf(a, a, 64)  # BAD


@std.aiv_kernel
def erf_count_too_big(x: Ptr[f32]):
    a = std.ub_alloc(f32, 64)
    std.erf(a, a, 65)  # BAD


@pytest.mark.parametrize(("kernel", "words"), [
    (cumsum_odd_cols, "multiple of 32 bytes"), (cumsum_long_rows, "at most 2040"),
    (cumsum_bad_axis, "axis must be a literal 0"), (cumsum_too_many_rows, "rows = 9"),
    (cumsum_short_last_row, "fewer than a row"), (cumprod_odd_cols, "32-byte boundary"),
    (erf_on_i32, "does not support i32"), (erf_count_too_big, "count 65 exceeds"),
])
def test_constraints_are_compile_errors_at_the_line(kernel, words):
    with pytest.raises(CompileError) as info:
        kernel_cpp(kernel)
    assert words in str(info.value), str(info.value)
    assert info.value.lineno == _line(kernel, "# BAD"), str(info.value)


def test_cumsum_and_erf_tmp_buffers_count_against_the_ub_budget():
    @std.aiv_kernel
    def big(x: Ptr[f32]):
        a = std.ub_alloc(f32, 24000)
        b = std.ub_alloc(f32, 24000)
        std.cumsum(b, a, 12, 2000, 0)  # float down the columns: a 32-byte tmp; still fits
        std.erf(b, a, 24000)  # 12 KiB of tmp: over 192 KiB

    with pytest.raises(CompileError) as info:
        kernel_cpp(big)
    assert "erf.tmp" in str(info.value) and "cumsum.tmp" in str(info.value), str(info.value)


# ------------------------------------------------------------------ misuse: run time, at the Python line
def test_misaligned_view_operands_fault_at_the_python_line(rng, soc, stream):
    x = rng.standard_normal(128).astype(np.float32)
    for kernel, data in ((k.cumsum_view, x), (k.erf_view, x.astype(np.float16))):
        out = np.zeros_like(data)
        kernel[1, stream](data, out, 16)  # 16 elements in: 64 / 32 bytes, aligned
        with pytest.raises(AlignmentFault) as info:
            kernel[1, stream](data, out, 4)
        err = info.value
        assert err.kind == "misaligned" and err.lineno == _line(kernel, "# MISALIGNED"), str(err)


# ------------------------------------------------------------------ misuse in hand-written C++, at the C++ line
def _cpp(soc: str) -> KernelLoader:
    out = Path(tempfile.mkdtemp(prefix="scan-erf-")) / f"scan_erf-{soc}.so"
    assert cli_main(["--soc", soc, "--sim", str(CPP), "-o", str(out)]) == 0
    return KernelLoader.from_artifact(out)


def test_cpp_tmp_buffers_too_small_and_bad_shapes_fault(rng, soc):
    from ascendpy import Acl, Context, Device, DeviceBuffer, Stream

    lib = _cpp(soc)
    x = rng.standard_normal(64 * 32).astype(np.float32)
    h = x.astype(np.float16)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        xd, hd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(h)
        yd, hy = DeviceBuffer.empty(np.float32, x.size), DeviceBuffer.empty(np.float16, h.size)
        lib.get_kernel("cumsum_tmp")[1, stream](xd, yd, 40, 4096)  # enough: 16 rows per pass
        got = yd.to_numpy()[:40 * 32].reshape(40, 32)
        np.testing.assert_array_equal(got, cumsum_model(x[:40 * 32].reshape(40, 32), 1))
        lib.get_kernel("erf_tmp")[1, stream](xd, yd, 1000, 384)  # the least that works: 32 elements per pass
        np.testing.assert_array_equal(yd.to_numpy()[:1000], erf_model(x[:1000], soc))
        cases = [("cumsum_tmp", (xd, yd, 40, 4064), AlignmentFault, "invalid_argument", "at least"),
                 ("cumsum_first_tmp", (hd, hy, 17), AlignmentFault, "invalid_argument", "float"),
                 ("cumsum_inner", (xd, yd, 12), AlignmentFault, "misaligned", "multiple of 32"),
                 ("erf_tmp", (xd, yd, 1000, 380), AlignmentFault, "invalid_argument", "at least 384"),
                 ("erf_race", (xd, yd, 1000), PipeRaceFault, "pipe_race", "")]
        for name, args, cls, kind, words in cases:
            with pytest.raises(KernelFault) as info:
                lib.get_kernel(name)[1, stream](*args)
                stream.synchronize()
            err = info.value
            assert type(err) is cls and err.kind == kind and words in err.detail, str(err)
            assert err.filename == str(CPP) and err.lineno == _cpp_line(f"// BUG {name}"), str(err)


def _line(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    return next(first + i for i, text in enumerate(lines) if marker in text)


def _cpp_line(marker: str) -> int:
    return next(i + 1 for i, text in enumerate(CPP.read_text().splitlines()) if marker in text)
