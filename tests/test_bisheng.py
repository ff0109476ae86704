"""CANN discovery, bisheng command lines and running bisheng, against fake CANN trees.

The fake `bisheng` is a shell script: it records its argv and LD_PRELOAD, prints a version for
`--version`, writes the `-o` file, and fails with a clang-style error when the source holds the
marker FAKE_BISHENG_FAIL or the variable FAKE_BISHENG_FAIL is set. One test runs the real bisheng
when CANN is installed.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from ascendpy.errors import ToolchainError
from ascendpy.toolchain import bisheng
from ascendpy.toolchain.bisheng import BishengOptions, bisheng_command, detect_core, run_bisheng
from ascendpy.toolchain.targets import TARGETS, get_target
from tests.fake_cann import TIK, make_cann, write_bisheng

REAL_CANN = bisheng.find_cann()  # before any test points discovery at fake trees

@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Standard installs point into tmp_path and the host is x86_64, so a real CANN cannot interfere."""
    monkeypatch.setattr(bisheng, "SYSTEM_ROOTS", (str(tmp_path / "sys" / "ascend-toolkit" / "latest"),
                                                  str(tmp_path / "sys" / "cann")))
    monkeypatch.setattr(bisheng, "host_arch", lambda: "x86_64")
    (tmp_path / "home").mkdir()
    (tmp_path / "empty-bin").mkdir()
    return {"PATH": str(tmp_path / "empty-bin"), "HOME": str(tmp_path / "home")}


@pytest.fixture
def cann81(tmp_path: Path) -> bisheng.Cann:
    cann = bisheng.cann_at(make_cann(tmp_path / "Ascend" / "ascend-toolkit" / "8.1.RC1"))
    assert cann is not None
    return cann


# --- discovery ---------------------------------------------------------------------------------------------


def test_ascend_home_path_comes_first(tmp_path: Path, isolated: dict[str, str]) -> None:
    a, b = make_cann(tmp_path / "a"), make_cann(tmp_path / "b")
    cann = bisheng.find_cann({**isolated, "ASCEND_HOME_PATH": str(a), "ASCEND_TOOLKIT_HOME": str(b)})
    assert cann is not None and cann.root == a and cann.bisheng == a / "tools/ccec_compiler/bin/bisheng"


def test_ascend_toolkit_home_alone(tmp_path: Path, isolated: dict[str, str]) -> None:
    b = make_cann(tmp_path / "b")
    cann = bisheng.find_cann({**isolated, "ASCEND_TOOLKIT_HOME": str(b)})
    assert cann is not None and cann.root == b


def test_variable_without_bisheng_is_passed_over(tmp_path: Path, isolated: dict[str, str]) -> None:
    (tmp_path / "not-cann").mkdir()
    b = make_cann(tmp_path / "b")
    env = {**isolated, "ASCEND_HOME_PATH": str(tmp_path / "not-cann"), "ASCEND_TOOLKIT_HOME": str(b)}
    cann = bisheng.find_cann(env)
    assert cann is not None and cann.root == b


def test_bisheng_on_path_gives_the_root(tmp_path: Path, isolated: dict[str, str]) -> None:
    c = make_cann(tmp_path / "c", devkit="compiler", version="8.0.0")
    binary = c / "compiler/ccec_compiler/bin/bisheng"
    cann = bisheng.find_cann({**isolated, "PATH": f"{tmp_path / 'empty-bin'}{os.pathsep}{binary.parent}"})
    assert cann is not None
    assert (cann.root, cann.bisheng, cann.version) == (c, binary, "8.0.0")
    assert cann.include_dirs == tuple(c / "compiler" / s for s in TIK)


def test_bisheng_on_path_through_a_link(tmp_path: Path, isolated: dict[str, str]) -> None:
    c = make_cann(tmp_path / "c")
    link = tmp_path / "links" / "bisheng"
    link.parent.mkdir()
    link.symlink_to(c / "tools/ccec_compiler/bin/bisheng")
    cann = bisheng.find_cann({**isolated, "PATH": str(link.parent)})
    assert cann is not None and cann.root == c and cann.bisheng == link and cann.version == "8.1.RC1"


def test_variables_come_before_path_and_path_before_standard_installs(tmp_path: Path,
                                                                      isolated: dict[str, str]) -> None:
    env_root, path_root = make_cann(tmp_path / "env"), make_cann(tmp_path / "onpath")
    std = make_cann(Path(bisheng.SYSTEM_ROOTS[0]))
    with_path = {**isolated, "PATH": str(path_root / "tools/ccec_compiler/bin")}
    assert bisheng.find_cann({**with_path, "ASCEND_HOME_PATH": str(env_root)}).root == env_root
    assert bisheng.find_cann(with_path).root == path_root
    assert bisheng.find_cann(isolated).root == std


def test_standard_installs_in_order(tmp_path: Path, isolated: dict[str, str]) -> None:
    home_cann = make_cann(tmp_path / "home" / "Ascend" / "cann", layout="9.x", devkit="x86_64-linux",
                          version="8.5.0")
    assert bisheng.find_cann(isolated).root == home_cann
    home_toolkit = make_cann(tmp_path / "home" / "Ascend" / "ascend-toolkit" / "latest")
    assert bisheng.find_cann(isolated).root == home_toolkit
    system_cann = make_cann(Path(bisheng.SYSTEM_ROOTS[1]), layout="9.x", devkit="x86_64-linux")
    assert bisheng.find_cann(isolated).root == system_cann
    system_toolkit = make_cann(Path(bisheng.SYSTEM_ROOTS[0]))
    assert bisheng.find_cann(isolated).root == system_toolkit


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_arch_linux_devkit_of_this_host(tmp_path: Path, isolated: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                        arch: str) -> None:
    root = make_cann(tmp_path / "cann", layout="9.x", devkit=f"{arch}-linux", arch=arch, version="9.0.0")
    env = {**isolated, "ASCEND_HOME_PATH": str(root)}
    other = {"x86_64": "aarch64", "aarch64": "x86_64"}[arch]
    monkeypatch.setattr(bisheng, "host_arch", lambda: other)
    assert bisheng.find_cann(env) is None  # the other architecture's compiler cannot run here
    monkeypatch.setattr(bisheng, "host_arch", lambda: arch)
    cann = bisheng.find_cann(env)
    assert cann is not None
    assert cann.bisheng == root / f"{arch}-linux/ccec_compiler/bin/bisheng"
    assert (cann.version, cann.layout) == ("9.0.0", "9.x")


def test_devkit_order_and_root_bin(tmp_path: Path) -> None:
    root = tmp_path / "r"
    write_bisheng(root / "bin" / "bisheng")
    assert bisheng.cann_at(root).bisheng == root / "bin/bisheng"
    for devkit in ("compiler", "tools", "x86_64-linux"):  # each later one takes precedence (CANN cmake order)
        write_bisheng(root / devkit / "ccec_compiler/bin/bisheng")
        assert bisheng.cann_at(root).bisheng == root / devkit / "ccec_compiler/bin/bisheng"


def test_not_found_lists_every_place_and_what_to_do(tmp_path: Path, isolated: dict[str, str]) -> None:
    env = {**isolated, "ASCEND_HOME_PATH": str(tmp_path / "nowhere")}
    places = bisheng.searched_locations(env)
    home = tmp_path / "home"
    assert places == [
        f"$ASCEND_HOME_PATH={tmp_path / 'nowhere'}", "$ASCEND_TOOLKIT_HOME (not set)",
        "`bisheng` on $PATH (not found)", *bisheng.SYSTEM_ROOTS,
        str(home / "Ascend/ascend-toolkit/latest"), str(home / "Ascend/cann"),
    ]
    with pytest.raises(ToolchainError) as info:
        bisheng.require_cann(env)
    text = str(info.value)
    assert all(f"  - {p}\n" in text for p in places)
    for needed in ("<root>/x86_64-linux/ccec_compiler/bin/bisheng", "<root>/tools/ccec_compiler/bin/bisheng",
                   "<root>/compiler/ccec_compiler/bin/bisheng", "<root>/bin/bisheng", "set_env.sh",
                   "ASCEND_HOME_PATH", "--sim", "--dry-run"):
        assert needed in text


def test_require_cann_returns_what_find_cann_finds(tmp_path: Path, isolated: dict[str, str]) -> None:
    root = make_cann(tmp_path / "r")
    env = {**isolated, "ASCEND_HOME_PATH": str(root)}
    assert bisheng.require_cann(env) == bisheng.find_cann(env)


@pytest.mark.parametrize(("version_file", "expected"), [
    ("install_info", "8.1.RC1"), ("cfg", "8.1.RC1"), ("version_info", "8.1.RC1"), ("header", "8.1.RC1"),
    (None, None),
])
def test_version_records(tmp_path: Path, version_file: str | None, expected: str | None) -> None:
    cann = bisheng.cann_at(make_cann(tmp_path / "toolkit", version_file=version_file))
    assert cann.version == expected


def test_version_from_the_directory_a_link_names(tmp_path: Path) -> None:
    real = make_cann(tmp_path / "cann-8.5.0", layout="9.x", devkit="x86_64-linux", version_file=None)
    (tmp_path / "cann").symlink_to(real)
    assert bisheng.cann_at(tmp_path / "cann").version == "8.5.0"
    assert bisheng.cann_at(make_cann(tmp_path / "8.2.RC1", version_file=None)).version == "8.2.RC1"


def test_layout_8x(cann81: bisheng.Cann) -> None:
    root = cann81.root
    assert cann81.layout == "8.x"
    assert cann81.include_dirs == (root / "tools/tikcpp/tikcfw", root / "tools/tikcpp/tikcfw/interface",
                                   root / "tools/tikcpp/tikcfw/impl")
    assert cann81.version_header == root / "include/version/cann_version.h"


def test_layout_9x(tmp_path: Path) -> None:
    root = make_cann(tmp_path / "cann", layout="9.x", devkit="x86_64-linux", version="9.0.0")
    cann = bisheng.cann_at(root)
    d = root / "x86_64-linux"
    assert cann.layout == "9.x"
    assert cann.include_dirs == (d / "asc/impl/basic_api", d / "asc", d / "asc/include", d / "asc/include/basic_api",
                                 d / "tikcpp/tikcfw", d / "tikcpp/tikcfw/interface", d / "tikcpp/tikcfw/impl")
    assert cann.version_header == root / "include/version/asc_devkit_version.h"


def test_no_version_header_means_no_include(tmp_path: Path) -> None:
    cann = bisheng.cann_at(make_cann(tmp_path / "r", header=False))
    assert cann.version_header is None
    cmd = bisheng_command(cann, get_target("Ascend310P3"), Path("k.cpp"), Path("k.o"), BishengOptions())
    assert "-include" not in cmd


def test_identity_has_compiler_and_cann_version_and_is_cached(cann81: bisheng.Cann) -> None:
    first = cann81.identity()
    assert first == "bisheng version 9.9.9-fake (clang 15.0.5); CANN 8.1.RC1"
    assert cann81.identity() == first
    calls = cann81.bisheng.parent / "version-calls.log"
    assert calls.read_text().count("x") == 1


def test_assumed_cann_for_dry_runs(isolated: dict[str, str]) -> None:
    cann = bisheng.assumed_cann(isolated)
    root = Path(bisheng.SYSTEM_ROOTS[0])
    assert cann.root == root and cann.bisheng == root / "tools/ccec_compiler/bin/bisheng"
    assert cann.identity() == f"{cann.bisheng} (not installed); CANN unknown"
    assert bisheng.assumed_cann({"ASCEND_HOME_PATH": "/opt/cann"}).root == Path("/opt/cann")


# --- the command -------------------------------------------------------------------------------------------

# Written out from reference/ascend-rs-book.md 6.4 (and ascend-apis.md 3.2), not taken from the module.
C220 = ["-mllvm", "-cce-aicore-stack-size=0x8000", "-mllvm", "-cce-aicore-function-stack-size=0x8000",
        "-mllvm", "-cce-aicore-record-overflow=true", "-mllvm", "-cce-aicore-addr-transform",
        "-mllvm", "-cce-aicore-dcci-insert-for-scalar=false"]
M200 = ["--cce-mask-opt", "-mllvm", "-cce-aicore-fp-ceiling=2", "-mllvm", "-cce-aicore-record-overflow=false",
        "-mllvm", "-cce-aicore-mask-opt=false"]
OTHER = ["--cce-mask-opt", "-mllvm", "-cce-aicore-record-overflow=false"]
M300 = ["--cce-mask-opt", "-mllvm", "-cce-aicore-function-stack-size=16000", "-mllvm", "-cce-aicore-addr-transform",
        "-mllvm", "-cce-aicore-or-combine=false", "-mllvm", "-instcombine-code-sinking=false", "-mllvm",
        "-cce-aicore-jump-expand=false", "-mllvm", "-cce-aicore-mask-opt=false"]  # CANN bisheng_intf.cmake m300
FAMILY = {"910B": C220, "310P": M200, "310": OTHER, "310B": M300}
AIV_ARCH = {"910B": "dav-c220-vec", "310P": "dav-m200", "310": "dav-c100", "310B": "dav-m300"}
NPU_ARCH = {"910B": "dav-2201", "310P": "dav-2002"}
TAIL = ["-DTILING_KEY_VAR=0", "-O2", "-std=c++17", "-c", "kernel.cpp", "-o", "kernel.o"]


def cce_head(cann: bisheng.Cann) -> list[str]:
    return [str(cann.bisheng), *(f"-I{d}" for d in cann.include_dirs), "-include", str(cann.version_header)]


def cce_flags(arch: str) -> list[str]:
    return [f"--cce-aicore-arch={arch}", "--cce-aicore-only", "--cce-aicore-lang",
            "--cce-disable-kernel-global-attr-check"]


def command(cann: bisheng.Cann, soc: str, **options: object) -> list[str]:
    return bisheng_command(cann, get_target(soc), Path("kernel.cpp"), Path("kernel.o"), BishengOptions(**options))


def test_default_commands(cann81: bisheng.Cann) -> None:
    b, tik = str(cann81.bisheng), cann81.root / "tools/tikcpp/tikcfw"
    assert command(cann81, "Ascend910B3", flag_style="npu") == [b, "--npu-arch=dav-2201", "-xasc", *TAIL]
    assert command(cann81, "Ascend910B3") == command(cann81, "Ascend910B3", flag_style="cce")  # 8.1: no npu
    assert command(cann81, "Ascend910B3", flag_style="cce") == [
        b, f"-I{tik}", f"-I{tik}/interface", f"-I{tik}/impl",
        "-include", str(cann81.root / "include/version/cann_version.h"),
        "--cce-aicore-arch=dav-c220-vec", "--cce-aicore-only", "--cce-aicore-lang",
        "--cce-disable-kernel-global-attr-check",
        "-mllvm", "-cce-aicore-stack-size=0x8000", "-mllvm", "-cce-aicore-function-stack-size=0x8000",
        "-mllvm", "-cce-aicore-record-overflow=true", "-mllvm", "-cce-aicore-addr-transform",
        "-mllvm", "-cce-aicore-dcci-insert-for-scalar=false", "--cce-auto-sync", *TAIL]
    assert command(cann81, "Ascend310P3") == [
        b, f"-I{tik}", f"-I{tik}/interface", f"-I{tik}/impl",
        "-include", str(cann81.root / "include/version/cann_version.h"),
        "--cce-aicore-arch=dav-m200", "--cce-aicore-only", "--cce-aicore-lang",
        "--cce-disable-kernel-global-attr-check", "--cce-mask-opt", "-mllvm", "-cce-aicore-fp-ceiling=2",
        "-mllvm", "-cce-aicore-record-overflow=false", "-mllvm", "-cce-aicore-mask-opt=false", "--cce-auto-sync",
        *TAIL]


@pytest.mark.parametrize("soc", sorted(TARGETS))
@pytest.mark.parametrize("style", ["cce", "npu"])
def test_every_target_both_styles(cann81: bisheng.Cann, soc: str, style: str) -> None:
    family = TARGETS[soc].family
    if style == "npu" and family not in NPU_ARCH:
        with pytest.raises(ToolchainError, match=rf"{soc} has no --npu-arch.*use --flag-style cce"):
            command(cann81, soc, flag_style=style)
        return
    expected = ([str(cann81.bisheng), f"--npu-arch={NPU_ARCH[family]}", "-xasc", *TAIL] if style == "npu" else
                [*cce_head(cann81), *cce_flags(AIV_ARCH[family]), *FAMILY[family], "--cce-auto-sync", *TAIL])
    assert command(cann81, soc, flag_style=style) == expected


@pytest.mark.parametrize("soc", sorted(TARGETS))
def test_default_style_per_family_and_install(cann81: bisheng.Cann, tmp_path: Path, soc: str) -> None:
    """npu for 910B where CANN has --npu-arch (8.5+, the ASC headers), cce everywhere else."""
    cann9 = bisheng.cann_at(make_cann(tmp_path / "cann9", layout="9.x", version="9.0.0"))
    assert cann9 is not None and cann9.layout == "9.x"
    style = "npu" if TARGETS[soc].family == "910B" else "cce"
    assert command(cann9, soc) == command(cann9, soc, flag_style=style)
    assert command(cann81, soc) == command(cann81, soc, flag_style="cce")


@pytest.mark.parametrize("style", ["cce", "npu"])
def test_shared_library_with_libs_includes_and_defines(cann81: bisheng.Cann, style: str) -> None:
    cmd = bisheng_command(cann81, get_target("Ascend910B3"), Path("/w/kernel.cpp"), Path("/w/kernel.so"),
                          BishengOptions(output="shared", flag_style=style, includes=("/opt/inc", "rel/inc"),
                                         defines=("N=4", "USE_F16"), libs=("ascendcl", "m")))
    tail = ["-DTILING_KEY_VAR=0", "-DN=4", "-DUSE_F16", "-I/opt/inc", "-Irel/inc", "-O2", "-std=c++17",
            "-fPIC", "--shared", "/w/kernel.cpp", "-o", "/w/kernel.so", "-lascendcl", "-lm"]
    assert cmd[-len(tail):] == tail
    assert cmd[:-len(tail)] == command(cann81, "Ascend910B3", flag_style=style)[:-len(TAIL)]


@pytest.mark.parametrize("style", ["cce", "npu"])
def test_source_directory_and_depfile(cann81: bisheng.Cann, style: str) -> None:
    """The source's directory for #include "..." (-iquote, before -I) and the header list (-MMD -MF, before
    the output options), in both styles: what ascend-compile passes for a kernel with headers beside it."""
    cmd = bisheng_command(cann81, get_target("Ascend910B3"), Path("/w/kernel.cpp"), Path("/w/kernel.o"),
                          BishengOptions(flag_style=style, includes=("/opt/inc",), source_dir="/src/my kernel"),
                          depfile=Path("/w/kernel.d"))
    tail = ["-DTILING_KEY_VAR=0", "-iquote", "/src/my kernel", "-I/opt/inc", "-O2", "-std=c++17",
            "-MMD", "-MF", "/w/kernel.d", "-c", "/w/kernel.cpp", "-o", "/w/kernel.o"]
    assert cmd[-len(tail):] == tail
    assert cmd[:-len(tail)] == command(cann81, "Ascend910B3", flag_style=style)[:-len(TAIL)]


def test_libs_need_a_shared_library() -> None:
    with pytest.raises(ToolchainError, match=r"libraries \(m\) can only be linked into a shared library"):
        BishengOptions(libs=("m",))


@pytest.mark.parametrize("bad", [("defines", ("-DN=4",)), ("defines", ("",)), ("includes", ("-I/x",)),
                                 ("libs", ("-lm",)), ("source_dir", "-iquote/x"), ("source_dir", "")])
def test_prefixed_or_empty_values_are_refused(bad: tuple[str, tuple[str, ...] | str]) -> None:
    field, value = bad
    with pytest.raises(ToolchainError, match="the -D/-I/-l is added for you"):
        BishengOptions(output="shared", **{field: value})


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@pytest.mark.parametrize("style", ["cce", "npu"])
def test_opt_levels(cann81: bisheng.Cann, level: int, style: str) -> None:
    cmd = command(cann81, "Ascend910B3", opt_level=level, flag_style=style)
    assert [a for a in cmd if a.startswith("-O")] == [f"-O{level}"]
    assert cmd[cmd.index(f"-O{level}") + 1] == "-std=c++17"


@pytest.mark.parametrize("level", [-1, 4, "2", 2.0, True])
def test_bad_opt_levels(level: object) -> None:
    with pytest.raises(ToolchainError, match="optimisation level must be 0, 1, 2 or 3"):
        BishengOptions(opt_level=level)  # type: ignore[arg-type]


def test_auto_sync_off(cann81: bisheng.Cann) -> None:
    on, off = command(cann81, "Ascend310P3"), command(cann81, "Ascend310P3", auto_sync=False)
    assert "--cce-auto-sync" in on and [a for a in on if a != "--cce-auto-sync"] == off
    assert command(cann81, "Ascend910B3", auto_sync=False, flag_style="npu") == [
        str(cann81.bisheng), "--npu-arch=dav-2201", "-xasc", "--cce-auto-sync=off", *TAIL]
    assert "--cce-auto-sync=off" not in command(cann81, "Ascend910B3", flag_style="npu")


@pytest.mark.parametrize(("soc", "core", "arch"), [
    ("Ascend910B3", "aiv", "dav-c220-vec"), ("Ascend910B3", "aic", "dav-c220-cube"), ("Ascend910B3", "mix", "dav-c220"),
    ("Ascend910_9392", "aic", "dav-c220-cube"), ("Ascend310P3", "aiv", "dav-m200"), ("Ascend310P3", "aic", "dav-m200"),
    ("Ascend310P1", "mix", "dav-m200"), ("Ascend310B2", "mix", "dav-m300"),
])
def test_core_selects_the_cce_arch(cann81: bisheng.Cann, soc: str, core: str, arch: str) -> None:
    family = TARGETS[soc].family
    assert command(cann81, soc, flag_style="cce", core=core) == [
        *cce_head(cann81), *cce_flags(arch), *FAMILY[family], "--cce-auto-sync", *TAIL]
    if family == "910B":  # the -xasc driver picks the core from the kernel's declaration
        assert command(cann81, soc, flag_style="npu", core=core) == command(cann81, soc, flag_style="npu")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("output", "exe", "unknown bisheng output 'exe'; valid: object, shared"),
    ("flag_style", "llvm", "unknown flag style 'llvm'; valid: cce, npu"),
    ("core", "cube", "unknown core type 'cube'; valid: aiv, aic, mix"),
])
def test_bad_options(field: str, value: str, message: str) -> None:
    with pytest.raises(ToolchainError, match=message):
        BishengOptions(**{field: value})


# --- running -----------------------------------------------------------------------------------------------

GOOD = 'extern "C" __global__ __aicore__ void k(GM_ADDR x) {}\n'


def test_run_builds_the_output_without_ld_preload(tmp_path: Path, cann81: bisheng.Cann,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LD_PRELOAD", str(tmp_path / "libshim-that-must-not-leak.so"))
    monkeypatch.setenv("ASCENDPY_TEST_MARK", "inherited")
    src, out = tmp_path / "work" / "kernel.cpp", tmp_path / "work" / "kernel.o"
    src.parent.mkdir()
    src.write_text(GOOD)
    cmd = bisheng_command(cann81, get_target("Ascend910B3"), src, out, BishengOptions(flag_style="cce"))
    run_bisheng(cmd, source_name="mine.cpp", work_source=src)
    assert out.read_text() == f"fake object of {src}\n"
    logs = cann81.bisheng.parent
    assert (logs / "argv.log").read_text().splitlines() == cmd[1:]
    assert (logs / "env.log").read_text().splitlines() == ["LD_PRELOAD=<unset>", "ASCENDPY_TEST_MARK=inherited"]


def test_failure_names_the_users_file_and_keeps_all_stderr(tmp_path: Path, cann81: bisheng.Cann) -> None:
    src = tmp_path / "tmpwork" / "kernel.cpp"
    src.parent.mkdir()
    src.write_text("// FAKE_BISHENG_FAIL\n" + GOOD)
    cmd = bisheng_command(cann81, get_target("Ascend310P3"), src, src.with_suffix(".o"), BishengOptions())
    with pytest.raises(ToolchainError) as info:
        run_bisheng(cmd, source_name="ops/my_kernel.cpp", work_source=src)
    head, command_line, stderr = str(info.value).split("\n", 2)
    assert head == "bisheng failed (exit 1):"
    assert command_line == "  " + shlex.join(cmd)  # the exact command, to run again by hand
    assert stderr.splitlines() == [
        "ops/my_kernel.cpp:12:5: error: use of undeclared identifier 'oops'", "   12 |     oops();",
        "kernel.py:7:3: note: in the kernel written here", "1 error generated."]
    assert not src.with_suffix(".o").exists()


def test_failure_without_a_source_name_keeps_the_path(tmp_path: Path, cann81: bisheng.Cann,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_BISHENG_FAIL", "1")
    src = tmp_path / "kernel.cpp"
    src.write_text(GOOD)
    cmd = bisheng_command(cann81, get_target("Ascend910B3"), src, tmp_path / "kernel.o", BishengOptions())
    with pytest.raises(ToolchainError) as info:
        run_bisheng(cmd)
    assert f"\n{src}:12:5: error: use of undeclared identifier 'oops'\n" in str(info.value)


def test_a_compiler_that_cannot_start(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "bisheng"
    with pytest.raises(ToolchainError, match=r"bisheng could not be started \(No such file or directory\)"):
        run_bisheng([str(missing), "-c", "k.cpp", "-o", "k.o"])


# --- kernel type -------------------------------------------------------------------------------------------

VEC = ('#include "kernel_operator.h"\nextern "C" __global__ __aicore__ void add(GM_ADDR x, GM_ADDR y) {\n'
       "  AscendC::TPipe pipe;\n  AscendC::DataCopy(a, b, 256);\n  AscendC::Add(c, a, b, 256);\n}\n")


@pytest.mark.parametrize(("source", "core"), [
    (VEC, "aiv"),
    ('extern "C" __global__ __vector__ void v(GM_ADDR x) {}', "aiv"),
    ('extern "C" __global__ __cube__ void c(GM_ADDR x) { Mmad(c, a, b, p); }', "aic"),
    ('extern "C" __global__ __mix__(1, 2) void m(GM_ADDR x) {}', "mix"),
    ("__global__ __aicore__ void k() { KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY); }", "aic"),
    ("__global__ __aicore__ void k() { KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY); }", "aiv"),
    ("__global__ __aicore__ void k() { KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2); }", "mix"),
    ('extern "C" __global__ __cube__ void c() {}\nextern "C" __global__ __vector__ void v() {}', "mix"),
    (VEC.replace("AscendC::Add(c, a, b, 256);", "AscendC::Mmad(c, a, b, params);"), "mix"),
    (VEC.replace("AscendC::Add(c, a, b, 256);", "AscendC::LoadData(a2, a1, p);"), "mix"),
    (VEC + "// __cube__ and Mmad(c, a, b, p) in a comment\n/* KERNEL_TYPE_MIX_AIC_1_1 __mix__(1, 1) */\n", "aiv"),
    (VEC + 'const char* s = "Mmad(c, a, b, p) __cube__";\n', "aiv"),
    (VEC + "int MmadCount = 0;  // a name that only starts like a cube op\n", "aiv"),
])
def test_detect_core(source: str, core: str) -> None:
    assert detect_core(source) == core


# --- the real compiler -------------------------------------------------------------------------------------


@pytest.mark.skipif(REAL_CANN is None, reason="CANN's bisheng is not installed (searched: "
                    + "; ".join(bisheng.searched_locations()) + ")")
def test_real_bisheng_compiles_a_tiny_kernel(tmp_path: Path) -> None:
    src, out = tmp_path / "tiny.cpp", tmp_path / "tiny.o"
    src.write_text('#include "kernel_operator.h"\n'
                   'extern "C" __global__ __aicore__ void tiny(GM_ADDR x) { (void)x; }\n')
    cmd = bisheng_command(REAL_CANN, get_target("Ascend910B3"), src, out, BishengOptions(flag_style="cce"))
    run_bisheng(cmd, source_name="tiny.cpp", work_source=src)
    assert out.stat().st_size > 0
    assert REAL_CANN.version is None or REAL_CANN.version in REAL_CANN.identity()
