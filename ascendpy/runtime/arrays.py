"""Host arrays (numpy, CPU torch tensors, anything with `__dlpack__`) as numpy views, and back in their own kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Host:
    """A caller's array as a numpy array, and how to hand results back in the caller's kind of array."""

    array: np.ndarray
    torch: Any = None  # the torch module when the caller passed a torch tensor
    original: Any = None  # what the caller passed
    shares: bool = True  # `array` is the caller's memory (writes to it are writes to the original)

    def wrap(self, result: np.ndarray) -> Any:
        """`result` in the caller's kind (a new torch tensor for a torch caller)."""
        if self.torch is None:
            return result
        if result.dtype.name == "bfloat16":
            return self.torch.from_numpy(result.view(np.int16)).view(self.torch.bfloat16)
        return self.torch.from_numpy(result)

    def write_back(self, flat: np.ndarray) -> bool:
        """Store `flat` (the array's elements in C order) into the caller's array; False if it is read-only."""
        if self.shares:
            if not self.array.flags.writeable:
                return False
            np.copyto(self.array, flat.reshape(self.array.shape))
            return True
        self.original.copy_(self.wrap(flat.reshape(self.array.shape)))  # a non-contiguous torch tensor
        return True


def as_host(x: object, what: str, op: str) -> Host:
    """A numpy view of `x` (numpy array, CPU torch tensor, or any `__dlpack__` producer on the CPU).

    A TypeError naming `what` and `op` for anything else.
    """
    if isinstance(x, np.ndarray):
        return Host(x, original=x)
    mod = type(x).__module__
    if mod.startswith("torch"):
        import torch

        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{op}: {what} is a {type(x).__name__}, not a tensor")
        if x.device.type != "cpu":
            raise TypeError(f"{op}: {what} is on {x.device}; pass a CPU tensor (ascendpy moves it to the NPU itself)")
        t = x.detach()
        shares = t.is_contiguous()
        t = t if shares else t.contiguous()
        if t.dtype == torch.bfloat16:
            import ml_dtypes

            return Host(t.view(torch.int16).numpy().view(ml_dtypes.bfloat16), torch, x, shares)
        return Host(t.numpy(), torch, x, shares)
    if hasattr(x, "__dlpack__"):
        try:
            return Host(np.from_dlpack(x), original=x)
        except (TypeError, RuntimeError, BufferError) as exc:
            raise TypeError(f"{op}: {what} ({type(x).__name__}) cannot be read through DLPack on the CPU: {exc}") \
                from None
    raise TypeError(f"{op}: {what} must be a numpy array, a CPU torch tensor or a __dlpack__ array, not "
                    f"{type(x).__name__}")
