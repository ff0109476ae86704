"""Every host-runtime object and method, on the simulator, with real data checked."""

from __future__ import annotations

import json
import time

import ml_dtypes
import numpy as np
import pytest

from ascendpy import (
    Acl,
    AclError,
    AscendpyError,
    Context,
    Device,
    DeviceBox,
    DeviceBuffer,
    Event,
    HostBuffer,
    KernelLoader,
    LaunchError,
    MallocPolicy,
    ResourceClosedError,
    Stream,
)
from ascendpy.runtime import _acl
from tests.kernels import arith
from tests.sim_counts import live_allocations


# ----------------------------------------------------------------------- Acl
def test_acl_basics(tmp_path):
    cfg = tmp_path / "acl.json"
    cfg.write_text(json.dumps({}))
    with Acl(cfg) as acl:
        assert acl.driver == "sim"
        assert acl.run_mode is _acl.RunMode.HOST
        with pytest.raises(AscendpyError, match="an Acl is already open in this process"):
            Acl()
    assert acl.closed
    with pytest.raises(ResourceClosedError, match=r"<Acl closed> was closed \(at .*test_runtime_objects.py"):
        acl.run_mode  # noqa: B018
    with Acl() as again:  # a new one may be opened after the first is closed
        assert Device.count(again) >= 1


def test_acl_error_carries_code_name_and_message():
    with Acl() as acl:
        with pytest.raises(AclError) as info:
            Device(acl, 99)
        err = info.value
        assert err.code == 107001 and err.name == "ACL_ERROR_RT_INVALID_DEVICEID"
        assert err.function == "aclrtSetDevice" and "99" in err.message
        assert isinstance(err, _acl.AclRuntimeParamError)


# -------------------------------------------------------------------- Device
@pytest.mark.parametrize("soc,cores,vec,ub_total", [("Ascend910B3", 20, 40, 64 << 30), ("Ascend310P3", 8, 7, 24 << 30),
                                                    ("Ascend910B4", 20, 40, 32 << 30)])
def test_device_reports_the_simulated_soc(monkeypatch, soc, cores, vec, ub_total):
    monkeypatch.setenv("ASCENDPY_SIM_SOC", soc)
    with Acl() as acl, Device(acl) as dev:
        assert dev.soc_name == soc
        assert (dev.ai_core_count, dev.vector_core_count) == (cores, vec)
        assert dev.mem_info().total == ub_total


def test_device_id_from_environment_and_memory_info(monkeypatch, rng):
    monkeypatch.setenv("ASCENDPY_SIM_DEVICES", "2")
    monkeypatch.setenv("ASCEND_DEVICE_ID", "1")
    with Acl() as acl:
        assert Device.count(acl) == 2
        with Device(acl) as d1, Device(acl, 0) as d0:
            assert d1.id == 1 and d0.id == 0
            before0, before1 = d0.mem_info(), d1.mem_info()
            with Context(d1):
                buf = DeviceBuffer.from_numpy(rng.standard_normal(1 << 20).astype(np.float32))
                assert d1.mem_info().free <= before1.free - buf.nbytes  # separate memory per device
                assert d0.mem_info().free == before0.free
                assert d1.mem_info().used >= buf.nbytes
            assert buf.closed
            assert d1.mem_info().free == before1.free


def test_buffers_of_one_device_are_refused_on_another(monkeypatch, rng):
    monkeypatch.setenv("ASCENDPY_SIM_DEVICES", "2")
    loader = KernelLoader.from_module(arith)
    with Acl() as acl, Device(acl, 0) as d0, Device(acl, 1) as d1:
        c0, c1 = Context(d0), Context(d1)
        s1 = Stream(c1)
        x = DeviceBuffer.from_numpy(rng.standard_normal(8).astype(np.float32), context=c0)
        y = DeviceBuffer.zeros(np.float32, 8, context=c1)
        z = DeviceBuffer.zeros(np.float32, 8, context=c1)
        with pytest.raises(LaunchError, match="belongs to <Context on device 0>, but the stream to <Context on dev"):
            loader.get_kernel("axpy")[1, s1](x, y, z, 1.0, 8)
        y.copy_from(x)  # copies between devices are explicit, and allowed
        loader.get_kernel("axpy")[1, s1](y, y, z, 1.0, 8)
        np.testing.assert_array_equal(z.to_numpy(), x.to_numpy() * 2)


# ------------------------------------------------------ Stream, Event, Context
def test_stream_query_and_event_timing(runtime, rng):
    _, _, ctx, stream = runtime
    axpy = KernelLoader.from_module(arith).get_kernel("axpy")
    n = 300_000
    x = rng.standard_normal(n, dtype=np.float32)
    xd, zd = DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, n)
    start, end = Event(ctx), Event(ctx)
    start.record(stream)
    axpy[4, stream](xd, xd, zd, 3.0, n)
    end.record(stream)
    end.synchronize()
    assert end.query() and start.query()
    # The stream's worker marks itself idle just after completing its last task (the event record).
    deadline = time.monotonic() + 5
    while not stream.query():
        assert time.monotonic() < deadline, "stream still busy 5 s after its last event completed"
        time.sleep(0.001)
    assert Event.elapsed_ms(start, end) >= 0
    np.testing.assert_array_equal(zd.to_numpy(), np.float32(3) * x + x)


def test_event_without_timing_cannot_be_timed(runtime):
    _, _, ctx, stream = runtime
    a, b = Event(ctx, timing=False), Event(ctx, timing=False)
    a.record(stream)
    b.record(stream)
    stream.synchronize()
    with pytest.raises(AclError, match="ACL_ERROR_RT_EVENT_TIMESTAMP_INVALID"):
        Event.elapsed_ms(a, b)


def test_context_make_current_chooses_where_buffers_go(runtime):
    _, device, ctx, _ = runtime
    other = Context(device)  # now current
    assert Context.current() is other
    buf = DeviceBuffer.zeros(np.int32, 4)
    assert buf.context is other
    ctx.make_current()
    assert DeviceBuffer.zeros(np.int32, 4).context is ctx
    other.close()
    assert buf.closed


# -------------------------------------------------------------------- memory
@pytest.mark.parametrize("policy", list(MallocPolicy))
def test_every_malloc_policy(runtime, rng, policy):
    x = rng.integers(-1000, 1000, 513, dtype=np.int32)
    buf = DeviceBuffer.from_numpy(x, policy=policy)
    np.testing.assert_array_equal(buf.to_numpy(), x)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64",
                                   "float16", "float32", "float64", ml_dtypes.bfloat16])
def test_plain_dtypes_round_trip(runtime, rng, dtype):
    x = (rng.standard_normal(1001) * 100).astype(dtype)
    buf = DeviceBuffer.from_numpy(x)
    assert buf.dtype == np.dtype(dtype) and len(buf) == 1001 and buf.nbytes == x.nbytes
    np.testing.assert_array_equal(buf.to_numpy().view(np.uint8), x.view(np.uint8))


@pytest.mark.parametrize("bad", [np.array(["ab", "cd"]), np.array([object(), None]), np.array([1 + 2j]),
                                 np.zeros(2, dtype=[("a", "i4"), ("b", "f4")]), np.array(["2020-01-01"],
                                                                                        dtype="datetime64[D]")])
def test_device_send_rule(bad):
    with Acl() as acl:
        before = live_allocations(acl)
        with pytest.raises(TypeError, match="cannot be sent to the device"):
            DeviceBuffer.from_numpy(bad)  # no Context needed: the check comes before any ACL call
        assert live_allocations(acl) == before


def test_copies_between_host_device_and_pinned_memory(runtime, rng):
    _, _, _, stream = runtime
    n = 4097
    x = rng.standard_normal(n, dtype=np.float32)
    a = DeviceBuffer.from_numpy(x)
    b = DeviceBuffer.empty(np.float32, n)
    b.copy_from(a)  # device to device
    np.testing.assert_array_equal(b.to_numpy(), x)
    host = HostBuffer(np.float32, n)
    a.copy_to(host, stream)  # async device -> pinned host
    b.memset(0, stream)
    b.copy_from(host, stream)  # async pinned host -> device, ordered after the memset
    np.testing.assert_array_equal(b.to_numpy(), x)
    np.testing.assert_array_equal(host.array, x)
    out = np.empty(n, dtype=np.float32)
    b.copy_to(out, stream)
    stream.synchronize()
    np.testing.assert_array_equal(out, x)
    y = rng.standard_normal(n, dtype=np.float32)
    a.copy_from(y, stream)  # async from a plain numpy array: kept alive until the stream syncs
    del y
    a2 = a.to_numpy()
    b.copy_from(a2)
    np.testing.assert_array_equal(b.to_numpy(), a2)


def test_copy_checks(runtime):
    a = DeviceBuffer.zeros(np.float32, 8)
    with pytest.raises(ValueError, match=r"float32\[9\] and float32\[8\]: dtype and length must match"):
        a.copy_from(np.zeros(9, dtype=np.float32))
    with pytest.raises(ValueError, match="dtype and length must match"):
        a.copy_from(np.zeros(8, dtype=np.float64))
    with pytest.raises(TypeError, match="cannot copy from a list"):
        a.copy_from([1.0] * 8)
    with pytest.raises(ValueError, match="memset takes a byte value"):
        a.memset(256)


def test_memset_sets_bytes(runtime):
    a = DeviceBuffer.empty(np.uint32, 100)
    a.memset(0xAB)
    np.testing.assert_array_equal(a.to_numpy(), np.full(100, 0xABABABAB, dtype=np.uint32))


def test_views_share_memory_and_keep_the_parent_alive(runtime, rng):
    _, _, _, stream = runtime
    x = rng.standard_normal(100, dtype=np.float32)
    buf = DeviceBuffer.from_numpy(x)
    view = buf[10:30]
    assert len(view) == 20 and view.dtype == np.float32
    np.testing.assert_array_equal(view.to_numpy(), x[10:30])
    y = rng.standard_normal(20, dtype=np.float32)
    view.copy_from(y)
    x[10:30] = y
    np.testing.assert_array_equal(buf.to_numpy(), x)
    np.testing.assert_array_equal(buf[95:200].to_numpy(), x[95:])  # slices clip like numpy's
    # A view alone keeps its parent's memory alive.
    del buf
    import gc

    gc.collect()
    np.testing.assert_array_equal(view.to_numpy(), y)
    # A view is a kernel argument like any buffer.
    axpy = KernelLoader.from_module(arith).get_kernel("axpy")
    out = DeviceBuffer.zeros(np.float32, 20)
    axpy[2, stream](view, view, out, 1.0, 20)
    np.testing.assert_array_equal(out.to_numpy(), y + y)
    parent = view._base
    parent.close()
    assert view.closed
    with pytest.raises(TypeError, match="index a DeviceBuffer with a slice"):
        out[3]


def test_host_buffer_cannot_close_under_live_views(runtime, rng):
    x = rng.standard_normal(64, dtype=np.float32)
    hb = HostBuffer.from_numpy(x)
    arr = hb.array
    np.testing.assert_array_equal(arr, x)
    with pytest.raises(BufferError, match="numpy views of it"):
        hb.close()
    del arr
    hb.close()
    assert hb.closed


def test_device_box(runtime):
    _, _, _, stream = runtime
    axpy = KernelLoader.from_module(arith).get_kernel("axpy")
    a = DeviceBox.new(1.5, np.float32)
    b = DeviceBox.new(0.25, np.float32)
    out = DeviceBox.new(0.0, np.float32)
    axpy[1, stream](a, b, out, 2.0, 1)
    assert out.get() == np.float32(3.25)
    a.set(-4.0)
    assert a.get() == np.float32(-4.0)
    with pytest.raises(ValueError, match="holds one value"):
        DeviceBox.new([1, 2])


# -------------------------------------------------------------------- loader
def test_loader_from_paths(runtime, rng, tmp_path):
    _, _, _, stream = runtime
    from pathlib import Path

    py = Path(arith.__file__)
    loader = KernelLoader.from_file(py)
    assert "axpy" in loader.kernel_names
    again = KernelLoader.from_artifact(loader.artifact.directory)
    x = rng.standard_normal(10, dtype=np.float32)
    z = DeviceBuffer.empty(np.float32, 10)
    again.get_kernel("axpy")[1, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(x), z, 1.0, 10)
    np.testing.assert_array_equal(z.to_numpy(), x + x)


def test_async_copy_between_unaligned_views(runtime, rng):
    """ACL needs 64-byte alignment for async device-to-device copies; views get a correct fallback."""
    _, _, _, stream = runtime
    x = rng.standard_normal(300, dtype=np.float32)
    a, b = DeviceBuffer.from_numpy(x), DeviceBuffer.zeros(np.float32, 300)
    b[7:107].copy_from(a[3:103], stream)
    want = np.zeros(300, dtype=np.float32)
    want[7:107] = x[3:103]
    np.testing.assert_array_equal(b.to_numpy(), want)


def test_empty_copies_and_memsets_on_a_closed_stream_raise(runtime):
    """Nothing to copy is no excuse: a closed stream is refused (found by the runtime state machine)."""
    _, _, ctx, _ = runtime
    closed = Stream(ctx)
    closed.close()
    empty = DeviceBuffer.zeros(np.float32, 256)[0:0]
    for op in (lambda: empty.copy_from(np.zeros(0, np.float32), closed), lambda: empty.memset(3, closed),
               lambda: empty.copy_to(np.empty(0, np.float32), closed)):
        with pytest.raises(ResourceClosedError, match="was closed"):
            op()
