"""Every AscendC name the simulator defines, and where CANN defines it too.

The simulator must never accept what CANN rejects, so its API surface is written down here,
name by name, with the SoCs whose vendor headers have each name:

    python tools/sim_api.py list              # the names the simulator's headers define (no vendor needed)
    python tools/sim_api.py check             # probe each against CANN 8.1's headers, 910B and 310P,
                                              # and compare with tools/sim_api_names.txt
    python tools/sim_api.py check --write     # ... and rewrite tools/sim_api_names.txt

`check` needs the vendor headers that ../shared/tools/ascendc_check/check.sh reads (see its README);
CI has none, so tests/test_sim_api_names.py only checks that the names the headers define are
exactly the names in tools/sim_api_names.txt: a new simulator API is a diff here, probed before
commit. A name is listed with the SoCs where CANN has it; one that no SoC has fails the check.

Names are collected from a tree-sitter parse of ascendpy/sim/include: declarations in namespace
AscendC and the global namespace, the public members of AscendC classes, enumerators and macros.
Simulator internals are excluded by convention: namespace ascendpy_sim, members named `sim_*`,
macros named `ASCENDPY_*`/`__ASCENDPY_*`.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tree_sitter
import tree_sitter_cpp

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = ROOT / "ascendpy" / "sim" / "include"
LIST = Path(__file__).resolve().with_name("sim_api_names.txt")
CHECK_SH = ROOT.parent / "shared" / "tools" / "ascendc_check" / "check.sh"
SOCS = ("910B", "310P")

# Template arguments that instantiate each AscendC class template for a member probe.
TEMPLATE_ARGS = {
    "LocalTensor": "<half>",
    "GlobalTensor": "<half>",
    "TQue": "<AscendC::TPosition::VECIN, 2>",
    "TQueBind": "<AscendC::TPosition::VECIN, AscendC::TPosition::VECOUT, 2>",
    "TBuf": "<AscendC::TPosition::VECCALC>",
    "DataCopyPadExtParams": "<half>",
    "TQueSync": "<PIPE_V, PIPE_MTE3>",
}
# Macros the simulator defines for its own build, not API: the architecture macros are set by
# the compiler (bisheng) or the CPU-debug flags, never by kernel_operator.h.
# Arithmetic types: a class on the CPU, a builtin on the device; their operators are not API names.
SCALAR_TYPES = {"::half", "::bfloat16_t"}
BUILD_MACROS = {"__CCE_AICORE__", "__NPU_ARCH__", "__ASCENDPY_SIM__", "__PLUGIN__KERNEL_META_TYPE_ENUME_DEFINED__"}


@dataclass(frozen=True, order=True)
class Name:
    """One name: `kind` is ns (a namespace-scope declaration), member, enumerator or macro."""

    qualified: str  # e.g. AscendC::Add, AscendC::LocalTensor::GetValue, ::GetTPipePtr, ASSERT
    kind: str

    def probe(self) -> str:
        """One line of C++ that compiles only if the vendor headers declare this name."""
        if self.kind == "macro":
            return f"#ifndef {self.qualified}\n#error apy-missing\n#endif"
        if self.kind == "enumerator":
            return f"static const auto apy_probe_{{n}} = {self.qualified};"
        if self.kind == "member":
            cls, member = self.qualified.rsplit("::", 1)
            base = cls + TEMPLATE_ARGS.get(cls.rsplit("::", 1)[-1], "")
            return f"struct apy_probe_{{n}} : {base} {{{{ using {base}::{member}; }}}};"
        return f"namespace apy_probe_{{n}} {{{{ using {self.qualified}; }}}}"


def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_cpp.language()))


def _text(node: tree_sitter.Node) -> str:
    return node.text.decode()


def _declarator_name(node: tree_sitter.Node | None) -> str | None:
    """The declared identifier inside a (possibly nested) declarator."""
    while node is not None:
        if node.type in ("identifier", "field_identifier", "type_identifier", "operator_name",
                         "destructor_name", "qualified_identifier"):
            return _text(node)
        node = node.child_by_field_name("declarator")
    return None


def _is_function(node: tree_sitter.Node | None) -> bool:
    while node is not None:
        if node.type == "function_declarator":
            return True
        node = node.child_by_field_name("declarator")
    return False


def _scope_names(body: tree_sitter.Node, scope: str) -> Iterator[Name]:
    """Names declared directly in a namespace body (or the translation unit)."""
    for child in body.named_children:
        node = child
        while node.type == "template_declaration":
            inner = [c for c in node.named_children if c.type != "template_parameter_list"]
            node = inner[-1] if inner else node
            if node.type == "template_declaration":
                continue
            break
        if node.type == "namespace_definition":
            name = node.child_by_field_name("name")
            if name is not None and _text(name) == "AscendC" and scope == "":
                yield from _scope_names(node.child_by_field_name("body"), "AscendC::")
            continue
        if node.type in ("function_definition", "declaration"):
            decls = [node.child_by_field_name("declarator")] if node.type == "function_definition" else \
                node.children_by_field_name("declarator")
            for d in decls:
                name = _declarator_name(d)
                if name and (node.type == "function_definition" or _is_function(d) or scope):
                    yield Name(f"{scope or '::'}{name}", "ns")
            spec = node.child_by_field_name("type")
            if spec is not None and spec.type in ("struct_specifier", "class_specifier", "enum_specifier"):
                yield from _type_names(spec, scope)
        elif node.type in ("struct_specifier", "class_specifier", "enum_specifier", "union_specifier"):
            yield from _type_names(node, scope)
        elif node.type == "alias_declaration":
            yield Name(f"{scope or '::'}{_text(node.child_by_field_name('name'))}", "ns")
        elif node.type == "type_definition":
            for d in node.children_by_field_name("declarator"):
                yield Name(f"{scope or '::'}{_declarator_name(d)}", "ns")
            spec = node.child_by_field_name("type")
            if spec is not None and spec.child_by_field_name("body") is not None:
                yield from _type_names(spec, scope)
        elif node.type in ("preproc_def", "preproc_function_def"):
            name = _text(node.child_by_field_name("name"))
            if not name.startswith(("ASCENDPY_", "__ASCENDPY")) and name not in BUILD_MACROS:
                yield Name(name, "macro")
        elif node.type in ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif"):
            yield from _scope_names(node, scope)
        elif node.type == "linkage_specification":
            body2 = node.child_by_field_name("body")
            if body2 is not None:
                yield from _scope_names(body2, scope) if body2.type == "declaration_list" else \
                    _scope_names(node, scope)


def _type_names(spec: tree_sitter.Node, scope: str) -> Iterator[Name]:
    name_node = spec.child_by_field_name("name")
    body = spec.child_by_field_name("body")
    if name_node is None:
        return
    name = _text(name_node)
    if name_node.type == "template_type":  # an explicit specialisation: its name is already listed
        return
    qualified = f"{scope or '::'}{name}"
    yield Name(qualified, "ns")
    if body is None or qualified in SCALAR_TYPES:
        return
    if spec.type == "enum_specifier":
        prefix = qualified if any(_text(c) in ("class", "struct") for c in spec.children) else \
            (scope.rstrip(":") + "::" if scope else "::")
        for e in body.named_children:
            if e.type == "enumerator":
                sep = "::" if prefix == qualified else ""
                yield Name(f"{prefix}{sep}{_text(e.child_by_field_name('name'))}", "enumerator")
        return
    yield from _members(body, qualified, name, spec.type != "class_specifier")


def _members(body: tree_sitter.Node, qualified: str, name: str, public: bool) -> Iterator[Name]:
    for member in body.named_children:
        if member.type == "access_specifier":
            public = _text(member).startswith("public")
            continue
        if not public:
            continue
        node = member
        while node.type == "template_declaration":
            inner = [c for c in node.named_children if c.type != "template_parameter_list"]
            node = inner[-1]
        decls = []
        spec = node.child_by_field_name("type") if node.type == "field_declaration" else None
        if spec is not None and spec.type in ("union_specifier", "struct_specifier") and \
                spec.child_by_field_name("name") is None and spec.child_by_field_name("body") is not None:
            yield from _members(spec.child_by_field_name("body"), qualified, name, True)  # anonymous union
        if node.type in ("function_definition", "declaration", "field_declaration"):
            decls = [node.child_by_field_name("declarator")] if node.type == "function_definition" else \
                node.children_by_field_name("declarator")
        for d in decls:
            m = _declarator_name(d)
            if not m or m == name or m.startswith(("~", "sim_")) or m.endswith("_") and m.startswith("sim"):
                continue
            yield Name(f"{qualified}::{m}", "member")
        if node.type in ("struct_specifier", "class_specifier", "enum_specifier") and \
                node.child_by_field_name("name") is not None:
            yield from _type_names(node, qualified + "::")


def sim_names() -> list[Name]:
    """Every AscendC name the simulator's headers declare, sorted, without duplicates."""
    parser = _parser()
    found: set[Name] = set()
    for header in sorted(INCLUDE.rglob("*.h")):
        tree = parser.parse(header.read_bytes())
        found.update(_scope_names(tree.root_node, ""))
    return sorted(n for n in found if not _internal(n))


def _internal(n: Name) -> bool:
    last = n.qualified.rsplit("::", 1)[-1]
    return (last.startswith("sim_") or n.qualified.startswith("::__ascendpy") or
            n.qualified.startswith(("::ascendpy_sim", "ascendpy_sim")) or last.startswith("__ascendpy"))


def read_list(path: Path = LIST) -> dict[Name, tuple[str, ...]]:
    """tools/sim_api_names.txt: `KIND NAME SOC...` per line, `#` comments."""
    out: dict[Name, tuple[str, ...]] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, qualified, *socs = line.split()
        out[Name(qualified, kind)] = tuple(socs)
    return out


def write_list(avail: dict[Name, tuple[str, ...]], path: Path = LIST) -> None:
    lines = ["# Every AscendC name the simulator defines (tools/sim_api.py list), with the SoCs whose",
             "# CANN 8.1 headers define it too (tools/sim_api.py check --write). A name available on one",
             "# SoC only must be refused by the simulator on the other (see docs/simulator.md).",
             "# KIND NAME SOC..."]
    lines += [f"{n.kind} {n.qualified} {' '.join(s)}".rstrip() for n, s in sorted(avail.items())]
    path.write_text("\n".join(lines) + "\n")


_MISSING = re.compile(r"not been declared|is not a member of|has no member named|was not declared|"
                      r"does not name|apy-missing|not a class, namespace|is not a template")


def vendor_availability(names: list[Name], socs: tuple[str, ...] = SOCS) -> dict[Name, tuple[str, ...]]:
    """Compile one probe per name against the vendor headers of each SoC (check.sh -v)."""
    present: dict[Name, list[str]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "apy_probe.cpp"
        lines = ['#include "kernel_operator.h"', '#include "lib/pad/broadcast.h"']  # + the advanced API Broadcast
        where: dict[int, Name] = {}
        for i, n in enumerate(names):
            for text in n.probe().format(n=i).splitlines():
                lines.append(text)
                where[len(lines)] = n
        probe.write_text("\n".join(lines) + "\n")
        for soc in socs:
            proc = subprocess.run(["bash", str(CHECK_SH), "--soc", soc, "-v", str(probe)], capture_output=True,
                                  text=True, check=False)
            log = proc.stdout + proc.stderr
            if "apy_probe.cpp" not in log and proc.returncode != 0:
                sys.exit(f"check.sh failed before compiling ({proc.returncode}):\n{log}")
            # Only a failed lookup means the name is missing: a member whose overloads are partly
            # private in CANN (TBuf::Get) fails a using-declaration for access, yet exists.
            bad = {where[int(m.group(1))] for m in re.finditer(r"apy_probe\.cpp:(\d+):\d+: error: (.*)", log)
                   if int(m.group(1)) in where and _MISSING.search(m.group(2))}
            for n in names:
                if n not in bad:
                    present[n].append(soc)
    return {n: tuple(s) for n, s in present.items()}


def generated_kernels(out: Path) -> list[tuple[Path, str]]:
    """The AscendC of every ascendpy kernel module in examples/, tests/kernels/ and ascendpy/ops/kernels/, for each
    SoC it compiles for."""
    import importlib.util

    sys.path.insert(0, str(ROOT))
    from ascendpy.compiler.api import compile_kernels, find_kernels
    from ascendpy.errors import CompileError

    made = []
    for path in sorted([*ROOT.glob("examples/**/*.py"), *ROOT.glob("tests/kernels/*.py"),
                        *ROOT.glob("ascendpy/ops/kernels/*.py")]):
        if not re.search(r"\b(?:aiv|cube|mix)_kernel\b", path.read_text()):  # vector, cube and mix kernels
            continue
        name = "apy_gen_" + re.sub(r"\W", "_", path.relative_to(ROOT).with_suffix("").as_posix())
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        for soc, target in SIM_SOCS.items():
            try:
                cpp = compile_kernels(find_kernels(module), str(path), target).cpp
            except CompileError as exc:  # kernels that show a compile error, or a type this SoC lacks
                print(f"  not generated for {soc}: {path.relative_to(ROOT)}: {str(exc).splitlines()[0][:100]}")
                continue
            f = out / f"{name}.{soc}.cpp"
            f.write_text(cpp)
            made.append((f, soc))
    return made


def fixtures() -> list[tuple[Path, tuple[str, ...]]]:
    """Hand-written AscendC in examples/ and tests/ with the SoCs each claims (`// ascendc-check: 910B`)."""
    found = []
    for path in sorted([*ROOT.glob("examples/**/*.cpp"), *ROOT.glob("tests/**/*.cpp")]):
        text = path.read_text()
        if "__global__" not in text or "ascendc-check: none" in text:
            continue
        tag = re.search(r"ascendc-check: ([\w ]+?)(?: \(|$)", text, re.M)
        socs = tuple(tag.group(1).split()) if tag else SOCS
        found.append((path, socs))
    return found


def check_sources(sources: list[tuple[Path, str]]) -> list[str]:
    """check.sh on each (file, SoC); the failures' check.sh reports."""
    failures = []
    for soc in SOCS:
        files = [str(f) for f, s in sources if s == soc]
        if not files:
            continue
        # Each source's own directory is on the include path, as ascend-compile puts it (local headers).
        dirs = sorted({str(Path(f).parent) for f in files})
        proc = subprocess.run(["bash", str(CHECK_SH), "--soc", soc, "-q", *(a for d in dirs for a in ("-I", d)),
                               *files], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            failures.append((proc.stdout + proc.stderr).strip())
    return failures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["list", "check"])
    ap.add_argument("--write", action="store_true", help="rewrite tools/sim_api_names.txt and sim_api_matrix.txt")
    ap.add_argument("--no-matrix", action="store_true", help="skip the type matrix (about 3 minutes)")
    args = ap.parse_args(argv)
    names = sim_names()
    if args.command == "list":
        print("\n".join(f"{n.kind} {n.qualified}" for n in names))
        return 0
    if not CHECK_SH.is_file():
        sys.exit(f"{CHECK_SH} is missing: the vendor check runs only where shared/ is beside the repo")
    status = 0
    # 1. Names.
    avail = vendor_availability(names)
    wider = [n for n, s in avail.items() if not s]
    for n in wider:
        print(f"NOT IN CANN 8.1 (any SoC): {n.kind} {n.qualified}")
    listed = read_list() if LIST.is_file() else {}
    if args.write:
        write_list(avail)
    elif listed != avail:
        print(f"{LIST.relative_to(ROOT)} is out of date: run `python tools/sim_api.py check --write`")
        status = 1
    print(f"names: {len(names)}, {len(wider)} not in CANN")
    status |= bool(wider)
    # 2. Types.
    if not args.no_matrix:
        cases = matrix_cases()
        vendor, sim = vendor_matrix(cases), sim_matrix(cases)
        for soc in SOCS:
            for i in sorted(sim[soc] - vendor[soc]):
                print(f"SIMULATOR ACCEPTS WHAT CANN 8.1 REJECTS on {soc}: {cases[i][0]}")
                status = 1
        if args.write:
            write_matrix(cases, vendor, sim)
        elif MATRIX.is_file() and MATRIX.read_text() != _matrix_text(cases, vendor, sim):
            print(f"{MATRIX.relative_to(ROOT)} is out of date: run `python tools/sim_api.py check --write`")
            status = 1
        print(f"types: {len(cases)} cases x {len(SOCS)} SoCs")
    # 3. Every generated kernel and every hand-written fixture.
    with tempfile.TemporaryDirectory() as tmp:
        sources = generated_kernels(Path(tmp))
        fx = fixtures()
        sources += [(f, soc) for f, socs in fx for soc in socs]
        failures = check_sources(sources)
        for report in failures:
            print(report)
        print(f"sources: {len(sources)} checks ({len(fx)} fixtures), "
              f"{'all pass' if not failures else 'FAILURES above'}")
        status |= bool(failures)
    return status


# ---------------------------------------------------------------------------------------------------
# The type matrix: each vector op and copy with each element type, and each Cast pair. A name
# alone does not say which types an API takes on which SoC; these cases do. The vendor side is
# a compile (check.sh); the simulator side is a compile, then a run of every case that compiled,
# since the simulator refuses some combinations only when they execute (unsupported_* faults).

TYPES = ("half", "float", "int16_t", "int32_t", "uint16_t", "uint32_t", "int8_t", "uint8_t", "bfloat16_t", "int64_t")
MATRIX = Path(__file__).resolve().with_name("sim_api_matrix.txt")
_FORMS = {
    "binary": (("Add", "Sub", "Mul", "Div", "Max", "Min"), "{op}(d, a, b, N);"),
    "scalar": (("Adds", "Muls", "Maxs", "Mins"), "{op}(d, a, static_cast<T>(1), N);"),
    "unary": (("Exp", "Ln", "Abs", "Sqrt", "Rsqrt", "Reciprocal", "Relu"), "{op}(d, a, N);"),
    "reduce": (("ReduceMax", "ReduceMin", "ReduceSum"), "{op}(d, a, b, N);"),
    "other": (("Duplicate",), "Duplicate(d, static_cast<T>(1), N);"),
    "compare": (("Compare",), "Compare(m, a, b, CMPMODE::LT, N);"),
    "compare_scalar": (("CompareScalar",), "CompareScalar(m, a, static_cast<T>(1), CMPMODE::LT, N);"),
    "select": (("Select",), "Select(d, m, a, b, SELMODE::VSEL_TENSOR_TENSOR_MODE, N);"),
    "select_scalar": (("Select.scalar",), "Select(d, m, a, static_cast<T>(1), SELMODE::VSEL_TENSOR_SCALAR_MODE, N);"),
    "copy_in": (("DataCopy.in",), "DataCopy(d, g, N);"),
    "copy_out": (("DataCopy.out",), "DataCopy(g, d, N);"),
    "pad_in": (("DataCopyPad.in",),
               "DataCopyPad(d, g, DataCopyExtParams{1, N * sizeof(T), 0, 0, 0}, DataCopyPadExtParams<T>{false, 0, 0, "
               "static_cast<T>(0)});"),
    "pad_out": (("DataCopyPad.out",), "DataCopyPad(g, d, DataCopyExtParams{1, N * sizeof(T), 0, 0, 0});"),
    # scans and erf (advanced APIs): an 8 x 32 tile, the sharedTmpBuffer in the upper 4 KiB of the buffer
    "cumsum": (("CumSum",), "LocalTensor<uint8_t> t = buf.GetWithOffset<uint8_t>(4096, 6144); "
                            "CumSum<T>(d, d, a, t, CumSumInfo{8, 32});"),
    "erf": (("Erf",), "Erf(d, a, buf.GetWithOffset<uint8_t>(4096, 6144), N);"),
    # gather and broadcast (issue 13): offsets / patterns in the m buffer (zeros: element 0, nothing kept)
    "gather": (("Gather",), "Duplicate(m.ReinterpretCast<uint32_t>(), 0u, 64); PipeBarrier<PIPE_V>(); "
               "Gather(d, a, m.ReinterpretCast<uint32_t>(), 0u, 64u);"),
    "gather_mask": (("GatherMask",), "uint64_t k = 0; GatherMask(d, a, static_cast<uint8_t>(1), true, N, "
                    "GatherMaskParams(1, 1, 8, 0), k);"),
    "brcb": (("Brcb",), "Brcb(d, a, 1, BrcbRepeatParams(1, 8));"),
    "broadcast": (("Broadcast",), "const uint32_t ds[2] = {4, 64}; const uint32_t ss[2] = {1, 64}; "
                  "LocalTensor<uint8_t> w = buf.GetWithOffset<uint8_t>(2048, 8192); "
                  "Broadcast<T, 2, 0>(d, a, ds, ss, w);"),
}
# strided / 2-D data movement (std.load_rows / std.store_rows): two rows with gaps on both sides.
_FORMS.update({
    "rows_in": (("DataCopy.rows_in",), "DataCopy(d, g, DataCopyParams(2, 1, 1, 2));"),
    "rows_out": (("DataCopy.rows_out",), "DataCopy(g, d, DataCopyParams(2, 1, 2, 1));"),
    "pad_rows_in": (("DataCopyPad.rows_in",),
                    "DataCopyPad(d, g, DataCopyExtParams{2, 3 * sizeof(T), sizeof(T), 1, 0}, "
                    "DataCopyPadExtParams<T>{true, 1, 1, static_cast<T>(0)});"),
    "pad_rows_out": (("DataCopyPad.rows_out",),
                     "DataCopyPad(g, d, DataCopyExtParams{2, 3 * sizeof(T), 1, sizeof(T), 0});"),
})
# Every case runs on 256 elements (a whole number of 256-byte repeats for every type) in one TBuf.
_CASE = ("static void apy_case_{i}() {{ using T = {t}; using S = {s}; constexpr uint32_t N = 256; (void)N; "
         "AscendC::TPipe pipe; AscendC::TBuf<AscendC::TPosition::VECCALC> buf; pipe.InitBuffer(buf, 10240); "
         "LocalTensor<T> d = buf.GetWithOffset<T>(N, 0), a = buf.GetWithOffset<T>(N, 2048), "
         "b = buf.GetWithOffset<T>(N, 4096); LocalTensor<S> s = buf.GetWithOffset<S>(N, 6144); "
         "LocalTensor<uint8_t> m = buf.GetWithOffset<uint8_t>(N, 8192); GlobalTensor<T> g; "
         "g.SetGlobalBuffer(reinterpret_cast<__gm__ T*>(apy_gm), N); (void)s; (void)m; (void)g; {body} }}")


# The cube path (ascendpy_sim/cube.h): each on-chip buffer of a case is a TBuf of its own position.
_CUBE_BUFS = {"l1": "A1", "a2": "A2", "b2": "B2", "c1": "CO1"}
_CUBE_FORMS = {
    "nd2nz": (("DataCopy.nd2nz",), "DataCopy(l1.Get<T>(), g, Nd2NzParams(1, 16, 16, 0, 16, 16, 1, 0));"),
    "load2d": (("LoadData",), "LoadData(a2.Get<T>(), l1.Get<T>(), LoadData2DParams(0, 2, 1, 0, 0, false, 0));"),
}
_MMAD = ("MmadParams p; p.m = 16; p.n = 16; p.k = 16; Mmad(c1.Get<{d}>(), a2.Get<{a}>(), b2.Get<{b}>(), p);")
_FIXPIPE = ("FixpipeParamsV220 f; f.nSize = 16; f.mSize = 16; f.srcStride = 16; f.dstStride = 16; "
            "f.deqScalar = 0x3F800000; f.quantPre = QuantMode_t::{q}; Fixpipe(g, c1.Get<S>(), f);")
_CO1_TO_UB = ("DataCopyEnhancedParams e; e.blockMode = BlockMode::BLOCK_MODE_MATRIX; e.deqScale = DeqScale::{q}; "
              "e.deqValue = 0x3C00; DataCopy(d, c1.Get<S>(), DataCopyParams(1, 1, 0, 0), e);")


def _quant(dst: str, src: str) -> str:
    """The quantPre CANN 8.1 requires for a Fixpipe type pair (NoQuant where it names none)."""
    return {("half", "float"): "F322F16", ("bfloat16_t", "float"): "F322BF16", ("half", "int32_t"): "DEQF16",
            ("int8_t", "float"): "QF322B8_PRE", ("uint8_t", "float"): "QF322B8_PRE",
            ("int8_t", "int32_t"): "REQ8", ("uint8_t", "int32_t"): "REQ8"}.get((dst, src), "NoQuant")


def _cube_body(body: str) -> str:
    bufs = " ".join(f"TBuf<TPosition::{pos}> {name}; pipe.InitBuffer({name}, 16384);"
                    for name, pos in _CUBE_BUFS.items() if f"{name}." in body)
    return f"{bufs} {body}"


def matrix_cases() -> list[tuple[str, str, str, str]]:
    """(case name, T, S, body): ops over TYPES, then Cast<T, S> (dst T, src S) for every pair, then the cube
    path: Nd2Nz and LoadData per type, Mmad per (dst, fm, filter), Fixpipe and L0C -> UB per (dst, src)."""
    out = []
    for ops, body in _FORMS.values():
        for op in ops:
            out += [(f"{op}<{t}>", t, t, body.replace("{op}", op)) for t in TYPES]
    out += [(f"Cast<{t},{s}>", t, s, "Cast(d, s, RoundMode::CAST_RINT, N);") for t in TYPES for s in TYPES if s != t]
    # The same pairs with CAST_NONE: the simulator takes exactly the round modes CANN 8.1 implements per pair
    # (vec.h cast_modes), so a pair without CAST_RINT shows up here (tests/test_index_types.py checks all modes).
    out += [(f"Cast.none<{t},{s}>", t, s, "Cast(d, s, RoundMode::CAST_NONE, N);") for t in TYPES for s in TYPES
            if s != t]
    for ops, body in _CUBE_FORMS.values():
        for op in ops:
            out += [(f"{op}<{t}>", t, t, _cube_body(body)) for t in TYPES]
    ins = ("half", "bfloat16_t", "float", "int8_t", "uint8_t")
    triples = [(d, a, a) for d in ("float", "int32_t", "half") for a in ins] + \
        [("int32_t", "uint8_t", "int8_t"), ("int32_t", "int8_t", "uint8_t")]
    out += [(f"Mmad<{d},{a},{b}>", d, a, _cube_body(_MMAD.format(d=d, a=a, b=b))) for d, a, b in triples]
    out += [(f"Fixpipe<{t},{s}>", t, s, _cube_body(_FIXPIPE.format(q=_quant(t, s))))
            for s in ("float", "int32_t") for t in TYPES]
    pairs = [(t, t) for t in TYPES] + [("half", "float"), ("half", "int32_t"), ("int16_t", "int32_t"),
                                       ("int8_t", "int32_t"), ("uint8_t", "int32_t")]
    out += [(f"DataCopy.co1<{t},{s}>", t, s, _cube_body(_CO1_TO_UB.format(q="DEQ" if (t, s) == ("half", "int32_t")
                                                                          else "DEQ_NONE")))
            for t, s in pairs]
    return out


def _matrix_source(cases: list[tuple[str, str, str, str]], keep: set[int] | None, harness: bool) -> tuple[str, int]:
    lines = ['#include "kernel_operator.h"', '#include "lib/pad/broadcast.h"', "using namespace AscendC;",
             "static uint8_t* apy_gm = nullptr;"]
    if harness:
        lines += [_HARNESS]
    first = len(lines) + 1
    for i, (_, t, s, body) in enumerate(cases):
        lines.append(_CASE.format(i=i, t=t, s=s, body=body) if keep is None or i in keep else "")
    if harness:
        table = ", ".join(f"apy_case_{i}" if keep is None or i in keep else "nullptr" for i in range(len(cases)))
        lines += [f"static void (*const apy_cases[])() = {{{table}}};", _MAIN]
    return "\n".join(lines) + "\n", first


# The harness links against libascendcl_sim.so and takes its device memory from aclrtMalloc, so the
# simulator checks run exactly as in a kernel launch.
_HARNESS = """#include <cstdio>
extern "C" int aclInit(const char*);
extern "C" int aclrtSetDevice(int32_t);
extern "C" int aclrtMalloc(void**, size_t, int);"""
_MAIN = """int main() {
  if (aclInit(nullptr) || aclrtSetDevice(0) || aclrtMalloc(reinterpret_cast<void**>(&apy_gm), 8192, 0)) return 2;
  for (unsigned i = 0; i < sizeof apy_cases / sizeof apy_cases[0]; ++i) {
    if (!apy_cases[i]) continue;
    try { apy_cases[i](); std::printf("%u ok\\n", i); }
    catch (const ascendpy_sim::KernelFault& e) { std::printf("%u fault %s %s\\n", i, e.kind.c_str(), e.what()); }
  }
  return 0;
}"""


def _failed_cases(log: str, first: int) -> set[int]:
    """Indices of cases a compiler log reports an error in (or an unsupported-API warning, as check.sh does)."""
    bad: set[int] = set()
    cur = None
    for line in log.splitlines():
        fn = re.search(r"In function .void apy_case_(\d+)\(\)", line)
        at = re.search(r"apy_probe\.cpp:(\d+):\d+:", line)
        if fn:
            cur = int(fn.group(1))
        elif at and int(at.group(1)) >= first:
            cur = int(at.group(1)) - first
        if cur is not None and re.search(r"\berror:|unsupported API on current device|used but never defined", line):
            bad.add(cur)
    return bad


SIM_SOCS = {"910B": "Ascend910B3", "310P": "Ascend310P3"}


def sim_matrix(cases: list[tuple[str, str, str, str]], cxx: str = "g++") -> dict[str, set[int]]:
    """Per SoC, the cases the simulator accepts: they compile for that SoC and run without an unsupported_* fault."""
    sys.path.insert(0, str(ROOT))
    from ascendpy.sim import build as simbuild
    from ascendpy.toolchain.targets import sim_defines

    accepted: dict[str, set[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "apy_probe.cpp"
        for soc, name in SIM_SOCS.items():
            defines = sim_defines(name)
            text, first = _matrix_source(cases, None, harness=False)
            src.write_text(text)
            proc = subprocess.run([cxx, "-std=c++17", "-fsyntax-only", "-fmax-errors=0", *defines, "-I", str(INCLUDE),
                                   str(src)], capture_output=True, text=True, check=False)
            compiled = set(range(len(cases))) - _failed_cases(proc.stderr, first)
            text, _ = _matrix_source(cases, compiled, harness=True)
            src.write_text(text)
            exe = Path(tmp) / f"matrix_{soc}"
            lib = simbuild.sim_library()
            proc = subprocess.run([cxx, "-std=c++17", "-O0", *defines, "-I", str(INCLUDE), str(src), "-o", str(exe),
                                   f"-L{lib.parent}", "-l:libascendcl_sim.so", f"-Wl,-rpath,{lib.parent}"],
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"the matrix harness does not build for {soc}:\n{proc.stderr[-4000:]}")
            env = {**os.environ, "ASCENDPY_SIM_SOC": name}
            env.pop("LD_PRELOAD", None)
            run = subprocess.run([str(exe)], capture_output=True, text=True, check=True, timeout=300, env=env)
            ok = set()
            for line in run.stdout.splitlines():
                i, verdict, *rest = line.split(" ", 2)
                if verdict == "ok":
                    ok.add(int(i))
                elif not rest[0].startswith("unsupported"):
                    raise RuntimeError(f"case {cases[int(i)][0]} on {soc} faults for another reason: {rest}")
            accepted[soc] = ok
    return accepted


def vendor_matrix(cases: list[tuple[str, str, str, str]]) -> dict[str, set[int]]:
    """Per SoC, the cases CANN's headers accept: one file per case, since a compiler reports an error
    in a shared template instantiation only once, so a batch would let later cases look accepted."""
    from concurrent.futures import ThreadPoolExecutor

    accepted: dict[str, set[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, case in enumerate(cases):
            text, _ = _matrix_source([case], None, harness=False)
            f = Path(tmp) / f"case_{i}.cpp"
            f.write_text(text)
            files.append(f)

        def run(soc: str) -> tuple[str, str]:
            proc = subprocess.run(["bash", str(CHECK_SH), "--soc", soc, *map(str, files)], capture_output=True,
                                  text=True, check=False)
            return soc, proc.stdout + proc.stderr

        with ThreadPoolExecutor(len(SOCS)) as pool:
            for soc, log in pool.map(run, SOCS):
                verdicts = {int(m.group(2)): m.group(1) for m in
                            re.finditer(r"^(PASS|FAIL) \S+ \S*case_(\d+)\.cpp", log, re.M)}
                if len(verdicts) != len(cases):
                    sys.exit(f"check.sh gave {len(verdicts)} verdicts for {len(cases)} cases on {soc}:\n{log[-3000:]}")
                accepted[soc] = {i for i, v in verdicts.items() if v == "PASS"}
    return accepted


def read_matrix(path: Path = MATRIX) -> dict[str, dict[str, tuple[bool, bool]]]:
    """tools/sim_api_matrix.txt: per case and SoC, (CANN accepts, simulator accepts)."""
    out: dict[str, dict[str, tuple[bool, bool]]] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        case, *cols = line.split()
        out[case] = {c.split("=")[0]: (c.split("=")[1][0] == "y", c.split("=")[1][1] == "y") for c in cols}
    return out


def write_matrix(cases, vendor, sim, path: Path = MATRIX) -> None:
    path.write_text(_matrix_text(cases, vendor, sim))


def _matrix_text(cases, vendor, sim) -> str:
    lines = ["# Which element types each API takes per SoC: CASE SOC=VS... with V = CANN 8.1 accepts it (y/n),",
             "# S = the simulator accepts it (y/n; it compiles and runs without an unsupported_* fault).",
             "# Written by `python tools/sim_api.py check --write`; S must never be y where V is n."]
    for i, (name, *_rest) in enumerate(cases):
        cols = " ".join(f"{soc}={'y' if i in vendor[soc] else 'n'}{'y' if i in sim[soc] else 'n'}" for soc in SOCS)
        lines.append(f"{name} {cols}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
