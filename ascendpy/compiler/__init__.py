"""Python kernel → MLIR (xDSL) → AscendC C++.

Public entry points: `compile_module`, `kernel_mlir`, `kernel_cpp`.
"""

from ascendpy.compiler.api import CompiledModule, compile_module, kernel_cpp, kernel_mlir

__all__ = ["CompiledModule", "compile_module", "kernel_cpp", "kernel_mlir"]
