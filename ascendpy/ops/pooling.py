"""Pooling as torch.nn.functional has it: avg_pool1d/2d/3d and max_pool1d/2d/3d (kernels/pool.py, one kernel)."""

from __future__ import annotations

import math
from typing import Any

from ascendpy.ops.core import FLOATS, OpCall, int_tuple
from ascendpy.ops.registry import operator
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Stream

ROW, OUT = 8192, 4096  # kernels/pool.py: the widest input and output rows


def _out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


def _pool(kind: str, nd: int, x: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool,
          include: bool, stream: Stream | None) -> Any:
    from ascendpy.ops.kernels import pool, pool_bf16

    op = f"ascendpy.ops.{kind}{nd}d"
    with OpCall(op, stream) as call:
        t = call.tensor(x, "input")
        if t.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"{op}: input must be {nd + 1}-d or {nd + 2}-d ([N,] C, spatial...), got {t.shape}")
        k = int_tuple(kernel_size, nd, "kernel_size", op)
        s = k if stride is None or stride == [] else int_tuple(stride, nd, "stride", op)
        p = int_tuple(padding, nd, "padding", op)
        d = int_tuple(dilation, nd, "dilation", op)
        if any(pi * 2 > ki for pi, ki in zip(p, k)):
            raise ValueError(f"{op}: padding {p} must be at most half the kernel size {k} (as torch)")
        if min(k + s + d) < 1:
            raise ValueError(f"{op}: kernel_size, stride and dilation must be positive")
        spatial = t.shape[-nd:]
        outs = tuple(_out_size(n, ki, si, pi, di, ceil_mode) for n, ki, si, pi, di in zip(spatial, k, s, p, d))
        if min(outs) < 1:
            raise ValueError(f"{op}: the output would be empty for input {t.shape} and kernel {k}")
        if spatial[-1] > ROW or outs[-1] > OUT:
            raise ValueError(f"{op}: rows of {spatial[-1]} inputs / {outs[-1]} outputs exceed {ROW} / {OUT}")
        pad3 = lambda v, fill: (fill,) * (3 - nd) + tuple(v)  # noqa: E731 - 1-D/2-D as 3-D
        planes = math.prod(t.shape[:-nd])
        out = call.empty(t.shape[:-nd] + outs, t.dtype)
        call.launch(call.kernels(pool, pool_bf16, t.dtype), f"{kind}_{t.short}",
                    call.blocks(planes * math.prod(outs[:-1]), 1), t, out, planes, *pad3(spatial, 1),
                    *pad3(outs, 1), *pad3(k, 1), *pad3(s, 1), *pad3(p, 0), *pad3(d, 1), int(include))
        return call.result(out)


def _max(nd: int) -> Any:
    def max_pool(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,  # noqa: A002
                 ceil_mode: bool = False, return_indices: bool = False, *, stream: Stream | None = None) -> Any:
        if return_indices:
            raise ValueError(f"ascendpy.ops.max_pool{nd}d: return_indices is not supported")
        return _pool("max_pool", nd, input, kernel_size, stride, padding, dilation, ceil_mode, True, stream)

    max_pool.__name__ = max_pool.__qualname__ = f"max_pool{nd}d"
    max_pool.__doc__ = f"F.max_pool{nd}d: the maximum of each window (padding never wins)."
    return max_pool


def _avg(nd: int) -> Any:
    def avg_pool(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                 ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Any = None, *,
                 stream: Stream | None = None) -> Any:
        if divisor_override is not None:
            raise ValueError(f"ascendpy.ops.avg_pool{nd}d: divisor_override is not supported")
        return _pool("avg_pool", nd, input, kernel_size, stride, padding, 1, ceil_mode, count_include_pad, stream)

    avg_pool.__name__ = avg_pool.__qualname__ = f"avg_pool{nd}d"
    avg_pool.__doc__ = f"F.avg_pool{nd}d: the mean of each window (count_include_pad counts the padding, as torch)."
    return avg_pool


max_pool1d = operator("pooling", "vector", FLOATS, ("max_pooling_1d",))(_max(1))
max_pool2d = operator("pooling", "vector", FLOATS, ("max_pooling_2d",))(_max(2))
max_pool3d = operator("pooling", "vector", FLOATS, ("max_pooling_3d",))(_max(3))
avg_pool1d = operator("pooling", "vector", FLOATS, ("average_pooling_1d",))(_avg(1))
avg_pool2d = operator("pooling", "vector", FLOATS, ("average_pooling_2d",))(_avg(2))
avg_pool3d = operator("pooling", "vector", FLOATS, ("average_pooling_3d",))(_avg(3))


def _adaptive(nd: int) -> Any:
    def adaptive_avg_pool(input: Any, output_size: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
        from ascendpy.ops.resize import interpolate

        op = f"ascendpy.ops.adaptive_avg_pool{nd}d"
        shape = tuple(getattr(input, "shape", ()))
        if len(shape) not in (nd + 1, nd + 2):
            raise ValueError(f"{op}: input must be {nd + 1}-d or {nd + 2}-d ([N,] C, spatial...), got {shape}")
        sizes = (output_size,) * nd if output_size is None or isinstance(output_size, int) else tuple(output_size)
        sizes = sizes * nd if len(sizes) == 1 else sizes  # None keeps that dim's size, as torch
        size = int_tuple(tuple(shape[-nd + i] if o is None else o for i, o in enumerate(sizes)), nd, "output_size", op)
        if min(size) < 1:
            raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
        spatial = shape[-nd:]
        if all(i % o == 0 for i, o in zip(spatial, size)):  # equal windows: a plain average pool
            k = tuple(i // o for i, o in zip(spatial, size))
            return _pool("avg_pool", nd, input, k, k, 0, 1, False, True, stream)
        if len(shape) == nd + 2:
            return interpolate(input, size, mode="area", stream=stream)
        if isinstance(input, DeviceBuffer):
            raise ValueError(f"{op}: give an unbatched DeviceBuffer a batch dim (its shape [1, ...])")
        return interpolate(input[None], size, mode="area", stream=stream)[0]

    adaptive_avg_pool.__name__ = adaptive_avg_pool.__qualname__ = f"adaptive_avg_pool{nd}d"
    adaptive_avg_pool.__doc__ = (f"F.adaptive_avg_pool{nd}d: the mean of windows [floor(i * in / out), ceil((i + 1) "
                                 "* in / out)): avg_pool when the windows are equal, else interpolate's 'area' "
                                 "mode (one kernel per spatial dim).")
    return adaptive_avg_pool


adaptive_avg_pool1d = operator("pooling", "vector", FLOATS)(_adaptive(1))
adaptive_avg_pool2d = operator("pooling", "vector", FLOATS)(_adaptive(2))
adaptive_avg_pool3d = operator("pooling", "vector", FLOATS)(_adaptive(3))
