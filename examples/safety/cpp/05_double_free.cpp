// Case 5 of the ascend-rs book, chapter 6: double free.
//
// A clean-up for the last tile, added in a refactoring, frees the input tile early; the loop's
// own FreeTensor frees it again. On an NPU the queue now counts the buffer as free twice: two later
// AllocTensor calls get the same buffer, and two tiles overwrite each other.
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t TILE = 256;

extern "C" __global__ __aicore__ void relu_double_free(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 2> inQue;
    TQue<TPosition::VECOUT, 2> outQue;
    pipe.InitBuffer(inQue, 2, TILE * sizeof(float));
    pipe.InitBuffer(outQue, 2, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    for (uint32_t off = 0; off < n; off += TILE) {
        LocalTensor<float> in = inQue.AllocTensor<float>();
        DataCopy(in, xGm[off], TILE);
        inQue.EnQue(in);
        LocalTensor<float> x = inQue.DeQue<float>();
        LocalTensor<float> y = outQue.AllocTensor<float>();
        Relu(y, x, TILE);
        if (off + TILE >= n) {
            inQue.FreeTensor(x);  // the last tile's input is released here ...
        }
        outQue.EnQue(y);
        inQue.FreeTensor(x);  // BUG: ... and again here
        y = outQue.DeQue<float>();
        DataCopy(yGm[off], y, TILE);
        outQue.FreeTensor(y);
    }
}
