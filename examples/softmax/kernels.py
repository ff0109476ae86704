"""Softmax kernels: the ascend-rs book's chapter 4, in Python.

`softmax` is the scalar kernel of section 4.2: three passes over global memory (max; exp(x - max)
with a running sum; normalise), one element at a time, with `len` passed through a pointer as in
the book. `softmax_rows` is the vectorised version of section 4.3: each row is DMA-loaded into a
Unified Buffer (UB) buffer and reduced and transformed by vector instructions.
"""

from ascendpy import std
from ascendpy.std import Ptr, f32, u32

# The longest row softmax_rows accepts. Its two buffers take 2 x 8192 x 4 B = 64 KiB; the compiler
# double-buffers the load and store queues, so they count twice: 128 KiB of the 910B's 192 KiB UB.
MAX_COLS = 8192


@std.aiv_kernel
def softmax(input: Ptr[f32], output: Ptr[f32], len: Ptr[u32]):  # noqa: A002 - the book's names
    if std.get_block_idx() != 0:
        return  # one block does all the work; extra blocks launched by mistake stay idle
    n = len[0]
    # pass 1: the maximum, subtracted below so that exp() cannot overflow
    max_val = input[0]
    for i in range(1, n):
        if input[i] > max_val:
            max_val = input[i]
    # pass 2: exp(x - max), kept in output, and their sum
    total = 0.0
    for i in range(n):
        e = std.exp(input[i] - max_val)
        output[i] = e
        total += e
    # pass 3: normalise
    for i in range(n):
        output[i] = output[i] / total


@std.aiv_kernel
def softmax_rows(x: Ptr[f32], y: Ptr[f32], rows: u32, cols: u32):
    """y[r, :] = softmax(x[r, :]) for a row-major rows x cols matrix, cols <= MAX_COLS."""
    xb = std.ub_alloc(f32, MAX_COLS)
    yb = std.ub_alloc(f32, MAX_COLS)
    n = std.i64(cols)
    # rows are dealt out round-robin: block b takes rows b, b + block_num, ...
    r = std.get_block_idx()
    while r < std.i64(rows):
        std.load(xb, x, r * n, n)
        # The chain below is what std.ops.softmax(yb, xb, n) expands to: one call, the same instructions.
        m = std.reduce_max(xb, n)            # the row's maximum: a scalar
        std.adds(yb, xb, -m, n)              # yb = x - max
        std.exp(yb, yb, n)                   # yb = exp(x - max)
        s = std.reduce_sum(yb, n)            # their sum
        std.muls(yb, yb, 1.0 / s, n)         # yb = exp(x - max) / sum
        std.store(y, r * n, yb, n)
        r += std.get_block_num()
