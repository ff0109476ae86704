"""Python threads drive the runtime at once: each its own stream (on a shared context or its own).

Every thread launches axpy many times on its own random data and checks each result against
numpy; the current context is per thread, as ACL keeps it.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

import numpy as np
import pytest

from ascendpy import Context, DeviceBuffer, KernelLoader, ResourceClosedError, Stream
from tests.kernels import arith
from tests.sim_counts import live_allocations

THREADS = 4
ROUNDS = 60


@pytest.fixture(scope="module")
def axpy():
    return KernelLoader.from_module(arith).get_kernel("axpy")


def run_threads(target: Callable[[int], None], count: int = THREADS, timeout: float = 60) -> None:
    """Run target(i) on `count` threads started together; re-raise the first failure with its traceback."""
    errors: list[str] = []
    barrier = threading.Barrier(count)

    def body(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException:  # noqa: BLE001 - reported on the main thread
            errors.append(f"thread {i}:\n{traceback.format_exc()}")

    threads = [threading.Thread(target=body, args=(i,), name=f"ascendpy-test-{i}") for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, "\n".join(errors)


def axpy_rounds(axpy, ctx: Context, stream: Stream, rng: np.random.Generator, rounds: int) -> None:
    """Launch axpy `rounds` times on fresh data; several launches are queued before each check."""
    pending: list[tuple[DeviceBuffer, np.ndarray]] = []
    for r in range(rounds):
        n = int(rng.integers(1, 6000))
        x = rng.standard_normal(n, dtype=np.float32)
        y = rng.standard_normal(n, dtype=np.float32)
        a = np.float32(rng.uniform(-4, 4))
        z = DeviceBuffer.empty(np.float32, n, context=ctx)
        axpy[int(rng.integers(1, 9)), stream](DeviceBuffer.from_numpy(x, context=ctx),
                                              DeviceBuffer.from_numpy(y, context=ctx), z, float(a), n)
        pending.append((z, a * x + y))
        if r % 4 == 3 or r == rounds - 1:
            if r % 8 == 7:
                stream.synchronize()
            for got, want in pending:
                np.testing.assert_array_equal(got.to_numpy(), want)  # to_numpy waits for the launch
            pending.clear()



def test_threads_with_own_streams_on_a_shared_context(axpy, runtime, rng):
    acl, _, ctx, _ = runtime
    seeds = rng.integers(0, 2**32, THREADS)
    start = live_allocations(acl)

    def work(i: int) -> None:
        with Stream(ctx) as stream:
            axpy_rounds(axpy, ctx, stream, np.random.default_rng(seeds[i]), ROUNDS)

    run_threads(work)
    assert live_allocations(acl) == start


def test_threads_with_own_streams_sharing_buffers_read_only(axpy, runtime, rng):
    """Every thread reads the same x and y and writes its own z, concurrently on its own stream."""
    acl, _, ctx, _ = runtime
    n = 50_000
    x, y = rng.standard_normal(n, dtype=np.float32), rng.standard_normal(n, dtype=np.float32)
    xd, yd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y)
    coefficients = rng.uniform(-3, 3, (THREADS, 20)).astype(np.float32)
    out = [DeviceBuffer.empty(np.float32, n) for _ in range(THREADS)]

    def work(i: int) -> None:
        with Stream(ctx) as stream:
            for a in coefficients[i]:
                axpy[1 + i, stream](xd, yd, out[i], float(a), n)
                np.testing.assert_array_equal(out[i].to_numpy(), a * x + y)

    run_threads(work)
    for i in range(THREADS):
        np.testing.assert_array_equal(out[i].to_numpy(), coefficients[i][-1] * x + y)


def test_threads_each_with_own_context_made_current_on_the_thread(axpy, runtime, rng):
    acl, device, main_ctx, _ = runtime
    contexts = [Context(device) for _ in range(THREADS)]  # created here; made current on each thread
    main_ctx.make_current()
    seeds = rng.integers(0, 2**32, THREADS)
    start = live_allocations(acl)

    def work(i: int) -> None:
        ctx = contexts[i]
        with pytest.raises(ResourceClosedError, match="no current Context on this thread"):
            Context.current()
        ctx.make_current()
        assert Context.current() is ctx
        stream = Stream(ctx)
        r = np.random.default_rng(seeds[i])
        n = 4096
        x = r.standard_normal(n, dtype=np.float32)
        xd = DeviceBuffer.from_numpy(x)  # no context=: goes to this thread's current context
        assert xd.context is ctx
        zd = DeviceBuffer.empty(np.float32, n)
        axpy[3, stream](xd, xd, zd, 0.5, n)
        np.testing.assert_array_equal(zd.to_numpy(), np.float32(0.5) * x + x)
        axpy_rounds(axpy, ctx, stream, r, ROUNDS)
        assert Context.current() is ctx  # other threads' make_current did not change this thread's
        stream.close()
        xd.close()
        zd.close()

    run_threads(work)
    assert Context.current() is main_ctx  # the threads did not change the main thread's either
    assert live_allocations(acl) == start
    for c in contexts:
        c.close()


def test_threads_creating_their_own_contexts(axpy, runtime, rng):
    acl, device, main_ctx, _ = runtime
    seeds = rng.integers(0, 2**32, THREADS)
    start = live_allocations(acl)

    def work(i: int) -> None:
        with pytest.raises(ResourceClosedError):
            Context.current()
        with Context(device) as ctx, Stream(ctx) as stream:
            assert Context.current() is ctx  # creating a context makes it current on the creating thread
            axpy_rounds(axpy, ctx, stream, np.random.default_rng(seeds[i]), ROUNDS // 2)
        with pytest.raises(ResourceClosedError):
            Context.current()  # closed: no longer current

    run_threads(work)
    assert Context.current() is main_ctx
    assert live_allocations(acl) == start


def test_current_context_is_per_thread(runtime):
    _, device, main_ctx, _ = runtime
    assert Context.current() is main_ctx
    seen: list[object] = []
    ready, go = threading.Event(), threading.Event()

    def other() -> None:
        try:
            Context.current()
            seen.append("no error")
        except ResourceClosedError as exc:
            seen.append(str(exc))
        main_ctx.make_current()
        seen.append(Context.current() is main_ctx)
        ready.set()
        go.wait(10)
        seen.append(Context.current() is main_ctx)  # still, although the main thread switched

    t = threading.Thread(target=other)
    t.start()
    assert ready.wait(10)
    other_ctx = Context(device)  # current on the main thread now
    assert Context.current() is other_ctx
    go.set()
    t.join(10)
    assert "no current Context on this thread" in str(seen[0]) and "make_current()" in str(seen[0])
    assert seen[1:] == [True, True]
    other_ctx.close()
    with pytest.raises(ResourceClosedError, match="no current Context on this thread"):
        Context.current()  # the main thread's current context was closed
    main_ctx.make_current()
    assert Context.current() is main_ctx


def _race(close_one: Callable[[], object], use: Callable[[object], None], seconds: float = 0.6) -> list[str]:
    """One thread creates and closes objects; another uses the newest. Returns unexpected errors."""
    current = [close_one()]
    unexpected: list[str] = []
    stop = threading.Event()

    def closer() -> None:
        while not stop.is_set():
            obj = close_one()
            current[0] = obj
            obj.close()  # type: ignore[attr-defined]

    def user() -> None:
        while not stop.is_set():
            try:
                use(current[0])
            except ResourceClosedError:
                pass  # documented: use of a closed object
            except Exception as exc:  # noqa: BLE001 - anything else is the bug
                if len(unexpected) < 3:
                    unexpected.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=closer), threading.Thread(target=user)]
    for t in threads:
        t.start()
    stop.wait(seconds)
    stop.set()
    for t in threads:
        t.join(30)
    current[0].close()  # type: ignore[attr-defined]
    return unexpected


@pytest.mark.parametrize("what", ["stream.synchronize", "buffer.to_numpy"])
def test_close_racing_with_use_raises_only_resource_closed_error(runtime, rng, what):
    _, _, ctx, _ = runtime
    data = rng.standard_normal(4096).astype(np.float32)
    wrong: list[int] = []
    if what == "stream.synchronize":
        unexpected = _race(lambda: Stream(ctx), lambda s: s.synchronize())
    else:
        def read(b: object) -> None:
            got = b.to_numpy()  # type: ignore[attr-defined]
            if not np.array_equal(got, data):
                wrong.append(1)

        unexpected = _race(lambda: DeviceBuffer.from_numpy(data, context=ctx), read)
    assert not wrong, f"{len(wrong)} reads returned other data than the buffer's"
    assert not unexpected, "\n".join(unexpected)
