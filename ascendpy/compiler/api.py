"""The compiler's public face: Python kernels in, MLIR text and AscendC C++ out."""

from __future__ import annotations

import io
import types
from dataclasses import dataclass

from xdsl.printer import Printer

from ascendpy.compiler.codegen import module_to_cpp
from ascendpy.compiler.frontend import build_module
from ascendpy.compiler.passes import run_passes
from ascendpy.errors import CompileError
from ascendpy.std import KernelFunction


@dataclass(frozen=True)
class KernelSignature:
    name: str
    params: tuple[tuple[str, str], ...]  # (name, "Ptr[u16]" | "u32" | ...)


@dataclass(frozen=True)
class CompiledModule:
    mlir: str
    cpp: str
    kernels: tuple[KernelSignature, ...]


def find_kernels(module: types.ModuleType) -> list[KernelFunction]:
    """Every `@std.aiv_kernel` defined in `module` (not those it merely imports)."""
    found = [v for v in vars(module).values()
             if isinstance(v, KernelFunction) and getattr(v.fn, "__module__", None) == module.__name__]
    return sorted(found, key=lambda k: k.fn.__code__.co_firstlineno)


def compile_kernels(kernels: list[KernelFunction], source_name: str, soc: str | None = None) -> CompiledModule:
    """Frontend, passes (buffer planning and UB budget for `soc`, sync insertion), codegen."""
    from ascendpy.toolchain.targets import resolve_soc

    soc = resolve_soc(soc)
    if not kernels:
        raise CompileError("no @std.aiv_kernel functions found", source_name)
    names = [k.name for k in kernels]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise CompileError(f"two kernels are named {sorted(dup)}; kernel names must be unique", source_name)
    module = build_module(kernels)
    run_passes(module, soc)
    module.verify()
    buf = io.StringIO()
    Printer(stream=buf, print_debuginfo=True).print_op(module)
    sigs = []
    for k, fn in zip(kernels, module.ops):
        names_attr = fn.attributes["ascend.arg_names"].data  # type: ignore[attr-defined]
        types_attr = fn.attributes["ascend.arg_types"].data  # type: ignore[attr-defined]
        sigs.append(KernelSignature(k.name, tuple((n.data, t.data) for n, t in zip(names_attr, types_attr))))
    return CompiledModule(buf.getvalue() + "\n", module_to_cpp(module, source_name), tuple(sigs))


def compile_module(module: types.ModuleType, soc: str | None = None) -> CompiledModule:
    """Compile every kernel of a Python module to one MLIR module and one C++ file."""
    return compile_kernels(find_kernels(module), getattr(module, "__file__", None) or module.__name__, soc)


def kernel_mlir(kernel: KernelFunction, soc: str | None = None) -> str:
    """The MLIR module (with source locations, after the passes) for one kernel, for inspection."""
    return compile_kernels([kernel], kernel.filename, soc).mlir


def kernel_cpp(kernel: KernelFunction, soc: str | None = None) -> str:
    """The AscendC C++ for one kernel, for inspection."""
    return compile_kernels([kernel], kernel.filename, soc).cpp
