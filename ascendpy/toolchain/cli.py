"""`ascend-compile`: compile AscendC C++ (or a Python kernel file) for a target."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ascendpy.errors import AscendpyError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ascend-compile",
        description="Compile AscendC C++ from any generator, or an ascendpy Python kernel file, into a "
                    "kernel library. `--soc sim` builds for the CPU simulator.",
    )
    p.add_argument("input", nargs="?", help="kernel source: .cpp/.cc/.asc (AscendC) or .py (ascendpy kernels)")
    p.add_argument("--soc", default="sim", help="target SoC, or 'sim' for the simulator (default)")
    p.add_argument("--sim-soc", default=None, help="with --soc sim: the SoC whose limits the simulator "
                                                    "enforces (default Ascend910B3)")
    p.add_argument("-o", "--output", help="copy the built library here")
    p.add_argument("--emit-mlir", action="store_true", help="print the MLIR of a Python kernel file")
    p.add_argument("--emit-cpp", action="store_true", help="print the AscendC C++ of a Python kernel file")
    p.add_argument("--print-artifact", action="store_true", help="print the cache key and artifact directory")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.input:
        _parser().print_help()
        return 2
    src = Path(args.input)
    try:
        if src.suffix == ".py":
            from ascendpy.runtime.kernels import _import_path
            from ascendpy.toolchain.python_kernels import build_module, generate

            module = _import_path(src)
            if args.emit_mlir or args.emit_cpp:
                from ascendpy.compiler.api import compile_module

                compiled = compile_module(module, args.sim_soc)
                sys.stdout.write(compiled.mlir if args.emit_mlir else compiled.cpp)
                return 0
            generate(module, args.sim_soc)
            if args.soc != "sim":
                raise AscendpyError(f"--soc {args.soc}: bisheng targets are not available in this build; "
                                    "use --soc sim")
            artifact = build_module(module, target="sim", soc=args.sim_soc)
        else:
            if args.emit_mlir or args.emit_cpp:
                raise AscendpyError("--emit-mlir/--emit-cpp apply to Python kernel files (.py)")
            if args.soc != "sim":
                raise AscendpyError(f"--soc {args.soc}: bisheng targets are not available in this build; "
                                    "use --soc sim")
            from ascendpy.toolchain.compile import compile_file

            artifact = compile_file(src, target="sim", soc=args.sim_soc)
    except AscendpyError as exc:
        print(f"ascend-compile: error: {exc}", file=sys.stderr)
        return 1
    if args.output:
        out = Path(args.output)
        shutil.copyfile(artifact.library, out)
        shutil.copyfile(artifact.directory / "kernel.json", out.with_suffix(".json"))
        print(f"wrote {out}")
    if args.print_artifact or not args.output:
        print(f"artifact {artifact.directory} (key {artifact.key})")
        print(f"kernels: {', '.join(artifact.metadata['kernels'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
