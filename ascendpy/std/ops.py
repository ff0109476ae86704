"""Composites (kernel_ops parity): each is one call in a kernel, written in the device language.

They work on UB buffers (`dst, src, n`, destination first like AscendC) and are
inlined at the call site, so the compiler's sync insertion and UB budget cover
them like hand-written code. Work buffers a composite needs are allocated per
call site with the capacity of its source buffer.
"""

from __future__ import annotations

from ascendpy import std


@std.inline
def relu(dst, src, n):
    std.relu(dst, src, n)


@std.inline
def softmax(dst, src, n):
    """dst = exp(src - max(src)) / sum(exp(src - max(src))) over the first n elements."""
    m = std.reduce_max(src, n)
    std.adds(dst, src, -m, n)
    std.exp(dst, dst, n)
    s = std.reduce_sum(dst, n)
    std.muls(dst, dst, 1.0 / s, n)
