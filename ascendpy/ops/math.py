"""Scans (torch.cumsum, torch.cumprod) along any dim, MultiKernelBench's exclusive, reverse and masked cumulative
sums, and torch.multiply; each one kernel (kernels/scan.py, kernels/broadcast.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops import broadcast as bc
from ascendpy.ops.core import FLOATS, OpCall, as_dtype, normalize_dim, split_at
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream


def _scan(op: str, kind: str, x: Any, dim: int, dtype: Any, stream: Stream | None, exclusive: bool = False,
          reverse: bool = False, mask: Any = None) -> Any:
    from ascendpy.ops.kernels import scan, scan_bf16

    name = f"ascendpy.ops.{op}"
    with OpCall(name, stream) as call:
        t = call.tensor(x, "input")
        if dtype is not None:
            t = call.cast(t, as_dtype(dtype, name))
        m = None
        if mask is not None:
            m = call.tensor(mask, "mask", ("bool",))
            if m.shape != t.shape:
                raise ValueError(f"{name}: mask must have the input's shape {t.shape}, got {m.shape}")
        d = normalize_dim(dim, t.ndim, name)
        outer, size, inner = split_at(t.shape, d)
        out = call.empty(t.shape, t.dtype)
        if t.size:
            module = call.kernels(scan, scan_bf16, t.dtype)
            flags = (int(exclusive), int(reverse), int(m is not None))
            mk = m if m is not None else call.empty((1,), np.dtype("bool"))  # unread without a mask
            if inner == 1:
                call.launch(module, f"{kind}_rows_{t.short}", call.blocks(outer, 1), t, mk, out, outer, size, *flags)
            else:
                units = outer * -(-inner // scan.COLS)
                call.launch(module, f"{kind}_cols_{t.short}", call.blocks(units, 1), t, mk, out, outer, size, inner,
                            *flags)
        return call.result(out)


@operator("math", "vector", FLOATS, ("cumsum",))
def cumsum(input: Any, dim: int, *, dtype: Any = None, stream: Stream | None = None) -> Any:  # noqa: A002
    """x0, x0 + x1, ... along `dim`, added in order (as torch on the CPU)."""
    return _scan("cumsum", "cumsum", input, dim, dtype, stream)


@operator("math", "vector", FLOATS, ("cumprod",))
def cumprod(input: Any, dim: int, *, dtype: Any = None, stream: Stream | None = None) -> Any:  # noqa: A002
    """x0, x0 x1, ... along `dim`, multiplied in order."""
    return _scan("cumprod", "cumprod", input, dim, dtype, stream)


@operator("math", "vector", FLOATS, ("cumsum_exclusive",))
def cumsum_exclusive(input: Any, dim: int, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """0, x0, x0 + x1, ... along `dim` (each output leaves its own element out): MultiKernelBench's exclusive
    cumsum, cat(zeros, cumsum(x[:-1])); not a torch function."""
    return _scan("cumsum_exclusive", "cumsum", input, dim, None, stream, exclusive=True)


@operator("math", "vector", FLOATS, ("cumsum_reverse",))
def cumsum_reverse(input: Any, dim: int, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """Suffix sums along `dim`: cumsum(x.flip(dim), dim).flip(dim), in one pass from the end."""
    return _scan("cumsum_reverse", "cumsum", input, dim, None, stream, reverse=True)


@operator("math", "vector", FLOATS, ("masked_cumsum",))
def masked_cumsum(input: Any, mask: Any, dim: int, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """cumsum(x * mask, dim) for a bool mask of x's shape, the product fused into the scan."""
    return _scan("masked_cumsum", "cumsum", input, dim, None, stream, mask=mask)


@operator("math", "vector", FLOATS, ("matrix_scalar_multiplication",),
          note="matrix_scalar_multiplication is A * s")
def multiply(input: Any, other: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.multiply: input * other with broadcasting (the broadcast kernels' Mul; a Python scalar is broadcast
    on the device)."""
    with OpCall("ascendpy.ops.multiply", stream) as call:
        x, y = bc._operands(call, [(input, "input"), (other, "other")])
        return bc._launch(call, "mul", [x, y], extra=(1.0,))

