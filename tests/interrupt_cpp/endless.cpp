// Kernels that never end on their own (tests/test_interrupt.py), and a normal one to run after.
// Each block of spin_get_value owns 8 uint32 of x and y (unsigned: wrap-around is defined).
#include "kernel_operator.h"

using namespace AscendC;

// Endless scalar loop through the AscendC API: y[i] += x[i] over this block's slice, forever.
// The simulator can cancel it at any GetValue/SetValue.
extern "C" __global__ __aicore__ void spin_get_value(GM_ADDR x, GM_ADDR y)
{
    GlobalTensor<uint32_t> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ uint32_t*)x + GetBlockIdx() * 8, 8);
    yGm.SetGlobalBuffer((__gm__ uint32_t*)y + GetBlockIdx() * 8, 8);
    for (uint32_t i = 0;; i = (i + 1) % 8) {
        yGm.SetValue(i, yGm.GetValue(i) + xGm.GetValue(i));  // LOOP spin_get_value
    }
}

// Spins on a raw global-memory word until it holds `stop`, with no AscendC call in the loop:
// nothing can cancel it cooperatively.
extern "C" __global__ __aicore__ void spin_no_api(GM_ADDR flag, uint32_t stop)
{
    volatile __gm__ uint32_t* f = (volatile __gm__ uint32_t*)flag;
    while (*f != stop) {
    }
}

// y[i] = 3 * x[i] - 1 (mod 2^32) for i < n, one element at a time over the blocks.
extern "C" __global__ __aicore__ void affine(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    GlobalTensor<uint32_t> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ uint32_t*)x, n);
    yGm.SetGlobalBuffer((__gm__ uint32_t*)y, n);
    for (uint32_t i = GetBlockIdx(); i < n; i += GetBlockNum()) {
        yGm.SetValue(i, 3 * xGm.GetValue(i) - 1);
    }
}
