"""ascendpy.ops fused chains (ops.fused, Epilogue, conv/linear epilogue=) and logsumexp, against float64 numpy.

Every step of an Epilogue is checked against its numpy definition, each operand layout (scalar, a run of
dims, a linear's last dim, the output's shape, SAVED), and then MultiKernelBench's fuse tasks at reduced
sizes, each written as the ascendpy calls it maps to (the elementwise chain as one kernel: a conv's or
linear's epilogue, or ops.fused after a reduction). Chains through a normalisation or a matrix product are
compared relative to the output's scale (rtol 5e-5 plus 5e-5 times the largest |output|).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ascendpy import DeviceBuffer, ops
from ascendpy.ops import Epilogue as E
from tests.ops_check import FLOATS, TOL, check, f64, rand
from tests.test_ops_convolution import conv_ref, conv_t_ref
from tests.test_ops_pooling import _ref as pool_ref

_erf = np.vectorize(math.erf)


def gelu(x):
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)


def mish(x):
    return x * np.tanh(softplus(x))


def hardswish(x):
    return x * np.clip(x + 3, 0, 6) / 6


def leaky(x, a=0.01):
    return np.where(x >= 0, x, a * x)


def selu(x):
    return 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))


def softmax(x, d):
    e = np.exp(x - x.max(d, keepdims=True))
    return e / e.sum(d, keepdims=True)


def lse(x, d, keep=False):
    m = x.max(d, keepdims=True)
    out = m + np.log(np.exp(x - m).sum(d, keepdims=True))
    return out if keep else np.squeeze(out, d)


def gn(x, g, eps=1e-5):
    y = x.reshape(x.shape[0], g, -1)
    y = (y - y.mean(-1, keepdims=True)) / np.sqrt(y.var(-1, keepdims=True) + eps)
    return y.reshape(x.shape)


def bn(x, eps=1e-5):
    d = (0,) + tuple(range(2, x.ndim))
    return (x - x.mean(d, keepdims=True)) / np.sqrt(x.var(d, keepdims=True) + eps)


def inorm(x, eps=1e-5):
    d = tuple(range(2, x.ndim))
    return (x - x.mean(d, keepdims=True)) / np.sqrt(x.var(d, keepdims=True) + eps)


def lnorm(x, eps=1e-5):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)


def pool(x, nd, k, kind):
    return pool_ref(x, nd, (k,) * nd, (k,) * nd, (0,) * nd, (1,) * nd, kind)


def close(got, want, what, rtol=5e-5):
    check(got, want, "float32", what, (rtol, rtol * float(np.abs(want).max())))


# ---- every step and layout of an Epilogue
UNARY = [
    (E().relu(), lambda x: np.maximum(x, 0)), (E().sigmoid(), sigmoid), (E().tanh(), np.tanh), (E().gelu(), gelu),
    (E().gelu("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    (E().elu(0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))), (E().selu(), selu),
    (E().silu(), lambda x: x * sigmoid(x)), (E().softplus(2.0, 3.0), lambda x: softplus(x, 2.0, 3.0)),
    (E().softsign(), lambda x: x / (1 + abs(x))), (E().hardsigmoid(), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    (E().hardswish(), hardswish), (E().leaky_relu(0.2), lambda x: leaky(x, 0.2)),
    (E().hardtanh(-0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7)), (E().mish(), mish), (E().exp(), np.exp),
    (E().abs().log(), lambda x: np.log(abs(x))), (E().clamp(-0.3), lambda x: np.maximum(x, -0.3)),
    (E().add(1.5).sub(0.25).mul(-2.0).div(3.0).minimum(0.5).maximum(-1.0),
     lambda x: np.maximum(np.minimum((x + 1.5 - 0.25) * -2 / 3, 0.5), -1.0)),
    (E().save().sigmoid().mul(E.SAVED).add(E.SAVED), lambda x: sigmoid(x) * x + x),
]


@pytest.mark.op("fused")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("i", range(len(UNARY)))
def test_steps(i, dt, rng):
    epi, ref = UNARY[i]
    for shape in [(37,), (3, 517), (2, 3, 1500)]:  # a row of more than one tile (1024)
        x = rand(rng, shape, dt, 2)
        check(ops.fused(x, epi), ref(f64(x)), dt, f"fused {epi.steps} {shape}")


@pytest.mark.op("fused")
@pytest.mark.parametrize("dt", FLOATS)
def test_operand_layouts(dt, rng):
    x = rand(rng, (2, 3, 5, 7), dt)
    c, m, full, one = (rand(rng, s, dt) for s in [(3, 1, 1), (2, 3, 1, 1), (2, 3, 5, 7), (1,)])
    epi = E().add(c).mul(full).sub(m).div(one).maximum(c).minimum(full)
    want = np.minimum(np.maximum(((f64(x) + f64(c)) * f64(full) - f64(m)) / f64(one), f64(c)), f64(full))
    check(ops.fused(x, epi), want, dt, "fused layouts", (TOL[dt][0], TOL[dt][1] * 10))
    y = rand(rng, (4, 37), dt)
    col, row = rand(rng, (37,), dt), rand(rng, (4, 1), dt)
    check(ops.fused(y, E().mul(col).add(row)), f64(y) * f64(col) + f64(row), dt, "fused 2-d layouts")


@pytest.mark.op("fused", "conv2d", "linear")
def test_bad_epilogues():
    x = np.ones((2, 3, 4, 5), np.float32)
    with pytest.raises(ValueError, match="does not broadcast"):
        ops.fused(x, E().add(np.ones((4, 1), np.float32) * np.ones((1, 3), np.float32)))
    with pytest.raises(ValueError, match="use ops.add"):
        ops.fused(x, E().add(np.ones((5,), np.float32)))
    with pytest.raises(ValueError, match="at most 4 distinct tensor operands"):
        ops.fused(x, E().add(x).add(x.copy()).add(x.copy()).add(x.copy()).add(x.copy()))
    with pytest.raises(TypeError, match="Epilogue"):
        ops.linear(np.ones((2, 3), np.float32), np.ones((4, 3), np.float32), epilogue="relu")
    with pytest.raises(ValueError, match="give min, max or both"):
        E().clamp()
    with pytest.raises(ValueError, match="approximate"):
        E().gelu("erf")


@pytest.mark.op("fused", "conv2d")
def test_device_buffers_and_310p(runtime310, rng):
    x = rand(rng, (2, 3, 9, 11), "float16")
    w, b = rand(rng, (4, 3, 3, 3), "float16"), rand(rng, (4, 1, 1), "float16")
    bx = DeviceBuffer.from_numpy(x, context=runtime310.context)
    y = ops.conv2d(bx, w, padding=1, epilogue=E().add(b).mish(), stream=runtime310)
    assert isinstance(y, DeviceBuffer)
    want = mish(conv_ref(x, w, None, padding=1) + f64(b))
    check(y.to_numpy().reshape(y.shape), want, "float16", "310P conv2d epilogue",
          (2e-3, 2e-3 * float(np.abs(want).max())))
    z = ops.fused(y, E().tanh(), stream=runtime310)
    check(z.to_numpy().reshape(z.shape), np.tanh(f64(y.to_numpy()).reshape(y.shape)), "float16", "310P fused")
    for buf in (bx, y, z):
        buf.close()


@pytest.mark.op("logsumexp")
@pytest.mark.parametrize("dt", FLOATS)
def test_logsumexp(dt, rng):
    for shape, dim in [((3, 5000), 1), ((2, 7, 5), 1), ((2, 3, 4, 5), (2, 3)), ((4, 9), 0), ((6,), -1)]:
        x = rand(rng, shape, dt, 5)
        d = tuple(dim) if isinstance(dim, tuple) else dim
        check(ops.logsumexp(x, dim), lse(f64(x), d), dt, f"logsumexp {shape} {dim}")
        assert ops.logsumexp(x, dim, keepdim=True).shape == lse(f64(x), d, True).shape
    with pytest.raises(ValueError, match="neighbouring"):
        ops.logsumexp(np.ones((2, 3, 4), np.float32), (0, 2))


# ---- MultiKernelBench's fuse tasks at reduced sizes: (ascendpy result, float64 reference)
def _conv2d(rng, cin=3, cout=8, hw=(10, 12), k=3):
    x, w, b = rand(rng, (2, cin, *hw), "float32"), rand(rng, (cout, cin, k, k), "float32"), rand(rng, (cout,),
                                                                                                  "float32")
    return x, w, b, conv_ref(x, w, b)


def _conv3d(rng, cin=3, cout=8, dhw=(5, 6, 7), k=3):
    x, w, b = rand(rng, (2, cin, *dhw), "float32"), rand(rng, (cout, cin, k, k, k), "float32"), rand(
        rng, (cout,), "float32")
    return x, w, b, conv_ref(x, w, b)


def _convt(rng, nd, cin=4, cout=8, sp=None, k=3, **kw):
    sp = sp or ((5, 6) if nd == 2 else (3, 4, 5))
    x, w, b = rand(rng, (2, cin, *sp), "float32"), rand(rng, (cin, cout, *(k,) * nd), "float32"), rand(
        rng, (cout,), "float32")
    return x, w, b, conv_t_ref(x, w, b, **kw)


def _lin(rng, n=6, fin=24, fout=16, bias=True):
    x, w = rand(rng, (n, fin), "float32"), rand(rng, (fout, fin), "float32")
    b = rand(rng, (fout,), "float32") if bias else None
    return x, w, b, f64(x) @ f64(w).T + (0 if b is None else f64(b))


def p(shape, rng):
    return rand(rng, shape, "float32")


def t_conv2d_activation_batch_norm(rng):
    x, w, b, r = _conv2d(rng)
    y = ops.batch_norm(ops.conv2d(x, w, b, epilogue=E().save().softplus().tanh().mul(E.SAVED)), None, None,
                       training=True)
    return y, bn(np.tanh(softplus(r)) * r)


def t_conv2d_add_scale_sigmoid_group_norm(rng):
    x, w, b, r = _conv2d(rng)
    bias, scale = p((8, 1, 1), rng), p((8, 1, 1), rng)
    y = ops.group_norm(ops.conv2d(x, w, b, epilogue=E().add(bias).mul(scale).sigmoid()), 4)
    return y, gn(sigmoid((r + f64(bias)) * f64(scale)), 4)


def t_conv2d_avg_pool_sigmoid_sum(rng):
    x, w, b, r = _conv2d(rng)
    y = ops.sum(ops.fused(ops.avg_pool2d(ops.conv2d(x, w, b), 2), E().sigmoid()), dim=[1, 2, 3])
    return y, sigmoid(pool(r, 2, 2, "avg")).sum((1, 2, 3))


def t_conv2d_batch_norm_scaling(rng):
    x, w, b, r = _conv2d(rng)
    return ops.fused(ops.batch_norm(ops.conv2d(x, w, b), None, None, training=True), E().mul(2.0)), bn(r) * 2


def t_conv2d_divide_leaky_relu(rng):
    x, w, b, r = _conv2d(rng)
    return ops.conv2d(x, w, b, epilogue=E().div(2.0).leaky_relu(0.01)), leaky(r / 2)


def t_conv2d_gelu_global_avg_pool(rng):
    x, w, b, r = _conv2d(rng)
    return ops.mean(ops.conv2d(x, w, b, epilogue=E().gelu()), dim=(2, 3)), gelu(r).mean((2, 3))


def t_conv2d_group_norm_scale_max_pool_clamp(rng):
    x, w, b, r = _conv2d(rng)
    s = p((8, 1, 1), rng)
    y = ops.fused(ops.max_pool2d(ops.fused(ops.group_norm(ops.conv2d(x, w, b), 4), E().mul(s)), 2),
                  E().clamp(0.0, 1.0))
    return y, np.clip(pool(gn(r, 4) * f64(s), 2, 2, "max"), 0, 1)


def t_conv2d_group_norm_tanh_hard_swish_residual_add_log_sum_exp(rng):
    x, w, b, r = _conv2d(rng)
    c = ops.conv2d(x, w, b)
    y = ops.logsumexp(ops.fused(ops.group_norm(c, 4), E().tanh().hardswish().add(c)), 1, keepdim=True)
    return y, lse(r + hardswish(np.tanh(gn(r, 4))), 1, True)


def t_conv2d_hard_swish_relu(rng):
    x, w, b, r = _conv2d(rng)
    return ops.conv2d(x, w, b, epilogue=E().hardswish().relu()), np.maximum(hardswish(r), 0)


def t_conv2d_instance_norm_divide(rng):
    x, w, b, r = _conv2d(rng)
    return ops.fused(ops.instance_norm(ops.conv2d(x, w, b)), E().div(2.0)), inorm(r) / 2


def t_conv2d_min_add_multiply(rng):
    x, w, b, r = _conv2d(rng)
    bias = p((8, 1, 1), rng)
    return ops.conv2d(x, w, b, epilogue=E().minimum(0.5).add(bias).mul(2.0)), (np.minimum(r, 0.5) + f64(bias)) * 2


def t_conv2d_min_tanh_tanh(rng):
    x, w, b, r = _conv2d(rng)
    return ops.fused(ops.amin(ops.conv2d(x, w, b), 1, keepdim=True), E().tanh().tanh()), np.tanh(np.tanh(
        r.min(1, keepdims=True)))


def t_conv2d_mish_mish(rng):
    x, w, b, r = _conv2d(rng)
    return ops.conv2d(x, w, b, epilogue=E().mish().mish()), mish(mish(r))


def t_conv2d_multiply_leaky_relu_gelu(rng):
    x, w, b, r = _conv2d(rng)
    m = p((8, 1, 1), rng)
    return ops.conv2d(x, w, b, epilogue=E().mul(m).leaky_relu().gelu()), gelu(leaky(r * f64(m)))


def t_conv2d_relu_bias_add(rng):
    x, w, b, r = _conv2d(rng)
    bias = p((8, 1, 1), rng)
    return ops.conv2d(x, w, b, epilogue=E().relu().add(bias)), np.maximum(r, 0) + f64(bias)


def t_conv2d_relu_hard_swish(rng):
    x, w, b, r = _conv2d(rng)
    y = ops.conv2d(x, w, b, epilogue=E().relu().save().add(3).div(6).clamp(0, 1).mul(E.SAVED))
    q = np.maximum(r, 0)
    return y, q * np.clip((q + 3) / 6, 0, 1)


def t_conv2d_scaling_min(rng):
    x, w, b, r = _conv2d(rng)
    return ops.amin(ops.conv2d(x, w, b, epilogue=E().mul(2.0)), 1, keepdim=True), (r * 2).min(1, keepdims=True)


def t_conv2d_subtract_hard_swish_max_pool_mish(rng):
    x, w, b, r = _conv2d(rng)
    y = ops.fused(ops.max_pool2d(ops.conv2d(x, w, b, epilogue=E().sub(0.5).hardswish()), 2), E().mish())
    return y, mish(pool(hardswish(r - 0.5), 2, 2, "max"))


def t_conv2d_subtract_subtract_mish(rng):
    x, w, b, r = _conv2d(rng)
    return ops.conv2d(x, w, b, epilogue=E().sub(0.5).sub(0.2).mish()), mish(r - 0.7)


def t_conv2d_subtract_tanh_subtract_avg_pool(rng):
    x, w, b, r = _conv2d(rng)
    y = ops.avg_pool2d(ops.conv2d(x, w, b, epilogue=E().sub(0.5).tanh().sub(0.2)), 2)
    return y, pool(np.tanh(r - 0.5) - 0.2, 2, 2, "avg")


def t_conv2d_tanh_scaling_bias_add_max(rng):
    x, w, b, r = _conv2d(rng)
    bias = p((8, 1, 1), rng)
    y = ops.max_pool2d(ops.conv2d(x, w, b, epilogue=E().tanh().mul(2.0).add(bias)), 2)
    return y, pool(np.tanh(r) * 2 + f64(bias), 2, 2, "max")


def t_conv3d_divide_max_global_avg_pool_bias_add_sum(rng):
    x, w, b, r = _conv3d(rng, dhw=(6, 6, 8))
    bias = p((8, 1, 1, 1), rng)
    y = ops.max_pool3d(ops.conv3d(x, w, b, epilogue=E().div(2.0)), 2)
    y = ops.sum(ops.fused(ops.mean(y, dim=(2, 3, 4), keepdim=True), E().add(bias)), dim=1)
    return y, (pool(r / 2, 3, 2, "max").mean((2, 3, 4), keepdims=True) + f64(bias)).sum(1)


def t_conv3d_group_norm_mean(rng):
    x, w, b, r = _conv3d(rng)
    gw, gb = p((8,), rng), p((8,), rng)  # an affine group norm: without it the mean is 0 up to rounding
    want = (gn(r, 4) * f64(gw).reshape(-1, 1, 1, 1) + f64(gb).reshape(-1, 1, 1, 1)).mean((1, 2, 3, 4))
    return ops.mean(ops.group_norm(ops.conv3d(x, w, b), 4, gw, gb), dim=[1, 2, 3, 4]), want


def t_conv3d_hardswish_relu_softmax_mean(rng):
    x, w, b, r = _conv3d(rng)
    y = ops.mean(ops.group_norm(ops.conv3d(x, w, b, epilogue=E().hardswish()), 4), dim=[2, 3, 4])
    return y, gn(hardswish(r), 4).mean((2, 3, 4))


def t_conv3d_leaky_relu_sum_clamp_gelu(rng):
    x, w, b, r = _conv3d(rng)
    s = p((8, 1, 1, 1), rng)
    y = ops.conv3d(x, w, b, epilogue=E().leaky_relu(0.2).add(s).clamp(-1.0, 1.0).gelu())
    return y, gelu(np.clip(leaky(r, 0.2) + f64(s), -1, 1))


def t_conv3d_max_log_sum_exp_relu(rng):
    x, w, b, r = _conv3d(rng, dhw=(6, 6, 8))
    y = ops.fused(ops.logsumexp(ops.max_pool3d(ops.conv3d(x, w, b), 2), 1, keepdim=True), E().relu())
    return y, np.maximum(lse(pool(r, 3, 2, "max"), 1, True), 0)


def t_conv3d_min_softmax(rng):
    x, w, b, r = _conv3d(rng)
    return ops.softmax(ops.amin(ops.conv3d(x, w, b), 2), dim=1), softmax(r.min(2), 1)


def t_conv3d_mish_tanh(rng):
    x, w, b, r = _conv3d(rng)
    return ops.conv3d(x, w, b, epilogue=E().mish().tanh()), np.tanh(mish(r))


def t_conv3d_multiply_instance_norm_clamp_multiply_max(rng):
    x, w, b, r = _conv3d(rng)
    m = p((8, 1, 1, 1), rng)
    y = ops.instance_norm(ops.conv3d(x, w, b, epilogue=E().mul(m)))
    y = ops.amax(ops.fused(y, E().clamp(-1.0, 1.0).mul(m)), 1)
    return y, (np.clip(inorm(r * f64(m)), -1, 1) * f64(m)).max(1)


def t_conv3d_relu_leaky_relu_gelu_sigmoid_bias_add(rng):
    x, w, b, r = _conv3d(rng)
    bias = p((8, 1, 1, 1), rng)
    y = ops.conv3d(x, w, b, epilogue=E().relu().leaky_relu().gelu().sigmoid().add(bias))
    return y, sigmoid(gelu(leaky(np.maximum(r, 0)))) + f64(bias)


def t_conv3d_scaling_tanh_multiply_sigmoid(rng):
    x, w, b, r = _conv3d(rng)
    s = p((8, 1, 1, 1), rng)
    return ops.conv3d(x, w, b, epilogue=E().mul(2.0).tanh().mul(s).sigmoid()), sigmoid(np.tanh(r * 2) * f64(s))


def t_conv3d_softmax_max_pool_max_pool(rng):
    x, w, b, r = _conv3d(rng, dhw=(6, 6, 8))
    y = ops.max_pool3d(ops.max_pool3d(ops.softmax(ops.conv3d(x, w, b), dim=1), 2), 2)
    return y, pool(pool(softmax(r, 1), 3, 2, "max"), 3, 2, "max")


def t_conv_transpose2d_add_min_gelu_multiply(rng):
    x, w, b, r = _convt(rng, 2, stride=2)
    return ops.conv_transpose2d(x, w, b, stride=2, epilogue=E().add(0.5).minimum(0.0).gelu().mul(2.0)), gelu(
        np.minimum(r + 0.5, 0)) * 2


def t_conv_transpose2d_bias_add_clamp_scaling_clamp_divide(rng):
    x, w, b, r = _convt(rng, 2, stride=2, padding=1, output_padding=1)
    bias = p((8, 1, 1), rng)
    y = ops.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                             epilogue=E().add(bias).clamp(0.0, 1.0).mul(2.0).clamp(0.0, 1.0).div(2.0))
    return y, np.clip(np.clip(r + f64(bias), 0, 1) * 2, 0, 1) / 2


def t_conv_transpose2d_gelu_group_norm(rng):
    x, w, b, r = _convt(rng, 2, stride=2)
    return ops.group_norm(ops.conv_transpose2d(x, w, b, stride=2, epilogue=E().gelu()), 4), gn(gelu(r), 4)


def t_conv_transpose2d_max_pool_hardtanh_mean_tanh(rng):
    x, w, b, r = _convt(rng, 2, stride=2)
    y = ops.fused(ops.max_pool2d(ops.conv_transpose2d(x, w, b, stride=2), 2), E().hardtanh(-1, 1))
    y = ops.fused(ops.mean(y, dim=(2, 3), keepdim=True), E().tanh())
    return y, np.tanh(np.clip(pool(r, 2, 2, "max"), -1, 1).mean((2, 3), keepdims=True))


def t_conv_transpose2d_min_sum_gelu_add(rng):
    x, w, b, r = _convt(rng, 2, stride=2, padding=1, output_padding=1)
    bias = p((1, 1, 1), rng)
    y = ops.amin(ops.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), 1, keepdim=True)
    y = ops.fused(ops.sum(y, dim=2, keepdim=True), E().gelu().add(bias))
    return y, gelu(r.min(1, keepdims=True).sum(2, keepdims=True)) + f64(bias)


def t_conv_transpose2d_mish_add_hardtanh_scaling(rng):
    x, w, b, r = _convt(rng, 2, stride=2)
    y = ops.conv_transpose2d(x, w, b, stride=2, epilogue=E().mish().add(0.5).hardtanh(-1, 1).mul(2.0))
    return y, np.clip(mish(r) + 0.5, -1, 1) * 2


def t_conv_transpose2d_multiply_global_avg_pool_global_avg_pool_mean(rng):
    x, w, b, r = _convt(rng, 2, stride=2)
    y = ops.conv_transpose2d(x, w, b, stride=2, epilogue=E().mul(0.5))
    y = ops.mean(ops.mean(y, dim=[2, 3], keepdim=True), dim=[2, 3], keepdim=True)
    return y, (r * 0.5).mean((2, 3), keepdims=True)


def t_conv_transpose2d_subtract_tanh(rng):
    x, w, b, r = _convt(rng, 2, stride=2)
    bias = p((8, 1, 1), rng)
    return ops.conv_transpose2d(x, w, b, stride=2, epilogue=E().sub(bias).tanh()), np.tanh(r - f64(bias))


def t_conv_transpose3d_add_hard_swish(rng):
    x, w, b, r = _convt(rng, 3, stride=2)
    a = p(r.shape, rng)
    y = ops.conv_transpose3d(x, w, b, stride=2, epilogue=E().add(a).save().hardswish().mul(E.SAVED))
    q = r + f64(a)
    return y, q * hardswish(q)


def t_conv_transpose3d_avg_pool_clamp_softmax_multiply(rng):
    x = p((2, 4, 6, 8, 10), rng)
    w, b = p((4, 8, 3, 3, 3), rng), p((8,), rng)
    y = ops.conv_transpose3d(ops.avg_pool3d(x, 2), w, b, stride=2, epilogue=E().clamp(-1.0, 1.0))
    n, c = y.shape[:2]
    y = ops.fused(ops.softmax(y.reshape(n, c, -1), dim=2).reshape(y.shape), E().mul(2.0))
    r = np.clip(conv_t_ref(pool(f64(x), 3, 2, "avg"), w, b, stride=2), -1, 1)
    return y, softmax(r.reshape(n, c, -1), 2).reshape(r.shape) * 2


def t_conv_transpose3d_batch_norm_avg_pool_avg_pool(rng):
    x, w, b, r = _convt(rng, 3, sp=(4, 4, 4), stride=2)
    y = ops.avg_pool3d(ops.avg_pool3d(ops.batch_norm(ops.conv_transpose3d(x, w, b, stride=2), None, None,
                                                     training=True), 2), 2)
    return y, pool(pool(bn(r), 3, 2, "avg"), 3, 2, "avg")


def t_conv_transpose3d_batch_norm_subtract(rng):
    x, w, b, r = _convt(rng, 3, stride=2)
    y = ops.batch_norm(ops.conv_transpose3d(x, w, b, stride=2), None, None, training=True)
    y = ops.fused(y, E().sub(ops.mean(y, dim=(2, 3, 4), keepdim=True)))
    q = bn(r)
    return y, q - q.mean((2, 3, 4), keepdims=True)


def t_conv_transpose3d_clamp_min_divide(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1)
    return ops.conv_transpose3d(x, w, b, stride=2, padding=1, epilogue=E().clamp(min=-0.5).div(2.0)), np.maximum(
        r, -0.5) / 2


def t_conv_transpose3d_layer_norm_gelu_scaling(rng):
    x, w, b, r = _convt(rng, 3, cout=10, sp=(3, 4, 5), k=4, stride=2, padding=1)  # W out = 10 = C
    y = ops.fused(ops.layer_norm(ops.conv_transpose3d(x, w, b, stride=2, padding=1), (10,)), E().gelu().mul(1.5))
    return y, gelu(lnorm(r)) * 1.5


def t_conv_transpose3d_leaky_relu_multiply_leaky_relu_max(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1, output_padding=1)
    m = p((8, 1, 1, 1), rng)
    y = ops.max_pool3d(ops.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1,
                                            epilogue=E().leaky_relu(0.2).mul(m).leaky_relu(0.2)), 2)
    return y, pool(leaky(leaky(r, 0.2) * f64(m), 0.2), 3, 2, "max")


def t_conv_transpose3d_log_sum_exp_hard_swish_subtract_clamp_max(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1)
    bias = p((1, 1, 1, 1), rng)
    y = ops.logsumexp(ops.conv_transpose3d(x, w, b, stride=2, padding=1), 1, keepdim=True)
    y = ops.amax(ops.fused(y, E().save().add(3).sigmoid().mul(E.SAVED).div(6).sub(bias).clamp(-1, 1)), 1,
                 keepdim=True)
    q = lse(r, 1, True)
    return y, np.clip(q * sigmoid(q + 3) / 6 - f64(bias), -1, 1).max(1, keepdims=True)


def t_conv_transpose3d_max_max_sum(rng):
    x, w, b, r = _convt(rng, 3, sp=(5, 6, 6), stride=2, padding=1)
    y = ops.sum(ops.max_pool3d(ops.max_pool3d(ops.conv_transpose3d(x, w, b, stride=2, padding=1), 2), 3), dim=1,
                keepdim=True)
    return y, pool(pool(r, 3, 2, "max"), 3, 3, "max").sum(1, keepdims=True)


def t_conv_transpose3d_max_pool_softmax_subtract_swish_max(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1, output_padding=1)
    s = p((8,), rng)
    y = ops.softmax(ops.max_pool3d(ops.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1), 2), 1)
    y = ops.amax(ops.fused(y, E().sub(s.reshape(1, -1, 1, 1, 1)).save().sigmoid().mul(E.SAVED)), 1)
    q = softmax(pool(r, 3, 2, "max"), 1) - f64(s).reshape(1, -1, 1, 1, 1)
    return y, (sigmoid(q) * q).max(1)


def t_conv_transpose3d_multiply_max_global_avg_pool_clamp(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1)
    y = ops.max_pool3d(ops.conv_transpose3d(x, w, b, stride=2, padding=1, epilogue=E().mul(0.5)), 2)
    y = ops.fused(ops.mean(y, dim=(2, 3, 4), keepdim=True), E().clamp(0, 1))
    return y, np.clip(pool(r * 0.5, 3, 2, "max").mean((2, 3, 4), keepdims=True), 0, 1)


def t_conv_transpose3d_scale_batch_norm_global_avg_pool(rng):
    x, w, b, r = _convt(rng, 3)
    y = ops.batch_norm(ops.conv_transpose3d(x, w, b, epilogue=E().mul(2.0)), None, None, training=True)
    return ops.mean(y, dim=(2, 3, 4), keepdim=True), bn(r * 2).mean((2, 3, 4), keepdims=True)


def t_conv_transpose3d_scaling_avg_pool_bias_add_scaling(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1)
    bias = p((8, 1, 1, 1), rng)
    y = ops.fused(ops.avg_pool3d(ops.conv_transpose3d(x, w, b, stride=2, padding=1, epilogue=E().mul(0.5)), 2),
                  E().add(bias).mul(1.5))
    return y, (pool(r * 0.5, 3, 2, "avg") + f64(bias)) * 1.5


def t_conv_transpose3d_softmax_sigmoid(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1, output_padding=1)
    y = ops.fused(ops.softmax(ops.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1), dim=1),
                  E().sigmoid())
    return y, sigmoid(softmax(r, 1))


def t_conv_transpose3d_sum_layer_norm_avg_pool_gelu(rng):
    x, w, b, r = _convt(rng, 3, sp=(3, 4, 4), stride=2, padding=1, output_padding=1)  # W out = 8 = C
    y = ops.layer_norm(ops.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1,
                                            epilogue=E().add(1.0)), (8,))
    return ops.fused(ops.avg_pool3d(y, 2), E().gelu()), gelu(pool(lnorm(r + 1), 3, 2, "avg"))


def t_conv_transpose3d_sum_residual_add_multiply_residual_add(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1, output_padding=1)
    bias = p((8, 1, 1, 1), rng)
    y = ops.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1,
                             epilogue=E().add(bias).add(E.SAVED).mul(E.SAVED).add(E.SAVED))
    return y, (r + f64(bias) + r) * r + r


def t_conv_transpose3d_swish_group_norm_hard_swish(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1)
    y = ops.group_norm(ops.conv_transpose3d(x, w, b, stride=2, padding=1, epilogue=E().save().sigmoid().mul(
        E.SAVED)), 4)
    return ops.fused(y, E().hardswish()), hardswish(gn(sigmoid(r) * r, 4))


def t_convtranspose2d_batchnorm_tanh_maxpool_groupnorm(rng):
    x, w, b, r = _convt(rng, 2, stride=2, padding=1)
    y = ops.fused(ops.batch_norm(ops.conv_transpose2d(x, w, b, stride=2, padding=1), None, None, training=True),
                  E().tanh())
    return ops.group_norm(ops.max_pool2d(y, 2, 2), 4), gn(pool(np.tanh(bn(r)), 2, 2, "max"), 4)


def t_convtranspose2d_globalavgpool_biasadd_logsumexp_sum_multiply(rng):
    x, w, b, r = _convt(rng, 2)
    bias = p((8, 1, 1), rng)
    y = ops.fused(ops.mean(ops.conv_transpose2d(x, w, b), dim=(2, 3), keepdim=True), E().add(bias))
    y = ops.fused(ops.sum(ops.logsumexp(y, 1, keepdim=True), dim=(2, 3)), E().mul(10.0))
    return y, lse(r.mean((2, 3), keepdims=True) + f64(bias), 1, True).sum((2, 3)) * 10


def t_convtranspose2d_softmax_biasadd_scaling_sigmoid(rng):
    x, w, b, r = _convt(rng, 2, stride=2, padding=1, output_padding=1)
    bias = p((8, 1, 1), rng)
    y = ops.fused(ops.softmax(ops.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), dim=1),
                  E().add(bias).mul(2.0).sigmoid())
    return y, sigmoid((softmax(r, 1) + f64(bias)) * 2)


def t_convtranspose3d_mean_add_softmax_tanh_scaling(rng):
    x, w, b, r = _convt(rng, 3, stride=2, padding=1)
    bias = p((1, 8, 1, 1, 1), rng)
    y = ops.fused(ops.mean(ops.conv_transpose3d(x, w, b, stride=2, padding=1), dim=2, keepdim=True), E().add(bias))
    return ops.fused(ops.softmax(y, dim=1), E().tanh().mul(2.0)), np.tanh(softmax(r.mean(2, keepdims=True) + f64(
        bias), 1)) * 2


def t_convtranspose3d_relu_groupnorm(rng):
    x, w, b, r = _convt(rng, 3)
    return ops.group_norm(ops.conv_transpose3d(x, w, b, epilogue=E().relu()), 4), gn(np.maximum(r, 0), 4)


def t_gemm_add_relu(rng):
    x, w, _, r = _lin(rng, bias=False)
    bias = p((16,), rng)
    return ops.linear(x, w, epilogue=E().add(bias).relu()), np.maximum(r + f64(bias), 0)


def t_gemm_batch_norm_gelu_group_norm_mean_relu(rng):
    x, w, b, r = _lin(rng)
    return ops.fused(ops.batch_norm(ops.linear(x, w, b), None, None, training=True), E().gelu().relu()), np.maximum(
        gelu(bn(r)), 0)


def t_gemm_batch_norm_scaling_softmax(rng):
    x, w, b, r = _lin(rng)
    y = ops.softmax(ops.fused(ops.batch_norm(ops.linear(x, w, b), None, None, training=True), E().mul(1.5)), 1)
    return y, softmax(bn(r) * 1.5, 1)


def t_gemm_bias_add_hardtanh_mish_group_norm(rng):
    x, w, b, r = _lin(rng)
    bias = p((16,), rng)
    y = ops.group_norm(ops.linear(x, w, b, epilogue=E().add(bias).hardtanh().mish()), 4)
    return y, gn(mish(np.clip(r + f64(bias), -1, 1)), 4)


def t_gemm_divide_sum_scaling(rng):
    x, w, _, r = _lin(rng, bias=False)
    y = ops.fused(ops.sum(ops.linear(x, w, epilogue=E().div(2)), dim=1, keepdim=True), E().mul(1.5))
    return y, (r / 2).sum(1, keepdims=True) * 1.5


def t_gemm_group_norm_hardtanh(rng):
    x, w, b, r = _lin(rng)
    return ops.fused(ops.group_norm(ops.linear(x, w, b), 4), E().hardtanh(-2, 2)), np.clip(gn(r, 4), -2, 2)


def t_gemm_group_norm_min_bias_add(rng):
    x, w, b, r = _lin(rng)
    bias = p((1, 16, 1, 1), rng)
    y = ops.add(ops.amin(ops.group_norm(ops.linear(x, w, b), 4), 1, keepdim=True), bias)
    return y, gn(r, 4).min(1, keepdims=True) + f64(bias)


def t_gemm_group_norm_swish_multiply_swish(rng):
    x, w, b, r = _lin(rng)
    m = p((16,), rng)
    y = ops.fused(ops.group_norm(ops.linear(x, w, b), 4), E().silu().mul(m).silu())
    q = gn(r, 4)
    q = q * sigmoid(q) * f64(m)
    return y, q * sigmoid(q)


def t_gemm_log_sum_exp_leaky_relu_leaky_relu_gelu_gelu(rng):
    x, w, b, r = _lin(rng)
    y = ops.fused(ops.logsumexp(ops.linear(x, w, b), 1, keepdim=True), E().leaky_relu().leaky_relu().gelu().gelu())
    return y, gelu(gelu(leaky(leaky(lse(r, 1, True)))))


def t_gemm_max_subtract_gelu(rng):
    x, w, b, r = _lin(rng)
    m = ops.amax(ops.linear(x, w, b), 1, keepdim=True)
    y = ops.fused(m, E().sub(ops.mean(m, dim=1, keepdim=True)).gelu())
    q = r.max(1, keepdims=True)
    return y, gelu(q - q.mean(1, keepdims=True))


def t_gemm_multiply_leakyrelu(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().mul(2.0).leaky_relu(0.1)), leaky(r * 2, 0.1)


def t_gemm_relu_divide(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().relu().div(2.0)), np.maximum(r, 0) / 2


def t_gemm_scale_batch_norm(rng):
    x, w, b, r = _lin(rng)
    s = p((16,), rng)
    return ops.batch_norm(ops.linear(x, w, b, epilogue=E().mul(s)), None, None, training=True), bn(r * f64(s))


def t_gemm_scale_batchnorm(rng):
    x, w, b, r = _lin(rng)
    s = rng.random(16).astype(np.float32)
    return ops.batch_norm(ops.linear(x, w, b, epilogue=E().mul(s)), None, None, training=True), bn(r * f64(s))


def t_gemm_scaling_hard_tanh_gelu(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().mul(0.5).hardtanh(-2, 2).gelu()), gelu(np.clip(r * 0.5, -2, 2))


def t_gemm_sigmoid_scaling_residual_add(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().sigmoid().mul(2.0).add(E.SAVED)), sigmoid(r) * 2 + r


def t_gemm_sigmoid_sum_log_sum_exp(rng):
    x, w, b, r = _lin(rng)
    w2, b2 = p((12, 16), rng), p((12,), rng)
    y = ops.logsumexp(ops.linear(ops.linear(x, w, b, epilogue=E().sigmoid()), w2, b2), 1)
    return y, lse(sigmoid(r) @ f64(w2).T + f64(b2), 1)


def t_gemm_subtract_global_avg_pool_log_sum_exp_gelu_residual_add(rng):
    x, w, b, r = _lin(rng)
    s = p((16,), rng)
    y = ops.logsumexp(ops.mean(ops.linear(x, w, b, epilogue=E().sub(s)), dim=1, keepdim=True), 1, keepdim=True)
    y = ops.fused(x, E().add(ops.fused(y, E().gelu())))
    return y, gelu(lse((r - f64(s)).mean(1, keepdims=True), 1, True)) + f64(x)


def t_gemm_swish_divide_clamp_tanh_clamp(rng):
    x, w, b, r = _lin(rng)
    y = ops.linear(x, w, b, epilogue=E().silu().div(2.0).clamp(-1, 1).tanh().clamp(-1, 1))
    return y, np.clip(np.tanh(np.clip(r * sigmoid(r) / 2, -1, 1)), -1, 1)


def t_matmul_add_swish_tanh_gelu_hardtanh(rng):
    x, w, b, r = _lin(rng)
    a = p((16,), rng)
    y = ops.linear(x, w, b, epilogue=E().add(a).silu().tanh().gelu().hardtanh())
    q = r + f64(a)
    return y, np.clip(gelu(np.tanh(q * sigmoid(q))), -1, 1)


def t_matmul_avg_pool_gelu_scale_max(rng):
    x, w, b, r = _lin(rng)
    y = ops.amax(ops.fused(ops.avg_pool1d(ops.linear(x, w, b)[:, None], 4)[:, 0], E().gelu().mul(2.0)), 1)
    return y, (gelu(pool(r[:, None], 1, 4, "avg")[:, 0]) * 2).max(1)


def t_matmul_batch_norm_bias_add_divide_swish(rng):
    x, w, b, r = _lin(rng)
    bias = p((1,), rng)
    y = ops.fused(ops.batch_norm(ops.linear(x, w, b), None, None, training=True), E().add(bias).div(2.0).silu())
    q = (bn(r) + f64(bias)) / 2
    return y, q * sigmoid(q)


def t_matmul_divide_gelu(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().div(3.0).gelu()), gelu(r / 3)


def t_matmul_gelu_softmax(rng):
    x, w, b, r = _lin(rng)
    return ops.softmax(ops.linear(x, w, b, epilogue=E().gelu()), dim=1), softmax(gelu(r), 1)


def t_matmul_group_norm_leaky_relu_sum(rng):
    x, w, b, r = _lin(rng)
    y = ops.fused(ops.group_norm(ops.linear(x, w, b), 4), E().leaky_relu().save().add(E.SAVED))
    return y, leaky(gn(r, 4)) * 2


def t_matmul_max_pool_sum_scale(rng):
    x, w, b, r = _lin(rng)
    y = ops.fused(ops.sum(ops.max_pool1d(ops.linear(x, w, b)[:, None], 2)[:, 0], dim=1), E().mul(0.5))
    return y, pool(r[:, None], 1, 2, "max")[:, 0].sum(1) * 0.5


def t_matmul_min_subtract(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().minimum(0.5).sub(0.5)), np.minimum(r, 0.5) - 0.5


def t_matmul_mish_mish(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().mish().mish()), mish(mish(r))


def t_matmul_scale_residual_add_clamp_log_sum_exp_mish(rng):
    x, w, b, r = _lin(rng)
    y = ops.logsumexp(ops.linear(x, w, b, epilogue=E().mul(2.0).save().add(E.SAVED).clamp(-10, 10)), 1,
                      keepdim=True)
    q = lse(np.clip(r * 4, -10, 10), 1, True)
    return ops.fused(y, E().save().mish().mul(E.SAVED)), q * mish(q)


def t_matmul_scaling_residual_add(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().mul(0.5).add(E.SAVED)), r * 0.5 + r


def t_matmul_sigmoid_sum(rng):
    x, w, b, r = _lin(rng)
    return ops.sum(ops.linear(x, w, b, epilogue=E().sigmoid()), dim=1, keepdim=True), sigmoid(r).sum(1,
                                                                                                  keepdims=True)


def t_matmul_subtract_multiply_relu(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().sub(2.0).mul(1.5).relu()), np.maximum((r - 2) * 1.5, 0)


def t_matmul_sum_max_avg_pool_log_sum_exp_log_sum_exp(rng):
    x, w, b, r = _lin(rng)
    y = ops.amax(ops.sum(ops.linear(x, w, b), dim=1, keepdim=True), 1, keepdim=True)
    y = ops.logsumexp(ops.logsumexp(ops.mean(y, dim=1, keepdim=True), 1, keepdim=True), 1, keepdim=True)
    return y, r.sum(1, keepdims=True)


def t_matmul_swish_scaling(rng):
    x, w, b, r = _lin(rng)
    return ops.linear(x, w, b, epilogue=E().silu().mul(2.0)), r * sigmoid(r) * 2


def t_matmul_swish_sum_group_norm(rng):
    x, w, b, r = _lin(rng)
    bias = p((16,), rng)
    y = ops.group_norm(ops.linear(x, w, b, epilogue=E().save().sigmoid().mul(E.SAVED).add(bias)), 4)
    return y, gn(sigmoid(r) * r + f64(bias), 4)


def t_bmm_instance_norm_sum_residual_add_multiply(rng):
    x, w, b, r = _lin(rng)
    yy = p((6, 16), rng)
    y = ops.instance_norm(ops.linear(x, w, b)[:, None, None])[:, 0, 0]
    return ops.fused(y, E().add(yy).mul(yy)), (inorm(r[:, None, None])[:, 0, 0] + f64(yy)) * f64(yy)


FUSE = sorted(k[2:] for k in dir() if k.startswith("t_"))


@pytest.mark.op("fused", "conv2d", "conv3d", "conv_transpose2d", "conv_transpose3d", "linear", "logsumexp")
@pytest.mark.parametrize("task", FUSE)
def test_multikernelbench_fuse_tasks(task, rng):
    got, want = globals()[f"t_{task}"](rng)
    close(got, want, task)


def test_fuse_tasks_are_registered():
    """The fuse tasks tested above are the ones ops.fused lists (and no others)."""
    from ascendpy.ops.registry import OPERATORS

    assert sorted(OPERATORS["fused"].tasks) == FUSE
