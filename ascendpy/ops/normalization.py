"""Normalisations as torch.nn.functional has them (layer_norm, rms_norm, batch_norm, group_norm, instance_norm,
normalize), plus the two MultiKernelBench forms torch has no function for (x / mean|x|, x / ||x||_F).

Each is one kernel of kernels/norm.py: the statistics of a group and the normalised, affine output in one launch
(three passes over the group in GM: mean, variance, result). batch_norm's running statistics are updated from the
kernel's per-channel mean and variance by the broadcast kernels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, normalize_dim, split_at
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream

_MODES = {"norm": 0, "rms": 1, "l2": 2, "l1": 3}


def _params(call: OpCall, t: Tensor, weight: Any, bias: Any, shape: tuple[int, ...], what: str) -> tuple[Any, Any]:
    """weight and bias as device tensors of t's dtype and `shape` (None stays None)."""
    out = []
    for value, name in ((weight, "weight"), (bias, "bias")):
        if value is None:
            out.append(None)
            continue
        p = call.tensor(value, name)
        if p.size != math.prod(shape):
            raise ValueError(f"{call.op}: {name} must have {what} {shape}, got shape {p.shape}")
        out.append(call.cast(p, t.dtype))
    return out[0], out[1]


def _groups(call: OpCall, mode: str, t: Tensor, groups: int, count: int, run: int, stride: int, gstride: int,
            chan: tuple[int, int, int], w: Tensor | None, b: Tensor | None, wmode: int, eps: float,
            factor: float = 1.0) -> tuple[Tensor, Tensor]:
    """Launch groups_<mode>: (y, stats [groups, 2] f32 of mean and biased variance, for mode norm)."""
    from ascendpy.ops.kernels import norm, norm_bf16

    y = call.empty(t.shape, t.dtype)
    stats = call.empty((groups, 2) if mode == "norm" else (1,), np.dtype("float32"))
    if t.size:
        module = call.kernels(norm, norm_bf16, t.dtype)
        gmod, cmul, rmul = chan
        call.launch(module, f"groups_{mode}_{t.short}", call.blocks(groups, 1), t, w or t, b or t, y, stats,
                    groups, count, run, stride, gstride, gmod, cmul, rmul, wmode if w is not None else 0,
                    1 if b is not None else 0, float(eps), float(factor))
    return y, stats


def _cols(call: OpCall, mode: str, t: Tensor, d: int, eps: float, factor: float = 1.0) -> Tensor:
    from ascendpy.ops.kernels import norm, norm_bf16

    outer, size, inner = split_at(t.shape, d)
    y = call.empty(t.shape, t.dtype)
    if t.size:
        module = call.kernels(norm, norm_bf16, t.dtype)
        units = outer * -(-inner // norm.COLS)
        call.launch(module, f"cols_{mode}_{t.short}", call.blocks(units, 1), t, y, outer, size, inner, float(eps),
                    float(factor))
    return y


def _over_dim(call: OpCall, mode: str, t: Tensor, dim: int | None, eps: float, factor_mean: bool) -> Tensor:
    """mode rms / l2 / l1 over one dim (or all elements when dim is None); l1's factor 1/size when factor_mean."""
    if dim is None:
        n = t.size
        return _groups(call, mode, t, 1, 1, n, n, n, (1, 0, 0), None, None, 0, eps, 1.0 / n if factor_mean else 1.0)[0]
    d = normalize_dim(dim, t.ndim, call.op)
    outer, size, inner = split_at(t.shape, d)
    factor = 1.0 / size if factor_mean else 1.0
    if inner == 1:
        return _groups(call, mode, t, outer, 1, size, size, size, (1, 0, 0), None, None, 0, eps, factor)[0]
    return _cols(call, mode, t, d, eps, factor)


@operator("normalization", "vector", FLOATS, ("layer_norm",))
def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5, *,  # noqa: A002
               stream: Stream | None = None) -> Any:
    """(x - mean) / sqrt(var + eps) * weight + bias over the trailing dims `normalized_shape` (biased variance)."""
    with OpCall("ascendpy.ops.layer_norm", stream) as call:
        t = call.tensor(input, "input")
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not ns or t.shape[t.ndim - len(ns):] != ns:
            raise ValueError(f"ascendpy.ops.layer_norm: normalized_shape {ns} must be the trailing dims of the "
                             f"input's shape {t.shape}")
        run = math.prod(ns)
        w, b = _params(call, t, weight, bias, ns, "normalized_shape")
        if w is None and b is not None:
            raise ValueError("ascendpy.ops.layer_norm: a bias without a weight is not supported; pass weight=ones")
        y, _ = _groups(call, "norm", t, t.size // max(run, 1), 1, run, run, run, (1, 0, 0), w, b, 2, eps)
        return call.result(y)


@operator("normalization", "vector", FLOATS, ("rms_norm",),
          note="rms_norm is x / sqrt(mean(x^2, dim=1) + eps): rms_norm(x, dim=1, eps=eps)")
def rms_norm(input: Any, normalized_shape: Any = None, weight: Any = None, eps: float | None = None, *,  # noqa: A002
             dim: int | None = None, stream: Stream | None = None) -> Any:
    """x / sqrt(mean(x^2) + eps) * weight over the trailing dims `normalized_shape` (F.rms_norm; eps None is the
    dtype's machine epsilon, as torch), or, an ascendpy extension, over one `dim` (no weight)."""
    name = "ascendpy.ops.rms_norm"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        e = float(np.finfo(np.float32 if t.dtype.name == "bfloat16" else t.dtype).eps) if eps is None else eps
        if t.dtype.name == "bfloat16" and eps is None:
            e = 2.0**-7
        if dim is not None:
            if normalized_shape is not None or weight is not None:
                raise ValueError(f"{name}: dim= takes no normalized_shape or weight")
            return call.result(_over_dim(call, "rms", t, dim, e, False))
        if normalized_shape is None:
            raise TypeError(f"{name}: normalized_shape is required (or dim=, an ascendpy extension)")
        ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        if not ns or t.shape[t.ndim - len(ns):] != ns:
            raise ValueError(f"{name}: normalized_shape {ns} must be the trailing dims of the input's shape {t.shape}")
        run = math.prod(ns)
        w, _ = _params(call, t, weight, None, ns, "normalized_shape")
        y, _ = _groups(call, "rms", t, t.size // max(run, 1), 1, run, run, run, (1, 0, 0), w, None, 2, e)
        return call.result(y)


def _channels(call: OpCall, t: Tensor) -> tuple[int, int, int]:
    if t.ndim < 2:
        raise ValueError(f"{call.op}: input must be [N, C, ...], got shape {t.shape}")
    return t.shape[0], t.shape[1], math.prod(t.shape[2:])


@operator("normalization", "vector", FLOATS, ("batch_norm",),
          note="batch_norm is nn.BatchNorm2d in training mode: batch_norm(x, None, None, training=True)")
def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None, bias: Any = None,  # noqa: A002
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5, *,
               stream: Stream | None = None) -> Any:
    """Per-channel normalisation of [N, C, ...]: with the batch's statistics when training (running_mean and
    running_var, if given, are updated in place: (1 - momentum) * running + momentum * batch, the variance
    unbiased), else with the running statistics."""
    name = "ascendpy.ops.batch_norm"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        n, c, hw = _channels(call, t)
        w, b = _params(call, t, weight, bias, (c,), "shape")
        if not training:
            if running_mean is None or running_var is None:
                raise ValueError(f"{name}: training=False needs running_mean and running_var")
            return call.result(_batch_norm_eval(call, t, running_mean, running_var, w, b, eps))
        y, stats = _groups(call, "norm", t, c, n, hw, c * hw, hw, (c, 1, 0), w, b, 1, eps)
        for value, what, part, factor in ((running_mean, "running_mean", 0, 1.0),
                                          (running_var, "running_var", 1, n * hw / max(n * hw - 1, 1))):
            if value is not None:
                _update_running(call, value, what, stats, part, c, momentum, factor)
        return call.result(y)


def _device(call: OpCall, t: Tensor, shape: tuple[int, ...]) -> Any:
    """t's buffer as a view of `shape`, for passing to another operator on the call's stream (a view: the
    caller's own DeviceBuffer keeps its shape)."""
    return _keep(call, t.buf.reshape(shape))


def _keep(call: OpCall, buf: Any) -> Any:
    call._owned.append(buf)
    return buf


def _batch_norm_eval(call: OpCall, t: Tensor, running_mean: Any, running_var: Any, w: Tensor | None,
                     b: Tensor | None, eps: float) -> Tensor:
    """(x - running_mean) * weight / sqrt(running_var + eps) + bias, channel-wise, by the broadcast kernels."""
    from ascendpy.ops import broadcast as bc

    c = t.shape[1]
    view = (1, c) + (1,) * (t.ndim - 2)
    s = call.stream
    rm = call.cast(call.tensor(running_mean, "running_mean"), t.dtype)
    rv = call.cast(call.tensor(running_var, "running_var"), t.dtype)
    inv = _keep(call, bc.pow(_keep(call, bc.add(_device(call, rv, (c,)), float(eps), stream=s)), -0.5, stream=s))
    if w is not None:
        inv = _keep(call, bc.mul(inv, _device(call, w, (c,)), stream=s))
    inv.shape = view
    y = _keep(call, bc.mul(_keep(call, bc.sub(_device(call, t, t.shape), _device(call, rm, view), stream=s)), inv,
                          stream=s))
    if b is not None:
        y = _keep(call, bc.add(y, _device(call, b, view), stream=s))
    return Tensor(y, t.shape, t.dtype)


def _update_running(call: OpCall, value: Any, what: str, stats: Tensor, part: int, c: int, momentum: float,
                    factor: float) -> None:
    """value = (1 - momentum) * value + momentum * factor * stats[part], on the device, written back in place."""
    from ascendpy.ops import broadcast as bc
    from ascendpy.runtime import arrays
    from ascendpy.runtime.memory import DeviceBuffer

    s = call.stream
    cur = call.tensor(value, what)
    if cur.size != c:
        raise ValueError(f"{call.op}: {what} must have {c} elements (the channels), got shape {cur.shape}")
    batch = _keep(call, stats.buf[part * c:(part + 1) * c])
    batch.shape = (c,)
    new = _keep(call, bc.add(_keep(call, bc.mul(_device(call, cur, (c,)), 1.0 - momentum, stream=s)),
                             _keep(call, bc.mul(batch, momentum * factor, stream=s)), stream=s))
    new = call.cast(Tensor(new, (c,), new.dtype), cur.dtype)
    if isinstance(value, DeviceBuffer):
        value.copy_from(new.buf)
    elif not arrays.as_host(value, what, call.op).write_back(new.buf.to_numpy()):
        raise ValueError(f"{call.op}: {what} is read-only; it is updated in place when training")


@operator("normalization", "vector", FLOATS, ("group_norm",))
def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None, eps: float = 1e-5, *,  # noqa: A002
               stream: Stream | None = None) -> Any:
    """Normalisation of [N, C, ...] over each group of C / num_groups channels, then a per-channel affine."""
    name = "ascendpy.ops.group_norm"
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        n, c, hw = _channels(call, t)
        if num_groups <= 0 or c % num_groups:
            raise ValueError(f"{name}: num_groups ({num_groups}) must divide the channels ({c})")
        cg = c // num_groups
        w, b = _params(call, t, weight, bias, (c,), "shape")
        y, _ = _groups(call, "norm", t, n * num_groups, cg, hw, hw, cg * hw, (num_groups, cg, 1), w, b, 1, eps)
        return call.result(y)


@operator("normalization", "vector", FLOATS, ("instance_norm",))
def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None, weight: Any = None,  # noqa: A002
                  bias: Any = None, use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5, *,
                  stream: Stream | None = None) -> Any:
    """Normalisation of each (sample, channel) of [N, C, ...] over its spatial elements, then an affine."""
    name = "ascendpy.ops.instance_norm"
    if not use_input_stats or running_mean is not None or running_var is not None:
        raise NotImplementedError(f"{name}: running statistics are not supported; use_input_stats=True only")
    with OpCall(name, stream) as call:
        t = call.tensor(input, "input")
        n, c, hw = _channels(call, t)
        w, b = _params(call, t, weight, bias, (c,), "shape")
        y, _ = _groups(call, "norm", t, n * c, 1, hw, hw, hw, (c, 1, 0), w, b, 1, eps)
        return call.result(y)


@operator("normalization", "vector", FLOATS, ("l2_norm", "frobenius_norm"),
          note="l2_norm is normalize(x, p=2, dim=1); frobenius_norm is normalize(x, dim=None) (x / ||x||_F)")
def normalize(input: Any, p: float = 2.0, dim: int | None = 1, eps: float = 1e-12, *,  # noqa: A002
              stream: Stream | None = None) -> Any:
    """x / max(||x||_p, eps) along `dim` (F.normalize) for p = 1 or 2; dim=None (an ascendpy extension) takes the
    norm of all elements (x / ||x||_F for p = 2)."""
    if p not in (1, 2):
        raise ValueError(f"ascendpy.ops.normalize: p must be 1 or 2, not {p!r}")
    with OpCall("ascendpy.ops.normalize", stream) as call:
        t = call.tensor(input, "input")
        return call.result(_over_dim(call, "l2" if p == 2 else "l1", t, dim, eps, False))


@operator("normalization", "vector", FLOATS, ("l1_norm",), note="l1_norm is x / mean(|x|, dim=1)")
def mean_abs_normalize(input: Any, dim: int | None = 1, eps: float = 0.0, *,  # noqa: A002
                       stream: Stream | None = None) -> Any:
    """x / max(mean(|x|, dim), eps): MultiKernelBench's "L1 norm" (torch has no such function)."""
    with OpCall("ascendpy.ops.mean_abs_normalize", stream) as call:
        t = call.tensor(input, "input")
        return call.result(_over_dim(call, "l1", t, dim, eps, True))

