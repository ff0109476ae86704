"""The README's examples run and check themselves."""

from __future__ import annotations

import pytest

from examples.event_timing import main as event_timing
from examples.hello_world import main as hello_world
from examples.vec_mul import gen_data
from examples.vec_mul import main as vec_mul


def test_hello_world(capsys):
    hello_world.main()
    out = capsys.readouterr().out
    assert "Ascend910B3, 20 AI cores, 40 vector cores" in out and "everything released" in out


def test_vec_mul_program(capsys, rng, monkeypatch, tmp_path):
    monkeypatch.setattr(gen_data, "DATA", tmp_path)
    gen_data.main(seed=int(rng.integers(1 << 31)))
    vec_mul.main()
    assert "16 elements correct" in capsys.readouterr().out


@pytest.mark.parametrize("n", [1000, 65536])
def test_event_timing(capsys, n):
    event_timing.main(n)
    assert "ms" in capsys.readouterr().out
