"""The `ascend-compile` hub end to end: CLI options, bisheng builds against a fake CANN, --dry-run and
--json, the cache commands, KernelBuilder, and hand-written AscendC compiled for the simulator and run.

bisheng itself is never needed: NPU builds run the fake compiler of tests/fake_cann.py, which records
its argv; the one test that needs the real bisheng lives in tests/test_bisheng.py and is skipped
without CANN.
"""

from __future__ import annotations

import json
import shlex
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, LaunchError, Stream
from ascendpy.toolchain import bisheng, cache
from ascendpy.toolchain.builder import KernelBuilder
from ascendpy.toolchain.cli import main as cli_main
from ascendpy.toolchain.compile import CompileConfig
from ascendpy.toolchain.targets import TARGETS
from tests.fake_cann import make_cann

ROOT = Path(__file__).resolve().parent.parent
ADD = ROOT / "tests" / "sim_cpp" / "add_custom.cpp"  # the canonical CANN sample, unchanged AscendC
ADD_N = 8 * 2048  # its TOTAL_LENGTH, over 8 blocks
LOCAL = ROOT / "tests" / "sim_cpp" / "local_include"  # add_local.cpp with its class in kernel_add.h beside it


@pytest.fixture
def fake_cann(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bisheng.Cann:
    """A fake CANN 8.1 found through ASCEND_HOME_PATH; no standard install can interfere."""
    root = make_cann(tmp_path / "cann" / "8.1.RC1")
    monkeypatch.setattr(bisheng, "SYSTEM_ROOTS", ())
    monkeypatch.setattr(bisheng, "host_arch", lambda: "x86_64")
    monkeypatch.setenv("ASCEND_HOME_PATH", str(root))
    monkeypatch.delenv("ASCEND_TOOLKIT_HOME", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    cann = bisheng.find_cann()
    assert cann is not None and cann.root == root
    return cann


@pytest.fixture
def no_cann(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bisheng, "SYSTEM_ROOTS", (str(tmp_path / "Ascend" / "ascend-toolkit" / "latest"),))
    for var in ("ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")


def _argv_log(cann: bisheng.Cann) -> list[str]:
    return (cann.bisheng.parent / "argv.log").read_text().splitlines()


def run_add(loader: KernelLoader, stream, rng: np.random.Generator) -> None:
    x = rng.standard_normal(ADD_N).astype(np.float32)
    y = rng.standard_normal(ADD_N).astype(np.float32)
    z = DeviceBuffer.empty(np.float32, ADD_N)
    loader.get_kernel("add_custom")[8, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), z)
    np.testing.assert_array_equal(z.to_numpy(), x + y)


# --- the simulator target ----------------------------------------------------------------------------------


@pytest.mark.parametrize("soc", ["Ascend910B3", "Ascend310P3"])
def test_a_kernel_with_its_own_header_builds_where_it_lies(soc, tmp_path, rng, capsys, monkeypatch):
    """`#include "kernel_add.h"` beside the .cpp, as real projects write it; run from another directory."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / f"add-local-{soc}.so"
    assert cli_main([str(LOCAL / "add_local.cpp"), "--soc", soc, "--sim", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    monkeypatch.setenv("ASCENDPY_SIM_SOC", soc)
    n = 8 * 256 * 2  # 8 blocks of two 256-float tiles
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        z = DeviceBuffer.empty(np.float32, n)
        KernelLoader.from_artifact(out).get_kernel("add_local")[8, stream](
            DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), z, n)
        np.testing.assert_array_equal(z.to_numpy(), x + y)


def test_the_dry_run_is_the_command_the_build_runs(tmp_path, monkeypatch, capsys):
    """-iquote <the source's directory> and -MMD -MF: the dry run shows them, the build runs them."""
    src = tmp_path / "add_local.cpp"
    shutil.copyfile(LOCAL / "add_local.cpp", src)
    shutil.copyfile(LOCAL / "kernel_add.h", tmp_path / "kernel_add.h")
    assert cli_main([str(src), "--sim", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    entry = str(Path(dry["artifact"]).parent)
    assert dry["command"][dry["command"].index("-iquote") + 1] == str(tmp_path)
    assert dry["command"][dry["command"].index("-MF") + 1] == f"{entry}/kernel.d"
    from ascendpy.toolchain import host

    ran: list[list[str]] = []
    real_run = host.run
    monkeypatch.setattr(host, "run", lambda cmd, *a, **k: (ran.append(cmd), real_run(cmd, *a, **k))[1])
    assert cli_main([str(src), "--sim", "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    (cmd,) = ran
    work = str(Path(cmd[cmd.index("-o") + 1]).parent)  # the private build directory, published as the entry
    assert [a.replace(work, entry) for a in cmd] == dry["command"]
    deps = json.loads((Path(built["directory"]) / "deps.json").read_text())["files"]
    assert [d["path"] for d in deps] == [str(tmp_path / "kernel_add.h")]


@pytest.mark.parametrize("soc", ["Ascend910B3", "Ascend310P3"])
def test_hand_written_add_compiled_by_the_hub_runs_on_the_simulator(soc, tmp_path, rng, capsys, monkeypatch):
    out = tmp_path / f"add-{soc}.so"
    assert cli_main([str(ADD), "--soc", soc, "--sim", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    meta = json.loads(out.with_suffix(".json").read_text())
    assert (meta["target"], meta["soc"], list(meta["kernels"])) == ("sim", soc, ["add_custom"])
    monkeypatch.setenv("ASCENDPY_SIM_SOC", soc)  # a simulated device of that SoC
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        assert device.soc_name == soc
        run_add(KernelLoader.from_artifact(out), stream, rng)


def test_soc_sim_is_the_default_soc_on_the_simulator(tmp_path, capsys):
    assert cli_main([str(ADD), "--soc", "sim", "--json", "-o", str(tmp_path / "a.so")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["sim"] and out["soc"] == "Ascend910B3" and out["kernels"] == ["add_custom"]


def test_simulator_cannot_model_310b(capsys):
    assert cli_main([str(ADD), "--soc", "Ascend310B1", "--sim"]) == 1
    err = capsys.readouterr().err
    assert "310P and 910B" in err and "Ascend310B1" in err and "Ascend910B3" in err


def test_unknown_soc_lists_every_valid_name(capsys):
    assert cli_main([str(ADD), "--soc", "Ascend999"]) == 1
    err = capsys.readouterr().err
    assert "unknown SoC 'Ascend999'" in err
    for name in TARGETS:
        assert name in err


def test_sim_dry_run_prints_the_host_compiler_command_and_builds_nothing(tmp_path, capsys):
    src = tmp_path / "dry.cpp"
    src.write_text(ADD.read_text().replace("add_custom", "add_dry"))
    assert cli_main([str(src), "--sim", "--soc", "310P", "-D", "EXTRA=3", "--opt-level", "1", "--json",
                     "--dry-run"]) == 0
    out = json.loads(capsys.readouterr().out)
    cmd = out["command"]
    assert "-D__CCE_AICORE__=200" in cmd and "-DEXTRA=3" in cmd and "-O1" in cmd and "-O2" not in cmd
    entry = Path(out["artifact"]).parent
    assert cmd[cmd.index("-o") + 1] == str(entry / "kernel.so") and str(entry / "kernel.cpp") in cmd
    assert not entry.exists()  # nothing was built
    assert cli_main([str(src), "--sim", "--soc", "310P", "-D", "EXTRA=3", "--opt-level", "1", "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["directory"] == str(entry) and built["key"] == out["key"]  # the dry run named the real entry


# --- bisheng targets (fake CANN) -----------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["cce", "npu"])
@pytest.mark.parametrize("soc", sorted(TARGETS))
def test_dry_run_for_every_target_and_flag_style(soc, style, fake_cann, capsys):
    target = TARGETS[soc]
    code = cli_main([str(ADD), "--soc", soc, "--flag-style", style, "--dry-run", "--json", "--no-validate"])
    out = json.loads(capsys.readouterr().out)
    if style == "npu" and target.npu_arch is None:
        assert code == 1 and not out["ok"]
        assert soc in out["error"] and "--flag-style cce" in out["error"]
        return
    assert code == 0 and out["ok"] and not out["sim"] and out["soc"] == soc
    cmd = out["command"]
    assert cmd[0] == str(fake_cann.bisheng)
    arch = f"--npu-arch={target.npu_arch}" if style == "npu" else f"--cce-aicore-arch={target.arch('aiv')}"
    assert arch in cmd
    entry = Path(out["artifact"]).parent
    assert cmd[-4:] == ["-c", str(entry / "kernel.cpp"), "-o", str(entry / "kernel.o")]
    assert ("--cce-auto-sync" in cmd) == (style == "cce")


def test_plain_dry_run_prints_a_shell_command(fake_cann, capsys):
    assert cli_main([str(ADD), "--soc", "Ascend910B3", "--dry-run", "--flag-style", "npu"]) == 0
    cmd = shlex.split(capsys.readouterr().out.strip())
    assert cmd[:4] == [str(fake_cann.bisheng), "--npu-arch=dav-2201", "-xasc", "-DTILING_KEY_VAR=0"]
    assert cli_main([str(ADD), "--soc", "Ascend910B3", "--dry-run"]) == 0  # CANN 8.1 has no --npu-arch
    assert "--cce-aicore-arch=dav-c220-vec" in shlex.split(capsys.readouterr().out.strip())


def test_dry_run_without_cann_assumes_the_standard_install(no_cann, tmp_path, capsys):
    assert cli_main([str(ADD), "--soc", "310P", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "CANN not found" in captured.err
    cmd = shlex.split(captured.out.strip())
    assert cmd[0].startswith(str(tmp_path / "Ascend" / "ascend-toolkit" / "latest"))
    assert cmd[0].endswith("/bisheng") and "--cce-aicore-arch=dav-m200" in cmd


def test_build_without_cann_says_what_to_do(no_cann, capsys):
    assert cli_main([str(ADD), "--soc", "Ascend910B3"]) == 1
    err = capsys.readouterr().err
    assert "ASCEND_HOME_PATH" in err and "--sim" in err and "--dry-run" in err


def test_npu_build_writes_the_object_and_reuses_the_cache(fake_cann, tmp_path, capsys):
    src = tmp_path / "add.cpp"
    src.write_text(ADD.read_text())
    assert cli_main([str(src), "--soc", "Ascend310P3", "-I", "/opt/inc", "-D", "N=4"]) == 0
    obj = tmp_path / "add.o"  # default output: the input with .o
    assert obj.read_text().startswith("fake object of ")
    meta = json.loads(obj.with_suffix(".json").read_text())
    assert (meta["target"], meta["soc"], meta["library"]) == ("Ascend310P3", "Ascend310P3", "kernel.o")
    argv = _argv_log(fake_cann)
    assert "--cce-aicore-arch=dav-m200" in argv and "-I/opt/inc" in argv and "-DN=4" in argv
    (fake_cann.bisheng.parent / "argv.log").unlink()
    capsys.readouterr()
    assert cli_main([str(src), "--soc", "Ascend310P3", "-I", "/opt/inc", "-D", "N=4", "-o",
                     str(tmp_path / "again.o")]) == 0
    assert not (fake_cann.bisheng.parent / "argv.log").exists()  # served from the cache
    assert (tmp_path / "again.o").read_bytes() == obj.read_bytes()


def _own_copy(src: Path, tmp_path: Path) -> Path:
    """A copy of `src` whose path (part of the cache key) is this test's: the fake bisheng must run."""
    dest = tmp_path / src.name
    shutil.copyfile(src, dest)
    return dest


def test_npu_build_of_a_kernel_with_its_own_header(fake_cann, tmp_path, capsys):
    """bisheng gets -iquote <dir> and -MMD -MF; an edited header rebuilds; the dry run shows the same argv."""
    src = tmp_path / "add_local.cpp"
    header = tmp_path / "kernel_add.h"
    shutil.copyfile(LOCAL / "add_local.cpp", src)
    header.write_text("// version 1\n")
    time.sleep(cache._RACY_NS / 1e9 + 0.02)  # older than the build: its digest is taken
    assert cli_main([str(src), "--soc", "Ascend910B3", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)["command"]
    assert cli_main([str(src), "--soc", "Ascend910B3", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    argv = _argv_log(fake_cann)
    work = str(Path(argv[argv.index("-o") + 1]).parent)
    entry = str(Path(dry[dry.index("-o") + 1]).parent)
    assert [a.replace(work, entry) for a in argv] == dry[1:]  # argv.log holds the arguments, not argv[0]
    assert argv[argv.index("-iquote") + 1] == str(tmp_path) and argv[argv.index("-MF") + 1] == f"{work}/kernel.d"
    assert "includes // version 1" in (tmp_path / "add_local.o").read_text()
    deps = json.loads((Path(first["directory"]) / "deps.json").read_text())["files"]
    assert [d["path"] for d in deps] == [str(header)]

    (fake_cann.bisheng.parent / "argv.log").unlink()
    assert cli_main([str(src), "--soc", "Ascend910B3"]) == 0  # unchanged: from the cache
    assert not (fake_cann.bisheng.parent / "argv.log").exists()
    header.write_text("// version 2\n")
    assert cli_main([str(src), "--soc", "Ascend910B3"]) == 0
    assert (fake_cann.bisheng.parent / "argv.log").exists()
    assert "includes // version 2" in (tmp_path / "add_local.o").read_text()


def test_npu_build_without_a_dependency_file_is_an_error(fake_cann, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FAKE_BISHENG_NO_DEPFILE", "1")
    assert cli_main([str(_own_copy(ADD, tmp_path)), "--soc", "Ascend910B3"]) == 1
    assert "the compiler wrote no dependency file (kernel.d)" in capsys.readouterr().err


def test_npu_shared_library_with_libs(fake_cann, tmp_path):
    out = tmp_path / "add.so"
    assert cli_main([str(_own_copy(ADD, tmp_path)), "--soc", "910B", "--shared", "-l", "m", "--flag-style", "cce",
                     "-o", str(out)]) == 0
    argv = _argv_log(fake_cann)
    assert "--shared" in argv and "-fPIC" in argv and "-lm" in argv and "--cce-aicore-arch=dav-c220-vec" in argv
    assert out.read_text().startswith("fake object of ")


def test_libs_need_a_shared_library(fake_cann, capsys):
    assert cli_main([str(ADD), "--soc", "910B", "-l", "m"]) == 1
    assert "shared" in capsys.readouterr().err  # the message names the fix
    assert cli_main([str(ADD), "--soc", "910B", "-l", "m", "--json"]) == 1
    err = json.loads(capsys.readouterr().out)["error"]
    assert "shared" in err


def test_no_auto_sync_reaches_bisheng(fake_cann, tmp_path):
    assert cli_main([str(_own_copy(ADD, tmp_path)), "--soc", "910B", "--flag-style", "cce", "--no-auto-sync",
                     "--no-validate", "-o", str(tmp_path / "a.o")]) == 0
    assert "--cce-auto-sync" not in _argv_log(fake_cann)


def test_bisheng_failure_shows_its_full_stderr_at_the_user_file(fake_cann, tmp_path, capsys):
    src = tmp_path / "broken.cpp"
    src.write_text(ADD.read_text() + "\n// FAKE_BISHENG_FAIL\n")
    assert cli_main([str(src), "--soc", "Ascend910B3"]) == 1
    err = capsys.readouterr().err
    assert f"{src.resolve()}:12:5: error: use of undeclared identifier 'oops'" in err
    assert "1 error generated." in err and "kernel.py:7:3: note" in err
    assert not (tmp_path / "broken.o").exists()


def test_python_kernel_file_for_an_npu_target(fake_cann, tmp_path, capsys):
    out = tmp_path / "vec_mul.o"
    assert cli_main([str(_own_copy(ROOT / "examples" / "vec_mul" / "kernels.py", tmp_path)), "--soc", "Ascend910B3",
                     "-o", str(out), "--json"]) == 0
    assert "--cce-aicore-arch=dav-c220-vec" in _argv_log(fake_cann)
    compiled = (Path(json.loads(capsys.readouterr().out)["directory"]) / "kernel.cpp").read_text()
    assert 'extern "C" __global__ __aicore__ void mul(' in compiled and "#line" in compiled
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["kernels"]["mul"]["signature"] is not None


# --- cache commands ------------------------------------------------------------------------------------------


def test_cache_info_and_clear(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASCENDPY_CACHE_DIR", str(tmp_path / "cache"))
    assert cli_main(["cache", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 0
    assert cli_main([str(ADD), "--sim"]) == 0
    capsys.readouterr()
    assert cli_main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["directory"] == str(tmp_path / "cache") and info["kinds"]["kernels"]["entries"] == 1
    assert info["bytes"] > 10_000  # the library and its translation unit
    assert cli_main(["cache", "info"]) == 0
    assert "1 entries" in capsys.readouterr().out
    assert cli_main(["cache", "clear"]) == 0
    assert f"removed {info['entries']} cache entries" in capsys.readouterr().out  # kernels and the simulator
    assert cache.info()["entries"] == 0


def test_cache_key_covers_the_config():
    keys = set()
    for cfg in [CompileConfig(sim=True), CompileConfig(sim=True, soc="310P"), CompileConfig(sim=True, opt_level=3),
                CompileConfig(sim=True, defines=("X=1",)), CompileConfig(sim=True, includes=("/x",))]:
        from ascendpy.toolchain.compile import plan_build

        keys.add(plan_build(ADD.read_text(), cfg, source_name=str(ADD)).key)
    assert len(keys) == 5


# --- KernelBuilder -------------------------------------------------------------------------------------------


def test_kernel_builder_builds_a_tree_and_reports_failures(tmp_path, runtime, rng, capsys):
    tree = tmp_path / "kernels"
    (tree / "vec").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "vec_mul" / "kernels.py", tree / "vec" / "mul.py")
    shutil.copy(ADD, tree / "add.cpp")
    (tree / "helpers.py").write_text("X = 1\n")  # no kernels: not a build item
    (tree / "broken.cpp").write_text('extern "C" __global__ __aicore__ void broken(GM_ADDR x) { nope(x); }\n')
    out = tmp_path / "dist"
    assert cli_main(["build", str(tree), "--sim", "--out-dir", str(out), "-j", "2"]) == 1  # one failed
    err = capsys.readouterr().err
    assert "building 3 kernel sources for the simulator (Ascend910B3), 2 at a time" in err
    assert "FAILED" in err and "broken.cpp" in err and "nope" in err and "2 built, 1 failed" in err
    manifest = json.loads((out / "manifest.json").read_text())["artifacts"]
    assert sorted(a["library"] for a in manifest) == ["add.so", "vec/mul.so"]
    run_add(KernelLoader.from_artifact(out / "add.so"), runtime[3], rng)
    x = rng.integers(0, 2**16, 16, dtype=np.uint16)
    y = rng.integers(0, 2**16, 16, dtype=np.uint16)
    z = DeviceBuffer.empty(np.uint16, 16)
    mul = KernelLoader.from_artifact(out / "vec" / "mul.so").get_kernel("mul")
    mul[4, runtime[3]](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), z)
    np.testing.assert_array_equal(z.to_numpy(), x * y)  # the Python signature travelled with the artifact
    with pytest.raises(TypeError):
        mul[4, runtime[3]](DeviceBuffer.from_numpy(x.astype(np.float32)), DeviceBuffer.from_numpy(y), z)


def test_kernel_builder_python_api(tmp_path):
    builder = KernelBuilder(CompileConfig(soc="310P", sim=True), jobs=1, progress=False)
    builder.add(ADD)
    assert builder.sources == [str(ADD)]
    [result] = builder.build(tmp_path / "out")
    assert result.ok and result.artifact is not None and result.artifact.metadata["soc"] == "Ascend310P3"
    assert result.outputs == [str(tmp_path / "out" / "add_custom.so"), str(tmp_path / "out" / "add_custom.json")]
    again = KernelBuilder(CompileConfig(soc="310P", sim=True), jobs=1, progress=False).add(ADD).build()
    assert again[0].cached and again[0].artifact.key == result.artifact.key


def test_kernel_builder_rejects_what_is_not_a_kernel_source(tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(Exception, match="not a kernel source"):
        KernelBuilder(progress=False).add(tmp_path / "notes.txt")
    with pytest.raises(Exception, match="no such file"):
        KernelBuilder(progress=False).add(tmp_path / "missing.py")


# --- validation in the hub -----------------------------------------------------------------------------------

MISSING_SYNC = ROOT / "examples" / "safety" / "cpp" / "04_missing_sync.cpp"  # DMA -> Add -> DMA, no flags


def _bug_lines(path: Path) -> set[int]:
    return {i for i, line in enumerate(path.read_text().splitlines(), 1) if "Add(xt, xt, yt, n)" in line}


def test_validate_only_json_and_exit_codes(capsys):
    [add_line] = _bug_lines(MISSING_SYNC)
    assert cli_main([str(MISSING_SYNC), "--soc", "310P", "--validate-only", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert not out["ok"]
    found = {(d["code"], d["severity"], d["line"]) for d in out["diagnostics"]}
    assert ("unsynced-dma", "error", add_line) in found and ("unsynced-copy-out", "error", add_line + 2) in found
    # 910B with auto-sync: the same findings are warnings, shown, and the exit status is 0.
    assert cli_main([str(MISSING_SYNC), "--soc", "910B", "--validate-only"]) == 0
    err = capsys.readouterr().err
    assert f"{MISSING_SYNC}:{add_line}: warning:" in err and "[unsynced-dma]" in err
    # ...unless auto-sync is off.
    assert cli_main([str(MISSING_SYNC), "--soc", "910B", "--validate-only", "--no-auto-sync"]) == 1
    assert f"{MISSING_SYNC}:{add_line}: error:" in capsys.readouterr().err
    assert cli_main([str(ADD), "--soc", "310P", "--validate-only"]) == 0
    assert capsys.readouterr().out.strip() == "ok: no issues found"


def test_validation_errors_stop_an_npu_build_before_bisheng(fake_cann, tmp_path, capsys):
    assert cli_main([str(MISSING_SYNC), "--soc", "310P", "-o", str(tmp_path / "k.o")]) == 1
    err = capsys.readouterr().err
    assert "[unsynced-dma]" in err and "3 validation errors; nothing was compiled" in err
    assert not (fake_cann.bisheng.parent / "argv.log").exists() and not (tmp_path / "k.o").exists()
    assert cli_main([str(MISSING_SYNC), "--soc", "310P", "-o", str(tmp_path / "k.o"), "--no-validate"]) == 0
    assert (tmp_path / "k.o").is_file()


def test_warnings_are_shown_on_a_successful_npu_build(fake_cann, tmp_path, capsys):
    assert cli_main([str(MISSING_SYNC), "--soc", "910B", "-o", str(tmp_path / "k.o")]) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "[unsynced-dma]" in captured.err and "wrote" in captured.out
    meta = json.loads((tmp_path / "k.json").read_text())
    assert {d["code"] for d in meta["diagnostics"]} == {"unsynced-dma", "unsynced-copy-out"}


def test_simulator_build_reports_errors_and_goes_on(tmp_path, capsys):
    out = tmp_path / "k.so"
    assert cli_main([str(MISSING_SYNC), "--soc", "310P", "--sim", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "error:" in err and "built for the simulator anyway" in err and out.is_file()


def test_python_api_raises_validation_error_with_every_finding():
    from ascendpy import ValidationError
    from ascendpy.toolchain.compile import compile_file

    with pytest.raises(ValidationError) as info:
        compile_file(MISSING_SYNC, config=CompileConfig(soc="310P"))
    assert [d.code for d in info.value.diagnostics].count("unsynced-dma") == 2
    assert info.value.filename == str(MISSING_SYNC) and info.value.lineno == min(_bug_lines(MISSING_SYNC))


# --- artifacts run only where they were built for -------------------------------------------------------------


def test_a_310p_build_refuses_to_run_on_a_910b_simulator(tmp_path, runtime, rng):
    out = tmp_path / "add310.so"
    assert cli_main([str(ADD), "--soc", "Ascend310P3", "--sim", "-o", str(out)]) == 0
    x = DeviceBuffer.from_numpy(rng.standard_normal(ADD_N).astype(np.float32))
    z = DeviceBuffer.empty(np.float32, ADD_N)
    kernel = KernelLoader.from_artifact(out).get_kernel("add_custom")
    with pytest.raises(LaunchError, match=r"built for Ascend310P3.*\(Ascend910B3\).*--soc Ascend910B3 --sim"):
        kernel[8, runtime[3]](x, x, z)
    run_add(KernelLoader.from_artifact(_sim_build(tmp_path, "Ascend910B4")), runtime[3], rng)  # same family: fine


def test_an_npu_build_refuses_to_run_on_the_simulator(fake_cann, tmp_path, runtime, rng):
    out = tmp_path / "add.o"
    assert cli_main([str(ADD), "--soc", "Ascend910B3", "-o", str(out)]) == 0
    x = DeviceBuffer.from_numpy(rng.standard_normal(ADD_N).astype(np.float32))
    kernel = KernelLoader.from_artifact(out).get_kernel("add_custom")
    with pytest.raises(LaunchError, match="built for Ascend910B3, but this process runs on the sim driver"):
        kernel[8, runtime[3]](x, x, x)


def _sim_build(tmp_path: Path, soc: str) -> Path:
    out = tmp_path / f"add-{soc}.so"
    assert cli_main([str(ADD), "--soc", soc, "--sim", "-o", str(out)]) == 0
    return out
