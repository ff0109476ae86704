"""MultiKernelBench's architectures as ascendpy.ops.nn modules: every layer an ascendpy kernel.

Each class mirrors the task's torch `Model` (its constructor arguments, its submodule names, so
`load_state_dict(model.state_dict())` takes the torch model's weights) and registers as operator `arch.<Name>`
for the tasks it runs. Where torch adds a residual and applies an activation after a normalisation, the add and
the activation run as one fused kernel (`ops.fused`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ascendpy.ops.registry import operator


def arch(*tasks: str, note: str = "", lowp: bool = False) -> Callable[[Any], Any]:
    """Register a model class as operator `arch.<class name>` for MultiKernelBench's arch `tasks`; `lowp`: it is
    tested in float16 and bfloat16 too (`model.to(dtype)`, tests/test_ops_arch.py's LOWP)."""

    def register(cls: Any) -> Any:
        dtypes = ("float32", "float16", "bfloat16") if lowp else ("float32",)
        return operator("arch", "mix", dtypes, tasks, note=note, name=f"arch.{cls.__name__}")(cls)

    return register


from ascendpy.ops.arch import mamba, mlp, netvlad, rnn, swin, transformer, vision  # noqa: E402,F401 - registers the models
