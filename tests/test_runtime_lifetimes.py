"""Lifetimes of runtime objects: what a program forgets, drops or closes out of order.

Whole programs run in subprocesses (so exit-time behaviour is seen as a user sees it): one that
never closes anything, one that closes everything, one that drops objects in random orders,
and one that lets the garbage collector loose on a buffer's parents. In-process tests check
cascade close, "closed at" messages, queued work keeping what it uses alive, `to_numpy`
waiting, and events (timing and cross-stream ordering).
"""

from __future__ import annotations

import ctypes
import gc
import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from ascendpy import (
    Acl,
    Context,
    Device,
    DeviceBuffer,
    Event,
    HostBuffer,
    KernelLoader,
    LeakWarning,
    MemcpyKind,
    ResourceClosedError,
    Stream,
)
from tests.kernels import arith
from tests.sim_counts import live_allocations, live_handles

ROOT = Path(__file__).resolve().parent.parent
BIG = 2_000_000  # an axpy over this many elements on one block takes milliseconds on the simulator


@pytest.fixture(scope="module")
def axpy():
    return KernelLoader.from_module(arith).get_kernel("axpy")


@pytest.fixture
def own_acl():
    """An Acl for tests that close it themselves; closed afterwards anyway if a test failed midway."""
    acl = Acl()
    yield acl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LeakWarning)  # only left over if the test failed midway
        acl.close()




def line() -> int:
    """The caller's current line number."""
    return sys._getframe(1).f_lineno


# ------------------------------------------------------------------ programs
def run_program(code: str, *args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(ROOT)
    env["ASCENDPY_CACHE_DIR"] = os.environ["ASCENDPY_CACHE_DIR"]  # set by conftest: kernels built once
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def assert_clean_exit(proc: subprocess.CompletedProcess[str]) -> None:
    detail = f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert proc.returncode == 0, detail
    assert "Traceback" not in proc.stderr, detail
    assert "Exception ignored" not in proc.stderr, detail
    assert "Error" not in proc.stderr, detail


def program_line(code: str, marker: str) -> int:
    """1-based line of `code` (as run with -c) that contains `marker`."""
    for i, text in enumerate(code.splitlines(), 1):
        if marker in text:
            return i
    raise AssertionError(f"{marker!r} not in the program")


LEAKY = textwrap.dedent("""\
    import sys
    import numpy as np
    from ascendpy import Acl, Device, Context, Stream, Event, DeviceBuffer, KernelLoader
    from tests.kernels import arith
    rng = np.random.default_rng(int(sys.argv[1]))
    acl = Acl()
    dev = Device(acl)
    ctx = Context(dev)
    s1, s2 = Stream(ctx), Stream(ctx)
    ev = Event(ctx)
    x = DeviceBuffer.from_numpy(rng.standard_normal(1000).astype(np.float32))  # ALLOC-X
    z = DeviceBuffer.empty(np.float32, 1000)  # ALLOC-Z
    h = DeviceBuffer.from_numpy(rng.integers(-9, 9, 77).astype(np.int16))  # ALLOC-H
    view = z[10:20]
    axpy = KernelLoader.from_module(arith).get_kernel("axpy")
    axpy[2, s1](x, x, z, 2.0, 1000)
    ev.record(s1)
    s2.wait_event(ev)
    axpy[3, s1](x, x, z, 3.0, 1000)  # still queued when the program ends
    print("done")
    """)


def test_program_that_never_closes_anything(rng):
    proc = run_program(LEAKY, int(rng.integers(2**31)))
    assert_clean_exit(proc)
    assert proc.stdout.strip() == "done"
    warnings = re.findall(r"LeakWarning: (.*)", proc.stderr)
    assert len(warnings) == 1, proc.stderr
    msg = warnings[0]
    # three buffers (the view owns nothing): 1000 f32 + 1000 f32 + 77 i16
    assert "3 device buffer(s), 8154 bytes" in msg, msg
    sites = [f"<string>:{program_line(LEAKY, m)}" for m in ("ALLOC-X", "ALLOC-Z", "ALLOC-H")]
    for site in sites:
        assert site in msg, (site, msg)
    # nothing but the warning (and the line warnings.warn shows) reaches stderr
    other = [ln for ln in proc.stderr.splitlines() if ln.strip() and "LeakWarning" not in ln]
    assert len(other) <= 1, proc.stderr


TIDY = textwrap.dedent("""\
    import sys
    import numpy as np
    from ascendpy import Acl, Device, Context, Stream, Event, DeviceBuffer, HostBuffer, KernelLoader
    from tests.kernels import arith
    rng = np.random.default_rng(int(sys.argv[1]))
    axpy = KernelLoader.from_module(arith).get_kernel("axpy")
    x = rng.standard_normal(5000).astype(np.float32)
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx:
        s1, s2 = Stream(ctx), Stream(ctx)
        ev = Event(ctx)
        with DeviceBuffer.from_numpy(x) as xd, DeviceBuffer.empty(np.float32, 5000) as zd:
            view = zd[100:200]
            axpy[4, s1](xd, xd, zd, 2.0, 5000)
            ev.record(s1)
            s2.wait_event(ev)
            hb = HostBuffer(np.float32, 5000)
            zd.copy_to(hb, stream=s2)
            s2.synchronize()
            assert np.array_equal(hb.array, np.float32(2) * x + x)
            assert np.array_equal(view.to_numpy(), (np.float32(2) * x + x)[100:200])
            hb.close()
        ev.close()
        s2.close()
        s1.close()
        left = acl.lib.fn("ascendpySimLiveAllocations")()
    print("left", left)
    """)


def test_program_that_closes_everything_prints_nothing(rng):
    proc = run_program(TIDY, int(rng.integers(2**31)))
    assert_clean_exit(proc)
    assert proc.stdout.strip() == "left 0"
    assert proc.stderr.strip() == ""


RANDOM_DROPS = textwrap.dedent("""\
    import gc, random, sys
    import numpy as np
    from ascendpy import Acl, Device, Context, Stream, Event, DeviceBuffer, HostBuffer, KernelLoader
    from tests.kernels import arith
    r = random.Random(int(sys.argv[1]))
    rng = np.random.default_rng(int(sys.argv[1]))
    artifact = KernelLoader.from_module(arith).artifact
    for round_ in range(8):
        o = {}
        o["acl"] = Acl()  # fails if the previous round's Acl was not finalized
        o["loader"] = KernelLoader(artifact)
        o["dev"] = Device(o["acl"])
        o["ctx"] = Context(o["dev"])
        o["s1"], o["s2"] = Stream(o["ctx"]), Stream(o["ctx"])
        o["ev"] = Event(o["ctx"])
        n = int(rng.integers(1, 50_000))
        x = rng.standard_normal(n).astype(np.float32)
        o["x"] = DeviceBuffer.from_numpy(x, context=o["ctx"])
        o["z"] = DeviceBuffer.empty(np.float32, n, context=o["ctx"])
        o["view"] = o["z"][: n // 2]
        o["host"] = HostBuffer(np.float32, n, context=o["ctx"])
        axpy = o["loader"].get_kernel("axpy")
        axpy[3, o["s1"]](o["x"], o["x"], o["z"], 2.0, n)
        o["ev"].record(o["s1"])
        o["s2"].wait_event(o["ev"])
        o["z"].copy_to(o["host"], stream=o["s2"])
        if r.random() < 0.5:  # sometimes check the data, sometimes drop with work still queued
            o["s2"].synchronize()
            assert np.array_equal(o["host"].array, np.float32(2) * x + x)
        del axpy
        names = list(o)
        r.shuffle(names)
        for name in names:
            if name not in ("acl", "loader") and r.random() < 0.3:
                o[name].close()
            del o[name]
            if r.random() < 0.5:
                gc.collect()
        # Dropped work still queued leaves a stream <-> buffer reference cycle for the cyclic gc
        # (see test_dropping_a_runtime_with_queued_work_needs_no_gc); collect it before the next Acl.
        gc.collect()
    from ascendpy.runtime import _acl
    lib = _acl.load_driver()
    print("left", lib.fn("ascendpySimLiveAllocations")(), lib.fn("ascendpySimLiveHostAllocations")(),
          lib.fn("ascendpySimLiveHandles")())
    """)


def test_program_dropping_objects_in_random_orders(rng):
    for seed in rng.integers(0, 2**31, 2):  # 8 rounds each
        proc = run_program(RANDOM_DROPS, int(seed))
        assert_clean_exit(proc)
        assert proc.stdout.strip() == "left 0 0 0", f"seed {seed}: {proc.stdout}"
        assert proc.stderr.strip() == "", f"seed {seed}: {proc.stderr}"


PARENTS_DROPPED = textwrap.dedent("""\
    import gc, sys
    import numpy as np
    from ascendpy import Acl, Device, Context, Stream, DeviceBuffer, KernelLoader
    from tests.kernels import arith
    rng = np.random.default_rng(int(sys.argv[1]))
    data = rng.standard_normal(10_000).astype(np.float32)

    def make():
        acl = Acl()
        ctx = Context(Device(acl))
        return DeviceBuffer.from_numpy(data, context=ctx), Stream(ctx)

    buf, stream = make()  # no name refers to the Acl, Device or Context any more
    gc.collect()
    assert not buf.closed and not stream.closed and not buf.context.closed
    assert np.array_equal(buf.to_numpy(), data)
    loader = KernelLoader.from_module(arith)
    out = DeviceBuffer.empty(np.float32, 10_000, context=buf.context)
    loader.get_kernel("axpy")[4, stream](buf, buf, out, 0.5, 10_000)
    gc.collect()
    assert np.array_equal(out.to_numpy(), np.float32(0.5) * data + data)
    del buf, stream, out, loader
    gc.collect()
    with Acl() as again:  # the first Acl was finalized once its last descendant went
        print("left", again.lib.fn("ascendpySimLiveAllocations")(), again.lib.fn("ascendpySimLiveHandles")())
    """)


def test_garbage_collection_never_frees_a_parent_first(rng):
    proc = run_program(PARENTS_DROPPED, int(rng.integers(2**31)))
    assert_clean_exit(proc)
    assert proc.stdout.strip() == "left 0 0"
    assert proc.stderr.strip() == ""


LOADER_OUTLIVES = textwrap.dedent("""\
    import gc
    import numpy as np
    from ascendpy import Acl, Device, Context, Stream, DeviceBuffer, KernelLoader
    from tests.kernels import arith
    axpy = KernelLoader.from_module(arith).get_kernel("axpy")  # module-level, as in the examples

    def once():
        acl = Acl()
        ctx = Context(Device(acl))
        s = Stream(ctx)
        x = DeviceBuffer.from_numpy(np.arange(8, dtype=np.float32), context=ctx)
        axpy[1, s](x, x, x, 1.0, 8)
        s.synchronize()
        x.close()

    once()  # everything is dropped; the finalizers should release it all
    gc.collect()
    once()  # so a second Acl can be opened
    print("ok")
    """)


def test_a_long_lived_loader_does_not_keep_a_dropped_runtime_alive():
    proc = run_program(LOADER_OUTLIVES)
    assert_clean_exit(proc)
    assert proc.stdout.strip() == "ok"


QUEUED_DROP = textwrap.dedent("""\
    import gc
    import numpy as np
    from ascendpy import Acl, Device, Context, Stream, DeviceBuffer, KernelLoader
    from tests.kernels import arith
    artifact = KernelLoader.from_module(arith).artifact
    gc.disable()  # refcounting alone must release a dropped runtime

    def once():
        acl = Acl()
        ctx = Context(Device(acl))
        s = Stream(ctx)
        x = DeviceBuffer.from_numpy(np.arange(8, dtype=np.float32), context=ctx)
        KernelLoader(artifact).get_kernel("axpy")[1, s](x, x, x, 1.0, 8)  # dropped unsynchronized

    once()
    once()  # fails if the first runtime is still alive
    print("ok")
    """)


def test_dropping_a_runtime_with_queued_work_needs_no_gc():
    proc = run_program(QUEUED_DROP)
    assert_clean_exit(proc)
    assert proc.stdout.strip() == "ok"


# -------------------------------------------------------------- in process
def test_closing_a_context_closes_its_children_first(axpy, runtime, rng):
    acl, device, main_ctx, _ = runtime
    base_allocs, base_handles = live_allocations(acl), live_handles(acl)
    base_host = acl.lib.fn("ascendpySimLiveHostAllocations")()
    ctx = Context(device)
    streams = [Stream(ctx) for _ in range(3)]
    events = [Event(ctx) for _ in range(2)]
    n = 10_000
    x = rng.standard_normal(n).astype(np.float32)
    bufs = [DeviceBuffer.from_numpy(x, context=ctx) for _ in range(4)]
    views = [bufs[0][:10], bufs[1][5:], bufs[1][5:][2:7]]  # a view of a view too
    host = HostBuffer(np.float32, n, context=ctx)
    axpy[2, streams[0]](bufs[0], bufs[1], bufs[2], 1.5, n)  # loads the binary: one more handle
    events[0].record(streams[0])
    streams[1].wait_event(events[0])
    bufs[2].copy_to(host, stream=streams[1])
    assert live_allocations(acl) == base_allocs + 4
    assert live_handles(acl) == base_handles + 1 + 3 + 2 + 1  # context, streams, events, binary
    ctx.close(); closed_line = line()  # noqa: E702
    everything = [*streams, *events, *bufs, *views, host]
    assert all(o.closed for o in everything), [o for o in everything if not o.closed]
    assert live_allocations(acl) == base_allocs
    assert live_handles(acl) == base_handles
    assert acl.lib.fn("ascendpySimLiveHostAllocations")() == base_host
    uses = {Stream: lambda o: o.synchronize(), Event: lambda o: o.query(), DeviceBuffer: lambda o: o.to_numpy(),
            HostBuffer: lambda o: o.array}
    for o in everything:  # each names itself and the line that closed its context
        with pytest.raises(ResourceClosedError, match=rf"^<{type(o).__name__} .*closed> was closed \(at "
                                                      rf"{re.escape(__file__)}:{closed_line}\)"):
            uses[type(o)](o)
    with pytest.raises(ResourceClosedError, match=rf"<Context on device 0 closed> was closed \(at .*:{closed_line}"):
        Stream(ctx)
    with pytest.raises(ResourceClosedError):
        DeviceBuffer.empty(np.float32, 4, context=ctx)
    with pytest.raises(ResourceClosedError, match="no current Context on this thread"):
        Context.current()  # ctx became current when it was created; closing it unset it
    main_ctx.make_current()
    # the fixture's context is untouched
    np.testing.assert_array_equal(DeviceBuffer.from_numpy(x).to_numpy(), x)


def test_closed_errors_name_the_object_and_where_it_was_closed(axpy, own_acl, rng):
    f = re.escape(__file__)
    buf64 = r"^<DeviceBuffer float32\[64\] closed> was closed"
    n = 64
    x = rng.standard_normal(n).astype(np.float32)
    acl = own_acl
    dev = Device(acl)
    ctx = Context(dev)
    s_used, s_closed = Stream(ctx), Stream(ctx)
    ev = Event(ctx)
    buf = DeviceBuffer.from_numpy(x)
    view = buf[3:9]
    other = DeviceBuffer.from_numpy(x)

    s_closed.close(); s_line = line()  # noqa: E702
    with pytest.raises(ResourceClosedError, match=rf"^<Stream closed> was closed \(at {f}:{s_line}\) and cannot be"):
        s_closed.synchronize()
    with pytest.raises(ResourceClosedError, match=rf"<Stream closed> was closed \(at {f}:{s_line}\)"):
        axpy[1, s_closed](other, other, other, 1.0, n)
    with pytest.raises(ResourceClosedError, match=rf"<Stream closed> was closed \(at {f}:{s_line}\)"):
        ev.record(s_closed)

    ev.close(); e_line = line()  # noqa: E702
    for call in (lambda: ev.record(s_used), ev.synchronize, ev.query, lambda: Event.elapsed_ms(ev, ev),
                 lambda: s_used.wait_event(ev)):
        with pytest.raises(ResourceClosedError, match=rf"^<Event closed> was closed \(at {f}:{e_line}\)"):
            call()

    buf.close(); b_line = line()  # noqa: E702
    with pytest.raises(ResourceClosedError, match=rf"{buf64} \(at {f}:{b_line}"):
        buf.to_numpy()
    with pytest.raises(ResourceClosedError, match=rf"^<DeviceBuffer float32\[6\] closed> was closed \(at {f}:{b_line}"):
        view.to_numpy()  # the view was closed with its base
    with pytest.raises(ResourceClosedError, match=rf"<DeviceBuffer float32\[64\] closed> was closed \(at {f}:{b_line}"):
        axpy[1, s_used](other, buf, other, 1.0, n)
    with pytest.raises(ResourceClosedError, match=rf"<DeviceBuffer float32\[64\] closed> .*{f}:{b_line}"):
        other.copy_from(buf)
    np.testing.assert_array_equal(other.to_numpy(), x)  # the failed calls changed nothing

    ctx.close(); c_line = line()  # noqa: E702  (closes everything left in it, newest first)
    with pytest.raises(ResourceClosedError, match=rf"^<Stream closed> was closed \(at {f}:{c_line}\)"):
        s_used.query()
    with pytest.raises(ResourceClosedError, match=rf"{buf64} \(at {f}:{c_line}"):
        other.to_numpy()
    with pytest.raises(ResourceClosedError, match=rf"^<Context on device 0 closed> was closed \(at {f}:{c_line}"):
        ctx.make_current()

    acl.close(); a_line = line()  # noqa: E702
    with pytest.raises(ResourceClosedError, match=rf"^<Device 0 closed> was closed \(at {f}:{a_line}\)"):
        dev.synchronize()
    with pytest.raises(ResourceClosedError, match=rf"^<Acl closed> was closed \(at {f}:{a_line}\)"):
        acl.lib  # noqa: B018
    with pytest.raises(ResourceClosedError, match=rf"^<Acl closed> was closed \(at {f}:{a_line}\)"):
        Device(acl)


def test_leak_warning_as_error_still_closes_everything(own_acl, rng):
    x = rng.standard_normal(100).astype(np.float32)
    ctx = Context(Device(own_acl))
    leaked = DeviceBuffer.from_numpy(x, context=ctx)
    np.testing.assert_array_equal(leaked.to_numpy(), x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeakWarning)
        with pytest.raises(LeakWarning, match="1 device buffer"):
            own_acl.close()
    assert own_acl.closed and ctx.closed and leaked.closed


class Chain:
    """Queue z = a*z + y for each a, one block each, so the stream stays busy for a while (milliseconds
    per launch); `want(z, y)` computes the result afterwards, so the host does not fall behind the device."""

    def __init__(self, axpy, stream: Stream, zd: DeviceBuffer, yd: DeviceBuffer, coefficients: np.ndarray) -> None:
        self.coefficients = coefficients
        for a in coefficients:
            axpy[1, stream](zd, yd, zd, float(a), len(zd))

    def want(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        for a in self.coefficients:
            z = a * z + y
        return z


def axpy_chain(axpy, stream: Stream, zd: DeviceBuffer, yd: DeviceBuffer, z: np.ndarray, y: np.ndarray,
               coefficients: np.ndarray) -> np.ndarray:
    """Queue the chain and return what z will be."""
    return Chain(axpy, stream, zd, yd, coefficients).want(z, y)


@pytest.mark.parametrize("how", ["del", "close"])
def test_buffer_dropped_while_its_launch_is_queued_lives_until_the_launch_is_done(axpy, runtime, rng, how):
    acl, _, _, stream = runtime
    x = rng.standard_normal(BIG, dtype=np.float32)
    y = rng.standard_normal(BIG, dtype=np.float32)
    a, b = np.float32(rng.uniform(-2, 2)), np.float32(rng.uniform(-2, 2))
    xd, yd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y)
    zd, wd = DeviceBuffer.empty(np.float32, BIG), DeviceBuffer.empty(np.float32, BIG)
    before = live_allocations(acl)
    axpy[1, stream](xd, yd, zd, float(a), BIG)   # z = a*x + y
    axpy[1, stream](zd, yd, wd, float(b), BIG)   # w = b*z + y reads z after it is dropped below
    if how == "del":
        del zd
        assert live_allocations(acl) == before  # the stream holds z until the launches are done
        # New allocations while z's launches are queued must not get (and overwrite) z's memory.
        junk = [DeviceBuffer.from_numpy(np.full(BIG, 7e7, dtype=np.float32)) for _ in range(2)]
        stream.synchronize()
        assert live_allocations(acl) == before - 1 + len(junk)
    else:
        zd.close()  # waits for the queued work that uses z, then frees it
        assert zd.closed and stream.query()
        assert live_allocations(acl) == before - 1
        junk = [DeviceBuffer.from_numpy(np.full(BIG, 7e7, dtype=np.float32)) for _ in range(2)]
        stream.synchronize()
    np.testing.assert_array_equal(wd.to_numpy(), b * (a * x + y) + y)
    for j in junk:
        j.close()


def test_to_numpy_waits_for_queued_work(axpy, runtime, rng):
    _, _, _, stream = runtime
    z = rng.standard_normal(BIG, dtype=np.float32)
    y = rng.standard_normal(BIG, dtype=np.float32)
    zd, yd = DeviceBuffer.from_numpy(z), DeviceBuffer.from_numpy(y)
    chain = Chain(axpy, stream, zd, yd, rng.uniform(-1, 1, 6).astype(np.float32))
    got = zd.to_numpy()  # no synchronize: to_numpy waits for the chain
    assert stream.query()
    want = chain.want(z, y)
    np.testing.assert_array_equal(got, want)
    # and copy_to into a numpy array, and a view's to_numpy, too
    out = np.empty(BIG, dtype=np.float32)
    chain = Chain(axpy, stream, zd, yd, rng.uniform(-1, 1, 4).astype(np.float32))
    zd.copy_to(out)
    part = zd[BIG // 3: BIG // 2]
    chain2 = Chain(axpy, stream, zd, yd, rng.uniform(-1, 1, 2).astype(np.float32))
    got_part = part.to_numpy()
    want = chain.want(want, y)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(got_part, chain2.want(want, y)[BIG // 3: BIG // 2])


def test_event_record_synchronize_query_and_elapsed(axpy, runtime, rng):
    _, _, ctx, stream = runtime
    z = rng.standard_normal(BIG, dtype=np.float32)
    y = rng.standard_normal(BIG, dtype=np.float32)
    zd, yd = DeviceBuffer.from_numpy(z), DeviceBuffer.from_numpy(y)
    start, mid, end = Event(ctx), Event(ctx), Event(ctx)
    start.record(stream)
    want = axpy_chain(axpy, stream, zd, yd, z, y, rng.uniform(-1, 1, 2).astype(np.float32))
    mid.record(stream)
    want = axpy_chain(axpy, stream, zd, yd, want, y, rng.uniform(-1, 1, 2).astype(np.float32))
    end.record(stream)
    end.synchronize()
    assert start.query() and mid.query() and end.query()
    assert stream.query()  # nothing after `end` was queued
    first, second, total = Event.elapsed_ms(start, mid), Event.elapsed_ms(mid, end), Event.elapsed_ms(start, end)
    assert first >= 0 and second >= 0
    assert total >= max(first, second)
    assert total == pytest.approx(first + second, rel=1e-3, abs=1e-2)
    np.testing.assert_array_equal(zd.to_numpy(), want)
    # an event recorded again marks the newer point
    start.record(stream)
    start.synchronize()
    assert Event.elapsed_ms(end, start) >= 0


def raw_copy_to_host(acl: Acl, stream: Stream, src: DeviceBuffer, out: np.ndarray) -> None:
    """aclrtMemcpyAsync straight through ACL, bypassing ascendpy's own cross-stream waiting.

    ascendpy's copies on stream B wait on the host for stream A's work on the same buffer, which
    would hide whether `wait_event` orders anything; the raw copy relies on the event alone.
    """
    acl.lib.call("aclrtMemcpyAsync", ctypes.c_void_p(out.ctypes.data), out.nbytes, src.ptr, src.nbytes,
                 int(MemcpyKind.DEVICE_TO_HOST), stream.handle)


def test_stream_wait_event_orders_work_between_streams(axpy, runtime, rng):
    acl, _, ctx, a_stream = runtime
    z = rng.standard_normal(BIG, dtype=np.float32)
    y = rng.standard_normal(BIG, dtype=np.float32)
    zd, yd = DeviceBuffer.from_numpy(z), DeviceBuffer.from_numpy(y)
    with Stream(ctx) as b_stream, Event(ctx) as done:
        # raw: only the event orders B's copy after A's launches (tens of milliseconds of work)
        out = np.empty(BIG, dtype=np.float32)
        chain = Chain(axpy, a_stream, zd, yd, rng.uniform(-1, 1, 10).astype(np.float32))
        done.record(a_stream)
        b_stream.wait_event(done)
        raw_copy_to_host(acl, b_stream, zd, out)
        b_stream.synchronize()
        want = chain.want(z, y)
        np.testing.assert_array_equal(out, want)
        a_stream.synchronize()
        # the same through ascendpy's API, into pinned memory
        want = axpy_chain(axpy, a_stream, zd, yd, want, y, rng.uniform(-1, 1, 3).astype(np.float32))
        done.record(a_stream)
        b_stream.wait_event(done)
        with HostBuffer(np.float32, BIG) as host:
            zd.copy_to(host, stream=b_stream)
            b_stream.synchronize()
            np.testing.assert_array_equal(host.array, want)


def test_closing_an_event_a_stream_waits_on_keeps_the_ordering(axpy, runtime, rng):
    acl, _, ctx, a_stream = runtime
    z = rng.standard_normal(BIG, dtype=np.float32)
    y = rng.standard_normal(BIG, dtype=np.float32)
    zd, yd = DeviceBuffer.from_numpy(z), DeviceBuffer.from_numpy(y)
    with Stream(ctx) as b_stream:
        out = np.empty(BIG, dtype=np.float32)
        done = Event(ctx)
        chain = Chain(axpy, a_stream, zd, yd, rng.uniform(-1, 1, 10).astype(np.float32))
        done.record(a_stream)
        b_stream.wait_event(done)
        done.close()  # like closing a buffer that queued work uses: must not undo the ordering
        raw_copy_to_host(acl, b_stream, zd, out)
        b_stream.synchronize()
        a_stream.synchronize()
        np.testing.assert_array_equal(out, chain.want(z, y))


def test_gc_in_process_keeps_parents_of_a_live_buffer(axpy, rng):
    """The in-process twin of the subprocess test: parents found only through a buffer survive gc."""
    data = rng.standard_normal(5000).astype(np.float32)

    def make() -> tuple[DeviceBuffer, Stream]:
        acl = Acl()
        ctx = Context(Device(acl))
        return DeviceBuffer.from_numpy(data, context=ctx), Stream(ctx)

    buf, stream = make()
    acl = buf.context.device.acl
    try:
        gc.collect()
        assert not (buf.context.closed or buf.context.device.closed or acl.closed)
        np.testing.assert_array_equal(buf.to_numpy(), data)
        out = DeviceBuffer.empty(np.float32, 5000, context=buf.context)
        axpy[2, stream](buf, buf, out, -1.25, 5000)
        gc.collect()
        np.testing.assert_array_equal(out.to_numpy(), np.float32(-1.25) * data + data)
        out.close()
        buf.close()
    finally:
        acl.close()
    assert buf.context.closed and stream.closed
