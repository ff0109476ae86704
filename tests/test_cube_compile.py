"""Cube and mix kernels at compile time: budgets, type combinations, core sides, generated AscendC, sync.

Nothing here runs a kernel (tests/test_cube_kernels.py does). Line numbers come from this file's own
source: a `# MARK` comment on the line an error must name.
"""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from xdsl.dialects import builtin

from ascendpy import CompileError, std
from ascendpy.compiler import compile_module, cubeops, kernel_cpp
from ascendpy.compiler import dialect as asc
from ascendpy.compiler.frontend import build_module
from ascendpy.compiler.passes import run_passes
from ascendpy.std import Ptr, bf16, f16, f32, i8, i32, u32
from tests.kernels import cube_matmul, mix_matmul


def _line_of(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    hits = [first + i for i, text in enumerate(lines) if marker in text]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


def _expect(fn: std.KernelFunction, marker: str, *words: str, soc: str = "910B") -> str:
    with pytest.raises(CompileError) as info:
        kernel_cpp(fn, soc=soc)
    err = info.value
    text = str(err)
    assert err.filename == __file__, text
    assert err.lineno == _line_of(fn, marker), text
    assert err.kernel == fn.name, text
    for w in words:
        assert w in text, f"{w!r} not in: {text}"
    return text


def _body(cpp: str, name: str) -> list[str]:
    """The C++ statements of kernel `name`, without #line directives."""
    text = cpp.split(f"void {name}(", 1)[1].split("\n}\n", 1)[0]
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#line")]


def _index(lines: list[str], pattern: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if re.search(pattern, lines[i]):
            return i
    raise AssertionError(f"no line matching {pattern!r} after line {start}:\n" + "\n".join(lines[start:]))


# ============================================================ (a) budgets per memory
@std.cube_kernel
def l0a_full(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 128, 256)
    a2 = std.l0a_alloc(f16, 128, 256)  # exactly 64 KiB of L0A
    std.load_nz(a1, a, 0, 128, 256, 256)
    std.load_l0a(a2, a1, 0, 0)


@std.cube_kernel
def l0a_over(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 128, 256)
    a2 = std.l0a_alloc(f16, 128, 128)  # A2: 32 KiB
    a3 = std.l0a_alloc(f16, 100, 120)  # A3: 112 x 128 padded -> 28 KiB, fits
    a4 = std.l0a_alloc(f16, 48, 50)  # A4: 48 x 64 padded -> 6 KiB: 2 KiB more than L0A holds
    std.load_nz(a1, a, 0, 128, 256, 256)
    std.load_l0a(a2, a1, 0, 0)
    std.load_l0a(a3, a1, 0, 0)
    std.load_l0a(a4, a1, 0, 0)


def test_l0a_budget_at_the_alloc_line():
    kernel_cpp(l0a_full, soc="910B")
    text = _expect(l0a_over, "# A4", "bytes of L0A but Ascend910B3 has 65536 bytes (64 KiB)")
    assert f"a2: 128 x 128 f16 (Zz) = 32768 bytes (line {_line_of(l0a_over, '# A2')})" in text, text
    assert f"a3: 100 x 120 f16 (Zz, padded to 112 x 128) = 28672 bytes (line {_line_of(l0a_over, '# A3')})" \
        in text, text
    assert "a4: 48 x 50 f16 (Zz, padded to 48 x 64) = 6144 bytes" in text, text
    assert "total 67584 > 65536" in text, text


@std.cube_kernel
def l1_600k(a: Ptr[f16], b: Ptr[f32]):
    a1 = std.l1_alloc(f16, 512, 512)  # A1: 512 KiB: all of 910B's L1
    b1 = std.l1_alloc(f32, 64, 300)  # B1: 64 x 304 f32 -> 76 KiB more
    std.load_nz(a1, a, 0, 512, 512, 512)
    std.load_nz(b1, b, 0, 64, 300, 300)


def test_l1_budget_is_per_soc():
    text = _expect(l1_600k, "# B1", "bytes of L1 but Ascend910B3 has 524288 bytes (512 KiB)", soc="910B")
    assert "b1: 64 x 300 f32 (NZ, padded to 64 x 304) = 77824 bytes" in text, text
    kernel_cpp(l1_600k, soc="310P")  # 1 MiB of L1


@std.cube_kernel
def l0c_over(a: Ptr[f16], c: Ptr[f32]):
    c1 = std.l0c_alloc(f32, 128, 256)  # 128 KiB: all of 910B's L0C
    c2 = std.l0c_alloc(i32, 16, 16)  # C2  # noqa: F841
    a2 = std.l0a_alloc(f16, 16, 16)
    b2 = std.l0b_alloc(f16, 16, 16)
    std.mmad(c1, a2, b2, 16, 16, 16, False)


def test_l0c_budget():
    _expect(l0c_over, "# C2", "bytes of L0C but Ascend910B3 has 131072 bytes (128 KiB)", "total 132096 > 131072")


# ============================================================ (b) type combinations
@std.cube_kernel
def mmad_mixed_inputs(c: Ptr[f32]):
    a2 = std.l0a_alloc(f16, 16, 16)
    b2 = std.l0b_alloc(bf16, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    std.mmad(c1, a2, b2, 16, 16, 16, False)  # MIXED


@std.cube_kernel
def mmad_f16_into_i32(c: Ptr[i32]):
    a2 = std.l0a_alloc(f16, 16, 16)
    b2 = std.l0b_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(i32, 16, 16)
    std.mmad(c1, a2, b2, 16, 16, 16, False)  # INTO I32


@std.cube_kernel
def l0c_of_f16(c: Ptr[f16]):
    c1 = std.l0c_alloc(f16, 16, 16)  # L0C F16  # noqa: F841


@std.cube_kernel
def fixpipe_to_i8(c: Ptr[i8]):
    c1 = std.l0c_alloc(f32, 16, 16)
    std.fixpipe(c, 0, c1, 16, 16, 16, False)  # TO I8


@std.cube_kernel
def l0b_i8_transposing(b: Ptr[i8]):
    b1 = std.l1_alloc(i8, 32, 32)
    b2 = std.l0b_alloc(i8, 32, 32)
    std.load_nz(b1, b, 0, 32, 32, 32)
    std.load_l0b(b2, b1, 0, 0)  # I8 B


@std.cube_kernel
def bf16_mmad(c: Ptr[f32]):
    a2 = std.l0a_alloc(bf16, 16, 16)
    b2 = std.l0b_alloc(bf16, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    std.mmad(c1, a2, b2, 16, 16, 16, False)  # BF16


@std.cube_kernel
def f32_mmad(c: Ptr[f32]):
    a2 = std.l0a_alloc(f32, 16, 16)
    b2 = std.l0b_alloc(f32, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    std.mmad(c1, a2, b2, 16, 16, 16, False)  # F32


def test_mmad_type_combinations():
    _expect(mmad_mixed_inputs, "# MIXED", "f16 x bf16 -> f32 is not a Mmad type combination",
            "f16 x f16 -> f32", "i8 x i8 -> i32", "bf16 x bf16 -> f32 (910B only)", "f32 x f32 -> f32 (910B only)")
    _expect(mmad_f16_into_i32, "# INTO I32", "f16 x f16 -> i32 is not a Mmad type combination")
    _expect(l0c_of_f16, "# L0C F16", "L0C tiles hold f32, i32, not f16")
    _expect(fixpipe_to_i8, "# TO I8", "L0C f32 -> Ptr[i8]", "f32 -> f16", "f32 -> bf16")
    _expect(l0b_i8_transposing, "# I8 B", "16-bit types only", "std.load_l0b_trans")
    for k in (bf16_mmad, f32_mmad):
        assert "AscendC::Mmad(" in kernel_cpp(k, soc="910B")
    _expect(bf16_mmad, "std.l0a_alloc(bf16", "bf16 is not available on Ascend310P3", soc="310P")
    _expect(f32_mmad, "# F32", "Mmad on f32 x f32 is not available on Ascend310P3", "910B only", soc="310P")


def test_the_table_matches_cann_81():
    """MMAD_TYPES and FIXPIPE_QUANT are what dav_c220 / dav_m200 MmadCal and the Fixpipe checks accept."""
    assert cubeops.MMAD_TYPES == {("f16", "f16"): ("f32", ("910B", "310P")), ("i8", "i8"): ("i32", ("910B", "310P")),
                                  ("bf16", "bf16"): ("f32", ("910B",)), ("f32", "f32"): ("f32", ("910B",))}
    assert cubeops.FIXPIPE_QUANT == {("f32", "f32"): "NoQuant", ("f32", "f16"): "F322F16",
                                     ("f32", "bf16"): "F322BF16", ("i32", "i32"): "NoQuant"}
    assert cubeops.AIC_EVENTS <= cubeops.HARD_EVENTS and cubeops.AIV_EVENTS <= cubeops.HARD_EVENTS
    assert "S_FIX" not in cubeops.HARD_EVENTS and "S_M" not in cubeops.HARD_EVENTS
    assert "MTE2_V" not in cubeops.AIC_EVENTS and "M_FIX" not in cubeops.AIV_EVENTS


# ============================================================ (c) shapes and constants
@std.cube_kernel
def load_nz_too_many_rows(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 32, 32)
    std.load_nz(a1, a, 0, 33, 32, 32)  # ROWS


@std.cube_kernel
def load_nz_short_pitch(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 32, 32)
    std.load_nz(a1, a, 0, 32, 32, 16)  # PITCH


@std.cube_kernel
def l0a_col0_off_fractal(a: Ptr[i8]):
    a1 = std.l1_alloc(i8, 32, 128)
    a2 = std.l0a_alloc(i8, 32, 64)
    std.load_l0a(a2, a1, 0, 48)  # COL0: i8 fractals are 32 wide


@std.cube_kernel
def l0a_window_outside(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 64, 64)
    a2 = std.l0a_alloc(f16, 64, 64)
    std.load_l0a(a2, a1, 32, 0, 40, 64)  # WINDOW: rows 32..80 of 64


@std.cube_kernel
def mmad_k_too_big(c: Ptr[f32]):
    a2 = std.l0a_alloc(f16, 16, 32)
    b2 = std.l0b_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    std.mmad(c1, a2, b2, 16, 16, 32, False)  # K


@std.cube_kernel
def fixpipe_runtime_relu(c: Ptr[f32], r: u32):
    c1 = std.l0c_alloc(f32, 16, 16)
    std.fixpipe(c, 0, c1, 16, 16, 16, r > 0)  # RELU


@std.cube_kernel
def mmad_accumulate_number(c: Ptr[f32]):
    a2 = std.l0a_alloc(f16, 16, 16)
    b2 = std.l0b_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    std.mmad(c1, a2, b2, 16, 16, 16, 1)  # ACC


@std.cube_kernel
def l1_plain_load_partial_block(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 16, 16)
    std.load(a1, a, 0, 40)  # PARTIAL


@std.cube_kernel
def cube_tile_indexed(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 16, 16)
    std.load_nz(a1, a, 0, 16, 16, 16)
    a[0] = a1[3]  # INDEX


@std.cube_kernel
def cube_tile_len(a: Ptr[u32]):
    a1 = std.l1_alloc(f16, 16, 16)
    a[0] = len(a1)  # LEN


@std.cube_kernel
def mmad_wrong_tile_kind(c: Ptr[f32]):
    a1 = std.l1_alloc(f16, 16, 16)
    b2 = std.l0b_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    std.mmad(c1, a1, b2, 16, 16, 16, False)  # KIND


@std.cube_kernel
def cube_op_as_value(c: Ptr[f32]):
    c1 = std.l0c_alloc(f32, 16, 16)
    x = std.fixpipe(c, 0, c1, 16, 16, 16, False)  # VALUE
    c[0] = x


def test_shape_and_argument_errors():
    _expect(load_nz_too_many_rows, "# ROWS", "rows = 33 exceeds 32")
    _expect(load_nz_short_pitch, "# PITCH", "row pitch ld = 16 is smaller than cols = 32")
    _expect(l0a_col0_off_fractal, "# COL0", "col0 = 48 is not a multiple of 32")
    _expect(l0a_window_outside, "# WINDOW", "window rows 32..72", "has 64 rows")
    _expect(mmad_k_too_big, "# K", "k = 32 exceeds 16")
    _expect(fixpipe_runtime_relu, "# RELU", "relu must be a compile-time True or False")
    _expect(mmad_accumulate_number, "# ACC", "accumulate must be True/False")
    _expect(l1_plain_load_partial_block, "# PARTIAL", "whole 32-byte blocks")
    _expect(cube_tile_indexed, "# INDEX", "not scalar-addressable")
    _expect(cube_tile_len, "# LEN", "a cube tile is a 2-D matrix")
    _expect(mmad_wrong_tile_kind, "# KIND", "must be an L0A tile", "L1 tile 'a1'")
    _expect(cube_op_as_value, "# VALUE", "returns nothing")


# ============================================================ (d) kernel kinds and core sides
@std.aiv_kernel
def cube_op_in_vector_kernel(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 16, 16)  # L1 IN AIV  # noqa: F841


@std.cube_kernel
def vector_op_in_cube_kernel(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)  # UB IN AIC  # noqa: F841


@std.cube_kernel
def scalar_exp_in_cube_kernel(x: Ptr[f32]):
    x[0] = std.exp(x[1])  # EXP IN AIC


@std.mix_kernel
def cube_op_on_vector_side(a: Ptr[f16], c: Ptr[f32]):
    c1 = std.l0c_alloc(f32, 16, 16)
    if std.is_aiv():
        std.fixpipe(c, 0, c1, 16, 16, 16, False)  # FIXPIPE ON AIV


@std.mix_kernel
def vector_op_on_cube_side(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    if std.is_aiv():
        std.load(xb, x, 0, 64)
    else:
        std.exp(xb, xb, 64)  # EXP ON AIC


@std.mix_kernel
def cube_op_outside_sides(a: Ptr[f16]):
    a1 = std.l1_alloc(f16, 16, 16)
    std.load_nz(a1, a, 0, 16, 16, 16)  # OUTSIDE


@std.mix_kernel
def ub_indexed_on_cube_side(x: Ptr[f32]):
    xb = std.ub_alloc(f32, 64)
    if std.is_aic():
        x[0] = xb[0]  # UB ON AIC


@std.mix_kernel
def nested_sides(x: Ptr[f32]):
    if std.is_aic():
        if std.is_aiv():  # NESTED
            x[0] = 1.0


@std.cube_kernel
def side_in_cube_kernel(x: Ptr[f32]):
    if std.is_aic():  # SIDE IN AIC
        x[0] = 1.0


@std.mix_kernel
def side_as_value(x: Ptr[f32]):
    s = std.is_aic()  # AS VALUE  # noqa: F841


@std.mix_kernel
def elif_same_side(x: Ptr[f32]):
    if std.is_aic():
        x[0] = 1.0
    elif std.is_aic():  # SAME SIDE
        x[0] = 2.0


@std.mix_kernel
def flag_out_of_range(x: Ptr[f32]):
    if std.is_aic():
        std.cross_core_set_flag(16)  # FLAG 16


@std.mix_kernel
def flag_not_constant(x: Ptr[f32], f: u32):
    if std.is_aiv():
        std.cross_core_wait_flag(f)  # FLAG VAR


@std.mix_kernel
def flag_outside_sides(x: Ptr[f32]):
    std.cross_core_set_flag(0)  # FLAG OUTSIDE


@std.cube_kernel
def flag_in_cube_kernel(x: Ptr[f32]):
    std.cross_core_wait_flag(0)  # FLAG IN AIC


def test_kernel_kinds_and_sides():
    _expect(cube_op_in_vector_kernel, "# L1 IN AIV", "an @std.aiv_kernel runs on vector cores", "@std.cube_kernel")
    _expect(vector_op_in_cube_kernel, "# UB IN AIC", "does not have", "@std.mix_kernel", "std.is_aiv()")
    _expect(scalar_exp_in_cube_kernel, "# EXP IN AIC", "scalar std.exp()")
    _expect(cube_op_on_vector_side, "# FIXPIPE ON AIV", "std.fixpipe is on the AIV side", "if std.is_aic():")
    _expect(vector_op_on_cube_side, "# EXP ON AIC", "std.exp (a vector op) is on the AIC side", "if std.is_aiv():")
    _expect(cube_op_outside_sides, "# OUTSIDE", "outside the side blocks")
    _expect(ub_indexed_on_cube_side, "# UB ON AIC", "indexing UB buffer 'xb' is on the AIC side")
    _expect(nested_sides, "# NESTED", "do not nest")
    _expect(side_in_cube_kernel, "# SIDE IN AIC", "this is an @std.cube_kernel")
    _expect(side_as_value, "# AS VALUE", "is not a value")
    _expect(elif_same_side, "# SAME SIDE", "a mix kernel has two sides")
    _expect(flag_out_of_range, "# FLAG 16", "flag_id must be a constant 0..15")
    _expect(flag_not_constant, "# FLAG VAR", "flag_id must be a constant 0..15")
    _expect(flag_outside_sides, "# FLAG OUTSIDE", "inside `if std.is_aic():` or `if std.is_aiv():`")
    _expect(flag_in_cube_kernel, "# FLAG IN AIC", "this is an @std.cube_kernel")


def test_mix_kernel_on_310p_says_to_use_a_cube_kernel():
    fn = mix_matmul.matmul_bias_relu
    with pytest.raises(CompileError) as info:
        kernel_cpp(fn, soc="310P")
    text = str(info.value)
    assert info.value.lineno == fn.fn.__code__.co_firstlineno + 1, text  # the def line, after the decorator
    assert "Ascend310P3 has coupled AI Cores" in text and "@std.cube_kernel" in text, text


def test_310p_fixpipe_goes_through_a_ub_staging_tensor():
    from tests.kernels import cube_matmul_310p

    cpp = compile_module(cube_matmul_310p, "310P").cpp
    lines = _body(cpp, "matmul_f16_any")
    _index(lines, r"^AscendC::TBuf<AscendC::TPosition::VECCALC> apy_co2_buf;$")
    _index(lines, r"^apy_pipe\.InitBuffer\(apy_co2_buf, 16384\);$")  # the 64 x 64 f32 L0C tile
    fix = _index(lines, r"^apy_fixpipe_via_ub\(c_gm\[static_cast<uint64_t>\(t\d+\)\], matmul_tiles_c1, apy_co2_buf, ")
    assert "apy_flag<AscendC::HardEvent::M_V>();" in lines[fix - 2:fix], lines[fix - 3:fix + 1]
    assert "AscendC::Fixpipe" not in cpp and "PIPE_FIX" not in cpp and "HardEvent::FIX" not in cpp
    # CANN's 310P ND2NZ routine writes L1 on MTE3 and then makes MTE2 wait: the L1 writes are ordered on both.
    for event in ("MTE2_MTE1", "MTE3_MTE1", "MTE1_MTE2", "MTE2_MTE3"):  # MTE1 -> MTE2 -> MTE3 before a reload
        assert f"apy_flag<AscendC::HardEvent::{event}>();" in lines, event
    helper = cpp.split("apy_fixpipe_via_ub(AscendC", 1)[1].split("\n}\n", 1)[0]
    assert "enhanced.blockMode = AscendC::BlockMode::BLOCK_MODE_MATRIX;" in helper
    assert "AscendC::DataCopy(ub, src, params, enhanced);" in helper and "apy_copy_out(" in helper
    f16_out = _body(cpp, "matmul_f16_any_bt_relu_f16")
    _index(f16_out, r"^apy_pipe\.InitBuffer\(apy_co2_buf, 8192\);$")  # staged as f16
    assert f16_out[_index(f16_out, r"^apy_fixpipe_via_ub\(")].endswith(", true);")


@std.cube_kernel
def l0c_staging_over_ub_310p(a: Ptr[f16], c: Ptr[f32]):
    a1 = std.l1_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(f32, 250, 256)  # padded to 256 x 256: staged through all 256 KiB of UB
    std.fixpipe(c, 0, c1, 250, 256, 256, False)
    std.load_nz(a1, a, 0, 16, 16, 16)  # ND2NZ: CANN's routine needs 8 KiB of UB more


@std.cube_kernel
def l0c_staging_full_ub_310p(a: Ptr[f16], c: Ptr[f32]):
    a1 = std.l1_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(f32, 240, 256)  # staged through 240 KiB: with the ND2NZ routine's 8 KiB, it fits
    std.load_nz(a1, a, 0, 16, 16, 16)
    std.fixpipe(c, 0, c1, 240, 256, 256, False)


def test_310p_staging_counts_against_the_ub():
    kernel_cpp(l0c_staging_full_ub_310p, soc="310P")
    _expect(l0c_staging_over_ub_310p, "# ND2NZ", "bytes of Unified Buffer but Ascend310P3 has 262144",
            "staging of std.fixpipe on 310P (L0C -> UB -> GM): 262144 bytes",
            "CANN 8.1's ND2NZ staging (std.load_nz on 310P: the top 8 KiB): 8192 bytes", "total 270336 > 262144",
            soc="310P")


def test_kinds_and_reprs():
    assert cube_matmul.matmul_f16.kind == "aic" and mix_matmul.matmul_softmax.kind == "mix"
    assert repr(cube_matmul.matmul_f16).startswith("<cube_kernel matmul_f16")
    assert repr(mix_matmul.matmul_softmax).startswith("<mix_kernel matmul_softmax")
    with pytest.raises(TypeError, match="can only be used inside"):
        std.mmad(None, None, None, 16, 16, 16, False)


# ============================================================ (e) the generated AscendC
@pytest.fixture(scope="module")
def cube_cpp() -> str:
    return compile_module(cube_matmul, "910B").cpp


@pytest.fixture(scope="module")
def mix_cpp() -> str:
    return compile_module(mix_matmul, "910B").cpp


def test_cube_kernel_entry_and_buffers(cube_cpp):
    lines = _body(cube_cpp, "matmul_f16")
    assert lines[2] == "KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);", lines[:3]
    # The L1 and L0A/L0B tiles are double-buffered queues (each filled once, then read by the next pipe); the
    # L0C tile, accumulated over the k loop, is a TBuf.
    for pos, name, size in (("A1", "a1", 8192), ("B1", "b1", 8192), ("A2", "a2", 8192), ("B2", "b2", 8192)):
        i = _index(lines, rf"^AscendC::TQue<AscendC::TPosition::{pos}, 2> matmul_tiles_{name}_que;$")
        _index(lines, rf"^apy_pipe\.InitBuffer\(matmul_tiles_{name}_que, 2, {size}\);$", i)
        a = _index(lines, rf"^AscendC::LocalTensor<\w+> matmul_tiles_{name} = matmul_tiles_{name}_que\.AllocTensor")
        e = _index(lines, rf"^matmul_tiles_{name}_que\.EnQue\(matmul_tiles_{name}\);$", a)
        _index(lines, rf"^matmul_tiles_{name} = matmul_tiles_{name}_que\.DeQue<\w+>\(\);$", e)
        _index(lines, rf"^matmul_tiles_{name}_que\.FreeTensor\(matmul_tiles_{name}\);$", e)
    i = _index(lines, r"^AscendC::TBuf<AscendC::TPosition::CO1> matmul_tiles_c1_buf;$")
    j = _index(lines, r"^apy_pipe\.InitBuffer\(matmul_tiles_c1_buf, 16384\);$", i)
    _index(lines, r"^AscendC::LocalTensor<float> matmul_tiles_c1 = matmul_tiles_c1_buf\.Get<float>\(\);$", j)
    assert "ASCEND_IS_A" not in "\n".join(lines)
    # B given transposed lives in B1 too; the plain-ND planted bug keeps its A tile in A1.
    assert "AscendC::TQue<AscendC::TPosition::B1, 2> matmul_tiles_b1_que;" in _body(cube_cpp, "matmul_f16_bt")
    # On 310P (whose ND2NZ writes L1 on MTE3) the tiles stay TBufs with flags.
    from tests.kernels import cube_matmul_310p

    assert "AscendC::TQue<AscendC::TPosition::A1" not in compile_module(cube_matmul_310p, "310P").cpp


def test_cube_calls(cube_cpp):
    lines = _body(cube_cpp, "matmul_f16")
    nz = lines[_index(lines, r"AscendC::DataCopy\(matmul_tiles_a1, a_gm\[")]
    assert re.search(r"AscendC::Nd2NzParams\(1, static_cast<uint16_t>\(t\d+\), static_cast<uint16_t>\(t\d+\), 0, "
                     r"static_cast<uint16_t>\(t\d+\), 64, 1, 0\)\);  // ndNum, nValue, dValue, srcNdMatrixStride, "
                     r"srcDValue, dstNzC0Stride, dstNzNStride, dstNzMatrixStride", nz), nz
    assert re.search(r"^apy_load_l0a\(matmul_tiles_a2, matmul_tiles_a1, 64, ", lines[_index(lines, "apy_load_l0a")])
    assert re.search(r"^apy_load_l0b\(matmul_tiles_b2, matmul_tiles_b1, 64, ", lines[_index(lines, "apy_load_l0b")])
    mm = _index(lines, r"^AscendC::Mmad\(matmul_tiles_c1, matmul_tiles_a2, matmul_tiles_b2, AscendC::MmadParams\(")
    assert re.search(r"MmadParams\(static_cast<uint16_t>\(\(static_cast<uint32_t>\(t\d+\) \+ 15\) / 16 \* 16\), "
                     r"static_cast<uint16_t>\(t\d+\), static_cast<uint16_t>\(t\d+\), 0, false, !t\d+\)\);", lines[mm])
    assert re.search(r"^matmul_tiles_c1_m = \(static_cast<uint32_t>\(t\d+\) \+ 15\) / 16 \* 16;$", lines[mm + 1])
    fp = lines[_index(lines, r"^apy_fixpipe\(")]
    assert re.search(r"apy_fixpipe\(c_gm\[static_cast<uint64_t>\(t\d+\)\], matmul_tiles_c1, static_cast<uint32_t>"
                     r"\(t\d+\), static_cast<uint32_t>\(t\d+\), matmul_tiles_c1_m, static_cast<uint32_t>\(t\d+\), "
                     r"QuantMode_t::NoQuant, false\);", fp), fp
    relu = _body(cube_cpp, "matmul_f16_out_f16_relu")
    assert "QuantMode_t::F322F16, true);" in relu[_index(relu, r"^apy_fixpipe\(")]
    bf = _body(cube_cpp, "matmul_bf16")
    assert "QuantMode_t::NoQuant, false);" in bf[_index(bf, r"^apy_fixpipe\(")]
    bt = _body(cube_cpp, "matmul_f16_bt")
    _index(bt, r"^apy_load_l0b_trans\(matmul_tiles_b2, matmul_tiles_b1, 64, ")
    wrong = _body(cube_cpp, "matmul_wrong_layout")
    _index(wrong, r"^AscendC::DataCopy\(a1, a_gm\[static_cast<uint64_t>\(t\d+\)\], static_cast<uint32_t>\(t\d+\)\);$")
    # The helpers: transposing LoadData per 16-row k block, plain per k fractal column, Fixpipe NZ2ND.
    helper = cube_cpp.split("apy_load_l0b(AscendC", 1)[1].split("\n}\n", 1)[0]
    assert "params.ifTranspose = true;" in helper
    assert "params.srcStride = static_cast<uint16_t>(srcRows / 16);" in helper
    trans = cube_cpp.split("apy_load_l0b_trans(AscendC", 1)[1].split("\n}\n", 1)[0]
    assert "params.ifTranspose = false;" in trans and "params.srcStride = 1;" in trans
    fix = cube_cpp.split("apy_fixpipe(AscendC", 1)[1].split("\n}\n", 1)[0]
    assert "AscendC::Fixpipe<DstT, SrcT, AscendC::CFG_ROW_MAJOR>(dst, src, params);" in fix
    assert "params.dstStride = ld;" in fix and "params.ndNum = 1;" in fix


def test_mix_kernel_sides(mix_cpp):
    lines = _body(mix_cpp, "matmul_bias_relu")
    assert lines[2] == "KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);", lines[:3]
    # Every buffer is declared at the top; the tiles are bound on the AIC, the UB buffers on the AIVs.
    aic = _index(lines, r"^if ASCEND_IS_AIC \{$")
    assert "AscendC::TQue<AscendC::TPosition::A1, 2> cube_side_a1_que;" in lines[:aic]
    assert "AscendC::LocalTensor<float> cube_side_c1;" in lines[:aic]
    assert "AscendC::TQue<AscendC::TPosition::VECIN, 2> xb_que;" in lines[:aic]
    aiv = _index(lines, r"^if ASCEND_IS_AIV \{$", aic)
    assert all("InitBuffer(cube_side" in ln or ".Get<" in ln for ln in lines[aic + 1:aiv - 1]), lines[aic:aiv]
    assert lines[aiv - 1] == "}"
    end = _index(lines, r"^\}$", aiv)
    assert lines[aiv + 1:end] == ["apy_pipe.InitBuffer(xb_que, 2, 256);", "apy_pipe.InitBuffer(bb_buf, 256);",
                                  "bb = bb_buf.Get<float>();", "apy_pipe.InitBuffer(yb_que, 2, 256);"]
    # The AIC publishes after Fixpipe on the FIX pipe; the AIVs wait before reading the workspace.
    fix = _index(lines, r"^apy_fixpipe\(ws_gm")
    assert lines[fix + 1] == "AscendC::CrossCoreSetFlag<2, PIPE_FIX>(static_cast<uint16_t>(0));"
    wait = _index(lines, r"^AscendC::CrossCoreWaitFlag\(static_cast<uint16_t>\(0\)\);$", fix)
    _index(lines, r"^apy_copy_in\(\w*xb, ws_gm\[", wait)
    _index(lines, r"static_cast<uint64_t>\(AscendC::GetSubBlockIdx\(\)\)")


# ============================================================ (f) sync on the cube pipes
def _flags_by_side(fn: std.KernelFunction, soc: str = "910B") -> dict[str | None, set[str]]:
    """Every HardEvent and barrier the sync pass placed, by the core side it runs on (None: the whole kernel)."""
    module = build_module([fn])
    run_passes(module, soc)
    found: dict[str | None, set[str]] = {}

    def walk(op, side):
        if isinstance(op, asc.CoreSideOp):
            side = op.side.data
        if isinstance(op, asc.FlagOp):
            found.setdefault(side, set()).add(op.event.data)
        if isinstance(op, asc.BarrierOp):
            found.setdefault(side, set()).add(op.pipe.data)
        for region in op.regions:
            for block in region.blocks:
                for inner in block.ops:
                    walk(inner, side)

    for op in module.ops:
        assert isinstance(op, builtin.ModuleOp | object)
        walk(op, None)
    return found


def test_k_loop_back_edges_are_synchronised():
    found = _flags_by_side(cube_matmul.matmul_f16)[None]
    # In the k loop the L1 and L0A/L0B tiles are queues (EnQue/DeQue order the load before its reader,
    # FreeTensor/AllocTensor the reader before the next load); the L0C tile is not: reuse L0C after Fixpipe
    # read it, Fixpipe after Mmad.
    assert {"FIX_M", "M_FIX"} <= found and not found & {"MTE1_MTE2", "MTE2_MTE1", "M_MTE1", "MTE1_M"}, found
    assert all(e in cubeops.AIC_EVENTS for e in found if not e.startswith("PIPE_")), found
    assert "PIPE_ALL" not in found


def test_mix_flags_are_valid_on_their_core():
    for fn in (mix_matmul.matmul_bias_relu, mix_matmul.matmul_softmax):
        found = _flags_by_side(fn)
        assert None not in found, found  # nothing outside the side blocks
        assert {e for e in found["aic"] if not e.startswith("PIPE_")} <= cubeops.AIC_EVENTS, found
        assert {e for e in found["aiv"] if not e.startswith("PIPE_")} <= cubeops.AIV_EVENTS, found


@std.cube_kernel
def scalar_then_fixpipe(c: Ptr[f32]):
    c1 = std.l0c_alloc(f32, 16, 16)
    c[0] = c[1] + 1.0
    std.fixpipe(c, 0, c1, 16, 16, 16, False)  # AFTER SCALAR


@std.cube_kernel
def fixpipe_then_readback(a: Ptr[f16], ws: Ptr[f16]):
    a1 = std.l1_alloc(f16, 16, 16)
    a2 = std.l0a_alloc(f16, 16, 16)
    b2 = std.l0b_alloc(f16, 16, 16)
    c1 = std.l0c_alloc(f32, 16, 16)
    std.load_nz(a1, a, 0, 16, 16, 16)
    std.load_l0a(a2, a1, 0, 0)
    std.load_l0b_trans(b2, a1, 0, 0)
    std.mmad(c1, a2, b2, 16, 16, 16, False)
    std.fixpipe(ws, 0, c1, 16, 16, 16, False)
    std.load_nz(a1, ws, 0, 16, 16, 16)  # READBACK


def test_pairs_without_a_hard_event_drain_every_pipe():
    lines = _body(kernel_cpp(scalar_then_fixpipe, soc="910B"), "scalar_then_fixpipe")
    fix = _index(lines, r"^apy_fixpipe\(")
    assert lines[fix - 1] == ("AscendC::PipeBarrier<PIPE_ALL>();  // S -> FIX: HardEvent::S_FIX does not exist "
                              "on the AIC core, so every pipe drains"), lines[fix - 3:fix + 1]
    lines = _body(kernel_cpp(fixpipe_then_readback, soc="910B"), "fixpipe_then_readback")
    back = _index(lines, r"^AscendC::DataCopy\(a1, ws_gm")
    assert lines[back - 1] == "apy_flag<AscendC::HardEvent::FIX_MTE2>();", lines[back - 4:back + 1]
    # MTE1 read a1 before; MTE1_M, M_FIX and FIX_MTE2 already order it before this reload: no MTE1_MTE2.
    assert "MTE1_MTE2" not in "\n".join(lines)


@std.mix_kernel
def common_code_after_a_side(x: Ptr[f16], c: Ptr[f32]):
    c1 = std.l0c_alloc(f32, 16, 16)
    xb = std.ub_alloc(f32, 16)
    if std.is_aic():
        std.fixpipe(c, 0, c1, 16, 16, 16, False)
    if std.is_aiv():
        std.load(xb, c, 16, 16)
        std.cross_core_set_flag(3)  # AIV SET
    c[1] = c[0]  # BOTH SIDES


def test_common_code_gets_each_sides_flags_in_its_own_block():
    lines = _body(kernel_cpp(common_code_after_a_side, soc="910B"), "common_code_after_a_side")
    get = _index(lines, r"c_gm\.SetValue\(")
    tail = lines[_index(lines, r"^AscendC::CrossCoreSetFlag"):get]
    assert tail[0] == "AscendC::CrossCoreSetFlag<2, PIPE_MTE3>(static_cast<uint16_t>(3));", tail
    assert "if ASCEND_IS_AIC {" in tail and "apy_flag<AscendC::HardEvent::FIX_S>();" in tail, tail
    assert "if ASCEND_IS_AIV {" in tail and "apy_flag<AscendC::HardEvent::MTE2_S>();" in tail, tail
    # The AIV's set flag publishes MTE3 work: its MTE2 read of c is ordered before it first.
    found = _flags_by_side(common_code_after_a_side)
    assert "MTE2_MTE3" in found["aiv"], found


# ============================================================ (g) CANN 8.1 accepts the generated C++ (local)
CHECK_SH = Path("/work/shared/tools/ascendc_check/check.sh")
HEADERS = Path("/tmp/ascendc_src/cann-8.1.RC1")


@pytest.mark.skipif(not CHECK_SH.exists() or not HEADERS.exists() or shutil.which("g++") is None,
                    reason="needs the CANN 8.1 headers and check.sh (a local check, not CI: tools/sim_api.py runs "
                           "it over every generated kernel)")
def test_cann_81_headers_accept_the_generated_cube_cpp(tmp_path):
    sources = []
    for mod in (cube_matmul, mix_matmul):
        f = tmp_path / f"{mod.__name__.rsplit('.', 1)[1]}.cpp"
        f.write_text(compile_module(mod, "910B").cpp)
        sources.append(str(f))
    proc = subprocess.run(["bash", str(CHECK_SH), "--soc", "910B", *sources], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ============================================================ (h) vector and cube kernels in one file
@std.aiv_kernel
def plain_vector(x: Ptr[f32], n: u32):
    x[0] = x[1] * 2.0


def test_vector_kernels_beside_cube_kernels_are_tagged():
    """Untagged, a file is vector-only; beside cube kernels, vector kernels say AIV_ONLY and the file builds mix."""
    from ascendpy.compiler.api import compile_kernels
    from ascendpy.toolchain.bisheng import detect_core

    alone = compile_kernels([plain_vector], __file__, "910B").cpp
    assert "KERNEL_TASK_TYPE_DEFAULT" not in alone and detect_core(alone) == "aiv"
    assert detect_core(compile_module(cube_matmul, "910B").cpp) == "aic"
    both = compile_kernels([plain_vector, cube_matmul.matmul_f16], __file__, "910B").cpp
    assert _body(both, "plain_vector")[2] == "KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);"
    assert detect_core(both) == "mix"
    assert detect_core(compile_module(mix_matmul, "910B").cpp) == "mix"
