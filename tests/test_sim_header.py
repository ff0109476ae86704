"""The simulated AscendC API (ascendpy/sim/include) compiled with g++ and exercised in C++.

Two builds run in parallel:
  * a kernel shared library with the toolchain's command line
    (`g++ -std=c++17 -O2 -fPIC -shared -I ascendpy/sim/include`) plus -Wall -Wextra -Werror, made of
    tests/sim_cpp/add_custom.cpp (the canonical CANN sample, unchanged AscendC) and
    tests/sim_cpp/api_coverage.cpp (every API instantiated for every supported type), so the header
    is checked warning-free at -O2;
  * the C++ test suite (tests/sim_cpp/test_header.cpp + add_custom.cpp) at -O0 under
    AddressSanitizer and UndefinedBehaviorSanitizer, also with -Wall -Wextra -Werror.
The suite runs with a fresh random seed, printed on failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = ROOT / "ascendpy" / "sim" / "include"
CPP = ROOT / "tests" / "sim_cpp"
STRICT = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-I", str(INCLUDE)]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    env["ASAN_OPTIONS"] = "abort_on_error=0:detect_leaks=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    return env


def _run_parallel(commands: dict[str, list[str]]) -> dict[str, tuple[list[str], subprocess.CompletedProcess]]:
    procs = {
        name: subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        for name, cmd in commands.items()
    }
    results = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        results[name] = (commands[name], subprocess.CompletedProcess(commands[name], proc.returncode, stdout, stderr))
    return results


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cxx = shutil.which("g++")
    assert cxx, "g++ is required to build the simulator's kernels"
    out = tmp_path_factory.mktemp("sim_header")
    sanitize = ["-O0", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
    results = _run_parallel({
        "kernel_so": [cxx, "-O2", "-fPIC", "-shared", *STRICT, str(CPP / "add_custom.cpp"),
                      str(CPP / "api_coverage.cpp"), "-o", str(out / "libkernels.so")],
        "suite_obj": [cxx, *sanitize, *STRICT, "-c", str(CPP / "test_header.cpp"), "-o", str(out / "suite.o")],
        "kernel_obj": [cxx, *sanitize, *STRICT, "-c", str(CPP / "add_custom.cpp"), "-o", str(out / "add_custom.o")],
    })
    if all(proc.returncode == 0 for _, proc in results.values()):
        results.update(_run_parallel({
            "suite_asan": [cxx, *sanitize, str(out / "suite.o"), str(out / "add_custom.o"), "-o", str(out / "suite")]
        }))
    results["dir"] = out  # type: ignore[assignment]
    return results


def _check_build(builds, name: str) -> None:
    assert name in builds, f"{name} was not built because an earlier compile step failed"
    cmd, proc = builds[name]
    assert proc.returncode == 0, f"build failed:\n  {' '.join(cmd)}\n{proc.stderr}"
    assert proc.stderr.strip() == "", f"compiler output (must be warning-free):\n{proc.stderr}"


def _run_suite(binary: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "little")
    print(f"random seed: {seed}")
    proc = subprocess.run([str(binary), str(seed)], capture_output=True, text=True, timeout=300, env=_env())
    lines = proc.stdout.splitlines()
    failures = [line for line in lines if line.startswith("FAIL")]
    summary = [line for line in lines if line.startswith("SUMMARY")]
    assert proc.returncode == 0 and not failures and summary, (
        f"seed {seed}, exit {proc.returncode}\n" + "\n".join(failures or lines[-20:]) + "\n" + proc.stderr[-4000:]
    )
    passed = [line for line in lines if line.startswith("PASS")]
    assert len(passed) >= 30, f"only {len(passed)} C++ tests ran:\n{proc.stdout}"


def test_kernels_build_warning_free_as_shared_library_at_O2(builds):
    _check_build(builds, "kernel_so")
    assert (builds["dir"] / "libkernels.so").stat().st_size > 0


def test_suite_passes_under_address_and_ub_sanitizers(builds):
    _check_build(builds, "suite_obj")
    _check_build(builds, "kernel_obj")
    _check_build(builds, "suite_asan")
    _run_suite(builds["dir"] / "suite")
