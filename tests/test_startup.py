"""Start-up paths (issue 14): a light `import ascendpy`, the simulator library built at install, the kernels'
precompiled header. Speed itself is measured by benchmarks/, never asserted here."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader
from ascendpy.sim import build as simbuild
from ascendpy.toolchain import host
from ascendpy.toolchain.compile import CompileConfig, compile_cpp, plan_build, sim_header_flags

ROOT = Path(__file__).resolve().parent.parent

SCALE = textwrap.dedent("""\
    #include "kernel_operator.h"
    extern "C" __global__ __aicore__ void scale(GM_ADDR x, GM_ADDR y, float alpha, uint32_t n)
    {
        AscendC::GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x, n);
        yg.SetGlobalBuffer((__gm__ float*)y, n);
        for (uint32_t i = AscendC::GetBlockIdx(); i < n; i += AscendC::GetBlockNum()) {
            yg.SetValue(i, xg.GetValue(i) * alpha);
        }
    }
    """)


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=120).stdout


# --- import ------------------------------------------------------------------------------------------------


def test_import_ascendpy_loads_no_compiler_validator_or_ml_dtypes():
    mods = set(json.loads(_python("import sys, json, ascendpy; print(json.dumps(sorted(sys.modules)))")))
    heavy = {"ml_dtypes", "xdsl", "tree_sitter", "ascendpy.compiler", "ascendpy.toolchain.compile",
             "ascendpy.toolchain.validate", "ascendpy.toolchain.cache", "ascendpy.toolchain.entries"}
    assert not {m for m in mods if m in heavy or m.split(".")[0] in heavy}


def test_bfloat16_is_known_without_importing_ml_dtypes_first():
    out = _python("import ascendpy\nfrom ascendpy.runtime.memory import device_dtype\n"
                  "print(device_dtype('bfloat16').name)")
    assert out.split() == ["bfloat16"]


# --- the library built at install ---------------------------------------------------------------------------


@pytest.fixture
def prebuilt(tmp_path, monkeypatch):
    """An empty _prebuilt/ and a private cache whose library 'builds' by copying the real one (no 7 s build)."""
    real = simbuild.sim_library()
    builds: list[Path] = []

    def fake_build(cxx: host.HostCompiler, out: Path) -> None:
        builds.append(out)
        shutil.copyfile(real, out)

    monkeypatch.setattr(simbuild, "PREBUILT_DIR", tmp_path / "prebuilt")
    monkeypatch.setattr(simbuild, "_built", None)
    monkeypatch.setattr(simbuild, "_build_library", fake_build)
    monkeypatch.setenv("ASCENDPY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "prebuilt", real, builds


def _publish_lib(prebuilt_dir: Path, real: Path) -> Path:
    key = simbuild.library_key(host.host_compiler())
    simbuild._publish_prebuilt(prebuilt_dir / "lib", key, simbuild.LIBRARY_NAME, lambda p: shutil.copyfile(real, p))
    return prebuilt_dir / "lib" / simbuild.LIBRARY_NAME


def test_the_prebuilt_library_is_used_when_its_stamp_matches(prebuilt):
    prebuilt_dir, real, builds = prebuilt
    lib = _publish_lib(prebuilt_dir, real)
    assert simbuild.sim_library() == lib and not builds
    assert json.loads((lib.parent / "stamp.json").read_text())["key"] == simbuild.library_key(host.host_compiler())


@pytest.mark.parametrize("spoil", ["key", "truncated", "same size, other bytes", "sources edited"])
def test_a_prebuilt_library_that_does_not_match_is_ignored(prebuilt, monkeypatch, tmp_path, spoil):
    prebuilt_dir, real, builds = prebuilt
    lib = _publish_lib(prebuilt_dir, real)
    stamp = lib.parent / "stamp.json"
    if spoil == "key":
        stamp.write_text(json.dumps({**json.loads(stamp.read_text()), "key": "0" * 64}))
    elif spoil == "truncated":
        lib.write_bytes(lib.read_bytes()[:1000])
    elif spoil == "same size, other bytes":
        data = bytearray(lib.read_bytes())
        data[-1] ^= 0xFF
        lib.write_bytes(bytes(data))
    else:  # someone edits acl_sim.cpp after installing: the cache builds the library of the new sources
        monkeypatch.setattr(simbuild, "sim_sources_digest", lambda: "edited")
    got = simbuild.sim_library()
    assert got != lib and got.is_relative_to(tmp_path / "cache" / "simlib") and len(builds) == 1


def test_a_failed_install_time_build_does_not_fail_the_install(monkeypatch, capfd):
    spec = importlib.util.spec_from_file_location("ascendpy_setup", ROOT / "setup.py")
    assert spec and spec.loader
    setup_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup_py)  # defines the hook; setup() runs only as __main__
    monkeypatch.setenv("CXX", "/nonexistent/c++")
    setup_py.prebuild(ROOT / "ascendpy")  # returns: the library is built on first use instead
    err = capfd.readouterr().err
    assert "prebuilding the simulator failed" in err and "no C++ compiler found" in err


# --- the precompiled kernel_operator.h -----------------------------------------------------------------------


@pytest.fixture
def private_pch(tmp_path, monkeypatch):
    """A private cache and _prebuilt/ for PCHs (the session's simulator library is kept)."""
    simbuild.sim_library()
    monkeypatch.setattr(simbuild, "PREBUILT_DIR", tmp_path / "prebuilt")
    monkeypatch.setattr(simbuild, "_pch_found", {})
    monkeypatch.setenv("ASCENDPY_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def _gch_of(cmd: list[str]) -> Path | None:
    return Path(cmd[cmd.index("-include") + 1] + ".gch") if "-include" in cmd else None


def _compiler_reads(plan, work: Path) -> str:
    """What g++ -H prints for the plan's command: '! x.gch' when it used that PCH."""
    work.mkdir()
    (work / "kernel.cpp").write_text(plan.unit)
    proc = subprocess.run([*plan.command_in(work), "-H", "-Winvalid-pch"], capture_output=True, text=True,
                          check=True)
    return proc.stderr


def test_a_kernel_build_uses_the_pch_of_its_flags(private_pch):
    cxx = host.host_compiler()
    if not simbuild.pch_supported(cxx):
        pytest.skip("the host compiler is clang: no PCH")
    art = compile_cpp(SCALE, source_name="pch_probe.cpp")
    plan = plan_build(SCALE, CompileConfig(sim=True), source_name="pch_probe.cpp")
    gch = _gch_of(plan.command_in(private_pch))
    key = simbuild.pch_key(cxx, sim_header_flags(CompileConfig(sim=True)))
    assert gch == private_pch / "cache" / "pch" / key / "ascendpy_pch.h.gch" and gch.is_file()
    assert f"! {gch}" in _compiler_reads(plan, private_pch / "work")
    # The PCH stands for headers the key covers: neither it nor the headers become dependencies to re-hash.
    assert json.loads((art.directory / "deps.json").read_text()) == {"files": []}


def test_other_flags_get_another_pch_or_none(private_pch):
    cxx = host.host_compiler()
    if not simbuild.pch_supported(cxx):
        pytest.skip("the host compiler is clang: no PCH")
    default = compile_cpp(SCALE, source_name="pch_flags.cpp")
    gch = _gch_of(plan_build(SCALE, CompileConfig(sim=True), source_name="pch_flags.cpp").command_in(private_pch))
    for config in (CompileConfig(sim=True, opt_level=1), CompileConfig(sim=True, defines=("APY_PROBE=1",)),
                   CompileConfig(sim=True, soc="Ascend310P3")):
        compile_cpp(SCALE, source_name="pch_flags.cpp", config=config)
        other = _gch_of(plan_build(SCALE, config, source_name="pch_flags.cpp").command_in(private_pch))
        assert other is not None and other != gch and other.is_file()
    # Extra host-compiler flags or include directories could change what the headers mean: no PCH at all.
    for config in (CompileConfig(sim=True, extra_flags=("-DAPY_PROBE=1",)), CompileConfig(sim=True, includes=("/",))):
        art = compile_cpp(SCALE, source_name="pch_flags.cpp", config=config)
        assert _gch_of(plan_build(SCALE, config, source_name="pch_flags.cpp").command_in(private_pch)) is None
        assert art.library != default.library


def test_g_plus_plus_ignores_a_pch_of_other_flags(private_pch):
    """The second line of defence: a PCH that does not fit is skipped by g++ itself, and the build still works."""
    cxx = host.host_compiler()
    if not simbuild.pch_supported(cxx):
        pytest.skip("the host compiler is clang: no PCH")
    compile_cpp(SCALE, source_name="pch_mismatch.cpp")
    plan = plan_build(SCALE, CompileConfig(sim=True), source_name="pch_mismatch.cpp")
    work = private_pch / "work"
    work.mkdir()
    (work / "kernel.cpp").write_text(plan.unit)
    cmd = [("-O0" if a == "-O2" else a) for a in plan.command_in(work)]
    proc = subprocess.run([*cmd, "-Winvalid-pch"], capture_output=True, text=True, check=True)
    assert "not used because" in proc.stderr and (work / "kernel.so").is_file()


def test_results_are_the_same_with_and_without_the_pch(private_pch, runtime, rng):
    stream = runtime[3]
    with_pch = compile_cpp(SCALE, source_name="pch_same.cpp")
    without = compile_cpp(SCALE, source_name="pch_same.cpp", extra_flags=["-DAPY_NO_PCH_PROBE"])
    assert _gch_of(plan_build(SCALE, CompileConfig(sim=True), source_name="pch_same.cpp").command_in()) is not None \
        or not simbuild.pch_supported(host.host_compiler())
    n = 1000
    x = rng.standard_normal(n).astype(np.float32)
    outs = []
    for art in (with_pch, without):
        y = DeviceBuffer.empty(np.float32, n)
        KernelLoader(art).get_kernel("scale")[3, stream](DeviceBuffer.from_numpy(x), y, 0.75, n)
        outs.append(y.to_numpy())
    np.testing.assert_array_equal(outs[0], x * np.float32(0.75))
    np.testing.assert_array_equal(outs[0], outs[1])


def test_a_prebuilt_pch_is_used_and_a_change_of_the_headers_leaves_it(private_pch, monkeypatch):
    cxx = host.host_compiler()
    if not simbuild.pch_supported(cxx):
        assert simbuild.kernel_pch(cxx, ["-O2"]) is None
        return
    flags = sim_header_flags(CompileConfig(sim=True))
    built = simbuild.kernel_pch(cxx, flags)  # into the cache
    assert built is not None
    monkeypatch.setattr(simbuild, "_pch_found", {})
    key = simbuild.pch_key(cxx, flags)
    d = private_pch / "prebuilt" / "pch" / key[:32]
    simbuild._publish_prebuilt(d, key, "ascendpy_pch.h.gch", lambda p: (
        shutil.copyfile(str(built) + ".gch", p), shutil.copyfile(built, p.with_suffix(""))))
    assert simbuild.kernel_pch(cxx, flags, build=False) == d / "ascendpy_pch.h"
    monkeypatch.setattr(simbuild, "_pch_found", {})
    monkeypatch.setattr(simbuild, "sim_sources_digest", lambda: "edited headers")
    assert simbuild.pch_key(cxx, flags) != key
    assert simbuild.kernel_pch(cxx, flags, build=False) is None  # neither the prebuilt one nor the cache's


def test_clang_builds_without_a_pch():
    clang = host.HostCompiler(path="/usr/bin/clang++", identity="Debian clang version 16.0.6")
    assert not simbuild.pch_supported(clang) and simbuild.kernel_pch(clang, ["-O2"]) is None
    assert simbuild.pch_supported(host.HostCompiler(path="/usr/bin/g++", identity="g++ (Debian 12.2.0-14) 12.2.0"))


def test_a_pch_that_cannot_be_built_leaves_the_plain_build(private_pch, monkeypatch):
    from ascendpy.errors import ToolchainError

    tries: list[Path] = []

    def failing(cxx: host.HostCompiler, flags: list[str], out: Path) -> None:
        tries.append(out)
        raise ToolchainError("this compiler cannot precompile headers")

    monkeypatch.setattr(simbuild, "_build_pch", failing)
    for name in ("pch_fails_a.cpp", "pch_fails_b.cpp"):
        art = compile_cpp(SCALE, source_name=name)
        assert art.library.is_file()
        assert _gch_of(plan_build(SCALE, CompileConfig(sim=True), source_name=name).command_in()) is None
    assert len(tries) == (1 if simbuild.pch_supported(host.host_compiler()) else 0)  # tried once per process
