// On-chip memory a kernel reads without writing it first (tests/test_launch_paths.py): a fresh TPipe's
// memory reads as zeros, however the blocks of earlier launches on the same worker thread left theirs.
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t kWords = 4096;  // 16 KiB of UB, L1-staged too

// Fills `kWords` words of UB (two buffers, the second after the first) and of L1 with `value`.
extern "C" __global__ __aicore__ void scribble(GM_ADDR y, float value)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b;
    pipe.InitBuffer(a, kWords * sizeof(float));
    pipe.InitBuffer(b, kWords * sizeof(float));
    LocalTensor<float> ta = a.Get<float>(), tb = b.Get<float>();
    Duplicate(ta, value, kWords);
    Duplicate(tb, value, kWords);
    GlobalTensor<float> yGm;
    yGm.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * kWords, kWords);
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, tb, kWords);
}

// Stores the UB words [kWords, 2 kWords) (where scribble's second buffer was) without writing them.
extern "C" __global__ __aicore__ void peek(GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> a, b;
    pipe.InitBuffer(a, kWords * sizeof(float));
    pipe.InitBuffer(b, kWords * sizeof(float));
    LocalTensor<float> tb = b.Get<float>();
    GlobalTensor<float> yGm;
    yGm.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * kWords, kWords);
    DataCopy(yGm, tb, kWords);
}
