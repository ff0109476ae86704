"""Python kernel modules → artifacts, with a front cache so warm loads skip the compiler.

The front key covers the module's source text, the values of the module-level
numbers its kernels read, and the compiler's own sources. A hit yields the
generated C++ and signatures without importing the compiler or xDSL.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import types
from pathlib import Path

from ascendpy.errors import CompileError
from ascendpy.std import KernelFunction, no_source_message
from ascendpy.toolchain import cache
from ascendpy.toolchain.compile import Artifact, compile_cpp

_PKG = Path(__file__).resolve().parent.parent


def _compiler_digest() -> str:
    h = hashlib.sha256()
    for sub in ("compiler", "std"):
        for f in sorted((_PKG / sub).glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _kernels(module: types.ModuleType) -> list[KernelFunction]:
    found = [v for v in vars(module).values()
             if isinstance(v, KernelFunction) and getattr(v.fn, "__module__", None) == module.__name__]
    return sorted(found, key=lambda k: k.fn.__code__.co_firstlineno)


def _globals_read(kernels: list[KernelFunction]) -> str:
    parts = []
    for k in kernels:
        for name in sorted(set(k.fn.__code__.co_names)):
            v = k.fn.__globals__.get(name)
            if isinstance(v, bool | int | float):
                parts.append(f"{k.name}.{name}={v!r}")
    return ";".join(parts)


def _inline_sources(kernels: list[KernelFunction]) -> str:
    """Sources of @std.inline helpers the kernels import from elsewhere (std composites: in the compiler digest)."""
    from ascendpy.std import InlineFunction

    seen: dict[str, str] = {}
    for k in kernels:
        for value in k.fn.__globals__.values():
            candidates = [value] if isinstance(value, InlineFunction) else []
            if isinstance(value, types.ModuleType) and not value.__name__.startswith("ascendpy.std"):
                candidates = [v for v in vars(value).values() if isinstance(v, InlineFunction)]
            for fn in candidates:
                if fn.filename not in seen and not fn.fn.__module__.startswith("ascendpy.std"):
                    try:
                        seen[fn.filename] = Path(fn.filename).read_text()
                    except OSError:
                        seen[fn.filename] = inspect.getsource(fn.fn)
    return "".join(f"{name}\n{text}" for name, text in sorted(seen.items()))


def generate(module: types.ModuleType, soc: str | None = None) -> tuple[str, dict[str, list[tuple[str, str]]], str]:
    """(C++ source, signatures, source file name) for every kernel of `module`, via the front cache."""
    cpp, sigs, source_name, _ = _generate(module, soc)
    return cpp, sigs, source_name


def _generate(module: types.ModuleType,
              soc: str | None) -> tuple[str, dict[str, list[tuple[str, str]]], str, dict[str, str]]:
    """`generate`, and each kernel's core kind in the generated C++: its decorator's, except that a vector kernel
    calling the hardware SyncAll is a mix 1:0 kernel (compiler/crossblock.py)."""
    kernels = _kernels(module)
    filename = getattr(module, "__file__", None)
    if not kernels:
        raise CompileError(f"module '{module.__name__}' defines no @std.aiv_kernel function", filename)
    try:
        source = Path(filename).read_text() if filename else inspect.getsource(module)
    except (OSError, TypeError) as exc:
        names = ", ".join(k.name for k in kernels)
        raise CompileError(no_source_message(f"module '{module.__name__}' (kernels {names})", exc), filename,
                           kernel=kernels[0].name if len(kernels) == 1 else None) from None
    source_name = str(Path(filename).resolve()) if filename else module.__name__
    from ascendpy.toolchain.targets import resolve_soc

    soc = resolve_soc(soc)  # the UB budget depends on it
    key = cache.cache_key(["python-front-v2", source, source_name, soc, _globals_read(kernels),
                           _inline_sources(kernels), _compiler_digest()])
    holder: dict[str, object] = {}

    def build(out: Path) -> None:
        from ascendpy.compiler.api import compile_kernels  # the compiler is imported only on a miss

        compiled = compile_kernels(kernels, source_name, soc)
        holder["compiled"] = compiled
        out.write_text(compiled.cpp)
        out.with_name("kernel.mlir").write_text(compiled.mlir)
        sigs = {s.name: [list(p) for p in s.params] for s in compiled.kernels}
        out.with_name("signatures.json").write_text(json.dumps(sigs))
        out.with_name("kinds.json").write_text(json.dumps({s.name: s.kind for s in compiled.kernels}))

    cpp_path = cache.cached_build("python", key, "kernel.cpp", build)
    sigs_raw = json.loads(cpp_path.with_name("signatures.json").read_text())
    sigs = {k: [(p[0], p[1]) for p in v] for k, v in sigs_raw.items()}
    kinds = {k.name: k.kind for k in kernels}
    if cpp_path.with_name("kinds.json").is_file():
        kinds.update(json.loads(cpp_path.with_name("kinds.json").read_text()))
    return cpp_path.read_text(), sigs, source_name, kinds


def build_module(module: types.ModuleType, *, target: str = "sim", soc: str | None = None) -> Artifact:
    cpp, sigs, source_name, kinds = _generate(module, soc)  # kinds: checked against the KERNEL_TASK_TYPE_DEFAULT
    return compile_cpp(cpp, source_name=source_name + ".cpp", target=target, soc=soc, signatures=sigs, kinds=kinds)
