// Planted cross-core flag bugs for tests/test_sim_mix.py, one per kernel, on the line marked `// BUG name` (and,
// where the report names a second place, `// OTHER name`). Built with -DFIXED each kernel but no_scheduler is
// correct: it must run and compute y = x (each AIV copies its tile once the flags say the workspace is ready).
#include "kernel_operator.h"
using namespace AscendC;

constexpr int32_t TILE = 64;

// The AIV half every kernel here shares: wait for `flag` (`times` times), then copy the AIC's workspace tile to y.
__aicore__ inline void aiv_copy(GM_ADDR ws, GM_ADDR y, uint16_t flag, int32_t times)
{
    for (int32_t i = 0; i < times; ++i) {
        CrossCoreWaitFlag(flag);  // BUG missing_set
    }
    GlobalTensor<float> wg, yg;
    wg.SetGlobalBuffer((__gm__ float*)ws + GetBlockIdx() * TILE, TILE);
    yg.SetGlobalBuffer((__gm__ float*)y + GetBlockIdx() * TILE, TILE);
    for (int32_t i = 0; i < TILE; ++i) yg.SetValue(i, wg.GetValue(i));
}

// The AIC half: ws = x over its group's two tiles.
__aicore__ inline void aic_fill(GM_ADDR x, GM_ADDR ws, int32_t extra)
{
    GlobalTensor<float> xg, wg;
    xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * 2 * TILE, 2 * TILE);
    wg.SetGlobalBuffer((__gm__ float*)ws + GetBlockIdx() * 2 * TILE, 2 * TILE);
    for (int32_t i = 0; i < 2 * TILE; ++i) wg.SetValue(i, xg.GetValue(i + extra));  // BUG read_past_end
}

// The AIC forgets to tell its AIVs the workspace is ready: both wait forever.
extern "C" __global__ __aicore__ void missing_set(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    if ASCEND_IS_AIC {
        aic_fill(x, ws, 0);
#ifdef FIXED
        CrossCoreSetFlag<2, PIPE_FIX>(0);
#endif
    }
    if ASCEND_IS_AIV {
        aiv_copy(ws, y, 0, 1);
    }
}

// The AIC sets flag 1, the AIVs wait for flag 0.
extern "C" __global__ __aicore__ void wrong_flag(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
#ifdef FIXED
    constexpr uint16_t READY = 0;
#else
    constexpr uint16_t READY = 1;
#endif
    if ASCEND_IS_AIC {
        aic_fill(x, ws, 0);
        CrossCoreSetFlag<2, PIPE_FIX>(READY);  // OTHER wrong_flag
    }
    if ASCEND_IS_AIV {
        CrossCoreWaitFlag(0);  // BUG wrong_flag
        aiv_copy(ws, y, 0, 0);
    }
}

// The AIC sets flag 0 sixteen times before its AIVs consume any (they first wait for flag 5, set last): a
// core's flag counts at most 15.
extern "C" __global__ __aicore__ void overflow(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
#ifdef FIXED
    constexpr int32_t SETS = 15;
#else
    constexpr int32_t SETS = 16;
#endif
    if ASCEND_IS_AIC {
        aic_fill(x, ws, 0);
        for (int32_t i = 0; i < SETS; ++i) {
            CrossCoreSetFlag<2, PIPE_FIX>(0);  // BUG overflow
        }
        CrossCoreSetFlag<2, PIPE_FIX>(5);
    }
    if ASCEND_IS_AIV {
        CrossCoreWaitFlag(5);
        aiv_copy(ws, y, 0, SETS);
    }
}

// Mode 1: AIV 0 sets flag 2 sixteen times, AIV 1 never: the scheduler holds AIV 0's sets until its partner's
// arrive, and holds at most 15. Fixed, both AIVs set and wait each round.
extern "C" __global__ __aicore__ void held_overflow(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    if ASCEND_IS_AIC {
        aic_fill(x, ws, 0);
        CrossCoreSetFlag<2, PIPE_FIX>(0);
    }
    if ASCEND_IS_AIV {
#ifdef FIXED
        for (int32_t i = 0; i < 16; ++i) {
            CrossCoreSetFlag<1, PIPE_MTE3>(2);
            CrossCoreWaitFlag(2);
        }
#else
        if (GetSubBlockIdx() == 0) {
            for (int32_t i = 0; i < 16; ++i) {
                CrossCoreSetFlag<1, PIPE_MTE3>(2);  // BUG held_overflow
            }
        }
#endif
        aiv_copy(ws, y, 0, 1);
    }
}

// The AIC of the last block reads past the end of x before it sets the flag its AIVs wait for: that fault is the
// launch's, not a deadlock, and the waiting AIVs are released.
extern "C" __global__ __aicore__ void read_past_end(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    if ASCEND_IS_AIC {
#ifdef FIXED
        aic_fill(x, ws, 0);
#else
        aic_fill(x, ws, GetBlockIdx() == GetBlockNum() - 1 ? 1 : 0);
#endif
        CrossCoreSetFlag<2, PIPE_FIX>(0);
    }
    if ASCEND_IS_AIV {
        aiv_copy(ws, y, 0, 1);
    }
}

// The AIC spins (reading x) until stop[0] is nonzero, which nothing sets: its AIVs stay blocked in
// CrossCoreWaitFlag until aclrtStreamAbort cancels the launch. Fixed, stop[0] is 1 from the start.
extern "C" __global__ __aicore__ void spin_then_set(GM_ADDR x, GM_ADDR ws, GM_ADDR y, GM_ADDR stop)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    if ASCEND_IS_AIC {
        GlobalTensor<int32_t> sg;
        sg.SetGlobalBuffer((__gm__ int32_t*)stop, 8);
        while (sg.GetValue(0) == 0) {
        }
        aic_fill(x, ws, 0);
        CrossCoreSetFlag<2, PIPE_FIX>(0);
    }
    if ASCEND_IS_AIV {
        aiv_copy(ws, y, 0, 1);
    }
}

// Mode 0 needs every AIV of the launch running at once; a KERNEL_TYPE_MIX_AIV_1_0 launch of more blocks than the
// SoC has AIVs runs in waves, so the first wave waits for blocks that cannot start (launched with too many blocks).
extern "C" __global__ __aicore__ void all_aivs(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);
    GlobalTensor<float> xg, wg;
    xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * TILE, TILE);
    wg.SetGlobalBuffer((__gm__ float*)ws + GetBlockIdx() * TILE, TILE);
    for (int32_t i = 0; i < TILE; ++i) wg.SetValue(i, xg.GetValue(i));
    CrossCoreSetFlag<0, PIPE_MTE3>(0);
    CrossCoreWaitFlag(0);  // BUG all_aivs
    aiv_copy(ws, y, 0, 0);
}

// A cross-core flag in a vector-only kernel (KERNEL_TYPE_AIV_ONLY): no scheduler would ever raise it (all_aivs is
// the same kernel declared KERNEL_TYPE_MIX_AIV_1_0; this one has no fixed form).
extern "C" __global__ __aicore__ void no_scheduler(GM_ADDR x, GM_ADDR ws, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    GlobalTensor<float> xg, wg;
    xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * TILE, TILE);
    wg.SetGlobalBuffer((__gm__ float*)ws + GetBlockIdx() * TILE, TILE);
    for (int32_t i = 0; i < TILE; ++i) wg.SetValue(i, xg.GetValue(i));
    CrossCoreSetFlag<0, PIPE_MTE3>(0);  // BUG no_scheduler
    CrossCoreWaitFlag(0);
    aiv_copy(ws, y, 0, 0);
}
// ascendc-check: 910B
