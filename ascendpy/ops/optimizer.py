"""Optimizer steps modelled on torch.optim's algorithms (SGD with momentum, Adam, RMSprop, Adagrad) and
MultiKernelBench's LAMB form: the parameter and its state tensors are updated in place, by one fused kernel
(kernels/optim.py).

numpy arrays and torch tensors are written back (so they must be writable); DeviceBuffers are updated on the
device. Each function returns the parameter it was given. All tensors of a step must have the parameter's shape
and dtype (state is kept in the parameter's dtype, as torch does).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor
from ascendpy.ops.registry import operator
from ascendpy.runtime import arrays
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Stream

PER_BLOCK = 8192


def _tensors(call: OpCall, named: list[tuple[Any, str]]) -> list[Tensor]:
    ts = [call.tensor(v, n) for v, n in named]
    p = ts[0]
    for t, (_, n) in zip(ts[1:], named[1:]):
        if t.shape != p.shape or t.dtype != p.dtype:
            raise ValueError(f"{call.op}: {n} must have the param's shape {p.shape} and dtype {p.dtype}, got "
                             f"{t.shape} {t.dtype}")
    return ts


def _write_back(call: OpCall, named: list[tuple[Any, str]], ts: list[Tensor]) -> None:
    """The updated tensors back into the caller's host arrays (DeviceBuffers were updated in place)."""
    for (value, name), t in zip(named, ts):
        if not isinstance(value, DeviceBuffer):
            if not arrays.as_host(value, name, call.op).write_back(t.buf.to_numpy()):
                raise ValueError(f"{call.op}: {name} is read-only; it is updated in place")


def _run(op: str, kernel: str, named: list[tuple[Any, str]], updated: tuple[int, ...], scalars: tuple[Any, ...],
         stream: Stream | None) -> Any:
    """Launch `kernel` on the tensors, then write back the ones at the indices `updated` (param and state)."""
    from ascendpy.ops.kernels import optim, optim_bf16

    with OpCall(f"ascendpy.ops.{op}", stream) as call:
        ts = _tensors(call, named)
        p = ts[0]
        if p.size:
            call.launch(call.kernels(optim, optim_bf16, p.dtype), f"{kernel}_{p.short}",
                        call.blocks(p.size, PER_BLOCK), *ts, p.size, *scalars)
        _write_back(call, [named[i] for i in updated], [ts[i] for i in updated])
    return named[0][0]


@operator("optimizer", "vector", FLOATS, ("sgd",),
          note="sgd is SGD with momentum 0.9: sgd_step(param, grad, velocity, lr, momentum=0.9)")
def sgd_step(param: Any, grad: Any, momentum_buffer: Any = None, lr: float = 1e-3, momentum: float = 0.0,
             dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False, *,
             first_step: bool = False, stream: Stream | None = None) -> Any:
    """torch.optim.SGD's update: d = grad + weight_decay param; buf = momentum buf + (1 - dampening) d (buf = d
    when first_step, as torch starts it); d = d + momentum buf if nesterov else buf; param -= lr d."""
    if momentum and momentum_buffer is None:
        raise ValueError("ascendpy.ops.sgd_step: momentum needs a momentum_buffer (zeros, or first_step=True)")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("ascendpy.ops.sgd_step: nesterov needs momentum > 0 and dampening 0 (as torch)")
    named = [(param, "param"), (grad, "grad"), (momentum_buffer if momentum_buffer is not None else grad,
                                                 "momentum_buffer")]
    scalars = (float(lr), float(momentum), float(dampening), float(weight_decay), int(nesterov), int(first_step))
    return _run("sgd_step", "sgd", named, (0, 2) if momentum else (0,), scalars, stream)


@operator("optimizer", "vector", FLOATS, ("adam",))
def adam_step(param: Any, grad: Any, exp_avg: Any, exp_avg_sq: Any, step: int, lr: float = 1e-3,
              betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0, *,
              stream: Stream | None = None) -> Any:
    """torch.optim.Adam's update for step `step` (from 1): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
    param -= lr / (1 - b1^step) * m / (sqrt(v) / sqrt(1 - b2^step) + eps) (g = grad + weight_decay param)."""
    if step < 1:
        raise ValueError(f"ascendpy.ops.adam_step: step counts from 1, got {step}")
    b1, b2 = betas
    step_size = lr / (1 - b1**step)
    inv_sqrt_bc2 = 1 / math.sqrt(1 - b2**step)
    named = [(param, "param"), (grad, "grad"), (exp_avg, "exp_avg"), (exp_avg_sq, "exp_avg_sq")]
    scalars = (float(lr), float(b1), float(b2), float(eps), float(weight_decay), float(step_size),
               float(inv_sqrt_bc2))
    return _run("adam_step", "adam", named, (0, 2, 3), scalars, stream)


@operator("optimizer", "vector", FLOATS, ("rmsprop",))
def rmsprop_step(param: Any, grad: Any, square_avg: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, *, stream: Stream | None = None) -> Any:
    """torch.optim.RMSprop's update (no momentum, not centered): v = alpha v + (1 - alpha) g^2,
    param -= lr g / (sqrt(v) + eps)."""
    if not 0 <= alpha < 1:
        raise ValueError(f"ascendpy.ops.rmsprop_step: alpha must be in [0, 1), got {alpha}")
    named = [(param, "param"), (grad, "grad"), (square_avg, "square_avg")]
    return _run("rmsprop_step", "sq_avg", named, (0, 2), (float(lr), float(alpha), float(eps), float(weight_decay)),
                stream)


@operator("optimizer", "vector", FLOATS, ("adagrad",))
def adagrad_step(param: Any, grad: Any, state_sum: Any, step: int = 1, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, eps: float = 1e-10, *, stream: Stream | None = None) -> Any:
    """torch.optim.Adagrad's update: sum += g^2, param -= lr / (1 + (step - 1) lr_decay) g / (sqrt(sum) + eps)."""
    clr = lr / (1 + (step - 1) * lr_decay)
    named = [(param, "param"), (grad, "grad"), (state_sum, "state_sum")]
    return _run("adagrad_step", "sq_avg", named, (0, 2), (float(clr), 1.0, float(eps), float(weight_decay)), stream)


@operator("optimizer", "vector", FLOATS, ("lamb",))
def lamb_step(param: Any, exp_avg: Any, exp_avg_sq: Any, lr: float = 1e-3, eps: float = 1e-6, *,
              stream: Stream | None = None) -> Any:
    """MultiKernelBench's LAMB step from given moments: r = m / (sqrt(v) + eps), trust = |param| / (|r| + eps)
    (whole-tensor L2 norms), param -= lr trust r. The ratio is one kernel, the norms the reduction kernels, the
    update the broadcast kernels (trust stays a device scalar)."""
    from ascendpy.ops import broadcast as bc
    from ascendpy.ops import reduce as red
    from ascendpy.ops.kernels import optim, optim_bf16

    name = "ascendpy.ops.lamb_step"
    with OpCall(name, stream) as call:
        p, m, v = _tensors(call, [(param, "param"), (exp_avg, "exp_avg"), (exp_avg_sq, "exp_avg_sq")])
        r = call.empty(p.shape, p.dtype)
        s = call.stream
        if p.size:
            call.launch(call.kernels(optim, optim_bf16, p.dtype), f"lamb_ratio_{p.short}",
                        call.blocks(p.size, PER_BLOCK), m, v, r, p.size, float(eps))
            own = call._owned
            p.buf.shape = r.buf.shape = p.shape

            def keep(b: DeviceBuffer) -> DeviceBuffer:
                own.append(b)
                return b

            def norm(t: Tensor) -> DeviceBuffer:  # in f32: a sum of squares overflows f16 long before its root
                b = call.cast(t, np.dtype("float32")).buf
                b.shape = t.shape
                return keep(bc.pow(keep(red.sum(keep(bc.mul(b, b, stream=s)), stream=s)), 0.5, stream=s))

            pn, rn = norm(p), norm(r)
            trust = keep(bc.div(pn, keep(bc.add(rn, float(eps), stream=s)), stream=s))
            step = keep(bc.mul(keep(bc.mul(r.buf, trust, stream=s)), float(lr), stream=s))
            new = keep(bc.sub(p.buf, step, stream=s))
            p.buf.copy_from(new)
        _write_back(call, [(param, "param")], [p])
    return param
