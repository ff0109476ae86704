"""Recurrent networks of MultiKernelBench's arch category: vanilla RNN cells, LSTM and GRU stacks."""

from __future__ import annotations

from typing import Any

from ascendpy import ops
from ascendpy.ops import Epilogue, nn
from ascendpy.ops.arch import arch
from ascendpy.ops.core import as_dtype
from ascendpy.ops.nn import select, unsqueeze


class _Vanilla(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.output_size = input_size, hidden_size, output_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.tanh = nn.Tanh()

    def step(self, x: Any, hidden: Any) -> Any:
        """tanh(i2h([x, hidden])): the linear with its tanh fused."""
        return self.i2h(ops.cat([x, hidden], 1), epilogue=Epilogue().tanh())


@arch("vanilla_rnn", note="the hidden state persists across calls, as the task's module keeps it")
class VanillaRNN(_Vanilla):
    """One step per call; the hidden state starts random ([batch_size, hidden_size], as the task's module)."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int, batch_size: int = 8) -> None:
        super().__init__(input_size, hidden_size, output_size)
        from ascendpy.ops.fused import generator

        self.hidden = generator().standard_normal((batch_size, hidden_size)).astype("float32")

    def forward(self, x: Any, initial_hidden: Any = None) -> Any:
        hidden = self.hidden if initial_hidden is None else initial_hidden
        self.hidden = self.step(x, hidden)
        return self.h2o(self.hidden)


@arch("vanilla_rnn_hidden", lowp=True)
class VanillaRNNSequence(_Vanilla):
    """A sequence [T, B, in] from h0: the stacked outputs [T, B, out]."""

    def forward(self, x: Any, h0: Any) -> Any:
        hidden, outputs = h0, []
        for t in range(x.shape[0]):
            hidden = self.step(select(x, 0, t), hidden)
            outputs.append(unsqueeze(self.h2o(hidden), 0))
        return ops.cat(outputs, 0)


class _LSTMNet(nn.Module):
    bidirectional = False
    returns = "fc"  # fc(out[:, -1]), or the final "h" or "c"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, output_size: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout,
                            bidirectional=self.bidirectional)
        self.fc = nn.Linear(hidden_size * (2 if self.bidirectional else 1), output_size)

    def forward(self, x: Any, h0: Any = None, c0: Any = None) -> Any:
        if h0 is None or c0 is None:  # the task's model draws a random initial state
            from ascendpy.ops.fused import generator

            shape = (self.num_layers * (2 if self.bidirectional else 1), x.shape[0], self.hidden_size)
            dt = as_dtype(x.dtype, type(self).__name__)
            h0 = generator().standard_normal(shape).astype(dt) if h0 is None else h0
            c0 = generator().standard_normal(shape).astype(dt) if c0 is None else c0
        out, (h, c) = self.lstm(x, (h0, c0))
        return {"fc": lambda: self.fc(select(out, 1, -1)), "h": lambda: h, "c": lambda: c}[self.returns]()


@arch("lstm", lowp=True)
class LSTMNet(_LSTMNet):
    pass


@arch("lstm_bidirectional")
class BiLSTMNet(_LSTMNet):
    bidirectional = True


@arch("lstm_hn")
class LSTMHidden(_LSTMNet):
    returns = "h"


@arch("lstm_cn")
class LSTMCell(_LSTMNet):
    returns = "c"


class _GRUNet(nn.Module):
    bidirectional = False
    returns = "output"  # or "h": the final hidden states

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 3, bias: bool = True,
                 batch_first: bool = False) -> None:
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, num_layers, bias, batch_first, dropout=0,
                          bidirectional=self.bidirectional)

    def forward(self, x: Any, h0: Any) -> Any:
        output, h_n = self.gru(x, h0)
        return output if self.returns == "output" else h_n


@arch("gru")
class GRUNet(_GRUNet):
    pass


@arch("gru_hidden")
class GRUHidden(_GRUNet):
    returns = "h"


@arch("gru_birectional", lowp=True)
class BiGRUNet(_GRUNet):
    bidirectional = True


@arch("gru_bidirectional_hidden")
class BiGRUHidden(_GRUNet):
    bidirectional = True
    returns = "h"
