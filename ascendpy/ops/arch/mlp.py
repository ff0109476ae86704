"""Multi-layer perceptrons: Linear + ReLU stacks (MultiKernelBench's mlp, deep_narrow_mlp, shallow_wide_mlp)."""

from __future__ import annotations

from typing import Any

from ascendpy.ops import Epilogue, nn
from ascendpy.ops.arch import arch


@arch("mlp", "deep_narrow_mlp", "shallow_wide_mlp",
      note="each hidden layer is one linear with its ReLU as the epilogue", lowp=True)
class MLP(nn.Module):
    def __init__(self, input_size: int, layer_sizes: list[int], output_size: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        current = input_size
        for size in layer_sizes:
            layers += [nn.Linear(current, size), nn.ReLU()]
            current = size
        layers.append(nn.Linear(current, output_size))
        self.network = nn.Sequential(*layers)

    def forward(self, x: Any) -> Any:
        mods = list(self.network._modules.values())
        for lin in mods[:-1:2]:  # Linear, ReLU pairs: one kernel each
            x = lin(x, epilogue=Epilogue().relu())
        return mods[-1](x)
