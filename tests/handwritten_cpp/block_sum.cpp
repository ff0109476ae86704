// Per-DataBlock sums with BlockReduceSum: y[k] = sum of the k-th 32-byte block of x (16 halves or 8 floats),
// in the style of hand-written AscendC (a class with Init/Process, TPipe/TQue, GM_ADDR arguments).
//
// n is a multiple of the block size but not of the 256-byte repeat: each tile of `tileLen` elements (a whole
// number of repeats) runs one BlockReduceSum over its whole repeats (continuous mask = every lane), and the
// last, partial tile a second one for its tail repeat with a continuous mask of the tail's length. A repeat
// gives 8 results, so dstRepStride 1 packs them. y is padded to whole tiles, and the output tile is cleared to
// PAD first, so the slots of the tail repeat's DataBlocks without an active lane show what the hardware does.
#include "kernel_operator.h"

using namespace AscendC;

constexpr int32_t BUFFER_NUM = 2;
constexpr float PAD = 30000.0f;  // no sum of a block of the test data comes near it

template <typename T>
class KernelBlockSum {
public:
    __aicore__ inline KernelBlockSum() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tileLen)
    {
        ASSERT(tileLen % LANES == 0);
        ASSERT(n % PER_BLOCK == 0 && "x is a whole number of 32-byte blocks");
        this->n = n;
        this->tileLen = tileLen;
        xGm.SetGlobalBuffer((__gm__ T*)x, n);
        yGm.SetGlobalBuffer((__gm__ T*)y, (n + tileLen - 1) / tileLen * (tileLen / PER_BLOCK));
        pipe.InitBuffer(inQueueX, BUFFER_NUM, tileLen * sizeof(T));
        pipe.InitBuffer(outQueueY, BUFFER_NUM, tileLen / PER_BLOCK * sizeof(T));
    }
    __aicore__ inline void Process()
    {
        uint32_t tiles = (n + tileLen - 1) / tileLen;
        for (uint32_t t = GetBlockIdx(); t < tiles; t += GetBlockNum()) {
            uint32_t len = n - t * tileLen < tileLen ? n - t * tileLen : tileLen;
            CopyIn(t, len);
            Compute(len);
            CopyOut(t);
        }
    }

private:
    static constexpr uint32_t LANES = 256 / sizeof(T);
    static constexpr uint32_t PER_BLOCK = 32 / sizeof(T);

    __aicore__ inline void CopyIn(uint32_t t, uint32_t len)
    {
        LocalTensor<T> xLocal = inQueueX.AllocTensor<T>();
        DataCopy(xLocal, xGm[t * tileLen], len);
        inQueueX.EnQue(xLocal);
    }
    __aicore__ inline void Compute(uint32_t len)
    {
        LocalTensor<T> xLocal = inQueueX.DeQue<T>();
        LocalTensor<T> yLocal = outQueueY.AllocTensor<T>();
        const int32_t full = static_cast<int32_t>(len / LANES);
        const int32_t tail = static_cast<int32_t>(len % LANES);
        Duplicate(yLocal, static_cast<T>(PAD), static_cast<int32_t>(tileLen / PER_BLOCK));
        if (full > 0) {
            BlockReduceSum<T>(yLocal, xLocal, full, static_cast<int32_t>(LANES), 1, 1, DEFAULT_REPEAT_STRIDE);
        }
        if (tail > 0) {
            BlockReduceSum<T>(yLocal[full * 8], xLocal[full * LANES], 1, tail, 1, 1, DEFAULT_REPEAT_STRIDE);
        }
        outQueueY.EnQue<T>(yLocal);
        inQueueX.FreeTensor(xLocal);
    }
    __aicore__ inline void CopyOut(uint32_t t)
    {
        LocalTensor<T> yLocal = outQueueY.DeQue<T>();
        DataCopy(yGm[t * (tileLen / PER_BLOCK)], yLocal, tileLen / PER_BLOCK);
        outQueueY.FreeTensor(yLocal);
    }

    TPipe pipe;
    TQue<QuePosition::VECIN, BUFFER_NUM> inQueueX;
    TQue<QuePosition::VECOUT, BUFFER_NUM> outQueueY;
    GlobalTensor<T> xGm, yGm;
    uint32_t n = 0, tileLen = 0;
};

extern "C" __global__ __aicore__ void block_sum_half(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tileLen)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    KernelBlockSum<half> op;
    op.Init(x, y, n, tileLen);
    op.Process();
}

extern "C" __global__ __aicore__ void block_sum_float(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tileLen)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    KernelBlockSum<float> op;
    op.Init(x, y, n, tileLen);
    op.Process();
}
