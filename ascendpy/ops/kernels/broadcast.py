"""Broadcasting elementwise operators: out = op(x, y[, w]) over a broadcast shape, all broadcasting on the device.

The host collapses the broadcast shape to [rows, L] with at most four outer dims: per operand, an element offset
stride for each outer dim (0 where the operand is broadcast) and `in` = 1 if it runs along the inner dim L, 0 if
it is constant along it (its one element is then broadcast in UB by Duplicate). A unit is `chunk` elements of
one row, dealt round-robin to the blocks. Everything is computed in f32 (common.py); bf16 kernels are in
broadcast_bf16.py.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, u32

TILE = 2048
WHOLE = 128  # Compare/Select count granule: 256 bytes of f16 (and a multiple of f32's 64)
CAST = std.RoundMode.CAST_NONE


@std.inline
def offset(r, d1, d2, d3, s0, s1, s2, s3):
    """Element offset of outer row r (dims [d0, d1, d2, d3], d0 implied) with strides s0..s3."""
    i3 = r % std.i64(d3)
    q = r // std.i64(d3)
    i2 = q % std.i64(d2)
    q = q // std.i64(d2)
    i1 = q % std.i64(d1)
    i0 = q // std.i64(d1)
    return i0 * std.i64(s0) + i1 * std.i64(s1) + i2 * std.i64(s2) + i3 * std.i64(s3)


@std.inline
def operand(buf, st, ptr, base, off, cnt, inner, lowp):
    """buf[:cnt] = ptr[base + off:][:cnt] as f32 if the operand runs along the row, else its one element."""
    if inner == 1:
        load_f32(buf, st, ptr, base + off, cnt, lowp)
    else:
        load_f32(buf, st, ptr, base, 1, lowp)
        v = buf[0]
        std.duplicate(buf, v, cnt)


@std.inline
def _add(dst, a, b, n, alpha):
    std.muls(b, b, alpha, n)
    std.add(dst, a, b, n)


@std.inline
def _add1(dst, a, b, n, alpha):
    std.add(dst, a, b, n)


@std.inline
def _sub(dst, a, b, n, alpha):
    std.muls(b, b, alpha, n)
    std.sub(dst, a, b, n)


@std.inline
def _sub1(dst, a, b, n, alpha):
    std.sub(dst, a, b, n)


@std.inline
def _mul(dst, a, b, n, alpha):
    std.mul(dst, a, b, n)


@std.inline
def _div(dst, a, b, n, alpha):
    std.div(dst, a, b, n)


@std.inline
def _maximum(dst, a, b, n, alpha):
    std.max(dst, a, b, n)


@std.inline
def _minimum(dst, a, b, n, alpha):
    std.min(dst, a, b, n)


@std.inline
def _pow(dst, a, b, n, alpha):
    """a ** b = exp(b ln a) for a >= 0 (a = 0 gives 0 for b > 0, inf for b < 0)."""
    std.ln(dst, a, n)
    std.mul(dst, dst, b, n)
    std.exp(dst, dst, n)


@std.inline
def binary(op, dtype, lowp, mode, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1,
           ys2, ys3, yin, alpha):
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    xf = std.ub_alloc(f32, TILE)
    yf = std.ub_alloc(f32, TILE)
    zf = std.ub_alloc(f32, TILE)
    n = std.i64(length)
    per = std.i64(chunk)
    chunks = (n + per - 1) // per
    u = std.i64(std.get_block_idx())
    while u < std.i64(rows) * chunks:
        r = u // chunks
        xo = offset(r, d1, d2, d3, xs0, xs1, xs2, xs3)
        yo = offset(r, d1, d2, d3, ys0, ys1, ys2, ys3)
        off = u % chunks * per
        end = min(off + per, n)
        while off < end:
            cnt = min(TILE, end - off)
            operand(xf, st, x, xo, off, cnt, xin, lowp)
            operand(yf, st, y, yo, off, cnt, yin, lowp)
            op(zf, xf, yf, cnt, alpha)
            store_f32(z, r * n + off, zf, st, cnt, lowp, mode)
            off += TILE
        u += std.get_block_num()


@std.inline
def clamp(dtype, lowp, mode, x, lo, hi, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ls0, ls1,
          ls2, ls3, lin, hs0, hs1, hs2, hs3, hin):
    """z = min(max(x, lo), hi) (torch.clamp with tensor bounds; NaN in x stays NaN)."""
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    xf = std.ub_alloc(f32, TILE)
    lf = std.ub_alloc(f32, TILE)
    hf = std.ub_alloc(f32, TILE)
    n = std.i64(length)
    per = std.i64(chunk)
    chunks = (n + per - 1) // per
    u = std.i64(std.get_block_idx())
    while u < std.i64(rows) * chunks:
        r = u // chunks
        xo = offset(r, d1, d2, d3, xs0, xs1, xs2, xs3)
        lo_o = offset(r, d1, d2, d3, ls0, ls1, ls2, ls3)
        hi_o = offset(r, d1, d2, d3, hs0, hs1, hs2, hs3)
        off = u % chunks * per
        end = min(off + per, n)
        while off < end:
            cnt = min(TILE, end - off)
            operand(xf, st, x, xo, off, cnt, xin, lowp)
            operand(lf, st, lo, lo_o, off, cnt, lin, lowp)
            operand(hf, st, hi, hi_o, off, cnt, hin, lowp)
            std.max(xf, xf, lf, cnt)
            std.min(xf, xf, hf, cnt)
            store_f32(z, r * n + off, xf, st, cnt, lowp, mode)
            off += TILE
        u += std.get_block_num()


@std.inline
def cond_operand(m, cb, cf, c, base, off, cnt, inner):
    """m = the compare mask of bool c's run (or of its one element, broadcast), over whole WHOLE-granules."""
    whole = (cnt + WHOLE - 1) // WHOLE * WHOLE
    if inner == 1:
        std.load(cb, c, base + off, cnt)
        std.cast(cf, cb, std.RoundMode.CAST_NONE, cnt)
    else:
        std.load(cb, c, base, 1)
        std.cast(cf, cb, std.RoundMode.CAST_NONE, 1)
        v = cf[0]
        std.duplicate(cf, v, cnt)
    std.compares(m, cf, 0.0, std.CMPMODE.NE, whole)


@std.inline
def where(dtype, lowp, mode, c, x, y, z, rows, length, chunk, d1, d2, d3, cs0, cs1, cs2, cs3, cin, xs0, xs1, xs2,
          xs3, xin, ys0, ys1, ys2, ys3, yin):
    """z = x where c else y (torch.where; c a bool tensor)."""
    st = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    cb = std.ub_alloc(std.boolean, TILE)
    cf = std.ub_alloc(f16, TILE)
    m = std.ub_alloc(std.u8, TILE // 8)
    xf = std.ub_alloc(f32, TILE)
    yf = std.ub_alloc(f32, TILE)
    zf = std.ub_alloc(f32, TILE)
    n = std.i64(length)
    per = std.i64(chunk)
    chunks = (n + per - 1) // per
    u = std.i64(std.get_block_idx())
    while u < std.i64(rows) * chunks:
        r = u // chunks
        co = offset(r, d1, d2, d3, cs0, cs1, cs2, cs3)
        xo = offset(r, d1, d2, d3, xs0, xs1, xs2, xs3)
        yo = offset(r, d1, d2, d3, ys0, ys1, ys2, ys3)
        off = u % chunks * per
        end = min(off + per, n)
        while off < end:
            cnt = min(TILE, end - off)
            cond_operand(m, cb, cf, c, co, off, cnt, cin)
            operand(xf, st, x, xo, off, cnt, xin, lowp)
            operand(yf, st, y, yo, off, cnt, yin, lowp)
            std.select(zf, m, xf, yf, (cnt + WHOLE - 1) // WHOLE * WHOLE)
            store_f32(z, r * n + off, zf, st, cnt, lowp, mode)
            off += TILE
        u += std.get_block_num()


@std.inline
def bool_operand(f, b, ptr, base, off, cnt, inner):
    """f[:cnt] = the bool run (or its one element, broadcast) as 0.0 / 1.0 halves."""
    if inner == 1:
        std.load(b, ptr, base + off, cnt)
        std.cast(f, b, std.RoundMode.CAST_NONE, cnt)
    else:
        std.load(b, ptr, base, 1)
        std.cast(f, b, std.RoundMode.CAST_NONE, 1)
        v = f[0]
        std.duplicate(f, v, cnt)


@std.aiv_kernel
def logical_and_bool(x: Ptr[std.boolean], y: Ptr[std.boolean], z: Ptr[std.boolean], rows: u32, length: u32,
                     chunk: u32, d1: u32, d2: u32, d3: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32,
                     ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32):
    """z = x & y on bool tensors: 0/1 halves multiplied, cast back to bytes."""
    xb = std.ub_alloc(std.boolean, TILE)
    yb = std.ub_alloc(std.boolean, TILE)
    xf = std.ub_alloc(f16, TILE)
    yf = std.ub_alloc(f16, TILE)
    zb = std.ub_alloc(std.boolean, TILE)
    n = std.i64(length)
    per = std.i64(chunk)
    chunks = (n + per - 1) // per
    u = std.i64(std.get_block_idx())
    while u < std.i64(rows) * chunks:
        r = u // chunks
        xo = offset(r, d1, d2, d3, xs0, xs1, xs2, xs3)
        yo = offset(r, d1, d2, d3, ys0, ys1, ys2, ys3)
        off = u % chunks * per
        end = min(off + per, n)
        while off < end:
            cnt = min(TILE, end - off)
            bool_operand(xf, xb, x, xo, off, cnt, xin)
            bool_operand(yf, yb, y, yo, off, cnt, yin)
            std.mul(xf, xf, yf, cnt)
            std.cast(zb, xf, std.RoundMode.CAST_NONE, cnt)
            std.store(z, r * n + off, zb, cnt)
            off += TILE
        u += std.get_block_num()


@std.aiv_kernel
def add_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_add, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def add1_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_add1, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def sub_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_sub, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def sub1_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_sub1, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def mul_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_mul, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def div_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_div, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def maximum_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(_maximum, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def minimum_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(_minimum, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def pow_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_pow, f32, False, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def clamp_f32(x: Ptr[f32], lo: Ptr[f32], hi: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1: u32,
    d2: u32, d3: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ls0: u32, ls1: u32, ls2: u32, ls3: u32,
    lin: u32, hs0: u32, hs1: u32, hs2: u32, hs3: u32, hin: u32):
    clamp(f32, False, CAST, x, lo, hi, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ls0,
          ls1, ls2, ls3, lin, hs0, hs1, hs2, hs3, hin)


@std.aiv_kernel
def where_f32(c: Ptr[std.boolean], x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], rows: u32, length: u32, chunk: u32, d1:
    u32, d2: u32, d3: u32, cs0: u32, cs1: u32, cs2: u32, cs3: u32, cin: u32, xs0: u32, xs1: u32, xs2: u32, xs3:
    u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32):
    where(f32, False, CAST, c, x, y, z, rows, length, chunk, d1, d2, d3, cs0, cs1, cs2, cs3, cin, xs0,
          xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3, yin)


@std.aiv_kernel
def add_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_add, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3,
           yin, alpha)


@std.aiv_kernel
def add1_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_add1, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def sub_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_sub, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3,
           yin, alpha)


@std.aiv_kernel
def sub1_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_sub1, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def mul_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_mul, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3,
           yin, alpha)


@std.aiv_kernel
def div_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_div, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3,
           yin, alpha)


@std.aiv_kernel
def maximum_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(_maximum, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def minimum_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3:
    u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32,
    alpha: f32):
    binary(_minimum, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2,
           ys3, yin, alpha)


@std.aiv_kernel
def pow_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32, d2: u32, d3: u32,
    xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32, alpha:
    f32):
    binary(_pow, f16, True, CAST, x, y, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3,
           yin, alpha)


@std.aiv_kernel
def clamp_f16(x: Ptr[f16], lo: Ptr[f16], hi: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1: u32,
    d2: u32, d3: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xin: u32, ls0: u32, ls1: u32, ls2: u32, ls3: u32,
    lin: u32, hs0: u32, hs1: u32, hs2: u32, hs3: u32, hin: u32):
    clamp(f16, True, CAST, x, lo, hi, z, rows, length, chunk, d1, d2, d3, xs0, xs1, xs2, xs3, xin, ls0,
          ls1, ls2, ls3, lin, hs0, hs1, hs2, hs3, hin)


@std.aiv_kernel
def where_f16(c: Ptr[std.boolean], x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], rows: u32, length: u32, chunk: u32, d1:
    u32, d2: u32, d3: u32, cs0: u32, cs1: u32, cs2: u32, cs3: u32, cin: u32, xs0: u32, xs1: u32, xs2: u32, xs3:
    u32, xin: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, yin: u32):
    where(f16, True, CAST, c, x, y, z, rows, length, chunk, d1, d2, d3, cs0, cs1, cs2, cs3, cin, xs0,
          xs1, xs2, xs3, xin, ys0, ys1, ys2, ys3, yin)
