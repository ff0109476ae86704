// The entry point of a two-file AscendC kernel: the class lives in kernel_add.h beside this file.
// Launch with z = x + y for totalLength floats, a multiple of 256 * block_dim.
#include "kernel_add.h"

extern "C" __global__ __aicore__ void add_local(GM_ADDR x, GM_ADDR y, GM_ADDR z, uint32_t totalLength)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
    KernelAdd op;
    op.Init(x, y, z, totalLength);
    op.Process();
}
