"""Host runtime: ACL through ctypes, objects with enforced lifetimes, typed buffers, kernel launch."""

from ascendpy.runtime._acl import AclError, MallocPolicy
from ascendpy.runtime.kernels import Kernel, KernelLoader
from ascendpy.runtime.memory import DeviceBuffer
from ascendpy.runtime.objects import Acl, Context, Device, Event, Stream

__all__ = ["Acl", "AclError", "Context", "Device", "DeviceBuffer", "Event", "Kernel", "KernelLoader",
           "MallocPolicy", "Stream"]
