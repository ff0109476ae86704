"""ascendpy: write Ascend NPU kernels in Python; run them on the NPU or on a checking CPU simulator."""

from ascendpy.errors import AscendpyError, CompileError, LaunchError, ResourceClosedError, ToolchainError
from ascendpy.runtime import (
    Acl,
    AclError,
    Context,
    Device,
    DeviceBox,
    DeviceBuffer,
    Event,
    HostBuffer,
    Kernel,
    KernelExecutionError,
    KernelLoader,
    LeakWarning,
    MallocPolicy,
    MemcpyKind,
    MemInfo,
    Stream,
)

__version__ = "0.1.0"

__all__ = [
    "Acl", "AclError", "AscendpyError", "CompileError", "Context", "Device", "DeviceBox", "DeviceBuffer", "Event",
    "HostBuffer", "Kernel", "KernelExecutionError", "KernelLoader", "LaunchError", "LeakWarning", "MallocPolicy",
    "MemInfo", "MemcpyKind", "ResourceClosedError", "Stream", "ToolchainError", "__version__",
]
