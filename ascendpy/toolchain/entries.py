"""Find the kernel entry points of an AscendC translation unit.

An entry is `extern "C" __global__ __aicore__ void NAME(PARAMS)` (the qualifiers
in either order, optionally `__vector__`/`__cube__`/`__mix__(...)`). The simulator
target needs each entry's parameter types to unpack the launch arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
        entries.append(Entry(name, tuple(params), line))
    return entries
