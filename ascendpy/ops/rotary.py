"""Rotary position embedding: the q/k rotation of Llama-family attention, as one vector kernel.

PyTorch has no functional RoPE; this follows Hugging Face's `apply_rotary_pos_emb` for one tensor (call it on
q and on k): `x * cos + rotate_half(x) * sin`. The cos/sin tables are the model's constants for the positions
(computed once from the positions and theta), passed in like HF's `position_embeddings`.
"""

from __future__ import annotations

from typing import Any

from ascendpy.ops.core import FLOATS, OpCall, promote
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream


@operator("attention", "vector", FLOATS)
def apply_rotary_pos_emb(x: Any, cos: Any, sin: Any, *, stream: Stream | None = None) -> Any:
    """x * cos + rotate_half(x) * sin for x [..., H, S, D] (or [S, D]) and cos, sin [S, D] or [B, S, D]
    (or [B, 1, S, D]) with x [B, H, S, D]; rotate_half(x) = cat(-x[..., D/2:], x[..., :D/2]). D even, <= 4096."""
    from ascendpy.ops.kernels import rotary, rotary_bf16

    name = "ascendpy.ops.apply_rotary_pos_emb"
    with OpCall(name, stream) as call:
        t, c, s = call.tensor(x, "x"), call.tensor(cos, "cos"), call.tensor(sin, "sin")
        if t.ndim < 2 or t.shape[-1] % 2 or t.shape[-1] > 2 * rotary.HALF:
            raise ValueError(f"{name}: x must be [..., S, D] with D even and at most {2 * rotary.HALF}, got "
                             f"shape {t.shape}")
        seq, d = t.shape[-2:]
        if c.shape != s.shape:
            raise ValueError(f"{name}: cos and sin must have one shape, got {c.shape} and {s.shape}")
        batch = t.shape[0] if t.ndim == 4 else 1
        heads = t.shape[-3] if t.ndim >= 3 else 1
        squeezed = tuple(n for i, n in enumerate(c.shape) if not (c.ndim == 4 and i == 1 and n == 1))
        if squeezed == (seq, d):
            cos_bs = 0
        elif t.ndim == 4 and squeezed == (batch, seq, d):
            cos_bs = seq
        else:
            raise ValueError(f"{name}: cos and sin must be [S, D] = [{seq}, {d}] or [B, S, D] = [{batch}, {seq}, "
                             f"{d}] for x of shape {t.shape}, got {c.shape}")
        dt = promote(promote(t.dtype, c.dtype), s.dtype)
        t, c, s = call.cast(t, dt), call.cast(c, dt), call.cast(s, dt)
        out = call.empty(t.shape, dt)
        rows = t.size // d if d else 0
        if rows:
            module = call.kernels(rotary, rotary_bf16, dt)
            call.launch(module, f"rope_{t.short}", call.blocks(rows, 4), t, c, s, out, rows, heads, seq, d // 2,
                        cos_bs)
        return call.result(out)
