"""The machine's own C++ compiler, used for the simulator target."""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
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


def child_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a compiler child: ours without LD_PRELOAD.

    ascend-rs removes it before running bisheng (reference/ascend-rs-book.md section 6.4) so that shims
    preloaded into this process (MLIR, sanitizers, profilers) do not leak into the compiler.
    """
    return {k: v for k, v in (os.environ if base is None else base).items() if k != "LD_PRELOAD"}


def run(cmd: list[str], what: str, *, replace: Mapping[str, str] | None = None) -> None:
    """Run a compiler command; on failure raise ToolchainError with the exact command and its full stderr.

    `replace` maps text in the compiler's output to what the user should read instead (a temporary
    work file's path to the user's file name).
    """
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False, env=child_env())
    except OSError as exc:  # missing or not executable: say which program, not just errno
        raise ToolchainError(f"{what} could not be started ({exc.strerror or exc}):\n  {shlex.join(cmd)}") from None
    if proc.returncode != 0:
        output = (proc.stderr or proc.stdout).strip()
        for old, new in sorted((replace or {}).items(), key=lambda kv: -len(kv[0])):  # longest first
            output = output.replace(old, new)
        message = f"{what} failed (exit {proc.returncode}):\n  {shlex.join(cmd)}"
        raise ToolchainError(f"{message}\n{output}" if output else message)
