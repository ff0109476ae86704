"""Attention networks of MultiKernelBench's arch category: minGPT's causal attention and block, ReLU
self-attention, attention over an image's pixels, a vision transformer and a convolutional one."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy import ops
from ascendpy.ops import Epilogue, nn
from ascendpy.ops.arch import arch
from ascendpy.ops.nn import expand0, flatten, linear_residual, rows, select, unsqueeze


def _no_attn_dropout(p: float, name: str) -> None:
    if p:
        raise ValueError(f"{name}: attention-weight dropout is not supported (attn_pdrop must be 0)")


@arch("min_gpt_causal_attention", note="ops.multi_head_attention with is_causal (c_attn's three row blocks)")
class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int, attn_pdrop: float, resid_pdrop: float, max_seqlen: int) -> None:
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"CausalSelfAttention: n_embd {n_embd} must divide by n_head {n_head}")
        _no_attn_dropout(attn_pdrop, "CausalSelfAttention")
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.resid_dropout = nn.Dropout(resid_pdrop)
        self.register_buffer("bias", np.tril(np.ones((max_seqlen, max_seqlen), np.float32))[None, None])
        self.n_head, self.n_embd, self.max_seqlen = n_head, n_embd, max_seqlen

    def forward(self, x: Any) -> Any:
        if x.shape[1] > self.max_seqlen:
            raise ValueError(f"CausalSelfAttention: sequence of {x.shape[1]} exceeds max_seqlen {self.max_seqlen}")
        e, w, b = self.n_embd, self.c_attn.weight, self.c_attn.bias
        ws, bs = ([rows(t, i * e, (i + 1) * e) for i in range(3)] for t in (w, b))
        y = ops.multi_head_attention(x, x, x, self.n_head, *ws, self.c_proj.weight, *bs, self.c_proj.bias,
                                     is_causal=True)
        return self.resid_dropout(y)


@arch("mini_gpt_block", note="the MLP's tanh GELU and its residual add fused into the linears' epilogues", lowp=True)
class MiniGPTBlock(nn.Module):
    def __init__(self, n_embd: int, n_head: int, attn_pdrop: float, resid_pdrop: float, max_seqlen: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, attn_pdrop, resid_pdrop, max_seqlen)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(n_embd, 4 * n_embd), c_proj=nn.Linear(4 * n_embd, n_embd),
                                      dropout=nn.Dropout(resid_pdrop)))

    def forward(self, x: Any) -> Any:
        x = ops.add(x, self.attn(self.ln_1(x)))
        m = self.mlp
        h = m["c_fc"](self.ln_2(x), epilogue=Epilogue().gelu("tanh"))
        return linear_residual(m["c_proj"], h, x, m["dropout"])


@arch("relu_self_attention", note="relu(causal(Q K^T / sqrt(d))) V: two cube products, the scale, ReLU and "
                                  "causal mask between them", lowp=True)
class ReLUSelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int, max_seqlen: int) -> None:
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"ReLUSelfAttention: n_embd {n_embd} must divide by n_head {n_head}")
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)  # defined by the task's model, unused by its forward
        self.register_buffer("bias", np.tril(np.ones((max_seqlen, max_seqlen), np.float32))[None, None])
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, x: Any) -> Any:
        b, t, c = x.shape
        hs = c // self.n_head
        qkv = ops.linear(x, self.c_attn.weight, self.c_attn.bias)  # [B, T, 3C]
        q, k, v = (ops.permute(ops.narrow(qkv, 2, i * c, c).reshape(b, t, self.n_head, hs), (0, 2, 1, 3))
                   for i in range(3))
        att = ops.fused(ops.matmul(q, k, transpose_b=True), Epilogue().mul(1.0 / math.sqrt(hs)).relu())
        y = ops.matmul(ops.tril(att), v)  # [B, nh, T, hs]
        return ops.permute(y, (0, 2, 1, 3)).reshape(b, t, c)


@arch("vision_attention", note="the pixels as a sequence: permutes, nn.MultiheadAttention, the residual, layer norm",
      lowp=True)
class VisionAttention(nn.Module):
    def __init__(self, embed_dim: int, num_heads: int) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)
        self.norm = nn.LayerNorm(embed_dim)

    def forward(self, x: Any) -> Any:
        b, c, h, w = x.shape
        seq = ops.transpose(x.reshape(b, c, h * w), 1, 2)  # [B, HW, C]: batch-first, as attention is per image
        out, _ = self.attn(seq, seq, seq)
        y = self.norm(ops.add(out, seq))
        return ops.transpose(y, 1, 2).reshape(b, c, h, w)


@arch("vision_transformer", lowp=True)
class VisionTransformer(nn.Module):
    def __init__(self, image_size: int, patch_size: int, num_classes: int, dim: int, depth: int, heads: int,
                 mlp_dim: int, channels: int = 3, dropout: float = 0.1, emb_dropout: float = 0.1) -> None:
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"VisionTransformer: image_size {image_size} must divide by patch_size {patch_size}")
        from ascendpy.ops.fused import generator

        n = (image_size // patch_size) ** 2
        self.patch_size = patch_size
        self.pos_embedding = nn.Parameter(generator().standard_normal((1, n + 1, dim)).astype(np.float32))
        self.patch_to_embedding = nn.Linear(channels * patch_size ** 2, dim)
        self.cls_token = nn.Parameter(generator().standard_normal((1, 1, dim)).astype(np.float32))
        self.dropout = nn.Dropout(emb_dropout)
        self.transformer = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d_model=dim, nhead=heads, dim_feedforward=mlp_dim, dropout=dropout), depth)
        self.to_cls_token = nn.Identity()
        self.mlp_head = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Dropout(dropout),
                                      nn.Linear(mlp_dim, num_classes))

    def forward(self, img: Any) -> Any:
        p, (b, c, h, w) = self.patch_size, img.shape
        # torch's img.unfold(2, p, p).unfold(3, p, p): [B, C, H/p, W/p, p, p], then read as [B, -1, p p C]
        x = ops.permute(img.reshape(b, c, h // p, p, w // p, p), (0, 1, 2, 4, 3, 5)).reshape(b, -1, p * p * c)
        x = self.patch_to_embedding(x)
        x = ops.add(ops.cat([expand0(self.cls_token, b), x], 1), self.pos_embedding)
        x = self.to_cls_token(select(self.transformer(self.dropout(x)), 1, 0))  # batch_first=False: dim 0 = sequence
        lin1, _, drop, lin2 = list(self.mlp_head._modules.values())
        return lin2(drop(lin1(x, epilogue=Epilogue().gelu())))


@arch("convolutional_vision_transformer", lowp=True)
class ConvolutionalVisionTransformer(nn.Module):
    def __init__(self, num_classes: int, embed_dim: int = 512, num_heads: int = 8, num_layers: int = 6,
                 mlp_ratio: float = 4.0, patch_size: int = 4, in_channels: int = 3, image_size: int = 32) -> None:
        super().__init__()
        self.patch_size, self.image_size, self.embed_dim = patch_size, image_size, embed_dim
        self.conv1 = nn.Conv2d(in_channels, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.linear_proj = nn.Linear(embed_dim * (image_size // patch_size) ** 2, embed_dim)
        self.transformer_layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model=embed_dim, nhead=num_heads, dim_feedforward=int(embed_dim * mlp_ratio),
                                       dropout=0.0, batch_first=True) for _ in range(num_layers))
        self.cls_token = nn.Parameter(np.zeros((1, 1, embed_dim), np.float32))
        self.fc_out = nn.Linear(embed_dim, num_classes)

    def forward(self, x: Any) -> Any:
        b = x.shape[0]
        x = self.linear_proj(flatten(self.conv1(x), 1))
        x = ops.cat([expand0(self.cls_token, b), unsqueeze(x, 1)], 1)
        for layer in self.transformer_layers:
            x = layer(x)
        return self.fc_out(select(x, 1, 0))
