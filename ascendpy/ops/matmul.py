"""Matrix products as torch has them (matmul, mm, bmm, linear) plus tril/triu and diag(d) @ B, on ascendpy kernels.

The cube kernels (kernels/matmul.py) read both operands with k contiguous: A as [M, K] and B as B^T [N, K]
(docs/cube.md: k tails then add exact zeros). Operands stored the other way round (B [K, N], a transposed
A) are turned around on the device by a vector transpose (kernels/linalg.py), never on the host; a
transposed numpy/torch view (`A.T`, `B.mT`) is recognised and read through its memory as it is.
Products with one output column (matrix-vector) and one-row F.linear (a decode step) run as vector dot
products instead: the cube would use 1 of its 16 rows. f32 inputs use the 910B cube's f32 Mmad; 310P's
cube has none, so f32 products there are refused (cast to float16 first), except the vector paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, as_dtype, metadata, promote, short
from ascendpy.ops.registry import operator
from ascendpy.runtime import arrays
from ascendpy.runtime.objects import Stream

PER_ROW_BLOCK = 4  # vector kernels: rows below which one more block costs more than it saves
VECMAT_ROWS = 8  # up to this many rows of A against a B [K, N] go by the vector kernel (linalg.MR)


def _kernels(call: OpCall, dt: np.dtype) -> Any:
    from ascendpy.ops.kernels import linalg, linalg_bf16

    return call.kernels(linalg, linalg_bf16, dt)


def _cube_module(call: OpCall, name: str) -> Any:
    from ascendpy.ops.kernels import matmul as kernels
    from ascendpy.ops.kernels import matmul_bf16

    return kernels if name in ("matmul_f16_f32", "matmul_f16_f16") else matmul_bf16


def _prod(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def host_view(x: Any) -> tuple[Any, bool]:
    """(x, False), or (the contiguous memory of x, True) when x is a transposed view of its last two dims (A.T):
    the kernels then read it as it is stored instead of the host copying it."""
    if isinstance(x, np.ndarray) and x.ndim >= 2 and not x.flags.c_contiguous:
        t = np.swapaxes(x, -1, -2)
        if t.flags.c_contiguous:
            return t, True
    elif type(x).__module__.startswith("torch") and getattr(x, "ndim", 0) >= 2 and not x.is_contiguous():
        t = x.mT
        if t.is_contiguous():
            return t, True
    return x, False


def transpose(call: OpCall, t: Tensor, slack: int = 0) -> Tensor:
    """[..., R, C] -> [..., C, R] on the device (`slack` spare elements after the end, for 310P's ND2NZ)."""
    from ascendpy.ops.kernels import linalg

    rows, cols = t.shape[-2:]
    shape = (*t.shape[:-2], cols, rows)
    out = call.empty((_prod(shape) + slack,), t.dtype)
    out = Tensor(out.buf, shape, t.dtype)
    if t.size:
        i = np.arange(linalg.TT * linalg.TT)
        offs = metadata(call, ((i % linalg.TT * linalg.TT + i // linalg.TT) * t.dtype.itemsize).astype(np.uint32))
        batch = _prod(t.shape[:-2])
        tiles = batch * -(-rows // linalg.TT) * -(-cols // linalg.TT)
        call.launch(_kernels(call, t.dtype), f"transpose_{t.short}", call.blocks(tiles, 1), t, out, offs, batch,
                    rows, cols)
    return out


def tri_mask(call: OpCall, t: Tensor, out: Tensor, d0: int, d1: int) -> None:
    """out = t with row i of every [m, n] matrix keeping columns [i + d0, i + d1) only (t may be out)."""
    m, n = t.shape[-2:]
    nrows = _prod(t.shape[:-1])
    big = m + n + 1
    d0, d1 = max(-big, min(big, d0)), max(-big, min(big, d1))
    call.launch(_kernels(call, t.dtype), f"tri_{t.short}", call.blocks(nrows, PER_ROW_BLOCK), t, out, nrows, m, n,
                d0, d1)


def _padded(call: OpCall, t: Tensor, slack: int) -> Tensor:
    """t in a buffer with `slack` spare elements (310P's ND2NZ reads rows in whole 32-byte blocks)."""
    if not slack:
        return t
    out = call.empty((t.size + slack,), t.dtype)
    out = Tensor(out.buf, t.shape, t.dtype)
    tri_mask(call, Tensor(t.buf, (t.size // t.shape[-1], t.shape[-1]), t.dtype),
             Tensor(out.buf, (t.size // t.shape[-1], t.shape[-1]), t.dtype), -(1 << 30), 1 << 30)
    return out


def _batches(a: Tensor, b: Tensor, batch: tuple[int, ...], op: str
             ) -> list[tuple[int, int, int, int, int]]:
    """Launches over the broadcast batch: (a element offset, b offset, c batch offset, count, a stride, b stride)
    per launch, strides in matrices (0: shared). One launch unless a batch dim broadcasts partially."""
    nb = _prod(batch)

    def stride(t: Tensor) -> int | None:
        own = t.shape[:-2]
        if _prod(own) == 1:
            return 0
        return 1 if (1,) * (len(batch) - len(own)) + tuple(own) == tuple(batch) else None

    sa, sb = stride(a), stride(b)
    if sa is not None and sb is not None:
        return [(0, 0, 0, nb, sa, sb)]
    ia = np.broadcast_to(np.arange(_prod(a.shape[:-2])).reshape(a.shape[:-2]), batch).ravel()
    ib = np.broadcast_to(np.arange(_prod(b.shape[:-2])).reshape(b.shape[:-2]), batch).ravel()
    return [(int(ia[i]), int(ib[i]), i, 1, 0, 0) for i in range(nb)]


def product(call: OpCall, a: Tensor, b: Tensor, ta: bool, tb: bool, out_dt: np.dtype) -> Tensor:
    """op(a) @ op(b) on the device, a [..., M, K] ([..., K, M] with ta), b [..., K, N] ([..., N, K] with tb),
    batch dims broadcast as in torch.matmul; the result [batch..., M, N] in out_dt."""
    op = call.op
    m, k = (a.shape[-1], a.shape[-2]) if ta else a.shape[-2:]
    n, kb = (b.shape[-2], b.shape[-1]) if tb else (b.shape[-1], b.shape[-2])
    if k != kb:
        raise ValueError(f"{op}: inner sizes differ: input is {a.shape}{' (transposed)' if ta else ''} (K={k}) but "
                         f"other is {b.shape}{' (transposed)' if tb else ''} (K={kb})")
    try:
        batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    except ValueError:
        raise ValueError(f"{op}: batch dims {a.shape[:-2]} and {b.shape[:-2]} do not broadcast") from None
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: operands have dtypes {a.dtype} and {b.dtype}")
    dt = a.dtype
    out = call.empty(batch + (m, n), out_dt)
    if out.size == 0:
        return out
    if k == 0:  # an empty sum
        tri_mask(call, out, out, 0, 0)
        return out
    # Vector dot products: one output column, or one row against B^T (F.linear of one token).
    if (n == 1 and not ta) or (m == 1 and tb):
        first = n == 1 and not ta  # the matrix is a ([M, K], M rows), else b ([N, K], N rows)
        rows = m if first else n
        o_dt = out_dt if out_dt in (dt, np.dtype("float32")) else np.dtype("float32")
        res = out if o_dt == out_dt else call.empty(out.shape, o_dt)
        for ao, bo, co, cnt, sa, sb in _batches(a, b, batch, op):
            mat, mo, ms, vec, vo, vs = (a, ao, sa, b, bo, sb) if first else (b, bo, sb, a, ao, sa)
            hold = 1 if vs == 0 and k <= 4096 else 0
            call.launch(_kernels(call, dt), f"gemv_{short(dt)}_{short(o_dt)}", call.blocks(cnt * rows, 64),
                        mat.buf[mo * rows * k:], vec.buf[vo * k:], res.buf[co * m * n:], cnt * rows, rows, k,
                        ms * rows * k, vs * k, hold)
        return res if res is out else call.cast(res, out_dt)
    if m <= VECMAT_ROWS and not ta and not tb:
        # a few rows against B [K, N] (a decode step's P V): B read once, in place, by the vector cores
        from ascendpy.ops.kernels import linalg

        o_dt = out_dt if out_dt in (dt, np.dtype("float32")) else np.dtype("float32")
        res = out if o_dt == out_dt else call.empty(out.shape, o_dt)
        for ao, bo, co, cnt, sa, sb in _batches(a, b, batch, op):
            units = cnt * -(-n // linalg.CW)
            call.launch(_kernels(call, dt), f"vecmat_{short(dt)}_{short(o_dt)}", call.blocks(units, 1),
                        a.buf[ao * m * k:], b.buf[bo * k * n:], res.buf[co * m * n:], cnt, m, k, n, sa * m * k,
                        sb * k * n)
        return res if res is out else call.cast(res, out_dt)
    if dt.name == "float32" and call.family == "310P":
        raise TypeError(f"{op}: float32 matrix products need the cube's f32 Mmad, which "
                        f"{call.stream.context.device.soc_name} does not have (310P multiplies float16 only); "
                        "convert the operands to float16")
    slack = 32 // dt.itemsize if call.family == "310P" else 0
    a2 = transpose(call, a, slack) if ta else _padded(call, a, slack)
    b2 = _padded(call, b, slack) if tb else transpose(call, b, slack)
    pairs = {"float16": ("float32", "float16", "bfloat16"), "bfloat16": ("float32", "float16", "bfloat16"),
             "float32": ("float32",)}
    o_dt = out_dt if out_dt.name in pairs[dt.name] and not (call.family == "310P" and out_dt.name == "bfloat16") \
        else np.dtype("float32")
    res = out if o_dt == out_dt else call.empty(out.shape, o_dt)
    name = f"matmul_{short(dt)}_{short(o_dt)}"
    module = _cube_module(call, name)
    from ascendpy.ops.kernels import matmul as kernels

    for ao, bo, co, cnt, sa, sb in _batches(a, b, batch, op):
        tiles = cnt * -(-m // kernels.TILE_M) * -(-n // kernels.TILE_N)
        call.launch(module, name, call.blocks(tiles, 1, "aic"), a2.buf[ao * m * k:], b2.buf[bo * n * k:],
                    res.buf[co * m * n:], cnt, m, n, k, sa * m * k, sb * n * k)
    return res if res is out else call.cast(res, out_dt)


def _finish(call: OpCall, t: Tensor, shape: tuple[int, ...], out: Any) -> Any:
    t = Tensor(t.buf, shape, t.dtype)
    if out is None:
        return call.result(t)
    contiguous = out.flags.c_contiguous if isinstance(out, np.ndarray) else getattr(out, "is_contiguous", bool)()
    if not contiguous:
        raise ValueError(f"{call.op}: out must be C-contiguous (the result is written into its memory)")
    arr = arrays.as_host(out, "out", call.op).array  # shares memory with `out` (a torch tensor too)
    if arr.shape != shape or arr.dtype != t.dtype:
        raise ValueError(f"{call.op}: out must have shape {shape} and dtype {t.dtype}, got {tuple(arr.shape)} "
                         f"{arr.dtype}")
    if not arr.flags.writeable:
        raise ValueError(f"{call.op}: out is read-only")
    t.buf.copy_to(arr.reshape(-1))
    return out


def _operands(call: OpCall, x: Any, y: Any, names: tuple[str, str]) -> tuple[Tensor, bool, Tensor, bool]:
    x, tx = host_view(x)
    y, ty = host_view(y)
    a, b = call.tensor(x, names[0]), call.tensor(y, names[1])
    dt = promote(a.dtype, b.dtype)
    return call.cast(a, dt), tx, call.cast(b, dt), ty


@operator("matmul", "cube", FLOATS, (
    "batched_matrix_multiplication", "four_dim_tensor_matrix_multiplication", "matmul_for_symmetric_matrices",
    "matmul_with_irregular_shapes", "matmul_with_large_k_dimension", "matmul_with_small_k_dimension",
    "matmul_with_transposed_a", "matmul_with_transposed_b", "matmul_with_transposed_both",
    "matrix_vector_multiplication", "square_matrix_multiplication", "standard_matrix_multiplication",
    "tall_skinny_matrix_multiplication", "three_dim_tensor_matrix_multiplication"),
    note="transposed_*: matmul(A.T, B) etc. read the transposed views in place (or transpose_a/transpose_b=True); "
         "four_dim's einsum('bijl,lk->bijk') is matmul(A, B); matrix_vector (N = 1) runs as vector dot products")
def matmul(input: Any, other: Any, *, out: Any = None, out_dtype: Any = None,  # noqa: A002 - torch's names
           transpose_a: bool = False, transpose_b: bool = False, stream: Stream | None = None) -> Any:
    """torch.matmul: 1-D operands, broadcast batch dims; op(input) @ op(other) with op the transpose of the last
    two dims where asked (or where a numpy/torch argument is a transposed view, read in place).

    The result has the promoted dtype (or `out_dtype`); products are accumulated in float32 on the cube
    unit. float32 operands need 910B (f32 Mmad); 310P multiplies float16 only.
    """
    op = "ascendpy.ops.matmul"
    with OpCall(op, stream) as call:
        a, ta, b, tb = _operands(call, input, other, ("input", "other"))
        ta, tb = ta != bool(transpose_a), tb != bool(transpose_b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"{op}: both arguments need at least 1 dimension, got shapes {a.shape} and {b.shape}")
        out_dt = a.dtype if out_dtype is None else as_dtype(out_dtype, op, "out_dtype")
        if out_dt.name not in FLOATS:
            raise TypeError(f"{op}: out_dtype must be float32, float16 or bfloat16, not {out_dt}")
        a1, b1 = a.ndim == 1, b.ndim == 1
        if a1:
            a, ta = Tensor(a.buf, (1, a.shape[0]), a.dtype), False
        if b1:
            b, tb = Tensor(b.buf, (b.shape[0], 1), b.dtype), False
        res = product(call, a, b, ta, tb, out_dt)
        shape = res.shape[:-2] + res.shape[-2 + a1:len(res.shape) - b1]
        return _finish(call, res, shape, out)


@operator("matmul", "cube", FLOATS)
def mm(input: Any, mat2: Any, *, out_dtype: Any = None, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.mm: [n, m] @ [m, p] (2-D only)."""
    if getattr(input, "ndim", 2) != 2 or getattr(mat2, "ndim", 2) != 2:
        raise ValueError(f"ascendpy.ops.mm: input and mat2 must be 2-D, got {getattr(input, 'ndim', '?')}-D and "
                         f"{getattr(mat2, 'ndim', '?')}-D (ascendpy.ops.matmul broadcasts)")
    return matmul(input, mat2, out_dtype=out_dtype, stream=stream)


@operator("matmul", "cube", FLOATS, ("batched_matrix_multiplication",), note="torch.bmm(A, B)")
def bmm(input: Any, mat2: Any, *, out_dtype: Any = None, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.bmm: [b, n, m] @ [b, m, p], equal batch sizes (no broadcasting, as in torch)."""
    sa, sb = tuple(getattr(input, "shape", ())), tuple(getattr(mat2, "shape", ()))
    if len(sa) != 3 or len(sb) != 3:
        raise ValueError(f"ascendpy.ops.bmm: input and mat2 must be 3-D, got shapes {sa} and {sb}")
    if sa[0] != sb[0]:
        raise ValueError(f"ascendpy.ops.bmm: batch sizes differ: input has {sa[0]}, mat2 has {sb[0]}")
    return matmul(input, mat2, out_dtype=out_dtype, stream=stream)


@operator("matmul", "cube", FLOATS, note="one row (a decode step) runs as vector dot products against weight's rows")
def linear(input: Any, weight: Any, bias: Any = None, *, epilogue: Any = None,  # noqa: A002
           stream: Stream | None = None) -> Any:
    """F.linear: input [..., in] @ weight[out, in]^T + bias[out]; weight is read as stored (no transpose).

    `epilogue` (an ops.Epilogue) runs on each output row, after the bias, in the one kernel that stores it:
    the product accumulates in f32 and the chain rounds once to the output dtype."""
    op = "ascendpy.ops.linear"
    with OpCall(op, stream) as call:
        x, w = call.tensor(input, "input"), call.tensor(weight, "weight")
        if w.ndim != 2 or x.ndim == 0:
            raise ValueError(f"{op}: weight must be 2-D [out, in] and input at least 1-D, got {w.shape}, {x.shape}")
        if x.shape[-1] != w.shape[1]:
            raise ValueError(f"{op}: input has {x.shape[-1]} features but weight is {w.shape} ([out, in])")
        dt = promote(x.dtype, w.dtype)
        bt = None
        if bias is not None:
            bt = call.tensor(bias, "bias")
            if bt.shape != (w.shape[0],):
                raise ValueError(f"{op}: bias must be [{w.shape[0]}], got {bt.shape}")
            dt = promote(dt, bt.dtype)
        x, w = call.cast(x, dt), call.cast(w, dt)
        rows = _prod(x.shape[:-1])
        shape = (*x.shape[:-1], w.shape[0])
        if epilogue is not None:
            from ascendpy.ops.fused import Epilogue, apply

            if not isinstance(epilogue, Epilogue):
                raise TypeError(f"{op}: epilogue must be an ascendpy.ops.Epilogue, not {type(epilogue).__name__}")
            acc = product(call, Tensor(x.buf, (rows, x.shape[-1]), dt), w, False, True, np.dtype(np.float32))
            chain = Epilogue(([("add", bt, None), ("save", 0.0, 0.0)] if bt is not None else [])
                             + list(epilogue.steps))  # SAVED is the linear's output, bias included
            return call.result(apply(call, Tensor(acc.buf, shape, acc.dtype), chain, dt, w.shape[0]))
        res = product(call, Tensor(x.buf, (rows, x.shape[-1]), dt), w, False, True, dt)
        if bt is not None and res.size:
            bt = call.cast(bt, dt)
            n = w.shape[0]
            call.launch(_kernels(call, dt), f"bias_rows_{short(dt)}", call.blocks(rows, PER_ROW_BLOCK), res, bt, res,
                        rows, n)
        return _finish(call, res, (*x.shape[:-1], w.shape[0]), None)


def _tri(op: str, x: Any, diagonal: int, lower: bool, stream: Stream | None) -> Any:
    name = f"ascendpy.ops.{op}"
    if not isinstance(diagonal, int | np.integer):
        raise TypeError(f"{name}: diagonal must be an int, not {type(diagonal).__name__}")
    with OpCall(name, stream) as call:
        t = call.tensor(x, "input")
        if t.ndim < 2:
            raise ValueError(f"{name}: input must be at least 2-D, got shape {t.shape}")
        out = call.empty(t.shape, t.dtype)
        if t.size:
            d = int(diagonal)
            tri_mask(call, t, out, -(1 << 30) if lower else d, d + 1 if lower else 1 << 30)
        return call.result(out)


@operator("matmul", "vector", FLOATS, ("matmul_for_lower_triangular_matrices",),
          note="torch.tril(torch.matmul(A, B)) is ops.tril(ops.matmul(A, B))")
def tril(input: Any, diagonal: int = 0, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.tril: elements on and below the `diagonal`-th diagonal of the last two dims, zeros above."""
    return _tri("tril", input, diagonal, True, stream)


@operator("matmul", "vector", FLOATS, ("matmul_for_upper_triangular_matrices",),
          note="torch.triu(torch.matmul(A, B)) is ops.triu(ops.matmul(A, B))")
def triu(input: Any, diagonal: int = 0, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.triu: elements on and above the `diagonal`-th diagonal of the last two dims, zeros below."""
    return _tri("triu", input, diagonal, False, stream)


@operator("matmul", "vector", FLOATS, ("matmul_with_diagonal_matrices",),
          note="torch.diag(A) @ B is ops.diag_matmul(A, B): row i of B scaled by A[i], no cube")
def diag_matmul(diagonal: Any, input: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """torch.diag(diagonal) @ input for a 1-D `diagonal` [N] and input [N, M]: each row scaled, as a vector kernel
    (the N x N diagonal matrix is never formed)."""
    op = "ascendpy.ops.diag_matmul"
    with OpCall(op, stream) as call:
        d, x = call.tensor(diagonal, "diagonal"), call.tensor(input, "input")
        if d.ndim != 1 or x.ndim != 2 or x.shape[0] != d.shape[0]:
            raise ValueError(f"{op}: diagonal must be [N] and input [N, M], got {d.shape} and {x.shape}")
        dt = promote(d.dtype, x.dtype)
        d, x = call.cast(d, dt), call.cast(x, dt)
        out = call.empty(x.shape, dt)
        if x.size:
            call.launch(_kernels(call, dt), f"diag_rows_{short(dt)}", call.blocks(x.shape[0], 16), d, x, out,
                        x.shape[0], x.shape[1])
        return call.result(out)

