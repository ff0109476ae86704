"""Reductions (torch.sum, mean, amax, amin, prod): over one dim, several dims or everything, keepdim as torch.

One dim of [outer, size, inner] is one kernel (kernels/reduce.py). Several dims are reduced one after another,
the innermost first (each a kernel); all elements (dim=None) are cut into rows of a chunk each, reduced by many
blocks, and the partial results reduced again, so a flat reduction is not left to a single block.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, as_dtype, normalize_dim, split_at
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream

FLAT_CHUNK = 16384  # elements per row of a flat (dim=None) reduction


def _one_dim(call: OpCall, kind: str, t: Tensor, d: int, scale: float) -> Tensor:
    from ascendpy.ops.kernels import reduce as kernels
    from ascendpy.ops.kernels import reduce_bf16

    outer, size, inner = split_at(t.shape, d)
    out = call.empty(t.shape[:d] + t.shape[d + 1:], t.dtype)
    module = call.kernels(kernels, reduce_bf16, t.dtype)
    if inner == 1:
        call.launch(module, f"{kind}_rows_{t.short}", call.blocks(outer, 8), t, out, outer, size, size, size, scale)
    else:
        units = outer * -(-inner // kernels.COLS)
        call.launch(module, f"{kind}_cols_{t.short}", call.blocks(units, 1), t, out, outer, size, inner, scale)
    return out


def _flat(call: OpCall, kind: str, t: Tensor, scale: float) -> Tensor:
    from ascendpy.ops.kernels import reduce as kernels
    from ascendpy.ops.kernels import reduce_bf16

    module = call.kernels(kernels, reduce_bf16, t.dtype)
    n = t.size
    partial = "sum" if kind == "mean" else kind
    while n > FLAT_CHUNK:  # rows of FLAT_CHUNK (the last shorter) -> one partial result per row
        rows = -(-n // FLAT_CHUNK)
        out = call.empty((rows,), t.dtype)
        call.launch(module, f"{partial}_rows_{t.short}", call.blocks(rows, 4), t, out, rows, FLAT_CHUNK,
                    FLAT_CHUNK, n - (rows - 1) * FLAT_CHUNK, 1.0)
        t, n = out, rows
    out = call.empty((), t.dtype)
    call.launch(module, f"{kind}_rows_{t.short}", 1, t, out, 1, n, n, n, scale)
    return out


def _reduce(kind: str, x: Any, dim: Any, keepdim: bool, dtype: Any, stream: Stream | None) -> Any:
    name = f"ascendpy.ops.{kind}"
    with OpCall(name, stream) as call:
        t = call.tensor(x, "input")
        if dtype is not None:  # torch: the input is cast to dtype first
            t = call.cast(t, as_dtype(dtype, name))
        shape = t.shape
        if dim is None or (isinstance(dim, tuple | list) and len(dim) == 0):
            dims = list(range(t.ndim))
        else:
            dims = [normalize_dim(d, t.ndim, name) for d in (dim if isinstance(dim, tuple | list) else [dim])]
            if len(set(dims)) != len(dims):
                raise ValueError(f"{name}: dim {dim} names a dim twice")
        count = 1
        for d in dims:
            count *= shape[d]
        if t.size == 0:
            raise ValueError(f"{name}: empty tensors are not supported (shape {shape})")
        kept = tuple(1 if i in dims else n for i, n in enumerate(shape)) if keepdim else \
            tuple(n for i, n in enumerate(shape) if i not in dims)
        scale = 1.0 / count
        result_dtype = t.dtype
        if kind in ("sum", "mean", "prod") and t.dtype.name != "float32" and (len(dims) > 1 or len(dims) == t.ndim):
            t = call.cast(t, np.dtype("float32"))  # partial results of several passes stay f32, as torch accumulates
        if len(dims) == t.ndim:
            out = _flat(call, kind, t, scale)
        else:
            out = t
            order = sorted(dims, reverse=True)  # innermost first: the outer dims keep their numbering
            for i, d in enumerate(order):
                last = i == len(order) - 1
                step = kind if kind != "mean" or last else "sum"
                out = _one_dim(call, step, out, d, scale if last else 1.0)
        out = call.cast(out, result_dtype)
        return call.result(Tensor(out.buf, kept, out.dtype))


@operator("reduce", "vector", FLOATS, ("sum_reduction_over_a_dimension",))
def sum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A001,A002
        stream: Stream | None = None) -> Any:
    """The sum over `dim` (an int, a tuple of ints, or None for all elements)."""
    return _reduce("sum", input, dim, keepdim, dtype, stream)


@operator("reduce", "vector", FLOATS, ("mean_reduction_over_a_dimension",))
def mean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
         stream: Stream | None = None) -> Any:
    """The mean over `dim` (sum, then one multiply by 1/count)."""
    return _reduce("mean", input, dim, keepdim, dtype, stream)


@operator("reduce", "vector", FLOATS, ("max_reduction_over_a_dimension",),
          note="max_reduction_over_a_dimension is torch.max(x, dim)[0], that is amax")
def amax(input: Any, dim: Any = None, keepdim: bool = False, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """The maximum over `dim`."""
    return _reduce("amax", input, dim, keepdim, None, stream)


@operator("reduce", "vector", FLOATS, ("min_reduction_over_a_dimension",),
          note="min_reduction_over_a_dimension is torch.min(x, dim)[0], that is amin")
def amin(input: Any, dim: Any = None, keepdim: bool = False, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """The minimum over `dim`."""
    return _reduce("amin", input, dim, keepdim, None, stream)


@operator("reduce", "vector", FLOATS, ("product_reduction_over_a_dimension",))
def prod(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,  # noqa: A002
         stream: Stream | None = None) -> Any:
    """The product over `dim` (an int or None; torch.prod takes one dim)."""
    if isinstance(dim, tuple | list):
        raise TypeError("ascendpy.ops.prod: dim must be an int or None (as in torch.prod)")
    return _reduce("prod", input, dim, keepdim, dtype, stream)


@operator("reduce", "vector", FLOATS, note="one kernel per call: max, then ln(sum(exp(x - max))) + max")
def logsumexp(input: Any, dim: Any, keepdim: bool = False, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.logsumexp over `dim` (an int, or several neighbouring dims, reduced as one)."""
    from ascendpy.ops.kernels import reduce as kernels
    from ascendpy.ops.kernels import reduce_bf16

    name = "ascendpy.ops.logsumexp"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        dims = sorted(normalize_dim(d, t.ndim, name) for d in (dim if isinstance(dim, tuple | list) else [dim]))
        if not dims or dims != list(range(dims[0], dims[0] + len(dims))):
            raise ValueError(f"{name}: dim {dim} must be one dim or neighbouring dims")
        if t.size == 0:
            raise ValueError(f"{name}: empty tensors are not supported (shape {t.shape})")
        lo, hi = dims[0], dims[-1] + 1
        outer = int(np.prod(t.shape[:lo], dtype=np.int64))
        size = int(np.prod(t.shape[lo:hi], dtype=np.int64))
        inner = int(np.prod(t.shape[hi:], dtype=np.int64))
        kept = t.shape[:lo] + ((1,) * len(dims) if keepdim else ()) + t.shape[hi:]
        out = call.empty(kept, t.dtype)
        module = call.kernels(kernels, reduce_bf16, t.dtype)
        if inner == 1:
            call.launch(module, f"lse_rows_{t.short}", call.blocks(outer, 8), t, out, outer, size)
        else:
            call.launch(module, f"lse_cols_{t.short}", call.blocks(outer * -(-inner // kernels.COLS), 1), t, out,
                        outer, size, inner)
        return call.result(out)
