"""The artifact cache's trust rules: what it loads, what it rebuilds, what it refuses.

Each rule is tested by planting what it guards against: a header edited after the build, another
kernel's library or an edited kernel.json in an entry, an entry copied under another key or replaced
by a link, a cache directory others can write or do not own, a file or a dangling link where a
directory should be, a build that died and left its temporary directory. These tests run as root on
CI machines, which permission bits do not stop; where a case needs another user, the uid is faked.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from ascendpy import CacheError, CompileError, DeviceBuffer, KernelLoader
from ascendpy.sim import build as simbuild
from ascendpy.toolchain import cache
from ascendpy.toolchain.builder import KernelBuilder
from ascendpy.toolchain.cli import main as cli_main
from ascendpy.toolchain.compile import CompileConfig, compile_cpp, compile_file, plan_build

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / "tests" / "sim_cpp" / "local_include"  # add_local.cpp includes "kernel_add.h" beside it
TILE = 256  # kernel_add.h's TILE_LENGTH

# Two kernels with one name and one signature: loading one for the other would go unnoticed at launch.
AFFINE = textwrap.dedent("""\
    #include "kernel_operator.h"
    extern "C" __global__ __aicore__ void affine(GM_ADDR x, GM_ADDR y, float alpha, uint32_t n)
    {
        AscendC::GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x, n);
        yg.SetGlobalBuffer((__gm__ float*)y, n);
        for (uint32_t i = AscendC::GetBlockIdx(); i < n; i += AscendC::GetBlockNum()) {
            yg.SetValue(i, xg.GetValue(i) OP alpha);
        }
    }
    """)
SCALE, SHIFT = AFFINE.replace("OP", "*"), AFFINE.replace("OP", "+")


def _settled(path: Path, text: str) -> None:
    """Write a file, then wait until a build started now would take its digest (see cache._RACY_NS)."""
    path.write_text(text)
    time.sleep(cache._RACY_NS / 1e9 + 0.02)


def _run_affine(artifact, stream, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal(300).astype(np.float32)
    y = DeviceBuffer.empty(np.float32, 300)
    KernelLoader(artifact).get_kernel("affine")[3, stream](DeviceBuffer.from_numpy(x), y, 1.5, 300)
    return x, y.to_numpy()


def _run_add_local(loader: KernelLoader, stream, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = 4 * TILE * 3  # 4 blocks of 3 tiles
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    z = DeviceBuffer.empty(np.float32, n)
    loader.get_kernel("add_local")[4, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), z, n)
    return x, y, z.to_numpy()


@pytest.fixture
def two_file_kernel(tmp_path: Path) -> Path:
    """A copy of the two-file kernel that a test may edit; returns the .cpp."""
    d = tmp_path / "kernel"
    d.mkdir()
    shutil.copy(LOCAL / "add_local.cpp", d)
    _settled(d / "kernel_add.h", (LOCAL / "kernel_add.h").read_text())
    return d / "add_local.cpp"


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache of this test's own (not yet created): for the directory rules, built by cached_build."""
    base = tmp_path / "cache"
    monkeypatch.setenv("ASCENDPY_CACHE_DIR", str(base))
    return base


def _writer(text: str, calls: list[str] | None = None):
    def build(out: Path) -> None:
        out.write_text(text)
        if calls is not None:
            calls.append(text)
    return build


# --- local headers ------------------------------------------------------------------------------------------


def test_a_two_file_kernel_builds_with_compile_file_and_kernel_loader(runtime, rng):
    _, _, _, stream = runtime
    art = compile_file(LOCAL / "add_local.cpp")
    assert art.metadata["config"]["source_dir"] == str(LOCAL)
    x, y, z = _run_add_local(KernelLoader(art), stream, rng)
    np.testing.assert_array_equal(z, x + y)
    x, y, z = _run_add_local(KernelLoader.from_file(LOCAL / "add_local.cpp"), stream, rng)
    np.testing.assert_array_equal(z, x + y)


def test_kernel_builder_builds_a_kernel_with_its_own_header(tmp_path):
    results = KernelBuilder(CompileConfig(sim=True), progress=False).add(LOCAL).build(tmp_path / "dist")
    assert [(r.relative, r.ok, list(r.artifact.metadata["kernels"])) for r in results] == [
        ("add_local", True, ["add_local"])]  # the header alone is not a kernel source
    assert (tmp_path / "dist" / "add_local.so").is_file()


def test_without_its_directory_the_header_is_not_found():
    """compile_cpp on the text alone has no file to be beside: the missing header is named at its line."""
    with pytest.raises(CompileError, match=r"add_local\.cpp:3:10: fatal error: kernel_add\.h"):
        compile_cpp((LOCAL / "add_local.cpp").read_text(), source_name="add_local.cpp")


def test_editing_an_included_header_rebuilds_the_kernel(two_file_kernel, runtime, rng):
    _, _, _, stream = runtime
    header = two_file_kernel.with_name("kernel_add.h")
    adding = header.read_text()
    first = compile_file(two_file_kernel)
    deps = json.loads((first.directory / cache.DEPS_FILE).read_text())["files"]
    assert [d["path"] for d in deps] == [str(header)]  # neither the unit nor the simulator's headers
    assert deps[0]["sha256"] == cache._digest(header)
    x, y, z = _run_add_local(KernelLoader(first), stream, rng)
    np.testing.assert_array_equal(z, x + y)
    stamp = first.library.stat().st_mtime_ns
    assert compile_file(two_file_kernel).library.stat().st_mtime_ns == stamp  # unchanged: a cache hit

    _settled(header, adding.replace("AscendC::Add(", "AscendC::Sub("))
    second = compile_file(two_file_kernel)
    # A library of its own: a process that loaded the first one must not be handed it again by dlopen.
    assert second.directory != first.directory and first.library.stat().st_mtime_ns == stamp
    x, y, z = _run_add_local(KernelLoader(second), stream, rng)
    np.testing.assert_array_equal(z, x - y)
    plan = plan_build(two_file_kernel.read_text(), CompileConfig(sim=True).for_file(two_file_kernel),
                      source_name=str(two_file_kernel))
    manifest = json.loads(plan.entry.with_name(plan.key + ".manifest").read_text())
    assert manifest == [second.directory.name, first.directory.name]

    _settled(header, adding)  # back to the first version: its entry is still good
    assert compile_file(two_file_kernel).library == first.library
    assert first.library.stat().st_mtime_ns == stamp

    header.unlink()  # a header gone since the build: rebuilt, and the compiler names it
    with pytest.raises(CompileError, match=r"add_local\.cpp:3:10: fatal error: kernel_add\.h: No such file"):
        compile_file(two_file_kernel)


def test_a_header_changed_during_the_build_is_not_trusted(private_cache, tmp_path):
    """A dependency written after the build started may not be what the compiler read: rebuilt next time."""
    header = tmp_path / "h.h"
    header.write_text("v1")
    calls: list[str] = []

    def build(out: Path) -> None:
        header.write_text("v2")  # an editor saving while the compiler runs
        out.write_text("lib")
        out.with_name("k.d").write_text(f"{out}: {out.with_name('k.cpp')} \\\n {header}\n")
        calls.append("built")

    lib = cache.cached_build("kernels", "a" * 64, "k.so", build, depfile="k.d")
    assert json.loads(lib.with_name(cache.DEPS_FILE).read_text())["files"] == [{"path": str(header), "sha256": None}]
    assert not lib.with_name("k.d").exists()
    cache.cached_build("kernels", "a" * 64, "k.so", build, depfile="k.d")
    assert calls == ["built", "built"]


def test_a_compiler_that_writes_no_depfile_is_an_error(private_cache):
    with pytest.raises(CacheError, match="no dependency file"):
        cache.cached_build("kernels", "b" * 64, "k.so", _writer("lib"), depfile="k.d")


def test_generated_kernels_depend_on_nothing_but_the_key():
    """A Python kernel includes only kernel_operator.h, whose simulator tree the key covers."""
    art = KernelLoader.from_module(ROOT / "examples" / "vec_mul" / "kernels.py").artifact
    assert json.loads((art.directory / cache.DEPS_FILE).read_text()) == {"files": []}


def test_parse_depfile_handles_escapes_and_continuations():
    text = "/c/a b.so: /t/k.cpp \\\n /i/a\\ b.h /i/$$x.h \\\n  /i/\\#h.h\n"
    assert cache.parse_depfile(text) == ["/t/k.cpp", "/i/a b.h", "/i/$x.h", "/i/#h.h"]


# --- entries bound to their key -----------------------------------------------------------------------------


def test_a_planted_foreign_artifact_is_rebuilt_never_loaded(runtime, rng, tmp_path):
    _, _, _, stream = runtime
    name = str(tmp_path / "affine.cpp")
    scale, shift = compile_cpp(SCALE, source_name=name), compile_cpp(SHIFT, source_name=name)
    foreign = shift.library.read_bytes()
    shutil.copyfile(shift.library, scale.library)  # the other kernel's library, under this key
    again = compile_cpp(SCALE, source_name=name)
    assert again.library == scale.library and again.library.read_bytes() != foreign
    x, y = _run_affine(again, stream, rng)
    np.testing.assert_array_equal(y, x * np.float32(1.5))


def test_an_edited_kernel_json_is_rebuilt(tmp_path):
    art = compile_cpp(SCALE, source_name=str(tmp_path / "edited.cpp"))
    meta_path = art.directory / "kernel.json"
    original = json.loads(meta_path.read_text())
    edited = {**original, "kernels": {"affine": {**original["kernels"]["affine"], "params": []}}}
    meta_path.write_text(json.dumps(edited))
    again = compile_cpp(SCALE, source_name=str(tmp_path / "edited.cpp"))
    assert again.metadata["kernels"] == original["kernels"]
    assert json.loads(meta_path.read_text())["kernels"]["affine"]["params"]


def test_an_entry_copied_under_another_key_is_rebuilt(runtime, rng, tmp_path):
    """A whole entry, marker included, renamed to another kernel's key: the marker names its own key."""
    _, _, _, stream = runtime
    name = str(tmp_path / "copied.cpp")
    scale, shift = compile_cpp(SCALE, source_name=name), compile_cpp(SHIFT, source_name=name)
    shutil.rmtree(scale.directory)
    shutil.copytree(shift.directory, scale.directory)
    x, y = _run_affine(compile_cpp(SCALE, source_name=name), stream, rng)
    np.testing.assert_array_equal(y, x * np.float32(1.5))


def test_an_entry_that_is_a_link_is_not_followed(tmp_path):
    """Even a link to a faithful copy of the entry: the link is replaced by a real entry, its target untouched."""
    art = compile_cpp(SCALE, source_name=str(tmp_path / "linked.cpp"))
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(art.directory, elsewhere)
    shutil.rmtree(art.directory)
    art.directory.symlink_to(elsewhere, target_is_directory=True)
    again = compile_cpp(SCALE, source_name=str(tmp_path / "linked.cpp"))
    assert not again.directory.is_symlink() and again.directory.is_dir()
    assert sorted(p.name for p in elsewhere.iterdir()) == sorted(p.name for p in again.directory.iterdir())


def test_a_file_in_an_entry_that_is_a_link_is_not_trusted(tmp_path):
    art = compile_cpp(SCALE, source_name=str(tmp_path / "linkfile.cpp"))
    real = tmp_path / "kernel.so"
    shutil.copyfile(art.library, real)
    art.library.unlink()
    art.library.symlink_to(real)  # same bytes, but the file could change under the entry at any time
    again = compile_cpp(SCALE, source_name=str(tmp_path / "linkfile.cpp"))
    assert not again.library.is_symlink()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_an_entry_owned_by_another_user_is_rebuilt(tmp_path):
    art = compile_cpp(SCALE, source_name=str(tmp_path / "owned.cpp"))
    os.chown(art.directory, 4242, -1)
    again = compile_cpp(SCALE, source_name=str(tmp_path / "owned.cpp"))
    assert again.directory.stat().st_uid == os.geteuid()


def test_a_manifest_pointing_at_another_keys_entry_is_not_followed(private_cache, tmp_path):
    """The manifest is a hint: an entry it names must be a build of this key (its name says so)."""
    header = tmp_path / "h.h"
    _settled(header, "shared header")
    calls: list[str] = []

    def build_with(text: str):
        def build(out: Path) -> None:
            out.write_text(text)
            out.with_name("k.d").write_text(f"{out}: {header}\n")
            calls.append(text)
        return build

    a = cache.cached_build("kernels", "a" * 64, "k.so", build_with("A"), depfile="k.d")
    b = cache.cached_build("kernels", "b" * 64, "k.so", build_with("B"), depfile="k.d")
    assert a.parent.name == cache.result_name("a" * 64, [{"path": str(header), "sha256": cache._digest(header)}])
    shutil.rmtree(a.parent)
    (private_cache / "kernels" / ("a" * 64 + ".manifest")).write_text(json.dumps([b.parent.name]))
    again = cache.cached_build("kernels", "a" * 64, "k.so", build_with("A"), depfile="k.d")
    assert again.read_text() == "A" and calls == ["A", "B", "A"]


def test_the_marker_binds_every_file_of_the_entry(private_cache):
    calls: list[str] = []
    key = "c" * 64
    lib = cache.cached_build("kernels", key, "k.so", _writer("lib", calls))
    files = {p.name: cache._digest(p) for p in lib.parent.iterdir() if p.name != ".complete"}
    assert (lib.parent / ".complete").read_text() == cache.entry_digest(key, files)
    (lib.parent / "extra.txt").write_text("planted")  # a file added to an entry
    cache.cached_build("kernels", key, "k.so", _writer("lib", calls))
    assert calls == ["lib", "lib"] and not (lib.parent / "extra.txt").exists()


# --- the cache directory ------------------------------------------------------------------------------------


def _refused(match: str) -> None:
    with pytest.raises(CacheError, match=match) as info:
        cache.cached_build("kernels", "d" * 64, "k.so", _writer("lib"))
    assert "ASCENDPY_CACHE_DIR" in str(info.value)


@pytest.mark.parametrize(("mode", "who"), [(0o777, "group and others"), (0o770, "its group"),
                                           (0o702, "group and others")])
def test_a_cache_directory_others_can_write_is_refused(private_cache, mode, who):
    private_cache.mkdir()
    private_cache.chmod(mode)
    _refused(rf"{re.escape(str(private_cache))} is writable by {who} \(mode {mode:04o}\).*chmod 700")
    private_cache.chmod(0o700)
    assert cache.cached_build("kernels", "d" * 64, "k.so", _writer("lib")).read_text() == "lib"


def test_a_subdirectory_others_can_write_is_refused(private_cache):
    (private_cache / "kernels").mkdir(parents=True)
    os.chmod(private_cache, 0o700)
    (private_cache / "kernels").chmod(0o777)
    _refused(rf"{re.escape(str(private_cache / 'kernels'))} is writable by group and others")


def test_a_cache_directory_owned_by_someone_else_is_refused(private_cache, monkeypatch):
    private_cache.mkdir(mode=0o700)
    monkeypatch.setattr(cache, "_current_uid", lambda: os.geteuid() + 1000)  # as if we were another user
    uid = os.geteuid()
    _refused(rf"{re.escape(str(private_cache))} is owned by uid {uid}, not by you \(uid {uid + 1000}\).*chown")


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_cache_directory_chowned_to_someone_else_is_refused(private_cache):
    private_cache.mkdir(mode=0o700)
    os.chown(private_cache, 4242, -1)
    _refused(rf"owned by uid 4242, not by you \(uid {os.geteuid()}\)")


def test_directories_the_cache_creates_are_private_whatever_the_umask(tmp_path, monkeypatch):
    base = tmp_path / "a" / "b" / "cache"
    monkeypatch.setenv("ASCENDPY_CACHE_DIR", str(base))
    old = os.umask(0)
    try:
        lib = cache.cached_build("kernels", "e" * 64, "k.so", _writer("lib"))
    finally:
        os.umask(old)
    for d in (tmp_path / "a", tmp_path / "a" / "b", base, base / "kernels", lib.parent):
        assert d.stat().st_mode & 0o777 == 0o700, d


def test_the_default_cache_directory_is_created_private(tmp_path, monkeypatch):
    monkeypatch.delenv("ASCENDPY_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    old = os.umask(0)
    try:
        assert cache.cache_dir() == tmp_path / "xdg" / "ascendpy"
    finally:
        os.umask(old)
    assert (tmp_path / "xdg" / "ascendpy").stat().st_mode & 0o777 == 0o700


def test_a_subdirectory_that_is_a_link_is_refused_and_cleared(private_cache, tmp_path):
    other = tmp_path / "other"
    other.mkdir(mode=0o700)
    (other / "keep.txt").write_text("not the cache's")
    private_cache.mkdir(mode=0o700)
    (private_cache / "kernels").symlink_to(other, target_is_directory=True)
    _refused(r"kernels is a symbolic link \(to .*other\); the cache does not follow links")
    assert cache.clear() == (0, 0)
    assert not os.path.lexists(private_cache / "kernels") and (other / "keep.txt").is_file()
    assert cache.cached_build("kernels", "d" * 64, "k.so", _writer("lib")).read_text() == "lib"


def test_a_dangling_link_as_the_cache_directory(private_cache, tmp_path):
    private_cache.symlink_to(tmp_path / "gone")
    _refused(rf"{re.escape(str(private_cache))} is a symbolic link to {re.escape(str(tmp_path / 'gone'))}, "
             "which does not exist.*mkdir -m 700")


def test_a_file_where_the_cache_directory_should_be(private_cache):
    private_cache.write_text("not a directory")
    _refused(rf"{re.escape(str(private_cache))} is not a directory")


def test_a_file_on_the_way_to_the_cache_directory(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("ASCENDPY_CACHE_DIR", str(tmp_path / "file" / "cache"))
    _refused("cannot create the cache directory .*: a file is where a directory should be")


def test_a_parent_that_cannot_be_created(monkeypatch):
    monkeypatch.setenv("ASCENDPY_CACHE_DIR", "/proc/ascendpy-no-such-dir/cache")
    _refused(r"cannot create the cache directory /proc/ascendpy-no-such-dir/cache: .*mkdir -m 700 -p")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories; see the next test")
def test_a_read_only_cache_directory(private_cache):
    private_cache.mkdir(mode=0o500)
    _refused(rf"cannot create the cache subdirectory {re.escape(str(private_cache / 'kernels'))}: "
             r".*Permission denied.*chmod u\+w")


@pytest.mark.parametrize(("where", "code", "match"), [
    ("mkdir", errno.EACCES, r"cannot create the cache subdirectory .*Permission denied; make .* writable \(chmod"),
    ("mkdtemp", errno.EACCES, r"cannot make a build directory in .*Permission denied; make it writable"),
    ("mkdtemp", errno.EROFS, r"cannot make a build directory in .*Read-only file system"),
    ("mkdtemp", errno.ENOSPC, r"No space left on device; free some space \(`ascend-compile cache clear`\)"),
])
def test_read_only_and_full_caches_are_clear_errors(private_cache, monkeypatch, where, code, match):
    """What a non-root user meets in a read-only or full cache, faked where root would not meet it."""
    private_cache.mkdir(mode=0o700)
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).name != "kernels":
            return real_mkdir(path, *args, **kwargs)
        raise OSError(code, os.strerror(code), str(path))

    def mkdtemp(*args, dir: str, **kwargs):
        raise OSError(code, os.strerror(code), str(dir))

    if where == "mkdir":
        monkeypatch.setattr(cache.os, "mkdir", mkdir)
    else:
        (private_cache / "kernels").mkdir(mode=0o700)
        monkeypatch.setattr(cache.tempfile, "mkdtemp", mkdtemp)
    _refused(match)


def test_a_read_only_cache_still_serves_what_it_holds(private_cache, monkeypatch):
    calls: list[str] = []
    cache.cached_build("kernels", "d" * 64, "k.so", _writer("lib", calls))

    def mkdtemp(*args, dir: str, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dir))

    monkeypatch.setattr(cache.tempfile, "mkdtemp", mkdtemp)
    assert cache.cached_build("kernels", "d" * 64, "k.so", _writer("lib", calls)).read_text() == "lib"
    assert calls == ["lib"]
    with pytest.raises(CacheError, match="Read-only file system"):
        cache.cached_build("kernels", "e" * 64, "k.so", _writer("lib", calls))


def test_the_cli_reports_an_unusable_cache_without_a_traceback(private_cache, capsys):
    private_cache.mkdir()
    private_cache.chmod(0o777)
    assert cli_main(["cache", "info"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ascend-compile: error: the cache directory") and "Traceback" not in err
    assert "ASCENDPY_CACHE_DIR" in err and "chmod 700" in err


def test_the_simulator_library_goes_through_the_same_checks(private_cache, monkeypatch):
    private_cache.mkdir()
    private_cache.chmod(0o777)
    monkeypatch.setattr(simbuild, "_built", None)
    monkeypatch.setattr(simbuild, "PREBUILT_DIR", private_cache.parent / "no-prebuilt")  # not the install's copy
    with pytest.raises(CacheError, match="writable by group and others"):
        simbuild.sim_library()


def test_a_runtime_started_on_an_unusable_cache_says_so(tmp_path):
    """The first compile (and the first Acl() without a library built at install) goes through the cache: a
    clear error, in a fresh process."""
    bad = tmp_path / "shared"
    bad.mkdir()
    bad.chmod(0o777)
    env = {**os.environ, "ASCENDPY_CACHE_DIR": str(bad), "PYTHONPATH": str(ROOT), "ASCENDPY_DEVICE": "sim"}
    code = "from ascendpy import Acl, KernelLoader; Acl(); KernelLoader.from_module('examples/vec_mul/kernels.py')"
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert f"ascendpy.errors.CacheError: the cache directory {bad} is writable" in proc.stderr
    assert "ASCENDPY_CACHE_DIR" in proc.stderr


# --- abandoned temporary directories ------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _plant_temporaries(kind_dir: Path) -> dict[str, Path]:
    host = cache._host()
    made = {
        "dead": kind_dir / f".{'1' * 16}-{_dead_pid()}@{host}-abcd1234",
        "dead_trash": kind_dir / f".trash-{_dead_pid()}@{host}-abcd1234",
        "live": kind_dir / f".{'2' * 16}-{os.getpid()}@{host}-abcd1234",
        "other_host": kind_dir / f".{'3' * 16}-{_dead_pid()}@another-host-abcd1234",
        "old": kind_dir / f".{'4' * 16}-qwertyui",  # an older ascendpy's name, two days old
    }
    for d in made.values():
        d.mkdir(parents=True)
        (d / "kernel.cpp").write_text("half a build")
    past = time.time() - 2 * cache.STALE_AFTER_S
    os.utime(made["old"], (past, past))
    return made


def test_a_build_sweeps_the_temporary_directories_of_dead_builds(private_cache):
    made = _plant_temporaries(private_cache / "kernels")
    os.chmod(private_cache, 0o700)
    os.chmod(private_cache / "kernels", 0o700)
    cache.cached_build("kernels", "f" * 64, "k.so", _writer("lib"))
    kept = {name for name, d in made.items() if d.exists()}
    assert kept == {"live", "other_host"}  # this process's build, and a host whose pids we cannot see


def test_cache_clear_sweeps_them_too(private_cache, capsys):
    cache.cached_build("kernels", "f" * 64, "k.so", _writer("lib"))
    made = _plant_temporaries(private_cache / "kernels")
    assert cli_main(["cache", "clear"]) == 0
    assert capsys.readouterr().out.strip() == "removed 1 cache entries and 3 abandoned temporary build directories"
    assert made["live"].exists() and made["other_host"].exists() and not made["dead"].exists()
    assert cli_main(["cache", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 0


def test_a_killed_build_leaves_a_directory_that_the_next_build_removes(private_cache):
    """A real death: a process killed in the middle of cached_build."""
    code = ("import os, signal; from ascendpy.toolchain import cache\n"
            "def build(out):\n    out.write_text('half'); os.kill(os.getpid(), signal.SIGKILL)\n"
            f"cache.cached_build('kernels', {'9' * 64!r}, 'k.so', build)\n")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert proc.returncode == -9
    left = [p for p in (private_cache / "kernels").iterdir() if p.name.startswith(".")]
    assert len(left) == 1 and (left[0] / "k.so").read_text() == "half"
    cache.cached_build("kernels", "8" * 64, "k.so", _writer("lib"))
    assert not left[0].exists()


def test_dry_run_names_the_flags_the_build_uses(tmp_path):
    plan = plan_build((LOCAL / "add_local.cpp").read_text(), CompileConfig(sim=True).for_file(LOCAL / "add_local.cpp"))
    cmd = plan.command_in()
    assert cmd[cmd.index("-iquote") + 1] == str(LOCAL)
    assert cmd[cmd.index("-MF") + 1] == str(plan.entry / plan.depfile) and "-MMD" in cmd
