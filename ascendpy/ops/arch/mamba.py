"""Mamba-2's chunked state-space scan (SSD), as MultiKernelBench's mamba_return_* write it with einsums.

Each einsum is a batched product on the cube after a permute that puts its summed index last: with A's
per-chunk cumulative sums, L = exp(segsum(A)) masks the intra-chunk products, the chunk states decay by
exp(A_end - A_cumsum), and a second segsum carries states from chunk to chunk."""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy import ops
from ascendpy.ops import Epilogue, nn
from ascendpy.ops.arch import arch
from ascendpy.ops.core import as_dtype
from ascendpy.ops.nn import select, slice_dim, unsqueeze


def _exp(x: Any) -> Any:
    return ops.fused(x, Epilogue().exp())


def segsum_exp(x: Any) -> Any:
    """exp(segsum(x)) over the last dim T: [..., T, T] with exp(cs_i - cs_j) for j <= i, else 0."""
    cs = ops.cumsum(x, -1)
    return ops.tril(_exp(ops.sub(unsqueeze(cs, -1), unsqueeze(cs, -2))))


class _Mamba(nn.Module):
    returns = "y"

    def __init__(self, batch_size: int, seq_length: int, n_heads: int, d_head: int, d_state: int,
                 block_len: int = 64) -> None:
        super().__init__()
        if seq_length % block_len:
            raise ValueError(f"{type(self).__name__}: seq_length {seq_length} must divide by block_len {block_len}")
        from ascendpy.ops.fused import generator

        g = generator()
        self.batch_size, self.seq_length, self.n_heads = batch_size, seq_length, n_heads
        self.d_head, self.d_state, self.block_len = d_head, d_state, block_len
        self.A = nn.Parameter(g.standard_normal((batch_size, seq_length, n_heads)).astype(np.float32))
        self.B = nn.Parameter(g.standard_normal((batch_size, seq_length, n_heads, d_state)).astype(np.float32))
        self.C = nn.Parameter(g.standard_normal((batch_size, seq_length, n_heads, d_state)).astype(np.float32))

    def forward(self, X: Any, initial_states: Any = None) -> Any:  # noqa: N803 - the task's names
        b, t, h = self.A.shape
        ln, n, p = self.block_len, self.d_state, self.d_head
        c = t // ln
        # [b, (c l), h, ...] -> [b, c, h, l, ...]: the head before the position, for per-(b, c, h) products
        xs = ops.permute(X.reshape(b, c, ln, h, p), (0, 1, 3, 2, 4))
        bs = ops.permute(self.B.reshape(b, c, ln, h, n), (0, 1, 3, 2, 4))
        cs = ops.permute(self.C.reshape(b, c, ln, h, n), (0, 1, 3, 2, 4))
        a = ops.permute(self.A.reshape(b, c, ln, h), (0, 3, 1, 2))  # b h c l
        a_cumsum = ops.cumsum(a, -1)
        big_l = ops.permute(segsum_exp(a), (0, 2, 1, 3, 4))  # b c h l s
        y_diag = ops.matmul(ops.mul(ops.matmul(cs, bs, transpose_b=True), big_l), xs)  # b c h l p
        decay = _exp(ops.sub(ops.narrow(a_cumsum, 3, ln - 1, 1), a_cumsum))  # b h c l
        decay = unsqueeze(ops.permute(decay, (0, 2, 1, 3)), -1)  # b c h l 1
        states = ops.matmul(xs, ops.mul(bs, decay), transpose_a=True)  # b c h p n
        dt = as_dtype(X.dtype, type(self).__name__)  # zeros of the input's dtype (f16 stays f16)
        if initial_states is None:
            initial_states = np.zeros((b, 1, h, p, n), dt)
        states = ops.cat([initial_states, states], 1)  # b (c+1) h p n
        ends = ops.narrow(a_cumsum, 3, ln - 1, 1).reshape(b, h, c)
        decay_chunk = segsum_exp(ops.cat([np.zeros((b, h, 1), dt), ends], -1))  # b h z c
        flat = ops.permute(states, (0, 2, 1, 3, 4)).reshape(b, h, c + 1, p * n)
        new_states = ops.permute(ops.matmul(decay_chunk, flat).reshape(b, h, c + 1, p, n), (0, 2, 1, 3, 4))
        if self.returns == "final_state":
            return select(new_states, 1, -1)
        states = slice_dim(new_states, 1, 0, -1)  # b c h p n
        sdo = unsqueeze(ops.permute(_exp(a_cumsum), (0, 2, 1, 3)), -1)  # b c h l 1
        y_off = ops.mul(ops.matmul(cs, states, transpose_b=True), sdo)  # b c h l p
        y = ops.permute(ops.add(y_diag, y_off), (0, 1, 3, 2, 4))  # b c l h p
        return y.reshape(b, t, h, p)


@arch("mamba_return_y")
class Mamba2ReturnY(_Mamba):
    pass


@arch("mamba_return_final_state")
class Mamba2ReturnFinalState(_Mamba):
    returns = "final_state"
