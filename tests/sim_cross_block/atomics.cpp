// Store atomics for tests/test_cross_block.py: every block combines its TILE elements of x (at
// x + GetBlockIdx() * TILE) into the same y[0:TILE] with SetAtomicAdd/Max<T> on around its DataCopy out.
#include "kernel_operator.h"
using namespace AscendC;

constexpr int32_t TILE = 256;

// y[0:TILE] op= x tile of this block, for every block, with SetAtomicAdd/Max<T> on around the DataCopy out.
template <typename T, bool MAX>
__aicore__ inline void combine_tile(GM_ADDR x, GM_ADDR y)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, TILE * sizeof(T));
    LocalTensor<T> t = buf.Get<T>();
    GlobalTensor<T> xg, yg;
    xg.SetGlobalBuffer((__gm__ T*)x + GetBlockIdx() * TILE, TILE);
    yg.SetGlobalBuffer((__gm__ T*)y, TILE);
    DataCopy(t, xg, TILE);
    SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    if constexpr (MAX) {
        SetAtomicMax<T>();
    } else {
        SetAtomicAdd<T>();
    }
    DataCopy(yg, t, TILE);
    SetAtomicNone();
}

extern "C" __global__ __aicore__ void atomic_add_f32(GM_ADDR x, GM_ADDR y) { combine_tile<float, false>(x, y); }
extern "C" __global__ __aicore__ void atomic_add_f16(GM_ADDR x, GM_ADDR y) { combine_tile<half, false>(x, y); }
extern "C" __global__ __aicore__ void atomic_add_i16(GM_ADDR x, GM_ADDR y) { combine_tile<int16_t, false>(x, y); }
extern "C" __global__ __aicore__ void atomic_add_i32(GM_ADDR x, GM_ADDR y) { combine_tile<int32_t, false>(x, y); }
extern "C" __global__ __aicore__ void atomic_max_f32(GM_ADDR x, GM_ADDR y) { combine_tile<float, true>(x, y); }

// DataCopyPad out with the atomic add on (910B; on 310P the body has no copy): `count` elements, not whole 32-byte blocks.
extern "C" __global__ __aicore__ void atomic_pad_f32(GM_ADDR x, GM_ADDR y, uint32_t count)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, TILE * sizeof(float));
    LocalTensor<float> t = buf.Get<float>();
    GlobalTensor<float> xg, yg;
    xg.SetGlobalBuffer((__gm__ float*)x + GetBlockIdx() * TILE, TILE);
    yg.SetGlobalBuffer((__gm__ float*)y, count);
    DataCopy(t, xg, TILE);
    SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    SetAtomicAdd<float>();
#if __CCE_AICORE__ == 220  // 310P has no DataCopyPad
    DataCopyPad(yg, t, DataCopyExtParams(1, count * sizeof(float), 0, 0, 0));
#endif
    SetAtomicNone();
}

// ascendc-check: 910B 310P
