"""Elementwise chains in one pass: a small program of steps run over each f32 tile while it is in UB.

`ascendpy.ops.Epilogue` encodes a chain (x * 2, gelu, + bias[c], clamp, ...) as `prog`, five i32 per step,
and `fl`, its float parameters. `run` interprets it on a tile: every step is a branch of one loop, so one
kernel serves every chain and a chain of any length costs one load and one store. The tile is a run of a
row of the output viewed as [R, L] (R rows of L elements; for an [N, C, spatial...] output a row is one
(n, c) plane): `r` is its row, `c0` its first column.

Step: (code, kind, a, p1, p2). Codes below 32 are unary (activation.py's inlines, parameters fl[a],
fl[a + 1]); SAVE copies the value into the register. Binary codes take an operand of `kind`:

- SCALAR: fl[a].
- ROW: slot a's element (r // p1) % p2 (a bias [C, 1, 1] on rows of (n, c): p1 = 1, p2 = C).
- COL: slot a's elements c0.. (a bias [F] of a linear's rows).
- FULL: slot a's elements r * L + c0.. (a tensor of the output's shape).
- SAVED: the register: the chain's input, or the value at the last SAVE.

DROPOUT (code, 0, a, key, threshold) zeroes the element at flat index i = r * L + c0 + j of the output when
hash(i) >> 8 < threshold and scales it by fl[a] otherwise, hash(i) = fmix32(i * 0x9E3779B1 + key) (MurmurHash3's
finalizer): a counter-based mask, the same for an element whichever block or tile computes it. The mask is
made on the scalar unit, one element at a time, into the work tile.

Slots are four f32 tensors (unused ones any f32 buffer). Division by a scalar divides (no reciprocal), as
torch does.
"""

from ascendpy import std
from ascendpy.ops.kernels import activation as act
from ascendpy.ops.kernels.common import ALIGN, load_f32, store_f32
from ascendpy.std import Ptr, f16, f32, i32, u32

FT = 1024  # elements of a tile (each activation's work buffers are as long)
STEPS = 64  # the longest program
PROG = STEPS * 5
FLOATS = 128  # float parameters of a program
CAST = std.RoundMode.CAST_NONE

RELU, SIGMOID, TANH, GELU, GELU_TANH, ELU, SELU, SILU, SOFTPLUS, SOFTSIGN = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
HARDSIGMOID, HARDSWISH, LEAKY_RELU, HARDTANH, MISH, EXP, LOG, ABS, SAVE = 11, 12, 13, 14, 15, 16, 17, 18, 19
DROPOUT = 20
ADD, SUB, MUL, DIV, MIN, MAX = 32, 33, 34, 35, 36, 37
SCALAR, ROW, COL, FULL, SAVED = 0, 1, 2, 3, 4


@std.inline
def unary_step(code, v, t, cnt, a, b):
    """t = code(v) (the inlines read src after writing dst, so never in place)."""
    if code == RELU:
        act._relu(t, v, cnt, a, b)
    elif code == SIGMOID:
        act._sigmoid(t, v, cnt, a, b)
    elif code == TANH:
        act._tanh(t, v, cnt, a, b)
    elif code == GELU:
        act._gelu(t, v, cnt, a, b)
    elif code == GELU_TANH:
        act._gelu_tanh(t, v, cnt, a, b)
    elif code == ELU:
        act._elu(t, v, cnt, a, b)
    elif code == SELU:
        act._selu(t, v, cnt, a, b)
    elif code == SILU:
        act._silu(t, v, cnt, a, b)
    elif code == SOFTPLUS:
        act._softplus(t, v, cnt, a, b)
    elif code == SOFTSIGN:
        act._softsign(t, v, cnt, a, b)
    elif code == HARDSIGMOID:
        act._hardsigmoid(t, v, cnt, a, b)
    elif code == HARDSWISH:
        act._hardswish(t, v, cnt, a, b)
    elif code == LEAKY_RELU:
        act._leaky_relu(t, v, cnt, a, b)
    elif code == HARDTANH:
        act._hardtanh(t, v, cnt, a, b)
    elif code == MISH:
        act._mish(t, v, cnt, a, b)
    elif code == EXP:
        std.exp(t, v, cnt)
    elif code == LOG:
        std.ln(t, v, cnt)
    else:
        std.abs(t, v, cnt)


@std.inline
def slot_value(a, i, s0, s1, s2, s3):
    x = std.f32(0.0)
    if a == 0:
        x = s0[i]
    elif a == 1:
        x = s1[i]
    elif a == 2:
        x = s2[i]
    else:
        x = s3[i]
    return x


@std.inline
def slot_load(t, a, off, cnt, s0, s1, s2, s3):
    if a == 0:
        std.load(t, s0, off, cnt)
    elif a == 1:
        std.load(t, s1, off, cnt)
    elif a == 2:
        std.load(t, s2, off, cnt)
    else:
        std.load(t, s3, off, cnt)


@std.inline
def dropout_mask(t, cnt, base, key, threshold, scale):
    """t[:cnt] = scale where the element at flat index base + j is kept, else 0."""
    j = std.i64(0)
    while j < std.i64(cnt):
        h = std.u32(base + j) * std.u32(0x9E3779B1) + key
        h = h ^ (h >> 16)
        h = h * std.u32(0x85EBCA6B)
        h = h ^ (h >> 13)
        h = h * std.u32(0xC2B2AE35)
        h = h ^ (h >> 16)
        if (h >> 8) < threshold:
            t[j] = std.f32(0.0)
        else:
            t[j] = scale
        j += 1


@std.inline
def run(v, t, sv, cnt, r, c0, L, pb, fb, nsteps, s0, s1, s2, s3):
    """v[:cnt] = the program applied to v (row r, columns c0..); t and sv are work and register tiles."""
    std.muls(sv, v, 1.0, cnt)  # the register starts as the chain's input (a copy keeping -0 and NaN)
    s = std.i64(0)
    while s < std.i64(nsteps):
        code = std.i64(pb[s * 5])
        kind = std.i64(pb[s * 5 + 1])
        a = std.i64(pb[s * 5 + 2])
        if code == SAVE:
            std.muls(sv, v, 1.0, cnt)
        elif code == DROPOUT:
            dropout_mask(t, cnt, std.i64(r) * std.i64(L) + std.i64(c0), std.u32(pb[s * 5 + 3]),
                         std.u32(pb[s * 5 + 4]), fb[a])
            std.mul(v, v, t, cnt)
        elif code < ADD:
            unary_step(code, v, t, cnt, fb[a], fb[a + 1])
            std.muls(v, t, 1.0, cnt)
        elif kind == SCALAR or kind == ROW:
            x = std.f32(0.0)
            if kind == SCALAR:
                x = fb[a]
            else:
                x = slot_value(a, std.i64(r) // std.i64(pb[s * 5 + 3]) % std.i64(pb[s * 5 + 4]), s0, s1, s2, s3)
            if code == ADD:
                std.adds(v, v, x, cnt)
            elif code == SUB:
                std.adds(v, v, -x, cnt)
            elif code == MUL:
                std.muls(v, v, x, cnt)
            elif code == DIV:
                std.duplicate(t, x, cnt)
                std.div(v, v, t, cnt)
            elif code == MIN:
                std.mins(v, v, x, cnt)
            else:
                std.maxs(v, v, x, cnt)
        else:
            if kind == SAVED:
                std.muls(t, sv, 1.0, cnt)
            elif kind == COL:
                slot_load(t, a, std.i64(c0), cnt, s0, s1, s2, s3)
            else:
                slot_load(t, a, std.i64(r) * std.i64(L) + std.i64(c0), cnt, s0, s1, s2, s3)
            if code == ADD:
                std.add(v, v, t, cnt)
            elif code == SUB:
                std.sub(v, v, t, cnt)
            elif code == MUL:
                std.mul(v, v, t, cnt)
            elif code == DIV:
                std.div(v, v, t, cnt)
            elif code == MIN:
                std.min(v, v, t, cnt)
            else:
                std.max(v, v, t, cnt)
        s += 1


@std.inline
def program(pb, fb, prog, fl, nsteps):
    """The program into UB (pb, fb), once per block."""
    std.load(pb, prog, 0, std.i64(nsteps) * 5)
    std.load(fb, fl, 0, FLOATS)


@std.inline
def fused(dtype, lowp, mode, odtype, olowp, x, y, prog, fl, nsteps, s0, s1, s2, s3, rows, L):
    """y = the program applied to x, viewed as [rows, L], one tile of a row at a time."""
    xs = std.ub_alloc(dtype, FT if lowp else ALIGN)
    ys = std.ub_alloc(odtype, FT if olowp else ALIGN)
    v = std.ub_alloc(f32, FT)
    t = std.ub_alloc(f32, FT)
    sv = std.ub_alloc(f32, FT)
    pb = std.ub_alloc(i32, PROG)
    fb = std.ub_alloc(f32, FLOATS)
    program(pb, fb, prog, fl, nsteps)
    ld = std.i64(L)
    chunks = (ld + FT - 1) // FT
    u = std.i64(std.get_block_idx())
    while u < std.i64(rows) * chunks:
        r = u // chunks
        c0 = u % chunks * FT
        cnt = min(std.i64(FT), ld - c0)
        load_f32(v, xs, x, r * ld + c0, cnt, lowp)
        run(v, t, sv, cnt, r, c0, L, pb, fb, nsteps, s0, s1, s2, s3)
        store_f32(y, r * ld + c0, v, ys, cnt, olowp, mode)
        u += std.get_block_num()


@std.aiv_kernel
def fused_f32_f32(x: Ptr[f32], y: Ptr[f32], prog: Ptr[i32], fl: Ptr[f32], nsteps: u32, s0: Ptr[f32], s1: Ptr[f32],
                  s2: Ptr[f32], s3: Ptr[f32], rows: u32, L: u32):
    fused(f32, False, CAST, f32, False, x, y, prog, fl, nsteps, s0, s1, s2, s3, rows, L)


@std.aiv_kernel
def fused_f16_f16(x: Ptr[f16], y: Ptr[f16], prog: Ptr[i32], fl: Ptr[f32], nsteps: u32, s0: Ptr[f32], s1: Ptr[f32],
                  s2: Ptr[f32], s3: Ptr[f32], rows: u32, L: u32):
    fused(f16, True, CAST, f16, True, x, y, prog, fl, nsteps, s0, s1, s2, s3, rows, L)


@std.aiv_kernel
def fused_f32_f16(x: Ptr[f32], y: Ptr[f16], prog: Ptr[i32], fl: Ptr[f32], nsteps: u32, s0: Ptr[f32], s1: Ptr[f32],
                  s2: Ptr[f32], s3: Ptr[f32], rows: u32, L: u32):
    fused(f32, False, CAST, f16, True, x, y, prog, fl, nsteps, s0, s1, s2, s3, rows, L)
