"""Unsupported Python in a kernel is a CompileError naming the file, the line and the construct."""

from __future__ import annotations

import inspect

import pytest

from ascendpy import CompileError, std
from ascendpy.compiler import kernel_cpp, kernel_mlir
from ascendpy.std import Ptr, f32, i32, u16, u32


def _line_of(fn: std.KernelFunction, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    for i, text in enumerate(lines):
        if marker in text:
            return first + i
    raise AssertionError(marker)


def _expect(fn: std.KernelFunction, marker: str, *words: str) -> CompileError:
    with pytest.raises(CompileError) as info:
        kernel_cpp(fn)
    err = info.value
    assert err.filename == __file__
    assert err.lineno == _line_of(fn, marker), str(err)
    assert err.kernel == fn.name
    text = str(err)
    assert f"{__file__}:{err.lineno}" in text
    for w in words:
        assert w in text, text
    return err


def helper(v):
    return v


def test_call_to_arbitrary_python():
    @std.aiv_kernel
    def k(x: Ptr[f32]):
        x[0] = helper(1.0)  # MARK

    _expect(k, "# MARK", "helper", "cannot call arbitrary Python", "allowed in a kernel")


def test_list_literal():
    @std.aiv_kernel
    def k(x: Ptr[f32]):
        v = [1, 2]  # MARK
        x[0] = v

    _expect(k, "# MARK", "List")


def test_string_constant():
    @std.aiv_kernel
    def k(x: Ptr[f32]):
        s = "hello"  # MARK
        x[0] = s

    _expect(k, "# MARK", "'hello'", "only numbers")


def test_recursion():
    @std.aiv_kernel
    def k(x: Ptr[f32]):
        k(x)  # MARK

    _expect(k, "# MARK")


def test_untyped_parameter():
    @std.aiv_kernel
    def k(x, n: u32):  # MARK
        pass

    _expect(k, "# MARK", "parameter 'x' has no type", "Ptr[f32]")


def test_with_statement():
    @std.aiv_kernel
    def k(x: Ptr[f32]):
        with open("f"):  # MARK
            pass

    _expect(k, "# MARK", "With")


def test_mixing_signedness_needs_a_cast():
    @std.aiv_kernel
    def k(x: Ptr[i32], n: u32):
        a: i32 = 1
        x[0] = a + n  # MARK

    _expect(k, "# MARK", "mixing i32 and u32", "std.i32")


def test_narrowing_assignment_needs_a_cast():
    @std.aiv_kernel
    def k(x: Ptr[u16], n: u32):
        x[0] = n  # MARK

    _expect(k, "# MARK", "u32 value where u16 is expected")


def test_literal_out_of_range():
    @std.aiv_kernel
    def k(x: Ptr[u16]):
        x[0] = 70000  # MARK

    _expect(k, "# MARK", "70000", "does not fit in u16")


def test_true_division_of_integers():
    @std.aiv_kernel
    def k(x: Ptr[i32]):
        x[0] = x[1] / 2  # MARK

    _expect(k, "# MARK", "use //")


def test_return_value():
    @std.aiv_kernel
    def k(x: Ptr[i32]):
        return 1  # MARK

    _expect(k, "# MARK", "returns nothing")


def test_pointer_reassignment_and_bad_index():
    @std.aiv_kernel
    def k(x: Ptr[i32]):
        x[1.5] = 1  # MARK

    _expect(k, "# MARK", "index must be an integer")


def test_kernel_cannot_be_called_on_host():
    @std.aiv_kernel
    def k(x: Ptr[i32]):
        x[0] = 1

    with pytest.raises(TypeError, match="runs on the device"):
        k(None)
    with pytest.raises(TypeError, match="inside an @std.aiv_kernel"):
        std.get_block_idx()


def test_mlir_has_entry_attribute_and_locations():
    @std.aiv_kernel
    def k(x: Ptr[f32], n: u32):
        for i in range(n):
            x[i] = x[i] * 2.0

    text = kernel_mlir(k)
    assert "hacc.entry" in text
    assert "func.func @k(" in text
    assert f'loc("{__file__}":{_line_of(k, "x[i] = x[i] * 2.0")}' in text
    assert "memref<?xf32>" in text and "arith.mulf" in text
