// Planted cross-block bugs for tests/test_cross_block.py, one per kernel, on the line marked `// BUG name`.
// Built with -DFIXED each kernel is correct on 910B: every block adds 1 to each of y[0:8] (y ends at the
// number of blocks), and the blocks meet in their SyncAll.
#include "kernel_operator.h"
using namespace AscendC;

// Adds 1.0f to each of y[0:8] from this block, with the atomic add (switched off again unless `leave_on`).
__aicore__ inline void add_ones(TPipe& pipe, GM_ADDR y, bool leave_on)
{
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 32);
    LocalTensor<float> t = buf.Get<float>();
    for (int32_t i = 0; i < 8; ++i) t.SetValue(i, 1.0f);
    SetFlag<HardEvent::S_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::S_MTE3>(EVENT_ID0);
    GlobalTensor<float> yg;
    yg.SetGlobalBuffer((__gm__ float*)y, 8);
    SetAtomicAdd<float>();  // BUG atomic_left_on
    DataCopy(yg, t, 8);
    if (!leave_on) SetAtomicNone();
}

// Block 3 returns before the SyncAll the others wait at.
extern "C" __global__ __aicore__ void skip_sync(GM_ADDR y, GM_ADDR ws)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    (void)ws;
    TPipe pipe;
    add_ones(pipe, y, false);
#ifndef FIXED
    if (GetBlockIdx() == 3) return;
#endif
    SyncAll();  // BUG skip_sync
}

// Block 0 calls the software SyncAll twice, the others once.
extern "C" __global__ __aicore__ void soft_twice(GM_ADDR y, GM_ADDR ws)
{
    TPipe pipe;
    add_ones(pipe, y, false);
    TBuf<TPosition::VECCALC> wb;
    pipe.InitBuffer(wb, 64 * 32);
    GlobalTensor<int32_t> wg;
    wg.SetGlobalBuffer((__gm__ int32_t*)ws, GetBlockNum() * 8);
    SyncAll(wg, wb.Get<int32_t>());
#ifndef FIXED
    if (GetBlockIdx() == 0) {
        SyncAll(wg, wb.Get<int32_t>());  // BUG soft_twice
    }
#endif
}

// The atomic add stays on when the kernel returns.
extern "C" __global__ __aicore__ void atomic_left_on(GM_ADDR y, GM_ADDR ws)
{
    (void)ws;
    TPipe pipe;
#ifdef FIXED
    add_ones(pipe, y, false);
#else
    add_ones(pipe, y, true);
#endif
}

// The hardware SyncAll in an AIV-only kernel: the NPU starts no cross-core scheduler for it (it hangs). Fixed: the
// software SyncAll, which needs none.
extern "C" __global__ __aicore__ void hard_in_aiv_only(GM_ADDR y, GM_ADDR ws)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    TPipe pipe;
    add_ones(pipe, y, false);
#ifdef FIXED
    TBuf<TPosition::VECCALC> wb;
    pipe.InitBuffer(wb, 64 * 32);
    GlobalTensor<int32_t> wg;
    wg.SetGlobalBuffer((__gm__ int32_t*)ws, GetBlockNum() * 8);
    SyncAll(wg, wb.Get<int32_t>());
#else
    (void)ws;
    SyncAll();  // BUG hard_in_aiv_only
#endif
}

// int32_t store atomics (310P has only float, half and int16_t; 910B has them).
extern "C" __global__ __aicore__ void atomic_i32(GM_ADDR y, GM_ADDR ws)
{
    (void)ws;
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 32);
    LocalTensor<int32_t> t = buf.Get<int32_t>();
    for (int32_t i = 0; i < 8; ++i) t.SetValue(i, 1);
    SetFlag<HardEvent::S_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::S_MTE3>(EVENT_ID0);
    GlobalTensor<int32_t> yg;
    yg.SetGlobalBuffer((__gm__ int32_t*)y, 8);
    SetAtomicAdd<int32_t>();  // BUG atomic_i32
    DataCopy(yg, t, 8);
    SetAtomicNone();
}
// ascendc-check: 910B
