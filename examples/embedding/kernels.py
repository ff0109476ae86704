"""Embedding lookup: out[t, :] = table[ids[t], :] (torch.nn.functional.embedding), ids i32 [T], table [V, D].

Why row DMA and not an on-chip gather: the table (V x D) is larger than the Unified Buffer, so it stays in global
memory, and what a lookup moves is whole rows, contiguous in GM. An AscendC programmer writes that as one
DataCopy per token, GM table row -> UB, issued by the MTE2 engine at full burst length, with the index read on
the scalar unit from a UB copy of the ids; AscendC::Gather (std.gather) only gathers elements of a buffer that
is already on chip, so it would need the table staged in UB first. The blocks split the tokens; each block
moves TILE tokens per step: TILE row loads into a tile, then the tile's rows to `out`.

Rows go into the tile at a pitch of D rounded up to a 32-byte block, so every row starts block-aligned (DMA
needs an aligned UB start). When D fills whole blocks the tile is contiguous and leaves in one store; otherwise
each row leaves by itself, its tail handled by std.load / std.store (DataCopyPad on 910B; whole blocks plus
element copies on 310P), so odd D (37 f32, 100 bytes) works on both SoCs and no GM byte outside a row moves.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, i32, u32

TILE = 16  # tokens per step
D_MAX = 1024  # the widest row a tile holds (elements)


@std.inline
def lookup(dtype, per_block, ids, table, out, tokens, d):
    tile = std.ub_alloc(dtype, TILE * D_MAX)
    idb = std.ub_alloc(i32, TILE)
    pitch = (std.i64(d) + per_block - 1) // per_block * per_block  # row pitch in the tile: whole 32-byte blocks
    nb = std.get_block_num()
    per = (std.i64(tokens) + nb - 1) // nb
    start = std.get_block_idx() * per
    end = min(start + per, std.i64(tokens))
    t = start
    while t < end:
        cnt = min(TILE, end - t)
        std.load(idb, ids, t, cnt)  # this step's ids, read below on the scalar unit
        for r in range(cnt):
            row = std.i64(idb[r])
            std.load(tile[r * pitch:r * pitch + d], table, row * d, d)  # one row DMA per token
        if pitch == d:
            std.store(out, t * d, tile, cnt * d)  # contiguous tile: one store
        else:
            for r in range(cnt):
                std.store(out, (t + r) * d, tile[r * pitch:r * pitch + d], d)
        t += TILE


@std.aiv_kernel
def embedding_f32(ids: Ptr[i32], table: Ptr[f32], out: Ptr[f32], tokens: u32, d: u32):
    lookup(f32, 8, ids, table, out, tokens, d)


@std.aiv_kernel
def embedding_f16(ids: Ptr[i32], table: Ptr[f16], out: Ptr[f16], tokens: u32, d: u32):
    lookup(f16, 16, ids, table, out, tokens, d)


__all__ = ["embedding_f16", "embedding_f32"]
