"""Typed device memory, pinned host memory, and the copies between them.

Only plain numeric element types cross to the device (ascend-rs's `DeviceSend`
rule): anything else is a TypeError before any ACL call is made.

Ordering is safe by default: a buffer remembers the streams with queued work
that uses it, and every host-side access (`to_numpy`, synchronous copies,
`close`) first waits for them; an asynchronous operation on another stream
waits for them too. Whatever queued work uses stays alive until it completes.
"""

from __future__ import annotations

import ctypes
import os
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ascendpy.errors import ResourceClosedError
from ascendpy.runtime._acl import MallocPolicy, MemcpyKind
from ascendpy.runtime.objects import Context, Resource, Stream, _caller_site, _require_parent

_PLAIN = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float16", "float32",
          "float64", "bfloat16", "bool"}  # bool: one 0/1 byte per element (Ptr[std.boolean])


def numpy_dtype(dtype: object) -> np.dtype:
    """np.dtype(dtype), knowing "bfloat16" too: ml_dtypes registers it, imported only then (`import ascendpy`
    stays light)."""
    try:
        return np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        if not (isinstance(dtype, str) and "bfloat16" in dtype):
            raise
    import ml_dtypes  # noqa: F401 - registers bfloat16 with numpy

    return np.dtype(dtype)


def device_dtype(dtype: object) -> np.dtype:
    """The numpy dtype for `dtype` if it may live on the device, else TypeError."""
    try:
        dt = numpy_dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{dtype!r} is not a dtype that can be sent to the device: {exc}") from None
    if dt.name not in _PLAIN or dt.fields is not None or dt.subdtype is not None:
        raise TypeError(
            f"dtype {dt} cannot be sent to the device: only plain numeric element types "
            f"({', '.join(sorted(_PLAIN))}) may cross; objects, strings, records and pointers may not"
        )
    return dt.newbyteorder("=") if dt.byteorder not in ("=", "|") else dt


_SIZE_MAX = 2**64 - 1  # size_t: the byte count every ACL allocation call takes


def _host_bytes() -> int | None:
    """This host's physical memory, if the OS says (the most pinned host memory could ever be)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _byte_count(kind: str, dtype: np.dtype, n: object, limit: int | None,
                limit_name: Callable[[], str]) -> tuple[int, int]:
    """(elements, bytes) of a new buffer, refused before any allocation call if they make no sense.

    A negative or non-integer count is a TypeError/ValueError; a byte count beyond 64 bits (which
    ACL's size_t would silently wrap) a ValueError; more than `limit` (the device's or host's total
    memory, which no allocation can exceed) a MemoryError. Each says the elements, bytes and limit.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"a {kind} holds a whole number of elements; got {n!r} ({type(n).__name__})")
    count = int(n)
    if count < 0:
        raise ValueError(f"a {kind} cannot have {count} elements; the count must be 0 or more")
    nbytes = count * dtype.itemsize
    what = f"a {kind} of {count} {dtype} elements ({dtype.itemsize} bytes each) needs {nbytes} bytes"
    if nbytes > _SIZE_MAX:
        raise ValueError(f"{what}, more than a 64-bit byte count can hold ({_SIZE_MAX}); "
                         "ask for fewer elements")
    if limit is not None and nbytes > limit:
        raise MemoryError(f"{what}, more than {limit_name()} ({limit} bytes); no allocation can be larger")
    return count, nbytes


class _Memory(Resource):
    """Shared by device and pinned host buffers: dtype, length, pending-stream tracking."""

    _dtype: np.dtype
    _len: int
    nbytes: int
    _pending: list[weakref.ref[Stream]]

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    def __len__(self) -> int:
        return self._len

    def _address(self) -> int:
        raise NotImplementedError

    def _root(self) -> _Memory:
        return self

    def _track(self, stream: Stream) -> None:
        """Queued work on `stream` uses this memory.

        Held weakly: the stream holds the memory until its work completes, and a
        dropped stream waits for its work when it is destroyed, so no cycle is needed.
        """
        root = self._root()
        if not any(r() is stream for r in root._pending):
            root._pending.append(weakref.ref(stream))

    def _wait(self, except_stream: Stream | None = None) -> None:
        """Wait for queued work on every stream using this memory (but `except_stream`).

        Called with no lock held: synchronizing takes the other stream's lock.
        """
        root = self._root()
        with root._lock:
            streams = [s for s in (r() for r in root._pending) if s is not None and s is not except_stream]
        for s in streams:
            try:
                s.synchronize()
            except ResourceClosedError:
                pass  # closed (maybe on another thread): closing waited for its work
        with root._lock:
            root._pending = [r for r in root._pending if r() is not None and r() not in streams]

    def _describe(self) -> str:
        return f" {self._dtype}[{self._len}]"


class DeviceBuffer(_Memory):
    """A typed array in device global memory, owned by a context.

    `buf[a:b]` is a view of the same memory that keeps `buf` alive; closing
    `buf` closes its views.
    """

    _kind = "DeviceBuffer"

    def __init__(self, context: Context, dtype: np.dtype, n: int, policy: MallocPolicy,
                 *, _view_of: tuple[DeviceBuffer, int] | None = None) -> None:
        base = _view_of[0] if _view_of else None
        if base is None:  # a view is never larger than its parent
            _require_parent(context, Context, self._kind, "context={}")
            dtype = device_dtype(dtype)
            device = context.device
            n, _ = _byte_count(self._kind, dtype, n, device._total_bytes(), lambda: (
                f"the total memory of device {device.id} ({device.soc_name or device.acl.driver})"))
        super().__init__(base if base is not None else context)
        self.context = context
        self._lib = context._lib
        self._dtype = dtype
        self._len = int(n)
        self.shape: tuple[int, ...] = (self._len,)  # what to_numpy returns (from_numpy keeps its array's shape)
        self.nbytes = self._len * dtype.itemsize
        self._pending = []
        self._created_at = _caller_site()
        self._base = base
        if _view_of is not None:
            self._offset = _view_of[1]
            self.ptr = ctypes.c_void_p((_view_of[0].ptr.value or 0) + self._offset)
            return
        self._offset = 0
        context._activate()
        ptr = ctypes.c_void_p()
        # Exactly the bytes asked for (ACL reserves whole blocks behind it; the simulator's bounds checks
        # use the requested size). ACL rejects zero-byte allocations: an empty buffer owns one byte.
        self._lib.call("aclrtMalloc", ctypes.byref(ptr), max(self.nbytes, 1), int(MallocPolicy(policy)))
        self.ptr = ptr
        self._own(self._lib, "aclrtFree", ptr)

    # -- construction
    @classmethod
    def from_numpy(cls, array: Any, policy: MallocPolicy = MallocPolicy.HUGE_FIRST, *,
                   context: Context | None = None) -> DeviceBuffer:
        """A new buffer holding a copy of `array` (flattened, C order); `to_numpy()` gives back its shape."""
        arr = np.asarray(array)
        dt = device_dtype(arr.dtype)
        shape = arr.shape
        arr = np.ascontiguousarray(arr.reshape(-1), dtype=dt)
        buf = cls(context or Context.current(), dt, arr.size, policy)
        buf.copy_from(arr)
        buf.shape = shape
        return buf

    @classmethod
    def empty(cls, dtype: object, n: int, policy: MallocPolicy = MallocPolicy.HUGE_FIRST, *,
              context: Context | None = None) -> DeviceBuffer:
        """A new buffer of `n` elements whose contents are unspecified."""
        dt = device_dtype(dtype)  # the DeviceSend rule comes before any ACL call
        return cls(context or Context.current(), dt, n, policy)

    @classmethod
    def zeros(cls, dtype: object, n: int, policy: MallocPolicy = MallocPolicy.HUGE_FIRST, *,
              context: Context | None = None) -> DeviceBuffer:
        buf = cls.empty(dtype, n, policy, context=context)
        buf.memset(0)
        return buf

    # -- views
    def _root(self) -> _Memory:
        return self._base._root() if self._base is not None else self

    def _address(self) -> int:
        self._check()
        return self.ptr.value or 0

    def __getitem__(self, key: slice) -> DeviceBuffer:
        if not isinstance(key, slice):
            raise TypeError(f"index a DeviceBuffer with a slice (buf[a:b]), not {type(key).__name__}; "
                            "read elements with to_numpy()")
        start, stop, step = key.indices(self._len)
        if step != 1:
            raise ValueError("DeviceBuffer views must be contiguous (step 1)")
        self._check()
        n = max(stop - start, 0)
        return DeviceBuffer(self.context, self._dtype, n, MallocPolicy.HUGE_FIRST,
                            _view_of=(self, start * self._dtype.itemsize))

    def reshape(self, *shape: Any) -> DeviceBuffer:
        """A view of the same memory with tensor shape `shape` (one -1 is inferred), as numpy reshapes a
        contiguous array: no copy. Like any view it keeps this buffer alive and closes with it."""
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        dims = [int(s) for s in shape]
        if dims.count(-1) > 1 or any(d < -1 for d in dims):
            raise ValueError(f"DeviceBuffer.reshape: bad shape {tuple(shape)} (at most one -1, no other negatives)")
        known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
        if -1 in dims:
            if known == 0 or self._len % known:
                raise ValueError(f"DeviceBuffer.reshape: cannot infer -1 in {tuple(shape)} for {self._len} elements")
            dims[dims.index(-1)] = self._len // known
        if int(np.prod(dims, dtype=np.int64)) != self._len:
            raise ValueError(f"DeviceBuffer.reshape: {self._len} elements do not fit the shape {tuple(dims)}")
        view = self[:]
        view.shape = tuple(dims)
        return view

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # -- transfers
    def to_numpy(self) -> np.ndarray:
        """Copy to a new host array of the buffer's shape, after every queued operation that uses this buffer."""
        out = np.empty(self._len, dtype=self._dtype)
        self.copy_to(out)
        return out.reshape(self.shape)

    def copy_from(self, src: Any, stream: Stream | None = None) -> None:
        """Fill this buffer from a numpy array, a HostBuffer or a DeviceBuffer of the same dtype and length.

        With `stream`, the copy is queued and this call returns at once.
        """
        _copy(self, src, stream)

    def copy_to(self, dst: Any, stream: Stream | None = None) -> None:
        """Copy this buffer into a numpy array, a HostBuffer or a DeviceBuffer of the same dtype and length."""
        _copy(dst, self, stream)

    def memset(self, byte: int, stream: Stream | None = None) -> None:
        """Set every byte to `byte` (0-255)."""
        if not isinstance(byte, int | np.integer) or not 0 <= int(byte) <= 255:
            raise ValueError(f"memset takes a byte value in [0, 255], got {byte!r}")
        self._check()
        if stream is not None:
            stream._check()  # a closed stream is an error even when there is nothing to set
        if not self.nbytes:
            return
        self._wait(except_stream=stream)
        with self._using(*([stream] if stream is not None else [])):
            if stream is None:
                self._lib.call("aclrtMemset", self.ptr, self.nbytes, int(byte), self.nbytes)
            else:
                _queue_on(stream, [self])
                self._lib.call("aclrtMemsetAsync", self.ptr, self.nbytes, int(byte), self.nbytes, stream.handle)

    def close(self) -> None:
        """Free the memory (closing views first), once queued work that uses it has completed."""
        if self._base is None and not self.closed:
            try:
                self._wait()  # before taking our lock: waiting takes the streams' locks
            except Exception:  # noqa: BLE001 - the fault was (or will be) reported by the stream
                pass
        super().close()

    def _before_release(self) -> None:
        # Memory still used by queued work lives until that work is done.
        if self._base is None:
            try:
                self._wait()
            except Exception:  # noqa: BLE001 - the fault was (or will be) reported by the stream
                pass


class DeviceBox(DeviceBuffer):
    """One value in device memory (ascend-rs's DeviceBox), passable as a Ptr[T] argument."""

    _kind = "DeviceBox"

    @classmethod
    def new(cls, value: Any, dtype: object = None, policy: MallocPolicy = MallocPolicy.HUGE_FIRST, *,
            context: Context | None = None) -> DeviceBox:
        arr = np.asarray(value, dtype=dtype)
        if arr.ndim != 0:
            raise ValueError(f"DeviceBox holds one value, got an array of shape {arr.shape}")
        dt = device_dtype(arr.dtype)
        box = cls(context or Context.current(), dt, 1, policy)
        box.copy_from(arr.reshape(1))
        return box

    def get(self) -> Any:
        """The value, after queued work that uses the box."""
        return self.to_numpy()[0]

    def set(self, value: Any) -> None:
        self.copy_from(np.asarray([value], dtype=self._dtype))


class HostBuffer(_Memory):
    """Page-locked host memory (`aclrtMallocHost`), the fast source and target of asynchronous copies.

    `.array` is a numpy view of it. Like `mmap`, the buffer cannot be closed
    while such views are alive: `close()` raises BufferError until they are gone.
    """

    _kind = "HostBuffer"

    def __init__(self, dtype: object, n: int, *, context: Context | None = None) -> None:
        dt = device_dtype(dtype)
        ctx = context or Context.current()
        _require_parent(ctx, Context, "HostBuffer", "context={}")
        n, nbytes = _byte_count("HostBuffer", dt, n, _host_bytes(), lambda: "this host's physical memory")
        super().__init__(ctx)
        self.context = ctx
        self._lib = ctx._lib
        self._dtype = dt
        self._len = n
        self.nbytes = nbytes
        self._pending = []
        ctx._activate()
        ptr = ctypes.c_void_p()
        self._lib.call("aclrtMallocHost", ctypes.byref(ptr), max(self.nbytes, 1))
        self.ptr = ptr
        self._exporter: weakref.ref[Any] | None = None
        self._own(self._lib, "aclrtFreeHost", ptr)

    @classmethod
    def from_numpy(cls, array: Any, *, context: Context | None = None) -> HostBuffer:
        arr = np.ascontiguousarray(np.asarray(array).reshape(-1))
        hb = cls(arr.dtype, arr.size, context=context)
        hb.array[:] = arr
        return hb

    def _address(self) -> int:
        self._check()
        return self.ptr.value or 0

    @property
    def array(self) -> np.ndarray:
        """A numpy view of the pinned memory (waits for queued copies that use it)."""
        self._check()
        self._wait()
        exporter = self._exporter() if self._exporter is not None else None
        if exporter is None:
            exporter = (ctypes.c_char * max(self.nbytes, 1)).from_address(self._address())
            self._exporter = weakref.ref(exporter)
        return np.frombuffer(exporter, dtype=self._dtype, count=self._len)

    def _before_release(self) -> None:
        if self._exporter is not None and self._exporter() is not None:
            raise BufferError(f"{self!r} cannot be closed while numpy views of it (.array) are alive; "
                              "delete them first")
        try:
            self._wait()
        except Exception:  # noqa: BLE001
            pass


# --------------------------------------------------------------------- copies
def _queue_on(stream: Stream, mems: list[_Memory], keep: list[object] | None = None) -> None:
    """Record that work about to be queued on `stream` uses `mems`, and keep them (and `keep`) alive.

    Callers first wait for other streams' work on `mems` (`_wait(except_stream=stream)`), with
    no lock held, then call this and queue the work while holding the locks.
    """
    for m in mems:
        m._track(stream)
    stream._keep_alive([*mems, *(keep or [])])


def _copy(dst: Any, src: Any, stream: Stream | None) -> None:
    d_dev, s_dev = isinstance(dst, DeviceBuffer), isinstance(src, DeviceBuffer)
    mems: list[_Memory] = [m for m in (dst, src) if isinstance(m, _Memory)]
    for m in mems:
        m._check()
    if stream is not None:
        stream._check()  # a closed stream is an error even for an empty copy
    lib = mems[0]._lib
    host_arrays: list[np.ndarray] = []

    def endpoint(x: Any, writable: bool) -> tuple[int, int, np.dtype, int]:
        if isinstance(x, _Memory):
            return x._address(), x.nbytes, x.dtype, len(x)
        if isinstance(x, np.ndarray):
            if not x.flags.c_contiguous or (writable and not x.flags.writeable):
                raise ValueError("host arrays in copies must be C-contiguous" + (" and writable" if writable else ""))
            dt = device_dtype(x.dtype)
            host_arrays.append(x)
            return x.ctypes.data, x.nbytes, dt, x.size
        raise TypeError(f"cannot copy {'to' if writable else 'from'} a {type(x).__name__}; use a numpy array, "
                        "a HostBuffer or a DeviceBuffer")

    d_addr, d_bytes, d_dt, d_n = endpoint(dst, True)
    s_addr, s_bytes, s_dt, s_n = endpoint(src, False)
    if d_dt != s_dt or d_n != s_n:
        raise ValueError(f"copy between {s_dt}[{s_n}] and {d_dt}[{d_n}]: dtype and length must match "
                         "(use a view buf[a:b] or convert the array first)")
    if d_dev and s_dev:
        kind = MemcpyKind.DEVICE_TO_DEVICE
    elif d_dev:
        kind = MemcpyKind.HOST_TO_DEVICE
    elif s_dev:
        kind = MemcpyKind.DEVICE_TO_HOST
    else:
        kind = MemcpyKind.HOST_TO_HOST
    if not d_bytes:
        return
    if stream is not None and kind == MemcpyKind.DEVICE_TO_DEVICE and (d_addr % 64 or s_addr % 64):
        # ACL's asynchronous device-to-device copy needs 64-byte aligned addresses (views often are
        # not): order it after the stream's work and copy synchronously instead.
        stream.synchronize()
        stream = None
    for m in mems:
        m._wait(except_stream=stream)
    with mems[0]._using(*mems[1:], *([stream] if stream is not None else [])):
        if stream is None:
            lib.call("aclrtMemcpy", ctypes.c_void_p(d_addr), d_bytes, ctypes.c_void_p(s_addr), s_bytes, int(kind))
        else:
            _queue_on(stream, mems, host_arrays)  # host arrays stay alive until the stream is synchronized
            lib.call("aclrtMemcpyAsync", ctypes.c_void_p(d_addr), d_bytes, ctypes.c_void_p(s_addr), s_bytes,
                     int(kind), stream.handle)


__all__ = ["DeviceBox", "DeviceBuffer", "HostBuffer", "MallocPolicy", "device_dtype"]
