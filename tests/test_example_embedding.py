"""examples/embedding: embedding lookup vs numpy on 910B and 310P, f32 and f16, odd and aligned row widths."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import Acl, Context, Device, GlobalMemoryFault, Stream
from examples.embedding import kernels
from examples.embedding import main as embedding


@pytest.mark.parametrize("soc", ["Ascend910B3", "Ascend310P3"])
@pytest.mark.parametrize(("dtype", "vocab", "d"), [(np.float32, 1500, 37), (np.float16, 2100, 50),
                                                   (np.float32, 700, 64)])
def test_embedding_matches_numpy(rng, monkeypatch, soc, dtype, vocab, d):
    monkeypatch.setenv("ASCENDPY_SIM_SOC", soc)
    table = rng.standard_normal((vocab, d)).astype(dtype)  # larger than a UB
    tokens = 3 * kernels.TILE * 3 + 5  # more than one tile per block, and a partial tile
    ids = np.concatenate([[0, vocab - 1, 3, 3], rng.integers(0, vocab, tokens - 4)]).astype(np.int32)
    rng.shuffle(ids)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        out = embedding.run(stream, ids, table, blocks=3)
    np.testing.assert_array_equal(out, table[ids])


def test_an_id_outside_the_table_is_a_global_memory_fault(rng):
    table = rng.standard_normal((100, 37)).astype(np.float32)
    ids = np.array([1, 2, 100], np.int32)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream, \
            pytest.raises(GlobalMemoryFault) as info:
        embedding.run(stream, ids, table, blocks=1)
    assert info.value.kind == "global_out_of_bounds"


def test_main_prints_the_max_error(capsys):
    embedding.main()
    out = capsys.readouterr().out
    assert out.count("max error 0.0") == 2, out
