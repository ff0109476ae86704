"""Cube and mix kernels compiled from Python run on the simulator and match numpy on fresh random data.

The kernels are in tests/kernels/cube_matmul.py (cube: tiled A @ B over a grid of output tiles, with
k loops and tails) and tests/kernels/mix_matmul.py (the AIC multiplies into a GM workspace, the two AIVs
of its group finish the rows). References are float64 numpy of the same (rounded) inputs.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from ascendpy import DeadlockFault, DeviceBuffer, KernelLoader
from tests.kernels import cube_matmul, mix_matmul

SHAPES = [(16, 16, 16), (30, 40, 70), (128, 256, 64), (100, 33, 77)]  # m, n, k


@pytest.fixture(scope="module")
def cube() -> KernelLoader:
    return KernelLoader.from_module(cube_matmul)


@pytest.fixture(scope="module")
def mix() -> KernelLoader:
    return KernelLoader.from_module(mix_matmul)


def _rel_err(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got.astype(np.float64) - want)) / max(np.max(np.abs(want)), 1e-30))


def _blocks(m: int, n: int) -> int:
    """Fewer blocks than tiles where there are several, so some blocks take two tiles."""
    tiles = -(-m // cube_matmul.BM) * -(-n // cube_matmul.BN)
    return max(1, min(3, tiles - 1))


@pytest.mark.parametrize("m,n,k", SHAPES)
def test_matmul_f16(cube, runtime, rng, m, n, k):
    _, _, _, stream = runtime
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
    c = DeviceBuffer.empty(np.float32, m * n)
    cube.get_kernel("matmul_f16")[_blocks(m, n), stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b),
                                                          c, m, n, k)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert _rel_err(c.to_numpy().reshape(m, n), want) < 1e-3


@pytest.mark.parametrize("m,n,k", SHAPES)
def test_matmul_transposed_b(cube, runtime, rng, m, n, k):
    _, _, _, stream = runtime
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    bt = rng.uniform(-1, 1, (n, k)).astype(np.float16)  # B^T, row-major
    c = DeviceBuffer.empty(np.float32, m * n)
    cube.get_kernel("matmul_f16_bt")[_blocks(m, n), stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(bt),
                                                             c, m, n, k)
    want = a.astype(np.float64) @ bt.astype(np.float64).T
    assert _rel_err(c.to_numpy().reshape(m, n), want) < 1e-3


@pytest.mark.parametrize("m,n,k", [(30, 40, 70), (100, 33, 77)])
def test_matmul_f16_output_with_relu(cube, runtime, rng, m, n, k):
    _, _, _, stream = runtime
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
    c = DeviceBuffer.empty(np.float16, m * n)
    cube.get_kernel("matmul_f16_out_f16_relu")[2, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b),
                                                          c, m, n, k)
    want = np.maximum(a.astype(np.float64) @ b.astype(np.float64), 0)
    got = c.to_numpy().reshape(m, n)
    assert (got >= 0).all() and (got[want == 0] == 0).all()
    assert _rel_err(got, want) < 1e-3  # one f16 rounding (2^-11) of each result


def test_matmul_bf16(cube, runtime, rng):
    import ml_dtypes

    _, _, _, stream = runtime
    m, n, k = 30, 40, 70
    a = rng.uniform(-1, 1, (m, k)).astype(ml_dtypes.bfloat16)
    b = rng.uniform(-1, 1, (k, n)).astype(ml_dtypes.bfloat16)
    c = DeviceBuffer.empty(np.float32, m * n)
    cube.get_kernel("matmul_bf16")[1, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b), c, m, n, k)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert _rel_err(c.to_numpy().reshape(m, n), want) < 1e-3


@pytest.mark.parametrize("m,n,k", [(16, 16, 32), (30, 40, 70), (100, 33, 200)])
def test_matmul_i8_is_exact(cube, runtime, rng, m, n, k):
    _, _, _, stream = runtime
    a = rng.integers(-128, 128, (m, k), dtype=np.int8)
    bt = rng.integers(-128, 128, (n, k), dtype=np.int8)
    c = DeviceBuffer.empty(np.int32, m * n)
    cube.get_kernel("matmul_i8_bt")[2, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(bt), c, m, n, k)
    np.testing.assert_array_equal(c.to_numpy().reshape(m, n), a.astype(np.int64) @ bt.astype(np.int64).T)


def test_matmul_f32(cube, runtime, rng):
    _, _, _, stream = runtime
    m, n, k = 30, 40, 70
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    bt = rng.uniform(-1, 1, (n, k)).astype(np.float32)
    c = DeviceBuffer.empty(np.float32, m * n)
    cube.get_kernel("matmul_f32_bt")[1, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(bt), c, m, n, k)
    want = a.astype(np.float64) @ bt.astype(np.float64).T
    assert _rel_err(c.to_numpy().reshape(m, n), want) < 1e-3


def test_wrong_layout_move_gives_wrong_numbers(cube, runtime, rng):
    """std.load copies A into L1 as plain rows; the cube reads NZ fractals, so the product is another one."""
    _, _, _, stream = runtime
    a = rng.uniform(-1, 1, (32, 32)).astype(np.float16)
    b = rng.uniform(-1, 1, (32, 32)).astype(np.float16)
    c = DeviceBuffer.empty(np.float32, 32 * 32)
    cube.get_kernel("matmul_wrong_layout")[1, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b), c)
    want = a.astype(np.float64) @ b.astype(np.float64)
    got = c.to_numpy().reshape(32, 32)
    assert np.isfinite(got).all()
    assert _rel_err(got, want) > 0.1
    # What the NPU computes: the ND rows read as NZ fractals (16 rows of 16 per fractal column).
    nz = a.reshape(-1).reshape(2, 32, 16)  # [column block][row][16 columns], as the cube reads L1
    seen = np.concatenate([nz[0], nz[1]], axis=1).astype(np.float64)
    assert _rel_err(got, seen @ b.astype(np.float64)) < 1e-3


def test_l0_tiles_loaded_for_other_sizes_than_the_mmad_are_refused(cube, runtime, rng):
    """The cube would read the L0A rows at the wrong fractals; the simulator names the Mmad and the fix."""
    from ascendpy import AlignmentFault

    _, _, _, stream = runtime
    a = rng.uniform(-1, 1, (32, 40)).astype(np.float16)
    b = rng.uniform(-1, 1, (40, 16)).astype(np.float16)
    with pytest.raises(AlignmentFault) as info:
        cube.get_kernel("matmul_tail_loaded_as_full_tile")[1, stream](DeviceBuffer.from_numpy(a),
                                                                       DeviceBuffer.from_numpy(b),
                                                                       DeviceBuffer.empty(np.float32, 512))
        stream.synchronize()
    err = info.value
    assert err.kind == "invalid_argument" and err.filename == cube_matmul.__file__, err
    assert err.lineno == _line(cube_matmul.matmul_tail_loaded_as_full_tile, "# TAIL"), err
    assert "reads L0A tile 'a2' as 3 fractal(s) per 16-row block, but it was loaded for m=32, k=64" in err.detail, err


def _slack(x: np.ndarray) -> DeviceBuffer:
    """`x` with 32 bytes after it: CANN 8.1's 310P ND2NZ copy reads each row up to a whole 32-byte block."""
    return DeviceBuffer.from_numpy(np.concatenate([x.ravel(), np.zeros(32 // x.itemsize, x.dtype)]))


@pytest.mark.parametrize("m,n,k", [(30, 40, 70), (100, 33, 77)])
def test_310p_matmul_through_the_ub(runtime310, rng, m, n, k):
    """310P has no Fixpipe: L0C leaves through a UB staging tensor; f32 out, and f16 out with ReLU (B^T)."""
    from tests.kernels import cube_matmul_310p

    stream = runtime310
    loader = KernelLoader.from_module(cube_matmul_310p, soc="310P")
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
    c = DeviceBuffer.empty(np.float32, m * n)
    loader.get_kernel("matmul_f16_any")[2, stream](_slack(a), _slack(b), c, m, n, k)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert _rel_err(c.to_numpy().reshape(m, n), want) < 1e-3
    h = DeviceBuffer.empty(np.float16, m * n)
    loader.get_kernel("matmul_f16_any_bt_relu_f16")[2, stream](_slack(a), _slack(np.ascontiguousarray(b.T)), h, m, n,
                                                               k)
    assert _rel_err(h.to_numpy().reshape(m, n), np.maximum(want, 0)) < 1e-3


def test_310p_load_nz_of_a_row_tail_reads_to_the_next_32_bytes(runtime310, rng):
    """Without the slack, the last row's rounded-up read leaves the allocation: a GlobalMemoryFault at load_nz."""
    from ascendpy import GlobalMemoryFault
    from tests.kernels import cube_matmul_310p

    stream = runtime310
    loader = KernelLoader.from_module(cube_matmul_310p, soc="310P")
    m, n, k = 30, 40, 70
    a = DeviceBuffer.from_numpy(rng.uniform(-1, 1, (m, k)).astype(np.float16))
    with pytest.raises(GlobalMemoryFault) as info:
        loader.get_kernel("matmul_f16_any")[1, stream](a, _slack(np.zeros((k, n), np.float16)),
                                                       DeviceBuffer.empty(np.float32, m * n), m, n, k)
        stream.synchronize()
    # Inlined code reports the call site: the kernel's line that calls matmul_tiles.
    assert info.value.filename == cube_matmul_310p.__file__, info.value
    assert info.value.lineno == _line(cube_matmul_310p.matmul_f16_any, "matmul_tiles("), info.value
    assert "DataCopy with Nd2NzParams" in str(info.value)


def _line(fn, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn.fn)
    return first + next(i for i, t in enumerate(lines) if marker in t)


# ---------------------------------------------------------------------------------- mix kernels
@pytest.mark.parametrize("m,n,k", [(32, 64, 64), (70, 100, 50)])
def test_mix_matmul_bias_relu(mix, runtime, rng, m, n, k):
    _, _, _, stream = runtime
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
    bias = rng.uniform(-1, 1, n).astype(np.float32)
    ws, out = DeviceBuffer.empty(np.float32, m * n), DeviceBuffer.empty(np.float32, m * n)
    mix.get_kernel("matmul_bias_relu")[2, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b),
                                                  DeviceBuffer.from_numpy(bias), ws, out, m, n, k)
    want = np.maximum(a.astype(np.float64) @ b.astype(np.float64) + bias, 0)
    assert _rel_err(out.to_numpy().reshape(m, n), want) < 1e-3


def test_mix_matmul_row_softmax(mix, runtime, rng):
    _, _, _, stream = runtime
    m, n, k = 50, 40, 70
    a = rng.uniform(-1, 1, (m, k)).astype(np.float16)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float16)
    ws, out = DeviceBuffer.empty(np.float32, m * n), DeviceBuffer.empty(np.float32, m * n)
    mix.get_kernel("matmul_softmax")[2, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b), ws, out,
                                                m, n, k)
    x = a.astype(np.float64) @ b.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out.to_numpy().reshape(m, n), want, rtol=1e-3, atol=1e-6)


def test_mix_kernel_missing_its_set_flag_deadlocks_at_the_wait(mix, runtime, rng):
    _, _, _, stream = runtime
    a = rng.uniform(-1, 1, (16, 16)).astype(np.float16)
    ws, out = DeviceBuffer.zeros(np.float32, 256), DeviceBuffer.zeros(np.float32, 32)
    with pytest.raises(DeadlockFault) as info:
        mix.get_kernel("matmul_no_set_flag")[1, stream](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(a),
                                                        ws, out)
        stream.synchronize()
    err = info.value
    lines, first = inspect.getsourcelines(mix_matmul.matmul_no_set_flag.fn)
    wait_line = first + next(i for i, t in enumerate(lines) if "# WAIT NEVER SET" in t)
    assert err.kernel == "matmul_no_set_flag", err
    assert err.filename == mix_matmul.__file__ and err.lineno == wait_line, err
