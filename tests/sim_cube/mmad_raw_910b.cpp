// The raw-image Mmad tiles of mmad_raw.h for 910B.
#include "mmad_raw.h"

extern "C" __global__ __aicore__ void raw_f32_f16(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);
    RawTile<float, half, half>(a, b, c, m, m2, n, k, flags);
}
extern "C" __global__ __aicore__ void raw_f32_bf16(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);
    RawTile<float, bfloat16_t, bfloat16_t>(a, b, c, m, m2, n, k, flags);
}
extern "C" __global__ __aicore__ void raw_f32_f32(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);
    RawTile<float, float, float>(a, b, c, m, m2, n, k, flags);
}
extern "C" __global__ __aicore__ void raw_i32_s8(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);
    RawTile<int32_t, int8_t, int8_t>(a, b, c, m, m2, n, k, flags);
}
// ascendc-check: 910B
