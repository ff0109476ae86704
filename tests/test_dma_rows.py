"""std.load_rows / std.store_rows: rows of a matrix, column blocks and 2-D windows in one DMA.

Against numpy on fresh random data, f16 and f32, odd row lengths and pitches, more rows than one tile, with
and without padding, on 910B (DataCopyPad) and 310P (the strided DataCopy forms; the others are compile
errors there). Planted misuse: constant overflow and padding are CompileErrors at the line, run-time
overflow and pitches simulator faults at the line, DataCopyPad written by hand for 310P `unsupported_on_soc`.
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path

import numpy as np
import pytest

from ascendpy import CompileError, DeviceBuffer, KernelLoader, std
from ascendpy.compiler import kernel_cpp, kernel_mlir
from ascendpy.runtime.faults import AlignmentFault, OnChipCapacityFault
from ascendpy.std import Ptr, f16, f32, u32
from ascendpy.toolchain.cli import main as cli_main
from ascendpy.toolchain.validate import validate
from tests.kernels import dma_rows as dk
from tests.kernels import dma_rows_310p as dk310
from tests.test_faults import expect

HERE = Path(__file__).resolve()
KERNELS = Path(dk.__file__).resolve()
FIXTURE = HERE.parent / "dma_rows_cpp" / "rows.cpp"


def _line(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    return next(first + i for i, text in enumerate(lines) if marker in text)


def _padded(x: np.ndarray, c0: int, cols: int, left: int, right: int, value: float) -> np.ndarray:
    rows = x.shape[0]
    out = np.full((rows, left + cols + right), value, x.dtype)
    out[:, left:left + cols] = x[:, c0:c0 + cols]
    return out


# ---------------------------------------------------------------------------------------------- 910B
@pytest.fixture(autouse=True)
def _sim_910b(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")


@pytest.mark.parametrize(("kernel", "dtype", "left", "right", "value"), [
    ("window_f32", np.float32, 1, 2, -3.5), ("window_f16", np.float16, 16, 3, 7.0),
    ("window_nopad_f32", np.float32, 0, 0, 0.0)])
@pytest.mark.parametrize(("rows", "cols", "c0", "src_ld", "dst_ld"), [
    (37, 45, 5, 61, 52),    # odd row length and pitches, one tile of 42 rows
    (301, 45, 0, 45, 50),   # dense source rows, several tiles
    (130, 7, 30, 37, 29),   # a short row (28 bytes for f32), odd GM pitches
])
def test_padded_windows_against_numpy(rng, kernel, dtype, left, right, value, rows, cols, c0, src_ld, dst_ld):
    """y[r, :w] = 2 * (left pads, x[r, c0:c0+cols], right pads): exactly w = cols + left + right elements a
    row written, the rest of each y row (its pitch) and the guard after it untouched."""
    w = cols + left + right
    if dst_ld < w:
        dst_ld = w + 3
    x = (rng.standard_normal((rows, src_ld)) * 4).astype(dtype)
    y = rng.standard_normal(rows * dst_ld + 40).astype(dtype)
    want = y.copy()
    want[:rows * dst_ld].reshape(rows, dst_ld)[:, :w] = (2 * _padded(x, c0, cols, left, right, value)).astype(dtype)
    getattr(dk, kernel)[1](x, y, rows, cols, c0, src_ld, dst_ld)
    np.testing.assert_array_equal(y, want)


def test_load_rows_loops_are_queue_pipelines():
    """A loop of load_rows -> vector op -> store_rows gets the same VECIN / VECOUT queues as std.load does."""
    mlir = kernel_mlir(dk.window_f32)
    assert 'buf_name = "window.xb", dtype = "f32", role = "vecin"' in mlir, mlir
    assert 'buf_name = "window.yb", dtype = "f32", role = "vecout"' in mlir, mlir
    cpp = kernel_cpp(dk.window_f32)
    assert "AscendC::TQue<AscendC::TPosition::VECIN, 2> window_xb_que;" in cpp
    assert "AscendC::TQue<AscendC::TPosition::VECOUT, 2> window_yb_que;" in cpp
    assert "AscendC::DataCopyPadExtParams<float>(true, 1, 2, " in cpp
    assert "apy_check_rows(" in cpp  # run-time sizes are checked by the simulator


def test_constant_unaligned_rows_fold_into_the_structs(rng):
    cpp = kernel_cpp(dk.constant_odd_f32)
    # 45 f32 = 180 bytes a row; GM gap (47 - 45) * 4 = 8 bytes; UB pitch 64 -> (256 - 192) / 32 = 2 blocks
    assert "AscendC::DataCopyExtParams(9, 180, 8, 2, 0), AscendC::DataCopyPadExtParams<float>(false, 0, 0, " in cpp
    assert "AscendC::DataCopyPad(y_gm[static_cast<uint64_t>(t5)], xb, AscendC::DataCopyExtParams(9, 180, 2, 20, 0))" \
        in cpp
    assert "apy_check_rows" not in cpp
    x = rng.standard_normal(9 * 47 + 3).astype(np.float32)
    y = rng.standard_normal(9 * 50).astype(np.float32)
    want = y.copy().reshape(9, 50)
    want[:, :45] = x[3:].reshape(9, 47)[:, :45]
    dk.constant_odd_f32[1](x, y)
    np.testing.assert_array_equal(y.reshape(9, 50), want)


# ---------------------------------------------------------------------------------------------- both SoCs
@pytest.mark.parametrize("soc", ["Ascend910B3", "Ascend310P3"])
def test_aligned_rows_run_on_both_socs(rng, monkeypatch, soc):
    monkeypatch.setenv("ASCENDPY_SIM_SOC", soc)
    loader = KernelLoader.from_module(dk310, soc=soc)
    from ascendpy import Acl, Context, Device, Stream

    rows = 37  # three tiles of 16 rows
    x32 = rng.standard_normal((rows, 80)).astype(np.float32)
    x16 = rng.standard_normal((rows, 64)).astype(np.float16)
    y32 = rng.standard_normal((rows, 96)).astype(np.float32)
    y16 = rng.standard_normal((rows, 80)).astype(np.float16)
    w32, w16 = y32.copy(), y16.copy()
    w32[:, :64] = x32[:, 8:72] * np.float32(3)
    w16[:, :48] = x16[:, 16:64] + np.float16(1)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        bufs = [DeviceBuffer.from_numpy(a, context=ctx) for a in (x32, y32, x16, y16)]
        loader.get_kernel("block_f32")[1, stream](bufs[0], bufs[1], rows)
        loader.get_kernel("block_f16")[1, stream](bufs[2], bufs[3], rows)
        got32, got16 = bufs[1].to_numpy(), bufs[3].to_numpy()
    np.testing.assert_array_equal(got32, w32)
    np.testing.assert_array_equal(got16, w16)
    cpp = kernel_cpp(dk310.block_f32, soc)
    assert "DataCopyPad" not in cpp
    # 64 f32 = 8 blocks a row; GM gap 16 f32 = 2 blocks, UB gap 8 f32 = 1 block (and back: UB 1, GM 4)
    assert "AscendC::DataCopyParams(static_cast<uint16_t>(t" in cpp and ", 8, 2, 1));" in cpp and ", 8, 1, 4));" in cpp


@pytest.mark.parametrize(("fn", "marker"), [(dk.constant_odd_f32, "# ODD LOAD"), (dk.window_f32, "window(f32")])
def test_unaligned_rows_are_compile_errors_on_310p(fn, marker):
    with pytest.raises(CompileError) as info:
        kernel_cpp(fn, "Ascend310P3")
    err = info.value
    assert err.lineno == _line(fn, marker), str(err)
    for words in ("needs DataCopyPad", "Ascend310P3 has no DataCopyPad", "multiples of 32 bytes (8 f32 elements)"):
        assert words in str(err), str(err)
    assert ("rows of 45 f32 (180 bytes" if fn is dk.constant_odd_f32 else "padding") in str(err), str(err)


# ---------------------------------------------------------------------------------------------- planted misuse
@std.aiv_kernel
def overflow_const(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.load_rows(xb, x, 0, 9, 60, 60)  # OVERFLOW: 9 rows at pitch 64 need 576


@std.aiv_kernel
def overflow_view(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.load_rows(xb[256:], x, 0, 4, 64, 64, dst_ld=72)  # VIEW: 3 * 72 + 64 = 280 > 256


@std.aiv_kernel
def pad_too_wide(x: Ptr[f16]):
    xb = std.ub_alloc(f16, 512)
    std.load_rows(xb, x, 0, 4, 20, 20, pad_left=17)  # PAD: 34 bytes


@std.aiv_kernel
def pitch_misaligned(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.load_rows(xb, x, 0, 4, 20, 20, dst_ld=36)  # PITCH: 144 bytes


@std.aiv_kernel
def pitch_short(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.load_rows(xb, x, 0, 4, 20, 20, pad_right=5, dst_ld=24)  # SHORT: a row is 25, 32 after the fill


@std.aiv_kernel
def gm_overlap(x: Ptr[f32], y: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.store_rows(y, 0, xb, 4, 20, 16)  # OVERLAP


@std.aiv_kernel
def too_many_rows(x: Ptr[f16], rows: u32):
    xb = std.ub_alloc(f16, 512)
    std.load_rows(xb, x, 0, 4096, 1, 1)  # BLOCKS


@std.aiv_kernel
def unknown_keyword(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.load_rows(xb, x, 0, 4, 20, 20, dst_pitch=32)  # KEYWORD


@std.aiv_kernel
def store_with_padding(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.store_rows(x, 0, xb, 4, 20, 20, pad_left=1)  # STORE PAD


@std.aiv_kernel
def keyword_elsewhere(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 512)
    std.load(xb, x, 0, count=64)  # LOAD KEYWORD


@pytest.mark.parametrize(("fn", "marker", "words"), [
    (overflow_const, "# OVERFLOW", ("9 rows at a UB pitch of 64 f32", "span 576 elements", "'xb' holds 512")),
    (overflow_view, "# VIEW", ("span 280 elements", "'xb[256:]' holds 256")),
    (pad_too_wide, "# PAD", ("pad_left = 17 f16 elements is 34 bytes", "at most 32 bytes")),
    (pitch_misaligned, "# PITCH", ("dst_ld = 36 f32 elements is 144 bytes", "multiple of 8")),
    (pitch_short, "# SHORT", ("dst_ld = 24 is shorter than a row: 25 elements with padding, 32",)),
    (gm_overlap, "# OVERLAP", ("dst_ld = 16 is less than cols = 20",)),
    (too_many_rows, "# BLOCKS", ("rows = 4096 exceeds 4095",)),
    (unknown_keyword, "# KEYWORD", ("no keyword argument 'dst_pitch'", "dst_ld, pad_left, pad_right, pad_value")),
    (store_with_padding, "# STORE PAD", ("std.store_rows has no keyword argument 'pad_left'", "src_ld")),
    (keyword_elsewhere, "# LOAD KEYWORD", ("takes no keyword arguments",)),
])
def test_misuse_is_a_compile_error_at_its_line(fn, marker, words):
    with pytest.raises(CompileError) as info:
        kernel_cpp(fn)
    err = info.value
    assert err.lineno == _line(fn, marker), str(err)
    for w in words:
        assert w in str(err), str(err)


def test_run_time_overflow_and_pitch_are_faults_at_the_line(runtime, rng):
    stream = runtime[3]
    loader = KernelLoader.from_module(dk, soc="910B")
    x = DeviceBuffer.from_numpy(rng.standard_normal(4096).astype(np.float32))
    y = DeviceBuffer.empty(np.float32, 4096)
    loader.get_kernel("rows_past_buffer_f32")[1, stream](x, y, 8)  # 8 rows fit
    stream.synchronize()
    expect(OnChipCapacityFault, "local_out_of_bounds", loader, "rows_past_buffer_f32", stream, 1, x, y, 9,
           source=KERNELS, words=("DataCopy", "dst", "exceeds the 2048 bytes"))
    expect(AlignmentFault, "invalid_argument", loader, "runtime_pitch_f32", stream, 1, x, y, 4, 45, 45,
           source=KERNELS, words=("UB row pitch 45 elements (180 bytes) is not a whole number of 32-byte blocks",))
    expect(AlignmentFault, "invalid_argument", loader, "runtime_pitch_f32", stream, 1, x, y, 4, 45, 40,
           source=KERNELS, words=("UB row pitch 40 is shorter than a row (48",))
    loader.get_kernel("runtime_pitch_f32")[1, stream](x, y, 4, 45, 48)
    np.testing.assert_array_equal(y.to_numpy()[:180], x.to_numpy()[:180])


@pytest.mark.parametrize(("i", "cls", "kind"), [(96, OnChipCapacityFault, "local_out_of_bounds"),
                                                (200, OnChipCapacityFault, "local_out_of_bounds"),
                                                (4, AlignmentFault, "misaligned")])
def test_a_run_time_view_past_its_buffer_faults_at_the_line(runtime, rng, i, cls, kind):
    stream = runtime[3]
    loader = KernelLoader.from_module(dk, soc="910B")
    x = DeviceBuffer.from_numpy(rng.standard_normal(128).astype(np.float32))
    y = DeviceBuffer.empty(np.float32, 128)
    expect(cls, kind, loader, "view_past_buffer_f32", stream, 1, x, y, i, source=KERNELS)


def test_the_view_kernel_is_right_where_it_fits(runtime, rng):
    x = rng.standard_normal(128).astype(np.float32)
    y = np.zeros(128, np.float32)
    dk.view_past_buffer_f32[1, runtime[3]](x, y, 64)
    np.testing.assert_array_equal(y, np.concatenate([x[:64], 2 * x[64:]]))


# ---------------------------------------------------------------------------------------------- by hand
def _fixture(soc: str) -> KernelLoader:
    out = Path(tempfile.mkdtemp(prefix="dma-rows-")) / f"rows-{soc}.so"
    assert cli_main(["--soc", soc, "--sim", str(FIXTURE), "-o", str(out)]) == 0
    return KernelLoader.from_artifact(out)


def test_hand_written_rows_on_910b(runtime, rng):
    stream = runtime[3]
    loader = _fixture("910B")
    x = rng.standard_normal((16, 80)).astype(np.float32)
    y = DeviceBuffer.zeros(np.float32, 16 * 64)
    loader.get_kernel("block_rows")[1, stream](DeviceBuffer.from_numpy(x), y, 13)
    np.testing.assert_array_equal(y.to_numpy().reshape(16, 64)[:13], x[:13, 8:72])
    rows, cols, ld = 11, 45, 53
    xp = rng.standard_normal(rows * ld).astype(np.float32)
    yp = DeviceBuffer.zeros(np.float32, rows * (cols + 1))
    loader.get_kernel("pad_rows")[1, stream](DeviceBuffer.from_numpy(xp), yp, rows, cols, ld)
    np.testing.assert_array_equal(yp.to_numpy().reshape(rows, cols + 1), _padded(xp.reshape(rows, ld), 0, cols,
                                                                                  1, 0, 0.0))


def test_hand_written_datacopypad_is_refused_on_310p(runtime310, rng):
    stream = runtime310
    loader = _fixture("310P")
    x = rng.standard_normal((16, 80)).astype(np.float32)
    y = DeviceBuffer.zeros(np.float32, 16 * 64)
    loader.get_kernel("block_rows")[1, stream](DeviceBuffer.from_numpy(x), y, 16)  # the strided DataCopy runs
    np.testing.assert_array_equal(y.to_numpy().reshape(16, 64), x[:, 8:72])
    expect(AlignmentFault, "unsupported_on_soc", loader, "pad_rows", stream, 1,
           DeviceBuffer.from_numpy(x), DeviceBuffer.zeros(np.float32, 16 * 64), 4, 45, 80, source=FIXTURE,
           words=("DataCopyPad is not available on Ascend310P",))


def test_validator_sees_the_row_copies():
    """The validator follows the strided DataCopy and DataCopyPad forms (pipes, and what 310P lacks)."""
    src = FIXTURE.read_text()
    lines = src.splitlines()
    pads = [i for i, t in enumerate(lines, 1) if "DataCopyPad(" in t]
    assert validate(src, "Ascend910B3", source_name=str(FIXTURE)) == []
    diags = validate(src, "Ascend310P3", source_name=str(FIXTURE))
    assert sorted((d.code, d.line) for d in diags) == [("unsupported-api", n) for n in pads], diags
    for module in (dk, dk310):
        from ascendpy.compiler import compile_module

        for soc in (["Ascend910B3"] if module is dk else ["Ascend910B3", "Ascend310P3"]):
            assert validate(compile_module(module, soc).cpp, soc) == []



def test_a_single_row_ignores_its_pitch(rng):
    cpp = kernel_cpp(dk310.one_row)
    assert "AscendC::DataCopyParams(1, 8, 0, 0)" in cpp
    x = rng.standard_normal(72).astype(np.float32)
    y = np.zeros(64, np.float32)
    dk310.one_row[1](x, y)
    np.testing.assert_array_equal(y, x[8:])
