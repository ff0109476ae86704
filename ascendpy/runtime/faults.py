"""Kernel faults the simulator detects, one exception class per kind of bug.

The simulator reports a fault at the launch's stream synchronisation as
ACL_ERROR_RT_VECTOR_CORE_EXCEPTION with the text
`kernel 'NAME' block B: KIND at FILE:LINE: DETAIL` (`block B AIC`, `block B AIV` or `block B AIV S` for
a core of an AIC-only or mix kernel on 910B); `fault_for` turns that into the subclass for KIND, carrying
kernel, block, core, sub-block, file, line and detail.
"""

from __future__ import annotations

import re

from ascendpy.runtime._acl import KernelExecutionError


class KernelFault(KernelExecutionError):
    """A kernel did something the NPU turns into garbage or an AI core exception.

    `kind` is the simulator's fault kind, `kernel` and `block` say who (`block` is the built-in block_idx: the
    group of a mix kernel; `core` is "AIC" or "AIV" for a core of an AIC-only or mix kernel, else None, and
    `sub_block` the AIV's index in its group of a 1:1 / 1:2 mix kernel, else None), `filename`
    and `lineno` where in the kernel source (the Python line for ascendpy kernels,
    the C++ line for hand-written AscendC; None when unknown), `detail` what.
    """

    kinds: frozenset[str] = frozenset()
    kind: str = ""
    kernel: str | None = None
    block: int | None = None
    core: str | None = None
    sub_block: int | None = None
    filename: str | None = None
    lineno: int | None = None
    detail: str = ""

    def __reduce__(self) -> tuple[object, ...]:
        return (fault_for, (self.code, self.function, self.message))


class GlobalMemoryFault(KernelFault):
    """A scalar access or DMA range outside the device allocation its pointer came from."""

    kinds = frozenset({"global_out_of_bounds", "freed_memory", "not_device_memory"})


class OnChipCapacityFault(KernelFault):
    """On-chip buffers beyond the SoC's UB/L1/L0 capacity, or an access past the end of a LocalTensor."""

    kinds = frozenset({"ub_overflow", "l1_overflow", "l0a_overflow", "l0b_overflow", "l0c_overflow",
                       "too_many_buffers", "local_out_of_bounds"})


class AlignmentFault(KernelFault):
    """An alignment or size rule of the hardware, or an API the SoC does not have."""

    kinds = frozenset({"misaligned", "invalid_argument", "bad_event_id", "unsupported_on_soc", "bad_position",
                       "unsupported_position", "unsupported_cast", "unsupported_kernel_type"})


class QueueProtocolFault(KernelFault):
    """TQue/TBuf misuse: allocation beyond depth, DeQue without EnQue, use after FreeTensor, double free, leak."""

    kinds = frozenset({"queue_protocol", "uninitialized_tensor", "tensor_leak"})


class PipeRaceFault(KernelFault):
    """Two pipes touched the same memory, at least one writing, with nothing ordering them."""

    kinds = frozenset({"pipe_race"})


class DeadlockFault(KernelFault):
    """A WaitFlag (or CrossCoreWaitFlag) that no SetFlag can satisfy, or a flag set too often: the NPU would hang."""

    kinds = frozenset({"deadlock", "flag_overflow"})


class AtomicModeFault(KernelFault):
    """A core's store-atomic mode (SetAtomicAdd/Max/Min) still on when its kernel returned: the next kernel on
    that core would add its stores into global memory instead of writing them. Reported at the Set call's line."""

    kinds = frozenset({"atomic_left_on"})


class ArithmeticFault(KernelFault):
    """Integer division or modulo by zero."""

    kinds = frozenset({"division_by_zero"})


class AssertionFault(KernelFault):
    """An `ASSERT(expr)` in hand-written AscendC was false (the NPU does not evaluate ASSERT at all)."""

    kinds = frozenset({"assert_failed"})


FAULT_CLASSES: tuple[type[KernelFault], ...] = (GlobalMemoryFault, OnChipCapacityFault, AlignmentFault,
                                                QueueProtocolFault, PipeRaceFault, DeadlockFault, ArithmeticFault,
                                                AssertionFault, AtomicModeFault)
_BY_KIND = {kind: cls for cls in FAULT_CLASSES for kind in cls.kinds}
_REPORT = re.compile(r"kernel '(?P<kernel>[^']*)' block (?P<block>\d+)(?: (?P<core>AIC|AIV)(?: (?P<sub>\d+))?)?: "
                     r"(?P<kind>[a-z_0-9]+)"
                     r"(?: at (?P<file>.+?):(?P<line>\d+))?: (?P<detail>.*)", re.S)


def fault_for(code: int, function: str, message: str) -> KernelExecutionError:
    """The KernelFault subclass a simulator report describes (KernelExecutionError for anything else)."""
    m = _REPORT.search(message)
    if m is None:
        return KernelExecutionError(code, function, message)
    cls = _BY_KIND.get(m["kind"], KernelFault)
    err = cls(code, function, message)
    err.kind = m["kind"]
    err.kernel = m["kernel"]
    err.block = int(m["block"])
    err.core = m["core"]
    err.sub_block = int(m["sub"]) if m["sub"] else None
    err.filename = m["file"]
    err.lineno = int(m["line"]) if m["line"] else None
    err.detail = m["detail"]
    return err


__all__ = ["KernelFault", "FAULT_CLASSES", "fault_for", *[c.__name__ for c in FAULT_CLASSES]]
