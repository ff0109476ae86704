"""Rotary position embedding (RoPE, the rotate-half form of GPT-NeoX, Llama and Qwen2): one kernel per dtype.

out = x * cos + rotate_half(x) * sin over the last dim D of x [B, H, S, D], rotate_half(x) = [-x2, x1] for the
halves x1 = x[..., :D/2], x2 = x[..., D/2:]; cos and sin are [S, D] (shared by the batch) or [B, S, D].
Blocks take rows (b, h, s) round-robin; each half moves by its own DMA, so any even D works.
"""

from ascendpy import std
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, u32

HALF = 2048  # the longest half row (D <= 4096)
CAST = std.RoundMode.CAST_NONE


@std.inline
def rope(dtype, lowp, mode, x, cos, sin, y, rows, heads, seq, half, cos_bs):
    st = std.ub_alloc(dtype, HALF if lowp else ALIGN)
    x1 = std.ub_alloc(f32, HALF)
    x2 = std.ub_alloc(f32, HALF)
    c = std.ub_alloc(f32, HALF)
    s = std.ub_alloc(f32, HALF)
    y1 = std.ub_alloc(f32, HALF)
    w = std.ub_alloc(f32, HALF)
    h = std.i64(half)
    r = std.i64(std.get_block_idx())
    while r < std.i64(rows):
        base = r * 2 * h
        crow = r // (std.i64(heads) * std.i64(seq)) * std.i64(cos_bs) + r % std.i64(seq)
        cb = crow * 2 * h
        load_f32(x1, st, x, base, h, lowp)
        load_f32(x2, st, x, base + h, h, lowp)
        # first half: x1 cos1 - x2 sin1
        load_f32(c, st, cos, cb, h, lowp)
        load_f32(s, st, sin, cb, h, lowp)
        std.mul(y1, x1, c, h)
        std.mul(w, x2, s, h)
        std.sub(y1, y1, w, h)
        store_f32(y, base, y1, st, h, lowp, mode)
        # second half: x2 cos2 + x1 sin2
        load_f32(c, st, cos, cb + h, h, lowp)
        load_f32(s, st, sin, cb + h, h, lowp)
        std.mul(y1, x2, c, h)
        std.mul(w, x1, s, h)
        std.add(y1, y1, w, h)
        store_f32(y, base + h, y1, st, h, lowp, mode)
        r += std.get_block_num()


@std.aiv_kernel
def rope_f32(x: Ptr[f32], cos: Ptr[f32], sin: Ptr[f32], y: Ptr[f32], rows: u32, heads: u32, seq: u32, half: u32,
             cos_bs: u32):
    rope(f32, False, CAST, x, cos, sin, y, rows, heads, seq, half, cos_bs)


@std.aiv_kernel
def rope_f16(x: Ptr[f16], cos: Ptr[f16], sin: Ptr[f16], y: Ptr[f16], rows: u32, heads: u32, seq: u32, half: u32,
             cos_bs: u32):
    rope(f16, True, CAST, x, cos, sin, y, rows, heads, seq, half, cos_bs)
