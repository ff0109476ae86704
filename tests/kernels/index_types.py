"""Kernels for tests/test_index_types.py: int64 and bool buffers, the int64 / int16 casts, masks as bool bytes,
argmax / argmin (compiled for 910B; index_types_310p.py holds the 310P subset)."""

from ascendpy import std
from ascendpy.std import Ptr, boolean, f16, f32, i16, i32, i64, u32
from tests.kernels.vector_ops import cast_none, int_modes, tiled_unary

TILE = 1024


@std.inline
def tiled_copy(dtype, x, y, n):
    """y = x through UB (DataCopy / DataCopyPad of the type; the scalar tail on 310P)."""
    xb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.store(y, off, xb, cnt)
        off += TILE


@std.aiv_kernel
def copy_i64(x: Ptr[i64], y: Ptr[i64], n: u32):
    tiled_copy(i64, x, y, n)


@std.aiv_kernel
def copy_bool(x: Ptr[boolean], y: Ptr[boolean], n: u32):
    tiled_copy(boolean, x, y, n)


@std.aiv_kernel
def scalar_i64_bool(x: Ptr[i64], f: Ptr[boolean], y: Ptr[i64], g: Ptr[boolean], n: u32):
    """y[i] = x[i] * 3 - 2**40 (wrapping), g[i] = not f[i] or x[i] < 0, element by element on the scalar unit."""
    for i in range(n):
        y[i] = x[i] * 3 - 1099511627776
        g[i] = not f[i] or x[i] < 0


# ------------------------------------------------------------------ the casts that are new (910B)
@std.aiv_kernel
def cast_i32_i64(x: Ptr[i32], y: Ptr[i64], n: u32):
    tiled_unary(cast_none, i32, i64, x, y, n, 0)


@std.aiv_kernel
def cast_i64_i32(x: Ptr[i64], y: Ptr[i32], n: u32):
    tiled_unary(cast_none, i64, i32, x, y, n, 0)


@std.aiv_kernel
def cast_f32_i64(x: Ptr[f32], y: Ptr[i64], n: u32, mode: u32):
    tiled_unary(int_modes, f32, i64, x, y, n, mode)


@std.aiv_kernel
def cast_i64_f32(x: Ptr[i64], y: Ptr[f32], n: u32, mode: u32):
    tiled_unary(int_modes, i64, f32, x, y, n, mode)


@std.aiv_kernel
def cast_i32_i16(x: Ptr[i32], y: Ptr[i16], n: u32):
    tiled_unary(cast_none, i32, i16, x, y, n, 0)


@std.aiv_kernel
def cast_f32_i16(x: Ptr[f32], y: Ptr[i16], n: u32, mode: u32):
    tiled_unary(int_modes, f32, i16, x, y, n, mode)


@std.aiv_kernel
def cast_i16_f32(x: Ptr[i16], y: Ptr[f32], n: u32):
    tiled_unary(cast_none, i16, f32, x, y, n, 0)


@std.inline
def none_or_int_modes(yb, xb, cnt, mode):
    if mode == 0:
        std.cast(yb, xb, std.RoundMode.CAST_NONE, cnt)
    else:
        int_modes(yb, xb, cnt, mode)


@std.aiv_kernel
def cast_i32_f32_modes(x: Ptr[i32], y: Ptr[f32], n: u32, mode: u32):
    tiled_unary(none_or_int_modes, i32, f32, x, y, n, mode)


# ------------------------------------------------------------------ masks <-> bool bytes
@std.inline
def mask_round_trip(dtype, a, s, out, back, n):
    """out = (a > s) as bool bytes (CompareScalar, std.ops.mask_to_bool); back = where(out, a, 0) through
    std.ops.bool_to_mask and Select: both directions of the conversion."""
    ab = std.ub_alloc(dtype, TILE)
    mb = std.ub_alloc(std.u8, TILE // 8)
    bb = std.ub_alloc(boolean, TILE)
    mb2 = std.ub_alloc(std.u8, TILE // 8)
    zb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(ab, a, off, cnt)
        std.compares(mb, ab, s, std.CMPMODE.GT, cnt)
        std.ops.mask_to_bool(bb, mb, cnt)
        std.store(out, off, bb, cnt)
        std.ops.bool_to_mask(mb2, bb, cnt)
        std.select(zb, mb2, ab, 0.0, cnt)
        std.store(back, off, zb, cnt)
        off += TILE


@std.aiv_kernel
def mask_bool_f32(a: Ptr[f32], s: f32, out: Ptr[boolean], back: Ptr[f32], n: u32):
    mask_round_trip(f32, a, s, out, back, n)


@std.aiv_kernel
def mask_bool_f16(a: Ptr[f16], s: f16, out: Ptr[boolean], back: Ptr[f16], n: u32):
    mask_round_trip(f16, a, s, out, back, n)


# ------------------------------------------------------------------ argmax / argmin, one row per loop step
@std.inline
def arg_rows(dtype, x, out, rows, cols):
    """out[2r] = argmax(x[r]), out[2r + 1] = argmin(x[r]) for rows of `cols` <= 4096 elements, blocks splitting
    the rows (one ReduceMax and one ReduceMin with calIndex per row)."""
    xb = std.ub_alloc(dtype, 4096)
    nb = std.get_block_num()
    per = (std.i64(rows) + nb - 1) // nb
    start = std.get_block_idx() * per
    for r in range(start, min(start + per, std.i64(rows))):
        std.load(xb, x, r * cols, cols)
        out[2 * r] = std.argmax(xb, cols)
        out[2 * r + 1] = std.argmin(xb, cols)


@std.aiv_kernel
def arg_rows_f32(x: Ptr[f32], out: Ptr[u32], rows: u32, cols: u32):
    arg_rows(f32, x, out, rows, cols)


@std.aiv_kernel
def arg_rows_f16(x: Ptr[f16], out: Ptr[u32], rows: u32, cols: u32):
    arg_rows(f16, x, out, rows, cols)


@std.aiv_kernel
def argmax_view(x: Ptr[f32], out: Ptr[u32], start: u32):
    """argmax of a run-time view xb[start:]: the simulator checks its 32-byte start at this line."""
    xb = std.ub_alloc(f32, 256)
    std.load(xb, x, 0, 256)
    out[0] = std.argmax(xb[start:256], 64)  # VIEW
