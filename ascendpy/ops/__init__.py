"""ascendpy.ops: PyTorch-style functional operators on numpy arrays, CPU torch tensors and DeviceBuffers.

Each operator launches ascendpy kernels written in the device language (`ascendpy/ops/kernels/`), on the
stream it is given or on the operators' own runtime; nothing computes with numpy. The table of operators,
their categories (MultiKernelBench's), kernel kinds and dtypes is `ascendpy.ops.registry.OPERATORS`;
docs/ops_coverage.md is generated from it. The imports below register the operators; `__all__` is the table.
"""

# ruff: noqa: F401 - the operators are re-exported through __all__, built from the registry
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
from ascendpy.ops.broadcast import add, clamp, div, logical_and, maximum, minimum, mul, pow, sub, where
from ascendpy.ops.convolution import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from ascendpy.ops.fused import Epilogue, dropout, fused, manual_seed
from ascendpy.ops.index import (
    argmax,
    argmin,
    cat,
    channel_shuffle,
    embedding,
    gather,
    index_add,
    index_copy,
    index_put,
    index_select,
    masked_fill,
    narrow,
    pad,
    permute,
    roll,
    scatter,
    scatter_add,
    take_along_dim,
    transpose,
)
from ascendpy.ops.loss import (
    cosine_similarity,
    cosine_similarity_loss,
    cross_entropy,
    hinge_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    pairwise_distance,
    smooth_l1_loss,
    triplet_margin_loss,
)
from ascendpy.ops.math import cumprod, cumsum, cumsum_exclusive, cumsum_reverse, masked_cumsum, multiply
from ascendpy.ops.matmul import bmm, diag_matmul, linear, matmul, mm, tril, triu
from ascendpy.ops.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    mean_abs_normalize,
    normalize,
    rms_norm,
)
from ascendpy.ops.optimizer import adagrad_step, adam_step, lamb_step, rmsprop_step, sgd_step
from ascendpy.ops.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from ascendpy.ops.reduce import amax, amin, logsumexp, mean, prod, sum
from ascendpy.ops.registry import OPERATORS
from ascendpy.ops.resize import affine_grid, grid_sample, interpolate
from ascendpy.ops.rnn import gru, lstm
from ascendpy.ops.rotary import apply_rotary_pos_emb

__all__ = [*sorted(k for k in OPERATORS if "." not in k), "Epilogue", "manual_seed"]  # operators, helpers

from ascendpy.ops import arch, nn  # noqa: E402 - the modules and architectures, built on the operators above
