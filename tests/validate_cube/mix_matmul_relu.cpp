// A 910B mix kernel (1 AIC : 2 AIV): the cube core computes a 16x16x16 half matmul into a float GM
// workspace and raises cross-core flag 0 behind its Fixpipe; each vector core waits for it and applies
// Relu to its half of the rows. The AIC and AIV paths are separated by ASCEND_IS_AIC / ASCEND_IS_AIV.
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t M = 16;
constexpr uint32_t N = 16;
constexpr uint32_t K = 16;
constexpr uint32_t ROWS_PER_AIV = M / 2;

__aicore__ inline void CubePart(TPipe& pipe, GM_ADDR a, GM_ADDR b, GM_ADDR work)
{
    TBuf<TPosition::A1> a1Buf;
    TBuf<TPosition::B1> b1Buf;
    TBuf<TPosition::A2> a2Buf;
    TBuf<TPosition::B2> b2Buf;
    TBuf<TPosition::CO1> co1Buf;
    pipe.InitBuffer(a1Buf, M * K * sizeof(half));
    pipe.InitBuffer(b1Buf, K * N * sizeof(half));
    pipe.InitBuffer(a2Buf, M * K * sizeof(half));
    pipe.InitBuffer(b2Buf, K * N * sizeof(half));
    pipe.InitBuffer(co1Buf, M * N * sizeof(float));
    GlobalTensor<half> aGm, bGm;
    GlobalTensor<float> wGm;
    aGm.SetGlobalBuffer((__gm__ half*)a, M * K);
    bGm.SetGlobalBuffer((__gm__ half*)b, K * N);
    wGm.SetGlobalBuffer((__gm__ float*)work, M * N);
    LocalTensor<half> a1 = a1Buf.Get<half>();
    LocalTensor<half> b1 = b1Buf.Get<half>();
    LocalTensor<half> a2 = a2Buf.Get<half>();
    LocalTensor<half> b2 = b2Buf.Get<half>();
    LocalTensor<float> c1 = co1Buf.Get<float>();

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
    MmadParams mmad(M, N, K, 0, false, true);
    Mmad(c1, a2, b2, mmad);
    SetFlag<HardEvent::M_FIX>(EVENT_ID0);
    WaitFlag<HardEvent::M_FIX>(EVENT_ID0);
    FixpipeParamsV220 fix(N, M, M, N, false);
    Fixpipe(wGm, c1, fix);
    CrossCoreSetFlag<2, PIPE_FIX>(0);
}

__aicore__ inline void VectorPart(TPipe& pipe, GM_ADDR work, GM_ADDR c)
{
    TQue<TPosition::VECIN, 1> inQ;
    TQue<TPosition::VECOUT, 1> outQ;
    pipe.InitBuffer(inQ, 1, ROWS_PER_AIV * N * sizeof(float));
    pipe.InitBuffer(outQ, 1, ROWS_PER_AIV * N * sizeof(float));
    uint32_t offset = GetSubBlockIdx() * ROWS_PER_AIV * N;
    GlobalTensor<float> wGm, cGm;
    wGm.SetGlobalBuffer((__gm__ float*)work + offset, ROWS_PER_AIV * N);
    cGm.SetGlobalBuffer((__gm__ float*)c + offset, ROWS_PER_AIV * N);

    CrossCoreWaitFlag(0);
    LocalTensor<float> x = inQ.AllocTensor<float>();
    DataCopy(x, wGm, ROWS_PER_AIV * N);
    inQ.EnQue(x);
    LocalTensor<float> xin = inQ.DeQue<float>();
    LocalTensor<float> y = outQ.AllocTensor<float>();
    Relu(y, xin, ROWS_PER_AIV * N);
    outQ.EnQue(y);
    inQ.FreeTensor(xin);
    LocalTensor<float> yout = outQ.DeQue<float>();
    DataCopy(cGm, yout, ROWS_PER_AIV * N);
    outQ.FreeTensor(yout);
}

extern "C" __global__ __aicore__ void mix_matmul_relu(GM_ADDR a, GM_ADDR b, GM_ADDR c, GM_ADDR work)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_2);
    TPipe pipe;
    if ASCEND_IS_AIC {
        CubePart(pipe, a, b, work);
    }
    if ASCEND_IS_AIV {
        VectorPart(pipe, work, c);
    }
}
// ascendc-check: 910B
