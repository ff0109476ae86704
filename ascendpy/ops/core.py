"""One operator call: arguments onto the device, kernels launched, results back in the caller's kind of array.

Every `ascendpy.ops` function runs inside an `OpCall`. It takes numpy arrays, CPU torch tensors and
`DeviceBuffer`s (their `.shape` is the tensor's shape) for tensor arguments, copies host arrays to the device
once, casts on the device where PyTorch's type promotion asks for it, picks block_dim from the shapes and the
SoC, and frees what it allocated when it returns. The result is a numpy array for numpy callers, a torch
tensor for torch callers, and a `DeviceBuffer` (shaped, owned by the caller) when any tensor argument was a
`DeviceBuffer`: so a chain of operators on device buffers never leaves the device.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from ascendpy.runtime import arrays
from ascendpy.runtime.default import default_stream, module_kernel
from ascendpy.runtime.memory import DeviceBuffer, numpy_dtype
from ascendpy.runtime.objects import Stream

FLOATS = ("float32", "float16", "bfloat16")
_SHORT = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
_TORCH = {"torch.float32": "float32", "torch.float16": "float16", "torch.bfloat16": "bfloat16",
          "torch.float64": "float64", "torch.int64": "int64", "torch.int32": "int32", "torch.bool": "bool"}


@dataclass
class Tensor:
    """A tensor argument or result of one call, in device memory."""

    buf: DeviceBuffer
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def short(self) -> str:
        """The dtype's kernel-name suffix: f32, f16, bf16."""
        return _SHORT[self.dtype.name]


def short(dtype: np.dtype) -> str:
    return _SHORT[dtype.name]


def as_dtype(dt: Any, op: str, what: str = "dtype") -> np.dtype:
    """A numpy dtype from a numpy/torch dtype or a name; TypeError naming the operator otherwise."""
    if getattr(type(dt), "__module__", "").startswith("torch"):
        dt = _TORCH.get(str(dt), str(dt))
    try:
        return numpy_dtype(dt)
    except TypeError:
        raise TypeError(f"{op}: {what} {dt!r} is not a dtype") from None


def promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two floating dtypes: equal stays, float16 with bfloat16 or anything with float32
    gives float32."""
    return a if a == b else numpy_dtype("float32")


class OpCall:
    """The device side of one operator call (a context manager: what it allocated is freed on exit)."""

    def __init__(self, op: str, stream: Stream | None = None) -> None:
        self.op = op
        self._stream = stream
        self._owned: list[DeviceBuffer] = []
        self._host: arrays.Host | None = None  # the result's kind: the first torch tensor argument, else the first
        self._device = False  # a DeviceBuffer argument: results stay on the device

    def __enter__(self) -> OpCall:
        return self

    def __exit__(self, *exc: object) -> None:
        for buf in self._owned:
            buf.close()
        self._owned.clear()

    # -- where it runs
    @property
    def stream(self) -> Stream:
        if self._stream is None:
            self._stream = default_stream()
        return self._stream

    @property
    def family(self) -> str:
        """"310P" or "910B" (the families the kernels are written for)."""
        return "310P" if self.stream.context.device.soc_name.startswith("Ascend310P") else "910B"

    def cores(self, kind: str = "aiv") -> int:
        """How many blocks of a `kind` kernel run at once: the vector cores for aiv on 910B, the AI cores for
        cube kernels and on 310P (whose plain kernels run on its AI cores)."""
        device = self.stream.context.device
        n = device.vector_core_count if kind == "aiv" and self.family == "910B" else device.ai_core_count
        return max(1, n or 1)

    def blocks(self, work: int, per_block: int, kind: str = "aiv") -> int:
        """block_dim for `work` units of which one block should take at least `per_block`."""
        return max(1, min(self.cores(kind), -(-work // max(per_block, 1))))

    # -- arguments
    def tensor(self, x: Any, name: str, dtypes: tuple[str, ...] = FLOATS) -> Tensor:
        """Argument `name` on the device; TypeError unless its dtype is one of `dtypes`."""
        host = None
        if isinstance(x, DeviceBuffer):
            x._check()
            if x.context is not self.stream.context:
                raise ValueError(f"{self.op}: {name} is a DeviceBuffer of another context than the stream's; pass "
                                 "stream= a stream of the buffer's context")
            shape, dtype = tuple(x.shape), x.dtype
            if int(np.prod(shape, dtype=np.int64)) != len(x):
                raise ValueError(f"{self.op}: {name} has shape {shape} but holds {len(x)} elements; set the "
                                 "DeviceBuffer's .shape to the tensor's shape")
        else:
            host = arrays.as_host(x, name, self.op)
            shape, dtype = tuple(host.array.shape), host.array.dtype
        if dtype.name not in dtypes:
            raise TypeError(f"{self.op}: {name} has dtype {dtype}; this operator takes {', '.join(dtypes)}"
                            " (convert it, e.g. x.astype(np.float32))")
        if dtype.name == "bfloat16" and self.family == "310P":
            raise TypeError(f"{self.op}: {name} is bfloat16, which {self.stream.context.device.soc_name} does not "
                            "have (310P has no bfloat16_t); use float16 or float32")
        if host is None:
            self._device = True
            return Tensor(x, shape, dtype)
        if self._host is None or (self._host.torch is None and host.torch is not None):
            self._host = host  # results in the caller's kind: torch as soon as any argument is a torch tensor
        buf = DeviceBuffer.from_numpy(host.array, context=self.stream.context)
        self._owned.append(buf)
        return Tensor(buf, shape, dtype)

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> Tensor:
        """A new device tensor (freed on exit unless returned by `result`)."""
        n = int(np.prod(shape, dtype=np.int64))
        buf = DeviceBuffer.empty(dtype, n, context=self.stream.context)
        self._owned.append(buf)
        return Tensor(buf, tuple(shape), numpy_dtype(dtype))

    def cast(self, t: Tensor, dtype: np.dtype) -> Tensor:
        """`t` converted to `dtype` on the device (round to nearest even), or `t` itself if it has it."""
        if t.dtype == dtype:
            return t
        from ascendpy.ops.kernels import cast as kcast
        from ascendpy.ops.kernels import cast_bf16

        out = self.empty(t.shape, dtype)
        if t.size:
            module = cast_bf16 if "bfloat16" in (t.dtype.name, out.dtype.name) else kcast
            n = t.size
            self.launch(module, f"cast_{t.short}_{out.short}", self.blocks(n, kcast.TILE), t.buf, out.buf, n)
        return out

    # -- kernels
    def kernels(self, module: types.ModuleType, bf16_module: types.ModuleType | None, dtype: np.dtype
                ) -> types.ModuleType:
        """The kernel module for `dtype`: bfloat16 kernels live in a module of their own (310P cannot build it)."""
        if dtype.name == "bfloat16":
            if bf16_module is None:
                raise TypeError(f"{self.op}: bfloat16 is not supported by this operator")
            return bf16_module
        return module

    def launch(self, module: types.ModuleType, name: str, block_dim: int, *args: Any) -> None:
        """Queue kernel `name` of `module` on the call's stream (Tensors and DeviceBuffers pass as pointers)."""
        kern = module_kernel(module, name, self.stream)
        kern[block_dim, self.stream](*(a.buf if isinstance(a, Tensor) else a for a in args))

    # -- results
    def result(self, t: Tensor) -> Any:
        """`t` in the caller's kind: a shaped DeviceBuffer the caller owns, a torch tensor or a numpy array."""
        if self._device:
            self._owned.remove(t.buf)
            t.buf.shape = t.shape
            return t.buf
        host = t.buf.to_numpy().reshape(t.shape)
        return self._host.wrap(host) if self._host is not None else host


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """`dim` in [0, ndim) (negative counts from the end, a 0-d tensor taking 0 and -1); IndexError otherwise."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not isinstance(dim, int | np.integer) or not lo <= dim <= hi:
        raise IndexError(f"{op}: dim {dim!r} is out of range for a {ndim}-d tensor (expected [{lo}, {hi}])")
    return int(dim) % max(ndim, 1)


def int_tuple(v: Any, n: int, what: str, op: str) -> tuple[int, ...]:
    """An int or n ints (torch's _ntuple: one int, or a 1-tuple, repeats) as n ints; ValueError otherwise."""
    t = (v,) * n if isinstance(v, int | np.integer) else tuple(v)
    if len(t) == 1 and n > 1:
        t = t * n
    if len(t) != n or any(not isinstance(i, int | np.integer) for i in t):
        raise ValueError(f"{op}: {what} must be an int or {n} ints, got {v!r}")
    return tuple(int(i) for i in t)


def split_at(shape: tuple[int, ...], dim: int) -> tuple[int, int, int]:
    """(outer, size, inner) of `shape` around `dim`: the tensor as [outer, size, inner], row-major."""
    outer = int(np.prod(shape[:dim], dtype=np.int64))
    inner = int(np.prod(shape[dim + 1:], dtype=np.int64))
    return outer, (shape[dim] if shape else 1), inner


def metadata(call: OpCall, array: np.ndarray) -> Tensor:
    """Host-computed index metadata (offset tables and the like) on the device for the call's duration; unlike
    `OpCall.tensor` it never decides the kind of the call's result."""
    buf = DeviceBuffer.from_numpy(np.ascontiguousarray(array), context=call.stream.context)
    call._owned.append(buf)
    return Tensor(buf, tuple(array.shape), array.dtype)
