"""A Qwen2-1.5B-shaped decoder (DeepSeek-R1-Distill-Qwen-1.5B's architecture) for one decode step.

The configuration, random weights made on the spot (no download), the RoPE tables, a float64 numpy reference of
one step, and the bytes one step must move from main memory. `main.py` runs the same step with ascendpy.ops.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Config:
    hidden: int = 1536
    heads: int = 12  # query heads
    kv_heads: int = 2  # key/value heads: each shared by heads // kv_heads query heads (GQA)
    head_dim: int = 128
    intermediate: int = 8960
    vocab: int = 151936
    layers: int = 28
    rms_eps: float = 1e-6
    rope_theta: float = 1e6

    def __post_init__(self) -> None:
        if self.heads * self.head_dim != self.hidden or self.heads % self.kv_heads or self.head_dim % 2:
            raise ValueError(f"inconsistent config: {self}")


QWEN2_1_5B = Config()
TINY = Config(hidden=256, heads=4, kv_heads=2, head_dim=64, intermediate=512, vocab=1000, layers=2)


def with_(cfg: Config, **changes: int | float) -> Config:
    return replace(cfg, **changes)


LAYER_WEIGHTS = ("input_norm", "wq", "bq", "wk", "bk", "wv", "bv", "wo", "post_norm", "w_gate", "w_up", "w_down")


def make_weights(cfg: Config, dtype: np.dtype, rng: np.random.Generator) -> dict[str, object]:
    """Random weights in `dtype`, scaled like an initialised model (activations stay O(1) through the layers).

    Linear weights are [out, in] (torch's nn.Linear); the embedding is tied to the output projection, as in
    Qwen2-1.5B.
    """
    h, kv, inter = cfg.hidden, cfg.kv_heads * cfg.head_dim, cfg.intermediate

    def lin(out: int, inp: int) -> np.ndarray:
        return (rng.standard_normal((out, inp), dtype=np.float32) / np.sqrt(inp)).astype(dtype)

    def norm(n: int) -> np.ndarray:
        return (1.0 + 0.1 * rng.standard_normal(n)).astype(dtype)

    layers = []
    for _ in range(cfg.layers):
        layers.append({
            "input_norm": norm(h), "wq": lin(h, h), "bq": (0.1 * rng.standard_normal(h)).astype(dtype),
            "wk": lin(kv, h), "bk": (0.1 * rng.standard_normal(kv)).astype(dtype),
            "wv": lin(kv, h), "bv": (0.1 * rng.standard_normal(kv)).astype(dtype), "wo": lin(h, h),
            "post_norm": norm(h), "w_gate": lin(inter, h), "w_up": lin(inter, h), "w_down": lin(h, inter),
        })
    embed = rng.standard_normal((cfg.vocab, h), dtype=np.float32).astype(dtype)
    return {"embed": embed, "final_norm": norm(h), "layers": layers}


def make_cache(cfg: Config, kv_len: int, dtype: np.dtype, rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    """A KV cache of `kv_len` earlier positions per layer, [1, kv_heads, kv_len + 1, head_dim]; the step writes
    the new token's key and value at position kv_len."""
    shape = (1, cfg.kv_heads, kv_len + 1, cfg.head_dim)
    return [{"k": rng.standard_normal(shape).astype(dtype), "v": rng.standard_normal(shape).astype(dtype)}
            for _ in range(cfg.layers)]


def rope_tables(cfg: Config, position: int) -> tuple[np.ndarray, np.ndarray]:
    """cos, sin [1, head_dim] for one position (the model's constants: they depend on the position only)."""
    inv = 1.0 / cfg.rope_theta ** (np.arange(0, cfg.head_dim, 2, dtype=np.float64) / cfg.head_dim)
    ang = np.concatenate([position * inv, position * inv])[None, :]
    return np.cos(ang), np.sin(ang)


def _rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def _rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    half = x.shape[-1] // 2
    return x * cos + np.concatenate([-x[..., half:], x[..., :half]], axis=-1) * sin


def reference_step(cfg: Config, weights: dict[str, object], cache: list[dict[str, np.ndarray]], token: int,
                   position: int) -> np.ndarray:
    """The step's logits [1, vocab] in float64 from the same (rounded) weights and cache."""
    f = np.float64
    cos, sin = rope_tables(cfg, position)
    x = weights["embed"][token][None, :].astype(f)  # type: ignore[index]
    group = cfg.heads // cfg.kv_heads
    for lw, lc in zip(weights["layers"], cache):  # type: ignore[arg-type]
        w = {k: v.astype(f) for k, v in lw.items()}
        n = _rms_norm(x, w["input_norm"], cfg.rms_eps)
        q = (n @ w["wq"].T + w["bq"]).reshape(cfg.heads, 1, cfg.head_dim)
        k = (n @ w["wk"].T + w["bk"]).reshape(cfg.kv_heads, 1, cfg.head_dim)
        v = (n @ w["wv"].T + w["bv"]).reshape(cfg.kv_heads, 1, cfg.head_dim)
        q, k = _rope(q, cos, sin), _rope(k, cos, sin)
        keys, values = lc["k"][0].astype(f).copy(), lc["v"][0].astype(f).copy()
        keys[:, position], values[:, position] = k[:, 0], v[:, 0]
        keys, values = np.repeat(keys, group, axis=0), np.repeat(values, group, axis=0)  # [heads, L, D]
        scores = q @ keys.transpose(0, 2, 1) / np.sqrt(cfg.head_dim)  # [heads, 1, L]
        p = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attn = (p / p.sum(axis=-1, keepdims=True)) @ values  # [heads, 1, D]
        x = x + attn.reshape(1, cfg.hidden) @ w["wo"].T
        n = _rms_norm(x, w["post_norm"], cfg.rms_eps)
        g, u = n @ w["w_gate"].T, n @ w["w_up"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w["w_down"].T
    n = _rms_norm(x, weights["final_norm"].astype(f), cfg.rms_eps)  # type: ignore[union-attr]
    return n @ weights["embed"].astype(f).T  # type: ignore[union-attr]


def bytes_per_token(cfg: Config, kv_len: int, itemsize: int) -> dict[str, int]:
    """What one step must read from main memory at the least (every weight once, the KV cache once), and write
    (the new key and value, the logits): the traffic that bounds decode on any device."""
    h, kv, inter = cfg.hidden, cfg.kv_heads * cfg.head_dim, cfg.intermediate
    per_layer = (2 * h + h * h + h + 2 * (kv * h + kv) + h * h + 3 * h * inter) * itemsize
    cache = cfg.layers * 2 * cfg.kv_heads * (kv_len + 1) * cfg.head_dim * itemsize
    return {
        "weights": cfg.layers * per_layer + (h + cfg.vocab * h + h) * itemsize,  # + embedding row, lm head, norm
        "kv_cache": cache,
        "writes": cfg.layers * 2 * kv * itemsize + cfg.vocab * itemsize,
    }
