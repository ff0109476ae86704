"""Typed device memory.

Only plain numeric element types cross to the device (ascend-rs's `DeviceSend`
rule): anything else is a TypeError before any ACL call is made.
"""

from __future__ import annotations

import ctypes

import numpy as np

from ascendpy.runtime import _acl
from ascendpy.runtime._acl import MallocPolicy
from ascendpy.runtime.objects import Context, Resource, Stream

_PLAIN = {"uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64", "float16", "float32",
          "float64", "bfloat16"}


def device_dtype(dtype: object) -> np.dtype:
    """The numpy dtype for `dtype` if it may live on the device, else TypeError."""
    try:
        dt = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError as exc:
        raise TypeError(f"{dtype!r} is not a dtype that can be sent to the device: {exc}") from None
    if dt.name not in _PLAIN or dt.fields is not None or dt.subdtype is not None:
        raise TypeError(
            f"dtype {dt} cannot be sent to the device: only plain numeric element types "
            f"({', '.join(sorted(_PLAIN))}) may cross; objects, strings, records and pointers may not"
        )
    return dt.newbyteorder("=") if dt.byteorder not in ("=", "|") else dt


class DeviceBuffer(Resource):
    """A typed array in device global memory, owned by a context."""

    _kind = "DeviceBuffer"

    def __init__(self, context: Context, dtype: np.dtype, n: int, policy: MallocPolicy) -> None:
        super().__init__(context)
        if n < 0:
            raise ValueError(f"a buffer cannot have {n} elements")
        self.context = context
        self._lib = context._lib
        self._dtype = dtype
        self._len = int(n)
        self.nbytes = self._len * dtype.itemsize
        self._pending: list[Stream] = []
        context._activate()
        ptr = ctypes.c_void_p()
        # ACL rejects zero-byte allocations; an empty buffer still owns one 32-byte block.
        self._lib.call("aclrtMalloc", ctypes.byref(ptr), max(self.nbytes, 32), int(MallocPolicy(policy)))
        self.ptr = ptr
        self._own(self._lib, "aclrtFree", ptr)

    # -- construction
    @classmethod
    def from_numpy(cls, array: np.ndarray, policy: MallocPolicy = MallocPolicy.HUGE_FIRST, *,
                   context: Context | None = None) -> DeviceBuffer:
        arr = np.asarray(array)
        dt = device_dtype(arr.dtype)
        arr = np.ascontiguousarray(arr.reshape(-1), dtype=dt)
        buf = cls(context or Context.current(), dt, arr.size, policy)
        if buf.nbytes:
            buf._lib.call("aclrtMemcpy", buf.ptr, buf.nbytes, arr.ctypes.data_as(ctypes.c_void_p), buf.nbytes,
                          int(_acl.MemcpyKind.HOST_TO_DEVICE))
        return buf

    @classmethod
    def empty(cls, dtype: object, n: int, policy: MallocPolicy = MallocPolicy.HUGE_FIRST, *,
              context: Context | None = None) -> DeviceBuffer:
        dt = device_dtype(dtype)  # the DeviceSend rule comes before any ACL call
        return cls(context or Context.current(), dt, int(n), policy)

    @classmethod
    def zeros(cls, dtype: object, n: int, policy: MallocPolicy = MallocPolicy.HUGE_FIRST, *,
              context: Context | None = None) -> DeviceBuffer:
        buf = cls.empty(dtype, n, policy, context=context)
        if buf.nbytes:
            buf._lib.call("aclrtMemset", buf.ptr, buf.nbytes, 0, buf.nbytes)
        return buf

    # -- access
    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    def __len__(self) -> int:
        return self._len

    def _track(self, stream: Stream) -> None:
        """A queued operation on `stream` uses this buffer."""
        if stream not in self._pending:
            self._pending.append(stream)

    def _wait(self) -> None:
        pending, self._pending = self._pending, []
        for s in pending:
            if not s.closed:
                s.synchronize()

    def to_numpy(self) -> np.ndarray:
        """Copy to a new host array, after every queued operation that uses this buffer."""
        self._check()
        self._wait()
        out = np.empty(self._len, dtype=self._dtype)
        if self.nbytes:
            self._lib.call("aclrtMemcpy", out.ctypes.data_as(ctypes.c_void_p), self.nbytes, self.ptr,
                           self.nbytes, int(_acl.MemcpyKind.DEVICE_TO_HOST))
        return out

    def _before_release(self) -> None:
        # A buffer closed while a queued launch still reads it lives until that launch is done.
        try:
            self._wait()
        except Exception:  # noqa: BLE001 - the fault was (or will be) reported by the stream
            pass

    def _describe(self) -> str:
        return f" {self._dtype}[{self._len}]"


__all__ = ["DeviceBuffer", "MallocPolicy", "device_dtype"]
