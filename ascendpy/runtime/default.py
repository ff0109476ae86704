"""The runtime used when the caller names no stream: operators on numpy arrays, `kernel[block_dim](...)` calls.

If the program has opened an `Acl`, a context and stream are made on it (its `close()` closes them too);
otherwise one is opened, marked implicit: it is released at exit, and it yields (closes) as soon as the
program opens an `Acl` of its own, so the explicit runtime always works. Nothing here hands out device
objects of the implicit runtime, which is what makes yielding safe.
"""

from __future__ import annotations

import threading
import types

from ascendpy.runtime import objects
from ascendpy.runtime.kernels import Kernel, KernelLoader
from ascendpy.runtime.objects import Acl, Context, Device, Stream

_lock = threading.Lock()
_default: Stream | None = None
_loaders: dict[tuple[str, str], KernelLoader] = {}


def default_stream() -> Stream:
    """The stream used when none is given (created on first use, recreated if it was closed)."""
    global _default
    with _lock:
        if _default is not None and not _default.closed:
            return _default
        acl = next((a for a in list(objects._open_acls) if not a.closed), None)
        if acl is None:
            acl = Acl()
            acl._implicit = True  # type: ignore[attr-defined]
        _default = Stream(Context(Device(acl)))
        return _default


def module_kernel(module: types.ModuleType, name: str, stream: Stream) -> Kernel:
    """Kernel `name` of Python kernel module `module`, built for the stream's SoC (loaders cached per process)."""
    device = stream.context.device
    soc = device.soc_name
    key = (module.__name__, soc)
    with _lock:
        loader = _loaders.get(key)
        if loader is None:
            target = "sim" if device.acl.driver == "sim" else soc
            loader = _loaders[key] = KernelLoader.from_module(module, target=target, soc=soc)
    return loader.get_kernel(name)
