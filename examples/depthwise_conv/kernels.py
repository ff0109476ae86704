"""3x3 depthwise convolution, stride 1, padding 1, in NCHW: torch.nn.functional.conv2d(x, w, padding=1, groups=C).

x is [N, C, H, W], w is [C, 1, 3, 3], y is [N, C, H, W]. Each block takes (n, c) planes in turn, and each plane
goes in tiles of output rows. For a tile of `rows` output rows starting at row h0, the (rows + 2) x W input
window comes in with three std.load_rows, one per column shift of the 3x3 stencil:

    left[k, j]  = x[h0 - 1 + k, j - 1]   pad_left=1 puts the zero of column -1 in front of each row
    mid[k, j]   = x[h0 - 1 + k, j]
    right[k, j] = x[h0 - 1 + k, j + 1]   pad_right=1 puts the zero of column W behind each row

each at a UB row pitch `ld` of W rounded up to 32 bytes, so that window row k starts at element k * ld, on the
32-byte grid. At the top and bottom of the plane the window row outside the image is zeroed with
std.duplicate. Output row i is then sum over kh, kw of w[c, kh, kw] * S_kw[i + kh, :]: nine whole-tile
multiply-accumulates on the row views S_kw[kh * ld:], each one vector instruction over rows * ld elements
(the columns past W in each row compute garbage that is never stored). One std.store_rows writes exactly
W elements of each of the `rows` output rows. The 9 weights of a channel are read as scalars.

W must be at least 2 (a shifted row has W - 1 elements) and at most CAP // 3 rounded down to 32 bytes.
DataCopyPad (padding, and a run-time W) makes this a 910B kernel.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

CAP = 8192  # elements of each UB tile: the three windows, the accumulator and a scratch tile


@std.inline
def dwconv3x3(dtype, per, x, w, y, n, c, h, wd):
    """The kernel body for element type `dtype` (`per` elements in 32 bytes)."""
    left = std.ub_alloc(dtype, CAP)
    mid = std.ub_alloc(dtype, CAP)
    right = std.ub_alloc(dtype, CAP)
    acc = std.ub_alloc(dtype, CAP)
    tmp = std.ub_alloc(dtype, CAP)
    ld = (wd + per - 1) // per * per  # UB row pitch: a row rounded up to 32 bytes
    tr = CAP // ld - 2  # output rows per tile: its window of tr + 2 rows fills a tile
    for p in range(std.get_block_idx(), n * c, std.get_block_num()):
        ch = p % c
        plane = p * h * wd
        for h0 in range(0, h, tr):
            rows = min(tr, h - h0)
            lo = max(h0, 1) - 1  # the first input row of the window, and one past its last:
            hi = min(h0 + rows + 1, h)
            k0 = lo + 1 - h0  # the window row input row lo lands in (1 at the top of the plane)
            if h0 == 0:  # window row 0 is row -1 of the image: zeros
                std.duplicate(left[0:ld], 0.0, ld)
                std.duplicate(mid[0:ld], 0.0, ld)
                std.duplicate(right[0:ld], 0.0, ld)
            if h0 + rows == h:  # the last window row is row h of the image: zeros
                std.duplicate(left[(rows + 1) * ld:], 0.0, ld)
                std.duplicate(mid[(rows + 1) * ld:], 0.0, ld)
                std.duplicate(right[(rows + 1) * ld:], 0.0, ld)
            src = plane + lo * wd
            std.load_rows(left[k0 * ld:], x, src, hi - lo, wd - 1, wd, pad_left=1)
            std.load_rows(mid[k0 * ld:], x, src, hi - lo, wd, wd)
            std.load_rows(right[k0 * ld:], x, src + 1, hi - lo, wd - 1, wd, pad_right=1)
            cnt = rows * ld
            std.duplicate(acc, 0.0, cnt)
            for kh in range(std.u32(3)):
                tap = ch * 9 + kh * 3
                std.muls(tmp, left[kh * ld:], w[tap], cnt)
                std.add(acc, acc, tmp, cnt)
                std.muls(tmp, mid[kh * ld:], w[tap + 1], cnt)
                std.add(acc, acc, tmp, cnt)
                std.muls(tmp, right[kh * ld:], w[tap + 2], cnt)
                std.add(acc, acc, tmp, cnt)
            std.store_rows(y, plane + h0 * wd, acc, rows, wd, wd)


@std.aiv_kernel
def dwconv3x3_f32(x: Ptr[f32], w: Ptr[f32], y: Ptr[f32], n: u32, c: u32, h: u32, wd: u32):
    dwconv3x3(f32, 8, x, w, y, n, c, h, wd)


@std.aiv_kernel
def dwconv3x3_f16(x: Ptr[f16], w: Ptr[f16], y: Ptr[f16], n: u32, c: u32, h: u32, wd: u32):
    dwconv3x3(f16, 16, x, w, y, n, c, h, wd)
