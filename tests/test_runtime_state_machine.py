"""A hypothesis state machine drives the host runtime through random lifetimes.

Random sequences of create / view / copy (sync and async, host arrays, pinned
HostBuffers, device buffers and views) / memset / axpy launch / read-back /
close (buffer, stream, whole context) / drop (del + gc) run across two
contexts, each with its own streams. The machine keeps a pure-numpy model of
every live allocation and checks that:

- nothing crashes, and every invalid step raises the documented error: use of
  a closed object -> ResourceClosedError naming it; a launch with a buffer of
  the other context -> LaunchError "belongs to"; a copy of the wrong length ->
  ValueError; none of them changes any data or allocates (a refused step may still have
  waited for streams, which can release dropped buffers whose work is done);
- every read-back (`to_numpy`, synchronous and asynchronous `copy_to` into host
  arrays, `HostBuffer.array`) equals the model bit for bit (elements never
  written, e.g. of `empty`, are not compared; a NaN only has to be a NaN, since
  the payload of a NaN produced from two NaNs is not specified);
- closed objects report `.closed` and open ones do not;
- the simulator's count of live device allocations equals the number of live
  allocations the model holds (views own nothing). A dropped buffer may stay
  allocated while a stream it was used on has not been synchronized (queued
  work keeps what it uses alive), so until then the count is only bounded;
- after the Acl is closed no device allocation is left.
"""

from __future__ import annotations

import gc
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ascendpy import (
    Acl,
    Context,
    Device,
    DeviceBuffer,
    Event,
    HostBuffer,
    KernelLoader,
    LaunchError,
    LeakWarning,
    MallocPolicy,
    ResourceClosedError,
    Stream,
)
from tests.kernels import arith
from tests.sim_counts import live_allocations

F32 = np.dtype(np.float32)
SLOTS = (0, 1)  # the two contexts
MAX_LEN = 300
MAX_BUFFERS = 14
MAX_STREAMS_PER_CONTEXT = 3

_axpy_kernel = None


def axpy_kernel():
    """`axpy(x, y, z, a: f32, n: u32)`, compiled once per process (then taken from the cache)."""
    global _axpy_kernel
    if _axpy_kernel is None:
        _axpy_kernel = KernelLoader.from_module(arith).get_kernel("axpy")
    return _axpy_kernel



def random_f32(seed: int, n: int) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(n) * 8).astype(np.float32)


def memset_pattern(byte: int, n: int) -> np.ndarray:
    return np.full(n, byte * 0x01010101, dtype=np.uint32).view(np.float32)


def assert_same(got: np.ndarray, data: np.ndarray, known: np.ndarray, what: str) -> None:
    """Bit-for-bit on every known element (a NaN only has to be a NaN)."""
    assert got.dtype == F32 and got.shape == data.shape, f"{what}: got {got.dtype}{got.shape}, want f32{data.shape}"
    g, e = got.view(np.uint32), data.view(np.uint32)
    bad = known & (g != e) & ~(np.isnan(got) & np.isnan(data))
    if bad.any():
        idx = np.flatnonzero(bad)
        i = int(idx[0])
        raise AssertionError(f"{what}: {idx.size} element(s) differ from what was written; first at [{i}]: "
                             f"got {got[i]!r} (0x{g[i]:08x}), want {data[i]!r} (0x{e[i]:08x})")


# --------------------------------------------------------------------- model
@dataclass
class Root:
    """One device allocation: its expected contents and which elements are known."""

    slot: int
    data: np.ndarray
    known: np.ndarray
    closed: bool = False


@dataclass
class Buf:
    """A DeviceBuffer the model holds: an allocation (lineage == (key,)) or a view of one."""

    obj: DeviceBuffer
    root: int
    start: int  # in elements, from the start of the allocation
    n: int
    slot: int
    lineage: tuple[int, ...]  # keys from the allocation down to this buffer


@dataclass
class Host:
    obj: HostBuffer
    slot: int
    data: np.ndarray
    known: np.ndarray


@dataclass
class Ctx:
    obj: Context
    streams: list[int] = field(default_factory=list)


class RuntimeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.kernel = axpy_kernel()
        self.acl = Acl()
        self.lib = self.acl.lib
        try:
            assert live_allocations(self.lib) == 0, "device memory left over from an earlier test"
            self.device = Device(self.acl)
            self.keys = iter(range(1, 1 << 30))
            self.ctxs: dict[int, Ctx | None] = {}
            self.streams: dict[int, tuple[Stream, int]] = {}
            self.roots: dict[int, Root] = {}
            self.bufs: dict[int, Buf] = {}
            self.hosts: dict[int, Host] = {}
            self.closed: list[tuple[str, object, Buf | None]] = []  # (kind, object, its Buf for buffers)
            self.queued: dict[int, set[int]] = {}  # open stream -> roots used by work queued since its last sync
            self.checks: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]] = {}  # async D2H
            for slot in SLOTS:
                self._open_context(slot)
        except BaseException:
            self.acl.close()
            raise

    # ------------------------------------------------------------ helpers
    def _key(self) -> int:
        return next(self.keys)

    def _open_context(self, slot: int) -> None:
        ctx = Ctx(Context(self.device))
        self.ctxs[slot] = ctx
        self._new_stream(slot)

    def _new_stream(self, slot: int) -> None:
        ctx = self.ctxs[slot]
        assert ctx is not None
        k = self._key()
        self.streams[k] = (Stream(ctx.obj), slot)
        self.queued[k] = set()
        self.checks[k] = []
        ctx.streams.append(k)

    def open_slots(self) -> list[int]:
        return [s for s in SLOTS if self.ctxs.get(s) is not None]

    def buf_keys(self, slot: int | None = None) -> list[int]:
        return sorted(k for k, b in self.bufs.items() if slot is None or b.slot == slot)

    def draw_buf(self, data, slot: int | None = None, label: str = "buffer") -> Buf:
        return self.bufs[data.draw(st.sampled_from(self.buf_keys(slot)), label=label)]

    def draw_stream(self, data, slot: int | None = None, label: str = "stream") -> tuple[int, Stream]:
        keys = sorted(k for k, (_, s) in self.streams.items() if slot is None or s == slot)
        k = data.draw(st.sampled_from(keys), label=label)
        return k, self.streams[k][0]

    def draw_stream_or_sync(self, data) -> tuple[int | None, Stream | None]:
        if self.streams and data.draw(st.booleans(), label="async"):
            return self.draw_stream(data)
        return None, None

    def read(self, b: Buf) -> tuple[np.ndarray, np.ndarray]:
        r = self.roots[b.root]
        return r.data[b.start:b.start + b.n].copy(), r.known[b.start:b.start + b.n].copy()

    def write(self, root: int, start: int, values: np.ndarray, known: np.ndarray) -> None:
        r = self.roots[root]
        r.data[start:start + len(values)] = values
        r.known[start:start + len(values)] = known

    def queue(self, sk: int | None, *roots: int) -> None:
        if sk is not None:
            self.queued[sk].update(roots)

    def synced(self, sk: int) -> None:
        """Stream `sk` finished everything queued: its pending host-array checks can run."""
        for got, want, known, what in self.checks.pop(sk, []):
            assert_same(got, want, known, what)
        self.checks[sk] = []
        self.queued[sk] = set()

    def draw_device_target(self, data, n: int, label: str) -> tuple[Buf, int, DeviceBuffer] | None:
        """A device range of exactly n elements: a buffer of that length or a temporary view of a longer one."""
        keys = [k for k, b in self.bufs.items() if b.n >= n]
        if not keys:
            return None
        b = self.bufs[data.draw(st.sampled_from(sorted(keys)), label=label)]
        if b.n == n:
            return b, b.start, b.obj
        off = data.draw(st.integers(0, b.n - n), label=label + " offset")
        return b, b.start + off, b.obj[off:off + n]

    def mark_closed_bufs(self, pred) -> None:
        """Buffers for which pred(Buf) holds were closed (by a cascade or directly)."""
        for k in [k for k, b in self.bufs.items() if pred(b)]:
            b = self.bufs.pop(k)
            self.closed.append(("buffer", b.obj, b))
        for k in [k for k, h in self.hosts.items() if pred(h)]:
            h = self.hosts.pop(k)
            self.closed.append(("host", h.obj, None))

    def expected_allocations(self) -> tuple[int, int]:
        """(certainly live, possibly live) device allocations."""
        holders = {b.root for b in self.bufs.values()}
        # A closed view keeps its parent, and so the allocation, alive: a child keeps its parent.
        holders |= {b.root for kind, _, b in self.closed if b is not None and len(b.lineage) > 1}
        in_flight = set().union(*self.queued.values()) if self.queued else set()
        certain = maybe = 0
        for r, root in list(self.roots.items()):
            if root.closed:
                del self.roots[r]
            elif r in holders:
                certain += 1
            elif r in in_flight:
                maybe += 1
            else:
                del self.roots[r]  # dropped and not used by queued work: must be freed by now
        return certain, certain + maybe

    # -------------------------------------------------------------- create
    def _create_buffer(self, slot: int, n: int, how: str, seed: int, policy: MallocPolicy) -> None:
        ctx = self.ctxs[slot].obj
        known = np.ones(n, bool)
        if how == "from_numpy":
            values = random_f32(seed, n)
            obj = DeviceBuffer.from_numpy(values, policy, context=ctx)
        elif how == "zeros":
            values = np.zeros(n, F32)
            obj = DeviceBuffer.zeros(F32, n, policy, context=ctx)
        else:
            values = np.zeros(n, F32)
            known = np.zeros(n, bool)
            obj = DeviceBuffer.empty(F32, n, policy, context=ctx)
        assert obj.context is ctx and len(obj) == n and obj.dtype == F32 and obj.nbytes == 4 * n
        k = self._key()
        self.roots[k] = Root(slot, values.copy(), known)
        self.bufs[k] = Buf(obj, k, 0, n, slot, (k,))

    @initialize(sizes=st.lists(st.integers(1, MAX_LEN), min_size=2, max_size=6), seed=st.integers(0, 2**32 - 1))
    def some_buffers(self, sizes, seed):
        for i, n in enumerate(sizes):
            self._create_buffer(i % len(SLOTS), n, "from_numpy", seed + i, MallocPolicy.HUGE_FIRST)

    @precondition(lambda self: self.open_slots() and len(self.bufs) < MAX_BUFFERS)
    @rule(data=st.data(), n=st.integers(1, MAX_LEN), how=st.sampled_from(["from_numpy", "empty", "zeros"]),
          seed=st.integers(0, 2**32 - 1),
          policy=st.sampled_from([MallocPolicy.HUGE_FIRST, MallocPolicy.NORMAL_ONLY, MallocPolicy.HUGE_ONLY]))
    def create_buffer(self, data, n, how, seed, policy):
        self._create_buffer(data.draw(st.sampled_from(self.open_slots()), label="context"), n, how, seed, policy)

    @precondition(lambda self: self.bufs and len(self.bufs) < MAX_BUFFERS)
    @rule(data=st.data())
    def make_view(self, data):
        b = self.draw_buf(data)
        a = data.draw(st.integers(0, b.n), label="view start")
        e = data.draw(st.integers(a, b.n), label="view stop")
        v = b.obj[a:e]
        assert len(v) == e - a and v.context is b.obj.context and v.dtype == F32
        k = self._key()
        self.bufs[k] = Buf(v, b.root, b.start + a, e - a, b.slot, (*b.lineage, k))

    @precondition(lambda self: self.open_slots() and len(self.hosts) < 6)
    @rule(data=st.data(), n=st.integers(1, MAX_LEN), filled=st.booleans(), seed=st.integers(0, 2**32 - 1))
    def create_host_buffer(self, data, n, filled, seed):
        slot = data.draw(st.sampled_from(self.open_slots()), label="context")
        ctx = self.ctxs[slot].obj
        if filled:
            values = random_f32(seed, n)
            hb = HostBuffer.from_numpy(values, context=ctx)
            known = np.ones(n, bool)
        else:
            values, known = np.zeros(n, F32), np.zeros(n, bool)
            hb = HostBuffer(F32, n, context=ctx)
        assert len(hb) == n and hb.dtype == F32
        self.hosts[self._key()] = Host(hb, slot, values.copy(), known)

    @precondition(lambda self: any(len(c.streams) < MAX_STREAMS_PER_CONTEXT for c in self.ctxs.values() if c))
    @rule(data=st.data())
    def create_stream(self, data):
        slots = [s for s in self.open_slots() if len(self.ctxs[s].streams) < MAX_STREAMS_PER_CONTEXT]
        self._new_stream(data.draw(st.sampled_from(slots), label="context"))

    @precondition(lambda self: len(self.open_slots()) < len(SLOTS))
    @rule(data=st.data())
    def reopen_context(self, data):
        slot = data.draw(st.sampled_from([s for s in SLOTS if self.ctxs.get(s) is None]), label="context")
        self._open_context(slot)

    # ----------------------------------------------------------- transfers
    @precondition(lambda self: self.bufs)
    @rule(data=st.data(), seed=st.integers(0, 2**32 - 1), source=st.sampled_from(["array", "host"]))
    def copy_host_to_device(self, data, seed, source):
        b = self.draw_buf(data, label="destination")
        sk, stream = self.draw_stream_or_sync(data)
        values = random_f32(seed, b.n)
        if source == "host":
            slot = data.draw(st.sampled_from(self.open_slots()), label="host buffer context")
            hb = HostBuffer.from_numpy(values, context=self.ctxs[slot].obj)
            self.hosts[self._key()] = Host(hb, slot, values.copy(), np.ones(b.n, bool))
            b.obj.copy_from(hb, stream)
        else:
            b.obj.copy_from(values, stream)  # `values` is never touched again, so async is safe
        self.write(b.root, b.start, values, np.ones(b.n, bool))
        self.queue(sk, b.root)

    @precondition(lambda self: self.bufs)
    @rule(data=st.data(), into=st.sampled_from(["array", "host"]))
    def copy_device_to_host(self, data, into):
        b = self.draw_buf(data, label="source")
        sk, stream = self.draw_stream_or_sync(data)
        want, known = self.read(b)
        what = f"copy_to({into}{', stream' if stream else ''}) of buffer {b.lineage}"
        if into == "host":
            hosts = sorted(k for k, h in self.hosts.items() if len(h.obj) == b.n)
            if hosts and data.draw(st.booleans(), label="reuse host buffer"):
                h = self.hosts[data.draw(st.sampled_from(hosts), label="host buffer")]
            else:
                slot = data.draw(st.sampled_from(self.open_slots()), label="host buffer context")
                h = Host(HostBuffer(F32, b.n, context=self.ctxs[slot].obj), slot, np.zeros(b.n, F32),
                         np.zeros(b.n, bool))
                self.hosts[self._key()] = h
            b.obj.copy_to(h.obj, stream)
            h.data[:], h.known[:] = want, known
        else:
            out = np.full(b.n, np.float32(-12345.5), F32)
            b.obj.copy_to(out, stream)
            if stream is None:
                assert_same(out, want, known, what)
            else:
                self.checks[sk].append((out, want, known, what))
        self.queue(sk, b.root)

    @precondition(lambda self: self.bufs)
    @rule(data=st.data())
    def copy_device_to_device(self, data):
        src = self.draw_buf(data, label="source")
        target = self.draw_device_target(data, src.n, "destination")
        assert target is not None  # src itself qualifies
        dst, start, dst_obj = target
        if dst.root == src.root and start < src.start + src.n and src.start < start + src.n:
            return  # overlapping ranges of one allocation: memcpy does not define the result
        sk, stream = self.draw_stream_or_sync(data)
        values, known = self.read(src)
        if data.draw(st.booleans(), label="dst.copy_from(src)"):
            dst_obj.copy_from(src.obj, stream)
        else:
            src.obj.copy_to(dst_obj, stream)
        self.write(dst.root, start, values, known)
        self.queue(sk, src.root, dst.root)

    @precondition(lambda self: self.bufs)
    @rule(data=st.data(), byte=st.integers(0, 255))
    def memset(self, data, byte):
        b = self.draw_buf(data)
        sk, stream = self.draw_stream_or_sync(data)
        b.obj.memset(byte, stream)
        self.write(b.root, b.start, memset_pattern(byte, b.n), np.ones(b.n, bool))
        self.queue(sk, b.root)

    @precondition(lambda self: self.bufs)
    @rule(data=st.data())
    def read_back(self, data):
        b = self.draw_buf(data)
        got = b.obj.to_numpy()
        want, known = self.read(b)
        assert_same(got, want, known, f"to_numpy() of buffer {b.lineage}")

    @precondition(lambda self: self.hosts)
    @rule(data=st.data(), seed=st.integers(0, 2**32 - 1), write=st.booleans())
    def host_buffer_array(self, data, seed, write):
        h = self.hosts[data.draw(st.sampled_from(sorted(self.hosts)), label="host buffer")]
        if write:
            values = random_f32(seed, len(h.obj))
            h.obj.array[:] = values  # the view dies at once, so the buffer stays closable
            h.data[:], h.known[:] = values, True
        else:
            assert_same(h.obj.array.copy(), h.data, h.known, "HostBuffer.array")

    # -------------------------------------------------------------- launch
    @precondition(lambda self: any(b.slot == s for b in self.bufs.values() for _, s in self.streams.values()))
    @rule(data=st.data(), alpha=st.floats(-4, 4, width=32), block_dim=st.integers(1, 8))
    def launch_axpy(self, data, alpha, block_dim):
        slots = sorted({s for _, s in self.streams.values()} & {b.slot for b in self.bufs.values()})
        sk, stream = self.draw_stream(data, data.draw(st.sampled_from(slots), label="context"))
        slot = self.streams[sk][1]
        x = self.draw_buf(data, slot, "x")
        y = self.draw_buf(data, slot, "y")
        z = self.draw_buf(data, slot, "z")
        n = data.draw(st.integers(0, min(x.n, y.n, z.n)), label="n")
        for src in (x, y):  # z[i] may alias x[i] or y[i], not a different element of them (blocks run in parallel)
            if src.root == z.root and src.start != z.start and src.start < z.start + n and z.start < src.start + n:
                return
        xv, xk = self.read(x)
        yv, yk = self.read(y)
        if data.draw(st.booleans(), label="short form"):
            self.kernel[block_dim, stream](x.obj, y.obj, z.obj, float(alpha), n)
        else:
            self.kernel.launch(block_dim, stream, [x.obj, y.obj, z.obj, alpha, n])
        with np.errstate(all="ignore"):
            zv = np.float32(alpha) * xv[:n] + yv[:n]  # one f32 multiply, one f32 add, like the device
        self.write(z.root, z.start, zv, xk[:n] & yk[:n])
        self.queue(sk, x.root, y.root, z.root)

    # ------------------------------------------------------- invalid steps
    @precondition(lambda self: any(b.slot != s for b in self.bufs.values() for _, s in self.streams.values()))
    @rule(data=st.data(), foreign_at=st.integers(0, 2), alpha=st.floats(-4, 4, width=32))
    def launch_with_other_contexts_buffer(self, data, foreign_at, alpha):
        pairs = sorted({(s, b.slot) for b in self.bufs.values() for _, s in self.streams.values() if b.slot != s})
        mine, theirs = data.draw(st.sampled_from(pairs), label="(stream context, buffer context)")
        _, stream = self.draw_stream(data, mine)
        args = []
        for i in range(3):
            if i == foreign_at or not self.buf_keys(mine):
                args.append(self.draw_buf(data, theirs, f"foreign arg {i}"))
            else:
                args.append(self.draw_buf(data, data.draw(st.sampled_from([mine, theirs]), label=f"ctx {i}"),
                                          f"arg {i}"))
        before = live_allocations(self.lib)
        with pytest.raises(LaunchError, match="belongs to"):
            self.kernel[1, stream](*(b.obj for b in args), float(alpha), min(b.n for b in args))
        assert live_allocations(self.lib) <= before, "a refused step allocated device memory"

    @precondition(lambda self: self.bufs)
    @rule(data=st.data(), delta=st.integers(-MAX_LEN, MAX_LEN).filter(bool),
          other=st.sampled_from(["array", "host", "device"]), to_device=st.booleans())
    def copy_with_wrong_length(self, data, delta, other, to_device):
        b = self.draw_buf(data)
        n = b.n + delta
        if n < 0:
            n = b.n + abs(delta)
        sk, stream = self.draw_stream_or_sync(data)
        created = []
        if other == "array":
            peer = np.zeros(n, F32)
        elif other == "host":
            peer = HostBuffer(F32, n, context=self.ctxs[self.open_slots()[0]].obj) if self.open_slots() else None
            created.append(peer)
        else:
            keys = [k for k, c in self.bufs.items() if c.n != b.n]
            peer = self.bufs[data.draw(st.sampled_from(sorted(keys)), label="peer")].obj if keys else None
        if peer is None:
            return
        before = live_allocations(self.lib)
        with pytest.raises(ValueError, match="dtype and length must match"):
            if to_device:
                b.obj.copy_from(peer, stream)
            else:
                b.obj.copy_to(peer, stream)
        assert live_allocations(self.lib) <= before, "a refused step allocated device memory"
        for hb in created:
            hb.close()

    @precondition(lambda self: self.closed)
    @rule(data=st.data(), op=st.integers(0, 15))
    def use_after_close(self, data, op):
        kind, obj, _ = data.draw(st.sampled_from(self.closed), label="closed object")
        stream = self.draw_stream(data)[1] if self.streams else None
        open_buf = self.draw_buf(data, label="open buffer").obj if self.bufs else None
        ops = []
        if kind == "buffer":
            n = len(obj)
            ops = [lambda: obj.to_numpy(), lambda: obj.copy_from(np.zeros(n, F32)),
                   lambda: obj.copy_to(np.empty(n, F32)), lambda: obj.memset(0), lambda: obj[0:n]]
            if stream is not None:
                ops += [lambda: obj.copy_from(np.zeros(n, F32), stream), lambda: obj.memset(1, stream),
                        lambda: self.kernel[1, stream](obj, obj, obj, 1.0, 0)]
            if open_buf is not None:
                ops += [lambda: open_buf.copy_from(obj), lambda: open_buf.copy_to(obj, stream)]
        elif kind == "host":
            ops = [lambda: obj.array]
            if open_buf is not None:
                ops += [lambda: open_buf.copy_to(obj), lambda: open_buf.copy_from(obj, stream)]
        elif kind == "stream":
            ops = [lambda: obj.synchronize(), lambda: obj.query(), lambda: self.kernel[1, obj](),
                   lambda: self.kernel.launch(2, obj, [])]
            if open_buf is not None:
                n = len(open_buf)
                ops += [lambda: open_buf.copy_from(np.zeros(n, F32), obj), lambda: open_buf.memset(3, obj),
                        lambda: open_buf.copy_to(np.empty(n, F32), obj)]
        elif kind == "context":
            ops = [lambda: Stream(obj), lambda: DeviceBuffer.empty(F32, 4, context=obj),
                   lambda: DeviceBuffer.from_numpy(np.ones(4, F32), context=obj),
                   lambda: DeviceBuffer.zeros(F32, 4, context=obj), lambda: HostBuffer(F32, 4, context=obj),
                   lambda: obj.make_current(), lambda: Event(obj), lambda: obj.__enter__()]
        before = live_allocations(self.lib)
        with pytest.raises(ResourceClosedError, match="was closed") as info:
            ops[op % len(ops)]()
        assert repr(obj) in str(info.value), f"{info.value} does not name {obj!r}"
        assert live_allocations(self.lib) <= before, "a refused step allocated device memory"

    # ---------------------------------------------------- close and drop
    @precondition(lambda self: self.streams or self.open_slots())
    @rule(data=st.data(), with_block=st.booleans())
    def close(self, data, with_block):
        """Close a buffer (its views go with it), a HostBuffer, a stream or a whole context."""
        kinds = [k for k, present in (("buffer", self.bufs), ("host", self.hosts), ("stream", self.streams),
                                      ("context", self.open_slots())) if present]
        kind = data.draw(st.sampled_from(kinds), label="close what")
        if kind == "buffer":
            b = self.draw_buf(data)
            self._close(b.obj, with_block)
            if len(b.lineage) == 1:
                self.roots[b.root].closed = True
            key = b.lineage[-1]
            self.mark_closed_bufs(lambda c: isinstance(c, Buf) and key in c.lineage)
        elif kind == "host":
            h = self.hosts.pop(data.draw(st.sampled_from(sorted(self.hosts)), label="host buffer"))
            self._close(h.obj, with_block)
            self.closed.append(("host", h.obj, None))
        elif kind == "stream":
            sk, stream = self.draw_stream(data)
            self._close(stream, with_block)
            self._forget_stream(sk)
        else:
            slot = data.draw(st.sampled_from(self.open_slots()), label="context")
            ctx = self.ctxs[slot]
            self._close(ctx.obj, with_block)
            for sk in list(ctx.streams):
                self._forget_stream(sk)
            for r in self.roots.values():
                if r.slot == slot:
                    r.closed = True  # dropped ones still alive included: the context frees them
            self.mark_closed_bufs(lambda c: c.slot == slot)
            self.ctxs[slot] = None
            self.closed.append(("context", ctx.obj, None))

    @staticmethod
    def _close(obj, with_block: bool) -> None:
        if with_block:
            with obj:
                pass
        else:
            obj.close()
        assert obj.closed
        obj.close()  # idempotent

    def _forget_stream(self, sk: int) -> None:
        stream, slot = self.streams.pop(sk)
        self.synced(sk)  # closing waited for the queued work
        del self.queued[sk], self.checks[sk]
        self.ctxs[slot].streams.remove(sk)
        self.closed.append(("stream", stream, None))

    @precondition(lambda self: self.bufs or self.hosts)
    @rule(data=st.data())
    def drop(self, data):
        """del the model's reference to a buffer, view or HostBuffer, then gc.collect()."""
        k = data.draw(st.sampled_from(sorted([*self.bufs, *self.hosts])), label="drop")
        if k in self.bufs:
            del self.bufs[k]
        else:
            del self.hosts[k]
        gc.collect()

    @precondition(lambda self: self.streams)
    @rule(data=st.data(), whole_device=st.booleans())
    def synchronize(self, data, whole_device):
        if whole_device:  # waits for every stream; what their work used is kept until each is synchronized
            self.device.synchronize()
            for sk in self.streams:
                for got, want, known, what in self.checks[sk]:
                    assert_same(got, want, known, what)
                self.checks[sk] = []
        else:
            sk, stream = self.draw_stream(data)
            stream.synchronize()
            assert stream.query()
            self.synced(sk)

    # ----------------------------------------------------------- invariants
    @invariant()
    def closed_flags(self):
        for b in self.bufs.values():
            assert not b.obj.closed, f"{b.obj!r} {b.lineage} closed unexpectedly"
            assert len(b.obj) == b.n and b.obj.dtype == F32
        for h in self.hosts.values():
            assert not h.obj.closed, f"{h.obj!r} closed unexpectedly"
        for stream, _ in self.streams.values():
            assert not stream.closed
        for ctx in self.ctxs.values():
            assert ctx is None or not ctx.obj.closed
        for kind, obj, _ in self.closed:
            assert obj.closed, f"{kind} {obj!r} should report .closed"

    @invariant()
    def device_allocations_match_model(self):
        lo, hi = self.expected_allocations()
        live = live_allocations(self.lib)
        if not lo <= live <= hi:
            gc.collect()  # an exception's traceback may still hold a dropped buffer in a cycle
            live = live_allocations(self.lib)
        assert lo <= live <= hi, f"{live} live device allocations; the model expects {lo}" + \
            (f" to {hi} (dropped buffers with queued work)" if hi != lo else "")

    def teardown(self):
        acl = getattr(self, "acl", None)
        if acl is None:
            return
        pending = [c for checks in getattr(self, "checks", {}).values() for c in checks]
        lib = acl._lib
        try:
            for ctx in getattr(self, "ctxs", {}).values():
                if ctx is not None:
                    ctx.obj.close()  # frees every buffer of the context, dropped ones included
        finally:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", LeakWarning)
                acl.close()
        assert not [w for w in caught if issubclass(w.category, LeakWarning)], \
            "closing both contexts left device buffers for the Acl to free: " + str(caught[0].message)
        for got, want, known, what in pending:  # closing the contexts waited for every stream
            assert_same(got, want, known, what)
        for b in [*self.bufs.values(), *self.hosts.values()]:
            assert b.obj.closed
        for stream, _ in self.streams.values():
            assert stream.closed
        gc.collect()
        assert live_allocations(lib) == 0, "device memory left after the Acl was closed"


RuntimeMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    database=None,  # nothing written into the checkout
    derandomize=False,
    # Shrinking a failure of this machine takes minutes: the unshrunk steps are printed instead,
    # with a @reproduce_failure(...) line that replays them exactly.
    phases=[p for p in Phase if p is not Phase.shrink],
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRuntimeStateMachine = RuntimeMachine.TestCase
