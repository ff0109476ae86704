"""Device, context, stream and event objects with enforced lifetimes.

Python has no borrow checker, so the rules ascend-rs gets from lifetimes are
kept at run time:
- a child holds a strong reference to its parent (a stream its context, a
  context its device, a device the Acl), so collection never frees a parent first;
- closing a parent closes its live children first, newest first;
- any use of a closed object raises ResourceClosedError naming it and where it
  was closed;
- a weakref finalizer releases whatever a program forgets, also at exit (in
  reverse creation order, so children go before parents).
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
import weakref
from typing import Any

from ascendpy.errors import ResourceClosedError
from ascendpy.runtime import _acl

_tls = threading.local()
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _caller_site() -> str:
    """'file:line' of the nearest frame outside ascendpy, for 'closed at' messages."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PKG_DIR):
        frame = frame.f_back  # type: ignore[assignment]
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "<ascendpy>"


def _release(lib: _acl.AclLib, fn: str, args: tuple[Any, ...], keep: object) -> None:
    """Finalizer body: release one ACL handle. `keep` pins the parent until this runs."""
    try:
        lib.call(fn, *args)
    except Exception:  # noqa: BLE001 - a finalizer must never raise (it may run at exit)
        pass


class Resource:
    """Base of every object that owns an ACL handle."""

    _kind = "resource"

    def __init__(self, parent: Resource | None) -> None:
        self._parent = parent
        self._children: list[weakref.ref[Resource]] = []
        self._closed_at: str | None = None
        self._finalizer: weakref.finalize | None = None
        self._lock = threading.RLock()
        if parent is not None:
            parent._check()
            parent._adopt(self)

    # -- bookkeeping
    def _adopt(self, child: Resource) -> None:
        with self._lock:
            self._children = [r for r in self._children if r() is not None]
            self._children.append(weakref.ref(child))

    def _own(self, lib: _acl.AclLib, release_fn: str, *args: Any) -> None:
        """Register the ACL call that frees this object's handle."""
        self._finalizer = weakref.finalize(self, _release, lib, release_fn, args, self._parent)

    def _check(self) -> None:
        if self._closed_at is not None:
            raise ResourceClosedError(f"{self!r} was closed (at {self._closed_at}) and cannot be used")

    @property
    def closed(self) -> bool:
        return self._closed_at is not None

    def _before_release(self) -> None:
        """Hook: work that must happen before the handle goes (e.g. waiting for a stream)."""

    def close(self) -> None:
        """Release the handle now, after closing every live child. Idempotent."""
        with self._lock:
            if self._closed_at is not None:
                return
            site = _caller_site()
            for ref in reversed(self._children):
                child = ref()
                if child is not None:
                    child.close()
            self._children.clear()
            self._before_release()
            if self._finalizer is not None:
                self._finalizer()
            self._closed_at = site

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


class Acl(Resource):
    """The ACL runtime of this process (`aclInit` / `aclFinalize`)."""

    _kind = "Acl"

    def __init__(self, config_path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(None)
        self._lib = _acl.load_driver()
        cfg = os.fsencode(config_path) if config_path is not None else None
        self._lib.call("aclInit", cfg)
        self._own(self._lib, "aclFinalize")

    @property
    def driver(self) -> str:
        """'sim' or 'npu'."""
        return _acl.driver_name()

    @property
    def lib(self) -> _acl.AclLib:
        self._check()
        return self._lib


class Device(Resource):
    """One NPU (`aclrtSetDevice` / `aclrtResetDevice`)."""

    _kind = "Device"

    def __init__(self, acl: Acl, device_id: int | None = None) -> None:
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
        self._check()
        name = self._lib.fn("aclrtGetSocName")()
        return name.decode() if name else ""

    def _describe(self) -> str:
        return f" {self.id}"


class Context(Resource):
    """An ACL context on a device; the per-thread current context as ACL keeps it."""

    _kind = "Context"

    def __init__(self, device: Device) -> None:
        super().__init__(device)
        self.device = device
        self._lib = device._lib
        handle = ctypes.c_void_p()
        self._lib.call("aclrtCreateContext", ctypes.byref(handle), device.id)
        self.handle = handle
        self._own(self._lib, "aclrtDestroyContext", handle)
        _tls.current = weakref.ref(self)

    def make_current(self) -> None:
        """Make this the calling thread's current context (for ACL and for ascendpy)."""
        self._check()
        self._lib.call("aclrtSetCurrentContext", self.handle)
        _tls.current = weakref.ref(self)

    def _activate(self) -> None:
        """Before a context-dependent ACL call on whichever thread makes it."""
        self._check()
        self._lib.call("aclrtSetCurrentContext", self.handle)

    def __enter__(self) -> Context:
        self.make_current()
        return self

    @staticmethod
    def current() -> Context:
        ref = getattr(_tls, "current", None)
        ctx = ref() if ref is not None else None
        if ctx is None or ctx.closed:
            raise ResourceClosedError(
                "no current Context on this thread: create one with Context(device) "
                "(or pass context=...) before allocating device memory"
            )
        return ctx

    def _before_release(self) -> None:
        ref = getattr(_tls, "current", None)
        if ref is not None and ref() is self:
            _tls.current = None

    def _describe(self) -> str:
        return f" on device {self.device.id}"


class Stream(Resource):
    """An in-order asynchronous queue of copies and launches."""

    _kind = "Stream"

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.context = context
        self._lib = context._lib
        context._activate()
        handle = ctypes.c_void_p()
        self._lib.call("aclrtCreateStream", ctypes.byref(handle))
        self.handle = handle
        self._inflight: list[object] = []  # keeps launch arguments alive until the work completes
        self._own(self._lib, "aclrtDestroyStream", handle)

    def _keep_alive(self, objs: list[object]) -> None:
        with self._lock:
            self._inflight.extend(objs)

    def synchronize(self) -> None:
        """Wait for every queued operation; raises the first kernel fault since the last wait."""
        self._check()
        try:
            self._lib.call("aclrtSynchronizeStream", self.handle)
        finally:
            with self._lock:
                self._inflight.clear()

    def _before_release(self) -> None:
        try:
            self._lib.call("aclrtSynchronizeStream", self.handle)
        except Exception:  # noqa: BLE001 - closing must not fail because a kernel faulted earlier
            pass
        self._inflight.clear()


class Event(Resource):
    """A marker recorded on a stream, for ordering and timing."""

    _kind = "Event"

    def __init__(self, context: Context, flags: int | None = None) -> None:
        super().__init__(context)
        self.context = context
        self._lib = context._lib
        context._activate()
        handle = ctypes.c_void_p()
        if flags is None:
            self._lib.call("aclrtCreateEvent", ctypes.byref(handle))
        else:
            self._lib.call("aclrtCreateEventWithFlag", ctypes.byref(handle), int(flags))
        self.handle = handle
        self._own(self._lib, "aclrtDestroyEvent", handle)

    def record(self, stream: Stream) -> None:
        self._check()
        stream._check()
        self._lib.call("aclrtRecordEvent", self.handle, stream.handle)

    def synchronize(self) -> None:
        self._check()
        self._lib.call("aclrtSynchronizeEvent", self.handle)

    @staticmethod
    def elapsed_ms(start: Event, end: Event) -> float:
        start._check()
        end._check()
        ms = ctypes.c_float()
        start._lib.call("aclrtEventElapsedTime", ctypes.byref(ms), start.handle, end.handle)
        return float(ms.value)

