"""Fused elementwise chains: `Epilogue`, a chain of torch-style elementwise steps that runs as one kernel.

`ops.fused(x, Epilogue().mul(2.0).gelu().add(bias))` applies the chain to x in one pass (kernels/fused.py:
one load and one store per element, whatever the chain's length); `ops.conv2d(..., epilogue=...)`,
`ops.conv_transpose*d` and `ops.linear` apply it where they write their output, so a
convolution or GEMM followed by its activation chain is the product plus one kernel, as MultiKernelBench's
fused tasks ask. Operands broadcast against the output as torch broadcasts, in the layouts the kernel reads
in place: a scalar, a tensor of the output's shape, one varying along a run of dims whose trailing elements
all share it (a bias [C, 1, 1] of an [N, C, H, W] output, a mean [N, C, 1, 1]), or one along the last dim of a
2-D output (a linear's bias [F]); other broadcasts go through ops.add / ops.mul. `Epilogue.SAVED` is the
chain's input or the value at the last `save()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, metadata, short
from ascendpy.ops.registry import operator
from ascendpy.ops.tasks import TASKS
from ascendpy.runtime.objects import Stream

_F32 = np.dtype(np.float32)


class _Saved:
    def __repr__(self) -> str:
        return "Epilogue.SAVED"


@dataclass
class Epilogue:
    """An elementwise chain, built step by step (each method returns the chain)."""

    steps: list[tuple[str, Any, Any]] = field(default_factory=list)
    SAVED = _Saved()

    # -- unary steps (torch.nn.functional's defaults)
    def _u(self, name: str, a: float = 0.0, b: float = 0.0) -> Epilogue:
        self.steps.append((name, float(a), float(b)))
        return self

    def relu(self) -> Epilogue:
        return self._u("relu")

    def sigmoid(self) -> Epilogue:
        return self._u("sigmoid")

    def tanh(self) -> Epilogue:
        return self._u("tanh")

    def gelu(self, approximate: str = "none") -> Epilogue:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"Epilogue.gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        return self._u("gelu" if approximate == "none" else "gelu_tanh")

    def elu(self, alpha: float = 1.0) -> Epilogue:
        return self._u("elu", alpha)

    def selu(self) -> Epilogue:
        return self._u("selu")

    def silu(self) -> Epilogue:
        return self._u("silu")

    swish = silu

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Epilogue:
        return self._u("softplus", beta, threshold)

    def softsign(self) -> Epilogue:
        return self._u("softsign")

    def hardsigmoid(self) -> Epilogue:
        return self._u("hardsigmoid")

    def hardswish(self) -> Epilogue:
        return self._u("hardswish")

    def leaky_relu(self, negative_slope: float = 0.01) -> Epilogue:
        return self._u("leaky_relu", negative_slope)

    def hardtanh(self, min_val: float = -1.0, max_val: float = 1.0) -> Epilogue:
        return self._u("hardtanh", min_val, max_val)

    def mish(self) -> Epilogue:
        return self._u("mish")

    def exp(self) -> Epilogue:
        return self._u("exp")

    def log(self) -> Epilogue:
        return self._u("log")

    def abs(self) -> Epilogue:
        return self._u("abs")

    def save(self) -> Epilogue:
        """Keep the current value as Epilogue.SAVED (x * hardswish(x) is save().hardswish().mul(SAVED))."""
        return self._u("save")

    def dropout(self, p: float = 0.5, training: bool = True, *, seed: int | None = None) -> Epilogue:
        """F.dropout: zero each element with probability p, scale the rest by 1 / (1 - p); nothing when not
        training or p == 0. The mask is a function of (seed, the element's flat index in the output): give `seed`
        to reproduce one, else each run draws a fresh seed (`ascendpy.ops.manual_seed` fixes the sequence)."""
        if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Epilogue.dropout: dropout probability has to be between 0 and 1, but got {p!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
            raise TypeError(f"Epilogue.dropout: seed must be an int or None, not {type(seed).__name__}")
        if training and p > 0.0:
            self.steps.append(("dropout", float(p), None if seed is None else int(seed) & 0xFFFFFFFF))
        return self

    # -- binary steps: a number, a tensor broadcast against the output, or Epilogue.SAVED
    def _b(self, name: str, other: Any) -> Epilogue:
        self.steps.append((name, other, None))
        return self

    def add(self, other: Any) -> Epilogue:
        return self._b("add", other)

    def sub(self, other: Any) -> Epilogue:
        return self._b("sub", other)

    def mul(self, other: Any) -> Epilogue:
        return self._b("mul", other)

    def div(self, other: Any) -> Epilogue:
        return self._b("div", other)

    def minimum(self, other: Any) -> Epilogue:
        return self._b("min", other)

    def maximum(self, other: Any) -> Epilogue:
        return self._b("max", other)

    def clamp(self, min: float | None = None, max: float | None = None) -> Epilogue:  # noqa: A002 - torch's names
        if min is None and max is None:
            raise ValueError("Epilogue.clamp: give min, max or both")
        if min is not None:
            self._b("max", float(min))
        if max is not None:
            self._b("min", float(max))
        return self


def _codes() -> dict[str, int]:
    from ascendpy.ops.kernels import fused as k

    names = ("relu sigmoid tanh gelu gelu_tanh elu selu silu softplus softsign hardsigmoid hardswish leaky_relu "
             "hardtanh mish exp log abs save dropout add sub mul div min max").split()
    return {n: getattr(k, n.upper()) for n in names}


@dataclass
class Program:
    """An Epilogue encoded for one output: the kernel arguments that follow (prog, fl, nsteps, 4 slots)."""

    args: tuple[Any, ...]
    empty: bool


def encode(call: OpCall, epilogue: Epilogue | None, shape: tuple[int, ...], L: int | None = None) -> Program:
    """`epilogue` for an output of `shape` viewed as rows of L elements (default `row_length(shape)`)."""
    from ascendpy.ops.kernels import fused as k

    steps = [] if epilogue is None else epilogue.steps
    if not isinstance(epilogue, Epilogue | None):
        raise TypeError(f"{call.op}: epilogue must be an ascendpy.ops.Epilogue, not {type(epilogue).__name__}")
    if len(steps) > k.STEPS:
        raise ValueError(f"{call.op}: the epilogue has {len(steps)} steps; at most {k.STEPS}")
    codes = _codes()
    L = row_length(shape) if L is None else L
    prog = np.zeros((max(len(steps), 1), 5), np.int32)
    fl: list[float] = []
    slots: list[Tensor] = []
    seen: dict[int, tuple[int, int, int, int]] = {}
    for i, (name, a, b) in enumerate(steps):
        code = codes[name]
        if name == "dropout":
            if math.prod(shape) > 1 << 32:
                raise ValueError(f"{call.op}: dropout indexes elements with 32 bits; the output {shape} has more")
            key = _fmix32(_RNG.integers(1 << 32) if b is None else b)
            threshold = round(a * (1 << 24))
            prog[i] = (code, 0, len(fl), np.uint32(key).view(np.int32), threshold)
            fl.append(0.0 if a == 1.0 else 1.0 / (1.0 - a))
            continue
        if b is not None:  # unary, parameters (a, b)
            prog[i] = (code, 0, len(fl), 0, 0)
            fl += [a, b]
            continue
        if isinstance(a, _Saved):
            prog[i] = (code, k.SAVED, 0, 0, 0)
        elif isinstance(a, int | float | np.integer | np.floating):
            prog[i] = (code, k.SCALAR, len(fl), 0, 0)
            fl.append(float(a))
        else:
            if id(a) not in seen:  # one slot per distinct operand
                if len(slots) == 4:
                    raise ValueError(f"{call.op}: an epilogue takes at most 4 distinct tensor operands")
                t = a if isinstance(a, Tensor) else call.tensor(a, f"epilogue operand {len(slots)} ({name})")
                seen[id(a)] = (len(slots), *_layout(call.op, t.shape, shape, L))
                slots.append(call.cast(t, _F32))
            slot, kind, p1, p2 = seen[id(a)]
            prog[i] = (code, kind, slot, p1, p2)
    if len(fl) > k.FLOATS:
        raise ValueError(f"{call.op}: the epilogue has {len(fl)} float parameters; at most {k.FLOATS}")
    flv = np.zeros(k.FLOATS, np.float32)
    flv[:len(fl)] = fl
    dummy = slots[0] if slots else metadata(call, np.zeros(8, np.float32))
    slots += [dummy] * (4 - len(slots))
    return Program((metadata(call, prog.reshape(-1)), metadata(call, flv), len(steps), *slots), not steps)


_RNG = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed the generator that draws dropout seeds and fresh ascendpy.ops.nn parameters, so a run repeats (as
    torch.manual_seed)."""
    global _RNG
    _RNG = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The generator behind dropout seeds and fresh nn parameters (manual_seed reseeds it)."""
    return _RNG


def _fmix32(h: int) -> int:
    """MurmurHash3's finalizer: the dropout key of a seed (so nearby seeds give unrelated masks)."""
    h = int(h) & 0xFFFFFFFF
    h ^= h >> 16
    h = h * 0x85EBCA6B & 0xFFFFFFFF
    h ^= h >> 13
    h = h * 0xC2B2AE35 & 0xFFFFFFFF
    return h ^ h >> 16


def row_length(shape: tuple[int, ...]) -> int:
    """L of the [R, L] view the epilogue runs on: the elements after dim 1 for 3-d and more, else the last dim."""
    if len(shape) >= 3:
        return math.prod(shape[2:])
    return shape[-1] if shape else 1


def _layout(op: str, oshape: tuple[int, ...], shape: tuple[int, ...], L: int) -> tuple[int, int, int]:
    """(kind, p1, p2) for an operand of shape `oshape` broadcast against an output of `shape`."""
    from ascendpy.ops.kernels import fused as k

    if len(oshape) > len(shape):
        raise ValueError(f"{op}: epilogue operand {oshape} has more dims than the output {shape}")
    full = (1,) * (len(shape) - len(oshape)) + tuple(oshape)
    if any(a not in (1, b) for a, b in zip(full, shape)):
        raise ValueError(f"{op}: epilogue operand {oshape} does not broadcast to the output {shape}")
    if full == tuple(shape):
        return k.FULL, 0, 0
    dims = [d for d, a in enumerate(full) if a != 1]
    if not dims:  # one element: the same for every row
        return k.ROW, 1, 1
    if dims == list(range(dims[0], dims[-1] + 1)):  # one run of dims (a bias [C, 1, 1], a mean [N, C, 1, 1])
        inner = math.prod(shape[dims[-1] + 1:])
        if inner >= L and inner % L == 0:
            return k.ROW, inner // L, math.prod(shape[dims[0]:dims[-1] + 1])
        if dims == [len(shape) - 1] and shape[-1] == L:
            return k.COL, 0, 0
    raise ValueError(f"{op}: epilogue operand {oshape} against the output {shape} is not a layout the fused kernel "
                     "reads in place (a scalar, the output's shape, a run of dims followed by the rows, or the last "
                     "dim of a 2-d output); use ops.add / ops.mul for it")


# MultiKernelBench's fuse tasks: each is the conv / linear (its elementwise chain as the epilogue=), the
# reductions and norms it names as ascendpy.ops calls, and ops.fused for a chain after a reduction
# (tests/test_ops_fused.py writes each one out); the two with dropout are dropout's (a step of those chains)
_FUSE = tuple(t for t in TASKS["fuse"] if "dropout" not in t)
_DROPOUT = tuple(t for t in TASKS["fuse"] if "dropout" in t)


@operator("fuse", "vector", FLOATS, _FUSE,
          note="conv/linear with the elementwise chain as epilogue= (one kernel with the store), ops.fused after "
               "a reduction or norm")
def fused(input: Any, epilogue: Epilogue, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """The chain `epilogue` applied to input in one kernel (computed in f32, rounded once to input's dtype)."""
    with OpCall("ascendpy.ops.fused", stream) as call:
        x = call.tensor(input, "input")
        return call.result(apply(call, x, epilogue, x.dtype))


def apply(call: OpCall, x: Tensor, epilogue: Epilogue, dtype: np.dtype, L: int | None = None) -> Tensor:
    """A new tensor of `dtype`: the chain on x (f32 or dtype) viewed as rows of L elements, in one kernel."""
    from ascendpy.ops.kernels import fused as kf
    from ascendpy.ops.kernels import fused_bf16

    L = row_length(x.shape) if L is None else L
    prog = encode(call, epilogue, x.shape, L)
    y = call.empty(x.shape, dtype)
    if x.size:
        rows = x.size // L
        name = f"fused_{x.short}_{short(dtype)}"
        mod = fused_bf16 if "bf16" in name else kf
        if x.dtype != dtype and x.dtype != _F32:
            raise TypeError(f"{call.op}: a chain from {x.dtype} to {dtype} has no kernel")
        call.launch(mod, name, call.blocks(rows * -(-L // kf.FT), 1), x, y, *prog.args, rows, L)
    return y


@operator("fuse", "vector", FLOATS, _DROPOUT,
          note="Epilogue.dropout as one kernel; as a step of a conv/linear epilogue= or an ops.fused chain it fuses")
def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,  # noqa: A002
            seed: int | None = None, stream: Stream | None = None) -> Any:
    """F.dropout: each element zeroed with probability p, the rest scaled by 1 / (1 - p), in one kernel.

    The mask is hashed from `seed` and the element's flat index (kernels/fused.py), so it is the same on every
    SoC and block split, and a dropout fused into a conv or linear's epilogue with the same seed masks the same
    elements; without a seed each call draws one (`manual_seed` fixes the sequence). The result is a new array
    (a copy when not training): ascendpy has no in-place operators."""
    if inplace:
        raise ValueError("ascendpy.ops.dropout: inplace=True is not supported (ascendpy operators return new "
                         "arrays); use y = dropout(x, p)")
    with OpCall("ascendpy.ops.dropout", stream) as call:
        x = call.tensor(input, "input")
        try:
            epi = Epilogue().dropout(p, training, seed=seed)
        except (TypeError, ValueError) as e:
            raise type(e)(str(e).replace("Epilogue.dropout", "ascendpy.ops.dropout")) from None
        return call.result(apply(call, x, epi, x.dtype))
