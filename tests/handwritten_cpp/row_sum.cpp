// Row sums with WholeReduceSum, written the way hand-written AscendC kernels are: a KernelRowSum class with
// Init/Process, TPipe/TQue double buffering, GM_ADDR arguments and the tiling as scalars.
//
// x is [rows, pitch] (row-major, `pitch` elements per row, a whole number of 32-byte blocks), y gets one sum
// per row. Tiles of `tileRows` rows are dealt round-robin to the blocks; one WholeReduceSum per tile sums
// the first `cols` lanes of each row (one row = one repeat, srcRepStride = the row pitch in blocks, one
// result per repeat: dstRepStride 1). y is padded to whole tiles. The _bits variants sum the lanes a
// `uint64_t mask[2]` bit mask selects instead.
#include "kernel_operator.h"

using namespace AscendC;

constexpr int32_t BUFFER_NUM = 2;

template <typename T>
class KernelRowSum {
public:
    __aicore__ inline KernelRowSum() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, uint32_t rows, uint32_t cols, uint32_t pitch,
                                uint32_t tileRows)
    {
        ASSERT(cols <= 256 / sizeof(T) && "a row must fit one repeat");
        ASSERT(pitch * sizeof(T) % 32 == 0);
        this->rows = rows;
        this->cols = cols;
        this->pitch = pitch;
        this->tileRows = tileRows;
        xGm.SetGlobalBuffer((__gm__ T*)x, rows * pitch);
        yGm.SetGlobalBuffer((__gm__ T*)y, (rows + tileRows - 1) / tileRows * tileRows);
        pipe.InitBuffer(inQueueX, BUFFER_NUM, tileRows * pitch * sizeof(T));
        pipe.InitBuffer(outQueueY, BUFFER_NUM, tileRows * sizeof(T));
    }
    __aicore__ inline void Process(const uint64_t* bits)
    {
        uint32_t tiles = (rows + tileRows - 1) / tileRows;
        for (uint32_t t = GetBlockIdx(); t < tiles; t += GetBlockNum()) {
            uint32_t n = rows - t * tileRows < tileRows ? rows - t * tileRows : tileRows;
            CopyIn(t, n);
            Compute(n, bits);
            CopyOut(t);
        }
    }

private:
    __aicore__ inline void CopyIn(uint32_t t, uint32_t n)
    {
        LocalTensor<T> xLocal = inQueueX.AllocTensor<T>();
        DataCopy(xLocal, xGm[t * tileRows * pitch], n * pitch);
        inQueueX.EnQue(xLocal);
    }
    __aicore__ inline void Compute(uint32_t n, const uint64_t* bits)
    {
        LocalTensor<T> xLocal = inQueueX.DeQue<T>();
        LocalTensor<T> yLocal = outQueueY.AllocTensor<T>();
        const int32_t srcRepStride = static_cast<int32_t>(pitch * sizeof(T) / 32);
        if (bits == nullptr) {
            WholeReduceSum<T>(yLocal, xLocal, static_cast<int32_t>(cols), static_cast<int32_t>(n), 1, 1,
                              srcRepStride);
        } else {
            WholeReduceSum<T>(yLocal, xLocal, bits, static_cast<int32_t>(n), 1, 1, srcRepStride);
        }
        outQueueY.EnQue<T>(yLocal);
        inQueueX.FreeTensor(xLocal);
    }
    __aicore__ inline void CopyOut(uint32_t t)
    {
        LocalTensor<T> yLocal = outQueueY.DeQue<T>();
        DataCopy(yGm[t * tileRows], yLocal, tileRows);
        outQueueY.FreeTensor(yLocal);
    }

    TPipe pipe;
    TQue<QuePosition::VECIN, BUFFER_NUM> inQueueX;
    TQue<QuePosition::VECOUT, BUFFER_NUM> outQueueY;
    GlobalTensor<T> xGm, yGm;
    uint32_t rows = 0, cols = 0, pitch = 0, tileRows = 0;
};

extern "C" __global__ __aicore__ void row_sum_half(GM_ADDR x, GM_ADDR y, uint32_t rows, uint32_t cols,
                                                   uint32_t pitch, uint32_t tileRows)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    KernelRowSum<half> op;
    op.Init(x, y, rows, cols, pitch, tileRows);
    op.Process(nullptr);
}

extern "C" __global__ __aicore__ void row_sum_float(GM_ADDR x, GM_ADDR y, uint32_t rows, uint32_t cols,
                                                    uint32_t pitch, uint32_t tileRows)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    KernelRowSum<float> op;
    op.Init(x, y, rows, cols, pitch, tileRows);
    op.Process(nullptr);
}

extern "C" __global__ __aicore__ void row_sum_bits_half(GM_ADDR x, GM_ADDR y, uint32_t rows, uint32_t pitch,
                                                        uint32_t tileRows, uint64_t maskLow, uint64_t maskHigh)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    const uint64_t mask[2] = {maskLow, maskHigh};
    KernelRowSum<half> op;
    op.Init(x, y, rows, pitch, pitch, tileRows);
    op.Process(mask);
}

extern "C" __global__ __aicore__ void row_sum_bits_float(GM_ADDR x, GM_ADDR y, uint32_t rows, uint32_t pitch,
                                                         uint32_t tileRows, uint64_t maskLow)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    const uint64_t mask[2] = {maskLow, 0};
    KernelRowSum<float> op;
    op.Init(x, y, rows, pitch, pitch, tileRows);
    op.Process(mask);
}
