// z = (x + y) * scale for any n, in counter mask mode: the mask register holds an element count, so a tail of
// any length needs no per-repeat mask arithmetic. Written in the style of hand-written AscendC (a class with
// Init/Process, TPipe/TQue double buffering, GM_ADDR arguments, tiling as scalars).
//
// Each tile of `tileLen` elements (the last one shorter, `len` elements) is copied in as whole 32-byte blocks
// (x, y, z are padded to them), the output tile is first cleared to PAD, and then
//     SetMaskCount();
//     SetVectorMask<T, MaskMode::COUNTER>(0, len);
//     Add<T, false>(z, x, y, MASK_PLACEHOLDER, 1, {1, 1, 1, 8, 8, 8});   // repeatTimes is not used
//     Muls<T, false>(z, z, scale, 1);                                     // level 2, count not used
//     SetMaskNorm();
//     ResetMask();
// so z's padding past n keeps PAD. The *_setmask variants leave out the `false`: Add then writes its
// MASK_PLACEHOLDER (0) into the mask register itself, which in counter mode is a count of 0 elements: it does
// nothing (z stays PAD), and so does the Muls after it; the validator warns at that call (`// BUG`).
#include "kernel_operator.h"

using namespace AscendC;

constexpr int32_t BUFFER_NUM = 2;
constexpr float PAD = -12345.0f;

template <typename T, bool isSetMask>
class KernelAddCounter {
public:
    __aicore__ inline KernelAddCounter() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t n, uint32_t tileLen, float scale)
    {
        ASSERT(tileLen % PER_BLOCK == 0);
        this->n = n;
        this->tileLen = tileLen;
        this->scale = static_cast<T>(scale);
        const uint32_t padded = (n + PER_BLOCK - 1) / PER_BLOCK * PER_BLOCK;
        xGm.SetGlobalBuffer((__gm__ T*)x, padded);
        yGm.SetGlobalBuffer((__gm__ T*)y, padded);
        zGm.SetGlobalBuffer((__gm__ T*)z, padded);
        pipe.InitBuffer(inQueueX, BUFFER_NUM, tileLen * sizeof(T));
        pipe.InitBuffer(inQueueY, BUFFER_NUM, tileLen * sizeof(T));
        pipe.InitBuffer(outQueueZ, BUFFER_NUM, tileLen * sizeof(T));
    }
    __aicore__ inline void Process()
    {
        uint32_t tiles = (n + tileLen - 1) / tileLen;
        for (uint32_t t = GetBlockIdx(); t < tiles; t += GetBlockNum()) {
            uint32_t len = n - t * tileLen < tileLen ? n - t * tileLen : tileLen;
            uint32_t blocks = (len + PER_BLOCK - 1) / PER_BLOCK * PER_BLOCK;
            CopyIn(t, blocks);
            Compute(len);
            CopyOut(t, blocks);
        }
    }

private:
    static constexpr uint32_t PER_BLOCK = 32 / sizeof(T);

    __aicore__ inline void CopyIn(uint32_t t, uint32_t blocks)
    {
        LocalTensor<T> xLocal = inQueueX.AllocTensor<T>();
        LocalTensor<T> yLocal = inQueueY.AllocTensor<T>();
        DataCopy(xLocal, xGm[t * tileLen], blocks);
        DataCopy(yLocal, yGm[t * tileLen], blocks);
        inQueueX.EnQue(xLocal);
        inQueueY.EnQue(yLocal);
    }
    __aicore__ inline void Compute(uint32_t len)
    {
        LocalTensor<T> xLocal = inQueueX.DeQue<T>();
        LocalTensor<T> yLocal = inQueueY.DeQue<T>();
        LocalTensor<T> zLocal = outQueueZ.AllocTensor<T>();
        Duplicate(zLocal, static_cast<T>(PAD), static_cast<int32_t>(tileLen));
        SetMaskCount();
        SetVectorMask<T, MaskMode::COUNTER>(0, len);
        Add<T, isSetMask>(zLocal, xLocal, yLocal, MASK_PLACEHOLDER, 1, {1, 1, 1, 8, 8, 8});  // BUG add_counter_setmask_half
        Muls<T, false>(zLocal, zLocal, scale, 1);
        SetMaskNorm();
        ResetMask();
        outQueueZ.EnQue<T>(zLocal);
        inQueueX.FreeTensor(xLocal);
        inQueueY.FreeTensor(yLocal);
    }
    __aicore__ inline void CopyOut(uint32_t t, uint32_t blocks)
    {
        LocalTensor<T> zLocal = outQueueZ.DeQue<T>();
        DataCopy(zGm[t * tileLen], zLocal, blocks);
        outQueueZ.FreeTensor(zLocal);
    }

    TPipe pipe;
    TQue<QuePosition::VECIN, BUFFER_NUM> inQueueX, inQueueY;
    TQue<QuePosition::VECOUT, BUFFER_NUM> outQueueZ;
    GlobalTensor<T> xGm, yGm, zGm;
    uint32_t n = 0, tileLen = 0;
    T scale;
};

extern "C" __global__ __aicore__ void add_counter_half(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t n, uint32_t tileLen,
                                                       float scale)
{
    KernelAddCounter<half, false> op;
    op.Init(x, y, z, n, tileLen, scale);
    op.Process();
}

extern "C" __global__ __aicore__ void add_counter_float(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t n,
                                                        uint32_t tileLen, float scale)
{
    KernelAddCounter<float, false> op;
    op.Init(x, y, z, n, tileLen, scale);
    op.Process();
}

extern "C" __global__ __aicore__ void add_counter_setmask_half(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t n,
                                                               uint32_t tileLen, float scale)
{
    KernelAddCounter<half, true> op;
    op.Init(x, y, z, n, tileLen, scale);
    op.Process();
}
