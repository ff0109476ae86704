"""Read AscendC C++ for the validator: preprocess, blank what the C++ grammar does not know, parse, evaluate constants.

The validator works on the text bisheng would compile for one target, so `#if __CCE_AICORE__ == 200`
and friends are evaluated with the target's macros and inactive code is blanked. Every rewrite keeps
the text's length and newlines, so a tree-sitter node's line is the line in the user's file, and
`#line N "file"` directives (which ascendpy's generated C++ carries) map it back to the Python source.

tree-sitter is imported lazily: `import ascendpy` stays light.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tree_sitter

# AscendC/CCE qualifiers and keywords the tree-sitter C++ grammar does not know (reference 1.1). They are
# replaced by spaces before parsing; their positions are kept so the entry check can still see them.
BLANK_WORDS = ("__global__", "__aicore__", "__gm__", "__inline__", "__vector__", "__cube__", "__host__",
               "__ubuf__", "__cbuf__", "__ca__", "__cb__", "__cc__", "__biasbuf__", "__fbuf__")  # L0A/L0B/L0C/BT/FB
BLANK_CALLS = ("__mix__", "__schedmode__")  # qualifiers with an argument list: `__mix__(1, 2)`

# sizeof of the scalar types kernels use (reference 1.10), and integer widths for casts.
TYPE_SIZES = {
    "bool": 1, "char": 1, "int8_t": 1, "uint8_t": 1, "int16_t": 2, "uint16_t": 2, "short": 2,
    "half": 2, "bfloat16_t": 2, "int32_t": 4, "uint32_t": 4, "int": 4, "unsigned": 4, "unsigned int": 4,
    "float": 4, "int64_t": 8, "uint64_t": 8, "long": 8, "long long": 8, "unsigned long": 8, "size_t": 8,
    "double": 8,
}
INT_TYPES = {
    "bool": (1, False), "char": (8, True), "int8_t": (8, True), "uint8_t": (8, False), "int16_t": (16, True),
    "uint16_t": (16, False), "short": (16, True), "int32_t": (32, True), "uint32_t": (32, False), "int": (32, True),
    "unsigned": (32, False), "unsigned int": (32, False), "int64_t": (64, True), "uint64_t": (64, False),
    "long": (64, True), "long long": (64, True), "unsigned long": (64, False), "size_t": (64, False),
}

_PARSER: Any = None


def parser() -> tree_sitter.Parser:
    """The shared tree-sitter C++ parser (created on first use)."""
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_cpp

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_cpp.language()))
    return _PARSER


_LEXEMES = re.compile(
    r"""(?P<num>\b[0-9][0-9a-zA-Z_.']*)"""  # numbers first: a ' inside is a C++14 digit separator
    r"""|(?P<line>//[^\n]*)|(?P<block>/\*.*?(?:\*/|\Z))"""
    r"""|(?P<str>"(?:\\.|[^"\\\n])*"?)|(?P<chr>'(?:\\.|[^'\\\n])*'?)""",
    re.S,
)


_UNESCAPED_END = re.compile(r"(?:\\.|[^\\])*", re.S)  # the closing quote is not escaped


def _blank_lexeme(m: re.Match[str]) -> str:
    kind, text = m.lastgroup, m.group(0)
    if kind == "num" or text == '"C"':
        return text
    if kind == "block":
        return re.sub(r"[^\n]", " ", text)
    if kind == "line":
        return " " * len(text)
    quote = text[0]
    closed = len(text) > 1 and text[-1] == quote and _UNESCAPED_END.fullmatch(text[1:-1]) is not None
    return quote + " " * (len(text) - 1 - closed) + (quote if closed else "")


def blank_comments(src: str) -> str:
    """Comments and the contents of string and character literals as spaces; offsets and newlines kept.

    `"C"` (for `extern "C"`) is kept. A `'` inside a number is a C++14 digit separator, not a literal.
    """
    return _LEXEMES.sub(_blank_lexeme, src)


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...] | None  # None: object-like
    body: str
    line: int


@dataclass
class LineMap:
    """C++ line -> (file, line) through `#line` directives."""

    source_name: str
    starts: list[int] = field(default_factory=list)  # first C++ line a directive applies to
    files: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def lookup(self, line: int) -> tuple[str, int | None]:
        import bisect

        k = bisect.bisect_right(self.starts, line) - 1
        if k < 0:
            return self.source_name, None
        return self.files[k], self.lines[k] + (line - self.starts[k])


@dataclass
class Preprocessed:
    text: str  # same length and lines as the source; directives, inactive code, comments blanked
    line_map: LineMap
    macros: dict[str, Macro]
    problems: list[tuple[int, str]]  # (line, what could not be evaluated)


_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*([A-Za-z_]\w*|\d+)?(.*)$", re.S)
_LINE_DIRECTIVE = re.compile(r'^[ \t]*#[ \t]*(?:line[ \t]+)?(\d+)(?:[ \t]+"((?:[^"\\]|\\.)*)")?')


def preprocess(source: str, stripped: str, macros: dict[str, Macro], source_name: str) -> Preprocessed:
    """Evaluate conditionals, collect `#define`s and `#line`s; blank every directive and all inactive code.

    `stripped` is `blank_comments(source)`; `#line` file names are read from `source`.
    """
    lines = stripped.split("\n")
    raw = source.split("\n")
    out = list(lines)
    lmap = LineMap(source_name)
    problems: list[tuple[int, str]] = []
    macros = dict(macros)
    # stack of (parent active, this branch active, some branch already taken)
    stack: list[tuple[bool, bool, bool]] = []
    active = True
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _DIRECTIVE.match(line)
        if not m:
            if not active:
                out[i] = " " * len(line)
            i += 1
            continue
        first = i
        body = line
        while body.rstrip().endswith("\\") and i + 1 < len(lines):  # continuation lines
            body = body.rstrip()[:-1] + " " + lines[i + 1]
            i += 1
        for k in range(first, i + 1):
            out[k] = " " * len(lines[k])
        m = _DIRECTIVE.match(body)
        kw = (m.group(1) or "") if m else ""
        rest = (m.group(2) if m else "").strip()
        lineno = first + 1
        if kw in ("if", "ifdef", "ifndef"):
            if not active:
                cond = False
            elif kw == "if":
                cond = _pp_truth(rest, macros, lineno, problems)
            else:
                name = rest.split()[0] if rest.split() else ""
                cond = (name in macros) == (kw == "ifdef")
            stack.append((active, active and cond, cond))
            active = active and cond
        elif kw in ("elif", "elifdef", "elifndef"):
            if stack:
                parent, _, taken = stack[-1]
                cond = False
                if parent and not taken:
                    if kw == "elif":
                        cond = _pp_truth(rest, macros, lineno, problems)
                    else:
                        name = rest.split()[0] if rest.split() else ""
                        cond = (name in macros) == (kw == "elifdef")
                stack[-1] = (parent, parent and cond, taken or cond)
                active = parent and cond
        elif kw == "else":
            if stack:
                parent, _, taken = stack[-1]
                stack[-1] = (parent, parent and not taken, True)
                active = parent and not taken
        elif kw == "endif":
            if stack:
                active = stack.pop()[0]
        elif not active:
            pass
        elif kw == "define":
            md = re.match(r"([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$", rest, re.S)
            if md:
                params = None
                if md.group(2) is not None:
                    params = tuple(p.strip() for p in md.group(3).split(",") if p.strip())
                macros[md.group(1)] = Macro(md.group(1), params, md.group(4).strip(), lineno)
        elif kw == "undef":
            macros.pop(rest.split()[0] if rest.split() else "", None)
        elif kw == "line" or kw.isdigit():
            ml = _LINE_DIRECTIVE.match(raw[first] if first < len(raw) else "")
            if ml:
                fname = ml.group(2)
                if fname is None:
                    fname = lmap.files[-1] if lmap.files else source_name
                else:
                    fname = fname.encode().decode("unicode_escape") if "\\" in fname else fname
                lmap.starts.append(i + 2)  # the directive applies to the next line
                lmap.files.append(fname)
                lmap.lines.append(int(ml.group(1)))
        i += 1
    return Preprocessed("\n".join(out), lmap, macros, problems)


def _pp_truth(expr: str, macros: dict[str, Macro], line: int, problems: list[tuple[int, str]]) -> bool:
    """The value of an `#if` expression; unknown identifiers are 0, as in the C preprocessor."""
    text = re.sub(r"\bdefined\s*\(\s*([A-Za-z_]\w*)\s*\)|\bdefined\s+([A-Za-z_]\w*)",
                  lambda m: "1" if (m.group(1) or m.group(2)) in macros else "0", expr)
    text = re.sub(r"\b__has_include\s*\([^)]*\)", "0", text)
    ev = ConstEval(macros, unknown_is_zero=True)
    value = ev.eval_text(text)
    if value is None:
        problems.append((line, f"#if {expr.strip()}"))
        return False
    return value != 0


EXTERN_C = 'extern "C"'
_QUALIFIER_WORDS = set(BLANK_WORDS) | set(BLANK_CALLS) | {"inline", "static", EXTERN_C}


def qualifier_macros(macros: dict[str, Macro]) -> dict[str, list[str]]:
    """Object-like macros that stand for kernel qualifiers only (`#define KERNEL extern "C" __global__ __aicore__`)."""
    out = {}
    for name, mac in macros.items():
        if mac.params is not None or not mac.body:
            continue
        body = re.sub(r"\b(__mix__|__schedmode__)\s*\([^()]*\)", r"\1", mac.body)
        words = re.findall(r'extern\s*"C"|[^\s]+', body)
        words = [EXTERN_C if w.startswith("extern") else w for w in words]
        if words and all(w in _QUALIFIER_WORDS for w in words) and any(w in BLANK_WORDS or w == EXTERN_C
                                                                      for w in words):
            out[name] = [w for w in words if w not in ("inline", "static")]
    return out


def blank_extensions(text: str, qualifier_macros: dict[str, list[str]] | None = None
                     ) -> tuple[str, list[tuple[int, str]]]:
    """Blank the AscendC qualifiers and the `<<<...>>>` launch syntax; return the text and (offset, word) sites.

    A macro made of qualifiers only is blanked too, with a site for each qualifier it stands for (`extern "C"`
    among them). `if ASCEND_IS_AIV {` (a macro that expands to `constexpr(...)`) becomes `if (ASCENDISAIV) {`.
    """
    sites: list[tuple[int, str]] = []
    chars = list(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if chars[k] != "\n":
                chars[k] = " "

    for m in re.finditer(r"\b(" + "|".join(BLANK_WORDS) + r")\b", text):
        sites.append((m.start(), m.group(1)))
        blank(m.start(), m.end())
    for m in re.finditer(r"\b(" + "|".join(BLANK_CALLS) + r")\s*\([^()]*\)", text):
        sites.append((m.start(), m.group(1)))
        blank(m.start(), m.end())
    if qualifier_macros:
        for m in re.finditer(r"\b(" + "|".join(map(re.escape, qualifier_macros)) + r")\b", text):
            sites.extend((m.start(), w) for w in qualifier_macros[m.group(1)])
            blank(m.start(), m.end())
    for m in re.finditer(r"<<<[^;{}]*?>>>", text):
        blank(m.start(), m.end())
    for m in re.finditer(r"\bASCEND_IS_(AIV|AIC)\b", text):
        chars[m.start():m.end()] = list(f"(ASCENDIS{m.group(1)})")
    out = "".join(chars)
    if not out.isascii():  # tree-sitter counts bytes; keep one byte per character
        out = re.sub(r"[^\x00-\x7f]", " ", out)
    sites.sort()
    return out, sites


def parse(text: str) -> tree_sitter.Tree:
    return parser().parse(text.encode())


def node_text(node: Any) -> str:
    return node.text.decode()


@functools.lru_cache(maxsize=4096)
def norm_type(text: str) -> str:
    """`const AscendC::LocalTensor<float> &` -> `LocalTensor<float>`; `unsigned  int` -> `unsigned int`."""
    t = re.sub(r"\b(const|volatile|constexpr|static|inline|typename|struct|class|__restrict__|__restrict)\b", " ",
               text)
    t = re.sub(r"\b(AscendC|std)\s*::\s*", "", t)
    t = t.replace("&", " ").strip()
    return re.sub(r"\s+", " ", re.sub(r"\s*([<>,*:])\s*", r"\1", t)).strip()


def parse_int(text: str) -> int | None:
    """A C++ integer literal's value (suffixes, hex, binary, octal, digit separators); None for floats."""
    t = text.replace("'", "").strip()
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)([uUlLzZ]*)", t)
    if not m:
        return None
    digits = m.group(1)
    if digits[:2] in ("0x", "0X"):
        return int(digits, 16)
    if digits[:2] in ("0b", "0B"):
        return int(digits, 2)
    if len(digits) > 1 and digits[0] == "0":
        return int(digits, 8)
    return int(digits)


def wrap(value: int, type_name: str) -> int | None:
    """`value` converted to an integer type, as a static_cast would (None for non-integer types)."""
    info = INT_TYPES.get(type_name)
    if info is None:
        return None
    bits, signed = info
    if bits == 1:
        return int(value != 0)
    value &= (1 << bits) - 1
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


_CASTS = ("static_cast", "reinterpret_cast", "const_cast")


def binop(op: str, a: int, b: int) -> int | None:
    """`a op b` on integers with C's division (truncation toward zero); None for x/0 and unknown operators."""
    if op in ("/", "%"):
        if b == 0:
            return None
        q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
        return q if op == "/" else a - q * b
    if op == "<<":
        return a << b if 0 <= b < 128 else None
    if op == ">>":
        return a >> b if b >= 0 else None
    f = _BINOPS.get(op)
    return None if f is None else f(a, b)


_BINOPS: dict[str, Callable[[int, int], int]] = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "&": lambda x, y: x & y,
    "|": lambda x, y: x | y, "^": lambda x, y: x ^ y, "&&": lambda x, y: int(bool(x) and bool(y)),
    "||": lambda x, y: int(bool(x) or bool(y)), "==": lambda x, y: int(x == y), "!=": lambda x, y: int(x != y),
    "<": lambda x, y: int(x < y), ">": lambda x, y: int(x > y), "<=": lambda x, y: int(x <= y),
    ">=": lambda x, y: int(x >= y),
}
_PP_CACHE: dict[str, Any] = {}


class ConstEval:
    """Integer constant evaluation over tree-sitter expression nodes.

    Subclasses resolve names (`ident`) and template/alias types (`type_of`); this class knows literals,
    operators, casts, `sizeof` of scalar types and object- or function-like macros.
    """

    def __init__(self, macros: dict[str, Macro], unknown_is_zero: bool = False) -> None:
        self.macros = macros
        self.unknown_is_zero = unknown_is_zero
        self._expanding: set[str] = set()

    # --- hooks --------------------------------------------------------------------------------------------
    def ident(self, node: Any) -> int | None:
        """Value of a name node (identifier, qualified_identifier, field_expression) other than a macro."""
        return None

    def type_of(self, name: str) -> str | None:
        """The scalar type a template parameter or alias stands for."""
        return name if name in TYPE_SIZES else None

    # --- evaluation -----------------------------------------------------------------------------------------
    def eval_text(self, text: str) -> int | None:
        entry = _PP_CACHE.get(text)
        if entry is None:
            tree = parse(f"long __apy_v = ({text});")
            decl = tree.root_node.named_children[0] if tree.root_node.named_child_count else None
            value = None
            if decl is not None and decl.type == "declaration" and not tree.root_node.has_error:
                init = decl.child_by_field_name("declarator")
                value = init.child_by_field_name("value") if init is not None else None
            entry = (tree, value)
            if len(_PP_CACHE) < 4096:
                _PP_CACHE[text] = entry
        return None if entry[1] is None else self.eval(entry[1])

    def _macro(self, name: str, args: list[Any] | None) -> int | None:
        mac = self.macros.get(name)
        if mac is None or name in self._expanding or (mac.params is None) != (args is None):
            return None
        body = mac.body
        if mac.params is not None:
            assert args is not None
            if len(args) != len(mac.params):
                return None
            subst = {p: f"({node_text(a)})" for p, a in zip(mac.params, args)}
            body = re.sub(r"\b[A-Za-z_]\w*\b", lambda m: subst.get(m.group(0), m.group(0)), body)
        if not body:
            return None
        self._expanding.add(name)
        try:
            return self.eval_text(body)
        finally:
            self._expanding.discard(name)

    def name_value(self, node: Any) -> int | None:
        v = self.ident(node)
        if v is None and node.type == "identifier":
            v = self._macro(node_text(node), None)
            if v is None and self.unknown_is_zero:
                v = 0
        return v

    def sizeof(self, text: str) -> int | None:
        t = norm_type(text)
        if t.endswith("*"):
            return 8
        resolved = self.type_of(t)
        return TYPE_SIZES.get(resolved or t)

    def eval(self, node: Any) -> int | None:  # noqa: C901 - one case per node type
        t = node.type
        if t == "number_literal":
            return parse_int(node_text(node))
        if t in ("true", "false"):
            return int(t == "true")
        if t in ("identifier", "qualified_identifier", "field_expression"):
            return self.name_value(node)
        if t == "parenthesized_expression":
            return self.eval(node.named_children[0]) if node.named_child_count == 1 else None
        if t == "unary_expression":
            v = self.eval(node.child_by_field_name("argument"))
            op = node_text(node.child_by_field_name("operator"))
            if v is None:
                return None
            return {"-": -v, "+": v, "!": int(not v), "~": ~v}.get(op)
        if t == "binary_expression":
            return self._binary(node)
        if t == "conditional_expression":
            c = self.eval(node.child_by_field_name("condition"))
            if c is None:
                return None
            return self.eval(node.child_by_field_name("consequence" if c else "alternative"))
        if t == "cast_expression":
            v = self.eval(node.child_by_field_name("value"))
            ty = norm_type(node_text(node.child_by_field_name("type")))
            return None if v is None else wrap(v, self.type_of(ty) or ty)
        if t == "sizeof_expression":
            ty = node.child_by_field_name("type")
            if ty is not None:
                return self.sizeof(node_text(ty))
            val = node.child_by_field_name("value")
            while val is not None and val.type == "parenthesized_expression" and val.named_child_count == 1:
                val = val.named_children[0]
            if val is not None and val.type in ("identifier", "type_identifier", "primitive_type"):
                return self.sizeof(node_text(val))
            return None
        if t == "call_expression":
            return self._call(node)
        if t == "comma_expression":
            return self.eval(node.child_by_field_name("right"))
        if t == "char_literal":
            return None
        return None

    def _binary(self, node: Any) -> int | None:
        op = node_text(node.child_by_field_name("operator"))
        a = self.eval(node.child_by_field_name("left"))
        if op == "&&" and a == 0:
            return 0
        if op == "||" and a not in (None, 0):
            return 1
        b = self.eval(node.child_by_field_name("right"))
        if a is None or b is None:
            return None
        return binop(op, a, b)

    def _call(self, node: Any) -> int | None:
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        argv = list(args.named_children) if args is not None else []
        if fn is None:
            return None
        if fn.type == "template_function":
            name = node_text(fn.child_by_field_name("name"))
            if name in _CASTS and len(argv) == 1:
                v = self.eval(argv[0])
                targs = fn.child_by_field_name("arguments")
                ty = norm_type(node_text(targs)[1:-1]) if targs is not None else ""
                if v is None:
                    return None
                if ty in INT_TYPES or (self.type_of(ty) or "") in INT_TYPES:
                    return wrap(v, self.type_of(ty) or ty)
                return v
            return None
        if fn.type in ("primitive_type", "type_identifier") and len(argv) == 1:  # functional cast uint32_t(x)
            ty = self.type_of(node_text(fn)) or node_text(fn)
            v = self.eval(argv[0])
            return None if v is None or ty not in INT_TYPES else wrap(v, ty)
        if fn.type == "identifier":
            return self._macro(node_text(fn), argv)
        return None


def split_top_level(text: str) -> list[str]:
    """Split at the commas outside brackets: `a, T<b, c>, f(d, e)` -> ["a", "T<b, c>", "f(d, e)"], stripped."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip() or parts:
        parts.append("".join(cur).strip())
    return parts
