"""The cube intrinsics of `ascendpy.std`: memories, layouts, ops, type combinations and per-SoC gaps.

One table, read by the frontend (argument checking), the passes (pipes, which
operands an op reads and writes, budgets, what a SoC lacks) and codegen (the
AscendC call). Facts are from the CANN 8.1 headers: `MmadCal` in
impl/dav_c220 and impl/dav_m200 kernel_operator_mm_impl.h (the type tuples),
`CheckFixpipeL0C2GMParam` in dav_c220/kernel_operator_fixpipe_v2_impl.h (the
Fixpipe conversions and their QuantMode_t), kernel_struct_mm.h /
kernel_struct_data_copy.h / kernel_struct_fixpipe.h (the parameter structs).
"""

from __future__ import annotations

from dataclasses import dataclass

from ascendpy.std import intrinsics as intr

# ---------------------------------------------------------------- memories
FRACTAL_ROWS = 16  # a fractal is 16 rows of C0 elements (one 32-byte block per row): 512 bytes


def c0(nbytes: int) -> int:
    """Elements per 32-byte block: the fractal width (16 for f16/bf16, 32 for i8, 8 for f32/i32)."""
    return 32 // nbytes


@dataclass(frozen=True)
class CubeMem:
    """An on-chip memory of the cube data path and how a 2-D tile is laid out in it."""

    name: str  # device-language name: "l1", "l0a", "l0b", "l0c"
    capacity_key: str  # Target.capacity(...) key
    position: str  # AscendC TPosition of its TBuf (L1: A1, or B1 when it only feeds L0B)
    layout: str  # fractal layout (docs)
    dims: tuple[str, str]  # names of the two dimensions, for messages
    pad: tuple[str, str]  # what each dimension is padded to: "16" or "c0"
    dtypes: tuple[str, ...]
    alloc: object  # the std marker

    def padded(self, rows: int, cols: int, nbytes: int) -> tuple[int, int]:
        def up(n: int, how: str) -> int:
            q = FRACTAL_ROWS if how == "16" else c0(nbytes)
            return -(-n // q) * q
        return up(rows, self.pad[0]), up(cols, self.pad[1])


CUBE_IN = ("f16", "bf16", "f32", "i8")
CUBE_MEMS: dict[str, CubeMem] = {
    "l1": CubeMem("l1", "L1", "A1", "NZ", ("rows", "cols"), ("16", "c0"), CUBE_IN, intr.l1_alloc),
    "l0a": CubeMem("l0a", "L0A", "A2", "Zz", ("m", "k"), ("16", "c0"), CUBE_IN, intr.l0a_alloc),
    "l0b": CubeMem("l0b", "L0B", "B2", "Zn", ("k", "n"), ("c0", "16"), CUBE_IN, intr.l0b_alloc),
    "l0c": CubeMem("l0c", "L0C", "CO1", "Nz", ("m", "n"), ("16", "16"), ("f32", "i32"), intr.l0c_alloc),
}
ALLOCS = {m.alloc: m for m in CUBE_MEMS.values()}


# --------------------------------------------------------------------- ops
@dataclass(frozen=True)
class CubeSig:
    """One cube intrinsic: its AscendC call, the pipe that runs it, and which IR operands it reads/writes."""

    name: str  # std name
    cpp: str  # AscendC function (or the apy_ helper that wraps it)
    pipe: str  # S MTE1 MTE2 M FIX
    shape: str  # the argument list, for messages
    reads: tuple[int, ...]  # IR operand positions read (buffers or GM pointers)
    writes: tuple[int, ...]  # IR operand positions written
    mems: tuple[str | None, ...]  # the memory each buffer operand must be in ("gm" for a Ptr), by IR position
    optional: int = 0  # trailing arguments that may be left out


CUBE_OPS: dict[object, CubeSig] = {
    intr.load_nz: CubeSig("load_nz", "DataCopy", "MTE2", "(dst_l1, src_ptr, offset, rows, cols, ld)",
                          reads=(1,), writes=(0,), mems=("l1", "gm")),
    intr.load_l0a: CubeSig("load_l0a", "apy_load_l0a", "MTE1", "(dst_l0a, src_l1, row0, col0[, m, k])",
                           reads=(1,), writes=(0,), mems=("l0a", "l1"), optional=2),
    intr.load_l0b: CubeSig("load_l0b", "apy_load_l0b", "MTE1", "(dst_l0b, src_l1, row0, col0[, k, n])",
                           reads=(1,), writes=(0,), mems=("l0b", "l1"), optional=2),
    intr.load_l0b_trans: CubeSig("load_l0b_trans", "apy_load_l0b_trans", "MTE1",
                                 "(dst_l0b, src_l1, row0, col0[, k, n])",
                                 reads=(1,), writes=(0,), mems=("l0b", "l1"), optional=2),
    # Accumulating reads L0C too; the pass treats every Mmad as read + write of it (accumulate may be a runtime bool).
    intr.mmad: CubeSig("mmad", "Mmad", "M", "(dst_l0c, a_l0a, b_l0b, m, n, k, accumulate)",
                       reads=(0, 1, 2), writes=(0,), mems=("l0c", "l0a", "l0b")),
    intr.fixpipe: CubeSig("fixpipe", "apy_fixpipe", "FIX", "(dst_ptr, offset, src_l0c, rows, cols, ld, relu)",
                          reads=(2,), writes=(0,), mems=("gm", None, "l0c")),
}
BY_NAME: dict[str, CubeSig] = {s.name: s for s in CUBE_OPS.values()}

# Mmad element types (a, b) -> L0C type, with the SoC families that have them
# (dav_c220 MmadCal: int8/half/float/bfloat16 tuples; dav_m200: int8 and half only).
MMAD_TYPES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("f16", "f16"): ("f32", ("910B", "310P")),
    ("i8", "i8"): ("i32", ("910B", "310P")),
    ("bf16", "bf16"): ("f32", ("910B",)),
    ("f32", "f32"): ("f32", ("910B",)),
}

# Fixpipe L0C -> GM conversions (src, dst) -> QuantMode_t (910B CheckFixpipeL0C2GMParam; docs Fixpipe page).
FIXPIPE_QUANT: dict[tuple[str, str], str] = {
    ("f32", "f32"): "NoQuant",
    ("f32", "f16"): "F322F16",
    ("f32", "bf16"): "F322BF16",
    ("i32", "i32"): "NoQuant",
}
# LoadData 2-D with ifTranspose transposes 16 x 16 fractals: the B [K x N] route works for 16-bit types only
# (i8 and f32 need LoadDataWithTranspose on square blocks of two fractals, which ascendpy does not emit).
TRANSPOSE_TYPES = ("f16", "bf16")

# Cross-core flags: CrossCoreSetFlag<modeId, pipe>(flagId), modes 0/1/2 on 910B, flagId 0..15
# (docs 基础API/同步控制/核间同步/CrossCoreSetFlag). Mode 2 pairs the AIC with both AIVs of its group.
CROSS_CORE_MODE = 2
CROSS_CORE_FLAGS = range(16)
# Pipes CrossCoreSetFlag may name (not PIPE_S, not PIPE_ALL), and the pipe of each side that publishes data.
CROSS_CORE_PIPES = ("V", "M", "MTE1", "MTE2", "MTE3", "FIX")
PUBLISH_PIPE = {"aic": "FIX", "aiv": "MTE3"}

# HardEvent pairs CANN 8.1 defines (impl/kernel_event.h), and those valid on each 910B core
# (HardEventAic / HardEventAiv). A hazard between pipes with no event gets PipeBarrier<PIPE_ALL>.
HARD_EVENTS = frozenset(
    "MTE2_MTE1 MTE1_MTE2 MTE1_M M_MTE1 MTE2_V V_MTE2 MTE3_V V_MTE3 M_V V_M V_V MTE3_MTE1 MTE1_MTE3 MTE1_V "
    "MTE2_M M_MTE2 V_MTE1 M_FIX FIX_M MTE3_MTE2 MTE2_MTE3 S_V V_S S_MTE2 MTE2_S S_MTE3 MTE3_S MTE2_FIX FIX_MTE2 "
    "FIX_S M_S FIX_MTE3 MTE1_FIX FIX_MTE1 FIX_FIX".split())
AIC_EVENTS = frozenset(
    "MTE2_MTE1 MTE1_MTE2 MTE1_M M_MTE1 MTE3_MTE1 MTE1_MTE3 MTE2_M M_MTE2 M_FIX FIX_M MTE3_MTE2 MTE2_MTE3 S_MTE2 "
    "MTE2_S S_MTE3 MTE3_S MTE2_FIX FIX_MTE2 FIX_S M_S FIX_MTE3 MTE1_FIX FIX_MTE1 FIX_FIX".split())
AIV_EVENTS = frozenset(
    "MTE2_V V_MTE2 MTE3_V V_MTE3 V_V MTE3_MTE2 MTE2_MTE3 S_V V_S S_MTE2 MTE2_S S_MTE3 MTE3_S".split())
CUBE_PIPES = frozenset({"MTE1", "M", "FIX"})  # pipes only the cube core has


def event_exists(src: str, dst: str, core: str | None) -> bool:
    """Whether SetFlag/WaitFlag<HardEvent::SRC_DST> exists (on `core` "aic"/"aiv" of a split 910B part)."""
    name = f"{src}_{dst}"
    if core == "aic":
        return name in AIC_EVENTS
    if core == "aiv":
        return name in AIV_EVENTS
    return name in HARD_EVENTS
