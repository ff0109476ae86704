// The 310P route of a 16x16x16 half matmul with float output. 310P has no Fixpipe: L0C goes out through
// the Unified Buffer, DataCopy(CO2 <- CO1, DataCopyParams, DataCopyEnhancedParams) on the vector pipe,
// then DataCopy(GM <- CO2) on MTE3. Explicit flags: MTE2_MTE1, MTE1_M, M_V, V_MTE3.
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t M = 16;
constexpr uint32_t N = 16;
constexpr uint32_t K = 16;

extern "C" __global__ __aicore__ void matmul_310p(GM_ADDR a, GM_ADDR b, GM_ADDR c)
{
    TPipe pipe;
    TBuf<TPosition::A1> a1Buf;
    TBuf<TPosition::B1> b1Buf;
    TBuf<TPosition::A2> a2Buf;
    TBuf<TPosition::B2> b2Buf;
    TBuf<TPosition::CO1> co1Buf;
    TBuf<TPosition::CO2> co2Buf;
    pipe.InitBuffer(a1Buf, M * K * sizeof(half));
    pipe.InitBuffer(b1Buf, K * N * sizeof(half));
    pipe.InitBuffer(a2Buf, M * K * sizeof(half));
    pipe.InitBuffer(b2Buf, K * N * sizeof(half));
    pipe.InitBuffer(co1Buf, M * N * sizeof(float));
    pipe.InitBuffer(co2Buf, M * N * sizeof(float));
    GlobalTensor<half> aGm, bGm;
    GlobalTensor<float> cGm;
    aGm.SetGlobalBuffer((__gm__ half*)a, M * K);
    bGm.SetGlobalBuffer((__gm__ half*)b, K * N);
    cGm.SetGlobalBuffer((__gm__ float*)c, M * N);
    LocalTensor<half> a1 = a1Buf.Get<half>();
    LocalTensor<half> b1 = b1Buf.Get<half>();
    LocalTensor<half> a2 = a2Buf.Get<half>();
    LocalTensor<half> b2 = b2Buf.Get<half>();
    LocalTensor<float> c1 = co1Buf.Get<float>();
    LocalTensor<float> c2 = co2Buf.Get<float>();

    Nd2NzParams nd2nz(1, M, K, 0, K, M, 1, 0);
    DataCopy(a1, aGm, nd2nz);
    DataCopy(b1, bGm, nd2nz);
    SetFlag<HardEvent::MTE2_MTE1>(EVENT_ID0);
    WaitFlag<HardEvent::MTE2_MTE1>(EVENT_ID0);

    LoadData2DParams load(0, 1, 1, 0, 0, false, 0);
    LoadData(a2, a1, load);
    load.ifTranspose = true;
    LoadData(b2, b1, load);
    SetFlag<HardEvent::MTE1_M>(EVENT_ID0);
    WaitFlag<HardEvent::MTE1_M>(EVENT_ID0);

    MmadParams mmad;
    mmad.m = M;
    mmad.n = N;
    mmad.k = K;
    Mmad(c1, a2, b2, mmad);
    SetFlag<HardEvent::M_V>(EVENT_ID0);
    WaitFlag<HardEvent::M_V>(EVENT_ID0);

    DataCopyParams block(1, M * N / 256, 0, 0);
    DataCopyEnhancedParams matrix;
    matrix.blockMode = BlockMode::BLOCK_MODE_MATRIX;
    DataCopy(c2, c1, block, matrix);
    SetFlag<HardEvent::V_MTE3>(EVENT_ID0);
    WaitFlag<HardEvent::V_MTE3>(EVENT_ID0);
    DataCopy(cGm, c2, M * N);
}
// ascendc-check: 310P
