// What the 8.1 block API tells each core, for tests/test_sim_mix.py: every core writes 8 int32 values into its
// slot of `out`: GetBlockIdx, GetBlockNum, GetSubBlockIdx, GetSubBlockNum, GetTaskRation, g_coreType, the side it
// took (1 ASCEND_IS_AIC, 2 ASCEND_IS_AIV, 0 neither) and 77. A group's AIC writes slot 3 * group, its AIVs
// 3 * group + 1 + sub-block (1:2), or 2 * group and 2 * group + 1 (1:1); an AIV-/AIC-only block slot block.
// On 310P (coupled cores) the kernel types mean nothing and neither side is taken.
#include "kernel_operator.h"
using namespace AscendC;

__aicore__ inline void record(GM_ADDR out, int64_t slot)
{
    int32_t side = 0;
    if ASCEND_IS_AIC {
        side = 1;
    }
    if ASCEND_IS_AIV {
        side = 2;
    }
    GlobalTensor<int32_t> g;
    g.SetGlobalBuffer((__gm__ int32_t*)out + slot * 8, 8);
    g.SetValue(0, static_cast<int32_t>(GetBlockIdx()));
    g.SetValue(1, static_cast<int32_t>(GetBlockNum()));
    g.SetValue(2, static_cast<int32_t>(GetSubBlockIdx()));
    g.SetValue(3, static_cast<int32_t>(GetSubBlockNum()));
    g.SetValue(4, static_cast<int32_t>(GetTaskRation()));
    g.SetValue(5, static_cast<int32_t>(g_coreType));
    g.SetValue(6, side);
    g.SetValue(7, 77);
}

// Slot of this core in a group of `per` cores (1 AIC + per - 1 AIVs).
__aicore__ inline int64_t slot_in_group(int64_t per)
{
    if ASCEND_IS_AIC {
        return GetBlockIdx() * per;
    } else {
        return GetBlockIdx() / GetTaskRation() * per + 1 + GetSubBlockIdx();
    }
}

extern "C" __global__ __aicore__ void mix12_ids(GM_ADDR out)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    record(out, slot_in_group(3));
}

extern "C" __global__ __aicore__ void mix11_ids(GM_ADDR out)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_1);
    record(out, slot_in_group(2));
}

extern "C" __global__ __aicore__ void aic_ids(GM_ADDR out)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);
    record(out, GetBlockIdx());
}

extern "C" __global__ __aicore__ void aiv_ids(GM_ADDR out)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    record(out, GetBlockIdx());
}
// ascendc-check: 910B 310P
