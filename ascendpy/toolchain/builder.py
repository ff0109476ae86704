"""KernelBuilder: build every kernel of many files ahead of time (ascend-rs `build.rs` parity).

For packaging and CI: point it at Python kernel files, AscendC sources and directories, and it
builds each into an artifact for one target (through the shared cache, in parallel), shows progress,
and can lay the artifacts out in a directory with a manifest that `KernelLoader.from_artifact` reads.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ascendpy.errors import AscendpyError
from ascendpy.toolchain.compile import Artifact, CompileConfig, compile_cpp, compile_file

CPP_SUFFIXES = (".cpp", ".cc", ".cxx", ".asc", ".cce")
_SKIP_DIRS = {"__pycache__", "build", "dist", "node_modules"}


@dataclass
class BuildResult:
    source: str
    relative: str  # where it lands under out_dir, without suffix
    artifact: Artifact | None = None
    error: str | None = None
    seconds: float = 0.0
    cached: bool = False
    outputs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, object]:
        a = self.artifact
        return {"source": self.source, "ok": self.ok, "error": self.error, "seconds": round(self.seconds, 3),
                "cached": self.cached, "outputs": self.outputs,
                "key": a.key if a else None, "library": str(a.library) if a else None,
                "kernels": list(a.metadata["kernels"]) if a else [],
                "diagnostics": [d.to_json() for d in a.diagnostics] if a else []}


def _has_kernels(path: Path) -> bool:
    """Whether a file looks like it defines kernels, judged without importing or compiling it."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return False
    if path.suffix == ".py":
        return "aiv_kernel" in text
    from ascendpy.errors import CompileError
    from ascendpy.toolchain.entries import find_entries

    try:
        return bool(find_entries(text))
    except CompileError:
        return True  # an entry it cannot read: building the file reports it


class KernelBuilder:
    """Collects kernel sources, then builds them all for one CompileConfig."""

    def __init__(self, config: CompileConfig | None = None, *, jobs: int | None = None,
                 progress: bool | TextIO = True) -> None:
        self.config = config or CompileConfig(sim=True)
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._out: TextIO | None = (sys.stderr if progress is True else progress) if progress else None
        self._items: list[tuple[Path | types.ModuleType, str]] = []

    def add(self, *sources: str | os.PathLike[str] | types.ModuleType) -> KernelBuilder:
        """Add Python kernel files or modules, AscendC files, or directories (searched recursively)."""
        for src in sources:
            if isinstance(src, types.ModuleType):
                self._items.append((src, src.__name__.replace(".", "/")))
                continue
            p = Path(src)
            if p.is_dir():
                for f in sorted(p.rglob("*")):
                    parts = f.relative_to(p).parts
                    if (f.is_file() and (f.suffix == ".py" or f.suffix in CPP_SUFFIXES)
                            and not any(part.startswith(".") or part in _SKIP_DIRS for part in parts)
                            and _has_kernels(f)):
                        self._items.append((f, str(f.relative_to(p).with_suffix(""))))
            elif p.is_file():
                if p.suffix != ".py" and p.suffix not in CPP_SUFFIXES:
                    raise AscendpyError(f"{p}: not a kernel source (expected .py or one of {', '.join(CPP_SUFFIXES)})")
                self._items.append((p, p.stem))
            else:
                raise AscendpyError(f"{p}: no such file or directory")
        return self

    @property
    def sources(self) -> list[str]:
        return [str(s) if isinstance(s, Path) else s.__name__ for s, _ in self._items]

    def _build_one(self, item: Path | types.ModuleType, relative: str) -> BuildResult:
        name = str(item) if isinstance(item, Path) else item.__name__
        result = BuildResult(name, relative)
        start = time.time()
        try:
            if isinstance(item, types.ModuleType) or item.suffix == ".py":
                from ascendpy.runtime.kernels import _import_path
                from ascendpy.toolchain.python_kernels import generate

                module = item if isinstance(item, types.ModuleType) else _import_path(item)
                cpp, sigs, source_name = generate(module, self.config.soc_name)
                art = compile_cpp(cpp, source_name=source_name + ".cpp", signatures=sigs, config=self.config)
            else:
                art = compile_file(item, config=self.config)
            result.artifact = art
            result.cached = art.directory.stat().st_mtime < start
        except (AscendpyError, OSError, SyntaxError, ImportError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        result.seconds = time.time() - start
        return result

    def _report(self, done: int, total: int, r: BuildResult) -> None:
        if self._out is None:
            return
        if r.ok:
            assert r.artifact is not None
            kernels = list(r.artifact.metadata["kernels"])
            what = f"{len(kernels)} kernel{'s' if len(kernels) != 1 else ''} ({', '.join(kernels)})"
            status = "cached" if r.cached else "built"
            warn = len(r.artifact.diagnostics)
            extra = f", {warn} finding{'s' if warn != 1 else ''}" if warn else ""
            line = f"[{done:>{len(str(total))}}/{total}] {status:<6} {r.seconds:5.1f}s  {r.source}: {what}{extra}"
        else:
            line = f"[{done:>{len(str(total))}}/{total}] FAILED {r.seconds:5.1f}s  {r.source}\n    {r.error}"
        print(line, file=self._out, flush=True)

    def build(self, out_dir: str | os.PathLike[str] | None = None) -> list[BuildResult]:
        """Build everything added; with `out_dir`, copy each library and its .json there plus manifest.json."""
        import warnings

        from ascendpy.errors import ValidationWarning

        total = len(self._items)
        results: list[BuildResult] = []
        if self._out is not None:
            where = f"the simulator ({self.config.soc_name})" if self.config.sim else self.config.soc_name
            print(f"building {total} kernel source{'s' if total != 1 else ''} for {where}, {self.jobs} at a time",
                  file=self._out, flush=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ValidationWarning)  # each result carries its diagnostics
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                futures = [pool.submit(self._build_one, item, rel) for item, rel in self._items]
                for i, fut in enumerate(futures, 1):
                    r = fut.result()
                    self._report(i, total, r)
                    results.append(r)
        if out_dir is not None:
            self._publish(Path(out_dir), results)
        if self._out is not None:
            failed = sum(not r.ok for r in results)
            print(f"{total - failed} built, {failed} failed", file=self._out, flush=True)
        return results

    def _publish(self, out: Path, results: list[BuildResult]) -> None:
        manifest = []
        for r in results:
            if r.artifact is None:
                continue
            lib = out / (r.relative + Path(r.artifact.metadata["library"]).suffix)
            lib.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(r.artifact.library, lib)
            shutil.copyfile(r.artifact.directory / "kernel.json", lib.with_suffix(".json"))
            r.outputs = [str(lib), str(lib.with_suffix(".json"))]
            manifest.append({"source": r.source, "library": str(lib.relative_to(out)),
                             "kernels": list(r.artifact.metadata["kernels"]), "key": r.artifact.key,
                             "target": r.artifact.metadata["target"], "soc": r.artifact.metadata["soc"]})
        out.mkdir(parents=True, exist_ok=True)
        (out / "manifest.json").write_text(json.dumps({"artifacts": manifest}, indent=1) + "\n")
