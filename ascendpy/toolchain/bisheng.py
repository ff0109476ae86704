"""CANN's bisheng compiler: find an install, build the exact command line, run it.

Sources (paths relative to /work/shared/reference unless a repository is named):
- ascend-rs-book.md section 6.4: the two flag styles, common options, output options, per-family flags,
  LD_PRELOAD removal; the command order below is ascend_compile's `build_bisheng_command`
  (Jopqior/tile-rs crates/ascend_compile/src/compiler.rs, the code that section describes).
- ascend-apis.md section 3.1: environment variables, standard installs, where ccec_compiler/bisheng lives;
  section 3.2: CANN's bisheng_intf.cmake device flags; section 3.3 (D): the 8.5+/9.x `--npu-arch` model.
- Facts the reference lacks, looked up in public sources and named where used:
  * devkit directory order, include directories and the version header passed with `-include`: CANN's own
    cmake, 8.1.RC1 (leideng/CANN-8.1.RC1 .../tikcpp/ascendc_kernel_cmake/{host_config,bisheng_intf}.cmake)
    and 9.x (mirror-cann/asc-devkit cmake/asc/legacy_modules/{host_config,bisheng_intf}.cmake);
  * version files: `<arch>-linux/ascend_toolkit_install.info` (`version=8.1.RC1`; Huawei's CANN install
    guides 8.0 and 8.5, "File Paths", hiascend.com .../canncommercial/{800,850}/softwareinst/instg/instg_0044),
    `version.cfg` (`..._running_version=[7.7.0.1.238:8.1.RC1]`) and `compiler/version.info`
    (`version_dir=8.1.RC1`) as found in leideng/CANN-8.1.RC1;
  * what the npu style's `-xasc` driver adds by itself (cannmirror/asc-devkit
    tools/ascc/asc_plugin/src/asc_compile_options.cpp and asc_info_manager.cpp), see `bisheng_command`.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ascendpy.errors import ToolchainError
from ascendpy.toolchain import entries, host
from ascendpy.toolchain.targets import Target

# --- discovery ---------------------------------------------------------------------------------------------

# Standard installs outside $HOME, in search order: 8.x toolkit (reference 3.1), then 8.5+/9.x `cann`
# (reference 3.1 "newer: /usr/local/Ascend/cann/set_env.sh"; CANN 8.5 install guide "File Paths").
# A module attribute so that tests can point it at a temporary tree.
SYSTEM_ROOTS: tuple[str, ...] = ("/usr/local/Ascend/ascend-toolkit/latest", "/usr/local/Ascend/cann")
# The same layouts for a non-root install (CANN 8.0 / 8.5 install guides, "File Paths": ${HOME}/Ascend/...).
HOME_ROOTS: tuple[str, ...] = ("Ascend/ascend-toolkit/latest", "Ascend/cann")
ROOT_VARS = ("ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME")  # both exported by set_env.sh (reference 3.1)

# Include directories, relative to the devkit directory, in CANN 9.x bisheng_intf.cmake's order; 8.x installs
# have only the last three (CANN 8.1.RC1 bisheng_intf.cmake). Those that exist are passed.
_INCLUDE_SUBDIRS = (
    "asc/impl/adv_api", "asc/impl/basic_api", "asc/impl/c_api", "asc/impl/basic_api/reg_compute",
    "asc/impl/simt_api", "asc/impl/utils", "asc", "asc/include", "asc/include/adv_api", "asc/include/basic_api",
    "asc/include/aicpu_api", "asc/include/c_api", "asc/include/basic_api/reg_compute", "asc/include/simt_api",
    "asc/include/utils", "tikcpp/tikcfw", "tikcpp/tikcfw/interface", "tikcpp/tikcfw/impl",
)
# `${ASCENDC_DEVKIT_PATH}/../include/version/<header>`: 9.x bisheng_intf.cmake passes asc_devkit_version.h, the
# 9.x -xasc driver and 8.x bisheng_intf.cmake pass cann_version.h.
_VERSION_HEADERS = {"9.x": ("asc_devkit_version.h", "cann_version.h"), "8.x": ("cann_version.h",)}


def host_arch() -> str:
    """The `<arch>` of CANN's `<arch>-linux` directories for this machine (x86_64 or aarch64)."""
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def _devkit_dirs() -> tuple[str, ...]:
    # CANN 9.x host_config.cmake: the first of <arch>-linux, tools, compiler holding ccec_compiler (8.1.RC1's
    # lacks <arch>-linux); reference 3.1 gives the same three.
    return (f"{host_arch()}-linux", "tools", "compiler")


def _bisheng_candidates(root: Path) -> list[Path]:
    """Where bisheng may live under a toolkit root, in search order."""
    return [root / d / "ccec_compiler" / "bin" / "bisheng" for d in _devkit_dirs()] + [root / "bin" / "bisheng"]


def _is_program(p: Path) -> bool:
    return p.is_file() and os.access(p, os.X_OK)


@dataclass(frozen=True)
class Cann:
    """One CANN toolkit install and what bisheng needs from it."""

    root: Path  # the toolkit root (what $ASCEND_HOME_PATH names)
    bisheng: Path
    version: str | None  # e.g. "8.1.RC1"
    layout: str  # "9.x": the ASC headers (asc/include; CANN 8.5+ and 9.x); "8.x": tikcpp/tikcfw only
    include_dirs: tuple[Path, ...]
    version_header: Path | None

    def identity(self) -> str:
        """bisheng's `--version` first line and the CANN version: part of every NPU cache key."""
        return f"{_version_line(str(self.bisheng), *_stat_key(self.bisheng))}; CANN {self.version or 'unknown'}"


def _stat_key(p: Path) -> tuple[int, int]:
    try:
        st = p.stat()
    except OSError:
        return (0, -1)
    return (st.st_mtime_ns, st.st_size)


@functools.cache
def _version_line(bisheng: str, mtime_ns: int, size: int) -> str:
    """First line of `bisheng --version`, cached per binary (a replaced binary has a new mtime or size)."""
    if size < 0:  # an assumed install (dry run): nothing to ask
        return f"{bisheng} (not installed)"
    try:
        proc = subprocess.run([bisheng, "--version"], capture_output=True, text=True, errors="replace",
                              check=False, env=host.child_env(), timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"cannot run `{bisheng} --version`: {exc}") from None
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise ToolchainError(f"`{bisheng} --version` failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    return lines[0].strip()


def _read_kv(p: Path) -> dict[str, str]:
    try:
        text = p.read_text(errors="replace")
    except OSError:
        return {}
    return {k.strip(): v.strip() for k, sep, v in (ln.partition("=") for ln in text.splitlines()) if sep}


def read_version(root: Path, version_header: Path | None = None) -> str | None:
    """The CANN version of an install, from the first of its version records that says one.

    1. `<arch>-linux/ascend_toolkit_install.info` `version=` (CANN 8.0 and 8.5 install guides, "File Paths");
    2. `version.cfg` `*_running_version=[<inner>:<version>]` (8.1.RC1 `ascend-toolkit/latest/version.cfg`);
    3. `compiler/version.info` `version_dir=` (8.1.RC1);
    4. the version header's `#define CANN_VERSION_STR "9.0.0"` (9.x `include/version/cann_version.h`);
    5. the install directory's real name: `8.1.RC1`, or `cann-8.5.0` behind a `cann` link.
    """
    infos = [root / f"{host_arch()}-linux" / "ascend_toolkit_install.info",
             *sorted(root.glob("*-linux/ascend_toolkit_install.info"))]
    for info in infos:
        if version := _read_kv(info).get("version"):
            return version.strip('"')
    try:
        cfg = (root / "version.cfg").read_text(errors="replace")
    except OSError:
        cfg = ""
    if m := re.search(r"^\w*running_version=\[[^:\]]*:([^\]]+)\]", cfg, re.M):
        return m.group(1).strip()
    if version := _read_kv(root / "compiler" / "version.info").get("version_dir"):
        return version
    if version_header is not None:
        try:
            text = version_header.read_text(errors="replace")
        except OSError:
            text = ""
        if m := re.search(r'#\s*define\s+CANN_VERSION_STR\s+"([^"]+)"', text):
            return m.group(1)
    if m := re.fullmatch(r"(?:cann-)?(\d+\.\d+[\w.]*)", root.resolve().name):
        return m.group(1)
    return None


def cann_at(root: Path, bisheng: Path | None = None) -> Cann | None:
    """The Cann at a toolkit root, or None when no bisheng is there (and none is given)."""
    root = Path(root)
    if bisheng is None:
        bisheng = next((p for p in _bisheng_candidates(root) if _is_program(p)), None)
        if bisheng is None:
            return None
    devkit = next((root / d for d in _devkit_dirs() if (root / d / "ccec_compiler").is_dir()), root / "compiler")
    layout = "9.x" if (devkit / "asc" / "include").is_dir() else "8.x"
    include_dirs = tuple(devkit / sub for sub in _INCLUDE_SUBDIRS if (devkit / sub).is_dir())
    header = next((h for name in _VERSION_HEADERS[layout]
                   if (h := root / "include" / "version" / name).is_file()), None)
    return Cann(root=root, bisheng=bisheng, version=read_version(root, header), layout=layout,
                include_dirs=include_dirs, version_header=header)


def _root_of(bisheng: Path) -> Path:
    """The toolkit root a bisheng binary belongs to: <root>/<devkit>/ccec_compiler/bin/bisheng or <root>/bin/."""
    paths = (bisheng, bisheng.resolve())  # a link on PATH may point into the install
    for p in paths:
        if len(p.parents) > 3 and p.parent.name == "bin" and p.parent.parent.name == "ccec_compiler":
            return p.parents[3]
    for p in paths:
        if len(p.parents) > 1 and p.parent.name == "bin" and any(
                (p.parents[1] / d).is_dir() for d in (*_devkit_dirs(), "include")):
            return p.parents[1]
    return bisheng.parent.parent


def _roots(env: Mapping[str, str]) -> list[tuple[str, Path | None]]:
    """(description, root) in search order; root None when that place names nothing."""
    out: list[tuple[str, Path | None]] = []
    for var in ROOT_VARS:
        value = env.get(var, "").strip()
        out.append((f"${var}={value}" if value else f"${var} (not set)", Path(value) if value else None))
    found = shutil.which("bisheng", path=env.get("PATH", ""))
    out.append((f"`bisheng` on $PATH: {found}" if found else "`bisheng` on $PATH (not found)",
                Path(found).absolute() if found else None))
    out.extend((r, Path(r)) for r in SYSTEM_ROOTS)
    home = env.get("HOME", "").strip()
    out.extend((str(Path(home) / r), Path(home) / r) for r in HOME_ROOTS if home)
    return out


def searched_locations(env: Mapping[str, str] | None = None) -> list[str]:
    """Every place `find_cann` looks, in order, as the error message lists them."""
    return [desc for desc, _ in _roots(os.environ if env is None else env)]


def find_cann(env: Mapping[str, str] | None = None) -> Cann | None:
    """The first CANN install with a bisheng: $ASCEND_HOME_PATH, $ASCEND_TOOLKIT_HOME, bisheng on $PATH,
    then the standard installs. A variable naming a directory without bisheng is passed over."""
    for desc, place in _roots(os.environ if env is None else env):
        if place is None:
            continue
        if desc.startswith("`bisheng`"):
            cann = cann_at(_root_of(place), bisheng=place)
        else:
            cann = cann_at(place)
        if cann is not None:
            return cann
    return None


def require_cann(env: Mapping[str, str] | None = None) -> Cann:
    """`find_cann`, or a ToolchainError that lists every place searched and what to do."""
    cann = find_cann(env)
    if cann is not None:
        return cann
    places = "\n".join(f"  - {p}" for p in searched_locations(env))
    under = ", ".join(str(Path("<root>") / c.relative_to("/r")) for c in _bisheng_candidates(Path("/r")))
    raise ToolchainError(
        "CANN's bisheng compiler was not found. Searched:\n"
        f"{places}\n"
        f"(under each root, bisheng is looked for at {under})\n"
        "To fix: source the toolkit's set_env.sh (e.g. `source /usr/local/Ascend/ascend-toolkit/set_env.sh`, "
        "or /usr/local/Ascend/cann/set_env.sh for CANN 8.5+), or set ASCEND_HOME_PATH to the toolkit root; "
        "without CANN, build for the CPU simulator (--sim, target='sim') or print the command (--dry-run)."
    )


def assumed_cann(env: Mapping[str, str] | None = None) -> Cann:
    """A Cann at the default 8.x install for showing commands (dry run) where CANN is absent.

    Nothing is checked: paths are where set_env.sh's PATH (reference 3.1) and CANN 8.1's cmake would look.
    """
    env = os.environ if env is None else env
    root = Path(next((env[v] for v in ROOT_VARS if env.get(v, "").strip()), SYSTEM_ROOTS[0]))
    devkit = root / "tools"  # CANN 8.1.RC1 host_config.cmake's first choice
    return Cann(root=root, bisheng=devkit / "ccec_compiler" / "bin" / "bisheng", version=None, layout="8.x",
                include_dirs=tuple(devkit / s for s in _INCLUDE_SUBDIRS if s.startswith("tikcpp")),
                version_header=root / "include" / "version" / "cann_version.h")


# --- the command -------------------------------------------------------------------------------------------

_FLAG_STYLES = ("cce", "npu")
_CORES = ("aiv", "aic", "mix")

# Per-family flags of the cce style (reference: ascend-rs-book.md 6.4 "Target-specific flags", which match
# ascend-apis.md 3.2's bisheng_intf.cmake rows for 910B c220 and 310P m200).
_FAMILY_FLAGS: dict[str, tuple[str, ...]] = {
    "910B": ("-mllvm", "-cce-aicore-stack-size=0x8000", "-mllvm", "-cce-aicore-function-stack-size=0x8000",
             "-mllvm", "-cce-aicore-record-overflow=true", "-mllvm", "-cce-aicore-addr-transform",
             "-mllvm", "-cce-aicore-dcci-insert-for-scalar=false"),
    "310P": ("--cce-mask-opt", "-mllvm", "-cce-aicore-fp-ceiling=2", "-mllvm", "-cce-aicore-record-overflow=false",
             "-mllvm", "-cce-aicore-mask-opt=false"),
    # CANN 8.1.RC1 ascendc_kernel_cmake/bisheng_intf.cmake (m300_intf_pub): the 310B set, which ascend-rs lacks
    "310B": ("--cce-mask-opt", "-mllvm", "-cce-aicore-function-stack-size=16000", "-mllvm",
             "-cce-aicore-addr-transform", "-mllvm", "-cce-aicore-or-combine=false", "-mllvm",
             "-instcombine-code-sinking=false", "-mllvm", "-cce-aicore-jump-expand=false", "-mllvm",
             "-cce-aicore-mask-opt=false"),
}
_OTHER_FLAGS = ("--cce-mask-opt", "-mllvm", "-cce-aicore-record-overflow=false")  # 6.4 "Other (310)"


@dataclass(frozen=True)
class BishengOptions:
    """What to build (ascend-rs `CompileConfig` minus target and validation; reference 6.7)."""

    output: str = "object"  # "object" (-c) or "shared" (-fPIC --shared)
    flag_style: str | None = None  # "cce" or "npu"; None: default_flag_style (npu for 910B on CANN 8.5+)
    opt_level: int = 2
    includes: tuple[str, ...] = ()
    defines: tuple[str, ...] = ()  # NAME or NAME=VALUE
    libs: tuple[str, ...] = ()  # shared output only
    auto_sync: bool = True
    core: str = "aiv"  # "aiv" | "aic" | "mix"; see detect_core
    source_dir: str | None = None  # searched first for #include "..." (-iquote): the source file's directory

    def __post_init__(self) -> None:
        if self.output not in ("object", "shared"):
            raise ToolchainError(f"unknown bisheng output '{self.output}'; valid: object, shared")
        if self.flag_style is not None and self.flag_style not in _FLAG_STYLES:
            raise ToolchainError(f"unknown flag style '{self.flag_style}'; valid: cce, npu")
        if isinstance(self.opt_level, bool) or not isinstance(self.opt_level, int) or not 0 <= self.opt_level <= 3:
            raise ToolchainError(f"optimisation level must be 0, 1, 2 or 3, not {self.opt_level!r}")
        if self.core not in _CORES:
            raise ToolchainError(f"unknown core type '{self.core}'; valid: aiv, aic, mix")
        if self.libs and self.output != "shared":
            raise ToolchainError(f"libraries ({', '.join(self.libs)}) can only be linked into a shared library; "
                                 "an object file is not linked: build with output='shared' (--shared) or drop -l")
        source_dir = () if self.source_dir is None else (self.source_dir,)
        for kind, values in (("define", self.defines), ("include directory", self.includes),
                             ("library", self.libs), ("source directory", source_dir)):
            for v in values:
                if not v or v.startswith("-"):
                    raise ToolchainError(f"bad {kind} {v!r}: give the bare value (NAME=VALUE, a path, a "
                                         "library name); the -D/-I/-l is added for you")


def default_flag_style(target: Target, cann: Cann) -> str:
    """npu for the 910B family where the install has it, else cce.

    ascend-rs defaults to npu for 910B (reference 6.2/6.4), but `--npu-arch` exists only from CANN 8.5
    (reference 7.5), whose installs carry the ASC headers (layout "9.x"); on 8.0/8.1 the cce style is the
    only one that works.
    """
    return "npu" if target.family == "910B" and target.npu_arch and cann.layout == "9.x" else "cce"


def bisheng_command(cann: Cann, target: Target, source: Path, output: Path, options: BishengOptions,
                    depfile: Path | None = None) -> list[str]:
    """The exact bisheng argv for one translation unit (reference 6.4, in ascend_compile's order).

    `options.source_dir` is passed as `-iquote DIR` before the -I directories, and `depfile` as
    `-MMD -MF FILE` before the output options (bisheng is clang: the artifact cache reads the headers a
    build used from that file; CANN's own cmake passes bisheng `-MD -MT <target> -MF <depfile>`,
    asc-devkit cmake/asc/asc_modules/CMakeASCInformation.cmake).

    cce style: the AscendC include dirs, `-include <version header>` when it exists, `--cce-aicore-arch` for
    the kernel's core type (reference 3.2: 910B aiv dav-c220-vec, aic dav-c220-cube, mix dav-c220), the fixed
    cce flags, the family's flags and `--cce-auto-sync` unless disabled.

    npu style: `--npu-arch=<arch> -xasc` and nothing else of the cce set. Reference 6.4 (path B) passes no
    include dirs and no auto-sync flag, and 3.3 (D) compiles `bisheng x.asc --npu-arch=...` alone: the -xasc
    driver adds the headers, the version header, the per-arch -mllvm flags and `--cce-auto-sync` itself
    (asc-devkit asc_compile_options.cpp `GetDeviceCommonCompileOptions`). It also picks the core type from the
    kernel's own `__vector__`/`__cube__`/`__mix__` or KERNEL_TASK_TYPE_DEFAULT, so `core` does not apply. The
    one way to switch its auto-sync off is `--cce-auto-sync=off` (asc-devkit asc_info_manager.cpp
    `SetCompileArgs`), passed when `auto_sync` is False.
    """
    style = options.flag_style or default_flag_style(target, cann)
    cmd = [str(cann.bisheng)]
    if style == "npu":
        if target.npu_arch is None:
            raise ToolchainError(f"{target.name} has no --npu-arch architecture (the npu flag style is for CANN "
                                 "8.5+ targets such as 910B and 310P); use --flag-style cce")
        cmd += [f"--npu-arch={target.npu_arch}", "-xasc"]
        if not options.auto_sync:
            cmd.append("--cce-auto-sync=off")
    else:
        cmd += [f"-I{d}" for d in cann.include_dirs]
        if cann.version_header is not None:  # set only where it exists (find_cann)
            cmd += ["-include", str(cann.version_header)]
        cmd += [f"--cce-aicore-arch={target.arch(options.core)}", "--cce-aicore-only", "--cce-aicore-lang",
                "--cce-disable-kernel-global-attr-check"]
        cmd += _FAMILY_FLAGS.get(target.family, _OTHER_FLAGS)
        if options.auto_sync:
            cmd.append("--cce-auto-sync")
    cmd.append("-DTILING_KEY_VAR=0")
    cmd += [f"-D{d}" for d in options.defines]
    if options.source_dir is not None:
        cmd += ["-iquote", options.source_dir]
    cmd += [f"-I{i}" for i in options.includes]
    cmd += [f"-O{options.opt_level}", "-std=c++17"]
    if depfile is not None:
        cmd += ["-MMD", "-MF", str(depfile)]
    if options.output == "object":
        cmd += ["-c", str(source), "-o", str(output)]
    else:
        cmd += ["-fPIC", "--shared", str(source), "-o", str(output), *(f"-l{lib}" for lib in options.libs)]
    return cmd


def run_bisheng(cmd: list[str], *, source_name: str | None = None, work_source: Path | None = None) -> None:
    """Run a bisheng command without LD_PRELOAD; on failure raise ToolchainError with the command and the
    compiler's full stderr, where the temporary `work_source` path reads as `source_name`.

    Generated kernels carry `#line N "kernel.py"`, and clang honours it, so their errors already name the
    Python line; those are left as they are.
    """
    replace: dict[str, str] = {}
    if source_name is not None and work_source is not None:
        replace = {str(work_source): source_name, str(Path(work_source).resolve()): source_name}
    host.run(cmd, "bisheng", replace=replace)


# --- kernel type -------------------------------------------------------------------------------------------

# Reference 1.1: __vector__ / __cube__ / __mix__(c, v), and KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_...).
_MIX = re.compile(r"\b__mix__\s*\(|\bKERNEL_TYPE_MIX_\w+")
_AIC = re.compile(r"\b__cube__\b|\bKERNEL_TYPE_AIC_ONLY\b")
_AIV = re.compile(r"\b__vector__\b|\bKERNEL_TYPE_AIV_ONLY\b")
# Reference 1.9: the cube data path (LoadData to L0A/L0B, Mmad, Fixpipe) only runs on a cube core.
_CUBE_OPS = re.compile(r"\b(?:Mmad|LoadData\w*|Fixpipe|REGIST_MATMUL_OBJ)\s*[(<]")


def detect_core(source: str) -> str:
    """The kernel type of an AscendC unit: "aiv" (vector only), "aic" (cube only) or "mix".

    The kernel's own declarations decide (`__mix__(...)`/KERNEL_TYPE_MIX_* -> mix; `__cube__`/
    KERNEL_TYPE_AIC_ONLY -> aic, or mix beside vector-only kernels). Without one, cube operations
    (Mmad, LoadData, Fixpipe, the Matmul object) make it "mix": the whole core's architecture accepts
    both cube and vector instructions, and such kernels usually have both. Comments are ignored.
    """
    code = entries.strip_comments(source)
    if _MIX.search(code):
        return "mix"
    if _AIC.search(code):
        return "mix" if _AIV.search(code) else "aic"
    if _AIV.search(code):
        return "aiv"
    return "mix" if _CUBE_OPS.search(code) else "aiv"
