"""The 310P kernels of tests/test_index_types.py: int64 and bool move and index everywhere, masks convert to bool
bytes, argmax / argmin run; 310P has no int64 Cast (CANN 8.1 declares none on dav-m200)."""

from ascendpy import std
from ascendpy.std import Ptr, boolean, f16, f32, i16, i32, i64, u32
from tests.kernels.index_types import arg_rows, mask_round_trip, tiled_copy
from tests.kernels.vector_ops import cast_none, tiled_unary


@std.aiv_kernel
def copy_i64(x: Ptr[i64], y: Ptr[i64], n: u32):
    tiled_copy(i64, x, y, n)


@std.aiv_kernel
def copy_bool(x: Ptr[boolean], y: Ptr[boolean], n: u32):
    tiled_copy(boolean, x, y, n)


@std.aiv_kernel
def cast_i32_i16(x: Ptr[i32], y: Ptr[i16], n: u32):
    tiled_unary(cast_none, i32, i16, x, y, n, 0)


@std.aiv_kernel
def mask_bool_f16(a: Ptr[f16], s: f16, out: Ptr[boolean], back: Ptr[f16], n: u32):
    mask_round_trip(f16, a, s, out, back, n)


@std.aiv_kernel
def arg_rows_f32(x: Ptr[f32], out: Ptr[u32], rows: u32, cols: u32):
    arg_rows(f32, x, out, rows, cols)


@std.aiv_kernel
def arg_rows_f16(x: Ptr[f16], out: Ptr[u32], rows: u32, cols: u32):
    arg_rows(f16, x, out, rows, cols)
