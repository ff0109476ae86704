// Case 4 of the ascend-rs book, chapter 6: missing synchronisation.
//
// With TBuf (no queue), the kernel author orders the pipes by hand. The DMA loads run on MTE2,
// the Add on the vector pipe V, the store on MTE3: all three run concurrently on an NPU. Without
// SetFlag/WaitFlag<HardEvent::MTE2_V> before the Add and <HardEvent::V_MTE3> before the store, the
// Add may read the tiles before the loads have written them, and the store may read z before the
// Add has written it. Results are wrong, and differ from run to run.
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t TILE = 1024;

extern "C" __global__ __aicore__ void add_nosync(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t n)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> xb, yb;
    pipe.InitBuffer(xb, TILE * sizeof(float));
    pipe.InitBuffer(yb, TILE * sizeof(float));
    GlobalTensor<float> xGm, yGm, zGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    zGm.SetGlobalBuffer((__gm__ float*)z, n);
    LocalTensor<float> xt = xb.Get<float>();
    LocalTensor<float> yt = yb.Get<float>();
    DataCopy(xt, xGm, n);
    DataCopy(yt, yGm, n);
    // missing: SetFlag<HardEvent::MTE2_V>(id); WaitFlag<HardEvent::MTE2_V>(id);
    Add(xt, xt, yt, n);  // BUG: races with the two DataCopy above
    // missing: SetFlag<HardEvent::V_MTE3>(id); WaitFlag<HardEvent::V_MTE3>(id);
    DataCopy(zGm, xt, n);
}
