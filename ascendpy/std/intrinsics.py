"""On-chip buffers and vector intrinsics of the device language.

Each name here is a marker the compiler recognises inside an `@std.aiv_kernel`
(or `@std.inline`) function; calling it from ordinary Python raises a
TypeError. Arguments follow AscendC's order: destination first, element count
last (`std.add(dst, a, b, n)` is `AscendC::Add(dst, a, b, n)`).

Buffers (`std.ub_alloc(f32, 4096)`) live in the Unified Buffer for the whole
kernel; there is no free, so use-after-free and double free cannot be written.
The compiler turns tile loops into `TPipe`/`TQue` pipelines and inserts every
flag or barrier that the data dependencies need.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any


def device_only(name: str) -> Callable[..., Any]:
    """A marker function: the compiler knows it by identity; the host may not call it."""

    def marker(*args: object) -> Any:
        raise TypeError(f"std.{name}() can only be used inside an @std.aiv_kernel function")

    marker.__name__ = name
    marker.__qualname__ = name
    return marker


class RoundMode(enum.IntEnum):
    """`AscendC::RoundMode` for `std.cast` (same names and values)."""

    CAST_NONE = 0  # round to nearest even when precision is lost, else exact
    CAST_RINT = 1  # round half to even
    CAST_FLOOR = 2
    CAST_CEIL = 3
    CAST_ROUND = 4  # round half away from zero
    CAST_TRUNC = 5  # toward zero
    CAST_ODD = 6  # von Neumann round to odd


class CMPMODE(enum.IntEnum):
    """`AscendC::CMPMODE` for `std.compare` / `std.compares`."""

    LT = 0
    GT = 1
    EQ = 2
    LE = 3
    GE = 4
    NE = 5


# ---- buffers and data movement
ub_alloc = device_only("ub_alloc")  # ub_alloc(dtype, count) -> buffer of `count` elements in UB
load = device_only("load")  # load(dst_buf, src_ptr, offset, count): GM src_ptr[offset:offset+count] -> dst_buf
store = device_only("store")  # store(dst_ptr, offset, src_buf, count): src_buf[:count] -> GM dst_ptr[offset:...]
# strided / 2-D data movement (docs/vector.md "Rows and windows"): one DMA for `rows` rows of `cols` elements
load_rows = device_only("load_rows")  # load_rows(dst, src_ptr, offset, rows, cols, src_ld, *, dst_ld, pad_left, ...)
store_rows = device_only("store_rows")  # store_rows(dst_ptr, offset, src, rows, cols, dst_ld, *, src_ld)
# reinterpreted views (issue 13): reinterpret(buf, dtype) -- buf's bytes as dtype elements, where an op takes a buffer
reinterpret = device_only("reinterpret")
pipe_barrier = device_only("pipe_barrier")  # PipeBarrier<PIPE_ALL>(); rarely needed: sync is automatic

# ---- vector ops (dst first, count last)
add = device_only("add")
sub = device_only("sub")
mul = device_only("mul")
div = device_only("div")
min = device_only("min")  # noqa: A001 - the AscendC name; builtins.min stays usable on scalars
max = device_only("max")  # noqa: A001
adds = device_only("adds")
muls = device_only("muls")
maxs = device_only("maxs")
mins = device_only("mins")
abs = device_only("abs")  # noqa: A001
rsqrt = device_only("rsqrt")
reciprocal = device_only("reciprocal")
relu = device_only("relu")
duplicate = device_only("duplicate")
cast = device_only("cast")  # cast(dst, src, RoundMode.X, count)
compare = device_only("compare")  # compare(mask_u8, a, b, CMPMODE.X, count)
compares = device_only("compares")  # compares(mask_u8, a, scalar, CMPMODE.X, count)
select = device_only("select")  # select(dst, mask_u8, a, b_buffer_or_scalar, count)
reduce_max = device_only("reduce_max")  # reduce_max(src, count) -> scalar; reduce_max(dst, src, count)
reduce_min = device_only("reduce_min")
reduce_sum = device_only("reduce_sum")
# ---- scans and erf (advanced APIs; the compiler allocates their sharedTmpBuffer)
cumsum = device_only("cumsum")  # cumsum(dst, src, rows, cols, axis[, last_row]) over a row-major [rows, cols] tile
erf = device_only("erf")  # erf(dst, src, count)
# argmax / argmin (issue 13): ReduceMax / ReduceMin with calIndex = true; the first (lowest) index on ties.
argmax = device_only("argmax")  # argmax(src, count) -> u32 index of the first maximum of src[0:count]
argmin = device_only("argmin")  # argmin(src, count) -> u32 index of the first minimum
# exp, ln and sqrt are shared with the scalar forms: std.exp(x) or std.exp(dst, src, count).

# ---- cube buffers (2-D matrix tiles, compile-time shapes; docs/cube.md)
l1_alloc = device_only("l1_alloc")  # l1_alloc(dtype, rows, cols): L1 tile, NZ (TPosition A1, or B1 when it feeds L0B)
l0a_alloc = device_only("l0a_alloc")  # l0a_alloc(dtype, m, k): L0A tile (A2), Zz
l0b_alloc = device_only("l0b_alloc")  # l0b_alloc(dtype, k, n): L0B tile (B2), Zn, logical [k, n]
l0c_alloc = device_only("l0c_alloc")  # l0c_alloc(f32 | i32, m, n): L0C tile (CO1), Nz

# ---- cube data path and compute (dst first, as in AscendC)
load_nz = device_only("load_nz")  # load_nz(dst_l1, src_ptr, offset, rows, cols, ld): GM ND window -> L1 NZ
load_l0a = device_only("load_l0a")  # load_l0a(dst_a2, src_l1, row0, col0[, m, k]): L1 window -> L0A Zz
load_l0b = device_only("load_l0b")  # load_l0b(dst_b2, src_l1, row0, col0[, k, n]): L1 B [K x N] -> L0B Zn (transposing)
load_l0b_trans = device_only("load_l0b_trans")  # load_l0b_trans(dst_b2, src_l1, row0, col0[, k, n]): L1 B^T [N x K]
mmad = device_only("mmad")  # mmad(dst_l0c, a_l0a, b_l0b, m, n, k, accumulate)
fixpipe = device_only("fixpipe")  # fixpipe(dst_ptr, offset, src_l0c, rows, cols, ld, relu): L0C Nz -> GM ND

# ---- mix kernels: core sides and cross-core flags
is_aic = device_only("is_aic")  # `if std.is_aic():` -- the block runs on the cube core (ASCEND_IS_AIC)
is_aiv = device_only("is_aiv")  # `if std.is_aiv():` -- the block runs on the two vector cores (ASCEND_IS_AIV)
cross_core_set_flag = device_only("cross_core_set_flag")  # CrossCoreSetFlag<2, PIPE>(flag_id), flag_id 0..15
cross_core_wait_flag = device_only("cross_core_wait_flag")  # CrossCoreWaitFlag(flag_id)
get_subblock_idx = device_only("get_subblock_idx")  # GetSubBlockIdx(): 0 or 1 on the AIVs of a group, 0 on the AIC


# ---- gather and broadcast (issue 13: Gather, GatherMask, Brcb, Broadcast; docs/vector.md "Gather and broadcast")
class GatherPattern(enum.IntEnum):
    """The fixed `src1Pattern` values of `AscendC::GatherMask` (CANN 8.1): which elements of every group are kept.

    Bit i of the pattern keeps element i; the pattern repeats every 2 or 4 elements (values 1..7 of the
    uint8_t src1Pattern argument). 310P's CANN 8.1 implementation accepts 1..6 only (no ALL).
    """

    EVEN = 1  # 0101...0101: elements 0, 2, 4, ... (stride-2 selection)
    ODD = 2  # 1010...1010: elements 1, 3, 5, ...
    FIRST_OF_4 = 3  # 0001...0001: elements 0, 4, 8, ...
    SECOND_OF_4 = 4  # 0010...0010: elements 1, 5, 9, ...
    THIRD_OF_4 = 5  # 0100...0100: elements 2, 6, 10, ...
    FOURTH_OF_4 = 6  # 1000...1000: elements 3, 7, 11, ...
    ALL = 7  # 1111...1111: every element (910B only)


gather = device_only("gather")  # gather(dst, src, offsets_u32, base, count): dst[i] = src at byte base + offsets[i]
gather_mask = device_only("gather_mask")  # gather_mask(dst, src, GatherPattern.X | mask_buf, count) -> kept count
brcb = device_only("brcb")  # brcb(dst, src, repeats): src[i] fills 32-byte block i of dst, 8 blocks per repeat
broadcast = device_only("broadcast")  # broadcast(dst, src, rows, cols, axis): [1, cols] or [rows, 1] -> [rows, cols]

# ---- cross-block work in one launch: SyncAll and store atomics (docs/vector.md, "Cross-block work")
sync_all = device_only("sync_all")  # sync_all(): SyncAll() (910B); sync_all(ws: Ptr[i32]): SyncAll(ws, ub) (both)
set_atomic_add = device_only("set_atomic_add")  # set_atomic_add(dtype): SetAtomicAdd<T>(): GM stores add
set_atomic_max = device_only("set_atomic_max")  # set_atomic_max(dtype): SetAtomicMax<T>() (910B)
set_atomic_min = device_only("set_atomic_min")  # set_atomic_min(dtype): SetAtomicMin<T>() (910B)
set_atomic_none = device_only("set_atomic_none")  # set_atomic_none(): SetAtomicNone(): GM stores overwrite again
