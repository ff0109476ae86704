"""bfloat16 index kernels (910B): index.py's lookups on bf16 tables."""

from ascendpy import std
from ascendpy.ops.kernels.index import lookup
from ascendpy.std import Ptr, bf16, i32, i64, u32


@std.aiv_kernel
def embedding_i64_bf16(ids: Ptr[i64], weight: Ptr[bf16], out: Ptr[bf16], tokens: u32, d: u32):
    lookup(bf16, i64, ids, weight, out, tokens, d)


@std.aiv_kernel
def embedding_i32_bf16(ids: Ptr[i32], weight: Ptr[bf16], out: Ptr[bf16], tokens: u32, d: u32):
    lookup(bf16, i32, ids, weight, out, tokens, d)
