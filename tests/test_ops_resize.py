"""ascendpy.ops resize (interpolate, affine_grid, grid_sample) against float64 numpy references.

interpolate's reference is a dense [out, in] matrix per spatial dim, built output by output from torch's
definitions (source coordinate, Keys' cubic with A = -0.75, the antialias triangle / cubic filters, adaptive
averages), applied with einsum; the kernels use gathered tap tables instead. Source coordinates are computed
in float32, as torch does (nearest floors a float32 product; linear and cubic weights come from a float32
coordinate, whose rounding at a coordinate of 2500 moves a weight by 1e-4). grid_sample's reference samples
pixel by pixel from coordinates computed in float32 as torch computes them; its float32 tolerance is
(2e-5, 2e-6), a corner's weight being two rounded products.
"""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, TOL, check, f64, rand

GRID_TOL = {"float32": (2e-5, 2e-6), "float16": TOL["float16"], "bfloat16": TOL["bfloat16"]}


def _keys(d: float, a: float) -> float:
    d = abs(d)
    if d <= 1:
        return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
    return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a if d < 2 else 0.0


def _matrix(mode, size, out, scale, align, antialias=False):
    """M[o, i]: output o = sum_i M[o, i] input[i] along one dim."""
    m = np.zeros((out, size))
    if align:
        step = (size - 1) / (out - 1) if out > 1 else 0.0
    else:
        step = 1 / scale if scale else size / out
    for o in range(out):
        if mode in ("nearest", "nearest-exact"):
            if out == size:
                i = o
            elif mode == "nearest" and out == 2 * size:
                i = o // 2
            else:
                s = np.float32(1 / scale if scale else size / out)
                i = min(int(np.floor((np.float32(o) + np.float32(mode == "nearest-exact") / 2) * s)), size - 1)
            m[o, i] = 1
        elif mode == "area":
            lo, hi = o * size // out, -(-(o + 1) * size // out)
            m[o, lo:hi] = 1 / (hi - lo)
        elif antialias:
            support = (1 if mode == "bilinear" else 2) * max(step, 1.0)
            center = step * (o + 0.5)
            for i in range(max(int(center - support + 0.5), 0), min(int(center + support + 0.5), size)):
                d = (i + 0.5 - center) / max(step, 1.0)
                m[o, i] = max(1 - abs(d), 0) if mode == "bilinear" else _keys(d, -0.5)
            m[o] /= m[o].sum()
        else:
            f, half = np.float32(step), np.float32(0.5)  # torch computes the coordinate in float32
            src = float(f * np.float32(o) if align else f * (np.float32(o) + half) - half)
            if mode == "bicubic":
                i0 = int(np.floor(src))
                for k in range(-1, 3):
                    m[o, min(max(i0 + k, 0), size - 1)] += _keys(src - (i0 + k), -0.75)
            elif out == size:
                m[o, o] = 1
            else:
                src = max(src, 0.0)
                i0 = int(src)
                lam = min(src - i0, 1.0)
                m[o, i0] += 1 - lam
                m[o, min(i0 + 1, size - 1)] += lam
    return m


def _interp(x, outs, mode, scales=None, align=False, antialias=False):
    y = f64(x)
    for d, out in enumerate(outs):
        m = _matrix(mode, x.shape[d + 2], out, scales[d] if scales else None, align, antialias)
        y = np.moveaxis(np.tensordot(m, np.moveaxis(y, d + 2, 0), axes=(1, 0)), 0, d + 2)
    return y


def _affine(theta, size, align):
    n, _, h, w = size

    def base(k):
        if k == 1:
            return np.zeros(1)
        v = np.linspace(-1, 1, k)
        return v if align else v * (k - 1) / k

    pts = np.stack(np.broadcast_arrays(base(w)[None, :], base(h)[:, None], np.ones((h, w))), -1)  # [h, w, 3]
    return np.einsum("hwk,njk->nhwj", pts, f64(theta))


def _sample(x, grid, mode="bilinear", padding="zeros", align=False):
    x, grid = f64(x), f64(grid)
    n, c, h, w = x.shape
    out = np.zeros((n, c) + grid.shape[1:3])

    def unnorm(g, k):  # in float32, as torch
        one, half = np.float32(1), np.float32(0.5)
        g = g.astype(np.float32)
        v = (g + one) * half * np.float32(k - 1) if align else ((g + one) * np.float32(k) - one) * half
        return f64(np.clip(v, 0, k - 1) if padding == "border" else v)

    for b in range(n):
        ix, iy = unnorm(grid[b, ..., 0], w), unnorm(grid[b, ..., 1], h)
        if mode == "nearest":
            corners = [(np.rint(ix), np.rint(iy), np.ones_like(ix))]
        else:
            x0, y0 = np.floor(ix), np.floor(iy)
            fx, fy = ix - x0, iy - y0
            corners = [(x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)), (x0, y0 + 1, (1 - fx) * fy),
                       (x0 + 1, y0 + 1, fx * fy)]
        for cx, cy, wt in corners:
            ok = (cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)
            xi, yi = np.clip(cx, 0, w - 1).astype(int), np.clip(cy, 0, h - 1).astype(int)
            out[b] += x[b][:, yi, xi] * np.where(ok, wt, 0)
    return out


# input shape, interpolate keyword arguments
CASES = [
    ((2, 3, 7), dict(size=13, mode="nearest")),
    ((2, 3, 5, 6), dict(scale_factor=4.0, mode="nearest")),
    ((1, 2, 3, 4, 5), dict(scale_factor=2, mode="nearest")),
    ((2, 2, 7, 4), dict(size=(5, 9), mode="nearest-exact")),
    ((2, 3, 9, 11), dict(size=(4, 5), mode="area")),
    ((2, 3, 9), dict(size=20, mode="linear", align_corners=True)),
    ((2, 3, 9, 11), dict(scale_factor=2.0, mode="bilinear")),
    ((1, 2, 20, 30), dict(size=(6, 8), mode="bilinear")),
    ((2, 1, 9, 11), dict(size=(23, 37), mode="bilinear", align_corners=True)),
    ((2, 2, 7, 9), dict(size=(16, 16), mode="bicubic", align_corners=True)),
    ((1, 2, 6, 5), dict(scale_factor=1.5, mode="bicubic")),
    ((1, 2, 3, 4, 5), dict(scale_factor=(2, 2, 2), mode="trilinear", align_corners=True)),
    ((1, 3, 24, 24), dict(size=(8, 8), mode="bilinear", antialias=True)),
    ((1, 2, 16, 20), dict(size=(5, 7), mode="bicubic", antialias=True)),
    ((2, 2, 3, 2500), dict(size=(5, 3900), mode="bilinear")),  # rows of more than a tile, over blocks
]


def _want(x, kw):
    nd = x.ndim - 2
    size, sf = kw.get("size"), kw.get("scale_factor")
    if size is not None:
        outs, scales = ((size,) * nd if isinstance(size, int) else size), None
    else:
        sf = (sf,) * nd if isinstance(sf, int | float) else sf
        outs, scales = tuple(int(np.floor(n * s)) for n, s in zip(x.shape[2:], sf)), sf
    return _interp(x, outs, kw["mode"], scales, bool(kw.get("align_corners")), kw.get("antialias", False))


@pytest.mark.op("interpolate")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("shape,kw", CASES, ids=[f"{c[1]['mode']}-{len(c[0]) - 2}d-{i}" for i, c in enumerate(CASES)])
def test_interpolate(shape, kw, dt, rng):
    x = rand(rng, shape, dt, 2)
    got = ops.interpolate(x, **kw)
    want = _want(x, kw)
    if kw["mode"].startswith("nearest"):
        assert np.array_equal(f64(got), want) and got.dtype == x.dtype, f"interpolate {shape} {kw} {dt}"
    else:
        check(got, want, dt, f"interpolate {shape} {kw}")


@pytest.mark.op("affine_grid")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid(dt, align, rng):
    for size in [(2, 3, 9, 11), (1, 1, 1, 5), (3, 2, 4, 1)]:
        theta = rand(rng, (size[0], 2, 3), dt)
        check(ops.affine_grid(theta, size, align_corners=align), _affine(theta, size, align), dt,
              f"affine_grid {size} align_corners={align}")


@pytest.mark.op("grid_sample")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("mode,padding", [("bilinear", "zeros"), ("bilinear", "border"), ("nearest", "zeros"),
                                          ("nearest", "border")])
@pytest.mark.parametrize("align", [False, True])
def test_grid_sample(mode, padding, align, dt, rng):
    x = rand(rng, (2, 3, 9, 11), dt, 2)
    grid = rand(rng, (2, 5, 7, 2), dt, low=-1.2, high=1.2)  # some points outside the input
    got = ops.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=align)
    check(got, _sample(x, grid, mode, padding, align), dt, f"grid_sample {mode} {padding} {align}", GRID_TOL[dt])


@pytest.mark.op("grid_sample")
def test_grid_sample_bands(rng):
    """A plane larger than a UB band (130 x 131 > 16384 elements) and more grid pixels than a step (1200)."""
    x = rand(rng, (1, 2, 130, 131), "float32")
    grid = rand(rng, (1, 40, 30, 2), "float32", low=-1.05, high=1.05)
    check(ops.grid_sample(x, grid, align_corners=False), _sample(x, grid), "float32", "grid_sample bands",
          GRID_TOL["float32"])


# MultiKernelBench's resize tasks: their calls at reduced sizes
@pytest.mark.op("interpolate", "affine_grid", "grid_sample")
def test_multikernelbench_tasks(rng):
    x = rng.random((2, 3, 8, 8), dtype=np.float32)
    assert np.array_equal(ops.interpolate(x, scale_factor=4.0, mode="nearest"),
                          _interp(x, (32, 32), "nearest", (4.0, 4.0)))  # nearest_neighbor_upsample
    check(ops.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False),
          _interp(x, (16, 16), "bilinear", (2.0, 2.0)), "float32", "bilinear_upsample")
    big = rng.random((1, 2, 24, 32), dtype=np.float32)
    check(ops.interpolate(big, size=(6, 8), mode="bilinear", align_corners=False), _interp(big, (6, 8), "bilinear"),
          "float32", "downsample_bilinear")
    check(ops.interpolate(x, size=(20, 30), mode="bilinear", align_corners=False),
          _interp(x, (20, 30), "bilinear"), "float32", "interpolate_dynamic")
    v = rng.random((1, 2, 4, 4, 4), dtype=np.float32)
    check(ops.interpolate(v, scale_factor=(2, 2, 2), mode="trilinear", align_corners=True),
          _interp(v, (8, 8, 8), "trilinear", align=True), "float32", "trilinear_upsample")
    check(ops.interpolate(x, size=(32, 32), mode="bicubic", align_corners=True),
          _interp(x, (32, 32), "bicubic", align=True), "float32", "bicubic_upsample")
    check(ops.interpolate(big, size=(12, 16), mode="bilinear", align_corners=False, antialias=True),
          _interp(big, (12, 16), "bilinear", antialias=True), "float32", "resize_with_antialias")
    theta = np.array([[[0.866, -0.5, 0.0], [0.5, 0.866, 0.0]]] * 2, np.float32)  # rotate 30 degrees
    grid = ops.affine_grid(theta, x.shape, align_corners=False)
    check(ops.grid_sample(x, grid, mode="bilinear", align_corners=False), _sample(x, _affine(theta, x.shape, False)),
          "float32", "grid_sample_affine", GRID_TOL["float32"])
    eye = np.array([[[1.0, 0, 0], [0, 1.0, 0]]] * 2, np.float32)
    warp = (_affine(eye, x.shape, False) + rng.random((2, 8, 8, 2)) * 0.05).astype(np.float32)
    check(ops.grid_sample(x, warp, mode="bilinear", align_corners=False), _sample(x, warp), "float32",
          "grid_sample_random_warp", GRID_TOL["float32"])
    up = ops.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
    out = ops.grid_sample(up, ops.affine_grid(eye, up.shape, align_corners=False), align_corners=False)
    check(out, _sample(_interp(x, (16, 16), "bilinear", (2.0, 2.0)), _affine(eye, up.shape, False)), "float32",
          "upsample_grid_sample", GRID_TOL["float32"])


@pytest.mark.op("interpolate", "grid_sample")
def test_device_buffers(runtime, rng):
    x = rand(rng, (2, 3, 9, 11), "float32")
    b = DeviceBuffer.from_numpy(x, context=runtime[2])
    y = ops.interpolate(b, size=(13, 7), mode="bilinear", stream=runtime[3])
    assert isinstance(y, DeviceBuffer) and y.shape == (2, 3, 13, 7)
    grid = rand(rng, (2, 4, 5, 2), "float32", low=-1, high=1)
    z = ops.grid_sample(y, grid, stream=runtime[3])
    assert isinstance(z, DeviceBuffer) and z.shape == (2, 3, 4, 5)
    check(z.to_numpy().reshape(z.shape), _sample(_interp(x, (13, 7), "bilinear"), grid), "float32",
          "interpolate -> grid_sample on DeviceBuffers", GRID_TOL["float32"])
    for buf in (b, y, z):
        buf.close()


@pytest.mark.op("interpolate", "grid_sample", "affine_grid")
def test_on_310p(runtime310, rng):
    x = rand(rng, (2, 3, 9, 11), "float16")
    check(ops.interpolate(x, size=(5, 17), mode="bicubic", stream=runtime310), _want(x, dict(size=(5, 17),
          mode="bicubic")), "float16", "310P bicubic")
    theta = rand(rng, (2, 2, 3), "float16")
    grid = ops.affine_grid(theta, (2, 3, 6, 7), stream=runtime310)
    check(grid, _affine(theta, (2, 3, 6, 7), False), "float16", "310P affine_grid")
    check(ops.grid_sample(x, grid, stream=runtime310), _sample(x, grid), "float16", "310P grid_sample")


@pytest.mark.op("interpolate", "grid_sample", "affine_grid")
@pytest.mark.parametrize("call,match", [
    (lambda: ops.interpolate(np.ones((1, 2, 4, 4), np.float32), size=3, mode="linear"), "needs a 3-d input"),
    (lambda: ops.interpolate(np.ones((1, 2, 4), np.float32)), "exactly one of size and scale_factor"),
    (lambda: ops.interpolate(np.ones((1, 2, 4), np.float32), size=2, mode="cubic"), "is not one of"),
    (lambda: ops.interpolate(np.ones((1, 2, 4), np.float32), size=2, align_corners=True), "align_corners"),
    (lambda: ops.interpolate(np.ones((1, 2, 4, 4), np.float32), size=2, mode="area", antialias=True),
     "antialias is only"),
    (lambda: ops.interpolate(np.ones((4, 4), np.float32), size=2), "3-d, 4-d or 5-d"),
    (lambda: ops.interpolate(np.ones((1, 1, 4), np.float32), scale_factor=0.1), "empty output"),
    (lambda: ops.grid_sample(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 2, 2, 3), np.float32)), "grid"),
    (lambda: ops.grid_sample(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 2, 2, 2), np.float32),
                             padding_mode="reflection"), "padding_mode"),
    (lambda: ops.affine_grid(np.ones((2, 2, 3), np.float32), (1, 1, 4, 4)), r"theta must be \[N, 2, 3\]"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.op("interpolate", "grid_sample", "affine_grid")
def test_against_torch(rng):
    """Where torch is installed (the peers extra), the operators match it directly."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = rng.random((2, 3, 12, 10), dtype=np.float32)
    for kw in [dict(size=(5, 4), mode="bilinear", antialias=True), dict(size=(7, 13), mode="bicubic"),
               dict(scale_factor=1.7, mode="nearest"), dict(size=(5, 3), mode="area"),
               dict(scale_factor=2.5, mode="bilinear", recompute_scale_factor=True)]:
        check(ops.interpolate(x, **kw), f64(F.interpolate(torch.from_numpy(x), **kw).numpy()), "float32", str(kw))
    theta = rng.standard_normal((2, 2, 3)).astype(np.float32)
    grid = F.affine_grid(torch.from_numpy(theta), (2, 3, 8, 9), align_corners=False)
    check(ops.affine_grid(theta, (2, 3, 8, 9)), f64(grid.numpy()), "float32", "affine_grid")
    check(ops.grid_sample(x, grid.numpy()), f64(F.grid_sample(torch.from_numpy(x), grid, align_corners=False).numpy()),
          "float32", "grid_sample", GRID_TOL["float32"])


@pytest.mark.op("interpolate")
def test_interpolate_many_taps_table_fits(rng):
    """Area 49 -> 1 over many rows: the tap table's rows are rounded up to 32 bytes, and the rows per unit are
    chosen so all of them fit the kernel's table (they once overflowed it by 160 bytes)."""
    for shape, out in [((2, 768, 49), 1), ((3, 170, 49), 2), ((2, 9, 1000), 3)]:
        x = rand(rng, shape, "float32")
        want = np.stack([f64(x)[..., i * shape[-1] // out:-(-(i + 1) * shape[-1] // out)].mean(-1)
                         for i in range(out)], -1)
        check(ops.interpolate(x, size=out, mode="area"), want, "float32", f"area {shape} -> {out}")
    with pytest.raises(ValueError, match="exceeds the kernel's rows"):
        ops.interpolate(np.ones((1, 1, 8191), np.float32), size=1, mode="area")
