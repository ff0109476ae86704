// Case 6 of the ascend-rs book, chapter 6: integer overflow.
//
// A 3-point stencil y[i] = x[i - 1] + x[i] + x[i + 1]: each block loads its tile with one element
// of halo on each side. x holds n + 1 elements (a right halo), but block 0's left halo starts at
// 0 - 1, which wraps to 4294967295 in uint32_t. On an NPU the DMA reads 16 GiB past x.
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t TILE = 256;
constexpr uint32_t HALO = 1;

extern "C" __global__ __aicore__ void stencil3(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> xb, yb;
    pipe.InitBuffer(xb, (TILE + 2 * HALO) * sizeof(float));
    pipe.InitBuffer(yb, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n + HALO);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> xt = xb.Get<float>();
    LocalTensor<float> yt = yb.Get<float>();
    uint32_t start = GetBlockIdx() * TILE;
    uint32_t first = start - HALO;  // 4294967295 for block 0
    DataCopyExtParams params{1, static_cast<uint32_t>((TILE + 2 * HALO) * sizeof(float)), 0, 0, 0};
    DataCopyPad(xt, xGm[first], params, {false, 0, 0, 0.0f});  // BUG: wrapped offset
    PipeBarrier<PIPE_ALL>();
    for (uint32_t i = 0; i < TILE; ++i) {
        yt.SetValue(i, xt.GetValue(i) + xt.GetValue(i + 1) + xt.GetValue(i + 2));
    }
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm[start], yt, TILE);
}
// ascendc-check: 910B (DataCopyPad; the simulator refuses it on 310P, as CANN does)
