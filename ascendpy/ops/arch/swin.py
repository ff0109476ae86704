"""Swin-MLP and Swin Transformer V2 (MultiKernelBench's swin_mlp and swintransformer_v2), as the tasks' torch
models. Swin-MLP mixes each window's positions with a grouped 1x1 Conv1d (per head) and shifts windows by zero
padding; V2 attends within windows (cosine attention, a continuous position bias) and shifts them by rolls."""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy import ops
from ascendpy.ops import Epilogue, nn
from ascendpy.ops.arch import arch
from ascendpy.ops.nn import flatten, linear_residual, select


class Mlp(nn.Module):
    def __init__(self, in_features: int, hidden_features: int | None = None, out_features: int | None = None,
                 drop: float = 0.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features or in_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features or in_features, out_features or in_features)
        self.drop = nn.Dropout(drop)

    def forward(self, x: Any, residual: Any = None) -> Any:
        """fc2(gelu(fc1(x))) (+ residual, fused into fc2's epilogue)."""
        h = self.drop(self.fc1(x, epilogue=Epilogue().gelu()))
        return self.drop(self.fc2(h)) if residual is None else linear_residual(self.fc2, h, residual, self.drop)


def window_partition(x: Any, ws: int) -> Any:
    """[B, H, W, C] -> [B * nW, ws, ws, C]."""
    b, h, w, c = x.shape
    return ops.permute(x.reshape(b, h // ws, ws, w // ws, ws, c), (0, 1, 3, 2, 4, 5)).reshape(-1, ws, ws, c)


def window_reverse(windows: Any, ws: int, h: int, w: int) -> Any:
    """[B * nW, ws, ws, C] -> [B, H, W, C]."""
    b = windows.shape[0] // (h * w // ws // ws)
    x = windows.reshape(b, h // ws, w // ws, ws, ws, -1)
    return ops.permute(x, (0, 1, 3, 2, 4, 5)).reshape(b, h, w, -1)


def _fit_window(blk: nn.Module, dim: int, res: Any, heads: int, window_size: int, shift_size: int) -> None:
    """A block's geometry, as both Swins set it: a window no larger than the resolution (then unshifted)."""
    blk.dim, blk.input_resolution, blk.num_heads = dim, tuple(res), heads
    blk.window_size, blk.shift_size = window_size, shift_size
    if min(blk.input_resolution) <= window_size:
        blk.shift_size, blk.window_size = 0, min(blk.input_resolution)
    if not 0 <= blk.shift_size < blk.window_size:
        raise ValueError(f"{type(blk).__name__}: shift_size {shift_size} must be in [0, window_size)")


def _tokens(blk: nn.Module, x: Any) -> tuple[int, int, int, int, int]:
    """(h, w, b, n, c) of a block's [B, H W, C] input; ValueError if the token count is not the resolution's."""
    (h, w), (b, n, c) = blk.input_resolution, x.shape
    if n != h * w:
        raise ValueError(f"{type(blk).__name__}: input has {n} tokens, the resolution {h}x{w} needs {h * w}")
    return h, w, b, n, c


class SwinMLPBlock(nn.Module):
    def __init__(self, dim: int, input_resolution: tuple[int, int], num_heads: int, window_size: int = 7,
                 shift_size: int = 0, mlp_ratio: float = 4.0, drop: float = 0.0) -> None:
        super().__init__()
        _fit_window(self, dim, input_resolution, num_heads, window_size, shift_size)
        ws, s = self.window_size, self.shift_size
        self.padding = [ws - s, s, ws - s, s]  # left, right, top, bottom
        self.norm1 = nn.LayerNorm(dim)
        self.spatial_mlp = nn.Conv1d(num_heads * ws ** 2, num_heads * ws ** 2, kernel_size=1, groups=num_heads)
        self.drop_path = nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)

    def forward(self, x: Any) -> Any:
        h, w, b, n, c = _tokens(self, x)
        ws, nh = self.window_size, self.num_heads
        shortcut = x
        x = self.norm1(x).reshape(b, h, w, c)
        if self.shift_size > 0:
            p_l, p_r, p_t, p_b = self.padding
            x = ops.pad(x, [0, 0, p_l, p_r, p_t, p_b])
        _, hh, ww, _ = x.shape
        heads = ops.transpose(window_partition(x, ws).reshape(-1, ws * ws, nh, c // nh), 1, 2)
        mixed = self.spatial_mlp(heads.reshape(-1, nh * ws * ws, c // nh))  # grouped over heads
        mixed = ops.transpose(mixed.reshape(-1, nh, ws * ws, c // nh), 1, 2).reshape(-1, ws, ws, c)
        x = window_reverse(mixed, ws, hh, ww)
        if self.shift_size > 0:
            x = ops.narrow(ops.narrow(x, 1, p_t, h), 2, p_l, w)
        x = ops.add(shortcut, x.reshape(b, h * w, c))
        return self.mlp(self.norm2(x), residual=x)


class PatchMerging(nn.Module):
    def __init__(self, input_resolution: tuple[int, int], dim: int) -> None:
        super().__init__()
        self.input_resolution, self.dim = tuple(input_resolution), dim
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def merge(self, x: Any) -> Any:
        """[B, H W, C] -> [B, H/2 W/2, 4 C]: cat([x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]], -1),
        which is one permute (w parity, then h parity, then C)."""
        (h, w), (b, _, c) = self.input_resolution, x.shape
        if h % 2 or w % 2:
            raise ValueError(f"PatchMerging: resolution {h}x{w} must be even")
        return ops.permute(x.reshape(b, h // 2, 2, w // 2, 2, c), (0, 1, 3, 4, 2, 5)).reshape(b, -1, 4 * c)

    def forward(self, x: Any) -> Any:
        return self.reduction(self.norm(self.merge(x)))


class BasicLayer(nn.Module):
    def __init__(self, dim: int, input_resolution: tuple[int, int], depth: int, num_heads: int, window_size: int,
                 mlp_ratio: float = 4.0, drop: float = 0.0, downsample: bool = False) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            SwinMLPBlock(dim, input_resolution, num_heads, window_size, 0 if i % 2 == 0 else window_size // 2,
                         mlp_ratio, drop) for i in range(depth))
        self.downsample = PatchMerging(input_resolution, dim) if downsample else None

    def forward(self, x: Any) -> Any:
        for blk in self.blocks:
            x = blk(x)
        return x if self.downsample is None else self.downsample(x)


class PatchEmbed(nn.Module):
    def __init__(self, img_size: int = 224, patch_size: int = 4, in_chans: int = 3, embed_dim: int = 96,
                 norm: bool = True) -> None:
        super().__init__()
        self.img_size, self.patch_size = img_size, patch_size
        self.patches_resolution = [img_size // patch_size, img_size // patch_size]
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.norm = nn.LayerNorm(embed_dim) if norm else None

    def forward(self, x: Any) -> Any:
        if tuple(x.shape[2:]) != (self.img_size, self.img_size):
            raise ValueError(f"PatchEmbed: input size {tuple(x.shape[2:])} doesn't match the model's "
                             f"{self.img_size}x{self.img_size}")
        y = self.proj(x)
        x = ops.transpose(y.reshape(*y.shape[:2], -1), 1, 2)  # B, Ph Pw, C
        return x if self.norm is None else self.norm(x)


@arch("swin_mlp", note="the task's defaults: Swin-MLP-T, img 224, depths [2, 2, 6, 2]", lowp=True)
class SwinMLP(nn.Module):
    def __init__(self, img_size: int = 224, patch_size: int = 4, in_chans: int = 3, num_classes: int = 1000,
                 embed_dim: int = 96, depths: tuple[int, ...] = (2, 2, 6, 2),
                 num_heads: tuple[int, ...] = (3, 6, 12, 24),
                 window_size: int = 7, mlp_ratio: float = 4.0, drop_rate: float = 0.0, drop_path_rate: float = 0.1,
                 patch_norm: bool = True) -> None:
        super().__init__()
        self.num_layers = len(depths)
        self.num_features = int(embed_dim * 2 ** (self.num_layers - 1))
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim, patch_norm)
        res = self.patch_embed.patches_resolution
        self.pos_drop = nn.Dropout(p=drop_rate)
        self.layers = nn.ModuleList(
            BasicLayer(int(embed_dim * 2 ** i), (res[0] // 2 ** i, res[1] // 2 ** i), depths[i], num_heads[i],
                       window_size, mlp_ratio, drop_rate, downsample=i < self.num_layers - 1)
            for i in range(self.num_layers))  # drop_path_rate: the task's blocks use no drop path
        self.norm = nn.LayerNorm(self.num_features)
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()

    def forward_features(self, x: Any) -> Any:
        x = self.pos_drop(self.patch_embed(x))
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x)  # B L C
        return flatten(ops.adaptive_avg_pool1d(ops.transpose(x, 1, 2), 1), 1)

    def forward(self, x: Any) -> Any:
        return self.head(self.forward_features(x))


# ---- Swin Transformer V2 (swintransformer_v2): cosine attention in windows with a log-spaced continuous
# position bias (an MLP over relative coordinates), post-norm residuals, shifted windows by rolls and a mask.
def _relative_tables(ws: tuple[int, int], pretrained: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(relative_coords_table [1, 2Wh-1, 2Ww-1, 2], relative_position_index [Wh Ww, Wh Ww]): the window's
    geometry, fixed at construction as the torch model's buffers."""
    h = np.arange(-(ws[0] - 1), ws[0], dtype=np.float32)
    w = np.arange(-(ws[1] - 1), ws[1], dtype=np.float32)
    table = np.stack(np.meshgrid(h, w, indexing="ij")).transpose(1, 2, 0)[None].copy()
    div = pretrained if pretrained[0] > 0 else ws
    table[..., 0] /= div[0] - 1
    table[..., 1] /= div[1] - 1
    table *= 8
    table = (np.sign(table) * np.log2(np.abs(table) + 1.0) / np.log2(8)).astype(np.float32)
    coords = np.stack(np.meshgrid(np.arange(ws[0]), np.arange(ws[1]), indexing="ij")).reshape(2, -1)
    rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0)
    index = (rel[..., 0] + ws[0] - 1) * (2 * ws[1] - 1) + rel[..., 1] + ws[1] - 1
    return table, index.astype(np.int64)


class WindowAttention(nn.Module):
    def __init__(self, dim: int, window_size: tuple[int, int], num_heads: int, qkv_bias: bool = True,
                 attn_drop: float = 0.0, proj_drop: float = 0.0,
                 pretrained_window_size: tuple[int, int] = (0, 0)) -> None:
        super().__init__()
        if attn_drop:
            raise ValueError("WindowAttention: attention-weight dropout is not supported (attn_drop must be 0)")
        self.dim, self.window_size, self.num_heads = dim, tuple(window_size), num_heads
        self.logit_scale = nn.Parameter(np.log(10 * np.ones((num_heads, 1, 1), np.float32)))
        self.cpb_mlp = nn.Sequential(nn.Linear(2, 512, bias=True), nn.ReLU(inplace=True),
                                     nn.Linear(512, num_heads, bias=False))
        table, index = _relative_tables(self.window_size, tuple(pretrained_window_size))
        self.register_buffer("relative_coords_table", table)
        self.register_buffer("relative_position_index", index)
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.q_bias = nn.Parameter(np.zeros(dim, np.float32)) if qkv_bias else None
        self.v_bias = nn.Parameter(np.zeros(dim, np.float32)) if qkv_bias else None
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: Any, mask: Any = None) -> Any:
        b_, n, c = x.shape
        nh = self.num_heads
        bias = None if self.q_bias is None else ops.cat([self.q_bias, np.zeros(self.v_bias.shape, self.v_bias.dtype),
                                                         self.v_bias])
        qkv = ops.permute(ops.linear(x, self.qkv.weight, bias).reshape(b_, n, 3, nh, -1), (2, 0, 3, 1, 4))
        q, k, v = (ops.normalize(select(qkv, 0, i), dim=-1) if i < 2 else select(qkv, 0, i) for i in range(3))
        scale = ops.fused(self.logit_scale, Epilogue().clamp(max=float(np.log(1.0 / 0.01))).exp())
        attn = ops.mul(ops.matmul(q, k, transpose_b=True), scale)  # cosine similarity, per-head temperature
        table = self.cpb_mlp[2](self.cpb_mlp[0](self.relative_coords_table, epilogue=Epilogue().relu()))
        table = table.reshape(-1, nh)
        rel = ops.embedding(self.relative_position_index.reshape(-1), table).reshape(n, n, nh)
        rel = ops.fused(ops.permute(rel, (2, 0, 1)), Epilogue().sigmoid().mul(16.0))  # nH, N, N
        attn = ops.add(attn, rel)
        if mask is not None:
            nw = mask.shape[0]
            attn = ops.add(attn.reshape(b_ // nw, nw, nh, n, n), mask.reshape(1, nw, 1, n, n)).reshape(-1, nh, n, n)
        y = ops.transpose(ops.matmul(ops.softmax(attn, dim=-1), v), 1, 2).reshape(b_, n, c)
        return self.proj_drop(self.proj(y))


def _shift_mask(h: int, w: int, ws: int, shift: int) -> np.ndarray:
    """The shifted windows' attention mask [nW, ws^2, ws^2]: -100 between positions of different regions."""
    img = np.zeros((1, h, w, 1), np.float32)
    cnt = 0
    for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
        for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
            img[:, hs, wsl, :] = cnt
            cnt += 1
    win = img.reshape(1, h // ws, ws, w // ws, ws, 1).transpose(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws)
    diff = win[:, None, :] - win[:, :, None]
    return np.where(diff != 0, -100.0, 0.0).astype(np.float32)


class SwinTransformerBlock(nn.Module):
    def __init__(self, dim: int, input_resolution: tuple[int, int], num_heads: int, window_size: int = 7,
                 shift_size: int = 0, mlp_ratio: float = 4.0, qkv_bias: bool = True, drop: float = 0.0,
                 attn_drop: float = 0.0, pretrained_window_size: int = 0) -> None:
        super().__init__()
        _fit_window(self, dim, input_resolution, num_heads, window_size, shift_size)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, (self.window_size,) * 2, num_heads, qkv_bias, attn_drop, drop,
                                    (pretrained_window_size,) * 2)
        self.drop_path = nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)
        h, w = self.input_resolution
        self.register_buffer("attn_mask", _shift_mask(h, w, self.window_size, self.shift_size)
                             if self.shift_size > 0 else None)

    def forward(self, x: Any) -> Any:
        h, w, b, n, c = _tokens(self, x)
        ws, s = self.window_size, self.shift_size
        shortcut = x
        x = x.reshape(b, h, w, c)
        if s > 0:
            x = ops.roll(x, (-s, -s), (1, 2))
        windows = self.attn(window_partition(x, ws).reshape(-1, ws * ws, c), mask=self.attn_mask)
        x = window_reverse(windows.reshape(-1, ws, ws, c), ws, h, w)
        if s > 0:
            x = ops.roll(x, (s, s), (1, 2))
        x = ops.add(shortcut, self.norm1(x.reshape(b, h * w, c)))
        return ops.add(x, self.norm2(self.mlp(x)))


class PatchMergingV2(PatchMerging):
    """V2's patch merging: the reduction, then the norm (over 2 C)."""

    def __init__(self, input_resolution: tuple[int, int], dim: int) -> None:
        super().__init__(input_resolution, dim)
        self.norm = nn.LayerNorm(2 * dim)

    def forward(self, x: Any) -> Any:
        return self.norm(self.reduction(self.merge(x)))


class BasicLayerV2(BasicLayer):
    def __init__(self, dim: int, input_resolution: tuple[int, int], depth: int, num_heads: int, window_size: int,
                 mlp_ratio: float = 4.0, qkv_bias: bool = True, drop: float = 0.0, attn_drop: float = 0.0,
                 downsample: bool = False, pretrained_window_size: int = 0) -> None:
        nn.Module.__init__(self)
        self.blocks = nn.ModuleList(
            SwinTransformerBlock(dim, input_resolution, num_heads, window_size,
                                 0 if i % 2 == 0 else window_size // 2, mlp_ratio, qkv_bias, drop, attn_drop,
                                 pretrained_window_size) for i in range(depth))
        self.downsample = PatchMergingV2(input_resolution, dim) if downsample else None


@arch("swintransformer_v2", note="the task's defaults: Swin-V2-T, img 224, window 7", lowp=True)
class SwinTransformerV2(SwinMLP):
    """The same trunk as SwinMLP (patch embedding, layers, norm, pooled head) with V2's attention layers."""

    def __init__(self, img_size: int = 224, patch_size: int = 4, in_chans: int = 3, num_classes: int = 1000,
                 embed_dim: int = 96, depths: tuple[int, ...] = (2, 2, 6, 2),
                 num_heads: tuple[int, ...] = (3, 6, 12, 24), window_size: int = 7, mlp_ratio: float = 4.0,
                 qkv_bias: bool = True, drop_rate: float = 0.0, attn_drop_rate: float = 0.0,
                 drop_path_rate: float = 0.1, patch_norm: bool = True,
                 pretrained_window_sizes: tuple[int, ...] = (0, 0, 0, 0)) -> None:
        nn.Module.__init__(self)
        self.num_layers = len(depths)
        self.num_features = int(embed_dim * 2 ** (self.num_layers - 1))
        self.patch_embed = PatchEmbed(img_size, patch_size, in_chans, embed_dim, patch_norm)
        res = self.patch_embed.patches_resolution
        self.pos_drop = nn.Dropout(p=drop_rate)
        self.layers = nn.ModuleList(
            BasicLayerV2(int(embed_dim * 2 ** i), (res[0] // 2 ** i, res[1] // 2 ** i), depths[i], num_heads[i],
                         window_size, mlp_ratio, qkv_bias, drop_rate, attn_drop_rate, i < self.num_layers - 1,
                         pretrained_window_sizes[i])
            for i in range(self.num_layers))  # drop_path_rate: the task's blocks use no drop path
        self.norm = nn.LayerNorm(self.num_features)
        self.head = nn.Linear(self.num_features, num_classes) if num_classes > 0 else nn.Identity()
