"""ascendpy.ops: array-level operators on numpy arrays and CPU torch tensors, each one an ascendpy kernel.

Nothing here computes with numpy: every operator launches a kernel written in the device language
(`ascendpy/ops/kernels/`), on the stream it is given or on the operators' own runtime.
"""

from ascendpy.ops.matmul import matmul

__all__ = ["matmul"]
