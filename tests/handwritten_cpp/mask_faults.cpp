// Planted bugs with the mask-mode and level-0 APIs, one per kernel, each valid AscendC that compiles for
// the NPU. `// BUG <kernel>` marks the line the simulator must name (tests/test_handwritten_api.py).
// Every kernel copies n floats in, runs the buggy instruction on them, and copies the result out.
#include "kernel_operator.h"

using namespace AscendC;

class KernelMaskBug {
public:
    __aicore__ inline KernelMaskBug() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, uint32_t n)
    {
        this->n = n;
        xGm.SetGlobalBuffer((__gm__ float*)x, n);
        yGm.SetGlobalBuffer((__gm__ float*)y, n);
        pipe.InitBuffer(inQueue, 1, n * sizeof(float));
        pipe.InitBuffer(outQueue, 1, n * sizeof(float));
        pipe.InitBuffer(tmpBuf, 64 * sizeof(float));
    }
    __aicore__ inline LocalTensor<float> In()
    {
        LocalTensor<float> a = inQueue.AllocTensor<float>();
        DataCopy(a, xGm, n);
        inQueue.EnQue(a);
        return inQueue.DeQue<float>();
    }
    __aicore__ inline void Out(LocalTensor<float>& a, LocalTensor<float>& b)
    {
        outQueue.EnQue(b);
        inQueue.FreeTensor(a);
        LocalTensor<float> c = outQueue.DeQue<float>();
        DataCopy(yGm, c, n);
        outQueue.FreeTensor(c);
    }

    TPipe pipe;
    TQue<QuePosition::VECIN, 1> inQueue;
    TQue<QuePosition::VECOUT, 1> outQueue;
    TBuf<TPosition::VECCALC> tmpBuf;
    GlobalTensor<float> xGm, yGm;
    uint32_t n = 0;
};

// Counter mode, but Adds keeps isSetMask = true: its continuous mask 64 is written as the bit pattern of 64
// lanes (0, 2^64 - 1), which counter mode reads as that many elements.
extern "C" __global__ __aicore__ void counter_with_lane_mask(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    KernelMaskBug op;
    op.Init(x, y, n);
    LocalTensor<float> a = op.In();
    LocalTensor<float> b = op.outQueue.AllocTensor<float>();
    SetMaskCount();
    SetVectorMask<float, MaskMode::COUNTER>(0, n);
    Adds(b, a, 1.0f, 64, 1, {1, 1, 8, 8});  // BUG counter_with_lane_mask
    SetMaskNorm();
    ResetMask();
    op.Out(a, b);
}

// ReduceSum (level 2) leaves the mask register in a state the documentation does not give; the level-0 Muls
// after it relies on the register (isSetMask = false) without setting it again.
extern "C" __global__ __aicore__ void mask_after_reduce(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    KernelMaskBug op;
    op.Init(x, y, n);
    LocalTensor<float> a = op.In();
    LocalTensor<float> b = op.outQueue.AllocTensor<float>();
    LocalTensor<float> tmp = op.tmpBuf.Get<float>();
    ReduceSum(b, a, tmp, static_cast<int32_t>(n));
    Muls<float, false>(b, a, 2.0f, MASK_PLACEHOLDER, static_cast<uint8_t>(n / 64), {1, 1, 8, 8});  // BUG mask_after_reduce
    op.Out(a, b);
}

// The repeats run past the end of the n-float tensors (one repeat too many).
extern "C" __global__ __aicore__ void repeat_past_end(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    KernelMaskBug op;
    op.Init(x, y, n);
    LocalTensor<float> a = op.In();
    LocalTensor<float> b = op.outQueue.AllocTensor<float>();
    Add(b, a, a, 64, static_cast<uint8_t>(n / 64 + 1), {1, 1, 1, 8, 8, 8});  // BUG repeat_past_end
    op.Out(a, b);
}

// WholeReduceSum's repeatTimes is an int32_t, but the hardware takes at most 255.
extern "C" __global__ __aicore__ void too_many_repeats(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    KernelMaskBug op;
    op.Init(x, y, n);
    LocalTensor<float> a = op.In();
    LocalTensor<float> b = op.outQueue.AllocTensor<float>();
    WholeReduceSum(b, a, 64, static_cast<int32_t>(n / 64 * 2), 1, 1, 4);  // BUG too_many_repeats
    op.Out(a, b);
}

// A continuous mask computed as a difference that went negative.
extern "C" __global__ __aicore__ void negative_mask(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    KernelMaskBug op;
    op.Init(x, y, n);
    LocalTensor<float> a = op.In();
    LocalTensor<float> b = op.outQueue.AllocTensor<float>();
    const int32_t tail = static_cast<int32_t>(n % 64) - 8;
    SetVectorMask<float, MaskMode::NORMAL>(tail);  // BUG negative_mask
    Muls<float, false>(b, a, 2.0f, MASK_PLACEHOLDER, 1, {1, 1, 8, 8});
    ResetMask();
    op.Out(a, b);
}
