"""ascendpy.ops.apply_rotary_pos_emb against float64 numpy (Hugging Face's rotate-half RoPE)."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import ops
from tests.ops_check import FLOATS, check, f64, rand


def _rope(x, cos, sin):
    if cos.ndim == 3:  # [B, S, D] tables apply to every head of [B, H, S, D]
        cos, sin = cos[:, None], sin[:, None]
    half = x.shape[-1] // 2
    return x * cos + np.concatenate([-x[..., half:], x[..., :half]], axis=-1) * sin


def _tables(rng, shape, dt):
    ang = rng.uniform(-np.pi, np.pi, shape)
    return np.cos(ang).astype(rand(rng, (1,), dt).dtype), np.sin(ang).astype(rand(rng, (1,), dt).dtype)


# x shape, cos/sin shape: one decode token, a prompt, per-batch tables ([B, S, D] and HF's [B, 1, S, D]), a 2-D x,
# a head_dim whose halves are not whole 32-byte blocks, a row longer than one tile
CASES = [((1, 12, 1, 128), (1, 128)), ((2, 3, 7, 64), (7, 64)), ((2, 3, 5, 32), (2, 5, 32)),
         ((2, 2, 5, 16), (2, 1, 5, 16)), ((9, 10), (9, 10)), ((1, 2, 3, 6), (3, 6)), ((1, 1, 2, 4096), (2, 4096))]


@pytest.mark.op("apply_rotary_pos_emb")
@pytest.mark.parametrize("dt", FLOATS)
def test_rope(dt, rng):
    for xs, cs in CASES:
        x = rand(rng, xs, dt, 2)
        cos, sin = _tables(rng, cs, dt)
        y = ops.apply_rotary_pos_emb(x, cos, sin)
        check(y, _rope(f64(x), f64(cos), f64(sin)), dt, f"rope {dt} x{xs} cos{cs}")


@pytest.mark.op("apply_rotary_pos_emb")
def test_rope_promotes_and_runs_on_310p(runtime310, rng):
    x = rand(rng, (1, 4, 3, 64), "float16", 2)
    cos, sin = _tables(rng, (3, 64), "float32")
    y = ops.apply_rotary_pos_emb(x, cos, sin, stream=runtime310)  # f16 with f32 tables: f32, as torch promotes
    check(y, _rope(f64(x), f64(cos), f64(sin)), "float32", "rope f16 x f32 on 310P")


@pytest.mark.op("apply_rotary_pos_emb")
@pytest.mark.parametrize("xs,cs,match", [((2, 7), (2, 7), "D even"), ((1, 2, 3, 8), (4, 8), r"\[S, D\] = \[3, 8\]"),
                                         ((1, 2, 3, 8192), (3, 8192), "at most 4096")])
def test_rope_bad_shapes(xs, cs, match, rng):
    x = rand(rng, xs, "float32")
    cos, sin = _tables(rng, cs, "float32")
    with pytest.raises(ValueError, match=match):
        ops.apply_rotary_pos_emb(x, cos, sin)
