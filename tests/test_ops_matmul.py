"""ascendpy.ops.matmul: the cube kernels of ascendpy/ops/kernels against numpy in float64, on fresh random data."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from ascendpy import Acl, Context, Device, Stream, ops

pytestmark = pytest.mark.op("matmul")

BF16 = np.dtype(ml_dtypes.bfloat16)


def rel_error(got: np.ndarray, want: np.ndarray) -> float:
    """Largest error relative to the largest magnitude of the reference (the issue's measure)."""
    got, want = got.astype(np.float64), want.astype(np.float64)
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def reference(a: np.ndarray, b: np.ndarray, transpose_b: bool = False) -> np.ndarray:
    b64 = b.astype(np.float64)
    return a.astype(np.float64) @ (np.swapaxes(b64, -1, -2) if transpose_b else b64)


def rand(rng: np.random.Generator, shape: tuple[int, ...], dtype: object = np.float16) -> np.ndarray:
    return rng.uniform(-1, 1, shape).astype(np.float32).astype(dtype)


@pytest.mark.parametrize(("m", "n", "k"), [(1, 1, 1), (16, 16, 16), (30, 40, 70), (128, 256, 64), (129, 257, 130),
                                           (100, 33, 77)])
def test_f16_to_f32_any_shape(runtime, rng, m, n, k):
    a, b = rand(rng, (m, k)), rand(rng, (k, n))
    c = ops.matmul(a, b, stream=runtime[3])
    assert c.shape == (m, n) and c.dtype == np.float32
    assert rel_error(c, reference(a, b)) < 1e-3


@pytest.mark.parametrize(("m", "n", "k"), [(16, 16, 16), (70, 150, 200), (5, 3, 129)])
def test_transpose_b(runtime, rng, m, n, k):
    a, bt = rand(rng, (m, k)), rand(rng, (n, k))
    c = ops.matmul(a, bt, transpose_b=True, stream=runtime[3])
    assert c.shape == (m, n)
    assert rel_error(c, reference(a, bt, transpose_b=True)) < 1e-3


@pytest.mark.parametrize("b_batched", [True, False])
@pytest.mark.parametrize("transpose_b", [False, True])
def test_batched(runtime, rng, b_batched, transpose_b):
    batch, m, n, k = 3, 33, 65, 47
    a = rand(rng, (batch, m, k))
    bshape = (n, k) if transpose_b else (k, n)
    b = rand(rng, (batch, *bshape) if b_batched else bshape)
    c = ops.matmul(a, b, transpose_b=transpose_b, stream=runtime[3])
    want = reference(a, b if b_batched else np.broadcast_to(b, (batch, *bshape)), transpose_b)
    assert c.shape == (batch, m, n)
    assert rel_error(c, want) < 1e-3


def test_2d_a_with_batched_b(runtime, rng):
    a, b = rand(rng, (20, 40)), rand(rng, (2, 40, 24))
    c = ops.matmul(a, b, stream=runtime[3])
    assert c.shape == (2, 20, 24)
    assert rel_error(c, reference(np.broadcast_to(a, (2, 20, 40)), b)) < 1e-3


@pytest.mark.parametrize(("out_dtype", "tol"), [(np.float16, 1e-3), (BF16, 8e-3), (np.float32, 1e-3)])
def test_out_dtype(runtime, rng, out_dtype, tol):
    a, b = rand(rng, (50, 90)), rand(rng, (90, 70))
    c = ops.matmul(a, b, out_dtype=out_dtype, stream=runtime[3])
    assert c.dtype == np.dtype(out_dtype)
    assert rel_error(c, reference(a, b)) < tol


@pytest.mark.parametrize("transpose_b", [False, True])
def test_bf16_inputs(runtime, rng, transpose_b):
    a = rand(rng, (40, 60), BF16)
    b = rand(rng, (30, 60) if transpose_b else (60, 30), BF16)
    c = ops.matmul(a, b, transpose_b=transpose_b, stream=runtime[3])
    assert c.dtype == np.float32
    assert rel_error(c, reference(a, b, transpose_b)) < 1e-3  # exact products of the bf16 inputs, f32 sums


def test_larger_than_one_l1_tile(runtime, rng):
    """Several tiles in every direction, more tiles than blocks."""
    a, b = rand(rng, (300, 520)), rand(rng, (520, 390))
    c = ops.matmul(a, b, stream=runtime[3])
    assert rel_error(c, reference(a, b)) < 1e-3


def test_out_argument_is_filled_and_returned(runtime, rng):
    a, b = rand(rng, (17, 19)), rand(rng, (19, 23))
    out = np.full((17, 23), np.nan, np.float32)
    assert ops.matmul(a, b, out=out, stream=runtime[3]) is out
    assert rel_error(out, reference(a, b)) < 1e-3


def test_empty_and_zero_k(runtime, rng):
    assert ops.matmul(rand(rng, (0, 5)), rand(rng, (5, 3)), stream=runtime[3]).shape == (0, 3)
    z = ops.matmul(rand(rng, (4, 0)), rand(rng, (0, 3)), stream=runtime[3])
    assert z.shape == (4, 3) and not z.any()


@pytest.mark.parametrize(("a", "b", "kw", "err", "match"), [
    (np.zeros((4, 5), np.float32), np.zeros((5, 3), np.float32), {}, TypeError, "float16 or bfloat16"),
    (np.zeros((4, 5), np.float16), np.zeros((5, 3), BF16), {}, TypeError, "both"),
    (np.zeros((4, 5), np.float16), np.zeros((6, 3), np.float16), {}, ValueError, "inner sizes differ"),
    (np.zeros((4, 5), np.float16), np.zeros((3, 6), np.float16), {"transpose_b": True}, ValueError, "transpose_b"),
    (np.zeros((2, 4, 5), np.float16), np.zeros((3, 5, 3), np.float16), {}, ValueError, "batch sizes differ"),
    (np.zeros(5, np.float16), np.zeros((5, 3), np.float16), {}, ValueError, "2-D or 3-D"),
    (np.zeros((4, 5), np.float16), np.zeros((5, 3), np.float16), {"out_dtype": np.int8}, TypeError, "out_dtype"),
    (np.zeros((4, 5), np.float16), np.zeros((5, 3), np.float16), {"out": np.zeros((3, 4), np.float32)}, ValueError,
     "shape"),
    ([[1.0]], np.zeros((1, 1), np.float16), {}, TypeError, "numpy array, a CPU torch tensor or a __dlpack__"),
])
def test_bad_arguments_say_what_to_do(runtime, a, b, kw, err, match):
    with pytest.raises(err, match=match):
        ops.matmul(a, b, stream=runtime[3], **kw)


def test_default_runtime_yields_to_an_explicit_one(rng):
    """Without a stream ops opens its own runtime; a program's own Acl() then still works (and ops on it)."""
    a, b = rand(rng, (20, 30)), rand(rng, (30, 10))
    assert rel_error(ops.matmul(a, b), reference(a, b)) < 1e-3
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as stream:
        assert rel_error(ops.matmul(a, b, stream=stream), reference(a, b)) < 1e-3
        assert rel_error(ops.matmul(a, b), reference(a, b)) < 1e-3  # on the program's Acl now


def test_torch_tensors_in_and_out(runtime, rng):
    torch = pytest.importorskip("torch")
    a, b = rand(rng, (24, 36)), rand(rng, (36, 12))
    c = ops.matmul(torch.from_numpy(a), torch.from_numpy(b), stream=runtime[3])
    assert isinstance(c, torch.Tensor) and c.dtype == torch.float32
    assert rel_error(c.numpy(), reference(a, b)) < 1e-3
    cb = ops.matmul(torch.from_numpy(a).to(torch.bfloat16), torch.from_numpy(b).to(torch.bfloat16),
                    out_dtype=torch.bfloat16, stream=runtime[3])
    assert cb.dtype == torch.bfloat16
    assert rel_error(cb.float().numpy(), reference(a.astype(BF16), b.astype(BF16))) < 8e-3


@pytest.mark.parametrize(("m", "n", "k", "transpose_b"), [(16, 16, 16, False), (30, 40, 70, True),
                                                          (129, 257, 130, False)])
def test_310p_route_out_of_l0c(runtime310, rng, m, n, k, transpose_b):
    """310P has no Fixpipe: the result leaves L0C through the Unified Buffer; same numbers."""
    a, b = rand(rng, (m, k)), rand(rng, (n, k) if transpose_b else (k, n))
    c = ops.matmul(a, b, transpose_b=transpose_b, stream=runtime310)
    assert rel_error(c, reference(a, b, transpose_b)) < 1e-3
    c16 = ops.matmul(a, b, transpose_b=transpose_b, out_dtype=np.float16, stream=runtime310)
    assert c16.dtype == np.float16 and rel_error(c16, reference(a, b, transpose_b)) < 1e-3


def test_310p_has_no_bf16(runtime310, rng):
    with pytest.raises(TypeError, match="bfloat16 is not available on Ascend310P3"):
        ops.matmul(rand(rng, (4, 4), BF16), rand(rng, (4, 4), BF16), stream=runtime310)
