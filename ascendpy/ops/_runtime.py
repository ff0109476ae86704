"""Where `ascendpy.ops` runs when the caller names no stream, and how it turns arrays into device buffers.

An operator called on numpy arrays needs a device, a context and a stream. If the program has opened an
`Acl`, the operators make their own context and stream on it (its `close()` closes them too); otherwise
they open one, marked implicit: it is released at exit, and it yields (closes) as soon as the program opens
an `Acl` of its own, so the explicit runtime always works. Operators never hand out device objects of the
implicit runtime, which is what makes yielding safe.
"""

from __future__ import annotations

import threading
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from ascendpy.runtime import objects
from ascendpy.runtime.kernels import Kernel, KernelLoader
from ascendpy.runtime.objects import Acl, Context, Device, Stream

_lock = threading.Lock()
_default: Stream | None = None
_loaders: dict[tuple[str, str], KernelLoader] = {}


def default_stream() -> Stream:
    """The stream operators use when none is given (created on first use, recreated if it was closed)."""
    global _default
    with _lock:
        if _default is not None and not _default.closed:
            return _default
        acl = next((a for a in list(objects._open_acls) if not a.closed), None)
        if acl is None:
            acl = Acl()
            acl._implicit = True  # type: ignore[attr-defined]
        device = Device(acl)
        _default = Stream(Context(device))
        return _default


def kernel(module: types.ModuleType, name: str, stream: Stream) -> Kernel:
    """Kernel `name` of the operator kernel module `module`, built for the stream's SoC (cached per process)."""
    soc = stream.context.device.soc_name
    key = (module.__name__, soc)
    with _lock:
        loader = _loaders.get(key)
        if loader is None:
            loader = _loaders[key] = KernelLoader.from_module(module, target="sim" if _driver(stream) == "sim"
                                                              else soc, soc=soc)
    return loader.get_kernel(name)


def _driver(stream: Stream) -> str:
    return stream.context.device.acl.driver


@dataclass
class Host:
    """An operator argument as a numpy array, and how to give results back in the caller's kind of array."""

    array: np.ndarray
    torch: Any = None  # the torch module when the caller passed a torch tensor

    def wrap(self, result: np.ndarray) -> Any:
        if self.torch is None:
            return result
        if result.dtype.name == "bfloat16":
            return self.torch.from_numpy(result.view(np.int16)).view(self.torch.bfloat16)
        return self.torch.from_numpy(result)


def as_host(x: object, what: str, op: str) -> Host:
    """A numpy view of `x` (numpy array or CPU torch tensor); TypeError naming the argument otherwise."""
    if isinstance(x, np.ndarray):
        return Host(x)
    mod = type(x).__module__
    if mod.startswith("torch"):
        import torch

        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{op}: {what} is a {type(x).__name__}, not a tensor")
        if x.device.type != "cpu":
            raise TypeError(f"{op}: {what} is on {x.device}; pass a CPU tensor (ascendpy moves it to the NPU itself)")
        t = x.detach().contiguous()
        if t.dtype == torch.bfloat16:
            import ml_dtypes

            return Host(t.view(torch.int16).numpy().view(ml_dtypes.bfloat16), torch)
        return Host(t.numpy(), torch)
    raise TypeError(f"{op}: {what} must be a numpy array or a CPU torch tensor, not {type(x).__name__}")
