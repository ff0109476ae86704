"""Index operators (torch.nn.functional.embedding) as ascendpy kernels."""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, normalize_dim, promote, split_at
from ascendpy.ops.registry import operator
from ascendpy.runtime import arrays
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Stream

PER_BLOCK = 16  # tokens below which another block costs more than it moves


@operator("index", "vector", FLOATS, ("embedding",))
def embedding(input: Any, weight: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """weight[input]: rows of weight [V, D] for int64 or int32 ids of any shape (out: [*ids.shape, D]).

    Host ids are checked against V before the launch (IndexError); ids already in a DeviceBuffer are not read
    by the host, and one out of range is a GlobalMemoryFault on the simulator (on an NPU: garbage), as with any
    kernel reading outside its buffer.
    """
    name = "ascendpy.ops.embedding"
    with OpCall(name, stream) as call:
        if not isinstance(input, DeviceBuffer):
            ids = arrays.as_host(input, "input", name).array
            if ids.dtype.name in ("int64", "int32") and ids.size:
                lo, hi = int(ids.min()), int(ids.max())
                v = np.shape(arrays.as_host(weight, "weight", name).array)[0] if not isinstance(
                    weight, DeviceBuffer) else weight.shape[0]
                if lo < 0 or hi >= v:
                    raise IndexError(f"{name}: index {lo if lo < 0 else hi} is out of range for a weight of {v} "
                                     "rows")
        ix = call.tensor(input, "input", ("int64", "int32"))
        w = call.tensor(weight, "weight")
        if w.ndim != 2:
            raise ValueError(f"{name}: weight must be 2-D [num_embeddings, embedding_dim], got shape {w.shape}")
        d = w.shape[1]
        out = call.empty(ix.shape + (d,), w.dtype)
        if ix.size and d:
            from ascendpy.ops.kernels import index, index_bf16

            module = call.kernels(index, index_bf16, w.dtype)
            ib = "i64" if ix.dtype.name == "int64" else "i32"
            call.launch(module, f"embedding_{ib}_{w.short}", call.blocks(ix.size, PER_BLOCK), ix, w, out, ix.size, d)
        return call.result(out)


ROWMAX = 8192  # kernels/index.py: the longest row a gather or scatter stages on chip


def _kernels(call: OpCall, dtype: Any) -> Any:
    from ascendpy.ops.kernels import index, index_bf16

    return call.kernels(index, index_bf16, dtype)


def _check_index(call: OpCall, value: Any, name: str, bound: int) -> None:
    """Host indices out of [0, bound) are an IndexError before the launch (device ones are not read)."""
    if isinstance(value, DeviceBuffer):
        return
    a = arrays.as_host(value, name, call.op).array
    if a.size and a.dtype.kind in "iu":
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi >= bound:
            raise IndexError(f"{call.op}: {name} holds {lo if lo < 0 else hi}, out of range for a dim of size {bound}")


def _arg(op: str, x: Any, dim: int | None, keepdim: bool, stream: Stream | None) -> Any:
    name = f"ascendpy.ops.{op}"
    with OpCall(name, stream) as call:
        t = call.tensor(x, "input")
        if t.size == 0:
            raise ValueError(f"{name}: the input is empty")
        if dim is None:
            t, d = Tensor(t.buf, (t.size,), t.dtype), 0
            kept: tuple[int, ...] = (1,) * len(t.shape) if keepdim else ()
        else:
            d = normalize_dim(dim, t.ndim, name)
            kept = tuple(1 if i == d else n for i, n in enumerate(t.shape)) if keepdim else \
                t.shape[:d] + t.shape[d + 1:]
        outer, size, inner = split_at(t.shape, d)
        out = call.empty((outer * inner,), np.dtype("int64"))
        if inner == 1:
            call.launch(_kernels(call, t.dtype), f"{op}_rows_{t.short}", call.blocks(outer, 4), t, out, outer, size)
        else:
            units = outer * -(-inner // 1024)
            call.launch(_kernels(call, t.dtype), f"{op}_cols_{t.short}", call.blocks(units, 1), t, out, outer, size,
                        inner)
        return call.result(Tensor(out.buf, kept, out.dtype))


@operator("index", "vector", FLOATS, ("argmax_over_a_dimension",))
def argmax(input: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
           stream: Stream | None = None) -> Any:
    """The int64 index of the first maximum along `dim` (or of the flattened input)."""
    return _arg("argmax", input, dim, keepdim, stream)


@operator("index", "vector", FLOATS, ("argmin_over_a_dimension",))
def argmin(input: Any, dim: int | None = None, keepdim: bool = False, *,  # noqa: A002
           stream: Stream | None = None) -> Any:
    """The int64 index of the first minimum along `dim`."""
    return _arg("argmin", input, dim, keepdim, stream)


def _last_dim(call: OpCall, t: Tensor, dim: int) -> int:
    d = normalize_dim(dim, t.ndim, call.op)
    if d != t.ndim - 1:
        raise ValueError(f"{call.op}: dim {dim} must be the last dim of the {t.ndim}-d input (this operator gathers "
                         "within rows on chip); move it last first")
    if t.shape[d] > ROWMAX:
        raise ValueError(f"{call.op}: rows of {t.shape[d]} elements exceed the {ROWMAX} staged on chip")
    return d


@operator("index", "vector", FLOATS, ("gather", "take_along_dim"),
          note="take_along_dim is gather with equal shapes: take_along_dim(x, idx, dim=1)")
def gather(input: Any, dim: int, index: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """out[..., j] = input[..., index[..., j]] along the last dim (index int64, the input's shape but the dim)."""
    name = "ascendpy.ops.gather"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        d = _last_dim(call, t, dim)
        _check_index(call, index, "index", t.shape[d])
        ix = call.tensor(index, "index", ("int64",))
        if ix.ndim != t.ndim or ix.shape[:-1] != t.shape[:-1]:
            raise ValueError(f"{name}: index {ix.shape} must match the input {t.shape} in every dim but {dim}")
        rows, k = t.size // max(t.shape[-1], 1), ix.shape[-1]
        out = call.empty(ix.shape, t.dtype)
        if out.size:
            call.launch(_kernels(call, t.dtype), f"gather_rows_{t.short}", call.blocks(rows, 1), t, ix, out, rows,
                        t.shape[-1], k, k)
        return call.result(out)


@operator("index", "vector", FLOATS)
def take_along_dim(input: Any, indices: Any, dim: int, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.take_along_dim with a dim: gather(input, dim, indices) (same shapes but along dim)."""
    return gather(input, dim, indices, stream=stream)


@operator("index", "vector", FLOATS, ("index_select",))
def index_select(input: Any, dim: int, index: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """input's slices at `index` (1-D int64) along `dim`: rows by DMA, or an on-chip gather along the last dim."""
    name = "ascendpy.ops.index_select"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        d = normalize_dim(dim, t.ndim, name)
        _check_index(call, index, "index", t.shape[d])
        ix = call.tensor(index, "index", ("int64",))
        if ix.ndim != 1:
            raise ValueError(f"{name}: index must be 1-D, got shape {ix.shape}")
        outer, size, inner = split_at(t.shape, d)
        k = ix.shape[0]
        out = call.empty(t.shape[:d] + (k,) + t.shape[d + 1:], t.dtype)
        if out.size:
            if inner == 1:
                _last_dim(call, t, dim)
                call.launch(_kernels(call, t.dtype), f"gather_rows_{t.short}", call.blocks(outer, 1), t, ix, out,
                            outer, size, k, 0)
            else:  # whole rows of `inner` elements: the embedding lookup, one launch per outer index
                module = _kernels(call, t.dtype)
                for o in range(outer):
                    table = t.buf[o * size * inner:(o + 1) * size * inner]
                    dst = out.buf[o * k * inner:(o + 1) * k * inner]
                    call._owned += [table, dst]
                    call.launch(module, f"embedding_i64_{t.short}", call.blocks(k, PER_BLOCK), ix, table, dst, k,
                                inner)
        return call.result(out)


def _scatter(op: str, x: Any, dim: int, index: Any, src: Any, add: bool, stream: Stream | None) -> Any:
    name = f"ascendpy.ops.{op}"
    with OpCall(name, stream) as call:
        t = call.tensor(x, "input")
        d = _last_dim(call, t, dim)
        _check_index(call, index, "index", t.shape[d])
        ix = call.tensor(index, "index", ("int64",))
        sv = call.cast(call.tensor(src, "src"), t.dtype)
        if ix.shape != sv.shape or ix.ndim != t.ndim or ix.shape[:-1] != t.shape[:-1]:
            raise ValueError(f"{name}: index {ix.shape} and src {sv.shape} must have one shape, matching the input "
                             f"{t.shape} in every dim but {dim}")
        rows = t.size // max(t.shape[-1], 1)
        out = call.empty(t.shape, t.dtype)
        if out.size:
            call.launch(_kernels(call, t.dtype), f"scatter_rows_{t.short}", call.blocks(rows, 1), t, ix, sv, out, rows,
                        t.shape[-1], ix.shape[-1], int(add))
        return call.result(out)


@operator("index", "vector", FLOATS, ("scatter",))
def scatter(input: Any, dim: int, index: Any, src: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """A copy of input with out[..., index[..., j]] = src[..., j] along the last dim (duplicates: the last j
    wins, deterministically)."""
    return _scatter("scatter", input, dim, index, src, False, stream)


@operator("index", "vector", FLOATS, ("scatter_add",))
def scatter_add(input: Any, dim: int, index: Any, src: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """A copy of input with out[..., index[..., j]] += src[..., j] along the last dim, in order of j."""
    return _scatter("scatter_add", input, dim, index, src, True, stream)


def _index_rows(op: str, x: Any, dim: int, index: Any, source: Any, alpha: float, add: bool,
                stream: Stream | None) -> Any:
    name = f"ascendpy.ops.{op}"
    with OpCall(name, stream) as call:
        t = call.tensor(x, "input")
        d = normalize_dim(dim, t.ndim, name)
        _check_index(call, index, "index", t.shape[d])
        ix = call.tensor(index, "index", ("int64",))
        sv = call.cast(call.tensor(source, "source"), t.dtype)
        k = ix.shape[0] if ix.ndim == 1 else -1
        if k < 0 or sv.shape != t.shape[:d] + (k,) + t.shape[d + 1:]:
            raise ValueError(f"{name}: index must be 1-D [K] and source the input's shape with K along dim {dim}; got "
                             f"index {ix.shape}, source {sv.shape}, input {t.shape}")
        outer, size, inner = split_at(t.shape, d)
        out = call.empty(t.shape, t.dtype)
        out.buf.copy_from(t.buf)  # the result starts as the input, updated in place by the kernel
        if out.size and k:
            units = outer * -(-inner // 1024)
            call.launch(_kernels(call, t.dtype), f"index_rows_{t.short}", call.blocks(units, 1), out, ix, sv, outer,
                        size, inner, k, float(alpha), int(add))
        return call.result(out)


@operator("index", "vector", FLOATS, ("index_add",))
def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: float = 1,  # noqa: A002
              stream: Stream | None = None) -> Any:
    """A copy of input with out[index[j]] += alpha source[j] along `dim` (duplicates accumulate, in order)."""
    return _index_rows("index_add", input, dim, index, source, alpha, True, stream)


@operator("index", "vector", FLOATS, ("index_copy",))
def index_copy(input: Any, dim: int, index: Any, source: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """A copy of input with out[index[j]] = source[j] along `dim` (duplicates: the last j wins)."""
    return _index_rows("index_copy", input, dim, index, source, 1.0, False, stream)


@operator("index", "vector", FLOATS, ("inplace_update",), note="inplace_update is x[idx] = value: index_put")
def index_put(input: Any, indices: Any, values: Any, accumulate: bool = False, *,  # noqa: A002
              stream: Stream | None = None) -> Any:
    """torch.index_put with one index tensor for dim 0: a copy of input with out[indices[j]] = values[j] (+= with
    accumulate)."""
    idx = indices[0] if isinstance(indices, tuple | list) else indices
    if isinstance(indices, tuple | list) and len(indices) != 1:
        raise ValueError("ascendpy.ops.index_put: only one index tensor (for dim 0) is supported")
    return _index_rows("index_put", input, 0, idx, values, 1.0, accumulate, stream)


@operator("index", "vector", FLOATS, ("masked_fill",))
def masked_fill(input: Any, mask: Any, value: float, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """input with `value` where the bool mask (broadcast) is true: broadcast.py's select kernel."""
    from ascendpy.ops import broadcast as bc

    with OpCall("ascendpy.ops.masked_fill", stream) as call:
        c = call.tensor(mask, "mask", ("bool",))
        x, v = bc._operands(call, [(input, "input"), (float(value), "value")])
        return bc._launch(call, "where", [c, v, x], out_dtype=x.dtype)


def copy_rows(call: OpCall, x: Tensor, xoff: int, xs: int, y: Tensor, yoff: int, ys: int, rows: int, n: int) -> None:
    """y[yoff + r * ys + j] = x[xoff + r * xs + j] for r < rows, j < n: one DMA kernel (cat, narrow)."""
    if rows and n:
        call.launch(_kernels(call, x.dtype), f"copy_rows_{x.short}", call.blocks(rows * -(-n // 8192), 1),
                    x, xoff, xs, y, yoff, ys, rows, n)


@operator("index", "vector", FLOATS)
def cat(tensors: Any, dim: int = 0, *, stream: Stream | None = None) -> Any:
    """torch.cat: the tensors joined along `dim` (same shapes but `dim`; dtypes promote as torch's)."""
    name = "ascendpy.ops.cat"
    if hasattr(tensors, "shape") or not hasattr(tensors, "__len__") or not len(tensors):
        raise TypeError(f"{name}: tensors must be a non-empty sequence of tensors")
    with OpCall(name, stream) as call:
        ts = [call.tensor(t, f"tensors[{i}]") for i, t in enumerate(tensors)]
        d = normalize_dim(dim, ts[0].ndim, name)
        for i, t in enumerate(ts):
            if t.ndim != ts[0].ndim or t.shape[:d] + t.shape[d + 1:] != ts[0].shape[:d] + ts[0].shape[d + 1:]:
                raise ValueError(f"{name}: tensors[{i}] has shape {t.shape}; every tensor must match "
                                 f"{ts[0].shape} in all dims but {d}")
        dt = ts[0].dtype
        for t in ts[1:]:
            dt = promote(dt, t.dtype)
        ts = [call.cast(t, dt) for t in ts]
        total = sum(t.shape[d] for t in ts)
        out = call.empty(ts[0].shape[:d] + (total,) + ts[0].shape[d + 1:], dt)
        outer, _, inner = split_at(out.shape, d)
        off = 0
        for t in ts:
            copy_rows(call, t, 0, t.shape[d] * inner, out, off * inner, total * inner, outer, t.shape[d] * inner)
            off += t.shape[d]
        return call.result(out)


@operator("index", "vector", FLOATS)
def narrow(input: Any, dim: int, start: int, length: int, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.narrow, as a new tensor: input's elements start..start+length along `dim`."""
    name = "ascendpy.ops.narrow"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        d = normalize_dim(dim, t.ndim, name)
        size = t.shape[d]
        if not isinstance(start, int | np.integer) or not isinstance(length, int | np.integer):
            raise TypeError(f"{name}: start and length must be ints")
        start = int(start) + (size if start < 0 else 0)
        if not 0 <= start <= size or not 0 <= length <= size - start:
            raise IndexError(f"{name}: start {start} and length {length} exceed dim {d} of size {size}")
        out = call.empty(t.shape[:d] + (int(length),) + t.shape[d + 1:], t.dtype)
        outer, _, inner = split_at(t.shape, d)
        copy_rows(call, t, start * inner, size * inner, out, 0, length * inner, outer, length * inner)
        return call.result(out)


@operator("index", "vector", FLOATS)
def channel_shuffle(input: Any, groups: int, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """F.channel_shuffle: [N, C, *] with channels [g, C/g] read as [C/g, g] (ShuffleNet), as row copies."""
    name = "ascendpy.ops.channel_shuffle"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        if t.ndim < 3:
            raise ValueError(f"{name}: input must be [N, C, *] (3-d or more), got {t.shape}")
        n, c = t.shape[0], t.shape[1]
        if not isinstance(groups, int | np.integer) or groups < 1 or c % groups:
            raise ValueError(f"{name}: groups must be a positive divisor of the {c} channels, got {groups!r}")
        per, hw = c // groups, t.size // max(n * c, 1)
        out = call.empty(t.shape, t.dtype)
        for b in range(n):  # input channel g * per + j -> output channel j * groups + g
            for g in range(groups):
                copy_rows(call, t, (b * c + g * per) * hw, hw, out, (b * c + g) * hw, groups * hw, per, hw)
        return call.result(out)


def permute_t(call: OpCall, t: Tensor, dims: tuple[int, ...]) -> Tensor:
    """t with its dims in the order `dims` (normalised), as a new device tensor: each dim brought to its place
    by one kernel, matmul's swap of [outer, p, q, d] blocks (or its tiled transpose when the last dim moves)."""
    from ascendpy.ops.matmul import _kernels as linalg_kernels
    from ascendpy.ops.matmul import transpose as transpose_last

    shape, order, cur = list(t.shape), list(range(t.ndim)), t
    for i, want in enumerate(dims):
        j = order.index(want)
        if j == i:
            continue
        outer, p, q, d = (int(np.prod(s, dtype=np.int64)) for s in (shape[:i], shape[i:j], shape[j:j + 1],
                                                                    shape[j + 1:]))
        if t.size == 0:
            pass
        elif d == 1:
            cur = transpose_last(call, Tensor(cur.buf, (outer, p, q), t.dtype))
        else:
            out = call.empty(tuple(shape), t.dtype)
            call.launch(linalg_kernels(call, t.dtype), f"swap_mid_{t.short}", call.blocks(outer * p, 1), cur, out,
                        outer, p, q, d)
            cur = out
        shape = shape[:i] + [shape[j]] + shape[i:j] + shape[j + 1:]
        order = order[:i] + [order[j]] + order[i:j] + order[j + 1:]
    if cur is t:  # the identity permutation: still a new tensor
        cur = call.empty(t.shape, t.dtype)
        copy_rows(call, t, 0, t.size, cur, 0, t.size, 1, t.size)
    return Tensor(cur.buf, tuple(shape), t.dtype)


@operator("index", "vector", FLOATS)
def permute(input: Any, dims: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.permute, materialised (.contiguous()): at most ndim - 1 copy kernels."""
    name = "ascendpy.ops.permute"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        d = tuple(normalize_dim(i, t.ndim, name) for i in dims)
        if sorted(d) != list(range(t.ndim)):
            raise ValueError(f"{name}: dims {tuple(dims)} are not a permutation of the {t.ndim} dims")
        return call.result(permute_t(call, t, d))


@operator("index", "vector", FLOATS)
def transpose(input: Any, dim0: int, dim1: int, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.transpose, materialised: dims dim0 and dim1 swapped."""
    name = "ascendpy.ops.transpose"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        a, b = normalize_dim(dim0, t.ndim, name), normalize_dim(dim1, t.ndim, name)
        d = list(range(t.ndim))
        d[a], d[b] = b, a
        return call.result(permute_t(call, t, tuple(d)))


@operator("index", "vector", FLOATS)
def pad(input: Any, pad: Any, mode: str = "constant", value: float | None = None, *,  # noqa: A002
        stream: Stream | None = None) -> Any:
    """F.pad in constant mode: `pad` = (last dim's before, after, the previous dim's before, after, ...); each
    padded dim is one fill and one row copy."""
    from ascendpy.ops.matmul import tri_mask

    name = "ascendpy.ops.pad"
    if mode != "constant":
        raise ValueError(f"{name}: mode {mode!r} is not supported (only 'constant')")
    pads = tuple(pad)
    if len(pads) % 2 or any(not isinstance(p, int | np.integer) or p < 0 for p in pads):
        raise ValueError(f"{name}: pad must be pairs of non-negative ints (before, after), got {pad!r}")
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        if len(pads) // 2 > t.ndim:
            raise ValueError(f"{name}: {len(pads) // 2} padded dims for a {t.ndim}-d input")
        for i in range(len(pads) // 2):
            lo, hi = int(pads[2 * i]), int(pads[2 * i + 1])
            if not lo and not hi:
                continue
            d = t.ndim - 1 - i
            outer, size, inner = split_at(t.shape, d)
            out = call.empty(t.shape[:d] + (size + lo + hi,) + t.shape[d + 1:], t.dtype)
            tri_mask(call, Tensor(out.buf, (1, out.size), t.dtype), Tensor(out.buf, (1, out.size), t.dtype), 0, 0)
            if value:
                from ascendpy.ops.fused import Epilogue, apply

                out = apply(call, out, Epilogue().add(float(value)), t.dtype)
            copy_rows(call, t, 0, size * inner, out, lo * inner, (size + lo + hi) * inner, outer, size * inner)
            t = out
        if not any(pads):
            t = permute_t(call, t, tuple(range(t.ndim)))  # nothing to pad: still a new tensor
        return call.result(t)


@operator("index", "vector", FLOATS)
def roll(input: Any, shifts: Any, dims: Any = None, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.roll: elements shifted along each of `dims` (wrapping); dims=None rolls the flattened tensor. Each
    rolled dim is two row copies."""
    name = "ascendpy.ops.roll"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        shape = t.shape
        sh = (shifts,) if isinstance(shifts, int | np.integer) else tuple(shifts)
        if dims is None:
            if len(sh) != 1:
                raise ValueError(f"{name}: without dims, shifts must be one int, got {shifts!r}")
            t, ds = Tensor(t.buf, (t.size,), t.dtype), (0,)
        else:
            ds = (dims,) if isinstance(dims, int | np.integer) else tuple(dims)
            if len(ds) != len(sh):
                raise ValueError(f"{name}: shifts {shifts!r} and dims {dims!r} must have the same length")
            ds = tuple(normalize_dim(d, t.ndim, name) for d in ds)
        out = t
        for s, d in zip(sh, ds):
            outer, size, inner = split_at(out.shape, d)
            k = int(s) % size if size else 0
            if not k:
                continue
            src, out = out, call.empty(out.shape, out.dtype)
            row = size * inner  # y[(i + k) % size] = x[i]: x's tail [size - k, size) goes first
            copy_rows(call, src, (size - k) * inner, row, out, 0, row, outer, k * inner)
            copy_rows(call, src, 0, row, out, k * inner, row, outer, (size - k) * inner)
        if out is t:
            out = permute_t(call, t, tuple(range(t.ndim)))
        return call.result(Tensor(out.buf, shape, out.dtype))
