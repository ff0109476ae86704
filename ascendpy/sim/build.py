"""Build libascendcl_sim.so, the CPU implementation of the ACL C API.

The library is built once per content of its sources (and of the simulator
headers, which kernel libraries compile against) and kept in the artifact
cache, so a warm start only hashes a few files. This module stays light: the
runtime imports it to find the driver, before anything heavy is needed.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

from ascendpy.toolchain import cache, host

_SIM_DIR = Path(__file__).resolve().parent
_SRC_DIR = _SIM_DIR / "src"
_INCLUDE_DIR = _SIM_DIR / "include"

LIBRARY_NAME = "libascendcl_sim.so"
# The SONAME must be exactly the file name: kernel libraries link against it and
# must resolve to the copy the runtime already loaded.
SIM_LIB_FLAGS = ["-std=c++17", "-O2", "-fPIC", "-shared", "-pthread", f"-Wl,-soname,{LIBRARY_NAME}"]
SIM_LIB_LIBS = ["-ldl"]

_lock = threading.Lock()
_built: Path | None = None


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


def sim_library() -> Path:
    """Path of libascendcl_sim.so, compiled with the host compiler on first use (then cached)."""
    global _built
    with _lock:
        if _built is not None and _built.is_file():
            return _built
        cxx = host.host_compiler()
        flags = " ".join(SIM_LIB_FLAGS + SIM_LIB_LIBS)
        key = cache.cache_key([LIBRARY_NAME, sim_sources_digest(), cxx.identity, flags])

        def build(out: Path) -> None:
            cmd = [cxx.path, *SIM_LIB_FLAGS, "-I", str(_INCLUDE_DIR), *map(str, _cpp_sources()), "-o", str(out),
                   *SIM_LIB_LIBS]
            host.run(cmd, "building the ACL simulator library (libascendcl_sim.so)")

        _built = cache.cached_build("simlib", key, LIBRARY_NAME, build)
        return _built
