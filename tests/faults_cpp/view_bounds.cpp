// Kernels launched on views buf[a:b] of a larger buffer (tests/test_view_bounds.py). Each is correct
// when the views it is given are large enough; the tests plant the bug by passing a view too small
// (or too many blocks), and the simulator must name the `// BUG <kernel>` line and the view.
#include "kernel_operator.h"

using namespace AscendC;

// y[i] = 2 x[i], `per` elements per block, block b at element b * per of both: with more blocks
// than the views hold, a block's tensors start past the end of y's view.
extern "C" __global__ __aicore__ void double_blocks(GM_ADDR x, GM_ADDR y, uint32_t per)
{
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * per, per);
    yGm.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * per, per);
    for (uint32_t i = 0; i < per; ++i) {
        yGm.SetValue(i, xGm.GetValue(i) * 2.0f);  // BUG double_blocks
    }
}

// Copies n elements (a multiple of 8) of x into y through the Unified Buffer; the load is checked.
extern "C" __global__ __aicore__ void view_load(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, n * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t, xGm, n);  // BUG view_load
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, n);
}

// The same, for a view too small on the store side.
extern "C" __global__ __aicore__ void view_store(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, n * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t, xGm, n);
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, n);  // BUG view_store
}
