"""Host runtime: ACL through ctypes, objects with enforced lifetimes, typed buffers, kernel launch."""

from ascendpy.runtime._acl import (
    AclError,
    KernelExecutionError,
    MallocPolicy,
    MemcpyKind,
    StreamAbortedError,
    SyncTimeoutError,
)
from ascendpy.runtime.faults import (
    AlignmentFault,
    ArithmeticFault,
    AssertionFault,
    DeadlockFault,
    GlobalMemoryFault,
    KernelFault,
    OnChipCapacityFault,
    PipeRaceFault,
    QueueProtocolFault,
)
from ascendpy.runtime.kernels import Kernel, KernelLoader
from ascendpy.runtime.memory import DeviceBox, DeviceBuffer, HostBuffer
from ascendpy.runtime.objects import Acl, Context, Device, Event, LeakWarning, MemInfo, Stream

__all__ = [
    "Acl", "AclError", "AlignmentFault", "ArithmeticFault", "AssertionFault", "Context", "DeadlockFault", "Device",
    "DeviceBox",
    "DeviceBuffer", "Event", "GlobalMemoryFault", "HostBuffer", "Kernel", "KernelExecutionError", "KernelFault",
    "KernelLoader", "LeakWarning", "MallocPolicy", "MemInfo", "MemcpyKind", "OnChipCapacityFault", "PipeRaceFault",
    "QueueProtocolFault", "Stream", "StreamAbortedError", "SyncTimeoutError",
]
