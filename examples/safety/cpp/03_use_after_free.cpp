// Case 3 of the ascend-rs book, chapter 6: use after free.
//
// FreeTensor gives the tile's buffer back to its queue while the LocalTensor `x` still points at
// it. The next AllocTensor hands the same buffer to the next tile's DMA, so the kernel reads data
// that is being overwritten.
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t TILE = 256;

extern "C" __global__ __aicore__ void scale_uaf(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 1> inQue;
    TQue<TPosition::VECOUT, 1> outQue;
    pipe.InitBuffer(inQue, 1, TILE * sizeof(float));
    pipe.InitBuffer(outQue, 1, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    for (uint32_t off = 0; off < n; off += TILE) {
        LocalTensor<float> in = inQue.AllocTensor<float>();
        DataCopy(in, xGm[off], TILE);
        inQue.EnQue(in);
        LocalTensor<float> x = inQue.DeQue<float>();
        inQue.FreeTensor(x);  // freed too early: moved up from the end of the loop
        LocalTensor<float> y = outQue.AllocTensor<float>();
        Muls(y, x, 2.0f, TILE);  // BUG: x's buffer was freed
        outQue.EnQue(y);
        y = outQue.DeQue<float>();
        DataCopy(yGm[off], y, TILE);
        outQue.FreeTensor(y);
    }
}
