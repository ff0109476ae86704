"""ascendpy: write Ascend NPU kernels in Python; run them on the NPU or on a checking CPU simulator."""

from ascendpy.errors import (
    AscendpyError,
    CacheError,
    CompileError,
    KernelNotFoundError,
    LaunchError,
    ResourceClosedError,
    ToolchainError,
    ValidationError,
    ValidationWarning,
)
from ascendpy.runtime import (
    Acl,
    AclError,
    AlignmentFault,
    ArithmeticFault,
    AssertionFault,
    Context,
    DeadlockFault,
    Device,
    DeviceBox,
    DeviceBuffer,
    Event,
    GlobalMemoryFault,
    HostBuffer,
    Kernel,
    KernelExecutionError,
    KernelFault,
    KernelLoader,
    LeakWarning,
    MallocPolicy,
    MemcpyKind,
    MemInfo,
    OnChipCapacityFault,
    PipeRaceFault,
    QueueProtocolFault,
    Stream,
    StreamAbortedError,
    SyncTimeoutError,
)

__version__ = "0.1.0"

__all__ = [
    "Acl", "AclError", "AlignmentFault", "ArithmeticFault", "AscendpyError", "AssertionFault", "CacheError",
    "CompileError", "Context",
    "DeadlockFault", "Device", "DeviceBox", "DeviceBuffer", "Event", "GlobalMemoryFault", "HostBuffer", "Kernel",
    "KernelExecutionError", "KernelFault", "KernelLoader", "KernelNotFoundError", "LaunchError", "LeakWarning",
    "MallocPolicy", "MemInfo", "MemcpyKind", "OnChipCapacityFault", "PipeRaceFault", "QueueProtocolFault",
    "ResourceClosedError", "Stream",
    "StreamAbortedError", "SyncTimeoutError", "ToolchainError", "ValidationError", "ValidationWarning", "__version__",
]
