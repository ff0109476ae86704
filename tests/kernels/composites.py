"""Kernels for tests/test_ops_composites.py: every std.ops composite, in f16 and f32, in one module.

The kernels are made by factories from a few @std.inline templates that take the
composite as a compile-time argument; each factory registers `<composite>_<f16|f32>`
in this module, so one compile builds them all. The f16 kernels call composites in
place (dst is src) and the f32 kernels out of place, so both aliasing cases run.
"""

from __future__ import annotations

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, ops, u32

TILE = 4096  # elements per UB buffer; also the longest row the row kernels take
DTYPES = (f16, f32)


# ------------------------------------------------------------------ composites with fixed parameters
@std.inline
def elu_07(dst, src, n):
    ops.elu(dst, src, n, 0.7)


@std.inline
def leaky_relu_02(dst, src, n):
    ops.leaky_relu(dst, src, n, 0.2)


@std.inline
def hardtanh_m15_2(dst, src, n):
    ops.hardtanh(dst, src, n, -1.5, 2.0)


@std.inline
def huber_075(a, b, n):
    return ops.huber_loss(a, b, n, 0.75)


ELEMENTWISE = {
    "relu": ops.relu, "sigmoid": ops.sigmoid, "tanh": ops.tanh, "gelu": ops.gelu, "elu": elu_07,
    "silu": ops.silu, "mish": ops.mish, "selu": ops.selu, "softplus": ops.softplus, "softsign": ops.softsign,
    "hardsigmoid": ops.hardsigmoid, "hardswish": ops.hardswish, "leaky_relu": leaky_relu_02,
    "hardtanh": hardtanh_m15_2,
}
ROWWISE = {"softmax": ops.softmax, "log_softmax": ops.log_softmax}
REDUCE = {"l1_norm": ops.l1_norm, "l2_norm": ops.l2_norm, "reduce_mean": ops.reduce_mean,
          "reduce_prod": ops.reduce_prod}
REDUCE2 = {"mse_loss": ops.mse_loss, "huber_loss": huber_075, "hinge_loss": ops.hinge_loss,
           "cosine_similarity": ops.cosine_similarity, "cross_entropy": ops.cross_entropy, "kl_div": ops.kl_div}


# ------------------------------------------------------------------ templates
@std.inline
def _map(op, dtype, x, y, n):
    """y = op(x) over n elements: blocks take contiguous ranges, TILE elements at a time."""
    xb = std.ub_alloc(dtype, TILE)
    yb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        op(yb, xb, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.inline
def _map_inplace(op, dtype, x, y, n):
    xb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        op(xb, xb, cnt)
        std.store(y, off, xb, cnt)
        off += TILE


@std.inline
def _rows(op, dtype, x, y, rows, cols):
    """y[r] = op(x[r]) for each row of `cols` elements; block b takes rows b, b + blocks, ..."""
    xb = std.ub_alloc(dtype, TILE)
    yb = std.ub_alloc(dtype, TILE)
    r = std.get_block_idx()
    while r < rows:
        std.load(xb, x, r * cols, cols)
        op(yb, xb, cols)
        std.store(y, r * cols, yb, cols)
        r += std.get_block_num()


@std.inline
def _rows_inplace(op, dtype, x, y, rows, cols):
    xb = std.ub_alloc(dtype, TILE)
    r = std.get_block_idx()
    while r < rows:
        std.load(xb, x, r * cols, cols)
        op(xb, xb, cols)
        std.store(y, r * cols, xb, cols)
        r += std.get_block_num()


@std.inline
def _layernorm_rows(dtype, x, g, b, y, rows, cols):
    xb = std.ub_alloc(dtype, TILE)
    yb = std.ub_alloc(dtype, TILE)
    gb = std.ub_alloc(dtype, TILE)
    bb = std.ub_alloc(dtype, TILE)
    std.load(gb, g, 0, cols)
    std.load(bb, b, 0, cols)
    r = std.get_block_idx()
    while r < rows:
        std.load(xb, x, r * cols, cols)
        ops.layernorm(yb, xb, gb, bb, cols, 1e-5)
        std.store(y, r * cols, yb, cols)
        r += std.get_block_num()


@std.inline
def _layernorm_rows_inplace(dtype, x, g, b, y, rows, cols):
    xb = std.ub_alloc(dtype, TILE)
    gb = std.ub_alloc(dtype, TILE)
    bb = std.ub_alloc(dtype, TILE)
    std.load(gb, g, 0, cols)
    std.load(bb, b, 0, cols)
    r = std.get_block_idx()
    while r < rows:
        std.load(xb, x, r * cols, cols)
        ops.layernorm(xb, xb, gb, bb, cols, 1e-5)
        std.store(y, r * cols, xb, cols)
        r += std.get_block_num()


@std.inline
def _rmsnorm_rows(dtype, x, g, y, rows, cols):
    xb = std.ub_alloc(dtype, TILE)
    yb = std.ub_alloc(dtype, TILE)
    gb = std.ub_alloc(dtype, TILE)
    std.load(gb, g, 0, cols)
    r = std.get_block_idx()
    while r < rows:
        std.load(xb, x, r * cols, cols)
        ops.rmsnorm(yb, xb, gb, cols, 1e-6)
        std.store(y, r * cols, yb, cols)
        r += std.get_block_num()


@std.inline
def _rmsnorm_rows_inplace(dtype, x, g, y, rows, cols):
    xb = std.ub_alloc(dtype, TILE)
    gb = std.ub_alloc(dtype, TILE)
    std.load(gb, g, 0, cols)
    r = std.get_block_idx()
    while r < rows:
        std.load(xb, x, r * cols, cols)
        ops.rmsnorm(xb, xb, gb, cols, 1e-6)
        std.store(y, r * cols, xb, cols)
        r += std.get_block_num()


@std.inline
def _reduce_rows(op, dtype, x, out, rows, cols):
    """out[r] = op(x[r]) for each row of `cols` elements."""
    xb = std.ub_alloc(dtype, TILE)
    r = std.get_block_idx()
    while r < rows:
        std.load(xb, x, r * cols, cols)
        out[r] = op(xb, cols)
        r += std.get_block_num()


@std.inline
def _reduce2_rows(op, dtype, a, b, out, rows, cols):
    """out[r] = op(a[r], b[r]) for each pair of rows of `cols` elements."""
    ab = std.ub_alloc(dtype, TILE)
    bb = std.ub_alloc(dtype, TILE)
    r = std.get_block_idx()
    while r < rows:
        std.load(ab, a, r * cols, cols)
        std.load(bb, b, r * cols, cols)
        out[r] = op(ab, bb, cols)
        r += std.get_block_num()


@std.inline
def _sgd(dtype, param, grad, n, lr):
    """param -= lr * grad over n elements, in place in global memory."""
    pb = std.ub_alloc(dtype, TILE)
    gb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        std.load(pb, param, off, cnt)
        std.load(gb, grad, off, cnt)
        ops.sgd_update(pb, gb, cnt, lr)
        std.store(param, off, pb, cnt)
        off += TILE


# ------------------------------------------------------------------ factories
def _register(fn, name: str) -> None:
    fn.__name__ = fn.__qualname__ = name
    globals()[name] = std.aiv_kernel(fn)


def _elementwise_kernel(name, op, T):
    body = _map_inplace if T is f16 else _map

    def kernel(x: Ptr[T], y: Ptr[T], n: u32):
        body(op, T, x, y, n)

    _register(kernel, f"{name}_{T.name}")


def _rowwise_kernel(name, op, T):
    body = _rows_inplace if T is f16 else _rows

    def kernel(x: Ptr[T], y: Ptr[T], rows: u32, cols: u32):
        body(op, T, x, y, rows, cols)

    _register(kernel, f"{name}_{T.name}")


def _layernorm_kernel(T):
    body = _layernorm_rows_inplace if T is f16 else _layernorm_rows

    def kernel(x: Ptr[T], g: Ptr[T], b: Ptr[T], y: Ptr[T], rows: u32, cols: u32):
        body(T, x, g, b, y, rows, cols)

    _register(kernel, f"layernorm_{T.name}")


def _rmsnorm_kernel(T):
    body = _rmsnorm_rows_inplace if T is f16 else _rmsnorm_rows

    def kernel(x: Ptr[T], g: Ptr[T], y: Ptr[T], rows: u32, cols: u32):
        body(T, x, g, y, rows, cols)

    _register(kernel, f"rmsnorm_{T.name}")


def _reduce_kernel(name, op, T):
    def kernel(x: Ptr[T], out: Ptr[T], rows: u32, cols: u32):
        _reduce_rows(op, T, x, out, rows, cols)

    _register(kernel, f"{name}_{T.name}")


def _reduce2_kernel(name, op, T):
    def kernel(a: Ptr[T], b: Ptr[T], out: Ptr[T], rows: u32, cols: u32):
        _reduce2_rows(op, T, a, b, out, rows, cols)

    _register(kernel, f"{name}_{T.name}")


def _sgd_kernel(T):
    def kernel(param: Ptr[T], grad: Ptr[T], n: u32, lr: T):
        _sgd(T, param, grad, n, lr)

    _register(kernel, f"sgd_update_{T.name}")


for _T in DTYPES:
    for _name, _op in ELEMENTWISE.items():
        _elementwise_kernel(_name, _op, _T)
    for _name, _op in ROWWISE.items():
        _rowwise_kernel(_name, _op, _T)
    _layernorm_kernel(_T)
    _rmsnorm_kernel(_T)
    for _name, _op in REDUCE.items():
        _reduce_kernel(_name, _op, _T)
    for _name, _op in REDUCE2.items():
        _reduce2_kernel(_name, _op, _T)
    _sgd_kernel(_T)
