"""The Ascend targets: names, architecture strings, core counts and on-chip capacities.

Sources: reference/ascend-apis.md section 2 (CANN 8.1.RC1 platform_config/*.ini) for 310P, 910B and
910_93. Ascend310B1-B4: architecture dav-m300 from CANN's bisheng_intf.cmake (m300_intf_pub; ascend-rs
has "dav-m200i") and sizes and core counts from bishengir's NPUTargetSpec.td (AscendNPU-IR), since the
reference has no .ini for them. Ascend310: ascend-rs `target.rs` (reference/ascend-rs-book.md 6.2);
CANN's cmake lists no AscendC build for it, and its core counts are unknown (None). Architecture
strings: `--cce-aicore-arch` (CANN 8.x flag style) and `--npu-arch` (the 8.5+/9.x style, reference
section 3.3); a target without an `npu_arch` can only be compiled with the cce style.

The `sim` target compiles for the host and runs on the CPU simulator, which enforces one SoC's limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ascendpy.errors import ToolchainError

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class Target:
    name: str  # canonical SoC version, e.g. "Ascend910B3"
    family: str  # "310", "310B", "310P", "910B" (910_93 parts are 910B-family: same cores)
    cce_arch: str  # --cce-aicore-arch of the whole core (910B: the mix of cube and vector)
    cce_arch_split: tuple[str, str] | None  # (vector, cube) arch of split-core parts (910B: -vec, -cube)
    npu_arch: str | None  # --npu-arch, None where the reference gives none
    cce_aicore: int | None  # the __CCE_AICORE__ value kernels test
    npu_arch_macro: int | None  # the __NPU_ARCH__ value
    ai_cores: int | None
    vector_cores: int | None
    ub: int
    l1: int
    l0a: int
    l0b: int
    l0c: int
    explicit_sync: bool  # unsynchronised DMA -> vector is an error, not a warning (ascend-rs rule)
    data_copy_pad: bool  # DataCopyPad exists ("910B only", reference 1.6)
    bf16: bool | None  # bfloat16_t exists; None: the reference does not say
    source: str = field(default="ascend-apis.md section 2", compare=False)
    # CANN 8.1 data/platform_config/<SoC>.ini: [AICoreSpec] cube_freq (MHz), [AICoreMemoryRates] ddr_rate
    # (bytes per cycle per AI core, main memory); None where the reference has no .ini
    cube_mhz: int | None = None
    ddr_rate: int | None = None

    @property
    def hbm_bandwidth(self) -> float | None:
        """Main-memory (HBM / DDR) bandwidth in bytes/s as CANN's platform model has it: ddr_rate x cube_freq x
        AI cores (910B3: 32 B x 1.8 GHz x 20 = 1.15 TB/s). The bound for a bandwidth-limited kernel."""
        if self.ddr_rate is None or self.cube_mhz is None or self.ai_cores is None:
            return None
        return float(self.ddr_rate) * self.cube_mhz * 1e6 * self.ai_cores

    @property
    def sim_capable(self) -> bool:
        """The simulator models 310P and 910B-family cores."""
        return self.family in ("310P", "910B")

    @property
    def soc_version_lower(self) -> str:
        return self.name.lower()

    def arch(self, core: str = "aiv") -> str:
        """--cce-aicore-arch for a kernel of `core` type: "aiv" (vector only), "aic" (cube only) or "mix".

        Coupled cores (310 family) have one architecture for all three (reference section 1.1).
        """
        if core not in ("aiv", "aic", "mix"):
            raise ToolchainError(f"unknown core type '{core}'; valid: aiv, aic, mix")
        if self.cce_arch_split is None or core == "mix":
            return self.cce_arch
        return self.cce_arch_split[0] if core == "aiv" else self.cce_arch_split[1]

    def capacity(self, position: str) -> int:
        """Bytes of the on-chip memory behind a TPosition (VECIN/VECOUT/VECCALC -> UB, A1/B1 -> L1, ...)."""
        return {"UB": self.ub, "L1": self.l1, "L0A": self.l0a, "L0B": self.l0b, "L0C": self.l0c}[position]

    def to_json(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "source"} | {"source": self.source}


def _p310(name: str, ai: int, vec: int) -> Target:
    return Target(name, "310P", "dav-m200", None, "dav-2002", 200, 2002, ai, vec, 256 * KiB, 1 * MiB, 64 * KiB,
                  64 * KiB, 256 * KiB, explicit_sync=True, data_copy_pad=False, bf16=False, cube_mhz=1060,
                  ddr_rate=17)


def _b910(name: str, ai: int, vec: int, mhz: int) -> Target:
    return Target(name, "910B", "dav-c220", ("dav-c220-vec", "dav-c220-cube"), "dav-2201", 220, 2201, ai, vec,
                  192 * KiB, 512 * KiB, 64 * KiB, 64 * KiB, 128 * KiB, explicit_sync=False, data_copy_pad=True,
                  bf16=True, cube_mhz=mhz, ddr_rate=32)


_RS = "ascend-rs target.rs (ascend-rs-book.md section 6.2); no platform .ini in the reference"
_310B = dict(family="310B", cce_arch="dav-m300", cce_arch_split=None, npu_arch=None, cce_aicore=300,
             npu_arch_macro=3002, ai_cores=1, vector_cores=1, ub=256 * KiB, l1=1 * MiB, l0a=64 * KiB,
             l0b=64 * KiB, l0c=128 * KiB, explicit_sync=True, data_copy_pad=False, bf16=None,
             source="CANN bisheng_intf.cmake (arch), bishengir NPUTargetSpec.td (sizes, cores)")

TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("Ascend310", "310", "dav-c100", None, None, None, None, None, None, 192 * KiB, 512 * KiB, 64 * KiB,
           64 * KiB, 128 * KiB, explicit_sync=True, data_copy_pad=False, bf16=None, source=_RS),
    *(Target(f"Ascend310B{i}", **_310B) for i in range(1, 5)),
    _p310("Ascend310P1", 10, 8),
    _p310("Ascend310P3", 8, 7),
    _b910("Ascend910B1", 24, 48, 1850),
    _b910("Ascend910B2", 24, 48, 1800),
    _b910("Ascend910B2C", 24, 48, 1800),
    _b910("Ascend910B3", 20, 40, 1800),
    _b910("Ascend910B4", 20, 40, 1500),
    _b910("Ascend910_9392", 24, 48, 1850),
]}

# Short names. ascend-rs maps "Ascend310P" to 310P1; ascendpy's "310P" means the common 310P3 card.
ALIASES = {
    "310": "Ascend310", "310B": "Ascend310B1", "Ascend310B": "Ascend310B1", "310P": "Ascend310P3",
    "Ascend310P": "Ascend310P1", "910B": "Ascend910B3", "910_93": "Ascend910_9392",
}
DEFAULT_SOC = "Ascend910B3"
DEFAULT_SIM_SOC = DEFAULT_SOC
SIM_SOCS = tuple(n for n, t in TARGETS.items() if t.sim_capable)


def _valid_names() -> str:
    return (f"{', '.join(TARGETS)} (aliases: {', '.join(f'{k}={v}' for k, v in ALIASES.items())}; "
            "case does not matter)")


def get_target(name: str | None) -> Target:
    """The Target for a SoC name or alias (case-insensitive); None means the default, Ascend910B3."""
    if name is None:
        return TARGETS[DEFAULT_SOC]
    wanted = name.strip()
    for alias, canonical in ALIASES.items():
        if alias.lower() == wanted.lower():
            return TARGETS[canonical]
    for canonical, target in TARGETS.items():
        if canonical.lower() == wanted.lower():
            return target
    raise ToolchainError(f"unknown SoC '{name}'; valid: {_valid_names()}")


def resolve_soc(name: str | None) -> str:
    """The canonical name of a SoC the simulator can model (the default when None)."""
    target = get_target(name)
    if not target.sim_capable:
        raise ToolchainError(f"ascendpy kernels and the simulator support 310P and 910B SoCs, not {target.name}; "
                             f"choose one of {', '.join(SIM_SOCS)}")
    return target.name


def sim_defines(soc: str) -> list[str]:
    """The architecture macros kernels test, as CANN's CPU debug build sets them."""
    t = get_target(soc)
    dav = "-D__DAV_M200__" if t.family == "310P" else "-D__DAV_C220__"
    return [f"-D__CCE_AICORE__={t.cce_aicore}", dav, f"-D__NPU_ARCH__={t.npu_arch_macro}"]
