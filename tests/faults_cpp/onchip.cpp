// Planted on-chip capacity and LocalTensor bounds bugs (tests/test_faults.py).
// `// BUG <kernel>` marks the line the simulator must name.
#include "kernel_operator.h"

using namespace AscendC;

// A matrix tile staged in L1 (TPosition::A1) one block larger than the 910B's 512 KiB L1.
extern "C" __global__ __aicore__ void l1_overflow(GM_ADDR x)
{
    TPipe pipe;
    TQue<TPosition::A1, 1> aQue;
    pipe.InitBuffer(aQue, 1, 512 * 1024 + 32);  // BUG l1_overflow
}

// L0A (TPosition::A2) filled exactly by a double-buffered 32 KiB queue (allowed: the check is `<=`),
// L0B likewise (a separate memory), then one more 32-byte L0A buffer.
extern "C" __global__ __aicore__ void l0a_overflow(GM_ADDR x)
{
    TPipe pipe;
    TQue<TPosition::A2, 2> a2Que;
    TQue<TPosition::B2, 2> b2Que;
    TQue<TPosition::A2, 1> biasQue;
    pipe.InitBuffer(a2Que, 2, 32 * 1024);
    pipe.InitBuffer(b2Que, 2, 32 * 1024);
    pipe.InitBuffer(biasQue, 1, 32);  // BUG l0a_overflow
}

// The L0C accumulator (TPosition::CO1) sized for 310P's 256 KiB, run on a 910B (128 KiB).
extern "C" __global__ __aicore__ void l0c_overflow(GM_ADDR x)
{
    TPipe pipe;
    TQue<TPosition::CO1, 1> cQue;
    pipe.InitBuffer(cQue, 1, 256 * 1024);  // BUG l0c_overflow
}

// One TBuf per row of a 65-row table: a TPipe holds at most 64 buffers.
extern "C" __global__ __aicore__ void too_many_buffers(GM_ADDR x)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> rows[65];
    for (int i = 0; i < 65; ++i) {
        pipe.InitBuffer(rows[i], 32);  // BUG too_many_buffers
    }
}

// A scalar loop over a UB tile with `<=`: reads t[64] of a 64-element tensor.
extern "C" __global__ __aicore__ void local_get_past_end(GM_ADDR x, GM_ADDR y)
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
    float acc = 0;
    for (uint32_t i = 0; i <= 64; ++i) {
        acc += t.GetValue(i);  // BUG local_get_past_end
    }
    yGm.SetValue(0, acc);
}

// A prefix sum written one slot further than the tensor: t[i + 1] = t[i] + x[i].
extern "C" __global__ __aicore__ void local_set_past_end(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 64 * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 64);
    yGm.SetGlobalBuffer((__gm__ float*)y, 64);
    LocalTensor<float> t = buf.Get<float>();
    t.SetValue(0, 0.0f);
    for (uint32_t i = 0; i < 64; ++i) {
        t.SetValue(i + 1, t.GetValue(i) + xGm.GetValue(i));  // BUG local_set_past_end
    }
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, 64);
}

// Add over `n` elements of 256-element tiles: n comes from the host and is larger.
extern "C" __global__ __aicore__ void vec_count_past_end(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> xb, yb, zb;
    pipe.InitBuffer(xb, 256 * sizeof(float));
    pipe.InitBuffer(yb, 256 * sizeof(float));
    pipe.InitBuffer(zb, 256 * sizeof(float));
    GlobalTensor<float> xGm, yGm, zGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 256);
    yGm.SetGlobalBuffer((__gm__ float*)y, 256);
    zGm.SetGlobalBuffer((__gm__ float*)z, 256);
    LocalTensor<float> xt = xb.Get<float>(), yt = yb.Get<float>(), zt = zb.Get<float>();
    DataCopy(xt, xGm, 256);
    DataCopy(yt, yGm, 256);
    PipeBarrier<PIPE_ALL>();
    Add(zt, xt, yt, n);  // BUG vec_count_past_end
    PipeBarrier<PIPE_ALL>();
    DataCopy(zGm, zt, 256);
}
