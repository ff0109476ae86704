"""Kernels for tests/test_cross_block.py on 910B and 310P: store atomics from many blocks into one GM vector, and
the software SyncAll (std.sync_all(workspace)) making every block's GM writes visible to block 0. Planted bugs
are marked `# BUG name` (tests/test_faults.py's bug_line)."""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, i16, i32, u32

TILE = 2048  # elements per UB tile
MAX_BLOCKS = 64  # partial sums block 0 can read back (8 elements each)


@std.inline
def accumulate(dtype, x, y, n):
    """y[0:n] += x[b * n:(b + 1) * n] for this block b, by atomic add, tile by tile."""
    xb = std.ub_alloc(dtype, TILE)
    base = std.get_block_idx() * std.i64(n)
    off = std.i64(0)
    while off < std.i64(n):
        cnt = min(TILE, std.i64(n) - off)
        std.load(xb, x, base + off, cnt)
        std.set_atomic_add(dtype)
        std.store(y, off, xb, cnt)
        std.set_atomic_none()
        off += TILE


@std.aiv_kernel
def atomic_add_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    accumulate(f32, x, y, n)


@std.aiv_kernel
def atomic_add_f16(x: Ptr[f16], y: Ptr[f16], n: u32):
    accumulate(f16, x, y, n)


@std.aiv_kernel
def atomic_add_i16(x: Ptr[i16], y: Ptr[i16], n: u32):
    accumulate(i16, x, y, n)


@std.inline
def block_sum(x, n):
    """The f32 sum of x[b * n:(b + 1) * n] for this block b: std.reduce_sum per tile, tile sums added in order."""
    xb = std.ub_alloc(f32, TILE)
    base = std.get_block_idx() * std.i64(n)
    s = std.f32(0.0)
    off = std.i64(0)
    while off < std.i64(n):
        cnt = min(TILE, std.i64(n) - off)
        std.load(xb, x, base + off, cnt)
        s += std.reduce_sum(xb, cnt)
        off += TILE
    return s


@std.inline
def combine_partials(part, y):
    """Block 0: y[0] = the sum of part[b * 8] over the blocks, in block order (y[1:8] = 0)."""
    pb = std.ub_alloc(f32, MAX_BLOCKS * 8)
    nb = std.get_block_num()
    std.load(pb, part, 0, nb * 8)
    total = std.f32(0.0)
    for b in range(nb):
        total += pb[b * 8]
    for i in range(8):
        pb[i] = std.f32(0.0)
    pb[0] = total
    std.store(y, 0, pb, 8)


@std.inline
def write_partial(x, part, n):
    """part[b * 8:(b + 1) * 8] = [this block's sum, 0, ..., 0], by DMA."""
    sb = std.ub_alloc(f32, 8)
    for i in range(8):
        sb[i] = std.f32(0.0)
    sb[0] = block_sum(x, n)
    std.store(part, std.get_block_idx() * 8, sb, 8)


@std.aiv_kernel
def partial_sums_soft(x: Ptr[f32], part: Ptr[f32], ws: Ptr[i32], y: Ptr[f32], n: u32):
    """Each block writes its partial sum; the software SyncAll; block 0 adds the partials up."""
    write_partial(x, part, n)
    std.sync_all(ws)
    if std.get_block_idx() == 0:
        combine_partials(part, y)


@std.aiv_kernel
def skip_sync_soft(x: Ptr[f32], part: Ptr[f32], ws: Ptr[i32], y: Ptr[f32], n: u32):
    write_partial(x, part, n)
    if std.get_block_idx() == 3:
        return
    std.sync_all(ws)  # BUG skip_sync_soft
    if std.get_block_idx() == 0:
        combine_partials(part, y)


@std.aiv_kernel
def atomics_left_on(x: Ptr[f32], y: Ptr[f32], n: u32):
    xb = std.ub_alloc(f32, TILE)
    std.load(xb, x, std.get_block_idx() * std.i64(n), n)
    std.set_atomic_add(f32)  # BUG atomics_left_on
    std.store(y, 0, xb, n)
