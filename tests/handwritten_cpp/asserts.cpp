// ASSERT (basic_api kernel_macros.h) in a hand-written kernel: y = 2 x, tiles of `tileLen` floats split evenly
// over the blocks. Init states the tiling's contract with ASSERTs; a launch whose tiling breaks one fails
// there (the simulator raises assert_failed at that line; the NPU does not evaluate ASSERT at all).
// `// BUG <kernel>` marks the ASSERT tests/test_handwritten_api.py expects to fail.
#include "kernel_operator.h"

using namespace AscendC;

class KernelScale {
public:
    __aicore__ inline KernelScale() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tileLen)
    {
        ASSERT(tileLen % 8 == 0 && "tiles are whole 32-byte blocks");
        perBlock = (n + GetBlockNum() - 1) / GetBlockNum();
        begin = GetBlockIdx() * perBlock;
        this->tileLen = tileLen;
        ASSERT(perBlock % tileLen == 0);
        ASSERT(begin + perBlock <= n);  // BUG scale_uneven
        xGm.SetGlobalBuffer((__gm__ float*)x + begin, perBlock);
        yGm.SetGlobalBuffer((__gm__ float*)y + begin, perBlock);
        pipe.InitBuffer(inQueue, 2, tileLen * sizeof(float));
        pipe.InitBuffer(outQueue, 2, tileLen * sizeof(float));
    }
    __aicore__ inline void Process()
    {
        for (uint32_t off = 0; off < perBlock; off += tileLen) {
            LocalTensor<float> a = inQueue.AllocTensor<float>();
            DataCopy(a, xGm[off], tileLen);
            inQueue.EnQue(a);
            LocalTensor<float> b = inQueue.DeQue<float>();
            LocalTensor<float> c = outQueue.AllocTensor<float>();
            Muls(c, b, 2.0f, static_cast<int32_t>(tileLen));
            outQueue.EnQue(c);
            inQueue.FreeTensor(b);
            LocalTensor<float> d = outQueue.DeQue<float>();
            DataCopy(yGm[off], d, tileLen);
            outQueue.FreeTensor(d);
        }
    }

private:
    TPipe pipe;
    TQue<QuePosition::VECIN, 2> inQueue;
    TQue<QuePosition::VECOUT, 2> outQueue;
    GlobalTensor<float> xGm, yGm;
    uint32_t perBlock = 0, begin = 0, tileLen = 0;
};

extern "C" __global__ __aicore__ void scale_uneven(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tileLen)
{
    KernelScale op;
    op.Init(x, y, n, tileLen);
    op.Process();
}

// The same contract checked in the kernel body, with a message.
extern "C" __global__ __aicore__ void scale_tile(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tileLen)
{
    ASSERT(n % tileLen == 0 && "n must be a whole number of tiles");  // BUG scale_tile
    KernelScale op;
    op.Init(x, y, n, tileLen);
    op.Process();
}
