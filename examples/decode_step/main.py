"""One decode step of a Qwen2-1.5B-shaped transformer, every op an ascendpy kernel, checked against float64.

Hidden 1536, 12 query heads sharing 2 KV heads of 128 (GQA), SwiGLU MLP of 8960, RMSNorm, RoPE, a KV cache of
`--kv-len` earlier positions, the final norm and the (tied) projection to the vocabulary; random weights are
made on the spot. Weights and the cache live in DeviceBuffers; the step is a chain of ascendpy.ops calls on
device buffers (embedding, rms_norm, linear, apply_rotary_pos_emb, scaled_dot_product_attention, silu, mul,
add), so nothing leaves the device but the logits. It prints the logits' error against the float64 numpy
reference, tokens per second on the simulator, and the bytes a step must move, with the bound they set on the
NPU (bytes / main-memory bandwidth of the SoC).

Run from the repository root:  python -m examples.decode_step.main [--layers 2] [--kv-len 512] [--vocab N]
"""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack
from typing import Any

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, Stream, ops
from ascendpy.runtime.memory import numpy_dtype
from ascendpy.toolchain.targets import TARGETS, get_target

from .model import QWEN2_1_5B, Config, bytes_per_token, make_cache, make_weights, reference_step, rope_tables, with_

# Largest |logit error| / max |logit| accepted, per weight dtype: each op rounds its output to the dtype.
TOLERANCE = {"float16": 2e-2, "bfloat16": 8e-2, "float32": 1e-4}


class DecodeModel:
    """The weights and KV cache on one stream's device, and the step as ascendpy.ops calls."""

    def __init__(self, cfg: Config, weights: dict[str, Any], cache: list[dict[str, np.ndarray]], stream: Stream):
        self.cfg, self.stream = cfg, stream
        ctx = stream.context
        self._bufs: list[DeviceBuffer] = []

        def up(a: np.ndarray) -> DeviceBuffer:
            buf = DeviceBuffer.from_numpy(a, context=ctx)
            self._bufs.append(buf)
            return buf

        self.embed, self.final_norm = up(weights["embed"]), up(weights["final_norm"])
        self.layers = [{k: up(v) for k, v in lw.items()} for lw in weights["layers"]]
        self.cache = [{k: up(v) for k, v in lc.items()} for lc in cache]
        self.kv_len = cache[0]["k"].shape[2] - 1 if cache else 0

    def close(self) -> None:
        for buf in self._bufs:
            buf.close()

    def step(self, token: int, position: int) -> np.ndarray:
        """The logits [1, vocab] for `token` at `position` (its key and value are written at that position)."""
        cfg, s = self.cfg, self.stream
        dt = self.embed.dtype
        d, rows = cfg.head_dim, self.kv_len + 1  # the cache holds rows positions per KV head
        with ExitStack() as tmp:
            def keep(buf: DeviceBuffer) -> DeviceBuffer:
                tmp.callback(buf.close)
                return buf

            cos, sin = (keep(DeviceBuffer.from_numpy(t.astype(dt), context=s.context))
                        for t in rope_tables(cfg, position))
            ids = keep(DeviceBuffer.from_numpy(np.array([token], np.int64), context=s.context))
            x = keep(ops.embedding(ids, self.embed, stream=s))  # [1, hidden]
            for lw, lc in zip(self.layers, self.cache):
                n = keep(ops.rms_norm(x, (cfg.hidden,), lw["input_norm"], cfg.rms_eps, stream=s))
                q = keep(ops.linear(n, lw["wq"], lw["bq"], stream=s))
                k = keep(ops.linear(n, lw["wk"], lw["bk"], stream=s))
                v = keep(ops.linear(n, lw["wv"], lw["bv"], stream=s))
                q.shape, k.shape, v.shape = (1, cfg.heads, 1, d), (1, cfg.kv_heads, 1, d), (1, cfg.kv_heads, 1, d)
                q = keep(ops.apply_rotary_pos_emb(q, cos, sin, stream=s))
                k = keep(ops.apply_rotary_pos_emb(k, cos, sin, stream=s))
                for h in range(cfg.kv_heads):  # the cache is [1, kv_heads, L + 1, D]: head h's row `position`
                    at = (h * rows + position) * d
                    lc["k"][at:at + d].copy_from(k[h * d:(h + 1) * d], stream=s)
                    lc["v"][at:at + d].copy_from(v[h * d:(h + 1) * d], stream=s)
                a = keep(ops.scaled_dot_product_attention(q, lc["k"], lc["v"], enable_gqa=True, stream=s))
                a.shape = (1, cfg.hidden)
                x = keep(ops.add(x, keep(ops.linear(a, lw["wo"], stream=s)), stream=s))
                n = keep(ops.rms_norm(x, (cfg.hidden,), lw["post_norm"], cfg.rms_eps, stream=s))
                g = keep(ops.silu(keep(ops.linear(n, lw["w_gate"], stream=s)), stream=s))
                m = keep(ops.mul(g, keep(ops.linear(n, lw["w_up"], stream=s)), stream=s))
                x = keep(ops.add(x, keep(ops.linear(m, lw["w_down"], stream=s)), stream=s))
            n = keep(ops.rms_norm(x, (cfg.hidden,), self.final_norm, cfg.rms_eps, stream=s))
            logits = keep(ops.linear(n, self.embed, stream=s))  # tied: the embedding is the output projection
            return logits.to_numpy().reshape(1, cfg.vocab)


def rel_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got.astype(np.float64) - want).max() / max(np.abs(want).max(), 1e-30))


def run(cfg: Config, kv_len: int, dtype: str, steps: int, seed: int, stream: Stream) -> dict[str, float]:
    """Build, check one step against float64, time `steps` more; the figures main() prints."""
    rng = np.random.default_rng(seed)
    dt = numpy_dtype(dtype)
    weights = make_weights(cfg, dt, rng)
    cache = make_cache(cfg, kv_len, dt, rng)
    token = int(rng.integers(cfg.vocab))
    model = DecodeModel(cfg, weights, cache, stream)
    try:
        t0 = time.perf_counter()
        logits = model.step(token, kv_len)  # also builds every kernel on a first run
        first = time.perf_counter() - t0
        ref = reference_step(cfg, weights, cache, token, kv_len)
        err = rel_error(logits, ref)
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step(token, kv_len)
        per_step = (time.perf_counter() - t0) / max(steps, 1)
    finally:
        model.close()
    traffic = bytes_per_token(cfg, kv_len, dt.itemsize)
    return {"rel_error": err, "top1_match": float(np.argmax(logits) == np.argmax(ref)), "first_step_s": first,
            "step_s": per_step, "tokens_per_s": 1.0 / per_step, "bytes_per_token": float(sum(traffic.values())),
            **{f"bytes_{k}": float(v) for k, v in traffic.items()}}


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--layers", type=int, default=2, help="decoder layers (Qwen2-1.5B has 28)")
    p.add_argument("--kv-len", type=int, default=512, help="earlier positions in the KV cache")
    p.add_argument("--vocab", type=int, default=QWEN2_1_5B.vocab)
    p.add_argument("--dtype", default="float16", choices=["float16", "bfloat16", "float32"])
    p.add_argument("--steps", type=int, default=3, help="timed steps after the checked one")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    cfg = with_(QWEN2_1_5B, layers=args.layers, vocab=args.vocab)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        soc = dev.soc_name
        r = run(cfg, args.kv_len, args.dtype, args.steps, args.seed, stream)
    ok = r["rel_error"] < TOLERANCE[args.dtype]
    print(f"decode step: {cfg.layers} layers of Qwen2-1.5B shape (hidden {cfg.hidden}, {cfg.heads} query / "
          f"{cfg.kv_heads} KV heads of {cfg.head_dim}, MLP {cfg.intermediate}), vocab {cfg.vocab}, KV cache "
          f"{args.kv_len}, {args.dtype} weights, simulated {soc}")
    print(f"  logits vs float64 numpy: max error / max |logit| = {r['rel_error']:.2e} "
          f"(tolerance {TOLERANCE[args.dtype]:g}) {'OK' if ok else 'FAILED'}; top-1 token "
          f"{'matches' if r['top1_match'] else 'differs'}")
    print(f"  simulator: {r['tokens_per_s']:.2f} tokens/s ({r['step_s'] * 1e3:.0f} ms a step; the first, with "
          f"kernel builds, {r['first_step_s']:.1f} s)")
    mb = r["bytes_per_token"] / 1e6
    print(f"  bytes per token: {mb:.1f} MB (weights {r['bytes_weights'] / 1e6:.1f}, KV cache "
          f"{r['bytes_kv_cache'] / 1e6:.2f}, writes {r['bytes_writes'] / 1e6:.2f}); simulator moves "
          f"{r['bytes_per_token'] / r['step_s'] / 1e9:.2f} GB/s")
    for name in dict.fromkeys([soc, "Ascend910B3", "Ascend310P3"]):
        t = get_target(name) if name in TARGETS else None
        if t is not None and t.hbm_bandwidth:
            bound = t.hbm_bandwidth / r["bytes_per_token"]
            print(f"  {name}: main-memory bound {bound:,.0f} tokens/s ({t.hbm_bandwidth / 1e9:.0f} GB/s, CANN "
                  f"platform_config ddr_rate x cube_freq x AI cores)")
    if not ok:
        raise SystemExit(1)
    return r


if __name__ == "__main__":
    main()
