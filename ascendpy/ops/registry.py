"""The table of operators: each `ascendpy.ops` function declares here what it is, once.

`@operator(...)` records the operator's category (MultiKernelBench's), the kind of kernel it runs (vector,
cube or mix), the dtypes it takes and the MultiKernelBench tasks it runs (`ascendpy/ops/tasks.py`). The
coverage table (docs/ops_coverage.md) is generated from this table, and the test run fails when an
operator listed here has no passing test (tests/conftest.py: tests name their operators with
`@pytest.mark.op("name", ...)`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ascendpy.ops.tasks import TASKS

KINDS = ("vector", "cube", "mix")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operator:
    name: str  # the function's name in ascendpy.ops
    category: str  # a key of tasks.TASKS
    kind: str  # "vector", "cube" or "mix": the cores its kernels run on
    dtypes: tuple[str, ...]  # the floating dtypes it takes
    tasks: tuple[str, ...]  # the MultiKernelBench tasks of `category` it runs
    fn: Callable[..., Any]
    note: str = ""  # how a task maps onto the call, where that is not obvious


OPERATORS: dict[str, Operator] = {}


def operator(category: str, kind: str, dtypes: tuple[str, ...], tasks: tuple[str, ...] = (),
             note: str = "", name: str | None = None) -> Callable[[F], F]:
    """Register the decorated function (or class) as operator `name`, by default `fn.__name__` (import time: a
    typo fails at once)."""
    if category not in TASKS:
        raise ValueError(f"unknown category {category!r}; known: {', '.join(TASKS)}")
    if kind not in KINDS:
        raise ValueError(f"unknown kernel kind {kind!r}; known: {', '.join(KINDS)}")
    unknown = [t for t in tasks if t not in TASKS[category]]
    if unknown:
        raise ValueError(f"tasks {unknown} are not MultiKernelBench {category} tasks")

    def register(fn: F) -> F:
        key = name or fn.__name__
        if key in OPERATORS:
            raise ValueError(f"operator {key!r} is registered twice")
        OPERATORS[key] = Operator(key, category, kind, tuple(dtypes), tuple(tasks), fn, note)
        return fn

    return register


def task_operators() -> dict[tuple[str, str], list[Operator]]:
    """(category, task) -> the operators that run it."""
    out: dict[tuple[str, str], list[Operator]] = {}
    for op in OPERATORS.values():
        for t in op.tasks:
            out.setdefault((op.category, t), []).append(op)
    return out
