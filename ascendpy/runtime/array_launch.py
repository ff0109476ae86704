"""`kernel[block_dim](x, y, z)` and `kernel[block_dim, stream](...)` on a decorated kernel, with host arrays.

What Triton, Numba and NKI users expect: a `Ptr[T]` parameter takes a numpy array, a CPU torch tensor or
anything with `__dlpack__` (or a DeviceBuffer, passed as is). Each array is copied to the device, the kernel
runs, the launch is waited for, and every writable array is copied back in place, so outputs appear in the
caller's arrays. Without a stream, the default runtime (ascendpy.runtime.default) is used. The explicit
runtime (`KernelLoader`, `DeviceBuffer`, `Stream`) stays for work that needs queues of launches.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ascendpy.errors import LaunchError
from ascendpy.runtime.arrays import Host, as_host
from ascendpy.runtime.default import default_stream, module_kernel
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Stream


def launcher(fn: Any, config: object) -> Any:
    """The callable `fn[config]`: config is `block_dim` or `(block_dim, stream)`."""
    if isinstance(config, tuple):
        if len(config) != 2 or not isinstance(config[1], Stream):
            raise LaunchError(f"launch '{fn.name}' as {fn.name}[block_dim](...) or {fn.name}[block_dim, stream](...)")
        block_dim, stream = config
    else:
        block_dim, stream = config, None

    def launch(*args: object, **kwargs: object) -> None:
        run(fn, block_dim, stream, args, kwargs)

    launch.__qualname__ = launch.__name__ = f"{fn.name}[{block_dim}{', stream' if stream else ''}]"
    return launch


def run(fn: Any, block_dim: object, stream: Stream | None, args: tuple[object, ...], kwargs: dict[str, object]) -> None:
    module = sys.modules.get(fn.fn.__module__)
    if module is None:  # pragma: no cover - a kernel whose module was removed from sys.modules
        raise LaunchError(f"kernel '{fn.name}': its module {fn.fn.__module__} is not imported")
    stream = stream or default_stream()
    kernel = module_kernel(module, fn.name, stream)
    bound = kernel._bind(list(args), kwargs)
    dev_args: list[object] = []
    copies: list[tuple[Host, DeviceBuffer]] = []
    try:
        for i, (param, arg) in enumerate(zip(kernel.params, bound)):
            if param["kind"] != "ptr" or isinstance(arg, DeviceBuffer):
                dev_args.append(arg)
                continue
            label = kernel._labels[i]
            try:
                host = as_host(arg, label, f"launching '{fn.name}'")
            except TypeError as exc:
                raise LaunchError(str(exc)) from None
            want = kernel._want[i]
            if want is not None and host.array.dtype != want[1]:
                raise LaunchError(f"{label} expects elements of {want[0]} ({want[1]}) but got an array of "
                                  f"{host.array.dtype}; convert it, e.g. with .astype(np.{want[1].name})")
            buf = DeviceBuffer.from_numpy(np.ascontiguousarray(host.array).reshape(-1), context=stream.context)
            copies.append((host, buf))
            dev_args.append(buf)
        kernel.launch(block_dim, stream, dev_args)  # type: ignore[arg-type]
        stream.synchronize()
        for host, buf in copies:
            host.write_back(buf.to_numpy())
    finally:
        for _, buf in copies:
            buf.close()
