"""Kernels for tests/test_gather_broadcast.py: std.gather, std.gather_mask, std.brcb, std.broadcast."""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, i16, i32, u16, u32

SRC = 512  # elements of the gathered-from buffer
OUT = 1024  # elements gathered at most (more than one 256-byte repeat for every type)


@std.inline
def gather_rows(dtype, x, off, y, n, m):
    """y[i] = x[off[i] / sizeof(T)] for i < m: src n elements, m byte offsets, one Gather."""
    xb = std.ub_alloc(dtype, SRC)
    ob = std.ub_alloc(u32, OUT)
    yb = std.ub_alloc(dtype, OUT)
    std.load(xb, x, 0, n)
    std.load(ob, off, 0, m)
    std.gather(yb, xb, ob, 0, m)
    std.store(y, 0, yb, m)


@std.aiv_kernel
def gather_f32(x: Ptr[f32], off: Ptr[u32], y: Ptr[f32], n: u32, m: u32):
    gather_rows(f32, x, off, y, n, m)


@std.aiv_kernel
def gather_f16(x: Ptr[f16], off: Ptr[u32], y: Ptr[f16], n: u32, m: u32):
    gather_rows(f16, x, off, y, n, m)


@std.aiv_kernel
def gather_i32(x: Ptr[i32], off: Ptr[u32], y: Ptr[i32], n: u32, m: u32):
    gather_rows(i32, x, off, y, n, m)


@std.aiv_kernel
def gather_i16(x: Ptr[i16], off: Ptr[u32], y: Ptr[i16], n: u32, m: u32):
    gather_rows(i16, x, off, y, n, m)


@std.aiv_kernel
def gather_base(x: Ptr[f32], off: Ptr[u32], y: Ptr[f32], n: u32, m: u32, base: u32):
    """A run-time base address (bytes into src) added to every offset."""
    xb = std.ub_alloc(f32, SRC)
    ob = std.ub_alloc(u32, OUT)
    yb = std.ub_alloc(f32, OUT)
    std.load(xb, x, 0, n)
    std.load(ob, off, 0, m)
    std.gather(yb, xb, ob, base, m)  # GATHER LINE
    std.store(y, 0, yb, m)


@std.inline
def keep(dtype, pattern, x, y, kept, n):
    """y[:k] = the elements of x[:n] that `pattern` keeps; kept[0] = k (GatherMask's rsvdCnt)."""
    xb = std.ub_alloc(dtype, OUT)
    yb = std.ub_alloc(dtype, OUT)
    std.load(xb, x, 0, n)
    k = std.gather_mask(yb, xb, pattern, n)
    kept[0] = std.u32(k)
    std.store(y, 0, yb, k)


@std.aiv_kernel
def keep_even_f32(x: Ptr[f32], y: Ptr[f32], kept: Ptr[u32], n: u32):
    keep(f32, std.GatherPattern.EVEN, x, y, kept, n)


@std.aiv_kernel
def keep_odd_f16(x: Ptr[f16], y: Ptr[f16], kept: Ptr[u32], n: u32):
    keep(f16, std.GatherPattern.ODD, x, y, kept, n)


@std.aiv_kernel
def keep_third_of_4_f32(x: Ptr[f32], y: Ptr[f32], kept: Ptr[u32], n: u32):
    keep(f32, std.GatherPattern.THIRD_OF_4, x, y, kept, n)


@std.aiv_kernel
def keep_first_of_4_i16(x: Ptr[i16], y: Ptr[i16], kept: Ptr[u32], n: u32):
    keep(i16, std.GatherPattern.FIRST_OF_4, x, y, kept, n)


@std.inline
def keep_bits(dtype, ptype, words, x, bits, y, kept, n):
    """GatherMask with a pattern buffer of `words` ptype words: element i is kept when bit i is set."""
    xb = std.ub_alloc(dtype, OUT)
    pb = std.ub_alloc(ptype, words)
    yb = std.ub_alloc(dtype, OUT)
    std.load(xb, x, 0, n)
    std.load(pb, bits, 0, words)
    k = std.gather_mask(yb, xb, pb, n)
    kept[0] = std.u32(k)
    std.store(y, 0, yb, k)


@std.aiv_kernel
def keep_bits_f32(x: Ptr[f32], bits: Ptr[u32], y: Ptr[f32], kept: Ptr[u32], n: u32):
    keep_bits(f32, u32, OUT // 32, x, bits, y, kept, n)


@std.aiv_kernel
def keep_bits_f16(x: Ptr[f16], bits: Ptr[u16], y: Ptr[f16], kept: Ptr[u32], n: u32):
    keep_bits(f16, u16, OUT // 16, x, bits, y, kept, n)


@std.inline
def brcb_blocks(dtype, per_block, x, y, repeats):
    """y[32-byte block i] = x[i] for i < 8 * repeats (per_block elements of dtype in 32 bytes)."""
    xb = std.ub_alloc(dtype, 8 * 16)
    yb = std.ub_alloc(dtype, 8 * 16 * 16 + 128)  # 310P's 16-bit Brcb touches 256 bytes past the last repeat
    std.load(xb, x, 0, 8 * repeats)
    std.brcb(yb, xb, repeats)
    std.store(y, 0, yb, repeats * 8 * per_block)


@std.aiv_kernel
def brcb_f32(x: Ptr[f32], y: Ptr[f32], repeats: u32):
    brcb_blocks(f32, 8, x, y, repeats)


@std.aiv_kernel
def brcb_f16(x: Ptr[f16], y: Ptr[f16], repeats: u32):
    brcb_blocks(f16, 16, x, y, repeats)


ROWS, COLS = 13, 40  # 40 f32 = 160 bytes: a row of whole 32-byte blocks
COLS_ODD = 37  # not 32-byte aligned: axis 1 only (910B), via GatherMask inside Broadcast
ROWS_16 = 16  # 16 rows x 2 or 4 bytes: aligned, as 310P's axis-1 Broadcast needs


@std.inline
def bcast(dtype, x, y, rows, cols, axis):
    xb = std.ub_alloc(dtype, 64)
    yb = std.ub_alloc(dtype, rows * cols)
    std.load(xb, x, 0, cols if axis == 0 else rows)
    std.broadcast(yb, xb, rows, cols, axis)
    std.store(y, 0, yb, rows * cols)


@std.aiv_kernel
def bcast_row_f32(x: Ptr[f32], y: Ptr[f32]):
    bcast(f32, x, y, ROWS, COLS, 0)


@std.aiv_kernel
def bcast_row_f16(x: Ptr[f16], y: Ptr[f16]):
    bcast(f16, x, y, ROWS, 48, 0)


@std.aiv_kernel
def bcast_col_f32(x: Ptr[f32], y: Ptr[f32]):
    bcast(f32, x, y, ROWS_16, COLS_ODD, 1)


@std.aiv_kernel
def bcast_col_f16(x: Ptr[f16], y: Ptr[f16]):
    bcast(f16, x, y, ROWS_16, 24, 1)

