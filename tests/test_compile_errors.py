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

    _expect(k, "# MARK", "call to `helper` is not supported", "mark `helper` with @std.inline", "docs/language.md")


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


# ----------------------------------------------------------------------------- messages: short, with the fix
@pytest.mark.parametrize("source, marker, words", [
    ("v = [1, 2]  # MARK\n        x[0] = 1.0", "# MARK", ("`[1, 2]` (List)", "std.ub_alloc(f32, n)")),
    ("with open('f'):  # MARK\n            pass", "# MARK", ("`With`", "no context managers")),
    ("v = (y for y in range(3))  # MARK", "# MARK", ("(GeneratorExp)", "for i in range(n)")),
    ("x[0] = (lambda v: v)(1.0)  # MARK", "# MARK", ("(Lambda)", "@std.inline")),
    ("assert x[0] > 0  # MARK", "# MARK", ("`Assert`", "guard the code with `if`")),
])
def test_unsupported_construct_says_what_and_the_closest_alternative(tmp_path, source, marker, words):
    kernel = _kernel_file(tmp_path, "from ascendpy import std\nfrom ascendpy.std import Ptr, f32\n\n"
                                    "@std.aiv_kernel\ndef k(x: Ptr[f32]):\n    if True:\n        " + source + "\n")
    err = _expect_in(kernel, marker)
    text = err.message
    for w in words:
        assert w in text, text
    assert "docs/language.md" in text and "allowed in a kernel" not in text
    assert len(text) < 250, text  # one or two lines, not the whole list


def test_call_to_a_plain_function_suggests_std_inline():
    @std.aiv_kernel
    def k(x: Ptr[f32]):
        x[0] = helper(1.0)  # MARK

    err = _expect(k, "# MARK", "call to `helper`", "mark `helper` with @std.inline")
    assert len(err.message) < 250


def test_math_function_suggests_std():
    import math

    @std.aiv_kernel
    def k(x: Ptr[f32]):
        x[0] = math.exp(x[1])  # MARK

    _expect(k, "# MARK", "call to `math.exp`", "use std.exp(x)")


# ----------------------------------------------------------------------------- source Python does not keep
def test_kernel_defined_by_exec_says_to_use_a_file():
    ns: dict[str, object] = {}
    exec("from ascendpy import std\nfrom ascendpy.std import Ptr, f32\n\n@std.aiv_kernel\n"
         "def made_by_exec(x: Ptr[f32]):\n    x[0] = 1.0\n", ns)
    with pytest.raises(CompileError) as info:
        kernel_cpp(ns["made_by_exec"])
    err = info.value
    assert err.kernel == "made_by_exec" and err.filename == "<string>" and err.lineno == 4
    assert "cannot read the source of kernel 'made_by_exec'" in str(err)
    assert "put it in a .py file and import it" in str(err)
    assert err.__cause__ is None and err.__suppress_context__  # no internal "could not get source" chain


def test_module_without_a_file_says_to_use_a_file():
    import types

    from ascendpy import KernelLoader

    mod = types.ModuleType("typed_in")
    exec("from ascendpy import std\nfrom ascendpy.std import Ptr, f32\n\n@std.aiv_kernel\ndef k(x: Ptr[f32]):\n"
         "    x[0] = 1.0\n", mod.__dict__)
    mod.k.fn.__module__ = "typed_in"
    with pytest.raises(CompileError, match=r"cannot read the source of module 'typed_in' \(kernels k\).*"
                                           r"put it in a \.py file") as info:
        KernelLoader.from_module(mod)
    assert info.value.__cause__ is None and info.value.__suppress_context__


# ----------------------------------------------------------------------------- kernel names
def _kernel_file(tmp_path, text: str, name: str = "kmod"):
    """Write `text` as a module in tmp_path, import it, and return its only kernel (or the module)."""
    import importlib.util
    import sys

    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"{name}_{abs(hash(str(path)))}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    ks = [v for v in vars(mod).values() if isinstance(v, std.KernelFunction)]
    return ks[0] if len(ks) == 1 else mod


def _expect_in(kernel: std.KernelFunction, marker: str, *words: str) -> CompileError:
    """As _expect, for a kernel written to a file by _kernel_file."""
    with pytest.raises(CompileError) as info:
        kernel_cpp(kernel)
    err = info.value
    lines = open(kernel.filename).read().splitlines()
    want = next(i for i, text in enumerate(lines, 1) if marker in text)
    assert (err.filename, err.lineno, err.kernel) == (kernel.filename, want, kernel.name), str(err)
    for w in words:
        assert w in str(err), str(err)
    return err


@pytest.mark.parametrize("name, words", [
    ("加法", ("is not ASCII", "rename it with ASCII letters")),
    ("new", ("is a C++ keyword", "'kernel_new'")),
    ("int", ("is a C++ keyword",)),
    ("uint32_t", ("a name the generated AscendC already uses",)),
    ("main", ("a name the generated AscendC already uses",)),
    ("_Upper", ("is a reserved C++ identifier",)),
    ("my__kernel", ("is a reserved C++ identifier",)),
    ("apy_floordiv", ("ascendpy's own generated helpers",)),
])
def test_kernel_names_cpp_cannot_carry(tmp_path, name, words):
    kernel = _kernel_file(tmp_path, f"from ascendpy import std\nfrom ascendpy.std import Ptr, f32\n\n@std.aiv_kernel\n"
                                    f"def {name}(x: Ptr[f32]):  # DEF\n    x[0] = 1.0\n")
    _expect_in(kernel, "# DEF", f"the kernel name '{name}'", *words)


@pytest.mark.parametrize("name, body, use", [
    ("SetValue", "x[0] = 1.0", ".SetValue("),
    ("GetBlockNum", "x[0] = std.f32(std.get_block_num())", "AscendC::GetBlockNum()"),
    ("GlobalTensor", "x[0] = 1.0", "AscendC::GlobalTensor<float>"),
])
def test_kernel_names_clashing_with_the_ascendc_the_kernel_uses(tmp_path, name, body, use):
    kernel = _kernel_file(tmp_path, f"from ascendpy import std\nfrom ascendpy.std import Ptr, f32\n\n@std.aiv_kernel\n"
                                    f"def {name}(x: Ptr[f32]):  # DEF\n    {body}\n")
    _expect_in(kernel, "# DEF", f"the kernel name '{name}' is also an AscendC/C++ name", use,
               f"'kernel_{name}'")


def test_a_kernel_named_like_an_unused_api_compiles_and_runs(tmp_path, runtime, rng):
    """`Mmad` is an AscendC name this kernel does not use: no clash, on the simulator either."""
    import sys

    import numpy as np

    from ascendpy import DeviceBuffer, KernelLoader

    kernel = _kernel_file(tmp_path, "from ascendpy import std\nfrom ascendpy.std import Ptr, f32\n\n@std.aiv_kernel\n"
                                    "def Mmad(x: Ptr[f32], y: Ptr[f32]):\n    y[0] = x[0] * 2.0\n", "mmad_mod")
    x = rng.standard_normal(1).astype(np.float32)
    y = DeviceBuffer.zeros(np.float32, 1)
    loader = KernelLoader.from_module(sys.modules[kernel.fn.__module__])
    loader.get_kernel("Mmad")[1, runtime[3]](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x * 2)


# ----------------------------------------------------------------------------- the launch ABI's parameter limit
def _many_params(n: int) -> str:
    params = ", ".join(f"p{i}: Ptr[f32]" for i in range(n - 1))
    return (f"from ascendpy import std\nfrom ascendpy.std import Ptr, f32, u32\n\n@std.aiv_kernel\n"
            f"def many({params}, k: u32):  # DEF\n    p0[0] = std.f32(k) + p{n - 2}[0]\n")


def test_more_parameters_than_the_launch_abi_takes(tmp_path):
    kernel = _kernel_file(tmp_path, _many_params(129))
    _expect_in(kernel, "# DEF", "kernel 'many' has 129 parameters, more than the 128 the launch ABI takes",
               "through one buffer")


def test_the_most_parameters_the_launch_abi_takes_compile_and_run(tmp_path, runtime, rng):
    import sys

    import numpy as np

    from ascendpy import DeviceBuffer, KernelLoader

    kernel = _kernel_file(tmp_path, _many_params(128))
    bufs = [DeviceBuffer.from_numpy(rng.standard_normal(1).astype(np.float32)) for _ in range(127)]
    last = bufs[126].to_numpy()[0]
    KernelLoader.from_module(sys.modules[kernel.fn.__module__]).get_kernel("many")[1, runtime[3]](*bufs, 5)
    assert bufs[0].to_numpy()[0] == np.float32(5) + last


# ----------------------------------------------------------------------------- deep @std.inline chains
def _chain(n: int, leaf: str = "    return x[0] + 1.0") -> str:
    """h0 .. h{n-1}, each h{i} returning h{i-1}(x) + 1, and a kernel calling the last: x[1] = x[0] + n."""
    out = ["from ascendpy import std", "from ascendpy.std import Ptr, f32", "", "@std.inline", "def h0(x):", leaf, ""]
    for i in range(1, n):
        out += ["@std.inline", f"def h{i}(x):", f"    return h{i - 1}(x) + 1.0  # CALL {i - 1}", ""]
    out += ["@std.aiv_kernel", "def deep(x: Ptr[f32]):", f"    x[1] = h{n - 1}(x)  # CALL {n - 1}", ""]
    return "\n".join(out)


def test_a_150_deep_inline_chain_compiles_and_runs(tmp_path, runtime, rng):
    import sys

    import numpy as np

    from ascendpy import DeviceBuffer, KernelLoader

    before = sys.getrecursionlimit()
    kernel = _kernel_file(tmp_path, _chain(150))
    x = rng.standard_normal(2).astype(np.float32)
    buf = DeviceBuffer.from_numpy(x)
    KernelLoader.from_module(sys.modules[kernel.fn.__module__]).get_kernel("deep")[1, runtime[3]](buf)
    want = x[0]
    for _ in range(150):
        want = np.float32(want + np.float32(1.0))
    assert buf.to_numpy()[1] == want
    assert sys.getrecursionlimit() == before  # raised only while compiling


def test_an_inline_chain_deeper_than_the_maximum_names_the_call(tmp_path):
    from ascendpy.compiler.frontend import MAX_INLINE_DEPTH

    kernel = _kernel_file(tmp_path, _chain(MAX_INLINE_DEPTH + 40))
    # The kernel's call is depth 1; the call made at depth MAX_INLINE_DEPTH + 1 is the one refused.
    too_deep = MAX_INLINE_DEPTH + 40 - 1 - MAX_INLINE_DEPTH
    err = _expect_in(kernel, f"# CALL {too_deep}", f"@std.inline calls nest more than {MAX_INLINE_DEPTH} deep",
                     f"h{too_deep}", "flatten the chain")
    assert err.kernel == "deep"
    assert err.__traceback__ is None or len(__import__("traceback").extract_tb(err.__traceback__)) < 50


def test_an_inline_cycle_is_named(tmp_path):
    kernel = _kernel_file(tmp_path, "from ascendpy import std\nfrom ascendpy.std import Ptr, f32\n\n"
                                    "@std.inline\ndef ping(x):\n    pong(x)\n\n"
                                    "@std.inline\ndef pong(x):\n    ping(x)  # CYCLE\n\n"
                                    "@std.aiv_kernel\ndef k(x: Ptr[f32]):\n    ping(x)\n")
    _expect_in(kernel, "# CYCLE", "@std.inline function 'ping' calls itself (ping -> pong -> ping)",
               "write the repetition as a loop")


# ----------------------------------------------------------------------------- hand-written AscendC entries
def test_cpp_entry_the_finder_cannot_read_is_reported(tmp_path):
    from ascendpy.toolchain.compile import compile_file

    src = tmp_path / "cjk.cpp"
    src.write_text('#include "kernel_operator.h"\n\nextern "C" __global__ __aicore__ void 加法(GM_ADDR x)\n{\n}\n')
    with pytest.raises(CompileError) as info:
        compile_file(src)
    err = info.value
    assert (err.filename, err.lineno, err.kernel) == (str(src), 3, "加法"), str(err)
    assert "cannot read the kernel entry '加法': its name is not an ASCII C identifier" in str(err)


def test_cpp_entry_with_more_parameters_than_the_launch_abi_takes(tmp_path):
    from ascendpy.toolchain.compile import compile_file

    src = tmp_path / "many.cpp"
    params = ", ".join(f"GM_ADDR p{i}" for i in range(129))
    src.write_text(f'#include "kernel_operator.h"\nextern "C" __global__ __aicore__ void many({params})\n{{\n}}\n')
    with pytest.raises(CompileError) as info:
        compile_file(src)
    err = info.value
    assert (err.filename, err.lineno, err.kernel) == (str(src), 2, "many"), str(err)
    assert "kernel 'many' has 129 parameters, more than the 128 the launch ABI takes" in str(err)


def test_cpp_entry_qualifiers_through_a_macro_build_and_run(tmp_path, runtime, rng):
    """`#define KERNEL_ENTRY extern "C" __global__ __aicore__`, as some kernels write it: found, not dropped."""
    import numpy as np

    from ascendpy import DeviceBuffer, KernelLoader

    src = tmp_path / "macro_entry.cpp"
    src.write_text('#include "kernel_operator.h"\n#define KERNEL_ENTRY extern "C" __global__ __aicore__\n\n'
                   "KERNEL_ENTRY void add_one(GM_ADDR x, GM_ADDR y, uint32_t n)\n{\n"
                   "    AscendC::GlobalTensor<float> xGm, yGm;\n"
                   "    xGm.SetGlobalBuffer((__gm__ float*)x, n);\n    yGm.SetGlobalBuffer((__gm__ float*)y, n);\n"
                   "    for (uint32_t i = 0; i < n; ++i) {\n"
                   "        yGm.SetValue(i, xGm.GetValue(i) + 1.0f);\n    }\n}\n")
    loader = KernelLoader.from_file(src)
    assert loader.kernel_names == ["add_one"]
    x = rng.standard_normal(50).astype(np.float32)
    y = DeviceBuffer.zeros(np.float32, 50)
    loader.get_kernel("add_one")[1, runtime[3]](DeviceBuffer.from_numpy(x), y, 50)
    np.testing.assert_array_equal(y.to_numpy(), x + np.float32(1))


# ----------------------------------------------------------------------------- warnings point at the user
def test_validation_warnings_point_at_the_callers_line():
    """A simulator build's validator warnings are attributed to the user's call, not to ascendpy's compile.py."""
    import warnings
    from pathlib import Path

    from ascendpy import KernelLoader, ValidationWarning
    from ascendpy.toolchain.compile import compile_file

    src = Path(__file__).parent / "faults_cpp" / "view_bounds.cpp"  # InitBuffer sizes known only at run time
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        compile_file(src)  # WARNED HERE
        KernelLoader.from_file(src)  # WARNED HERE
    found = [(w.filename, w.lineno) for w in seen if issubclass(w.category, ValidationWarning)]
    here = [i for i, text in enumerate(Path(__file__).read_text().splitlines(), 1) if text.endswith("# WARNED HERE")]
    assert sorted(set(found)) == [(__file__, n) for n in here], found
    assert len(found) == 4  # two size-unknown findings, from each call
