"""Losses as torch.nn.functional has them (mse_loss, l1_loss, huber_loss, smooth_l1_loss, kl_div, cross_entropy,
cosine_similarity, pairwise_distance, triplet_margin_loss), plus MultiKernelBench's hinge and cosine losses.

An elementwise loss is one kernel over the broadcast operands (kernels/loss.py, on broadcast.py's machinery) and
its reduction one more (kernels/reduce.py); row losses (cross entropy, cosine similarity, distances) reduce each
row in their own kernel. Every step runs on the device; results stay there for DeviceBuffer callers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops import broadcast as bc
from ascendpy.ops import reduce as red
from ascendpy.ops.activation import relu
from ascendpy.ops.core import FLOATS, OpCall, Tensor
from ascendpy.ops.registry import operator
from ascendpy.runtime import arrays
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Stream

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(op: str, reduction: str, extra: tuple[str, ...] = ()) -> None:
    if reduction not in _REDUCTIONS + extra:
        raise ValueError(f"ascendpy.ops.{op}: reduction must be one of {', '.join(_REDUCTIONS + extra)}, "
                         f"not {reduction!r}")


def _keep(call: OpCall, buf: DeviceBuffer) -> DeviceBuffer:
    call._owned.append(buf)
    return buf


def _dev(t: Tensor) -> DeviceBuffer:
    t.buf.shape = t.shape
    return t.buf


def _reduce(call: OpCall, z: DeviceBuffer, reduction: str, batch: int = 1) -> Tensor:
    """z reduced as `reduction` ('batchmean': sum / batch), as a call-owned tensor."""
    s = call.stream
    if reduction == "mean":
        z = _keep(call, red.mean(z, stream=s))
    elif reduction == "sum":
        z = _keep(call, red.sum(z, stream=s))
    elif reduction == "batchmean":
        z = _keep(call, bc.mul(_keep(call, red.sum(z, stream=s)), 1.0 / max(batch, 1), stream=s))
    return Tensor(z, tuple(z.shape), z.dtype)


def _pointwise(op: str, kernel: str, input: Any, target: Any, reduction: str, stream: Stream | None,  # noqa: A002
               alpha: float = 1.0, batchmean: bool = False, scale: float = 1.0) -> Any:
    from ascendpy.ops.kernels import loss, loss_bf16

    _check_reduction(op, reduction, ("batchmean",) if batchmean else ())
    with OpCall(f"ascendpy.ops.{op}", stream) as call:
        x, y = bc._operands(call, [(input, "input"), (target, "target")])
        if x.shape != y.shape:
            raise ValueError(f"ascendpy.ops.{op}: input {x.shape} and target {y.shape} must have one shape")
        shape, geo, strides, flags = bc._layout([x.shape, y.shape], call.op)
        z = call.empty(shape, x.dtype)
        if z.size:
            chunk, blocks = bc._chunk(call, geo[0], geo[1])
            call.launch(call.kernels(loss, loss_bf16, x.dtype), f"{kernel}_{x.short}", blocks, x, y, z, geo[0],
                        geo[1], chunk, *geo[2:], *[v for st, f in zip(strides, flags) for v in (*st, f)],
                        float(alpha))
        out = _dev(z)
        if scale != 1.0:
            out = _keep(call, bc.mul(out, scale, stream=call.stream))
        return call.result(_reduce(call, out, reduction, x.shape[0] if x.ndim else 1))


@operator("loss", "vector", FLOATS, ("mse_loss",), note="mse_loss is torch.mean((p - t) ** 2): mse_loss(p, t)")
def mse_loss(input: Any, target: Any, reduction: str = "mean", *, stream: Stream | None = None) -> Any:  # noqa: A002
    """(input - target)^2, reduced."""
    return _pointwise("mse_loss", "sqdiff", input, target, reduction, stream)


@operator("loss", "vector", FLOATS)
def l1_loss(input: Any, target: Any, reduction: str = "mean", *, stream: Stream | None = None) -> Any:  # noqa: A002
    """|input - target|, reduced."""
    return _pointwise("l1_loss", "absdiff", input, target, reduction, stream)


@operator("loss", "vector", FLOATS)
def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0, *,  # noqa: A002
               stream: Stream | None = None) -> Any:
    """d^2 / 2 where |d| <= delta, else delta (|d| - delta / 2), d = input - target, reduced."""
    if delta <= 0:
        raise ValueError(f"ascendpy.ops.huber_loss: delta must be positive, not {delta}")
    return _pointwise("huber_loss", "huber", input, target, reduction, stream, delta)


@operator("loss", "vector", FLOATS, ("huber_loss",), note="huber_loss is F.smooth_l1_loss")
def smooth_l1_loss(input: Any, target: Any, reduction: str = "mean", beta: float = 1.0, *,  # noqa: A002
                   stream: Stream | None = None) -> Any:
    """d^2 / (2 beta) where |d| < beta, else |d| - beta / 2, reduced (beta = 0: the L1 loss)."""
    if beta < 0:
        raise ValueError(f"ascendpy.ops.smooth_l1_loss: beta must not be negative, not {beta}")
    if beta == 0:
        return _pointwise("smooth_l1_loss", "absdiff", input, target, reduction, stream)
    return _pointwise("smooth_l1_loss", "huber", input, target, reduction, stream, beta, scale=1.0 / beta)


@operator("loss", "vector", FLOATS, ("kl_div_loss",),
          note="kl_div_loss is kl_div(log(p), t, reduction='batchmean')")
def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False, *,  # noqa: A002
           stream: Stream | None = None) -> Any:
    """target (ln target - input) (input: log-probabilities; 0 where target is 0), reduced; 'batchmean' divides
    the sum by the batch size, as torch."""
    return _pointwise("kl_div", "kl_log" if log_target else "kl", input, target, reduction, stream, batchmean=True)


@operator("loss", "vector", FLOATS, ("hinge_loss",), note="hinge_loss is mean(clamp(1 - p * t, min=0))")
def hinge_loss(input: Any, target: Any, reduction: str = "mean", *, stream: Stream | None = None) -> Any:  # noqa: A002
    """max(0, 1 - input * target) with broadcasting, reduced: MultiKernelBench's hinge loss (not a torch
    function; torch's hinge_embedding_loss is another loss)."""
    from ascendpy.ops.kernels import loss, loss_bf16

    _check_reduction("hinge_loss", reduction)
    with OpCall("ascendpy.ops.hinge_loss", stream) as call:
        x, y = bc._operands(call, [(input, "input"), (target, "target")])
        shape, geo, strides, flags = bc._layout([x.shape, y.shape], call.op)
        z = call.empty(shape, x.dtype)
        if z.size:
            chunk, blocks = bc._chunk(call, geo[0], geo[1])
            call.launch(call.kernels(loss, loss_bf16, x.dtype), f"hinge_{x.short}", blocks, x, y, z, geo[0], geo[1],
                        chunk, *geo[2:], *[v for st, f in zip(strides, flags) for v in (*st, f)], 1.0)
        return call.result(_reduce(call, _dev(z), reduction))


def _rows(call: OpCall, kind: str, a: Tensor, b: Tensor, eps: float) -> Tensor:
    from ascendpy.ops.kernels import loss, loss_bf16

    cols = a.shape[-1] if a.ndim else 1
    rows = a.size // max(cols, 1)
    y = call.empty(a.shape[:-1], a.dtype)
    if rows:
        call.launch(call.kernels(loss, loss_bf16, a.dtype), f"{kind}_rows_{a.short}", call.blocks(rows, 1), a, b, y,
                    rows, cols, float(eps))
    return y


def _pair(call: OpCall, x1: Any, x2: Any, dim: int) -> tuple[Tensor, Tensor]:
    a, b = bc._operands(call, [(x1, "x1"), (x2, "x2")])
    if a.shape != b.shape:
        raise ValueError(f"{call.op}: x1 {a.shape} and x2 {b.shape} must have one shape")
    if a.ndim == 0 or dim not in (-1, a.ndim - 1):
        raise ValueError(f"{call.op}: dim must be the last dim ({a.ndim - 1} or -1) of the {a.ndim}-d inputs, got "
                         f"{dim}; move it last first")
    return a, b


@operator("loss", "vector", FLOATS)
def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8, *, stream: Stream | None = None) -> Any:
    """x1 . x2 / sqrt(max(|x1|^2 |x2|^2, eps^2)) along `dim` (the last dim)."""
    with OpCall("ascendpy.ops.cosine_similarity", stream) as call:
        a, b = _pair(call, x1, x2, dim)
        return call.result(_rows(call, "cos", a, b, eps))


@operator("loss", "vector", FLOATS, ("cosine_similarity_loss",),
          note="cosine_similarity_loss is mean(1 - cosine_similarity(p, t, dim=1))")
def cosine_similarity_loss(input: Any, target: Any, dim: int = 1, eps: float = 1e-8,  # noqa: A002
                           reduction: str = "mean", *, stream: Stream | None = None) -> Any:
    """1 - cosine_similarity(input, target, dim), reduced: MultiKernelBench's cosine loss (torch's
    cosine_embedding_loss takes labels)."""
    _check_reduction("cosine_similarity_loss", reduction)
    with OpCall("ascendpy.ops.cosine_similarity_loss", stream) as call:
        a, b = _pair(call, input, target, dim)
        cos = _rows(call, "cos", a, b, eps)
        return call.result(_reduce(call, _keep(call, bc.sub(1.0, _dev(cos), stream=call.stream)), reduction))


@operator("loss", "vector", FLOATS)
def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False, *,
                      stream: Stream | None = None) -> Any:
    """|x1 - x2 + eps|_2 over the last dim (p = 2)."""
    if p != 2:
        raise ValueError(f"ascendpy.ops.pairwise_distance: only p=2 is supported, not {p}")
    with OpCall("ascendpy.ops.pairwise_distance", stream) as call:
        a, b = _pair(call, x1, x2, -1)
        d = _rows(call, "pdist", a, b, eps)
        return call.result(Tensor(d.buf, d.shape + ((1,) if keepdim else ()), d.dtype))


@operator("loss", "vector", FLOATS, ("triplet_margin_loss",))
def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-6, swap: bool = False, reduction: str = "mean", *,
                        stream: Stream | None = None) -> Any:
    """max(d(a, p) - d(a, n) + margin, 0) with pairwise distances d over the last dim, reduced (swap: d(a, n) is
    the smaller of d(a, n) and d(p, n))."""
    _check_reduction("triplet_margin_loss", reduction)
    if p != 2:
        raise ValueError(f"ascendpy.ops.triplet_margin_loss: only p=2 is supported, not {p}")
    with OpCall("ascendpy.ops.triplet_margin_loss", stream) as call:
        a, pos = _pair(call, anchor, positive, -1)
        _, neg = _pair(call, anchor, negative, -1)
        d_ap, d_an = _dev(_rows(call, "pdist", a, pos, eps)), _dev(_rows(call, "pdist", a, neg, eps))
        s = call.stream
        if swap:
            d_an = _keep(call, bc.minimum(d_an, _dev(_rows(call, "pdist", pos, neg, eps)), stream=s))
        z = _keep(call, relu(_keep(call, bc.add(_keep(call, bc.sub(d_ap, d_an, stream=s)), float(margin), stream=s)),
                             stream=s))
        return call.result(_reduce(call, z, reduction))


@operator("loss", "vector", FLOATS, ("cross_entropy_loss",))
def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,  # noqa: A002
                  reduction: str = "mean", label_smoothing: float = 0.0, *, stream: Stream | None = None) -> Any:
    """-log_softmax(input)[target] for logits [N, C] and int64 class indices [N]; targets equal to ignore_index
    count 0 and are left out of the mean."""
    from ascendpy.ops.kernels import loss, loss_bf16

    name = "ascendpy.ops.cross_entropy"
    _check_reduction("cross_entropy", reduction)
    if weight is not None or label_smoothing:
        raise ValueError(f"{name}: class weights and label_smoothing are not supported")
    with OpCall(name, stream) as call:
        x = call.tensor(input, "input")
        t = call.tensor(target, "target", ("int64",))
        if x.ndim != 2 or t.shape != x.shape[:1]:
            raise ValueError(f"{name}: input must be [N, C] and target [N] class indices, got {x.shape} and "
                             f"{t.shape}")
        n, c = x.shape
        if not isinstance(target, DeviceBuffer):  # host targets are checked before the launch
            tv = arrays.as_host(target, "target", name).array
            bad = (tv != ignore_index) & ((tv < 0) | (tv >= c))
            if bad.any():
                raise IndexError(f"{name}: target {int(tv[bad][0])} is out of range for {c} classes")
        per_row, valid = call.empty((n,), np.dtype("float32")), call.empty((n,), np.dtype("float32"))
        if n:
            call.launch(call.kernels(loss, loss_bf16, x.dtype), f"cross_entropy_{x.short}", call.blocks(n, 1), x, t,
                        per_row, valid, n, c, int(ignore_index))
        s = call.stream
        out = _dev(per_row)
        if reduction == "mean":
            out = _keep(call, bc.div(_keep(call, red.sum(out, stream=s)), _keep(call, red.sum(_dev(valid), stream=s)),
                                     stream=s))
        elif reduction == "sum":
            out = _keep(call, red.sum(out, stream=s))
        r = call.cast(Tensor(out, tuple(out.shape), out.dtype), x.dtype)
        return call.result(r)
