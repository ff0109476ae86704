"""Validate AscendC C++ from any generator before bisheng sees it: entries, on-chip budget, sync order, DMA sizes.

ascend-rs's `ascend_compile` validator (reference/ascend-rs-book.md 6.3) scans text: one barrier anywhere
satisfies its sync check, symbolic InitBuffer sizes are skipped and buffers are never summed. This one
parses the C++ with tree-sitter, evaluates the preprocessor for the target, and follows each kernel in
program order (into member functions and `__aicore__` helpers, loops twice, both sides of an `if`),
tracking which pipe last wrote each LocalTensor and which orderings (PipeBarrier<PIPE_ALL>,
SetFlag/WaitFlag, TQue EnQue/DeQue, bisheng's scalar auto-sync) the later reader is behind. The
pipe and position rules are the simulator's (ascendpy/sim/include/ascendpy_sim/{tpipe,race}.h), so the
validator and the simulator agree. The cube unit is followed the same way, from each buffer's
TPosition: GM -> A1/B1 on MTE2 (DataCopy, Nd2NzParams), L1 -> A2/B2 on MTE1 (LoadData), A2/B2 -> CO1
on M (Mmad), CO1 -> GM on FIX (Fixpipe, 910B) or CO1 -> CO2 in UB on the vector pipe (310P), with
the memories' operand alignment (L0A/L0B 512 bytes, L0C 64) and what CANN 8.1 lacks per SoC
(Fixpipe, cross-core flags and mix kernel types on 310P; half-accumulating Mmad on 910B).
When it cannot tell (an alias, an unknown call) it stays silent:
a false alarm on a correct kernel costs more than a missed report the simulator will catch.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ascendpy.toolchain import cppsource as cs
from ascendpy.toolchain.targets import Target, get_target


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error" | "warning"
    code: str  # stable id: see CODES
    message: str
    hint: str
    line: int | None  # 1-based line in the C++ text
    filename: str | None = None  # through #line (the Python file for generated kernels), else the source name
    mapped_line: int | None = None  # the line in `filename` when a #line directive applies

    def to_json(self) -> dict[str, object]:
        return {"severity": self.severity, "code": self.code, "message": self.message, "hint": self.hint,
                "line": self.line, "filename": self.filename, "mapped_line": self.mapped_line}

    def __str__(self) -> str:
        where = self.filename or "<source>"
        line = self.mapped_line if self.mapped_line is not None else self.line
        head = f"{where}:{line}" if line is not None else where
        return f"{head}: {self.severity}: {self.message} [{self.code}]\n    hint: {self.hint}"


CODES = {
    "no-entry": "error",
    "entry-signature": "error (warning for an extern \"C\" __aicore__ function next to real entries)",
    "onchip-overflow": "error", "size-unknown": "warning",
    "unsynced-dma": "error on explicit-sync targets or without auto-sync, else warning",
    "unsynced-copy-out": "error on explicit-sync targets or without auto-sync, else warning",
    "dma-length": "error", "unsupported-api": "error", "unsupported-type": "error", "parse": "warning",
    "mask-placeholder": "warning",
    "unsynced-cube": "error on explicit-sync targets or without auto-sync, else warning",
    "misaligned-cube": "error",
}

_ENTRY_FORM = 'extern "C" __global__ __aicore__ void NAME(GM_ADDR x, GM_ADDR y, ...)'


def validate(source: str, target: Target | str | None = None, *, source_name: str = "kernel.cpp",
             auto_sync: bool = True, defines: Mapping[str, object] | Sequence[str] | None = None) -> list[Diagnostic]:
    """Every finding for `source` compiled for `target` (default Ascend910B3), errors and warnings, by line.

    `auto_sync=False` means bisheng runs without --cce-auto-sync, so missing syncs are errors on 910B too.
    `defines` are extra macros (`{"FIXED": 1}`, `["FIXED", "N=4"]`, or compiler flags of which the -D ones
    count), as -D options would set them.
    """
    tgt = target if isinstance(target, Target) else get_target(target)
    unit = _Unit(source, tgt, source_name, defines)
    diags = _Checker(unit, tgt, auto_sync).run()
    return sorted(diags, key=lambda d: (d.line if d.line is not None else 0, d.severity != "error", d.code))


def format_diagnostics(diags: list[Diagnostic]) -> str:
    """The findings one per paragraph, then a count line ("ok: no issues found" when there are none)."""
    if not diags:
        return "ok: no issues found"
    errors = sum(d.severity == "error" for d in diags)
    warnings = len(diags) - errors
    return "\n".join(str(d) for d in diags) + f"\n{errors} error(s), {warnings} warning(s)"


# ------------------------------------------------------------------------------------------------------------
# The translation unit: preprocessed text, tree, and an index of functions, classes and constants.

_POSITIONS = {"GM", "A1", "A2", "B1", "B2", "C1", "C2", "CO1", "CO2", "VECIN", "VECOUT", "VECCALC", "LCM", "SPM",
              "SHM", "TSCM", "C2PIPE2GM", "C2PIPE2LOCAL"}
_PIPES = ("S", "V", "M", "MTE1", "MTE2", "MTE3", "FIX")
_ALL = frozenset(_PIPES)
_PIPE_LABEL = {"V": "vector", "MTE2": "MTE2 (GM->UB DMA)", "MTE3": "MTE3 (UB->GM DMA)", "S": "scalar"}
_CUBE_LABEL = {"MTE2": "MTE2 (GM->L1 DMA)", "MTE1": "MTE1 (L1->L0A/L0B)", "M": "cube (M)", "FIX": "FIX (L0C->GM/L1)",
               "V": "vector", "MTE3": "MTE3"}
# CANN 8.1's `enum class HardEvent` (impl/kernel_event.h): a hint names a SetFlag/WaitFlag pair only if it exists.
_HARD_EVENTS = frozenset((
    "MTE2_MTE1 MTE1_MTE2 MTE1_M M_MTE1 MTE2_V V_MTE2 MTE3_V V_MTE3 M_V V_M V_V MTE3_MTE1 MTE1_MTE3 MTE1_V MTE2_M "
    "M_MTE2 V_MTE1 M_FIX FIX_M MTE3_MTE2 MTE2_MTE3 S_V V_S S_MTE2 MTE2_S S_MTE3 MTE3_S MTE2_FIX FIX_MTE2 FIX_S M_S "
    "FIX_MTE3 MTE1_FIX FIX_MTE1 FIX_FIX").split())
# Operand start alignment per cube memory (reference 1.9 and 2; asc-devkit 通用说明和约束.md table 2).
_CUBE_ALIGN = {"L1": 32, "L0A": 512, "L0B": 512, "L0C": 64}
# Mmad's (dst, fm, filter) element types, as CANN 8.1's MmadCal asserts them (impl/dav_c220 and dav_m200
# kernel_operator_mm_impl.h; int4b_t has no size the validator knows, so it is never judged).
_MMAD_TYPES = {
    "910B": {("int32_t", "int8_t", "int8_t"), ("float", "half", "half"), ("float", "float", "float"),
             ("float", "bfloat16_t", "bfloat16_t")},
    "310P": {("int32_t", "int8_t", "int8_t"), ("int32_t", "uint8_t", "int8_t"), ("int32_t", "uint8_t", "uint8_t"),
             ("half", "half", "half"), ("float", "half", "half")},
}
# LoadData with LoadData2DParams on 310P (dav_m200 CheckLoadData2DType).
_LOAD2D_TYPES_310P = ("uint8_t", "int8_t", "uint16_t", "int16_t", "half")


@dataclass
class _Param:
    name: str
    type_text: str
    default: Any  # node or None


@dataclass(eq=False)
class _Func:  # a function or method definition
    node: Any
    name: str
    cls: str | None
    params: list[_Param]
    tparams: list[str]
    body: Any
    line: int
    aicore: bool


@dataclass(eq=False)
class _Class:  # a class or struct: what objects of it hold, and its methods and static constants
    name: str  # the class name (constructors are named so)
    tparams: list[str]
    key: str = ""  # the index key: the name, or `Name<args>` for an explicit specialization
    fields: list[Any] = field(default_factory=list)
    methods: dict[str, list[_Func]] = field(default_factory=dict)
    consts: dict[str, tuple[Any, int]] = field(default_factory=dict)
    bases: list[str] = field(default_factory=list)


class _Unit:
    """One translation unit as bisheng would see it for the target: preprocessed, parsed and indexed (functions,
    classes with their members and constants, namespace constants, type aliases)."""

    def __init__(self, source: str, target: Target, source_name: str,
                 defines: Mapping[str, object] | Sequence[str] | None) -> None:
        self.source_name = source_name
        self.source = source
        macros = _target_macros(target, defines)
        stripped = cs.blank_comments(source)
        self.pre = cs.preprocess(source, stripped, macros, source_name)
        self.text, self.sites = cs.blank_extensions(self.pre.text, cs.qualifier_macros(self.pre.macros))
        self._site_offsets = [s[0] for s in self.sites]
        self.tree = cs.parse(self.text)
        self.funcs: dict[str, list[_Func]] = {}
        self.all_funcs: list[_Func] = []
        self.classes: dict[str, _Class] = {}
        self.consts: dict[str, tuple[Any, int]] = {}
        self.aliases: dict[str, str] = {}
        self.fn_quals: list[tuple[_Func, set[str], bool, bool]] = []  # (func, qualifiers, extern "C", in class)
        self._pending_methods: list[tuple[str, _Func]] = []
        self._index(self.tree.root_node, [], False)
        for cls_name, fn in self._pending_methods:
            cls = self.classes.get(cls_name) or self.classes.get(cls_name.split("<")[0])
            if cls is not None:
                fn.cls = cls.key
                fn.tparams = cls.tparams + fn.tparams
                cls.methods.setdefault(fn.name, []).append(fn)

    # --- index --------------------------------------------------------------------------------------------
    def quals(self, node: Any, decl: Any) -> set[str]:
        """The blanked AscendC qualifiers written before `decl` in the declaration `node`."""
        prev = node.prev_sibling
        parent = node.parent
        if prev is not None:
            start = prev.end_byte
        else:  # the translation unit starts at its first token, after any blanked qualifiers
            start = 0 if parent is None or parent.type == "translation_unit" else parent.start_byte
        lo = bisect.bisect_left(self._site_offsets, start)
        hi = bisect.bisect_left(self._site_offsets, decl.start_byte)
        return {self.sites[k][1] for k in range(lo, hi)}

    def _index(self, node: Any, tparams: list[str], extern_c: bool, cls: _Class | None = None) -> None:
        for child in node.named_children:
            t = child.type
            if t == "namespace_definition":
                body = child.child_by_field_name("body")
                if body is not None:
                    self._index(body, [], extern_c)
            elif t == "linkage_specification":
                value = child.child_by_field_name("value")
                c = value is not None and cs.node_text(value) == '"C"'
                body = child.child_by_field_name("body")
                if body is not None:
                    if body.type == "declaration_list":
                        self._index(body, tparams, c or extern_c)
                    else:
                        self._index_one(body, tparams, c or extern_c, None)
            elif t == "declaration_list":
                self._index(child, tparams, extern_c)
            else:
                self._index_one(child, tparams, extern_c, cls)

    def _index_one(self, child: Any, tparams: list[str], extern_c: bool, cls: _Class | None) -> None:
        t = child.type
        if t == "template_declaration":
            names = _template_params(child.child_by_field_name("parameters"))
            for inner in child.named_children:
                if inner.type != "template_parameter_list":
                    self._index_one(inner, tparams + names, extern_c, cls)
        elif t == "function_definition":
            self._add_function(child, tparams, extern_c, cls)
        elif t in ("class_specifier", "struct_specifier"):
            self._add_class(child, tparams)
        elif t in ("declaration", "field_declaration"):
            ty = child.child_by_field_name("type")
            if ty is not None and ty.type in ("class_specifier", "struct_specifier"):
                self._add_class(ty, tparams)
            elif ty is not None and ty.type == "enum_specifier":
                self._add_enum(ty, cls)
            if _is_const_decl(child) or (cls is not None and _has_storage(child, "static")):
                target = cls.consts if cls is not None else self.consts
                for name, value in _declarator_values(child):
                    if value is not None:
                        target[name] = (value, 0)
        elif t == "enum_specifier":
            self._add_enum(child, cls)
        elif t == "alias_declaration":
            name = child.child_by_field_name("name")
            ty = child.child_by_field_name("type")
            if name is not None and ty is not None:
                self.aliases[cs.node_text(name)] = cs.norm_type(cs.node_text(ty))
        elif t == "type_definition":
            ty = child.child_by_field_name("type")
            for d in child.children_by_field_name("declarator"):
                if ty is not None:
                    self.aliases[cs.node_text(d)] = cs.norm_type(cs.node_text(ty))

    def _add_enum(self, node: Any, cls: _Class | None) -> None:
        body = node.child_by_field_name("body")
        if body is None:
            return
        target = cls.consts if cls is not None else self.consts
        base: Any = None
        offset = 0
        for e in body.named_children:
            if e.type != "enumerator":
                continue
            value = e.child_by_field_name("value")
            if value is not None:
                base, offset = value, 0
            target[cs.node_text(e.child_by_field_name("name"))] = (base, offset)
            offset += 1

    def _add_class(self, node: Any, tparams: list[str]) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        full = cs.norm_type(cs.node_text(name_node))
        cls = _Class(full.split("<")[0], list(tparams), full)
        for c in node.named_children:
            if c.type == "base_class_clause":
                cls.bases = [cs.norm_type(cs.node_text(b)).split("<")[0] for b in c.named_children
                             if b.type in ("type_identifier", "qualified_identifier", "template_type")]
        self.classes[cls.key] = cls
        for member in body.named_children:
            if member.type == "field_declaration" and not _has_storage(member, "static"):
                ty = member.child_by_field_name("type")
                if ty is not None and ty.type == "enum_specifier":
                    self._add_enum(ty, cls)
                elif member.children_by_field_name("declarator"):
                    cls.fields.append(member)
            else:
                self._index_one(member, [], False, cls)

    def _add_function(self, node: Any, tparams: list[str], extern_c: bool, cls: _Class | None) -> None:
        fdecl = _function_declarator(node.child_by_field_name("declarator"))
        if fdecl is None:
            return
        name_node = fdecl.child_by_field_name("declarator")
        if name_node is None:
            return
        qual = cs.node_text(name_node).replace(" ", "")
        owner = cls.name if cls is not None else None
        name = qual
        if "::" in qual and cls is None:
            owner, name = qual.rsplit("::", 1)
            owner = cs.norm_type(owner.split("::")[-1])
        quals = self.quals(node, fdecl)
        extern_c = extern_c or cs.EXTERN_C in quals
        params = []
        plist = fdecl.child_by_field_name("parameters")
        for p in plist.named_children if plist is not None else []:
            if p.type not in ("parameter_declaration", "optional_parameter_declaration"):
                continue
            ty = p.child_by_field_name("type")
            d = p.child_by_field_name("declarator")
            pname = _declarator_name(d) if d is not None else None
            if pname is None or ty is None:
                params.append(_Param(f"<unnamed{len(params)}>", cs.node_text(ty) if ty else "", None))
                continue
            ptxt = cs.node_text(ty) + ("*" if d is not None and "*" in cs.node_text(d).split(pname)[0] else "")
            params.append(_Param(pname, ptxt, p.child_by_field_name("default_value")))
        fn = _Func(node, name, cls.key if cls is not None else None, params, list(tparams),
                   node.child_by_field_name("body"), node.start_point[0] + 1, "__aicore__" in quals)
        self.fn_quals.append((fn, quals, extern_c, cls is not None))
        self.all_funcs.append(fn)
        if cls is not None:
            fn.tparams = cls.tparams + fn.tparams
            cls.methods.setdefault(name, []).append(fn)
        elif owner is not None:
            self._pending_methods.append((owner, fn))
        else:
            self.funcs.setdefault(name, []).append(fn)


def _target_macros(target: Target, defines: Mapping[str, object] | Sequence[str] | None) -> dict[str, cs.Macro]:
    """The architecture macros bisheng sets for `target` (as toolchain.targets.sim_defines), plus `defines`."""
    vals: dict[str, str] = {}
    if target.cce_aicore is not None:
        vals["__CCE_AICORE__"] = str(target.cce_aicore)
    if target.npu_arch_macro is not None:
        vals["__NPU_ARCH__"] = str(target.npu_arch_macro)
    if target.family == "310P":
        vals["__DAV_M200__"] = "1"
    elif target.family == "910B":
        vals["__DAV_C220__"] = "1"
    if isinstance(defines, Mapping):
        vals.update({str(k): str(v) for k, v in defines.items()})
    elif defines is not None:
        for d in map(str, defines):  # "NAME", "NAME=VALUE" or a compiler flag list: only -D flags count
            if d.startswith("-") and not d.startswith("-D"):
                continue
            name, _, value = d.removeprefix("-D").partition("=")
            if re.fullmatch(r"[A-Za-z_]\w*", name):
                vals[name] = value or "1"
    return {k: cs.Macro(k, None, v, 0) for k, v in vals.items()}


def _template_params(plist: Any) -> list[str]:
    names = []
    for p in plist.named_children if plist is not None else []:
        n = p.child_by_field_name("name") or p.child_by_field_name("declarator")
        if n is None:
            ids = [c for c in p.named_children if c.type in ("type_identifier", "identifier")]
            n = ids[-1] if ids else None
        names.append(cs.node_text(n) if n is not None else f"<anon{len(names)}>")
    return names


def _function_declarator(d: Any) -> Any:
    while d is not None and d.type != "function_declarator":
        d = d.child_by_field_name("declarator") or (d.named_children[-1] if d.named_child_count else None)
        if d is not None and d.type in ("identifier", "field_identifier", "qualified_identifier"):
            return None
    return d


def _declarator_name(d: Any) -> str | None:
    while d is not None and d.type not in ("identifier", "field_identifier"):
        nxt = d.child_by_field_name("declarator")
        if nxt is None:
            named = [c for c in d.named_children if c.type not in ("type_qualifier", "ms_pointer_modifier")]
            nxt = named[0] if named else None
        d = nxt
    return cs.node_text(d) if d is not None else None


def _has_storage(node: Any, word: str) -> bool:
    return any(c.type in ("storage_class_specifier", "type_qualifier") and cs.node_text(c) == word
               for c in node.children)


def _is_const_decl(node: Any) -> bool:
    return any(c.type == "type_qualifier" and cs.node_text(c) in ("const", "constexpr") for c in node.children)


def _declarator_values(node: Any) -> list[tuple[str, Any]]:
    out = []
    for d in node.children_by_field_name("declarator"):
        value = None
        if d.type == "init_declarator":
            value = d.child_by_field_name("value")
            d = d.child_by_field_name("declarator")
        if value is None:
            value = node.child_by_field_name("default_value")
        if value is not None and value.type in ("initializer_list", "argument_list"):
            value = value.named_children[0] if value.named_child_count == 1 else None
        name = _declarator_name(d)
        if name is not None:
            out.append((name, value))
    return out


def _split_targs(text: str) -> tuple[str, list[str]]:
    """`TQue<TPosition::VECIN,2>` -> ("TQue", ["TPosition::VECIN", "2"])."""
    if "<" not in text or not text.endswith(">"):
        return text, []
    base, inner = text.split("<", 1)
    parts = cs.split_top_level(inner[:-1])
    return base, parts


# ------------------------------------------------------------------------------------------------------------
# Abstract values and state of the walk.

@dataclass(frozen=True)
class _TRef:  # a LocalTensor or GlobalTensor
    tok: int
    kind: str  # "local" | "global"
    dtype: str | None
    name: str
    sub: str | None = None  # index text when the tensor is `x[i]`
    off: int | None = None  # that index in elements, when it is a constant


@dataclass(frozen=True)
class _QueV:  # a TQue / TQueBind / TBuf (or an array of them)
    qid: int
    name: str
    cls: str  # "TQue" | "TBuf"
    src: str | None
    dst: str | None
    line: int


@dataclass(frozen=True)
class _PipeV:
    pid: int
    name: str
    line: int


@dataclass(frozen=True)
class _SyncV:  # TQueSync<src, dst>
    src: str
    dst: str


@dataclass(frozen=True)
class _ObjV:
    oid: int
    cls: str
    targs: tuple[tuple[str, _TArg], ...]


@dataclass(frozen=True)
class _TArg:  # a bound template argument: its text (a type, an enum value) and integer value if any
    text: str
    value: int | None


@dataclass(frozen=True)
class _EnumV:  # an enumerator passed around at run time, e.g. `HardEvent::MTE2_V` as a function argument
    text: str


_ENUM_LITERAL = re.compile(r"(?:AscendC::)?(HardEvent|TPosition|QuePosition|pipe_t)::\w+")


def _enum_text(text: str) -> str:
    return cs.norm_type(text).replace("QuePosition::", "TPosition::")


@dataclass(frozen=True)
class _ParamsV:  # a DataCopyParams-like struct: marks the strided DataCopy form; `kind` is its type name
    kind: str = ""


@dataclass(frozen=True)
class _Rec:  # one write of a tensor by a pipe
    pipe: str
    line: int  # where to show it (see _Checker.display_line)
    via: str  # " (in HELPER, line N)" when that is not the instruction's own line
    api: str
    name: str
    sub: str | None
    off: int | None
    count: int | None  # elements written from `off` (contiguous DMA with a constant count)
    strided: bool
    kernel: str


@dataclass(frozen=True)
class _BufUse:
    name: str
    line: int
    num: int
    size: int  # one buffer, rounded up to 32 bytes
    site: int
    qid: int


_CUR_PIPE = (0, "<current TPipe>")


class _State:
    """One path's knowledge. `vis[rid]` lists the pipes a pending write is ordered before (absent: all)."""

    __slots__ = ("vars", "vis", "recs", "slots", "fifo", "freed", "usage")

    def __init__(self) -> None:
        self.vars: dict[tuple[int, str], Any] = {}
        self.vis: dict[int, frozenset[str]] = {}
        self.recs: dict[int, tuple[int, ...]] = {}
        self.slots: dict[tuple[str, str, str], frozenset[int]] = {}
        self.fifo: dict[int, tuple[tuple[_TRef | None, frozenset[int]], ...]] = {}
        self.freed: dict[int, frozenset[int]] = {}
        self.usage: dict[tuple[int, str], tuple[_BufUse, ...]] = {}

    def copy(self) -> _State:
        s = _State.__new__(_State)
        s.vars = dict(self.vars)
        s.vis = dict(self.vis)
        s.recs = dict(self.recs)
        s.slots = dict(self.slots)
        s.fifo = dict(self.fifo)
        s.freed = dict(self.freed)
        s.usage = dict(self.usage)
        return s

    def assign(self, other: _State) -> None:
        for k in self.__slots__:
            setattr(self, k, getattr(other, k))


def _keep(rid: int, states: list[_State], sets: list[frozenset[int]]) -> bool:
    """A snapshot keeps `rid` only if every path where the write is still pending has it (pessimistic)."""
    return all(rid in s_set for s, s_set in zip(states, sets) if rid in s.vis)


def _merge(states: list[_State | None]) -> _State | None:
    """Where paths join (after an if, a loop, a call's returns); None stands for a path that ended.

    A write is still pending after the join if it is pending on any path, ordered only before the pipes
    every such path orders it before: a flag set on one branch only does not count. Integers that differ
    become unknown; a buffer budget takes the largest path.
    """
    live = [s for s in states if s is not None]
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    out = _State()
    first = live[0]
    out.vars = dict(first.vars)
    for s in live[1:]:
        for k, v in s.vars.items():
            if k not in out.vars:
                out.vars[k] = v
            elif out.vars[k] is not v and out.vars[k] != v:
                out.vars[k] = None
    for s in live:
        for rid, v in s.vis.items():
            out.vis[rid] = out.vis[rid] & v if rid in out.vis else v
    for tok in {t for s in live for t in s.recs}:
        seen: dict[int, None] = {}
        for s in live:
            for rid in s.recs.get(tok, ()):
                if rid in out.vis:
                    seen[rid] = None
        if seen:
            out.recs[tok] = tuple(seen)
    for key in {k for s in live for k in s.slots}:
        sets = [s.slots.get(key, frozenset()) for s in live]
        out.slots[key] = frozenset(r for r in frozenset().union(*sets) if _keep(r, live, sets))
    for qid in {k for s in live for k in s.freed}:
        sets = [s.freed.get(qid, frozenset()) for s in live]
        out.freed[qid] = frozenset(r for r in frozenset().union(*sets) if _keep(r, live, sets))
    for qid in {k for s in live for k in s.fifo}:
        seqs = [s.fifo.get(qid, ()) for s in live]
        merged = []
        for i in range(max(len(q) for q in seqs)):
            have = [(s, q[i]) for s, q in zip(live, seqs) if i < len(q)]
            refs = {e[0] for _, e in have}
            sets = [e[1] for _, e in have]
            states_i = [s for s, _ in have]
            snap = frozenset(r for r in frozenset().union(*sets) if _keep(r, states_i, sets))
            merged.append((refs.pop() if len(refs) == 1 else None, snap))
        out.fifo[qid] = tuple(merged)
    for key in {k for s in live for k in s.usage}:
        out.usage[key] = max((s.usage.get(key, ()) for s in live), key=lambda u: sum(b.num * b.size for b in u))
    return out


@dataclass(eq=False)
class _Frame:
    fid: int
    func: _Func | None
    obj: _ObjV | None
    targs: dict[str, _TArg]
    depth: int
    kernel: str
    parent: _Frame | None = None
    call_line: int | None = None  # the caller's line that called this function
    returns: list[tuple[_State, Any]] = field(default_factory=list)
    loops: list[tuple[list[_State], list[_State]]] = field(default_factory=list)


# The vector instructions of reference 1.7 (pipe V). Index 0 is the destination; the reductions' third
# argument is their scratch tensor (written); FusedMulAdd/MulAddDst also read their destination.
_VECTOR_OPS = {
    "Add", "Sub", "Mul", "Div", "Max", "Min", "And", "Or", "AddRelu", "FusedMulAdd", "MulAddDst",
    "Exp", "Ln", "Abs", "Sqrt", "Rsqrt", "Relu", "Reciprocal", "Not",
    "Adds", "Muls", "Maxs", "Mins", "LeakyRelu", "ShiftLeft", "ShiftRight",
    "Duplicate", "ReduceMax", "ReduceMin", "ReduceSum", "WholeReduceSum", "WholeReduceMax", "WholeReduceMin",
    "BlockReduceSum", "Cast", "Compare", "Compares", "CompareScalar", "Select",
}
_VECTOR_OPS |= {"Gather", "GatherMask", "Brcb", "Broadcast"}  # gather and broadcast (issue 13)
_REDUCE_TMP = {"ReduceMax", "ReduceMin", "ReduceSum"}
# Scans and erf (advanced APIs, pipe V): CumSum(dst, lastRow, src, sharedTmpBuffer, info), Erf(dst, src, tmp, n).
_VECTOR_OPS |= {"CumSum", "Erf"}
_ADV_WRITES = {"CumSum": {0, 1, 3}, "Erf": {0, 2}}
_ADV_WRITES["Broadcast"] = {0, 4}  # gather and broadcast: Broadcast's sharedTmpBuffer (argument 4) is written
_PLACEHOLDERS = {"MASK_PLACEHOLDER", "MASK_PLACEHOLDER_LIST"}
_DST_READ = {"FusedMulAdd", "MulAddDst"}
_CASTS = {"static_cast", "reinterpret_cast", "const_cast"}
_PARAM_TYPES = {"DataCopyParams", "DataCopyExtParams", "DataCopyPadExtParams", "DataCopyPadParams",
                "Nd2NzParams", "Nz2NdParamsFull", "DataCopyEnhancedParams", "DataCopyCO12DstParams",
                "LoadData2DParams", "LoadData2DParamsV2", "LoadData2dTransposeParams", "LoadData2dTransposeParamsV2",
                "LoadData3DParamsV2", "LoadData3DParamsV2Pro", "MmadParams", "FixpipeParamsV220"}
_CUBE_OPS = {"LoadData", "LoadDataWithTranspose", "Mmad", "Fixpipe"}
# Cross-block work: SyncAll (both forms start with PipeBarrier<PIPE_ALL>, dav_c220 / dav_m200) and the store-atomic
# switch (a scalar register write each DMA samples when it is issued: nothing to order).
_CROSS_BLOCK = {"SyncAll", "SetAtomicAdd", "SetAtomicMax", "SetAtomicMin", "SetAtomicType", "SetAtomicNone"}
_ATOMIC_ON = re.compile(r"\bSetAtomic(?:Add|Max|Min)\s*<[^;(){}]*>\s*\(")
_MAX_DEPTH = 8


def _memory(pos: str | None, family: str) -> str | None:
    """The on-chip memory behind a TPosition, as the simulator maps it (tpipe.h hw_of)."""
    p310 = family == "310P"
    return {"VECIN": "UB", "VECOUT": "UB", "VECCALC": "UB", "A1": "L1", "B1": "L1", "A2": "L0A", "B2": "L0B",
            "CO1": "L0C", "C1": "UB" if p310 else "L1", "CO2": "UB" if p310 else None}.get(pos or "")


def _buffer_pos(q: _QueV) -> str | None:
    """The TPosition of a queue's buffers: its source, or its destination for a queue fed from GM (tpipe.h)."""
    return q.dst if q.src == "GM" else q.src


def _producer(pos: str | None) -> str | None:
    """The pipe that fills a queue buffer at `pos` (EnQue follows it); None: every pipe (tpipe.h)."""
    return {"GM": "MTE2", "VECIN": "MTE2", "A1": "MTE2", "B1": "MTE2", "C1": "MTE2", "VECOUT": "V",
            "VECCALC": "V", "A2": "MTE1", "B2": "MTE1", "CO1": "M"}.get(pos or "")


def _consumer(pos: str | None, family: str) -> str | None:
    """The pipe that drains a queue buffer at `pos` (DeQue precedes it); None: every pipe (tpipe.h)."""
    return {"VECIN": "V", "VECCALC": "V", "GM": "MTE3", "VECOUT": "MTE3", "CO2": "MTE3", "A1": "MTE1",
            "B1": "MTE1", "C1": "MTE1", "A2": "M", "B2": "M",
            "CO1": "V" if family == "310P" else "FIX"}.get(pos or "")


def _event(text: str) -> tuple[str, str] | None:
    """`AscendC::HardEvent::MTE2_V` -> ("MTE2", "V")."""
    name = text.split("::")[-1].strip()
    parts = name.split("_")
    if len(parts) == 2 and parts[0] in _PIPES and parts[1] in _PIPES:
        return parts[0], parts[1]
    return None


def _pipe(text: str) -> str | None:
    """`PIPE_MTE2` -> "MTE2"; `PIPE_ALL` -> "ALL"."""
    name = text.split("::")[-1].strip()
    if name.startswith("PIPE_"):
        p = name[5:]
        return p if p in _PIPES or p == "ALL" else None
    return None


def _id_key(text: str) -> str:
    t = re.sub(r"\s+", "", text)
    m = re.fullmatch(r"(?:static_cast<event_t>\()?(?:EVENT_ID)?(\d+)\)?", t)
    return m.group(1) if m else t


def _ids_match(a: str, b: str) -> bool:
    return a == b or not (a.isdigit() and b.isdigit())


class _Eval(cs.ConstEval):
    """Constant evaluation in the walker's current scope."""

    def __init__(self, checker: _Checker, st: _State | None, fr: _Frame | None) -> None:
        super().__init__(checker.unit.pre.macros)
        self.c, self.st, self.fr = checker, st, fr

    def ident(self, node: Any) -> int | None:
        v = self.c.name_value(node, self.st, self.fr)
        return v if isinstance(v, int) and not isinstance(v, bool) else (v.value if isinstance(v, _TArg) else None)

    def type_of(self, name: str) -> str | None:
        return self.c.resolve_type(name, self.fr)


class _Checker:
    """Runs the checks over a unit: entries and target support on the whole text, then a path-sensitive walk
    of each kernel for buffers, sync order and DMA lengths."""

    def __init__(self, unit: _Unit, target: Target, auto_sync: bool) -> None:
        self.unit = unit
        self.target = target
        self.sync_severity = "error" if (target.explicit_sync or not auto_sync) else "warning"
        self.diags: list[Diagnostic] = []
        self._seen: set[tuple[object, ...]] = set()
        self._ids = itertools.count(1)
        self._recs: list[_Rec] = []
        self._stack: list[_Func] = []
        self._visited: set[int] = set()
        self._global_memo: dict[tuple[str, str], int | None] = {}
        self._memo_busy: set[tuple[str, str]] = set()
        self._offset_toks: dict[tuple[int, str], int] = {}
        self._building: list[str] = []  # classes whose members are being created
        self._tok_pos: dict[int, str | None] = {}  # a local tensor's buffer -> its TPosition, where known

    # --- reporting -------------------------------------------------------------------------------------------
    def report(self, severity: str, code: str, line: int | None, message: str, hint: str,
               key: tuple[object, ...] | None = None) -> None:
        k = (code, line) + (key or ())
        if k in self._seen:
            return
        self._seen.add(k)
        filename, mapped = self.unit.source_name, None
        if line is not None:
            filename, mapped = self.unit.pre.line_map.lookup(line)
        self.diags.append(Diagnostic(severity, code, message, hint, line, filename, mapped))

    def where(self, line: int) -> str:
        """`line N`, or `kernels.py:M` when a #line directive maps it to another file."""
        f, m = self.unit.pre.line_map.lookup(line)
        return f"line {line}" if m is None else f"{os.path.basename(f)}:{m}"

    def display_line(self, line: int, fr: _Frame) -> tuple[int, str]:
        """Where to report an instruction: its own line, or, for a helper without #line (ascendpy's apy_copy_in
        and friends), the nearest call site that a #line maps to the user's source; plus a note naming it."""
        lookup = self.unit.pre.line_map.lookup
        if not self.unit.pre.line_map.starts or lookup(line)[1] is not None:
            return line, ""
        f: _Frame | None = fr
        while f is not None and f.call_line is not None:
            if lookup(f.call_line)[1] is not None:
                name = fr.func.name if fr.func is not None else "?"
                return f.call_line, f" (in {name}, line {line})"
            f = f.parent
        return line, ""

    def run(self) -> list[Diagnostic]:
        self._parse_problems()
        entries = self._check_entries()
        self._check_target_support()
        for fn in entries:
            self._walk_root(fn, f"kernel '{fn.name}'")
        for fn in self.unit.all_funcs:  # device code no kernel reached (e.g. an unresolved call)
            if fn.aicore and id(fn) not in self._visited and fn.body is not None:
                qual = f"{fn.cls}::{fn.name}" if fn.cls else fn.name
                self._walk_root(fn, f"in '{qual}', which no kernel entry was seen to call")
        return self.diags

    # --- parse problems --------------------------------------------------------------------------------------
    def _parse_problems(self) -> None:
        for line, what in self.unit.pre.problems:
            self.report("warning", "parse", line, f"could not evaluate `{what}`; its code was treated as inactive",
                        "Simplify the condition, or check it against the target's macros (__CCE_AICORE__, "
                        "__NPU_ARCH__); checks inside it may be incomplete.")
        root = self.unit.tree.root_node
        if not root.has_error:
            return
        found: list[Any] = []
        stack = [root]
        while stack and len(found) < 5:
            n = stack.pop()
            if n.is_error or n.is_missing:
                found.append(n)
                continue
            stack.extend(c for c in reversed(n.children) if c.has_error or c.is_missing)
        for n in found:
            line = n.start_point[0] + 1
            src_lines = self.unit.source.split("\n")
            snippet = src_lines[line - 1].strip()[:60] if line <= len(src_lines) else ""
            self.report("warning", "parse", line,
                        f"could not parse the C++ near line {line} (`{snippet}`); checks near it may be incomplete",
                        "If this is valid AscendC, a macro the validator does not expand may cause it; the "
                        "compiler's own error, if any, is authoritative.")

    # --- 1. entries ------------------------------------------------------------------------------------------
    def _check_entries(self) -> list[_Func]:
        entries, near = [], []
        for fn, quals, extern_c, in_class in self.unit.fn_quals:
            ret = fn.node.child_by_field_name("type")
            is_void = ret is not None and cs.node_text(ret) == "void" and \
                fn.node.child_by_field_name("declarator").type == "function_declarator"
            g, a = "__global__" in quals, "__aicore__" in quals
            if g and a and extern_c and is_void and not in_class:
                entries.append(fn)
            elif g or (a and extern_c and is_void and fn.body is not None):
                near.append((fn, quals, extern_c, in_class))
        for fn, quals, extern_c, in_class in near:
            g = "__global__" in quals
            if in_class:
                why = "is a class member; a __global__ kernel must be a free function"
            elif not g:
                why = "is extern \"C\" __aicore__ but not __global__, so it is not a kernel entry the host can launch"
            elif "__aicore__" not in quals:
                why = "is __global__ but not __aicore__, so it is not compiled for the AI Core"
            elif not extern_c:
                why = "is not extern \"C\": its name is C++-mangled and the runtime cannot find the kernel by name"
            else:
                why = "does not return void; a __global__ kernel must return void"
            severity = "warning" if (not g and entries) else "error"
            self.report(severity, "entry-signature", fn.line, f"function '{fn.name}' {why}",
                        f"Declare kernel entries as `{_ENTRY_FORM.replace('NAME', fn.name)}`.")
        if not entries and not near:
            self.report("error", "no-entry", None, "no kernel entry point: no function is declared "
                        "extern \"C\" __global__ __aicore__ void",
                        f"Declare the kernel as `{_ENTRY_FORM}` (optionally with __vector__/__cube__/__mix__(c, v)).")
        return entries

    # --- 5. target support -----------------------------------------------------------------------------------
    def _check_target_support(self) -> None:
        text = self.unit.text
        t = self.target
        if not t.data_copy_pad:
            for m in re.finditer(r"\bDataCopyPad\s*(?:<[^;(){}]*>)?\s*\(", text):
                line = text.count("\n", 0, m.start()) + 1
                self.report("error", "unsupported-api", line,
                            f"DataCopyPad is not available on {t.name} ({t.family} has no unaligned DMA)",
                            "Copy whole 32-byte blocks with DataCopy and handle the tail element by element "
                            "(GetValue/SetValue), or guard the DataCopyPad path with "
                            "`#if __CCE_AICORE__ == 220` and give 310P an `#else` path.")
        self._check_cube_support()
        self._check_atomics_switched_off()
        if t.bf16 is False:
            lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"\bbfloat16_t\b", text)]
            if lines:
                others = sorted(set(lines) - {lines[0]})
                more = f" (also at lines {', '.join(map(str, others[:8]))})" if others else ""
                self.report("error", "unsupported-type", lines[0],
                            f"bfloat16_t is used but {t.name} has no bfloat16 type{more}",
                            "Use half or float on this target, or guard the bfloat16 code with "
                            "`#if __CCE_AICORE__ == 220`.")

    def _check_atomics_switched_off(self) -> None:
        """A store-atomic mode turned on in a unit that never calls SetAtomicNone: the mode is a core register that
        outlives the kernel, so the next kernel on the core would add its stores (the simulator: atomic_left_on)."""
        text = self.unit.text
        if re.search(r"\bSetAtomicNone\s*\(", text):
            return
        for m in _ATOMIC_ON.finditer(text):
            self.report("warning", "atomic-left-on", text.count("\n", 0, m.start()) + 1,
                        f"`{m.group(0).rstrip('(').strip()}` turns a store-atomic mode on, and nothing in this file "
                        "calls SetAtomicNone(): the mode is a core register that outlives the kernel, so the next "
                        "kernel on this core would add its stores into global memory instead of writing them",
                        "Call SetAtomicNone() after the last combining DataCopy.")
            return

    def _check_cube_support(self) -> None:
        """Cube and mix-kernel APIs a SoC lacks in CANN 8.1 (dav-c220 = 910B, dav-m200 = 310P): the header
        declares no such overload (Fixpipe on 310P), or its implementation reports "... is not supported on
        current device" (a run-time abort in CPU debug builds, nothing at all on the NPU)."""
        text, t = self.unit.text, self.target

        def calls(word: str, args: str = r"") -> list[int]:
            pat = rf"\b{word}\s*(?:<[^;(){{}}]*>)?\s*\({args}"
            return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(pat, text)]

        def words(pattern: str) -> list[tuple[int, str]]:
            return [(text.count("\n", 0, m.start()) + 1, m.group(0)) for m in re.finditer(pattern, text)]

        def report(line: int, message: str, hint: str) -> None:
            self.report("error", "unsupported-api", line, message, hint)

        coupled = ("310P AI Cores are coupled: one core holds the cube and the vector units, so there are no "
                   "separate AIC and AIV cores to mix or to flag between (g_coreType is MIX there, so `if "
                   "ASCEND_IS_AIC` and `if ASCEND_IS_AIV` blocks never run)")
        one_kernel = ("Write one kernel that uses both units in order (KERNEL_TYPE_AICORE, or no "
                      "KERNEL_TASK_TYPE_DEFAULT): Mmad, then move CO1 to a TPosition::CO2 tensor with "
                      "DataCopy(co2, co1, DataCopyParams, DataCopyEnhancedParams) and order the vector work "
                      "after it with HardEvent::M_V; or guard the mix path with `#if __CCE_AICORE__ == 220`.")
        if t.family == "310P":
            for line in calls("Fixpipe"):
                report(line, f"Fixpipe is not available on {t.name}: CANN 8.1 declares Fixpipe(..., "
                             "FixpipeParamsV220) for 910B (dav-c220) only; 310P has no FIX pipe from L0C to GM",
                       "Move L0C out through the Unified Buffer: `DataCopy(co2Local, co1Local, DataCopyParams{1, "
                       "fractals, 0, 0}, enhanced)` with a DataCopyEnhancedParams `enhanced` whose blockMode is "
                       "BlockMode::BLOCK_MODE_MATRIX (blockLen counts 16x16 fractals) into a TPosition::CO2 tensor "
                       "(UB on 310P; the vector pipe: order it after the Mmad with HardEvent::M_V), then "
                       "`DataCopy(gm, co2Local, count)` after HardEvent::V_MTE3. Or guard the Fixpipe path with "
                       "`#if __CCE_AICORE__ == 220`.")
            for line in calls("LoadDataWithTranspose"):
                report(line, f"LoadDataWithTranspose is not available on {t.name}: CANN 8.1's dav-m200 implementation "
                             "reports \"LoadDataWithTranspose is not supported\"",
                       "Use LoadData(dst, src, LoadData2DParams) with ifTranspose = true (16x16 fractals of half or "
                       "int8_t), or guard the path with `#if __CCE_AICORE__ == 220`.")
            for api in ("CrossCoreSetFlag", "CrossCoreWaitFlag", "SetSyncBaseAddr"):
                for line in calls(api):
                    report(line, f"{api} is not available on {t.name} (CANN 8.1's dav-m200 reports it unsupported): "
                             f"{coupled}", one_kernel)
            for line in calls("SyncAll", r"\s*\)"):
                report(line, f"the hardware SyncAll() is not available on {t.name} (CANN 8.1's dav-m200 reports "
                             "\"Hardware SyncAll is not supported\")",
                       "Use the software barrier SyncAll(gmWorkspace, ubWorkspace, usedCores) with an int32_t GM "
                       "workspace, or guard the path with `#if __CCE_AICORE__ == 220`.")
            for line, word in words(r"\bKERNEL_TYPE_MIX_(?:AIV_1_0|AIC_1_0|AIC_1_1|AIC_1_2)\b"):
                report(line, f"{word} is not a kernel type of {t.name} (KERNEL_TASK_TYPE_DEFAULT there takes "
                             f"KERNEL_TYPE_AICORE or KERNEL_TYPE_MIX_VECTOR_CORE): {coupled}", one_kernel)
            for offset, word in self.unit.sites:
                if word == "__mix__":
                    m = re.match(r"__mix__\s*\([^()]*\)", self.unit.pre.text[offset:])
                    spelled = m.group(0) if m else "__mix__(...)"
                    report(self.unit.pre.text.count("\n", 0, offset) + 1,
                           f"`{spelled}` asks for a mix kernel, which {t.name} cannot run as one: {coupled}",
                           one_kernel)
        if t.family in ("310P", "910B"):
            wrong = ("KERNEL_TYPE_VECTORCORE", "KERNEL_TYPE_MIX_AICORE") if t.family == "310P" else (
                "KERNEL_TYPE_AICORE", "KERNEL_TYPE_VECTORCORE", "KERNEL_TYPE_MIX_AICORE", "KERNEL_TYPE_MIX_VECTOR_CORE")
            valid = ("KERNEL_TYPE_AICORE or KERNEL_TYPE_MIX_VECTOR_CORE" if t.family == "310P" else
                     "KERNEL_TYPE_AIV_ONLY, KERNEL_TYPE_AIC_ONLY, KERNEL_TYPE_MIX_AIV_1_0, KERNEL_TYPE_MIX_AIC_1_0, "
                     "KERNEL_TYPE_MIX_AIC_1_1 or KERNEL_TYPE_MIX_AIC_1_2")
            for line, word in words(r"\bKERNEL_TYPE_(?:AICORE|VECTORCORE|MIX_AICORE|MIX_VECTOR_CORE)\b"):
                if word in wrong:
                    report(line, f"{word} is not a kernel type of {t.name} (CANN's KERNEL_TASK_TYPE_DEFAULT: "
                                 f"{t.family} takes {valid})", f"Use {valid}.")
            for line, word in words(r"\bLoadData2(?:DParamsV2|dTransposeParamsV2)\b"):
                report(line, f"{word} is not available on {t.name}: CANN 8.1's {t.cce_arch} LoadData reports "
                             f"\"LoadData with {word} is not supported\" (it is the Ascend 950 form)",
                       "Use LoadData2DParams (or LoadData2dTransposeParams with LoadDataWithTranspose on 910B), or "
                       "guard the path with `#if __NPU_ARCH__ == 3510`.")

    # --- the walk --------------------------------------------------------------------------------------------
    def _walk_root(self, fn: _Func, kernel: str) -> None:
        """Walk one kernel (or unreached device function). A failure here, e.g. nesting deeper than Python's
        recursion limit, becomes a warning: validation runs on the compile path and must not crash it."""
        self._stack.clear()
        self._building.clear()
        try:
            self._walk(fn, kernel)
        except (RecursionError, ValueError, KeyError, IndexError, AttributeError, TypeError) as e:
            self.report("warning", "parse", fn.line,
                        f"internal error while checking function '{fn.name}' ({type(e).__name__}: {e}); "
                        "the sync, size and DMA checks of it are incomplete",
                        "Please report this with the C++ source; the compiler and the simulator still check it.")

    def _walk(self, fn: _Func, kernel: str) -> None:
        st = _State()
        obj = None
        fr0 = _Frame(next(self._ids), None, None, {}, 0, kernel)
        if fn.cls is not None and fn.cls in self.unit.classes:
            obj = self._new_object(self.unit.classes[fn.cls], (), fn.line, st, fr0)
        fr = _Frame(next(self._ids), fn, obj, {}, 0, kernel)
        self._visited.add(id(fn))
        for p in fn.params:
            st.vars[(fr.fid, p.name)] = self._param_value(p, None, fr)
        self._stack.append(fn)
        if fn.body is not None:
            self._stmt(fn.body, st, fr)
        self._stack.pop()

    def _param_value(self, p: _Param, val: Any, fr: _Frame) -> Any:
        base, args = _split_targs(cs.norm_type(p.type_text).rstrip("*"))
        if base in ("LocalTensor", "GlobalTensor"):
            kind = "local" if base == "LocalTensor" else "global"
            dtype = self.resolve_type(args[0], fr) if args else None
            if isinstance(val, _TRef):  # keeps the caller's name: messages speak of the kernel's tensors
                return _TRef(val.tok, kind, dtype or val.dtype, val.name, val.sub, val.off)
            return _TRef(next(self._ids), kind, dtype, p.name)
        return val

    # statements
    def _block(self, nodes: list[Any], st: _State | None, fr: _Frame) -> _State | None:
        for n in nodes:
            if st is None:
                return None
            st = self._stmt(n, st, fr)
        return st

    def _stmt(self, node: Any, st: _State, fr: _Frame) -> _State | None:  # noqa: C901 - one case per statement
        t = node.type
        if t == "compound_statement":
            return self._block(node.named_children, st, fr)
        if t == "expression_statement":
            for c in node.named_children:
                self._expr(c, st, fr)
            return st
        if t == "declaration":
            self._declare(node, st, fr)
            return st
        if t == "if_statement":
            return self._if(node, st, fr)
        if t in ("for_statement", "while_statement", "do_statement", "for_range_loop"):
            return self._loop(node, st, fr)
        if t == "return_statement":
            val = None
            for c in node.named_children:
                val = self._expr(c, st, fr)
            fr.returns.append((st, val))
            return None
        if t == "break_statement":
            if fr.loops:
                fr.loops[-1][0].append(st)
            return None
        if t == "continue_statement":
            if fr.loops:
                fr.loops[-1][1].append(st)
            return None
        if t == "switch_statement":
            return self._switch(node, st, fr)
        if t == "labeled_statement":
            inner = [c for c in node.named_children if c.type != "statement_identifier"]
            return self._block(inner, st, fr)
        return st

    def _condition(self, node: Any, st: _State, fr: _Frame) -> int | None:
        """Run a condition's calls and declarations; its value when it is a constant."""
        if node is None:
            return 1
        if node.type == "condition_clause":
            init = node.child_by_field_name("initializer")
            if init is not None:
                self._stmt(init, st, fr) if init.type == "declaration" else self._expr(init, st, fr)
            value = node.child_by_field_name("value")
            if value is None:
                return None
            if value.type == "declaration":
                self._declare(value, st, fr)
                return None
            node = value
        self._expr(node, st, fr)
        value = _Eval(self, st, fr).eval(node)
        if value is None and node.type == "binary_expression":
            op = cs.node_text(node.child_by_field_name("operator"))
            if op in ("==", "!="):
                a = self._known(node.child_by_field_name("left"), st, fr)
                b = self._known(node.child_by_field_name("right"), st, fr)
                if isinstance(a, str) and isinstance(b, str):
                    return int((a == b) == (op == "=="))
        return value

    def _if(self, node: Any, st: _State, fr: _Frame) -> _State | None:
        c = self._condition(node.child_by_field_name("condition"), st, fr)
        cons = node.child_by_field_name("consequence")
        alt = node.child_by_field_name("alternative")
        if alt is not None and alt.type == "else_clause":
            alt = alt.named_children[0] if alt.named_child_count else None
        if c is not None:
            branch = cons if c else alt
            return self._stmt(branch, st, fr) if branch is not None else st
        other = st.copy()
        a = self._stmt(cons, st, fr) if cons is not None else st
        b = self._stmt(alt, other, fr) if alt is not None else other
        return _merge([a, b])

    def _switch(self, node: Any, st: _State, fr: _Frame) -> _State | None:
        """The matching case (with fall-through) when the value is known, else every case."""
        cond = node.child_by_field_name("condition")
        self._condition(cond, st, fr)
        value = self._known(cond.child_by_field_name("value") if cond is not None and cond.type ==
                            "condition_clause" else cond, st, fr)
        body = node.child_by_field_name("body")
        cases = [c for c in (body.named_children if body is not None else []) if c.type == "case_statement"]
        labels = [self._known(c.child_by_field_name("value"), st, fr) if c.child_by_field_name("value") is not None
                  else "default" for c in cases]
        if value is not None and all(lab is not None for lab in labels):
            starts = [i for i, lab in enumerate(labels) if lab == value] or \
                [i for i, lab in enumerate(labels) if lab == "default"]
            through = not starts
        else:
            starts, through = list(range(len(cases))), "default" not in labels
        fr.loops.append(([], []))
        ends: list[_State | None] = []
        for k in starts:
            cur: _State | None = st.copy()
            for case in cases[k:]:
                value_node = case.child_by_field_name("value")
                cur = self._block([c for c in case.named_children if c is not value_node], cur, fr)
                if cur is None:
                    break
            ends.append(cur)
        breaks, conts = fr.loops.pop()
        if fr.loops:
            fr.loops[-1][1].extend(conts)
        return _merge(ends + list(breaks) + ([st] if through else []))

    def _known(self, node: Any, st: _State, fr: _Frame) -> int | str | None:
        """A constant integer or enumerator (as text), without running calls; None if not known."""
        if node is None:
            return None
        v = _Eval(self, st, fr).eval(node)
        if v is not None:
            return v
        while node.type == "parenthesized_expression" and node.named_child_count == 1:
            node = node.named_children[0]
        if node.type == "qualified_identifier" and _ENUM_LITERAL.fullmatch(cs.node_text(node).replace(" ", "")):
            return _enum_text(cs.node_text(node))
        if node.type in ("identifier", "qualified_identifier", "field_expression"):
            v = self.name_value(node, st, fr)
            if isinstance(v, _EnumV):
                return v.text
            if isinstance(v, _TArg) and v.value is None:
                return _enum_text(v.text)
        return None

    def _loop(self, node: Any, st: _State, fr: _Frame) -> _State | None:
        t = node.type
        body = node.child_by_field_name("body")
        cond = node.child_by_field_name("condition")
        update = node.child_by_field_name("update")
        if t == "for_statement":
            init = node.child_by_field_name("initializer")
            if init is not None:
                self._stmt(init, st, fr) if init.type == "declaration" else self._expr(init, st, fr)
        elif t == "for_range_loop":
            right = node.child_by_field_name("right")
            if right is not None:
                self._expr(right, st, fr)
        self._forget_assigned(node, st, fr)
        infinite = False
        if t != "do_statement":
            probe = _Eval(self, st, fr).eval(cond.child_by_field_name("value") if cond is not None and
                                             cond.type == "condition_clause" else cond) if cond is not None else 1
            if t == "for_range_loop":
                probe = None
            if probe == 0:
                return st
            infinite = probe is not None and probe != 0
        fr.loops.append(([], []))
        ends: list[_State] = []
        cur: _State | None = st
        for _ in range(2):  # twice: what one iteration leaves pending meets the next one's start
            assert cur is not None
            if cond is not None and t != "do_statement":
                self._condition(cond, cur, fr)
            end = self._stmt(body, cur, fr) if body is not None else cur
            conts = fr.loops[-1][1]
            end = _merge([end] + conts)
            fr.loops[-1][1].clear()
            if end is None:
                break
            if update is not None:
                self._expr(update, end, fr)
            if t == "do_statement" and cond is not None:
                self._condition(cond, end, fr)
            if not infinite:
                ends.append(end.copy())
            cur = end
        breaks, _ = fr.loops.pop()
        return _merge(list(ends) + list(breaks))

    def _forget_assigned(self, node: Any, st: _State, fr: _Frame) -> None:
        """Integers a loop changes are unknown inside it (the walk sees only two iterations)."""
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type in ("assignment_expression", "update_expression"):
                target = n.child_by_field_name("left") or n.child_by_field_name("argument")
                key = self._var_key(target, st, fr) if target is not None else None
                if key is not None and isinstance(st.vars.get(key), int):
                    st.vars[key] = None
            if n.type == "lambda_expression":
                continue
            stack.extend(n.named_children)

    # declarations
    def _type_kind(self, text: str, fr: _Frame) -> tuple[str, Any]:
        base, args = _split_targs(cs.norm_type(text))
        base = self.unit.aliases.get(base, base)
        if base in ("TQue", "TQueBind"):
            src = self._position(args[0], fr) if args else None
            dst = self._position(args[1], fr) if base == "TQueBind" and len(args) > 1 else src
            return "que", ("TQue", src, dst)
        if base == "TBuf":
            pos = self._position(args[0], fr) if args and args[0] else "VECCALC"
            return "que", ("TBuf", pos, pos)
        if base == "TPipe":
            return "pipe", None
        if base in ("LocalTensor", "GlobalTensor"):
            return "tensor", ("local" if base == "LocalTensor" else "global",
                              self.resolve_type(args[0], fr) if args else None)
        if base == "TQueSync" and len(args) == 2:
            return "sync", (_pipe(args[0]), _pipe(args[1]))
        if base in _PARAM_TYPES:
            return "params", base
        if base in self.unit.classes:
            spec = f"{base}<{','.join(self.resolve_text(a, fr) for a in args)}>"
            return "obj", (self.unit.classes.get(spec, self.unit.classes[base]), args)
        return "scalar", self.resolve_type(base, fr) or base

    def _position(self, text: str, fr: _Frame) -> str | None:
        text = self.resolve_text(text, fr)
        name = text.split("::")[-1].strip()
        name = {"LCM": "VECCALC", "SHM": "SPM"}.get(name, name)
        return name if name in _POSITIONS else None

    def _declare(self, node: Any, st: _State, fr: _Frame) -> None:
        ty = node.child_by_field_name("type")
        if ty is None:
            return
        kind = self._type_kind(cs.node_text(ty), fr)
        for d in node.children_by_field_name("declarator"):
            init = None
            if d.type == "init_declarator":
                init = d.child_by_field_name("value")
                d = d.child_by_field_name("declarator")
            name = _declarator_name(d)
            if name is None:
                continue
            indirect = d.type in ("pointer_declarator", "reference_declarator")
            self._declare_one(kind, name, indirect, init, fr.fid, node.start_point[0] + 1, st, fr)

    def _declare_one(self, kind: tuple[str, Any], name: str, indirect: bool, init: Any, scope: int, line: int,
                     st: _State, fr: _Frame) -> None:
        k, info = kind
        val: Any = None
        init_val: Any = None
        if init is not None:
            if init.type in ("initializer_list", "argument_list"):
                for c in init.named_children:
                    self._expr(c, st, fr)
                if k == "scalar":
                    init_val = 0 if init.named_child_count == 0 else (
                        _Eval(self, st, fr).eval(init.named_children[0]) if init.named_child_count == 1 else None)
            else:
                init_val = self._expr(init, st, fr)
        if indirect and k in ("que", "pipe", "obj", "tensor"):
            val = init_val
        elif k == "que":
            cls, src, dst = info
            val = _QueV(next(self._ids), name, cls, src, dst, line)
        elif k == "pipe":
            val = _PipeV(next(self._ids), name, line)
            st.vars[_CUR_PIPE] = val
        elif k == "tensor":
            tkind, dtype = info
            if isinstance(init_val, _TRef):
                val = _TRef(init_val.tok, tkind, dtype or init_val.dtype, name, init_val.sub, init_val.off)
            else:
                val = _TRef(next(self._ids), tkind, dtype, name)
                if init is not None and init.type == "argument_list" and init.named_child_count:
                    # `LocalTensor<T> t(TPosition::A1, addr, len)` (the asc-devkit samples' form, not in 8.1)
                    self._tok_pos[val.tok] = self._position(cs.node_text(init.named_children[0]), fr)
        elif k == "sync":
            val = _SyncV(*info) if None not in info else None
        elif k == "params":
            val = _ParamsV(info)
        elif k == "obj":
            cls, args = info
            if cls.key in self._building or len(self._building) > 8:  # a member of its own class type
                st.vars[(scope, name)] = None
                return
            val = self._new_object(cls, tuple(args), line, st, fr)
            ctor = cls.methods.get(cls.name)
            if ctor:
                argv = list(init.named_children) if init is not None and init.type in (
                    "argument_list", "initializer_list") else []
                vals = [self._expr(a, st, fr) for a in argv]
                fn = self._pick(ctor, len(vals))
                self._follow(fn, vals, [], val, st, fr, line)
        else:
            val = init_val
            if isinstance(val, int) and info in cs.INT_TYPES:  # `uint8_t x = 300` holds 44
                val = cs.wrap(val, info)
        st.vars[(scope, name)] = val

    def _new_object(self, cls: _Class, args: tuple[str, ...], line: int, st: _State, fr: _Frame) -> _ObjV:
        targs = tuple((n, self._targ(a, st, fr)) for n, a in zip(cls.tparams, args))
        obj = _ObjV(next(self._ids), cls.key, targs)
        ofr = _Frame(fr.fid, None, obj, {}, fr.depth, fr.kernel)
        self._building.append(cls.key)
        try:
            self._init_fields(cls, obj, st, ofr)
        finally:
            self._building.pop()
        return obj

    def _init_fields(self, cls: _Class, obj: _ObjV, st: _State, ofr: _Frame) -> None:
        for c in self._class_chain(cls):
            for fd in c.fields:
                ty = fd.child_by_field_name("type")
                kind = self._type_kind(cs.node_text(ty), ofr) if ty is not None else ("scalar", None)
                default = fd.child_by_field_name("default_value")
                for d in fd.children_by_field_name("declarator"):
                    name = _declarator_name(d)
                    if name is None:
                        continue
                    indirect = d.type in ("pointer_declarator", "reference_declarator")
                    self._declare_one(kind, name, indirect, default, obj.oid, fd.start_point[0] + 1, st, ofr)

    def _class_chain(self, cls: _Class) -> list[_Class]:
        out, todo = [], [cls]
        while todo and len(out) < 8:
            c = todo.pop(0)
            out.append(c)
            todo.extend(self.unit.classes[b] for b in c.bases if b in self.unit.classes)  # (by primary name)
        return out

    # names and values
    def resolve_text(self, text: str, fr: _Frame | None) -> str:
        """A template argument's text with template parameters replaced by what they are bound to."""
        t = cs.norm_type(text)
        for _ in range(4):
            ta = self._tparam(t, fr)
            if ta is None:
                break
            t = ta.text
        return t

    def resolve_type(self, text: str, fr: _Frame | None) -> str | None:
        t = self.resolve_text(text, fr)
        t = self.unit.aliases.get(t, t)
        return t if t in cs.TYPE_SIZES else None

    def _tparam(self, name: str, fr: _Frame | None) -> _TArg | None:
        if fr is None:
            return None
        if name in fr.targs:
            return fr.targs[name]
        if fr.obj is not None:
            for n, ta in fr.obj.targs:
                if n == name:
                    return ta
        return None

    def _targ(self, text_or_node: Any, st: _State, fr: _Frame) -> _TArg:
        if isinstance(text_or_node, str):
            text = self.resolve_text(text_or_node, fr)
            return _TArg(text, _Eval(self, st, fr).eval_text(text) if re.fullmatch(r"[\w:()+\-*/ <>]+", text)
                         else None)
        node = text_or_node
        text = self.resolve_text(cs.node_text(node), fr)
        ta = self._tparam(cs.norm_type(cs.node_text(node)), fr)
        if ta is not None:
            return ta
        value = _Eval(self, st, fr).eval(node) if node.type != "type_descriptor" else None
        if value is None and node.type == "type_descriptor":
            value = self.name_value_text(text, st, fr)
        return _TArg(text, value)

    def name_value_text(self, text: str, st: _State | None, fr: _Frame | None) -> int | None:
        if re.fullmatch(r"[A-Za-z_]\w*(::[A-Za-z_]\w*)*", text):
            scope, _, name = text.rpartition("::")
            v = self._lookup(name, scope, st, fr)
            return v if isinstance(v, int) else None
        return None

    def _var_key(self, node: Any, st: _State, fr: _Frame) -> tuple[int, str] | None:
        if node.type == "identifier":
            name = cs.node_text(node)
            if (fr.fid, name) in st.vars:
                return (fr.fid, name)
            if fr.obj is not None and (fr.obj.oid, name) in st.vars:
                return (fr.obj.oid, name)
            return (fr.fid, name)
        if node.type == "field_expression":
            arg = node.child_by_field_name("argument")
            fld = node.child_by_field_name("field")
            if arg is None or fld is None:
                return None
            if arg.type == "this" and fr.obj is not None:
                return (fr.obj.oid, cs.node_text(fld))
            owner = self._expr(arg, st, fr) if arg.type in ("identifier", "field_expression") else None
            if isinstance(owner, _ObjV):
                return (owner.oid, cs.node_text(fld))
        if node.type == "parenthesized_expression" and node.named_child_count == 1:
            return self._var_key(node.named_children[0], st, fr)
        return None

    def _lookup(self, name: str, scope: str, st: _State | None, fr: _Frame | None) -> Any:
        if not scope and st is not None and fr is not None:
            key = (fr.fid, name)
            if key in st.vars:
                return st.vars[key]
            if fr.obj is not None and (fr.obj.oid, name) in st.vars:
                return st.vars[(fr.obj.oid, name)]
            ta = self._tparam(name, fr)
            if ta is not None:
                return ta
        cls_name = scope.split("::")[-1].split("<")[0] if scope else None
        if cls_name is None and fr is not None:
            cls_name = fr.obj.cls if fr.obj is not None else (fr.func.cls if fr.func is not None else None)
        if cls_name in self.unit.classes:
            for c in self._class_chain(self.unit.classes[cls_name]):
                if name in c.consts:
                    return self._const_value(c.name, name, c.consts[name], fr)
        if name in self.unit.consts:
            return self._const_value("", name, self.unit.consts[name], None)
        return None

    def _const_value(self, owner: str, name: str, entry: tuple[Any, int], fr: _Frame | None) -> int | None:
        key = (owner, name)
        if key in self._global_memo:
            return self._global_memo[key]
        if key in self._memo_busy:
            return None
        self._memo_busy.add(key)
        node, offset = entry
        cfr = None
        if owner and owner in self.unit.classes:
            cfr = _Frame(0, _Func(None, "", owner, [], [], None, 0, False), None, {}, 0, "")
        base = 0 if node is None else _Eval(self, None, cfr).eval(node)
        value = None if base is None else base + offset
        self._memo_busy.discard(key)
        if cfr is None or not self.unit.classes[owner].tparams:
            self._global_memo[key] = value
        return value

    def name_value(self, node: Any, st: _State | None, fr: _Frame | None) -> Any:
        t = node.type
        if t == "identifier":
            return self._lookup(cs.node_text(node), "", st, fr)
        if t == "qualified_identifier":
            text = cs.node_text(node).replace(" ", "")
            scope, _, name = text.rpartition("::")
            return self._lookup(name, scope, st, fr)
        if t == "field_expression" and st is not None and fr is not None:
            key = self._var_key(node, st, fr)
            return st.vars.get(key) if key is not None else None
        return None

    # expressions
    def _expr(self, node: Any, st: _State, fr: _Frame) -> Any:  # noqa: C901 - one case per expression
        t = node.type
        if t == "call_expression":
            v = self._call(node, st, fr)
            return v if v is not None else _Eval(self, st, fr).eval(node)
        if t in ("identifier", "qualified_identifier"):
            v = self.name_value(node, st, fr)
            if isinstance(v, _TArg):
                return v.value if v.value is not None else _EnumV(_enum_text(v.text))
            text = cs.node_text(node)
            if v is None and t == "qualified_identifier" and _ENUM_LITERAL.fullmatch(text.replace(" ", "")):
                return _EnumV(_enum_text(text))
            return v
        if t == "field_expression":
            arg = node.child_by_field_name("argument")
            if arg is not None and arg.type not in ("this", "identifier"):
                self._expr(arg, st, fr)
            return self.name_value(node, st, fr)
        if t == "assignment_expression":
            return self._assign(node, st, fr)
        if t == "subscript_expression":
            base = self._expr(node.child_by_field_name("argument"), st, fr)
            idx = node.child_by_field_name("indices") or node.child_by_field_name("index")
            if idx is not None:
                for c in idx.named_children if idx.type == "subscript_argument_list" else [idx]:
                    self._expr(c, st, fr)
            if isinstance(base, _TRef):
                text = re.sub(r"\s+", "", cs.node_text(idx)) if idx is not None else "?"
                iv = _Eval(self, st, fr).eval(idx.named_children[0]) if idx is not None and \
                    idx.named_child_count == 1 else None
                off = iv if base.sub is None else (base.off + iv if base.off is not None and iv is not None else None)
                return _TRef(base.tok, base.kind, base.dtype, base.name,
                             text if base.sub is None else f"{base.sub}+{text}", off)
            if isinstance(base, _QueV):  # one element of an array of TQue/TBuf: its own buffer per index text
                text = re.sub(r"\s+", "", cs.node_text(idx)) if idx is not None else "?"
                qid = self._offset_toks.setdefault((base.qid, f"[{text}]"), next(self._ids))
                return _QueV(qid, f"{base.name}[{text}]", base.cls, base.src, base.dst, base.line)
            return None
        if t in ("parenthesized_expression", "pointer_expression"):
            inner = node.child_by_field_name("argument") or (node.named_children[-1] if node.named_child_count
                                                             else None)
            return self._expr(inner, st, fr) if inner is not None else None
        if t == "cast_expression":
            v = self._expr(node.child_by_field_name("value"), st, fr)
            return v if not isinstance(v, int) else _Eval(self, st, fr).eval(node)
        if t == "update_expression":
            key = self._var_key(node.child_by_field_name("argument"), st, fr)
            if key is not None and isinstance(st.vars.get(key), int):
                op = "++" if "++" in cs.node_text(node) else "--"
                st.vars[key] = st.vars[key] + (1 if op == "++" else -1)
            return None
        if t in ("lambda_expression", "string_literal", "number_literal", "true", "false", "this", "nullptr",
                 "char_literal", "sizeof_expression", "concatenated_string"):
            return _Eval(self, st, fr).eval(node) if t not in ("lambda_expression", "this") else None
        if t == "conditional_expression":
            self._expr(node.child_by_field_name("condition"), st, fr)
            a = self._expr(node.child_by_field_name("consequence"), st, fr)
            b = self._expr(node.child_by_field_name("alternative"), st, fr)
            if isinstance(a, int) or isinstance(b, int):
                return _Eval(self, st, fr).eval(node)
            return a if a == b else None
        for c in node.named_children:
            self._expr(c, st, fr)
        return _Eval(self, st, fr).eval(node)

    def _assign(self, node: Any, st: _State, fr: _Frame) -> Any:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        op = cs.node_text(node.child_by_field_name("operator"))
        val = self._expr(right, st, fr) if right is not None else None
        key = self._var_key(left, st, fr) if left is not None else None
        if key is None:
            if left is not None:
                self._expr(left, st, fr)  # `t(3) = v`, `*p = v`: scalar accesses
            return val
        old = st.vars.get(key)
        if op != "=":
            val = cs.binop(op[:-1], old, val) if isinstance(old, int) and isinstance(val, int) else None
        elif isinstance(val, _TRef) and isinstance(old, _TRef):
            val = _TRef(val.tok, old.kind, old.dtype or val.dtype, old.name, val.sub, val.off)
        st.vars[key] = val
        return val

    def _targs(self, targs: Any, st: _State, fr: _Frame) -> list[_TArg]:
        if targs is None:
            return []
        return [self._targ(a, st, fr) for a in targs.named_children]

    def _callee(self, fn: Any) -> tuple[Any, str, Any, str]:
        """(receiver node, name, template-argument node, scope) of a call's function part."""
        recv, targs, scope = None, None, ""
        while fn is not None and fn.type == "qualified_identifier":
            s = fn.child_by_field_name("scope")
            scope = (scope + "::" if scope else "") + (cs.node_text(s) if s is not None else "")
            fn = fn.child_by_field_name("name")
        if fn is None:
            return None, "", None, scope
        if fn.type == "field_expression":
            recv = fn.child_by_field_name("argument")
            fn = fn.child_by_field_name("field")
            if fn is not None and fn.type == "dependent_name":
                fn = fn.named_children[0] if fn.named_child_count else None
        if fn is not None and fn.type in ("template_function", "template_method"):
            targs = fn.child_by_field_name("arguments")
            fn = fn.child_by_field_name("name")
        name = cs.node_text(fn) if fn is not None else ""
        return recv, name, targs, scope

    def _call(self, node: Any, st: _State, fr: _Frame) -> Any:  # noqa: C901 - the API dispatch
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        argv = list(args.named_children) if args is not None else []
        if fn is None:
            return None
        if fn.type in ("primitive_type", "type_identifier", "template_type"):  # functional cast / temporary
            for a in argv:
                self._expr(a, st, fr)
            name = cs.norm_type(cs.node_text(fn)).split("::")[-1]
            return _ParamsV(name) if name in _PARAM_TYPES else None
        recv, name, targs_node, scope = self._callee(fn)
        if recv is not None:
            rv = fr.obj if recv.type == "this" else self._expr(recv, st, fr)
            vals = [self._expr(a, st, fr) for a in argv]
            targs = self._targs(targs_node, st, fr)
            return self._method(rv, name, targs, argv, vals, node, st, fr)
        if name in _CASTS:
            return self._expr(argv[0], st, fr) if argv else None
        if name == "GetTPipePtr":
            return st.vars.get(_CUR_PIPE)
        vals = [self._expr(a, st, fr) for a in argv]
        line = node.start_point[0] + 1
        if name in ("DataCopy", "DataCopyPad"):
            self._data_copy(name, argv, vals, line, st, fr)
            return None
        if name in _CUBE_OPS:
            self._cube(name, argv, vals, line, st, fr)
            return None
        if name in _VECTOR_OPS:
            self._mask_placeholder(name, argv, self._targs(targs_node, st, fr), line, fr)
            self._vector(name, vals, line, st, fr)
            return None
        if name in _CROSS_BLOCK:
            if name == "SyncAll":
                self._barrier_all(st)
            return None
        if name in ("PipeBarrier", "SetFlag", "WaitFlag"):
            ta = self._targs(targs_node, st, fr)
            arg = ta[0].text if ta else ""
            if name == "PipeBarrier":
                if _pipe(arg) == "ALL":
                    self._barrier_all(st)
            else:
                ev = _event(arg)
                if ev is not None:
                    key = _id_key(cs.node_text(argv[0])) if argv else ""
                    (self._set_flag if name == "SetFlag" else self._wait_flag)(st, ev[0], ev[1], key)
            return None
        if name in ("pipe_barrier", "set_flag", "wait_flag"):  # the CCE intrinsics ascend-rs emits
            pipes = [_pipe(cs.node_text(a)) for a in argv]
            if name == "pipe_barrier" and pipes and pipes[0] == "ALL":
                self._barrier_all(st)
            elif name != "pipe_barrier" and len(pipes) >= 2 and pipes[0] and pipes[1] and "ALL" not in pipes[:2]:
                key = _id_key(cs.node_text(argv[2])) if len(argv) > 2 else ""
                (self._set_flag if name == "set_flag" else self._wait_flag)(st, pipes[0], pipes[1], key)
            return None
        if not scope and fn.type in ("identifier", "template_function"):
            target = self._lookup(name, "", st, fr)
            if isinstance(target, _TRef):  # t(i): a scalar access
                self._scalar(target, st)
                return None
        targs = self._targs(targs_node, st, fr)
        cls_name = scope.split("::")[-1].split("<")[0] if scope else None
        if cls_name in self.unit.classes:
            method = self._find_method(self.unit.classes[cls_name], name, len(vals))
            if method is not None:
                return self._follow(method, vals, targs, fr.obj, st, fr, line)
        if fr.obj is not None and not scope:
            method = self._find_method(self.unit.classes[fr.obj.cls], name, len(vals)) \
                if fr.obj.cls in self.unit.classes else None
            if method is not None:
                return self._follow(method, vals, targs, fr.obj, st, fr, line)
        cands = self.unit.funcs.get(name)
        if cands and (not scope or cls_name not in self.unit.classes):
            return self._follow(self._pick(cands, len(vals)), vals, targs, None, st, fr, line)
        self._unseen_sync(targs, vals, st)
        return None

    def _unseen_sync(self, targs: list[_TArg], vals: list[Any], st: _State) -> None:
        """A call the unit does not define that names one HardEvent (`SyncFunc<HardEvent::MTE2_V>()` from an
        included header) is taken to be a SetFlag/WaitFlag pair on it, so that the wrapper's unseen body does
        not make a correct kernel look unsynchronised."""
        texts = [t.text for t in targs] + [v.text for v in vals if isinstance(v, _EnumV)]
        events = {e for e in map(_event, texts) if e is not None}
        if len(events) == 1:
            src, dst = events.pop()
            self._set_flag(st, src, dst, "<unseen>")
            self._wait_flag(st, src, dst, "<unseen>")

    def _find_method(self, cls: _Class, name: str, nargs: int) -> _Func | None:
        for c in self._class_chain(cls):
            if name in c.methods:
                return self._pick(c.methods[name], nargs)
        return None

    @staticmethod
    def _pick(cands: list[_Func], nargs: int) -> _Func:
        for fn in cands:
            required = sum(p.default is None for p in fn.params)
            if required <= nargs <= len(fn.params) and fn.body is not None:
                return fn
        with_body = [f for f in cands if f.body is not None]
        return with_body[0] if with_body else cands[0]

    def _follow(self, fn: _Func, vals: list[Any], targs: list[_TArg], obj: _ObjV | None, st: _State,
                fr: _Frame, line: int) -> Any:
        if fn.body is None or fr.depth + 1 > _MAX_DEPTH or fn in self._stack:
            return None
        self._visited.add(id(fn))
        nf = _Frame(next(self._ids), fn, obj, {}, fr.depth + 1, fr.kernel, fr, line)
        own = fn.tparams[len(self._class_tparams(fn)):]
        for pname, ta in zip(own, targs):
            nf.targs[pname] = ta
        for i, p in enumerate(fn.params):
            val = vals[i] if i < len(vals) else (self._expr(p.default, st, nf) if p.default is not None else None)
            base, args = _split_targs(cs.norm_type(p.type_text).rstrip("*"))
            if base in ("LocalTensor", "GlobalTensor") and args and isinstance(val, _TRef) and val.dtype:
                tp = cs.norm_type(args[0])
                if tp in own and tp not in nf.targs:
                    nf.targs[tp] = _TArg(val.dtype, None)
            st.vars[(nf.fid, p.name)] = self._param_value(p, val, nf)
        self._stack.append(fn)
        end = self._stmt(fn.body, st, nf)
        self._stack.pop()
        outs = [s for s, _ in nf.returns] + ([end] if end is not None else [])
        merged = _merge(outs)
        if merged is not None and merged is not st:
            st.assign(merged)
        rets = {id(v): v for _, v in nf.returns}
        values = list(rets.values())
        if values and all(v == values[0] for v in values):
            return values[0]
        return None

    def _class_tparams(self, fn: _Func) -> list[str]:
        cls = self.unit.classes.get(fn.cls) if fn.cls else None
        return cls.tparams if cls is not None else []

    def _method(self, rv: Any, name: str, targs: list[_TArg], argv: list[Any], vals: list[Any], node: Any,
                st: _State, fr: _Frame) -> Any:
        line = node.start_point[0] + 1
        if isinstance(rv, _QueV):
            dtype = self.resolve_type(targs[0].text, fr) if targs else None
            if rv.cls == "TBuf":
                if name == "Get":
                    self._tok_pos[rv.qid] = rv.src
                    return _TRef(rv.qid, "local", dtype, rv.name)
                if name == "GetWithOffset":
                    off = re.sub(r"\s+", "", cs.node_text(argv[1])) if len(argv) > 1 else "?"
                    tok = self._offset_toks.setdefault((rv.qid, off), next(self._ids))
                    self._tok_pos[tok] = rv.src
                    return _TRef(tok, "local", dtype, rv.name)
                return None
            return self._queue(rv, name, dtype, argv, vals, st, fr)
        if isinstance(rv, _PipeV):
            if name == "InitBuffer":
                self._init_buffer(rv, argv, vals, line, node.start_byte, st, fr)
            elif name in ("Init", "Reset", "Destroy"):
                self._barrier_all(st)
                for key in [k for k in st.usage if k[0] == rv.pid]:
                    del st.usage[key]
            return None
        if isinstance(rv, _SyncV) and name in ("SetFlag", "WaitFlag"):
            key = _id_key(cs.node_text(argv[0])) if argv else ""
            (self._set_flag if name == "SetFlag" else self._wait_flag)(st, rv.src, rv.dst, key)
            return None
        if isinstance(rv, _TRef):
            if name in ("GetValue", "SetValue"):
                self._scalar(rv, st)
            elif name == "ReinterpretCast":
                dtype = self.resolve_type(targs[0].text, fr) if targs else None
                return _TRef(rv.tok, rv.kind, dtype, rv.name, rv.sub, rv.off)
            return None
        if isinstance(rv, _ObjV) and rv.cls in self.unit.classes:
            method = self._find_method(self.unit.classes[rv.cls], name, len(vals))
            if method is not None:
                return self._follow(method, vals, targs, rv, st, fr, line)
        return None

    # --- queues, flags, barriers -----------------------------------------------------------------------------
    def _snapshot(self, st: _State, pipe: str | None) -> frozenset[int]:
        if pipe is None:
            return frozenset(st.vis)
        return frozenset(r for r, v in st.vis.items() if pipe in v)

    def _make_visible(self, st: _State, rids: frozenset[int] | set[int], pipe: str | None) -> None:
        for r in rids:
            v = st.vis.get(r)
            if v is None:
                continue
            if pipe is None or pipe == "S":  # the scalar unit waited: everything issued later runs after
                del st.vis[r]
                continue
            nv = v | {pipe}
            if nv == _ALL:
                del st.vis[r]
            else:
                st.vis[r] = nv

    def _barrier_all(self, st: _State) -> None:
        st.vis.clear()
        st.recs.clear()

    def _set_flag(self, st: _State, src: str, dst: str, key: str) -> None:
        st.slots[(src, dst, key)] = self._snapshot(st, src)

    def _wait_flag(self, st: _State, src: str, dst: str, key: str) -> None:
        rids: set[int] = set()
        for (s, d, k), snap in st.slots.items():
            if s == src and d == dst and _ids_match(k, key):
                rids |= snap
        self._make_visible(st, rids, dst)

    def _scalar(self, ref: _TRef, st: _State) -> None:
        """bisheng's auto-sync makes the scalar unit wait for the pipe that last wrote what it touches."""
        for rid in st.recs.get(ref.tok, ()):
            v = st.vis.get(rid)
            if v is not None and "S" not in v:
                self._make_visible(st, self._snapshot(st, self._recs[rid].pipe), "S")

    def _queue(self, q: _QueV, name: str, dtype: str | None, argv: list[Any], vals: list[Any], st: _State,
               fr: _Frame) -> Any:
        fam = self.target.family
        if name == "AllocTensor":
            self._make_visible(st, st.freed.get(q.qid, frozenset()), _producer(q.src))
            ref = _TRef(next(self._ids), "local", dtype, q.name)
            self._tok_pos[ref.tok] = _buffer_pos(q)
            if argv:
                self._bind_out(argv[0], ref, st, fr)
                return None
            return ref
        if name == "EnQue":
            ref = vals[0] if vals and isinstance(vals[0], _TRef) else None
            st.fifo[q.qid] = st.fifo.get(q.qid, ()) + ((ref, self._snapshot(st, _producer(q.src))),)
            return None
        if name == "DeQue":
            items = st.fifo.get(q.qid, ())
            ref = None
            if items:
                (ref, snap), st.fifo[q.qid] = items[0], items[1:]
                self._make_visible(st, snap, _consumer(q.dst, fam))
            if ref is None:
                ref = _TRef(next(self._ids), "local", dtype, q.name)
                self._tok_pos[ref.tok] = _buffer_pos(q)
            elif dtype:
                ref = _TRef(ref.tok, "local", dtype, ref.name)
            if argv:
                self._bind_out(argv[0], ref, st, fr)
                return None
            return ref
        if name == "FreeTensor":
            st.freed[q.qid] = self._snapshot(st, _consumer(q.dst, fam))
        return None

    def _bind_out(self, node: Any, ref: _TRef, st: _State, fr: _Frame) -> None:
        key = self._var_key(node, st, fr)
        if key is not None:
            old = st.vars.get(key)
            name = old.name if isinstance(old, _TRef) else cs.node_text(node)
            dtype = old.dtype if isinstance(old, _TRef) and old.dtype else ref.dtype
            st.vars[key] = _TRef(ref.tok, "local", dtype, name)

    # --- 3. sync order ----------------------------------------------------------------------------------------
    def _new_rec(self, st: _State, pipe: str, ref: _TRef, line: int, api: str, strided: bool, fr: _Frame,
                 count: int | None = None) -> None:
        rid = len(self._recs)
        shown, via = self.display_line(line, fr)
        self._recs.append(_Rec(pipe, shown, via, api, ref.name, ref.sub, ref.off, count, strided, fr.kernel))
        st.vis[rid] = frozenset({pipe})
        pending = tuple(r for r in st.recs.get(ref.tok, ()) if r in st.vis)
        st.recs[ref.tok] = (rid,) if ref.sub is None and not strided else pending + (rid,)

    @staticmethod
    def _overlap(rec: _Rec, ref: _TRef, strided: bool = False) -> bool:
        """May the write `rec` and the access `ref` touch the same elements? When unsure: only if the same view."""
        if (rec.strided or strided) and (ref.sub is not None or rec.sub is not None):
            return False  # a strided DMA leaves gaps; a slice may sit in one
        ro = 0 if rec.sub is None else rec.off
        ao = 0 if ref.sub is None else ref.off
        if ro is not None and ao is not None and rec.count is not None and not ro <= ao < ro + rec.count:
            return ref.sub is None and ao < ro  # a whole-tensor access starting before the written range
        if rec.sub is None or ref.sub is None:
            return True
        return ro == ao if ro is not None and ao is not None else rec.sub == ref.sub

    def _hazards(self, st: _State, ref: _TRef, pipe: str, writers: tuple[str, ...], strided: bool = False
                 ) -> list[tuple[int, _Rec]]:
        out = []
        for rid in st.recs.get(ref.tok, ()):
            v = st.vis.get(rid)
            if v is None or pipe in v:
                continue
            rec = self._recs[rid]
            if rec.pipe in writers and self._overlap(rec, ref, strided):
                out.append((rid, rec))
        return out

    def _sync_hint(self, src: str, dst: str, queue: str | None) -> str:
        ev = f"{src}_{dst}"
        if ev in _HARD_EVENTS:
            fix = (f"order them: `SetFlag<HardEvent::{ev}>(id); WaitFlag<HardEvent::{ev}>(id);` between the two, "
                   f"or PipeBarrier<PIPE_ALL>()" + (f", or {queue}" if queue else ""))
        else:  # no HardEvent orders these two pipes directly
            fix = "order them with PipeBarrier<PIPE_ALL>() between the two" + (f", or {queue}" if queue else "")
        if self.sync_severity == "warning":
            return (f"bisheng's --cce-auto-sync may insert this wait on {self.target.name}; run the kernel on the "
                    f"simulator (target 'sim'), whose race checker will confirm or clear it. To be explicit, {fix}.")
        why = "it needs explicit synchronisation" if self.target.explicit_sync else "auto-sync is off"
        return f"On {self.target.name} {why}: {fix}."

    def _report_hazard(self, code: str, rid: int, rec: _Rec, ref: _TRef, pipe: str, api: str, line: int,
                       st: _State, fr: _Frame, writes: bool, arg: int) -> None:
        """One finding per instruction line and argument (a helper called for many tensors reports once)."""
        verb = "writes" if writes else "reads"
        line, via = self.display_line(line, fr)
        if code == "unsynced-dma":
            msg = (f"{api}{via} (vector pipe) {verb} `{ref.name}` while the {rec.api} into `{rec.name}` at "
                   f"{self.where(rec.line)}{rec.via} (MTE2 pipe) may still be writing it: nothing orders MTE2 "
                   f"before V between them ({fr.kernel})")
            hint = self._sync_hint("MTE2", "V", "pass the tensor through a TQue<TPosition::VECIN> "
                                   "(EnQue after the copy, DeQue before the vector op)")
        else:
            src = rec.pipe
            queue = ("pass the tensor through a TQue<TPosition::VECOUT> (EnQue after the vector op, DeQue before "
                     "the copy)") if src == "V" else "use TQueBind<TPosition::VECIN, TPosition::VECOUT>"
            msg = (f"{api}{via} (MTE3 pipe) copies `{ref.name}` to global memory while the {rec.api} at "
                   f"{self.where(rec.line)}{rec.via} ({_PIPE_LABEL.get(src, src)} pipe) may still be writing it: "
                   f"nothing orders {src} before MTE3 between them ({fr.kernel})")
            hint = self._sync_hint(src, "MTE3", queue)
        self.report(self.sync_severity, code, line, msg, hint, key=(arg, writes))
        v = st.vis.get(rid)
        if v is not None:  # report each pair once per path
            st.vis[rid] = v | {pipe}

    def _vector(self, api: str, vals: list[Any], line: int, st: _State, fr: _Frame) -> None:
        writes = _ADV_WRITES.get(api) or {0} | ({2} if api in _REDUCE_TMP else set())
        refs = [(i, v) for i, v in enumerate(vals) if isinstance(v, _TRef) and v.kind == "local"]
        for i, ref in refs:
            if i not in writes or api in _DST_READ and i == 0:
                for rid, rec in self._hazards(st, ref, "V", ("MTE2",)):
                    self._report_hazard("unsynced-dma", rid, rec, ref, "V", api, line, st, fr, False, i)
        for i, ref in refs:
            if i in writes:
                for rid, rec in self._hazards(st, ref, "V", ("MTE2",)):
                    if not rec.strided and rec.sub == ref.sub:  # a write: only the very same view
                        self._report_hazard("unsynced-dma", rid, rec, ref, "V", api, line, st, fr, True, i)
                self._new_rec(st, "V", ref, line, api, False, fr)

    def _mask_placeholder(self, api: str, argv: list[Any], targs: list[_TArg], line: int, fr: _Frame) -> None:
        """MASK_PLACEHOLDER given to a call that sets the mask itself (isSetMask left true): it writes 0 into the
        mask register, so the call does nothing (normal mode: no lane; counter mode: 0 elements)."""
        if not any(re.sub(r"\s+|AscendC::", "", cs.node_text(a)) in _PLACEHOLDERS for a in argv):
            return
        texts = [t.text.strip() for t in targs]
        if "false" in texts or not all(t == "true" or t in cs.TYPE_SIZES for t in texts):
            return  # isSetMask = false, or an argument the checker cannot resolve
        shown, _ = self.display_line(line, fr)
        self.report("warning", "mask-placeholder", shown,
                    f"`{api}` gets MASK_PLACEHOLDER but sets the mask itself (isSetMask is true): it writes the "
                    f"placeholder 0 into the mask register, so it computes nothing ({fr.kernel})",
                    f"Use the mask that SetVectorMask set with isSetMask = false, e.g. `{api}<half, false>(...)`, "
                    "or pass the mask itself.")

    def _data_copy(self, api: str, argv: list[Any], vals: list[Any], line: int, st: _State, fr: _Frame) -> None:
        if len(vals) < 2:
            return
        dst, src = vals[0], vals[1]
        d_local = isinstance(dst, _TRef) and dst.kind == "local"
        s_local = isinstance(src, _TRef) and src.kind == "local"
        d_global = isinstance(dst, _TRef) and dst.kind == "global"
        third = argv[2] if len(argv) > 2 else None
        count = vals[2] if len(vals) > 2 and isinstance(vals[2], int) else None
        strided = api == "DataCopy" and third is not None and (
            isinstance(vals[2], _ParamsV) or third.type in ("initializer_list", "compound_literal_expression") or
            (third.type == "call_expression" and cs.node_text(third).split("(")[0].split("::")[-1] in _PARAM_TYPES))
        if api == "DataCopy" and not strided and count is not None and count > 0:
            ref = dst if d_local else src
            dtype = ref.dtype if isinstance(ref, _TRef) and ref.dtype else (
                src.dtype if isinstance(src, _TRef) else None)
            self._dma_length(count, dtype, cs.node_text(third), line, fr)
        d_mem = self._mem(dst) if d_local else None
        s_mem = self._mem(src) if s_local else None
        if api == "DataCopy" and (d_mem in _CUBE_ALIGN or s_mem in _CUBE_ALIGN):
            self._cube_copy(api, dst, src, d_mem, s_mem, d_local, s_local, line, st, fr, strided, count)
        elif d_local and not s_local:
            self._new_rec(st, "MTE2", dst, line, api, strided, fr, count if api == "DataCopy" else None)
        elif s_local and d_global:
            for rid, rec in self._hazards(st, src, "MTE3", ("V", "MTE2"), strided):
                self._report_hazard("unsynced-copy-out", rid, rec, src, "MTE3", api, line, st, fr, False, 1)
            self._new_rec(st, "MTE3", dst, line, api, strided, fr)
        elif s_local and d_local:  # UB -> UB runs on the vector pipe
            self._vector(api, vals[:2], line, st, fr)

    # --- 3b. the cube unit: pipes, alignment, what each SoC has ----------------------------------------------
    def _mem(self, ref: _TRef) -> str | None:
        """The on-chip memory of a local tensor's buffer, when its TPosition is known."""
        return _memory(self._tok_pos.get(ref.tok), self.target.family)

    def _cube_copy(self, api: str, dst: Any, src: Any, d_mem: str | None, s_mem: str | None, d_local: bool,
                   s_local: bool, line: int, st: _State, fr: _Frame, strided: bool, count: int | None) -> None:
        """A DataCopy with an L1/L0 side. GM -> L1 (plain or Nd2NzParams) is MTE2; L1 -> L1/BT/L0C is MTE1;
        L0C -> UB (CO1 -> CO2 with DataCopyEnhancedParams) is the vector pipe on 310P and does not exist on 910B;
        L0C -> GM/L1 (DataCopyCO12DstParams) is the FIX pipe; UB -> L1 and L1 -> GM are MTE3 (reference 1.8)."""
        self._cube_align(api, [r for r, loc in ((dst, d_local), (src, s_local)) if loc], line, fr)
        if not s_local:
            if d_local:
                self._new_rec(st, "MTE2", dst, line, api, strided, fr, count)
            return
        if s_mem == "L0C":
            d_pos = self._tok_pos.get(dst.tok) if d_local else None
            if self.target.family == "910B" and d_local and (d_mem == "UB" or d_pos == "CO2"):
                shown, _ = self.display_line(line, fr)
                self.report("error", "unsupported-api", shown,
                            f"DataCopy from CO1 (L0C) to `{dst.name}` in the Unified Buffer is not available on "
                            f"{self.target.name}: CANN 8.1's dav-c220 DataCopy(CO2, CO1, DataCopyParams, "
                            f"DataCopyEnhancedParams) reports \"DataCopy from CO1 to CO2 is not supported\" "
                            f"({fr.kernel})",
                            "On 910B L0C leaves through the FIX pipe: `Fixpipe(gm, co1Local, FixpipeParamsV220{nSize, "
                            "mSize, srcStride, dstStride, false})` (L0C -> GM) or Fixpipe into an A1/B1 tensor; the "
                            "CO1 -> CO2 DataCopy is the 310P route.")
                return
            pipe = "V" if self.target.family == "310P" and d_mem in ("UB", None) else "FIX"
            self._cube_read(api, src, pipe, line, st, fr, 1)
            if d_local:
                self._new_rec(st, pipe, dst, line, api, strided, fr)
            return
        if s_mem == "L1":
            pipe = "MTE3" if not d_local else "MTE1"
            self._cube_read(api, src, pipe, line, st, fr, 1)
            if d_local:
                self._new_rec(st, pipe, dst, line, api, strided, fr)
            return
        if d_local:  # UB -> L1 on MTE3; UB -> L0C (310P's C2 and CO1 from CO2) on the vector pipe
            pipe = "V" if d_mem == "L0C" else "MTE3"
            self._cube_read(api, src, pipe, line, st, fr, 1)
            self._new_rec(st, pipe, dst, line, api, strided, fr)

    def _cube(self, api: str, argv: list[Any], vals: list[Any], line: int, st: _State, fr: _Frame) -> None:
        """LoadData (L1 -> L0A/L0B on MTE1, GM -> L1/L0 on MTE2), Mmad (M: reads A2/B2 and the bias, writes CO1)
        and Fixpipe (FIX: reads CO1, writes GM or L1), with their operands' alignment and element types."""
        refs = [(i, v) for i, v in enumerate(vals) if isinstance(v, _TRef) and v.kind == "local"]
        if not refs or len(vals) < 3:
            return
        dst = vals[0] if isinstance(vals[0], _TRef) and vals[0].kind == "local" else None
        self._cube_align(api, [v for _, v in refs], line, fr)
        kind = self._params_kind(argv[-1], vals[-1])
        if api in ("LoadData", "LoadDataWithTranspose"):
            src = vals[1]
            if dst is None or not isinstance(src, _TRef):
                return
            pipe = "MTE2" if src.kind == "global" else "MTE1"
            if src.kind == "local":
                self._cube_read(api, src, pipe, line, st, fr, 1)
            if self.target.family == "310P" and api == "LoadData" and kind == "LoadData2DParams" and \
                    dst.dtype and dst.dtype not in _LOAD2D_TYPES_310P:
                shown, _ = self.display_line(line, fr)
                self.report("error", "unsupported-type", shown,
                            f"LoadData with LoadData2DParams on {dst.dtype} is not available on {self.target.name}: "
                            f"CANN 8.1's dav-m200 LoadData2D moves {', '.join(_LOAD2D_TYPES_310P)} only "
                            f"({fr.kernel})",
                            "Feed the cube half (or int8_t) operands on 310P: Cast to half in UB before the copy "
                            "to L1.")
            self._new_rec(st, pipe, dst, line, api, False, fr)
        elif api == "Mmad":
            operands = [(i, v) for i, v in refs if i in (1, 2, 3) and v is not dst]
            for i, ref in operands:
                self._cube_read(api, ref, "M", line, st, fr, i)
            self._mmad_support(vals, refs, line, fr)
            if dst is not None:
                self._new_rec(st, "M", dst, line, api, False, fr)
        elif api == "Fixpipe":
            if self.target.family == "310P":
                return  # no FIX pipe there: the call itself is the finding (unsupported-api)
            for i, ref in refs:
                if i >= 1:
                    self._cube_read(api, ref, "FIX", line, st, fr, i)
            if dst is not None:
                self._new_rec(st, "FIX", dst, line, api, False, fr)

    @staticmethod
    def _params_kind(node: Any, val: Any) -> str | None:
        """The struct type of a parameter argument: a declared variable's, or a temporary's `T(...)`/`T{...}`."""
        if isinstance(val, _ParamsV):
            return val.kind or None
        if node is not None and node.type in ("call_expression", "compound_literal_expression"):
            name = re.split(r"[({]", cs.node_text(node), maxsplit=1)[0]
            return cs.norm_type(name).split("::")[-1].split("<")[0]
        return None

    def _mmad_support(self, vals: list[Any], refs: list[tuple[int, _TRef]], line: int, fr: _Frame) -> None:
        fam, name = self.target.family, self.target.name
        shown, _ = self.display_line(line, fr)
        if fam == "310P" and len(vals) >= 5 and any(i == 3 for i, _ in refs):
            self.report("error", "unsupported-api", shown,
                        f"Mmad with a bias tensor is not available on {name}: CANN 8.1's dav-m200 Mmad reports "
                        f"\"Mmad with biasLocal is not supported\" ({fr.kernel})",
                        "Add the bias after the product on the vector unit (an Add on the CO2 tensor in UB), or "
                        "preload CO1 with the broadcast bias (DataCopy CO2 -> CO1) and call Mmad(c, a, b, "
                        "MmadParams) with cmatrixInitVal = false.")
        types = tuple(v.dtype if isinstance(v, _TRef) else None for v in vals[:3])
        allowed = _MMAD_TYPES.get(fam)
        if allowed is None or None in types or types in allowed:
            return
        pairs = "; ".join(f"({', '.join(t)})" for t in sorted(allowed))
        self.report("error", "unsupported-type", shown,
                    f"Mmad with dst {types[0]}, fm {types[1]}, filter {types[2]} is not available on {name}: "
                    f"CANN 8.1's Mmad on {fam} takes (dst, fm, filter) = {pairs} ({fr.kernel})",
                    "Cast the inputs in UB to a supported pair before they go to L1"
                    + (" (310P: half or int8_t inputs; no float or bfloat16_t cube)." if fam == "310P" else "."))

    def _cube_align(self, api: str, refs: list[Any], line: int, fr: _Frame) -> None:
        """A constant sub-view offset into L1/L0A/L0B/L0C that breaks the memory's operand alignment."""
        for ref in refs:
            if not isinstance(ref, _TRef) or ref.sub is None or ref.off is None:
                continue
            mem = self._mem(ref)
            size = cs.TYPE_SIZES.get(ref.dtype or "")
            align = _CUBE_ALIGN.get(mem or "")
            if align is None or size is None or (ref.off * size) % align == 0:
                continue
            shown, via = self.display_line(line, fr)
            step = align // size if align % size == 0 else align
            view = ref.name + (ref.sub if ref.sub.startswith("[") else f"[{ref.sub}]")
            self.report("error", "misaligned-cube", shown,
                        f"{api}{via} gets `{view}`, which starts {ref.off * size} bytes into its {mem} buffer: "
                        f"{mem} operands must start on {align}-byte boundaries ({fr.kernel})",
                        f"Offset {mem} views by whole multiples of {step} {ref.dtype} elements ({align} bytes)"
                        + ("; one 16x16 fractal of half is 512 bytes" if mem in ("L0A", "L0B") else "") + ".",
                        key=(ref.sub,))

    def _cube_read(self, api: str, ref: Any, pipe: str, line: int, st: _State, fr: _Frame, arg: int) -> None:
        """`pipe` reads `ref`: every pending write of it by another pipe that nothing orders before `pipe`."""
        if not isinstance(ref, _TRef) or ref.kind != "local":
            return
        for rid in st.recs.get(ref.tok, ()):
            v = st.vis.get(rid)
            if v is None or pipe in v:
                continue
            rec = self._recs[rid]
            if rec.pipe in (pipe, "S") or not self._cube_overlap(rec, ref):
                continue
            self._report_cube(rid, rec, ref, pipe, api, line, st, fr, arg)

    @staticmethod
    def _cube_overlap(rec: _Rec, ref: _TRef) -> bool:
        """A whole-tensor write or read overlaps; two views only when they are the same (when unsure: silent)."""
        if rec.sub is None or ref.sub is None:
            return True
        if rec.off is not None and ref.off is not None:
            return rec.off == ref.off
        return rec.sub == ref.sub

    def _report_cube(self, rid: int, rec: _Rec, ref: _TRef, pipe: str, api: str, line: int, st: _State,
                     fr: _Frame, arg: int) -> None:
        shown, via = self.display_line(line, fr)
        src = rec.pipe
        pos = self._tok_pos.get(ref.tok)
        queue = None
        if pos is not None and _producer(pos) == src and _consumer(pos, self.target.family) == pipe:
            queue = (f"pass the tensor through a TQue<TPosition::{pos}> (EnQue after the {rec.api}, DeQue before "
                     f"the {api})")
        msg = (f"{api}{via} ({_CUBE_LABEL.get(pipe, pipe)} pipe) reads `{ref.name}` while the {rec.api} into "
               f"`{rec.name}` at {self.where(rec.line)}{rec.via} ({_CUBE_LABEL.get(src, src)} pipe) may still be "
               f"writing it: nothing orders {src} before {pipe} between them ({fr.kernel})")
        self.report(self.sync_severity, "unsynced-cube", shown, msg, self._sync_hint(src, pipe, queue),
                    key=(arg, False))
        v = st.vis.get(rid)
        if v is not None:  # report each pair once per path
            st.vis[rid] = v | {pipe}

    def _buffer_alignment(self, q: _QueV, mem: str, before: int, num: int, size: int, line: int,
                          fr: _Frame) -> None:
        """TPipe packs a memory's buffers back to back, each length rounded up to 32 bytes only (kernel_tpipe_impl.h
        InitBuffer), so an L0A/L0B buffer after one that is not whole 512-byte fractals starts misaligned."""
        align = _CUBE_ALIGN.get(mem)
        if align is None or align <= 32:
            return
        starts = [before + i * size for i in range(num)]
        bad = next((i for i, o in enumerate(starts) if o % align), None)
        if bad is None:
            return
        which = f"buffer {bad} of `{q.name}`" if num > 1 else f"`{q.name}`"
        self.report("error", "misaligned-cube", line,
                    f"InitBuffer places {which} at byte {starts[bad]} of {mem} on {self.target.name}: {mem} operands "
                    f"must start on {align}-byte boundaries, and TPipe rounds each buffer length up to 32 bytes only "
                    f"({fr.kernel})",
                    f"Make every {mem} buffer a whole multiple of {align} bytes (a 16x16 half fractal is 512 bytes, "
                    "16x16 float in L0C 1024), or declare the odd-sized buffer last.")

    # --- 4. DMA lengths ----------------------------------------------------------------------------------------
    def _dma_length(self, count: int, dtype: str | None, text: str, line: int, fr: _Frame) -> None:
        size = cs.TYPE_SIZES.get(dtype or "")
        if size is None or (count * size) % 32 == 0:
            return
        nbytes = count * size
        kept = nbytes // 32 * 32
        if self.target.data_copy_pad:
            hint = ("Use DataCopyPad with DataCopyExtParams{1, count * sizeof(T), 0, 0, 0} (blockLen in bytes) for "
                    f"a length that is not whole 32-byte blocks on {self.target.name}, or pad the count to "
                    f"{-(-nbytes // 32) * 32 // size} elements.")
        else:
            hint = (f"{self.target.name} has no DataCopyPad: copy whole 32-byte blocks (pad the count to "
                    f"{-(-nbytes // 32) * 32 // size} elements and the buffers to match) and handle the tail "
                    "element by element with GetValue/SetValue.")
        line, via = self.display_line(line, fr)
        what = f"{count}" if text.strip() == str(count) else f"`{text}` = {count}"
        self.report("error", "dma-length", line,
                    f"DataCopy{via} of {what} {dtype} elements moves {nbytes} bytes, not a multiple of 32: the "
                    f"hardware silently rounds down to {kept} bytes ({fr.kernel})", hint)

    # --- 2. on-chip budget -------------------------------------------------------------------------------------
    def _init_buffer(self, pipe: _PipeV, argv: list[Any], vals: list[Any], line: int, site: int, st: _State,
                     fr: _Frame) -> None:
        q = vals[0] if vals else None
        qname = cs.node_text(argv[0]) if argv else "?"
        if not isinstance(q, _QueV):
            self.report("warning", "size-unknown", line,
                        f"InitBuffer of `{qname}`: cannot tell which TQue/TBuf this is, so its size is not counted "
                        f"against on-chip memory ({fr.kernel})",
                        "Declare the queue or buffer in the kernel, its class, or pass it by reference.")
            return
        is_buf = q.cls == "TBuf"
        num = 1 if is_buf else (vals[1] if len(vals) > 1 else None)
        length = vals[1] if is_buf and len(vals) > 1 else (vals[2] if len(vals) > 2 else None)
        len_text = cs.node_text(argv[1 if is_buf else 2]) if len(argv) > (1 if is_buf else 2) else "?"
        mem = _memory(q.src, self.target.family)
        if mem is None:
            if q.src == "CO2" or q.src is None:
                if q.src is None:
                    self.report("warning", "size-unknown", line,
                                f"InitBuffer of `{q.name}`: its TPosition is not known, so its size is not counted "
                                f"({fr.kernel})", "Use a literal TPosition in the declaration.")
                return
            self.report("warning", "size-unknown", line,
                        f"InitBuffer of `{q.name}`: TPosition::{q.src} is not checked by the validator "
                        f"({fr.kernel})", "Use VECIN/VECOUT/VECCALC, A1/B1, A2, B2, CO1 or C1.")
            return
        if not isinstance(num, int) or not isinstance(length, int):
            what = len_text if not isinstance(length, int) else cs.node_text(argv[1])
            self.report("warning", "size-unknown", line,
                        f"InitBuffer of `{q.name}` at {self.where(line)}: the size `{what}` is not a compile-time "
                        f"constant, so it is not counted against the {mem} budget of {self.target.capacity(mem)} bytes "
                        f"({fr.kernel})",
                        "Fine for tiling computed at run time; make sure the host's tiling keeps the total within "
                        "the budget (the simulator checks each launch).")
            return
        if num <= 0 or length <= 0:
            return
        size = -(-length // 32) * 32
        key = (pipe.pid, mem)
        uses = st.usage.get(key, ())
        if any(u.site == site and u.qid == q.qid for u in uses):
            return  # the same InitBuffer again in a loop's second walk
        before = sum(u.num * u.size for u in uses)
        self._buffer_alignment(q, mem, before, num, size, line, fr)
        uses = uses + (_BufUse(q.name, line, num, size, site, q.qid),)
        st.usage[key] = uses
        total = before + num * size
        cap = self.target.capacity(mem)
        if total <= cap or (before > cap and num * size <= cap):
            return  # fits, or an earlier InitBuffer already crossed the limit (reported there)
        listing = ", ".join(f"{u.name} ({self.where(u.line)}) {u.num} x {u.size} B" for u in uses)
        alone = f"; `{q.name}` alone needs {num * size} bytes" if num * size > cap else ""
        self.report("error", "onchip-overflow", line,
                    f"{mem} overflow on {self.target.name}: the buffers of TPipe `{pipe.name}` need {total} bytes > "
                    f"{cap} bytes of {mem}{alone} ({fr.kernel}): {listing}",
                    f"Shrink the tiles or the buffer count (BUFFER_NUM) so that the sum of num x len (each len "
                    f"rounded up to 32 bytes) stays within {cap} bytes of {mem}.")

