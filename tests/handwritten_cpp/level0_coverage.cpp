// Every level-0 form the simulator offers (vec_level0.h), for every element type it takes, with both mask
// forms and both isSetMask values, plus the mask-mode APIs and ASSERT: tests/test_handwritten_api.py builds it
// warning-free (-Wall -Wextra -Werror) and runs it once per SoC. It must also compile against CANN 8.1's
// headers for 910B and 310P (check.sh --soc both).
#include "kernel_operator.h"

using namespace AscendC;

template <typename T>
__aicore__ inline void Arith(const LocalTensor<T>& a, const LocalTensor<T>& b, const LocalTensor<T>& c)
{
    uint64_t bits[2] = {0x5555555555555555ULL, sizeof(T) == 2 ? 0xF0F0F0F0F0F0F0F0ULL : 0};
    const uint64_t cont = 256 / sizeof(T);
    const BinaryRepeatParams bp;
    const UnaryRepeatParams up;
    const T one = static_cast<T>(1);
    Add(c, a, b, bits, 2, bp);
    Add(c, a, b, cont, 2, bp);
    Sub(c, a, b, bits, 2, bp);
    Sub(c, a, b, cont, 2, bp);
    Mul(c, a, b, bits, 2, bp);
    Mul(c, a, b, cont, 2, bp);
    Max(c, a, b, bits, 2, bp);
    Max(c, a, b, cont, 2, bp);
    Min(c, a, b, bits, 2, bp);
    Min<T, true>(c, a, b, cont, 2, bp);
    Adds(c, a, one, bits, 2, up);
    Adds(c, a, one, cont, 2, up);
    Muls(c, a, one, bits, 2, up);
    Muls(c, a, one, cont, 2, up);
    Maxs(c, a, one, bits, 2, up);
    Maxs(c, a, one, cont, 2, up);
    Mins(c, a, one, bits, 2, up);
    Mins(c, a, one, cont, 2, up);
    Duplicate(c, one, bits, 2, 1, 8);
    Duplicate(c, one, cont, 2, 1, 8);
    SetVectorMask<T, MaskMode::NORMAL>(static_cast<int32_t>(cont / 2));
    Add<T, false>(c, a, b, MASK_PLACEHOLDER, 2, bp);
    Adds<T, false>(c, a, one, MASK_PLACEHOLDER, 2, up);
    Duplicate<T, false>(c, one, MASK_PLACEHOLDER, 2, 1, 8);
    SetMaskCount();
    SetVectorMask<T, MaskMode::COUNTER>(0, cont + 3);
    Mul<T, false>(c, a, b, MASK_PLACEHOLDER, 1, bp);
    Muls<T, false>(c, a, one, 1);
    Maxs<T, false>(c, a, one, 1);
    Mins<T, false>(c, a, one, 1);
    SetVectorMask<T, MaskMode::COUNTER>(static_cast<int32_t>(cont));
    Adds<T, false>(c, a, one, 1);
    SetMaskNorm();
    ResetMask();
}

template <typename T>
__aicore__ inline void Floats(const LocalTensor<T>& a, const LocalTensor<T>& b, const LocalTensor<T>& c)
{
    uint64_t bits[2] = {0xFFFFFFFF00000000ULL, sizeof(T) == 2 ? 0x00000000FFFFFFFFULL : 0};
    const uint64_t cont = 256 / sizeof(T) - 3;
    const BinaryRepeatParams bp(1, 1, 1, 8, 8, 8);
    const UnaryRepeatParams up(1, 1, 8, 8);
    Div(c, a, b, bits, 2, bp);
    Div(c, a, b, cont, 2, bp);
    Exp(c, a, bits, 2, up);
    Exp(c, a, cont, 2, up);
    Ln(c, b, bits, 2, up);
    Ln(c, b, cont, 2, up);
    Abs(c, a, bits, 2, up);
    Abs(c, a, cont, 2, up);
    Sqrt(c, b, bits, 2, up);
    Sqrt(c, b, cont, 2, up);
    Rsqrt(c, b, bits, 2, up);
    Rsqrt(c, b, cont, 2, up);
    Reciprocal(c, b, bits, 2, up);
    Reciprocal(c, b, cont, 2, up);
    Relu(c, a, bits, 2, up);
    Relu(c, a, cont, 2, up);
    const uint64_t rbits[2] = {bits[0], bits[1]};
    WholeReduceSum(c, a, rbits, 2, 1, 1, 8);
    WholeReduceSum(c, a, static_cast<int32_t>(cont), 2, 1, 1, 8);
    BlockReduceSum(c, a, 2, rbits, 1, 1, 8);
    BlockReduceSum(c, a, 2, static_cast<int32_t>(256 / sizeof(T)), 1, 1, 8);
    SetMaskCount();
    SetVectorMask<T, MaskMode::COUNTER>(0, 2 * 256 / sizeof(T));
    WholeReduceSum<T, false>(c, a, MASK_PLACEHOLDER, 1, 1, 1, 8);
    BlockReduceSum<T, false>(c, a, 1, MASK_PLACEHOLDER, 1, 1, 8);
    Exp<T, false>(c, a, MASK_PLACEHOLDER, 1, up);
    SetMaskNorm();
    ResetMask();
}

extern "C" __global__ __aicore__ void level0_coverage(GM_ADDR x)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 3 * 512);
    GlobalTensor<float> xGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, 3 * 128);
    LocalTensor<float> all = buf.Get<float>();
    DataCopy(all, xGm, 3 * 128);  // 1.0 everywhere (the integer forms then write over it)
    PipeBarrier<PIPE_ALL>();
    ASSERT(all.GetValue(0) == 1.0f);
    LocalTensor<uint8_t> raw = all.ReinterpretCast<uint8_t>();
    LocalTensor<half> h = raw.ReinterpretCast<half>();
    LocalTensor<int16_t> s16 = raw.ReinterpretCast<int16_t>();
    LocalTensor<int32_t> s32 = raw.ReinterpretCast<int32_t>();
    Arith(s16, s16[256], s16[512]);
    Arith(h, h[256], h[512]);
    Arith(s32, s32[128], s32[256]);
    Arith(all, all[128], all[256]);
    Floats(all[128], all[128], all[256]);
    Floats(h[256], h[256], h[512]);
    Relu(s32[256], s32[128], 64, 2, UnaryRepeatParams());
    Duplicate(raw.ReinterpretCast<uint16_t>(), static_cast<uint16_t>(3), 128, 1, 1, 8);
    Duplicate(raw.ReinterpretCast<uint32_t>(), static_cast<uint32_t>(3), 64, 1, 1, 8);
}
