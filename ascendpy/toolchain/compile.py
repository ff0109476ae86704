"""Compile AscendC C++ (from ascendpy or any other generator) into a loadable artifact.

An artifact is a directory in the cache holding the library, the exact
translation unit that was compiled, and `kernel.json`: target, SoC and, for
every entry, its parameters (and, for ascendpy kernels, the Python signature
that launches are checked against).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ascendpy.errors import CompileError, ToolchainError
from ascendpy.toolchain import cache, entries, host, targets

ARTIFACT_FORMAT = 1
SIM_FLAGS = ["-std=c++17", "-O2", "-g1", "-fPIC", "-shared", "-fvisibility=hidden", "-pthread"]


def _checker_flags() -> list[str]:
    """Frame pointers for the simulator's race checker, unless ASCENDPY_SIM_CHECKS=0 turns it off.

    The checker records where each instruction was issued by walking the frame-pointer chain (a few
    loads, where a backtrace() per instruction would cost microseconds); frame pointers cost a few
    per cent of speed, which the fast mode does not pay.
    """
    if os.environ.get("ASCENDPY_SIM_CHECKS") == "0":
        return []
    return ["-fno-omit-frame-pointer", "-DASCENDPY_SIM_FRAME_POINTERS=1"]


@dataclass(frozen=True)
class Artifact:
    directory: Path
    metadata: dict

    @property
    def library(self) -> Path:
        return self.directory / self.metadata["library"]

    @property
    def key(self) -> str:
        return self.directory.name

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Artifact:
        p = Path(path).resolve()
        # A cache entry directory, or a library copied out by `ascend-compile -o x.so` with x.json beside it.
        meta_path = p / "kernel.json" if p.is_dir() else p.with_suffix(".json")
        if not meta_path.is_file():
            raise ToolchainError(f"{path} is not an ascendpy artifact: {meta_path} is missing")
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != ARTIFACT_FORMAT:
            raise ToolchainError(f"{meta_path} has artifact format {meta.get('format')}, "
                                 f"this ascendpy reads {ARTIFACT_FORMAT}; rebuild it")
        if not p.is_dir():
            meta = {**meta, "library": p.name}
        return cls(meta_path.parent, meta)


def _self_digest() -> str:
    """Changes to the stub generator must invalidate cached kernels."""
    h = hashlib.sha256()
    for name in ("compile.py", "entries.py"):
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


def _stubs(found: list[entries.Entry]) -> str:
    """Per entry: the bisheng-ABI argument struct, an unpacking entry point and its layout."""
    out = ["", '#line 1 "<ascendpy launch stubs>"']
    for e in found:
        k = e.name
        members = "".join(
            f"    alignas(alignof({p.ctype}) > 4 ? alignof({p.ctype}) : 4) {p.ctype} a{i};\n"
            for i, p in enumerate(e.params)
        )
        call = ", ".join(f"a->a{i}" for i in range(len(e.params)))
        layout = ", ".join(f"offsetof(__ascendpy_args_{k}, a{i}), sizeof({p.ctype})"
                           for i, p in enumerate(e.params))
        out.append(f"struct __ascendpy_args_{k} {{\n{members}    char apy_unused_;\n}};")
        out.append(
            f'extern "C" __attribute__((visibility("default"))) void __ascendpy_entry_{k}'
            f"(const uint8_t* args, uint64_t size)\n{{\n    (void)size;\n"
            f"    const __ascendpy_args_{k}* a = reinterpret_cast<const __ascendpy_args_{k}*>(args);\n"
            f"    (void)a;\n"
            # Per-block checker state (race.h): flags, pipe races, queue-tensor leaks found at the end.
            f"    ascendpy_sim::BlockScope apy_scope(__builtin_frame_address(0));\n"
            f"    __apy_kernel_{k}({call});\n    apy_scope.finish();\n}}"
        )
        size = f"offsetof(__ascendpy_args_{k}, apy_unused_)"
        out.append(
            f'extern "C" __attribute__((visibility("default"))) const uint64_t __ascendpy_layout_{k}[] = '
            f"{{{len(e.params)}, {size}{', ' + layout if layout else ''}}};"
        )
    names = ", ".join(f'"{e.name}"' for e in found)
    out.append(f'extern "C" __attribute__((visibility("default"))) const char* const '
               f"__ascendpy_kernel_names[] = {{{names}{', ' if names else ''}nullptr}};")
    return "\n".join(out) + "\n"


def sim_translation_unit(source: str, source_name: str, found: list[entries.Entry]) -> str:
    # Kernel symbols are renamed so that a kernel called `exp` or `log` cannot capture
    # the C library's function of that name inside its own library.
    renames = "".join(f"#define {e.name} __apy_kernel_{e.name}\n" for e in found)
    return (
        "#include <cstddef>\n#include <cstdint>\n#include \"kernel_operator.h\"\n"
        + renames
        + f'#line 1 "{source_name}"\n'
        + source
        + ("\n" if not source.endswith("\n") else "")
        + "".join(f"#undef {e.name}\n" for e in found)
        + _stubs(found)
    )


def compile_cpp(source: str, *, source_name: str = "kernel.cpp", target: str = "sim", soc: str | None = None,
                signatures: dict[str, list[tuple[str, str]]] | None = None,
                extra_flags: list[str] | None = None) -> Artifact:
    """Compile one AscendC translation unit for `target`, through the cache."""
    if target != "sim":
        raise ToolchainError(f"target '{target}' needs CANN's bisheng, which this build cannot drive yet; "
                             "use target='sim'")
    soc = targets.resolve_soc(soc)
    found = entries.find_entries(source)
    if not found:
        raise CompileError('no kernel entry found; an AscendC kernel is declared '
                           '`extern "C" __global__ __aicore__ void NAME(GM_ADDR x, ...)`', source_name)
    from ascendpy.sim import build as simbuild  # the simulator library kernels link against

    simlib = simbuild.sim_library()
    cxx = host.host_compiler()
    flags = SIM_FLAGS + _checker_flags() + targets.sim_defines(soc) + list(extra_flags or [])
    key = cache.cache_key([
        source, source_name, target, soc, " ".join(flags), cxx.identity, simbuild.sim_sources_digest(),
        _self_digest(), json.dumps(signatures or {}, sort_keys=True),
    ])
    unit = sim_translation_unit(source, source_name, found)

    def build(out: Path) -> None:
        cpp = out.with_name("kernel.cpp")
        cpp.write_text(unit)
        cmd = [cxx.path, *flags, "-I", str(simbuild.include_dir()), str(cpp), "-o", str(out),
               f"-L{simlib.parent}", "-l:libascendcl_sim.so", f"-Wl,-rpath,{simlib.parent}"]
        try:
            host.run(cmd, f"compiling {source_name} for the simulator")
        except ToolchainError as exc:
            raise CompileError(str(exc), source_name) from None
        meta = {
            "format": ARTIFACT_FORMAT,
            "target": target,
            "soc": soc,
            "library": out.name,
            "source": source_name,
            "kernels": {
                e.name: {
                    "params": [p.to_json() for p in e.params],
                    "signature": [list(s) for s in signatures[e.name]] if signatures and e.name in signatures
                    else None,
                }
                for e in found
            },
        }
        out.with_name("kernel.json").write_text(json.dumps(meta, indent=1))

    lib = cache.cached_build("kernels", key, "kernel.so", build)
    return Artifact.open(lib.parent)


def compile_file(path: str | os.PathLike[str], *, target: str = "sim", soc: str | None = None) -> Artifact:
    p = Path(path).resolve()
    try:
        text = p.read_text()
    except OSError as exc:
        raise ToolchainError(f"cannot read {path}: {exc}") from exc
    return compile_cpp(text, source_name=str(p), target=target, soc=soc)
