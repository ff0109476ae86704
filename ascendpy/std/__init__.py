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

from ascendpy.std.intrinsics import (  # cross-block work: SyncAll and store atomics
    CMPMODE,
    GatherPattern,
    RoundMode,
    abs,
    add,
    adds,
    argmax,
    argmin,
    brcb,
    broadcast,
    cast,
    compare,
    compares,
    cross_core_set_flag,
    cross_core_wait_flag,
    cumsum,
    device_only,
    div,
    duplicate,
    erf,
    fixpipe,
    gather,
    gather_mask,
    get_subblock_idx,
    is_aic,
    is_aiv,
    l0a_alloc,
    l0b_alloc,
    l0c_alloc,
    l1_alloc,
    load,
    load_l0a,
    load_l0b,
    load_l0b_trans,
    load_nz,
    max,
    maxs,
    min,
    mins,
    mmad,
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
    set_atomic_add,
    set_atomic_max,
    set_atomic_min,
    set_atomic_none,
    store,
    sub,
    sync_all,
    ub_alloc,
)
from ascendpy.std.types import (
    ELEMENT_TYPES,
    SCALAR_TYPES,
    Ptr,
    PtrType,
    ScalarType,
    bf16,
    boolean,
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
    "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f16", "f32", "bf16", "boolean",
    "RoundMode", "CMPMODE", "ub_alloc", "load", "store", "pipe_barrier", "add", "sub", "mul", "div", "min", "max",
    "adds", "muls", "maxs", "mins", "abs", "rsqrt", "reciprocal", "relu", "duplicate", "cast", "compare",
    "compares", "select", "reduce_max", "reduce_min", "reduce_sum", "argmax", "argmin", "ops",
    "cube_kernel", "mix_kernel", "l1_alloc", "l0a_alloc", "l0b_alloc", "l0c_alloc", "load_nz", "load_l0a",
    "load_l0b", "load_l0b_trans", "mmad", "fixpipe", "is_aic", "is_aiv", "cross_core_set_flag",
    "cross_core_wait_flag", "get_subblock_idx",
    "cumsum", "erf",  # scans and erf
    "GatherPattern", "gather", "gather_mask", "brcb", "broadcast",
    "sync_all", "set_atomic_add", "set_atomic_max", "set_atomic_min", "set_atomic_none",
]

# strided / 2-D data movement (one DMA for rows of a matrix, column blocks and windows)
from ascendpy.std.intrinsics import load_rows, store_rows  # noqa: E402

__all__ += ["load_rows", "store_rows"]

# reinterpreted views of UB buffers (AscendC LocalTensor::ReinterpretCast)
from ascendpy.std.intrinsics import reinterpret  # noqa: E402

__all__ += ["reinterpret"]

KERNEL_KINDS = {"aiv": "aiv_kernel", "aic": "cube_kernel", "mix": "mix_kernel"}  # kind -> decorator name


class KernelFunction:
    """A Python function marked as an NPU kernel; compiled on demand.

    `kind` is the core type it runs on: "aiv" (vector cores), "aic" (cube cores) or "mix" (on 910B one AIC
    and two AIVs per group, each side in its `if std.is_aic():` / `if std.is_aiv():` blocks).
    """

    def __init__(self, fn: Callable[..., Any], kind: str) -> None:
        self.fn = fn
        self.kind = kind
        self.name = fn.__name__
        self.filename = inspect.getsourcefile(fn) or "<unknown>"
        functools.update_wrapper(self, fn)

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise TypeError(
            f"kernel '{self.name}' runs on the device; launch it with {self.name}[block_dim](...) on numpy "
            f"arrays, or KernelLoader.from_module(...).get_kernel('{self.name}')[block_dim, stream](...)"
        )

    def __getitem__(self, config: object) -> Callable[..., None]:
        """`kernel[block_dim](arrays...)` or `kernel[block_dim, stream](...)`: see ascendpy.runtime.array_launch."""
        from ascendpy.runtime.array_launch import launcher  # the host runtime only when launching

        return launcher(self, config)

    def __repr__(self) -> str:
        return f"<{KERNEL_KINDS.get(self.kind, self.kind)} {self.name} from {self.filename}>"


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


def cube_kernel(fn: Callable[..., Any]) -> KernelFunction:
    """Mark `fn` as a cube-core (AIC) kernel: L1/L0 buffers, std.load_nz, std.mmad, std.fixpipe (docs/cube.md)."""
    return KernelFunction(fn, "aic")


def mix_kernel(fn: Callable[..., Any]) -> KernelFunction:
    """Mark `fn` as a mix kernel: on 910B each block is a group of one AIC and two AIVs (docs/cube.md).

    Cube work goes in `if std.is_aic():` blocks, vector work in `if std.is_aiv():` blocks; the sides hand
    data over through global memory and `std.cross_core_set_flag` / `std.cross_core_wait_flag`.
    """
    return KernelFunction(fn, "mix")


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
