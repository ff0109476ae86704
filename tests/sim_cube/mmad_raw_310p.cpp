// The raw-image Mmad tiles of mmad_raw.h for 310P.
#include "mmad_raw.h"

extern "C" __global__ __aicore__ void raw_f16_f16(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    RawTile<half, half, half>(a, b, c, m, m2, n, k, flags);
}
extern "C" __global__ __aicore__ void raw_f32_f16(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    RawTile<float, half, half>(a, b, c, m, m2, n, k, flags);
}
extern "C" __global__ __aicore__ void raw_i32_s8(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    RawTile<int32_t, int8_t, int8_t>(a, b, c, m, m2, n, k, flags);
}
extern "C" __global__ __aicore__ void raw_i32_u8s8(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    RawTile<int32_t, uint8_t, int8_t>(a, b, c, m, m2, n, k, flags);
}
extern "C" __global__ __aicore__ void raw_i32_u8(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2,
    uint32_t n, uint32_t k, uint32_t flags)
{
    RawTile<int32_t, uint8_t, uint8_t>(a, b, c, m, m2, n, k, flags);
}
// ascendc-check: 310P
