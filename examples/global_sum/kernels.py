"""Sum and mean of a large f32 vector in ONE launch (910B): block partials, atomic add into GM, SyncAll.

Every block reduces its chunk tile by tile with std.reduce_sum and adds its partial into out[0] with the store
atomic add; a SyncAll; block 0 reads the total and writes the mean beside it, out[1] = total / n. The
accumulator is zeroed inside the same launch (block 0 zeroes out[0:8], then a first SyncAll), so the result
does not depend on what `out` held before. std.sync_all() is the hardware SyncAll: the compiler makes the
kernel KERNEL_TYPE_MIX_AIV_1_0, and the launch may use at most the SoC's vector cores (40 on Ascend910B3).
310P has only the software SyncAll: kernels_310p.py.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

TILE = 4096  # f32 elements per UB tile


@std.inline
def chunk_sum(x, n):
    """The f32 sum of this block's chunk of x[0:n] (ceil(n / block_num) elements), tile by tile."""
    xb = std.ub_alloc(f32, TILE)
    nb = std.get_block_num()
    per = (std.i64(n) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(n))
    s = std.f32(0.0)
    off = start
    while off < end:
        cnt = min(TILE, end - off)
        std.load(xb, x, off, cnt)
        s += std.reduce_sum(xb, cnt)
        off += TILE
    return s


@std.inline
def zero_out(out, blk):
    """Block 0: out[0:8] = 0 by DMA (one 32-byte block: no store tail on either SoC)."""
    if std.get_block_idx() == 0:
        std.duplicate(blk, 0.0, 8)
        std.store(out, 0, blk, 8)


@std.inline
def add_partial(out, blk, s):
    """out[0:8] += [s, 0, ..., 0] with the store atomic add (the zeros leave out[1:8] alone)."""
    std.duplicate(blk, 0.0, 8)
    blk[0] = s
    std.set_atomic_add(f32)
    std.store(out, 0, blk, 8)
    std.set_atomic_none()


@std.inline
def write_mean(out, blk, n):
    """Block 0: out[1] = out[0] / n, read and written by DMA."""
    if std.get_block_idx() == 0:
        std.load(blk, out, 0, 8)
        blk[1] = blk[0] / std.f32(n)
        std.store(out, 0, blk, 8)


@std.aiv_kernel
def global_sum(x: Ptr[f32], out: Ptr[f32], n: u32):
    """out[0] = sum(x[0:n]), out[1] = its mean; out[2:8] = 0. `out` holds 8 f32 (any contents before)."""
    blk = std.ub_alloc(f32, 8)
    zero_out(out, blk)
    std.sync_all()  # the zeros are in GM before any block adds
    s = chunk_sum(x, n)
    add_partial(out, blk, s)
    std.sync_all()  # every partial is in GM before block 0 reads the total
    write_mean(out, blk, n)
