"""The simulator's pipe race checker, flag deadlock check and queue-tensor leak check (ascendpy/sim/.../race.h).

Hand-written AscendC kernels below plant one bug each, on the line marked `// BUG <name>`; where the
report also names an earlier instruction (the other side of a race, the earlier SetFlag/WaitFlag) that
line is marked `// OTHER <name>`. The same source compiled with -DFIXED is the corrected kernel: it
must run clean and compute the right numbers. Scalar accesses (GetValue/SetValue) are ordered by
bisheng's auto-sync and are never reported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ascendpy import DeadlockFault, DeviceBuffer, KernelLoader, PipeRaceFault, QueueProtocolFault
from ascendpy.runtime.faults import KernelFault
from ascendpy.toolchain.compile import compile_cpp

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(__file__).resolve().parent / "sim_races" / "kernels.cpp"  # a name for #line; not on disk
N = 256  # floats per block and tile

KERNELS = textwrap.dedent("""\
    #include "kernel_operator.h"
    using namespace AscendC;
    constexpr int32_t N = 256;

    // MTE2 writes a TBuf, V reads it: needs MTE2_V.
    extern "C" __global__ __aicore__ void raw_mte2_v(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);  // OTHER raw_mte2_v
    #ifdef FIXED
        SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
    #endif
        Muls(t, t, 2.0f, N);  // BUG raw_mte2_v
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(yg, t, N);
    }

    // V writes, MTE3 copies out: needs V_MTE3 (fixed here with PipeBarrier<PIPE_ALL>).
    extern "C" __global__ __aicore__ void raw_v_mte3(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);
        SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
        Adds(t, t, 1.0f, N);  // OTHER raw_v_mte3
    #ifdef FIXED
        PipeBarrier<PIPE_ALL>();
    #endif
        DataCopy(yg, t, N);  // BUG raw_v_mte3
    }

    // The next tile's DataCopy overwrites the input while V may still read the previous one: needs
    // V_MTE2 (and MTE3_V for the output buffer).
    extern "C" __global__ __aicore__ void war_next_tile(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> inb, outb;
        pipe.InitBuffer(inb, N * sizeof(float));
        pipe.InitBuffer(outb, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * 4 * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * 4 * N);
        LocalTensor<float> a = inb.Get<float>();
        LocalTensor<float> b = outb.Get<float>();
        for (int32_t i = 0; i < 4; ++i) {
    #ifdef FIXED
            if (i > 0) WaitFlag<HardEvent::V_MTE2>(EVENT_ID0);
    #endif
            DataCopy(a, xg[i * N], N);  // BUG war_next_tile
            SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
            WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
    #ifdef FIXED
            if (i > 0) WaitFlag<HardEvent::MTE3_V>(EVENT_ID0);
    #endif
            Adds(b, a, 1.0f, N);  // OTHER war_next_tile
    #ifdef FIXED
            if (i < 3) SetFlag<HardEvent::V_MTE2>(EVENT_ID0);
    #endif
            SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
            WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
            DataCopy(yg[i * N], b, N);
    #ifdef FIXED
            if (i < 3) SetFlag<HardEvent::MTE3_V>(EVENT_ID0);
    #endif
        }
    }

    // Two DMAs on one buffer: MTE2 fills it, MTE3 drains it: needs MTE2_MTE3 (here through TQueSync).
    extern "C" __global__ __aicore__ void raw_mte2_mte3(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);  // OTHER raw_mte2_mte3
    #ifdef FIXED
        TQueSync<PIPE_MTE2, PIPE_MTE3> sync;
        sync.SetFlag(1);
        sync.WaitFlag(1);
    #endif
        DataCopy(yg, t, N);  // BUG raw_mte2_mte3
    }

    // Global memory: MTE3 writes y, MTE2 reads it back: needs MTE3_MTE2.
    extern "C" __global__ __aicore__ void gm_raw(GM_ADDR x, GM_ADDR y, GM_ADDR z)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> b0, b1;
        pipe.InitBuffer(b0, N * sizeof(float));
        pipe.InitBuffer(b1, N * sizeof(float));
        GlobalTensor<float> xg, yg, zg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        zg.SetGlobalBuffer((__gm__ float*)z + GetBlockIdx() * N);
        LocalTensor<float> t = b0.Get<float>();
        LocalTensor<float> u = b1.Get<float>();
        DataCopy(t, xg, N);
        SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
        DataCopy(yg, t, N);  // OTHER gm_raw
    #ifdef FIXED
        SetFlag<HardEvent::MTE3_MTE2>(EVENT_ID0);
        WaitFlag<HardEvent::MTE3_MTE2>(EVENT_ID0);
    #endif
        DataCopy(u, yg, N);  // BUG gm_raw
        SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
        Adds(u, u, 1.0f, N);
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(zg, u, N);
    }

    // MTE2 fills the buffer, V overwrites half of it: write-after-write, needs MTE2_V.
    extern "C" __global__ __aicore__ void waw_mte2_v(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);  // OTHER waw_mte2_v
    #ifdef FIXED
        SetFlag<HardEvent::MTE2_V>(EVENT_ID3);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID3);
    #endif
        Duplicate(t, 3.0f, N / 2);  // BUG waw_mte2_v
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(yg, t, N);
    }

    // A TQue<VECIN> orders MTE2 -> V only: copying straight out of it needs TQueBind<VECIN, VECOUT>.
    extern "C" __global__ __aicore__ void vecin_copy_through(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
    #ifdef FIXED
        TQueBind<TPosition::VECIN, TPosition::VECOUT, 1> que;
    #else
        TQue<TPosition::VECIN, 1> que;
    #endif
        pipe.InitBuffer(que, 1, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = que.AllocTensor<float>();
        DataCopy(t, xg, N);  // OTHER vecin_copy_through
        que.EnQue(t);
        t = que.DeQue<float>();
        DataCopy(yg, t, N);  // BUG vecin_copy_through
        que.FreeTensor(t);
    }

    // One VECOUT tensor kept across tiles: V rewrites it while MTE3 may still read the last tile.
    // FreeTensor/AllocTensor per tile orders MTE3 -> V.
    extern "C" __global__ __aicore__ void vecout_reuse(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TQue<TPosition::VECIN, 2> inq;
        TQue<TPosition::VECOUT, 2> outq;
        pipe.InitBuffer(inq, 2, N * sizeof(float));
        pipe.InitBuffer(outq, 2, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * 4 * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * 4 * N);
    #ifndef FIXED
        LocalTensor<float> o = outq.AllocTensor<float>();
    #endif
        for (int32_t i = 0; i < 4; ++i) {
            LocalTensor<float> a = inq.AllocTensor<float>();
            DataCopy(a, xg[i * N], N);
            inq.EnQue(a);
            a = inq.DeQue<float>();
    #ifdef FIXED
            LocalTensor<float> o = outq.AllocTensor<float>();
    #endif
            Adds(o, a, 1.0f, N);  // BUG vecout_reuse
            inq.FreeTensor(a);
            outq.EnQue(o);
            o = outq.DeQue<float>();
            DataCopy(yg[i * N], o, N);  // OTHER vecout_reuse
    #ifdef FIXED
            outq.FreeTensor(o);
    #endif
        }
    #ifndef FIXED
        outq.FreeTensor(o);
    #endif
    }

    // Only block 1 forgets the flag.
    extern "C" __global__ __aicore__ void raw_in_block_1(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);  // OTHER raw_in_block_1
    #ifndef FIXED
        if (GetBlockIdx() != 1)
    #endif
        {
            SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
            WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
        }
        Abs(t, t, N);  // BUG raw_in_block_1
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(yg, t, N);
    }

    // WaitFlag with no SetFlag: the NPU hangs.
    extern "C" __global__ __aicore__ void wait_unset(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);
    #ifdef FIXED
        SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID1);
    #endif
        WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID1);  // BUG wait_unset
        DataCopy(yg, t, N);
    }

    // A second SetFlag on a flag still set: undefined on the NPU (one set is lost, a wait hangs).
    extern "C" __global__ __aicore__ void set_twice(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);
        SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID2);  // OTHER set_twice
    #ifndef FIXED
        SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID2);  // BUG set_twice
    #endif
        WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID2);
        DataCopy(yg, t, N);
    }

    // A second WaitFlag after the one SetFlag was consumed.
    extern "C" __global__ __aicore__ void wait_twice(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);
        SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID5);
        WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID5);  // OTHER wait_twice
    #ifndef FIXED
        WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID5);  // BUG wait_twice
    #endif
        DataCopy(yg, t, N);
    }

    // A queue tensor never freed.
    extern "C" __global__ __aicore__ void leak_alloc(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TQue<TPosition::VECIN, 1> inq;
        TQue<TPosition::VECOUT, 1> outq;
        pipe.InitBuffer(inq, 1, N * sizeof(float));
        pipe.InitBuffer(outq, 1, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> a = inq.AllocTensor<float>();  // BUG leak_alloc
        DataCopy(a, xg, N);
        inq.EnQue(a);
        a = inq.DeQue<float>();
        LocalTensor<float> o = outq.AllocTensor<float>();
        Muls(o, a, 3.0f, N);
    #ifdef FIXED
        inq.FreeTensor(a);
    #endif
        outq.EnQue(o);
        o = outq.DeQue<float>();
        DataCopy(yg, o, N);
        outq.FreeTensor(o);
    }

    // A queue tensor EnQue'd and never DeQue'd.
    extern "C" __global__ __aicore__ void leak_enque(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TQue<TPosition::VECIN, 1> inq;
        TQue<TPosition::VECOUT, 1> outq;
        pipe.InitBuffer(inq, 1, N * sizeof(float));
        pipe.InitBuffer(outq, 1, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> a = inq.AllocTensor<float>();
        DataCopy(a, xg, N);
        inq.EnQue(a);
        a = inq.DeQue<float>();
        LocalTensor<float> o = outq.AllocTensor<float>();
        Muls(o, a, 3.0f, N);
        inq.FreeTensor(a);
        outq.EnQue(o);  // BUG leak_enque
    #ifdef FIXED
        o = outq.DeQue<float>();
        DataCopy(yg, o, N);
        outq.FreeTensor(o);
    #endif
    }

    // Scalar reads and writes need no flags (bisheng's auto-sync orders them), and the wait
    // auto-sync puts before the GetValue also orders the DMA before the vector op.
    extern "C" __global__ __aicore__ void scalar_autosync(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, N * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * N);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * N);
        LocalTensor<float> t = buf.Get<float>();
        DataCopy(t, xg, N);
        float v = t.GetValue(0);
        t.SetValue(1, v * 2.0f);
        Adds(t, t, 1.0f, N);
        float w = t.GetValue(2);
        t.SetValue(3, w);
        yg.SetValue(N - 1, xg.GetValue(0));
        PipeBarrier<PIPE_ALL>();
        DataCopy(yg, t, N - 8);
    }

    // Strided DMA: the gaps between bursts are not written, so vector work there races with nothing.
    extern "C" __global__ __aicore__ void strided_gaps(GM_ADDR x, GM_ADDR y)
    {
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, 64 * sizeof(float));
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * 32);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * 64);
        LocalTensor<float> t = buf.Get<float>();
        DataCopyParams p(4, 1, 0, 1);  // 4 bursts of one 32-byte block, one block apart in UB
        DataCopy(t, xg, p);
        for (int32_t b = 1; b < 8; b += 2) Duplicate(t[b * 8], -1.0f, 8);
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
        DataCopy(yg, t, 64);
    }
    """)


def _line(tag: str, name: str) -> int:
    lines = [i for i, text in enumerate(KERNELS.splitlines(), 1) if text.rstrip().endswith(f"// {tag} {name}")]
    assert len(lines) == 1, (tag, name, lines)
    return lines[0]


@pytest.fixture(scope="module")
def buggy() -> KernelLoader:
    return KernelLoader(compile_cpp(KERNELS, source_name=str(SOURCE)))


@pytest.fixture(scope="module")
def fixed() -> KernelLoader:
    return KernelLoader(compile_cpp(KERNELS, source_name=str(SOURCE), extra_flags=["-DFIXED"]))


def _f32(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def _expect(cls: type[KernelFault], kind: str, loader: KernelLoader, name: str, stream, args, blocks: int = 1,
            block: int | None = 0, other: bool = True) -> KernelFault:
    """Launch `name`, expect `cls`/`kind` at its BUG line (from `block`, or any block when None)."""
    with pytest.raises(cls) as info:
        loader.get_kernel(name)[blocks, stream](*args)
        stream.synchronize()
    err = info.value
    text = str(err)
    assert err.kind == kind, text
    assert err.kernel == name and err.block in (range(blocks) if block is None else (block,)), text
    assert err.filename == str(SOURCE), text
    assert err.lineno == _line("BUG", name), text
    if other:
        assert f"at {SOURCE}:{_line('OTHER', name)}" in err.detail, text
    return err


# ----------------------------------------------------------------------------- races
def test_mte2_then_vector_without_flag(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "raw_mte2_v", stream, (DeviceBuffer.from_numpy(x), y))
    assert "read-after-write race between PIPE_MTE2 and PIPE_V" in err.detail
    assert "Muls (V) reads bytes [0, 1024) of the TBuf<VECCALC>" in err.detail
    assert "DataCopy (MTE2) wrote" in err.detail
    assert "SetFlag<HardEvent::MTE2_V>" in err.detail
    # Fault isolation: the same stream runs the corrected kernel.
    fixed.get_kernel("raw_mte2_v")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x * np.float32(2))


def test_vector_then_copy_out_without_flag(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, 2 * N)
    y = DeviceBuffer.empty(np.float32, 2 * N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "raw_v_mte3", stream, (DeviceBuffer.from_numpy(x), y),
                  blocks=2, block=None)
    assert "read-after-write race between PIPE_V and PIPE_MTE3" in err.detail
    assert "DataCopy (MTE3) reads" in err.detail and "Adds (V) wrote" in err.detail
    fixed.get_kernel("raw_v_mte3")[2, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x + np.float32(1))


def test_next_tile_load_overwrites_what_vector_still_reads(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, 4 * N)
    y = DeviceBuffer.empty(np.float32, 4 * N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "war_next_tile", stream, (DeviceBuffer.from_numpy(x), y))
    assert "write-after-read race between PIPE_V and PIPE_MTE2" in err.detail
    assert "DataCopy (MTE2) writes" in err.detail and "Adds (V) read" in err.detail
    assert "SetFlag<HardEvent::V_MTE2>" in err.detail
    fixed.get_kernel("war_next_tile")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x + np.float32(1))


def test_two_dmas_on_one_buffer(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "raw_mte2_mte3", stream, (DeviceBuffer.from_numpy(x), y))
    assert "between PIPE_MTE2 and PIPE_MTE3" in err.detail and "HardEvent::MTE2_MTE3" in err.detail
    fixed.get_kernel("raw_mte2_mte3")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x)


def test_global_memory_written_by_mte3_read_by_mte2(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, 2 * N)
    y = DeviceBuffer.empty(np.float32, 2 * N)
    z = DeviceBuffer.empty(np.float32, 2 * N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "gm_raw", stream, (DeviceBuffer.from_numpy(x), y, z),
                  blocks=2, block=None)
    assert "read-after-write race between PIPE_MTE3 and PIPE_MTE2" in err.detail
    lo = err.block * N * 4  # each block reads back its own half of y
    assert f"global memory bytes [{lo}, {lo + N * 4}) of a 2048-byte device allocation" in err.detail
    fixed.get_kernel("gm_raw")[2, stream](DeviceBuffer.from_numpy(x), y, z)
    np.testing.assert_array_equal(y.to_numpy(), x)
    np.testing.assert_array_equal(z.to_numpy(), x + np.float32(1))


def test_dma_and_vector_write_the_same_bytes(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "waw_mte2_v", stream, (DeviceBuffer.from_numpy(x), y))
    assert "write-after-write race between PIPE_MTE2 and PIPE_V" in err.detail
    assert "Duplicate (V) writes bytes [0, 512)" in err.detail and "DataCopy (MTE2) also wrote" in err.detail
    fixed.get_kernel("waw_mte2_v")[1, stream](DeviceBuffer.from_numpy(x), y)
    want = x.copy()
    want[: N // 2] = 3
    np.testing.assert_array_equal(y.to_numpy(), want)


def test_vecin_queue_does_not_order_the_copy_out(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "vecin_copy_through", stream,
                  (DeviceBuffer.from_numpy(x), y))
    assert "TQue<VECIN, 1> buffer" in err.detail
    fixed.get_kernel("vecin_copy_through")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x)


def test_vecout_tensor_reused_without_free_and_alloc(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, 4 * N)
    y = DeviceBuffer.empty(np.float32, 4 * N)
    err = _expect(PipeRaceFault, "pipe_race", buggy, "vecout_reuse", stream, (DeviceBuffer.from_numpy(x), y))
    assert "write-after-read race between PIPE_MTE3 and PIPE_V" in err.detail
    assert "TQue<VECOUT, 2> buffer" in err.detail
    fixed.get_kernel("vecout_reuse")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x + np.float32(1))


def test_race_in_one_block_names_that_block(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, 4 * N)
    y = DeviceBuffer.empty(np.float32, 4 * N)
    _expect(PipeRaceFault, "pipe_race", buggy, "raw_in_block_1", stream, (DeviceBuffer.from_numpy(x), y),
            blocks=4, block=1)
    fixed.get_kernel("raw_in_block_1")[4, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), np.abs(x))


# ----------------------------------------------------------------------------- what is not a race
def test_scalar_accesses_are_ordered_by_auto_sync(runtime, rng, buggy):
    _, _, _, stream = runtime
    x = _f32(rng, 2 * N)
    y = DeviceBuffer.from_numpy(np.zeros(2 * N, np.float32))
    buggy.get_kernel("scalar_autosync")[2, stream](DeviceBuffer.from_numpy(x), y)
    got = y.to_numpy().reshape(2, N)
    for b, row in enumerate(x.reshape(2, N)):
        want = row + np.float32(1)
        want[1] = row[0] * np.float32(2) + np.float32(1)
        want[3] = row[2] + np.float32(1)
        np.testing.assert_array_equal(got[b, : N - 8], want[: N - 8])
        assert got[b, N - 1] == row[0]


def test_strided_dma_leaves_its_gaps_alone(runtime, rng, buggy):
    _, _, _, stream = runtime
    x = _f32(rng, 64)
    y = DeviceBuffer.empty(np.float32, 128)
    buggy.get_kernel("strided_gaps")[2, stream](DeviceBuffer.from_numpy(x), y)
    got = y.to_numpy().reshape(2, 8, 8)
    np.testing.assert_array_equal(got[:, 0::2], x.reshape(2, 4, 8))
    assert (got[:, 1::2] == -1).all()


def test_canonical_queue_pipeline_is_clean(runtime, rng):
    """The CANN add sample (double-buffered TQue, no flags) is ordered by its queues alone."""
    _, _, _, stream = runtime
    art = compile_cpp((ROOT / "tests" / "sim_cpp" / "add_custom.cpp").read_text(), source_name="add_custom.cpp")
    n = 8 * 2048
    x, y = _f32(rng, n), _f32(rng, n)
    z = DeviceBuffer.empty(np.float32, n)
    KernelLoader(art).get_kernel("add_custom")[8, stream](DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), z)
    np.testing.assert_array_equal(z.to_numpy(), x + y)


# ----------------------------------------------------------------------------- flags
def test_wait_without_set_is_a_deadlock(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(DeadlockFault, "deadlock", buggy, "wait_unset", stream, (DeviceBuffer.from_numpy(x), y),
                  other=False)
    assert "WaitFlag<HardEvent::MTE2_MTE3>(1) waits for a flag that no SetFlag" in err.detail
    assert "PIPE_MTE3 would wait forever" in err.detail
    fixed.get_kernel("wait_unset")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x)


def test_second_set_before_the_wait(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(DeadlockFault, "deadlock", buggy, "set_twice", stream, (DeviceBuffer.from_numpy(x), y))
    assert "SetFlag<HardEvent::MTE2_MTE3>(2) while the flag is still set" in err.detail
    fixed.get_kernel("set_twice")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x)


def test_second_wait_after_the_flag_was_consumed(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(DeadlockFault, "deadlock", buggy, "wait_twice", stream, (DeviceBuffer.from_numpy(x), y))
    assert "consumed the last one" in err.detail
    fixed.get_kernel("wait_twice")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x)


# ----------------------------------------------------------------------------- leaks
def test_queue_tensor_never_freed(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, 2 * N)
    y = DeviceBuffer.empty(np.float32, 2 * N)
    err = _expect(QueueProtocolFault, "tensor_leak", buggy, "leak_alloc", stream, (DeviceBuffer.from_numpy(x), y),
                  blocks=2, block=None, other=False)
    assert "TQue<VECIN, 1>: a tensor allocated here by AllocTensor was never released with FreeTensor" in err.detail
    fixed.get_kernel("leak_alloc")[2, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x * np.float32(3))


def test_queue_tensor_never_dequeued(runtime, rng, buggy, fixed):
    _, _, _, stream = runtime
    x = _f32(rng, N)
    y = DeviceBuffer.empty(np.float32, N)
    err = _expect(QueueProtocolFault, "tensor_leak", buggy, "leak_enque", stream, (DeviceBuffer.from_numpy(x), y),
                  other=False)
    assert "TQue<VECOUT, 1>: a tensor EnQue'd here was never DeQue'd" in err.detail
    fixed.get_kernel("leak_enque")[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_array_equal(y.to_numpy(), x * np.float32(3))


def test_no_leak_reported_on_top_of_another_fault(runtime, rng):
    """A kernel that faults with tensors still allocated reports that fault, not a leak."""
    _, _, _, stream = runtime
    src = textwrap.dedent("""\
        #include "kernel_operator.h"
        using namespace AscendC;
        extern "C" __global__ __aicore__ void early_fault(GM_ADDR x)
        {
            TPipe pipe;
            TQue<TPosition::VECIN, 1> q;
            pipe.InitBuffer(q, 1, 256);
            LocalTensor<float> t = q.AllocTensor<float>();
            WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);  // BUG
        }
        """)
    k = KernelLoader(compile_cpp(src, source_name="early_fault.cpp")).get_kernel("early_fault")
    with pytest.raises(DeadlockFault) as info:
        k[1, stream](DeviceBuffer.empty(np.float32, 64))
        stream.synchronize()
    assert info.value.lineno == 9


# ----------------------------------------------------------------------------- the speed switch
FAST_SCRIPT = textwrap.dedent("""
    import numpy as np
    import ascendpy
    from ascendpy import Acl, Device, Context, Stream, DeviceBuffer, KernelLoader
    from ascendpy.toolchain.compile import compile_cpp
    from tests.test_sim_races import KERNELS, SOURCE
    with Acl() as acl, Device(acl) as dev, Context(dev) as ctx, Stream(ctx) as s:
        lib = KernelLoader(compile_cpp(KERNELS, source_name=str(SOURCE)))
        x = np.arange(256, dtype=np.float32)
        y = DeviceBuffer.empty(np.float32, 256)
        lib.get_kernel("raw_mte2_v")[1, s](DeviceBuffer.from_numpy(x), y)
        print("race", "clean" if (y.to_numpy() == 2 * x).all() else "wrong")
        try:
            lib.get_kernel("wait_unset")[1, s](DeviceBuffer.from_numpy(x), y)
            s.synchronize()
            print("deadlock missed")
        except ascendpy.DeadlockFault as e:
            print("deadlock", e.lineno)
""")


def test_checks_off_skips_the_race_checker_but_not_deadlocks():
    env = dict(os.environ, ASCENDPY_SIM_CHECKS="0")
    out = subprocess.run([sys.executable, "-c", FAST_SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == ["race clean", f"deadlock {_line('BUG', 'wait_unset')}"], out.stdout
