// Case 2 of the ascend-rs book, chapter 6: buffer overflow.
//
// LocalTensor::GetValue(i) and SetValue(i, v) do not check i on the NPU. This kernel clamps
// negative values element by element in a UB tile of TILE floats, but loops to `n`, which the host
// sets to the length of the whole input: past TILE it reads and writes whatever lies after the tile
// in the Unified Buffer (another buffer, or the next core's data).
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t TILE = 256;

extern "C" __global__ __aicore__ void clamp_tile(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> t = buf.Get<float>();
    DataCopy(t, xGm, TILE);
    PipeBarrier<PIPE_ALL>();
    for (uint32_t i = 0; i < n; ++i) {  // should be i < TILE
        float v = t.GetValue(i);  // BUG: i reaches TILE
        t.SetValue(i, v < 0 ? 0.0f : v);
    }
    PipeBarrier<PIPE_ALL>();
    DataCopy(yGm, t, TILE);
}
