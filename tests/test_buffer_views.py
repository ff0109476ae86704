"""Sub-buffer views `buf[a:b]` (AscendC LocalTensor::operator[]) as operands of vector ops and DMA."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from ascendpy import AlignmentFault, CompileError, std
from ascendpy.compiler import kernel_cpp
from ascendpy.std import Ptr, f32
from tests.kernels import views


def test_constant_views_of_one_buffer(rng):
    x = rng.standard_normal(128).astype(np.float32)
    y = np.zeros(64, np.float32)
    views.add_halves[1](x, y)
    np.testing.assert_array_equal(y, x[:64] + x[64:])
    assert "AscendC::Add(yb, xb_view, xb_view_1," in kernel_cpp(views.add_halves)


@pytest.mark.parametrize("soc", ["910B", "310P"])
def test_views_as_dma_destinations_f16(rng, monkeypatch, soc):
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3" if soc == "910B" else "Ascend310P3")
    from ascendpy import Acl, Context, Device, Stream

    x = rng.standard_normal(256).astype(np.float16)
    y = np.zeros(128, np.float16)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        views.add_halves_f16[1, stream](x, y)
    np.testing.assert_array_equal(y, (x[:128] + x[128:]).astype(np.float16))


@pytest.mark.parametrize(("rows", "cols"), [(1, 8), (5, 24), (8, 64)])
def test_run_time_views_row_by_row(rng, rows, cols):
    x = rng.standard_normal(rows * cols).astype(np.float32)
    y = np.zeros_like(x)
    views.scale_rows[1](x, y, rows, cols)
    want = (x.reshape(rows, cols) * np.arange(1, rows + 1, dtype=np.float32)[:, None]).ravel()
    np.testing.assert_array_equal(y, want)


def test_a_run_time_view_off_the_32_byte_grid_is_caught_at_its_line(rng):
    x = rng.standard_normal(60).astype(np.float32)
    with pytest.raises(AlignmentFault) as info:
        views.scale_rows[1](x, np.zeros_like(x), 5, 12)  # row 1 starts 48 bytes in
    err = info.value
    assert err.kind == "misaligned" and err.lineno == _line(views.scale_rows, "# ROW VIEW"), str(err)


def _line(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    return next(first + i for i, text in enumerate(lines) if marker in text)


@std.aiv_kernel
def misaligned_view(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    std.duplicate(xb[3:11], 1.0, 8)  # MISALIGNED


@std.aiv_kernel
def view_out_of_range(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    std.duplicate(xb[32:96], 1.0, 8)  # OUT OF RANGE


@std.aiv_kernel
def count_beyond_view(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    std.duplicate(xb[0:16], 1.0, 32)  # TOO MANY


@std.aiv_kernel
def strided_view(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    std.duplicate(xb[0:64:2], 1.0, 8)  # STEP


@pytest.mark.parametrize(("fn", "marker", "words"), [
    (misaligned_view, "# MISALIGNED", ("12 bytes into 'xb'", "multiple of 8 f32")),
    (view_out_of_range, "# OUT OF RANGE", ("ends at 96", "holds 64")),
    (count_beyond_view, "# TOO MANY", ("count 32 exceeds buffer 'xb[0:16]'", "16 f32")),
    (strided_view, "# STEP", ("has a step",)),
])
def test_bad_views_are_compile_errors_at_their_line(fn, marker, words):
    with pytest.raises(CompileError) as info:
        kernel_cpp(fn)
    err = info.value
    assert err.lineno == _line(fn, marker), str(err)
    for w in words:
        assert w in str(err), str(err)
