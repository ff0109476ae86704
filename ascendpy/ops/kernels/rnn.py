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


@std.aiv_kernel
def lstm_cell(gx: Ptr[f32], gxo: u32, gxs: u32, gh: Ptr[f32], bi: Ptr[f32], bh: Ptr[f32], h: Ptr[f32],
              c: Ptr[f32], y: Ptr[f32], yo: u32, ys: u32, rows: u32, hid: u32):
    gi = std.ub_alloc(f32, FT)
    gf = std.ub_alloc(f32, FT)
    gg = std.ub_alloc(f32, FT)
    go = std.ub_alloc(f32, FT)
    t = std.ub_alloc(f32, FT)
    u = std.ub_alloc(f32, FT)
    H = std.i64(hid)
    pieces = (H + FT - 1) // FT
    w = std.i64(std.get_block_idx())
    while w < std.i64(rows) * pieces:
        b = w // pieces
        j = w % pieces * FT
        cnt = min(std.i64(FT), H - j)
        xr = std.i64(gxo) + b * std.i64(gxs) + j
        hr = b * 4 * H + j
        gate(gi, t, gx, xr, gh, hr, bi, bh, j, cnt)
        gate(gf, t, gx, xr + H, gh, hr + H, bi, bh, j + H, cnt)
        gate(gg, t, gx, xr + 2 * H, gh, hr + 2 * H, bi, bh, j + 2 * H, cnt)
        gate(go, t, gx, xr + 3 * H, gh, hr + 3 * H, bi, bh, j + 3 * H, cnt)
        std.ops.sigmoid(t, gi, cnt)
        std.ops.tanh(u, gg, cnt)
        std.mul(gi, t, u, cnt)  # sigmoid(i) tanh(g)
        std.ops.sigmoid(t, gf, cnt)
        std.load(u, c, b * H + j, cnt)
        std.mul(gf, t, u, cnt)
        std.add(gf, gf, gi, cnt)  # c'
        std.store(c, b * H + j, gf, cnt)
        std.ops.tanh(u, gf, cnt)
        std.ops.sigmoid(t, go, cnt)
        std.mul(gg, t, u, cnt)  # h'
        std.store(h, b * H + j, gg, cnt)
        std.store(y, std.i64(yo) + b * std.i64(ys) + j, gg, cnt)
        w += std.get_block_num()


@std.aiv_kernel
def gru_cell(gx: Ptr[f32], gxo: u32, gxs: u32, gh: Ptr[f32], bi: Ptr[f32], bh: Ptr[f32], h: Ptr[f32],
             y: Ptr[f32], yo: u32, ys: u32, rows: u32, hid: u32):
    gr = std.ub_alloc(f32, FT)
    gz = std.ub_alloc(f32, FT)
    gn = std.ub_alloc(f32, FT)
    t = std.ub_alloc(f32, FT)
    u = std.ub_alloc(f32, FT)
    H = std.i64(hid)
    pieces = (H + FT - 1) // FT
    w = std.i64(std.get_block_idx())
    while w < std.i64(rows) * pieces:
        b = w // pieces
        j = w % pieces * FT
        cnt = min(std.i64(FT), H - j)
        xr = std.i64(gxo) + b * std.i64(gxs) + j
        hr = b * 3 * H + j
        gate(gr, t, gx, xr, gh, hr, bi, bh, j, cnt)
        gate(gz, t, gx, xr + H, gh, hr + H, bi, bh, j + H, cnt)
        std.ops.sigmoid(t, gr, cnt)  # r
        std.load(gn, gh, hr + 2 * H, cnt)
        std.load(u, bh, j + 2 * H, cnt)
        std.add(gn, gn, u, cnt)
        std.mul(gn, gn, t, cnt)  # r (h_n + b_hn)
        std.load(u, gx, xr + 2 * H, cnt)
        std.add(gn, gn, u, cnt)
        std.load(u, bi, j + 2 * H, cnt)
        std.add(gn, gn, u, cnt)
        std.ops.tanh(u, gn, cnt)  # n
        std.ops.sigmoid(t, gz, cnt)  # z
        std.load(gr, h, b * H + j, cnt)
        std.sub(gr, gr, u, cnt)
        std.mul(gr, gr, t, cnt)
        std.add(gr, gr, u, cnt)  # n + z (h - n)
        std.store(h, b * H + j, gr, cnt)
        std.store(y, std.i64(yo) + b * std.i64(ys) + j, gr, cnt)
        w += std.get_block_num()
