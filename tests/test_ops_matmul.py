"""ascendpy.ops.matmul: the cube kernels of ascendpy/ops/kernels against numpy in float64, on fresh random data."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from ascendpy import Acl, Context, Device, Stream, ops
from tests.ops_check import check, dtype

pytestmark = pytest.mark.op("matmul")
F32_TOL = 1e-5  # f32 inputs: f32 products and sums (f32 Mmad), error relative to the largest output

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
    c = ops.matmul(a, b, out_dtype=np.float32, stream=runtime[3])
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
    c = ops.matmul(a, b, transpose_b=transpose_b, out_dtype=np.float32, stream=runtime[3])
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
    assert ops.matmul(a, b, out=out, out_dtype=np.float32, stream=runtime[3]) is out
    assert rel_error(out, reference(a, b)) < 1e-3


def test_empty_and_zero_k(runtime, rng):
    assert ops.matmul(rand(rng, (0, 5)), rand(rng, (5, 3)), stream=runtime[3]).shape == (0, 3)
    z = ops.matmul(rand(rng, (4, 0)), rand(rng, (0, 3)), stream=runtime[3])
    assert z.shape == (4, 3) and not z.any()


@pytest.mark.parametrize(("a", "b", "kw", "err", "match"), [
    (np.zeros((4, 5), np.int32), np.zeros((5, 3), np.float32), {}, TypeError, "input has dtype int32"),
    (np.zeros((4, 5), np.float16), np.zeros((6, 3), np.float16), {}, ValueError, "inner sizes differ"),
    (np.zeros((4, 5), np.float16), np.zeros((3, 6), np.float16), {"transpose_b": True}, ValueError, r"\(transposed\)"),
    (np.zeros((2, 4, 5), np.float16), np.zeros((3, 5, 3), np.float16), {}, ValueError, "do not broadcast"),
    (np.zeros((), np.float16), np.zeros((5, 3), np.float16), {}, ValueError, "at least 1 dimension"),
    (np.zeros((4, 5), np.float16), np.zeros((5, 3), np.float16), {"out_dtype": np.int8}, TypeError, "out_dtype"),
    (np.zeros((4, 5), np.float16), np.zeros((5, 3), np.float16), {"out": np.zeros((3, 4), np.float32)}, ValueError,
     "shape"),
    ([[1.0]], np.zeros((1, 1), np.float16), {}, TypeError, "numpy array, a CPU torch tensor or a __dlpack__"),
    (np.zeros((4, 5), np.float16), np.zeros((5, 3), np.float16), {"out": np.zeros((4, 3), np.float32)}, ValueError,
     "dtype float16"),
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
    c = ops.matmul(torch.from_numpy(a), torch.from_numpy(b), out_dtype=torch.float32, stream=runtime[3])
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
    with pytest.raises(TypeError, match="310P has no bfloat16_t"):
        ops.matmul(rand(rng, (4, 4), BF16), rand(rng, (4, 4), BF16), stream=runtime310)


# --- torch.matmul semantics, f32, device transposes, vector paths, the other operators of the category ---

def f32(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(-1, 1, shape).astype(np.float32)


@pytest.mark.parametrize(("m", "n", "k"), [(1, 1, 1), (30, 40, 70), (129, 257, 130), (5, 3, 200)])
def test_f32_inputs_on_the_910b_cube(runtime, rng, m, n, k):
    a, b = f32(rng, (m, k)), f32(rng, (k, n))
    c = ops.matmul(a, b, stream=runtime[3])
    assert c.dtype == np.float32 and c.shape == (m, n)
    assert rel_error(c, reference(a, b)) < F32_TOL


@pytest.mark.parametrize(("sa", "sb"), [((7,), (7,)), ((7,), (7, 5)), ((4, 7), (7,)), ((3, 4, 7), (7,)),
                                        ((7,), (2, 7, 5)), ((2, 1, 4, 7), (3, 7, 5)), ((2, 3, 4, 7), (3, 7, 5)),
                                        ((1, 4, 7), (2, 3, 7, 5))])
def test_broadcasting_like_torch_matmul(runtime, rng, sa, sb):
    a, b = f32(rng, sa), f32(rng, sb)
    c = ops.matmul(a, b, stream=runtime[3])
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    want = np.matmul(a64, b64)
    assert c.shape == want.shape
    # relative to sum |a_i b_i|, the scale of a dot product's rounding: a 1-D . 1-D result can cancel to near 0
    scale = float(np.matmul(np.abs(a64), np.abs(b64)).max())
    assert float(np.abs(c.astype(np.float64) - want).max()) / scale < F32_TOL


@pytest.mark.parametrize("dt", [np.float32, np.float16, BF16])
@pytest.mark.parametrize(("ta", "tb"), [(True, False), (False, True), (True, True)])
def test_transposed_views_are_read_in_place(runtime, rng, dt, ta, tb):
    """A.T / B.T of C-contiguous arrays: the transposes happen on the device (or not at all)."""
    m, n, k = 70, 45, 133
    a = rand(rng, (k, m) if ta else (m, k), dt)
    b = rand(rng, (n, k) if tb else (k, n), dt)
    x, y = (a.T if ta else a), (b.T if tb else b)
    c = ops.matmul(x, y, out_dtype=np.float32, stream=runtime[3])
    assert rel_error(c, x.astype(np.float64) @ y.astype(np.float64)) < (F32_TOL if dt == np.float32 else 1e-3)
    c2 = ops.matmul(np.ascontiguousarray(a), np.ascontiguousarray(b), transpose_a=ta, transpose_b=tb,
                    out_dtype=np.float32, stream=runtime[3])
    assert np.array_equal(c, c2)


@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("m", "k"), [(1, 1), (37, 5000), (300, 129)])
def test_matrix_vector_runs_on_the_vector_cores(runtime, rng, dt, m, k):
    a, v = rand(rng, (m, k), dtype(dt)), rand(rng, (k, 1), dtype(dt))
    c = ops.matmul(a, v, stream=runtime[3])
    assert c.dtype == dtype(dt) and c.shape == (m, 1)
    tol = {"float32": F32_TOL, "float16": 1e-3, "bfloat16": 8e-3}[dt]
    assert rel_error(c, reference(a, v)) < tol
    c1 = ops.matmul(a, v[:, 0], stream=runtime[3])  # 1-D vector: [m]
    assert c1.shape == (m,) and np.array_equal(c1, c[:, 0])


def test_batched_matrix_vector_with_own_vectors(runtime, rng):
    a, v = f32(rng, (3, 20, 4500)), f32(rng, (3, 4500, 1))  # k > one UB chunk, a vector per batch
    assert rel_error(ops.matmul(a, v, stream=runtime[3]), reference(a, v)) < F32_TOL


@pytest.mark.op("linear")
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("rows", "fin", "fout"), [(1, 96, 200), (1, 1536, 33), (5, 70, 130), (40, 33, 17)])
def test_linear(runtime, rng, dt, rows, fin, fout):
    """F.linear: weight [out, in] read as stored; one row (decode) goes by gemv, more by the cube."""
    x, w, bias = rand(rng, (rows, fin), dtype(dt)), rand(rng, (fout, fin), dtype(dt)), rand(rng, (fout,), dtype(dt))
    y = ops.linear(x, w, bias, stream=runtime[3])
    want = x.astype(np.float64) @ w.astype(np.float64).T + bias.astype(np.float64)
    tol = {"float32": F32_TOL, "float16": 2e-3, "bfloat16": 1.6e-2}[dt]
    assert y.dtype == dtype(dt) and rel_error(y, want) < tol
    y3 = ops.linear(x.reshape(1, rows, fin), w, stream=runtime[3])  # [..., in], no bias
    assert y3.shape == (1, rows, fout)
    assert rel_error(y3[0], x.astype(np.float64) @ w.astype(np.float64).T) < tol


@pytest.mark.op("linear")
def test_linear_bad_arguments(runtime):
    with pytest.raises(ValueError, match="ascendpy.ops.linear: input has 4 features"):
        ops.linear(np.zeros((2, 4), np.float32), np.zeros((3, 5), np.float32), stream=runtime[3])
    with pytest.raises(ValueError, match="bias must be"):
        ops.linear(np.zeros((2, 5), np.float32), np.zeros((3, 5), np.float32), np.zeros(4, np.float32),
                   stream=runtime[3])


@pytest.mark.op("mm", "bmm")
def test_mm_and_bmm(runtime, rng):
    a, b = f32(rng, (33, 20)), f32(rng, (20, 17))
    assert rel_error(ops.mm(a, b, stream=runtime[3]), reference(a, b)) < F32_TOL
    a3, b3 = f32(rng, (3, 33, 20)), f32(rng, (3, 20, 17))
    assert rel_error(ops.bmm(a3, b3, stream=runtime[3]), reference(a3, b3)) < F32_TOL
    with pytest.raises(ValueError, match="ascendpy.ops.mm: input and mat2 must be 2-D"):
        ops.mm(a3, b, stream=runtime[3])
    with pytest.raises(ValueError, match="ascendpy.ops.bmm: input and mat2 must be 3-D"):
        ops.bmm(a, b, stream=runtime[3])
    with pytest.raises(ValueError, match="batch sizes differ"):
        ops.bmm(a3, b3[:2], stream=runtime[3])


@pytest.mark.op("tril", "triu")
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (3, 40, 2100), (50, 50)])
@pytest.mark.parametrize("diagonal", [0, 1, -2, 60])
def test_tril_triu(runtime, rng, dt, shape, diagonal):
    x = rand(rng, shape, dtype(dt))
    assert np.array_equal(ops.tril(x, diagonal, stream=runtime[3]), np.tril(x, diagonal))
    assert np.array_equal(ops.triu(x, diagonal, stream=runtime[3]), np.triu(x, diagonal))


@pytest.mark.op("tril", "triu")
def test_tril_bad_arguments(runtime):
    with pytest.raises(ValueError, match="ascendpy.ops.tril: input must be at least 2-D"):
        ops.tril(np.zeros(4, np.float32), stream=runtime[3])
    with pytest.raises(TypeError, match="ascendpy.ops.triu: diagonal must be an int"):
        ops.triu(np.zeros((4, 4), np.float32), 1.5, stream=runtime[3])


@pytest.mark.op("diag_matmul")
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("n", "m"), [(1, 1), (37, 5), (300, 2100)])
def test_diag_matmul(runtime, rng, dt, n, m):
    d, b = rand(rng, (n,), dtype(dt)), rand(rng, (n, m), dtype(dt))
    got = ops.diag_matmul(d, b, stream=runtime[3])
    check(got, np.diag(d.astype(np.float64)) @ b.astype(np.float64), dt, "diag_matmul")
    with pytest.raises(ValueError, match="ascendpy.ops.diag_matmul: diagonal must be"):
        ops.diag_matmul(d[:-1] if n > 1 else d.reshape(1, 1), b, stream=runtime[3])


@pytest.mark.op("matmul", "linear", "tril")
def test_device_buffers_stay_on_the_device(runtime, rng):
    from ascendpy.runtime.memory import DeviceBuffer

    a, b = f32(rng, (40, 30)), f32(rng, (30, 50))
    ctx, stream = runtime[2], runtime[3]
    da, db = (DeviceBuffer.from_numpy(x, context=ctx) for x in (a, b))
    da.shape, db.shape = a.shape, b.shape
    dc = ops.matmul(da, db, stream=stream)
    assert isinstance(dc, DeviceBuffer) and tuple(dc.shape) == (40, 50)
    dl = ops.tril(dc, stream=stream)
    assert np.array_equal(dl.to_numpy().reshape(40, 50), np.tril(dc.to_numpy().reshape(40, 50)))
    assert rel_error(dc.to_numpy().reshape(40, 50), reference(a, b)) < F32_TOL
    for buf in (da, db, dc, dl):
        buf.close()


@pytest.mark.op("matmul", "linear")
def test_torch_transposed_views_and_linear(runtime, rng):
    torch = pytest.importorskip("torch")
    a, b = torch.from_numpy(f32(rng, (30, 20))), torch.from_numpy(f32(rng, (40, 30)))
    c = ops.matmul(a.T, b.T, stream=runtime[3])  # non-contiguous views: read as stored
    assert isinstance(c, torch.Tensor)
    assert rel_error(c.numpy(), (a.T.double() @ b.T.double()).numpy()) < F32_TOL
    w = torch.from_numpy(f32(rng, (25, 20)))
    y = ops.linear(a[:1], w, stream=runtime[3])
    assert rel_error(y.numpy(), torch.nn.functional.linear(a[:1].double(), w.double()).numpy()) < F32_TOL


def test_310p_f32_is_refused_but_matvec_runs(runtime310, rng):
    with pytest.raises(TypeError, match="f32 Mmad"):
        ops.matmul(f32(rng, (20, 30)), f32(rng, (30, 10)), stream=runtime310)
    a, v = f32(rng, (50, 70)), f32(rng, (70,))
    assert rel_error(ops.matmul(a, v, stream=runtime310), a.astype(np.float64) @ v) < F32_TOL
    x = rand(rng, (3, 45, 70))
    assert np.array_equal(ops.tril(x, stream=runtime310), np.tril(x))


# --- every MKB matmul task's reference call, at reduced shapes (f32 inputs, as MKB's torch.rand) ---

def _u(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.random(shape).astype(np.float32)  # torch.rand: U[0, 1)


def _mkb(rng):
    A4 = _u(rng, 2, 3, 20, 24)
    T = [  # (task, inputs, call, float64 reference)
        ("batched_matrix_multiplication", (_u(rng, 3, 40, 50), _u(rng, 3, 50, 30)),
         lambda a, b, s: ops.bmm(a, b, stream=s), lambda a, b: a @ b),
        ("four_dim_tensor_matrix_multiplication", (A4, _u(rng, 24, 36)),
         lambda a, b, s: ops.matmul(a, b, stream=s), lambda a, b: np.einsum("bijl,lk->bijk", a, b)),
        ("matmul_for_symmetric_matrices", None, None, None),
        ("matmul_with_irregular_shapes", (_u(rng, 83, 29), _u(rng, 29, 59)), None, None),
        ("matmul_with_large_k_dimension", (_u(rng, 16, 4100), _u(rng, 4100, 16)), None, None),
        ("matmul_with_small_k_dimension", (_u(rng, 300, 6), _u(rng, 6, 280)), None, None),
        ("matmul_with_transposed_a", (_u(rng, 50, 30), _u(rng, 50, 40)), lambda a, b, s: ops.matmul(a.T, b, stream=s),
         lambda a, b: a.T @ b),
        ("matmul_with_transposed_b", (_u(rng, 30, 50), _u(rng, 40, 50)), lambda a, b, s: ops.matmul(a, b.T, stream=s),
         lambda a, b: a @ b.T),
        ("matmul_with_transposed_both", (_u(rng, 50, 30), _u(rng, 40, 50)),
         lambda a, b, s: ops.matmul(a.T, b.T, stream=s), lambda a, b: a.T @ b.T),
        ("matrix_vector_multiplication", (_u(rng, 64, 5000), _u(rng, 5000, 1)), None, None),
        ("square_matrix_multiplication", (_u(rng, 130, 130), _u(rng, 130, 130)), None, None),
        ("standard_matrix_multiplication", (_u(rng, 64, 160), _u(rng, 160, 96)), None, None),
        ("tall_skinny_matrix_multiplication", (_u(rng, 600, 32), _u(rng, 32, 600)), None, None),
        ("three_dim_tensor_matrix_multiplication", (_u(rng, 4, 20, 40), _u(rng, 40, 24)), None, None),
        ("matmul_for_lower_triangular_matrices", (np.tril(_u(rng, 70, 70)), np.tril(_u(rng, 70, 70))),
         lambda a, b, s: ops.tril(ops.matmul(a, b, stream=s), stream=s), lambda a, b: np.tril(a @ b)),
        ("matmul_for_upper_triangular_matrices", (np.triu(_u(rng, 70, 70)), np.triu(_u(rng, 70, 70))),
         lambda a, b, s: ops.triu(ops.matmul(a, b, stream=s), stream=s), lambda a, b: np.triu(a @ b)),
        ("matmul_with_diagonal_matrices", (_u(rng, 60), _u(rng, 60, 70)),
         lambda a, b, s: ops.diag_matmul(a, b, stream=s), lambda a, b: np.diag(a) @ b),
    ]
    return T


MKB = ["batched_matrix_multiplication", "four_dim_tensor_matrix_multiplication", "matmul_for_symmetric_matrices",
       "matmul_with_irregular_shapes", "matmul_with_large_k_dimension", "matmul_with_small_k_dimension",
       "matmul_with_transposed_a", "matmul_with_transposed_b", "matmul_with_transposed_both",
       "matrix_vector_multiplication", "square_matrix_multiplication", "standard_matrix_multiplication",
       "tall_skinny_matrix_multiplication", "three_dim_tensor_matrix_multiplication",
       "matmul_for_lower_triangular_matrices", "matmul_for_upper_triangular_matrices",
       "matmul_with_diagonal_matrices"]


@pytest.mark.op("matmul", "bmm", "tril", "triu", "diag_matmul")
@pytest.mark.parametrize("task", MKB)
def test_mkb_task_reference_call(runtime, rng, task):
    entry = {t[0]: t for t in _mkb(rng)}[task]
    _, inputs, call, ref = entry
    if inputs is None:  # symmetric: (A + A.T) / 2
        a, b = _u(rng, 90, 90), _u(rng, 90, 90)
        inputs = ((a + a.T) / 2, (b + b.T) / 2)
    call = call or (lambda a, b, s: ops.matmul(a, b, stream=s))
    ref = ref or (lambda a, b: np.matmul(a, b))
    got = call(*inputs, runtime[3])
    want = ref(*(x.astype(np.float64) for x in inputs))
    assert got.shape == want.shape and got.dtype == np.float32
    assert rel_error(got, want) < F32_TOL


@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize(("m", "k", "n", "bshape"), [(1, 700, 300, (700, 300)), (6, 1030, 257, (2, 1030, 257)),
                                                     (8, 3, 5, (3, 5))])
def test_few_rows_against_b_on_the_vector_cores(runtime, rng, dt, m, k, n, bshape):
    """Up to 8 rows times B [K, N] (a decode step's P V): B read once in place; k over one p chunk (512), n over
    one column unit (256)."""
    a, b = rand(rng, (2, m, k), dtype(dt)), rand(rng, bshape, dtype(dt))
    c = ops.matmul(a, b, stream=runtime[3])
    tol = {"float32": F32_TOL, "float16": 1e-3, "bfloat16": 8e-3}[dt]
    assert c.dtype == dtype(dt) and rel_error(c, reference(a, b)) < tol
