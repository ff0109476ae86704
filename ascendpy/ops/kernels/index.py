"""Index operators: embedding lookup (row DMA per token, the table stays in GM), argmax/argmin, gathers and
scatters along a dim (below), and strided row copies (cat, narrow).

embedding: out[t, :] = weight[ids[t], :]. A block takes a contiguous share of the tokens, reads IDS of their
ids at a time into UB (scalar reads), and moves each row GM -> UB -> GM in pieces of up to ROW elements;
nothing is computed, so every dtype is one copy (bf16 kernels in index_bf16.py only because 310P cannot name
bfloat16).
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, i32, i64, u32

IDS = 64
ROW = 8192


@std.inline
def lookup(dtype, id_t, ids, weight, out, tokens, d):
    idb = std.ub_alloc(id_t, IDS)
    rb = std.ub_alloc(dtype, ROW)
    nb = std.i64(std.get_block_num())
    per = (std.i64(tokens) + nb - 1) // nb
    start = std.i64(std.get_block_idx()) * per
    end = min(start + per, std.i64(tokens))
    n = std.i64(d)
    t = start
    while t < end:
        cnt = min(IDS, end - t)
        std.load(idb, ids, t, cnt)
        k = std.i64(0)
        while k < cnt:
            row = std.i64(idb[k]) * n
            off = std.i64(0)
            while off < n:
                c = min(ROW, n - off)
                std.load(rb, weight, row + off, c)
                std.store(out, (t + k) * n + off, rb, c)
                off += ROW
            k += 1
        t += IDS


@std.aiv_kernel
def embedding_i64_f32(ids: Ptr[i64], weight: Ptr[f32], out: Ptr[f32], tokens: u32, d: u32):
    lookup(f32, i64, ids, weight, out, tokens, d)


@std.aiv_kernel
def embedding_i64_f16(ids: Ptr[i64], weight: Ptr[f16], out: Ptr[f16], tokens: u32, d: u32):
    lookup(f16, i64, ids, weight, out, tokens, d)


@std.aiv_kernel
def embedding_i32_f32(ids: Ptr[i32], weight: Ptr[f32], out: Ptr[f32], tokens: u32, d: u32):
    lookup(f32, i32, ids, weight, out, tokens, d)


@std.aiv_kernel
def embedding_i32_f16(ids: Ptr[i32], weight: Ptr[f16], out: Ptr[f16], tokens: u32, d: u32):
    lookup(f16, i32, ids, weight, out, tokens, d)


# ---- argmax / argmin, gathers and scatters along a dim (all computed in f32; indices int64)
RED = 4096  # elements per piece of an argmax row
ROWMAX = 8192  # the longest row a gather or scatter stages in UB (its elements are indexed on chip)
PIECE = 1024  # index / source elements per step
WHOLE = 128  # Compare/Select granule (256 bytes of f16, a multiple of f32's 64)
CAST = std.RoundMode.CAST_NONE
ARGMAX, ARGMIN = 0, 1


@std.inline
def arg_rows(kind, dtype, lowp, x, y, nrows, size):
    """y[r] = the index of the first max (min) of row r (rows of `size` contiguous elements)."""
    st = std.ub_alloc(dtype, RED if lowp else ALIGN)
    xf = std.ub_alloc(f32, RED)
    ob = std.ub_alloc(i64, 8)
    n = std.i64(size)
    r = std.i64(std.get_block_idx())
    while r < std.i64(nrows):
        base = r * n
        best = std.f32(0.0)
        bi = std.i64(0)
        off = std.i64(0)
        while off < n:
            cnt = min(RED, n - off)
            load_f32(xf, st, x, base + off, cnt, lowp)
            if kind == ARGMAX:
                i = std.argmax(xf, cnt)
            else:
                i = std.argmin(xf, cnt)
            v = xf[i]
            better = off == 0
            if kind == ARGMAX:
                better = better or v > best
            else:
                better = better or v < best
            if better:
                best = v
                bi = off + std.i64(i)
            off += RED
        ob[0] = bi
        std.store(y, r, ob, 1)
        r += std.get_block_num()


@std.inline
def arg_cols(kind, dtype, lowp, x, y, outer, size, inner):
    """y[o, i] = the first d with the max (min) of x[o, d, i] (inner > 1): compare and select down the dim."""
    st = std.ub_alloc(dtype, PIECE if lowp else ALIGN)
    xf = std.ub_alloc(f32, PIECE)
    bf = std.ub_alloc(f32, PIECE)
    ixf = std.ub_alloc(f32, PIECE)
    df = std.ub_alloc(f32, PIECE)
    m = std.ub_alloc(std.u8, PIECE // 8)
    ob = std.ub_alloc(i64, PIECE)
    ld = std.i64(inner)
    chunks = (ld + PIECE - 1) // PIECE
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * chunks:
        c0 = u % chunks * PIECE
        w = min(PIECE, ld - c0)
        whole = (w + WHOLE - 1) // WHOLE * WHOLE
        o = u // chunks
        base = o * std.i64(size) * ld + c0
        load_f32(bf, st, x, base, w, lowp)
        std.duplicate(ixf, 0.0, whole)
        d = std.i64(1)
        while d < std.i64(size):
            load_f32(xf, st, x, base + d * ld, w, lowp)
            if kind == ARGMAX:
                std.compare(m, xf, bf, std.CMPMODE.GT, whole)
            else:
                std.compare(m, xf, bf, std.CMPMODE.LT, whole)
            std.select(bf, m, xf, bf, whole)
            std.duplicate(df, std.f32(d), whole)
            std.select(ixf, m, df, ixf, whole)
            d += 1
        j = std.i64(0)
        while j < w:
            ob[j] = std.i64(ixf[j])
            j += 1
        std.store(y, o * ld + c0, ob, w)
        u += std.get_block_num()


@std.inline
def offsets(off, ib, idx, at, cnt, elem):
    """off[j] = byte offset idx[at + j] * elem for j < cnt (u32 for Gather; scalar, so i64 works on both SoCs)."""
    std.load(ib, idx, at, cnt)
    j = std.i64(0)
    while j < cnt:
        off[j] = std.u32(ib[j] * elem)
        j += 1


@std.inline
def gather_rows(dtype, x, idx, y, rows, size, k, idx_rs, elem):
    """y[r, j] = x[r, idx[r * idx_rs + j]] for rows of `size` (<= ROWMAX) elements; idx_rs 0 shares one index row
    (index_select), k otherwise (gather / take_along_dim)."""
    row = std.ub_alloc(dtype, ROWMAX)
    ib = std.ub_alloc(i64, PIECE)
    off = std.ub_alloc(std.u32, PIECE)
    ob = std.ub_alloc(dtype, PIECE)
    r = std.i64(std.get_block_idx())
    while r < std.i64(rows):
        std.load(row, x, r * std.i64(size), size)
        j0 = std.i64(0)
        while j0 < std.i64(k):
            cnt = min(PIECE, std.i64(k) - j0)
            offsets(off, ib, idx, r * std.i64(idx_rs) + j0, cnt, elem)
            std.gather(ob, row, off, 0, cnt)
            std.store(y, r * std.i64(k) + j0, ob, cnt)
            j0 += PIECE
        r += std.get_block_num()


@std.inline
def scatter_rows(dtype, lowp, mode, x, idx, src, y, rows, size, k, add):
    """y[r] = x[r] with y[r, idx[r, j]] = src[r, j] (add: +=), j in order, rows of `size` (<= ROWMAX)."""
    st = std.ub_alloc(dtype, ROWMAX if lowp else ALIGN)
    row = std.ub_alloc(f32, ROWMAX)
    ib = std.ub_alloc(i64, PIECE)
    sf = std.ub_alloc(f32, PIECE)
    ss = std.ub_alloc(dtype, PIECE if lowp else ALIGN)
    r = std.i64(std.get_block_idx())
    while r < std.i64(rows):
        load_f32(row, st, x, r * std.i64(size), size, lowp)
        j0 = std.i64(0)
        while j0 < std.i64(k):
            cnt = min(PIECE, std.i64(k) - j0)
            std.load(ib, idx, r * std.i64(k) + j0, cnt)
            load_f32(sf, ss, src, r * std.i64(k) + j0, cnt, lowp)
            j = std.i64(0)
            while j < cnt:
                t = ib[j]
                if add == 1:
                    row[t] = row[t] + sf[j]
                else:
                    row[t] = sf[j]
                j += 1
            j0 += PIECE
        store_f32(y, r * std.i64(size), row, st, size, lowp, mode)
        r += std.get_block_num()


@std.inline
def index_rows(dtype, lowp, mode, y, idx, src, outer, size, inner, k, alpha, add):
    """y[o, idx[j], :] (+)= alpha src[o, j, :] for j in order (index_add / index_copy / index_put on rows), in
    place on y (a copy of the input); a unit owns PIECE columns of one outer index, so duplicates accumulate."""
    st = std.ub_alloc(dtype, PIECE if lowp else ALIGN)
    yf = std.ub_alloc(f32, PIECE)
    sf = std.ub_alloc(f32, PIECE)
    ib = std.ub_alloc(i64, 8)
    ld = std.i64(inner)
    chunks = (ld + PIECE - 1) // PIECE
    u = std.i64(std.get_block_idx())
    while u < std.i64(outer) * chunks:
        c0 = u % chunks * PIECE
        w = min(PIECE, ld - c0)
        o = u // chunks
        j = std.i64(0)
        while j < std.i64(k):
            std.load(ib, idx, j, 1)
            t = ib[0]
            at = (o * std.i64(size) + t) * ld + c0
            load_f32(sf, st, src, (o * std.i64(k) + j) * ld + c0, w, lowp)
            if add == 1:
                load_f32(yf, st, y, at, w, lowp)
                std.muls(sf, sf, alpha, w)
                std.add(sf, yf, sf, w)
            store_f32(y, at, sf, st, w, lowp, mode)
            j += 1
        u += std.get_block_num()


@std.aiv_kernel
def argmax_rows_f32(x: Ptr[f32], y: Ptr[i64], nrows: u32, size: u32):
    arg_rows(ARGMAX, f32, False, x, y, nrows, size)


@std.aiv_kernel
def argmin_rows_f32(x: Ptr[f32], y: Ptr[i64], nrows: u32, size: u32):
    arg_rows(ARGMIN, f32, False, x, y, nrows, size)


@std.aiv_kernel
def argmax_cols_f32(x: Ptr[f32], y: Ptr[i64], outer: u32, size: u32, inner: u32):
    arg_cols(ARGMAX, f32, False, x, y, outer, size, inner)


@std.aiv_kernel
def argmin_cols_f32(x: Ptr[f32], y: Ptr[i64], outer: u32, size: u32, inner: u32):
    arg_cols(ARGMIN, f32, False, x, y, outer, size, inner)


@std.aiv_kernel
def gather_rows_f32(x: Ptr[f32], idx: Ptr[i64], y: Ptr[f32], rows: u32, size: u32, k: u32, idx_rs: u32):
    gather_rows(f32, x, idx, y, rows, size, k, idx_rs, 4)


@std.aiv_kernel
def scatter_rows_f32(x: Ptr[f32], idx: Ptr[i64], src: Ptr[f32], y: Ptr[f32], rows: u32, size: u32, k: u32,
                     add: u32):
    scatter_rows(f32, False, CAST, x, idx, src, y, rows, size, k, add)


@std.aiv_kernel
def index_rows_f32(y: Ptr[f32], idx: Ptr[i64], src: Ptr[f32], outer: u32, size: u32, inner: u32, k: u32,
                   alpha: f32, add: u32):
    index_rows(f32, False, CAST, y, idx, src, outer, size, inner, k, alpha, add)


@std.aiv_kernel
def argmax_rows_f16(x: Ptr[f16], y: Ptr[i64], nrows: u32, size: u32):
    arg_rows(ARGMAX, f16, True, x, y, nrows, size)


@std.aiv_kernel
def argmin_rows_f16(x: Ptr[f16], y: Ptr[i64], nrows: u32, size: u32):
    arg_rows(ARGMIN, f16, True, x, y, nrows, size)


@std.aiv_kernel
def argmax_cols_f16(x: Ptr[f16], y: Ptr[i64], outer: u32, size: u32, inner: u32):
    arg_cols(ARGMAX, f16, True, x, y, outer, size, inner)


@std.aiv_kernel
def argmin_cols_f16(x: Ptr[f16], y: Ptr[i64], outer: u32, size: u32, inner: u32):
    arg_cols(ARGMIN, f16, True, x, y, outer, size, inner)


@std.aiv_kernel
def gather_rows_f16(x: Ptr[f16], idx: Ptr[i64], y: Ptr[f16], rows: u32, size: u32, k: u32, idx_rs: u32):
    gather_rows(f16, x, idx, y, rows, size, k, idx_rs, 2)


@std.aiv_kernel
def scatter_rows_f16(x: Ptr[f16], idx: Ptr[i64], src: Ptr[f16], y: Ptr[f16], rows: u32, size: u32, k: u32,
                     add: u32):
    scatter_rows(f16, True, CAST, x, idx, src, y, rows, size, k, add)


@std.aiv_kernel
def index_rows_f16(y: Ptr[f16], idx: Ptr[i64], src: Ptr[f16], outer: u32, size: u32, inner: u32, k: u32,
                   alpha: f32, add: u32):
    index_rows(f16, True, CAST, y, idx, src, outer, size, inner, k, alpha, add)


# ---- strided row copies: y[yoff + r * ys + j] = x[xoff + r * xs + j] for r < rows, j < n (cat, narrow)
@std.inline
def copy_rows(dtype, x, xoff, xs, y, yoff, ys, rows, n):
    """Row r of n elements from x to y, in pieces of ROW; the blocks take (row, piece) pairs in turn."""
    rb = std.ub_alloc(dtype, ROW)
    ln = std.i64(n)
    pieces = (ln + ROW - 1) // ROW
    u = std.i64(std.get_block_idx())
    while u < std.i64(rows) * pieces:
        r = u // pieces
        c0 = u % pieces * ROW
        cnt = min(std.i64(ROW), ln - c0)
        std.load(rb, x, std.i64(xoff) + r * std.i64(xs) + c0, cnt)
        std.store(y, std.i64(yoff) + r * std.i64(ys) + c0, rb, cnt)
        u += std.get_block_num()


@std.aiv_kernel
def copy_rows_f32(x: Ptr[f32], xoff: u32, xs: u32, y: Ptr[f32], yoff: u32, ys: u32, rows: u32, n: u32):
    copy_rows(f32, x, xoff, xs, y, yoff, ys, rows, n)


@std.aiv_kernel
def copy_rows_f16(x: Ptr[f16], xoff: u32, xs: u32, y: Ptr[f16], yoff: u32, ys: u32, rows: u32, n: u32):
    copy_rows(f16, x, xoff, xs, y, yoff, ys, rows, n)
