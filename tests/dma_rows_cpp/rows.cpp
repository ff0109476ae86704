// Rows of a matrix moved by hand in one DMA each (tests/test_dma_rows.py).
//  * block_rows: the strided DataCopy (DataCopyParams, lengths and gaps in 32-byte blocks): 910B and 310P.
//  * pad_rows: DataCopyPad with DataCopyExtParams (blockLen and the GM gap in bytes, the UB gap in blocks)
//    and a left padding of one zero: 910B only; the simulator refuses it on 310P, as CANN 8.1 does.
#include "kernel_operator.h"
using namespace AscendC;

// y[r, 0:64] = x[r, 8:72] for r < rows (rows <= 16); x has 80 columns, y 64.
extern "C" __global__ __aicore__ void block_rows(GM_ADDR x, GM_ADDR y, uint32_t rows)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 16 * 64 * sizeof(float));
    GlobalTensor<float> xGm;
    GlobalTensor<float> yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x);
    yGm.SetGlobalBuffer((__gm__ float*)y);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t, xGm[8], DataCopyParams(static_cast<uint16_t>(rows), 8, 2, 0));  // 64 floats a row, GM gap 16
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, DataCopyParams(static_cast<uint16_t>(rows), 8, 0, 0));
}

// y[r, :] = [0, x[r, 0:cols]] for r < rows (rows <= 16, cols <= 63); x has ld columns, y cols + 1.
extern "C" __global__ __aicore__ void pad_rows(GM_ADDR x, GM_ADDR y, uint32_t rows, uint32_t cols, uint32_t ld)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 16 * 64 * sizeof(float));
    GlobalTensor<float> xGm;
    GlobalTensor<float> yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x);
    yGm.SetGlobalBuffer((__gm__ float*)y);
    LocalTensor<float> t = buf.Get<float>();
    DataCopyExtParams in{static_cast<uint16_t>(rows), cols * 4, (ld - cols) * 4, 0, 0};
    DataCopyPad(t, xGm, in, DataCopyPadExtParams<float>{true, 1, 0, 0.0f});  // BUG pad_rows
    PipeBarrier<PIPE_ALL>();
    DataCopyPad(yGm, t, DataCopyExtParams{static_cast<uint16_t>(rows), (cols + 1) * 4, 0, 0, 0});
}
// ascendc-check: 910B (DataCopyPad; the simulator refuses it on 310P, as CANN does)
