"""The `ascend` dialect: what MLIR's upstream dialects lack for AscendC kernels.

Everything else in a kernel module is upstream MLIR: func, arith, math, memref
(locals are rank-0 `memref.alloca`, global-memory pointers are `memref<?xT>`
function arguments, UB buffers `memref<NxT, "ub">` from `ascend.ub_alloc`) and
scf.if. Python loops keep `break`/`continue`, which scf cannot express, so loops
are `ascend.loop`/`ascend.for` regions whose body may contain
`ascend.break`/`ascend.continue` anywhere in their nest of scf.if.

Data movement and vector work are `ascend.dma` and `ascend.vec` (one op per
AscendC call, named by its `fn` attribute). The buffer-planning pass adds the
queue protocol (`ascend.que_*`), the sync pass adds `ascend.flag` and
`ascend.barrier`; codegen prints them one to one.
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerType, MemRefType, StringAttr, i64
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
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


UB = StringAttr("ub")  # memory space of Unified Buffer memrefs


def is_ub(value: SSAValue) -> bool:
    t = value.type
    return isinstance(t, MemRefType) and t.memory_space == UB


@irdl_op_definition
class UbAllocOp(IRDLOperation):
    """A kernel-scoped Unified Buffer tensor of a compile-time element count (no free)."""

    name = "ascend.ub_alloc"
    result = result_def(MemRefType)
    buf_name = attr_def(StringAttr)
    dtype = attr_def(StringAttr)  # device-language element type (MLIR integers are signless)
    role = opt_attr_def(StringAttr)  # set by plan_buffers: "vecin" | "vecout" | "calc"

    def __init__(self, elem: Attribute, dtype: str, count: int, buf_name: str) -> None:
        super().__init__(result_types=[MemRefType(elem, [count], memory_space=UB)],
                         attributes={"buf_name": StringAttr(buf_name), "dtype": StringAttr(dtype)})


def buffer_dtype(value: SSAValue) -> str:
    """The device-language element type of a UB buffer value."""
    owner = value.owner
    assert isinstance(owner, UbAllocOp), value
    return owner.dtype.data


@irdl_op_definition
class DmaOp(IRDLOperation):
    """GM <-> UB copy of `count` elements: `dir` "in" (MTE2) or "out" (MTE3)."""

    name = "ascend.dma"
    ub = operand_def(MemRefType)
    gm = operand_def(MemRefType)
    offset = operand_def()
    count = operand_def()
    dir = attr_def(StringAttr)


@irdl_op_definition
class VecOp(IRDLOperation):
    """One AscendC vector call `fn(args...)`; buffers and scalars in AscendC's order."""

    name = "ascend.vec"
    args = var_operand_def()
    fn = attr_def(StringAttr)
    mode = opt_attr_def(StringAttr)  # RoundMode / CMPMODE / SELMODE enumerator


@irdl_op_definition
class QueOp(IRDLOperation):
    """Queue protocol step on a queue-backed buffer: "alloc", "pass" (EnQue + DeQue) or "free"."""

    name = "ascend.que"
    buf = operand_def(MemRefType)
    step = attr_def(StringAttr)


@irdl_op_definition
class FlagOp(IRDLOperation):
    """SetFlag + WaitFlag of one `HardEvent` (e.g. "MTE2_V"): the dst pipe waits for the src pipe."""

    name = "ascend.flag"
    event = attr_def(StringAttr)


@irdl_op_definition
class BarrierOp(IRDLOperation):
    """`PipeBarrier<pipe>()`: orders the instructions of one pipe (PIPE_ALL: of every pipe)."""

    name = "ascend.barrier"
    pipe = attr_def(StringAttr)


Ascend = Dialect(
    "ascend",
    [GetBlockIdxOp, GetBlockNumOp, LoopOp, ForOp, BreakOp, ContinueOp, ReturnOp, UbAllocOp, DmaOp, VecOp, QueOp,
     FlagOp, BarrierOp],
    [],
)
