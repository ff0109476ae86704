// SyncAll for tests/test_cross_block.py: the hardware form in a vector kernel of the mix type 1:0 (910B), the
// software form on both SoCs, making every block's GM writes visible to block 0. Each block handles TILE
// elements of x at x + GetBlockIdx() * TILE.
#include "kernel_operator.h"
using namespace AscendC;

constexpr int32_t TILE = 256;

// Each block writes the sum of its tile (in float, in order) to part[block * 8] by DMA; after the SyncAll block 0
// reads every partial back by DMA and writes their sum, in block order, to y[0].
template <bool SOFT>
__aicore__ inline void partials(GM_ADDR x, GM_ADDR part, GM_ADDR ws, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> xb, pb, wb;
    const int32_t blocks = GetBlockNum();
    pipe.InitBuffer(xb, TILE * sizeof(float));
    pipe.InitBuffer(pb, 64 * 8 * sizeof(float));
    pipe.InitBuffer(wb, 64 * 8 * sizeof(int32_t));
    LocalTensor<float> xt = xb.Get<float>(), pt = pb.Get<float>();
    GlobalTensor<float> xg, pg, yg;
    xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * TILE, TILE);
    pg.SetGlobalBuffer((__gm__ float*)part, blocks * 8);
    yg.SetGlobalBuffer((__gm__ float*)y, 8);
    DataCopy(xt, xg, TILE);
    SetFlag<HardEvent::MTE2_S>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_S>(EVENT_ID0);
    float s = 0;
    for (int32_t i = 0; i < TILE; ++i) s += xt.GetValue(i);
    for (int32_t i = 0; i < 8; ++i) pt.SetValue(i, i == 0 ? s : 0.0f);
    SetFlag<HardEvent::S_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::S_MTE3>(EVENT_ID0);
    DataCopy(pg[GetBlockIdx() * 8], pt, 8);
    if constexpr (SOFT) {
        GlobalTensor<int32_t> wg;
        wg.SetGlobalBuffer((__gm__ int32_t*)ws, blocks * 8);
        SyncAll(wg, wb.Get<int32_t>());
    } else {
        SyncAll();
    }
    if (GetBlockIdx() != 0) return;
    DataCopy(pt, pg, blocks * 8);
    SetFlag<HardEvent::MTE2_S>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_S>(EVENT_ID0);
    float total = 0;
    for (int32_t b = 0; b < blocks; ++b) total += pt.GetValue(b * 8);
    for (int32_t i = 0; i < 8; ++i) pt.SetValue(i, i == 0 ? total : 0.0f);
    SetFlag<HardEvent::S_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::S_MTE3>(EVENT_ID0);
    DataCopy(yg, pt, 8);
}

// The hardware SyncAll: a vector kernel declares the mix type 1:0 (CANN's SyncAll documentation), 910B only.
extern "C" __global__ __aicore__ void sync_hard(GM_ADDR x, GM_ADDR part, GM_ADDR ws, GM_ADDR y)
{
#if __CCE_AICORE__ == 220
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
#endif
    partials<false>(x, part, ws, y);
}

// The software SyncAll through a zeroed GM workspace (910B and 310P).
extern "C" __global__ __aicore__ void sync_soft(GM_ADDR x, GM_ADDR part, GM_ADDR ws, GM_ADDR y)
{
    partials<true>(x, part, ws, y);
}
// ascendc-check: 910B 310P
