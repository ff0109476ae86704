"""Device helpers the operator kernels share: a block's share of a flat range, f32 staging, elementwise maps.

Kernels compute in float32. A float16 or bfloat16 input is cast to f32 in UB after its load and the result
cast back once before its store (round to nearest even), as PyTorch computes those dtypes on the CPU: one
rounding per operator, not per instruction. `lowp` (a compile-time bool) says whether the GM side is f16/bf16;
the staging buffer `xs`/`ys` is then of that type (else a token buffer, unused).
"""

from ascendpy import std
from ascendpy.std import f32

TILE = 2048  # elements per tile: 8 KiB of f32; a map holds at most six such buffers, double-buffered
ALIGN = 16  # a block's share starts on a 64-byte boundary for every element size


@std.inline
def share(n):
    """The number of elements each block takes: n split over the blocks, in whole ALIGN-element runs."""
    nb = std.get_block_num()
    return (std.i64(n) + nb * ALIGN - 1) // (nb * ALIGN) * ALIGN


@std.inline
def load_f32(xf, xs, ptr, off, cnt, lowp):
    """xf[:cnt] = ptr[off:off+cnt] as f32 (through xs when the GM side is f16/bf16)."""
    if lowp:
        std.load(xs, ptr, off, cnt)
        std.cast(xf, xs, std.RoundMode.CAST_NONE, cnt)
    else:
        std.load(xf, ptr, off, cnt)


@std.inline
def store_f32(ptr, off, yf, ys, cnt, lowp, mode):
    """ptr[off:off+cnt] = yf[:cnt], cast with round mode `mode` through ys when the GM side is f16/bf16."""
    if lowp:
        std.cast(ys, yf, mode, cnt)
        std.store(ptr, off, ys, cnt)
    else:
        std.store(ptr, off, yf, cnt)


@std.inline
def unary(op, dtype, lowp, mode, x, y, n, a, b):
    """y[i] = op(x[i]) over n elements of type dtype; `op(dst, src, count, a, b)` is an inline on f32 UB buffers."""
    xs = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    ys = std.ub_alloc(dtype, TILE if lowp else ALIGN)
    xf = std.ub_alloc(f32, TILE)
    yf = std.ub_alloc(f32, TILE)
    per = share(n)
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        load_f32(xf, xs, x, off, cnt, lowp)
        op(yf, xf, cnt, a, b)
        store_f32(y, off, yf, ys, cnt, lowp, mode)
        off += TILE
