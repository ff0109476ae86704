"""The one-launch sum and mean of kernels.py with the software SyncAll, for 310P (and 910B).

310P has no hardware SyncAll (CANN 8.1's dav_m200 reports it unsupported): std.sync_all(ws) is the software one,
which counts arrivals in an int32 GM workspace of 8 * block_dim elements that must be zero before the launch
(the caller's job, as CANN's SyncAll documentation says; each SyncAll adds one to every block's slot).
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, i32, u32
from examples.global_sum.kernels import add_partial, chunk_sum, write_mean, zero_out


@std.aiv_kernel
def global_sum_ws(x: Ptr[f32], out: Ptr[f32], ws: Ptr[i32], n: u32):
    """As kernels.global_sum; `ws` is the zeroed workspace of the software SyncAll."""
    blk = std.ub_alloc(f32, 8)
    zero_out(out, blk)
    std.sync_all(ws)
    s = chunk_sum(x, n)
    add_partial(out, blk, s)
    std.sync_all(ws)
    write_mean(out, blk, n)
