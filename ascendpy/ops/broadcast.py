"""Broadcasting elementwise operators (torch's add, sub, mul, div, maximum, minimum, pow, clamp, where,
logical_and): numpy/PyTorch broadcasting done by the kernel, never by copies on the host.

The host only describes the broadcast: `_layout` collapses the output shape to [rows, L] with at most four outer
dims and gives each operand its strides (0 where it is broadcast) and whether it runs along L. Operands of
different floating dtypes are cast on the device to PyTorch's result type; Python numbers join as 0-d tensors of
that type (they do not promote a tensor, as in PyTorch), and 0-d tensors do not promote dimensioned ones.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, promote
from ascendpy.ops.registry import operator
from ascendpy.runtime.memory import DeviceBuffer, numpy_dtype
from ascendpy.runtime.objects import Stream

OUTER = 4  # outer dims the kernels index
MIN_CHUNK = 4096  # elements below which a row is not split over more blocks
_U32 = 2**32 - 1


def _layout(shapes: list[tuple[int, ...]], op: str) -> tuple[tuple[int, ...], list[int], list[list[int]], list[int]]:
    """(out shape, [rows, L, d1, d2, d3], per operand [s0..s3], per operand `in` flag) for broadcasting `shapes`."""
    try:
        out = tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"{op}: shapes {', '.join(str(tuple(s)) for s in shapes)} cannot be broadcast together "
                         "(PyTorch's rule: sizes must match or be 1, aligned from the last dim)") from None
    nd = len(out)
    dims: list[tuple[int, list[int]]] = []  # (size, stride per operand), out dims of size 1 dropped
    strides_all = []
    for s in shapes:
        s = (1,) * (nd - len(s)) + tuple(s)
        st, acc = [0] * nd, 1
        for i in range(nd - 1, -1, -1):
            st[i] = acc if s[i] != 1 else 0
            acc *= s[i]
        strides_all.append(st)
    for i in range(nd):
        if out[i] != 1:
            dims.append((out[i], [st[i] for st in strides_all]))
    merged: list[tuple[int, list[int]]] = []
    for size, st in dims:
        if merged:
            psize, pst = merged[-1]
            if all(p == s * size for p, s in zip(pst, st)):  # the outer dim continues the inner one
                merged[-1] = (psize * size, st)
                continue
        merged.append((size, st))
    if not merged:
        merged = [(1, [0] * len(shapes))]
    length, inner = merged[-1]
    outer = merged[:-1]
    if len(outer) > OUTER:
        raise ValueError(f"{op}: this broadcast of {', '.join(str(tuple(s)) for s in shapes)} needs {len(outer) + 1} "
                         f"dims after merging; the kernels take at most {OUTER + 1}")
    outer = [(1, [0] * len(shapes))] * (OUTER - len(outer)) + outer
    rows = math.prod(size for size, _ in outer)
    geometry = [rows, length, outer[1][0], outer[2][0], outer[3][0]]
    strides = [[st[k] for _, st in outer] for k in range(len(shapes))]
    flags = [1 if inner[k] == 1 else 0 for k in range(len(shapes))]
    if max(geometry + [s for st in strides for s in st]) > _U32:
        raise ValueError(f"{op}: tensors of more than 2^32 elements are not supported")
    return out, geometry, strides, flags


def _chunk(call: OpCall, rows: int, length: int) -> tuple[int, int]:
    """(chunk, block_dim): whole rows per unit when there are enough rows, else rows split over the cores."""
    cores = call.cores()
    if rows >= cores or length <= MIN_CHUNK:
        chunk = max(length, 1)
    else:
        chunk = max(MIN_CHUNK, -(-length // (cores // rows) // 16) * 16)
    units = rows * -(-length // chunk)
    return chunk, max(1, min(cores, units))


def _operands(call: OpCall, args: list[tuple[Any, str]], dtypes: tuple[str, ...] = FLOATS) -> list[Tensor]:
    """Tensors for the arguments (Python numbers become 0-d tensors), cast to their PyTorch result type."""
    found: list[Tensor | float] = []
    for value, name in args:
        if isinstance(value, bool | int | float | np.number) and not isinstance(value, np.ndarray):
            found.append(float(value))
        else:
            found.append(call.tensor(value, name, dtypes))
    tensors = [t for t in found if isinstance(t, Tensor)]
    if not tensors:
        raise TypeError(f"{call.op}: at least one argument must be a tensor")
    ranked = [t for t in tensors if t.ndim > 0] or tensors  # 0-d tensors do not promote dimensioned ones
    dt = ranked[0].dtype
    for t in ranked[1:]:
        dt = promote(dt, t.dtype)
    out = []
    for t in found:
        if isinstance(t, Tensor):
            out.append(call.cast(t, dt))
        else:
            buf = DeviceBuffer.from_numpy(np.array([t], dt), context=call.stream.context)
            call._owned.append(buf)
            out.append(Tensor(buf, (), dt))
    return out


def _launch(call: OpCall, name: str, tensors: list[Tensor], out_dtype: np.dtype | None = None,
            extra: tuple[Any, ...] = ()) -> Any:
    from ascendpy.ops.kernels import broadcast as kernels
    from ascendpy.ops.kernels import broadcast_bf16

    shape, geo, strides, flags = _layout([t.shape for t in tensors], call.op)
    dt = out_dtype or tensors[-1].dtype
    out = call.empty(shape, dt)
    if out.size:
        chunk, blocks = _chunk(call, geo[0], geo[1])
        per_operand = [v for st, f in zip(strides, flags) for v in (*st, f)]
        module = kernels if name.endswith("_bool") else call.kernels(kernels, broadcast_bf16, tensors[-1].dtype)
        kname = name if name.endswith("_bool") else f"{name}_{tensors[-1].short}"
        call.launch(module, kname, blocks, *tensors, out, geo[0], geo[1], chunk, *geo[2:], *per_operand, *extra)
    return call.result(out)


def _binary(op: str, kernel: str, a: Any, b: Any, stream: Stream | None, alpha: float = 1.0) -> Any:
    with OpCall(f"ascendpy.ops.{op}", stream) as call:
        x, y = _operands(call, [(a, "input"), (b, "other")])
        return _launch(call, kernel, [x, y], extra=(float(alpha),))


@operator("broadcast", "vector", FLOATS, ("add_bias_broadcast", "add_bias_four_dim_broadcast"))
def add(input: Any, other: Any, *, alpha: float = 1, stream: Stream | None = None) -> Any:  # noqa: A002
    """input + alpha * other, broadcast."""
    return _binary("add", "add1" if alpha == 1 else "add", input, other, stream, alpha)


@operator("broadcast", "vector", FLOATS, ("subtract_with_bias_broadcast",))
def sub(input: Any, other: Any, *, alpha: float = 1, stream: Stream | None = None) -> Any:  # noqa: A002
    """input - alpha * other, broadcast."""
    return _binary("sub", "sub1" if alpha == 1 else "sub", input, other, stream, alpha)


@operator("broadcast", "vector", FLOATS, ("elmentwise_mul_broadcast",))
def mul(input: Any, other: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """input * other, broadcast."""
    return _binary("mul", "mul", input, other, stream)


@operator("broadcast", "vector", FLOATS, ("division_broadcast",))
def div(input: Any, other: Any, *, rounding_mode: str | None = None,  # noqa: A002
        stream: Stream | None = None) -> Any:
    """input / other (true division), broadcast."""
    if rounding_mode is not None:
        raise ValueError(f"ascendpy.ops.div: rounding_mode={rounding_mode!r} is not supported; only true division "
                         "(rounding_mode=None)")
    return _binary("div", "div", input, other, stream)


@operator("broadcast", "vector", FLOATS, ("max_broadcast",))
def maximum(input: Any, other: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """The elementwise maximum, broadcast."""
    return _binary("maximum", "maximum", input, other, stream)


@operator("broadcast", "vector", FLOATS)
def minimum(input: Any, other: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """The elementwise minimum, broadcast."""
    return _binary("minimum", "minimum", input, other, stream)


@operator("broadcast", "vector", FLOATS, ("power_broadcast",))
def pow(input: Any, exponent: Any, *, stream: Stream | None = None) -> Any:  # noqa: A001,A002 - torch's name
    """input ** exponent, broadcast, as exp(exponent ln(input)): for input >= 0 (a negative base gives NaN, also
    for integral exponents, unlike torch)."""
    return _binary("pow", "pow", input, exponent, stream)


@operator("broadcast", "vector", FLOATS, ("clamp_broadcast",))
def clamp(input: Any, min: Any = None, max: Any = None, *,  # noqa: A002 - torch's names
          stream: Stream | None = None) -> Any:
    """min(max(input, min), max) with tensor (broadcast) or scalar bounds; a missing bound is unbounded."""
    if min is None and max is None:
        raise ValueError("ascendpy.ops.clamp: at least one of min and max must be given")
    with OpCall("ascendpy.ops.clamp", stream) as call:
        x, lo, hi = _operands(call, [(input, "input"), (-math.inf if min is None else min, "min"),
                                     (math.inf if max is None else max, "max")])
        return _launch(call, "clamp", [x, lo, hi])


@operator("broadcast", "vector", FLOATS, ("where_broadcast",))
def where(condition: Any, input: Any, other: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """input where condition else other (condition a bool tensor), broadcast."""
    with OpCall("ascendpy.ops.where", stream) as call:
        c = call.tensor(condition, "condition", ("bool",))
        x, y = _operands(call, [(input, "input"), (other, "other")])
        return _launch(call, "where", [c, x, y], out_dtype=x.dtype)


@operator("broadcast", "vector", ("bool",), ("logic_and_broadcast",))
def logical_and(input: Any, other: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """input & other for bool tensors, broadcast (a bool result)."""
    with OpCall("ascendpy.ops.logical_and", stream) as call:
        x, y = call.tensor(input, "input", ("bool",)), call.tensor(other, "other", ("bool",))
        return _launch(call, "logical_and_bool", [x, y], out_dtype=numpy_dtype("bool"))
