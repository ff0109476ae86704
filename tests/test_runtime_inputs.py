"""Bad sizes and wrong parents are refused when an object is made, before any ACL call, with a message that
says what was asked, the limit, and what to write instead."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import Acl, Context, Device, DeviceBox, DeviceBuffer, Event, HostBuffer, Stream
from ascendpy.runtime import _acl


@pytest.fixture
def count_mallocs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the allocation calls made through the binding while the test runs."""
    calls: list[str] = []
    real = _acl.AclLib.call

    def call(self: _acl.AclLib, name: str, *args: object) -> None:
        if name.startswith(("aclrtMalloc", "aclrtMallocHost")):
            calls.append(name)
        real(self, name, *args)

    monkeypatch.setattr(_acl.AclLib, "call", call)
    return calls


# ----------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("make", [
    lambda n: DeviceBuffer.empty(np.int32, n),
    lambda n: DeviceBuffer.zeros(np.int32, n),
    lambda n: HostBuffer(np.int32, n),
], ids=["DeviceBuffer.empty", "DeviceBuffer.zeros", "HostBuffer"])
@pytest.mark.parametrize("n, nbytes", [(2**62 + 1, 2**64 + 4), (2**62, 2**64)])
def test_a_byte_count_beyond_64_bits_is_refused(runtime, count_mallocs, make, n, nbytes):
    with pytest.raises(ValueError) as info:
        make(n)
    text = str(info.value)
    assert f"of {n} int32 elements (4 bytes each) needs {nbytes} bytes" in text, text
    assert f"more than a 64-bit byte count can hold ({2**64 - 1})" in text, text
    assert count_mallocs == []


def test_more_than_the_device_has_is_a_memory_error(runtime, count_mallocs):
    device = runtime[1]
    total = device.mem_info().total
    n = total // 4 + 1
    with pytest.raises(MemoryError) as info:
        DeviceBuffer.empty(np.float32, n)
    text = str(info.value)
    assert f"a DeviceBuffer of {n} float32 elements (4 bytes each) needs {n * 4} bytes" in text, text
    assert f"more than the total memory of device 0 ({device.soc_name}) ({total} bytes)" in text, text
    m = total // 2 + 1
    with pytest.raises(MemoryError, match=rf"^a DeviceBuffer of {m} int16 elements \(2 bytes each\) needs {m * 2} "
                                          rf"bytes, more than the total memory of device 0"):
        DeviceBuffer.zeros(np.int16, m)
    assert count_mallocs == []
    # Exactly what fits in principle is not refused by the size check (the driver decides about free memory).
    small = DeviceBuffer.empty(np.float32, 1024)
    assert len(small) == 1024 and count_mallocs == ["aclrtMalloc"]


def test_more_than_the_host_has_is_a_memory_error(runtime, count_mallocs):
    import os

    phys = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    with pytest.raises(MemoryError, match=rf"^a HostBuffer of {phys + 1} uint8 elements \(1 bytes each\) needs "
                                          rf"{phys + 1} bytes, more than this host's physical memory \({phys} bytes\)"):
        HostBuffer(np.uint8, phys + 1)
    assert count_mallocs == []


@pytest.mark.parametrize("make", [
    lambda n: DeviceBuffer.empty(np.float32, n),
    lambda n: DeviceBuffer.zeros(np.float32, n),
    lambda n: HostBuffer(np.float32, n),
], ids=["DeviceBuffer.empty", "DeviceBuffer.zeros", "HostBuffer"])
def test_negative_and_non_integer_counts(runtime, count_mallocs, make):
    with pytest.raises(ValueError, match=r"cannot have -1 elements; the count must be 0 or more"):
        make(-1)
    with pytest.raises(TypeError, match=r"holds a whole number of elements; got 2.5 \(float\)"):
        make(2.5)
    with pytest.raises(TypeError, match=r"got True \(bool\)"):
        make(True)
    assert count_mallocs == []
    assert len(make(np.int64(3))) == 3  # numpy integers are counts too


def test_sane_sizes_still_work(runtime, rng):
    host = rng.standard_normal(1000).astype(np.float32)
    buf = DeviceBuffer.from_numpy(host)
    np.testing.assert_array_equal(buf.to_numpy(), host)
    assert len(DeviceBuffer.empty(np.float32, 0)) == 0
    assert len(HostBuffer(np.int16, 0)) == 0
    assert DeviceBox.new(np.float64(2.5)).get() == 2.5


# ----------------------------------------------------------------------------- parents
def test_stream_and_event_need_a_context(runtime):
    acl, device, ctx, stream = runtime
    for cls in (Stream, Event):
        name = cls.__name__
        with pytest.raises(TypeError) as info:
            cls(device)
        assert str(info.value) == f"{name} needs a Context, not a Device: use {name}(Context(device))"
        with pytest.raises(TypeError, match=rf"^{name} needs a Context, not an Acl: use "
                                            rf"{name}\(Context\(Device\(acl\)\)\)$"):
            cls(acl)
        with pytest.raises(TypeError, match=rf"^{name} needs a Context, not a Stream: use {name}\(stream.context\)$"):
            cls(stream)
        with pytest.raises(TypeError, match=rf"^{name} needs a Context, not None: use "
                                            rf"{name}\(Context\(Device\(Acl\(\)\)\)\)$"):
            cls(None)
    assert Stream(ctx).context is ctx  # the right parent still works


def test_context_and_device_need_their_parents(runtime):
    acl, device, ctx, _ = runtime
    with pytest.raises(TypeError, match=r"^Context needs a Device, not an Acl: use Context\(Device\(acl\)\)$"):
        Context(acl)
    with pytest.raises(TypeError, match=r"^Context needs a Device, not a Context: use Context\(context.device\)$"):
        Context(ctx)
    with pytest.raises(TypeError, match=r"^Device needs an Acl, not a Device: use Device\(device.acl\)$"):
        Device(device)
    with pytest.raises(TypeError, match=r"^Device needs an Acl, not an int$"):
        Device(0)


def test_buffers_need_a_context(runtime, count_mallocs):
    acl, device, ctx, stream = runtime
    with pytest.raises(TypeError, match=r"^DeviceBuffer needs a Context, not a Device: use context=Context\(device\)$"):
        DeviceBuffer.empty(np.float32, 4, context=device)
    with pytest.raises(TypeError, match=r"^DeviceBuffer needs a Context, not a Stream: use context=stream.context$"):
        DeviceBuffer.from_numpy(np.zeros(3, np.float32), context=stream)
    with pytest.raises(TypeError, match=r"^DeviceBox needs a Context, not an Acl: use "
                                        r"context=Context\(Device\(acl\)\)$"):
        DeviceBox.new(1.0, context=acl)
    with pytest.raises(TypeError, match=r"^HostBuffer needs a Context, not a DeviceBuffer: use context=buf.context$"):
        HostBuffer(np.float32, 4, context=DeviceBuffer.empty(np.float32, 1))
    assert count_mallocs == ["aclrtMalloc"]  # only the good buffer above
    assert DeviceBuffer.empty(np.float32, 4, context=ctx).context is ctx


def test_the_usual_chain_still_works():
    """The checks do not change what a correct program does."""
    with Acl() as acl, Device(acl) as d, Context(d) as c, Stream(c) as s, Event(c) as e:
        e.record(s)
        s.synchronize()
