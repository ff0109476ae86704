"""Recurrent cells: one timestep's gate nonlinearities and state update, after the two products.

The input products of every timestep (x @ W_ih^T, one GEMM per layer) and this step's hidden product
(h @ W_hh^T) are computed by matmul's product; a cell kernel then reads row b of both, adds the biases and
updates the state in place, writing h also into the layer's output sequence. Rows are addressed by
(offset, stride) so one kernel serves sequence-first and batch-first layouts and both directions.

LSTM (torch's gate order i, f, g, o): c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c').
GRU (r, z, n): n = tanh(x_n + b_in + sigmoid(r) (h_n + b_hn)), h' = n + sigmoid(z) (h - n).
Everything is f32 (the operator casts at its edges). A block takes (row, column piece) pairs in turn.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

FT = 1024  # columns of a piece


@std.inline
def gate(dst, t, gx, go, gh, ho, bi, bh, bo, cnt):
    """dst = gx[go:] + gh[ho:] + bi[bo:] + bh[bo:] (cnt elements); t is a work tile."""
    std.load(dst, gx, go, cnt)
    std.load(t, gh, ho, cnt)
    std.add(dst, dst, t, cnt)
    std.load(t, bi, bo, cnt)
    std.add(dst, dst, t, cnt)
    std.load(t, bh, bo, cnt)
    std.add(dst, dst, t, cnt)


@std.inline
def cell(lstm, gx, gxo, gxs, gh, bi, bh, h, c, y, yo, ys, rows, hid):
    """One step for every (row, column piece) of the blocks' share; `lstm` (compile time) picks the cell."""
    ga = std.ub_alloc(f32, FT)
    gb = std.ub_alloc(f32, FT)
    gc = std.ub_alloc(f32, FT)
    gd = std.ub_alloc(f32, FT)
    t = std.ub_alloc(f32, FT)
    u = std.ub_alloc(f32, FT)
    G = 4 if lstm else 3
    H = std.i64(hid)
    pieces = (H + FT - 1) // FT
    w = std.i64(std.get_block_idx())
    while w < std.i64(rows) * pieces:
        b = w // pieces
        j = w % pieces * FT
        cnt = min(std.i64(FT), H - j)
        xr = std.i64(gxo) + b * std.i64(gxs) + j
        hr = b * G * H + j
        gate(ga, t, gx, xr, gh, hr, bi, bh, j, cnt)  # i (LSTM) or r (GRU)
        gate(gb, t, gx, xr + H, gh, hr + H, bi, bh, j + H, cnt)  # f or z
        if lstm:
            gate(gc, t, gx, xr + 2 * H, gh, hr + 2 * H, bi, bh, j + 2 * H, cnt)  # g
            gate(gd, t, gx, xr + 3 * H, gh, hr + 3 * H, bi, bh, j + 3 * H, cnt)  # o
            std.ops.sigmoid(t, ga, cnt)
            std.ops.tanh(u, gc, cnt)
            std.mul(ga, t, u, cnt)  # sigmoid(i) tanh(g)
            std.ops.sigmoid(t, gb, cnt)
            std.load(u, c, b * H + j, cnt)
            std.mul(gb, t, u, cnt)
            std.add(gb, gb, ga, cnt)  # c'
            std.store(c, b * H + j, gb, cnt)
            std.ops.tanh(u, gb, cnt)
            std.ops.sigmoid(t, gd, cnt)
            std.mul(gc, t, u, cnt)  # h'
        else:
            std.ops.sigmoid(t, ga, cnt)  # r
            std.load(gd, gh, hr + 2 * H, cnt)
            std.load(u, bh, j + 2 * H, cnt)
            std.add(gd, gd, u, cnt)
            std.mul(gd, gd, t, cnt)  # r (h_n + b_hn)
            std.load(u, gx, xr + 2 * H, cnt)
            std.add(gd, gd, u, cnt)
            std.load(u, bi, j + 2 * H, cnt)
            std.add(gd, gd, u, cnt)
            std.ops.tanh(u, gd, cnt)  # n
            std.ops.sigmoid(t, gb, cnt)  # z
            std.load(gc, h, b * H + j, cnt)
            std.sub(gc, gc, u, cnt)
            std.mul(gc, gc, t, cnt)
            std.add(gc, gc, u, cnt)  # h' = n + z (h - n)
        std.store(h, b * H + j, gc, cnt)
        std.store(y, std.i64(yo) + b * std.i64(ys) + j, gc, cnt)
        w += std.get_block_num()


@std.aiv_kernel
def lstm_cell(gx: Ptr[f32], gxo: u32, gxs: u32, gh: Ptr[f32], bi: Ptr[f32], bh: Ptr[f32], h: Ptr[f32],
              c: Ptr[f32], y: Ptr[f32], yo: u32, ys: u32, rows: u32, hid: u32):
    cell(True, gx, gxo, gxs, gh, bi, bh, h, c, y, yo, ys, rows, hid)


@std.aiv_kernel
def gru_cell(gx: Ptr[f32], gxo: u32, gxs: u32, gh: Ptr[f32], bi: Ptr[f32], bh: Ptr[f32], h: Ptr[f32],
             y: Ptr[f32], yo: u32, ys: u32, rows: u32, hid: u32):
    cell(False, gx, gxo, gxs, gh, bi, bh, h, h, y, yo, ys, rows, hid)  # no c: h stands in, never touched
