"""Swin-MLP (MultiKernelBench's swin_mlp): windows of patches mixed by a grouped 1x1 Conv1d across the
window's positions (per head), shifted windows by zero padding, patch merging, as the task's torch model."""

from __future__ import annotations

from typing import Any

from ascendpy import ops
from ascendpy.ops import Epilogue, nn
from ascendpy.ops.arch import arch
from ascendpy.ops.nn import flatten


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
        h = self.drop(ops.linear(x, self.fc1.weight, self.fc1.bias, epilogue=Epilogue().gelu()))
        if residual is None or (self.drop.training and self.drop.p > 0):
            y = self.drop(self.fc2(h))
            return y if residual is None else ops.add(residual, y)
        return ops.linear(h, self.fc2.weight, self.fc2.bias, epilogue=Epilogue().add(residual))


def window_partition(x: Any, ws: int) -> Any:
    """[B, H, W, C] -> [B * nW, ws, ws, C]."""
    b, h, w, c = x.shape
    return ops.permute(x.reshape(b, h // ws, ws, w // ws, ws, c), (0, 1, 3, 2, 4, 5)).reshape(-1, ws, ws, c)


def window_reverse(windows: Any, ws: int, h: int, w: int) -> Any:
    """[B * nW, ws, ws, C] -> [B, H, W, C]."""
    b = windows.shape[0] // (h * w // ws // ws)
    x = windows.reshape(b, h // ws, w // ws, ws, ws, -1)
    return ops.permute(x, (0, 1, 3, 2, 4, 5)).reshape(b, h, w, -1)


class SwinMLPBlock(nn.Module):
    def __init__(self, dim: int, input_resolution: tuple[int, int], num_heads: int, window_size: int = 7,
                 shift_size: int = 0, mlp_ratio: float = 4.0, drop: float = 0.0) -> None:
        super().__init__()
        self.dim, self.input_resolution, self.num_heads = dim, tuple(input_resolution), num_heads
        self.window_size, self.shift_size = window_size, shift_size
        if min(self.input_resolution) <= self.window_size:
            self.shift_size, self.window_size = 0, min(self.input_resolution)
        if not 0 <= self.shift_size < self.window_size:
            raise ValueError(f"SwinMLPBlock: shift_size {shift_size} must be in [0, window_size)")
        ws, s = self.window_size, self.shift_size
        self.padding = [ws - s, s, ws - s, s]  # left, right, top, bottom
        self.norm1 = nn.LayerNorm(dim)
        self.spatial_mlp = nn.Conv1d(num_heads * ws ** 2, num_heads * ws ** 2, kernel_size=1, groups=num_heads)
        self.drop_path = nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop=drop)

    def forward(self, x: Any) -> Any:
        (h, w), (b, n, c) = self.input_resolution, x.shape
        if n != h * w:
            raise ValueError(f"SwinMLPBlock: input has {n} tokens, the resolution {h}x{w} needs {h * w}")
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

    def forward(self, x: Any) -> Any:
        (h, w), (b, _, c) = self.input_resolution, x.shape
        if h % 2 or w % 2:
            raise ValueError(f"PatchMerging: resolution {h}x{w} must be even")
        # cat([x[0::2, 0::2], x[1::2, 0::2], x[0::2, 1::2], x[1::2, 1::2]], -1) is one permute: (w parity, h parity)
        x = ops.permute(x.reshape(b, h // 2, 2, w // 2, 2, c), (0, 1, 3, 4, 2, 5)).reshape(b, -1, 4 * c)
        return self.reduction(self.norm(x))


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


@arch("swin_mlp", note="the task's defaults: Swin-MLP-T, img 224, depths [2, 2, 6, 2]")
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
