"""The ACL C API through ctypes, written once for both drivers.

`libascendcl.so` (CANN, on an NPU machine) and `libascendcl_sim.so` (the CPU
simulator) export the same functions with the same enum values and error codes,
so everything above this module is driver-agnostic. Values come from the real
CANN headers (`acl_base_rt.h`, `acl_rt.h`, `error_codes/rt_error_codes.h`; see
reference/ascend-apis.md section 5). Only ctypes and the standard library are
imported here: loading a built kernel must stay cheap.
"""

from __future__ import annotations

import ctypes
import os
import threading
from enum import IntEnum, IntFlag
from pathlib import Path
from typing import Any

from ascendpy.errors import AscendpyError, ToolchainError

# ----------------------------------------------------------------- enums


class MallocPolicy(IntEnum):
    """aclrtMemMallocPolicy. The three TYPE/ACCESS values are flags that may be or-ed onto a base policy."""

    HUGE_FIRST = 0
    HUGE_ONLY = 1
    NORMAL_ONLY = 2
    HUGE_FIRST_P2P = 3
    HUGE_ONLY_P2P = 4
    NORMAL_ONLY_P2P = 5
    HUGE1G_ONLY = 6
    HUGE1G_ONLY_P2P = 7
    LOW_BAND_WIDTH = 0x100
    HIGH_BAND_WIDTH = 0x1000
    ACCESS_USER_SPACE_READONLY = 0x100000


class MemcpyKind(IntEnum):
    """aclrtMemcpyKind."""

    HOST_TO_HOST = 0
    HOST_TO_DEVICE = 1
    DEVICE_TO_HOST = 2
    DEVICE_TO_DEVICE = 3
    DEFAULT = 4
    HOST_TO_BUF_TO_DEVICE = 5
    INNER_DEVICE_TO_DEVICE = 6
    INTER_DEVICE_TO_DEVICE = 7


class RunMode(IntEnum):
    """aclrtRunMode."""

    DEVICE = 0
    HOST = 1


class EventFlag(IntFlag):
    """Flags of aclrtCreateEventWithFlag (ACL_EVENT_*). TIME_LINE events carry timestamps."""

    SYNC = 0x1
    CAPTURE_STREAM_PROGRESS = 0x2
    TIME_LINE = 0x8
    DEVICE_USE_ONLY = 0x10
    EXTERNAL = 0x20
    IPC = 0x40


class StreamFlag(IntFlag):
    """Flags of aclrtCreateStreamWithConfig (ACL_STREAM_*)."""

    FAST_LAUNCH = 0x1
    FAST_SYNC = 0x2
    PERSISTENT = 0x4
    HUGE = 0x8
    CPU_SCHEDULE = 0x10
    DEVICE_USE_ONLY = 0x20


class StreamStatus(IntEnum):
    """aclrtStreamStatus, the answer of aclrtStreamQuery."""

    COMPLETE = 0
    NOT_READY = 1


class EventRecordedStatus(IntEnum):
    """aclrtEventRecordedStatus, the answer of aclrtQueryEventStatus."""

    NOT_READY = 0
    COMPLETE = 1


class DataType(IntEnum):
    """aclDataType."""

    FLOAT = 0
    FLOAT16 = 1
    INT8 = 2
    INT32 = 3
    UINT8 = 4
    INT16 = 6
    UINT16 = 7
    UINT32 = 8
    INT64 = 9
    UINT64 = 10
    DOUBLE = 11
    BOOL = 12
    BF16 = 27


class DeviceInfo(IntEnum):
    """aclDeviceInfo, for aclGetDeviceCapability."""

    AI_CORE_NUM = 0
    VECTOR_CORE_NUM = 1
    L2_SIZE = 2


class DevAttr(IntEnum):
    """aclrtDevAttr (the subset the simulator answers), for the 9.x aclrtGetDeviceInfo."""

    AICORE_CORE_NUM = 101
    CUBE_CORE_NUM = 102
    VECTOR_CORE_NUM = 201
    UBUF_PER_VECTOR_CORE = 204
    TOTAL_GLOBAL_MEM_SIZE = 301
    L2_CACHE_SIZE = 302


class MemAttr(IntEnum):
    """aclrtMemAttr, for aclrtGetMemInfo."""

    DDR_MEM = 0
    HBM_MEM = 1
    DDR_MEM_HUGE = 2
    DDR_MEM_NORMAL = 3
    HBM_MEM_HUGE = 4
    HBM_MEM_NORMAL = 5
    DDR_MEM_P2P_HUGE = 6
    DDR_MEM_P2P_NORMAL = 7
    HBM_MEM_P2P_HUGE = 8
    HBM_MEM_P2P_NORMAL = 9
    HBM_MEM_HUGE1G = 10
    HBM_MEM_P2P_HUGE1G = 11
    MEM_NORMAL = 12
    MEM_HUGE = 13
    MEM_HUGE1G = 14
    MEM_P2P_NORMAL = 15
    MEM_P2P_HUGE = 16
    MEM_P2P_HUGE1G = 17


class BinaryLoadOptionType(IntEnum):
    """aclrtBinaryLoadOptionType (8.1 calls MAGIC `LAZY_MAGIC`; CPU_KERNEL_MODE is 9.x)."""

    LAZY_LOAD = 1
    MAGIC = 2
    CPU_KERNEL_MODE = 3


class BinaryMagic(IntEnum):
    """ACL_RT_BINARY_MAGIC_* (the rt magic numbers, same values in 8.1)."""

    ELF_AICORE = 0x43554245
    ELF_VECTOR_CORE = 0x41415246
    ELF_CUBE_CORE = 0x41494343


class LaunchKernelAttrId(IntEnum):
    """aclrtLaunchKernelAttrId (8.1 has only SCHEM_MODE)."""

    SCHEM_MODE = 1
    DYN_UBUF_SIZE = 2
    ENGINE_TYPE = 3
    BLOCKDIM_OFFSET = 4
    BLOCK_TASK_PREFETCH = 5
    DATA_DUMP = 6
    TIMEOUT = 7
    TIMEOUT_US = 8
    ENABLE_PROFILING = 9


def _c_constants() -> dict[str, int]:
    """Every enum value above under its C name (ACL_MEM_MALLOC_HUGE_FIRST, ACL_MEMCPY_..., ...)."""
    out: dict[str, int] = {}
    mem_flags = {"LOW_BAND_WIDTH": "ACL_MEM_TYPE_", "HIGH_BAND_WIDTH": "ACL_MEM_TYPE_",
                 "ACCESS_USER_SPACE_READONLY": "ACL_MEM_"}
    for m in MallocPolicy:
        out[mem_flags.get(m.name, "ACL_MEM_MALLOC_") + m.name] = int(m)
    prefixes: list[tuple[type[IntEnum] | type[IntFlag], str]] = [
        (MemcpyKind, "ACL_MEMCPY_"), (RunMode, "ACL_"), (EventFlag, "ACL_EVENT_"), (StreamFlag, "ACL_STREAM_"),
        (EventRecordedStatus, "ACL_EVENT_RECORDED_STATUS_"), (DataType, "ACL_"), (DeviceInfo, "ACL_DEVICE_INFO_"),
        (DevAttr, "ACL_DEV_ATTR_"), (MemAttr, "ACL_"), (BinaryLoadOptionType, "ACL_RT_BINARY_LOAD_OPT_"),
        (BinaryMagic, "ACL_RT_BINARY_MAGIC_"), (LaunchKernelAttrId, "ACL_RT_LAUNCH_KERNEL_ATTR_"),
    ]
    for enum, prefix in prefixes:
        for member in enum:  # type: ignore[attr-defined]
            out[prefix + member.name] = int(member)
    return out


C_CONSTANTS: dict[str, int] = _c_constants()

# ----------------------------------------------------------- error codes

# acl_base_rt.h (ACL level) and error_codes/rt_error_codes.h (runtime level).
ERROR_NAMES: dict[int, str] = {
    0: "ACL_SUCCESS",
    100000: "ACL_ERROR_INVALID_PARAM",
    100001: "ACL_ERROR_UNINITIALIZE",
    100002: "ACL_ERROR_REPEAT_INITIALIZE",
    100003: "ACL_ERROR_INVALID_FILE",
    100004: "ACL_ERROR_WRITE_FILE",
    100005: "ACL_ERROR_INVALID_FILE_SIZE",
    100006: "ACL_ERROR_PARSE_FILE",
    100007: "ACL_ERROR_FILE_MISSING_ATTR",
    100008: "ACL_ERROR_FILE_ATTR_INVALID",
    100009: "ACL_ERROR_INVALID_DUMP_CONFIG",
    100010: "ACL_ERROR_INVALID_PROFILING_CONFIG",
    100011: "ACL_ERROR_INVALID_MODEL_ID",
    100012: "ACL_ERROR_DESERIALIZE_MODEL",
    100013: "ACL_ERROR_PARSE_MODEL",
    100014: "ACL_ERROR_READ_MODEL_FAILURE",
    100015: "ACL_ERROR_MODEL_SIZE_INVALID",
    100016: "ACL_ERROR_MODEL_MISSING_ATTR",
    100017: "ACL_ERROR_MODEL_INPUT_NOT_MATCH",
    100018: "ACL_ERROR_MODEL_OUTPUT_NOT_MATCH",
    100019: "ACL_ERROR_MODEL_NOT_DYNAMIC",
    100020: "ACL_ERROR_OP_TYPE_NOT_MATCH",
    100021: "ACL_ERROR_OP_INPUT_NOT_MATCH",
    100022: "ACL_ERROR_OP_OUTPUT_NOT_MATCH",
    100023: "ACL_ERROR_OP_ATTR_NOT_MATCH",
    100024: "ACL_ERROR_OP_NOT_FOUND",
    100025: "ACL_ERROR_OP_LOAD_FAILED",
    100026: "ACL_ERROR_UNSUPPORTED_DATA_TYPE",
    100027: "ACL_ERROR_FORMAT_NOT_MATCH",
    100028: "ACL_ERROR_BIN_SELECTOR_NOT_REGISTERED",
    100029: "ACL_ERROR_KERNEL_NOT_FOUND",
    100030: "ACL_ERROR_BIN_SELECTOR_ALREADY_REGISTERED",
    100031: "ACL_ERROR_KERNEL_ALREADY_REGISTERED",
    100032: "ACL_ERROR_INVALID_QUEUE_ID",
    100033: "ACL_ERROR_REPEAT_SUBSCRIBE",
    100034: "ACL_ERROR_STREAM_NOT_SUBSCRIBE",
    100035: "ACL_ERROR_THREAD_NOT_SUBSCRIBE",
    100036: "ACL_ERROR_WAIT_CALLBACK_TIMEOUT",
    100037: "ACL_ERROR_REPEAT_FINALIZE",
    100038: "ACL_ERROR_NOT_STATIC_AIPP",
    100039: "ACL_ERROR_COMPILING_STUB_MODE",
    100040: "ACL_ERROR_GROUP_NOT_SET",
    100041: "ACL_ERROR_GROUP_NOT_CREATE",
    100042: "ACL_ERROR_PROF_ALREADY_RUN",
    100043: "ACL_ERROR_PROF_NOT_RUN",
    100044: "ACL_ERROR_DUMP_ALREADY_RUN",
    100045: "ACL_ERROR_DUMP_NOT_RUN",
    148046: "ACL_ERROR_PROF_REPEAT_SUBSCRIBE",
    148047: "ACL_ERROR_PROF_API_CONFLICT",
    148048: "ACL_ERROR_INVALID_MAX_OPQUEUE_NUM_CONFIG",
    148049: "ACL_ERROR_INVALID_OPP_PATH",
    148050: "ACL_ERROR_OP_UNSUPPORTED_DYNAMIC",
    148051: "ACL_ERROR_RELATIVE_RESOURCE_NOT_CLEARED",
    148052: "ACL_ERROR_UNSUPPORTED_JPEG",
    148053: "ACL_ERROR_INVALID_BUNDLE_MODEL_ID",
    200000: "ACL_ERROR_BAD_ALLOC",
    200001: "ACL_ERROR_API_NOT_SUPPORT",
    200002: "ACL_ERROR_INVALID_DEVICE",
    200003: "ACL_ERROR_MEMORY_ADDRESS_UNALIGNED",
    200004: "ACL_ERROR_RESOURCE_NOT_MATCH",
    200005: "ACL_ERROR_INVALID_RESOURCE_HANDLE",
    200006: "ACL_ERROR_FEATURE_UNSUPPORTED",
    200007: "ACL_ERROR_PROF_MODULES_UNSUPPORTED",
    300000: "ACL_ERROR_STORAGE_OVER_LIMIT",
    500000: "ACL_ERROR_INTERNAL_ERROR",
    500001: "ACL_ERROR_FAILURE",
    500002: "ACL_ERROR_GE_FAILURE",
    500003: "ACL_ERROR_RT_FAILURE",
    500004: "ACL_ERROR_DRV_FAILURE",
    500005: "ACL_ERROR_PROFILING_FAILURE",
    107000: "ACL_ERROR_RT_PARAM_INVALID",
    107001: "ACL_ERROR_RT_INVALID_DEVICEID",
    107002: "ACL_ERROR_RT_CONTEXT_NULL",
    107003: "ACL_ERROR_RT_STREAM_CONTEXT",
    107004: "ACL_ERROR_RT_MODEL_CONTEXT",
    107005: "ACL_ERROR_RT_STREAM_MODEL",
    107006: "ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID",
    107007: "ACL_ERROR_RT_EVENT_TIMESTAMP_REVERSAL",
    107008: "ACL_ERROR_RT_ADDR_UNALIGNED",
    107009: "ACL_ERROR_RT_FILE_OPEN",
    107010: "ACL_ERROR_RT_FILE_WRITE",
    107011: "ACL_ERROR_RT_STREAM_SUBSCRIBE",
    107012: "ACL_ERROR_RT_THREAD_SUBSCRIBE",
    107013: "ACL_ERROR_RT_GROUP_NOT_SET",
    107014: "ACL_ERROR_RT_GROUP_NOT_CREATE",
    107015: "ACL_ERROR_RT_STREAM_NO_CB_REG",
    107016: "ACL_ERROR_RT_INVALID_MEMORY_TYPE",
    107017: "ACL_ERROR_RT_INVALID_HANDLE",
    107018: "ACL_ERROR_RT_INVALID_MALLOC_TYPE",
    107019: "ACL_ERROR_RT_WAIT_TIMEOUT",
    107020: "ACL_ERROR_RT_TASK_TIMEOUT",
    107022: "ACL_ERROR_RT_DEVICE_TASK_ABORT",
    107023: "ACL_ERROR_RT_STREAM_ABORT",
    207000: "ACL_ERROR_RT_FEATURE_NOT_SUPPORT",
    207001: "ACL_ERROR_RT_MEMORY_ALLOCATION",
    207002: "ACL_ERROR_RT_MEMORY_FREE",
    207003: "ACL_ERROR_RT_AICORE_OVER_FLOW",
    207004: "ACL_ERROR_RT_NO_DEVICE",
    207005: "ACL_ERROR_RT_RESOURCE_ALLOC_FAIL",
    207006: "ACL_ERROR_RT_NO_PERMISSION",
    207007: "ACL_ERROR_RT_NO_EVENT_RESOURCE",
    207008: "ACL_ERROR_RT_NO_STREAM_RESOURCE",
    207009: "ACL_ERROR_RT_NO_NOTIFY_RESOURCE",
    207010: "ACL_ERROR_RT_NO_MODEL_RESOURCE",
    207011: "ACL_ERROR_RT_NO_CDQ_RESOURCE",
    207012: "ACL_ERROR_RT_OVER_LIMIT",
    207013: "ACL_ERROR_RT_QUEUE_EMPTY",
    207014: "ACL_ERROR_RT_QUEUE_FULL",
    207015: "ACL_ERROR_RT_REPEATED_INIT",
    207016: "ACL_ERROR_RT_AIVEC_OVER_FLOW",
    207017: "ACL_ERROR_RT_OVER_FLOW",
    207018: "ACL_ERROR_RT_DEVICE_OOM",
    507000: "ACL_ERROR_RT_INTERNAL_ERROR",
    507001: "ACL_ERROR_RT_TS_ERROR",
    507002: "ACL_ERROR_RT_STREAM_TASK_FULL",
    507003: "ACL_ERROR_RT_STREAM_TASK_EMPTY",
    507004: "ACL_ERROR_RT_STREAM_NOT_COMPLETE",
    507005: "ACL_ERROR_RT_END_OF_SEQUENCE",
    507006: "ACL_ERROR_RT_EVENT_NOT_COMPLETE",
    507007: "ACL_ERROR_RT_CONTEXT_RELEASE_ERROR",
    507008: "ACL_ERROR_RT_SOC_VERSION",
    507009: "ACL_ERROR_RT_TASK_TYPE_NOT_SUPPORT",
    507010: "ACL_ERROR_RT_LOST_HEARTBEAT",
    507011: "ACL_ERROR_RT_MODEL_EXECUTE",
    507012: "ACL_ERROR_RT_REPORT_TIMEOUT",
    507013: "ACL_ERROR_RT_SYS_DMA",
    507014: "ACL_ERROR_RT_AICORE_TIMEOUT",
    507015: "ACL_ERROR_RT_AICORE_EXCEPTION",
    507016: "ACL_ERROR_RT_AICORE_TRAP_EXCEPTION",
    507017: "ACL_ERROR_RT_AICPU_TIMEOUT",
    507018: "ACL_ERROR_RT_AICPU_EXCEPTION",
    507019: "ACL_ERROR_RT_AICPU_DATADUMP_RSP_ERR",
    507020: "ACL_ERROR_RT_AICPU_MODEL_RSP_ERR",
    507021: "ACL_ERROR_RT_PROFILING_ERROR",
    507022: "ACL_ERROR_RT_IPC_ERROR",
    507023: "ACL_ERROR_RT_MODEL_ABORT_NORMAL",
    507024: "ACL_ERROR_RT_KERNEL_UNREGISTERING",
    507025: "ACL_ERROR_RT_RINGBUFFER_NOT_INIT",
    507026: "ACL_ERROR_RT_RINGBUFFER_NO_DATA",
    507027: "ACL_ERROR_RT_KERNEL_LOOKUP",
    507028: "ACL_ERROR_RT_KERNEL_DUPLICATE",
    507029: "ACL_ERROR_RT_DEBUG_REGISTER_FAIL",
    507030: "ACL_ERROR_RT_DEBUG_UNREGISTER_FAIL",
    507031: "ACL_ERROR_RT_LABEL_CONTEXT",
    507032: "ACL_ERROR_RT_PROGRAM_USE_OUT",
    507033: "ACL_ERROR_RT_DEV_SETUP_ERROR",
    507034: "ACL_ERROR_RT_VECTOR_CORE_TIMEOUT",
    507035: "ACL_ERROR_RT_VECTOR_CORE_EXCEPTION",
    507036: "ACL_ERROR_RT_VECTOR_CORE_TRAP_EXCEPTION",
    507037: "ACL_ERROR_RT_CDQ_BATCH_ABNORMAL",
    507038: "ACL_ERROR_RT_DIE_MODE_CHANGE_ERROR",
    507039: "ACL_ERROR_RT_DIE_SET_ERROR",
    507040: "ACL_ERROR_RT_INVALID_DIEID",
    507041: "ACL_ERROR_RT_DIE_MODE_NOT_SET",
    507042: "ACL_ERROR_RT_AICORE_TRAP_READ_OVERFLOW",
    507043: "ACL_ERROR_RT_AICORE_TRAP_WRITE_OVERFLOW",
    507044: "ACL_ERROR_RT_VECTOR_CORE_TRAP_READ_OVERFLOW",
    507045: "ACL_ERROR_RT_VECTOR_CORE_TRAP_WRITE_OVERFLOW",
    507046: "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT",
    507047: "ACL_ERROR_RT_EVENT_SYNC_TIMEOUT",
    507048: "ACL_ERROR_RT_FFTS_PLUS_TIMEOUT",
    507049: "ACL_ERROR_RT_FFTS_PLUS_EXCEPTION",
    507050: "ACL_ERROR_RT_FFTS_PLUS_TRAP_EXCEPTION",
    507899: "ACL_ERROR_RT_DRV_INTERNAL_ERROR",
    507900: "ACL_ERROR_RT_AICPU_INTERNAL_ERROR",
    507901: "ACL_ERROR_RT_SOCKET_CLOSE",
}

ERROR_CODES: dict[str, int] = {name: code for code, name in ERROR_NAMES.items()}

# A kernel faulted or hung on an AI core / vector core: the device survives, the launch did not.
KERNEL_FAULT_CODES = frozenset({507014, 507015, 507016, 507034, 507035, 507036, 507042, 507043, 507044, 507045})


class AclError(AscendpyError):
    """An ACL call returned a non-zero aclError.

    `code` is the number, `name` its ACL_ERROR_* name, `function` the ACL function
    and `message` what aclGetRecentErrMsg() said on the calling thread.
    """

    def __init__(self, code: int, function: str, message: str = "") -> None:
        self.code = int(code)
        self.name = ERROR_NAMES.get(self.code, f"unknown ACL error {self.code}")
        self.function = function
        self.message = message
        text = f"{function} failed with {self.name} ({self.code})"
        super().__init__(f"{text}: {message}" if message else text)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.function, self.message))


class AclParamError(AclError):
    """1000xx / 148xxx: an argument or call sequence ACL rejected."""


class AclResourceError(AclError):
    """2000xx: allocation, device or handle trouble at the ACL level."""


class AclStorageError(AclError):
    """300000: storage over limit."""


class AclInternalError(AclError):
    """5000xx: ACL internal failure."""


class AclRuntimeParamError(AclError):
    """107xxx: the runtime rejected a parameter (bad device id, no current context, stale handle...)."""


class AclRuntimeResourceError(AclError):
    """207xxx: the runtime ran out of something (device memory, streams...)."""


class AclRuntimeInternalError(AclError):
    """507xxx: runtime / device failure, including kernel faults reported at synchronisation."""


class KernelExecutionError(AclRuntimeInternalError):
    """A kernel raised an AI core / vector core exception or timed out; the message names kernel and block."""


class StreamAbortedError(AclRuntimeParamError):
    """107023 ACL_ERROR_RT_STREAM_ABORT: a stream's work was aborted (Ctrl-C during a wait, or Stream.abort()).

    Raised by a wait that the abort interrupted, by an event whose record was dropped, and by every
    use of a stream whose running kernel did not stop when aborted: such a stream is failed for
    good (close it and use a new one; other streams are not affected).
    """


class SyncTimeoutError(AclRuntimeInternalError, TimeoutError):
    """A `synchronize(timeout=...)` ran out of time (ACL_ERROR_RT_STREAM_SYNC_TIMEOUT / EVENT_SYNC_TIMEOUT).

    The work goes on: a later `synchronize()` waits for it and reports its result. `target` names
    the stream, event or device waited for, `timeout` is the limit in seconds.
    """

    def __init__(self, code: int, function: str, message: str = "", target: str = "", timeout: float = 0.0) -> None:
        self.target = target
        self.timeout = timeout
        super().__init__(code, function, message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.function, self.message, self.target, self.timeout))


# Answers of the *WithTimeout waits when the time ran out (aclrtSynchronizeDeviceWithTimeout gives the stream one).
SYNC_TIMEOUT_CODES = frozenset({507046, 507047})


def error_for(code: int, function: str, message: str = "") -> AclError:
    """The AclError subclass for `code`'s family."""
    code = int(code)
    cls: type[AclError]
    if code in KERNEL_FAULT_CODES:
        from ascendpy.runtime.faults import fault_for

        return fault_for(code, function, message)
    elif code == 107023:
        cls = StreamAbortedError
    elif 107000 <= code < 108000:
        cls = AclRuntimeParamError
    elif 207000 <= code < 208000:
        cls = AclRuntimeResourceError
    elif 507000 <= code < 508000:
        cls = AclRuntimeInternalError
    elif 100000 <= code < 200000:
        cls = AclParamError
    elif 200000 <= code < 300000:
        cls = AclResourceError
    elif 300000 <= code < 400000:
        cls = AclStorageError
    elif 500000 <= code < 600000:
        cls = AclInternalError
    else:
        cls = AclError
    return cls(code, function, message)


# ------------------------------------------------------------- ctypes structs


class BinaryLoadOption(ctypes.Structure):
    """aclrtBinaryLoadOption: `value` is the union {isLazyLoad; magic; cpuKernelMode; rsv[4]}."""

    _fields_ = [("type", ctypes.c_int), ("value", ctypes.c_uint32 * 4)]


class BinaryLoadOptions(ctypes.Structure):
    """aclrtBinaryLoadOptions."""

    _fields_ = [("options", ctypes.POINTER(BinaryLoadOption)), ("numOpt", ctypes.c_size_t)]


class LaunchKernelAttr(ctypes.Structure):
    """aclrtLaunchKernelAttr: `value` is the 16-byte attribute union."""

    _fields_ = [("id", ctypes.c_int), ("value", ctypes.c_uint32 * 4)]


class LaunchKernelCfg(ctypes.Structure):
    """aclrtLaunchKernelCfg."""

    _fields_ = [("attrs", ctypes.POINTER(LaunchKernelAttr)), ("numAttrs", ctypes.c_size_t)]


# ---------------------------------------------------------------- prototypes

_err = ctypes.c_int  # aclError
_vp = ctypes.c_void_p
_pvp = ctypes.POINTER(ctypes.c_void_p)
_i32, _u32, _i64, _sz = ctypes.c_int32, ctypes.c_uint32, ctypes.c_int64, ctypes.c_size_t
_Proto = tuple[Any, list[Any]]

PROTOTYPES: dict[str, _Proto] = {
    "aclInit": (_err, [ctypes.c_char_p]),
    "aclFinalize": (_err, []),
    "aclGetRecentErrMsg": (ctypes.c_char_p, []),
    "aclrtGetVersion": (_err, [ctypes.POINTER(_i32), ctypes.POINTER(_i32), ctypes.POINTER(_i32)]),
    "aclrtGetSocName": (ctypes.c_char_p, []),
    "aclrtSetDevice": (_err, [_i32]),
    "aclrtResetDevice": (_err, [_i32]),
    "aclrtGetDevice": (_err, [ctypes.POINTER(_i32)]),
    "aclrtGetDeviceCount": (_err, [ctypes.POINTER(_u32)]),
    "aclrtGetRunMode": (_err, [ctypes.POINTER(ctypes.c_int)]),
    "aclrtSynchronizeDevice": (_err, []),
    "aclGetDeviceCapability": (_err, [_u32, ctypes.c_int, ctypes.POINTER(_i64)]),
    "aclrtGetDeviceInfo": (_err, [_u32, ctypes.c_int, ctypes.POINTER(_i64)]),
    "aclrtCreateContext": (_err, [_pvp, _i32]),
    "aclrtDestroyContext": (_err, [_vp]),
    "aclrtSetCurrentContext": (_err, [_vp]),
    "aclrtGetCurrentContext": (_err, [_pvp]),
    "aclrtCreateStream": (_err, [_pvp]),
    "aclrtCreateStreamWithConfig": (_err, [_pvp, _u32, _u32]),
    "aclrtDestroyStream": (_err, [_vp]),
    "aclrtSynchronizeStream": (_err, [_vp]),
    "aclrtSynchronizeStreamWithTimeout": (_err, [_vp, _i32]),
    "aclrtSynchronizeEventWithTimeout": (_err, [_vp, _i32]),
    "aclrtSynchronizeDeviceWithTimeout": (_err, [_i32]),
    "aclrtStreamAbort": (_err, [_vp]),
    "aclrtStreamWaitEvent": (_err, [_vp, _vp]),
    "aclrtStreamQuery": (_err, [_vp, ctypes.POINTER(ctypes.c_int)]),
    "aclrtMalloc": (_err, [_pvp, _sz, ctypes.c_int]),
    "aclrtMallocAlign32": (_err, [_pvp, _sz, ctypes.c_int]),
    "aclrtFree": (_err, [_vp]),
    "aclrtMallocHost": (_err, [_pvp, _sz]),
    "aclrtFreeHost": (_err, [_vp]),
    "aclrtMemcpy": (_err, [_vp, _sz, _vp, _sz, ctypes.c_int]),
    "aclrtMemcpyAsync": (_err, [_vp, _sz, _vp, _sz, ctypes.c_int, _vp]),
    "aclrtMemset": (_err, [_vp, _sz, _i32, _sz]),
    "aclrtMemsetAsync": (_err, [_vp, _sz, _i32, _sz, _vp]),
    "aclrtGetMemInfo": (_err, [ctypes.c_int, ctypes.POINTER(_sz), ctypes.POINTER(_sz)]),
    "aclrtCreateEvent": (_err, [_pvp]),
    "aclrtCreateEventWithFlag": (_err, [_pvp, _u32]),
    "aclrtDestroyEvent": (_err, [_vp]),
    "aclrtRecordEvent": (_err, [_vp, _vp]),
    "aclrtSynchronizeEvent": (_err, [_vp]),
    "aclrtQueryEventStatus": (_err, [_vp, ctypes.POINTER(ctypes.c_int)]),
    "aclrtEventElapsedTime": (_err, [ctypes.POINTER(ctypes.c_float), _vp, _vp]),
    "aclrtBinaryLoadFromFile": (_err, [ctypes.c_char_p, ctypes.POINTER(BinaryLoadOptions), _pvp]),
    "aclrtBinaryUnLoad": (_err, [_vp]),
    "aclrtBinaryGetFunction": (_err, [_vp, ctypes.c_char_p, _pvp]),
    "aclrtKernelArgsInit": (_err, [_vp, _pvp]),
    "aclrtKernelArgsAppend": (_err, [_vp, _vp, _sz, _pvp]),
    "aclrtKernelArgsAppendPlaceHolder": (_err, [_vp, _pvp]),
    "aclrtKernelArgsGetPlaceHolderBuffer": (_err, [_vp, _vp, _sz, _pvp]),
    "aclrtKernelArgsFinalize": (_err, [_vp]),
    "aclrtLaunchKernelWithConfig": (_err, [_vp, _u32, _vp, ctypes.POINTER(LaunchKernelCfg), _vp, _vp]),
    "aclrtLaunchKernel": (_err, [_vp, _u32, _vp, _sz, _vp]),
}

# 9.x additions absent from CANN 8.1's acl_rt.h (reference section 7 item 4): bound when present.
OPTIONAL: frozenset[str] = frozenset({"aclrtGetDeviceInfo"})

# Only in libascendcl_sim.so.
SIM_EXTENSIONS: dict[str, _Proto] = {
    "ascendpySimLiveAllocations": (ctypes.c_uint64, []),
    "ascendpySimLiveBytes": (ctypes.c_uint64, []),
    "ascendpySimLiveHostAllocations": (ctypes.c_uint64, []),
    "ascendpySimLiveHandles": (ctypes.c_uint64, []),
    "ascendpySimDeviceRange": (_i32, [_vp, _pvp, ctypes.POINTER(ctypes.c_uint64)]),
    "ascendpySimConstants": (ctypes.c_char_p, []),
    "ascendpySimAbortReport": (ctypes.c_char_p, [_vp]),
    "ascendpySimKernelArgsSetExtent": (_err, [_vp, _vp, ctypes.c_uint64]),
    "ascendpySimKernelType": (_err, [_vp, ctypes.POINTER(ctypes.c_int32)]),
    "ascendpySimKernelLayout": (_err, [_vp, ctypes.POINTER(ctypes.c_uint64), ctypes.c_uint64]),
    # func, numBlocks, stream, args struct, its bytes, per-parameter extents (UINT64_MAX: none)
    "ascendpySimLaunch": (_err, [_vp, _u32, _vp, ctypes.c_char_p, _sz, ctypes.c_char_p]),
    "__ascendpy_sim_block_idx": (_i64, []),
    "__ascendpy_sim_block_num": (_i64, []),
    "__ascendpy_sim_soc_name": (ctypes.c_char_p, []),
    "__ascendpy_sim_ub_bytes": (ctypes.c_uint64, []),
}


class AclLib:
    """A loaded ACL library with every prototype set; `call` turns return codes into AclError."""

    def __init__(self, cdll: ctypes.CDLL, path: Path, driver: str) -> None:
        self.cdll = cdll
        self.path = path
        self.driver = driver
        self._fns: dict[str, Any] = {}

    @classmethod
    def load(cls, path: str | os.PathLike[str], driver: str = "sim") -> AclLib:
        """Load `path` with RTLD_GLOBAL, so kernel libraries linked to the same SONAME bind to this copy."""
        p = Path(path)
        try:
            cdll = ctypes.CDLL(str(p), mode=ctypes.RTLD_GLOBAL)
        except OSError as exc:
            hint = (" (is the CANN environment set? `source <CANN>/set_env.sh` puts its libraries on "
                    "LD_LIBRARY_PATH)" if driver == "npu" else "")
            raise ToolchainError(f"cannot load the ACL library {p}: {exc}{hint}") from None
        lib = cls(cdll, p, driver)
        tables = [PROTOTYPES] + ([SIM_EXTENSIONS] if driver == "sim" else [])
        for table in tables:
            for name, (restype, argtypes) in table.items():
                try:
                    fn = getattr(cdll, name)
                except AttributeError:
                    if name in OPTIONAL:
                        continue
                    raise ToolchainError(f"{p} does not export {name}, which ascendpy needs; "
                                         "is it an ACL library of CANN 8.1 or later?") from None
                fn.restype = restype
                fn.argtypes = argtypes
                lib._fns[name] = fn
        return lib

    def has(self, name: str) -> bool:
        """Whether the library exports `name` (optional 9.x functions may be missing)."""
        return name in self._fns

    def fn(self, name: str) -> Any:
        """The ctypes function `name`, prototype set; for calls that do not return an aclError."""
        try:
            return self._fns[name]
        except KeyError:
            raise ToolchainError(f"the {self.driver} ACL library {self.path} has no function {name}") from None

    def kernel_arg_extent(self, args: Any, param: Any, nbytes: int) -> None:
        """Tell a driver that checks bounds (the simulator) that pointer argument `param` reaches `nbytes` bytes.

        A view `buf[a:b]` passed to a kernel then bounds the kernel's accesses by its own elements, not the
        whole allocation. Drivers without the check (the NPU library) have no such function: nothing happens.
        """
        if self.has("ascendpySimKernelArgsSetExtent"):
            self.call("ascendpySimKernelArgsSetExtent", args, param, nbytes)

    def recent_error_message(self) -> str:
        """aclGetRecentErrMsg() of the calling thread, '' when there is none."""
        raw = self._fns["aclGetRecentErrMsg"]()
        return raw.decode(errors="replace") if raw else ""

    def call(self, name: str, *args: Any) -> None:
        """Call an aclError-returning function; raise the matching AclError subclass unless it returns 0."""
        code = self.fn(name)(*args)
        if code != 0:
            raise error_for(code, name, self.recent_error_message())


# ------------------------------------------------------------ driver choice

_driver_lock = threading.Lock()
_driver: AclLib | None = None


def cann_home() -> Path | None:
    """The CANN toolkit directory holding lib64/libascendcl.so, or None."""
    candidates = [os.environ.get("ASCEND_HOME_PATH"), os.environ.get("ASCEND_TOOLKIT_HOME"),
                  "/usr/local/Ascend/ascend-toolkit/latest"]
    for c in candidates:
        if c and (Path(c) / "lib64" / "libascendcl.so").is_file():
            return Path(c)
    return None


def load_driver() -> AclLib:
    """The process's ACL library, chosen once: ASCENDPY_DEVICE=npu|sim, default npu when CANN is found."""
    global _driver
    with _driver_lock:
        if _driver is not None:
            return _driver
        choice = os.environ.get("ASCENDPY_DEVICE", "").strip().lower()
        if choice not in ("", "npu", "sim"):
            raise ToolchainError(f"ASCENDPY_DEVICE={choice!r}: use 'npu' or 'sim'")
        home = cann_home()
        if choice == "npu" or (choice == "" and home is not None):
            if home is None:
                raise ToolchainError(
                    "ASCENDPY_DEVICE=npu but CANN was not found: install the CANN toolkit and run "
                    "`source /usr/local/Ascend/ascend-toolkit/set_env.sh` (it sets ASCEND_HOME_PATH, whose "
                    "lib64/libascendcl.so is loaded), or set ASCENDPY_DEVICE=sim to use the CPU simulator"
                )
            _driver = AclLib.load(home / "lib64" / "libascendcl.so", driver="npu")
        else:
            from ascendpy.sim.build import sim_library

            _driver = AclLib.load(sim_library(), driver="sim")
        return _driver


def driver_name() -> str:
    """'sim' or 'npu': the driver load_driver() picked."""
    return load_driver().driver
