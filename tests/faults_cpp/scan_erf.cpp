// Planted misuse of CumSum and Erf (tests/test_scan_erf.py). Each kernel is correct apart from the line
// marked `// BUG <kernel>`, which the simulator must name; `ok_*` kernels have no bug.
#include "kernel_operator.h"

using namespace AscendC;

constexpr CumSumConfig kLast = {true, false, false};
constexpr CumSumConfig kFirst = {false, false, false};

// y = cumsum(x, last axis) over rows x 32 floats, with a sharedTmpBuffer of tmp bytes (at least 16 x 32 x 8
// = 4096 bytes are needed: the vendor code divides by that).
extern "C" __global__ __aicore__ void cumsum_tmp(GM_ADDR x, GM_ADDR y, uint32_t rows, uint32_t tmp)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b, t;
    pipe.InitBuffer(a, 64 * 32 * sizeof(float));
    pipe.InitBuffer(b, 64 * 32 * sizeof(float));
    pipe.InitBuffer(t, 8192);
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, rows * 32);
    yGm.SetGlobalBuffer((__gm__ float*)y, rows * 32);
    LocalTensor<float> src = a.Get<float>(), dst = b.Get<float>();
    LocalTensor<uint8_t> work = t.Get<uint8_t>(tmp);
    DataCopy(src, xGm, rows * 32);
    PipeBarrier<PIPE_ALL>();
    CumSum<float, kLast>(dst, dst, src, work, {rows, 32});  // BUG cumsum_tmp
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, dst, rows * 32);
}

// Half down the columns accumulates in float: rows x 32 x 4 bytes of sharedTmpBuffer; 2048 give 16 rows.
extern "C" __global__ __aicore__ void cumsum_first_tmp(GM_ADDR x, GM_ADDR y, uint32_t rows)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b, t;
    pipe.InitBuffer(a, 64 * 32 * sizeof(half));
    pipe.InitBuffer(b, 64 * 32 * sizeof(half));
    pipe.InitBuffer(t, 2048);
    GlobalTensor<half> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ half*)x, rows * 32);
    yGm.SetGlobalBuffer((__gm__ half*)y, rows * 32);
    LocalTensor<half> src = a.Get<half>(), dst = b.Get<half>();
    LocalTensor<uint8_t> work = t.Get<uint8_t>();
    DataCopy(src, xGm, rows * 32);
    PipeBarrier<PIPE_ALL>();
    CumSum<half, kFirst>(dst, dst, src, work, {rows, 32});  // BUG cumsum_first_tmp
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, dst, rows * 32);
}

// Rows of `inner` floats: inner x 4 bytes must be a multiple of 32.
extern "C" __global__ __aicore__ void cumsum_inner(GM_ADDR x, GM_ADDR y, uint32_t inner)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b, t;
    pipe.InitBuffer(a, 1024 * sizeof(float));
    pipe.InitBuffer(b, 1024 * sizeof(float));
    pipe.InitBuffer(t, 65536);
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 1024);
    yGm.SetGlobalBuffer((__gm__ float*)y, 1024);
    LocalTensor<float> src = a.Get<float>(), dst = b.Get<float>();
    LocalTensor<uint8_t> work = t.Get<uint8_t>();
    DataCopy(src, xGm, 1024);
    PipeBarrier<PIPE_ALL>();
    CumSum<float, kLast>(dst, dst, src, work, {4, inner});  // BUG cumsum_inner
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, dst, 1024);
}

// y = erf(x) over n floats with a sharedTmpBuffer of tmp bytes (float needs at least 3 x 32 x 4 = 384).
extern "C" __global__ __aicore__ void erf_tmp(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tmp)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b, t;
    pipe.InitBuffer(a, 1024 * sizeof(float));
    pipe.InitBuffer(b, 1024 * sizeof(float));
    pipe.InitBuffer(t, 4096);
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> src = a.Get<float>(), dst = b.Get<float>();
    DataCopy(src, xGm, n);
    PipeBarrier<PIPE_ALL>();
    Erf(dst, src, t.Get<uint8_t>(tmp), n);  // BUG erf_tmp
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, dst, n);
}

// Erf reading its source before the DMA that fills it has finished: no flag between MTE2 and V.
extern "C" __global__ __aicore__ void erf_race(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b, t;
    pipe.InitBuffer(a, 1024 * sizeof(float));
    pipe.InitBuffer(b, 1024 * sizeof(float));
    pipe.InitBuffer(t, 4096);
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> src = a.Get<float>(), dst = b.Get<float>();
    DataCopy(src, xGm, n);
    Erf(dst, src, t.Get<uint8_t>(), n);  // BUG erf_race
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, dst, n);
}
// ascendc-check: 910B 310P
