"""The race checker's strided shadow update (Shadow::access_strided in ascendpy_sim/race.h) against the one burst
at a time it replaces, in C++ (tests/sim_host/shadow_strided.cpp) under AddressSanitizer and UBSan."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_strided_shadow_is_the_burst_by_burst_one(tmp_path: Path) -> None:
    cxx = shutil.which("g++")
    assert cxx, "g++ is required to build the simulator's kernels"
    exe = tmp_path / "shadow_strided"
    build = subprocess.run([cxx, "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
                            "-fno-sanitize-recover=all", "-I", str(ROOT / "ascendpy" / "sim" / "include"),
                            str(ROOT / "tests" / "sim_host" / "shadow_strided.cpp"), "-o", str(exe)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0 and not build.stderr.strip(), build.stderr
    seed = int.from_bytes(os.urandom(4), "little")
    print(f"random seed: {seed}")
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    run = subprocess.run([str(exe), str(seed)], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0 and run.stdout.startswith("PASS"), run.stdout + run.stderr
