"""Passes between the frontend and codegen: buffer planning, then sync insertion.

plan_buffers gives every UB buffer a role. A buffer filled by one `std.load`
and then only read by vector ops in the same block becomes a `TQue<VECIN, 2>`;
one written by vector ops and drained by one `std.store` at the end of its
block a `TQue<VECOUT, 2>`. Their queue protocol (AllocTensor, EnQue/DeQue,
FreeTensor) carries the DMA <-> vector synchronisation on hardware flags, and
with two buffers per queue the load of tile i+1 and the store of tile i-1
overlap the vector work on tile i. Every other buffer is a `TBuf<VECCALC>`.
Cube tiles follow the same rule on 910B: an L1 tile filled by one load and read
only by L0 loads is a `TQue<A1/B1, 2>` (MTE2 -> MTE1), an L0A/L0B tile filled by
one load and read only by Mmad a `TQue<A2/B2, 2>` (MTE1 -> M); L0C is a TBuf.
The pass also checks the kernel's on-chip budgets and what the SoC supports.

insert_sync then walks the structured IR once per pipe hazard class, the way
`ptoas --enable-insert-sync` does: an access on pipe Q to a buffer (or GM
pointer) that pipe P touched, with at least one of them writing and no
ordering since, gets `SetFlag/WaitFlag<P_Q>` right before it
(`PipeBarrier<pipe>` when P == Q). Loops are iterated to a fixpoint so the
back edge is covered; queue-carried hazards are left to the queues.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith, func, memref, scf
from xdsl.dialects.builtin import FileLineColLoc, IntegerType, MemRefType, ModuleOp, StringAttr
from xdsl.ir import Block, Operation, Region, SSAValue

from ascendpy.compiler import crossblock, cubeops
from ascendpy.compiler import dialect as asc
from ascendpy.compiler.vecops import (
    BRCB_310P_SCRATCH,
    BY_CPP,
    CAST_VIEW,
    CASTS,
    GATHER_MASK_PATTERNS,
    cast_route,
    soc_family,
)
from ascendpy.errors import CompileError
from ascendpy.std.intrinsics import GatherPattern
from ascendpy.std.types import ELEMENT_TYPES

QUEUE_DEPTH = 2  # BUFFER_NUM: double buffering
SCALAR_MATH_SCRATCH = 32  # bytes of the scratch tensor behind scalar std.exp/ln/sqrt


def ub_capacity(soc: str) -> int:
    from ascendpy.toolchain.targets import get_target

    return get_target(soc).ub


def _core(fn: func.FuncOp, soc: str) -> str | None:
    """The core type whose HardEvents are valid in `fn` ("aic"/"aiv" on split 910B parts; None on coupled 310P)."""
    if soc_family(soc) == "310P":
        return None
    kind = fn.attributes["ascend.kernel_kind"].data  # type: ignore[attr-defined]
    return "aic" if kind == "aic" else "aiv"


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
    """What `op` reads and writes, by pipe; a view `buf[a:b]` counts as all of `buf` (conservative, never wrong)."""
    return [Access(asc.buffer_root(a.res), a.pipe, a.write) for a in _accesses(op)]


def _accesses(op: Operation) -> list[Access]:
    if isinstance(op, asc.DmaOp | asc.DmaRowsOp):  # std.load / std.store and std.load_rows / std.store_rows
        if op.dir.data == "in":
            return [Access(op.ub, "MTE2", True), Access(op.gm, "MTE2", False)]
        return [Access(op.ub, "MTE3", False), Access(op.gm, "MTE3", True)]
    if isinstance(op, asc.VecOp):
        written = BY_CPP[op.fn.data].written
        return [Access(v, "V", i in written) for i, v in enumerate(op.args)
                if isinstance(v.type, MemRefType) and v.type.get_shape()]  # not GatherMask's kept-count local
    # 310P: std.fixpipe goes L0C -> UB (V) -> GM (MTE3). The ND2NZ copy is a software routine there (GM -> UB on
    # MTE2, V, UB -> L1 on MTE3) that ends by making MTE2 wait for MTE3; its L1 writes count on both pipes, so
    # they are ordered whichever of the two a checker attributes them to.
    if isinstance(op, asc.CubeOp) and op.route is not None and op.fn.data == "load_nz":
        return [Access(op.args[1], "MTE2", False), Access(op.args[0], "MTE2", True), Access(op.args[0], "MTE3", True)]
    if isinstance(op, asc.CubeOp) and op.route is not None:
        return [Access(op.args[2], "V", False), Access(op.args[0], "MTE3", True)]
    if isinstance(op, asc.CubeOp):
        sig = cubeops.BY_NAME[op.fn.data]
        out = [Access(op.args[i], sig.pipe, False) for i in sig.reads if i not in sig.writes]
        return out + [Access(op.args[i], sig.pipe, True) for i in sig.writes]
    if isinstance(op, memref.LoadOp | memref.StoreOp) and isinstance(op.memref.type, MemRefType) \
            and op.memref.type.get_shape():
        return [Access(op.memref, "S", isinstance(op, memref.StoreOp))]
    return []


# ------------------------------------------------------------ buffer planning
def _queue_candidate(value: SSAValue) -> tuple[list[Operation], list[list[Access]] | None]:
    """A buffer's uses in program order, and what each does to it, if a queue could carry them: all in one
    block, with no early exit between the first and the last (it would leak the slot between AllocTensor and
    FreeTensor), and each use accessing the buffer itself; else (uses, None)."""
    uses = sorted({u.operation for u in value.uses}, key=_order_key)
    if not uses:
        return uses, None
    block = uses[0].parent_block()
    if block is None or any(u.parent_block() is not block for u in uses):
        return uses, None
    ops = list(block.ops)
    for op in ops[ops.index(uses[0]):ops.index(uses[-1]) + 1]:
        if any(isinstance(o, asc.BreakOp | asc.ContinueOp | asc.ReturnOp) for o in op.walk()):
            return uses, None
    acc = [[a for a in accesses(u) if a.res is value] for u in uses]
    return uses, None if any(not a for a in acc) else acc


def _role(buf: asc.UbAllocOp) -> tuple[str, list[Operation]]:
    """'vecin' / 'vecout' with the buffer's uses in order, or 'calc'."""
    uses, acc = _queue_candidate(buf.result)
    if acc is None:
        return "calc", uses
    pipes = [{a.pipe for a in x} for x in acc]
    if pipes[0] == {"MTE2"} and all(p == {"V"} and not any(a.write for a in x) for p, x in zip(pipes[1:], acc[1:])):
        return "vecin", uses
    first_v = acc[0]
    if pipes[-1] == {"MTE3"} and len(uses) > 1 and all(p == {"V"} for p in pipes[:-1]) \
            and any(a.write for a in first_v) and not _reads(uses[0], buf.result):
        return "vecout", uses
    return "calc", uses


_CHAIN = {"l1": ("MTE2", "MTE1"), "l0a": ("MTE1", "M"), "l0b": ("MTE1", "M")}  # (producer, consumer) pipes


def _cube_role(tile: asc.CubeAllocOp) -> tuple[str, list[Operation]]:
    """'que' with the tile's uses in order (one write by the producer pipe, then reads by the consumer), or 'calc'."""
    mem = asc.cube_mem(tile.result)
    uses, acc = _queue_candidate(tile.result)
    if mem not in _CHAIN or len(uses) < 2 or acc is None:
        return "calc", uses
    producer, consumer = _CHAIN[mem]
    if [(a.pipe, a.write) for a in acc[0]] != [(producer, True)]:
        return "calc", uses
    if any([(a.pipe, a.write) for a in x] != [(consumer, False)] for x in acc[1:]):
        return "calc", uses
    return "que", uses


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
        if isinstance(op, asc.DmaRowsOp):
            _check_dma_rows(op, soc, kernel)
        if isinstance(op, asc.VecOp) and op.fn.data in BY_CPP:
            dtype = asc.buffer_dtype(op.args[1 if op.fn.data in ("Compare", "CompareScalar") else 0])
            if BY_CPP[op.fn.data].lacks(family, dtype):
                raise _error(op, f"{op.fn.data} on {dtype} is not available on {soc} (CANN 8.1 declares it only for "
                                 "910B); use f16 or f32", kernel)
        if isinstance(op, asc.VecOp) and op.fn.data == "Cast":
            _check_cast(op, family, soc, kernel)
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
        if role in ("vecin", "vecout"):
            _queue_steps(buf.result, uses, filled_first=role == "vecin")
    if any(op.name in ("math.exp", "math.log", "math.sqrt") for op in fn.walk()):
        rows.append(("scratch of scalar std.exp/ln/sqrt", "-", 0, 1, SCALAR_MATH_SCRATCH, None))
    rows += _cube_ub_rows(fn, soc)
    rows += _gather_checks(fn, soc)
    rows += crossblock.ub_rows(fn, soc)  # cross-block work: SoC checks, the software SyncAll's UB workspace
    lines = [f"  {name}: {count} x {elem}{f' x {depth} (double-buffered queue)' if depth > 1 else ''} = "
             f"{size} bytes" + (f" (line {line})" if line is not None else "") if count else
             f"  {name}: {size} bytes" for name, elem, count, depth, size, line in rows]
    _check_budget("Unified Buffer", ub_capacity(soc), [(r[4], r[5]) for r in rows], lines, bufs or [fn], soc, kernel,
                  "use smaller tiles (queue buffers count twice: double buffering)")
    _plan_cube(fn, soc)


# ---- gather and broadcast (issue 13)
def _gather_checks(fn: func.FuncOp, soc: str) -> list[tuple[str, str, int, int, int, int | None]]:
    """What the SoC lacks of GatherMask / Broadcast, and the UB that 310P's Brcb takes (the top 8 KiB)."""
    kernel = fn.sym_name.data
    family = soc_family(soc)
    brcb: Operation | None = None
    for op in fn.walk():
        if not isinstance(op, asc.VecOp):
            continue
        if op.fn.data == "GatherMask" and op.mode is not None:
            value = GatherPattern[op.mode.data].value
            if value not in GATHER_MASK_PATTERNS[family]:
                raise _error(op, f"std.gather_mask with GatherPattern.{op.mode.data} (src1Pattern {value}) is not "
                                 f"available on {soc}: CANN 8.1 takes src1Pattern {GATHER_MASK_PATTERNS[family].start}"
                                 f"..{GATHER_MASK_PATTERNS[family].stop - 1} there; copy with std.adds(dst, src, 0, n)"
                                 " or use a pattern buffer", kernel)
        if op.fn.data == "Broadcast" and op.mode is not None and op.mode.data == "1" and family == "310P":
            rows = op.args[3].owner
            nbytes = max(2, ELEMENT_TYPES[asc.buffer_dtype(op.args[0])].nbytes)
            if isinstance(rows, arith.ConstantOp) and rows.value.value.data * nbytes % 32:  # type: ignore[attr-defined]
                raise _error(op, f"std.broadcast along axis 1 on {soc} needs rows x {nbytes} bytes to be a multiple "
                                 f"of 32 (CANN 8.1's dav_m200 Broadcast: \"Non-alignment is not supported\"); pad the "
                                 f"rows to a multiple of {32 // nbytes}", kernel)
        if op.fn.data == "Brcb" and brcb is None:
            brcb = op
    if brcb is None or family != "310P" or any(isinstance(o, asc.CubeOp) and o.fn.data == "load_nz"
                                               for o in fn.walk()):  # load_nz already reserves the same 8 KiB
        return []
    return [("CANN 8.1's Brcb scratch (std.brcb on 310P: the top 8 KiB)", "-", 0, 1, BRCB_310P_SCRATCH,
             _where(brcb)[1])]
# ---- end gather and broadcast
# ---- strided / 2-D data movement: what each SoC can do with std.load_rows / std.store_rows
def _check_dma_rows(op: asc.DmaRowsOp, soc: str, kernel: str) -> None:
    """310P has no DataCopyPad: its rows must be DataCopy's (compile-time whole 32-byte blocks, no padding)."""
    if op.form.data != "DataCopyPad" or soc_family(soc) != "310P":
        return
    name = "std.load_rows" if op.dir.data == "in" else "std.store_rows"
    dtype = asc.buffer_dtype(op.ub)
    per = 32 // ELEMENT_TYPES[dtype].nbytes
    why = op.why.data if op.why is not None else "this copy"
    raise _error(op, f"{name} needs DataCopyPad for {why}, and {soc} has no DataCopyPad (CANN 8.1 declares it "
                     f"for 910B only). On 310P the row length cols and both row pitches must be compile-time "
                     f"multiples of 32 bytes ({per} {dtype} elements), with no padding, so that one strided "
                     f"DataCopy moves the rows: pad the matrix in GM to such a pitch, or move the rows one by one "
                     f"with std.{'load' if op.dir.data == 'in' else 'store'}", kernel)


def _check_cast(op: asc.VecOp, family: str, soc: str, kernel: str) -> None:
    """The cast pair and round mode exist on the SoC (a bool buffer casts as its u8 bytes), or a CompileError
    naming what it has: a two-step route through its pairs, or the SoC that has the pair."""
    dst, src = (asc.buffer_dtype(v) for v in op.args[:2])
    assert op.mode is not None
    s, d = CAST_VIEW.get(src, src), CAST_VIEW.get(dst, dst)
    modes = CASTS[family].get((s, d))
    if modes is None:
        other = [f for f in CASTS if f != family and (s, d) in CASTS[f]]
        routes = cast_route(family, s, d)
        if routes:
            mid, first, second = routes[0]
            hint = (f"cast in two steps through a {mid} buffer: std.cast(tmp_{mid}, src, RoundMode.{first}, n), then "
                    f"std.cast(dst, tmp_{mid}, RoundMode.{second}, n) (each step rounds once)")
        else:
            hint = f"{soc} has no cast route from {src} to {dst}"
        pairs = ", ".join(f"{a}->{b}" for a, b in CASTS[family])
        where = f" (CANN 8.1 has it on {'/'.join(other)} only)" if other else ""
        raise _error(op, f"std.cast from {src} to {dst} is not available on {soc}{where}; {hint}; supported: {pairs}",
                     kernel)
    if op.mode.data not in modes:
        raise _error(op, f"std.cast {src}->{dst} with RoundMode.{op.mode.data} is not available on {soc}; "
                         f"use one of {', '.join('RoundMode.' + m for m in modes)}", kernel)


def _check_budget(memory: str, limit: int, sizes: list[tuple[int, int | None]], lines: list[str],
                  bufs: list[Operation], soc: str, kernel: str, advice: str) -> None:  # bufs[0] names the file
    """A CompileError at the line of the buffer that crosses `limit`, listing every buffer of that memory."""
    total = sum(size for size, _ in sizes)
    if total <= limit:
        return
    running, at = 0, None
    for size, line in sizes:
        running += size
        at = line if line is not None else at
        if running > limit:
            break
    filename = _where(bufs[0])[0] if bufs else None
    raise CompileError(
        f"on-chip buffers need {total} bytes of {memory} but {soc} has {limit} bytes ({limit // 1024} KiB):\n"
        + "\n".join(lines) + f"\n  total {total} > {limit}; {advice}", filename, at, kernel)


FIXPIPE_STAGING = "staging of std.fixpipe on 310P (L0C -> UB -> GM)"
ND2NZ_STAGING = 8 * 1024  # CANN 8.1 on 310P: the ND2NZ DataCopy stages through UB [TMP_UB_OFFSET, +8 KiB)


def fixpipe_staging_bytes(fn: func.FuncOp) -> int:
    """Bytes of the UB tensor that 310P's std.fixpipe stages L0C through: the largest L0C tile, converted."""
    need = 0
    for op in fn.walk():
        if isinstance(op, asc.CubeOp) and op.route is not None and op.fn.data == "fixpipe":
            shape = op.args[2].type.get_shape()  # type: ignore[attr-defined]
            elem = op.args[0].type.element_type  # type: ignore[attr-defined]
            nbytes = (elem.width.data if isinstance(elem, IntegerType) else elem.bitwidth) // 8
            need = max(need, shape[0] * shape[1] * nbytes)
    return need


def _cube_ub_rows(fn: func.FuncOp, soc: str) -> list[tuple[str, str, int, int, int, int | None]]:
    """What the cube path takes from the UB on 310P (coupled cores): Fixpipe staging and CANN's ND2NZ buffer."""
    if soc_family(soc) != "310P":
        return []
    rows: list[tuple[str, str, int, int, int, int | None]] = []
    for op in fn.walk():
        if isinstance(op, asc.CubeOp) and op.fn.data in ("fixpipe", "load_nz"):
            op.route = StringAttr("ub")
    first = {name: next((op for op in fn.walk() if isinstance(op, asc.CubeOp) and op.fn.data == name), None)
             for name in ("fixpipe", "load_nz")}
    staging = fixpipe_staging_bytes(fn)
    if staging:
        rows.append((FIXPIPE_STAGING, "-", 0, 1, staging, _where(first["fixpipe"])[1]))  # type: ignore[arg-type]
    if first["load_nz"] is not None:
        rows.append(("CANN 8.1's ND2NZ staging (std.load_nz on 310P: the top 8 KiB)", "-", 0, 1, ND2NZ_STAGING,
                     _where(first["load_nz"])[1]))
    return rows


def _plan_cube(fn: func.FuncOp, soc: str) -> None:
    """Cube tiles: their TPosition, the L1/L0A/L0B/L0C budgets, and what the SoC and kernel kind allow."""
    from ascendpy.toolchain.targets import get_target

    kernel = fn.sym_name.data
    family = soc_family(soc)
    kind = fn.attributes["ascend.kernel_kind"].data  # type: ignore[attr-defined]
    if kind == "mix" and family == "310P":
        raise _error(fn, f"@std.mix_kernel needs split cube and vector cores (910B: 1 AIC + 2 AIV per group); "
                         f"{soc} has coupled AI Cores, each with its own cube and vector unit, so there is no mix "
                         "mode: write an @std.cube_kernel (cube work) and an @std.aiv_kernel (vector work)", kernel)
    tiles = [op for op in fn.body.block.ops if isinstance(op, asc.CubeAllocOp)]
    for op in fn.walk():
        if isinstance(op, asc.CubeOp) and op.fn.data == "mmad":
            a, b = (asc.buffer_dtype(v) for v in op.args[1:3])
            families = cubeops.MMAD_TYPES[(a, b)][1]
            if family not in families:
                raise _error(op, f"Mmad on {a} x {b} is not available on {soc} (CANN 8.1 has it on "
                                 f"{'/'.join(families)} only); use f16 or i8 inputs", kernel)
        if isinstance(op, asc.CubeOp) and op.fn.data == "load_nz" and family == "310P" \
                and asc.buffer_dtype(op.args[0]) == "i8":
            raise _error(op, f"std.load_nz of i8 is not available on {soc}: CANN 8.1's ND2NZ DataCopy on 310P "
                             "takes 16- and 32-bit types only", kernel)
    # L1 tiles that only feed L0B are B1, the others A1 (the position is informational: both are L1).
    # A tile filled by one move and then only read by the next pipe of the chain in the same block is a
    # double-buffered TQue on 910B (L1: MTE2 -> MTE1, L0A/L0B: MTE1 -> M), like VECIN in UB: its queue
    # carries the sync, and the next tile's load overlaps the work on this one.
    for t in tiles:
        role, uses = _cube_role(t) if family == "910B" else ("calc", [])
        t.role = StringAttr(role)
        if role == "que":
            _queue_steps(t.result, uses, filled_first=True)
    for t in tiles:
        mem = asc.cube_mem(t.result)
        assert mem is not None
        pos = cubeops.CUBE_MEMS[mem].position
        if mem == "l1":
            feeds = {u.operation.fn.data for u in t.result.uses
                     if isinstance(u.operation, asc.CubeOp) and u.index == 1 and u.operation.fn.data != "load_nz"}
            pos = "B1" if feeds and feeds <= {"load_l0b", "load_l0b_trans"} else "A1"
        t.position = StringAttr(pos)
    target = get_target(soc)
    for mem, spec in cubeops.CUBE_MEMS.items():
        mine = [t for t in tiles if asc.cube_mem(t.result) == mem]
        if not mine:
            continue
        sizes, lines = [], []
        for t in mine:
            elem = ELEMENT_TYPES[t.dtype.data]
            shape = t.result.type.get_shape()  # type: ignore[attr-defined]
            depth = QUEUE_DEPTH if t.role is not None and t.role.data == "que" else 1
            nbytes = shape[0] * shape[1] * elem.nbytes * depth
            line = _where(t)[1]
            padded = f", padded to {shape[0]} x {shape[1]}" if (shape[0], shape[1]) != (t.rows.value.data,
                                                                                          t.cols.value.data) else ""
            queued = f" x {depth} (double-buffered queue)" if depth > 1 else ""
            lines.append(f"  {t.buf_name.data}: {t.rows.value.data} x {t.cols.value.data} {elem.name} "
                         f"({spec.layout}{padded}){queued} = {nbytes} bytes" + (f" (line {line})" if line else ""))
            sizes.append((nbytes, line))
        _check_budget(spec.capacity_key, target.capacity(spec.capacity_key), sizes, lines,
                      list(mine), soc, kernel, "use smaller tiles")


def _queue_steps(buf: SSAValue, uses: list[Operation], *, filled_first: bool) -> None:
    """AllocTensor before the first use, FreeTensor after the last, and EnQue/DeQue between producer and
    consumer: after the first use when it fills the tensor (VECIN, cube tiles), before the last when the last
    drains it (VECOUT)."""
    def step(name: str) -> asc.QueOp:
        return asc.QueOp(operands=[buf], attributes={"step": StringAttr(name)})

    _insert_before(uses[0], step("alloc"))
    if filled_first:
        _insert_after(uses[0], step("pass"))
    else:
        _insert_before(uses[-1], step("pass"))
    _insert_after(uses[-1], step("free"))


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
    """One walk over a kernel (for a mix kernel: over one core side, skipping the other side's blocks).

    `core` decides which HardEvents exist ("aic"/"aiv" on 910B, None on 310P where all do); a hazard between
    two pipes with no HardEvent gets PipeBarrier<PIPE_ALL>. `side` is set for mix kernels: flags needed in code
    that both sides run are wrapped in a core-side block of their own.
    """

    def __init__(self, queues: set[SSAValue], core: str | None, side: str | None, gm: list[SSAValue]) -> None:
        self.queues = queues
        self.core = core
        self.side = side
        self.gm = gm  # the kernel's GM pointers: what a cross-core flag publishes
        self.in_side = False  # inside a core-side block of `side`
        self.breaks: list[list[State]] = []
        self.continues: list[list[State]] = []

    def place(self, op: Operation, sync: Operation) -> None:
        if self.side is not None and not self.in_side:
            sync = asc.CoreSideOp(attributes={"side": StringAttr(self.side)}, regions=[Region(Block([sync]))])
            sync.location = op.location
            sync.body.block.first_op.location = op.location  # type: ignore[union-attr]
        _insert_before(op, sync)

    def sync_op(self, p: str, q: str) -> Operation:
        """PipeBarrier<PIPE_P> for P == Q, else SetFlag/WaitFlag<P_Q>, or PipeBarrier<PIPE_ALL> where P_Q is missing."""
        if p == q:
            return asc.BarrierOp(attributes={"pipe": StringAttr(f"PIPE_{p}")})
        if cubeops.event_exists(p, q, self.core):
            return asc.FlagOp(attributes={"event": StringAttr(f"{p}_{q}")})
        where = f"on the {self.core.upper()} core" if self.core else "in CANN 8.1"
        return asc.BarrierOp(attributes={"pipe": StringAttr("PIPE_ALL"), "note": StringAttr(
            f"{p} -> {q}: HardEvent::{p}_{q} does not exist {where}, so every pipe drains")})

    def block(self, block: Block, state: State, emit: bool) -> State:
        for op in list(block.ops):
            state = self.op(op, state, emit)
        return state

    def op(self, op: Operation, state: State, emit: bool) -> State:  # noqa: C901
        if isinstance(op, asc.ForOp | asc.LoopOp):
            return self.loop(op.body.block, state, emit)
        if isinstance(op, asc.CoreSideOp):
            if op.side.data != self.side:
                return state  # the other core type runs it
            saved, self.in_side = self.in_side, True
            try:
                return self.block(op.body.block, state, emit)
            finally:
                self.in_side = saved
        if isinstance(op, asc.CrossCoreOp):
            if op.kind.data == "set":
                # The flag tells the other side that this side's GM accesses so far are done: CrossCoreSetFlag
                # runs on one pipe, so every other pipe with pending GM accesses is ordered before it first.
                assert self.side is not None
                q = cubeops.PUBLISH_PIPE[self.side]
                op.pipe = StringAttr(q)
                need = sorted({p for (res, p, _), synced in state.items() if res in self.gm and p != q
                               and q not in synced})
                for p in need:
                    if emit:
                        self.place(op, self.sync_op(p, q))
                    state = {k: (v | {q} if k[1] == p or p in v else v) for k, v in state.items()}
            return state
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
        if isinstance(op, asc.CrossBlockOp):
            # SyncAll starts with PipeBarrier<PIPE_ALL> (both forms, dav_c220 / dav_m200). The atomic switch is a
            # scalar register write that each DMA samples when it is issued (CANN's DataCopyWithReduce relies on
            # it: SetAtomicAdd, DataCopy, SetAtomicNone with nothing between): program order is the ordering.
            return {} if op.kind.data == "sync_all" else state
        if isinstance(op, asc.QueOp):
            chain = _CHAIN.get(asc.cube_mem(op.buf) or "")
            if chain is not None and op.step.data == "pass":
                # EnQue right after the producer, DeQue before the consumer: the consumer pipe now waits for
                # everything the producer pipe did, as after SetFlag/WaitFlag. (AllocTensor only waits for the
                # FreeTensor of its own slot, two tiles back: no such claim for it.)
                p, q = chain
                state = {k: (v | {q} if k[1] == p or p in v else v) for k, v in state.items()}
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
                sync = self.sync_op(p, q)
                if emit:
                    self.place(op, sync)
                if isinstance(sync, asc.BarrierOp) and sync.pipe.data == "PIPE_ALL":
                    state = {k: frozenset(SYNC_ALL) for k in state}
                    continue
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


SYNC_ALL = ("S", "V", "MTE1", "MTE2", "MTE3", "M", "FIX")  # every pipe: what PipeBarrier<PIPE_ALL> orders


def insert_sync(fn: func.FuncOp, soc: str = "Ascend910B3") -> None:
    queues = {op.result for op in fn.body.block.ops
              if isinstance(op, asc.UbAllocOp | asc.CubeAllocOp) and op.role is not None and op.role.data != "calc"}
    gm = [a for a in fn.body.block.args if isinstance(a.type, MemRefType)]
    if fn.attributes["ascend.kernel_kind"].data == "mix":  # type: ignore[attr-defined]
        for side in ("aic", "aiv"):  # each core type runs the common code and its own blocks
            _Sync(queues, None if soc_family(soc) == "310P" else side, side, gm).block(fn.body.block, {}, True)
    else:
        _Sync(queues, _core(fn, soc), None, gm).block(fn.body.block, {}, True)


def run_passes(module: ModuleOp, soc: str) -> None:
    for fn in module.ops:
        if isinstance(fn, func.FuncOp):
            plan_buffers(fn, soc)
            insert_sync(fn, soc)
