"""The machine's own C++ compiler, used for the simulator target."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass

from ascendpy.errors import ToolchainError


@dataclass(frozen=True)
class HostCompiler:
    path: str
    identity: str  # first line of `--version`; part of every cache key


@functools.cache
def host_compiler() -> HostCompiler:
    """Find the host C++ compiler: $CXX, else g++, else clang++."""
    candidates = [os.environ["CXX"]] if os.environ.get("CXX") else ["g++", "clang++", "c++"]
    for name in candidates:
        path = shutil.which(name)
        if path:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
            first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else name
            return HostCompiler(path=path, identity=first.strip())
    raise ToolchainError(
        "no C++ compiler found for the simulator target (looked for "
        + ", ".join(candidates)
        + "); install g++ (e.g. `apt-get install g++`) or set CXX"
    )


def run(cmd: list[str], what: str) -> None:
    """Run a compiler command; on failure raise ToolchainError with its full stderr."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env={k: v for k, v in os.environ.items() if k != "LD_PRELOAD"})
    if proc.returncode != 0:
        raise ToolchainError(
            f"{what} failed (exit {proc.returncode}):\n  {' '.join(cmd)}\n{proc.stderr.strip()}"
        )
