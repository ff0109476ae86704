"""Build libascendcl_sim.so, the CPU implementation of the ACL C API, and the kernel headers' PCH.

The library is built once per content of its sources (and of the simulator
headers, which kernel libraries compile against) and kept in the artifact
cache, so a warm start only hashes a few files. Installing ascendpy builds it
ahead of time into `_prebuilt/` (setup.py calls `prebuild`), stamped with the
key the cache would use; `sim_library` takes that copy while the stamp still
matches (same sources, compiler and flags), else builds into the cache as before.

Kernel builds force-include `kernel_operator.h` through a precompiled header
(`kernel_pch`): parsing the simulator headers is most of a kernel's compile
time. A PCH is keyed like the library plus every flag that can change what the
headers mean (-O level, SoC defines, checker flags, user defines).

This module stays light: the runtime imports it to find the driver, before
anything heavy is needed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from ascendpy.errors import ToolchainError
from ascendpy.toolchain import cache, host

_SIM_DIR = Path(__file__).resolve().parent
_SRC_DIR = _SIM_DIR / "src"
_INCLUDE_DIR = _SIM_DIR / "include"
PREBUILT_DIR = _SIM_DIR / "_prebuilt"  # written at install (setup.py); git-ignored

LIBRARY_NAME = "libascendcl_sim.so"
# The SONAME must be exactly the file name: kernel libraries link against it and
# must resolve to the copy the runtime already loaded.
SIM_LIB_FLAGS = ["-std=c++17", "-O2", "-fPIC", "-shared", "-pthread", f"-Wl,-soname,{LIBRARY_NAME}"]
SIM_LIB_LIBS = ["-ldl"]
PCH_HEADER = "ascendpy_pch.h"  # a one-line header including kernel_operator.h; its .gch sits beside it
_STAMP = "stamp.json"

_lock = threading.Lock()
_built: Path | None = None
_pch_lock = threading.Lock()
_pch_found: dict[str, Path | None] = {}  # key -> the -include header (None: its build failed), in this process


def include_dir() -> Path:
    """Directory holding the simulated AscendC headers and ascendpy_sim_abi.h."""
    return _INCLUDE_DIR


def source_dir() -> Path:
    return _SRC_DIR


def _tree_files() -> list[Path]:
    """Every file that shapes the simulator, in a stable order."""
    files: list[Path] = []
    for root in (_SRC_DIR, _INCLUDE_DIR):
        if root.is_dir():
            files.extend(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sorted(files, key=lambda p: p.relative_to(_SIM_DIR).as_posix())


@functools.cache
def sim_sources_digest() -> str:
    """Hash of ascendpy/sim/src and ascendpy/sim/include; part of every kernel cache key."""
    parts: list[str | bytes] = []
    for p in _tree_files():
        parts.append(p.relative_to(_SIM_DIR).as_posix())
        parts.append(p.read_bytes())
    return cache.cache_key(parts)


def _cpp_sources() -> list[Path]:
    return sorted(_SRC_DIR.glob("*.cpp"))


def library_key(cxx: host.HostCompiler) -> str:
    """The cache key of the library: its sources and headers, the compiler, the flags, the machine (a prebuilt
    copy may come in a wheel from another machine whose compiler reports the same version)."""
    flags = " ".join(SIM_LIB_FLAGS + SIM_LIB_LIBS)
    return cache.cache_key([LIBRARY_NAME, sim_sources_digest(), cxx.identity, flags, os.uname().machine])


def _build_library(cxx: host.HostCompiler, out: Path) -> None:
    cmd = [cxx.path, *SIM_LIB_FLAGS, "-I", str(_INCLUDE_DIR), *map(str, _cpp_sources()), "-o", str(out),
           *SIM_LIB_LIBS]
    host.run(cmd, "building the ACL simulator library (libascendcl_sim.so)")


# --- the ahead-of-time copies in _prebuilt/ -----------------------------------------------------------------


def _read_stamp(directory: Path) -> dict | None:
    try:
        stamp = json.loads((directory / _STAMP).read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _prebuilt(directory: Path, key: str, filename: str, *, check_digest: bool) -> Path | None:
    """`directory/filename` if its stamp says it was built for `key` (and the file still has the recorded
    size, and digest when `check_digest`), else None: then the cache builds it."""
    stamp = _read_stamp(directory)
    path = directory / filename
    if stamp is None or stamp.get("key") != key:
        return None
    try:
        if path.stat().st_size != stamp.get("size"):
            return None
        if check_digest and hashlib.sha256(path.read_bytes()).hexdigest() != stamp.get("sha256"):
            return None
    except OSError:
        return None
    return path


def _publish_prebuilt(directory: Path, key: str, filename: str, build: Callable[[Path], None]) -> None:
    """Build into a temporary sibling of `directory`, stamp it, then move it into place."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    os.chmod(tmp, 0o755)  # installed files: readable by everyone, like the package's code
    try:
        build(tmp / filename)
        data = (tmp / filename).read_bytes()
        stamp = {"key": key, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        (tmp / _STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
        if directory.exists():
            shutil.rmtree(directory)
        os.rename(tmp, directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sim_library() -> Path:
    """Path of libascendcl_sim.so: the copy built at install if its stamp matches, else compiled with the host
    compiler on first use (then cached)."""
    global _built
    with _lock:
        if _built is not None and _built.is_file():
            return _built
        cxx = host.host_compiler()
        key = library_key(cxx)
        _built = _prebuilt(PREBUILT_DIR / "lib", key, LIBRARY_NAME, check_digest=True) \
            or cache.cached_build("simlib", key, LIBRARY_NAME, lambda out: _build_library(cxx, out))
        return _built


# --- the precompiled header of kernel builds ----------------------------------------------------------------


def pch_supported(cxx: host.HostCompiler) -> bool:
    """GCC's .gch found beside a -include'd header; clang (which wants -include-pch) builds without one."""
    return "clang" not in cxx.identity.lower() and "clang" not in Path(cxx.path).name


def pch_key(cxx: host.HostCompiler, flags: Sequence[str]) -> str:
    return cache.cache_key(["kernel-pch-v1", sim_sources_digest(), cxx.identity, os.uname().machine, *flags])


def pch_dirs() -> tuple[str, ...]:
    """Where PCHs live (the prebuilt copies and the cache's), covered by a kernel's key like the headers."""
    return str(PREBUILT_DIR), str(cache.cache_dir() / "pch")


def _build_pch(cxx: host.HostCompiler, flags: Sequence[str], out: Path) -> None:
    header = out.with_suffix("")  # <dir>/ascendpy_pch.h beside <dir>/ascendpy_pch.h.gch
    header.write_text('#include "kernel_operator.h"\n')
    host.run([cxx.path, *flags, "-I", str(_INCLUDE_DIR), "-x", "c++-header", str(header), "-o", str(out)],
             "precompiling the simulator headers (kernel_operator.h)")


def kernel_pch(cxx: host.HostCompiler, flags: Sequence[str], *, build: bool = True) -> Path | None:
    """The header to `-include` so that g++ reads the precompiled kernel_operator.h, for a kernel compiled with
    `flags` (its compile flags, without -shared, -iquote, -I or outputs); None where there is none (clang, or
    `build=False` and none built yet, or its build failed): the kernel then parses the headers itself.

    Using it changes nothing but time: the kernel's own `#include "kernel_operator.h"` (every simulator unit
    has one first) is then a no-op, and g++ ignores a PCH whose flags do not match.
    """
    if not pch_supported(cxx):
        return None
    key = pch_key(cxx, flags)
    if key in _pch_found:
        return _pch_found[key]
    gch = f"{PCH_HEADER}.gch"
    hit = _prebuilt(PREBUILT_DIR / "pch" / key[:32], key, gch, check_digest=False)
    if hit is None:
        hit = cache.lookup("pch", key, gch)
    if hit is None and build:
        with _pch_lock:
            try:  # not rebuilt by ASCENDPY_FORCE_RECOMPILE: its key names everything it is made of
                hit = cache.cached_build("pch", key, gch, lambda out: _build_pch(cxx, flags, out), force=False)
            except ToolchainError:
                _pch_found[key] = None  # a PCH this compiler cannot build: kernels parse the headers, untried again
                return None
    if hit is None:
        return None
    _pch_found[key] = hit.with_suffix("")
    return _pch_found[key]


def prebuild(out: Path | None = None, pch_flag_sets: Sequence[Sequence[str]] = ()) -> list[Path]:
    """Build the library and the PCHs for `pch_flag_sets` into `out` (default `_prebuilt/`), for install."""
    out = out or PREBUILT_DIR
    cxx = host.host_compiler()
    made = []
    _publish_prebuilt(out / "lib", library_key(cxx), LIBRARY_NAME, lambda p: _build_library(cxx, p))
    made.append(out / "lib" / LIBRARY_NAME)
    if pch_supported(cxx):
        for flags in pch_flag_sets:
            key = pch_key(cxx, flags)
            d = out / "pch" / key[:32]
            _publish_prebuilt(d, key, f"{PCH_HEADER}.gch", lambda p, f=flags: _build_pch(cxx, f, p))
            made.append(d / f"{PCH_HEADER}.gch")
    return made
