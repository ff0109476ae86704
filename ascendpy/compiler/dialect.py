"""The `ascend` dialect: what MLIR's upstream dialects lack for AscendC kernels.

Everything else in a kernel module is upstream MLIR: func, arith, math, memref
(locals are rank-0 `memref.alloca`, global-memory pointers are `memref<?xT>`
function arguments, UB buffers `memref<NxT, "ub">` from `ascend.ub_alloc`) and
scf.if. Python loops keep `break`/`continue`, which scf cannot express, so loops
are `ascend.loop`/`ascend.for` regions whose body may contain
`ascend.break`/`ascend.continue` anywhere in their nest of scf.if.

Data movement and vector work are `ascend.dma` and `ascend.vec` (one op per
AscendC call, named by its `fn` attribute). Cube tiles are 2-D memrefs in the
"l1" / "l0a" / "l0b" / "l0c" memory spaces from `ascend.cube_alloc`, the cube
data path `ascend.cube` ops; a mix kernel's sides are `ascend.core_side`
regions, their hand-over `ascend.cross_core` flags. The buffer-planning pass adds the
queue protocol (`ascend.que_*`), the sync pass adds `ascend.flag` and
`ascend.barrier`; codegen prints them one to one.
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, IntegerType, MemRefType, StringAttr, i64
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    attr_def,
    irdl_op_definition,
    operand_def,
    opt_attr_def,
    opt_operand_def,
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


CUBE_SPACES = {name: StringAttr(name) for name in ("l1", "l0a", "l0b", "l0c")}  # memory spaces of cube tiles


def cube_mem(value: SSAValue) -> str | None:
    """"l1" / "l0a" / "l0b" / "l0c" for a cube tile value, else None."""
    t = value.type
    if isinstance(t, MemRefType) and isinstance(t.memory_space, StringAttr) and t.memory_space.data in CUBE_SPACES:
        return t.memory_space.data
    return None


@irdl_op_definition
class CubeAllocOp(IRDLOperation):
    """A kernel-scoped cube tile: a 2-D matrix in L1 / L0A / L0B / L0C, its memref shape the padded one."""

    name = "ascend.cube_alloc"
    result = result_def(MemRefType)
    buf_name = attr_def(StringAttr)
    dtype = attr_def(StringAttr)
    rows = attr_def(IntegerAttr)  # logical shape as written in the kernel
    cols = attr_def(IntegerAttr)
    position = opt_attr_def(StringAttr)  # set by plan_buffers: A1 / B1 / A2 / B2 / CO1
    role = opt_attr_def(StringAttr)  # set by plan_buffers: "que" (a double-buffered TQue) or "calc" (a TBuf)

    def __init__(self, elem: Attribute, dtype: str, mem: str, rows: int, cols: int, padded: tuple[int, int],
                 buf_name: str) -> None:
        super().__init__(result_types=[MemRefType(elem, list(padded), memory_space=CUBE_SPACES[mem])],
                         attributes={"buf_name": StringAttr(buf_name), "dtype": StringAttr(dtype),
                                     "rows": IntegerAttr(rows, i64), "cols": IntegerAttr(cols, i64)})


@irdl_op_definition
class SubviewOp(IRDLOperation):
    """`buf[a:b]`: a UB buffer from element `offset` on (AscendC `LocalTensor::operator[]`)."""

    name = "ascend.subview"
    base = operand_def(MemRefType)
    offset = operand_def()
    result = result_def(MemRefType)


# ---- reinterpreted views (issue 13: cumprod along the last axis builds u32 Gather offsets in f32 / i32)
@irdl_op_definition
class ReinterpretOp(IRDLOperation):
    """`std.reinterpret(buf, dtype)`: the same UB bytes as `dtype` elements (AscendC `ReinterpretCast<U>()`)."""

    name = "ascend.reinterpret"
    base = operand_def(MemRefType)
    result = result_def(MemRefType)
    dtype = attr_def(StringAttr)  # device-language element type of the view


def buffer_root(value: SSAValue) -> SSAValue:
    """The buffer a value is, or is a view of (`buf[a:b]` is `buf` to the sync pass and the type checks)."""
    while isinstance(value.owner, SubviewOp | ReinterpretOp):
        value = value.owner.base
    return value


def buffer_name(value: SSAValue) -> str:
    """The device-language name of a UB buffer or cube tile value."""
    owner = buffer_root(value).owner
    assert isinstance(owner, UbAllocOp | CubeAllocOp), value
    return owner.buf_name.data


def buffer_dtype(value: SSAValue) -> str:
    """The device-language element type of a UB buffer or cube tile value (or of a view of one)."""
    while isinstance(value.owner, SubviewOp):
        value = value.owner.base
    if isinstance(value.owner, ReinterpretOp):
        return value.owner.dtype.data
    owner = buffer_root(value).owner
    assert isinstance(owner, UbAllocOp | CubeAllocOp), value
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


# ---- strided / 2-D data movement: std.load_rows / std.store_rows
@irdl_op_definition
class DmaRowsOp(IRDLOperation):
    """`rows` rows of `cols` elements between GM (row pitch `gm_ld`) and UB (row pitch `ub_ld`) in one DMA.

    `dir` "in" (MTE2: GM -> UB, `pad_left`/`pad_right` elements of `pad_value` around each row) or "out"
    (MTE3: UB -> GM, exactly `cols` elements a row). `form` is the AscendC call the frontend chose:
    "DataCopy" (DataCopyParams, everything a constant whole number of 32-byte blocks, no padding) or
    "DataCopyPad" (DataCopyExtParams; `why` says what needs it, for the SoC check of plan_buffers).
    Sizes and pitches are in elements. The sync pass sees it exactly like `ascend.dma`.
    """

    name = "ascend.dma_rows"
    ub = operand_def(MemRefType)
    gm = operand_def(MemRefType)
    offset = operand_def()
    rows = operand_def()
    cols = operand_def()
    gm_ld = operand_def()
    ub_ld = operand_def()
    pad_value = opt_operand_def()
    dir = attr_def(StringAttr)
    form = attr_def(StringAttr)
    why = opt_attr_def(StringAttr)
    pad_left = attr_def(IntegerAttr)
    pad_right = attr_def(IntegerAttr)


def const_index(value: SSAValue) -> int | None:
    """The compile-time value of an index/integer operand (an arith.constant), else None."""
    from xdsl.dialects import arith

    owner = value.owner
    if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, IntegerAttr):
        return owner.value.value.data
    return None


@irdl_op_definition
class VecOp(IRDLOperation):
    """One AscendC vector call `fn(args...)`; buffers and scalars in AscendC's order."""

    name = "ascend.vec"
    args = var_operand_def()
    fn = attr_def(StringAttr)
    mode = opt_attr_def(StringAttr)  # RoundMode / CMPMODE / SELMODE enumerator


@irdl_op_definition
class CubeOp(IRDLOperation):
    """One cube data-path call (`fn` is the std name in compiler/cubeops.py): tiles, GM pointers and scalars."""

    name = "ascend.cube"
    args = var_operand_def()
    fn = attr_def(StringAttr)
    relu = opt_attr_def(IntegerAttr)  # fixpipe: compile-time ReLU
    route = opt_attr_def(StringAttr)  # fixpipe on 310P: "ub" (L0C -> UB staging -> GM; set by plan_buffers)


@irdl_op_definition
class CoreSideOp(IRDLOperation):
    """`if std.is_aic():` / `if std.is_aiv():` of a mix kernel: `if ASCEND_IS_AIC { ... }`."""

    name = "ascend.core_side"
    side = attr_def(StringAttr)  # "aic" | "aiv"
    body = region_def("single_block")
    traits = traits_def(NoTerminator())


@irdl_op_definition
class CrossCoreOp(IRDLOperation):
    """CrossCoreSetFlag<2, pipe>(flag) ("set") or CrossCoreWaitFlag(flag) ("wait") between the AIC and its AIVs."""

    name = "ascend.cross_core"
    kind = attr_def(StringAttr)
    flag = attr_def(IntegerAttr)
    pipe = opt_attr_def(StringAttr)  # set by insert_sync: the pipe whose work the flag publishes


@irdl_op_definition
class CrossBlockOp(IRDLOperation):
    """Cross-block work: `SyncAll()` / `SyncAll(ws, ub)` ("sync_all"; args: the soft form's GM workspace) and the
    store-atomic switch `SetAtomicAdd/Max/Min<T>()` ("atomic_add" / "atomic_max" / "atomic_min", `dtype`) or
    `SetAtomicNone()` ("atomic_none")."""

    name = "ascend.cross_block"
    args = var_operand_def()
    kind = attr_def(StringAttr)
    dtype = opt_attr_def(StringAttr)
    ub_bytes = opt_attr_def(IntegerAttr)  # the soft SyncAll's UB workspace (set by plan_buffers: cores * 32)


@irdl_op_definition
class GetSubBlockIdxOp(IRDLOperation):
    """`AscendC::GetSubBlockIdx()`: which AIV of its group (0/1); 0 on the AIC."""

    name = "ascend.get_subblock_idx"
    result = result_def(IntegerType(64))

    def __init__(self) -> None:
        super().__init__(result_types=[i64])


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
    note = opt_attr_def(StringAttr)  # why it is there (a hazard with no HardEvent), printed as a C++ comment


Ascend = Dialect(
    "ascend",
    [GetBlockIdxOp, GetBlockNumOp, GetSubBlockIdxOp, LoopOp, ForOp, BreakOp, ContinueOp, ReturnOp, UbAllocOp,
     CubeAllocOp, SubviewOp, DmaOp, DmaRowsOp, VecOp, CubeOp, CoreSideOp, CrossCoreOp, QueOp, FlagOp, BarrierOp,
     CrossBlockOp, ReinterpretOp],
    [],
)
