"""Recurrent layers as torch.nn.LSTM and nn.GRU compute them: multi-layer, bidirectional, batch-first.

Per layer and direction, one product gives every timestep's input gates (x @ W_ih^T, all T at once); each
step is then one product h @ W_hh^T and one cell kernel (kernels/rnn.py) that adds both biases, applies the
gates and updates h (and c) in place on the device. The whole recurrence is one operator call: states and
sequences stay on the device between steps. States, gates and accumulation are f32 (on 310P, whose cube
multiplies f16 only, the products take f16 operands: float32 input is refused there); results in the input's
dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall, Tensor
from ascendpy.ops.registry import operator
from ascendpy.runtime.objects import Stream

_F32 = np.dtype(np.float32)


def _rnn(mode: str, input: Any, hx: tuple[Any, ...], weights: Any, num_layers: int, bidirectional: bool,  # noqa: A002
         batch_first: bool, stream: Stream | None) -> tuple[Any, ...]:
    from ascendpy.ops.index import copy_rows
    from ascendpy.ops.kernels import rnn as k
    from ascendpy.ops.matmul import product

    op = f"ascendpy.ops.{mode}"
    gates = 4 if mode == "lstm" else 3
    nd = 2 if bidirectional else 1
    weights = list(weights)
    if num_layers < 1 or len(weights) not in (2 * num_layers * nd, 4 * num_layers * nd):
        raise ValueError(f"{op}: weights must be torch's flat list, [w_ih, w_hh(, b_ih, b_hh)] per layer and "
                         f"direction: {4 * num_layers * nd} (or {2 * num_layers * nd} without biases) arrays for "
                         f"{num_layers} layer(s){' x 2 directions' if bidirectional else ''}, got {len(weights)}")
    per = len(weights) // (num_layers * nd)
    with OpCall(op, stream) as call:
        x = call.tensor(input, "input")
        batched = x.ndim == 3
        if x.ndim not in (2, 3):
            raise ValueError(f"{op}: input must be [T, B, in] ([B, T, in] with batch_first) or [T, in], got {x.shape}")
        if not batched:
            x = Tensor(x.buf, (x.shape[0], 1, x.shape[1]), x.dtype)
            batch_first = False
        t_len, b = (x.shape[1], x.shape[0]) if batch_first else x.shape[:2]
        # the products' operands: f32 where the cube multiplies f32 (910B), else the input's dtype (310P: f16),
        # accumulated in f32 either way; biases and states stay f32
        cdt = _F32 if call.family != "310P" else x.dtype
        w = [call.cast(call.tensor(a, f"weights[{i}]"), cdt if i % per < 2 else _F32) for i, a in enumerate(weights)]
        hid = w[1].shape[1]
        for li in range(num_layers * nd):
            cin = x.shape[2] if li < nd else nd * hid
            want = [(gates * hid, cin), (gates * hid, hid), (gates * hid,), (gates * hid,)][:per]
            got = [t.shape for t in w[li * per:(li + 1) * per]]
            if got != want:
                raise ValueError(f"{op}: layer {li // nd}{' reverse' if li % nd else ''} has weights {got}; expected "
                                 f"{want} (w_ih, w_hh, b_ih, b_hh)")
        if per == 2:  # no biases: zeros
            zero = call.cast(call.tensor(np.zeros(gates * hid, np.float32), "bias"), _F32)
            w = [t for li in range(num_layers * nd) for t in (*w[li * 2:li * 2 + 2], zero, zero)]
        state_shape = (num_layers * nd, b, hid)
        states = []
        for i, s in enumerate(hx):
            if s is None:
                states.append(call.tensor(np.zeros(state_shape, np.float32), "zeros"))
                continue
            t = call.cast(call.tensor(s, ("h0", "c0")[i]), _F32)
            if t.shape != state_shape and not (not batched and t.shape == (num_layers * nd, hid)):
                raise ValueError(f"{op}: {('h0', 'c0')[i]} must be {state_shape}, got {t.shape}")
            if t.buf is s:  # the caller's own f32 DeviceBuffer: update a copy, the caller's stays as it was
                st = call.empty(state_shape, _F32)
                copy_rows(call, t, 0, st.size, st, 0, st.size, 1, st.size)
                t = st
            states.append(Tensor(t.buf, state_shape, _F32))
        cur = call.cast(x, cdt)
        g = gates * hid
        for layer in range(num_layers):
            y = call.empty((b, t_len, nd * hid) if batch_first else (t_len, b, nd * hid), _F32)
            for d in range(nd):
                w_ih, w_hh, b_ih, b_hh = w[(layer * nd + d) * 4:(layer * nd + d + 1) * 4]
                gx = product(call, Tensor(cur.buf, (t_len * b, cur.shape[2]), cdt), w_ih, False, True, _F32)
                lo = (layer * nd + d) * b * hid
                views = [Tensor(s.buf[lo:lo + b * hid], (b, hid), _F32) for s in states]
                call._owned += [v.buf for v in views]
                for step in range(t_len):
                    t = step if d == 0 else t_len - 1 - step
                    gh = product(call, call.cast(views[0], cdt), w_hh, False, True, _F32)
                    gxo, gxs = (t * g, t_len * g) if batch_first else (t * b * g, g)
                    yo, ys = (t * nd * hid + d * hid, t_len * nd * hid) if batch_first else (
                        t * b * nd * hid + d * hid, nd * hid)
                    blocks = call.blocks(b * -(-hid // k.FT), 1)
                    call.launch(k, f"{mode}_cell", blocks, gx, gxo, gxs, gh, b_ih, b_hh, *views, y, yo, ys, b, hid)
            cur = call.cast(y, cdt)
        out = call.cast(cur if cdt == x.dtype else y, x.dtype)
        if not batched:
            out = Tensor(out.buf, (t_len, nd * hid), out.dtype)
        res = [call.result(out)]
        for st in states:
            st = call.cast(st, x.dtype)
            res.append(call.result(st if batched else Tensor(st.buf, (num_layers * nd, hid), st.dtype)))
        return tuple(res)


@operator("arch", "mix", FLOATS, note="products on the cube, one cell kernel per step")
def lstm(input: Any, h0: Any, c0: Any, weights: Any, num_layers: int = 1, bidirectional: bool = False,  # noqa: A002
         batch_first: bool = False, *, stream: Stream | None = None) -> tuple[Any, Any, Any]:
    """nn.LSTM's forward: (output, h_n, c_n). `weights` is torch's flat list (`lstm._flat_weights`): w_ih, w_hh,
    b_ih, b_hh per layer and direction; h0 / c0 None start from zeros."""
    return _rnn("lstm", input, (h0, c0), weights, num_layers, bidirectional, batch_first, stream)  # type: ignore


@operator("arch", "mix", FLOATS, note="products on the cube, one cell kernel per step")
def gru(input: Any, h0: Any, weights: Any, num_layers: int = 1, bidirectional: bool = False,  # noqa: A002
        batch_first: bool = False, *, stream: Stream | None = None) -> tuple[Any, Any]:
    """nn.GRU's forward: (output, h_n); `weights` as lstm's."""
    return _rnn("gru", input, (h0,), weights, num_layers, bidirectional, batch_first, stream)  # type: ignore
