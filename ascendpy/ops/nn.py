"""torch.nn-style modules whose forward runs on ascendpy.ops: the layers MultiKernelBench's architectures use.

A module holds its parameters and buffers as numpy arrays under torch's names, so `load_state_dict` takes a
torch module's `state_dict()` (tensors or arrays) and the same network runs on ascendpy kernels, one operator
call per layer. `to_device()` moves them into DeviceBuffers once; on DeviceBuffer inputs the whole forward then
stays on the device (model glue such as reshapes and `x[:, 0]` goes through `flatten`, `select`, ..., below,
which are views or one copy kernel there). Modules start in training mode, as torch's: BatchNorm then normalises
with the batch's statistics and updates its running ones in place, Dropout drops. Fresh parameters follow
torch's default initialisation (uniform in +-1/sqrt(fan_in)), drawn from the generator
`ascendpy.ops.manual_seed` seeds.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from ascendpy import ops
from ascendpy.ops.core import FLOATS, as_dtype, int_tuple
from ascendpy.ops.fused import Epilogue
from ascendpy.runtime.memory import DeviceBuffer


class Parameter:
    """Marks an array as a module's parameter (a learnable tensor of its state_dict)."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data


def _uniform(shape: tuple[int, ...], fan_in: int) -> Parameter:
    from ascendpy.ops.fused import generator

    bound = 1.0 / math.sqrt(fan_in) if fan_in else 0.0
    return Parameter(generator().uniform(-bound, bound, shape).astype(np.float32))


class Module:
    """A layer or network: parameters, buffers and child modules, registered by attribute assignment."""

    def __init__(self) -> None:
        object.__setattr__(self, "_params", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_modules" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call Module.__init__ before assigning {name!r}")
        for table in (self._params, self._buffers, self._modules):
            table.pop(name, None)
        if isinstance(value, Parameter):
            self._params[name] = value.data
        elif isinstance(value, Module):
            self._modules[name] = value
            value.__dict__["_name"] = name  # its attribute name, for errors raised inside it
        else:  # plain values, arrays included (state outside the state_dict, as a torch tensor attribute)
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        for table in ("_params", "_buffers", "_modules"):
            d = self.__dict__.get(table, {})
            if name in d:
                return d[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def register_buffer(self, name: str, value: np.ndarray | None) -> None:
        self._buffers[name] = value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.forward(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            _locate(e, self)
            raise

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} defines no forward")

    # -- the tree
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("") and every descendant, as torch's."""
        yield prefix, self
        for name, m in self._modules.items():
            yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        return (m for _, m in self.named_modules())

    def named_children(self) -> Iterator[tuple[str, Module]]:
        return iter(self._modules.items())

    def children(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def _named(self, tables: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        for prefix, m in self.named_modules():
            for table in tables:
                for name, v in m.__dict__[table].items():
                    if v is not None:
                        yield (f"{prefix}.{name}" if prefix else name), v

    def named_parameters(self) -> Iterator[tuple[str, Any]]:
        return self._named(("_params",))

    def parameters(self) -> Iterator[Any]:
        return (v for _, v in self.named_parameters())

    def named_buffers(self) -> Iterator[tuple[str, Any]]:
        return self._named(("_buffers",))

    def buffers(self) -> Iterator[Any]:
        return (v for _, v in self.named_buffers())

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Parameters and buffers under torch's keys (each module's own first, then its children's, in order)."""
        return OrderedDict(self._named(("_params", "_buffers")))

    def extra_repr(self) -> str:
        shapes = ", ".join(f"{n}={tuple(v.shape)}" for n, v in self._params.items() if v is not None)
        return shapes

    def __repr__(self) -> str:
        """The module tree, as torch prints it: one line per child, indented."""
        lines = [f"({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + ")" if not lines else head + "\n  " + "\n  ".join(lines) + "\n)"

    def load_state_dict(self, state: Any, strict: bool = True) -> None:
        """Copy a state_dict (torch tensors or arrays) in; KeyError naming missing or unexpected keys, ValueError
        naming a key whose shape differs. Values keep this module's dtypes."""
        own = self.state_dict()
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"{type(self).__name__}.load_state_dict: missing keys {missing}, unexpected {unexpected}")
        for k, v in state.items():
            if k not in own:
                continue
            arr = np.asarray(v.detach().cpu().float().numpy() if hasattr(v, "detach") and v.is_floating_point()
                             else v.detach().cpu().numpy() if hasattr(v, "detach") else v)
            if arr.shape != tuple(own[k].shape):
                raise ValueError(f"{type(self).__name__}.load_state_dict: {k} has shape {arr.shape}, the module "
                                 f"expects {tuple(own[k].shape)}")
            if isinstance(own[k], DeviceBuffer):
                own[k].copy_from(np.ascontiguousarray(arr.astype(own[k].dtype)).reshape(-1))
            else:
                own[k][...] = arr.astype(own[k].dtype)

    def train(self, mode: bool = True) -> Module:
        for _, m in self.named_modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def to(self, dtype: Any) -> Module:
        """Floating parameters and buffers cast to `dtype` (float32, float16 or bfloat16), on the host: call it
        before to_device."""
        dt = as_dtype(dtype, f"{type(self).__name__}.to")
        for _, m in self.named_modules():
            for table in (m._params, m._buffers):
                for name, v in table.items():
                    if isinstance(v, DeviceBuffer):
                        raise TypeError(f"{type(self).__name__}.to: {name} is on the device; cast before to_device")
                    if v is not None and v.dtype.name in FLOATS:
                        table[name] = v.astype(dt)
        return self

    def to_device(self, context: Any = None) -> Module:
        """Floating parameters and buffers moved into DeviceBuffers (of `context`, default the current one),
        once: every operator then reads the weights where they are, and a DeviceBuffer input keeps the whole
        forward on the device (each layer's result a DeviceBuffer). Integer bookkeeping stays on the host."""
        for _, m in self.named_modules():
            for table in (m._params, m._buffers):
                for name, v in table.items():
                    if isinstance(v, np.ndarray) and v.dtype.name in FLOATS:
                        table[name] = DeviceBuffer.from_numpy(v, context=context)
        return self


def _locate(e: BaseException, m: Module) -> None:
    """Name the layer an error came from, as it passes up through the modules: one note, "in layer1.0.conv1
    (Conv2d) of ResNet18"."""
    name = m.__dict__.get("_name")
    where = getattr(e, "_apy_where", None)
    if where is None:
        where = [f"{name} ({type(m).__name__})" if name is not None else type(m).__name__]
        e.add_note("")
    elif name is not None:
        where[0] = f"{name}.{where[0]}"
    else:
        where.append(type(m).__name__)
    e._apy_where = where  # type: ignore[attr-defined]
    e.__notes__[-1] = "in " + " of ".join(where)


class Sequential(Module):
    def __init__(self, *mods: Module) -> None:
        super().__init__()
        items = mods[0].items() if len(mods) == 1 and isinstance(mods[0], dict) else enumerate(mods)
        for name, m in items:
            setattr(self, str(name), m)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)


class ModuleList(Module):
    def __init__(self, mods: Any = ()) -> None:
        super().__init__()
        for m in mods:
            self.append(m)

    def append(self, m: Module) -> None:
        setattr(self, str(len(self._modules)), m)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)


class ModuleDict(Module):
    def __init__(self, mods: dict[str, Module] | None = None) -> None:
        super().__init__()
        for name, m in (mods or {}).items():
            setattr(self, name, m)

    def __getitem__(self, name: str) -> Module:
        return self._modules[name]


# ---- layers
class Linear(Module):
    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = _uniform((out_features, in_features), in_features)
        self.bias = _uniform((out_features,), in_features) if bias else None

    def forward(self, x: Any, epilogue: Epilogue | None = None) -> Any:
        """F.linear; `epilogue` runs on the output in the same kernel."""
        return ops.linear(x, self.weight, self.bias, **({} if epilogue is None else {"epilogue": epilogue}))


class _ConvNd(Module):
    nd = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, output_padding: Any = 0) -> None:
        super().__init__()
        name = type(self).__name__
        k = int_tuple(kernel_size, self.nd, "kernel_size", name)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels {in_channels} and out_channels {out_channels} must divide by "
                             f"groups {groups}")
        shape = (in_channels, out_channels // groups, *k) if self.transposed else (out_channels,
                                                                                  in_channels // groups, *k)
        fan_in = shape[1] * math.prod(k)
        self.weight = _uniform(shape, fan_in)
        self.bias = _uniform((out_channels,), fan_in) if bias else None
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.output_padding = output_padding

    def forward(self, x: Any, epilogue: Epilogue | None = None) -> Any:
        """The convolution; `epilogue` runs on the output in the kernel that stores it."""
        kw = {} if epilogue is None else {"epilogue": epilogue}
        if self.transposed:
            conv = getattr(ops, f"conv_transpose{self.nd}d")
            return conv(x, self.weight, self.bias, self.stride, self.padding, self.output_padding, self.groups,
                        self.dilation, **kw)
        conv = getattr(ops, f"conv{self.nd}d")
        return conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups, **kw)


class Conv1d(_ConvNd):
    nd = 1


class Conv2d(_ConvNd):
    nd = 2


class ConvTranspose2d(_ConvNd):
    nd = 2
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         output_padding)


class _RNNBase(Module):
    """nn.LSTM / nn.GRU: torch's parameter names (weight_ih_l0, ..., *_reverse), one ascendpy.ops call."""

    mode = ""
    gates = 0

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__()
        Epilogue().dropout(dropout)  # torch's check of p
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, dropout, bidirectional
        nd = 2 if bidirectional else 1
        for layer in range(num_layers):
            for d in range(nd):
                sfx = f"_l{layer}{'_reverse' if d else ''}"
                cin = input_size if layer == 0 else nd * hidden_size
                g = self.gates * hidden_size
                setattr(self, f"weight_ih{sfx}", _uniform((g, cin), hidden_size))
                setattr(self, f"weight_hh{sfx}", _uniform((g, hidden_size), hidden_size))
                if bias:
                    setattr(self, f"bias_ih{sfx}", _uniform((g,), hidden_size))
                    setattr(self, f"bias_hh{sfx}", _uniform((g,), hidden_size))

    @property
    def _flat_weights(self) -> list[np.ndarray]:
        return list(self._params.values())

    def forward(self, x: Any, hx: Any = None) -> Any:
        nd = 2 if self.bidirectional else 1
        n = 2 if self.mode == "lstm" else 1  # (h0, c0) or h0
        states = (None,) * n if hx is None else tuple(hx) if isinstance(hx, tuple | list) else (hx,)
        if len(states) != n:
            raise ValueError(f"{type(self).__name__}: hx must be {'(h0, c0)' if n == 2 else 'h0'}")
        fn = getattr(ops, self.mode)
        if not (self.dropout and self.training and self.num_layers > 1):
            out, *st = fn(x, *states, self._flat_weights, self.num_layers, self.bidirectional, self.batch_first)
        else:  # dropout between layers: one call per layer
            per = len(self._flat_weights) // (self.num_layers * nd)
            parts: list[list[Any]] = [[] for _ in states]
            out = x
            for layer in range(self.num_layers):
                if layer:
                    out = ops.dropout(out, self.dropout)
                w = self._flat_weights[layer * nd * per:(layer + 1) * nd * per]
                sl = [None if s is None else rows(s, layer * nd, (layer + 1) * nd) for s in states]
                out, *st = fn(out, *sl, w, 1, self.bidirectional, self.batch_first)
                for p, s in zip(parts, st):
                    p.append(s)
            st = [ops.cat(p, 0) for p in parts]
        return (out, tuple(st)) if self.mode == "lstm" else (out, st[0])


class LSTM(_RNNBase):
    mode, gates = "lstm", 4


class GRU(_RNNBase):
    mode, gates = "gru", 3


class MultiheadAttention(Module):
    """nn.MultiheadAttention (self- or cross-attention, q/k/v of one width): in_proj_weight's three row blocks
    are the q, k, v projections of ops.multi_head_attention. Returns (output, None): no attention weights."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 batch_first: bool = False) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must divide by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.in_proj_weight = _uniform((3 * embed_dim, embed_dim), embed_dim)
        self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, np.float32)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias)
        if bias:
            self.out_proj.bias[...] = 0

    def forward(self, query: Any, key: Any, value: Any, need_weights: bool = True, attn_mask: Any = None,
                is_causal: bool = False) -> tuple[Any, None]:
        if self.dropout and self.training:
            raise ValueError("MultiheadAttention: attention dropout is not supported; use dropout=0.0 or eval()")
        e = self.embed_dim
        w, b = self.in_proj_weight, self.in_proj_bias
        qkv = [ops.transpose(t, 0, 1) for t in (query, key, value)] if not self.batch_first else [query, key, value]
        ws = [rows(w, i * e, (i + 1) * e) for i in range(3)]
        bs = [None] * 3 if b is None else [rows(b, i * e, (i + 1) * e) for i in range(3)]
        out = ops.multi_head_attention(*qkv, self.num_heads, *ws, self.out_proj.weight, *bs, self.out_proj.bias,
                                       attn_mask=attn_mask, is_causal=is_causal)
        return (out if self.batch_first else ops.transpose(out, 0, 1)), None


class TransformerEncoderLayer(Module):
    """nn.TransformerEncoderLayer, post-norm or norm_first, relu or gelu: each linear's activation (and the
    feed-forward's residual) fused into its epilogue."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        if activation not in ("relu", "gelu"):
            raise ValueError(f"TransformerEncoderLayer: activation must be 'relu' or 'gelu', got {activation!r}")
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, bias, batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, layer_norm_eps)
        self.norm2 = LayerNorm(d_model, layer_norm_eps)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation

    def _ff(self, x: Any, residual: Any) -> Any:
        act = Epilogue().relu() if self.activation == "relu" else Epilogue().gelu()
        h = self.dropout(self.linear1(x, epilogue=act))
        return linear_residual(self.linear2, h, residual, self.dropout2)

    def forward(self, src: Any) -> Any:
        x = src
        if self.norm_first:
            y = self.norm1(x)
            x = ops.add(x, self.dropout1(self.self_attn(y, y, y)[0]))
            return self._ff(self.norm2(x), x)
        x = self.norm1(ops.add(x, self.dropout1(self.self_attn(x, x, x)[0])))
        return self.norm2(self._ff(x, x))


class TransformerEncoder(Module):
    """nn.TransformerEncoder: num_layers copies of the layer (as torch, each starts with the same weights)."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None) -> None:
        import copy

        super().__init__()
        self.layers = ModuleList(copy.deepcopy(encoder_layer) for _ in range(num_layers))
        self.norm = norm

    def forward(self, src: Any) -> Any:
        for layer in self.layers:
            src = layer(src)
        return src if self.norm is None else self.norm(src)


class _BatchNorm(Module):
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True) -> None:
        super().__init__()
        self.weight = Parameter(np.ones(num_features, np.float32)) if affine else None
        self.bias = Parameter(np.zeros(num_features, np.float32)) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, np.float32) if track_running_stats else None)
        self.register_buffer("running_var", np.ones(num_features, np.float32) if track_running_stats else None)
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64) if track_running_stats else None)
        self.eps, self.momentum = eps, momentum

    def forward(self, x: Any) -> Any:
        batch = self.training or self.running_mean is None
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked[...] += 1
        return ops.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, batch, self.momentum,
                              self.eps)


class BatchNorm1d(_BatchNorm):
    pass


class BatchNorm2d(_BatchNorm):
    pass


class LayerNorm(Module):
    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True) -> None:
        super().__init__()
        self.normalized_shape = int_tuple(normalized_shape, 1, "normalized_shape", "LayerNorm") if isinstance(
            normalized_shape, int) else tuple(normalized_shape)
        self.weight = Parameter(np.ones(self.normalized_shape, np.float32)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, np.float32)) if elementwise_affine and bias else None
        self.eps = eps

    def forward(self, x: Any) -> Any:
        return ops.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class _Fn(Module):
    """A parameterless layer: ascendpy.ops.<fn>(x, *args), looked up at call time."""

    fn = ""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        self.args = args

    def forward(self, x: Any) -> Any:
        return getattr(ops, self.fn)(x, *self.args)


class ReLU(_Fn):
    fn = "relu"

    def __init__(self, inplace: bool = False) -> None:  # inplace: torch's flag; results are new arrays
        super().__init__()


class ReLU6(_Fn):
    fn = "hardtanh"

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0)


class Sigmoid(_Fn):
    fn = "sigmoid"


class Tanh(_Fn):
    fn = "tanh"


class GELU(_Fn):
    fn = "gelu"

    def __init__(self, approximate: str = "none") -> None:
        super().__init__(approximate)


class Softmax(_Fn):
    fn = "softmax"

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim)


class Identity(Module):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Dropout(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        Epilogue().dropout(p)  # torch's check of p
        self.p = p

    def forward(self, x: Any) -> Any:
        return ops.dropout(x, self.p, self.training) if self.training and self.p > 0 else x


class MaxPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.args = (kernel_size, stride, padding, dilation, ceil_mode, return_indices)

    def forward(self, x: Any) -> Any:
        return ops.max_pool2d(x, *self.args)


class AvgPool2d(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.args = (kernel_size, stride, padding, ceil_mode, count_include_pad)

    def forward(self, x: Any) -> Any:
        return ops.avg_pool2d(x, *self.args)


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Any:
        return ops.adaptive_avg_pool2d(x, self.output_size)


class Flatten(Module):
    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Any) -> Any:
        return flatten(x, self.start_dim, self.end_dim)


# ---- tensor glue for models, the same on host arrays (numpy views, no kernel) and DeviceBuffers (views, or
# one row-copy kernel): what torch code writes as indexing
def linear_residual(lin: Linear, x: Any, residual: Any, drop: Dropout | None = None) -> Any:
    """residual + drop(lin(x)) as one kernel: the (training) dropout and the add are the linear's epilogue."""
    epi = Epilogue()
    if drop is not None and drop.training and drop.p > 0:
        epi.dropout(drop.p)
    return lin(x, epilogue=epi.add(residual))


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """torch.flatten: a reshape (no kernel)."""
    shape = tuple(x.shape)
    s, e = start_dim % len(shape), end_dim % len(shape)
    return x.reshape(*shape[:s], math.prod(shape[s:e + 1]), *shape[e + 1:])


def unsqueeze(x: Any, dim: int) -> Any:
    """x with a dim of 1 inserted at `dim` (x[:, None] for dim 1): a reshape."""
    shape = list(x.shape)
    shape.insert(dim % (len(shape) + 1), 1)
    return x.reshape(*shape)


def rows(w: Any, start: int, stop: int) -> Any:
    """w[start:stop] along dim 0 (a weight's row block), a view either way."""
    if not isinstance(w, DeviceBuffer):
        return w[start:stop]
    inner = math.prod(w.shape[1:])
    return w[start * inner:stop * inner].reshape(stop - start, *w.shape[1:])


def slice_dim(x: Any, dim: int, start: int, stop: int) -> Any:
    """x[..., start:stop, ...] along `dim` (negative start/stop count from the end)."""
    n = x.shape[dim]
    start, stop, _ = slice(start, stop).indices(n)
    if not isinstance(x, DeviceBuffer):
        return x[(slice(None),) * (dim % len(x.shape)) + (slice(start, stop),)]
    return ops.narrow(x, dim, start, max(stop - start, 0))


def select(x: Any, dim: int, index: int) -> Any:
    """x[..., index, ...] along `dim`: that dim dropped."""
    d = dim % len(x.shape)
    i = index % x.shape[d]
    if not isinstance(x, DeviceBuffer):
        return x[(slice(None),) * d + (i,)]
    part = ops.narrow(x, d, i, 1)
    return part.reshape(*x.shape[:d], *x.shape[d + 1:])


def expand0(t: Any, n: int) -> Any:
    """A [1, ...] tensor repeated n times along dim 0 (torch's expand, materialised on the device)."""
    if not isinstance(t, DeviceBuffer):
        return np.broadcast_to(t, (n, *t.shape[1:]))
    return ops.cat([t] * n, 0)
