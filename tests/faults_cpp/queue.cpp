// Planted TQue protocol bugs (tests/test_faults.py).
// `// BUG <kernel>` marks the line the simulator must name. The correct protocol per tile is
// AllocTensor -> DataCopy -> EnQue -> DeQue -> compute -> FreeTensor.
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t TILE = 64;

// Three tiles in flight from a queue given two buffers.
extern "C" __global__ __aicore__ void alloc_beyond_num(GM_ADDR x)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 2> inQue;
    pipe.InitBuffer(inQue, 2, TILE * sizeof(float));
    GlobalTensor<float> xGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 3 * TILE);
    for (uint32_t i = 0; i < 3; ++i) {
        LocalTensor<float> t = inQue.AllocTensor<float>();  // BUG alloc_beyond_num
        DataCopy(t, xGm[i * TILE], TILE);
        inQue.EnQue(t);
    }
}

// The EnQue after the copy was forgotten.
extern "C" __global__ __aicore__ void deque_without_enque(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 1> inQue;
    pipe.InitBuffer(inQue, 1, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, TILE);
    yGm.SetGlobalBuffer((__gm__ float*)y, TILE);
    LocalTensor<float> t = inQue.AllocTensor<float>();
    DataCopy(t, xGm, TILE);
    LocalTensor<float> u = inQue.DeQue<float>();  // BUG deque_without_enque
    Abs(u, u, TILE);
    inQue.FreeTensor(u);
}

// Two buffers but depth 1: the second EnQue comes before any DeQue.
extern "C" __global__ __aicore__ void enque_beyond_depth(GM_ADDR x)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 1> inQue;
    pipe.InitBuffer(inQue, 2, TILE * sizeof(float));
    GlobalTensor<float> xGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 2 * TILE);
    LocalTensor<float> a = inQue.AllocTensor<float>();
    LocalTensor<float> b = inQue.AllocTensor<float>();
    DataCopy(a, xGm, TILE);
    DataCopy(b, xGm[TILE], TILE);
    inQue.EnQue(a);
    inQue.EnQue(b);  // BUG enque_beyond_depth
}

// The input tile is freed, then read again (ascend-rs case 3).
extern "C" __global__ __aicore__ void use_after_free(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 1> inQue;
    TQue<TPosition::VECOUT, 1> outQue;
    pipe.InitBuffer(inQue, 1, TILE * sizeof(float));
    pipe.InitBuffer(outQue, 1, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, TILE);
    yGm.SetGlobalBuffer((__gm__ float*)y, TILE);
    LocalTensor<float> a = inQue.AllocTensor<float>();
    DataCopy(a, xGm, TILE);
    inQue.EnQue(a);
    LocalTensor<float> b = inQue.DeQue<float>();
    inQue.FreeTensor(b);
    LocalTensor<float> c = outQue.AllocTensor<float>();
    Muls(c, b, 2.0f, TILE);  // BUG use_after_free
    outQue.EnQue(c);
    LocalTensor<float> d = outQue.DeQue<float>();
    DataCopy(yGm, d, TILE);
    outQue.FreeTensor(d);
}

// FreeTensor twice on the same tile (ascend-rs case 5).
extern "C" __global__ __aicore__ void double_free(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 1> inQue;
    pipe.InitBuffer(inQue, 1, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, TILE);
    yGm.SetGlobalBuffer((__gm__ float*)y, TILE);
    LocalTensor<float> a = inQue.AllocTensor<float>();
    DataCopy(a, xGm, TILE);
    inQue.EnQue(a);
    LocalTensor<float> b = inQue.DeQue<float>();
    Abs(b, b, TILE);
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, b, TILE);
    PipeBarrier<PIPE_ALL>();
    inQue.FreeTensor(b);
    inQue.FreeTensor(b);  // BUG double_free
}
