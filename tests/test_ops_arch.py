"""MultiKernelBench's architectures (ascendpy.ops.arch) against a float64 numpy run of the same network."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ascendpy import ops
from ascendpy.ops import nn
from ascendpy.ops.registry import OPERATORS
from tests.ops_check import FLOATS, check, dtype, f64, rand
from tests.test_ops_convolution import conv_ref, conv_t_ref
from tests.test_ops_pooling import _ref as pool_ref

# task: (the operator's mark, constructor arguments, input shapes), at reduced sizes
CASES: dict[str, tuple] = {
    "mlp": (pytest.mark.op("arch.MLP"), (64, [96, 80], 40), [(8, 64)]),
    "deep_narrow_mlp": (pytest.mark.op("arch.MLP"), (48, [32] * 8, 10), [(6, 48)]),
    "shallow_wide_mlp": (pytest.mark.op("arch.MLP"), (40, [300, 200], 24), [(4, 40)]),
    "lenet5": (pytest.mark.op("arch.LeNet5"), (20,), [(3, 1, 32, 32)]),
    "resnet_basic_block": (pytest.mark.op("arch.ResNetBasicBlock"), (8, 16, 2), [(2, 8, 12, 12)]),
    "resnet18": (pytest.mark.op("arch.ResNet18"), (10,), [(2, 3, 64, 64)]),
    "resnet101": (pytest.mark.op("arch.ResNet101"), ([2, 2, 3, 2], 10), [(2, 3, 64, 64)]),
    "densenet121_dense_block": (pytest.mark.op("arch.DenseBlock"), (4, 16, 8), [(2, 16, 8, 8)]),
    "densenet121_transition_layer": (pytest.mark.op("arch.TransitionLayer"), (16, 8), [(2, 16, 8, 10)]),
    "densenet121": (pytest.mark.op("arch.DenseNet121"), (8, 10), [(2, 3, 64, 64)]),
    "densenet201": (pytest.mark.op("arch.DenseNet201"), (4, 10), [(2, 3, 64, 64)]),
    "squeeze_net_fire_module": (pytest.mark.op("arch.FireModule"), (16, 6, 16, 16), [(2, 16, 9, 11)]),
    "squeeze_net": (pytest.mark.op("arch.SqueezeNet"), (10,), [(2, 3, 64, 64)]),
    "googlenet_inception_module": (pytest.mark.op("arch.InceptionModule"), (40, 16, 8, 12, 4, 8, 8), [(2, 40, 9, 10)]),
    "googlenet_inception_v1": (pytest.mark.op("arch.GoogLeNet"), (10,), [(2, 3, 32, 32)]),
    "mobilenet_v1": (pytest.mark.op("arch.MobileNetV1"), (10, 3, 0.25), [(1, 3, 224, 224)]),
    "mobilenet_v2": (pytest.mark.op("arch.MobileNetV2"), (10,), [(2, 3, 64, 64)]),
    "efficientnet_mb_conv": (pytest.mark.op("arch.MBConv"), (16, 24, 5, 2, 6), [(2, 16, 10, 10)]),
    "efficientnet_b0": (pytest.mark.op("arch.EfficientNetB0"), (10,), [(2, 3, 64, 64)]),
    "efficientnet_b1": (pytest.mark.op("arch.EfficientNetB1"), (10,), [(2, 3, 64, 64)]),
    "efficientnet_b2": (pytest.mark.op("arch.EfficientNetB2"), (10,), [(8, 3, 32, 32)]),
    "shufflenet_unit": (pytest.mark.op("arch.ShuffleNetUnit"), (24, 48, 3), [(2, 24, 8, 8)]),
    "shufflenet": (pytest.mark.op("arch.ShuffleNet"), (10,), [(2, 3, 32, 32)]),
    "regnet": (pytest.mark.op("arch.RegNet"), (3, 3, [16, 32, 64], 10), [(2, 3, 32, 32)]),
    "unet_softmax": (pytest.mark.op("arch.UNetSoftmax"), (4, 3, 8), [(2, 4, 32, 32)]),
    "min_gpt_causal_attention": (pytest.mark.op("arch.CausalSelfAttention"), (32, 4, 0.0, 0.0, 16), [(2, 11, 32)]),
    "mini_gpt_block": (pytest.mark.op("arch.MiniGPTBlock"), (32, 4, 0.0, 0.0, 16), [(2, 11, 32)]),
    "relu_self_attention": (pytest.mark.op("arch.ReLUSelfAttention"), (32, 4, 16), [(2, 11, 32)]),
    "vision_attention": (pytest.mark.op("arch.VisionAttention"), (32, 4), [(2, 32, 5, 6)]),
    "vision_transformer": (pytest.mark.op("arch.VisionTransformer"), (32, 8, 10, 32, 2, 4, 64, 3, 0.0, 0.0),
                           [(2, 3, 32, 32)]),
    "convolutional_vision_transformer": (pytest.mark.op("arch.ConvolutionalVisionTransformer"), (10, 32, 4, 2),
                                         [(3, 3, 32, 32)]),
    "net_vlad_with_ghost_clusters": (pytest.mark.op("arch.NetVLAD"), (8, 24, 4), [(3, 10, 24)]),
    "net_vlad_no_ghost_clusters": (pytest.mark.op("arch.NetVLAD"), (8, 24, 0), [(3, 10, 24)]),
    "mamba_return_y": (pytest.mark.op("arch.Mamba2ReturnY"), (2, 16, 3, 4, 5, 8), [(2, 16, 3, 4)]),
    "mamba_return_final_state": (pytest.mark.op("arch.Mamba2ReturnFinalState"), (2, 24, 3, 4, 5, 8),
                                 [(2, 24, 3, 4)]),
    "swin_mlp": (pytest.mark.op("arch.SwinMLP"), (56, 4, 3, 10, 16, (2, 2), (2, 4), 7), [(2, 3, 56, 56)]),
    "swintransformer_v2": (pytest.mark.op("arch.SwinTransformerV2"), (56, 4, 3, 10, 16, (2, 2), (2, 4), 7),
                           [(2, 3, 56, 56)]),
    "vanilla_rnn": (pytest.mark.op("arch.VanillaRNN"), (40, 24, 12, 6), [(6, 40), (6, 24)]),
    "vanilla_rnn_hidden": (pytest.mark.op("arch.VanillaRNNSequence"), (40, 24, 12), [(5, 6, 40), (6, 24)]),
    "lstm": (pytest.mark.op("arch.LSTMNet"), (12, 20, 2, 5), [(3, 7, 12), (2, 3, 20), (2, 3, 20)]),
    "lstm_bidirectional": (pytest.mark.op("arch.BiLSTMNet"), (12, 20, 2, 5), [(3, 7, 12), (4, 3, 20), (4, 3, 20)]),
    "lstm_hn": (pytest.mark.op("arch.LSTMHidden"), (12, 20, 3, 5), [(3, 6, 12), (3, 3, 20), (3, 3, 20)]),
    "lstm_cn": (pytest.mark.op("arch.LSTMCell"), (12, 20, 3, 5), [(3, 6, 12), (3, 3, 20), (3, 3, 20)]),
    "gru": (pytest.mark.op("arch.GRUNet"), (12, 20, 2), [(7, 3, 12), (2, 3, 20)]),
    "gru_hidden": (pytest.mark.op("arch.GRUHidden"), (12, 20, 3), [(6, 3, 12), (3, 3, 20)]),
    "gru_birectional": (pytest.mark.op("arch.BiGRUNet"), (12, 20, 2), [(7, 3, 12), (4, 3, 20)]),
    "gru_bidirectional_hidden": (pytest.mark.op("arch.BiGRUHidden"), (12, 1100, 2), [(3, 2, 12), (4, 2, 1100)]),
}

# deep stacks of training-mode batch norms over few values amplify f32 rounding: compared relative to the
# output's scale with a looser bound (torch's own f32 forward differs from float64 by as much)
LOOSE = {"mobilenet_v2": 3e-3, "efficientnet_b2": 3e-3, "efficientnet_b0": 1e-3, "resnet101": 1e-3,
         "resnet18": 1e-3, "densenet121": 1e-3, "densenet201": 1e-3, "efficientnet_b1": 1e-3, "shufflenet": 1e-3}


def _t(v, n=2):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _epilogue(y, epi):
    """An Epilogue's steps in float64 (those the architectures use)."""
    if epi is None:
        return y
    saved = y
    for name, a, _ in epi.steps:
        v = f64(a) if isinstance(a, np.ndarray) else (saved if isinstance(a, type(ops.Epilogue.SAVED)) else a)
        if name == "relu":
            y = np.maximum(y, 0)
        elif name == "save":
            saved = y
        elif name == "add":
            y = y + v
        elif name == "mul":
            y = y * v
        elif name == "tanh":
            y = np.tanh(y)
        elif name == "max":
            y = np.maximum(y, v)
        elif name == "min":
            y = np.minimum(y, v)
        elif name == "sigmoid":
            y = 1 / (1 + np.exp(-y))
        elif name == "exp":
            y = np.exp(y)
        elif name == "gelu":
            y = 0.5 * y * (1 + _erf(y / math.sqrt(2)))
        elif name == "gelu_tanh":
            y = 0.5 * y * (1 + np.tanh(math.sqrt(2 / math.pi) * (y + 0.044715 * y ** 3)))
        else:
            raise NotImplementedError(name)
    return y


class Ref:
    """float64 numpy versions, by torch's definitions, of the ascendpy.ops calls the architectures make."""

    @staticmethod
    def linear(x, w, b=None, *, epilogue=None):
        return _epilogue(f64(x) @ f64(w).T + (0 if b is None else f64(b)), epilogue)

    @staticmethod
    def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, epilogue=None):
        return _epilogue(conv_ref(x, w, b, stride, padding, dilation, groups), epilogue)

    @staticmethod
    def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        return conv_t_ref(x, w, b, stride, padding, output_padding, groups, dilation)

    @staticmethod
    def batch_norm(x, rm, rv, w=None, b=None, training=False, momentum=0.1, eps=1e-5):
        x = f64(x)
        d = (0, *range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        m, v = (x.mean(d, keepdims=True), x.var(d, keepdims=True)) if training else (
            f64(rm).reshape(shape), f64(rv).reshape(shape))
        y = (x - m) / np.sqrt(v + eps)
        return y * (1 if w is None else f64(w).reshape(shape)) + (0 if b is None else f64(b).reshape(shape))

    relu = staticmethod(lambda x: np.maximum(f64(x), 0))
    hardtanh = staticmethod(lambda x, lo=-1.0, hi=1.0: np.clip(f64(x), lo, hi))
    sigmoid = staticmethod(lambda x: 1 / (1 + np.exp(-f64(x))))
    tanh = staticmethod(lambda x: np.tanh(f64(x)))
    add = staticmethod(lambda a, b: f64(a) + f64(b))
    mean = staticmethod(lambda x, dim: f64(x).mean(tuple(dim)))
    fused = staticmethod(lambda x, epi: _epilogue(f64(x), epi))
    cat = staticmethod(lambda ts, dim=0: np.concatenate([f64(t) for t in ts], dim))

    @staticmethod
    def softmax(x, dim=None):
        e = np.exp(f64(x) - f64(x).max(dim, keepdims=True))
        return e / e.sum(dim, keepdims=True)

    @staticmethod
    def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
        k = _t(kernel_size)
        return pool_ref(f64(x), 2, k, k if stride is None else _t(stride), _t(padding), _t(dilation), "max", ceil_mode)

    @staticmethod
    def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        k = _t(kernel_size)
        return pool_ref(f64(x), 2, k, k if stride is None else _t(stride), _t(padding), (1, 1), "avg", ceil_mode,
                        count_include_pad)

    @staticmethod
    def adaptive_avg_pool2d(x, size):
        return adaptive_ref(f64(x), _t(size))

    @staticmethod
    def channel_shuffle(x, g):
        n, c = x.shape[:2]
        return f64(x).reshape(n, g, c // g, *x.shape[2:]).swapaxes(1, 2).reshape(x.shape)


_erf = np.vectorize(math.erf)


def _mha(q, k, v, heads, wq, wk, wv, wo, bq=None, bk=None, bv=None, bo=None, *, attn_mask=None, is_causal=False):
    """nn.MultiheadAttention's math, batch-first, in float64."""
    def proj(x, w, b):
        y = f64(x) @ f64(w).T + (0 if b is None else f64(b))
        return y.reshape(*y.shape[:2], heads, -1).swapaxes(1, 2)  # [B, h, L, d]

    qh, kh, vh = proj(q, wq, bq), proj(k, wk, bk), proj(v, wv, bv)
    s = qh @ kh.swapaxes(-1, -2) / math.sqrt(qh.shape[-1])
    if is_causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], bool)), s, -np.inf)
    o = Ref.softmax(s, -1) @ vh
    o = o.swapaxes(1, 2).reshape(*o.shape[:1], o.shape[2], -1)
    return o @ f64(wo).T + (0 if bo is None else f64(bo))


def _layer_norm(x, shape, w=None, b=None, eps=1e-5):
    x = f64(x)
    d = tuple(range(x.ndim - len(tuple(shape)), x.ndim))
    y = (x - x.mean(d, keepdims=True)) / np.sqrt(x.var(d, keepdims=True) + eps)
    return y * (1 if w is None else f64(w)) + (0 if b is None else f64(b))


Ref.multi_head_attention = staticmethod(_mha)
Ref.layer_norm = staticmethod(_layer_norm)
Ref.transpose = staticmethod(lambda x, a, b: f64(x).swapaxes(a, b))
Ref.permute = staticmethod(lambda x, dims: f64(x).transpose(dims))
Ref.narrow = staticmethod(lambda x, d, s, n: np.take(f64(x), range(s, s + n), d))
Ref.tril = staticmethod(lambda x, diagonal=0: np.tril(f64(x), diagonal))
Ref.gelu = staticmethod(lambda x, approximate="none": _epilogue(f64(x), ops.Epilogue().gelu(approximate)))
Ref.matmul = staticmethod(lambda a, b, transpose_a=False, transpose_b=False: (
    f64(a).swapaxes(-1, -2) if transpose_a else f64(a)) @ (f64(b).swapaxes(-1, -2) if transpose_b else f64(b)))
Ref.pad = staticmethod(lambda x, pad, mode="constant", value=None: np.pad(
    f64(x), [(0, 0)] * (x.ndim - len(pad) // 2) + [tuple(pad[i:i + 2]) for i in range(len(pad) - 2, -1, -2)],
    constant_values=value or 0.0))
Ref.conv1d = staticmethod(lambda x, w, b=None, stride=1, padding=0, dilation=1, groups=1: conv_ref(
    x, w, b, stride, padding, dilation, groups))
Ref.adaptive_avg_pool1d = staticmethod(lambda x, size: adaptive_ref(f64(x), _t(size, 1)))
Ref.roll = staticmethod(lambda x, shifts, dims=None: np.roll(f64(x), shifts, dims))
Ref.embedding = staticmethod(lambda ids, w: f64(w)[np.asarray(ids)])
Ref.sum = staticmethod(lambda x, dim=None, keepdim=False: f64(x).sum(dim, keepdims=keepdim))
Ref.mul = staticmethod(lambda a, b: f64(a) * f64(b))
Ref.sub = staticmethod(lambda a, b: f64(a) - f64(b))
Ref.cumsum = staticmethod(lambda x, dim: np.cumsum(f64(x), dim))
Ref.normalize = staticmethod(lambda x, p=2.0, dim=1, eps=1e-12: f64(x) / np.maximum(
    np.sqrt((f64(x) ** 2).sum(dim, keepdims=True)), eps))


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _recurrent(mode, x, states, weights, num_layers, bidirectional, batch_first):
    """torch.nn.LSTM / GRU's equations, step by step in float64."""
    x = f64(x)
    if batch_first:
        x = x.swapaxes(0, 1)
    nd, per = (2 if bidirectional else 1), len(weights) // (num_layers * (2 if bidirectional else 1))
    states = [f64(s).copy() for s in states]
    for layer in range(num_layers):
        outs = []
        for d in range(nd):
            w_ih, w_hh, b_ih, b_hh = (f64(w) for w in weights[(layer * nd + d) * per:(layer * nd + d + 1) * per])
            i = layer * nd + d
            h = states[0][i]
            c = states[1][i] if mode == "lstm" else None
            ys = [None] * x.shape[0]
            for t in (range(x.shape[0]) if d == 0 else reversed(range(x.shape[0]))):
                gx, gh = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
                if mode == "lstm":
                    gi, gf, gg, go = np.split(gx + gh, 4, axis=1)
                    c = _sig(gf) * c + _sig(gi) * np.tanh(gg)
                    h = _sig(go) * np.tanh(c)
                else:
                    (xr, xz, xn), (hr, hz, hn) = np.split(gx, 3, axis=1), np.split(gh, 3, axis=1)
                    n = np.tanh(xn + _sig(xr + hr) * hn)
                    z = _sig(xz + hz)
                    h = (1 - z) * n + z * h
                ys[t] = h
            states[0][i] = h
            if mode == "lstm":
                states[1][i] = c
            outs.append(np.stack(ys))
        x = np.concatenate(outs, -1)
    return (x.swapaxes(0, 1) if batch_first else x, *states)


Ref.lstm = staticmethod(lambda x, h0, c0, w, L=1, bi=False, bf=False: _recurrent("lstm", x, (h0, c0), w, L, bi, bf))
Ref.gru = staticmethod(lambda x, h0, w, L=1, bi=False, bf=False: _recurrent("gru", x, (h0,), w, L, bi, bf))


def adaptive_ref(x, size):
    """torch's adaptive average pool: window i of a dim is [floor(i * n / o), ceil((i + 1) * n / o))."""
    for ax, o in zip(range(x.ndim - len(size), x.ndim), size):
        n = x.shape[ax]
        x = np.stack([np.take(x, range(i * n // o, -(-(i + 1) * n // o)), ax).mean(ax) for i in range(o)], ax)
    return x


def _users_of_ops():
    """nn and every ascendpy.ops.arch module that calls ascendpy.ops (through its `ops` name)."""
    import types

    from ascendpy.ops import arch

    return [nn] + [m for m in vars(arch).values() if isinstance(m, types.ModuleType) and hasattr(m, "ops")]


def run_ref(model, monkeypatch, *xs):
    """model(*xs) (a module or one of its methods) with every ascendpy.ops call replaced by Ref's float64 numpy
    version."""
    with monkeypatch.context() as m:
        for mod in _users_of_ops():
            m.setattr(mod, "ops", Ref)
        return model(*xs)


@pytest.mark.parametrize("task", [pytest.param(t, marks=c[0]) for t, c in sorted(CASES.items())])
def test_multikernelbench_arch_tasks(task, rng, monkeypatch):
    mark, init, shapes = CASES[task]
    ops.manual_seed(int(rng.integers(1 << 31)))
    model = OPERATORS[mark.args[0]].fn(*init)
    xs = [rand(rng, s, "float32", low=0.0, high=1.0) for s in shapes]  # torch.rand, as the tasks' inputs
    want = run_ref(model, monkeypatch, *xs)
    got = model(*xs)
    tol = LOOSE.get(task, 1e-4)
    check(got, want, "float32", task, (tol, tol * float(np.abs(want).max())))


# float16 and bfloat16 (Module.to): the networks whose float64 outputs are well conditioned at the sizes above;
# the deep stacks of training-mode batch norms (LOOSE) amplify low precision's rounding as they do f32's, 8192
# (f16) or 65536 (bf16) times more, and Mamba's exp of cumulative sums of randn A reaches 1e5, past f16's range
LOWP = ["mlp", "deep_narrow_mlp", "lenet5", "resnet_basic_block", "densenet121_dense_block", "squeeze_net",
       "googlenet_inception_v1", "efficientnet_mb_conv", "shufflenet_unit", "regnet", "lstm", "gru_birectional",
       "vanilla_rnn_hidden", "mini_gpt_block", "relu_self_attention", "vision_attention", "vision_transformer",
       "convolutional_vision_transformer", "net_vlad_with_ghost_clusters", "swin_mlp",
       "swintransformer_v2"]


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
@pytest.mark.parametrize("task", [pytest.param(t, marks=CASES[t][0]) for t in LOWP])
def test_arch_tasks_in_low_precision(task, dt, rng, monkeypatch):
    """model.to(dt) on dt inputs: a dt result within 5e-3 (f16) or 4e-2 (bf16) of max |out| of the float64 run
    of the same (rounded) weights."""
    mark, init, shapes = CASES[task]
    ops.manual_seed(int(rng.integers(1 << 31)))
    model = OPERATORS[mark.args[0]].fn(*init).to(dt)
    xs = [rand(rng, s, dt, low=0.0, high=1.0) for s in shapes]
    want = run_ref(model, monkeypatch, *xs)
    got = model(*xs)
    tol = {"float16": 5e-3, "bfloat16": 4e-2}[dt]
    check(got, want, dt, f"{task} in {dt}", (tol, tol * float(np.abs(want).max())))


@pytest.mark.op("arch.AlexNet", "arch.VGG16", "arch.VGG19")
@pytest.mark.parametrize("task,name,hw", [("alexnet", "AlexNet", 63), ("vgg16", "VGG16", 32), ("vgg19", "VGG19", 32)])
def test_multikernelbench_fixed_input_nets(task, name, hw, rng, monkeypatch):
    """AlexNet and VGG size their classifier for 224x224 inputs: the convolutional part runs on a smaller image
    and the classifier on features of its full width (tools/ has the whole forward at 224 against torch)."""
    ops.manual_seed(int(rng.integers(1 << 31)))
    model = OPERATORS[f"arch.{name}"].fn(10)
    x = rand(rng, (2, 3, hw, hw), "float32", low=0.0, high=1.0)
    want = run_ref(model.extract, monkeypatch, x)
    check(model.extract(x), want, "float32", f"{task} features", (1e-4, 1e-4 * float(np.abs(want).max())))
    z = rand(rng, (2, 256 * 6 * 6 if task == "alexnet" else 512 * 7 * 7), "float32", low=0.0, high=1.0)
    want = run_ref(model.classify, monkeypatch, z)
    check(model.classify(z), want, "float32", f"{task} classifier", (1e-4, 1e-4 * float(np.abs(want).max())))


# ---- the operators the architectures added: cat, narrow, channel_shuffle, adaptive_avg_pool
@pytest.mark.op("cat")
@pytest.mark.parametrize("dt", FLOATS)
def test_cat(dt, rng):
    for shapes, d in [([(3, 5), (4, 5)], 0), ([(2, 3, 7), (2, 1, 7), (2, 9, 7)], 1), ([(2, 3, 4100), (2, 3, 5)], -1),
                      ([(6,), (0,), (9000,)], 0)]:
        xs = [rand(rng, s, dt) for s in shapes]
        got = ops.cat(xs, d)
        assert got.dtype == dtype(dt)
        assert np.array_equal(f64(got), np.concatenate([f64(x) for x in xs], d)), f"cat {shapes} dim {d}"
    a, b = rand(rng, (2, 3), "float16"), rand(rng, (2, 3), "float32")
    assert ops.cat([a, b], 0).dtype == np.float32  # promotes as torch
    with pytest.raises(ValueError, match=r"tensors\[1\] has shape \(2, 4\)"):
        ops.cat([np.ones((3, 3), np.float32), np.ones((2, 4), np.float32)], 0)
    with pytest.raises(TypeError, match="non-empty sequence"):
        ops.cat(np.ones((3, 3), np.float32))


@pytest.mark.op("narrow")
@pytest.mark.parametrize("dt", FLOATS)
def test_narrow(dt, rng):
    x = rand(rng, (3, 10, 9000), dt)
    for d, s, n in [(0, 1, 2), (1, 3, 4), (2, 8990, 10), (-1, -5, 5), (1, 0, 0)]:
        want = np.take(f64(x), range(s % x.shape[d], s % x.shape[d] + n), d)
        assert np.array_equal(f64(ops.narrow(x, d, s, n)), want), f"narrow {d} {s} {n}"
    with pytest.raises(IndexError, match="exceed dim 1 of size 10"):
        ops.narrow(x, 1, 8, 3)


@pytest.mark.op("channel_shuffle")
@pytest.mark.parametrize("dt", FLOATS)
def test_channel_shuffle(dt, rng):
    for shape, g in [((2, 6, 5, 7), 3), ((1, 8, 33), 2), ((3, 12, 2, 2, 2), 4), ((2, 5, 4), 1)]:
        x = rand(rng, shape, dt)
        assert np.array_equal(f64(ops.channel_shuffle(x, g)), Ref.channel_shuffle(x, g)), f"{shape} groups {g}"
    with pytest.raises(ValueError, match="positive divisor of the 6 channels"):
        ops.channel_shuffle(np.ones((1, 6, 2), np.float32), 4)


@pytest.mark.op("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d")
@pytest.mark.parametrize("dt", FLOATS)
def test_adaptive_avg_pool(dt, rng):
    for fn, shape, size in [(ops.adaptive_avg_pool2d, (2, 3, 13, 10), (5, 3)), (ops.adaptive_avg_pool2d,
                            (2, 3, 9, 9), 1), (ops.adaptive_avg_pool2d, (3, 7, 12), (None, 5)),
                            (ops.adaptive_avg_pool1d, (2, 4, 17), 6), (ops.adaptive_avg_pool3d, (1, 2, 5, 6, 7),
                                                                          (2, 3, 4))]:
        x = rand(rng, shape, dt)
        nd = 3 if fn is ops.adaptive_avg_pool3d else 1 if fn is ops.adaptive_avg_pool1d else 2
        sizes = _t(size, nd)
        sizes = tuple(shape[len(shape) - nd + i] if o is None else o for i, o in enumerate(sizes))
        check(fn(x, size), adaptive_ref(f64(x), sizes), dt, f"{fn.__name__} {shape} -> {size}")
    with pytest.raises(ValueError, match="output_size must be positive"):
        ops.adaptive_avg_pool2d(np.ones((1, 2, 4, 4), np.float32), 0)


# ---- the module API
def test_state_dict_and_load(rng):
    m = OPERATORS["arch.ResNetBasicBlock"].fn(4, 8, 2)
    keys = list(m.state_dict())
    assert keys[:7] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                        "bn1.num_batches_tracked", "conv2.weight"] and "downsample.0.weight" in keys
    assert [n for n, _ in m.named_modules()][:3] == ["", "conv1", "bn1"] and len(list(m.children())) == 6
    assert [n for n, _ in m.named_parameters()][:3] == ["conv1.weight", "bn1.weight", "bn1.bias"]
    assert sum(p.size for p in m.parameters()) == 8 * 4 * 9 + 2 * 8 + 8 * 8 * 9 + 2 * 8 + 8 * 4 + 2 * 8
    assert "(downsample): Sequential(\n    (0): Conv2d(weight=(8, 4, 1, 1))" in repr(m)
    other = OPERATORS["arch.ResNetBasicBlock"].fn(4, 8, 2)
    other.load_state_dict({k: v.copy() for k, v in m.state_dict().items()})
    x = rand(rng, (2, 4, 6, 6), "float32")
    assert np.array_equal(m(x), other(x)), "the same weights give the same output"
    sd = m.state_dict()
    with pytest.raises(KeyError, match=r"missing keys \['conv1.weight'\]"):
        other.load_state_dict({k: v for k, v in sd.items() if k != "conv1.weight"})
    with pytest.raises(ValueError, match=r"conv2.weight has shape \(8, 8, 1, 1\)"):
        other.load_state_dict({**sd, "conv2.weight": np.zeros((8, 8, 1, 1), np.float32)})


def test_batch_norm_modes(rng):
    """Training normalises with the batch and updates the running statistics; eval uses them."""
    bn = nn.BatchNorm2d(3)
    x = rand(rng, (4, 3, 5, 5), "float32", 2.0)
    y = bn(x)
    check(y, Ref.batch_norm(x, None, None, training=True), "float32", "training batch norm", (1e-4, 1e-5))
    assert int(bn.num_batches_tracked) == 1
    check(bn.running_mean, 0.1 * f64(x).mean((0, 2, 3)), "float32", "running mean", (1e-4, 1e-6))
    bn.eval()
    check(bn(x), Ref.batch_norm(x, bn.running_mean, bn.running_var), "float32", "eval batch norm", (1e-4, 1e-5))


def test_module_errors():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(3, np.float32))

    with pytest.raises(AttributeError, match="call Module.__init__ before assigning 'w'"):
        Early()
    with pytest.raises(ValueError, match="must divide by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout(1.5)


def test_arch_tasks_are_registered():
    """Every registered arch task has a case above; the rest are the ones named in the coverage note."""
    from ascendpy.ops.registry import task_operators

    tested = set(CASES) | {"alexnet", "vgg16", "vgg19"}
    registered = {t for (cat, t) in task_operators() if cat == "arch"}
    assert registered == tested, (registered - tested, tested - registered)
    lowp = {n for n, o in OPERATORS.items() if n.startswith("arch.") and "float16" in o.dtypes}
    assert lowp == {CASES[t][0].args[0] for t in LOWP}, "the classes declaring f16/bf16 are the ones tested in them"


# ---- ops.lstm / ops.gru directly: dtypes, layouts, no biases, zero states, unbatched, errors
def _rnn_weights(rng, gates, cin, hid, layers, nd, bias=True):
    ws = []
    for layer in range(layers):
        for _ in range(nd):
            c = cin if layer == 0 else nd * hid
            s = 1 / np.sqrt(hid)  # torch's scale: gates of order one whatever the width
            ws += [rand(rng, (gates * hid, c), "float32", s), rand(rng, (gates * hid, hid), "float32", s)]
            ws += [rand(rng, (gates * hid,), "float32", s), rand(rng, (gates * hid,), "float32", s)] if bias else []
    return ws


@pytest.mark.op("lstm", "gru")
@pytest.mark.parametrize("dt", FLOATS)
@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_recurrent_ops(mode, dt, rng):
    gates = 4 if mode == "lstm" else 3
    fn = getattr(ops, mode)
    for t, b, cin, hid, layers, bi, bf, bias in [(5, 3, 7, 9, 2, True, True, True), (4, 2, 6, 1030, 1, False, False,
                                                                                       False)]:
        ws = _rnn_weights(rng, gates, cin, hid, layers, 2 if bi else 1, bias)
        x = rand(rng, (b, t, cin) if bf else (t, b, cin), dt)
        nstate = 2 if mode == "lstm" else 1
        states = [rand(rng, (layers * (2 if bi else 1), b, hid), dt) for _ in range(nstate)]
        got = fn(x, *states, ws, layers, bi, bf)
        wsb = ws if bias else [w for i in range(0, len(ws), 2) for w in (*ws[i:i + 2], np.zeros(gates * hid),
                                                                            np.zeros(gates * hid))]
        want = _recurrent(mode, x, states, wsb, layers, bi, bf)
        tol = {"float32": (2e-5, 2e-5), "float16": (4e-3, 2e-3), "bfloat16": (3e-2, 1.6e-2)}[dt]
        for g, w, what in zip(got, want, ("output", "h_n", "c_n")):
            check(g, w, dt, f"{mode} {what} T={t} B={b} H={hid} layers={layers} bi={bi} batch_first={bf}", tol)
    # unbatched, zero initial state
    ws = _rnn_weights(rng, gates, 5, 6, 1, 1)
    x = rand(rng, (4, 5), dt)
    got = fn(x, *([None] * (2 if mode == "lstm" else 1)), ws)
    zeros = [np.zeros((1, 1, 6))] * (2 if mode == "lstm" else 1)
    want = _recurrent(mode, x[:, None], zeros, ws, 1, False, False)
    check(got[0], want[0][:, 0], dt, f"{mode} unbatched", (2e-2, 1e-2) if dt != "float32" else None)
    assert got[1].shape == (1, 6)


def test_recurrent_errors():
    x = np.ones((3, 2, 4), np.float32)
    with pytest.raises(ValueError, match=r"torch's flat list.*8 \(or 4 without biases\) arrays for 2 layer"):
        ops.lstm(x, None, None, [np.ones((8, 4), np.float32)] * 3, 2)
    ws = [np.ones((8, 4), np.float32), np.ones((8, 2), np.float32), np.ones(8, np.float32), np.ones(7, np.float32)]
    with pytest.raises(ValueError, match=r"layer 0 has weights .*\(7,\)\]; expected"):
        ops.lstm(x, None, None, ws)
    with pytest.raises(ValueError, match=r"h0 must be \(1, 2, 2\)"):
        ops.gru(x, np.ones((1, 3, 2), np.float32), [np.ones((6, 4), np.float32), np.ones((6, 2), np.float32)])


def test_lstm_module_dropout_between_layers(rng):
    """With dropout in training, nn.LSTM runs layer by layer: p = 1 zeroes every layer's input but the first."""
    ops.manual_seed(int(rng.integers(1 << 31)))
    m = nn.LSTM(4, 5, num_layers=2, dropout=1.0)
    x = rand(rng, (3, 2, 4), "float32")
    out, (h, c) = m(x)
    w = m._flat_weights
    zero_in = np.zeros((3, 2, 5))
    want = _recurrent("lstm", zero_in, [np.zeros((1, 2, 5))] * 2, w[4:], 1, False, False)
    check(out, want[0], "float32", "second layer on dropped input", (1e-5, 1e-5))
    assert h.shape == (2, 2, 5) and c.shape == (2, 2, 5)
    m.eval()
    out, _ = m(x)
    check(out, _recurrent("lstm", x, [np.zeros((2, 2, 5))] * 2, w, 2, False, False)[0], "float32", "eval", (1e-5, 1e-5))


@pytest.mark.op("roll")
@pytest.mark.parametrize("dt", FLOATS)
def test_roll(dt, rng):
    x = rand(rng, (2, 5, 6, 3), dt)
    for sh, d in [((-2, -2), (1, 2)), (3, None), (7, 1), (0, 1), ((1, -1, 2), (0, 3, 1)), (-9000, -1)]:
        got = ops.roll(x, sh, d)
        assert np.array_equal(f64(got), np.roll(f64(x), sh, d)), f"roll {sh} {d}"
        assert got is not x
    with pytest.raises(ValueError, match="same length"):
        ops.roll(x, (1, 2), (0,))


@pytest.mark.op("pad")
@pytest.mark.parametrize("dt", FLOATS)
def test_pad(dt, rng):
    x = rand(rng, (2, 5, 6, 3), dt)
    for p, v in [([0, 0, 1, 2, 3, 1], None), ([2, 1], 1.5), ([0, 3], -2.0), ([1, 1, 1, 1, 1, 1, 1, 1], None),
                 ([0, 0], None)]:
        got = ops.pad(x, p, value=v)
        assert np.array_equal(f64(got), Ref.pad(x, p, value=v)), f"pad {p} value {v}"
        assert got is not x
    with pytest.raises(ValueError, match="only 'constant'"):
        ops.pad(x, [1, 1], mode="reflect")
    with pytest.raises(ValueError, match="non-negative ints"):
        ops.pad(x, [1, -1])


@pytest.mark.op("permute", "transpose")
@pytest.mark.parametrize("dt", FLOATS)
def test_permute_and_transpose(dt, rng):
    import itertools

    x = rand(rng, (2, 3, 4, 5), dt)
    for p in itertools.permutations(range(4)):
        assert np.array_equal(f64(ops.permute(x, p)), f64(x).transpose(p)), f"permute {p}"
    y = rand(rng, (3, 70, 130), dt)  # more than one transpose tile
    assert np.array_equal(f64(ops.permute(y, (2, 0, -2))), f64(y).transpose(2, 0, 1))
    assert np.array_equal(f64(ops.transpose(y, -1, 0)), f64(y).swapaxes(-1, 0))
    z = ops.permute(y, (0, 1, 2))
    assert np.array_equal(z, y) and z is not y
    with pytest.raises(ValueError, match=r"dims \(0, 0, 1\) are not a permutation"):
        ops.permute(y, (0, 0, 1))


@pytest.mark.op("lstm", "gru", "cat", "permute", "roll", "pad")
def test_310p_and_device_buffers(runtime310, rng):
    """On 310P, with DeviceBuffers in and out: the recurrent products take the vector path there."""
    from ascendpy import DeviceBuffer

    x = rand(rng, (4, 2, 6), "float16")
    ws = [w.astype(np.float16) for w in _rnn_weights(rng, 4, 6, 5, 1, 1)]
    dx = DeviceBuffer.from_numpy(x, context=runtime310.context)
    out, h, c = ops.lstm(dx, None, None, ws, stream=runtime310)
    assert all(isinstance(t, DeviceBuffer) for t in (out, h, c))
    want = _recurrent("lstm", x, [np.zeros((1, 2, 5))] * 2, ws, 1, False, False)
    check(out.to_numpy().reshape(out.shape), want[0], "float16", "310P lstm", (4e-3, 2e-3))
    y = ops.permute(ops.cat([dx, dx], 2, stream=runtime310), (2, 0, 1), stream=runtime310)
    assert isinstance(y, DeviceBuffer) and y.shape == (12, 4, 2)
    assert np.array_equal(y.to_numpy().reshape(y.shape), np.concatenate([x, x], 2).transpose(2, 0, 1))
    z = ops.pad(ops.roll(dx, 1, 0, stream=runtime310), [1, 1], stream=runtime310)
    assert np.array_equal(z.to_numpy().reshape(z.shape), np.pad(np.roll(x, 1, 0), [(0, 0), (0, 0), (1, 1)]))
    for buf in (dx, out, h, c, y, z):
        buf.close()


@pytest.mark.op("arch.VisionTransformer", "arch.LSTMNet", "arch.ResNet18", "cat")
def test_torch_tensors_in_and_out(rng):
    """CPU torch tensors in, torch tensors out, even where the model joins its numpy parameters to them (ViT's
    class token): a result takes the kind of the first torch argument."""
    torch = pytest.importorskip("torch")
    for task in ("vision_transformer", "lstm", "resnet18"):
        mark, init, shapes = CASES[task]
        xs = [rand(rng, s, "float32", low=0.0, high=1.0) for s in shapes]
        ops.manual_seed(1)
        want = OPERATORS[mark.args[0]].fn(*init)(*xs)
        ops.manual_seed(1)
        got = OPERATORS[mark.args[0]].fn(*init)(*[torch.from_numpy(x) for x in xs])
        assert isinstance(got, torch.Tensor), f"{task}: {type(got).__name__}"
        assert np.array_equal(got.numpy(), want), task
    assert isinstance(ops.cat([np.ones(2, np.float32), torch.ones(2)]), torch.Tensor)


@pytest.mark.parametrize("task", [pytest.param(t, marks=c[0]) for t, c in sorted(CASES.items())])
def test_arch_on_the_device(task, rng, monkeypatch):
    """model.to_device() on DeviceBuffer inputs: every layer's result stays a DeviceBuffer (nothing is read
    back to the host during the forward) and the output equals the host run's bit for bit."""
    from ascendpy import DeviceBuffer

    mark, init, shapes = CASES[task]
    seed = int(rng.integers(1 << 31))
    xs = [rand(rng, s, "float32", low=0.0, high=1.0) for s in shapes]
    ops.manual_seed(seed)
    want = OPERATORS[mark.args[0]].fn(*init)(*xs)
    ops.manual_seed(seed)
    model = OPERATORS[mark.args[0]].fn(*init).to_device()
    dx = [DeviceBuffer.from_numpy(x) for x in xs]

    def no_readback(*a, **k):
        raise AssertionError(f"{task}: a DeviceBuffer was read back to the host during the forward")

    with monkeypatch.context() as m:
        m.setattr(DeviceBuffer, "to_numpy", no_readback)
        m.setattr(DeviceBuffer, "copy_to", no_readback)
        got = model(*dx)
    assert isinstance(got, DeviceBuffer), f"{task}: {type(got).__name__}"
    assert np.array_equal(got.to_numpy().reshape(got.shape), want), task
    for b in dx + [got]:
        b.close()


def test_device_module_state_and_errors(rng):
    """A device module's state_dict is DeviceBuffers; load_state_dict copies into them; .to after to_device is
    refused; DeviceBuffer.reshape is a view with the same memory."""
    from ascendpy import DeviceBuffer

    m = OPERATORS["arch.ResNetBasicBlock"].fn(4, 8, 2)
    host = {k: v.copy() for k, v in m.state_dict().items()}
    m.to_device()
    sd = m.state_dict()
    assert isinstance(sd["conv1.weight"], DeviceBuffer) and isinstance(sd["bn1.num_batches_tracked"], np.ndarray)
    new = {k: (v * 2 if v.dtype.kind == "f" else v) for k, v in host.items()}
    m.load_state_dict(new)
    assert np.array_equal(sd["conv1.weight"].to_numpy(), new["conv1.weight"])
    with pytest.raises(TypeError, match="cast before to_device"):
        m.to("float16")
    b = DeviceBuffer.from_numpy(np.arange(24, dtype=np.float32))
    v = b.reshape(2, -1, 3)
    assert v.shape == (2, 4, 3) and np.array_equal(v.to_numpy(), np.arange(24).reshape(2, 4, 3))
    with pytest.raises(ValueError, match="do not fit the shape"):
        b.reshape(5, 5)
    b.close()


def test_errors_name_the_layer(rng):
    """A bad input or a planted bad weight deep in a network: the operator's error, with a note naming the
    layer's path, and the model still usable afterwards."""
    import traceback

    m = OPERATORS["arch.ResNet18"].fn(10)
    with pytest.raises(ValueError, match="C_in/groups=4") as e:
        m(np.ones((1, 4, 32, 32), np.float32))
    assert e.value.__notes__ == ["in conv1 (Conv2d) of ResNet18"]
    good = m.layer2[0].conv1.weight
    m.layer2[0].conv1.weight = nn.Parameter(np.ones((128, 3, 3, 3), np.float32))
    with pytest.raises(ValueError) as e:
        m(np.ones((1, 3, 32, 32), np.float32))
    assert "in layer2.0.conv1 (Conv2d) of ResNet18" in "".join(traceback.format_exception_only(e.value))
    m.layer2[0].conv1.weight = nn.Parameter(good)
    x = rand(rng, (2, 3, 32, 32), "float32")
    assert m(x).shape == (2, 10)


def test_recurrent_keeps_callers_states(rng):
    """h0 / c0 passed as f32 DeviceBuffers are read, not updated: the recurrence runs on copies."""
    from ascendpy import DeviceBuffer

    x = rand(rng, (4, 2, 6), "float32")
    ws = _rnn_weights(rng, 4, 6, 5, 1, 1)
    h0, c0 = (rand(rng, (1, 2, 5), "float32") for _ in range(2))
    host = ops.lstm(x, h0, c0, ws)  # the host path (and the current context the buffers below live in)
    dh, dc = DeviceBuffer.from_numpy(h0), DeviceBuffer.from_numpy(c0)
    out, h, c = ops.lstm(x, dh, dc, ws)
    assert np.array_equal(dh.to_numpy().reshape(h0.shape), h0) and np.array_equal(dc.to_numpy().reshape(c0.shape), c0)
    assert np.array_equal(out.to_numpy().reshape(out.shape), host[0])
    assert np.array_equal(h.to_numpy().reshape(h.shape), host[1])
    want = _recurrent("lstm", x, [h0, c0], ws, 1, False, False)
    check(host[0], want[0], "float32", "lstm from given states", (2e-5, 2e-5))
    for b in (dh, dc, out, h, c):
        b.close()


@pytest.mark.op("linear", "dropout")
def test_linear_residual_with_dropout(rng):
    """nn.linear_residual: residual + drop(lin(x)) in one kernel; a training dropout of p=1 leaves the
    residual alone, eval adds the whole product."""
    lin = nn.Linear(6, 5)
    x, r = rand(rng, (3, 6), "float32"), rand(rng, (3, 5), "float32")
    drop = nn.Dropout(1.0)
    assert np.array_equal(nn.linear_residual(lin, x, r, drop), r)
    drop.eval()
    check(nn.linear_residual(lin, x, r, drop), f64(x) @ f64(lin.weight).T + f64(lin.bias) + f64(r), "float32",
          "eval", (1e-5, 1e-5))
    half = nn.linear_residual(lin, x, r, nn.Dropout(0.5)) - r  # kept values are scaled by 2
    prod = f64(x) @ f64(lin.weight).T + f64(lin.bias)
    kept = half != 0
    check(half[kept], 2 * prod[kept], "float32", "kept x2", (1e-4, 1e-5))
