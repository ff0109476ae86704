"""Build hook: compile the simulator ahead of time, so that the first kernel does not wait for it.

`pip install -e .` and wheel builds run `build_py`, which here also builds libascendcl_sim.so and the
precompiled kernel headers of the default 910B and 310P flags into ascendpy/sim/_prebuilt/ (in the
source tree for an editable install, in the wheel otherwise), each stamped with the key the artifact
cache uses (ascendpy/sim/build.py). A failed build (no compiler) never fails the install: the library
is then built on first use, as without this hook. ASCENDPY_NO_PREBUILD=1 skips it. An editable
install also byte-compiles the package in place (see BuildPy).
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent

# Run in a child with only the standard library: the package's __init__ (numpy, the runtime) is replaced by
# a bare package object, so the build environment needs nothing but a compiler.
_PREBUILD = r"""
import sys, types
pkg = types.ModuleType("ascendpy")
pkg.__path__ = [sys.argv[1]]
sys.modules["ascendpy"] = pkg
from ascendpy.sim import build
from ascendpy.toolchain.compile import CompileConfig, sim_header_flags
flag_sets = [sim_header_flags(CompileConfig(soc=soc, sim=True)) for soc in ("Ascend910B3", "Ascend310P3")]
for path in build.prebuild(pch_flag_sets=flag_sets):
    print(f"ascendpy: built {path}")
"""


def prebuild(package_dir: Path) -> None:
    if os.environ.get("ASCENDPY_NO_PREBUILD", "") not in ("", "0"):
        return
    env = {k: v for k, v in os.environ.items() if k not in ("ASCENDPY_SIM_CHECKS", "LD_PRELOAD")}  # the defaults
    try:
        proc = subprocess.run([sys.executable, "-c", _PREBUILD, str(package_dir)], env=env, capture_output=True,
                              text=True, timeout=1800, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"ascendpy: not prebuilding the simulator ({exc}); it is built on first use", file=sys.stderr)
        return
    print(proc.stdout, end="")
    if proc.returncode != 0:
        print(f"ascendpy: prebuilding the simulator failed; it is built on first use instead:\n{proc.stderr}",
              file=sys.stderr)


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            # pip byte-compiles what it installs, but an editable install's modules stay in the source tree:
            # compile them once here, or every process under PYTHONDONTWRITEBYTECODE=1 (containers, CI) compiles
            # them again (about a third of `import ascendpy`, a sixth of a first compile). Edited files are
            # recompiled as usual, these .pyc being out of date.
            compileall.compile_dir(str(ROOT / "ascendpy"), quiet=1)
        prebuild(ROOT / "ascendpy" if self.editable_mode else Path(self.build_lib) / "ascendpy")


class BinaryDistribution(Distribution):
    """The wheel holds a library built for this machine: tag it for this platform, not py3-none-any."""

    def has_ext_modules(self) -> bool:
        return True


if __name__ == "__main__":  # setuptools' backend runs this file as __main__; tests import it
    setup(cmdclass={"build_py": BuildPy}, distclass=BinaryDistribution)
