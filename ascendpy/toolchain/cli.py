"""`ascend-compile`: validate and compile AscendC C++ from any generator, or an ascendpy Python kernel file.

    ascend-compile kernel.cpp --soc Ascend910B3 --shared     # bisheng -> kernel.so (needs CANN)
    ascend-compile kernel.cpp --soc Ascend310P3 --sim        # the CPU simulator, enforcing 310P limits
    ascend-compile kernel.cpp --soc 310P --validate-only     # findings only; exit 1 on errors
    ascend-compile kernel.cpp --dry-run                      # print the exact compiler command
    ascend-compile kernels.py --emit-cpp                     # the generated AscendC
    ascend-compile cache info | cache clear
    ascend-compile build examples/ --sim --out-dir dist/     # every kernel under a directory (KernelBuilder)
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ascendpy.errors import AscendpyError, ValidationError

if TYPE_CHECKING:
    from ascendpy.toolchain.compile import CompileConfig
    from ascendpy.toolchain.validate import Diagnostic


def _add_target_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--soc", default=None,
                   help="target SoC or alias (default Ascend910B3; 'sim' = --sim with the default SoC)")
    p.add_argument("--sim", action="store_true", help="build for the CPU simulator, which enforces --soc's limits")
    p.add_argument("--shared", action="store_true", help="bisheng: build a shared library (.so), not an object")
    p.add_argument("--opt-level", type=int, default=2, choices=range(4), metavar="N", help="0-3 (default 2)")
    p.add_argument("-I", dest="includes", action="append", default=[], metavar="DIR", help="include directory")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]", help="define a macro")
    p.add_argument("-l", dest="libs", action="append", default=[], metavar="LIB", help="link a library (--shared)")
    p.add_argument("--no-validate", action="store_true", help="skip the validator")
    p.add_argument("--no-auto-sync", action="store_true",
                   help="compile without bisheng's --cce-auto-sync (unsynchronised DMA becomes a validation error)")
    p.add_argument("--flag-style", choices=("cce", "npu"), default=None,
                   help="bisheng flags: --cce-aicore-arch (cce) or --npu-arch (npu, CANN 8.5+); default: npu for "
                        "910B when the installed CANN has it, else cce")
    p.add_argument("--core", choices=("aiv", "aic", "mix"), default=None,
                   help="kernel type (default: detected from the source)")
    p.add_argument("--json", action="store_true", help="print diagnostics and the result as JSON on stdout")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ascend-compile",
        description="Validate and compile AscendC C++ from any generator, or an ascendpy Python kernel file. "
                    "Subcommands: `ascend-compile cache info|clear`, `ascend-compile build PATH...`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", help="kernel source: .cpp/.cc/.asc/.cce (AscendC) or .py (ascendpy kernels)")
    _add_target_options(p)
    p.add_argument("-o", "--output", help="write the artifact here (default for bisheng: INPUT.o or INPUT.so)")
    p.add_argument("--validate-only", action="store_true", help="run the validator only; exit 1 on errors")
    p.add_argument("--dry-run", action="store_true", help="print the exact compiler command without running it")
    p.add_argument("--emit-mlir", action="store_true", help="print the MLIR of a Python kernel file")
    p.add_argument("--emit-cpp", action="store_true", help="print the AscendC C++ of a Python kernel file")
    p.add_argument("--print-artifact", action="store_true", help="print the cache key and artifact directory")
    return p


def _config(args: argparse.Namespace) -> CompileConfig:
    from ascendpy.toolchain.compile import CompileConfig

    soc, sim = args.soc, args.sim
    if soc is not None and soc.lower() == "sim":
        soc, sim = None, True
    return CompileConfig(soc=soc, sim=sim, output="shared" if args.shared else "object",
                         flag_style=args.flag_style, opt_level=args.opt_level, includes=tuple(args.includes),
                         defines=tuple(args.defines), libs=tuple(args.libs), validate=not args.no_validate,
                         auto_sync=not args.no_auto_sync, core=args.core)


def _source(args: argparse.Namespace, config: CompileConfig) -> tuple[str, str, dict | None, CompileConfig]:
    """(C++ text, source name, signatures, config) of the input: an AscendC file is compiled where it lies,
    so the headers beside it are found."""
    src = Path(args.input)
    if src.suffix == ".py":
        from ascendpy.runtime.kernels import _import_path
        from ascendpy.toolchain.python_kernels import generate

        module = _import_path(src)
        cpp, sigs, source_name = generate(module, config.soc_name)
        return cpp, source_name + ".cpp", sigs, config
    if args.emit_mlir or args.emit_cpp:
        raise AscendpyError("--emit-mlir/--emit-cpp apply to Python kernel files (.py)")
    try:
        return src.read_text(), str(src.resolve()), None, config.for_file(src)
    except OSError as exc:
        raise AscendpyError(f"cannot read {src}: {exc}") from exc


def _show(diags: list[Diagnostic], as_json: bool, out: dict) -> None:
    out["diagnostics"] = [d.to_json() for d in diags]
    if not as_json:
        for d in diags:
            print(str(d), file=sys.stderr)


def _compile(args: argparse.Namespace) -> int:
    config = _config(args)
    out: dict[str, object] = {"ok": False, "soc": config.soc_name, "sim": config.sim}
    src = Path(args.input)
    if src.suffix == ".py" and (args.emit_mlir or args.emit_cpp):
        from ascendpy.compiler.api import compile_module
        from ascendpy.runtime.kernels import _import_path

        compiled = compile_module(_import_path(src), config.soc_name)
        sys.stdout.write(compiled.mlir if args.emit_mlir else compiled.cpp)
        return 0
    source, source_name, sigs, config = _source(args, config)
    if args.validate_only:
        from ascendpy.toolchain.validate import validate

        diags = validate(source, config.soc_name if config.sim else config.target, source_name=source_name,
                         auto_sync=config.auto_sync, defines=list(config.defines))
        _show(diags, args.json, out)
        out["ok"] = not any(d.severity == "error" for d in diags)
        if args.json:
            print(json.dumps(out, indent=1))
        elif not diags:
            print("ok: no issues found")
        return 0 if out["ok"] else 1
    if args.dry_run:
        from ascendpy.toolchain import bisheng
        from ascendpy.toolchain.compile import plan_build

        found = None if config.sim else bisheng.find_cann()
        cann = None if config.sim else (found or bisheng.assumed_cann())
        plan = plan_build(source, config, source_name=source_name, signatures=sigs, cann=cann)
        command = plan.command_in()
        out.update(ok=True, command=command, key=plan.key, artifact=str(plan.entry / plan.library))
        if args.json:
            print(json.dumps(out, indent=1))
        else:
            if not config.sim and found is None:
                print(f"# CANN not found; paths assume an install at {cann.root}", file=sys.stderr)
            print(shlex.join(command))
        return 0
    from ascendpy.toolchain.compile import compile_cpp

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the artifact's diagnostics are printed below instead
        artifact = compile_cpp(source, source_name=source_name, signatures=sigs, config=config)
    _show(artifact.diagnostics, args.json, out)
    if config.sim and any(d.severity == "error" for d in artifact.diagnostics) and not args.json:
        print("ascend-compile: note: built for the simulator anyway; it enforces these rules at run time",
              file=sys.stderr)
    dest = Path(args.output) if args.output else None
    if dest is None and not config.sim:
        dest = src.with_suffix(Path(artifact.metadata["library"]).suffix)
    if dest is not None:
        shutil.copyfile(artifact.library, dest)
        shutil.copyfile(artifact.directory / "kernel.json", dest.with_suffix(".json"))
    out.update(ok=True, key=artifact.key, directory=str(artifact.directory), library=str(artifact.library),
               output=str(dest) if dest else None, kernels=list(artifact.metadata["kernels"]))
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    if dest is not None:
        print(f"wrote {dest}")
    if args.print_artifact or dest is None:
        print(f"artifact {artifact.directory} (key {artifact.key})")
    print(f"kernels: {', '.join(artifact.metadata['kernels'])}")
    return 0


def _cache(argv: list[str]) -> int:
    from ascendpy.toolchain import cache

    p = argparse.ArgumentParser(prog="ascend-compile cache", description="Inspect or empty the artifact cache "
                                "($ASCENDPY_CACHE_DIR, else ~/.cache/ascendpy).")
    p.add_argument("action", choices=("info", "clear"))
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.action == "clear":
        removed, swept = cache.clear()
        stale = f" and {swept} abandoned temporary build director{'ies' if swept != 1 else 'y'}" if swept else ""
        print(json.dumps({"removed": removed, "temporary_removed": swept}) if args.json
              else f"removed {removed} cache entries{stale}")
        return 0
    info = cache.info()
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"cache {info['directory']}: {info['entries']} entries, {info['bytes'] / 1e6:.1f} MB")
    for kind, k in info["kinds"].items():
        print(f"  {kind}: {k['entries']} entries, {k['bytes'] / 1e6:.1f} MB")
    return 0


def _build(argv: list[str]) -> int:
    from ascendpy.toolchain.builder import KernelBuilder

    p = argparse.ArgumentParser(prog="ascend-compile build", description="Build every kernel of the given "
                                "Python kernel files, AscendC files and directories into artifacts.")
    p.add_argument("paths", nargs="+", help="files or directories (searched recursively)")
    p.add_argument("--out-dir", help="copy each artifact here, with a manifest.json")
    p.add_argument("-j", "--jobs", type=int, default=None, help="parallel builds (default: CPU count)")
    _add_target_options(p)
    args = p.parse_args(argv)
    builder = KernelBuilder(_config(args), jobs=args.jobs, progress=not args.json)
    builder.add(*args.paths)
    results = builder.build(args.out_dir)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=1))
    return 0 if all(r.ok for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "cache":
            return _cache(argv[1:])
        if argv and argv[0] == "build":
            return _build(argv[1:])
        args = _parser().parse_args(argv)
        return _compile(args)
    except ValidationError as exc:
        if "--json" in argv:
            print(json.dumps({"ok": False, "diagnostics": [d.to_json() for d in exc.diagnostics]}, indent=1))
        else:
            for d in exc.diagnostics:
                print(str(d), file=sys.stderr)
            errors = sum(d.severity == "error" for d in exc.diagnostics)
            print(f"ascend-compile: {errors} validation error{'s' if errors != 1 else ''}; nothing was compiled "
                  "(--no-validate compiles anyway)", file=sys.stderr)
        return 1
    except AscendpyError as exc:
        if "--json" in argv:
            print(json.dumps({"ok": False, "error": str(exc)}, indent=1))
        else:
            print(f"ascend-compile: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
