"""Index operators (torch.nn.functional.embedding) as ascendpy kernels."""

from __future__ import annotations

from typing import Any

import numpy as np

from ascendpy.ops.core import FLOATS, OpCall
from ascendpy.ops.registry import operator
from ascendpy.runtime import arrays
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Stream

PER_BLOCK = 16  # tokens below which another block costs more than it moves


@operator("index", "vector", FLOATS, ("embedding",))
def embedding(input: Any, weight: Any, *, stream: Stream | None = None) -> Any:  # noqa: A002
    """weight[input]: rows of weight [V, D] for int64 or int32 ids of any shape (out: [*ids.shape, D]).

    Host ids are checked against V before the launch (IndexError); ids already in a DeviceBuffer are not read
    by the host, and one out of range is a GlobalMemoryFault on the simulator (on an NPU: garbage), as with any
    kernel reading outside its buffer.
    """
    name = "ascendpy.ops.embedding"
    with OpCall(name, stream) as call:
        if not isinstance(input, DeviceBuffer):
            ids = arrays.as_host(input, "input", name).array
            if ids.dtype.name in ("int64", "int32") and ids.size:
                lo, hi = int(ids.min()), int(ids.max())
                v = np.shape(arrays.as_host(weight, "weight", name).array)[0] if not isinstance(
                    weight, DeviceBuffer) else weight.shape[0]
                if lo < 0 or hi >= v:
                    raise IndexError(f"{name}: index {lo if lo < 0 else hi} is out of range for a weight of {v} "
                                     "rows")
        ix = call.tensor(input, "input", ("int64", "int32"))
        w = call.tensor(weight, "weight")
        if w.ndim != 2:
            raise ValueError(f"{name}: weight must be 2-D [num_embeddings, embedding_dim], got shape {w.shape}")
        d = w.shape[1]
        out = call.empty(ix.shape + (d,), w.dtype)
        if ix.size and d:
            from ascendpy.ops.kernels import index, index_bf16

            module = call.kernels(index, index_bf16, w.dtype)
            ib = "i64" if ix.dtype.name == "int64" else "i32"
            call.launch(module, f"embedding_{ib}_{w.short}", call.blocks(ix.size, PER_BLOCK), ix, w, out, ix.size, d)
        return call.result(out)
