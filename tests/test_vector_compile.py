"""The vector programming model at compile time: UB budget, buffer planning, sync insertion, misuse errors.

Nothing here runs a kernel. Line numbers are computed from this file's own
source (a `# MARK` comment on the line an error must name).
"""

from __future__ import annotations

import inspect
import re

import pytest

from ascendpy import CompileError, std
from ascendpy.compiler import kernel_cpp, kernel_mlir
from ascendpy.std import Ptr, bf16, f16, f32, i8, i16, i32, u8, u32
from tests.kernels import vector_ops as vk
from tests.kernels import vector_ops_310p as vk310

SOCS = ["910B", "310P"]


def _line_of(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    hits = [first + i for i, text in enumerate(lines) if marker in text]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def _expect(fn: std.KernelFunction, marker: str, *words: str, soc: str = "910B") -> CompileError:
    with pytest.raises(CompileError) as info:
        kernel_cpp(fn, soc=soc)
    err = info.value
    text = str(err)
    assert err.filename == __file__, text
    assert err.lineno == _line_of(fn, marker), text
    assert err.kernel == fn.name, text
    assert f"{__file__}:{err.lineno}" in text
    for w in words:
        assert w in text, f"{w!r} not in: {text}"
    return err


# ============================================================ (a) Unified Buffer budget
@std.aiv_kernel
def ub_224k(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 14336)  # XB: 56 KiB, a VECIN queue of two
    yb = std.ub_alloc(f32, 14336)  # YB: 56 KiB, a VECOUT queue of two -> 224 KiB in all
    std.load(xb, x, 0, n)
    std.exp(yb, xb, n)
    std.store(y, 0, yb, n)


def test_ub_overflow_on_910b_only():
    err = _expect(ub_224k, "# YB", soc="910B")
    text = str(err)
    xb_line, yb_line = _line_of(ub_224k, "# XB"), _line_of(ub_224k, "# YB")
    assert f"xb: 14336 x f32 x 2 (double-buffered queue) = 114688 bytes (line {xb_line})" in text, text
    assert f"yb: 14336 x f32 x 2 (double-buffered queue) = 114688 bytes (line {yb_line})" in text, text
    assert "need 229376 bytes" in text and "196608 bytes (192 KiB)" in text, text
    assert "total 229376 > 196608" in text, text
    assert "Ascend910B" in text
    # 310P has 256 KiB of UB: the same kernel fits.
    assert "TQue<AscendC::TPosition::VECIN, 2>" in kernel_cpp(ub_224k, soc="310P")


@std.aiv_kernel
def ub_over_both(x: Ptr[f32], y: Ptr[f32], n: u32):
    small = std.ub_alloc(f16, 3)  # SMALL: 6 bytes, rounded up to one 32-byte block
    xb = std.ub_alloc(f32, 16392)  # XB
    yb = std.ub_alloc(f32, 16392)  # YB
    std.load(xb, x, 0, n)
    std.exp(yb, xb, n)
    std.store(y, 0, yb, n)
    std.duplicate(small, 1.0, 3)
    small[0] = small[1] + small[2]


@pytest.mark.parametrize("soc,limit", [("910B", 192 * 1024), ("310P", 256 * 1024)])
def test_ub_overflow_on_both(soc, limit):
    total = 32 + 2 * 2 * 65568
    err = _expect(ub_over_both, "# YB", soc=soc)
    text = str(err)
    assert f"small: 3 x f16 = 32 bytes (line {_line_of(ub_over_both, '# SMALL')})" in text, text
    assert f"xb: 16392 x f32 x 2 (double-buffered queue) = 131136 bytes (line {_line_of(ub_over_both, '# XB')})" \
        in text, text
    assert f"yb: 16392 x f32 x 2 (double-buffered queue) = 131136 bytes (line {_line_of(ub_over_both, '# YB')})" \
        in text, text
    assert f"need {total} bytes" in text and f"has {limit} bytes ({limit // 1024} KiB)" in text, text
    assert f"total {total} > {limit}" in text, text


@std.aiv_kernel
def ub_first_buffer_too_big(x: Ptr[f32], n: u32):
    huge = std.ub_alloc(f32, 70000)  # HUGE: a TBuf (loaded, changed in place, stored) of 280000 bytes
    std.load(huge, x, 0, n)
    std.exp(huge, huge, n)
    std.store(x, 0, huge, n)


@pytest.mark.parametrize("soc", SOCS)
def test_ub_overflow_names_the_first_buffer_that_does_not_fit(soc):
    text = str(_expect(ub_first_buffer_too_big, "# HUGE", soc=soc))
    assert "huge: 70000 x f32 = 280000 bytes" in text and "double-buffered" not in text, text


@std.aiv_kernel
def ub_full_910b(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 12288)  # 2 x 48 KiB
    yb = std.ub_alloc(f32, 12288)  # 2 x 48 KiB: exactly 192 KiB
    std.load(xb, x, 0, n)
    std.exp(yb, xb, n)
    std.store(y, 0, yb, n)


@std.aiv_kernel
def ub_full_910b_plus_one(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 12288)
    yb = std.ub_alloc(f32, 12289)  # YB: one element more -> one 32-byte block more, twice
    std.load(xb, x, 0, n)
    std.exp(yb, xb, n)
    std.store(y, 0, yb, n)


@std.aiv_kernel
def ub_full_310p(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 16384)  # 2 x 64 KiB
    yb = std.ub_alloc(f32, 16384)  # 2 x 64 KiB: exactly 256 KiB
    std.load(xb, x, 0, n)
    std.exp(yb, xb, n)
    std.store(y, 0, yb, n)


@std.aiv_kernel
def ub_full_tbuf(x: Ptr[f16], n: u32):
    xb = std.ub_alloc(f16, 98304)  # one TBuf of exactly 192 KiB
    std.load(xb, x, 0, n)
    std.abs(xb, xb, n)
    std.store(x, 0, xb, n)


def test_exactly_full_ub_compiles():
    cpp = kernel_cpp(ub_full_910b, soc="910B")
    assert cpp.count("InitBuffer(") == 2 and "2, 49152)" in cpp
    assert "TBuf<AscendC::TPosition::VECCALC>" in kernel_cpp(ub_full_tbuf, soc="910B")
    kernel_cpp(ub_full_310p, soc="310P")
    text = str(_expect(ub_full_910b_plus_one, "# YB", soc="910B"))
    assert "total 196672 > 196608" in text, text
    _expect(ub_full_310p, "yb = std.ub_alloc", soc="910B")


# ============================================================ (b) queues in the generated C++
@std.aiv_kernel
def reduce_into_buffer(x: Ptr[f32], y: Ptr[f32], n: u32):
    """Per block, the maximum of one tile: a VECIN queue for the tile, a VECOUT queue for the result."""
    xb = std.ub_alloc(f32, 4096)
    rb = std.ub_alloc(f32, 8)
    row = std.get_block_idx()
    std.load(xb, x, row * std.i64(n), n)
    std.reduce_max(rb, xb, n)
    std.store(y, row, rb, 1)


QUEUE_KERNELS = {"tiled unary": vk.q_exp_f32, "tiled binary": vk.q_add_f16, "tiled cast": vk310.cast_f32_f16,
                 "softmax (std.ops)": vk.softmax_rows_f32, "reduction": reduce_into_buffer}


@pytest.mark.parametrize("soc", SOCS)
@pytest.mark.parametrize("name", QUEUE_KERNELS)
def test_pipelines_use_queues(name, soc):
    cpp = kernel_cpp(QUEUE_KERNELS[name], soc=soc)
    assert "AscendC::TQue<AscendC::TPosition::VECIN, 2>" in cpp
    assert "AscendC::TQue<AscendC::TPosition::VECOUT, 2>" in cpp
    for call in ("AllocTensor<", "EnQue(", "DeQue<", "FreeTensor("):
        assert cpp.count(call) >= 2, call  # one per queue
    assert "PipeBarrier<PIPE_ALL>" not in cpp
    # The queues carry the DMA <-> vector ordering: no flag between those pipes is needed.
    for event in ("MTE2_V", "V_MTE3"):
        assert f"HardEvent::{event}>" not in cpp, event


def _body_lines(cpp: str) -> list[str]:
    return [line.strip() for line in cpp.split("__aicore__ void", 2)[-1].splitlines()]


def _index(lines: list[str], pattern: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if re.search(pattern, lines[i]):
            return i
    raise AssertionError(f"no line matching {pattern!r} after line {start}:\n" + "\n".join(lines))


@pytest.mark.parametrize("soc", SOCS)
def test_queue_protocol_order(soc):
    """VECIN: Alloc, copy in, EnQue, DeQue, vector op, Free. VECOUT: Alloc, vector op, EnQue, DeQue, copy out, Free."""
    lines = _body_lines(kernel_cpp(vk.q_exp_f32, soc=soc))
    steps = [r"(\w+xb) = \w+xb_que\.AllocTensor<float>", r"apy_copy_in\(\w+xb,", r"xb_que\.EnQue\(",
             r"xb = \w+xb_que\.DeQue<float>", r"(\w+yb) = \w+yb_que\.AllocTensor<float>", r"AscendC::Exp\(\w+yb, \w+xb",
             r"xb_que\.FreeTensor\(", r"yb_que\.EnQue\(", r"yb = \w+yb_que\.DeQue<float>", r"apy_copy_out\(.*, \w+yb,",
             r"yb_que\.FreeTensor\("]
    at = 0
    for s in steps:
        at = _index(lines, s, at) + 1


# ============================================================ (c) sync insertion on TBuf buffers
@std.aiv_kernel
def in_place(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 1024)
    std.load(xb, x, 0, n)
    std.exp(xb, xb, n)
    std.store(y, 0, xb, n)


@pytest.mark.parametrize("soc", SOCS)
def test_in_place_buffer_gets_flags(soc):
    cpp = kernel_cpp(in_place, soc=soc)
    assert "AscendC::TBuf<AscendC::TPosition::VECCALC> xb_buf;" in cpp and "TQue" not in cpp
    lines = _body_lines(cpp)
    load = _index(lines, r"apy_copy_in\(xb,")
    op = _index(lines, r"AscendC::Exp\(xb, xb,", load)
    store = _index(lines, r"apy_copy_out\(.*, xb,", op)
    assert "apy_flag<AscendC::HardEvent::MTE2_V>();" in lines[load + 1:op]
    assert "apy_flag<AscendC::HardEvent::V_MTE3>();" in lines[op + 1:store]
    assert "PipeBarrier<PIPE_ALL>" not in cpp


@std.aiv_kernel
def scalar_sum(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 1024)
    std.load(xb, x, 0, n)
    s = std.reduce_sum(xb, n)
    y[0] = s * 2.0


@pytest.mark.parametrize("soc", SOCS)
def test_reduction_read_as_scalar_waits_for_the_vector_pipe(soc):
    lines = _body_lines(kernel_cpp(scalar_sum, soc=soc))
    red = _index(lines, r"AscendC::ReduceSum\(")
    get = _index(lines, r"\.GetValue\(", red)
    assert "apy_flag<AscendC::HardEvent::V_S>();" in lines[red + 1:get]


@std.aiv_kernel
def loop_reuse(x: Ptr[f16], y: Ptr[f16], n: u32):
    """One buffer per tile, loaded, changed by the vector unit and the scalar unit, stored; the loop back edge
    orders the next load after this tile's vector op and store."""
    xb = std.ub_alloc(f16, 1024)
    off: u32 = 0
    while off < n:
        cnt = min(std.u32(1024), n - off)
        std.load(xb, x, off, cnt)
        std.abs(xb, xb, cnt)
        xb[0] = xb[0] + 1.0
        std.muls(xb, xb, 2.0, cnt)
        std.store(y, off, xb, cnt)
        off += 1024


@pytest.mark.parametrize("soc", SOCS)
def test_loop_sync_covers_the_back_edge_and_the_scalar_unit(soc):
    lines = _body_lines(kernel_cpp(loop_reuse, soc=soc))
    loop = _index(lines, r"while \(true\)")
    load = _index(lines, r"apy_copy_in\(xb,", loop)
    # Write-after-read of the previous tile: its store waited for the vector unit (V_MTE3), so one
    # MTE3_MTE2 flag orders the load after both; a V_MTE2 flag as well would be redundant.
    assert "apy_flag<AscendC::HardEvent::MTE3_MTE2>();" in lines[loop:load]
    assert "apy_flag<AscendC::HardEvent::V_MTE2>();" not in lines[loop:load]
    absop = _index(lines, r"AscendC::Abs\(xb", load)
    get = _index(lines, r"xb\.GetValue\(", absop)
    assert "apy_flag<AscendC::HardEvent::V_S>();" in lines[absop:get]
    muls = _index(lines, r"AscendC::Muls\(xb", get)
    assert "apy_flag<AscendC::HardEvent::S_V>();" in lines[get:muls]
    store = _index(lines, r"apy_copy_out\(", muls)
    assert "apy_flag<AscendC::HardEvent::V_MTE3>();" in lines[muls:store]


def test_mlir_records_buffer_roles():
    mlir = kernel_mlir(vk.q_exp_f32, soc="910B")
    assert '"vecin"' in mlir and '"vecout"' in mlir
    assert '"calc"' in kernel_mlir(in_place, soc="910B")


# ============================================================ (d) misuse
def test_wrong_arity():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        xb = std.ub_alloc(f32, 64)
        yb = std.ub_alloc(f32, 64)
        std.add(yb, xb, n)  # MARK

    _expect(k, "# MARK", "std.add takes (dst, a, b, count); got 3 arguments")


def test_wrong_arity_of_reduction():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        xb = std.ub_alloc(f32, 64)
        x[0] = std.reduce_max(xb)  # MARK

    _expect(k, "# MARK", "std.reduce_max takes (src, count) or (dst, src, count); got 1 arguments")


def test_mismatched_element_types():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        b = std.ub_alloc(f32, 64)
        h = std.ub_alloc(f16, 64)
        std.mul(h, a, b, n)  # MARK

    _expect(k, "# MARK", "std.mul", "buffer 'a' holds f32 but 'h' holds f16", "std.cast")


@pytest.mark.parametrize("soc", SOCS)
def test_div_on_i32(soc):
    @std.aiv_kernel
    def k(x: Ptr[i32], n: u32):
        a = std.ub_alloc(i32, 64)
        std.div(a, a, a, n)  # MARK

    _expect(k, "# MARK", "std.div (AscendC::Div) does not support i32; supported: f16, f32", soc=soc)


def test_exp_on_i16():
    @std.aiv_kernel
    def k(x: Ptr[i16], n: u32):
        a = std.ub_alloc(i16, 64)
        b = std.ub_alloc(i16, 64)
        std.exp(b, a, n)  # MARK

    _expect(k, "# MARK", "std.exp (AscendC::Exp) does not support i16; supported: f16, f32")


def test_select_on_i32():
    @std.aiv_kernel
    def k(x: Ptr[i32], n: u32):
        m = std.ub_alloc(u8, 64)
        a = std.ub_alloc(i32, 64)
        std.select(a, m, a, 0, 64)  # MARK

    _expect(k, "# MARK", "std.select (AscendC::Select) does not support i32")


def test_bf16_arithmetic():
    @std.aiv_kernel
    def k(x: Ptr[bf16], n: u32):
        a = std.ub_alloc(bf16, 64)
        std.load(a, x, 0, n)
        std.add(a, a, a, n)  # MARK

    _expect(k, "# MARK", "does not support bf16", "no vector arithmetic on bf16", "std.cast it to f32")


def test_bf16_fill():
    @std.aiv_kernel
    def k(x: Ptr[bf16], n: u32):
        a = std.ub_alloc(bf16, 64)
        std.duplicate(a, 1.0, n)  # MARK

    _expect(k, "# MARK", "fill a bf16 buffer by filling an f32 buffer and std.cast")


def test_bf16_on_310p():
    @std.aiv_kernel
    def k(x: Ptr[f32], y: Ptr[f32], n: u32):
        a = std.ub_alloc(bf16, 64)  # MARK
        b = std.ub_alloc(f32, 64)
        std.load(b, x, 0, n)
        std.cast(a, b, std.RoundMode.CAST_RINT, n)
        std.cast(b, a, std.RoundMode.CAST_NONE, n)
        std.store(y, 0, b, n)

    kernel_cpp(k, soc="910B")
    _expect(k, "# MARK", "bf16 is not available on Ascend310P", "use f16 or f32", soc="310P")


def test_bf16_pointer_parameter_on_310p():
    @std.aiv_kernel
    def k(x: Ptr[bf16], y: Ptr[f32], n: u32):  # MARK
        y[0] = 1.0

    kernel_cpp(k, soc="910B")
    _expect(k, "# MARK", "parameter 'x' is Ptr[bf16]", "310P has no bfloat16_t", soc="310P")


def test_int32_compare_not_on_310p():
    """CANN 8.1 declares Compare and CompareScalar on int32_t for 910B only (tools/sim_api_matrix.txt)."""

    @std.aiv_kernel
    def k(x: Ptr[i32], y: Ptr[u8], n: u32):
        a = std.ub_alloc(i32, 64)
        m = std.ub_alloc(u8, 64)
        std.load(a, x, 0, n)
        std.compares(m, a, 3, std.CMPMODE.GT, 64)  # MARK
        std.store(y, 0, m, 8)

    assert "AscendC::CompareScalar(" in kernel_cpp(k, soc="910B")
    _expect(k, "# MARK", "CompareScalar on i32 is not available on Ascend310P", "use f16 or f32", soc="310P")


def test_cast_pair_not_on_310p():
    @std.aiv_kernel
    def k(x: Ptr[f32], y: Ptr[i32], n: u32):
        a = std.ub_alloc(f32, 64)
        b = std.ub_alloc(i32, 64)
        std.load(a, x, 0, n)
        std.cast(b, a, std.RoundMode.CAST_RINT, n)  # MARK
        std.store(y, 0, b, n)

    assert "AscendC::Cast(" in kernel_cpp(k, soc="910B")
    err = _expect(k, "# MARK", "std.cast from f32 to i32 is not available on Ascend310P", "supported:", "f16->i32",
                  soc="310P")
    assert "f32->i32" not in str(err)


def test_cast_round_mode_not_on_310p():
    @std.aiv_kernel
    def k(x: Ptr[f32], y: Ptr[f16], n: u32):
        a = std.ub_alloc(f32, 64)
        b = std.ub_alloc(f16, 64)
        std.load(a, x, 0, n)
        std.cast(b, a, std.RoundMode.CAST_RINT, n)  # MARK
        std.store(y, 0, b, n)

    kernel_cpp(k, soc="910B")
    _expect(k, "# MARK", "std.cast f32->f16 with RoundMode.CAST_RINT is not available on Ascend310P",
            "RoundMode.CAST_NONE", "RoundMode.CAST_ODD", soc="310P")


def test_cast_pair_that_no_soc_has():
    @std.aiv_kernel
    def k(x: Ptr[i32], y: Ptr[i8], n: u32):
        a = std.ub_alloc(i32, 64)
        b = std.ub_alloc(i8, 64)
        std.cast(b, a, std.RoundMode.CAST_NONE, n)  # MARK

    for soc in SOCS:
        _expect(k, "# MARK", "std.cast from i32 to i8 is not available", soc=soc)


def test_cast_mode_must_be_a_round_mode():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        b = std.ub_alloc(f16, 64)
        std.cast(b, a, std.CMPMODE.LT, n)  # MARK

    _expect(k, "# MARK", "must be a std.RoundMode member", "std.RoundMode.CAST_NONE")


def test_literal_count_larger_than_the_buffer():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 4096)
        b = std.ub_alloc(f32, 1024)
        std.exp(a, b, 2048)  # MARK

    _expect(k, "# MARK", "std.exp: count 2048 exceeds buffer 'b', which holds 1024 f32 elements")


def test_literal_load_count_larger_than_the_buffer():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 100)
        std.load(a, x, 0, 101)  # MARK

    _expect(k, "# MARK", "count 101 exceeds buffer 'a', which holds 100 f32 elements")


def test_ub_alloc_needs_a_constant_count():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, n)  # MARK
        std.load(a, x, 0, n)

    _expect(k, "# MARK", "the element count of std.ub_alloc must be a compile-time integer", "`n`")


def test_ub_alloc_needs_a_positive_count():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 0)  # MARK
        std.load(a, x, 0, n)

    _expect(k, "# MARK", "positive element count, got 0")


def test_ub_alloc_needs_an_element_type():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(n, 64)  # MARK
        std.load(a, x, 0, n)

    _expect(k, "# MARK", "`n` is not an element type", "buf.dtype")


def test_rebinding_a_buffer_name():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        std.load(a, x, 0, n)
        a = std.ub_alloc(f32, 64)  # MARK
        std.store(x, 0, a, n)

    _expect(k, "# MARK", "'a' names a UB buffer; a buffer name cannot be rebound")


def test_aliasing_a_buffer():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        b = a  # MARK
        std.load(b, x, 0, n)

    _expect(k, "# MARK", "buffers cannot be copied or aliased")


def test_buffer_used_as_a_scalar():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        x[0] = a + 1.0  # MARK

    _expect(k, "# MARK", "'a' is a UB buffer", "a[i]")


def test_scalar_where_a_buffer_is_needed():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        std.exp(a, x, n)  # MARK

    _expect(k, "# MARK", "must be a UB buffer (from std.ub_alloc), not `x`")


def test_load_from_a_pointer_of_another_element_type():
    @std.aiv_kernel
    def k(x: Ptr[f16], n: u32):
        a = std.ub_alloc(f32, 64)
        std.load(a, x, 0, n)  # MARK

    _expect(k, "# MARK", "pointer 'x' holds f16 but buffer 'a' holds f32", "std.cast on chip")


def test_store_to_a_pointer_of_another_element_type():
    @std.aiv_kernel
    def k(x: Ptr[f32], y: Ptr[i32], n: u32):
        a = std.ub_alloc(f32, 64)
        std.load(a, x, 0, n)
        std.store(y, 0, a, n)  # MARK

    _expect(k, "# MARK", "pointer 'y' holds i32 but buffer 'a' holds f32")


def test_compare_mask_must_be_u8():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        m = std.ub_alloc(u32, 64)
        a = std.ub_alloc(f32, 64)
        std.compare(m, a, a, std.CMPMODE.LT, 64)  # MARK

    _expect(k, "# MARK", "std.compare: the mask buffer 'm' must hold u8 (one bit per element)")


def test_compare_count_must_fill_256_byte_repeats():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        m = std.ub_alloc(u8, 32)
        a = std.ub_alloc(f32, 256)
        std.compare(m, a, a, std.CMPMODE.LT, 100)  # MARK

    _expect(k, "# MARK", "count 100 x 4 bytes is not a multiple of 256 bytes", "(64 f32 elements)")


def test_select_mask_must_be_u8():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        m = std.ub_alloc(f16, 64)
        a = std.ub_alloc(f32, 64)
        std.select(a, m, a, a, 64)  # MARK

    _expect(k, "# MARK", "std.select: the mask buffer 'm' must hold u8")


def test_compare_mode_must_be_a_cmpmode():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        m = std.ub_alloc(u8, 64)
        a = std.ub_alloc(f32, 64)
        std.compares(m, a, 1.0, 2, 64)  # MARK

    _expect(k, "# MARK", "must be a std.CMPMODE member")


def test_unused_reduction_result():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        std.load(a, x, 0, n)
        std.reduce_sum(a, n)  # MARK

    _expect(k, "# MARK", "the result of `std.reduce_sum(a, n)` is unused", "std.reduce_sum(dst, src, count)")


def test_scalar_operand_must_fit_the_buffer_type():
    @std.aiv_kernel
    def k(x: Ptr[i16], n: u32):
        a = std.ub_alloc(i16, 64)
        std.adds(a, a, 1.5, n)  # MARK

    _expect(k, "# MARK", "the scalar operand of std.adds (i16 buffer)", "1.5")


@std.inline
def bad_helper(dst, src, n):
    std.div(dst, src, src, n)  # in the helper


def test_error_inside_an_inline_function_of_the_same_file_names_its_line():
    @std.aiv_kernel
    def k(x: Ptr[i32], n: u32):
        a = std.ub_alloc(i32, 64)
        bad_helper(a, a, n)

    with pytest.raises(CompileError) as info:
        kernel_cpp(k)
    err = info.value
    assert (err.filename, err.lineno, err.kernel) == (__file__, _line_of(bad_helper, "# in the helper"), "k"), err
    assert "std.div (AscendC::Div) does not support i32" in str(err)


def test_error_inside_an_imported_inline_function_names_the_call_site():
    @std.aiv_kernel
    def k(x: Ptr[i16], y: Ptr[i16], n: u32):
        vk.tiled_unary(vk.float_unary, i16, i16, x, y, n, 0)  # MARK

    err = _expect(k, "# MARK", "in tiled_unary() at", "vector_ops.py", "does not support i16")
    assert err.kernel == "k"


def test_inline_arity():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        a = std.ub_alloc(f32, 64)
        bad_helper(a, n)  # MARK

    _expect(k, "# MARK", "'bad_helper' takes 3 arguments (dst, src, n), got 2")


def test_intrinsics_and_inline_functions_cannot_run_on_the_host():
    with pytest.raises(TypeError, match=r"std\.add\(\) can only be used inside an @std.aiv_kernel"):
        std.add(1, 2, 3, 4)
    with pytest.raises(TypeError, match="'bad_helper' is a device function"):
        bad_helper(1, 2, 3)


def test_buffer_dtype_and_len_are_compile_time():
    @std.aiv_kernel
    def k(x: Ptr[f16], n: u32):
        a = std.ub_alloc(f16, 96)
        half = std.ub_alloc(a.dtype, len(a) // 2)
        std.load(a, x, 0, n)
        std.relu(half, a, len(half))
        std.store(x, 0, half, len(half))

    cpp = kernel_cpp(k)
    assert "InitBuffer(a_que, 2, 192)" in cpp and "InitBuffer(half_que, 2, 96)" in cpp, cpp
    assert re.search(r"AscendC::Relu\(half\w*, a, ", cpp) and "(48LL)" in cpp, cpp


def test_fill_value_must_fit_the_buffer_type():
    @std.aiv_kernel
    def k(x: Ptr[i16], n: u32):
        a = std.ub_alloc(i16, 64)
        std.duplicate(a, 70000, n)  # MARK

    _expect(k, "# MARK", "70000", "does not fit in i16")


# ---- compile-time conditions: only the taken branch is compiled (like C++'s `if constexpr`)

@std.inline
def _scale_or_cast(dst, src, n, fast):
    if fast:
        std.muls(dst, src, 2.0, n)
    else:
        std.cast(dst, src, std.RoundMode.CAST_ODD, n)  # f32 -> f32 has no CAST_ODD: an error if it were compiled


@std.aiv_kernel
def static_if(x: Ptr[f32], y: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    yb = std.ub_alloc(f32, 64 if True else 0)  # a conditional expression on a constant stays a constant
    std.load(xb, x, 0, 64)
    _scale_or_cast(yb, xb, 64, True)
    std.store(y, 0, yb, 64)


@std.aiv_kernel
def runtime_if(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, 64)
    std.load(xb, x, 0, 64)
    if n > 3:
        std.muls(xb, xb, 2.0, 64)
    std.store(y, 0, xb, 64)


def test_a_constant_condition_compiles_only_the_taken_branch():
    cpp = kernel_cpp(static_if, soc="910B")
    body = cpp[cpp.index("void static_if("):]
    assert "AscendC::Muls(" in body and "AscendC::Cast(" not in body and "if (" not in body
    assert "AscendC::Muls(" in kernel_cpp(runtime_if, soc="910B")  # a run-time condition keeps its branch
    assert "if (" in kernel_cpp(runtime_if, soc="910B").split("void runtime_if(")[1]
