// Mix (AIC + AIV) kernels for tests/test_sim_mix.py: the cores of a group hand data to each other through a
// global-memory workspace, ordered by the cross-core flags (CrossCoreSetFlag/CrossCoreWaitFlag). The AIC side
// uses scalar GlobalTensor accesses only (the cube data path is tested elsewhere); the AIVs use DataCopy and
// vector ops. TILE elements per AIV; GetBlockIdx() on an AIV is block * 2 + sub-block.
#include "kernel_operator.h"
using namespace AscendC;

constexpr int32_t TILE = 256;

// AIC -> AIVs (mode 2): the AIC of block b writes ws = x * x over its group's 2 * TILE elements and sets flag 0;
// each AIV waits for it and computes y = ws + x over its own tile.
extern "C" __global__ __aicore__ void aic_to_aiv(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    if ASCEND_IS_AIC {
        GlobalTensor<float> xg, wg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * 2 * TILE, 2 * TILE);
        wg.SetGlobalBuffer((__gm__ float*)ws + GetBlockIdx() * 2 * TILE, 2 * TILE);
        for (int32_t i = 0; i < 2 * TILE; ++i) {
            const float v = xg.GetValue(i);
            wg.SetValue(i, v * v);
        }
        CrossCoreSetFlag<2, PIPE_FIX>(0);
    }
    if ASCEND_IS_AIV {
        TPipe pipe;
        TBuf<TPosition::VECCALC> a, b;
        pipe.InitBuffer(a, TILE * sizeof(float));
        pipe.InitBuffer(b, TILE * sizeof(float));
        GlobalTensor<float> xg, wg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * TILE, TILE);
        wg.SetGlobalBuffer((__gm__ float*)ws + GetBlockIdx() * TILE, TILE);
        yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * TILE, TILE);
        LocalTensor<float> ta = a.Get<float>();
        LocalTensor<float> tb = b.Get<float>();
        DataCopy(ta, xg, TILE);
        CrossCoreWaitFlag(0);
        DataCopy(tb, wg, TILE);
        SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
        Add(tb, tb, ta, TILE);
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(yg, tb, TILE);
    }
}

// AIVs -> AIC (mode 2): each AIV writes ws = x + 1 over its tile and sets flag 1; the AIC waits until both have,
// sums its group's 2 * TILE values and writes out[block]. Then the AIC sets flag 2 back and each AIV copies the
// sum into y[GetBlockIdx()] (a round trip).
extern "C" __global__ __aicore__ void aiv_to_aic(GM_ADDR x, GM_ADDR ws, GM_ADDR out, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    if ASCEND_IS_AIV {
        TPipe pipe;
        TBuf<TPosition::VECCALC> a;
        pipe.InitBuffer(a, TILE * sizeof(int32_t));
        GlobalTensor<int32_t> xg, wg;
        xg.SetGlobalBuffer((__gm__ int32_t*)x + GetBlockIdx() * TILE, TILE);
        wg.SetGlobalBuffer((__gm__ int32_t*)ws + GetBlockIdx() * TILE, TILE);
        LocalTensor<int32_t> t = a.Get<int32_t>();
        DataCopy(t, xg, TILE);
        SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
        Adds(t, t, 1, TILE);
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(wg, t, TILE);
        CrossCoreSetFlag<2, PIPE_MTE3>(1);
        CrossCoreWaitFlag(2);
        GlobalTensor<int32_t> og, yg;
        og.SetGlobalBuffer((__gm__ int32_t*)out, GetBlockNum());
        yg.SetGlobalBuffer((__gm__ int32_t*)y, 2 * GetBlockNum());
        yg.SetValue(GetBlockIdx(), og.GetValue(GetBlockIdx() / 2));
    }
    if ASCEND_IS_AIC {
        CrossCoreWaitFlag(1);
        GlobalTensor<int32_t> wg, og;
        wg.SetGlobalBuffer((__gm__ int32_t*)ws + GetBlockIdx() * 2 * TILE, 2 * TILE);
        og.SetGlobalBuffer((__gm__ int32_t*)out, GetBlockNum());
        int32_t sum = 0;
        for (int32_t i = 0; i < 2 * TILE; ++i) sum += wg.GetValue(i);
        og.SetValue(GetBlockIdx(), sum);
        CrossCoreSetFlag<2, PIPE_FIX>(2);
    }
}

// Mode 1 (the two AIVs of a group) and mode 0 (every AIV, and every AIC, of the launch). Each AIV writes ws = x * 2
// over its tile; after a mode-1 sync it adds its partner's tile (y = 2x + 2x'), after a mode-0 sync it copies the
// next AIV's ws into z (rotating over the launch). Each AIC writes its block index into ids[block] and, after a
// mode-0 sync among the AICs, ids[n + block] = ids[(block + 1) % n].
extern "C" __global__ __aicore__ void modes_0_1(GM_ADDR x, GM_ADDR ws, GM_ADDR y, GM_ADDR z, GM_ADDR ids)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    if ASCEND_IS_AIV {
        const int64_t me = GetBlockIdx();
        const int64_t partner = me ^ 1;
        const int64_t next = (me + 1) % (2 * GetBlockNum());
        TPipe pipe;
        TBuf<TPosition::VECCALC> a, b;
        pipe.InitBuffer(a, TILE * sizeof(float));
        pipe.InitBuffer(b, TILE * sizeof(float));
        GlobalTensor<float> xg, mine, other, nextg, yg, zg;
        xg.SetGlobalBuffer((__gm__ float*)x + me * TILE, TILE);
        mine.SetGlobalBuffer((__gm__ float*)ws + me * TILE, TILE);
        other.SetGlobalBuffer((__gm__ float*)ws + partner * TILE, TILE);
        nextg.SetGlobalBuffer((__gm__ float*)ws + next * TILE, TILE);
        yg.SetGlobalBuffer((__gm__ float*)y + me * TILE, TILE);
        zg.SetGlobalBuffer((__gm__ float*)z + me * TILE, TILE);
        LocalTensor<float> ta = a.Get<float>();
        LocalTensor<float> tb = b.Get<float>();
        DataCopy(ta, xg, TILE);
        SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
        Muls(ta, ta, 2.0f, TILE);
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(mine, ta, TILE);
        CrossCoreSetFlag<1, PIPE_MTE3>(3);
        CrossCoreWaitFlag(3);
        DataCopy(tb, other, TILE);
        SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
        Add(tb, tb, ta, TILE);
        SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
        DataCopy(yg, tb, TILE);
        CrossCoreSetFlag<0, PIPE_MTE3>(4);
        CrossCoreWaitFlag(4);
        SetFlag<HardEvent::MTE3_MTE2>(EVENT_ID0);
        WaitFlag<HardEvent::MTE3_MTE2>(EVENT_ID0);
        DataCopy(ta, nextg, TILE);
        SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
        DataCopy(zg, ta, TILE);
    }
    if ASCEND_IS_AIC {
        const int64_t n = GetBlockNum();
        GlobalTensor<int32_t> ig;
        ig.SetGlobalBuffer((__gm__ int32_t*)ids, 2 * n);
        ig.SetValue(GetBlockIdx(), static_cast<int32_t>(GetBlockIdx()) * 10 + 7);
        CrossCoreSetFlag<0, PIPE_FIX>(3);
        CrossCoreWaitFlag(3);
        ig.SetValue(n + GetBlockIdx(), ig.GetValue((GetBlockIdx() + 1) % n));
    }
}

// Mode 0 among the AIVs of a KERNEL_TYPE_MIX_AIV_1_0 kernel (AIVs only, with the cross-core scheduler): each
// block writes x + block into ws, then, after every block has, copies the previous block's ws into y.
extern "C" __global__ __aicore__ void aiv_only_mode0(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    const int64_t me = GetBlockIdx();
    const int64_t prev = (me + GetBlockNum() - 1) % GetBlockNum();
    TPipe pipe;
    TBuf<TPosition::VECCALC> a;
    pipe.InitBuffer(a, TILE * sizeof(float));
    GlobalTensor<float> xg, mine, prevg, yg;
    xg.SetGlobalBuffer((__gm__ float*)x + me * TILE, TILE);
    mine.SetGlobalBuffer((__gm__ float*)ws + me * TILE, TILE);
    prevg.SetGlobalBuffer((__gm__ float*)ws + prev * TILE, TILE);
    yg.SetGlobalBuffer((__gm__ float*)y + me * TILE, TILE);
    LocalTensor<float> t = a.Get<float>();
    DataCopy(t, xg, TILE);
    SetFlag<HardEvent::MTE2_V>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);
    Adds(t, t, static_cast<float>(me), TILE);
    SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
    DataCopy(mine, t, TILE);
    CrossCoreSetFlag<0, PIPE_MTE3>(0);
    CrossCoreWaitFlag(0);
    SetFlag<HardEvent::MTE3_MTE2>(EVENT_ID0);
    WaitFlag<HardEvent::MTE3_MTE2>(EVENT_ID0);
    DataCopy(t, prevg, TILE);
    SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    DataCopy(yg, t, TILE);
}
// ascendc-check: 910B
