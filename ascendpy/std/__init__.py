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

from ascendpy.std.intrinsics import (
    CMPMODE,
    RoundMode,
    abs,
    add,
    adds,
    cast,
    compare,
    compares,
    device_only,
    div,
    duplicate,
    load,
    max,
    maxs,
    min,
    mins,
    mul,
    muls,
    pipe_barrier,
    reciprocal,
    reduce_max,
    reduce_min,
    reduce_sum,
    relu,
    rsqrt,
    select,
    store,
    sub,
    ub_alloc,
)
from ascendpy.std.types import (
    ELEMENT_TYPES,
    SCALAR_TYPES,
    Ptr,
    PtrType,
    ScalarType,
    bf16,
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
    "Ptr", "PtrType", "ScalarType", "SCALAR_TYPES", "ELEMENT_TYPES", "KernelFunction", "InlineFunction",
    "aiv_kernel", "inline", "get_block_idx", "get_block_num", "exp", "ln", "sqrt",
    "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f16", "f32", "bf16",
    "RoundMode", "CMPMODE", "ub_alloc", "load", "store", "pipe_barrier", "add", "sub", "mul", "div", "min", "max",
    "adds", "muls", "maxs", "mins", "abs", "rsqrt", "reciprocal", "relu", "duplicate", "cast", "compare",
    "compares", "select", "reduce_max", "reduce_min", "reduce_sum", "ops",
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


class InlineFunction:
    """A device-language helper that the compiler inlines at each call (see `std.inline`)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.filename = inspect.getsourcefile(fn) or "<unknown>"
        functools.update_wrapper(self, fn)

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise TypeError(f"'{self.name}' is a device function; call it from inside an @std.aiv_kernel function")

    def __repr__(self) -> str:
        return f"<std.inline {self.name} from {self.filename}>"


def no_source_message(what: str, exc: Exception) -> str:
    """Why a function defined where Python keeps no source (a REPL, exec) cannot be compiled, and what to do."""
    return (f"cannot read the source of {what} ({exc}): ascendpy compiles kernels from their Python source, which "
            "Python keeps only for functions defined in a file; put it in a .py file and import it (or load the "
            "file with KernelLoader.from_module('kernels.py'))")


def aiv_kernel(fn: Callable[..., Any]) -> KernelFunction:
    """Mark `fn` as a vector-core (AIV) kernel entry point."""
    return KernelFunction(fn, "aiv")


def inline(fn: Callable[..., Any]) -> InlineFunction:
    """Mark `fn` as a device helper: kernels may call it; each call is inlined.

    Parameters are untyped: a buffer argument is passed by reference, a scalar by
    value, a literal stays a literal (so `std.muls(dst, src, alpha, n)` with
    alpha=0.5 adopts the buffer's element type). Buffers it allocates are
    allocated once per call site and count against the kernel's UB budget. It
    may end with `return value`.
    """
    return InlineFunction(fn)


get_block_idx = device_only("get_block_idx")
get_block_num = device_only("get_block_num")
exp = device_only("exp")
ln = device_only("ln")
sqrt = device_only("sqrt")

from ascendpy.std import ops  # noqa: E402 - composites are written in this language
