"""The `ascend` dialect: what MLIR's upstream dialects lack for AscendC kernels.

Everything else in a kernel module is upstream MLIR: func, arith, math, memref
(locals are rank-0 `memref.alloca`, global-memory pointers are `memref<?xT>`
function arguments) and scf.if. Python loops keep `break`/`continue`, which
scf cannot express, so loops are `ascend.loop`/`ascend.for` regions whose body
may contain `ascend.break`/`ascend.continue` anywhere in their nest of scf.if.
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType, i64
from xdsl.ir import Dialect
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    region_def,
    result_def,
    traits_def,
)
from xdsl.traits import NoTerminator

ENTRY_ATTR = "hacc.entry"  # unit attribute the ascend-rs MLIR path puts on kernel entries


@irdl_op_definition
class GetBlockIdxOp(IRDLOperation):
    """`AscendC::GetBlockIdx()`: the logical index of the running block."""

    name = "ascend.get_block_idx"
    result = result_def(IntegerType(64))

    def __init__(self) -> None:
        super().__init__(result_types=[i64])


@irdl_op_definition
class GetBlockNumOp(IRDLOperation):
    """`AscendC::GetBlockNum()`: the launch's block_dim."""

    name = "ascend.get_block_num"
    result = result_def(IntegerType(64))

    def __init__(self) -> None:
        super().__init__(result_types=[i64])


@irdl_op_definition
class LoopOp(IRDLOperation):
    """An endless loop, left only by `ascend.break` or `ascend.return`."""

    name = "ascend.loop"
    body = region_def("single_block")
    traits = traits_def(NoTerminator())


@irdl_op_definition
class ForOp(IRDLOperation):
    """`for iv in range(lb, ub, step)`: the body's block argument is the induction value."""

    name = "ascend.for"
    lb = operand_def(IntegerType)
    ub = operand_def(IntegerType)
    step = operand_def(IntegerType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())


@irdl_op_definition
class BreakOp(IRDLOperation):
    name = "ascend.break"


@irdl_op_definition
class ContinueOp(IRDLOperation):
    name = "ascend.continue"


@irdl_op_definition
class ReturnOp(IRDLOperation):
    """Leave the kernel from anywhere in its loop nest."""

    name = "ascend.return"


Ascend = Dialect(
    "ascend",
    [GetBlockIdxOp, GetBlockNumOp, LoopOp, ForOp, BreakOp, ContinueOp, ReturnOp],
    [],
)
