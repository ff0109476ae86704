"""Resampling as torch.nn.functional has it: interpolate, affine_grid and grid_sample (kernels/resize.py).

interpolate runs one dim at a time, last dim first. Its (index, weight) tables per dim depend on the shapes
only and are built here, with torch's source-index rules (UpSample.h: area_pixel_compute_source_index,
nearest_idx, the cubic coefficients with A = -0.75, the antialias filters); the device does every
multiply-add. grid_sample's coordinates are data, so the device computes them too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, metadata
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream

_F32 = np.dtype(np.float32)
_LINEAR = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}  # mode -> the spatial dims it takes
_MODES = ("nearest", "nearest-exact", "area") + tuple(_LINEAR)


def _scale(size: int, out: int, align: bool, scale: float | None) -> float:
    """torch's area_pixel_compute_scale: the input step per output step."""
    if align:
        return (size - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / scale if scale else size / out


def _source(scale: float, o: np.ndarray, align: bool, cubic: bool) -> np.ndarray:
    """torch's area_pixel_compute_source_index, in f32 as torch computes it for float inputs."""
    s, o = np.float32(scale), o.astype(np.float32)
    if align:
        return s * o
    src = s * (o + np.float32(0.5)) - np.float32(0.5)
    return src if cubic else np.maximum(src, np.float32(0))


def _cubic(t: np.ndarray, a: float) -> np.ndarray:
    """The four cubic-convolution weights of offset t in [0, 1) (torch's get_cubic_upsample_coefficients)."""
    def near(x: np.ndarray) -> np.ndarray:
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)])


def _aa_filter(mode: str, x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    if mode == "bilinear":
        return np.where(x < 1, 1 - x, 0.0)
    a = -0.5  # torch's antialiased bicubic uses PIL's a = -0.5
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))


def taps(mode: str, size: int, out: int, scale: float | None, align: bool, antialias: bool
         ) -> tuple[np.ndarray, np.ndarray]:
    """(idx, wts) of shape [taps, out]: output o along one dim = sum_t wts[t, o] * input[idx[t, o]]."""
    o = np.arange(out)
    if mode in ("nearest", "nearest-exact"):
        if out == size:
            idx = o
        elif mode == "nearest" and out == 2 * size:
            idx = o >> 1
        else:
            s = np.float32(1.0 / scale if scale else size / out)
            shift = np.float32(0.5 if mode == "nearest-exact" else 0.0)
            idx = np.minimum(np.floor((o.astype(np.float32) + shift) * s).astype(np.int64), size - 1)
        return idx[None], np.ones((1, out))
    if mode == "area":  # adaptive average pooling
        start = (o * size) // out
        end = -((-(o + 1) * size) // out)
        n = int((end - start).max())
        idx = np.minimum(start[None] + np.arange(n)[:, None], size - 1)
        wts = np.where(np.arange(n)[:, None] < (end - start)[None], 1.0 / (end - start)[None], 0.0)
        return idx, wts
    s = _scale(size, out, align, scale)
    if antialias:
        support = (1.0 if mode == "bilinear" else 2.0) * (s if s >= 1.0 else 1.0)
        inv = 1.0 / s if s >= 1.0 else 1.0
        center = s * (o + 0.5)
        lo = np.maximum((center - support + 0.5).astype(np.int64), 0)
        hi = np.minimum((center + support + 0.5).astype(np.int64), size)
        n = int((hi - lo).max())
        j = np.arange(n)[:, None]
        wts = np.where(j < (hi - lo)[None], _aa_filter(mode, (j + lo[None] - center[None] + 0.5) * inv), 0.0)
        total = wts.sum(0)
        wts = wts / np.where(total == 0, 1.0, total)
        return np.minimum(lo[None] + j, size - 1), wts
    if mode == "bicubic":
        src = _source(s, o, align, cubic=True)
        i0 = np.floor(src)
        wts = _cubic((src - i0).astype(np.float64), -0.75)
        idx = np.clip(i0.astype(np.int64)[None] + np.arange(-1, 3)[:, None], 0, size - 1)
        return idx, wts
    if out == size:
        return o[None], np.ones((1, out))
    src = _source(s, o, align, cubic=False)
    i0 = src.astype(np.int64)
    lam = np.clip(src - i0.astype(np.float32), 0, 1).astype(np.float64)
    return np.stack([i0, np.minimum(i0 + 1, size - 1)]), np.stack([1 - lam, lam])


def _identity(idx: np.ndarray, wts: np.ndarray) -> bool:
    return idx.shape[0] == 1 and (idx[0] == np.arange(idx.shape[1])).all() and bool((wts == 1).all())


def _resample_last(call: OpCall, x: Tensor, out: int, idx: np.ndarray, wts: np.ndarray) -> Tensor:
    from ascendpy.ops.kernels import resize as k

    size = x.shape[-1]
    rows = x.size // size
    ntap = idx.shape[0]
    # each tap's table row is rb * out entries rounded up to 8 (32 bytes): all ntap rows must fit TAB
    rb = max(1, min(k.ROW // size, k.OUTW // out, k.TAB // ntap // 8 * 8 // out, rows))
    if size > k.ROW or out > k.OUTW or ntap * -(-out // 8) * 8 > k.TAB:
        raise ValueError(f"{call.op}: resampling {size} -> {out} elements ({ntap} taps) along the last dim "
                         f"exceeds the kernel's rows ({k.ROW} in, {k.OUTW} out, {k.TAB} table entries)")
    tw = -(-rb * out // 8) * 8  # each tap's table row starts 32-byte aligned
    shift = (np.arange(rb) * size)[:, None]
    off = np.zeros((ntap, tw), np.uint32)
    w = np.zeros((ntap, tw), np.float32)
    for t in range(ntap):
        off[t, :rb * out] = ((shift + idx[t][None]) * 4).reshape(-1)
        w[t, :rb * out] = np.tile(wts[t], rb)
    y = call.empty(x.shape[:-1] + (out,), _F32)
    call.launch(k, "resample_last_f32", call.blocks(-(-rows // rb), 1), x, y, metadata(call, off),
                metadata(call, w), rows, size, out, ntap, rb, tw)
    return y


def _resample_mid(call: OpCall, x: Tensor, dim: int, out: int, idx: np.ndarray, wts: np.ndarray) -> Tensor:
    from ascendpy.ops.kernels import resize as k

    ntap = idx.shape[0]
    if ntap * out > k.TAB:
        raise ValueError(f"{call.op}: resampling dim {dim} to {out} elements with {ntap} taps exceeds the "
                         f"kernel's {k.TAB} table entries")
    outer = math.prod(x.shape[:dim])
    inner = math.prod(x.shape[dim + 1:])
    y = call.empty(x.shape[:dim] + (out,) + x.shape[dim + 1:], _F32)
    units = outer * out * -(-inner // k.PIECE)
    call.launch(k, "resample_mid_f32", call.blocks(units, 1), x, y, metadata(call, idx.astype(np.int32)),
                metadata(call, wts.astype(np.float32)), outer, x.shape[dim], out, inner, ntap)
    return y


def _sizes(op: str, spatial: tuple[int, ...], size: Any, scale_factor: Any) -> tuple[tuple[int, ...], list]:
    nd = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * nd if isinstance(size, int) else tuple(size)
        if len(sizes) != nd or any(not isinstance(s, int | np.integer) or s < 1 for s in sizes):
            raise ValueError(f"{op}: size must be a positive int or {nd} of them for {nd} spatial dims, got {size!r}")
        return tuple(int(s) for s in sizes), [None] * nd
    scales = (scale_factor,) * nd if isinstance(scale_factor, int | float) else tuple(scale_factor)
    if len(scales) != nd or any(not s > 0 for s in scales):
        raise ValueError(f"{op}: scale_factor must be a positive number or {nd} of them, got {scale_factor!r}")
    outs = tuple(math.floor(float(n) * float(s)) for n, s in zip(spatial, scales))
    if min(outs) < 1:
        raise ValueError(f"{op}: scale_factor {scale_factor!r} gives an empty output for spatial size {spatial}")
    return outs, [float(s) for s in scales]


@operator("resize", "vector", FLOATS, ("nearest_neighbor_upsample", "bilinear_upsample", "downsample_bilinear",
                                       "interpolate_dynamic", "trilinear_upsample", "bicubic_upsample",
                                       "resize_with_antialias"),
          note="one separable pass per spatial dim, each a Gather (last dim) or row multiply-adds (the others)")
def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False, *, stream: Stream | None = None) -> Any:
    """F.interpolate over the dims after [N, C]: nearest, nearest-exact, area, (bi/tri)linear, bicubic."""
    op = "ascendpy.ops.interpolate"
    if mode not in _MODES:
        raise ValueError(f"{op}: mode {mode!r} is not one of {', '.join(_MODES)}")
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"{', '.join(_LINEAR)} (mode is {mode!r})")
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError(f"{op}: antialias is only for bilinear and bicubic, not {mode!r}")
    with OpCall(op, stream) as call:
        t = call.tensor(input, "input")
        nd = t.ndim - 2
        if nd not in (1, 2, 3):
            raise ValueError(f"{op}: input must be 3-d, 4-d or 5-d ([N, C, spatial...]), got shape {t.shape}")
        if mode in _LINEAR and _LINEAR[mode] != nd:
            raise ValueError(f"{op}: mode {mode!r} needs a {_LINEAR[mode] + 2}-d input, got {t.ndim}-d {t.shape}")
        spatial = t.shape[2:]
        outs, scales = _sizes(op, spatial, size, scale_factor)
        if recompute_scale_factor:
            scales = [None] * nd
        plan = [(d, *taps(mode, spatial[d], outs[d], scales[d], bool(align_corners), antialias))
                for d in reversed(range(nd))]
        # dims resampled to themselves are skipped; a copy is made when every dim is
        plan = [s for s in plan if not (s[1].shape[1] == spatial[s[0]] and _identity(*s[1:]))] or plan[:1]
        cur = call.cast(t, _F32)
        for d, idx, wts in plan:
            if d == nd - 1:
                cur = _resample_last(call, cur, outs[d], idx, wts)
            else:
                cur = _resample_mid(call, cur, d + 2, outs[d], idx, wts)
        return call.result(call.cast(cur, t.dtype))


def _align(op: str, align_corners: bool | None) -> bool:
    if align_corners not in (None, True, False):
        raise ValueError(f"{op}: align_corners must be a bool, got {align_corners!r}")
    return bool(align_corners)


@operator("resize", "vector", FLOATS, ("grid_sample_affine", "upsample_grid_sample"),
          note="the grid of a batch of 2x3 affine matrices (before grid_sample)")
def affine_grid(theta: Any, size: Any, align_corners: bool | None = None, *, stream: Stream | None = None) -> Any:
    """F.affine_grid for 2-D: grid [N, H, W, 2] of theta [N, 2, 3] applied to the normalised pixel centres."""
    from ascendpy.ops.kernels import resize as k

    op = "ascendpy.ops.affine_grid"
    align = _align(op, align_corners)
    size = tuple(int(s) for s in size)
    if len(size) != 4:
        raise ValueError(f"{op}: size must be [N, C, H, W] (2-D grids), got {size}")
    n, _, h, w = size
    if min(size) < 1 or w > k.WIDE:
        raise ValueError(f"{op}: size {size} must be positive with W <= {k.WIDE}")
    with OpCall(op, stream) as call:
        th = call.tensor(theta, "theta")
        if th.shape != (n, 2, 3):
            raise ValueError(f"{op}: theta must be [N, 2, 3] = [{n}, 2, 3] for size {size}, got {th.shape}")
        thf = call.cast(th, _F32)

        def base(m: int) -> np.ndarray:
            if m == 1:
                return np.zeros(1, np.float32)
            v = np.linspace(-1.0, 1.0, m, dtype=np.float32)
            return v if align else v * np.float32((m - 1) / m)

        wp = -(-w // 8) * 8
        il = np.empty(2 * w, np.uint32)
        il[0::2] = np.arange(w) * 4
        il[1::2] = (wp + np.arange(w)) * 4
        grid = call.empty((n, h, w, 2), _F32)
        call.launch(k, "affine_grid_f32", call.blocks(n * h, 1), thf, metadata(call, base(w)),
                    metadata(call, base(h)), metadata(call, il), grid, n, h, w, wp)
        return call.result(call.cast(grid, th.dtype))


@operator("resize", "vector", FLOATS, ("grid_sample_affine", "grid_sample_random_warp", "upsample_grid_sample"),
          note="grid_sample_affine and upsample_grid_sample sample on affine_grid's grid (after interpolate)")
def grid_sample(input: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",  # noqa: A002
                align_corners: bool | None = None, *, stream: Stream | None = None) -> Any:
    """F.grid_sample for 2-D: out[n, c, h, w] = input[n, c] sampled at grid[n, h, w] = (x, y) in [-1, 1]."""
    from ascendpy.ops.kernels import resize as k

    op = "ascendpy.ops.grid_sample"
    align = _align(op, align_corners)
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"{op}: mode {mode!r} is not supported (bilinear, nearest)")
    if padding_mode not in ("zeros", "border"):
        raise ValueError(f"{op}: padding_mode {padding_mode!r} is not supported (zeros, border)")
    with OpCall(op, stream) as call:
        x = call.tensor(input, "input")
        g = call.tensor(grid, "grid")
        if x.ndim != 4 or g.ndim != 4 or g.shape[0] != x.shape[0] or g.shape[3] != 2:
            raise ValueError(f"{op}: input must be [N, C, H, W] and grid [N, H_out, W_out, 2] with the same N, "
                             f"got {x.shape} and {g.shape}")
        if g.dtype != x.dtype:
            raise TypeError(f"{op}: grid has dtype {g.dtype} but input {x.dtype}; they must match (as torch)")
        n, c, h, w = x.shape
        if w > k.BAND or h * w >= 1 << 24:
            raise ValueError(f"{op}: input planes of {h}x{w} exceed the kernel's ({k.BAND} elements a row, "
                             "2^24 a plane)")
        p = g.shape[1] * g.shape[2]
        corners = 4 if mode == "bilinear" else 1

        def coef(m: int) -> tuple[float, float, float]:  # torch's grid_sampler_unnormalize: ((g + 1) * a + b) * d
            return (0.5, 0.0, m - 1.0) if align else (float(m), -1.0, 0.5)

        taps_ = call.empty((n, 2 * corners, p), _F32)
        chunks = -(-p // k.PIX)
        call.launch(k, "grid_taps_f32", call.blocks(n * chunks, 1), call.cast(g, _F32), taps_, n, p, h, w,
                    *coef(w), *coef(h), corners, int(padding_mode == "border"))
        out = call.empty((n, c, g.shape[1], g.shape[2]), _F32)
        call.launch(k, "grid_sample_f32", call.blocks(n * c, 1), call.cast(x, _F32), taps_, out, n, c, h * w, w,
                    k.BAND // w, p, corners)
        return call.result(call.cast(out, x.dtype))
