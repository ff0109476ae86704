"""Toolchain hub: targets, validation, host and bisheng compilers, the artifact cache, KernelBuilder.

The public names load lazily, so `import ascendpy` (and loading a cached kernel) never pays for the
validator's parser or the compiler drivers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ascendpy.toolchain.builder import BuildResult, KernelBuilder
    from ascendpy.toolchain.compile import Artifact, CompileConfig, compile_cpp, compile_file, plan_build
    from ascendpy.toolchain.targets import TARGETS, Target, get_target
    from ascendpy.toolchain.validate import Diagnostic, validate

_EXPORTS = {
    "Artifact": "compile", "CompileConfig": "compile", "compile_cpp": "compile", "compile_file": "compile",
    "plan_build": "compile", "KernelBuilder": "builder", "BuildResult": "builder", "TARGETS": "targets",
    "Target": "targets", "get_target": "targets", "Diagnostic": "validate", "validate": "validate",
}
__all__ = [
    "TARGETS", "Artifact", "BuildResult", "CompileConfig", "Diagnostic", "KernelBuilder", "Target", "compile_cpp",
    "compile_file", "get_target", "plan_build", "validate",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"ascendpy.toolchain.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'ascendpy.toolchain' has no attribute {name!r}")
