"""The compiler's public face: Python kernels in, MLIR text and AscendC C++ out."""

from __future__ import annotations

import contextlib
import io
import sys
import threading
import types
from collections.abc import Iterator
from dataclasses import dataclass

from xdsl.printer import Printer

from ascendpy.compiler.codegen import module_to_cpp
from ascendpy.compiler.crossblock import hard_sync_all
from ascendpy.compiler.frontend import MAX_INLINE_DEPTH, build_module
from ascendpy.compiler.passes import run_passes
from ascendpy.errors import CompileError
from ascendpy.std import KernelFunction


@dataclass(frozen=True)
class KernelSignature:
    name: str
    params: tuple[tuple[str, str], ...]  # (name, "Ptr[u16]" | "u32" | ...)
    kind: str = "aiv"  # the core kind of its C++: the decorator's; "mix" for a vector kernel with the hardware SyncAll


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


_FRAMES_PER_INLINE = 40  # Python frames one nested @std.inline expansion may take (measured: 5-10)
_depth_lock = threading.Lock()
_depth_users = 0
_depth_saved = 0


@contextlib.contextmanager
def _room_for_inlining() -> Iterator[None]:
    """Raise Python's recursion limit enough for MAX_INLINE_DEPTH nested @std.inline calls while compiling.

    The compiler expands each call recursively; the default limit (1000) stops a chain of ~100. The limit is
    process-wide, so it is raised by the first compile in flight and restored by the last one to finish.
    """
    global _depth_users, _depth_saved
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1  # type: ignore[assignment]
    with _depth_lock:
        if _depth_users == 0:
            _depth_saved = sys.getrecursionlimit()
        _depth_users += 1
        sys.setrecursionlimit(max(sys.getrecursionlimit(), depth + MAX_INLINE_DEPTH * _FRAMES_PER_INLINE + 1000))
    try:
        yield
    finally:
        with _depth_lock:
            _depth_users -= 1
            if _depth_users == 0:
                sys.setrecursionlimit(_depth_saved)


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
    try:
        with _room_for_inlining():
            module = build_module(kernels)
            run_passes(module, soc)
            module.verify()
            buf = io.StringIO()
            Printer(stream=buf, print_debuginfo=True).print_op(module)
            cpp = module_to_cpp(module, source_name)
    except CompileError as exc:
        raise exc.with_traceback(None) from exc.__cause__  # it names the user's line: internal frames are noise
    except RecursionError:
        raise CompileError(f"the kernels of {source_name} nest too deeply for the compiler (more than "
                           f"{MAX_INLINE_DEPTH} levels of @std.inline calls, loops and branches, counted together); "
                           "flatten the nesting", source_name) from None
    _check_name_clashes(kernels, module, cpp)
    sigs = []
    for k, fn in zip(kernels, module.ops):
        names_attr = fn.attributes["ascend.arg_names"].data  # type: ignore[attr-defined]
        types_attr = fn.attributes["ascend.arg_types"].data  # type: ignore[attr-defined]
        kind = "mix" if k.kind == "aiv" and hard_sync_all(fn) else k.kind  # KERNEL_TYPE_MIX_AIV_1_0 (crossblock)
        sigs.append(KernelSignature(k.name, tuple((n.data, t.data) for n, t in zip(names_attr, types_attr)), kind))
    return CompiledModule(buf.getvalue() + "\n", cpp, tuple(sigs))


def _check_name_clashes(kernels: list[KernelFunction], module: object, cpp: str) -> None:
    """A kernel named like an AscendC/C++ name the generated code uses (`AscendC::GetBlockNum`, `.SetValue`) breaks it.

    On the simulator the kernel's symbol is renamed by a macro, which would rename those uses too; on the NPU a
    global of that name can collide. Such a use is always qualified (`X::name`, `.name`, `->name`, `name::`).
    """
    import re

    from ascendpy.toolchain.cppsource import blank_comments

    text = blank_comments(cpp)
    for k, fn in zip(kernels, module.ops):  # type: ignore[attr-defined]
        m = re.search(rf"(?:::|\.|->)\s*{re.escape(k.name)}\b|\b{re.escape(k.name)}\s*::", text)
        if m:
            use = cpp[text.rfind("\n", 0, m.start()) + 1:text.find("\n", m.end())].strip()
            loc = fn.location
            raise CompileError(f"the kernel name '{k.name}' is also an AscendC/C++ name the generated code uses "
                               f"(`{use[:80]}`); rename the kernel, e.g. to 'kernel_{k.name}'",
                               loc.filename.data, loc.line.data, k.name)


def compile_module(module: types.ModuleType, soc: str | None = None) -> CompiledModule:
    """Compile every kernel of a Python module to one MLIR module and one C++ file."""
    return compile_kernels(find_kernels(module), getattr(module, "__file__", None) or module.__name__, soc)


def kernel_mlir(kernel: KernelFunction, soc: str | None = None) -> str:
    """The MLIR module (with source locations, after the passes) for one kernel, for inspection."""
    return compile_kernels([kernel], kernel.filename, soc).mlir


def kernel_cpp(kernel: KernelFunction, soc: str | None = None) -> str:
    """The AscendC C++ for one kernel, for inspection."""
    return compile_kernels([kernel], kernel.filename, soc).cpp
