"""Compile AscendC C++ (from ascendpy or any other generator) into a loadable artifact.

An artifact is a directory in the cache holding the library, the exact
translation unit that was compiled, and `kernel.json`: target, SoC and, for
every entry, its parameters (and, for ascendpy kernels, the Python signature
that launches are checked against).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ascendpy.errors import CompileError, ToolchainError, ValidationError, ValidationWarning, user_stacklevel
from ascendpy.toolchain import cache, entries, host, targets

if TYPE_CHECKING:
    from ascendpy.toolchain.validate import Diagnostic

ARTIFACT_FORMAT = 1
# + -O<opt_level>. No identical-code folding: two kernels with the same body must keep their own lines for faults.
SIM_FLAGS = ["-std=c++17", "-g1", "-fPIC", "-shared", "-fvisibility=hidden", "-pthread", "-fno-ipa-icf"]


@dataclass(frozen=True)
class CompileConfig:
    """How to compile one AscendC translation unit (ascend-rs `CompileConfig`, plus the simulator).

    `soc` names the target (any name or alias of `targets.TARGETS`; None is Ascend910B3). With
    `sim=True` the unit is built by the host compiler for the CPU simulator, which enforces that
    SoC's limits; otherwise bisheng builds it for the NPU (an object file, or a shared library with
    `output="shared"`). `core` is the kernel type (aiv/aic/mix), detected from the source when None.
    `source_dir` is the directory of the source file, searched first for `#include "..."` (-iquote)
    as when the file is compiled where it lies; `compile_file` and `ascend-compile` set it.
    """

    soc: str | None = None
    sim: bool = False
    output: str = "object"
    flag_style: str | None = None
    opt_level: int = 2
    includes: tuple[str, ...] = ()
    defines: tuple[str, ...] = ()
    libs: tuple[str, ...] = ()
    validate: bool = True
    auto_sync: bool = True
    core: str | None = None
    source_dir: str | None = None
    extra_flags: tuple[str, ...] = field(default=(), repr=False)  # host-compiler flags (simulator builds)

    def __post_init__(self) -> None:
        if self.output not in ("object", "shared"):
            raise ToolchainError(f"output must be 'object' or 'shared', not {self.output!r}")
        if self.flag_style not in (None, "cce", "npu"):
            raise ToolchainError(f"flag style must be 'cce' or 'npu', not {self.flag_style!r}")
        if not (isinstance(self.opt_level, int) and 0 <= self.opt_level <= 3):
            raise ToolchainError(f"opt level must be 0, 1, 2 or 3, not {self.opt_level!r}")
        if self.core not in (None, "aiv", "aic", "mix"):
            raise ToolchainError(f"core must be 'aiv', 'aic' or 'mix', not {self.core!r}")
        for name in ("includes", "defines", "libs", "extra_flags"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.source_dir is not None:
            object.__setattr__(self, "source_dir", os.fspath(self.source_dir))
        _ = self.soc_name  # an unknown SoC (or one the simulator cannot model) fails here, listing the valid names

    @property
    def target(self) -> targets.Target:
        return targets.get_target(self.soc)

    @property
    def soc_name(self) -> str:
        return targets.resolve_soc(self.soc) if self.sim else self.target.name

    def for_file(self, path: str | os.PathLike[str]) -> CompileConfig:
        """This config for compiling the file at `path`: its directory becomes `source_dir` unless one is set."""
        if self.source_dir is not None:
            return self
        return replace(self, source_dir=str(Path(path).resolve().parent))


def _checker_flags() -> list[str]:
    """Frame pointers for the simulator's race checker, unless ASCENDPY_SIM_CHECKS=0 turns it off.

    The checker records where each instruction was issued by walking the frame-pointer chain (a few
    loads, where a backtrace() per instruction would cost microseconds); frame pointers cost a few
    per cent of speed, which the fast mode does not pay.
    """
    if os.environ.get("ASCENDPY_SIM_CHECKS") == "0":
        return []
    return ["-fno-omit-frame-pointer", "-DASCENDPY_SIM_FRAME_POINTERS=1"]


def sim_header_flags(config: CompileConfig) -> list[str]:
    """The flags of a simulator build that shape what the simulator headers compile to, in command order: the
    key of the precompiled header (setup.py prebuilds it for the default configs of 910B and 310P)."""
    return [*(f for f in SIM_FLAGS if f != "-shared"), *_header_options(config)]


def _header_options(config: CompileConfig) -> list[str]:
    return [f"-O{config.opt_level}", *_checker_flags(), *targets.sim_defines(config.soc_name),
            *(f"-D{d}" for d in config.defines)]


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

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """What the validator found when this artifact was built (warnings, and errors on --sim builds)."""
        raw = self.metadata.get("diagnostics", [])
        if not raw:
            return []  # without importing the validator: warm loads stay light
        from ascendpy.toolchain.validate import Diagnostic

        return [Diagnostic(**d) for d in raw]

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


@functools.cache  # read once per process: it is part of every key, also on warm loads
def _self_digest() -> str:
    """Changes to the stub generator must invalidate cached kernels."""
    h = hashlib.sha256()
    for name in ("compile.py", "entries.py", "targets.py", "cppsource.py", "validate.py", "bisheng.py"):
        h.update((Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


def kernel_types(source: str, found: list[entries.Entry], core: str | None = None) -> dict[str, str]:
    """Each entry's KernelMetaType name: what it declares (entries.declared_kernel_type), else the unit's kind.

    The unit's kind is `core` (CompileConfig.core) when given, else bisheng.detect_core of the source; in a unit
    where other entries declare their type, an entry that declares none is vector-only (the compiler tags every
    kernel of such a unit).
    """
    if core is None:
        from ascendpy.toolchain.bisheng import detect_core  # only here: a warm load of a typed unit skips it

        core = detect_core(source) if all(e.kernel_type is None for e in found) else "aiv"
    return {e.name: e.kernel_type or entries.TYPE_OF_KIND[core] for e in found}


def _stubs(found: list[entries.Entry], types: dict[str, str] | None = None) -> str:
    """Per entry: the bisheng-ABI argument struct, an unpacking entry point, its layout and kernel type."""
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
            # The core's store-atomic mode (atomic.h): off at the start, and a fault if the kernel leaves it on.
            f"    ascendpy_sim::AtomicScope apy_atomic;\n"
            f"    __apy_kernel_{k}({call});\n    apy_scope.finish();\n    apy_atomic.finish();\n}}"
        )
        size = f"offsetof(__ascendpy_args_{k}, apy_unused_)"
        out.append(
            f'extern "C" __attribute__((visibility("default"))) const uint64_t __ascendpy_layout_{k}[] = '
            f"{{{len(e.params)}, {size}{', ' + layout if layout else ''}}};"
        )
        kernel_type = (types or {}).get(k, "KERNEL_TYPE_AIV_ONLY")
        out.append(f'extern "C" __attribute__((visibility("default"))) const int32_t __ascendpy_kernel_type_{k} = '
                   f"{entries.KERNEL_TYPES.index(kernel_type)};  // {kernel_type}")
        if e.sync_all:  # SyncAll: the simulator starts every block at once (ascendpy_sim_abi.h)
            out.append(f'extern "C" __attribute__((visibility("default"))) const int32_t '
                       f"__ascendpy_kernel_sync_all_{k} = 1;")
    names = ", ".join(f'"{e.name}"' for e in found)
    out.append(f'extern "C" __attribute__((visibility("default"))) const char* const '
               f"__ascendpy_kernel_names[] = {{{names}{', ' if names else ''}nullptr}};")
    return "\n".join(out) + "\n"


def sim_translation_unit(source: str, source_name: str, found: list[entries.Entry],
                         types: dict[str, str] | None = None) -> str:
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
        + _stubs(found, types)
    )


def _metadata(found: list[entries.Entry], config: CompileConfig, library: str, source_name: str,
              signatures: dict[str, list[tuple[str, str]]] | None, diagnostics: list[Diagnostic],
              types: dict[str, str]) -> dict:
    return {
        "format": ARTIFACT_FORMAT,
        "target": "sim" if config.sim else config.soc_name,
        "soc": config.soc_name,
        "library": library,
        "source": source_name,
        "config": asdict(config),
        "diagnostics": [d.to_json() for d in diagnostics],
        "kernels": {
            e.name: {
                "params": [p.to_json() for p in e.params],
                "signature": [list(s) for s in signatures[e.name]] if signatures and e.name in signatures else None,
                "kind": entries.kind_of(types[e.name]),  # "aiv" | "aic" | "mix"
                "kernel_type": types[e.name],  # the KernelMetaType the simulator runs it as (910B)
                "sync_all": e.sync_all,  # it calls SyncAll: block_dim may not exceed the cores that run it at once
            }
            for e in found
        },
    }


@dataclass(frozen=True)
class BuildPlan:
    """Everything one build will do, known before it runs: what `--dry-run` prints.

    The build writes `source_file` and runs `command(dir)` in a private temporary directory, then
    publishes that directory atomically as `entry` (cache.cached_build). The command has the compiler
    write `depfile` (-MMD -MF): every header it read outside `covered`, directories that the key
    already covers, is recorded in the entry with its digest and checked on every later load.
    """

    key: str
    entry: Path
    library: str  # file name of the built artifact inside the entry
    source_file: str  # file name of the compiled translation unit inside the entry
    unit: str  # the translation unit's text
    command: Callable[[Path], list[str]]
    compiler: str  # what runs it, for error messages
    depfile: str = "kernel.d"
    covered: tuple[str, ...] = ()
    prepare: Callable[[], object] | None = None  # run before `command` in a real build (makes the PCH)

    def command_in(self, directory: Path | None = None) -> list[str]:
        return self.command(directory or self.entry)


def plan_build(source: str, config: CompileConfig, *, source_name: str = "kernel.cpp",
               signatures: dict[str, list[tuple[str, str]]] | None = None, cann: object | None = None,
               found: list[entries.Entry] | None = None) -> BuildPlan:
    """The cache key, artifact location and compiler command for one translation unit.

    `cann` (a bisheng.Cann) overrides CANN discovery, e.g. for a dry run on a machine without CANN.
    """
    found = entries.find_entries(source, source_name) if found is None else found
    common = [source, source_name, json.dumps(asdict(config), sort_keys=True), _self_digest(),
              json.dumps(signatures or {}, sort_keys=True)]
    if config.sim:
        from ascendpy.sim import build as simbuild  # the simulator library kernels link against

        soc = config.soc_name
        simlib = simbuild.sim_library()
        cxx = host.host_compiler()
        header_flags = sim_header_flags(config)
        flags = [*SIM_FLAGS, *_header_options(config),
                 *(["-iquote", config.source_dir] if config.source_dir else []),
                 *(f"-I{i}" for i in config.includes), *config.extra_flags]
        key = cache.cache_key([*common, "sim", soc, " ".join(flags), cxx.identity, simbuild.sim_sources_digest()])
        unit = sim_translation_unit(source, source_name, found, kernel_types(source, found, config.core))
        # The precompiled kernel_operator.h, unless flags it was not built with could change the headers.
        use_pch = not config.includes and not config.extra_flags and simbuild.pch_supported(cxx)

        def sim_command(d: Path) -> list[str]:
            pch = simbuild.kernel_pch(cxx, header_flags, build=False) if use_pch else None
            return [cxx.path, *flags, *(["-include", str(pch)] if pch else []), "-I", str(simbuild.include_dir()),
                    "-MMD", "-MF", str(d / "kernel.d"), str(d / "kernel.cpp"), "-o", str(d / "kernel.so"),
                    f"-L{simlib.parent}", "-l:libascendcl_sim.so", f"-Wl,-rpath,{simlib.parent}",
                    *(f"-l{lib}" for lib in config.libs)]

        return BuildPlan(key, cache.entry_path("kernels", key), "kernel.so", "kernel.cpp", unit, sim_command,
                         "the host compiler", covered=(str(simbuild.include_dir()), *simbuild.pch_dirs()),
                         prepare=(lambda: simbuild.kernel_pch(cxx, header_flags)) if use_pch else None)
    from ascendpy.toolchain import bisheng

    target = config.target
    options = bisheng.BishengOptions(
        output=config.output, flag_style=config.flag_style, opt_level=config.opt_level, includes=config.includes,
        defines=config.defines, libs=config.libs, auto_sync=config.auto_sync,
        core=config.core or bisheng.detect_core(source), source_dir=config.source_dir)
    cann = cann or bisheng.require_cann()
    library = "kernel.o" if config.output == "object" else "kernel.so"
    bisheng.bisheng_command(cann, target, Path("kernel.cpp"), Path(library), options)  # fail early on bad options
    key = cache.cache_key([*common, "npu", target.name, cann.identity()])

    def npu_command(d: Path) -> list[str]:
        return bisheng.bisheng_command(cann, target, d / "kernel.cpp", d / library, options, depfile=d / "kernel.d")

    # The CANN install's headers are covered by its identity (bisheng's version and the CANN version).
    return BuildPlan(key, cache.entry_path("kernels", key), library, "kernel.cpp", source, npu_command, "bisheng",
                     covered=(str(cann.root),))


def _validate(source: str, source_name: str, config: CompileConfig) -> list[Diagnostic]:
    """Validator findings; errors stop an NPU build, and are only reported for a simulator build.

    A simulator build goes on so the fault can be watched at run time: the simulator enforces the
    same rules and names the failing line and values.
    """
    if not config.validate:
        return []
    from ascendpy.toolchain.validate import validate

    found = validate(source, config.target if not config.sim else config.soc_name, source_name=source_name,
                     auto_sync=config.auto_sync, defines=[*(f"-D{d}" for d in config.defines), *config.extra_flags])
    errors = [d for d in found if d.severity == "error"]
    if errors and not config.sim:
        raise ValidationError(found, source_name)
    return found


def compile_cpp(source: str, *, source_name: str = "kernel.cpp", target: str = "sim", soc: str | None = None,
                signatures: dict[str, list[tuple[str, str]]] | None = None,
                extra_flags: list[str] | None = None, config: CompileConfig | None = None,
                kinds: dict[str, str] | None = None) -> Artifact:
    """Compile one AscendC translation unit, through the cache.

    `target` is "sim" (the simulator, enforcing `soc`'s limits) or a SoC name for bisheng; or pass a
    full `config`. Validator findings are attached to the artifact and issued as ValidationWarning.
    `kinds` ("aiv" | "aic" | "mix" per kernel, from a generator such as ascendpy's compiler) must agree
    with the kernel types the source declares; kernel.json records both per kernel.
    """
    if config is None:
        config = CompileConfig(soc=soc, sim=True) if target == "sim" else CompileConfig(soc=target)
    if extra_flags:
        config = replace(config, extra_flags=(*config.extra_flags, *extra_flags))
    found = entries.find_entries(source, source_name)
    if not found:
        if config.validate:
            _validate(source, source_name, replace(config, sim=False))  # raises, with the no-entry finding
        raise CompileError('no kernel entry found; an AscendC kernel is declared '
                           '`extern "C" __global__ __aicore__ void NAME(GM_ADDR x, ...)`', source_name)
    if config.core is None and kinds and len(set(kinds.values())) == 1 and all(e.kernel_type is None for e in found):
        config = replace(config, core=next(iter(kinds.values())))  # the generator knows; detect_core only guesses
    types = kernel_types(source, found, config.core)
    for name, kind in (kinds or {}).items():
        if name in types and entries.kind_of(types[name]) != kind:
            line = next(e.line for e in found if e.name == name)
            raise CompileError(f"kernel '{name}' is a {kind} kernel, but its C++ makes it {types[name]} "
                               f"({entries.kind_of(types[name])}): the generator must tag it "
                               f"KERNEL_TASK_TYPE_DEFAULT({entries.TYPE_OF_KIND[kind]})", source_name, line, name)
    # An NPU build validates first, so its errors show even where CANN is missing; a simulator build
    # validates only on a cache miss (the findings are kept in the artifact), keeping warm loads light.
    early = None if config.sim else _validate(source, source_name, config)
    plan = plan_build(source, config, source_name=source_name, signatures=signatures, found=found)

    def build(out: Path) -> None:
        (out.parent / plan.source_file).write_text(plan.unit)
        if plan.prepare is not None:
            plan.prepare()
        cmd = plan.command_in(out.parent)
        if config.sim:
            # The findings only annotate a simulator build, so the validator (its first run in a process
            # imports its parser) works while the compiler does.
            failed: list[ToolchainError] = []

            def run() -> None:
                try:
                    host.run(cmd, f"compiling {source_name} for the simulator")
                except ToolchainError as exc:
                    failed.append(exc)

            compiling = threading.Thread(target=run, name="ascendpy-compile")
            compiling.start()
            try:
                diagnostics = _validate(source, source_name, config)
            finally:
                compiling.join()
            if failed:
                raise CompileError(str(failed[0]), source_name) from None
        else:
            diagnostics = early if early is not None else _validate(source, source_name, config)
            from ascendpy.toolchain import bisheng

            bisheng.run_bisheng(cmd, source_name=source_name, work_source=out.parent / plan.source_file)
        meta = _metadata(found, config, plan.library, source_name, signatures, diagnostics, types)
        out.with_name("kernel.json").write_text(json.dumps(meta, indent=1))

    lib = cache.cached_build("kernels", plan.key, plan.library, build, depfile=plan.depfile, covered=plan.covered)
    artifact = Artifact.open(lib.parent)
    for d in artifact.diagnostics:  # shown at the user's call into ascendpy, not at this line
        warnings.warn(ValidationWarning(str(d)), stacklevel=user_stacklevel())
    return artifact


def compile_file(path: str | os.PathLike[str], *, target: str = "sim", soc: str | None = None,
                 config: CompileConfig | None = None) -> Artifact:
    """Compile an AscendC file where it lies: headers beside it are found (`#include "kernel_add.h"`)."""
    p = Path(path).resolve()
    try:
        text = p.read_text()
    except OSError as exc:
        raise ToolchainError(f"cannot read {path}: {exc}") from exc
    if config is None:
        config = CompileConfig(soc=soc, sim=True) if target == "sim" else CompileConfig(soc=target)
    return compile_cpp(text, source_name=str(p), config=config.for_file(p))
