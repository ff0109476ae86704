"""Activations, as torch.nn.functional has them: each one ascendpy vector kernel (kernels/activation.py).

f32, f16 and bf16 (bf16 on 910B); f16 and bf16 are computed in f32 and rounded once, as PyTorch does on the
CPU. Softmax and log-softmax take any `dim` (kernels/softmax.py).
"""

from __future__ import annotations

import warnings
from typing import Any

from ascendpy.ops.core import FLOATS, OpCall, as_dtype, normalize_dim, split_at
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream

PER_BLOCK = 8192  # elements below which one more block costs more than it saves


def _unary(op: str, name: str, x: Any, a: float, b: float, stream: Stream | None) -> Any:
    from ascendpy.ops.kernels import activation as kernels
    from ascendpy.ops.kernels import activation_bf16

    with OpCall(f"ascendpy.ops.{op}", stream) as call:
        t = call.tensor(x, "input")
        out = call.empty(t.shape, t.dtype)
        if t.size:
            module = call.kernels(kernels, activation_bf16, t.dtype)
            call.launch(module, f"{name}_{t.short}", call.blocks(t.size, PER_BLOCK), t, out, t.size, float(a),
                        float(b))
        return call.result(out)


@operator("activation", "vector", FLOATS, ("relu",))
def relu(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002 - torch's argument name
    """max(x, 0)."""
    return _unary("relu", "relu", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("sigmoid",))
def sigmoid(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """1 / (1 + exp(-x))."""
    return _unary("sigmoid", "sigmoid", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("tanh",))
def tanh(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """tanh(x), as 2 / (1 + exp(-2x)) - 1."""
    return _unary("tanh", "tanh", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("gelu", "min_gpt_new_gelu"),
          note="min_gpt_new_gelu is gelu(x, approximate='tanh')")
def gelu(input: Any, approximate: str = "none", *, stream: Stream | None = None) -> Any:  # noqa: A002
    """GELU: x Φ(x) with erf (approximate='none', the default) or the tanh approximation ('tanh')."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"ascendpy.ops.gelu: approximate must be 'none' or 'tanh', not {approximate!r}")
    return _unary("gelu", "gelu" if approximate == "none" else "gelu_tanh", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("elu",))
def elu(input: Any, alpha: float = 1.0, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """x if x > 0 else alpha (exp(x) - 1)."""
    return _unary("elu", "elu", input, alpha, 0.0, stream)


@operator("activation", "vector", FLOATS, ("selu",))
def selu(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """scale (max(0, x) + min(0, alpha (exp(x) - 1))), PyTorch's alpha and scale."""
    return _unary("selu", "selu", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("swish",), note="swish is silu (x sigmoid(x))")
def silu(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """x sigmoid(x) (swish)."""
    return _unary("silu", "silu", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("softplus",))
def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0, *,  # noqa: A002
             stream: Stream | None = None) -> Any:
    """ln(1 + exp(beta x)) / beta, and x where beta x > threshold."""
    if beta == 0:
        raise ValueError("ascendpy.ops.softplus: beta must be nonzero")
    return _unary("softplus", "softplus", input, beta, threshold, stream)


@operator("activation", "vector", FLOATS, ("softsign",))
def softsign(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """x / (1 + |x|)."""
    return _unary("softsign", "softsign", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("hardsigmoid",))
def hardsigmoid(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """clamp(x / 6 + 1/2, 0, 1)."""
    return _unary("hardsigmoid", "hardsigmoid", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS)
def hardswish(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """x hardsigmoid(x)."""
    return _unary("hardswish", "hardswish", input, 0.0, 0.0, stream)


@operator("activation", "vector", FLOATS, ("leaky_relu",))
def leaky_relu(input: Any, negative_slope: float = 0.01, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """x if x > 0 else negative_slope x."""
    return _unary("leaky_relu", "leaky_relu", input, negative_slope, 0.0, stream)


@operator("activation", "vector", FLOATS, ("hardtanh",))
def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, *,  # noqa: A002
             stream: Stream | None = None) -> Any:
    """clamp(x, min_val, max_val)."""
    if min_val > max_val:
        raise ValueError(f"ascendpy.ops.hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return _unary("hardtanh", "hardtanh", input, min_val, max_val, stream)


@operator("activation", "vector", FLOATS)
def mish(input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """x tanh(softplus(x))."""
    return _unary("mish", "mish", input, 0.0, 0.0, stream)


def _softmax(op: str, log: bool, x: Any, dim: int | None, dtype: Any, stream: Stream | None) -> Any:
    from ascendpy.ops.kernels import softmax as kernels
    from ascendpy.ops.kernels import softmax_bf16

    name = f"ascendpy.ops.{op}"
    with OpCall(name, stream) as call:
        t = call.tensor(x, "input")
        if dtype is not None:  # torch: the input is cast to dtype before the operation
            t = call.cast(t, as_dtype(dtype, name))
        if dim is None:  # PyTorch's implicit dim (_get_softmax_dim), deprecated there too
            dim = 0 if t.ndim in (0, 1, 3) else 1
            warnings.warn(f"{name}: implicit dim is deprecated (as in PyTorch); chose dim={dim}, pass dim=",
                          DeprecationWarning, stacklevel=3)
        d = normalize_dim(dim, t.ndim, name)
        outer, size, inner = split_at(t.shape, d)
        out = call.empty(t.shape, t.dtype)
        if t.size:
            module = call.kernels(kernels, softmax_bf16, t.dtype)
            kind = "log_softmax" if log else "softmax"
            if inner == 1:
                call.launch(module, f"{kind}_rows_{t.short}", call.blocks(outer, 1), t, out, outer, size)
            else:
                units = outer * -(-inner // kernels.COLS)
                call.launch(module, f"{kind}_cols_{t.short}", call.blocks(units, 1), t, out, outer, size, inner)
        return call.result(out)


@operator("activation", "vector", FLOATS, ("softmax",))
def softmax(input: Any, dim: int | None = None, dtype: Any = None, *,  # noqa: A002
            stream: Stream | None = None) -> Any:
    """exp(x - max) / sum(exp(x - max)) along `dim` (any dim, any length)."""
    return _softmax("softmax", False, input, dim, dtype, stream)


@operator("activation", "vector", FLOATS, ("log_softmax",))
def log_softmax(input: Any, dim: int | None = None, dtype: Any = None, *,  # noqa: A002
                stream: Stream | None = None) -> Any:
    """x - max - ln(sum(exp(x - max))) along `dim`."""
    return _softmax("log_softmax", True, input, dim, dtype, stream)
