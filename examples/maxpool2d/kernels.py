"""2-D max pooling, kernel 3, stride 2, padding 1, in NCHW: torch.nn.functional.max_pool2d(x, 3, 2, 1).

x is [N, C, H, W], y is [N, C, Ho, Wo] with Ho = (H - 1) // 2 + 1 and Wo = (W - 1) // 2 + 1. The work is
split into (plane, tile of output rows) units that the blocks take in turn, so that one large plane still
spreads over every block. Output row i sees input rows 2i - 1, 2i, 2i + 1 and columns 2j - 1, 2j, 2j + 1.

Rows, stride 2. For the tile of output rows [i0, i0 + t), the odd input rows 2i - 1 (for i = i0 .. i0 + t,
t + 1 rows) and the even rows 2i (t rows) are two strided row sets, each brought in by std.load_rows with a
GM pitch of 2W. Row 2i + 1 of output row i is odd row k + 1 of the first set, so the three rows of every
window are the row views odd[0:], even[0:] and odd[ld:] of a tile: two DMAs per column shift, not three. The
rows outside the image (row -1 at the top, row H at the bottom when H is odd) are std.duplicate(-inf).

Columns, stride 2. Each row set comes in twice, at a UB row pitch `ld` of W + 1 rounded up to 64 bytes:

    left[r, c] = x[r, c - 1]    pad_left=1 puts the -inf of column -1 in front of each row, c = 0 .. W
    mid[r, c]  = x[r, c]        pad_right=1 puts the -inf of column W behind each row

Four whole-tile std.max give the three-row maxima of left and mid, and a fifth pair[r, c] = max(x[*, c - 1],
x[*, c]) over the window's rows. Then out[r, j] = max(pair[r, 2j], pair[r, 2j + 1]): std.gather_mask with
GatherPattern.EVEN and ODD over the whole flattened tile (ld is even, so the even elements of the tile are the
even columns of each row, packed at the pitch ld / 2, itself a whole number of 32-byte blocks so that each
output row starts on the 32-byte grid) and one std.max of the two halves. One std.store_rows writes exactly
Wo elements of each of the t output rows. No loop touches elements one at a time.

Why not three column shifts and a single EVEN gather (M[c] = max over x[c - 1 .. c + 1], out[j] = M[2j])?
The right shift x[r, c + 1] is a load of W - 1 columns, which for W = 1 is zero columns and moves nothing,
not even its padding; the pair form needs only the two shifts that always have W columns: two DMAs per row
set instead of three, and 6 Max and 2 GatherMask instead of 8 Max and 1 GatherMask.

W must be at most CAP // 2 - 1, so that a tile holds two odd rows (t = 1). DataCopyPad
(padding, run-time W and pitches) makes this a 910B kernel; on 310P it is a CompileError.
"""

from ascendpy import std
from ascendpy.std import Ptr, f16, f32, u32

CAP = 8192  # elements of each UB row-set tile; the two gathered halves take CAP // 2 each
NEG_INF = float("-inf")


@std.inline
def maxpool3s2(dtype, per, x, y, n, c, h, wd):
    """The kernel body for element type `dtype` (`per` elements in 32 bytes)."""
    lo = std.ub_alloc(dtype, CAP)  # odd rows 2i - 1, shifted right by one column
    mo = std.ub_alloc(dtype, CAP)  # odd rows, unshifted
    le = std.ub_alloc(dtype, CAP)  # even rows 2i, shifted
    me = std.ub_alloc(dtype, CAP)  # even rows, unshifted
    ev = std.ub_alloc(dtype, CAP // 2)  # the even columns of the pair maxima, then the result
    od = std.ub_alloc(dtype, CAP // 2)  # the odd columns
    ho = (h - 1) // 2 + 1
    wo = (wd - 1) // 2 + 1
    ld = (wd + 2 * per) // (2 * per) * (2 * per)  # W + 1 columns rounded up to 64 bytes: even, ld / 2 whole blocks
    tr = CAP // ld - 1  # output rows per tile: its t + 1 odd rows fill a tile
    nt = (ho + tr - 1) // tr  # tiles per plane
    for u in range(std.get_block_idx(), n * c * nt, std.get_block_num()):
        p = u // nt
        i0 = u % nt * tr
        t = min(tr, ho - i0)
        plane = p * h * wd
        k0 = 1 - min(i0, 1)  # the first odd row inside the image (row -1 is not) ...
        k1 = min(t, h // 2 - i0) + 1  # ... and one past the last (row 2(i0 + t) - 1 = H is not)
        if i0 == 0:
            std.duplicate(lo[0:ld], NEG_INF, ld)
            std.duplicate(mo[0:ld], NEG_INF, ld)
        if k1 == t:
            std.duplicate(lo[t * ld:], NEG_INF, ld)
            std.duplicate(mo[t * ld:], NEG_INF, ld)
        odd = plane + (2 * (i0 + k0) - 1) * wd
        std.load_rows(lo[k0 * ld:], x, odd, k1 - k0, wd, 2 * wd, dst_ld=ld, pad_left=1, pad_value=NEG_INF)
        std.load_rows(mo[k0 * ld:], x, odd, k1 - k0, wd, 2 * wd, dst_ld=ld, pad_right=1, pad_value=NEG_INF)
        even = plane + 2 * i0 * wd
        std.load_rows(le, x, even, t, wd, 2 * wd, dst_ld=ld, pad_left=1, pad_value=NEG_INF)
        std.load_rows(me, x, even, t, wd, 2 * wd, dst_ld=ld, pad_right=1, pad_value=NEG_INF)
        cnt = t * ld
        std.max(le, le, lo, cnt)  # rows 2i - 1, 2i, 2i + 1 of column c - 1
        std.max(le, le, lo[ld:], cnt)
        std.max(me, me, mo, cnt)  # ... and of column c
        std.max(me, me, mo[ld:], cnt)
        std.max(le, le, me, cnt)  # pair[r, c] = max over the window's rows and columns c - 1, c
        std.gather_mask(ev, le, std.GatherPattern.EVEN, cnt)  # pair[r, 2j] at ev[r * ld / 2 + j]
        std.gather_mask(od, le, std.GatherPattern.ODD, cnt)  # pair[r, 2j + 1]
        half = cnt // 2
        std.max(ev, ev, od, half)
        std.store_rows(y, p * ho * wo + i0 * wo, ev, t, wo, wo, src_ld=ld // 2)


@std.aiv_kernel
def maxpool3s2_f32(x: Ptr[f32], y: Ptr[f32], n: u32, c: u32, h: u32, wd: u32):
    maxpool3s2(f32, 8, x, y, n, c, h, wd)


@std.aiv_kernel
def maxpool3s2_f16(x: Ptr[f16], y: Ptr[f16], n: u32, c: u32, h: u32, wd: u32):
    maxpool3s2(f16, 16, x, y, n, c, h, wd)
