"""The child process of tests/test_interrupt.py: runs a kernel that never ends, waits for it, is interrupted.

`python interrupt_child.py MODE SEED` prints one JSON object per line:
{"running": ...} once the endless kernel is launched (the parent then sends SIGINT),
{"caught": T, "notes": [...]} when KeyboardInterrupt arrived (T is time.monotonic(), the same
clock in both processes), then what it checked afterwards, and {"exit": T} last. Any failure
is an uncaught exception, so the exit status is not 0.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from ascendpy import (
    Acl,
    Context,
    Device,
    DeviceBuffer,
    Event,
    KernelLoader,
    Stream,
    StreamAbortedError,
    std,
)
from ascendpy.std import Ptr, i32, u32

CPP = Path(__file__).resolve().parent / "interrupt_cpp" / "endless.cpp"


@std.aiv_kernel
def spin(x: Ptr[i32], y: Ptr[i32]):
    """Endless: y[0] counts up forever, reading and writing global memory through Ptr."""
    while True:
        y[0] = y[0] + x[0]  # LOOP spin


@std.aiv_kernel
def add_rows(x: Ptr[i32], y: Ptr[i32], z: Ptr[i32], n: u32):
    """z = x + y, element by element over the blocks."""
    i = std.get_block_idx()
    while i < n:
        z[i] = x[i] + y[i]
        i = i + std.get_block_num()


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def check_add(stream: Stream, rng: np.random.Generator) -> None:
    """A normal ascendpy kernel on `stream` gives numpy's answer."""
    n = 1000
    x = rng.integers(-2**20, 2**20, n, dtype=np.int32)
    y = rng.integers(-2**20, 2**20, n, dtype=np.int32)
    dx, dy, dz = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.empty(np.int32, n)
    python_loader().get_kernel("add_rows")[4, stream](dx, dy, dz, n)
    stream.synchronize(timeout=30)
    np.testing.assert_array_equal(dz.to_numpy(), x + y)
    for b in (dx, dy, dz):
        b.close()


def check_affine(stream: Stream, rng: np.random.Generator) -> None:
    """A normal hand-written AscendC kernel on `stream` gives numpy's answer."""
    n = 777
    x = rng.integers(0, 2**32, n, dtype=np.uint32)
    dx, dy = DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.uint32, n)
    cpp_loader().get_kernel("affine")[3, stream](dx, dy, n)
    stream.synchronize(timeout=30)
    np.testing.assert_array_equal(dy.to_numpy(), x * np.uint32(3) - np.uint32(1))
    dx.close()
    dy.close()


_loaders: dict[str, KernelLoader] = {}


def python_loader() -> KernelLoader:
    if "py" not in _loaders:
        _loaders["py"] = KernelLoader.from_module(sys.modules[__name__])
    return _loaders["py"]


def cpp_loader() -> KernelLoader:
    if "cpp" not in _loaders:
        _loaders["cpp"] = KernelLoader.from_file(CPP)
    return _loaders["cpp"]


def wait_for_sigint(wait: Any) -> None:
    """Run `wait()` until the parent's SIGINT turns it into KeyboardInterrupt; report when that was."""
    say(running=True)
    try:
        wait()
    except KeyboardInterrupt as exc:
        say(caught=time.monotonic(), notes=getattr(exc, "__notes__", []))
        return
    raise AssertionError("the wait returned: the endless kernel ended")


def self_interrupt(wait: Any, after: float = 0.3) -> float:
    """Run `wait()`, send ourselves SIGINT `after` s later; the seconds from SIGINT to KeyboardInterrupt."""
    sent: list[float] = []

    def kick() -> None:
        time.sleep(after)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=kick, daemon=True).start()
    try:
        wait()
    except KeyboardInterrupt:
        return time.monotonic() - sent[0]
    raise AssertionError("the wait returned: the endless kernel ended")


def main(mode: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    python_loader()
    cpp_loader()  # compiled before anything runs
    with Acl() as acl, Device(acl) as device, Context(device) as ctx:
        stream = Stream(ctx)
        if mode == "python":
            x = DeviceBuffer.from_numpy(rng.integers(1, 100, 4, dtype=np.int32))
            y = DeviceBuffer.from_numpy(np.zeros(4, dtype=np.int32))
            python_loader().get_kernel("spin")[1, stream](x, y)
            wait_for_sigint(stream.synchronize)
            check_add(stream, rng)  # the same stream runs the next kernel
            say(counted=int(y.to_numpy()[0]), x0=int(x.to_numpy()[0]))
        elif mode == "ascendc":
            blocks = 8  # more than the simulator's pool threads: some blocks never start
            x = DeviceBuffer.from_numpy(rng.integers(1, 100, 8 * blocks, dtype=np.uint32))
            y = DeviceBuffer.from_numpy(np.zeros(8 * blocks, dtype=np.uint32))
            cpp_loader().get_kernel("spin_get_value")[blocks, stream](x, y)
            wait_for_sigint(stream.synchronize)
            check_affine(stream, rng)
            check_add(stream, rng)
            say(moved=bool(y.to_numpy().any()))
        elif mode == "no_api":
            flag = DeviceBuffer.from_numpy(np.zeros(1, dtype=np.uint32))
            cpp_loader().get_kernel("spin_no_api")[4, stream](flag, 0xC0FFEE)  # holds every pool thread
            wait_for_sigint(stream.synchronize)
            refused = []
            for what, use in [("launch", lambda: check_affine(stream, rng)), ("synchronize", stream.synchronize),
                              ("device", device.synchronize), ("record", lambda: Event(ctx).record(stream))]:
                try:
                    use()
                except StreamAbortedError as err:
                    refused.append([what, str(err)])
            say(refused=refused)
            other = Stream(ctx)
            check_affine(other, rng)  # new streams still run, on replacement pool threads
            check_add(other, rng)
            stream.close()  # does not wait for the kernel that never stops
            device.synchronize(timeout=30)  # the failed stream is gone: the device is fine again
            say(closed=True)
        elif mode == "waits":
            x = DeviceBuffer.from_numpy(rng.integers(1, 100, 4, dtype=np.int32))
            y = DeviceBuffer.from_numpy(np.zeros(4, dtype=np.int32))
            spin_k = python_loader().get_kernel("spin")
            event = Event(ctx)
            latency = {}

            def run(name: str, wait: Any, on: Stream | None = None, out: DeviceBuffer = y) -> None:
                s = on or stream
                spin_k[1, s](x, out)
                event.record(s)
                latency[name] = self_interrupt(wait)
                check_add(s, rng)  # the kernel was cancelled: the stream runs the next one

            run("Stream.synchronize", stream.synchronize)
            run("Event.synchronize", event.synchronize)
            run("Device.synchronize", device.synchronize)
            run("DeviceBuffer.to_numpy", y.to_numpy)
            run("DeviceBuffer.copy_from", lambda: y.copy_from(np.ones(4, dtype=np.int32)))
            doomed = DeviceBuffer.empty(np.int32, 4)
            run("DeviceBuffer.close", doomed.close, out=doomed)  # freeing memory waits for its users
            doomed.close()  # interrupted once: closing again frees it
            short = Stream(ctx)
            run("Stream.close", short.close, on=short)  # closing a stream waits for its work
            short.close()
            ctx2 = Context(device)
            s2 = Stream(ctx2)
            x2 = DeviceBuffer.from_numpy(np.ones(4, dtype=np.int32), context=ctx2)
            y2 = DeviceBuffer.empty(np.int32, 4, context=ctx2)
            spin_k[1, s2](x2, y2)
            latency["Context.close"] = self_interrupt(ctx2.close)
            ctx2.close()  # interrupted once: closing again finishes
            say(latency=latency, closed=[doomed.closed, short.closed, ctx2.closed])
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    say(exit=time.monotonic())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
