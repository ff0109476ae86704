"""ascendpy.ops: PyTorch-style functional operators on numpy arrays, CPU torch tensors and DeviceBuffers.

Each operator launches ascendpy kernels written in the device language (`ascendpy/ops/kernels/`), on the
stream it is given or on the operators' own runtime; nothing computes with numpy. The table of operators,
their categories (MultiKernelBench's), kernel kinds and dtypes is `ascendpy.ops.registry.OPERATORS`;
docs/ops_coverage.md is generated from it.
"""

from ascendpy.ops.activation import (
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    mish,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    tanh,
)
from ascendpy.ops.attention import linear_attention, multi_head_attention, scaled_dot_product_attention
from ascendpy.ops.matmul import bmm, diag_matmul, linear, matmul, mm, tril, triu

__all__ = [
    "elu", "gelu", "hardsigmoid", "hardswish", "hardtanh", "leaky_relu", "log_softmax", "matmul", "mish", "relu",
    "selu", "sigmoid", "silu", "softmax", "softplus", "softsign", "tanh",
    "bmm", "diag_matmul", "linear", "mm", "tril", "triu",
    "linear_attention", "multi_head_attention", "scaled_dot_product_attention",
]
