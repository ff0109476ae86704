"""Kernels that can be stopped: Ctrl-C during any blocking wait, Stream.abort(), and `timeout=`.

Endless kernels run in a child process (tests/interrupt_child.py) that the parent interrupts with
SIGINT, so a regression fails on a subprocess timeout instead of hanging the suite. The kernels in
this file all end by themselves (the "long" ones after tens of seconds at worst), and every wait
on them has a timeout.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ascendpy import (
    AclError,
    AscendpyError,
    DeviceBuffer,
    Event,
    GlobalMemoryFault,
    KernelLoader,
    ResourceClosedError,
    Stream,
    StreamAbortedError,
    SyncTimeoutError,
    std,
)
from ascendpy.runtime._acl import AclParamError
from ascendpy.std import Ptr, i32, u32

HERE = Path(__file__).resolve()
CHILD = HERE.parent / "interrupt_child.py"
CPP = HERE.parent / "interrupt_cpp" / "endless.cpp"
ENDLESS = 2**31  # reps of `slow_affine` that take the simulator tens of seconds: "running" for any test


@pytest.fixture
def runtime(runtime):
    """conftest's runtime, with its stream aborted at teardown: a test that fails before it stops an
    ENDLESS kernel must not leave the stream's close waiting for it forever."""
    yield runtime
    runtime[3].abort()


@std.aiv_kernel
def slow_affine(x: Ptr[u32], y: Ptr[u32], n: u32, reps: u32):
    """y[i] = 3 x[i] + reps - 1, the slow way: `reps` passes over the row."""
    for r in range(reps):
        for i in range(n):
            y[i] = x[i] * 3 + r  # LOOP slow_affine


@std.aiv_kernel
def add_rows(x: Ptr[i32], y: Ptr[i32], z: Ptr[i32], n: u32):
    for i in range(n):
        z[i] = x[i] + y[i]


@std.aiv_kernel
def poke_past_end(x: Ptr[i32], n: u32):
    x[n] = 7  # BUG poke_past_end


@functools.cache
def loader() -> KernelLoader:
    return KernelLoader.from_module(sys.modules[__name__])


def line_of(path: Path, marker: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if marker in text)


def slow_affine_inputs(rng: np.random.Generator, n: int = 64) -> tuple[np.ndarray, DeviceBuffer, DeviceBuffer]:
    x = rng.integers(0, 2**32, n, dtype=np.uint32)
    return x, DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(rng.integers(0, 2**32, n, dtype=np.uint32))


def expected_affine(x: np.ndarray, reps: int) -> np.ndarray:
    return x * np.uint32(3) + np.uint32(reps - 1)


def launch_long(stream: Stream, rng: np.random.Generator, seconds: float = 1.0) -> tuple[np.ndarray, Any, int]:
    """A kernel that runs for roughly `seconds` (much longer than the 0.05 s timeouts below)."""
    reps = max(1, int(seconds * 1.5e6))  # ~10 ns per element step on this simulator, 64 elements per pass
    x, dx, dy = slow_affine_inputs(rng)
    loader().get_kernel("slow_affine")[1, stream](dx, dy, len(x), reps)
    return expected_affine(x, reps), dy, reps


def check_add(stream: Stream, rng: np.random.Generator) -> None:
    n = 300
    x = rng.integers(-2**20, 2**20, n, dtype=np.int32)
    y = rng.integers(-2**20, 2**20, n, dtype=np.int32)
    dz = DeviceBuffer.empty(np.int32, n)
    loader().get_kernel("add_rows")[1, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), dz, n)
    stream.synchronize(timeout=30)
    np.testing.assert_array_equal(dz.to_numpy(), x + y)


# ----------------------------------------------------------------------------------------- timeout=
def test_stream_synchronize_timeout_raises_then_the_work_completes(runtime, rng):
    _, _, _, stream = runtime
    want, dy, _ = launch_long(stream, rng)
    t0 = time.monotonic()
    with pytest.raises(SyncTimeoutError) as info:
        stream.synchronize(timeout=0.05)
    took = time.monotonic() - t0
    assert took < 0.5, f"synchronize(timeout=0.05) took {took:.3f} s"
    err = info.value
    assert isinstance(err, TimeoutError) and isinstance(err, AscendpyError) and isinstance(err, AclError)
    assert err.target == "<Stream>" and err.timeout == 0.05
    assert err.name == "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT"
    assert "<Stream> did not finish within 0.05 s; its work goes on" in str(err)
    assert not stream.query()  # still running
    stream.synchronize(timeout=60)
    np.testing.assert_array_equal(dy.to_numpy(), want)


def test_event_synchronize_timeout_raises_then_the_event_completes(runtime, rng):
    _, _, ctx, stream = runtime
    want, dy, _ = launch_long(stream, rng)
    event = Event(ctx)
    event.record(stream)
    with pytest.raises(SyncTimeoutError, match=r"<Event> did not finish within 0.05 s") as info:
        event.synchronize(timeout=0.05)
    assert info.value.name == "ACL_ERROR_RT_EVENT_SYNC_TIMEOUT" and info.value.function == \
        "aclrtSynchronizeEventWithTimeout"
    assert not event.query()
    event.synchronize(timeout=60)
    assert event.query()
    np.testing.assert_array_equal(dy.to_numpy(), want)


def test_device_synchronize_timeout_raises_then_the_device_completes(runtime, rng):
    _, device, ctx, stream = runtime
    other = Stream(ctx)
    want, dy, _ = launch_long(other, rng)
    want2, dy2, _ = launch_long(stream, rng, seconds=0.2)
    with pytest.raises(SyncTimeoutError, match=r"<Device 0> did not finish within 0.05 s") as info:
        device.synchronize(timeout=0.05)
    assert info.value.name == "ACL_ERROR_RT_STREAM_SYNC_TIMEOUT"
    device.synchronize(timeout=60)
    assert stream.query() and other.query()
    np.testing.assert_array_equal(dy.to_numpy(), want)
    np.testing.assert_array_equal(dy2.to_numpy(), want2)


def test_a_timeout_does_not_take_the_fault_that_follows(runtime, rng):
    _, _, _, stream = runtime
    want, dy, _ = launch_long(stream, rng, seconds=0.5)
    victim = DeviceBuffer.from_numpy(rng.integers(0, 100, 8, dtype=np.int32))
    loader().get_kernel("poke_past_end")[1, stream](victim, 8)
    with pytest.raises(SyncTimeoutError):
        stream.synchronize(timeout=0.05)
    with pytest.raises(GlobalMemoryFault) as info:
        stream.synchronize(timeout=60)
    assert info.value.lineno == line_of(HERE, "# BUG poke_past_end") and info.value.filename == str(HERE)
    stream.synchronize(timeout=0)  # reported once
    np.testing.assert_array_equal(dy.to_numpy(), want)


@pytest.mark.parametrize("wait", ["stream", "event", "device"])
def test_timeout_values(runtime, wait):
    _, device, ctx, stream = runtime
    event = Event(ctx)
    event.record(stream)
    event.synchronize()
    sync = {"stream": stream.synchronize, "event": event.synchronize, "device": device.synchronize}[wait]
    for bad, cls, text in [(-1, ValueError, r"timeout must be >= 0 seconds \(or None: no limit\), got -1"),
                           (float("nan"), ValueError, "got nan"),
                           ("1", TypeError, "timeout must be a number of seconds or None .*not str"),
                           (True, TypeError, "not bool")]:
        with pytest.raises(cls, match=text):
            sync(timeout=bad)
    for ok in (0, 0.0, 1, 2.5, float("inf"), None):  # nothing is queued: each returns at once
        t0 = time.monotonic()
        sync(timeout=ok)
        assert time.monotonic() - t0 < 0.5


def test_sync_timeout_error_pickles():
    err = SyncTimeoutError(507046, "aclrtSynchronizeStreamWithTimeout", "<Stream> did not finish within 0.5 s",
                           target="<Stream>", timeout=0.5)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is SyncTimeoutError and str(back) == str(err)
    assert (back.target, back.timeout, back.code) == ("<Stream>", 0.5, 507046)


# ------------------------------------------------------------------------------------- Stream.abort()
def abort_report(stream: Stream) -> str:
    raw = stream._lib.fn("ascendpySimAbortReport")(stream.handle)
    return raw.decode() if raw else ""


def test_abort_cancels_the_running_kernel_and_drops_queued_work(runtime, rng):
    _, _, ctx, stream = runtime
    x, dx, dy = slow_affine_inputs(rng)
    loader().get_kernel("slow_affine")[1, stream](dx, dy, len(x), ENDLESS)
    z0 = rng.integers(-100, 100, 300, dtype=np.int32)
    dz = DeviceBuffer.from_numpy(z0)
    loader().get_kernel("add_rows")[1, stream](dz, dz, dz, len(z0))  # queued behind: must never run
    event = Event(ctx)
    event.record(stream)
    time.sleep(0.1)
    t0 = time.monotonic()
    stream.abort()
    assert time.monotonic() - t0 < 1
    report = abort_report(stream)
    assert f"kernel 'slow_affine' block 0: cancelled at {HERE}:{line_of(HERE, '# LOOP slow_affine')}: " in report
    assert report.endswith("; 2 queued task(s) dropped")  # the add_rows launch and the event record
    with pytest.raises(StreamAbortedError, match="will not complete: the stream it was recorded on was aborted"):
        event.synchronize(timeout=5)
    stream.synchronize(timeout=5)  # nothing left: the stream is fine
    np.testing.assert_array_equal(dz.to_numpy(), z0)  # the dropped kernel did not run
    check_add(stream, rng)  # the same stream runs the next kernel
    event.record(stream)
    event.synchronize(timeout=5)  # recorded again: completes


def test_abort_interrupts_a_wait_on_another_thread(runtime, rng):
    _, _, _, stream = runtime
    x, dx, dy = slow_affine_inputs(rng)
    loader().get_kernel("slow_affine")[1, stream](dx, dy, len(x), ENDLESS)
    got: queue.Queue[BaseException | None] = queue.Queue()

    def wait() -> None:
        try:
            stream.synchronize(timeout=60)
            got.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            got.put(exc)

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.2)
    stream.abort()
    err = got.get(timeout=5)
    t.join(timeout=5)
    assert isinstance(err, StreamAbortedError), err
    assert err.name == "ACL_ERROR_RT_STREAM_ABORT"
    assert "was aborted" in str(err) and "while this call waited for it" in str(err)
    stream.synchronize(timeout=5)
    check_add(stream, rng)


def test_abort_leaves_other_streams_alone(runtime, rng):
    _, _, ctx, stream = runtime
    other = Stream(ctx)
    x, dx, dy = slow_affine_inputs(rng)
    loader().get_kernel("slow_affine")[1, stream](dx, dy, len(x), ENDLESS)
    want, dy2, _ = launch_long(other, rng, seconds=0.3)
    time.sleep(0.05)
    stream.abort()
    other.synchronize(timeout=60)
    np.testing.assert_array_equal(dy2.to_numpy(), want)
    assert abort_report(other) == ""


def test_abort_of_a_launch_still_waiting_for_a_core(runtime, rng):
    _, _, ctx, stream = runtime
    x, dx, dy = slow_affine_inputs(rng)
    loader().get_kernel("slow_affine")[64, stream](dx, dy, len(x), ENDLESS)  # more blocks than pool threads
    time.sleep(0.5)  # its blocks must hold every pool thread first (on a loaded machine its stream is slow to start)
    queued = Stream(ctx)
    z0 = rng.integers(-100, 100, 300, dtype=np.int32)
    dz = DeviceBuffer.from_numpy(z0)
    loader().get_kernel("add_rows")[1, queued](dz, dz, dz, len(z0))  # waits behind them for a thread
    time.sleep(0.1)
    queued.abort()
    # Cancelled while waiting for a pool thread, or (on a loaded machine) dropped before the stream's
    # worker handed it to the pool: either way none of its blocks ran.
    report = abort_report(queued)
    assert report in ("kernel 'add_rows': cancelled when 0 of its 1 block(s) had started; 0 queued task(s) dropped",
                      "1 queued task(s) dropped", "0 queued task(s) dropped"), report
    queued.synchronize(timeout=5)
    np.testing.assert_array_equal(dz.to_numpy(), z0)
    stream.abort()  # its blocks stop; the ones not started never start
    assert "kernel 'slow_affine' block " in abort_report(stream)
    stream.synchronize(timeout=5)
    check_add(queued, rng)
    check_add(stream, rng)


def test_abort_of_a_stream_waiting_for_an_event(runtime, rng):
    _, _, ctx, stream = runtime
    x, dx, dy = slow_affine_inputs(rng)
    loader().get_kernel("slow_affine")[1, stream](dx, dy, len(x), ENDLESS)
    event = Event(ctx)
    event.record(stream)
    waiter = Stream(ctx)
    waiter.wait_event(event)  # blocks `waiter` until `stream` reaches the record
    z0 = rng.integers(-100, 100, 300, dtype=np.int32)
    dz = DeviceBuffer.from_numpy(z0)
    loader().get_kernel("add_rows")[1, waiter](dz, dz, dz, len(z0))
    time.sleep(0.1)
    waiter.abort()  # the wait gives up, the launch behind it is dropped
    assert abort_report(waiter) == "1 queued task(s) dropped"
    waiter.synchronize(timeout=5)
    np.testing.assert_array_equal(dz.to_numpy(), z0)
    stream.abort()
    check_add(waiter, rng)
    check_add(stream, rng)


def test_abort_of_an_idle_or_closed_stream(runtime, rng):
    _, _, ctx, stream = runtime
    stream.abort()
    assert abort_report(stream) == "0 queued task(s) dropped"
    stream.synchronize(timeout=0)
    check_add(stream, rng)
    closed = Stream(ctx)
    closed.close()
    with pytest.raises(ResourceClosedError, match="<Stream closed> was closed"):
        closed.abort()


def test_raw_abi_checks_arguments(runtime):
    _, _, ctx, stream = runtime
    lib = stream._lib
    with pytest.raises(AclParamError, match="does not take the NULL .default. stream"):
        lib.call("aclrtStreamAbort", None)
    event = Event(ctx)
    for fn, args in [("aclrtSynchronizeEventWithTimeout", (event.handle,)), ("aclrtSynchronizeDeviceWithTimeout", ()),
                     ("aclrtSynchronizeStreamWithTimeout", (stream.handle,))]:
        with pytest.raises(AclParamError, match=r"timeout -2 ms is invalid: use -1 \(no limit\), 0 \(poll\)"):
            lib.call(fn, *args, -2)
        lib.call(fn, *args, 0)
    with pytest.raises(AclError, match="is not a live stream"):
        lib.call("aclrtStreamAbort", ctypes.c_void_p(0xDEAD0))


# --------------------------------------------------------------------------- Ctrl-C, in a child process
class Child:
    """tests/interrupt_child.py MODE, its JSON lines read as they come."""

    def __init__(self, mode: str, seed: int) -> None:
        self.proc = subprocess.Popen([sys.executable, str(CHILD), mode, str(seed)], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=HERE.parent.parent)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr or []), daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout or []:
            self.lines.put(line)
        self.lines.put(None)

    def next(self, timeout: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.proc.kill()
            raise AssertionError(f"the child said nothing for {timeout} s; stderr:\n{''.join(self.err)}") from None
        if line is None:
            self.proc.wait(timeout=10)
            raise AssertionError(f"the child ended (status {self.proc.returncode}); stderr:\n{''.join(self.err)}")
        return json.loads(line)

    def finish(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"the child did not exit within {timeout} s") from None


def interrupt(mode: str, rng: np.random.Generator) -> tuple[float, dict[str, Any], list[dict[str, Any]]]:
    """Start the child, SIGINT it once its endless kernel runs: (latency, the 'caught' line, the lines after)."""
    child = Child(mode, int(rng.integers(2**31)))
    try:
        assert child.next(timeout=180) == {"running": True}  # the first run compiles the kernels
        time.sleep(0.3)  # the child is in its wait by now
        sent = time.monotonic()
        os.kill(child.proc.pid, signal.SIGINT)
        caught = child.next(timeout=10)
        latency = caught["caught"] - sent  # time.monotonic() is one clock for every process
        print(f"{mode}: KeyboardInterrupt {latency * 1000:.1f} ms after SIGINT")
        after = []
        while "exit" not in (line := child.next(timeout=60)):
            after.append(line)
        assert line["exit"] - sent < 30
        assert child.finish(timeout=30) == 0, "".join(child.err)
        return latency, caught, after
    finally:
        if child.proc.poll() is None:
            child.proc.kill()


def test_ctrl_c_stops_an_endless_python_kernel(rng):
    latency, caught, after = interrupt("python", rng)
    assert latency < 1.0, f"KeyboardInterrupt came {latency:.3f} s after SIGINT"
    line = line_of(CHILD, "# LOOP spin")
    [note] = caught["notes"]
    assert note.startswith(f"ascendpy aborted the work of <Stream>: kernel 'spin' block 0: cancelled at "
                           f"{CHILD}:{line}: the launch was cancelled by aclrtStreamAbort")
    assert note.endswith("; 0 queued task(s) dropped")
    assert after[0]["counted"] != 0  # it did run; then the same stream ran add_rows correctly


def test_ctrl_c_stops_an_endless_ascendc_kernel(rng):
    latency, caught, after = interrupt("ascendc", rng)
    assert latency < 1.0, f"KeyboardInterrupt came {latency:.3f} s after SIGINT"
    [note] = caught["notes"]
    assert "kernel 'spin_get_value' block " in note
    assert f": cancelled at {CPP}:{line_of(CPP, '// LOOP spin_get_value')}: " in note
    assert after == [{"moved": True}]


def test_ctrl_c_on_a_kernel_without_api_calls_fails_its_stream_only(rng):
    latency, caught, after = interrupt("no_api", rng)
    assert latency < 1.0, f"KeyboardInterrupt came {latency:.3f} s after SIGINT"
    [note] = caught["notes"]
    failed = ("was aborted (aclrtStreamAbort) but kernel 'spin_no_api' did not stop within 400 ms: the simulator "
              "stops a kernel at its next AscendC API call, and this one runs a loop that makes none")
    assert note.startswith("ascendpy could not stop <Stream>: aclrtStreamAbort failed with ACL_ERROR_RT_STREAM_ABORT")
    assert failed in note
    refused, closed = after
    assert [what for what, _ in refused["refused"]] == ["launch", "synchronize", "device", "record"]
    assert all(failed in text and "The stream is failed and refuses all work" in text for _, text in refused["refused"])
    assert closed == {"closed": True}  # a new stream ran two kernels; closing the failed one did not hang


def test_ctrl_c_in_every_blocking_wait(rng):
    child = Child("waits", int(rng.integers(2**31)))
    try:
        result = child.next(timeout=180)
        assert "exit" in child.next(timeout=30)
        assert child.finish(timeout=30) == 0, "".join(child.err)
    finally:
        if child.proc.poll() is None:
            child.proc.kill()
    latency = result["latency"]
    print("KeyboardInterrupt after SIGINT (ms):", {k: round(v * 1000, 1) for k, v in latency.items()})
    assert set(latency) == {"Stream.synchronize", "Event.synchronize", "Device.synchronize", "DeviceBuffer.to_numpy",
                            "DeviceBuffer.copy_from", "DeviceBuffer.close", "Stream.close", "Context.close"}
    assert all(v < 1.0 for v in latency.values()), latency
    assert result["closed"] == [True, True, True]
