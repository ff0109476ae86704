"""Cross-block work in one launch: std.sync_all and the store atomics, the facts and the per-SoC checks.

Sources (CANN 8.1): basic_api/interface/kernel_operator_common_intf.h (SyncAll, both forms) and
kernel_operator_set_atomic_intf.h; the impls dav_c220 (910B) and dav_m200 (310P) of kernel_operator_sync_impl.h
and kernel_operator_set_atomic_impl.h.

- The hardware `SyncAll()` exists on 910B only (dav_m200 reports "Hardware SyncAll" unsupported). dav_c220
  builds it from cross-core flags, so a vector kernel that calls it is compiled as KERNEL_TYPE_MIX_AIV_1_0
  (`__mix__(0, 1)`, as CANN's SyncAll documentation requires: an AIV-only kernel has no cross-core scheduler).
- The software `SyncAll(gmWorkspace, ubWorkspace)` exists on both; the compiler gives it a UB workspace of
  32 bytes per core of the target (a SyncAll launch may not have more blocks than cores).
- SetAtomicAdd: 910B half, float, int16_t, int32_t, int8_t, bfloat16_t; 310P float, half, int16_t.
  SetAtomicMax / SetAtomicMin: 910B only, the same six types.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import IntegerAttr

from ascendpy.compiler import dialect as asc
from ascendpy.compiler.vecops import soc_family
from ascendpy.errors import CompileError

_B910 = ("f16", "f32", "i16", "i32", "i8", "bf16")
ATOMIC_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "910B": {"atomic_add": _B910, "atomic_max": _B910, "atomic_min": _B910},
    "310P": {"atomic_add": ("f32", "f16", "i16")},
}
ATOMIC_CPP = {"atomic_add": "SetAtomicAdd", "atomic_max": "SetAtomicMax", "atomic_min": "SetAtomicMin"}
SOFT_SYNC_UB = "apy_sync_ub"  # the software SyncAll's UB workspace tensor in generated code


def hard_sync_all(fn: func.FuncOp) -> bool:
    """Whether `fn` calls the hardware SyncAll (std.sync_all() without a workspace): it is then a mix 1:0 kernel."""
    return any(isinstance(op, asc.CrossBlockOp) and op.kind.data == "sync_all" and not op.args for op in fn.walk())


def ub_rows(fn: func.FuncOp, soc: str) -> list[tuple[str, str, int, int, int, int | None]]:
    """Check what the SoC has; size the software SyncAll's UB workspace (its row in the UB budget)."""
    from ascendpy.toolchain.targets import get_target

    family = soc_family(soc)
    kernel = fn.sym_name.data
    target = get_target(soc)
    rows: list[tuple[str, str, int, int, int, int | None]] = []
    for op in fn.walk():
        if not isinstance(op, asc.CrossBlockOp):
            continue
        loc = op.location
        filename, line = (loc.filename.data, loc.line.data) if hasattr(loc, "filename") else (None, None)  # type: ignore[attr-defined]
        kind = op.kind.data
        if kind in ATOMIC_CPP:
            assert op.dtype is not None
            have = ATOMIC_TYPES[family].get(kind, ())
            if op.dtype.data not in have:
                offer = (f"it has {ATOMIC_CPP[kind]} on {', '.join(have)}" if have else
                         f"it has no {ATOMIC_CPP[kind]} (310P's store atomics only add)")
                raise CompileError(f"std.set_{kind}({op.dtype.data}) is not available on {soc}: CANN 8.1's "
                                   f"{ATOMIC_CPP[kind]}<T> there takes other types; {offer}", filename, line, kernel)
        if kind == "sync_all" and not op.args and family == "310P":
            raise CompileError(f"std.sync_all() is the hardware SyncAll, which {soc} does not have (CANN 8.1's "
                               "dav_m200 reports it unsupported); use the software SyncAll, std.sync_all(workspace), "
                               "with a Ptr[i32] workspace of 8 * block_dim elements that is zero before the launch",
                               filename, line, kernel)
        if kind == "sync_all" and op.args:
            cores = target.ai_cores if family == "310P" else target.vector_cores
            assert cores is not None
            op.ub_bytes = IntegerAttr(cores * 32, 32)
            if not rows:
                rows.append((f"workspace of std.sync_all(workspace) ({cores} cores x 32 bytes)", "-", 0, 1,
                             cores * 32, line))
    return rows
