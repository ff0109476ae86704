"""`ascendpy.ops.matmul`: matrix products on the cube unit, for numpy arrays and CPU torch tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops.registry import operator
from ascendpy.runtime import arrays
from ascendpy.runtime.default import default_stream, module_kernel
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Stream

_IN = {"float16": "f16", "bfloat16": "bf16"}
_OUT = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
_OP = "ascendpy.ops.matmul"


@operator("matmul", "cube", ("float16", "bfloat16"))
def matmul(a: Any, b: Any, *, out: Any = None, out_dtype: Any = None, transpose_b: bool = False,
           stream: Stream | None = None) -> Any:
    """`a @ b` (or `a @ b.T` with `transpose_b`) computed by an ascendpy cube kernel.

    `a` is [M, K] or [batch, M, K]; `b` is [K, N] (with `transpose_b`: [N, K]) or batched likewise, a 2-D
    operand being shared by every batch. Inputs are float16 or bfloat16 (both the same); products are
    accumulated in float32 on the cube unit and written as `out_dtype` (float32 by default; float16 or
    bfloat16 are converted by the Fixpipe on the way out). Any sizes work: tiles, tails and padding are the
    kernel's job. The result is a new array of the inputs' kind (numpy or torch), or `out` when given.
    `stream` picks the device; by default ascendpy's own runtime is used (ascendpy.runtime.default).
    """
    ha, hb = arrays.as_host(a, "a", _OP), arrays.as_host(b, "b", _OP)
    x, y = ha.array, hb.array
    if x.dtype != y.dtype or x.dtype.name not in _IN:
        raise TypeError(f"{_OP}: a and b must both be float16 or bfloat16 (the cube unit's inputs), got {x.dtype} "
                        f"and {y.dtype}; convert them, e.g. a.astype(np.float16)")
    out_dt = np.dtype("float32") if out_dtype is None else _dtype(out_dtype)
    if out_dt.name not in _OUT:
        raise TypeError(f"{_OP}: out_dtype must be float32, float16 or bfloat16, not {out_dt}")
    if x.ndim not in (2, 3) or y.ndim not in (2, 3):
        raise ValueError(f"{_OP}: a and b must be 2-D or 3-D (batched), got shapes {x.shape} and {y.shape}")
    m, k = x.shape[-2:]
    n, kb = (y.shape[-2], y.shape[-1]) if transpose_b else (y.shape[-1], y.shape[-2])
    if k != kb:
        raise ValueError(f"{_OP}: inner sizes differ: a is {x.shape} (K={k}) but b is {y.shape} (K={kb}"
                         f"{', b taken as [N, K] because transpose_b=True' if transpose_b else ''})")
    ba, bb = (x.shape[0] if x.ndim == 3 else None), (y.shape[0] if y.ndim == 3 else None)
    if ba is not None and bb is not None and ba != bb:
        raise ValueError(f"{_OP}: batch sizes differ: a has {ba}, b has {bb}")
    batch = ba if ba is not None else bb
    shape = (m, n) if batch is None else (batch, m, n)
    result = _out_array(out, shape, out_dt)
    if result.size == 0 or k == 0:
        result.fill(0)  # an empty sum: nothing for a kernel to do
        return ha.wrap(result) if out is None else out
    stream = stream or default_stream()
    family = "310P" if stream.context.device.soc_name.startswith("Ascend310P") else "910B"
    if family == "310P" and "bfloat16" in (x.dtype.name, out_dt.name):
        raise TypeError(f"{_OP}: bfloat16 is not available on {stream.context.device.soc_name} (310P has no "
                        "bfloat16_t); use float16")
    from ascendpy.ops.kernels import matmul as kernels
    from ascendpy.ops.kernels import matmul_bf16

    if not transpose_b:
        # The kernels take B^T [N, K]: its k runs along the columns of the L1 tile, which ND2NZ zero-pads
        # to a whole fractal. With B [K, N] the rows past a k tail would be whatever L1 held before, and on
        # the NPU a stale NaN there poisons the sum (0 * NaN), so B is transposed on the host instead.
        y = np.ascontiguousarray(np.swapaxes(y, -1, -2))
    name = f"matmul_{_IN[x.dtype.name]}_{_OUT[out_dt.name]}"
    kern = module_kernel(matmul_bf16 if "bf16" in name else kernels, name, stream)
    nb = batch or 1
    tiles = nb * -(-m // kernels.TILE_M) * -(-n // kernels.TILE_N)
    block_dim = max(1, min(tiles, stream.context.device.ai_core_count or 1))  # one AIC per block
    # 310P's ND2NZ copy (software, in CANN) reads each row in whole 32-byte blocks: give it 32 bytes of slack.
    slack = 32 // x.itemsize if family == "310P" else 0
    a_dev, b_dev = (DeviceBuffer.from_numpy(np.concatenate([v.ravel(), np.zeros(slack, v.dtype)]),
                                            context=stream.context) for v in (x, y))
    c_dev = DeviceBuffer.empty(out_dt, result.size, context=stream.context)
    try:
        kern[block_dim, stream](a_dev, b_dev, c_dev, nb, m, n, k, m * k if x.ndim == 3 else 0,
                                k * n if y.ndim == 3 else 0)
        host = c_dev.to_numpy().reshape(shape)
    finally:
        for buf in (a_dev, b_dev, c_dev):
            buf.close()
    np.copyto(result, host)
    return ha.wrap(result) if out is None else out


def _dtype(dt: Any) -> np.dtype:
    name = getattr(dt, "__module__", "")
    if name.startswith("torch"):
        return np.dtype({"torch.float32": "float32", "torch.float16": "float16",
                         "torch.bfloat16": "bfloat16"}.get(str(dt), "object"))
    try:
        import ml_dtypes  # noqa: F401 - registers bfloat16 with numpy

        return np.dtype(dt)
    except TypeError:
        raise TypeError(f"{_OP}: out_dtype {dt!r} is not a dtype") from None


def _out_array(out: Any, shape: tuple[int, ...], dt: np.dtype) -> np.ndarray:
    if out is None:
        return np.empty(shape, dt)
    contiguous = out.flags.c_contiguous if isinstance(out, np.ndarray) else getattr(out, "is_contiguous", bool)()
    if not contiguous:
        raise ValueError(f"{_OP}: out must be C-contiguous (the result is written into its memory)")
    arr = arrays.as_host(out, "out", _OP).array  # shares memory with `out` (a torch tensor too)
    if arr.shape != shape or arr.dtype != dt:
        raise ValueError(f"{_OP}: out must have shape {shape} and dtype {dt}, got {tuple(arr.shape)} {arr.dtype}")
    if not arr.flags.writeable:
        raise ValueError(f"{_OP}: out is read-only")
    return arr
