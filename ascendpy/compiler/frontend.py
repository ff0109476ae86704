"""Python AST → typed MLIR module (xDSL), one visitor, a source location on every op.

MLIR integers are signless, so the frontend keeps each value's device type
(u16, i32, f32, ...) beside its SSA value and picks the signed or unsigned
arith op. Python locals become rank-0 `memref.alloca`s (tagged with their name
and device type), global-memory pointers `memref<?xT>` arguments.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from xdsl.dialects import arith, func, math, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    ArrayAttr,
    BFloat16Type,
    FileLineColLoc,
    Float16Type,
    Float32Type,
    FloatAttr,
    FunctionType,
    IndexType,
    IntAttr,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    UnitAttr,
    i1,
)
from xdsl.dialects.builtin import (
    f16 as mlir_f16,
)
from xdsl.dialects.builtin import (
    f32 as mlir_f32,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from ascendpy import std
from ascendpy.compiler import cubeops, vecops
from ascendpy.compiler import dialect as asc
from ascendpy.compiler.vecops import VEC_OPS, VECTOR_FORMS_OF_SCALAR_MATH, VecSig, reduce_work_elems
from ascendpy.errors import CompileError
from ascendpy.std import intrinsics as intr
from ascendpy.std.types import ELEMENT_TYPES, SCALAR_TYPES, PtrType, ScalarType, bf16, boolean, f16, f32, i32, i64
from ascendpy.toolchain.entries import MAX_PARAMS as MAX_KERNEL_PARAMS  # the launch ABI's parameter limit

DOCS = "docs/language.md lists what a kernel may use"

# What to write instead of a Python construct a kernel cannot hold (the AST node's class name).
_INSTEAD: dict[str, str] = {
    "List": "for an array use a UB buffer, `buf = std.ub_alloc(f32, n)`, or separate scalars",
    "Tuple": "use separate scalars (one value per name)",
    "Dict": "use separate scalars, or a UB buffer indexed by number",
    "Set": "use separate scalars, or a UB buffer indexed by number",
    "ListComp": "write a `for i in range(n)` loop that stores into a Ptr or a UB buffer",
    "SetComp": "write a `for i in range(n)` loop", "DictComp": "write a `for i in range(n)` loop",
    "GeneratorExp": "write a `for i in range(n)` loop that accumulates into a local",
    "Lambda": "define a module-level @std.inline function and call it",
    "JoinedStr": "kernels have no strings; return results through a Ptr parameter",
    "Starred": "pass each argument separately",
    "NamedExpr": "assign the value on its own line first",
    "Slice": "a slice is a view of a UB buffer passed to a std op (`std.add(y, xb[0:64], xb[64:128], 64)`); "
             "elsewhere index one element (`x[i]`)",
    "Await": "kernels are not coroutines", "Yield": "kernels are not generators; write results through a Ptr",
    "YieldFrom": "kernels are not generators; write results through a Ptr",
    "With": "there are no context managers in a kernel; write the body directly",
    "Try": "kernels cannot catch exceptions; guard the code with `if`",
    "Raise": "kernels cannot raise; guard the code with `if` (the simulator reports out-of-bounds accesses)",
    "Assert": "kernels cannot assert; guard the code with `if` (the simulator checks bounds)",
    "Import": "import at module level", "ImportFrom": "import at module level",
    "FunctionDef": "define helpers at module level with @std.inline and call them",
    "AsyncFunctionDef": "define helpers at module level with @std.inline",
    "ClassDef": "define classes outside the kernel; a kernel uses scalars, Ptr parameters and UB buffers",
    "Global": "use a local variable or a parameter", "Nonlocal": "use a local variable or a parameter",
    "Delete": "locals live for the whole kernel; there is nothing to delete",
    "Match": "use if/elif/else", "AsyncFor": "use `for i in range(...)`", "AsyncWith": "write the body directly",
}


def unsupported(what: str, node_kind: str) -> str:
    """`what` is not supported: the closest supported alternative, then where the full list is."""
    instead = _INSTEAD.get(node_kind)
    return f"{what} is not supported in a kernel{'; ' + instead if instead else ''} ({DOCS})"


# @std.inline calls may nest this deep (a deeper chain, or a cycle, is a CompileError at the call).
MAX_INLINE_DEPTH = 256

_RESERVED_NAMES = frozenset({"main", "std"})  # kernel names the C++ side cannot carry (besides keywords)


def kernel_name_problem(name: str) -> str | None:
    """Why a kernel cannot be called `name` in C++ (its symbol, the launch name), or None if it can."""
    from ascendpy.compiler.codegen import CPP_KEYWORDS

    if not name.isascii():
        return ("is not ASCII: kernel entries are C symbols that CANN's launch API and toolchains look up by name; "
                "rename it with ASCII letters, digits and underscores")
    if name in CPP_KEYWORDS or name in _RESERVED_NAMES:
        return ("is a C++ keyword or a name the generated AscendC already uses (types, AscendC, main); "
                "rename it, e.g. to 'kernel_" + name + "'")
    if name.startswith("_") or "__" in name:
        return ("is a reserved C++ identifier (names starting with '_' or containing '__' belong to the compiler "
                "and AscendC); rename it without them")
    if name.startswith(("apy_", "ascendpy")):
        return "starts like the names of ascendpy's own generated helpers; rename it"
    return None


def mlir_type(t: ScalarType) -> Attribute:
    if t is boolean:
        return i1
    if t is bf16:
        return BFloat16Type()
    if t.is_float:
        return mlir_f16 if t.bits == 16 else mlir_f32
    return IntegerType(t.bits)


@dataclass
class Buf:
    """An on-chip buffer bound to a name: `x = std.ub_alloc(f32, 1024)` or a cube tile `std.l1_alloc(f16, 64, 64)`."""

    ssa: SSAValue
    elem: ScalarType
    count: int  # elements (a cube tile: of its padded shape)
    name: str
    mem: str = "ub"  # "ub", or the cube memory: "l1" "l0a" "l0b" "l0c"
    rows: int = 0  # a cube tile's logical shape
    cols: int = 0
    padded: tuple[int, int] = (0, 0)  # a cube tile's padded shape (its layout's)

    @property
    def what(self) -> str:
        if self.mem == "ub":
            return f"UB buffer '{self.name}'"
        return f"{self.mem.upper()} tile '{self.name}' ({self.elem.name}, {self.rows} x {self.cols})"


@dataclass
class Val:
    """A typed SSA value, or a not-yet-typed Python literal (`ssa is None`)."""

    ssa: SSAValue | None
    ty: ScalarType | None
    literal: int | float | bool | None = None

    @property
    def is_literal(self) -> bool:
        return self.ssa is None


@dataclass
class Var:
    ref: SSAValue  # memref<T> from memref.alloca
    ty: ScalarType
    line: int


class KernelFrontend(ast.NodeVisitor):
    """Builds one `func.func` for one `@std.aiv_kernel` function."""

    def __init__(self, kernel: std.KernelFunction) -> None:
        self.kernel = kernel
        self.name = kernel.name
        self.filename = kernel.filename
        try:
            lines, self.first_line = inspect.getsourcelines(kernel.fn)
        except (OSError, TypeError) as exc:
            code = kernel.fn.__code__
            raise CompileError(std.no_source_message(f"kernel '{kernel.name}'", exc), code.co_filename,
                               code.co_firstlineno, kernel.name) from None
        self.source = textwrap.dedent("".join(lines))
        self.globals: dict[str, Any] = kernel.fn.__globals__
        closure = inspect.getclosurevars(kernel.fn)
        self.closure: dict[str, Any] = dict(closure.nonlocals)
        self.vars: dict[str, Var] = {}
        self.ptrs: dict[str, tuple[SSAValue, ScalarType]] = {}
        self.bufs: dict[str, Buf] = {}
        self.consts: dict[str, Val] = {}  # literal arguments of an inlined call
        self.call_site: FileLineColLoc | None = None  # set while inlining: every op gets the caller's location
        self.inline_stack: list[std.InlineFunction] = []  # the @std.inline calls being expanded, outermost first
        self.inline_result: Val | None = None
        self.prefix = ""  # buffer-name prefix inside an inlined call
        self.block: Block | None = None
        self.entry: Block | None = None
        self.line = self.first_line
        self.col = 0
        self.loop_depth = 0
        self.terminated = False  # the current block has hit break/continue/return
        self.kind = kernel.kind  # "aiv" | "aic" | "mix"
        self.side: str | None = None  # inside `if std.is_aic():` ("aic") / `if std.is_aiv():` ("aiv") of a mix kernel

    # ----------------------------------------------------------------- helpers
    def error(self, message: str, node: ast.AST | None = None) -> CompileError:
        line = self.line
        if node is not None and hasattr(node, "lineno"):
            line = node.lineno + self.first_line - 1
        return CompileError(message, self.filename, line, self.name)

    def loc(self) -> FileLineColLoc:
        if self.call_site is not None:
            return self.call_site
        return FileLineColLoc(StringAttr(self.filename), IntAttr(self.line), IntAttr(self.col))

    def emit(self, op: Operation) -> Operation:
        assert self.block is not None
        op.location = self.loc()
        self.block.add_op(op)
        return op

    def set_pos(self, node: ast.AST) -> None:
        if hasattr(node, "lineno"):
            self.line = node.lineno + self.first_line - 1
            self.col = getattr(node, "col_offset", 0) + 1

    def resolve(self, node: ast.expr) -> Any:
        """Evaluate a Name/Attribute chain against the kernel's globals (for std.*, types)."""
        if isinstance(node, ast.Name):
            if node.id in self.closure:
                return self.closure[node.id]
            if node.id in self.globals:
                return self.globals[node.id]
            builtins = self.globals.get("__builtins__", {})
            if isinstance(builtins, dict):
                return builtins.get(node.id, _MISSING)
            return getattr(builtins, node.id, _MISSING)
        if isinstance(node, ast.Attribute):
            if node.attr == "dtype" and isinstance(node.value, ast.Name) and node.value.id in self.bufs:
                return self.bufs[node.value.id].elem  # buf.dtype, e.g. buf.dtype(n) converts n to it
            base = self.resolve(node.value)
            if base is _MISSING:
                return _MISSING
            return getattr(base, node.attr, _MISSING)
        return _MISSING

    # --------------------------------------------------------------- building
    def build(self) -> func.FuncOp:
        tree = ast.parse(self.source)
        fdef = tree.body[0]
        if not isinstance(fdef, ast.FunctionDef):
            raise self.error("a kernel must be a plain `def` function", fdef)
        self.set_pos(fdef)
        problem = kernel_name_problem(self.name)
        if problem:
            raise self.error(f"the kernel name '{self.name}' {problem}", fdef)
        a = fdef.args
        if len(a.args) > MAX_KERNEL_PARAMS:
            raise self.error(f"kernel '{self.name}' has {len(a.args)} parameters, more than the {MAX_KERNEL_PARAMS} "
                             "the launch ABI takes (aclrtKernelArgsAppend); pass related values together through one "
                             "buffer, e.g. a Ptr[u32] of sizes or a Ptr[f32] of coefficients", fdef)
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
            raise self.error(
                "kernel parameters must be plain positional parameters without defaults, *args or **kwargs",
                fdef,
            )
        param_types: list[PtrType | ScalarType] = []
        for arg in a.args:
            param_types.append(self.param_type(arg))
        arg_mlir: list[Attribute] = []
        for t in param_types:
            if isinstance(t, PtrType):
                arg_mlir.append(MemRefType(mlir_type(t.elem), [DYNAMIC_INDEX]))
            else:
                arg_mlir.append(mlir_type(t))
        body = Region(Block(arg_types=arg_mlir))
        fn = func.FuncOp(self.name, FunctionType.from_lists(arg_mlir, []), body)
        self.set_pos(fdef)
        fn.location = self.loc()  # the def line (errors about the kernel as a whole name it)
        fn.attributes[asc.ENTRY_ATTR] = UnitAttr()
        fn.attributes["ascend.kernel_kind"] = StringAttr(self.kernel.kind)
        fn.attributes["ascend.arg_names"] = ArrayAttr([StringAttr(x.arg) for x in a.args])
        fn.attributes["ascend.arg_types"] = ArrayAttr([StringAttr(repr(t)) for t in param_types])
        self.entry = self.block = fn.body.block
        for arg, t, ssa in zip(a.args, param_types, self.entry.args):
            ssa.name_hint = arg.arg
            if isinstance(t, PtrType):
                self.ptrs[arg.arg] = (ssa, t.elem)
            else:
                var = self.declare(arg.arg, t)
                self.emit(memref.StoreOp.get(ssa, var.ref, []))
        body_stmts = fdef.body
        if body_stmts and isinstance(body_stmts[0], ast.Expr) and isinstance(body_stmts[0].value, ast.Constant) \
                and isinstance(body_stmts[0].value.value, str):
            body_stmts = body_stmts[1:]  # docstring
        self.visit_body(body_stmts)
        if not self.terminated:
            self.emit(func.ReturnOp())
        return fn

    def param_type(self, arg: ast.arg) -> PtrType | ScalarType:
        self.set_pos(arg)
        if arg.annotation is None:
            raise self.error(
                f"parameter '{arg.arg}' has no type; annotate it, e.g. `{arg.arg}: Ptr[f32]` or `{arg.arg}: u32`",
                arg,
            )
        ann = arg.annotation
        if isinstance(ann, ast.Subscript):
            base = self.resolve(ann.value)
            elem = self.resolve(ann.slice)
            if base is std.Ptr and isinstance(elem, ScalarType) and elem.name in ELEMENT_TYPES:
                return PtrType(elem)
        else:
            t = self.resolve(ann)
            if isinstance(t, ScalarType) and t.name in SCALAR_TYPES:
                return t
        raise self.error(
            f"parameter '{arg.arg}' has unsupported type `{ast.unparse(ann)}`; use Ptr[T] "
            f"(T in {', '.join(ELEMENT_TYPES)}) or a scalar type ({', '.join(SCALAR_TYPES)})",
            arg,
        )

    def declare(self, name: str, ty: ScalarType, *, hidden: bool = False) -> Var:
        """A kernel-scoped local (memref.alloca); `hidden` ones (compiler temporaries) get no Python name."""
        assert self.entry is not None
        alloca = memref.AllocaOp.get(mlir_type(ty), shape=[])
        alloca.location = self.loc()
        alloca.attributes["ascend.name"] = StringAttr(name)
        alloca.attributes["ascend.type"] = StringAttr(ty.name)
        # Allocas live at the top of the entry block, before any other op.
        first = self.entry.first_op
        while first is not None and isinstance(first, memref.AllocaOp):
            first = first.next_op
        if first is None:
            self.entry.add_op(alloca)
        else:
            self.entry.insert_op_before(alloca, first)
        var = Var(alloca.memref, ty, self.line)
        if not hidden:
            self.vars[name] = var
        return var

    def visit_body(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if self.terminated:
                break  # code after break/continue/return never runs
            self.set_pos(stmt)
            self.visit(stmt)

    def region(self, stmts: list[ast.stmt], arg_types: list[Attribute] | None = None,
               setup: Callable[[Block], None] | None = None, terminator: Callable[[], Operation] | None = None
               ) -> Region:
        saved_block, saved_term = self.block, self.terminated
        block = Block(arg_types=arg_types or [])
        self.block, self.terminated = block, False
        if setup is not None:
            setup(block)
        self.visit_body(stmts)
        if terminator is not None:
            self.emit(terminator())
        self.block, self.terminated = saved_block, saved_term
        return Region(block)

    # -------------------------------------------------------------- statements
    def generic_visit(self, node: ast.AST) -> Any:
        what = type(node).__name__
        raise self.error(unsupported(f"the Python construct `{what}`", what), node)

    def visit_Pass(self, node: ast.Pass) -> None:
        pass

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a stray string is a comment
        if isinstance(node.value, ast.Call):
            target = self.resolve(node.value.func)
            if target in STATEMENT_CALLS or target in VEC_OPS or target in cubeops.CUBE_OPS or \
                    isinstance(target, std.InlineFunction) or (
                    target in (std.exp, std.ln, std.sqrt) and len(node.value.args) == 3):
                self.call(node.value, target, statement=True)
                return
            self.expr(node.value)  # an unknown call is an error naming it; a known one computes a value
        raise self.error(
            f"expression statement `{ast.unparse(node)}` has no effect in a kernel; assign its value or remove it",
            node,
        )

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1 or isinstance(node.targets[0], ast.Tuple | ast.List):
            raise self.error("assign one target at a time (no `a = b = c`, no tuple unpacking)", node)
        target = node.targets[0]
        if isinstance(target, ast.Name) and target.id in self.bufs:
            raise self.error(f"'{target.id}' names a UB buffer; a buffer name cannot be rebound (allocate another "
                             "buffer with std.ub_alloc under a new name)", node)
        alloc = self.resolve(node.value.func) if isinstance(node.value, ast.Call) else None
        if alloc is intr.ub_alloc or alloc in cubeops.ALLOCS:
            assert isinstance(node.value, ast.Call)
            if not isinstance(target, ast.Name):
                raise self.error("bind a buffer to a plain name: `x = std.ub_alloc(f32, 1024)`", node)
            if target.id in self.vars or target.id in self.ptrs:
                raise self.error(f"'{target.id}' is already a scalar or pointer; give the buffer its own name", node)
            if alloc is intr.ub_alloc:
                self.bufs[target.id] = self.ub_alloc(node.value, target.id)
            else:
                self.bufs[target.id] = self.cube_alloc(node.value, cubeops.ALLOCS[alloc], target.id)
            return
        if isinstance(node.value, ast.Name) and node.value.id in self.bufs:
            raise self.error(f"buffers cannot be copied or aliased (`{ast.unparse(node)}`); use '{node.value.id}' "
                             "directly", node)
        value = self.expr(node.value)
        self.assign(target, value, None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        ty = self.resolve(node.annotation)
        if not isinstance(ty, ScalarType) or ty.name not in SCALAR_TYPES:
            raise self.error(
                f"local annotation `{ast.unparse(node.annotation)}` is not a scalar type "
                f"({', '.join(SCALAR_TYPES)})",
                node,
            )
        if node.value is None:
            raise self.error("a local variable needs a value: `x: u32 = 0`", node)
        self.assign(node.target, self.expr(node.value), ty)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        current = self.expr(_as_load(node.target))
        value = self.binop(node.op, current, self.expr(node.value), node)
        self.assign(node.target, value, None)

    def assign(self, target: ast.expr, value: Val, declared: ScalarType | None) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            if name in self.ptrs:
                raise self.error(f"pointer parameter '{name}' cannot be reassigned", target)
            var = self.vars.get(name)
            if var is None:
                ty = declared or self.default_type(value, target)
                var = self.declare(name, ty)
            elif declared is not None and declared is not var.ty:
                raise self.error(
                    f"'{name}' was declared {var.ty.name} at line {var.line}; it cannot become {declared.name}",
                    target,
                )
            ssa = self.convert(value, var.ty, f"assigning to '{name}' (a {var.ty.name} since line {var.line})",
                               target, explicit=False)
            self.emit(memref.StoreOp.get(ssa, var.ref, []))
            return
        if isinstance(target, ast.Subscript):
            ptr, elem = self.pointer(target.value)
            idx = self.index(target.slice)
            name = ast.unparse(target.value)
            ssa = self.convert(value, elem, f"storing into {name}[...] (Ptr[{elem.name}])", target, explicit=False)
            self.emit(memref.StoreOp.get(ssa, ptr, [idx]))
            return
        raise self.error(f"cannot assign to `{ast.unparse(target)}`; assign to a local name or ptr[index]",
                         target)

    def default_type(self, value: Val, node: ast.AST) -> ScalarType:
        if not value.is_literal:
            assert value.ty is not None
            return value.ty
        lit = value.literal
        if isinstance(lit, bool):
            return boolean
        if isinstance(lit, int):
            lo, hi = i32.min_max()
            if lo <= lit <= hi:
                return i32
            lo, hi = i64.min_max()
            if lo <= lit <= hi:
                return i64
            raise self.error(f"integer literal {lit} does not fit in i64", node)
        return f32

    def visit_If(self, node: ast.If) -> None:
        side = self.side_test(node.test)
        if side is not None:
            self.side_block(node, side)
            return
        test = self.expr(node.test)
        if test.is_literal:  # a compile-time condition (a literal, a module constant, an @std.inline argument):
            self.visit_body(node.body if test.literal else node.orelse)  # only the taken branch is compiled
            return
        cond = self.truth(test, node.test)
        then = self.region(node.body, terminator=lambda: scf.YieldOp())
        orelse = self.region(node.orelse, terminator=lambda: scf.YieldOp()) if node.orelse else None
        self.set_pos(node)
        self.emit(scf.IfOp(cond, [], then, orelse))

    def side_test(self, test: ast.expr) -> str | None:
        """"aic" / "aiv" when `test` is `std.is_aic()` / `std.is_aiv()`."""
        if isinstance(test, ast.Call):
            target = self.resolve(test.func)
            if target is intr.is_aic or target is intr.is_aiv:
                if test.args or test.keywords:
                    raise self.error(f"std.{target.__name__}() takes no arguments", test)
                return "aic" if target is intr.is_aic else "aiv"
        return None

    def side_block(self, node: ast.If, side: str) -> None:
        """`if std.is_aic(): ... [else: ...]`: the body runs on that core type, an else on the other one."""
        other = "aiv" if side == "aic" else "aic"
        if self.kind != "mix":
            raise self.error(f"`if std.is_{side}():` splits a @std.mix_kernel into its cube and vector sides; this "
                             f"is an @std.{std.KERNEL_KINDS[self.kind]}, which runs on "
                             f"{'the cube core only' if self.kind == 'aic' else 'vector cores only'}", node)
        if self.side is not None:
            raise self.error(f"`if std.is_{side}():` inside the {self.side.upper()} side of the kernel: side blocks "
                             "do not nest; put this code directly in one side block", node)
        bodies = [(side, node.body)]
        orelse = node.orelse
        if orelse:
            if len(orelse) == 1 and isinstance(orelse[0], ast.If) and self.side_test(orelse[0].test) is not None:
                inner = orelse[0]
                inner_side = self.side_test(inner.test)
                if inner_side == side or inner.orelse:
                    raise self.error(f"`elif std.is_{inner_side}():` after `if std.is_{side}():`: a mix kernel has two "
                                     f"sides; write `if std.is_{side}(): ... else: ...` (the else runs on the "
                                     f"{other.upper()})", inner)
                orelse = inner.body
            bodies.append((other, orelse))
        for which, stmts in bodies:
            self.side = which
            try:
                body = self.region(stmts)
            finally:
                self.side = None
            self.set_pos(node)
            self.emit(asc.CoreSideOp(attributes={"side": StringAttr(which)}, regions=[body]))

    def need(self, unit: str, what: str, node: ast.AST) -> None:
        """Refuse `what` where the kernel's core cannot run it: unit "cube" (AIC) or "vector" (AIV, the UB)."""
        if unit == "cube" and self.kind == "aiv":
            raise self.error(f"{what} runs on the cube core (AIC), but an @std.aiv_kernel runs on vector cores; "
                             "mark the kernel @std.cube_kernel, or @std.mix_kernel to use both (docs/cube.md)", node)
        if unit == "vector" and self.kind == "aic":
            raise self.error(f"{what} needs the Unified Buffer and the vector unit, which the cube core (AIC) of an "
                             "@std.cube_kernel does not have; use @std.mix_kernel and put it in an "
                             "`if std.is_aiv():` block (docs/cube.md)", node)
        if self.kind == "mix":
            want = "aic" if unit == "cube" else "aiv"
            if self.side != want:
                where = "outside the side blocks" if self.side is None else f"on the {self.side.upper()} side"
                raise self.error(f"{what} is {where} of a @std.mix_kernel; {unit} work runs only on the "
                                 f"{want.upper()}: put it inside `if std.is_{want}():`", node)

    def visit_While(self, node: ast.While) -> None:
        if node.orelse:
            raise self.error("`while ... else` is not supported in a kernel", node)

        def check(_: Block) -> None:
            if isinstance(node.test, ast.Constant) and node.test.value is True:
                return
            self.set_pos(node)
            cond = self.condition(node.test)
            neg = self.emit(arith.XOrIOp(cond, self.const_bool(True))).results[0]
            self.emit(scf.IfOp(neg, [], Region(Block([asc.BreakOp(), scf.YieldOp()]))))

        self.loop_depth += 1
        body = self.region(node.body, setup=check)
        self.loop_depth -= 1
        self.set_pos(node)
        self.emit(asc.LoopOp(regions=[body]))

    def visit_For(self, node: ast.For) -> None:
        if node.orelse:
            raise self.error("`for ... else` is not supported in a kernel", node)
        it = node.iter
        if not (isinstance(it, ast.Call) and self.resolve(it.func) is range and not it.keywords
                and 1 <= len(it.args) <= 3):
            raise self.error("a kernel `for` loop must iterate over range(stop), range(start, stop) or "
                             "range(start, stop, step)", node)
        if not isinstance(node.target, ast.Name):
            raise self.error("the loop variable must be a single name", node)
        vals = [self.expr(a) for a in it.args]
        if len(vals) == 1:
            vals = [Val(None, None, 0), vals[0], Val(None, None, 1)]
        elif len(vals) == 2:
            vals.append(Val(None, None, 1))
        if vals[2].is_literal and vals[2].literal == 0:
            raise self.error("range() step must not be zero", node)
        name = node.target.id
        var = self.vars.get(name)
        ty = var.ty if var is not None else self.common_type(vals, node, default=i32)
        if not ty.is_int:
            raise self.error(f"range() needs integers, and loop variable '{name}' is {ty.name}", node)
        lb, ub, step = (self.convert(v, ty, "range() bound", node, explicit=False) for v in vals)
        if var is None:
            var = self.declare(name, ty)

        def bind(block: Block) -> None:
            self.emit(memref.StoreOp.get(block.args[0], var.ref, []))

        self.loop_depth += 1
        body = self.region(node.body, arg_types=[mlir_type(ty)], setup=bind)
        self.loop_depth -= 1
        self.set_pos(node)
        op = asc.ForOp(operands=[lb, ub, step], regions=[body])
        op.attributes["ascend.signed"] = IntegerAttr(int(ty.signed), 1)
        self.emit(op)

    def visit_Break(self, node: ast.Break) -> None:
        if self.loop_depth == 0:
            raise self.error("`break` outside a loop", node)
        self.emit(asc.BreakOp())
        self.terminated = True

    def visit_Continue(self, node: ast.Continue) -> None:
        if self.loop_depth == 0:
            raise self.error("`continue` outside a loop", node)
        self.emit(asc.ContinueOp())
        self.terminated = True

    def visit_Return(self, node: ast.Return) -> None:
        if self.inline_stack:
            if node.value is not None:
                self.inline_result = self.expr(node.value)
            self.terminated = True
            return
        if node.value is not None:
            raise self.error("a kernel returns nothing; write results through a Ptr parameter", node)
        self.emit(asc.ReturnOp())
        self.terminated = True

    # ------------------------------------------------------------- expressions
    def expr(self, node: ast.expr) -> Val:
        saved = (self.line, self.col)
        self.set_pos(node)
        try:
            method = getattr(self, "expr_" + type(node).__name__, None)
            if method is None:
                raise self.error(unsupported(f"the expression `{_short(ast.unparse(node))}` "
                                             f"({type(node).__name__})", type(node).__name__), node)
            return method(node)
        finally:
            self.line, self.col = saved

    def expr_Constant(self, node: ast.Constant) -> Val:
        v = node.value
        if isinstance(v, bool | int | float):
            return Val(None, None, v)
        raise self.error(f"constant {v!r} of type {type(v).__name__} cannot be used in a kernel; "
                         "only numbers and True/False", node)

    def expr_Name(self, node: ast.Name) -> Val:
        name = node.id
        if name in self.consts:
            return self.consts[name]
        if name in self.bufs:
            raise self.error(f"'{name}' is a UB buffer: pass it to std vector ops, index it ({name}[i]) or take "
                             f"len({name}); it has no scalar value", node)
        if name in self.vars:
            var = self.vars[name]
            return Val(self.emit(memref.LoadOp.get(var.ref, [])).results[0], var.ty)
        if name in self.ptrs:
            raise self.error(f"pointer '{name}' can only be indexed: {name}[i]", node)
        value = self.resolve(node)
        if isinstance(value, bool | int | float) and not isinstance(value, ScalarType):
            return Val(None, None, value)  # a module-level numeric constant
        if value is _MISSING:
            raise self.error(f"name '{name}' is not defined (read before assignment?)", node)
        raise self.error(f"'{name}' is a Python {type(value).__name__}, which a kernel cannot use: pass values as "
                         f"kernel parameters (scalars or Ptr[T]) or as module-level numbers ({DOCS})",
                         node)

    def expr_Attribute(self, node: ast.Attribute) -> Val:
        value = self.resolve(node)
        if isinstance(value, bool | int | float):
            return Val(None, None, value)
        raise self.error(f"`{ast.unparse(node)}` cannot be used as a value in a kernel", node)

    def expr_Subscript(self, node: ast.Subscript) -> Val:
        ptr, elem = self.pointer(node.value)
        idx = self.index(node.slice)
        return Val(self.emit(memref.LoadOp.get(ptr, [idx])).results[0], elem)

    def pointer(self, node: ast.expr) -> tuple[SSAValue, ScalarType]:
        if isinstance(node, ast.Name) and node.id in self.ptrs:
            ssa, elem = self.ptrs[node.id]
        elif isinstance(node, ast.Name) and node.id in self.bufs:
            buf = self.bufs[node.id]
            if buf.mem != "ub":
                raise self.error(f"`{node.id}[...]`: the {buf.what} is not scalar-addressable (only UB buffers and "
                                 "Ptr parameters are); move it out to GM with std.fixpipe (L0C) or read the GM "
                                 "source instead", node)
            self.need("vector", f"indexing UB buffer '{node.id}'", node)
            ssa, elem = buf.ssa, buf.elem
        else:
            raise self.error(f"only Ptr parameters and UB buffers can be indexed, not `{ast.unparse(node)}`", node)
        if elem is bf16:
            raise self.error(f"`{node.id}` holds bf16, which has no scalar arithmetic on the device; cast it to f32 "
                             "in a buffer with std.cast(dst_f32, src_bf16, std.RoundMode.CAST_NONE, n)", node)
        return ssa, elem

    def index(self, node: ast.expr) -> SSAValue:
        if isinstance(node, ast.Slice | ast.Tuple):
            raise self.error("index with a single integer: ptr[i]; slices and tuples are not supported", node)
        return self.as_index(self.expr(node), node)

    def as_index(self, v: Val, node: ast.expr) -> SSAValue:
        if v.is_literal:
            if not isinstance(v.literal, int) or isinstance(v.literal, bool):
                raise self.error(f"index must be an integer, not {v.literal!r}", node)
            return self.emit(arith.ConstantOp(IntegerAttr(v.literal, IndexType()))).results[0]
        assert v.ty is not None and v.ssa is not None
        if not v.ty.is_int or v.ty is boolean:
            raise self.error(f"index must be an integer, not {v.ty.name}", node)
        x = v.ssa
        if not v.ty.signed and v.ty.bits < 64:  # zero-extend first: index_cast sign-extends
            x = self.emit(arith.ExtUIOp(x, IntegerType(64))).results[0]
        return self.emit(arith.IndexCastOp(x, IndexType())).results[0]

    def expr_UnaryOp(self, node: ast.UnaryOp) -> Val:
        v = self.expr(node.operand)
        if isinstance(node.op, ast.Not):
            return Val(self.emit(arith.XOrIOp(self.truth(v, node), self.const_bool(True))).results[0], boolean)
        if v.is_literal:
            if isinstance(node.op, ast.USub):
                return Val(None, None, -v.literal)  # type: ignore[operator]
            if isinstance(node.op, ast.UAdd):
                return v
            if isinstance(node.op, ast.Invert) and isinstance(v.literal, int):
                return Val(None, None, ~v.literal)
        assert v.ty is not None
        if v.ty is boolean:
            raise self.error(f"operator {type(node.op).__name__} does not apply to a bool", node)
        if isinstance(node.op, ast.UAdd):
            return v
        if isinstance(node.op, ast.USub):
            if v.ty.is_float:
                return Val(self.emit(arith.NegfOp(v.ssa)).results[0], v.ty)
            return self.binop(ast.Sub(), Val(None, None, 0), v, node)
        if isinstance(node.op, ast.Invert):
            if not v.ty.is_int:
                raise self.error("~ needs an integer", node)
            return self.binop(ast.BitXor(), v, Val(None, None, -1 if v.ty.signed else v.ty.min_max()[1]), node)
        raise self.error(f"unsupported unary operator {type(node.op).__name__}", node)

    def expr_BinOp(self, node: ast.BinOp) -> Val:
        return self.binop(node.op, self.expr(node.left), self.expr(node.right), node)

    def expr_BoolOp(self, node: ast.BoolOp) -> Val:
        # Short-circuit, as in Python: `i < n and x[i] > 0` must not read x[n].
        result = self.truth(self.expr(node.values[0]), node)
        is_and = isinstance(node.op, ast.And)
        for rest in node.values[1:]:
            saved_block = self.block
            then_block = Block()
            self.block = then_block
            rhs = self.truth(self.expr(rest), node)
            self.emit(scf.YieldOp(rhs))
            other = Block()
            self.block = other
            self.emit(scf.YieldOp(self.const_bool(not is_and)))
            self.block = saved_block
            if is_and:
                op = scf.IfOp(result, [i1], Region(then_block), Region(other))
            else:
                op = scf.IfOp(result, [i1], Region(other), Region(then_block))
            result = self.emit(op).results[0]
        return Val(result, boolean)

    def expr_IfExp(self, node: ast.IfExp) -> Val:
        test = self.expr(node.test)
        if test.is_literal:  # compile-time: `TILE if trans else 0` stays a constant (e.g. a buffer size)
            return self.expr(node.body if test.literal else node.orelse)
        cond = self.truth(test, node.test)
        saved_block = self.block
        a_block, b_block = Block(), Block()
        self.block = a_block
        a = self.expr(node.body)
        self.block = b_block
        b = self.expr(node.orelse)
        ty = self.common_type([a, b], node, default=None)
        self.block = a_block
        self.emit(scf.YieldOp(self.convert(a, ty, "conditional expression", node, explicit=False)))
        self.block = b_block
        self.emit(scf.YieldOp(self.convert(b, ty, "conditional expression", node, explicit=False)))
        self.block = saved_block
        op = self.emit(scf.IfOp(cond, [mlir_type(ty)], Region(a_block), Region(b_block)))
        return Val(op.results[0], ty)

    def expr_Compare(self, node: ast.Compare) -> Val:
        left = self.expr(node.left)
        result: SSAValue | None = None
        links: list[tuple[ast.cmpop, Val, Val]] = []
        for op, comp in zip(node.ops, node.comparators):
            right = self.expr(comp)
            links.append((op, left, right))
            left = right
        if all(a.is_literal and b.is_literal and type(op) in _PY_CMP for op, a, b in links):
            # literals only: a compile-time bool, so `if axis == 0:` in an @std.inline compiles one branch
            return Val(None, None, all(bool(_PY_CMP[type(op)](a.literal, b.literal)) for op, a, b in links))
        for op, a, b in links:
            c = self.compare(op, a, b, node)
            result = c if result is None else self.emit(arith.AndIOp(result, c)).results[0]
        assert result is not None
        return Val(result, boolean)

    def expr_Call(self, node: ast.Call) -> Val:
        target = self.resolve(node.func)
        if node.keywords and target not in KEYWORD_CALLS:
            raise self.error(f"`{ast.unparse(node.func)}` takes no keyword arguments in a kernel", node)
        args = node.args
        if target is len:
            if len(args) != 1 or not (isinstance(args[0], ast.Name) and args[0].id in self.bufs):
                raise self.error("len() in a kernel takes a UB buffer: len(buf) is its element count", node)
            buf = self.bufs[args[0].id]
            if buf.mem != "ub":
                raise self.error(f"len() of the {buf.what}: a cube tile is a 2-D matrix; use its shape from "
                                 "the std.*_alloc call (a module constant)", node)
            return Val(None, None, buf.count)
        if target in cubeops.CUBE_OPS or target in (intr.cross_core_set_flag, intr.cross_core_wait_flag):
            self.call(node, target, statement=False)
            raise self.error(f"`{ast.unparse(node.func)}(...)` returns nothing; call it as a statement", node)
        if target is intr.is_aic or target is intr.is_aiv:
            raise self.error(f"std.{target.__name__}() is not a value: write `if std.{target.__name__}():` with the "
                             "side's code in its block (an `else:` block runs on the other side)", node)
        if target is intr.get_subblock_idx:
            if args:
                raise self.error("std.get_subblock_idx() takes no arguments", node)
            return Val(self.emit(asc.GetSubBlockIdxOp()).results[0], i64)
        if target in VEC_OPS or isinstance(target, std.InlineFunction) or target in STATEMENT_CALLS or (
                target in (std.exp, std.ln, std.sqrt) and len(args) != 1):
            result = self.call(node, target, statement=False)
            if result is None:
                raise self.error(f"`{ast.unparse(node.func)}(...)` returns nothing; call it as a statement", node)
            return result
        if target is std.get_block_idx or target is std.get_block_num:
            if args:
                raise self.error(f"std.{target.__name__}() takes no arguments", node)
            op = asc.GetBlockIdxOp() if target is std.get_block_idx else asc.GetBlockNumOp()
            return Val(self.emit(op).results[0], i64)
        if target in (std.exp, std.ln, std.sqrt):
            if len(args) != 1:
                raise self.error(f"std.{target.__name__}() takes one float argument", node)
            self.need("vector", f"scalar std.{target.__name__}() (one vector instruction on a UB scratch tensor)",
                      node)
            v = self.expr(args[0])
            ty = v.ty if v.ty is not None and v.ty.is_float else f32
            if not v.is_literal and v.ty is not None and not v.ty.is_float:
                raise self.error(f"std.{target.__name__}() needs a float (f16 or f32), not {v.ty.name}; "
                                 f"convert with std.f32(...)", node)
            x = self.convert(v, ty, f"std.{target.__name__}()", node, explicit=False)
            cls = {std.exp: math.ExpOp, std.ln: math.LogOp, std.sqrt: math.SqrtOp}[target]
            return Val(self.emit(cls(x)).results[0], ty)
        if isinstance(target, ScalarType) and target.name in SCALAR_TYPES:
            if len(args) != 1:
                raise self.error(f"{target.name}(...) converts exactly one value", node)
            return Val(self.convert(self.expr(args[0]), target, f"{target.name}(...)", node, explicit=True),
                       target)
        if target is abs:
            if len(args) != 1:
                raise self.error("abs() takes one argument", node)
            v = self.expr(args[0])
            if v.is_literal:
                return Val(None, None, abs(v.literal))  # type: ignore[arg-type]
            zero = Val(None, None, 0)
            assert v.ty is not None
            if not v.ty.signed:
                return v
            neg = self.compare(ast.Lt(), v, zero, node)
            negated = self.expr_UnaryOp_value(v, node)
            return Val(self.emit(arith.SelectOp(neg, negated.ssa, v.ssa)).results[0], v.ty)
        if target is min or target is max:
            if len(args) < 2:
                raise self.error(f"{target.__name__}() takes two or more arguments in a kernel", node)
            acc = self.expr(args[0])
            for a in args[1:]:
                b = self.expr(a)
                pick_b = self.compare(ast.Lt() if target is min else ast.Gt(), b, acc, node)
                ty = self.common_type([acc, b], node, default=None)
                sa = self.convert(acc, ty, f"{target.__name__}()", node, explicit=False)
                sb = self.convert(b, ty, f"{target.__name__}()", node, explicit=False)
                acc = Val(self.emit(arith.SelectOp(pick_b, sb, sa)).results[0], ty)
            return acc
        name = ast.unparse(node.func)
        if target is _MISSING and name.split(".")[-1] in ("free", "ub_free", "FreeTensor", "dealloc"):
            raise self.error(f"`{name}` does not exist: UB buffers live for the whole kernel and are never freed, "
                             "so use-after-free and double free cannot be written", node)
        if target is _MISSING and not isinstance(node.func, ast.Name | ast.Attribute):
            kind = type(node.func).__name__
            raise self.error(unsupported(f"calling the expression `{_short(name)}` ({kind})", kind), node)
        if target is _MISSING:
            raise self.error(f"`{name}` is not defined: a kernel calls std.* functions, @std.inline helpers and "
                             f"conversions like std.u32(x) ({DOCS})", node)
        math_ops = {"exp": "std.exp", "log": "std.ln", "sqrt": "std.sqrt", "fabs": "abs"}
        short = name.split(".")[-1]
        if short in math_ops:
            instead = f"use {math_ops[short]}(x)"
        elif isinstance(target, std.KernelFunction):
            instead = "a kernel cannot call a kernel (or itself); move the shared code into an @std.inline function"
        elif inspect.isfunction(target):
            instead = f"mark `{name}` with @std.inline (at its def) to call it from a kernel"
        else:
            instead = "kernels cannot call arbitrary Python"
        raise self.error(f"call to `{name}` is not supported in a kernel: {instead} ({DOCS})", node)

    def expr_UnaryOp_value(self, v: Val, node: ast.AST) -> Val:
        assert v.ty is not None
        if v.ty.is_float:
            return Val(self.emit(arith.NegfOp(v.ssa)).results[0], v.ty)
        return self.binop(ast.Sub(), Val(None, None, 0), v, node)

    # ---------------------------------------------------------------- buffers
    def const_int(self, node: ast.expr, what: str) -> int:
        v = self.expr(node)
        if not v.is_literal or not isinstance(v.literal, int) or isinstance(v.literal, bool):
            raise self.error(f"{what} must be a compile-time integer (a literal, a module constant or len(buf)), "
                             f"not `{ast.unparse(node)}`", node)
        return v.literal

    def elem_type(self, node: ast.expr) -> ScalarType:
        t = self.resolve(node)
        if isinstance(t, ScalarType) and t.name in ELEMENT_TYPES:
            return t
        raise self.error(f"`{ast.unparse(node)}` is not an element type; use one of {', '.join(ELEMENT_TYPES)} "
                         "or buf.dtype", node)

    def ub_alloc(self, call: ast.Call, name: str) -> Buf:
        if call.keywords or len(call.args) != 2:
            raise self.error("std.ub_alloc(dtype, count) takes an element type and a compile-time element count",
                             call)
        if self.kind == "aic":
            self.need("vector", "std.ub_alloc", call)
        elem = self.elem_type(call.args[0])
        count = self.const_int(call.args[1], "the element count of std.ub_alloc")
        if count <= 0:
            raise self.error(f"std.ub_alloc needs a positive element count, got {count}", call)
        return self.new_buffer(elem, count, self.prefix + name)

    def new_buffer(self, elem: ScalarType, count: int, name: str) -> Buf:
        """A kernel-scoped buffer; its op sits at the top of the kernel so every use is dominated."""
        assert self.entry is not None
        op = asc.UbAllocOp(mlir_type(elem), elem.name, count, name)
        op.location = self.loc()
        first = self.entry.first_op
        while first is not None and isinstance(first, memref.AllocaOp | asc.UbAllocOp | asc.CubeAllocOp):
            first = first.next_op
        if first is None:
            self.entry.add_op(op)
        else:
            self.entry.insert_op_before(op, first)
        op.result.name_hint = name.replace(".", "_")
        return Buf(op.result, elem, count, name)

    def buffer_arg(self, node: ast.expr, what: str) -> Buf:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and isinstance(node.value, ast.Name) \
                and node.value.id in self.bufs:
            return self.buffer_view(self.buffer_arg(node.value, what), node, what)
        if isinstance(node, ast.Call) and self.resolve(node.func) is intr.reinterpret:
            return self.reinterpret(node, what)
        if isinstance(node, ast.Name) and node.id in self.bufs:
            buf = self.bufs[node.id]
            if buf.mem != "ub":
                raise self.error(f"{what} must be a UB buffer (from std.ub_alloc), not the {buf.what}: vector ops "
                                 "work on the Unified Buffer only", node)
            return buf
        raise self.error(f"{what} must be a UB buffer (from std.ub_alloc), not `{ast.unparse(node)}`", node)

    def buffer_view(self, buf: Buf, node: ast.Subscript, what: str) -> Buf:
        """`buf[a:b]` (AscendC `buf[a]`): a view from element a, 32-byte aligned, inside the buffer.

        Constant bounds are checked here; a run-time start is checked by the simulator (alignment, and the
        range of every op on it against the buffer's end).
        """
        sl = node.slice
        assert isinstance(sl, ast.Slice)
        text = ast.unparse(node)
        if sl.step is not None:
            raise self.error(f"{what}: `{text}` has a step; a view of a UB buffer is contiguous (buf[a:b])", node)
        start = self.expr(sl.lower) if sl.lower is not None else Val(None, None, 0)
        stop = self.expr(sl.upper) if sl.upper is not None else Val(None, None, buf.count)
        per_block = 32 // buf.elem.nbytes
        if start.is_literal:
            a = start.literal
            if not isinstance(a, int) or isinstance(a, bool) or not 0 <= a <= buf.count:
                raise self.error(f"{what}: the view `{text}` starts at {a!r}, outside '{buf.name}', which holds "
                                 f"{buf.count} {buf.elem.name} elements", node)
            if a % per_block:
                raise self.error(f"{what}: the view `{text}` starts {a * buf.elem.nbytes} bytes into '{buf.name}', "
                                 f"not on a 32-byte boundary: vector ops and DMA need one (start at a multiple of "
                                 f"{per_block} {buf.elem.name} elements)", node)
        count = buf.count
        if stop.is_literal:
            b = stop.literal
            if not isinstance(b, int) or isinstance(b, bool) or not 0 <= b <= buf.count:
                raise self.error(f"{what}: the view `{text}` ends at {b!r}, outside '{buf.name}', which holds "
                                 f"{buf.count} {buf.elem.name} elements", node)
            count = b - (start.literal if start.is_literal else 0)  # type: ignore[operator]
            if count < 0:
                raise self.error(f"{what}: the view `{text}` is empty or reversed", node)
        offset = self.as_index(start, sl.lower or node)
        view = self.emit(asc.SubviewOp(operands=[buf.ssa, offset], result_types=[buf.ssa.type])).results[0]
        return Buf(view, buf.elem, count, f"{buf.name}[{ast.unparse(sl)}]")

    # ---- reinterpreted views (issue 13: the u32 Gather offsets of cumprod along the last axis)
    def reinterpret(self, node: ast.Call, what: str) -> Buf:
        """`std.reinterpret(buf, dtype)`: buf's bytes as `dtype` elements (`buf.ReinterpretCast<U>()`), an operand.

        The view aliases buf (the sync pass sees buf); its element count is buf's bytes over dtype's size.
        """
        if node.keywords or len(node.args) != 2:
            raise self.error("std.reinterpret(buf, dtype) takes a UB buffer (or a view of one) and an element type",
                             node)
        buf = self.buffer_arg(node.args[0], what)
        elem = self.elem_type(node.args[1])
        nbytes = buf.count * buf.elem.nbytes
        if nbytes % elem.nbytes:
            raise self.error(f"{what}: '{buf.name}' holds {nbytes} bytes, not a whole number of {elem.name} "
                             f"elements ({elem.nbytes} bytes each)", node)
        view = self.emit(asc.ReinterpretOp(operands=[buf.ssa], attributes={"dtype": StringAttr(elem.name)},
                                           result_types=[MemRefType(mlir_type(elem), [nbytes // elem.nbytes],
                                                                    memory_space=asc.UB)])).results[0]
        return Buf(view, elem, nbytes // elem.nbytes, f"std.reinterpret({buf.name}, {elem.name})")
    # ---- end reinterpreted views

    def count_arg(self, node: ast.expr, bufs: list[Buf], what: str, per_bit: bool = False) -> SSAValue:
        v = self.expr(node)
        if v.is_literal:
            lit = v.literal
            if not isinstance(lit, int) or isinstance(lit, bool) or lit < 0:
                raise self.error(f"{what}: the element count must be a non-negative integer, got {lit!r}", node)
            for b in bufs:
                cap = b.count * 8 if per_bit and b.elem.name == "u8" else b.count
                if lit > cap:
                    raise self.error(f"{what}: count {lit} exceeds buffer '{b.name}', which holds {b.count} "
                                     f"{b.elem.name} elements", node)
        return self.as_index(v, node)

    def call(self, node: ast.Call, target: Any, *, statement: bool) -> Val | None:
        if node.keywords and target not in KEYWORD_CALLS:
            raise self.error(f"`{ast.unparse(node.func)}` takes no keyword arguments in a kernel", node)
        if target is intr.pipe_barrier:
            if node.args:
                raise self.error("std.pipe_barrier() takes no arguments (it is PipeBarrier<PIPE_ALL>)", node)
            self.emit(asc.BarrierOp(attributes={"pipe": StringAttr("PIPE_ALL")}))
            return None
        if target is intr.load or target is intr.store:
            self.dma(node, target is intr.load)
            return None
        if target is intr.load_rows or target is intr.store_rows:
            self.dma_rows(node, target is intr.load_rows)
            return None
        if isinstance(target, std.InlineFunction):
            return self.inline_call(node, target)
        if target in cubeops.CUBE_OPS:
            self.cube_call(node, cubeops.CUBE_OPS[target])
            return None
        if target is intr.cross_core_set_flag or target is intr.cross_core_wait_flag:
            self.cross_core(node, "set" if target is intr.cross_core_set_flag else "wait")
            return None
        if target in CROSS_BLOCK_CALLS:
            self.cross_block(node, target)
            return None
        self.need("vector", f"std.{target.__name__} (a vector op)", node)
        sig = VEC_OPS.get(target) or VECTOR_FORMS_OF_SCALAR_MATH[target.__name__]
        result = self.vec_call(node, sig, target.__name__)
        if statement and result is not None and sig.form != "gather_mask":  # its kept count may go unused
            into = "" if sig.form == "argmax" else \
                f", or reduce into a buffer with std.{target.__name__}(dst, src, count)"
            raise self.error(f"the result of `{ast.unparse(node)}` is unused; assign it{into}", node)
        return result

    def dma(self, node: ast.Call, is_load: bool) -> None:
        name = "std.load(dst_buf, src_ptr, offset, count)" if is_load else "std.store(dst_ptr, offset, src_buf, count)"
        args = node.args
        if len(args) != 4:
            raise self.error(f"{name} takes 4 arguments, got {len(args)}", node)
        buf_node = args[0] if is_load else args[2]
        if is_load and isinstance(buf_node, ast.Name) and buf_node.id in self.bufs \
                and self.bufs[buf_node.id].mem == "l1":
            buf = self.bufs[buf_node.id]  # a plain ND copy into an L1 tile (its NZ layout is not respected)
            self.need("cube", f"std.load into the {buf.what}", node)
        else:
            buf = self.buffer_arg(buf_node, f"{name}: the buffer")
            self.need("vector", f"std.{'load' if is_load else 'store'} (a GM <-> UB copy)", node)
        ptr_node = args[1] if is_load else args[0]
        if not (isinstance(ptr_node, ast.Name) and ptr_node.id in self.ptrs):
            raise self.error(f"{name}: `{ast.unparse(ptr_node)}` must be a Ptr parameter", node)
        gm, elem = self.ptrs[ptr_node.id]
        if elem is not buf.elem:
            raise self.error(f"{name}: pointer '{ptr_node.id}' holds {elem.name} but buffer '{buf.name}' holds "
                             f"{buf.elem.name}; copy between equal types and std.cast on chip", node)
        offset = self.index(args[2] if is_load else args[1])
        count = self.count_arg(args[3], [buf], name)
        if buf.mem == "l1":
            lit = self.peek_literal(args[3])
            if isinstance(lit, int) and lit * buf.elem.nbytes % 32:
                raise self.error(f"{name} into the {buf.what}: DataCopy GM -> L1 moves whole 32-byte blocks, and "
                                 f"{lit} x {buf.elem.nbytes} bytes is not a multiple of 32", node)
        self.emit(asc.DmaOp(operands=[buf.ssa, gm, offset, count],
                            attributes={"dir": StringAttr("in" if is_load else "out")}))

    # ---- strided / 2-D data movement: std.load_rows / std.store_rows
    def dma_rows(self, node: ast.Call, is_load: bool) -> None:  # noqa: C901 - one check per rule
        """`rows` rows of `cols` elements in one DMA (asc.DmaRowsOp); constants are checked here, run-time
        values by the simulator (apy_check_rows and the DataCopy bounds checks)."""
        if is_load:
            name, sig = "std.load_rows", ("std.load_rows(dst, src_ptr, offset, rows, cols, src_ld, *, dst_ld=None, "
                                          "pad_left=0, pad_right=0, pad_value=0)")
        else:
            name, sig = "std.store_rows", "std.store_rows(dst_ptr, offset, src, rows, cols, dst_ld, *, src_ld=None)"
        allowed = KEYWORD_CALLS[intr.load_rows if is_load else intr.store_rows]
        kw: dict[str, ast.expr] = {}
        for k in node.keywords:
            if k.arg is None:
                raise self.error(f"{name} takes no **kwargs in a kernel; name each keyword ({sig})", node)
            if k.arg not in allowed:
                raise self.error(f"{name} has no keyword argument '{k.arg}'; its keywords are "
                                 f"{', '.join(allowed)} ({sig})", k.value)
            kw[k.arg] = k.value
        if len(node.args) != 6:
            raise self.error(f"{sig} takes 6 positional arguments, got {len(node.args)}", node)
        a = node.args
        buf_node, ptr_node, off_node = (a[0], a[1], a[2]) if is_load else (a[2], a[0], a[1])
        buf = self.buffer_arg(buf_node, f"{name}: the {'destination' if is_load else 'source'}")
        self.need("vector", f"{name} (a GM <-> UB copy)", node)
        gm, elem = self.ptr_arg(ptr_node, name)
        if elem is not buf.elem:
            raise self.error(f"{name}: pointer '{ast.unparse(ptr_node)}' holds {elem.name} but buffer '{buf.name}' "
                             f"holds {buf.elem.name}; copy between equal types and std.cast on chip", node)
        es = elem.nbytes
        per = 32 // es  # elements per 32-byte block
        offset = self.index(off_node)

        def dim(n: ast.expr, what: str, cap: int | None = None, why: str = "") -> tuple[Val, int | None]:
            v = self.expr(n)
            if v.is_literal:
                lit = v.literal
                if not isinstance(lit, int) or isinstance(lit, bool) or lit < 0:
                    raise self.error(f"{name}: {what} must be a non-negative integer, got {lit!r}", n)
                if cap is not None and lit > cap:
                    raise self.error(f"{name}: {what} = {lit} exceeds {cap}: {why}", n)
                return v, lit
            if v.ty is None or not v.ty.is_int or v.ty is boolean:
                raise self.error(f"{name}: {what} must be an integer, not {v.ty.name if v.ty else v.literal!r}", n)
            return v, None

        def pad(key: str) -> int:
            if key not in kw:
                return 0
            n = self.const_int(kw[key], f"{name}: {key}")
            if n < 0 or n * es > 32:
                raise self.error(f"{name}: {key} = {n} {elem.name} elements is {n * es} bytes; DataCopyPad pads "
                                 f"at most 32 bytes on each side ({per} {elem.name} elements)", kw[key])
            return n

        gm_name, ub_name = ("src_ld", "dst_ld") if is_load else ("dst_ld", "src_ld")
        rows_v, rows = dim(a[3], "rows", 4095, "one DMA moves at most 4095 rows (blockCount); split the copy")
        cols_v, cols = dim(a[4], "cols", 2097151 // es, "DataCopyPad moves at most 2097151 bytes a row")
        gm_ld_v, gm_ld = dim(a[5], gm_name)
        left, right = pad("pad_left"), pad("pad_right")
        row = None if cols is None else cols + left + right  # elements written to a UB row (before 32-byte fill)
        if rows == 1 and gm_ld is not None and cols is not None and gm_ld < cols:
            gm_ld_v, gm_ld = cols_v, cols  # one row: the pitch is never used (and a gap cannot be negative)
        if gm_ld is not None and cols is not None and gm_ld < cols:
            raise self.error(f"{name}: the GM row pitch {gm_name} = {gm_ld} is less than cols = {cols}: rows would "
                             "overlap", a[5])
        if ub_name in kw:
            ub_ld_v, ub_ld = dim(kw[ub_name], ub_name)
            if ub_ld is not None and ub_ld % per:
                raise self.error(f"{name}: the UB row pitch {ub_name} = {ub_ld} {elem.name} elements is "
                                 f"{ub_ld * es} bytes, not a whole number of 32-byte blocks (use a multiple of "
                                 f"{per}): every UB row must start 32-byte aligned", kw[ub_name])
            if ub_ld is not None and row is not None and ub_ld < -(-row // per) * per:
                raise self.error(f"{name}: the UB row pitch {ub_name} = {ub_ld} is shorter than a row: {row} "
                                 f"elements{' with padding' if left or right else ''}, {-(-row // per) * per} "
                                 "after the 32-byte fill", kw[ub_name])
        elif row is not None:
            ub_ld = -(-row // per) * per
            ub_ld_v = Val(None, None, ub_ld)
        else:  # run-time cols: (cols + pads + per - 1) // per * per, in the kernel's integer arithmetic
            ub_ld = None
            up = self.binop(ast.Add(), cols_v, Val(None, None, left + right + per - 1), node)
            ub_ld_v = self.binop(ast.Mult(), self.binop(ast.FloorDiv(), up, Val(None, None, per), node),
                                 Val(None, None, per), node)
        if rows is not None and rows > 0 and ub_ld is not None and row is not None:
            need = (rows - 1) * ub_ld + -(-row // per) * per  # the last row is filled up to 32 bytes too
            if need > buf.count:
                raise self.error(f"{name}: {rows} rows at a UB pitch of {ub_ld} {elem.name} ({row} elements a row, "
                                 f"{-(-row // per) * per} with the 32-byte fill) span {need} elements, but "
                                 f"'{buf.name}' holds {buf.count}", buf_node)
        # DataCopy with DataCopyParams when everything is a constant whole number of 32-byte blocks (gaps
        # in blocks, at most 65535 each); otherwise DataCopyPad, which 910B has and 310P lacks (plan_buffers).
        why = None
        if left or right:
            why = "padding (pad_left / pad_right)"
        elif cols is None:
            why = f"a run-time row length (cols = `{ast.unparse(a[4])}`)"
        elif gm_ld is None:
            why = f"a run-time GM row pitch ({gm_name} = `{ast.unparse(a[5])}`)"
        elif ub_ld is None:
            why = f"a run-time UB row pitch ({ub_name})"
        elif cols % per:
            why = f"rows of {cols} {elem.name} ({cols * es} bytes, not a multiple of 32)"
        elif gm_ld % per:
            why = f"a GM row pitch {gm_name} = {gm_ld} {elem.name} ({gm_ld * es} bytes, not a multiple of 32)"
        elif max(cols * es, (gm_ld - cols) * es, (ub_ld - cols) * es) // 32 > 65535:
            why = "a row or gap of more than 65535 32-byte blocks (DataCopyParams holds 16 bits)"
        operands = [buf.ssa, gm, offset, *(self.as_index(v, n) for v, n in (
            (rows_v, a[3]), (cols_v, a[4]), (gm_ld_v, a[5]), (ub_ld_v, kw.get(ub_name, a[4]))))]
        pad_value = []
        if left or right:  # (pad_value with no padding fills nothing: an @std.inline helper may pass one anyway)
            pv = self.expr(kw["pad_value"]) if "pad_value" in kw else Val(None, None, 0)
            pad_value = [self.convert(pv, elem, f"{name}: pad_value", kw.get("pad_value", node), explicit=False)]
        attrs: dict[str, Attribute] = {
            "dir": StringAttr("in" if is_load else "out"), "form": StringAttr("DataCopyPad" if why else "DataCopy"),
            "pad_left": IntegerAttr(left, IntegerType(64)), "pad_right": IntegerAttr(right, IntegerType(64))}
        if why:
            attrs["why"] = StringAttr(why)
        self.emit(asc.DmaRowsOp(operands=[*operands, pad_value], attributes=attrs))

    def peek_literal(self, node: ast.expr) -> int | float | bool | None:
        """The compile-time value of `node`, if it has one, without emitting anything."""
        saved = self.block
        self.block = Block()
        try:
            v = self.expr(node)
        except CompileError:
            return None
        finally:
            self.block = saved
        return v.literal if v.is_literal else None

    # ------------------------------------------------------------------ cube
    def cube_alloc(self, call: ast.Call, mem: cubeops.CubeMem, name: str) -> Buf:
        what = f"std.{mem.name}_alloc(dtype, {', '.join(mem.dims)})"
        if self.kind == "aiv":  # a mix kernel may allocate anywhere: the tile is initialised on the AIC side
            self.need("cube", what, call)
        if call.keywords or len(call.args) != 3:
            raise self.error(f"{what} takes an element type and two compile-time sizes", call)
        elem = self.elem_type(call.args[0])
        if elem.name not in mem.dtypes:
            raise self.error(f"std.{mem.name}_alloc: {mem.name.upper()} tiles hold {', '.join(mem.dtypes)}, not "
                             f"{elem.name}" + ("; Mmad accumulates f16/bf16/f32 in f32 and i8 in i32"
                                               if mem.name == "l0c" else ""), call)
        rows = self.const_int(call.args[1], f"the {mem.dims[0]} of {what}")
        cols = self.const_int(call.args[2], f"the {mem.dims[1]} of {what}")
        if rows <= 0 or cols <= 0:
            raise self.error(f"{what} needs positive sizes, got {rows} x {cols}", call)
        padded = mem.padded(rows, cols, elem.nbytes)
        assert self.entry is not None
        full = self.prefix + name
        op = asc.CubeAllocOp(mlir_type(elem), elem.name, mem.name, rows, cols, padded, full)
        op.location = self.loc()
        first = self.entry.first_op
        while first is not None and isinstance(first, memref.AllocaOp | asc.UbAllocOp | asc.CubeAllocOp):
            first = first.next_op
        if first is None:
            self.entry.add_op(op)
        else:
            self.entry.insert_op_before(op, first)
        op.result.name_hint = full.replace(".", "_")
        return Buf(op.result, elem, padded[0] * padded[1], full, mem.name, rows, cols, padded)

    def tile_arg(self, node: ast.expr, mem: str, what: str) -> Buf:
        if isinstance(node, ast.Name) and node.id in self.bufs and self.bufs[node.id].mem == mem:
            return self.bufs[node.id]
        got = self.bufs[node.id].what if isinstance(node, ast.Name) and node.id in self.bufs else \
            f"`{ast.unparse(node)}`"
        raise self.error(f"{what} must be an {mem.upper()} tile (from std.{mem}_alloc), not {got}", node)

    def ptr_arg(self, node: ast.expr, what: str) -> tuple[SSAValue, ScalarType]:
        if isinstance(node, ast.Name) and node.id in self.ptrs:
            return self.ptrs[node.id]
        raise self.error(f"{what}: `{ast.unparse(node)}` must be a Ptr parameter", node)

    def dim_arg(self, node: ast.expr, what: str, caps: list[tuple[int, str]], multiple: tuple[int, str] | None = None
                ) -> SSAValue:
        """A runtime or constant size/offset; a constant is checked against `caps` (limit, why) and `multiple`."""
        v = self.expr(node)
        if v.is_literal:
            lit = v.literal
            if not isinstance(lit, int) or isinstance(lit, bool) or lit < 0:
                raise self.error(f"{what} must be a non-negative integer, got {lit!r}", node)
            for limit, why in caps:
                if lit > limit:
                    raise self.error(f"{what} = {lit} exceeds {limit}: {why}", node)
            if multiple is not None and lit % multiple[0]:
                raise self.error(f"{what} = {lit} is not a multiple of {multiple[0]}: {multiple[1]}", node)
        elif v.ty is None or not v.ty.is_int or v.ty is boolean:
            raise self.error(f"{what} must be an integer, not {v.ty.name if v.ty else v.literal!r}", node)
        return self.as_index(v, node)

    def cube_call(self, node: ast.Call, sig: cubeops.CubeSig) -> None:  # noqa: C901 - one case per op
        what = f"std.{sig.name}"
        self.need("cube", what, node)
        args = node.args
        arity = sig.shape.count(",") + 1
        if not arity - sig.optional <= len(args) <= arity or (sig.optional and len(args) not in (arity - 2, arity)):
            raise self.error(f"{what} takes {sig.shape}; got {len(args)} arguments", node)
        relu: bool | None = None
        if sig.name == "load_nz":
            dst = self.tile_arg(args[0], "l1", f"{what}: dst")
            gm, elem = self.ptr_arg(args[1], what)
            if elem is not dst.elem:
                raise self.error(f"{what}: pointer '{ast.unparse(args[1])}' holds {elem.name} but {dst.what} holds "
                                 f"{dst.elem.name}; the cube path copies between equal types", node)
            offset = self.index(args[2])
            rows = self.dim_arg(args[3], f"{what}: rows", [(dst.rows, f"the {dst.what} has {dst.rows} rows")])
            cols = self.dim_arg(args[4], f"{what}: cols", [(dst.cols, f"the {dst.what} has {dst.cols} cols")])
            ld_lit, cols_lit = self.peek_literal(args[5]), self.peek_literal(args[4])
            if isinstance(ld_lit, int) and isinstance(cols_lit, int) and 0 < ld_lit < cols_lit:
                raise self.error(f"{what}: row pitch ld = {ld_lit} is smaller than cols = {cols_lit}; ld is the "
                                 "GM matrix's row length in elements", node)
            ld = self.dim_arg(args[5], f"{what}: ld", [(65535, "Nd2NzParams.srcDValue is a uint16_t")])
            operands = [dst.ssa, gm, offset, rows, cols, ld]
        elif sig.name in ("load_l0a", "load_l0b", "load_l0b_trans"):
            mem = "l0a" if sig.name == "load_l0a" else "l0b"
            dst = self.tile_arg(args[0], mem, f"{what}: dst")
            src = self.tile_arg(args[1], "l1", f"{what}: src")
            if src.elem is not dst.elem:
                raise self.error(f"{what}: {src.what} and {dst.what} differ in element type", node)
            cz = cubeops.c0(dst.elem.nbytes)
            if sig.name == "load_l0b" and dst.elem.name not in cubeops.TRANSPOSE_TYPES:
                raise self.error(f"{what} transposes 16 x 16 fractals (LoadData with ifTranspose), which CANN "
                                 f"8.1 offers for 16-bit types only, not {dst.elem.name} (that needs "
                                 "LoadDataWithTranspose, which ascendpy does not emit); keep B transposed in GM "
                                 "([N x K], row-major), load it with std.load_nz and use std.load_l0b_trans", node)
            # The dst tile's dims in argument order, and which of them runs along the L1 tile's rows:
            # load_l0a A [m x k], load_l0b B [k x n], load_l0b_trans B^T [n x k].
            first, second = ((dst.rows, "m"), (dst.cols, "k")) if mem == "l0a" else ((dst.rows, "k"), (dst.cols, "n"))
            along_rows = first[1] if sig.name != "load_l0b_trans" else second[1]
            row0 = self.dim_arg(args[2], f"{what}: row0", [(src.padded[0] - 1, f"the {src.what} has "
                                f"{src.padded[0]} rows")], (16, "a window starts on a 16-row fractal boundary"))
            col0 = self.dim_arg(args[3], f"{what}: col0", [(src.padded[1] - 1, f"the {src.what} has "
                                f"{src.padded[1]} (padded) cols")], (cz, f"a window starts on a fractal "
                                f"boundary ({cz} {dst.elem.name} elements)"))
            sizes: dict[str, object] = {first[1]: first[0], second[1]: second[0]}
            if len(args) == 6:
                sizes = {first[1]: self.peek_literal(args[4]), second[1]: self.peek_literal(args[5])}
                d1 = self.dim_arg(args[4], f"{what}: {first[1]}", [(first[0], f"the {dst.what} has {first[1]} = "
                                  f"{first[0]}"), (4095, "Mmad sizes are at most 4095")])
                d2 = self.dim_arg(args[5], f"{what}: {second[1]}", [(second[0], f"the {dst.what} has {second[1]} = "
                                  f"{second[0]}"), (4095, "Mmad sizes are at most 4095")])
            else:
                d1 = self.as_index(Val(None, None, first[0]), node)
                d2 = self.as_index(Val(None, None, second[0]), node)
            along_cols = second[1] if along_rows == first[1] else first[1]
            for start, size, unit, axis, cap in ((self.peek_literal(args[2]), sizes[along_rows], 16, "rows",
                                                  src.padded[0]),
                                                 (self.peek_literal(args[3]), sizes[along_cols], cz, "cols",
                                                  src.padded[1])):
                if isinstance(start, int) and isinstance(size, int) and start + -(-size // unit) * unit > cap:
                    name = along_rows if axis == "rows" else along_cols
                    raise self.error(f"{what}: the window {axis} {start}..{start + size} ({name} rounded up to "
                                     f"{unit}) leave the {src.what}, which has {cap} {axis} (padded)", node)
            operands = [dst.ssa, src.ssa, row0, col0, d1, d2]
        elif sig.name == "mmad":
            c = self.tile_arg(args[0], "l0c", f"{what}: dst")
            a = self.tile_arg(args[1], "l0a", f"{what}: a")
            b = self.tile_arg(args[2], "l0b", f"{what}: b")
            combo = cubeops.MMAD_TYPES.get((a.elem.name, b.elem.name))
            if combo is None or combo[0] != c.elem.name:
                offered = "; ".join(f"{x} x {y} -> {z}" + (" (910B only)" if fam == ("910B",) else "")
                                    for (x, y), (z, fam) in cubeops.MMAD_TYPES.items())
                raise self.error(f"{what}: {a.elem.name} x {b.elem.name} -> {c.elem.name} is not a Mmad type "
                                 f"combination; CANN 8.1 offers {offered}", node)
            m = self.dim_arg(args[3], f"{what}: m", [(min(a.rows, c.rows), f"the tiles {a.name} / {c.name} have "
                             f"{min(a.rows, c.rows)} rows"), (4095, "MmadParams.m is at most 4095")])
            n = self.dim_arg(args[4], f"{what}: n", [(min(b.cols, c.cols), f"the tiles {b.name} / {c.name} have "
                             f"{min(b.cols, c.cols)} cols"), (4095, "MmadParams.n is at most 4095")])
            k = self.dim_arg(args[5], f"{what}: k", [(min(a.cols, b.rows), f"the tiles {a.name} ({a.cols} cols) / "
                             f"{b.name} ({b.rows} rows) limit it"), (4095, "MmadParams.k is at most 4095")])
            acc = self.expr(args[6])
            if acc.is_literal and not isinstance(acc.literal, bool):
                raise self.error(f"{what}: accumulate must be True/False or a bool value, not {acc.literal!r}",
                                 args[6])
            operands = [c.ssa, a.ssa, b.ssa, m, n, k, self.truth(acc, args[6])]
        else:  # fixpipe
            gm, elem = self.ptr_arg(args[0], what)
            offset = self.index(args[1])
            c = self.tile_arg(args[2], "l0c", f"{what}: src")
            if (c.elem.name, elem.name) not in cubeops.FIXPIPE_QUANT:
                offered = ", ".join(f"{x} -> {y}" for x, y in cubeops.FIXPIPE_QUANT)
                raise self.error(f"{what}: L0C {c.elem.name} -> Ptr[{elem.name}] is not a conversion ascendpy emits "
                                 f"for Fixpipe; supported: {offered}", node)
            rows = self.dim_arg(args[3], f"{what}: rows", [(c.rows, f"the {c.what} has {c.rows} rows"),
                                                           (8192, "Fixpipe NZ2ND moves at most 8192 rows")])
            cols = self.dim_arg(args[4], f"{what}: cols", [(c.cols, f"the {c.what} has {c.cols} cols"),
                                                           (4095, "FixpipeParamsV220.nSize is at most 4095")])
            ld = self.dim_arg(args[5], f"{what}: ld", [])
            lit = self.peek_literal(args[6])
            if not isinstance(lit, bool):
                raise self.error(f"{what}: relu must be a compile-time True or False (it selects the Fixpipe "
                                 f"mode), not `{ast.unparse(args[6])}`", args[6])
            relu = lit
            operands = [gm, offset, c.ssa, rows, cols, ld]
        op = asc.CubeOp(operands=[operands], attributes={"fn": StringAttr(sig.name)})
        if relu is not None:
            op.relu = IntegerAttr(int(relu), 1)
        self.emit(op)

    def cross_core(self, node: ast.Call, kind: str) -> None:
        what = f"std.cross_core_{kind}_flag(flag_id)"
        if self.kind != "mix":
            raise self.error(f"{what} synchronises the cube and vector cores of a @std.mix_kernel; this is an "
                             f"@std.{std.KERNEL_KINDS[self.kind]}", node)
        if self.side is None:
            raise self.error(f"{what} is outside the side blocks: it must run on one side, inside "
                             "`if std.is_aic():` or `if std.is_aiv():`", node)
        if len(node.args) != 1:
            raise self.error(f"{what} takes one argument", node)
        flag = self.peek_literal(node.args[0])
        if not isinstance(flag, int) or isinstance(flag, bool) or flag not in cubeops.CROSS_CORE_FLAGS:
            raise self.error(f"{what}: flag_id must be a constant 0..15 (each core has 16 cross-core flags), "
                             f"not `{ast.unparse(node.args[0])}`", node)
        self.emit(asc.CrossCoreOp(attributes={"kind": StringAttr(kind), "flag": IntegerAttr(flag, 8)}))

    # ------------------------------------------------- cross-block work: SyncAll and store atomics
    def cross_block(self, node: ast.Call, target: Any) -> None:
        """std.sync_all([workspace]) and std.set_atomic_add/max/min(dtype) / set_atomic_none().

        What the SoC has is checked by plan_buffers (the frontend does not know the SoC).
        """
        name = target.__name__
        if self.kind != "aiv":
            raise self.error(f"std.{name}() is cross-block work of an @std.aiv_kernel (its blocks are vector cores); "
                             f"this is an @std.{std.KERNEL_KINDS[self.kind]}", node)
        args = node.args
        if target is intr.sync_all:
            if len(args) > 1:
                raise self.error("std.sync_all() takes no argument (the hardware SyncAll, 910B) or one: a Ptr[i32] "
                                 "workspace of 8 * block_dim zeros (the software SyncAll, 910B and 310P)", node)
            operands = []
            if args:
                ws = args[0]
                if not (isinstance(ws, ast.Name) and ws.id in self.ptrs):
                    raise self.error(f"std.sync_all(workspace): `{ast.unparse(ws)}` must be a Ptr[i32] parameter", node)
                gm, elem = self.ptrs[ws.id]
                if elem.name != "i32":
                    raise self.error(f"std.sync_all(workspace): '{ws.id}' is Ptr[{elem.name}]; the software SyncAll's "
                                     "workspace is int32 (Ptr[i32], 8 * block_dim elements, zero before the launch)",
                                     node)
                operands = [gm]
            self.need("vector", "std.sync_all", node)
            self.emit(asc.CrossBlockOp(operands=[operands], attributes={"kind": StringAttr("sync_all")}))
            return
        if target is intr.set_atomic_none:
            if args:
                raise self.error("std.set_atomic_none() takes no arguments", node)
            self.emit(asc.CrossBlockOp(operands=[[]], attributes={"kind": StringAttr("atomic_none")}))
            return
        if len(args) != 1:
            raise self.error(f"std.{name}(dtype) takes the element type the stores combine in, e.g. "
                             f"std.{name}(std.f32)", node)
        elem = self.elem_type(args[0])
        self.emit(asc.CrossBlockOp(operands=[[]], attributes={"kind": StringAttr(name.removeprefix("set_")),
                                                              "dtype": StringAttr(elem.name)}))

    def vec_call(self, node: ast.Call, sig: VecSig, pyname: str) -> Val | None:  # noqa: C901 - one case per form
        if sig.form in vecops.GATHER_FORMS:
            return self.gather_call(node, sig, pyname)
        args = node.args
        what = f"std.{pyname}"
        shapes = {"binary": "(dst, a, b, count)", "scalar": "(dst, src, scalar, count)", "unary": "(dst, src, count)",
                  "dup": "(dst, value, count)", "cast": "(dst, src, std.RoundMode.X, count)",
                  "compare": "(mask_u8, a, b, std.CMPMODE.X, count)",
                  "compares": "(mask_u8, a, scalar, std.CMPMODE.X, count)",
                  "select": "(dst, mask_u8, a, b_or_scalar, count)", "reduce": "(src, count) or (dst, src, count)",
                  "cumsum": "(dst, src, rows, cols, axis) or (dst, src, rows, cols, axis, last_row)",
                  "erf": "(dst, src, count)", "argmax": "(src, count) -> u32 index"}
        arity = {"binary": 4, "scalar": 4, "unary": 3, "dup": 3, "cast": 4, "compare": 5, "compares": 5,
                 "select": 5, "erf": 3, "argmax": 2}.get(sig.form)
        if (arity is not None and len(args) != arity) or (sig.form == "reduce" and len(args) not in (2, 3)) or \
                (sig.form == "cumsum" and len(args) not in (5, 6)):
            raise self.error(f"{what} takes {shapes[sig.form]}; got {len(args)} arguments", node)

        def typed(bufs: list[Buf], elem_of: Buf) -> None:
            for b in bufs:
                if b.elem is not elem_of.elem:
                    raise self.error(f"{what}: buffer '{b.name}' holds {b.elem.name} but '{elem_of.name}' holds "
                                     f"{elem_of.elem.name}; all operands must have one element type "
                                     "(convert with std.cast)", node)
            if elem_of.elem.name not in sig.dtypes:
                hint = "; there is no vector arithmetic on bf16: std.cast it to f32 first" \
                    if elem_of.elem is bf16 else ""
                raise self.error(f"{what} (AscendC::{sig.cpp}) does not support {elem_of.elem.name}; supported: "
                                 f"{', '.join(sig.dtypes)}{hint}", node)

        def scalar(n: ast.expr, elem: ScalarType) -> SSAValue:
            return self.convert(self.expr(n), elem, f"the scalar operand of {what} ({elem.name} buffer)", n,
                                explicit=False)

        def enum(n: ast.expr, cls: type, label: str) -> StringAttr:
            v = self.resolve(n)
            if not isinstance(v, cls):
                raise self.error(f"{what}: `{ast.unparse(n)}` must be a std.{cls.__name__} member, e.g. "
                                 f"std.{cls.__name__}.{next(iter(cls.__members__))}", n)
            return StringAttr(v.name)

        mode: StringAttr | None = None
        result: Val | None = None
        form = sig.form
        if form == "binary":
            d, a, b = (self.buffer_arg(x, f"{what}: operand") for x in args[:3])
            typed([d, a, b], d)
            operands = [d.ssa, a.ssa, b.ssa, self.count_arg(args[3], [d, a, b], what)]
        elif form == "scalar":
            d, a = (self.buffer_arg(x, f"{what}: operand") for x in args[:2])
            typed([d, a], d)
            operands = [d.ssa, a.ssa, scalar(args[2], d.elem), self.count_arg(args[3], [d, a], what)]
        elif form == "unary":
            d, a = (self.buffer_arg(x, f"{what}: operand") for x in args[:2])
            typed([d, a], d)
            operands = [d.ssa, a.ssa, self.count_arg(args[2], [d, a], what)]
        elif form == "dup":
            d = self.buffer_arg(args[0], f"{what}: dst")
            typed([d], d)
            if d.elem is bf16:
                raise self.error(f"{what}: fill a bf16 buffer by filling an f32 buffer and std.cast", node)
            operands = [d.ssa, scalar(args[1], d.elem), self.count_arg(args[2], [d], what)]
        elif form == "cast":
            d, a = (self.buffer_arg(x, f"{what}: operand") for x in args[:2])
            mode = enum(args[2], intr.RoundMode, "round mode")
            operands = [d.ssa, a.ssa, self.count_arg(args[3], [d, a], what)]
        elif form in ("compare", "compares"):
            m = self.buffer_arg(args[0], f"{what}: the mask")
            if m.elem.name != "u8":
                raise self.error(f"{what}: the mask buffer '{m.name}' must hold u8 (one bit per element)", node)
            a = self.buffer_arg(args[1], f"{what}: src0")
            typed([a], a)
            if form == "compare":
                b = self.buffer_arg(args[2], f"{what}: src1")
                typed([a, b], a)
                second = b.ssa
            else:
                second = scalar(args[2], a.elem)
            mode = enum(args[3], intr.CMPMODE, "comparison")
            if form == "compare" and isinstance(args[4], ast.Constant) and isinstance(args[4].value, int) \
                    and args[4].value * a.elem.nbytes % 256:
                raise self.error(f"{what}: count {args[4].value} x {a.elem.nbytes} bytes is not a multiple of 256 "
                                 f"bytes, which AscendC::Compare requires ({256 // a.elem.nbytes} {a.elem.name} "
                                 "elements); pad the buffers or use std.compares", node)
            operands = [m.ssa, a.ssa, second, self.count_arg(args[4], [a], what)]
        elif form == "select":
            d = self.buffer_arg(args[0], f"{what}: dst")
            m = self.buffer_arg(args[1], f"{what}: the mask")
            if m.elem.name != "u8":
                raise self.error(f"{what}: the mask buffer '{m.name}' must hold u8 (one bit per element)", node)
            a = self.buffer_arg(args[2], f"{what}: src0")
            if isinstance(args[3], ast.Name) and args[3].id in self.bufs:
                b = self.buffer_arg(args[3], f"{what}: src1")
                typed([d, a, b], d)
                second = b.ssa
                mode = StringAttr("VSEL_TENSOR_TENSOR_MODE")
            else:
                typed([d, a], d)
                second = scalar(args[3], d.elem)
                mode = StringAttr("VSEL_TENSOR_SCALAR_MODE")
            operands = [d.ssa, m.ssa, a.ssa, second, self.count_arg(args[4], [d, a], what)]
        elif form in ("cumsum", "erf"):  # scans and erf: advanced APIs with a compiler-allocated sharedTmpBuffer
            self.scan_erf_call(node, sig, what, typed)
            return None
        elif form == "argmax":  # ReduceMax/ReduceMin with calIndex: [value, index bits] into a hidden buffer
            src = self.buffer_arg(args[0], f"{what}: src")
            typed([src], src)
            d = self.new_buffer(src.elem, 32 // src.elem.nbytes, f"{self.prefix}{pyname}.result")
            work = self.new_buffer(src.elem, reduce_work_elems(src.count, src.elem.nbytes, True),
                                   f"{self.prefix}{pyname}.work")
            if src.elem is f16 and isinstance(self.peek_literal(args[1]), int) and self.peek_literal(args[1]) > 65536:
                raise self.error(f"{what}: ReduceMax/ReduceMin store a half's index in 16 bits, so at most 65536 "
                                 f"f16 elements; split the range and compare the partial results", node)
            self.emit_vec(sig, [d.ssa, src.ssa, work.ssa, self.count_arg(args[1], [src], what)], StringAttr("calIndex"))
            one = self.emit(arith.ConstantOp(IntegerAttr(1, IndexType()))).results[0]
            bits = self.emit(memref.LoadOp.get(d.ssa, [one])).results[0]
            raw = self.emit(arith.BitcastOp(bits, IntegerType(src.elem.bits))).results[0]
            if src.elem.bits < 32:
                raw = self.emit(arith.ExtUIOp(raw, IntegerType(32))).results[0]
            return Val(raw, std.u32)
        else:  # reduce
            into = len(args) == 3
            src = self.buffer_arg(args[1 if into else 0], f"{what}: src")
            typed([src], src)
            if into:
                d = self.buffer_arg(args[0], f"{what}: dst")
                typed([d, src], src)
            else:
                d = self.new_buffer(src.elem, 32 // src.elem.nbytes, f"{self.prefix}{pyname}.result")
            work = self.new_buffer(src.elem, reduce_work_elems(src.count, src.elem.nbytes, False),
                                   f"{self.prefix}{pyname}.work")
            operands = [d.ssa, src.ssa, work.ssa, self.count_arg(args[-1], [src], what)]
            if not into:
                self.emit_vec(sig, operands, mode)
                zero = self.emit(arith.ConstantOp(IntegerAttr(0, IndexType()))).results[0]
                return Val(self.emit(memref.LoadOp.get(d.ssa, [zero])).results[0], src.elem)
        self.emit_vec(sig, operands, mode)
        return result

    # ---- scans and erf (std.cumsum, std.erf): CANN 8.1 lib/math/cumsum.h and lib/math/erf.h
    def scan_erf_call(self, node: ast.Call, sig: VecSig, what: str, typed: Callable[[list[Buf], Buf], None]) -> None:
        """`AscendC::CumSum<T, config>(dst, lastRow, src, tmp, {rows, cols})` / `AscendC::Erf(dst, src, tmp, n)`.

        The sharedTmpBuffer is a u8 buffer of this call site, sized by vecops (it counts against the UB
        budget). The constraints the vendor code asserts or relies on are checked here when they are known
        at compile time, and by the simulator otherwise.
        """
        args = node.args
        d = self.buffer_arg(args[0], f"{what}: dst")
        a = self.buffer_arg(args[1], f"{what}: src")
        typed([d, a], d)
        elem = d.elem.name
        if sig.form == "erf":
            lit = self.peek_literal(args[2])
            n = lit if isinstance(lit, int) and not isinstance(lit, bool) else a.count
            tmp = self.new_buffer(std.u8, vecops.erf_tmp_bytes(elem, n), f"{self.prefix}erf.tmp")
            self.emit_vec(sig, [d.ssa, a.ssa, tmp.ssa, self.count_arg(args[2], [d, a], what)], None)
            return
        axis = self.peek_literal(args[4])
        if axis not in (0, 1, -1) or isinstance(axis, bool):
            raise self.error(f"{what}: axis must be a literal 0 (down the columns: row i += row i-1) or 1 (along "
                             f"each row), not `{ast.unparse(args[4])}`", args[4])
        last_axis = axis != 0
        cols = self.const_int(args[3], f"{what}: cols (the row length)")
        size = d.elem.nbytes
        if cols <= 0 or cols * size % vecops.ONE_BLOCK:
            raise self.error(f"{what}: cols = {cols} x {size} bytes must be a positive multiple of 32 bytes "
                             f"(CumSumInfo.inner), i.e. a multiple of {vecops.ONE_BLOCK // size} {elem} elements; "
                             "pad the rows of the tile", args[3])
        if last_axis and cols * size > vecops.CUMSUM_MAX_ROW_BYTES:
            raise self.error(f"{what}: along the last axis a row may hold at most "
                             f"{vecops.CUMSUM_MAX_ROW_BYTES // size} {elem} elements (CumSum transposes it with "
                             f"a repeat count of cols / {vecops.ONE_BLOCK // size} in a uint8_t); got {cols}; "
                             "split the rows into column chunks", args[3])
        for b in (d, a):
            if cols > b.count:
                raise self.error(f"{what}: a row of {cols} elements does not fit buffer '{b.name}', which holds "
                                 f"{b.count} {elem} elements", node)
        rows_lit = self.peek_literal(args[2])
        rows_max = min(d.count, a.count) // cols
        if isinstance(rows_lit, int) and not isinstance(rows_lit, bool):
            if rows_lit <= 0 or rows_lit > rows_max:
                raise self.error(f"{what}: rows = {rows_lit}: need 1 <= rows and rows x cols = {rows_lit * cols} "
                                 f"within dst and src ({min(d.count, a.count)} elements)", args[2])
            rows_max = rows_lit
        rows = self.count_arg(args[2], [], what)
        last = d
        if len(args) == 6:
            last = self.buffer_arg(args[5], f"{what}: last_row")
            typed([last, d], d)
            if last.count < cols:
                raise self.error(f"{what}: last_row '{last.name}' holds {last.count} elements, fewer than a row "
                                 f"({cols})", args[5])
        tmp = self.new_buffer(std.u8, vecops.cumsum_tmp_bytes(elem, last_axis, rows_max, cols),
                              f"{self.prefix}cumsum.tmp")
        cols_v = self.emit(arith.ConstantOp(IntegerAttr(cols, IndexType()))).results[0]
        mode = ("last" if last_axis else "first") + ("_row" if len(args) == 6 else "")
        self.emit_vec(sig, [d.ssa, last.ssa, a.ssa, tmp.ssa, rows, cols_v], StringAttr(mode))

    def emit_vec(self, sig: VecSig, operands: list[SSAValue], mode: StringAttr | None) -> None:
        attrs: dict[str, Attribute] = {"fn": StringAttr(sig.cpp)}
        if mode is not None:
            attrs["mode"] = mode
        self.emit(asc.VecOp(operands=[operands], attributes=attrs))

    # ---- gather and broadcast (issue 13): Gather, GatherMask, Brcb, Broadcast
    def gather_call(self, node: ast.Call, sig: VecSig, pyname: str) -> Val | None:  # noqa: C901 - one case per op
        """std.gather / gather_mask / brcb / broadcast: operand checks at the line, then one ascend.vec op."""
        args = node.args
        what = f"std.{pyname} (AscendC::{sig.cpp})"
        shapes = {"gather": "(dst, src, offsets_u32, base_bytes, count)",
                  "gather_mask": "(dst, src, std.GatherPattern.X or pattern_buffer, count)",
                  "brcb": "(dst, src, repeats)", "broadcast": "(dst, src, rows, cols, axis)"}
        arity = {"gather": 5, "gather_mask": 4, "brcb": 3, "broadcast": 5}[sig.form]
        if len(args) != arity:
            raise self.error(f"std.{pyname} takes {shapes[sig.form]}; got {len(args)} arguments", node)
        d = self.buffer_arg(args[0], f"{what}: dst")
        src = self.buffer_arg(args[1], f"{what}: src")
        for b in (d, src):
            if b.elem is not d.elem:
                raise self.error(f"{what}: src '{src.name}' holds {src.elem.name} but dst '{d.name}' holds "
                                 f"{d.elem.name}; both must have one element type (convert with std.cast)", node)
        if d.elem.name not in sig.dtypes:
            raise self.error(f"{what} does not support {d.elem.name}; CANN 8.1 offers {', '.join(sig.dtypes)}", node)
        same = asc.buffer_root(d.ssa) is asc.buffer_root(src.ssa)
        if same and sig.form != "gather_mask":
            raise self.error(f"{what}: dst and src are the same buffer '{asc.buffer_name(d.ssa)}'; CANN 8.1 does "
                             "not support source and destination in the same memory: use another buffer", node)
        nbytes = d.elem.nbytes
        mode: StringAttr | None = None
        result: Val | None = None
        if sig.form == "gather":
            off = self.buffer_arg(args[2], f"{what}: offsets")
            if off.elem.name != "u32":
                raise self.error(f"{what}: the offsets buffer '{off.name}' must hold u32 (byte offsets into src), "
                                 f"not {off.elem.name}", node)
            base_lit = self.peek_literal(args[3])
            if isinstance(base_lit, int) and not isinstance(base_lit, bool) and (
                    base_lit < 0 or base_lit % nbytes or base_lit >= src.count * nbytes):
                raise self.error(f"{what}: base = {base_lit} bytes must be a multiple of {nbytes} (the size of "
                                 f"{d.elem.name}) inside src '{src.name}' ({src.count * nbytes} bytes)", node)
            base = self.convert(self.expr(args[3]), SCALAR_TYPES["u32"], f"the base address of {what} (bytes)",
                                args[3], explicit=False)
            lit = self.peek_literal(args[4])
            per = 256 // nbytes
            if isinstance(lit, int) and not isinstance(lit, bool) and lit // per > vecops.GATHER_MAX_REPEATS:
                raise self.error(f"{what}: count {lit} is more than {vecops.GATHER_MAX_REPEATS} repeats of {per} "
                                 f"{d.elem.name} (CANN 8.1 passes count / {per} as a uint8_t repeatTimes); gather at "
                                 f"most {(vecops.GATHER_MAX_REPEATS + 1) * per - 1} elements per call", node)
            operands = [d.ssa, src.ssa, off.ssa, base, self.count_arg(args[4], [d, off], what)]
        elif sig.form == "gather_mask":
            is_buf = isinstance(args[2], ast.Subscript) or isinstance(args[2], ast.Name) and args[2].id in self.bufs
            pattern = self.resolve(args[2]) if isinstance(args[2], ast.Attribute | ast.Name) and not is_buf else None
            lit = self.peek_literal(args[3])
            if isinstance(lit, int) and not isinstance(lit, bool) and lit == 0:
                raise self.error(f"{what}: count 0; GatherMask runs in counter mode, where the mask (the element "
                                 "count) is 1..2**32-1", node)
            count = self.count_arg(args[3], [src], what)
            lanes = 256 // nbytes
            if isinstance(pattern, intr.GatherPattern):
                mode = StringAttr(pattern.name)
                operands = [d.ssa, src.ssa, count]
                bits = (0b01, 0b10, 0b0001, 0b0010, 0b0100, 0b1000, 0b1)[pattern - 1]
                period = 2 if pattern <= 2 else (1 if pattern == 7 else 4)
                if isinstance(lit, int) and not isinstance(lit, bool):
                    kept = sum(1 for k in range(lit) if bits >> (k % period) & 1)
                    if kept > d.count:
                        raise self.error(f"{what}: {pattern.name} keeps {kept} of {lit} elements, more than dst "
                                         f"'{d.name}' holds ({d.count})", node)
            elif is_buf:
                pat = self.buffer_arg(args[2], f"{what}: the pattern")
                want = vecops.GATHER_MASK_PATTERN_TYPE[nbytes]
                if pat.elem.name != want:
                    raise self.error(f"{what}: the pattern buffer '{pat.name}' holds {pat.elem.name}; for "
                                     f"{d.elem.name} data CANN 8.1 takes a {want} pattern (one bit per element)", node)
                if isinstance(lit, int) and not isinstance(lit, bool):
                    need = -(-lit // lanes) * lanes // (8 * pat.elem.nbytes)
                    if need > pat.count:
                        raise self.error(f"{what}: {lit} elements read {need} {want} pattern words (whole 256-byte "
                                         f"repeats of {lanes} bits), more than '{pat.name}' holds ({pat.count})", node)
                    if lit > d.count:
                        raise self.error(f"{what}: count {lit} exceeds dst '{d.name}' ({d.count} elements), which a "
                                         "pattern may keep entirely", node)
                operands = [d.ssa, src.ssa, pat.ssa, count]
            else:
                raise self.error(f"{what}: the pattern `{ast.unparse(args[2])}` must be a std.GatherPattern member "
                                 "(e.g. std.GatherPattern.EVEN) or a u16/u32 pattern buffer", node)
            kept_var = self.declare("apy_kept", SCALAR_TYPES["u64"], hidden=True)
            operands.append(kept_var.ref)
            self.emit_vec(sig, operands, mode)
            return Val(self.emit(memref.LoadOp.get(kept_var.ref, [])).results[0], SCALAR_TYPES["u64"])
        elif sig.form == "brcb":
            per = 32 // nbytes
            repeats = self.dim_arg(args[2], f"{what}: repeats", [(vecops.BRCB_MAX_REPEATS, "Brcb's repeatTime is a "
                                   "uint8_t"), (src.count // 8, f"each repeat reads 8 elements of src '{src.name}' "
                                   f"({src.count})"), (d.count // (8 * per), f"each repeat writes 8 blocks of {per} "
                                   f"{d.elem.name} to dst '{d.name}' ({d.count})")])
            operands = [d.ssa, src.ssa, repeats]
        else:  # broadcast
            rows = self.const_int(args[2], f"the rows of {what}")
            cols = self.const_int(args[3], f"the cols of {what}")
            axis = self.const_int(args[4], f"the axis of {what}")
            if rows <= 0 or cols <= 0 or axis not in (0, 1):
                raise self.error(f"{what}: rows and cols must be positive and axis 0 ([1, cols] -> [rows, cols]) or "
                                 f"1 ([rows, 1] -> [rows, cols]); got {rows}, {cols}, {axis}", node)
            n_src = cols if axis == 0 else rows
            for b, n, role in ((d, rows * cols, "dst"), (src, n_src, "src")):
                if n > b.count:
                    raise self.error(f"{what}: {role} '{b.name}' holds {b.count} elements, fewer than {n}", node)
            t = 2 if nbytes == 1 else nbytes
            if axis == 0 and rows > 1 and cols * t % 32:
                raise self.error(f"{what}: axis 0 needs a row of a whole number of 32-byte blocks (CANN 8.1: "
                                 f"\"srcShape[1] must be 32B aligned\"), but {cols} x {d.elem.name} is not; pad cols "
                                 f"to a multiple of {32 // t}", node)
            fams = ["910B"] + (["310P"] if rows * t % 32 == 0 else [])
            tmp_bytes = max(32, *(vecops.broadcast_tmp_bytes(f, nbytes, rows, cols, axis) for f in fams))
            tmp = self.new_buffer(SCALAR_TYPES["u8"], tmp_bytes, f"{self.prefix}broadcast.tmp")
            mode = StringAttr(str(axis))
            operands = [d.ssa, src.ssa, tmp.ssa, self.as_index(Val(None, None, rows), node),
                        self.as_index(Val(None, None, cols), node)]
        self.emit_vec(sig, operands, mode)
        return result
    # ---- end gather and broadcast

    def inline_call(self, node: ast.Call, fn: std.InlineFunction) -> Val | None:
        if fn in self.inline_stack:
            cycle = " -> ".join(f.name for f in self.inline_stack[self.inline_stack.index(fn):])
            raise self.error(f"@std.inline function '{fn.name}' calls itself ({cycle} -> {fn.name}); device functions "
                             "cannot recurse: write the repetition as a loop", node)
        if len(self.inline_stack) >= MAX_INLINE_DEPTH:
            chain = [f.name for f in self.inline_stack]
            shown = " -> ".join(chain[:3] + ["..."] + chain[-2:]) if len(chain) > 6 else " -> ".join(chain)
            raise self.error(f"@std.inline calls nest more than {MAX_INLINE_DEPTH} deep here ({shown} -> {fn.name}); "
                             "ascendpy expands each call in place, so flatten the chain (call helpers one after "
                             "another instead of each through the next)", node)
        try:
            lines, first = inspect.getsourcelines(fn.fn)
        except (OSError, TypeError) as exc:
            raise self.error(std.no_source_message(f"@std.inline function '{fn.name}'", exc), node) from None
        fdef = ast.parse(textwrap.dedent("".join(lines))).body[0]
        assert isinstance(fdef, ast.FunctionDef)
        a = fdef.args
        if a.vararg or a.kwarg or a.kwonlyargs or a.posonlyargs or a.defaults:
            raise self.error(f"@std.inline function '{fn.name}' must take plain positional parameters", node)
        if len(node.args) != len(a.args):
            raise self.error(f"'{fn.name}' takes {len(a.args)} arguments ({', '.join(x.arg for x in a.args)}), "
                             f"got {len(node.args)}", node)
        body = fdef.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        for stmt in ast.walk(fdef):
            if isinstance(stmt, ast.Return) and (not body or stmt is not body[-1]):
                raise self.error(f"@std.inline function '{fn.name}' may only `return` as its last statement "
                                 f"(line {stmt.lineno + first - 1} of {fn.filename})", node)
        bound: list[tuple[str, Any]] = []
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id in self.bufs:
                bound.append(("buf", self.bufs[arg.id]))
            elif isinstance(arg, ast.Name) and arg.id in self.ptrs:
                bound.append(("ptr", self.ptrs[arg.id]))
            elif isinstance(arg, ast.Name | ast.Attribute) and not (isinstance(arg, ast.Name) and (
                    arg.id in self.vars or arg.id in self.consts)) and _is_static(self.resolve(arg)):
                bound.append(("static", self.resolve(arg)))  # an op, dtype or enum: compile-time, like constexpr
            else:
                bound.append(("val", self.expr(arg)))
        saved = dict(vars=self.vars, bufs=self.bufs, consts=self.consts, ptrs=self.ptrs, globals=self.globals,
                     closure=self.closure, first_line=self.first_line, filename=self.filename,
                     call_site=self.call_site, prefix=self.prefix, loop_depth=self.loop_depth,
                     inline_result=self.inline_result, line=self.line, col=self.col, terminated=self.terminated)
        call_line = self.line
        self.call_site = self.call_site or self.loc()
        self.vars, self.bufs, self.consts, self.ptrs = {}, {}, {}, {}
        self.globals = fn.fn.__globals__
        self.closure = dict(inspect.getclosurevars(fn.fn).nonlocals)
        self.first_line, self.filename = first, fn.filename
        self.prefix = f"{self.prefix}{fn.name}."
        self.loop_depth, self.inline_result = 0, None
        self.inline_stack.append(fn)
        try:
            for param, (kind, value) in zip(a.args, bound):
                if kind == "buf":
                    self.bufs[param.arg] = value
                elif kind == "ptr":
                    self.ptrs[param.arg] = value
                elif kind == "static":
                    self.closure[param.arg] = value
                elif value.is_literal:
                    self.consts[param.arg] = value
                else:
                    var = self.declare(param.arg, value.ty)
                    self.emit(memref.StoreOp.get(value.ssa, var.ref, []))
            self.visit_body(body)
            return self.inline_result
        except CompileError as exc:
            if exc.filename == saved["filename"]:
                raise
            raise CompileError(f"in {fn.name}() at {exc.filename}:{exc.lineno}: {exc.message}", saved["filename"],
                               call_line, self.name) from exc
        finally:
            self.inline_stack.pop()
            for key, value in saved.items():
                setattr(self, key, value)

    # ----------------------------------------------------------------- typing
    def common_type(self, vals: list[Val], node: ast.AST, default: ScalarType | None) -> ScalarType:
        typed = [v.ty for v in vals if not v.is_literal]
        if not typed:
            lits = [v.literal for v in vals]
            if default is not None and all(isinstance(x, int) and not isinstance(x, bool) for x in lits):
                return default
            if any(isinstance(x, float) for x in lits):
                return f32
            if all(isinstance(x, bool) for x in lits):
                return boolean
            return self.default_type(vals[0], node)
        result = typed[0]
        assert result is not None
        for t in typed[1:]:
            assert t is not None
            result = self.promote(result, t, node)
        if result.is_int and any(v.is_literal and isinstance(v.literal, float) for v in vals):
            result = f32
        return result

    def promote(self, a: ScalarType, b: ScalarType, node: ast.AST) -> ScalarType:
        if a is b:
            return a
        if a is boolean or b is boolean:
            raise self.error(f"cannot mix bool with {b.name if a is boolean else a.name}", node)
        if a.is_float or b.is_float:
            if a.is_float and b.is_float:
                return a if a.bits >= b.bits else b
            return a if a.is_float else b
        # Both integers: the wider type wins if it holds every value of the other.
        for wide, narrow in ((a, b), (b, a)):
            if wide.bits > narrow.bits and (wide.signed or not narrow.signed):
                return wide
        raise self.error(
            f"mixing {a.name} and {b.name} would silently change values; convert one explicitly, "
            f"e.g. std.{a.name}(...) or std.{b.name}(...)", node
        )

    def const(self, value: int | float | bool, ty: ScalarType) -> SSAValue:
        if ty is boolean:
            return self.const_bool(bool(value))
        if ty.is_float:
            return self.emit(arith.ConstantOp(FloatAttr(float(value), mlir_type(ty)))).results[0]  # type: ignore[arg-type]
        v = int(value)
        if ty.signed and v >= (1 << (ty.bits - 1)):
            v -= 1 << ty.bits  # IntegerAttr wants the signed view of the bits
        return self.emit(arith.ConstantOp(IntegerAttr(v, IntegerType(ty.bits)))).results[0]

    def const_bool(self, value: bool) -> SSAValue:
        return self.emit(arith.ConstantOp(IntegerAttr(int(value), i1))).results[0]

    def convert(self, v: Val, ty: ScalarType, what: str, node: ast.AST, *, explicit: bool) -> SSAValue:
        """Materialise `v` as a `ty` SSA value; implicit conversions must not change the value."""
        if v.is_literal:
            lit = v.literal
            if ty is boolean:
                if not isinstance(lit, bool) and not explicit:
                    raise self.error(f"{what}: expected a bool, got {lit!r}", node)
                return self.const_bool(bool(lit))
            if ty.is_int:
                if isinstance(lit, float):
                    if not explicit:
                        raise self.error(f"{what}: float {lit!r} where an integer ({ty.name}) is needed; "
                                         f"convert with std.{ty.name}(...)", node)
                    lit = int(lit)
                lit = int(lit)  # type: ignore[arg-type]
                lo, hi = ty.min_max()
                if not lo <= lit <= hi:
                    if not explicit:
                        raise self.error(f"{what}: literal {lit} does not fit in {ty.name} "
                                         f"[{lo}, {hi}]", node)
                    lit &= (1 << ty.bits) - 1
                return self.const(lit % (1 << ty.bits), ty)
            return self.const(float(lit), ty)  # type: ignore[arg-type]
        src = v.ty
        assert src is not None and v.ssa is not None
        if src is ty:
            return v.ssa
        if not explicit and not _widens(src, ty):
            raise self.error(
                f"{what}: {src.name} value where {ty.name} is expected; this could change the value, so "
                f"convert explicitly with std.{ty.name}(...)", node
            )
        x = v.ssa
        if ty is boolean:
            return self.truth(v, node)
        if src is boolean:
            x = self.emit(arith.ExtUIOp(x, IntegerType(8))).results[0]
            src = std.u8
        target = mlir_type(ty)
        if src.is_int and ty.is_int:
            if ty.bits > src.bits:
                cls = arith.ExtSIOp if src.signed else arith.ExtUIOp
                return self.emit(cls(x, target)).results[0]
            if ty.bits < src.bits:
                return self.emit(arith.TruncIOp(x, target)).results[0]
            return x  # same width, other signedness: same bits
        if src.is_int and ty.is_float:
            cls = arith.SIToFPOp if src.signed else arith.UIToFPOp
            return self.emit(cls(x, target)).results[0]
        if src.is_float and ty.is_int:
            cls = arith.FPToSIOp if ty.signed else arith.FPToUIOp
            return self.emit(cls(x, target)).results[0]
        if ty.bits > src.bits:
            return self.emit(arith.ExtFOp(x, target)).results[0]
        return self.emit(arith.TruncFOp(x, target)).results[0]

    def truth(self, v: Val, node: ast.AST) -> SSAValue:
        if v.is_literal:
            return self.const_bool(bool(v.literal))
        assert v.ty is not None and v.ssa is not None
        if v.ty is boolean:
            return v.ssa
        return self.compare(ast.NotEq(), v, Val(None, None, 0), node)

    def condition(self, node: ast.expr) -> SSAValue:
        return self.truth(self.expr(node), node)

    def compare(self, op: ast.cmpop, a: Val, b: Val, node: ast.AST) -> SSAValue:
        if a.is_literal and b.is_literal:
            return self.const_bool(bool(_PY_CMP[type(op)](a.literal, b.literal)))
        ty = self.common_type([a, b], node, default=None)
        x = self.convert(a, ty, "comparison", node, explicit=False)
        y = self.convert(b, ty, "comparison", node, explicit=False)
        kind = type(op)
        if kind not in _PY_CMP:
            raise self.error(f"unsupported comparison {kind.__name__}; use < <= > >= == !=", node)
        if ty.is_float:
            pred = {ast.Eq: "oeq", ast.NotEq: "une", ast.Lt: "olt", ast.LtE: "ole", ast.Gt: "ogt",
                    ast.GtE: "oge"}[kind]
            return self.emit(arith.CmpfOp(x, y, pred)).results[0]
        s = "s" if ty.signed and ty is not boolean else "u"
        pred = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: f"{s}lt", ast.LtE: f"{s}le", ast.Gt: f"{s}gt",
                ast.GtE: f"{s}ge"}[kind]
        return self.emit(arith.CmpiOp(x, y, pred)).results[0]

    def binop(self, op: ast.operator, a: Val, b: Val, node: ast.AST) -> Val:
        kind = type(op)
        sym = _OP_SYMBOL.get(kind, kind.__name__)
        if a.is_literal and b.is_literal:
            try:
                return Val(None, None, _PY_BINOP[kind](a.literal, b.literal))
            except (KeyError, ZeroDivisionError, TypeError) as exc:
                raise self.error(f"cannot evaluate {a.literal!r} {sym} {b.literal!r}: {exc}", node) from exc
        ty = self.common_type([a, b], node, default=None)
        if ty is boolean:
            raise self.error(f"operator {sym} does not apply to bools; use and/or/not", node)
        if kind is ast.Pow:
            raise self.error("** is not supported in a kernel; multiply explicitly or use std.exp/std.ln", node)
        if kind is ast.MatMult:
            raise self.error("@ is not supported on scalars", node)
        if kind is ast.Div and ty.is_int:
            raise self.error("/ on integers would produce a float; use // for integer division, or convert "
                             "to a float type first", node)
        if ty.is_float and kind in (ast.FloorDiv, ast.Mod, ast.BitAnd, ast.BitOr, ast.BitXor, ast.LShift,
                                    ast.RShift):
            raise self.error(f"operator {sym} is not supported on {ty.name}", node)
        x = self.convert(a, ty, f"left operand of {sym}", node, explicit=False)
        y = self.convert(b, ty, f"right operand of {sym}", node, explicit=False)
        if ty.is_float:
            cls = {ast.Add: arith.AddfOp, ast.Sub: arith.SubfOp, ast.Mult: arith.MulfOp, ast.Div: arith.DivfOp}[kind]
            return Val(self.emit(cls(x, y)).results[0], ty)
        signed = ty.signed
        table: dict[type, Any] = {
            ast.Add: arith.AddiOp, ast.Sub: arith.SubiOp, ast.Mult: arith.MuliOp,
            ast.FloorDiv: arith.FloorDivSIOp if signed else arith.DivUIOp,
            ast.Mod: arith.RemSIOp if signed else arith.RemUIOp,
            ast.BitAnd: arith.AndIOp, ast.BitOr: arith.OrIOp, ast.BitXor: arith.XOrIOp,
            ast.LShift: arith.ShLIOp, ast.RShift: arith.ShRSIOp if signed else arith.ShRUIOp,
        }
        if kind not in table:
            raise self.error(f"unsupported operator {sym}", node)
        result = self.emit(table[kind](x, y)).results[0]
        if kind is ast.Mod and signed:
            # Python's % takes the divisor's sign: r += b when r != 0 and sign(r) != sign(b).
            zero = self.const(0, ty)
            r_nonzero = self.emit(arith.CmpiOp(result, zero, "ne")).results[0]
            r_neg = self.emit(arith.CmpiOp(result, zero, "slt")).results[0]
            b_neg = self.emit(arith.CmpiOp(y, zero, "slt")).results[0]
            differ = self.emit(arith.XOrIOp(r_neg, b_neg)).results[0]
            fix = self.emit(arith.AndIOp(r_nonzero, differ)).results[0]
            adjusted = self.emit(arith.AddiOp(result, y)).results[0]
            result = self.emit(arith.SelectOp(fix, adjusted, result)).results[0]
        return Val(result, ty)


_MISSING = object()
STATEMENT_CALLS = (intr.load, intr.store, intr.pipe_barrier, intr.cross_core_set_flag, intr.cross_core_wait_flag)
# strided / 2-D data movement: statements, and the only calls that take keyword arguments (name -> keywords)
STATEMENT_CALLS += (intr.load_rows, intr.store_rows)
KEYWORD_CALLS: dict[object, tuple[str, ...]] = {intr.load_rows: ("dst_ld", "pad_left", "pad_right", "pad_value"),
                                                intr.store_rows: ("src_ld",)}
CROSS_BLOCK_CALLS = (intr.sync_all, intr.set_atomic_add, intr.set_atomic_max, intr.set_atomic_min,
                     intr.set_atomic_none)  # cross-block work (std.sync_all, store atomics)
STATEMENT_CALLS += CROSS_BLOCK_CALLS

_OP_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
              ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
              ast.Pow: "**", ast.MatMult: "@"}

_PY_BINOP: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
    ast.BitAnd: lambda a, b: a & b, ast.BitOr: lambda a, b: a | b, ast.BitXor: lambda a, b: a ^ b,
    ast.LShift: lambda a, b: a << b, ast.RShift: lambda a, b: a >> b,
}

_PY_CMP: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
}


def _short(text: str, limit: int = 60) -> str:
    """Source text for a message, cut to one short line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _is_static(obj: Any) -> bool:
    """Compile-time arguments of @std.inline functions: std ops, inline functions, element types, enum members."""
    import enum

    return isinstance(obj, ScalarType | std.InlineFunction | enum.Enum) or (
        callable(obj) and getattr(obj, "__module__", "").startswith("ascendpy.std"))


def _widens(src: ScalarType, dst: ScalarType) -> bool:
    """Whether every value of `src` is exactly representable in `dst`."""
    if src is dst:
        return True
    if src is boolean or dst is boolean:
        return False
    if src.is_int and dst.is_int:
        return dst.bits > src.bits and (dst.signed or not src.signed)
    if src.is_float and dst.is_float:
        return dst.bits > src.bits
    if src.is_int and dst.is_float:
        mantissa = {16: 11, 32: 24}[dst.bits]
        return src.bits - (1 if src.signed else 0) <= mantissa - (0 if src.signed else 0) and src.bits <= 16 \
            and (dst is f32 or src.bits <= 8)
    return False


def _as_load(target: ast.expr) -> ast.expr:
    clone = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(clone, target)
    for child in ast.walk(clone):
        if hasattr(child, "lineno"):
            ast.copy_location(child, target)
    return clone


def build_module(kernels: list[std.KernelFunction]) -> ModuleOp:
    """One MLIR module holding every kernel of a Python module."""
    funcs = [KernelFrontend(k).build() for k in kernels]
    module = ModuleOp(funcs)
    module.verify()
    return module


__all__ = ["build_module", "KernelFrontend", "mlir_type", "f16", "f32", "Float16Type", "Float32Type"]
