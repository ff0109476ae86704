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


def arch(*tasks: str, note: str = "", f16: bool = False) -> Callable[[Any], Any]:
    """Register a model class as operator `arch.<class name>` for MultiKernelBench's arch `tasks`; `f16`: it is
    tested in float16 too (`model.to("float16")`, tests/test_ops_arch.py's F16)."""

    def register(cls: Any) -> Any:
        dtypes = ("float32", "float16") if f16 else ("float32",)
        return operator("arch", "mix", dtypes, tasks, note=note, name=f"arch.{cls.__name__}")(cls)

    return register


from ascendpy.ops.arch import mamba, mlp, netvlad, rnn, swin, transformer, vision  # noqa: E402,F401 - registers the models
