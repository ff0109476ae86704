"""Convolutions as torch.nn.functional has them: conv1d/2d/3d and conv_transpose1d/2d/3d (groups, stride, padding,
dilation, output_padding, bias), through im2col onto ascendpy.ops.matmul's product (kernels/conv.py).

Per chunk of output rows: im2col builds colT [G, K, P] on the device, `matmul.product` multiplies the
weight [G, OCg, K] with it (the cube; the vector cores when a group has at most 8 output channels, as a
depthwise convolution has, and for float32 on 310P, whose cube has no f32, 8 channels at a time), and
conv_out adds the bias and writes NCHW in the input's dtype. A transposed convolution is the same
product with tables that read input position (o + padding - k * dilation) / stride where it is whole,
and its weight [C, OC/G, taps] transposed per group on the device. The tables depend only on the shapes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor, int_tuple, metadata
from ascendpy.ops.fused import Epilogue, encode
from ascendpy.ops.matmul import VECMAT_ROWS, product, transpose
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream

COL_LIMIT = 1 << 23  # colT elements per chunk of output rows (the product's B^T and C come on top)
_F32 = np.dtype(np.float32)


def axis_table(size: int, out: int, k: int, s: int, pad: int, d: int, transposed: bool) -> np.ndarray:
    """[k, out]: the input index tap t of output o reads along one dim, or -1 (padding / between strides)."""
    o = np.arange(out)[None, :]
    t = np.arange(k)[:, None]
    if transposed:
        q = o + pad - t * d
        src = np.where(q % s == 0, q // s, -1)
    else:
        src = o * s - pad + t * d
    return np.where((src >= 0) & (src < size), src, -1)


def w_tables(idx: np.ndarray, elem: int) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Gather tables for the W taps `idx` [kW, OW]: (offsets [pieces, kW, opp] u32, windows [pieces, 2] i32, op,
    opp). Piece p covers outputs [p * op, ...); its window is the input run [start, start + len) its taps read,
    loaded behind kernels/conv.py's zero block, and an offset 0 reads that block."""
    from ascendpy.ops.kernels import conv as k

    kw, ow = idx.shape
    op = max(8, min(k.PIECE, k.TABP // kw // 8 * 8))
    while True:
        pieces = -(-ow // op)
        full = np.full((kw, pieces * op), -1, np.int64)
        full[:, :ow] = idx
        blocks = full.reshape(kw, pieces, op).transpose(1, 0, 2)  # [pieces, kW, op]
        valid = blocks >= 0
        big = np.iinfo(np.int64).max
        lo = np.where(valid, blocks, big).min(axis=(1, 2))
        hi = np.where(valid, blocks, -1).max(axis=(1, 2))
        none = hi < 0
        lo = np.where(none, 0, lo)
        length = np.where(none, 0, hi + 1 - lo)
        if length.max() <= k.ROWX or op == 1:
            break
        op = max(1, op // 2)
    if length.max() > k.ROWX:
        raise ValueError(f"a tap of the convolution spans more than {k.ROWX} input elements along the last dim")
    opp = -(-op // 8) * 8
    offs = np.zeros((pieces, kw, opp), np.uint32)
    rel = np.where(valid, blocks - lo[:, None, None] + k.ZERO, 0) * elem
    offs[:, :, :op] = rel
    win = np.stack([lo, length], 1).astype(np.int32)
    return offs, win, op, opp


def _padding(op: str, padding: Any, nd: int, k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...]
             ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(left, right) padding per dim from an int, ints, 'valid' or 'same' (torch puts the odd one on the right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * nd, (0,) * nd
        if padding != "same":
            raise ValueError(f"{op}: padding {padding!r} is not 'valid', 'same', an int or {nd} ints")
        if any(si != 1 for si in s):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {s})")
        total = tuple(di * (ki - 1) for di, ki in zip(d, k))
        return tuple(t // 2 for t in total), tuple(t - t // 2 for t in total)
    p = int_tuple(padding, nd, "padding", op)
    if min(p) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {p}")
    return p, p


def _conv(op: str, nd: int, transposed: bool, input: Any, weight: Any, bias: Any, stride: Any,  # noqa: A002
          padding: Any, output_padding: Any, groups: int, dilation: Any, epilogue: Epilogue | None,
          stream: Stream | None) -> Any:
    from ascendpy.ops.kernels import conv as kconv
    from ascendpy.ops.kernels import conv_bf16

    with OpCall(op, stream) as call:
        x = call.tensor(input, "input")
        w = call.tensor(weight, "weight")
        b = call.tensor(bias, "bias") if bias is not None else None
        if x.ndim not in (nd + 1, nd + 2):
            raise ValueError(f"{op}: input must be {nd + 1}-d or {nd + 2}-d ([N,] C, spatial...), got {x.shape}")
        batched = x.ndim == nd + 2
        shape = x.shape if batched else (1,) + x.shape
        if w.ndim != nd + 2:
            raise ValueError(f"{op}: weight must be {nd + 2}-d, got {w.shape}")
        if w.dtype != x.dtype or (b is not None and b.dtype != x.dtype):
            raise TypeError(f"{op}: input, weight and bias must have one dtype, got {x.dtype}, {w.dtype}"
                            f"{', ' + str(b.dtype) if b is not None else ''}")
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
        n, c = shape[:2]
        G = groups
        k = tuple(w.shape[2:])
        if transposed:
            cig, ocg = c // G, w.shape[1]
            if c % G or w.shape[0] != c:
                raise ValueError(f"{op}: weight {w.shape} must be [C_in={c}, C_out/groups, kernel...] with C_in "
                                 f"divisible by groups={G}")
        else:
            cig, ocg = c // G, w.shape[0] // G
            if c % G or w.shape[0] % G or w.shape[1] != cig:
                raise ValueError(f"{op}: weight {w.shape} must be [C_out, C_in/groups={c / G:g}, kernel...] with "
                                 f"C_in={c} and C_out divisible by groups={G}")
        oc = ocg * G
        if b is not None and b.shape != (oc,):
            raise ValueError(f"{op}: bias must be [{oc}] (one per output channel), got {b.shape}")
        s = int_tuple(stride, nd, "stride", op)
        d = int_tuple(dilation, nd, "dilation", op)
        if min(s + d + k) < 1:
            raise ValueError(f"{op}: stride, dilation and kernel sizes must be positive, got {s}, {d}, {k}")
        spatial = shape[2:]
        if transposed:
            if isinstance(padding, str):
                raise ValueError(f"{op}: padding must be an int or {nd} ints, got {padding!r}")
            pl, _ = _padding(op, padding, nd, k, s, d)
            opad = int_tuple(output_padding, nd, "output_padding", op)
            if any(q < 0 or (q >= si and q >= di) for q, si, di in zip(opad, s, d)):
                raise ValueError(f"{op}: output_padding {opad} must be smaller than either stride {s} or dilation {d}")
            outs = tuple((i - 1) * si - 2 * p + di * (ki - 1) + q + 1
                         for i, si, p, di, ki, q in zip(spatial, s, pl, d, k, opad))
        else:
            pl, pr = _padding(op, padding, nd, k, s, d)
            outs = tuple((i + a + z - di * (ki - 1) - 1) // si + 1
                         for i, a, z, di, ki, si in zip(spatial, pl, pr, d, k, s))
        if min(outs) < 1:
            raise ValueError(f"{op}: the output would be empty for input {x.shape}, kernel {k}, stride {s}, "
                             f"padding {padding}, dilation {d}")
        y = call.empty((n, oc) + outs, x.dtype)
        prog = encode(call, epilogue, y.shape, math.prod(outs))

        def pad3(v: tuple[int, ...], fill: int) -> tuple[int, ...]:
            return (fill,) * (3 - nd) + tuple(v)

        I3, O3, K3, S3, P3, D3 = (pad3(spatial, 1), pad3(outs, 1), pad3(k, 1), pad3(s, 1), pad3(pl, 0),
                                  pad3(d, 1))
        tabs = [axis_table(*a, transposed) for a in zip(I3, O3, K3, S3, P3, D3)]
        offs, win, op_, opp = w_tables(tabs[2], x.dtype.itemsize)
        taps = math.prod(k)
        K = cig * taps
        if transposed:  # [C, OCg, taps] -> per group [OCg, taps, Cig]: K in (tap, i) order
            wt = transpose(call, Tensor(w.buf, (G, cig, ocg * taps), w.dtype))
            wg = Tensor(wt.buf, (G, ocg, K), w.dtype)
            mi, mk = 1, cig
        else:
            wg = Tensor(w.buf, (G, ocg, K), w.dtype)
            mi, mk = taps, 1
        bf = call.cast(b, _F32) if b is not None else call.empty((1,), _F32)
        mod = call.kernels(kconv, conv_bf16, x.dtype)
        tw, winb, th, td = (metadata(call, offs), metadata(call, win), metadata(call, tabs[1].astype(np.int32)),
                            metadata(call, tabs[0].astype(np.int32)))
        resident = int(offs.shape[0] == 1)
        od, oh, ow = O3
        total = n * od * oh
        step = max(1, COL_LIMIT // (G * K * ow))
        split = x.dtype.name == "float32" and call.family == "310P" and ocg > VECMAT_ROWS
        for u0 in range(0, total if y.size else 0, step):
            rows = min(step, total - u0)
            with OpCall(op, call.stream) as sub:  # the chunk's temporaries are freed with it
                col = sub.empty((G, K, rows * ow), x.dtype)
                sub.launch(mod, f"im2col_{x.short}", sub.blocks(G * cig * K3[0] * K3[1] * rows, 1), x, col, tw, winb,
                           th, td, c, cig, *I3, *K3, *O3, u0, rows, op_, opp, offs.shape[0], resident, K, mi, mk, G)
                parts = [(g, o0, min(VECMAT_ROWS, ocg - o0)) for g in range(G) for o0 in range(0, ocg, VECMAT_ROWS)] \
                    if split else [(None, 0, ocg)]
                for g, o0, ocn in parts:
                    if g is None:
                        cm = product(sub, wg, col, False, False, _F32)
                        groups_, oc0 = G, 0
                    else:
                        a = Tensor(wg.buf[(g * ocg + o0) * K:], (ocn, K), w.dtype)
                        bm = Tensor(col.buf[g * K * rows * ow:], (K, rows * ow), x.dtype)
                        cm = product(sub, a, bm, False, False, _F32)
                        groups_, oc0 = 1, g * ocg + o0
                    sub.launch(mod, f"conv_out_{x.short}", sub.blocks(groups_ * ocn * rows * -(-ow // kconv.PIECE), 1),
                               cm, bf, y, groups_, ocg, oc0, ocn, oc, od * oh, ow, u0, rows, int(b is not None),
                               *prog.args)
        return call.result(y if batched else Tensor(y.buf, y.shape[1:], y.dtype))


def _forward(nd: int) -> Any:
    def conv(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
             dilation: Any = 1, groups: int = 1, *, epilogue: Epilogue | None = None,
             stream: Stream | None = None) -> Any:
        return _conv(f"ascendpy.ops.conv{nd}d", nd, False, input, weight, bias, stride, padding, 0, groups, dilation,
                     epilogue, stream)

    conv.__name__ = conv.__qualname__ = f"conv{nd}d"
    conv.__doc__ = (f"F.conv{nd}d: weight [C_out, C_in/groups, kernel...]; padding an int, ints, 'valid' or 'same'; "
                    "`epilogue` (an ops.Epilogue) runs on the output before it is stored.")
    return conv


def _transposed(nd: int) -> Any:
    def conv_transpose(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,  # noqa: A002
                       output_padding: Any = 0, groups: int = 1, dilation: Any = 1, *,
                       epilogue: Epilogue | None = None, stream: Stream | None = None) -> Any:
        return _conv(f"ascendpy.ops.conv_transpose{nd}d", nd, True, input, weight, bias, stride, padding,
                     output_padding, groups, dilation, epilogue, stream)

    conv_transpose.__name__ = conv_transpose.__qualname__ = f"conv_transpose{nd}d"
    conv_transpose.__doc__ = (f"F.conv_transpose{nd}d: weight [C_in, C_out/groups, kernel...], the gradient of "
                              f"conv{nd}d with respect to its input.")
    return conv_transpose


_TASKS = {
    1: ("conv_standard_1d", "conv_standard_1d_dilated_strided"),
    2: ("conv_depthwise_2d_asymmetric_input_asymmetric_kernel", "conv_depthwise_2d_asymmetric_input_square_kernel",
        "conv_depthwise_2d_square_input_asymmetric_kernel", "conv_depthwise_2d_square_input_square_kernel",
        "conv_depthwise_separable_2d", "conv_pointwise_2d", "conv_standard_2d_asymmetric_input_asymmetric_kernel",
        "conv_standard_2d_asymmetric_input_square_kernel", "conv_standard_2d_square_input_asymmetric_kernel",
        "conv_standard_2d_square_input_asymmetric_kernel_dilated_padded",
        "conv_standard_2d_square_input_square_kernel"),
    3: ("conv_standard_3d_asymmetric_input_asymmetric_kernel", "conv_standard_3d_asymmetric_input_square_kernel",
        "conv_standard_3d_square_input_asymmetric_kernel", "conv_standard_3d_square_input_square_kernel"),
}
_TRANSPOSED = {
    1: ("conv_transposed_1d", "conv_transposed_1d_asymmetric_input_square_kernel_padded_strided_dilated",
        "conv_transposed_1d_dilated"),
    2: ("conv_transposed_2d_asymmetric_input_asymmetric_kernel",
        "conv_transposed_2d_asymmetric_input_asymmetric_kernel_padded",
        "conv_transposed_2d_asymmetric_input_asymmetric_kernel_strided_grouped_padded_dilated",
        "conv_transposed_2d_asymmetric_input_square_kernel",
        "conv_transposed_2d_asymmetric_input_square_kernel_dilated_padded_strided",
        "conv_transposed_2d_square_input_asymmetric_kernel", "conv_transposed_2d_square_input_square_kernel"),
    3: ("conv_transposed_3d_asymmetric_input_asymmetric_kernel",
        "conv_transposed_3d_asymmetric_input_asymmetric_kernel_strided_padded_grouped",
        "conv_transposed_3d_asymmetric_input_square_kernel",
        "conv_transposed_3d_asymmetric_input_square_kernel_strided_padded_grouped",
        "conv_transposed_3d_square_input_asymmetric_kernel", "conv_transposed_3d_square_input_square_kernel",
        "conv_transposed_3d_square_input_square_kernel_padded_dilated_strided"),
}
_NOTE = "im2col (vector) + the cube product (vector for <= 8 output channels a group) + bias epilogue"
conv1d = operator("convolution", "mix", FLOATS, _TASKS[1], note=_NOTE)(_forward(1))
conv2d = operator("convolution", "mix", FLOATS, _TASKS[2], note=_NOTE + "; depthwise = groups=C, "
                  "separable = depthwise then 1x1")(_forward(2))
conv3d = operator("convolution", "mix", FLOATS, _TASKS[3], note=_NOTE)(_forward(3))
conv_transpose1d = operator("convolution", "mix", FLOATS, _TRANSPOSED[1], note=_NOTE)(_transposed(1))
conv_transpose2d = operator("convolution", "mix", FLOATS, _TRANSPOSED[2], note=_NOTE)(_transposed(2))
conv_transpose3d = operator("convolution", "mix", FLOATS, _TRANSPOSED[3], note=_NOTE)(_transposed(3))
