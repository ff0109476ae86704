// Kernels whose verdict depends on the SoC (tests/test_faults.py runs them on 910B and 310P).
// `// BUG <kernel>` marks the line the simulator must name on the SoC where it is a bug.
#include "kernel_operator.h"

using namespace AscendC;

// y = 2 x with double-buffered in/out queues of `tile` floats each: 4 x tile x 4 bytes of UB.
// tile = 14336 needs 224 KiB: more than a 910B's 192 KiB UB, less than a 310P's 256 KiB.
extern "C" __global__ __aicore__ void ub_budget(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tile)
{
    TPipe pipe;
    TQue<TPosition::VECIN, 2> inQue;
    TQue<TPosition::VECOUT, 2> outQue;
    pipe.InitBuffer(inQue, 2, tile * sizeof(float));
    pipe.InitBuffer(outQue, 2, tile * sizeof(float));  // BUG ub_budget
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    for (uint32_t off = 0; off < n; off += tile) {
        LocalTensor<float> a = inQue.AllocTensor<float>();
        DataCopy(a, xGm[off], tile);
        inQue.EnQue(a);
        LocalTensor<float> b = inQue.DeQue<float>();
        LocalTensor<float> c = outQue.AllocTensor<float>();
        Muls(c, b, 2.0f, tile);
        outQue.EnQue(c);
        inQue.FreeTensor(b);
        LocalTensor<float> d = outQue.DeQue<float>();
        DataCopy(yGm[off], d, tile);
        outQue.FreeTensor(d);
    }
}

// Copies n floats (any n) with DataCopyPad: fine on 910B, an API the 310P does not have.
extern "C" __global__ __aicore__ void pad_copy(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 256 * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> t = buf.Get<float>();
    for (uint32_t off = 0; off < n; off += 256) {
        uint32_t cnt = n - off < 256 ? n - off : 256;
        DataCopyPad(t, xGm[off], {1, static_cast<uint32_t>(cnt * sizeof(float)), 0, 0, 0},  // BUG pad_copy
                    {false, 0, 0, 0.0f});
        PipeBarrier<PIPE_ALL>();
        DataCopyPad(yGm[off], t, {1, static_cast<uint32_t>(cnt * sizeof(float)), 0, 0, 0});
        PipeBarrier<PIPE_ALL>();
    }
}
// ascendc-check: 910B (DataCopyPad; the simulator refuses it on 310P, as CANN does)
