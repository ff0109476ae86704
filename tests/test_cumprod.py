"""std.ops.cumprod along the last axis (torch.cumprod(x, dim=-1)), and std.reinterpret, which it needs.

AscendC 8.1 has no CumProd. Along the last axis the composite gathers the tile transposed (std.gather with
u32 byte offsets computed on chip in f32 and viewed as u32 through std.reinterpret), runs the column chain of
Muls on it and gathers it back, so every element is the sequential product in the element type: the results
must equal np.cumprod bit for bit (numpy multiplies sequentially, float16 rounded at every step).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from ascendpy import CompileError, std
from ascendpy.compiler import kernel_cpp
from ascendpy.std import Ptr, f16, f32, u32
from tests.kernels import cumprod as k

SOCS = {"910B": "Ascend910B3", "310P": "Ascend310P3"}


@pytest.fixture(params=sorted(SOCS))
def soc(request, monkeypatch) -> str:
    """The SoC name; the simulator runs that SoC for the runtime objects created while the test runs."""
    monkeypatch.setenv("ASCENDPY_SIM_SOC", SOCS[request.param])
    return request.param


@pytest.fixture
def stream(soc):
    from ascendpy import Acl, Context, Device, Stream

    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as s:
        assert device.soc_name == SOCS[soc]
        yield s


def _data(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """Magnitudes in [0.5, 1.5) with random signs: products of a few hundred stay finite and normal."""
    return (rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)).astype(dtype)


def _check(y: np.ndarray, x: np.ndarray) -> None:
    want = np.cumprod(x, axis=-1, dtype=x.dtype)
    np.testing.assert_array_equal(y, want)
    assert np.array_equal(np.signbit(y), np.signbit(want))


@pytest.mark.parametrize("rows", [1, 7, 20])  # one tile, a full tile, three tiles (the last of 6 rows)
def test_cumprod_last_axis_odd_cols(rng, soc, rows, stream):
    x = _data(rng, (rows, 45), np.float32)
    y = np.zeros_like(x)
    k.cumprod_last_45_f32[1, stream](x, y, rows)
    _check(y, x)
    h = _data(rng, (rows, 45), np.float16)
    yh = np.zeros_like(h)
    k.cumprod_last_45_f16[1, stream](h, yh, rows)
    _check(yh, h)


@pytest.mark.parametrize("rows", [33, 70])  # 33 x 64, then tiles of 33, 33 and 4 rows
def test_cumprod_last_axis_tiles_of_33_rows(rng, soc, rows, stream):
    x = _data(rng, (rows, 64), np.float32)
    y = np.zeros_like(x)
    k.cumprod_last_64_f32[1, stream](x, y, rows)
    _check(y, x)
    h = _data(rng, (rows, 64), np.float16)
    yh = np.zeros_like(h)
    k.cumprod_last_64_f16[1, stream](h, yh, rows)
    _check(yh, h)
    # the check can fail: an f32 product rounded to f16 once is not what the chain of f16 Muls gives
    assert not np.array_equal(yh, np.cumprod(h.astype(np.float32), axis=-1).astype(np.float16))


def test_cumprod_of_a_vector_in_place_and_of_single_columns(rng, soc, stream):
    x = _data(rng, (333,), np.float32)
    x[[40, 41, 200]] = [-0.0, 2.0, np.inf]  # -0 then finite (the sign carries), then inf * 0 = NaN
    y = np.zeros_like(x)
    k.cumprod_vector_f32[1, stream](x, y)
    with np.errstate(invalid="ignore"):
        _check(y, x)
    assert np.isnan(y[200:]).all() and np.signbit(y[40:200]).any()
    h = _data(rng, (333,), np.float16)
    yh = np.zeros_like(h)
    k.cumprod_vector_f16[1, stream](h, yh)
    _check(yh, h)
    c = _data(rng, (5, 1), np.float32)  # [rows, 1]: tiles of 1 x 1, a copy
    yc = np.zeros_like(c)
    k.cumprod_last_1_f32[1, stream](c, yc, 5)
    _check(yc, c)


def test_the_last_axis_is_gathers_and_muls_with_no_cast():
    cpp = kernel_cpp(k.cumprod_vector_f16)
    assert cpp.count("AscendC::Gather(") == 2 and ".ReinterpretCast<uint32_t>()" in cpp
    assert "AscendC::Cast" not in cpp  # no f32 -> integer Cast: 310P has none
    assert "AscendC::CumSum<float" in cpp  # the ramp of the offset tables


def test_reinterpret_aliases_its_buffer_for_sync(rng, soc, stream):
    x = rng.uniform(0.5, 2.0, 1000).astype(np.float32)
    y = np.zeros_like(x)
    k.reinterpret_next_up[1, stream](x, y, 1000)
    np.testing.assert_array_equal(y, np.nextafter(x, np.float32(np.inf)))
    cpp = kernel_cpp(k.reinterpret_next_up)
    assert "xb.ReinterpretCast<int32_t>()" in cpp and "MTE2_V" in cpp and "V_MTE3" in cpp


# ------------------------------------------------------------------ compile-time rules
def _line(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    return next(first + i for i, text in enumerate(lines) if marker in text)


@std.aiv_kernel
def reinterpret_odd_bytes(x: Ptr[f16]):
    a = std.ub_alloc(f16, 48)
    std.duplicate(std.reinterpret(a[0:16], u32), 0, 8)
    std.duplicate(std.reinterpret(a, u32), 0, 8)  # fine: 96 bytes
    b = std.ub_alloc(f16, 3)
    std.duplicate(std.reinterpret(b, u32), 0, 1)  # BAD


@std.aiv_kernel
def reinterpret_count_beyond_the_view(x: Ptr[f16]):
    a = std.ub_alloc(f16, 32)
    std.duplicate(std.reinterpret(a, u32), 0, 17)  # BAD


@std.aiv_kernel
def reinterpret_a_pointer(x: Ptr[f32]):
    std.duplicate(std.reinterpret(x, u32), 0, 8)  # BAD


@std.aiv_kernel
def cumprod_too_big(x: Ptr[f32]):
    a = std.ub_alloc(f32, 192 * 64)  # 48 KiB, its transpose 48 KiB, 3 f32 work buffers 144 KiB: over 192 KiB
    std.ops.cumprod(a, a, 192, 64, 1)  # BAD


@pytest.mark.parametrize(("kernel", "words"), [
    (reinterpret_odd_bytes, "not a whole number of u32"), (reinterpret_count_beyond_the_view, "count 17 exceeds"),
    (reinterpret_a_pointer, "must be a UB buffer"), (cumprod_too_big, "Unified Buffer"),
])
def test_rules_are_compile_errors_at_the_line(kernel, words):
    with pytest.raises(CompileError) as info:
        kernel_cpp(kernel)
    assert words in str(info.value), str(info.value)
    assert info.value.lineno == _line(kernel, "# BAD"), str(info.value)


@std.inline
def _pick(dst, src, axis):
    if axis == 0:
        std.muls(dst, src, 2.0, 8)
    elif 1 <= axis < 3:
        std.muls(dst, src, 3.0, 8)
    else:
        std.adds(dst, src, 4.0, 8)


@std.aiv_kernel
def literal_comparisons(x: Ptr[f32], n: u32):
    a = std.ub_alloc(f32, 8)
    _pick(a, a, 2)
    if n < 3:
        std.adds(a, a, 5.0, 8)


def test_comparisons_of_literals_compile_one_branch():
    cpp = kernel_cpp(literal_comparisons)
    assert "3.0f" in cpp and "2.0f" not in cpp and "4.0f" not in cpp  # only `1 <= axis < 3` was compiled
    assert "5.0f" in cpp and "if (" in cpp  # a run-time comparison stays one
