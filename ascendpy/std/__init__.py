"""The device language: what an `@std.aiv_kernel` function may use.

Nothing here runs on the host. The functions are markers that the compiler
recognises by name; calling them from ordinary Python raises a TypeError that
says so.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ascendpy.std.types import (
    SCALAR_TYPES,
    Ptr,
    PtrType,
    ScalarType,
    f16,
    f32,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
)

__all__ = [
    "Ptr", "PtrType", "ScalarType", "SCALAR_TYPES", "KernelFunction", "aiv_kernel",
    "get_block_idx", "get_block_num", "exp", "ln", "sqrt",
    "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f16", "f32",
]


class KernelFunction:
    """A Python function marked as an NPU vector kernel; compiled on demand."""

    def __init__(self, fn: Callable[..., Any], kind: str) -> None:
        self.fn = fn
        self.kind = kind
        self.name = fn.__name__
        self.filename = inspect.getsourcefile(fn) or "<unknown>"
        functools.update_wrapper(self, fn)

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise TypeError(
            f"kernel '{self.name}' runs on the device; launch it with "
            f"KernelLoader.from_module(...).get_kernel('{self.name}')[block_dim, stream](...)"
        )

    def __repr__(self) -> str:
        return f"<aiv_kernel {self.name} from {self.filename}>"


def aiv_kernel(fn: Callable[..., Any]) -> KernelFunction:
    """Mark `fn` as a vector-core (AIV) kernel entry point."""
    return KernelFunction(fn, "aiv")


def _device_only(name: str) -> Callable[..., Any]:
    def marker(*args: object) -> Any:
        raise TypeError(f"std.{name}() can only be used inside an @std.aiv_kernel function")

    marker.__name__ = name
    marker.__qualname__ = name
    return marker


get_block_idx = _device_only("get_block_idx")
get_block_num = _device_only("get_block_num")
exp = _device_only("exp")
ln = _device_only("ln")
sqrt = _device_only("sqrt")
