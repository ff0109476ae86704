"""examples/decode_step: a transformer decode step on ascendpy.ops kernels matches its float64 numpy reference."""

from __future__ import annotations

import numpy as np
import pytest

from examples.decode_step import main as decode
from examples.decode_step.model import QWEN2_1_5B, TINY, bytes_per_token, with_


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
def test_tiny_decoder_matches_float64(runtime, rng, dtype):
    r = decode.run(TINY, int(rng.integers(1, 80)), dtype, 1, int(rng.integers(1 << 31)), runtime[3])
    assert r["rel_error"] < decode.TOLERANCE[dtype], r
    assert r["tokens_per_s"] > 0


def test_one_qwen2_layer(runtime, rng):
    """The real shapes (hidden 1536, 12/2 heads of 128, MLP 8960), one layer, a smaller vocabulary."""
    cfg = with_(QWEN2_1_5B, layers=1, vocab=4099)
    r = decode.run(cfg, 300, "float16", 1, int(rng.integers(1 << 31)), runtime[3])
    assert r["rel_error"] < decode.TOLERANCE["float16"], r


def test_main_prints_the_bound(capsys, monkeypatch):
    monkeypatch.setattr(decode, "QWEN2_1_5B", TINY)
    decode.main(["--layers", "1", "--kv-len", "9", "--vocab", "500", "--steps", "1"])
    out = capsys.readouterr().out
    assert "OK" in out and "tokens/s" in out and "Ascend910B3: main-memory bound" in out


def test_bytes_per_token_counts_every_weight_once():
    cfg = with_(QWEN2_1_5B, layers=28)
    b = bytes_per_token(cfg, 0, 2)
    # Qwen2-1.5B has about 1.54 G parameters (tied embedding counted once as the output projection)
    params = (b["weights"] - 2 * cfg.hidden) / 2
    assert 1.50e9 < params < 1.60e9, params
    assert b["kv_cache"] == 28 * 2 * 2 * 1 * 128 * 2
    assert np.isclose(b["writes"], 28 * 2 * 256 * 2 + cfg.vocab * 2)
