"""Content-addressed on-disk cache of build artifacts.

An entry is a directory named by the SHA-256 of everything that determines the
artifact. It is built in a private temporary directory and published with an
atomic rename, so two processes building the same key both succeed and end up
sharing one entry. A `.complete` marker holding the artifact's own hash is
written last; an entry without it, or whose artifact no longer matches it, is
rebuilt and never loaded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

_MARKER = ".complete"


def cache_dir() -> Path:
    """$ASCENDPY_CACHE_DIR, else $XDG_CACHE_HOME/ascendpy, else ~/.cache/ascendpy."""
    env = os.environ.get("ASCENDPY_CACHE_DIR")
    if env:
        base = Path(env)
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ascendpy"
    base.mkdir(parents=True, exist_ok=True)
    return base


def cache_key(parts: Iterable[str | bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _valid(entry: Path, filename: str) -> bool:
    marker = entry / _MARKER
    artifact = entry / filename
    try:
        return artifact.is_file() and marker.read_text().strip() == _digest(artifact)
    except OSError:
        return False


def entry_path(kind: str, key: str) -> Path:
    """Where the entry for `key` lives (whether or not it is built yet)."""
    return cache_dir() / kind / key


def info() -> dict[str, object]:
    """The cache's location and, per kind of entry, how many complete entries and bytes it holds."""
    base = cache_dir()
    kinds: dict[str, dict[str, int]] = {}
    for kind_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        entries = [e for e in kind_dir.iterdir() if e.is_dir() and not e.name.startswith(".")]
        size = sum(f.stat().st_size for e in entries for f in e.rglob("*") if f.is_file())
        kinds[kind_dir.name] = {"entries": len(entries), "bytes": size}
    return {"directory": str(base), "kinds": kinds,
            "entries": sum(k["entries"] for k in kinds.values()), "bytes": sum(k["bytes"] for k in kinds.values())}


def clear() -> int:
    """Delete every entry (each moved aside atomically first, so a concurrent reader never sees half of one)."""
    base = cache_dir()
    removed = 0
    for kind_dir in [p for p in base.iterdir() if p.is_dir()]:
        for entry in list(kind_dir.iterdir()):
            if not entry.is_dir() or entry.name.startswith("."):
                continue  # not an entry, or another process's build in progress
            trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=kind_dir))
            try:
                os.replace(entry, trash / "old")
                removed += 1
            except OSError:
                pass
            shutil.rmtree(trash, ignore_errors=True)
    return removed


def force_recompile() -> bool:
    return os.environ.get("ASCENDPY_FORCE_RECOMPILE", "") not in ("", "0", "false", "no")


def cached_build(kind: str, key: str, filename: str, build: Callable[[Path], None],
                 *, force: bool | None = None) -> Path:
    """Return `<cache>/<kind>/<key>/<filename>`, calling `build(tmp_path)` to make it if needed.

    `build` writes the artifact (and optionally sidecar files) into the directory of
    the path it is given; everything in that directory is published together.
    """
    entry = entry_path(kind, key)
    if force is None:
        force = force_recompile()
    if not force and _valid(entry, filename):
        return entry / filename
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=entry.parent))
    try:
        build(tmp / filename)
        (tmp / _MARKER).write_text(_digest(tmp / filename))
        if entry.exists() and (force or not _valid(entry, filename)):
            # Stale or corrupt: move it aside atomically, then delete.
            trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=entry.parent))
            try:
                os.replace(entry, trash / "old")
            except OSError:
                pass
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.rename(tmp, entry)
        except OSError:
            # Another process published the same key first; theirs is as good as ours.
            if not _valid(entry, filename):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return entry / filename
