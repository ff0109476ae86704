"""NetVLAD pooling (MultiKernelBench's net_vlad_*): soft-assign local features to clusters, aggregate their
residuals, normalise twice. Ghost clusters take part in the assignment softmax and are then dropped."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ascendpy import ops
from ascendpy.ops import nn
from ascendpy.ops.arch import arch


@arch("net_vlad_with_ghost_clusters", "net_vlad_no_ghost_clusters", lowp=True)
class NetVLAD(nn.Module):
    def __init__(self, cluster_size: int, feature_size: int, ghost_clusters: int) -> None:
        super().__init__()
        from ascendpy.ops.fused import generator

        init_sc = 1 / math.sqrt(feature_size)
        clusters = cluster_size + ghost_clusters
        self.feature_size, self.cluster_size, self.ghost_clusters = feature_size, cluster_size, ghost_clusters
        self.clusters = nn.Parameter((init_sc * generator().standard_normal((feature_size, clusters)))
                                     .astype(np.float32))
        self.batch_norm = nn.BatchNorm1d(clusters)
        self.clusters2 = nn.Parameter((init_sc * generator().standard_normal((1, feature_size, cluster_size)))
                                      .astype(np.float32))
        self.out_dim = cluster_size * feature_size

    def forward(self, x: Any, mask: Any = None) -> Any:
        b, n, d, k = x.shape[0], x.shape[1], self.feature_size, self.cluster_size
        x = x.reshape(-1, d)  # BN x D
        assignment = ops.softmax(self.batch_norm(ops.matmul(x, self.clusters)), dim=1)  # BN x (K + G)
        assignment = ops.narrow(assignment, 1, 0, k).reshape(b, n, k)
        a = ops.mul(ops.sum(assignment, dim=1, keepdim=True), self.clusters2)  # B x D x K
        vlad = ops.matmul(assignment, x.reshape(b, n, d), transpose_a=True)  # B x K x D
        vlad = ops.normalize(ops.sub(ops.transpose(vlad, 1, 2), a))  # B x D x K, over D
        return ops.normalize(vlad.reshape(b, d * k))
