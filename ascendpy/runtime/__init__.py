"""Host runtime: ACL through ctypes, objects with enforced lifetimes, typed buffers, kernel launch."""

from ascendpy.runtime._acl import AclError, KernelExecutionError, MallocPolicy, MemcpyKind
from ascendpy.runtime.kernels import Kernel, KernelLoader
from ascendpy.runtime.memory import DeviceBox, DeviceBuffer, HostBuffer
from ascendpy.runtime.objects import Acl, Context, Device, Event, LeakWarning, MemInfo, Stream

__all__ = ["Acl", "AclError", "Context", "Device", "DeviceBox", "DeviceBuffer", "Event", "HostBuffer", "Kernel",
           "KernelExecutionError", "KernelLoader", "LeakWarning", "MallocPolicy", "MemInfo", "MemcpyKind", "Stream"]
