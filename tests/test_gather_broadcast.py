"""std.gather (Gather), std.gather_mask (GatherMask), std.brcb (Brcb) and std.broadcast (Broadcast) vs numpy.

Each op runs on fresh random data on 910B and 310P, with odd counts and more than one 256-byte repeat; planted
misuse (an offset outside src, a misaligned offset or view, wrong element types, what a SoC lacks) is a fault
at the Python line or a CompileError.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator

import numpy as np
import pytest

from ascendpy import AlignmentFault, CompileError, OnChipCapacityFault, std
from ascendpy.compiler import kernel_cpp, kernel_mlir, vecops
from ascendpy.std import Ptr, f16, f32, u8, u16, u32
from tests.kernels import gather_broadcast as gb

SOCS = {"910B": "Ascend910B3", "310P": "Ascend310P3"}


@contextlib.contextmanager
def _stream(monkeypatch: pytest.MonkeyPatch, soc: str) -> Iterator[object]:
    from ascendpy import Acl, Context, Device, Stream

    monkeypatch.setenv("ASCENDPY_SIM_SOC", SOCS[soc])
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        yield stream


def _line(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    return next(first + i for i, text in enumerate(lines) if marker in text)


def _data(rng: np.random.Generator, dtype: type, n: int) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, n, endpoint=True).astype(dtype)
    return rng.standard_normal(n).astype(dtype)


# ------------------------------------------------------------------ Gather
@pytest.mark.parametrize("soc", ["910B", "310P"])
@pytest.mark.parametrize(("kernel", "dtype"), [(gb.gather_f32, np.float32), (gb.gather_f16, np.float16),
                                               (gb.gather_i32, np.int32), (gb.gather_i16, np.int16)])
def test_gather_matches_numpy(rng, monkeypatch, soc, kernel, dtype):
    n, m = 509, 1001  # odd; 1001 elements are several repeats for every type
    x = _data(rng, dtype, n)
    idx = np.concatenate([[0, n - 1], rng.integers(0, n, m - 2)])  # the first and the last element, repeats
    y = np.zeros(m, dtype)
    with _stream(monkeypatch, soc) as stream:
        kernel[1, stream](x, (idx * x.itemsize).astype(np.uint32), y, n, m)
    np.testing.assert_array_equal(y, x[idx])


def test_gather_adds_the_base_address(rng):
    n, m, base = 300, 77, 40  # base in bytes: 10 f32 elements
    x = _data(rng, np.float32, n)
    idx = rng.integers(0, n - 10, m)
    y = np.zeros(m, np.float32)
    gb.gather_base[1](x, (idx * 4).astype(np.uint32), y, n, m, base)
    np.testing.assert_array_equal(y, x[idx + 10])


@pytest.mark.parametrize("soc", ["910B", "310P"])
def test_gather_offset_outside_src_is_caught_at_its_line(rng, monkeypatch, soc):
    x = _data(rng, np.float32, 100)
    off = (rng.integers(0, 100, 20) * 4).astype(np.uint32)
    off[13] = gb.SRC * 4  # one element past the 512-element src buffer
    with _stream(monkeypatch, soc) as stream, pytest.raises(OnChipCapacityFault) as info:
        gb.gather_base[1, stream](x, off, np.zeros(20, np.float32), 100, 20, 0)
    err = info.value
    assert err.kind == "local_out_of_bounds" and err.lineno == _line(gb.gather_base, "# GATHER LINE"), str(err)
    assert "srcOffset[13]" in err.detail


@pytest.mark.parametrize(("off", "base"), [(6, 0), (0, 2)])
def test_gather_offset_or_base_not_a_multiple_of_the_element_size(rng, off, base):
    offsets = np.full(16, 8, np.uint32)
    offsets[5] = off
    with pytest.raises(AlignmentFault) as info:
        gb.gather_base[1](_data(rng, np.float32, 64), offsets, np.zeros(16, np.float32), 64, 16, base)
    err = info.value
    assert err.kind == "invalid_argument" and err.lineno == _line(gb.gather_base, "# GATHER LINE"), str(err)
    assert "multiple of the element size 4" in err.detail


# ------------------------------------------------------------------ GatherMask
def _kept(x: np.ndarray, pattern: std.GatherPattern) -> np.ndarray:
    k = np.arange(len(x))
    keep = {1: k % 2 == 0, 2: k % 2 == 1, 3: k % 4 == 0, 4: k % 4 == 1, 5: k % 4 == 2, 6: k % 4 == 3,
            7: k >= 0}[int(pattern)]
    return x[keep]


@pytest.mark.parametrize("soc", ["910B", "310P"])
@pytest.mark.parametrize(("kernel", "dtype", "pattern"), [
    (gb.keep_even_f32, np.float32, std.GatherPattern.EVEN), (gb.keep_odd_f16, np.float16, std.GatherPattern.ODD),
    (gb.keep_third_of_4_f32, np.float32, std.GatherPattern.THIRD_OF_4),
    (gb.keep_first_of_4_i16, np.int16, std.GatherPattern.FIRST_OF_4)])
def test_gather_mask_fixed_patterns(rng, monkeypatch, soc, kernel, dtype, pattern):
    n = 1001  # odd, several repeats
    x = _data(rng, dtype, n)
    y = np.zeros(gb.OUT, dtype)
    kept = np.zeros(1, np.uint32)
    with _stream(monkeypatch, soc) as stream:
        kernel[1, stream](x, y, kept, n)
    want = _kept(x, pattern)
    assert kept[0] == len(want)
    np.testing.assert_array_equal(y[:len(want)], want)


@pytest.mark.parametrize("soc", ["910B", "310P"])
@pytest.mark.parametrize(("kernel", "dtype", "ptype"), [(gb.keep_bits_f32, np.float32, np.uint32),
                                                        (gb.keep_bits_f16, np.float16, np.uint16)])
def test_gather_mask_with_a_bit_pattern(rng, monkeypatch, soc, kernel, dtype, ptype):
    n = 777
    x = _data(rng, dtype, n)
    bits = rng.integers(0, 2, gb.OUT).astype(bool)
    words = np.packbits(bits, bitorder="little").view(ptype)  # bit i of the stream keeps element i
    y = np.zeros(gb.OUT, dtype)
    kept = np.zeros(1, np.uint32)
    with _stream(monkeypatch, soc) as stream:
        kernel[1, stream](x, words, y, kept, n)
    want = x[bits[:n]]
    assert kept[0] == len(want)
    np.testing.assert_array_equal(y[:len(want)], want)


@std.aiv_kernel
def keep_all_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 256)
    yb = std.ub_alloc(f32, 256)
    std.load(xb, x, 0, n)
    std.gather_mask(yb, xb, std.GatherPattern.ALL, n)  # ALL LINE
    std.store(y, 0, yb, n)


def test_gather_pattern_all_is_910b_only(rng):
    x = _data(rng, np.float32, 200)
    y = np.zeros(200, np.float32)
    keep_all_f32[1](x, y, 200)
    np.testing.assert_array_equal(y, x)
    with pytest.raises(CompileError) as info:
        kernel_cpp(keep_all_f32, soc="Ascend310P3")
    assert info.value.lineno == _line(keep_all_f32, "# ALL LINE") and "src1Pattern 1..6" in str(info.value)


# ------------------------------------------------------------------ Brcb
@pytest.mark.parametrize("soc", ["910B", "310P"])
@pytest.mark.parametrize(("kernel", "dtype"), [(gb.brcb_f32, np.float32), (gb.brcb_f16, np.float16)])
@pytest.mark.parametrize("repeats", [1, 3])
def test_brcb_fills_one_block_per_element(rng, monkeypatch, soc, kernel, dtype, repeats):
    x = _data(rng, dtype, 8 * repeats)
    per = 32 // x.itemsize
    y = np.zeros(8 * repeats * per, dtype)
    with _stream(monkeypatch, soc) as stream:
        kernel[1, stream](x, y, repeats)
    np.testing.assert_array_equal(y, np.repeat(x, per))


def test_brcb_on_310p_reserves_the_top_8_kib_of_ub(tmp_path):
    bad = _tmp_kernel(tmp_path, "big_brcb", "    yb = std.ub_alloc(f32, 62 * 1024)  # 248 KiB: 310P's UB less 8 KiB\n"
                      "    xb = std.ub_alloc(f32, 64)\n    std.load(xb, x, 0, 64)\n    std.brcb(yb, xb, 8)\n")
    with pytest.raises(CompileError) as info:
        kernel_cpp(bad, soc="Ascend310P3")
    assert "Brcb scratch (std.brcb on 310P: the top 8 KiB)" in str(info.value), str(info.value)


# ------------------------------------------------------------------ Broadcast
@pytest.mark.parametrize("soc", ["910B", "310P"])
@pytest.mark.parametrize(("kernel", "dtype", "rows", "cols", "axis"), [
    (gb.bcast_row_f32, np.float32, gb.ROWS, gb.COLS, 0), (gb.bcast_row_f16, np.float16, gb.ROWS, 48, 0),
    (gb.bcast_col_f32, np.float32, gb.ROWS_16, gb.COLS_ODD, 1),
    (gb.bcast_col_f16, np.float16, gb.ROWS_16, 24, 1)])
def test_broadcast_a_row_or_a_column(rng, monkeypatch, soc, kernel, dtype, rows, cols, axis):
    x = _data(rng, dtype, cols if axis == 0 else rows)
    y = np.zeros(rows * cols, dtype)
    with _stream(monkeypatch, soc) as stream:
        kernel[1, stream](x, y)
    want = np.broadcast_to(x[None, :] if axis == 0 else x[:, None], (rows, cols))
    np.testing.assert_array_equal(y.reshape(rows, cols), want)


@std.aiv_kernel
def bcast_col_odd_rows(x: Ptr[f32], y: Ptr[f32]):
    xb = std.ub_alloc(f32, 16)
    yb = std.ub_alloc(f32, 13 * 37)
    std.load(xb, x, 0, 13)
    std.broadcast(yb, xb, 13, 37, 1)  # ODD ROWS LINE
    std.store(y, 0, yb, 13 * 37)


def test_broadcast_axis_1_with_unaligned_rows_is_910b_only(rng):
    x = _data(rng, np.float32, 13)
    y = np.zeros(13 * 37, np.float32)
    bcast_col_odd_rows[1](x, y)
    np.testing.assert_array_equal(y.reshape(13, 37), np.repeat(x[:, None], 37, 1))
    with pytest.raises(CompileError) as info:
        kernel_cpp(bcast_col_odd_rows, soc="Ascend310P3")
    assert info.value.lineno == _line(bcast_col_odd_rows, "# ODD ROWS LINE") and "multiple of 32" in str(info.value)


def test_broadcast_tmp_buffer_is_counted_in_the_ub_budget():
    mlir = kernel_mlir(gb.bcast_col_f32)
    tmp = vecops.broadcast_tmp_bytes("910B", 4, gb.ROWS_16, gb.COLS_ODD, 1)
    big = max(tmp, vecops.broadcast_tmp_bytes("310P", 4, gb.ROWS_16, gb.COLS_ODD, 1))
    assert f'buf_name = "bcast.broadcast.tmp", dtype = "u8", role = "calc"}} : () -> memref<{big}xi8' in mlir, mlir


# ------------------------------------------------------------------ synchronisation and compile errors
@std.aiv_kernel
def gather_then_scale(x: Ptr[f32], off: Ptr[u32], y: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    ob = std.ub_alloc(u32, 64)
    yb = std.ub_alloc(f32, 64)
    std.load(xb, x, 0, 64)
    std.load(ob, off, 0, 64)
    std.gather(yb, xb, ob, 0, 64)
    std.muls(yb, yb, 2.0, 64)
    std.store(y, 0, yb, 64)


def test_gather_is_ordered_against_the_next_vector_op(rng):
    cpp = kernel_cpp(gather_then_scale)
    gather = cpp.index("AscendC::Gather(")
    assert "PipeBarrier<PIPE_V>()" in cpp[gather:cpp.index("AscendC::Muls(")]
    x = _data(rng, np.float32, 64)
    idx = rng.permutation(64)
    y = np.zeros(64, np.float32)
    gather_then_scale[1](x, (idx * 4).astype(np.uint32), y)
    np.testing.assert_array_equal(y, x[idx] * 2)


_BAD = {
    "offsets_u16": ("ob = std.ub_alloc(u16, 64)", "std.gather(yb, xb, ob, 0, 64)", "must hold u32"),
    "dtype_mismatch": ("ob = std.ub_alloc(u32, 64)", "std.gather(std.ub_alloc(f16, 64), xb, ob, 0, 64)", ""),
    "same_buffer": ("ob = std.ub_alloc(u32, 64)", "std.gather(xb, xb, ob, 0, 64)", "same buffer"),
    "odd_base": ("ob = std.ub_alloc(u32, 64)", "std.gather(yb, xb, ob, 6, 64)", "multiple of 4"),
    "u8_pattern": ("ob = std.ub_alloc(u8, 64)", "std.gather_mask(yb, xb, ob, 64)", "u32 pattern"),
    "pattern_int": ("ob = std.ub_alloc(u32, 64)", "std.gather_mask(yb, xb, 1, 64)", "GatherPattern member"),
    "brcb_too_many": ("ob = std.ub_alloc(u32, 64)", "std.brcb(yb, xb, 2)", "repeats"),
    "bcast_unaligned_row": ("ob = std.ub_alloc(u32, 64)", "std.broadcast(yb, xb, 2, 7, 0)", "32-byte"),
    "bcast_runtime_rows": ("ob = std.ub_alloc(u32, 64)", "std.broadcast(yb, xb, n, 8, 0)", "compile-time"),
    "misaligned_view": ("ob = std.ub_alloc(u32, 64)", "std.gather(yb, xb[3:], ob, 0, 8)", "32-byte boundary"),
}


def _tmp_kernel(tmp_path, name: str, body: str) -> std.KernelFunction:
    """A kernel `bad(x: Ptr[f32], n: u32)` in a module of its own (line 6 is the first line of `body`)."""
    import importlib.util

    src = tmp_path / f"{name}.py"
    src.write_text("from ascendpy import std\nfrom ascendpy.std import Ptr, f16, f32, u8, u16, u32\n\n"
                   f"@std.aiv_kernel\ndef bad(x: Ptr[f32], n: u32):\n{body}")
    spec = importlib.util.spec_from_file_location(name, src)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.bad


@pytest.mark.parametrize("case", sorted(_BAD))
def test_misuse_is_a_compile_error_at_the_line(tmp_path, case):
    alloc, call, words = _BAD[case]
    bad = _tmp_kernel(tmp_path, f"bad_{case}", "    xb = std.ub_alloc(f32, 64)\n    yb = std.ub_alloc(f32, 64)\n"
                      f"    {alloc}\n    std.load(xb, x, 0, 64)\n    {call}\n")
    with pytest.raises(CompileError) as info:
        kernel_cpp(bad)
    assert info.value.lineno == 10, str(info.value)
    assert words in str(info.value), str(info.value)


def test_the_std_markers_are_device_only():
    with pytest.raises(TypeError):
        std.gather(None, None, None, 0, 1)
    assert [p.value for p in std.GatherPattern] == list(range(1, 8))
    assert (f16, u8, u16) and vecops.GATHER_MASK_PATTERN_TYPE == {2: "u16", 4: "u32"}


# ------------------------------------------------------------------ hand-written AscendC: the race checker
_RACE_CPP = """#include "kernel_operator.h"
using namespace AscendC;
extern "C" __global__ __aicore__ void gather_race(GM_ADDR x, GM_ADDR off, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> xb, ob, yb;
    pipe.InitBuffer(xb, 256);
    pipe.InitBuffer(ob, 256);
    pipe.InitBuffer(yb, 256);
    GlobalTensor<float> xg, yg;
    GlobalTensor<uint32_t> og;
    xg.SetGlobalBuffer((__gm__ float*)x);
    og.SetGlobalBuffer((__gm__ uint32_t*)off);
    yg.SetGlobalBuffer((__gm__ float*)y);
    LocalTensor<float> xt = xb.Get<float>(), yt = yb.Get<float>();
    LocalTensor<uint32_t> ot = ob.Get<uint32_t>();
    DataCopy(xt, xg, 64);
    DataCopy(ot, og, 64);
#ifdef FIXED
    SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
#endif
    Gather(yt, xt, ot, 0u, 64u);  // BUG
    SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
    DataCopy(yg, yt, 64);
}
"""


def test_gather_reading_offsets_the_dma_still_writes_is_a_race(runtime, rng, tmp_path):
    from ascendpy import DeviceBuffer, KernelLoader, PipeRaceFault
    from ascendpy.errors import ValidationWarning
    from ascendpy.toolchain.compile import compile_cpp

    _, _, _, stream = runtime
    src = str(tmp_path / "gather_race.cpp")
    x = _data(rng, np.float32, 64)
    idx = rng.permutation(64)
    args = lambda: (DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy((idx * 4).astype(np.uint32)),  # noqa: E731
                    DeviceBuffer.empty(np.float32, 64))
    with pytest.warns(ValidationWarning, match=r"Gather \(vector pipe\) reads `ot` while the DataCopy"):
        buggy = KernelLoader(compile_cpp(_RACE_CPP, source_name=src))  # the validator sees it too
    with pytest.raises(PipeRaceFault) as info:
        buggy.get_kernel("gather_race")[1, stream](*args())
        stream.synchronize()
    line = next(i for i, t in enumerate(_RACE_CPP.splitlines(), 1) if t.endswith("// BUG"))
    assert info.value.kind == "pipe_race" and info.value.lineno == line, str(info.value)
    fixed = KernelLoader(compile_cpp(_RACE_CPP, source_name=src, extra_flags=["-DFIXED"]))
    a = args()
    fixed.get_kernel("gather_race")[1, stream](*a)
    np.testing.assert_array_equal(a[2].to_numpy(), x[idx])
