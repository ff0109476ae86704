// Planted alignment and size-rule bugs (tests/test_faults.py).
// `// BUG <kernel>` marks the line the simulator must name.
#include "kernel_operator.h"

using namespace AscendC;

// Loads x behind a 3-element header: t[3] starts 12 bytes into the UB buffer, and the UB side
// of a DataCopy must be 32-byte aligned (the GM side need not be).
extern "C" __global__ __aicore__ void ub_misaligned(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 128 * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 64);
    yGm.SetGlobalBuffer((__gm__ float*)y, 64);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t[3], xGm, 64);  // BUG ub_misaligned
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, 64);
}

// Copies 13 floats (52 bytes) with DataCopy, which moves whole 32-byte blocks only.
extern "C" __global__ __aicore__ void partial_block(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 32 * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 13);
    yGm.SetGlobalBuffer((__gm__ float*)y, 13);
    LocalTensor<float> t = buf.Get<float>();
    Duplicate(t, -1.0f, 32);
    PipeBarrier<PIPE_ALL>();
    DataCopy(t, xGm, 13);  // 52 bytes: only the first 32 arrive
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, 13);  // and only the first 32 leave
}

// Compare on 40 floats (160 bytes): Compare works in 256-byte repeats.
extern "C" __global__ __aicore__ void compare_short(GM_ADDR x, GM_ADDR y, GM_ADDR m)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> xb, yb, mb;
    pipe.InitBuffer(xb, 64 * sizeof(float));
    pipe.InitBuffer(yb, 64 * sizeof(float));
    pipe.InitBuffer(mb, 64);
    GlobalTensor<float> xGm, yGm;
    GlobalTensor<uint8_t> mGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 64);
    yGm.SetGlobalBuffer((__gm__ float*)y, 64);
    mGm.SetGlobalBuffer((__gm__ uint8_t*)m, 64);
    LocalTensor<float> xt = xb.Get<float>(), yt = yb.Get<float>();
    LocalTensor<uint8_t> mt = mb.Get<uint8_t>();
    DataCopy(xt, xGm, 64);
    DataCopy(yt, yGm, 64);
    PipeBarrier<PIPE_ALL>();
    Compare(mt, xt, yt, CMPMODE::LT, 40);  // BUG compare_short
    PipeBarrier<PIPE_ALL>();
    DataCopy(mGm, mt, 64);
}

// Event ids are 0..7; a hand-numbered flag uses 9.
extern "C" __global__ __aicore__ void event_id_9(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 64 * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 64);
    yGm.SetGlobalBuffer((__gm__ float*)y, 64);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t, xGm, 64);
    SetFlag<HardEvent::MTE2_V>(9);  // BUG event_id_9
    WaitFlag<HardEvent::MTE2_V>(9);
    Abs(t, t, 64);
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, 64);
}

// int16 -> int8 is not a Cast pair: CANN 8.1 declares it, but only reports "not supported" (narrow through half).
extern "C" __global__ __aicore__ void int_cast(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> ib, ob;
    pipe.InitBuffer(ib, 64 * sizeof(int16_t));
    pipe.InitBuffer(ob, 64 * sizeof(int8_t));
    GlobalTensor<int16_t> xGm;
    GlobalTensor<int8_t> yGm;
    xGm.SetGlobalBuffer((__gm__ int16_t*)x, 64);
    yGm.SetGlobalBuffer((__gm__ int8_t*)y, 64);
    LocalTensor<int16_t> it = ib.Get<int16_t>();
    LocalTensor<int8_t> ot = ob.Get<int8_t>();
    DataCopy(it, xGm, 64);
    PipeBarrier<PIPE_ALL>();
    Cast(ot, it, RoundMode::CAST_NONE, 64);  // BUG int_cast
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, ot, 64);
}

// A count computed as `n - header` that goes negative when n < header.
extern "C" __global__ __aicore__ void negative_count(GM_ADDR x, GM_ADDR y, int32_t n, int32_t header)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 64 * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 64);
    yGm.SetGlobalBuffer((__gm__ float*)y, 64);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t, xGm, 64);
    PipeBarrier<PIPE_ALL>();
    Muls(t, t, 2.0f, n - header);  // BUG negative_count
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, 64);
}
