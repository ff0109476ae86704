"""ascendpy.ops convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d) against float64 numpy references.

The forward reference pads the input and sums, tap by tap, a strided slice times the tap's weights; the
transposed one scatters each input element's products into the output (torch's definition: the gradient of
conv with respect to its input), then crops the padding. Each output is a sum of K products computed in f32
(the cube, or the vector cores), so the error is relative to the output's scale: elements must match within
rtol plus rtol times the largest |output| (rtol per dtype from tests/ops_check.py).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from tests.ops_check import FLOATS, TOL, check, f64, rand


def _t(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


def conv_ref(x, w, b, stride=1, padding=0, dilation=1, groups=1):
    x, w = f64(x), f64(w)
    nd = x.ndim - 2
    s, d = _t(stride, nd), _t(dilation, nd)
    k = w.shape[2:]
    if padding == "same":
        tot = [di * (ki - 1) for di, ki in zip(d, k)]
        pads = [(t // 2, t - t // 2) for t in tot]
    else:
        pads = [(p, p) for p in _t(0 if padding == "valid" else padding, nd)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    n, c = x.shape[:2]
    oc = w.shape[0]
    outs = [(xp.shape[2 + i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(nd)]
    xg = xp.reshape(n, groups, c // groups, *xp.shape[2:])
    wg = w.reshape(groups, oc // groups, c // groups, *k)
    out = np.zeros((n, groups, oc // groups, *outs))
    for tap in itertools.product(*[range(ki) for ki in k]):
        sl = tuple(slice(t * di, t * di + (o - 1) * si + 1, si) for t, di, o, si in zip(tap, d, outs, s))
        out += np.einsum("ngi...,goi->ngo...", xg[(..., *sl)], wg[(..., *tap)])
    out = out.reshape(n, oc, *outs)
    return out if b is None else out + f64(b).reshape((1, oc) + (1,) * nd)


def conv_t_ref(x, w, b, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    x, w = f64(x), f64(w)
    nd = x.ndim - 2
    s, p, q, d = _t(stride, nd), _t(padding, nd), _t(output_padding, nd), _t(dilation, nd)
    n, c = x.shape[:2]
    k = w.shape[2:]
    ocg = w.shape[1]
    full = [(i - 1) * si + di * (ki - 1) + 1 + qi for i, si, di, ki, qi in zip(x.shape[2:], s, d, k, q)]
    out = np.zeros((n, groups, ocg, *full))
    xg = x.reshape(n, groups, c // groups, *x.shape[2:])
    wg = w.reshape(groups, c // groups, ocg, *k)
    for tap in itertools.product(*[range(ki) for ki in k]):
        sl = tuple(slice(t * di, t * di + (i - 1) * si + 1, si) for t, di, i, si in zip(tap, d, x.shape[2:], s))
        out[(..., *sl)] += np.einsum("ngi...,gio->ngo...", xg, wg[(..., *tap)])
    crop = tuple(slice(pi, f - pi) for pi, f in zip(p, full))
    out = out.reshape(n, groups * ocg, *full)[(..., *crop)]
    return out if b is None else out + f64(b).reshape((1, groups * ocg) + (1,) * nd)


def close(got, want, dt, what):
    rtol = TOL[dt][0]
    check(got, want, dt, what, (rtol, rtol * float(np.abs(want).max())))


FWD = [  # nd, input, weight, kwargs
    (1, (2, 4, 19), (6, 4, 3), dict(stride=2, padding=1, dilation=2)),
    (1, (3, 5, 40), (4, 5, 1), {}),
    (1, (2, 6, 17), (9, 2, 4), dict(groups=3, padding="same")),
    (2, (2, 3, 10, 12), (18, 3, 3, 5), dict(stride=(2, 1), padding=(1, 2))),
    (2, (2, 6, 9, 11), (6, 1, 3, 3), dict(groups=6, padding=1)),  # depthwise
    (2, (1, 4, 7, 8), (8, 1, 3, 3), dict(groups=4, stride=2)),  # depthwise, channel multiplier 2
    (2, (2, 16, 5, 7), (20, 16, 1, 1), {}),  # pointwise
    (2, (1, 3, 12, 13), (17, 3, 5, 3), dict(padding=(2, 4), dilation=(2, 3))),
    (2, (1, 3, 23, 23), (12, 3, 11, 11), dict(stride=4, padding=2)),
    (3, (1, 2, 5, 6, 7), (4, 2, 3, 2, 3), dict(stride=(1, 2, 1), padding=1)),
    (3, (2, 4, 4, 5, 6), (6, 2, 3, 3, 1), dict(groups=2, padding="valid")),
]
TRANS = [  # nd, input, weight [C_in, C_out/groups, k...], kwargs
    (1, (2, 4, 9), (4, 6, 3), dict(stride=2, padding=1, output_padding=1)),
    (1, (2, 3, 11), (3, 4, 5), dict(dilation=3)),
    (2, (2, 4, 5, 6), (4, 3, 3, 5), dict(stride=(2, 3), padding=(1, 2), dilation=(2, 1), groups=2)),
    (2, (1, 3, 6, 7), (3, 18, 3, 3), dict(stride=5, padding=1, dilation=2)),
    (2, (2, 6, 4, 5), (6, 1, 3, 3), dict(groups=6, stride=2)),  # depthwise
    (3, (1, 4, 3, 4, 5), (4, 2, 3, 3, 3), dict(stride=2, padding=1, output_padding=1, groups=2)),
    (3, (1, 2, 3, 3, 4), (2, 3, 3, 5, 7), {}),
]


@pytest.mark.op("conv1d", "conv2d", "conv3d")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("case", FWD, ids=[f"{c[0]}d-{i}" for i, c in enumerate(FWD)])
def test_conv(case, bias, dt, rng):
    nd, xs, ws, kw = case
    x, w = rand(rng, xs, dt), rand(rng, ws, dt)
    b = rand(rng, (ws[0],), dt) if bias else None
    got = getattr(ops, f"conv{nd}d")(x, w, b, **kw)
    close(got, conv_ref(x, w, b, **kw), dt, f"conv{nd}d {xs} {ws} {kw}")


@pytest.mark.op("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("case", TRANS, ids=[f"{c[0]}d-{i}" for i, c in enumerate(TRANS)])
def test_conv_transpose(case, bias, dt, rng):
    nd, xs, ws, kw = case
    x, w = rand(rng, xs, dt), rand(rng, ws, dt)
    b = rand(rng, (ws[1] * kw.get("groups", 1),), dt) if bias else None
    got = getattr(ops, f"conv_transpose{nd}d")(x, w, b, **kw)
    close(got, conv_t_ref(x, w, b, **kw), dt, f"conv_transpose{nd}d {xs} {ws} {kw}")


@pytest.mark.op("conv1d", "conv_transpose1d")
def test_long_rows(rng):
    """Rows longer than a UB window (8192) and more outputs than a piece (2048): the W taps go piece by piece."""
    x, w = rand(rng, (1, 3, 20000), "float32"), rand(rng, (4, 3, 5), "float32")
    close(ops.conv1d(x, w, stride=3, padding=2, dilation=2), conv_ref(x, w, None, 3, 2, 2), "float32", "conv1d")
    xt = x[:, :, :5000].copy()
    close(ops.conv_transpose1d(xt, w[:3], stride=3, padding=2, dilation=2),
          conv_t_ref(xt, w[:3], None, 3, 2, 0, 1, 2), "float32", "conv_transpose1d")


@pytest.mark.op("conv2d", "conv_transpose2d")
def test_chunks(rng, monkeypatch):
    """More output rows than one chunk of colT: chunks that end inside an image and span two."""
    import ascendpy.ops.convolution as conv

    monkeypatch.setattr(conv, "COL_LIMIT", 700)
    x, w, b = rand(rng, (3, 4, 9, 11), "float32"), rand(rng, (10, 4, 3, 3), "float32"), rand(rng, (10,), "float32")
    close(ops.conv2d(x, w, b, padding=1), conv_ref(x, w, b, padding=1), "float32", "chunked conv2d")
    wt = rand(rng, (4, 5, 3, 3), "float32")
    close(ops.conv_transpose2d(x, wt, stride=2), conv_t_ref(x, wt, None, stride=2), "float32", "chunked transpose")


@pytest.mark.op("conv2d", "conv1d")
def test_unbatched_and_device_buffers(runtime, rng):
    x, w = rand(rng, (3, 9, 11), "float32"), rand(rng, (5, 3, 3, 3), "float32")
    got = ops.conv2d(x, w, padding=1)
    assert got.shape == (5, 9, 11)
    close(got, conv_ref(x[None], w, None, padding=1)[0], "float32", "unbatched conv2d")
    xb = rand(rng, (2, 3, 30), "float16")
    wb = rand(rng, (4, 3, 3), "float16")
    bx, bw = (DeviceBuffer.from_numpy(a, context=runtime[2]) for a in (xb, wb))
    y = ops.conv1d(bx, bw, stride=2, stream=runtime[3])
    assert isinstance(y, DeviceBuffer) and y.shape == (2, 4, 14)
    close(y.to_numpy().reshape(y.shape), conv_ref(xb, wb, None, stride=2), "float16", "conv1d on DeviceBuffers")
    for buf in (bx, bw, y):
        buf.close()


@pytest.mark.op("conv2d", "conv_transpose2d")
@pytest.mark.parametrize("dt", ["float16", "float32"])
def test_on_310p(runtime310, dt, rng):
    """310P: f16 on its cube; f32 (its cube has none) on the vector cores, 8 output channels at a time."""
    x, w, b = rand(rng, (2, 6, 9, 11), dt), rand(rng, (20, 3, 3, 3), dt), rand(rng, (20,), dt)
    close(ops.conv2d(x, w, b, padding=1, groups=2, stream=runtime310), conv_ref(x, w, b, padding=1, groups=2), dt,
          "310P conv2d")
    wt = rand(rng, (6, 5, 3, 5), dt)
    close(ops.conv_transpose2d(x, wt, stride=(2, 3), padding=(1, 2), groups=2, stream=runtime310),
          conv_t_ref(x, wt, None, stride=(2, 3), padding=(1, 2), groups=2), dt, "310P conv_transpose2d")


# MultiKernelBench's 34 convolution tasks: their layer arguments, channels and sizes reduced
TASKS = [
    ("conv_depthwise_2d_asymmetric_input_asymmetric_kernel", 2, False, (2, 8, 12, 20), (8, 1, 3, 7), dict(groups=8)),
    ("conv_depthwise_2d_asymmetric_input_square_kernel", 2, False, (2, 8, 10, 20), (8, 1, 3, 3), dict(groups=8)),
    ("conv_depthwise_2d_square_input_asymmetric_kernel", 2, False, (2, 8, 16, 16), (8, 1, 3, 1), dict(groups=8)),
    ("conv_depthwise_2d_square_input_square_kernel", 2, False, (2, 8, 16, 16), (8, 1, 3, 3), dict(groups=8)),
    ("conv_pointwise_2d", 2, False, (2, 16, 12, 12), (32, 16, 1, 1), {}),
    ("conv_standard_1d", 1, False, (2, 16, 300), (32, 16, 3), {}),
    ("conv_standard_1d_dilated_strided", 1, False, (2, 16, 301), (32, 16, 3), dict(stride=3, dilation=4)),
    ("conv_standard_2d_asymmetric_input_asymmetric_kernel", 2, False, (2, 16, 24, 12), (32, 16, 5, 7), {}),
    ("conv_standard_2d_asymmetric_input_square_kernel", 2, False, (2, 16, 12, 24), (32, 16, 3, 3), {}),
    ("conv_standard_2d_square_input_asymmetric_kernel", 2, False, (2, 8, 16, 16), (16, 8, 5, 9), {}),
    ("conv_standard_2d_square_input_asymmetric_kernel_dilated_padded", 2, False, (2, 8, 24, 24), (16, 8, 5, 9),
     dict(padding=(2, 4), dilation=(2, 3))),
    ("conv_standard_2d_square_input_square_kernel", 2, False, (2, 3, 35, 35), (24, 3, 11, 11),
     dict(stride=4, padding=2)),  # AlexNet's conv1
    ("conv_standard_3d_asymmetric_input_asymmetric_kernel", 3, False, (2, 3, 6, 12, 12), (16, 3, 3, 5, 7), {}),
    ("conv_standard_3d_asymmetric_input_square_kernel", 3, False, (2, 3, 12, 12, 5), (16, 3, 3, 3, 1), {}),
    ("conv_standard_3d_square_input_asymmetric_kernel", 3, False, (2, 3, 10, 10, 10), (16, 3, 3, 5, 7), {}),
    ("conv_standard_3d_square_input_square_kernel", 3, False, (2, 3, 8, 8, 8), (16, 3, 3, 3, 3), {}),
    ("conv_transposed_1d", 1, True, (2, 16, 100), (16, 16, 3), {}),
    ("conv_transposed_1d_asymmetric_input_square_kernel_padded_strided_dilated", 1, True, (2, 8, 100), (8, 16, 3),
     dict(stride=2, padding=1, dilation=2)),
    ("conv_transposed_1d_dilated", 1, True, (2, 8, 100), (8, 16, 5), dict(dilation=3)),
    ("conv_transposed_2d_asymmetric_input_asymmetric_kernel", 2, True, (2, 16, 8, 16), (16, 32, 3, 5), {}),
    ("conv_transposed_2d_asymmetric_input_asymmetric_kernel_padded", 2, True, (2, 8, 12, 24), (8, 8, 3, 7),
     dict(padding=(1, 3))),
    ("conv_transposed_2d_asymmetric_input_asymmetric_kernel_strided_grouped_padded_dilated", 2, True,
     (2, 16, 8, 16), (16, 8, 3, 5), dict(stride=(2, 3), padding=(1, 2), dilation=(2, 1), groups=4)),
    ("conv_transposed_2d_asymmetric_input_square_kernel", 2, True, (2, 8, 12, 24), (8, 8, 3, 3), {}),
    ("conv_transposed_2d_asymmetric_input_square_kernel_dilated_padded_strided", 2, True, (2, 8, 6, 12),
     (8, 16, 3, 3), dict(stride=5, padding=1, dilation=2)),
    ("conv_transposed_2d_square_input_asymmetric_kernel", 2, True, (2, 16, 12, 12), (16, 16, 3, 7), {}),
    ("conv_transposed_2d_square_input_square_kernel", 2, True, (2, 16, 16, 16), (16, 16, 3, 3), {}),
    ("conv_transposed_3d_asymmetric_input_asymmetric_kernel", 3, True, (2, 8, 4, 6, 8), (8, 4, 3, 5, 7), {}),
    ("conv_transposed_3d_asymmetric_input_asymmetric_kernel_strided_padded_grouped", 3, True, (2, 8, 4, 6, 8),
     (8, 2, 3, 5, 7), dict(stride=2, padding=(1, 2, 3), output_padding=1, groups=4)),
    ("conv_transposed_3d_asymmetric_input_square_kernel", 3, True, (2, 12, 5, 5, 5), (12, 6, 3, 3, 3), {}),
    ("conv_transposed_3d_asymmetric_input_square_kernel_strided_padded_grouped", 3, True, (2, 8, 4, 6, 8),
     (8, 2, 3, 3, 3), dict(stride=2, padding=1, groups=4)),
    ("conv_transposed_3d_square_input_asymmetric_kernel", 3, True, (2, 8, 6, 6, 6), (8, 16, 3, 5, 5), {}),
    ("conv_transposed_3d_square_input_square_kernel", 3, True, (2, 12, 6, 6, 6), (12, 12, 3, 3, 3), {}),
    ("conv_transposed_3d_square_input_square_kernel_padded_dilated_strided", 3, True, (2, 8, 4, 6, 6),
     (8, 16, 3, 3, 3), dict(stride=2, padding=1, dilation=2)),
]


@pytest.mark.op("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
@pytest.mark.parametrize("task", TASKS, ids=[t[0] for t in TASKS])
def test_multikernelbench_tasks(task, rng):
    name, nd, transposed, xs, ws, kw = task
    x, w = rand(rng, xs, "float32"), rand(rng, ws, "float32")
    fn = getattr(ops, f"conv_transpose{nd}d" if transposed else f"conv{nd}d")
    want = conv_t_ref(x, w, None, **kw) if transposed else conv_ref(x, w, None, **kw)
    close(fn(x, w, **kw), want, "float32", name)


@pytest.mark.op("conv2d")
def test_depthwise_separable(rng):
    """conv_depthwise_separable_2d: a depthwise 3x3 then a pointwise 1x1, each one ascendpy call."""
    x = rand(rng, (2, 8, 14, 14), "float32")
    dw, pw = rand(rng, (8, 1, 3, 3), "float32"), rand(rng, (24, 8, 1, 1), "float32")
    got = ops.conv2d(ops.conv2d(x, dw, padding=1, groups=8), pw)
    close(got, conv_ref(conv_ref(x, dw, None, padding=1, groups=8), pw, None), "float32", "depthwise separable")


@pytest.mark.op("conv2d", "conv_transpose2d")
@pytest.mark.parametrize("call,err,match", [
    (lambda: ops.conv2d(np.ones((1, 4, 5, 5), np.float32), np.ones((6, 3, 3, 3), np.float32)), ValueError,
     r"C_in/groups=4"),
    (lambda: ops.conv2d(np.ones((1, 4, 5, 5), np.float32), np.ones((6, 2, 3, 3), np.float32), groups=3),
     ValueError, "divisible by groups=3"),
    (lambda: ops.conv2d(np.ones((1, 4, 5, 5), np.float32), np.ones((6, 4, 3, 3), np.float16)), TypeError,
     "one dtype"),
    (lambda: ops.conv2d(np.ones((1, 4, 5, 5), np.float32), np.ones((6, 4, 3, 3), np.float32), stride=2,
                        padding="same"), ValueError, "strided"),
    (lambda: ops.conv2d(np.ones((1, 4, 2, 2), np.float32), np.ones((6, 4, 3, 3), np.float32)), ValueError,
     "output would be empty"),
    (lambda: ops.conv2d(np.ones((1, 4, 5, 5), np.float32), np.ones((6, 4, 3, 3), np.float32),
                        np.ones(5, np.float32)), ValueError, r"bias must be \[6\]"),
    (lambda: ops.conv_transpose2d(np.ones((1, 4, 5, 5), np.float32), np.ones((4, 2, 3, 3), np.float32), stride=2,
                                  output_padding=2), ValueError, "output_padding"),
    (lambda: ops.conv2d(np.ones((4, 5), np.float32), np.ones((6, 4, 3, 3), np.float32)), ValueError, "3-d or 4-d"),
])
def test_bad_arguments(call, err, match):
    with pytest.raises(err, match=match):
        call()


@pytest.mark.op("conv2d", "conv_transpose3d")
def test_against_torch(rng):
    """Where torch is installed (the peers extra), the operators match it directly."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, w, b = rand(rng, (2, 6, 9, 10), "float32"), rand(rng, (8, 3, 3, 4), "float32"), rand(rng, (8,), "float32")
    want = F.conv2d(*(torch.from_numpy(a).double() for a in (x, w, b)), stride=(2, 1), padding="valid", groups=2)
    close(ops.conv2d(x, w, b, stride=(2, 1), groups=2), want.numpy(), "float32", "conv2d vs torch")
    x3, w3 = rand(rng, (1, 4, 3, 4, 5), "float32"), rand(rng, (4, 3, 3, 2, 3), "float32")
    want = F.conv_transpose3d(torch.from_numpy(x3).double(), torch.from_numpy(w3).double(), stride=(2, 1, 3),
                              padding=(1, 0, 1), output_padding=(1, 0, 2), groups=2)
    close(ops.conv_transpose3d(x3, w3, stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), groups=2),
          want.numpy(), "float32", "conv_transpose3d vs torch")
