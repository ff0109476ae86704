"""Find the kernel entry points of an AscendC translation unit.

An entry is `extern "C" __global__ __aicore__ void NAME(PARAMS)` (the qualifiers
in either order, optionally `__vector__`/`__cube__`/`__mix__(...)`). The simulator
target needs each entry's parameter types to unpack the launch arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ascendpy.errors import CompileError
from ascendpy.toolchain.cppsource import blank_comments, split_top_level

_QUALS = r'extern\s+"C"\s+((?:(?:__global__|__aicore__|__vector__|__cube__|__mix__\s*\([^)]*\))\s+)+)void\s+'
_ENTRY = re.compile(_QUALS + r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", re.A)
_ANY_ENTRY = re.compile(_QUALS + r"([^\s(]+)\s*\(")  # whatever stands where the name should be
# `#define KERNEL extern "C" __global__ __aicore__`: an object-like macro spelling the entry qualifiers.
_QUAL_MACRO = re.compile(r'^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(extern[ \t]+"C"[^\n]*?)[ \t]*$', re.M)

# The launch ABI takes at most this many kernel parameters (aclrtKernelArgsAppend; reference 5.5).
MAX_PARAMS = 128

_SCALARS = {
    "uint8_t": "u8", "int8_t": "i8", "uint16_t": "u16", "int16_t": "i16", "uint32_t": "u32",
    "int32_t": "i32", "uint64_t": "u64", "int64_t": "i64", "half": "f16", "float": "f32",
    "bfloat16_t": "bf16", "double": "f64", "bool": "bool", "int": "i32", "unsigned int": "u32",
    "unsigned": "u32", "size_t": "u64", "char": "i8",
}


@dataclass(frozen=True)
class Param:
    name: str
    ctype: str  # as written, e.g. "GM_ADDR", "__gm__ float*", "uint32_t"
    kind: str  # "ptr" (any global-memory pointer), "scalar", or "struct"
    dtype: str | None  # u8..f32 for scalars; element type for typed pointers; None for GM_ADDR

    def to_json(self) -> dict[str, str | None]:
        return {"name": self.name, "ctype": self.ctype, "kind": self.kind, "dtype": self.dtype}


@dataclass(frozen=True)
class Entry:
    name: str
    params: tuple[Param, ...]
    line: int
    kernel_type: str | None = None  # what the entry itself declares (see declared_kernel_type); None: nothing
    sync_all: bool = False  # it may call SyncAll (see sync_all_entries): its blocks must all run at once


# KernelMetaType of CANN 8.1 (impl/utils/kernel_utils_macros.h), in enum order: the value is the index. The
# first six are the split-core (910B) types; the last four are 310P's (coupled), which 910B ignores.
KERNEL_TYPES = ("KERNEL_TYPE_AIV_ONLY", "KERNEL_TYPE_AIC_ONLY", "KERNEL_TYPE_MIX_AIV_1_0", "KERNEL_TYPE_MIX_AIC_1_0",
                "KERNEL_TYPE_MIX_AIC_1_1", "KERNEL_TYPE_MIX_AIC_1_2", "KERNEL_TYPE_AICORE", "KERNEL_TYPE_VECTORCORE",
                "KERNEL_TYPE_MIX_AICORE", "KERNEL_TYPE_MIX_VECTOR_CORE")
SPLIT_KERNEL_TYPES = KERNEL_TYPES[:6]
# __mix__(cube, vec): the ratios asc-devkit's SIMD-BuiltIn关键字.md allows, and the kernel type each means.
MIX_RATIOS = {(1, 0): "KERNEL_TYPE_MIX_AIC_1_0", (0, 1): "KERNEL_TYPE_MIX_AIV_1_0", (1, 1): "KERNEL_TYPE_MIX_AIC_1_1",
              (1, 2): "KERNEL_TYPE_MIX_AIC_1_2"}
# The toolchain's core kind ("aiv" | "aic" | "mix", bisheng's --cce-aicore-arch) of each kernel type, and the type
# an entry that declares nothing gets from the unit's kind (detect_core, or CompileConfig.core).
KIND_OF_TYPE = {"KERNEL_TYPE_AIV_ONLY": "aiv", "KERNEL_TYPE_AIC_ONLY": "aic"}
TYPE_OF_KIND = {"aiv": "KERNEL_TYPE_AIV_ONLY", "aic": "KERNEL_TYPE_AIC_ONLY", "mix": "KERNEL_TYPE_MIX_AIC_1_2"}


def kind_of(kernel_type: str) -> str:
    """"aiv", "aic" or "mix" for a KernelMetaType name (every KERNEL_TYPE_MIX_* is "mix")."""
    return KIND_OF_TYPE.get(kernel_type, "mix" if kernel_type.startswith("KERNEL_TYPE_MIX_AI") else "aiv")


_SIDE_QUAL = re.compile(r"\b(__vector__|__cube__)\b|\b__mix__\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)")
_TASK_TYPE = re.compile(r"\bKERNEL_TASK_TYPE_DEFAULT\s*\(\s*(\w+)\s*\)")


def declared_kernel_type(qualifiers: str, body: str, name: str, line: int,
                         source_name: str | None = None) -> str | None:
    """The kernel type an entry declares: its `__vector__`/`__cube__`/`__mix__(c, v)` qualifier, else the
    `KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_...)` statement in its body (reference 1.1); None if neither."""
    m = _SIDE_QUAL.search(qualifiers)
    if m:
        if m.group(1):
            return "KERNEL_TYPE_AIV_ONLY" if m.group(1) == "__vector__" else "KERNEL_TYPE_AIC_ONLY"
        ratio = (int(m.group(2)), int(m.group(3)))
        if ratio not in MIX_RATIOS:
            raise CompileError(f"kernel '{name}' is declared __mix__{ratio}: the cube:vector ratios are (1, 0), "
                               "(0, 1), (1, 1) and (1, 2)", source_name, line, name)
        return MIX_RATIOS[ratio]
    found = {t.group(1) for t in _TASK_TYPE.finditer(body)}
    if len(found) > 1:
        raise CompileError(f"kernel '{name}' has KERNEL_TASK_TYPE_DEFAULT with {', '.join(sorted(found))}: give the "
                           "kernel one type", source_name, line, name)
    if not found:
        return None
    kernel_type = found.pop()
    if kernel_type not in KERNEL_TYPES:
        raise CompileError(f"KERNEL_TASK_TYPE_DEFAULT({kernel_type}) in kernel '{name}': not a KernelMetaType; the "
                           f"910B ones are {', '.join(SPLIT_KERNEL_TYPES)}", source_name, line, name)
    return kernel_type


def _body(clean: str, start: int) -> str:
    """The brace-balanced body following offset `start` (just after an entry's parameter list), or ""."""
    i = start
    while i < len(clean) and clean[i] not in "{;":
        i += 1
    if i >= len(clean) or clean[i] == ";":
        return ""  # a declaration
    depth, j = 0, i
    while j < len(clean):
        depth += {"{": 1, "}": -1}.get(clean[j], 0)
        j += 1
        if depth == 0:
            break
    return clean[i:j]


def strip_comments(src: str) -> str:
    """Blank out comments and string literals' contents, keeping offsets and newlines (and `"C"`).

    One implementation with the validator's: cppsource.blank_comments.
    """
    return blank_comments(src)


def _param(text: str, kernel: str, line: int, source_name: str | None = None) -> Param:
    m = re.match(r"^(.*?)([A-Za-z_]\w*)\s*$", text, re.S)
    if not m or not m.group(1).strip():
        raise CompileError(f"cannot read parameter `{text}` of kernel '{kernel}'; write `TYPE NAME`",
                           source_name, line, kernel)
    ctype = " ".join(m.group(1).split())
    name = m.group(2)
    bare = " ".join(t for t in ctype.replace("*", " * ").split()
                    if t not in ("__gm__", "const", "volatile", "__restrict__", "__restrict"))
    if ctype == "GM_ADDR" or bare.endswith("*"):
        elem = bare.rstrip("* ").strip()
        dtype = _SCALARS.get(elem) if elem not in ("uint8_t",) or "GM_ADDR" not in ctype else None
        if ctype == "GM_ADDR":
            dtype = None
        return Param(name, ctype, "ptr", dtype)
    if bare in _SCALARS:
        return Param(name, ctype, "scalar", _SCALARS[bare])
    return Param(name, ctype, "struct", None)


def _expand_qualifier_macros(clean: str) -> str:
    """Spell out object-like macros whose body is entry qualifiers (`KERNEL void add(...)`); no newlines move."""
    for m in _QUAL_MACRO.finditer(clean):
        name, body = m.group(1), " ".join(m.group(2).split())
        if "__global__" not in body:
            continue
        lines = clean.split("\n")
        clean = "\n".join(line if re.match(r"\s*#", line) else re.sub(rf"\b{name}\b", body, line)
                          for line in lines)
    return clean


def find_entries(source: str, source_name: str | None = None) -> list[Entry]:
    """Every kernel entry, in order. An entry the finder cannot read is a CompileError at its line, never dropped."""
    clean = _expand_qualifier_macros(strip_comments(source))
    for m in _ANY_ENTRY.finditer(clean):
        name = m.group(2)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise CompileError(f"cannot read the kernel entry '{name}': its name is not an ASCII C identifier, and "
                               "entries are launched by their C symbol name; rename it with ASCII letters, digits "
                               "and underscores", source_name, clean.count("\n", 0, m.start()) + 1, name)
    entries = []
    bodies: list[tuple[int, int]] = []
    for m in _ENTRY.finditer(clean):
        name = m.group(2)
        start = m.end()
        depth, j = 1, start
        while j < len(clean) and depth:
            depth += {"(": 1, ")": -1}.get(clean[j], 0)
            j += 1
        line = clean.count("\n", 0, m.start()) + 1
        body = clean[start:j - 1].strip()
        params = [] if body in ("", "void") else [_param(p, name, line, source_name) for p in split_top_level(body)]
        if len(params) > MAX_PARAMS:
            raise CompileError(f"kernel '{name}' has {len(params)} parameters, more than the {MAX_PARAMS} the launch "
                               "ABI takes (aclrtKernelArgsAppend); pass related values together through one GM "
                               "buffer (a tiling struct or array)", source_name, line, name)
        # A qualifier may also stand before `extern "C"` (`__mix__(1, 2) extern "C" __global__ ...`).
        stmt = max(clean.rfind(c, 0, m.start()) for c in ";}{")
        quals = clean[stmt + 1:m.start()] + " " + m.group(1)
        body_text = _body(clean, j)
        kernel_type = declared_kernel_type(quals, body_text, name, line, source_name)
        entries.append(Entry(name, tuple(params), line, kernel_type, bool(_SYNC_ALL.search(body_text))))
        bodies.append((j, j + len(body_text)))
    return sync_all_entries(clean, entries, bodies)


_SYNC_ALL = re.compile(r"\bSyncAll\b")


def sync_all_entries(clean: str, found: list[Entry], bodies: list[tuple[int, int]]) -> list[Entry]:
    """Mark the entries that may call SyncAll: those whose body names it, or every entry when the unit names it
    outside the entry bodies (in a helper or class the finder cannot attribute to one entry).

    The simulator runs the blocks of such a launch all at once, and refuses more blocks than the SoC has cores for.
    """
    outside = clean
    for start, end in bodies:
        outside = outside[:start] + " " * (end - start) + outside[end:]
    if _SYNC_ALL.search(outside):
        return [replace(e, sync_all=True) for e in found]
    return found
