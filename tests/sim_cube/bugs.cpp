// One-tile cube kernels with TBuf buffers and explicit SetFlag/WaitFlag, the way the ascendpy compiler emits
// them, and the planted bugs tests/test_sim_cube.py expects the simulator to name (`// BUG <name>` lines).
//
// single_tile<BUG_NONE> is the correct kernel: C[m, n] (float) = A[m, k] x B[k, n] (half, B row-major [K, N]),
// m, n, k <= 64. The other instantiations leave out one thing each.
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t T = 64;  // the largest m, n, k of one tile

enum Bug : int { BUG_NONE, BUG_NO_MTE1_M, BUG_NO_M_FIX, BUG_ND_COPY, BUG_MISALIGNED_B2, BUG_A2_RANGE };

__aicore__ inline uint32_t CeilDiv(uint32_t a, uint32_t b) { return (a + b - 1) / b; }
__aicore__ inline uint32_t CeilAlign(uint32_t a, uint32_t b) { return CeilDiv(a, b) * b; }

template <int BUG>
__aicore__ inline void SingleTile(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k)
{
    TPipe pipe;
    TBuf<TPosition::A1> a1Buf;
    TBuf<TPosition::B1> b1Buf;
    TBuf<TPosition::A2> a2Buf;
    TBuf<TPosition::B2> b2Buf;
    TBuf<TPosition::CO1> c1Buf;
    pipe.InitBuffer(a1Buf, T * T * sizeof(half));
    pipe.InitBuffer(b1Buf, T * T * sizeof(half));
    pipe.InitBuffer(a2Buf, T * T * sizeof(half));
    pipe.InitBuffer(b2Buf, T * T * sizeof(half) + 512);
    pipe.InitBuffer(c1Buf, T * T * sizeof(float));
    GlobalTensor<half> aGM, bGM;
    GlobalTensor<float> cGM;
    aGM.SetGlobalBuffer((__gm__ half*)a, m * k);
    bGM.SetGlobalBuffer((__gm__ half*)b, k * n);
    cGM.SetGlobalBuffer((__gm__ float*)c, m * n);
    LocalTensor<half> a1 = a1Buf.Get<half>();
    LocalTensor<half> b1 = b1Buf.Get<half>();
    LocalTensor<half> a2 = a2Buf.Get<half>();
    LocalTensor<half> b2 = b2Buf.Get<half>();
    LocalTensor<float> c1 = c1Buf.Get<float>();

    // GM -> L1: A as NZ (m x k), B as NZ (k x n).
    if constexpr (BUG == BUG_ND_COPY) {
        DataCopy(a1, aGM, m * k);  // the ND rows as they are: not the NZ layout LoadData expects
    } else {
        DataCopy(a1, aGM, Nd2NzParams(1, m, k, 0, k, CeilAlign(m, 16), 1, 0));
    }
    DataCopy(b1, bGM, Nd2NzParams(1, k, n, 0, n, CeilAlign(k, 16), 1, 0));
    SetFlag<HardEvent::MTE2_MTE1>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_MTE1>(EVENT_ID0);

    // L1 -> L0A (Zz) and L0B (Zn, each 16x16 fractal transposed).
    const uint32_t mf = CeilDiv(m, 16), nf = CeilDiv(n, 16), kf = CeilDiv(k, 16);
    const uint32_t extra = BUG == BUG_A2_RANGE ? 64 : 0;
    for (uint32_t i = 0; i < mf; ++i) {
        LoadData(a2[i * kf * 256], a1[i * 256], LoadData2DParams(0, kf + extra, mf, 0, 0, false, 0));  // BUG a2_range
    }
    const uint32_t skew = BUG == BUG_MISALIGNED_B2 ? 128 : 0;  // 256 bytes: off the 512-byte grid
    for (uint32_t kb = 0; kb < kf; ++kb) {
        LoadData(b2[kb * nf * 256 + skew], b1, LoadData2DParams(kb, nf, kf, 0, 0, true, 0));  // BUG misaligned_b2
    }
    if constexpr (BUG != BUG_NO_MTE1_M) {
        SetFlag<HardEvent::MTE1_M>(EVENT_ID0);
        WaitFlag<HardEvent::MTE1_M>(EVENT_ID0);
    }

    MmadParams p;
    p.m = m;
    p.n = n;
    p.k = k;
    Mmad(c1, a2, b2, p);  // BUG no_mte1_m
    if constexpr (BUG != BUG_NO_M_FIX) {
        SetFlag<HardEvent::M_FIX>(EVENT_ID0);
        WaitFlag<HardEvent::M_FIX>(EVENT_ID0);
    }

    FixpipeParamsV220 f;
    f.nSize = n;
    f.mSize = m;
    f.srcStride = CeilAlign(m, 16);
    f.dstStride = n;
    f.ndNum = 1;
    Fixpipe(cGM, c1, f);  // BUG no_m_fix
}

extern "C" __global__ __aicore__ void single_tile(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    SingleTile<BUG_NONE>(a, b, c, m, n, k);
}

extern "C" __global__ __aicore__ void no_mte1_m(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    SingleTile<BUG_NO_MTE1_M>(a, b, c, m, n, k);
}

extern "C" __global__ __aicore__ void no_m_fix(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    SingleTile<BUG_NO_M_FIX>(a, b, c, m, n, k);
}

extern "C" __global__ __aicore__ void nd_copy(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    SingleTile<BUG_ND_COPY>(a, b, c, m, n, k);
}

extern "C" __global__ __aicore__ void misaligned_b2(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n,
    uint32_t k)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    SingleTile<BUG_MISALIGNED_B2>(a, b, c, m, n, k);
}

extern "C" __global__ __aicore__ void a2_range(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    SingleTile<BUG_A2_RANGE>(a, b, c, m, n, k);
}

// L0A is 64 KiB: a second buffer on A2 does not fit.
extern "C" __global__ __aicore__ void l0a_overflow(GM_ADDR a)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    TPipe pipe;
    TBuf<TPosition::A2> first;
    TQue<TPosition::A2, 1> second;
    pipe.InitBuffer(first, 48 * 1024);
    pipe.InitBuffer(second, 1, 16 * 1024 + 32);  // BUG l0a_overflow
    (void)a;
}

// Nd2Nz with ndNum > 1, the documentation's non-continuous example (half): two 8 x 23 matrices 384 elements
// apart in GM (rows of 32), into NZ matrices 320 elements apart, C0 columns 37 blocks apart, rows 2 blocks
// apart. The whole L1 buffer is then copied out, padding included.
extern "C" __global__ __aicore__ void nd2nz_multi(GM_ADDR x, GM_ADDR y)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    TPipe pipe;
    TBuf<TPosition::A1> buf;
    constexpr uint32_t L1_ELEMS = 4096;
    pipe.InitBuffer(buf, L1_ELEMS * sizeof(half));
    GlobalTensor<half> xGM, yGM;
    xGM.SetGlobalBuffer((__gm__ half*)x, 2 * 384);
    yGM.SetGlobalBuffer((__gm__ half*)y, L1_ELEMS);
    LocalTensor<half> l1 = buf.Get<half>();
    Nd2NzParams p;
    p.ndNum = 2;
    p.nValue = 8;
    p.dValue = 23;
    p.srcNdMatrixStride = 384;
    p.srcDValue = 32;
    p.dstNzC0Stride = 37;
    p.dstNzNStride = 2;
    p.dstNzMatrixStride = 320;
    DataCopy(l1, xGM, p);
    SetFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_MTE3>(EVENT_ID0);
    DataCopy(yGM, l1, L1_ELEMS);  // L1 -> GM (MTE3)
}
// 910B has no L0C -> UB path: Fixpipe is the way out of L0C there.
extern "C" __global__ __aicore__ void co1_to_ub(GM_ADDR a)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    TPipe pipe;
    TBuf<TPosition::CO1> c1Buf;
    TBuf<TPosition::VECCALC> ubBuf;
    pipe.InitBuffer(c1Buf, 4096);
    pipe.InitBuffer(ubBuf, 4096);
    DataCopyEnhancedParams e;
    e.blockMode = BlockMode::BLOCK_MODE_MATRIX;
    LocalTensor<float> ub = ubBuf.Get<float>();
    DataCopy(ub, c1Buf.Get<float>(), DataCopyParams(1, 1, 0, 0), e);  // BUG co1_to_ub
    (void)a;
}
// Without KERNEL_TYPE_AIC_ONLY (or a mix kernel's `if ASCEND_IS_AIC`) a 910B kernel runs on the AIV cores,
// which have no cube unit: CANN 8.1 skips the instruction there.
extern "C" __global__ __aicore__ void aiv_cube(GM_ADDR a)
{
    TPipe pipe;
    TBuf<TPosition::A1> l1Buf;
    TBuf<TPosition::A2> l0Buf;
    pipe.InitBuffer(l1Buf, 4096);
    pipe.InitBuffer(l0Buf, 4096);
    LoadData(l0Buf.Get<half>(), l1Buf.Get<half>(), LoadData2DParams(0, 2, 1, 0, 0, false, 0));  // BUG aiv_cube
    (void)a;
}
// ascendc-check: 910B
