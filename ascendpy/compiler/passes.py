"""Passes between the frontend and codegen: buffer planning, then sync insertion.

plan_buffers gives every UB buffer a role. A buffer filled by one `std.load`
and then only read by vector ops in the same block becomes a `TQue<VECIN, 2>`;
one written by vector ops and drained by one `std.store` at the end of its
block a `TQue<VECOUT, 2>`. Their queue protocol (AllocTensor, EnQue/DeQue,
FreeTensor) carries the DMA <-> vector synchronisation on hardware flags, and
with two buffers per queue the load of tile i+1 and the store of tile i-1
overlap the vector work on tile i. Every other buffer is a `TBuf<VECCALC>`.
The pass also checks the kernel's on-chip budget and what the SoC supports.

insert_sync then walks the structured IR once per pipe hazard class, the way
`ptoas --enable-insert-sync` does: an access on pipe Q to a buffer (or GM
pointer) that pipe P touched, with at least one of them writing and no
ordering since, gets `SetFlag/WaitFlag<P_Q>` right before it
(`PipeBarrier<pipe>` when P == Q). Loops are iterated to a fixpoint so the
back edge is covered; queue-carried hazards are left to the queues.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import func, memref, scf
from xdsl.dialects.builtin import FileLineColLoc, MemRefType, ModuleOp, StringAttr
from xdsl.ir import Block, Operation, SSAValue

from ascendpy.compiler import dialect as asc
from ascendpy.compiler.vecops import BY_CPP, CASTS, soc_family
from ascendpy.errors import CompileError
from ascendpy.std.types import ELEMENT_TYPES

QUEUE_DEPTH = 2  # BUFFER_NUM: double buffering
UB_BYTES = {"910B": 192 * 1024, "310P": 256 * 1024}  # reference/ascend-apis.md section 2
SCALAR_MATH_SCRATCH = 32  # bytes of the scratch tensor behind scalar std.exp/ln/sqrt

def ub_capacity(soc: str) -> int:
    return UB_BYTES[soc_family(soc)]


def _round32(n: int) -> int:
    return (n + 31) // 32 * 32


def _where(op: Operation) -> tuple[str | None, int | None]:
    loc = op.location
    if isinstance(loc, FileLineColLoc):
        return loc.filename.data, loc.line.data
    return None, None


def _error(op: Operation, message: str, kernel: str) -> CompileError:
    filename, line = _where(op)
    return CompileError(message, filename, line, kernel)


# ------------------------------------------------------------------- accesses
@dataclass(frozen=True)
class Access:
    res: SSAValue  # a UB buffer or a GM pointer argument
    pipe: str  # S V MTE2 MTE3
    write: bool


def accesses(op: Operation) -> list[Access]:
    if isinstance(op, asc.DmaOp):
        if op.dir.data == "in":
            return [Access(op.ub, "MTE2", True), Access(op.gm, "MTE2", False)]
        return [Access(op.ub, "MTE3", False), Access(op.gm, "MTE3", True)]
    if isinstance(op, asc.VecOp):
        written = BY_CPP[op.fn.data].written
        return [Access(v, "V", i in written) for i, v in enumerate(op.args) if isinstance(v.type, MemRefType)]
    if isinstance(op, memref.LoadOp | memref.StoreOp) and isinstance(op.memref.type, MemRefType) \
            and op.memref.type.get_shape():
        return [Access(op.memref, "S", isinstance(op, memref.StoreOp))]
    return []


# ------------------------------------------------------------ buffer planning
def _role(buf: asc.UbAllocOp) -> tuple[str, list[Operation]]:
    """'vecin' / 'vecout' with the buffer's uses in order, or 'calc'."""
    uses = sorted({u.operation for u in buf.result.uses}, key=_order_key)
    if not uses:
        return "calc", uses
    block = uses[0].parent_block()
    if block is None or any(u.parent_block() is not block for u in uses):
        return "calc", uses
    ops = list(block.ops)
    for op in ops[ops.index(uses[0]):ops.index(uses[-1]) + 1]:
        if any(isinstance(o, asc.BreakOp | asc.ContinueOp | asc.ReturnOp) for o in op.walk()):
            return "calc", uses  # an early exit between AllocTensor and FreeTensor would leak the slot
    acc = [[a for a in accesses(u) if a.res is buf.result] for u in uses]
    if any(not a for a in acc):
        return "calc", uses
    pipes = [{a.pipe for a in x} for x in acc]
    if pipes[0] == {"MTE2"} and all(p == {"V"} and not any(a.write for a in x) for p, x in zip(pipes[1:], acc[1:])):
        return "vecin", uses
    first_v = acc[0]
    if pipes[-1] == {"MTE3"} and len(uses) > 1 and all(p == {"V"} for p in pipes[:-1]) \
            and any(a.write for a in first_v) and not _reads(uses[0], buf.result):
        return "vecout", uses
    return "calc", uses


def _reads(op: Operation, buf: SSAValue) -> bool:
    return any(a.res is buf and not a.write for a in accesses(op))


def _order_key(op: Operation) -> tuple[int, ...]:
    """Position of an op in program order (path of indices from the function)."""
    path: list[int] = []
    cur: Operation | None = op
    while cur is not None and not isinstance(cur, func.FuncOp):
        block = cur.parent_block()
        assert block is not None
        path.append(block.get_operation_index(cur))
        cur = block.parent_op()
    return tuple(reversed(path))


def plan_buffers(fn: func.FuncOp, soc: str) -> None:
    kernel = fn.sym_name.data
    family = soc_family(soc)
    bufs = [op for op in fn.body.block.ops if isinstance(op, asc.UbAllocOp)]
    if family == "310P":
        for name, t in zip(fn.attributes["ascend.arg_names"].data,  # type: ignore[attr-defined]
                           fn.attributes["ascend.arg_types"].data):  # type: ignore[attr-defined]
            if t.data == "Ptr[bf16]":
                raise _error(fn, f"parameter '{name.data}' is Ptr[bf16], but {soc} has no bf16 (310P has no "
                                 "bfloat16_t); use f16 or f32", kernel)
        for op in fn.walk():
            for v in [*op.results, *op.operands]:
                if isinstance(v.type, MemRefType) and str(v.type.element_type) == "bf16":
                    raise _error(op, f"bf16 is not available on {soc} (310P has no bfloat16_t); use f16 or f32",
                                 kernel)
    for op in fn.walk():
        if isinstance(op, asc.VecOp) and op.fn.data in BY_CPP:
            dtype = asc.buffer_dtype(op.args[1 if op.fn.data in ("Compare", "CompareScalar") else 0])
            if BY_CPP[op.fn.data].lacks(family, dtype):
                raise _error(op, f"{op.fn.data} on {dtype} is not available on {soc} (CANN 8.1 declares it only for "
                                 "910B); use f16 or f32", kernel)
        if isinstance(op, asc.VecOp) and op.fn.data == "Cast":
            dst, src = (asc.buffer_dtype(v) for v in op.args[:2])
            assert op.mode is not None
            modes = CASTS[family].get((src, dst))
            if modes is None:
                pairs = ", ".join(f"{a}->{b}" for a, b in CASTS[family])
                raise _error(op, f"std.cast from {src} to {dst} is not available on {soc}; supported: {pairs}",
                             kernel)
            if op.mode.data not in modes:
                raise _error(op, f"std.cast {src}->{dst} with RoundMode.{op.mode.data} is not available on {soc}; "
                                 f"use one of {', '.join('RoundMode.' + m for m in modes)}", kernel)
    rows: list[tuple[str, str, int, int, int, int | None]] = []
    for buf in bufs:
        role, uses = _role(buf)
        buf.role = StringAttr(role)
        t = buf.result.type
        assert isinstance(t, MemRefType)
        count = t.get_shape()[0]
        elem = buf.dtype.data
        nbytes = _round32(count * ELEMENT_TYPES[elem].nbytes)
        depth = QUEUE_DEPTH if role != "calc" else 1
        rows.append((buf.buf_name.data, elem, count, depth, nbytes * depth, _where(buf)[1]))
        if role == "vecin":
            _insert_before(uses[0], asc.QueOp(operands=[buf.result], attributes={"step": StringAttr("alloc")}))
            _insert_after(uses[0], asc.QueOp(operands=[buf.result], attributes={"step": StringAttr("pass")}))
            _insert_after(uses[-1], asc.QueOp(operands=[buf.result], attributes={"step": StringAttr("free")}))
        elif role == "vecout":
            _insert_before(uses[0], asc.QueOp(operands=[buf.result], attributes={"step": StringAttr("alloc")}))
            _insert_before(uses[-1], asc.QueOp(operands=[buf.result], attributes={"step": StringAttr("pass")}))
            _insert_after(uses[-1], asc.QueOp(operands=[buf.result], attributes={"step": StringAttr("free")}))
    if any(op.name in ("math.exp", "math.log", "math.sqrt") for op in fn.walk()):
        rows.append(("scratch of scalar std.exp/ln/sqrt", "-", 0, 1, SCALAR_MATH_SCRATCH, None))
    total = sum(r[4] for r in rows)
    limit = ub_capacity(soc)
    if total > limit:
        running, at = 0, None
        for r in rows:
            running += r[4]
            at = r[5] if r[5] is not None else at
            if running > limit:
                break
        lines = [f"  {name}: {count} x {elem}{f' x {depth} (double-buffered queue)' if depth > 1 else ''} = "
                 f"{size} bytes" + (f" (line {line})" if line is not None else "") if count else
                 f"  {name}: {size} bytes" for name, elem, count, depth, size, line in rows]
        first = next((b for b in bufs), None)
        filename = _where(first)[0] if first is not None else None
        raise CompileError(
            f"on-chip buffers need {total} bytes of Unified Buffer but {soc} has {limit} bytes "
            f"({limit // 1024} KiB):\n" + "\n".join(lines)
            + f"\n  total {total} > {limit}; use smaller tiles (queue buffers count twice: double buffering)",
            filename, at, kernel)


def _insert_before(anchor: Operation, op: Operation) -> None:
    op.location = anchor.location
    block = anchor.parent_block()
    assert block is not None
    block.insert_op_before(op, anchor)


def _insert_after(anchor: Operation, op: Operation) -> None:
    op.location = anchor.location
    block = anchor.parent_block()
    assert block is not None
    block.insert_op_after(op, anchor)


# -------------------------------------------------------------- sync insertion
State = dict[tuple[SSAValue, str, bool], frozenset[str]]  # (resource, pipe, write) -> pipes it is ordered before


def _merge(a: State, b: State) -> State:
    out = dict(a)
    for k, v in b.items():
        out[k] = out[k] & v if k in out else v
    return out


class _Sync:
    def __init__(self, queues: set[SSAValue]) -> None:
        self.queues = queues
        self.breaks: list[list[State]] = []
        self.continues: list[list[State]] = []

    def block(self, block: Block, state: State, emit: bool) -> State:
        for op in list(block.ops):
            state = self.op(op, state, emit)
        return state

    def op(self, op: Operation, state: State, emit: bool) -> State:  # noqa: C901
        if isinstance(op, asc.ForOp | asc.LoopOp):
            return self.loop(op.body.block, state, emit)
        if isinstance(op, scf.IfOp):
            then = self.block(op.true_region.block, dict(state), emit)
            other = self.block(op.false_region.block, dict(state), emit) if op.false_region.blocks else dict(state)
            return _merge(then, other)
        if isinstance(op, asc.BreakOp):
            self.breaks[-1].append(dict(state))
            return state
        if isinstance(op, asc.ContinueOp):
            self.continues[-1].append(dict(state))
            return state
        if isinstance(op, asc.BarrierOp):
            return {} if op.pipe.data == "PIPE_ALL" else state
        if isinstance(op, asc.QueOp):
            if op.step.data == "alloc":  # a fresh slot: earlier accesses were to the other buffer
                return {k: v for k, v in state.items() if k[0] is not op.buf}
            return state
        acc = [a for a in accesses(op) if not (a.res in self.queues and a.pipe != "V")]
        if not acc:
            return state
        state = dict(state)
        for q in sorted({a.pipe for a in acc}):
            mine = [a for a in acc if a.pipe == q]
            while True:
                need = {p for (res, p, w), synced in state.items()
                        for a in mine if res is a.res and (w or a.write) and q not in synced}
                if q == "S":
                    need.discard("S")  # the scalar unit runs in order
                if not need:
                    break
                # Sync first from the pipe that already waited for the most other needed pipes: its
                # flag orders their work too, so fewer flags remain (e.g. V_MTE3 covers MTE2 -> V -> MTE3).
                p = max(sorted(need), key=lambda c: sum(c in synced for k, synced in state.items() if k[1] in need))
                if emit:
                    sync = asc.BarrierOp(attributes={"pipe": StringAttr(f"PIPE_{p}")}) if p == q else \
                        asc.FlagOp(attributes={"event": StringAttr(f"{p}_{q}")})
                    _insert_before(op, sync)
                for k, synced in list(state.items()):
                    if k[1] == p or p in synced:
                        state[k] = synced | {q}
        for a in acc:
            state[(a.res, a.pipe, a.write)] = frozenset()
        return state

    def loop(self, body: Block, state: State, emit: bool) -> State:
        entry = dict(state)
        for _ in range(8):
            self.breaks.append([])
            self.continues.append([])
            end = self.block(body, dict(entry), False)
            self.breaks.pop()
            nxt = _merge(entry, end)
            for c in self.continues.pop():
                nxt = _merge(nxt, c)
            if nxt == entry:
                break
            entry = nxt
        self.breaks.append([])
        self.continues.append([])
        end = self.block(body, dict(entry), emit)
        out = _merge(entry, end)
        for s in self.breaks.pop() + self.continues.pop():
            out = _merge(out, s)
        return out


def insert_sync(fn: func.FuncOp) -> None:
    queues = {op.result for op in fn.body.block.ops
              if isinstance(op, asc.UbAllocOp) and op.role is not None and op.role.data != "calc"}
    _Sync(queues).block(fn.body.block, {}, True)


def run_passes(module: ModuleOp, soc: str) -> None:
    for fn in module.ops:
        if isinstance(fn, func.FuncOp):
            plan_buffers(fn, soc)
            insert_sync(fn)
