"""Device, context, stream and event objects with enforced lifetimes.

Python has no borrow checker, so the rules ascend-rs gets from lifetimes are
kept at run time:
- a child holds a strong reference to its parent (a stream its context, a
  context its device, a device the Acl), so collection never frees a parent first;
- closing a parent closes its live children first, newest first;
- any use of a closed object raises ResourceClosedError naming it and where it
  was closed;
- a weakref finalizer releases whatever a program forgets; at interpreter exit
  ascendpy first closes every Acl still open, warning about device memory the
  program never freed, so nothing is released out of order or with errors.

Every blocking wait goes through `_blocking_wait`: ACL waits of at most 50 ms in
a loop, so Ctrl-C is seen within a fraction of a second (it aborts the work
waited for, then raises KeyboardInterrupt) and `timeout=` is honoured.
"""

from __future__ import annotations

import atexit
import ctypes
import itertools
import math
import os
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ascendpy.errors import AscendpyError, ResourceClosedError
from ascendpy.runtime import _acl

_tls = threading.local()
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_ids = itertools.count()


class LeakWarning(UserWarning):
    """Device memory was still allocated when the program ended; ascendpy freed it."""


def _caller_site() -> str:
    """'file:line' of the nearest frame outside ascendpy, for 'closed at' messages."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PKG_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<ascendpy>"


def _how_to_get(cls: str, obj: object) -> str | None:
    """A Python expression that makes (or reaches) a `cls` from `obj`, e.g. `Context(device)`, `stream.context`."""
    name = type(obj).__name__
    var = {"DeviceBuffer": "buf", "DeviceBox": "box", "HostBuffer": "host_buf"}.get(
        name, name.lower()) if isinstance(obj, Resource) else None
    chain = ["Acl", "Device", "Context"]  # each made from the one before it
    if var is not None and name in chain and cls in chain and chain.index(name) < chain.index(cls):
        expr = var
        for step in chain[chain.index(name) + 1:chain.index(cls) + 1]:
            expr = f"{step}({expr})"
        return expr
    ups = {"Context": [("context",)], "Device": [("device",), ("context", "device")],
           "Acl": [("acl",), ("device", "acl"), ("context", "device", "acl")]}
    for path in ups.get(cls, []) if var is not None else []:
        if hasattr(obj, path[0]):
            return ".".join((var, *path))
    if obj is None and cls in chain:
        return "Acl()" if cls == "Acl" else f"{cls}({_how_to_get(chain[chain.index(cls) - 1], None)})"
    return None


def _require_parent(obj: object, cls: type, child: str, usage: str) -> None:
    """TypeError unless `obj` is a `cls`, saying how to make one (`usage` holds `{}` for the expression)."""
    if isinstance(obj, cls):
        return
    got = "None" if obj is None else f"{'an' if type(obj).__name__[0] in 'AEIOUaeiou' else 'a'} {type(obj).__name__}"
    an = "an" if cls.__name__[0] in "AEIOU" else "a"
    fix = _how_to_get(cls.__name__, obj)
    raise TypeError(f"{child} needs {an} {cls.__name__}, not {got}"
                    + (f": use {usage.format(fix)}" if fix else ""))


# The longest single ACL wait. Python runs signal handlers only between C calls, so this bounds how
# long Ctrl-C goes unnoticed; 20 calls a second cost nothing next to the wait itself.
_SLICE_MS = 50


def _timeout_seconds(timeout: object) -> float | None:
    """`timeout` as seconds (None: no limit), or a clear error for anything else."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"timeout must be a number of seconds or None (wait as long as it takes), "
                        f"not {type(timeout).__name__}")
    t = float(timeout)
    if math.isnan(t) or t < 0:
        raise ValueError(f"timeout must be >= 0 seconds (or None: no limit), got {timeout!r}")
    return None if math.isinf(t) else t


def _blocking_wait(lib: _acl.AclLib, fn: str, args: tuple[Any, ...], target: Resource, timeout: object,
                   work: Callable[[], list[Stream]], aborted: Callable[[], bool] = lambda: False) -> None:
    """The runtime's one blocking wait: `fn` (an ACL *WithTimeout wait taking `args` + milliseconds) in slices.

    Between slices Python handles signals. On KeyboardInterrupt every stream of `work()` is
    aborted (Stream.abort: the running kernel is cancelled, queued work dropped), so the process
    stays usable, and the interrupt is re-raised with a note saying what was aborted. When
    `timeout` seconds pass first, SyncTimeoutError names `target`; the work goes on. `aborted()`
    true after a slice: another thread aborted the work meanwhile (StreamAbortedError, as one
    unsliced ACL wait would have said).
    """
    limit = _timeout_seconds(timeout)
    call = lib.fn(fn)
    deadline = None if limit is None else time.monotonic() + limit
    try:
        while True:
            ms = _SLICE_MS
            if deadline is not None:  # ACL documents -1 and > 0: poll with 1 ms, never 0
                ms = max(1, min(_SLICE_MS, math.ceil((deadline - time.monotonic()) * 1000)))
            code = call(*args, ms)
            if code == 0:
                return
            if code not in _acl.SYNC_TIMEOUT_CODES:
                raise _acl.error_for(code, fn, lib.recent_error_message())
            if aborted():
                raise _acl.StreamAbortedError(_acl.ERROR_CODES["ACL_ERROR_RT_STREAM_ABORT"], fn,
                                              f"{target!r} was aborted while this call waited for it")
            if deadline is not None and time.monotonic() >= deadline:
                raise _acl.SyncTimeoutError(
                    code, fn, f"{target!r} did not finish within {limit:g} s; its work goes on: synchronize() "
                    "again to wait for it, or abort() the stream to cancel it", target=repr(target), timeout=limit)
    except KeyboardInterrupt as exc:
        for stream in work():
            note = stream._abort_for_interrupt()
            if note and hasattr(exc, "add_note"):  # Python 3.11+
                exc.add_note(note)
        raise


def _release(lib: _acl.AclLib, fn: str, args: tuple[Any, ...], keep: object) -> None:
    """Finalizer body: release one ACL handle. `keep` pins the parent until this runs."""
    try:
        lib.call(fn, *args)
    except Exception:  # noqa: BLE001 - a finalizer must never raise (it may run at exit)
        pass


def _by_id(r: Resource) -> int:
    return r._id


class _Held:
    """Resource._using: the locks of `rs` (already in lock order), taken on enter, released in reverse on exit.

    A plain class, not a generator context manager: every launch and synchronize takes one.
    """

    __slots__ = ("_rs",)

    def __init__(self, rs: tuple[Resource, ...] | list[Resource]) -> None:
        self._rs = rs

    def __enter__(self) -> None:
        rs = self._rs
        taken = 0
        try:
            for r in rs:
                r._lock.acquire()
                taken += 1
            for r in rs:
                r._check()
        except BaseException:
            for r in reversed(rs[:taken]):
                r._lock.release()
            raise

    def __exit__(self, *exc: object) -> None:
        for r in reversed(self._rs):
            r._lock.release()


class Resource:
    """Base of every object that owns an ACL handle (or lives inside one that does)."""

    _kind = "resource"

    def __init__(self, parent: Resource | None) -> None:
        self._parent = parent
        self._id = next(_ids)
        self._children: dict[int, weakref.ref[Resource]] = {}
        self._closed_at: str | None = None
        self._finalizer: weakref.finalize | None = None
        self._lock = threading.RLock()
        if parent is not None:
            parent._check()
            parent._adopt(self)

    # -- bookkeeping
    def _adopt(self, child: Resource) -> None:
        key = child._id
        children = self._children

        def forget(_: object, key: int = key) -> None:
            children.pop(key, None)

        with self._lock:
            children[key] = weakref.ref(child, forget)

    def _own(self, lib: _acl.AclLib, release_fn: str, *args: Any) -> None:
        """Register the ACL call that frees this object's handle."""
        self._finalizer = weakref.finalize(self, _release, lib, release_fn, args, self._parent)

    def _check(self) -> None:
        if self._closed_at is not None:
            raise ResourceClosedError(f"{self!r} was closed (at {self._closed_at}) and cannot be used")

    def _using(self, *others: Resource) -> _Held:
        """Hold the locks of this object and `others` (in a fixed order) and check none is closed.

        `close()` takes the same lock, so an operation in flight finishes before its
        object can be released on another thread, and one that starts later sees it closed.
        """
        if not others:
            return _Held((self,))
        return _Held(sorted({id(r): r for r in (self, *others)}.values(), key=_by_id))

    @property
    def closed(self) -> bool:
        return self._closed_at is not None

    def _live_children(self) -> list[Resource]:
        with self._lock:
            return [c for c in (r() for r in list(self._children.values())) if c is not None]

    def _before_release(self) -> None:
        """Hook: work that must happen before the handle goes (e.g. waiting for a stream)."""

    def close(self) -> None:
        """Release the handle now, after closing every live child (newest first). Idempotent."""
        with self._lock:
            if self._closed_at is not None:
                return
            site = _caller_site()
            for child in reversed(self._live_children()):
                child.close()
            self._before_release()
            if self._finalizer is not None:
                self._finalizer()
            self._closed_at = site
            self._children.clear()
            if self._parent is not None:
                self._parent._children.pop(self._id, None)

    def __enter__(self) -> Any:
        self._check()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _describe(self) -> str:
        return ""

    def __repr__(self) -> str:
        state = " closed" if self._closed_at is not None else ""
        return f"<{self._kind}{self._describe()}{state}>"


# ----------------------------------------------------------------------- Acl
_open_acls: weakref.WeakSet[Acl] = weakref.WeakSet()


def _close_at_exit() -> None:
    """Runs before the weakref finalizers: close (and report) every Acl the program left open."""
    for acl in list(_open_acls):
        try:
            acl.close()
        except Exception:  # noqa: BLE001 - nothing may be printed as an error at shutdown
            pass


def _leaked_buffers(acl: Acl) -> list[Any]:
    from ascendpy.runtime.memory import DeviceBuffer

    return [r for r in _descendants(acl) if isinstance(r, DeviceBuffer) and r._base is None and not r.closed]


def _warn_leaks(leaked: list[Any]) -> None:
    """Warn about device buffers no one closed before their Acl was finalized (they have been freed)."""
    total = sum(b.nbytes for b in leaked)
    sites = sorted({b._created_at for b in leaked})
    more = f" and {len(sites) - 5} more places" if len(sites) > 5 else ""
    warnings.warn(
        f"{len(leaked)} device buffer(s), {total} bytes, were never freed before ACL finalization; ascendpy freed "
        f"them. Allocated at {', '.join(sites[:5])}{more}. Close buffers or their Context (or use `with`).",
        LeakWarning, stacklevel=3,
    )


def _descendants(root: Resource) -> list[Resource]:
    out, todo = [], [root]
    while todo:
        r = todo.pop()
        kids = r._live_children()
        out.extend(kids)
        todo.extend(kids)
    return out


class Acl(Resource):
    """The ACL runtime of this process (`aclInit` / `aclFinalize`). One may be open at a time."""

    _kind = "Acl"
    _atexit_registered = False

    def __init__(self, config_path: str | os.PathLike[str] | None = None) -> None:
        for other in list(_open_acls):
            if not other.closed and getattr(other, "_implicit", False):
                other.close()  # the runtime ascendpy.ops opened on its own yields to an explicit one
            if not other.closed:
                raise AscendpyError(
                    f"an Acl is already open in this process (created at {other._created_at}); ACL is "
                    "initialised once per process, so use that one or close it first"
                )
        super().__init__(None)
        self._created_at = _caller_site()
        self._lib = _acl.load_driver()
        cfg = os.fsencode(config_path) if config_path is not None else None
        self._lib.call("aclInit", cfg)
        self._own(self._lib, "aclFinalize")
        _open_acls.add(self)
        if not Acl._atexit_registered:
            # Registered after the first weakref.finalize, so it runs before the finalizers (LIFO).
            atexit.register(_close_at_exit)
            Acl._atexit_registered = True

    def close(self) -> None:
        """aclFinalize, after closing every device; then reports device memory no one had freed."""
        leaks = [] if self.closed else _leaked_buffers(self)
        super().close()
        if leaks:
            _warn_leaks(leaks)

    @property
    def driver(self) -> str:
        """'sim' or 'npu'."""
        return _acl.driver_name()

    @property
    def run_mode(self) -> _acl.RunMode:
        """Whether this program runs on the host (ACL_HOST) or on the device's own CPU (ACL_DEVICE)."""
        mode = ctypes.c_int()
        self.lib.call("aclrtGetRunMode", ctypes.byref(mode))
        return _acl.RunMode(mode.value)

    @property
    def lib(self) -> _acl.AclLib:
        self._check()
        return self._lib


# -------------------------------------------------------------------- Device
@dataclass(frozen=True)
class MemInfo:
    free: int
    total: int

    @property
    def used(self) -> int:
        return self.total - self.free


class Device(Resource):
    """One NPU (`aclrtSetDevice` / `aclrtResetDevice`)."""

    _kind = "Device"

    def __init__(self, acl: Acl, device_id: int | None = None) -> None:
        _require_parent(acl, Acl, "Device", "Device({})")
        if device_id is None:
            device_id = int(os.environ.get("ASCEND_DEVICE_ID", "0"))
        super().__init__(acl)
        self.acl = acl
        self.id = int(device_id)
        self._lib = acl.lib
        self._lib.call("aclrtSetDevice", self.id)
        self._own(self._lib, "aclrtResetDevice", self.id)

    @staticmethod
    def count(acl: Acl) -> int:
        n = ctypes.c_uint32()
        acl.lib.call("aclrtGetDeviceCount", ctypes.byref(n))
        return n.value

    @property
    def soc_name(self) -> str:
        """The SoC's name; asked once (ACL fixes it at aclInit, and this device lives inside that Acl)."""
        self._check()
        name = self.__dict__.get("_soc_name")
        if name is None:
            raw = self._lib.fn("aclrtGetSocName")()
            name = self._soc_name = raw.decode() if raw else ""
        return name

    def _capability(self, what: _acl.DeviceInfo) -> int:
        self._check()
        v = ctypes.c_int64()
        self._lib.call("aclGetDeviceCapability", self.id, int(what), ctypes.byref(v))
        return v.value

    @property
    def ai_core_count(self) -> int:
        return self._capability(_acl.DeviceInfo.AI_CORE_NUM)

    @property
    def vector_core_count(self) -> int:
        return self._capability(_acl.DeviceInfo.VECTOR_CORE_NUM)

    def mem_info(self, attr: _acl.MemAttr = _acl.MemAttr.HBM_MEM) -> MemInfo:
        """Free and total bytes of this device's memory (HBM by default)."""
        self._check()
        self._lib.call("aclrtSetDevice", self.id)  # aclrtGetMemInfo answers for the thread's current device
        try:
            free, total = ctypes.c_size_t(), ctypes.c_size_t()
            self._lib.call("aclrtGetMemInfo", int(attr), ctypes.byref(free), ctypes.byref(total))
        finally:
            self._lib.call("aclrtResetDevice", self.id)
        return MemInfo(free.value, total.value)

    def _total_bytes(self) -> int:
        """The device's total memory, asked once: the most a single buffer can ever hold."""
        total = getattr(self, "_total", None)
        if total is None:
            total = self._total = self.mem_info().total
        return total

    def synchronize(self, timeout: float | None = None) -> None:
        """Wait for all work on every stream of this device.

        `timeout` (seconds; None: no limit) raises SyncTimeoutError if that work is not done in
        time (it goes on). Ctrl-C aborts the work of this device's streams and raises KeyboardInterrupt.
        """
        self._check()
        self._lib.call("aclrtSetDevice", self.id)
        try:
            _blocking_wait(self._lib, "aclrtSynchronizeDeviceWithTimeout", (), self, timeout, self._streams)
        finally:
            self._lib.call("aclrtResetDevice", self.id)

    def _streams(self) -> list[Stream]:
        return [r for r in _descendants(self) if isinstance(r, Stream) and not r.closed]

    def _describe(self) -> str:
        return f" {self.id}"


# ------------------------------------------------------------------- Context
class Context(Resource):
    """An ACL context on a device; the per-thread current context as ACL keeps it."""

    _kind = "Context"

    def __init__(self, device: Device) -> None:
        _require_parent(device, Device, "Context", "Context({})")
        super().__init__(device)
        self.device = device
        self._lib = device._lib
        handle = ctypes.c_void_p()
        self._lib.call("aclrtCreateContext", ctypes.byref(handle), device.id)
        self.handle = handle
        self._binaries: dict[object, Any] = {}  # kernel libraries loaded here, by loader
        self._own(self._lib, "aclrtDestroyContext", handle)
        _tls.current = weakref.ref(self)

    def make_current(self) -> None:
        """Make this the calling thread's current context (for ACL and for ascendpy)."""
        self._check()
        self._lib.call("aclrtSetCurrentContext", self.handle)
        _tls.current = weakref.ref(self)

    def _activate(self) -> None:
        """Before a context-dependent ACL call, on whichever thread makes it."""
        self._check()
        self._lib.call("aclrtSetCurrentContext", self.handle)

    def __enter__(self) -> Context:
        self.make_current()
        return self

    def close(self) -> None:
        """Wait for this context's streams, then release its children (newest first) and itself."""
        with self._lock:
            for child in self._live_children():
                if isinstance(child, Stream) and not child.closed:
                    try:  # queued launches may still use kernel libraries loaded here
                        child.synchronize()
                    except Exception:  # noqa: BLE001 - a fault is reported by the stream's own sync
                        pass
            super().close()

    @staticmethod
    def current() -> Context:
        ref = getattr(_tls, "current", None)
        ctx = ref() if ref is not None else None
        if ctx is None or ctx.closed:
            raise ResourceClosedError(
                "no current Context on this thread: create one with Context(device), call "
                "context.make_current() on this thread, or pass context=..."
            )
        return ctx

    def _before_release(self) -> None:
        self._binaries.clear()
        ref = getattr(_tls, "current", None)
        if ref is not None and ref() is self:
            _tls.current = None

    def _describe(self) -> str:
        return f" on device {self.device.id}"


# -------------------------------------------------------------------- Stream
class Stream(Resource):
    """An in-order asynchronous queue of copies and launches."""

    _kind = "Stream"

    def __init__(self, context: Context) -> None:
        _require_parent(context, Context, "Stream", "Stream({})")
        super().__init__(context)
        self.context = context
        self._lib = context._lib
        context._activate()
        handle = ctypes.c_void_p()
        self._lib.call("aclrtCreateStream", ctypes.byref(handle))
        self.handle = handle
        self._inflight: list[object] = []  # keeps what queued work uses alive until it completes
        self._aborts = 0  # abort() calls, so a sliced wait on another thread sees one that happened between slices
        self._own(self._lib, "aclrtDestroyStream", handle)

    def _keep_alive(self, objs: list[object]) -> None:
        with self._lock:
            self._inflight.extend(objs)

    def synchronize(self, timeout: float | None = None) -> None:
        """Wait for every queued operation; raises the first kernel fault since the last wait.

        `timeout` (seconds; None: no limit) raises SyncTimeoutError if the work is not done in
        time; it goes on, and a later synchronize() waits for it. Ctrl-C during the wait aborts
        this stream's work (see abort()) and raises KeyboardInterrupt.
        """
        with self._using():
            start = self._aborts
            try:
                _blocking_wait(self._lib, "aclrtSynchronizeStreamWithTimeout", (self.handle,), self, timeout,
                               lambda: [self], lambda: self._aborts != start)
            except _acl.SyncTimeoutError:
                raise  # the work still runs: what it uses stays alive
            except _acl.AclError:
                self._inflight.clear()
                raise
            self._inflight.clear()

    def abort(self) -> None:
        """Cancel this stream's work now (aclrtStreamAbort): queued work is dropped, the running kernel stopped.

        Callable from another thread while one waits in synchronize(), which then raises
        StreamAbortedError; the stream is usable again afterwards. The simulator stops a kernel at its
        next AscendC API call (any tensor access, DataCopy, vector or queue op); a kernel whose loop
        makes none cannot be stopped, and the stream is then failed: this and every later use raise
        StreamAbortedError, so close it and use a new Stream.
        """
        self._check()  # not the stream's lock: a synchronize() on another thread holds it while it waits
        self._aborts += 1
        self._lib.call("aclrtStreamAbort", self.handle)
        with self._lock:  # the waiter has seen the abort and let go
            self._inflight.clear()  # nothing queued runs any more

    def _abort_for_interrupt(self) -> str:
        """abort(), for a wait that Ctrl-C interrupted: never raises; says what was aborted."""
        try:
            self.abort()
        except ResourceClosedError:
            return ""
        except _acl.AclError as err:
            return f"ascendpy could not stop {self!r}: {err}"
        report = ""
        if self._lib.driver == "sim":
            raw = self._lib.fn("ascendpySimAbortReport")(self.handle)
            report = raw.decode(errors="replace") if raw else ""
        return f"ascendpy aborted the work of {self!r}" + (f": {report}" if report else "")

    def query(self) -> bool:
        """True when all work queued so far has completed (does not wait)."""
        status = ctypes.c_int()
        with self._using():
            self._lib.call("aclrtStreamQuery", self.handle, ctypes.byref(status))
        return status.value == _acl.StreamStatus.COMPLETE

    def wait_event(self, event: Event) -> None:
        """Work queued on this stream after this call starts only once `event` has completed."""
        with self._using(event):
            self._lib.call("aclrtStreamWaitEvent", self.handle, event.handle)
            self._keep_alive([event])

    def _before_release(self) -> None:
        try:
            _blocking_wait(self._lib, "aclrtSynchronizeStreamWithTimeout", (self.handle,), self, None,
                           lambda: [self])
        except Exception:  # noqa: BLE001 - closing must not fail because a kernel faulted earlier
            pass
        self._inflight.clear()


# --------------------------------------------------------------------- Event
class Event(Resource):
    """A marker recorded on a stream, for ordering and timing.

    `timing=True` (the default) creates it with ACL_EVENT_TIME_LINE so that
    `Event.elapsed_ms` works; pass `flags=` to choose ACL event flags yourself.
    """

    _kind = "Event"

    def __init__(self, context: Context, flags: int | None = None, *, timing: bool = True) -> None:
        _require_parent(context, Context, "Event", "Event({})")
        super().__init__(context)
        self.context = context
        self._lib = context._lib
        context._activate()
        handle = ctypes.c_void_p()
        if flags is None:
            flags = int(_acl.EventFlag.SYNC | (_acl.EventFlag.TIME_LINE if timing else 0))
        self._lib.call("aclrtCreateEventWithFlag", ctypes.byref(handle), int(flags))
        self.flags = int(flags)
        self.handle = handle
        self._own(self._lib, "aclrtDestroyEvent", handle)

    def record(self, stream: Stream) -> None:
        with self._using(stream):
            self._lib.call("aclrtRecordEvent", self.handle, stream.handle)
            stream._keep_alive([self])
            self._recorded_on = weakref.ref(stream)

    def synchronize(self, timeout: float | None = None) -> None:
        """Wait until the work queued before the last `record` has completed.

        `timeout` (seconds; None: no limit) raises SyncTimeoutError if it has not (the work goes
        on). Ctrl-C aborts the work of the stream the event was recorded on and raises KeyboardInterrupt.
        """
        with self._using():
            _blocking_wait(self._lib, "aclrtSynchronizeEventWithTimeout", (self.handle,), self, timeout,
                           self._streams)

    def _streams(self) -> list[Stream]:
        ref = getattr(self, "_recorded_on", None)
        stream = ref() if ref is not None else None
        return [stream] if stream is not None and not stream.closed else []

    def _before_release(self) -> None:
        # A stream may wait on this event (wait_event): let the event complete before it is destroyed.
        try:
            _blocking_wait(self._lib, "aclrtSynchronizeEventWithTimeout", (self.handle,), self, None,
                           self._streams)
        except Exception:  # noqa: BLE001 - closing must not fail because a kernel faulted earlier
            pass

    def query(self) -> bool:
        """True when the work before the last `record` has completed (does not wait)."""
        status = ctypes.c_int()
        with self._using():
            self._lib.call("aclrtQueryEventStatus", self.handle, ctypes.byref(status))
        return status.value == _acl.EventRecordedStatus.COMPLETE

    @staticmethod
    def elapsed_ms(start: Event, end: Event) -> float:
        """Milliseconds between two completed events recorded with timing on the same stream."""
        ms = ctypes.c_float()
        with start._using(end):
            start._lib.call("aclrtEventElapsedTime", ctypes.byref(ms), start.handle, end.handle)
        return float(ms.value)
