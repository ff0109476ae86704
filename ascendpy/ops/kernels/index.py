"""Index operators: embedding lookup (row DMA per token, the table stays in GM).

embedding: out[t, :] = weight[ids[t], :]. A block takes a contiguous share of the tokens, reads IDS of their
ids at a time into UB (scalar reads), and moves each row GM -> UB -> GM in pieces of up to ROW elements;
nothing is computed, so every dtype is one copy (bf16 kernels in index_bf16.py only because 310P cannot name
bfloat16).
"""

from ascendpy import std
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
