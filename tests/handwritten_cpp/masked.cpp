// Normal-mode masks: level-0 vector instructions that touch only the lanes their mask selects, in the style of
// hand-written AscendC (a class with Init/Process, TPipe/TQue, GM_ADDR arguments).
//
// y starts as a copy of `bg` (background); then, over the n elements (whole repeats):
//   masked_muls_*:   Muls(y, x, scale, mask, repeats, {1, 1, 8, 8}) with a `uint64_t mask[2]` bit mask: the lanes
//                    of each 256-byte repeat whose bit is set become x * scale, the others keep bg;
//   rows_add_*:      Add(y, x, bg, cols, rows, {1, 1, 1, R, R, R}) with a continuous mask: the first `cols` lanes
//                    of each row of `pitch` elements (R = its 32-byte blocks) become x + bg;
//   strided_adds_*:  SetVectorMask<T, MaskMode::NORMAL>(len), then Adds<T, false>(y, x, v, MASK_PLACEHOLDER,
//                    repeats, {2, 2, 16, 16}): every other DataBlock of each 512-byte stretch, and only the
//                    first `len` lanes of a repeat (8 DataBlocks), become x + v; then ResetMask();
//   level2_reset_*:  SetVectorMask(0, 1) (lane 0 only), then a level-2 Adds(y, y, 0, n), which leaves every lane
//                    on (its vendor implementation resets the mask), so Muls<T, false>(y, x, scale,
//                    MASK_PLACEHOLDER, repeats, {1, 1, 8, 8}) scales every element.
#include "kernel_operator.h"

using namespace AscendC;

template <typename T>
class KernelMasked {
public:
    __aicore__ inline KernelMasked() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n)
    {
        ASSERT(n % LANES == 0);
        this->n = n;
        xGm.SetGlobalBuffer((__gm__ T*)x, n);
        bgGm.SetGlobalBuffer((__gm__ T*)bg, n);
        yGm.SetGlobalBuffer((__gm__ T*)y, n);
        pipe.InitBuffer(inQueueX, 1, n * sizeof(T));
        pipe.InitBuffer(inQueueBg, 1, n * sizeof(T));
        pipe.InitBuffer(outQueueY, 1, n * sizeof(T));
    }
    // 0: bit-mask Muls, 1: continuous-mask Add over rows, 2: SetVectorMask + strided Adds<T, false>,
    // 3: a level-2 call between SetVectorMask and Muls<T, false>.
    __aicore__ inline void Process(int mode, T value, const uint64_t* bits, uint32_t cols, uint32_t pitch,
                                   int32_t len)
    {
        LocalTensor<T> xLocal = inQueueX.AllocTensor<T>();
        LocalTensor<T> bgLocal = inQueueBg.AllocTensor<T>();
        DataCopy(xLocal, xGm, n);
        DataCopy(bgLocal, bgGm, n);
        inQueueX.EnQue(xLocal);
        inQueueBg.EnQue(bgLocal);
        xLocal = inQueueX.DeQue<T>();
        bgLocal = inQueueBg.DeQue<T>();
        LocalTensor<T> yLocal = outQueueY.AllocTensor<T>();
        DataCopy(yLocal, bgLocal, n);
        if (mode == 0) {
            uint64_t mask[2] = {bits[0], bits[1]};
            Muls(yLocal, xLocal, value, mask, static_cast<uint8_t>(n / LANES), {1, 1, 8, 8});
        } else if (mode == 1) {
            const uint8_t stride = static_cast<uint8_t>(pitch * sizeof(T) / 32);
            Add(yLocal, xLocal, bgLocal, cols, static_cast<uint8_t>(n / pitch), {1, 1, 1, stride, stride, stride});
        } else if (mode == 3) {
            SetVectorMask<T, MaskMode::NORMAL>(0, 1);
            Adds(yLocal, yLocal, static_cast<T>(0.0f), static_cast<int32_t>(n));
            Muls<T, false>(yLocal, xLocal, value, MASK_PLACEHOLDER, static_cast<uint8_t>(n / LANES), {1, 1, 8, 8});
        } else {
            SetMaskNorm();
            SetVectorMask<T, MaskMode::NORMAL>(len);
            Adds<T, false>(yLocal, xLocal, value, MASK_PLACEHOLDER, static_cast<uint8_t>(n / (2 * LANES)),
                           {2, 2, 16, 16});
            ResetMask();
        }
        outQueueY.EnQue<T>(yLocal);
        inQueueX.FreeTensor(xLocal);
        inQueueBg.FreeTensor(bgLocal);
        yLocal = outQueueY.DeQue<T>();
        DataCopy(yGm, yLocal, n);
        outQueueY.FreeTensor(yLocal);
    }

private:
    static constexpr uint32_t LANES = 256 / sizeof(T);

    TPipe pipe;
    TQue<QuePosition::VECIN, 1> inQueueX, inQueueBg;
    TQue<QuePosition::VECOUT, 1> outQueueY;
    GlobalTensor<T> xGm, bgGm, yGm;
    uint32_t n = 0;
};

extern "C" __global__ __aicore__ void masked_muls_half(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, float scale,
                                                       uint64_t maskLow, uint64_t maskHigh)
{
    const uint64_t bits[2] = {maskLow, maskHigh};
    KernelMasked<half> op;
    op.Init(x, bg, y, n);
    op.Process(0, static_cast<half>(scale), bits, 0, 0, 0);
}

extern "C" __global__ __aicore__ void masked_muls_float(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, float scale,
                                                        uint64_t maskLow)
{
    const uint64_t bits[2] = {maskLow, 0};
    KernelMasked<float> op;
    op.Init(x, bg, y, n);
    op.Process(0, scale, bits, 0, 0, 0);
}

extern "C" __global__ __aicore__ void rows_add_half(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, uint32_t cols,
                                                    uint32_t pitch)
{
    KernelMasked<half> op;
    op.Init(x, bg, y, n);
    op.Process(1, static_cast<half>(0.0f), nullptr, cols, pitch, 0);
}

extern "C" __global__ __aicore__ void rows_add_float(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, uint32_t cols,
                                                     uint32_t pitch)
{
    KernelMasked<float> op;
    op.Init(x, bg, y, n);
    op.Process(1, 0.0f, nullptr, cols, pitch, 0);
}

extern "C" __global__ __aicore__ void strided_adds_half(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, float value,
                                                        int32_t len)
{
    KernelMasked<half> op;
    op.Init(x, bg, y, n);
    op.Process(2, static_cast<half>(value), nullptr, 0, 0, len);
}

extern "C" __global__ __aicore__ void strided_adds_float(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, float value,
                                                         int32_t len)
{
    KernelMasked<float> op;
    op.Init(x, bg, y, n);
    op.Process(2, value, nullptr, 0, 0, len);
}

extern "C" __global__ __aicore__ void level2_reset_half(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, float scale)
{
    KernelMasked<half> op;
    op.Init(x, bg, y, n);
    op.Process(3, static_cast<half>(scale), nullptr, 0, 0, 0);
}

extern "C" __global__ __aicore__ void level2_reset_float(GM_ADDR x, GM_ADDR bg, GM_ADDR y, uint32_t n, float scale)
{
    KernelMasked<float> op;
    op.Init(x, bg, y, n);
    op.Process(3, scale, nullptr, 0, 0, 0);
}
