"""Compilation targets. `sim` builds for the host and runs on the CPU simulator."""

from __future__ import annotations

from ascendpy.errors import ToolchainError

# SoCs whose limits the simulator can enforce (reference/ascend-apis.md section 2).
SIM_SOCS = (
    "Ascend310P1", "Ascend310P3", "Ascend910B1", "Ascend910B2", "Ascend910B2C", "Ascend910B3",
    "Ascend910B4", "Ascend910_9392",
)
ALIASES = {"310P": "Ascend310P3", "910B": "Ascend910B3"}
DEFAULT_SIM_SOC = "Ascend910B3"


def resolve_soc(name: str | None) -> str:
    if name is None:
        return DEFAULT_SIM_SOC
    name = ALIASES.get(name, name)
    for soc in SIM_SOCS:
        if soc.lower() == name.lower():
            return soc
    raise ToolchainError(f"unknown SoC '{name}'; valid: {', '.join(SIM_SOCS)} (aliases: "
                         f"{', '.join(f'{k}={v}' for k, v in ALIASES.items())})")


def sim_defines(soc: str) -> list[str]:
    """The architecture macros kernels test, as CANN's CPU debug build sets them."""
    if soc.startswith("Ascend310P"):
        return ["-D__CCE_AICORE__=200", "-D__DAV_M200__", "-D__NPU_ARCH__=2002"]
    return ["-D__CCE_AICORE__=220", "-D__DAV_C220__", "-D__NPU_ARCH__=2201"]
