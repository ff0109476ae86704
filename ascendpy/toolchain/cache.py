"""Content-addressed on-disk cache of build artifacts, and the rules for trusting what it holds.

A key is the SHA-256 of everything that determines an artifact and is known before the build (the
source text, flags, compiler identity, the simulator's sources). A build runs in a private temporary
directory, published with an atomic rename, so two processes building the same entry both succeed
and end up sharing it. A build that has the compiler list the headers it read (-MMD -MF) records
them with their digests in deps.json; its entry is then named by the key *and* those digests
(`result_name`; the key alone when it read nothing the key does not cover), listed in the key's
manifest, so each version of the headers gets an entry and a library path of its own.

An entry is loaded only if all of this holds (else it is rebuilt, never loaded):
- it is a real directory owned by this user (an entry that is a symlink is not followed), holding
  only regular files of this user's;
- its `.complete` marker, written last, equals `entry_digest(name, files)`: the SHA-256 of the
  entry's name and of every file in it (artifact, kernel.json, deps.json...), and its name is
  `result_name(key, deps)`: so an entry copied or renamed under another key, one with a planted
  artifact, an added file or an edited kernel.json, fails;
- every file in its deps.json still has the SHA-256 it had when the entry was built.

The cache directory itself must be a directory owned by this user that neither group nor others
can write, and so must the kind directories, which must not be links; anything else is a CacheError
naming ASCENDPY_CACHE_DIR and the fix. Directories the cache creates are 0700 whatever the umask.

These rules stop accidents (stale headers, copies, mixes, half-written entries) and other users;
they do not stop a process of the same user, which could as well rewrite the markers.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ascendpy.errors import CacheError

_MARKER = ".complete"
DEPS_FILE = "deps.json"
STALE_AFTER_S = 24 * 3600  # a temporary build directory older than this is abandoned whoever made it
MAX_VARIANTS = 8  # entries kept per key for different contents of its headers (switching back is a hit)
# Temporary directories: `.<key[:16]>-<pid>@<host>-<random>` (a build) and `.trash-<pid>@<host>-<random>`
# (an entry being deleted). The pid and host say whether their maker is still alive.
_TEMP_NAME = re.compile(r"\.(?:[0-9a-f]{16}|trash)-(?P<pid>\d+)@(?P<host>[^/]*)-[a-z0-9_]+")
# A dependency's mtime this close to (or after) the build's start may not be what the compiler read.
_RACY_NS = 100_000_000


def _current_uid() -> int:
    """The effective uid entries must belong to (a function so that tests can pretend to be someone else)."""
    return os.geteuid()


_ELSEWHERE = "point ASCENDPY_CACHE_DIR at a private directory of your own (mkdir -m 700 DIR)"


def _configured_dir() -> Path:
    env = os.environ.get("ASCENDPY_CACHE_DIR")
    if env:
        return Path(env).expanduser().absolute()
    return (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ascendpy").absolute()


def _io_error(exc: OSError, doing: str, base: Path) -> CacheError:
    """An OSError met while using the cache, as a CacheError that says where, why and what to do."""
    where = exc.filename or base
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"make it writable (chmod 700 {base}), or {_ELSEWHERE}"
    elif exc.errno == errno.ENOSPC:
        fix = f"free some space (`ascend-compile cache clear`), or {_ELSEWHERE}"
    else:
        fix = _ELSEWHERE
    return CacheError(f"the ascendpy cache cannot {doing}: {where}: {exc.strerror or exc}; {fix}")


def _check_dir(path: Path, what: str, *, follow: bool) -> None:
    """Refuse `path` unless it is a directory owned by this user that group and others cannot write."""
    st = os.stat(path) if follow else os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise CacheError(f"{what} {path} is a symbolic link (to {os.readlink(path)}); the cache does not follow "
                         f"links inside it: remove it (`ascend-compile cache clear` does), or {_ELSEWHERE}")
    if not stat.S_ISDIR(st.st_mode):
        raise CacheError(f"{what} {path} is not a directory; remove what is there, or {_ELSEWHERE}")
    uid = _current_uid()
    if st.st_uid != uid:
        raise CacheError(f"{what} {path} is owned by uid {st.st_uid}, not by you (uid {uid}), so its kernels may "
                         f"not be yours; take it over (chown -R {uid} {path}), or {_ELSEWHERE}")
    if st.st_mode & 0o022:
        who = "group and others" if st.st_mode & 0o002 else "its group"
        raise CacheError(f"{what} {path} is writable by {who} (mode {stat.S_IMODE(st.st_mode):04o}), so they "
                         f"could plant kernels in it; make it private (chmod 700 {path}), or {_ELSEWHERE}")


def _make_private_dir(path: Path, what: str, base: Path) -> None:
    """Create `path` and its missing parents, each 0700 whatever the umask; then check `path`."""
    missing: list[Path] = []
    p = path
    while not os.path.lexists(p) and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            continue  # another process made it first; it is checked below like any other
        except OSError as exc:
            reason = f"{exc.filename or d}: {exc.strerror or exc}"
            if exc.errno == errno.ENOTDIR:
                reason = "a file is where a directory should be on the way to it"
            elif exc.errno == errno.ENOENT and os.path.islink(p):
                reason = f"{p} is a symbolic link to {os.readlink(p)}, which does not exist"
            fix = f"create it yourself (mkdir -m 700 -p {path})"
            if exc.errno == errno.EACCES:
                fix = f"make {p} writable (chmod u+w {p})"
            raise CacheError(f"cannot create {what} {path}: {reason}; {fix}, or {_ELSEWHERE}") from None
        os.chmod(d, 0o700)
    try:
        _check_dir(path, what, follow=path == base)
    except FileNotFoundError:
        if not os.path.islink(path):
            raise
        raise CacheError(f"{what} {path} is a symbolic link to {os.readlink(path)}, which does not exist; "
                         f"create that (mkdir -m 700 {os.path.realpath(path)}), or {_ELSEWHERE}") from None


def cache_dir() -> Path:
    """$ASCENDPY_CACHE_DIR, else $XDG_CACHE_HOME/ascendpy, else ~/.cache/ascendpy: created, then checked."""
    base = _configured_dir()
    _make_private_dir(base, "the cache directory", base)
    return base


def _kind_dir(kind: str) -> Path:
    base = cache_dir()
    path = base / kind
    _make_private_dir(path, "the cache subdirectory", base)
    return path


def cache_key(parts: Iterable[str | bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entry_digest(key: str, files: dict[str, str]) -> str:
    """What an entry's marker holds: its key and every file in it (name -> SHA-256), bound together."""
    return cache_key(["ascendpy-cache-entry-v2", key, *(f"{name}\0{files[name]}" for name in sorted(files))])


def _entry_files(entry: Path) -> dict[str, str] | None:
    """name -> SHA-256 of every file of an entry (marker excluded); None unless it is a real directory of
    this user's holding only regular files of this user's."""
    uid = _current_uid()
    try:
        st = os.lstat(entry)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o022:
            return None
        files: dict[str, str] = {}
        with os.scandir(entry) as it:
            for f in it:
                fst = f.stat(follow_symlinks=False)
                if not stat.S_ISREG(fst.st_mode) or fst.st_uid != uid:
                    return None
                if f.name != _MARKER:
                    files[f.name] = _digest(Path(f.path))
        return files
    except OSError:
        return None


def _read_deps(entry: Path) -> list[dict] | None:
    """The entry's deps.json list ([] without one: a build that read nothing the key does not cover)."""
    try:
        deps = json.loads((entry / DEPS_FILE).read_text())["files"]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ok = isinstance(deps, list) and all(isinstance(d, dict) and isinstance(d.get("path"), str) for d in deps)
    return deps if ok else None


def result_name(key: str, deps: list[dict]) -> str:
    """The name of the entry a build of `key` that read `deps` is published under: the key itself when it
    read nothing else, else a digest of the key and each dependency's digest, so that each version of the
    headers has an entry (and a library path) of its own."""
    if not deps:
        return key
    return cache_key([key, "deps", *(f"{d['path']}\0{d.get('sha256')}" for d in deps)])


def _trusted(entry: Path, key: str, filename: str) -> bool:
    """Whether the entry may be loaded as the build of `key` (see the module docstring)."""
    files = _entry_files(entry)
    if files is None or filename not in files:
        return False
    try:
        if (entry / _MARKER).read_text().strip() != entry_digest(entry.name, files):
            return False
    except OSError:
        return False
    deps = _read_deps(entry)
    if deps is None or entry.name != result_name(key, deps):
        return False  # not a build of this key
    for dep in deps:
        try:
            if dep.get("sha256") is None or _digest(Path(dep["path"])) != dep["sha256"]:
                return False
        except OSError:
            return False
    return True


def _manifest(kind_dir: Path, key: str) -> Path:
    """Names of the entries built for `key` with tracked headers, newest first (a hint: each is checked)."""
    return kind_dir / f"{key}.manifest"


def _variants(kind_dir: Path, key: str) -> list[str]:
    try:
        names = json.loads(_manifest(kind_dir, key).read_text())
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str) and re.fullmatch(r"[0-9a-f]{64}", n)] \
        if isinstance(names, list) else []


def _lookup(kind_dir: Path, key: str, filename: str, tracked: bool) -> Path | None:
    if _trusted(kind_dir / key, key, filename):
        return kind_dir / key
    if tracked:
        for name in _variants(kind_dir, key):
            if _trusted(kind_dir / name, key, filename):
                return kind_dir / name
    return None


def _remember(kind_dir: Path, key: str, name: str) -> None:
    """Put `name` first in the key's manifest (atomically replaced); entries dropped past MAX_VARIANTS go."""
    old = _variants(kind_dir, key)
    names = [name, *(n for n in old if n != name)]
    fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}-{os.getpid()}@{_host()}-", dir=kind_dir)
    with os.fdopen(fd, "w") as f:
        json.dump(names[:MAX_VARIANTS], f)
    os.replace(tmp, _manifest(kind_dir, key))
    for dropped in names[MAX_VARIANTS:]:
        _discard(kind_dir / dropped)


def lookup(kind: str, key: str, filename: str) -> Path | None:
    """`<cache>/<kind>/<key>/<filename>` if a trusted entry of `key` (built without a depfile) holds it, else
    None; builds nothing."""
    hit = _lookup(_kind_dir(kind), key, filename, False)
    return hit / filename if hit is not None else None


def entry_path(kind: str, key: str) -> Path:
    """Where the entry for `key` lives (whether or not it is built yet)."""
    return cache_dir() / kind / key


# --- dependencies ------------------------------------------------------------------------------------------


def parse_depfile(text: str) -> list[str]:
    """The prerequisites of the Make rule gcc and clang write with -MMD -MF: `target: a.cpp b\\ c.h \\`."""
    text = text.replace("\\\r\n", " ").replace("\\\n", " ")
    tokens = [re.sub(r"\\([ #])|\$(\$)", r"\1\2", t) for t in re.findall(r"(?:\\[ #]|\S)+", text)]
    for n, tok in enumerate(tokens):  # the target ends with the first token that ends with ':'
        if tok.endswith(":"):
            return tokens[n + 1:]
    return tokens


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def record_deps(directory: Path, depfile: str, covered: Sequence[str | os.PathLike[str]], start_ns: int) -> None:
    """Turn the compiler's depfile into deps.json: each file it read with its SHA-256.

    Left out: the build's own files, and files under `covered` (directories whose contents the key already
    covers: the simulator headers, the CANN install named by the compiler identity). A file changed since
    the build started is recorded without a digest, so the entry is rebuilt on its next use.
    """
    raw = directory / depfile
    try:
        text = raw.read_text()
    except FileNotFoundError:
        raise CacheError(f"the compiler wrote no dependency file ({raw.name}) although it was asked to with -MF; "
                         "the cache cannot tell which headers this kernel depends on") from None
    raw.unlink()
    own = str(directory.resolve())
    roots = sorted({os.path.abspath(r) for r in covered} | {os.path.realpath(r) for r in covered})
    files, seen = [], set()
    for name in parse_depfile(text):
        path = os.path.abspath(name)
        if path in seen or _under(path, [own, str(directory)]) or _under(path, roots) \
                or _under(os.path.realpath(path), roots):
            continue
        seen.add(path)
        try:
            st = os.stat(path)
            digest = _digest(Path(path)) if max(st.st_mtime_ns, st.st_ctime_ns) < start_ns - _RACY_NS else None
        except OSError:
            digest = None
        files.append({"path": path, "sha256": digest})
    (directory / DEPS_FILE).write_text(json.dumps({"files": files}, indent=1))


# --- temporary directories ---------------------------------------------------------------------------------


def _host() -> str:
    """This machine's name as temporary names carry it (os.uname: importing socket would slow warm loads)."""
    return re.sub(r"[^A-Za-z0-9.]", "_", os.uname().nodename)[:64] or "host"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _temp_dir(kind_dir: Path, what: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix=f".{what}-{os.getpid()}@{_host()}-", dir=kind_dir))
    os.chmod(d, 0o700)
    return d


def _abandoned(path: Path, now: float) -> bool:
    """A temporary directory whose builder died (its pid is gone on this host), or older than a day."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    if now - st.st_mtime > STALE_AFTER_S:
        return True
    m = _TEMP_NAME.fullmatch(path.name)
    return bool(m and m["host"] == _host() and not _pid_alive(int(m["pid"])))


def sweep(kind_dir: Path) -> int:
    """Delete the temporary directories (and manifest files) of builds that died (see `_abandoned`)."""
    removed = 0
    now = time.time()
    try:
        names = [n for n in os.listdir(kind_dir) if n.startswith(".")]
    except OSError:
        return 0
    for name in names:
        p = kind_dir / name
        if not _abandoned(p, now):
            continue
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(p)
        removed += not os.path.lexists(p)
    return removed


def _discard(entry: Path) -> None:
    """Remove an entry (a symlink or file in its place is unlinked, never followed); a concurrent reader
    never sees half of a directory, which is moved aside atomically first."""
    if not os.path.lexists(entry):
        return
    if os.path.islink(entry) or not os.path.isdir(entry):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry)
        return
    trash = _temp_dir(entry.parent, "trash")
    with contextlib.suppress(FileNotFoundError):
        os.replace(entry, trash / "old")
    shutil.rmtree(trash, ignore_errors=True)


# --- the commands ------------------------------------------------------------------------------------------


def _kinds(base: Path) -> list[Path]:
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def info() -> dict[str, object]:
    """The cache's location and, per kind of entry, how many entries and bytes it holds."""
    base = cache_dir()
    kinds: dict[str, dict[str, int]] = {}
    try:
        for kind_dir in _kinds(base):
            entries = [e for e in kind_dir.iterdir()
                       if e.is_dir() and not e.is_symlink() and not e.name.startswith(".")]
            size = 0
            for e in entries:
                for root, _, names in os.walk(e):
                    size += sum(os.lstat(os.path.join(root, n)).st_size for n in names)
            kinds[kind_dir.name] = {"entries": len(entries), "bytes": size}
    except OSError as exc:
        raise _io_error(exc, "be read", base) from None
    return {"directory": str(base), "kinds": kinds,
            "entries": sum(k["entries"] for k in kinds.values()), "bytes": sum(k["bytes"] for k in kinds.values())}


def clear() -> tuple[int, int]:
    """Delete every entry, symlinks planted in the cache and abandoned temporary directories (builds in
    progress are left alone); return (entries, temporary directories) removed."""
    base = cache_dir()
    removed = swept = 0
    try:
        for p in sorted(base.iterdir()):
            if p.is_symlink() and not p.name.startswith("."):
                os.unlink(p)  # a kind directory that is a link: the link goes, never what it points at
        for kind_dir in _kinds(base):
            swept += sweep(kind_dir)
            for entry in list(kind_dir.iterdir()):
                if entry.name.startswith("."):
                    continue  # another process's build in progress
                was_entry = entry.is_dir() and not entry.is_symlink()
                _discard(entry)  # manifests and links too
                removed += was_entry and not os.path.lexists(entry)
    except OSError as exc:
        raise _io_error(exc, "be cleared", base) from None
    return removed, swept


def force_recompile() -> bool:
    return os.environ.get("ASCENDPY_FORCE_RECOMPILE", "") not in ("", "0", "false", "no")


def cached_build(kind: str, key: str, filename: str, build: Callable[[Path], None], *, force: bool | None = None,
                 depfile: str | None = None, covered: Sequence[str | os.PathLike[str]] = ()) -> Path:
    """Return `<cache>/<kind>/<entry>/<filename>`, calling `build(tmp_path)` to make it unless a trusted entry
    of `key` exists (see the module docstring).

    `build` writes the artifact (and optionally sidecar files) into the directory of the path it is given;
    everything in that directory is published together. With `depfile`, `build` has the compiler write that
    dependency file there (-MMD -MF); it becomes deps.json (see `record_deps`), and the entry is named by
    `result_name`: the key alone if the build read nothing outside `covered`.
    """
    kind_dir = _kind_dir(kind)
    base = kind_dir.parent
    if force is None:
        force = force_recompile()
    if not force and (hit := _lookup(kind_dir, key, filename, depfile is not None)) is not None:
        return hit / filename
    try:
        sweep(kind_dir)
        tmp = _temp_dir(kind_dir, key[:16])
    except OSError as exc:
        raise _io_error(exc, f"make a build directory in {kind_dir}", base) from None
    try:
        start = time.time_ns()
        build(tmp / filename)
        if depfile is not None:
            record_deps(tmp, depfile, covered, start)
        files = {f.name: _digest(Path(f.path)) for f in os.scandir(tmp) if f.name != _MARKER}
        if filename not in files:
            raise CacheError(f"the build of {kind}/{key} wrote no {filename}")
        entry = kind_dir / result_name(key, _read_deps(tmp) or [])
        (tmp / _MARKER).write_text(entry_digest(entry.name, files))
        if os.path.lexists(entry) and (force or not _trusted(entry, key, filename)):
            _discard(entry)  # stale, edited, planted or a link: never loaded, replaced
        try:
            os.rename(tmp, entry)
        except OSError:
            # Another process published the same entry first; theirs is as good as ours.
            if not _trusted(entry, key, filename):
                raise
        if entry.name != key:
            _remember(kind_dir, key, entry.name)
    except OSError as exc:
        raise _io_error(exc, f"write a build into {kind_dir}", base) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return entry / filename
