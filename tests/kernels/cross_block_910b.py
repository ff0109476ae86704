"""Kernels for tests/test_cross_block.py on 910B only: the hardware SyncAll (std.sync_all(), which makes the
kernel KERNEL_TYPE_MIX_AIV_1_0), and store atomics on what only 910B has (i32, max). Planted bugs are marked
`# BUG name`."""

from ascendpy import std
from ascendpy.std import Ptr, f32, i32, u32
from tests.kernels.cross_block import TILE, accumulate, combine_partials, write_partial


@std.aiv_kernel
def atomic_add_i32(x: Ptr[i32], y: Ptr[i32], n: u32):
    accumulate(i32, x, y, n)


@std.aiv_kernel
def atomic_max_f32(x: Ptr[f32], y: Ptr[f32], n: u32):
    """y[0:n] = max(y, every block's x tile), by SetAtomicMax."""
    xb = std.ub_alloc(f32, TILE)
    std.load(xb, x, std.get_block_idx() * std.i64(n), n)
    std.set_atomic_max(f32)
    std.store(y, 0, xb, n)
    std.set_atomic_none()


@std.aiv_kernel
def partial_sums_hard(x: Ptr[f32], part: Ptr[f32], y: Ptr[f32], n: u32):
    """Each block writes its partial sum; the hardware SyncAll; block 0 adds the partials up."""
    write_partial(x, part, n)
    std.sync_all()
    if std.get_block_idx() == 0:
        combine_partials(part, y)


@std.aiv_kernel
def skip_sync_hard(x: Ptr[f32], part: Ptr[f32], y: Ptr[f32], n: u32):
    write_partial(x, part, n)
    if std.get_block_idx() == 3:
        return
    std.sync_all()  # BUG skip_sync_hard
    if std.get_block_idx() == 0:
        combine_partials(part, y)
