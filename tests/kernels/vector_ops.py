"""Vector-op kernels for tests/test_vector_ops.py, compiled once per session for the 910B simulator.

Every op runs inside a tiled loop: each block takes one contiguous range of the
input (its start offset is generally not 32-byte aligned) and walks it in tiles
of TILE elements, the last one shorter. The helpers are @std.inline functions
that take ops, element types and enum members as compile-time arguments.

Most kernels pick their op at run time (`op`, one of the codes below) so that
one kernel covers a whole family; their buffers are used inside `if` branches
and become TBuf buffers ordered by compiler-inserted flags. The `q_*` kernels
apply a single op, so their load -> op -> store loops become TQue pipelines.
"""

from ascendpy import std
from ascendpy.std import Ptr, bf16, f16, f32, i8, i16, i32, u8, u32

TILE = 2048  # elements per tile (8 KiB of f32)
RTILE = 8192  # longest row a reduction kernel takes
CMP_TILE = 1024  # compare / select tiles: a multiple of 256 bytes for every element type

# binary / tensor-scalar op codes
ADD, SUB, MUL, MIN, MAX, DIV = 0, 1, 2, 3, 4, 5
# unary op codes
EXP, LN, ABS, SQRT, RSQRT, RECIPROCAL, RELU = 0, 1, 2, 3, 4, 5, 6
# reduction op codes
RMAX, RMIN, RSUM = 0, 1, 2


# ------------------------------------------------------------------ op dispatch
@std.inline
def arith_binary(zb, xb, yb, cnt, op):
    if op == ADD:
        std.add(zb, xb, yb, cnt)
    elif op == SUB:
        std.sub(zb, xb, yb, cnt)
    elif op == MUL:
        std.mul(zb, xb, yb, cnt)
    elif op == MIN:
        std.min(zb, xb, yb, cnt)
    else:
        std.max(zb, xb, yb, cnt)


@std.inline
def float_binary(zb, xb, yb, cnt, op):
    if op == DIV:
        std.div(zb, xb, yb, cnt)
    else:
        arith_binary(zb, xb, yb, cnt, op)


@std.inline
def scalar_ops(zb, xb, s, cnt, op):
    if op == ADD:
        std.adds(zb, xb, s, cnt)
    elif op == MUL:
        std.muls(zb, xb, s, cnt)
    elif op == MIN:
        std.mins(zb, xb, s, cnt)
    else:
        std.maxs(zb, xb, s, cnt)


@std.inline
def float_unary(yb, xb, cnt, op):
    if op == EXP:
        std.exp(yb, xb, cnt)
    elif op == LN:
        std.ln(yb, xb, cnt)
    elif op == ABS:
        std.abs(yb, xb, cnt)
    elif op == SQRT:
        std.sqrt(yb, xb, cnt)
    elif op == RSQRT:
        std.rsqrt(yb, xb, cnt)
    elif op == RECIPROCAL:
        std.reciprocal(yb, xb, cnt)
    else:
        std.relu(yb, xb, cnt)


@std.inline
def int_modes(yb, xb, cnt, mode):
    """Casts with the rounding modes every float -> int pair has; `mode` is a std.RoundMode value."""
    if mode == 1:
        std.cast(yb, xb, std.RoundMode.CAST_RINT, cnt)
    elif mode == 2:
        std.cast(yb, xb, std.RoundMode.CAST_FLOOR, cnt)
    elif mode == 3:
        std.cast(yb, xb, std.RoundMode.CAST_CEIL, cnt)
    elif mode == 4:
        std.cast(yb, xb, std.RoundMode.CAST_ROUND, cnt)
    else:
        std.cast(yb, xb, std.RoundMode.CAST_TRUNC, cnt)


@std.inline
def narrow_modes(yb, xb, cnt, mode):
    """f32 -> f16 with any rounding mode but CAST_NONE."""
    if mode == 6:
        std.cast(yb, xb, std.RoundMode.CAST_ODD, cnt)
    else:
        int_modes(yb, xb, cnt, mode)


@std.inline
def all_modes(yb, xb, cnt, mode):
    if mode == 0:
        std.cast(yb, xb, std.RoundMode.CAST_NONE, cnt)
    else:
        narrow_modes(yb, xb, cnt, mode)


@std.inline
def cast_none(yb, xb, cnt, mode):
    std.cast(yb, xb, std.RoundMode.CAST_NONE, cnt)


@std.inline
def cast_rint(yb, xb, cnt, mode):
    std.cast(yb, xb, std.RoundMode.CAST_RINT, cnt)


# ------------------------------------------------------------------ tiled loops
@std.inline
def tiled_binary(apply, dtype, x, y, z, n, op):
    xb = std.ub_alloc(dtype, TILE)
    yb = std.ub_alloc(dtype, TILE)
    zb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.load(yb, y, off, cnt)
        apply(zb, xb, yb, cnt, op)
        std.store(z, off, zb, cnt)
        off += TILE


@std.inline
def tiled_scalar(apply, dtype, x, z, s, n, op):
    xb = std.ub_alloc(dtype, TILE)
    zb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        apply(zb, xb, s, cnt, op)
        std.store(z, off, zb, cnt)
        off += TILE


@std.inline
def tiled_unary(apply, src_t, dst_t, x, y, n, op):
    """y = apply(x) for a unary op or a cast (src_t -> dst_t)."""
    xb = std.ub_alloc(src_t, TILE)
    yb = std.ub_alloc(dst_t, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        apply(yb, xb, cnt, op)
        std.store(y, off, yb, cnt)
        off += TILE


@std.inline
def tiled_dup(dtype, y, v, n):
    yb = std.ub_alloc(dtype, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.duplicate(yb, v, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.inline
def compare_one(mode, k, mb, ab, bb, m, n, off, cnt):
    std.compare(mb, ab, bb, mode, cnt)
    std.store(m, k * (std.i64(n) // 8) + off // 8, mb, cnt // 8)


@std.inline
def compares_one(mode, k, mb, ab, s, m, n, off, cnt):
    std.compares(mb, ab, s, mode, cnt)
    std.store(m, k * (std.i64(n) // 8) + off // 8, mb, cnt // 8)


@std.inline
def tiled_compare(dtype, a, b, m, n):
    """m[k*n/8 : (k+1)*n/8] = bit mask of a <mode k> b for k = LT GT EQ LE GE NE; n * sizeof(T) % 256 == 0.
    Tiles go round-robin over the blocks."""
    ab = std.ub_alloc(dtype, CMP_TILE)
    bb = std.ub_alloc(dtype, CMP_TILE)
    mb = std.ub_alloc(u8, CMP_TILE // 8)
    t = std.get_block_idx()
    ntiles = (std.i64(n) + CMP_TILE - 1) // CMP_TILE
    while t < ntiles:
        off = t * CMP_TILE
        cnt = min(CMP_TILE, std.i64(n) - off)
        std.load(ab, a, off, cnt)
        std.load(bb, b, off, cnt)
        compare_one(std.CMPMODE.LT, 0, mb, ab, bb, m, n, off, cnt)
        compare_one(std.CMPMODE.GT, 1, mb, ab, bb, m, n, off, cnt)
        compare_one(std.CMPMODE.EQ, 2, mb, ab, bb, m, n, off, cnt)
        compare_one(std.CMPMODE.LE, 3, mb, ab, bb, m, n, off, cnt)
        compare_one(std.CMPMODE.GE, 4, mb, ab, bb, m, n, off, cnt)
        compare_one(std.CMPMODE.NE, 5, mb, ab, bb, m, n, off, cnt)
        t += std.get_block_num()


@std.inline
def tiled_compares(dtype, a, s, m, n):
    """Like tiled_compare with the scalar s as the second operand."""
    ab = std.ub_alloc(dtype, CMP_TILE)
    mb = std.ub_alloc(u8, CMP_TILE // 8)
    t = std.get_block_idx()
    ntiles = (std.i64(n) + CMP_TILE - 1) // CMP_TILE
    while t < ntiles:
        off = t * CMP_TILE
        cnt = min(CMP_TILE, std.i64(n) - off)
        std.load(ab, a, off, cnt)
        compares_one(std.CMPMODE.LT, 0, mb, ab, s, m, n, off, cnt)
        compares_one(std.CMPMODE.GT, 1, mb, ab, s, m, n, off, cnt)
        compares_one(std.CMPMODE.EQ, 2, mb, ab, s, m, n, off, cnt)
        compares_one(std.CMPMODE.LE, 3, mb, ab, s, m, n, off, cnt)
        compares_one(std.CMPMODE.GE, 4, mb, ab, s, m, n, off, cnt)
        compares_one(std.CMPMODE.NE, 5, mb, ab, s, m, n, off, cnt)
        t += std.get_block_num()


@std.inline
def tiled_select(dtype, mask, a, b, z, n):
    """z = mask ? a : b (b a pointer) over tiles of CMP_TILE; any n (the last mask byte may be partial)."""
    mb = std.ub_alloc(u8, CMP_TILE // 8)
    ab = std.ub_alloc(dtype, CMP_TILE)
    bb = std.ub_alloc(dtype, CMP_TILE)
    zb = std.ub_alloc(dtype, CMP_TILE)
    t = std.get_block_idx()
    ntiles = (std.i64(n) + CMP_TILE - 1) // CMP_TILE
    while t < ntiles:
        off = t * CMP_TILE
        cnt = min(CMP_TILE, std.i64(n) - off)
        std.load(mb, mask, off // 8, (cnt + 7) // 8)
        std.load(ab, a, off, cnt)
        std.load(bb, b, off, cnt)
        std.select(zb, mb, ab, bb, cnt)
        std.store(z, off, zb, cnt)
        t += std.get_block_num()


@std.inline
def tiled_select_scalar(dtype, mask, a, s, z, n):
    mb = std.ub_alloc(u8, CMP_TILE // 8)
    ab = std.ub_alloc(dtype, CMP_TILE)
    zb = std.ub_alloc(dtype, CMP_TILE)
    t = std.get_block_idx()
    ntiles = (std.i64(n) + CMP_TILE - 1) // CMP_TILE
    while t < ntiles:
        off = t * CMP_TILE
        cnt = min(CMP_TILE, std.i64(n) - off)
        std.load(mb, mask, off // 8, (cnt + 7) // 8)
        std.load(ab, a, off, cnt)
        std.select(zb, mb, ab, s, cnt)
        std.store(z, off, zb, cnt)
        t += std.get_block_num()


@std.inline
def row_reduce(dtype, x, out, out_buf, n, op):
    """Block r reduces row r of x (rows of n <= RTILE elements): out[r] by the scalar form, out_buf[r] by the
    into-buffer form."""
    xb = std.ub_alloc(dtype, RTILE)
    rb = std.ub_alloc(dtype, 16)
    row = std.get_block_idx()
    std.load(xb, x, row * std.i64(n), n)
    if op == RMAX:
        out[row] = std.reduce_max(xb, n)
        std.reduce_max(rb, xb, n)
    elif op == RMIN:
        out[row] = std.reduce_min(xb, n)
        std.reduce_min(rb, xb, n)
    else:
        out[row] = std.reduce_sum(xb, n)
        std.reduce_sum(rb, xb, n)
    std.store(out_buf, row, rb, 1)


# ------------------------------------------------------------------ element-wise, op chosen at run time
@std.aiv_kernel
def binary_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], n: u32, op: u32):
    tiled_binary(float_binary, f16, x, y, z, n, op)


@std.aiv_kernel
def binary_f32(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], n: u32, op: u32):
    tiled_binary(float_binary, f32, x, y, z, n, op)


@std.aiv_kernel
def binary_i16(x: Ptr[i16], y: Ptr[i16], z: Ptr[i16], n: u32, op: u32):
    tiled_binary(arith_binary, i16, x, y, z, n, op)


@std.aiv_kernel
def binary_i32(x: Ptr[i32], y: Ptr[i32], z: Ptr[i32], n: u32, op: u32):
    tiled_binary(arith_binary, i32, x, y, z, n, op)


@std.aiv_kernel
def scalar_f16(x: Ptr[f16], z: Ptr[f16], s: f16, n: u32, op: u32):
    tiled_scalar(scalar_ops, f16, x, z, s, n, op)


@std.aiv_kernel
def scalar_f32(x: Ptr[f32], z: Ptr[f32], s: f32, n: u32, op: u32):
    tiled_scalar(scalar_ops, f32, x, z, s, n, op)


@std.aiv_kernel
def scalar_i16(x: Ptr[i16], z: Ptr[i16], s: i16, n: u32, op: u32):
    tiled_scalar(scalar_ops, i16, x, z, s, n, op)


@std.aiv_kernel
def scalar_i32(x: Ptr[i32], z: Ptr[i32], s: i32, n: u32, op: u32):
    tiled_scalar(scalar_ops, i32, x, z, s, n, op)


@std.aiv_kernel
def unary_f16(x: Ptr[f16], y: Ptr[f16], n: u32, op: u32):
    tiled_unary(float_unary, f16, f16, x, y, n, op)


@std.aiv_kernel
def unary_f32(x: Ptr[f32], y: Ptr[f32], n: u32, op: u32):
    tiled_unary(float_unary, f32, f32, x, y, n, op)


# ------------------------------------------------------------------ single op: TQue pipelines
@std.inline
def only_add(zb, xb, yb, cnt, op):
    std.add(zb, xb, yb, cnt)


@std.inline
def only_muls(zb, xb, s, cnt, op):
    std.muls(zb, xb, s, cnt)


@std.inline
def only_exp(yb, xb, cnt, op):
    std.exp(yb, xb, cnt)


@std.inline
def only_relu(yb, xb, cnt, op):
    std.relu(yb, xb, cnt)


@std.aiv_kernel
def q_add_f16(x: Ptr[f16], y: Ptr[f16], z: Ptr[f16], n: u32):
    tiled_binary(only_add, f16, x, y, z, n, 0)


@std.aiv_kernel
def q_add_i32(x: Ptr[i32], y: Ptr[i32], z: Ptr[i32], n: u32):
    tiled_binary(only_add, i32, x, y, z, n, 0)


@std.aiv_kernel
def q_muls_f32(x: Ptr[f32], z: Ptr[f32], s: f32, n: u32):
    tiled_scalar(only_muls, f32, x, z, s, n, 0)


@std.aiv_kernel
def q_exp_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    tiled_unary(only_exp, f32, f32, x, y, n, 0)


@std.aiv_kernel
def q_relu_i32(x: Ptr[i32], y: Ptr[i32], n: u32):
    tiled_unary(only_relu, i32, i32, x, y, n, 0)


@std.aiv_kernel
def q_ops_relu_f16(x: Ptr[f16], y: Ptr[f16], n: u32):
    """std.ops.relu, a composite from the standard library, passed as a compile-time argument."""
    xb = std.ub_alloc(f16, TILE)
    yb = std.ub_alloc(f16, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.ops.relu(yb, xb, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.aiv_kernel
def q_cast_f32_f16(x: Ptr[f32], y: Ptr[f16], n: u32):
    tiled_unary(cast_rint, f32, f16, x, y, n, 0)


# ------------------------------------------------------------------ duplicate
@std.aiv_kernel
def duplicate_f16(y: Ptr[f16], v: f16, n: u32):
    tiled_dup(f16, y, v, n)


@std.aiv_kernel
def duplicate_f32(y: Ptr[f32], v: f32, n: u32):
    tiled_dup(f32, y, v, n)


@std.aiv_kernel
def duplicate_i16(y: Ptr[i16], v: i16, n: u32):
    tiled_dup(i16, y, v, n)


@std.aiv_kernel
def duplicate_u32(y: Ptr[u32], v: u32, n: u32):
    tiled_dup(u32, y, v, n)


# ------------------------------------------------------------------ cast (910B pairs), mode = RoundMode value
@std.aiv_kernel
def cast_f32_i32(x: Ptr[f32], y: Ptr[i32], n: u32, mode: u32):
    tiled_unary(int_modes, f32, i32, x, y, n, mode)


@std.aiv_kernel
def cast_f16_i32(x: Ptr[f16], y: Ptr[i32], n: u32, mode: u32):
    tiled_unary(int_modes, f16, i32, x, y, n, mode)


@std.aiv_kernel
def cast_f32_f32(x: Ptr[f32], y: Ptr[f32], n: u32, mode: u32):
    tiled_unary(int_modes, f32, f32, x, y, n, mode)


@std.aiv_kernel
def cast_f32_f16(x: Ptr[f32], y: Ptr[f16], n: u32, mode: u32):
    tiled_unary(all_modes, f32, f16, x, y, n, mode)


@std.aiv_kernel
def cast_f32_bf16(x: Ptr[f32], y: Ptr[bf16], n: u32, mode: u32):
    tiled_unary(int_modes, f32, bf16, x, y, n, mode)  # CANN 8.1: no CAST_ODD (nor CAST_NONE) for f32 -> bf16


@std.aiv_kernel
def cast_f16_f32(x: Ptr[f16], y: Ptr[f32], n: u32):
    tiled_unary(cast_none, f16, f32, x, y, n, 0)


@std.aiv_kernel
def cast_bf16_f32(x: Ptr[bf16], y: Ptr[f32], n: u32):
    tiled_unary(cast_none, bf16, f32, x, y, n, 0)


@std.aiv_kernel
def cast_i32_f32(x: Ptr[i32], y: Ptr[f32], n: u32):
    tiled_unary(cast_none, i32, f32, x, y, n, 0)


@std.aiv_kernel
def cast_i16_f16(x: Ptr[i16], y: Ptr[f16], n: u32):
    tiled_unary(cast_none, i16, f16, x, y, n, 0)


@std.aiv_kernel
def cast_u8_f16(x: Ptr[u8], y: Ptr[f16], n: u32):
    tiled_unary(cast_none, u8, f16, x, y, n, 0)


@std.aiv_kernel
def cast_i8_f16(x: Ptr[i8], y: Ptr[f16], n: u32):
    tiled_unary(cast_none, i8, f16, x, y, n, 0)


@std.aiv_kernel
def cast_f16_i16(x: Ptr[f16], y: Ptr[i16], n: u32):
    tiled_unary(cast_rint, f16, i16, x, y, n, 0)


@std.aiv_kernel
def copy_bf16(x: Ptr[bf16], y: Ptr[bf16], n: u32):
    """bf16 only moves: GM -> UB -> GM."""
    xb = std.ub_alloc(bf16, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.store(y, off, xb, cnt)
        off += TILE


# ------------------------------------------------------------------ compare / select
@std.aiv_kernel
def compare_f16(a: Ptr[f16], b: Ptr[f16], m: Ptr[u8], n: u32):
    tiled_compare(f16, a, b, m, n)


@std.aiv_kernel
def compare_f32(a: Ptr[f32], b: Ptr[f32], m: Ptr[u8], n: u32):
    tiled_compare(f32, a, b, m, n)


@std.aiv_kernel
def compare_i32(a: Ptr[i32], b: Ptr[i32], m: Ptr[u8], n: u32):
    tiled_compare(i32, a, b, m, n)


@std.aiv_kernel
def compares_f16(a: Ptr[f16], s: f16, m: Ptr[u8], n: u32):
    tiled_compares(f16, a, s, m, n)


@std.aiv_kernel
def compares_f32(a: Ptr[f32], s: f32, m: Ptr[u8], n: u32):
    tiled_compares(f32, a, s, m, n)


@std.aiv_kernel
def compares_i32(a: Ptr[i32], s: i32, m: Ptr[u8], n: u32):
    tiled_compares(i32, a, s, m, n)


@std.aiv_kernel
def select_f16(mask: Ptr[u8], a: Ptr[f16], b: Ptr[f16], z: Ptr[f16], n: u32):
    tiled_select(f16, mask, a, b, z, n)


@std.aiv_kernel
def select_f32(mask: Ptr[u8], a: Ptr[f32], b: Ptr[f32], z: Ptr[f32], n: u32):
    tiled_select(f32, mask, a, b, z, n)


@std.aiv_kernel
def select_scalar_f16(mask: Ptr[u8], a: Ptr[f16], s: f16, z: Ptr[f16], n: u32):
    tiled_select_scalar(f16, mask, a, s, z, n)


@std.aiv_kernel
def select_scalar_f32(mask: Ptr[u8], a: Ptr[f32], s: f32, z: Ptr[f32], n: u32):
    tiled_select_scalar(f32, mask, a, s, z, n)


@std.aiv_kernel
def relu_by_select_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    """y = x > 0 ? x : 0, with the mask made on chip by compares; n * 4 % 256 == 0."""
    xb = std.ub_alloc(f32, CMP_TILE)
    yb = std.ub_alloc(f32, CMP_TILE)
    mb = std.ub_alloc(u8, CMP_TILE // 8)
    t = std.get_block_idx()
    ntiles = (std.i64(n) + CMP_TILE - 1) // CMP_TILE
    while t < ntiles:
        off = t * CMP_TILE
        cnt = min(CMP_TILE, std.i64(n) - off)
        std.load(xb, x, off, cnt)
        std.compares(mb, xb, 0.0, std.CMPMODE.GT, cnt)
        std.select(yb, mb, xb, 0.0, cnt)
        std.store(y, off, yb, cnt)
        t += std.get_block_num()


# ------------------------------------------------------------------ reductions
@std.aiv_kernel
def reduce_f16(x: Ptr[f16], out: Ptr[f16], out_buf: Ptr[f16], n: u32, op: u32):
    row_reduce(f16, x, out, out_buf, n, op)


@std.aiv_kernel
def reduce_f32(x: Ptr[f32], out: Ptr[f32], out_buf: Ptr[f32], n: u32, op: u32):
    row_reduce(f32, x, out, out_buf, n, op)


@std.aiv_kernel
def sum_tiles_f32(x: Ptr[f32], out: Ptr[f32], n: u32):
    """out[b] = sum of block b's contiguous range of x, one reduce_sum per tile accumulated on the scalar unit."""
    xb = std.ub_alloc(f32, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    acc: f32 = 0.0
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        acc += std.reduce_sum(xb, cnt)
        off += TILE
    out[std.get_block_idx()] = acc


@std.aiv_kernel
def softmax_rows_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    """Row r of y = softmax(row r of x), block r per row, n <= RTILE."""
    xb = std.ub_alloc(f32, RTILE)
    yb = std.ub_alloc(f32, RTILE)
    row = std.get_block_idx()
    std.load(xb, x, row * std.i64(n), n)
    std.ops.softmax(yb, xb, n)
    std.store(y, row * std.i64(n), yb, n)


# ------------------------------------------------------------------ in place, scalar access (TBuf, inserted flags)
@std.aiv_kernel
def axpy_inplace_f32(x: Ptr[f32], y: Ptr[f32], a: f32, n: u32):
    """y = a * x + y, both ops writing one of their inputs."""
    xb = std.ub_alloc(f32, TILE)
    yb = std.ub_alloc(f32, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.load(yb, y, off, cnt)
        std.muls(xb, xb, a, cnt)
        std.add(yb, yb, xb, cnt)
        std.store(y, off, yb, cnt)
        off += TILE


@std.aiv_kernel
def scalar_fixup_f16(x: Ptr[f16], y: Ptr[f16], n: u32):
    """y = 2 * abs(x), except that the scalar unit adds len(buf) to element 0 of each tile between the two vector
    ops (V -> S -> V ordering)."""
    xb = std.ub_alloc(f16, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    off = std.get_block_idx() * per
    end = min(off + per, std.i64(n))
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        std.abs(xb, xb, cnt)
        xb[0] = xb[0] + std.f16(len(xb))
        std.muls(xb, xb, 2.0, cnt)
        std.store(y, off, xb, cnt)
        off += TILE
