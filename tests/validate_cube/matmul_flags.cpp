// One 16x16x16 half matmul with float output, on the cube pipes in program order with explicit flags:
// GM -(MTE2, Nd2Nz)-> A1/B1 -(MTE1, LoadData)-> A2/B2 -(M, Mmad)-> CO1 -(FIX, Fixpipe)-> GM.
// TBuf buffers on every cube position; the validator must find nothing here on 910B.
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t M = 16;
constexpr uint32_t N = 16;
constexpr uint32_t K = 16;

class KernelMatmulFlags {
public:
    __aicore__ inline KernelMatmulFlags() {}
    __aicore__ inline void Init(GM_ADDR a, GM_ADDR b, GM_ADDR c)
    {
        aGm.SetGlobalBuffer((__gm__ half*)a, M * K);
        bGm.SetGlobalBuffer((__gm__ half*)b, K * N);
        cGm.SetGlobalBuffer((__gm__ float*)c, M * N);
        pipe.InitBuffer(a1Buf, M * K * sizeof(half));
        pipe.InitBuffer(b1Buf, K * N * sizeof(half));
        pipe.InitBuffer(a2Buf, M * K * sizeof(half));
        pipe.InitBuffer(b2Buf, K * N * sizeof(half));
        pipe.InitBuffer(co1Buf, M * N * sizeof(float));
    }
    __aicore__ inline void Process()
    {
        LocalTensor<half> a1 = a1Buf.Get<half>();
        LocalTensor<half> b1 = b1Buf.Get<half>();
        LocalTensor<half> a2 = a2Buf.Get<half>();
        LocalTensor<half> b2 = b2Buf.Get<half>();
        LocalTensor<float> c1 = co1Buf.Get<float>();

        Nd2NzParams nd2nz;
        nd2nz.ndNum = 1;
        nd2nz.nValue = M;
        nd2nz.dValue = K;
        nd2nz.srcNdMatrixStride = 0;
        nd2nz.srcDValue = K;
        nd2nz.dstNzC0Stride = M;
        nd2nz.dstNzNStride = 1;
        nd2nz.dstNzMatrixStride = 0;
        DataCopy(a1, aGm, nd2nz);
        DataCopy(b1, bGm, nd2nz);
        SetFlag<HardEvent::MTE2_MTE1>(EVENT_ID0);
        WaitFlag<HardEvent::MTE2_MTE1>(EVENT_ID0);

        LoadData2DParams load;
        load.startIndex = 0;
        load.repeatTimes = 1;
        load.srcStride = 1;
        load.ifTranspose = false;
        LoadData(a2, a1, load);
        load.ifTranspose = true;
        LoadData(b2, b1, load);
        SetFlag<HardEvent::MTE1_M>(EVENT_ID0);
        WaitFlag<HardEvent::MTE1_M>(EVENT_ID0);

        MmadParams mmad;
        mmad.m = M;
        mmad.n = N;
        mmad.k = K;
        mmad.cmatrixInitVal = true;
        Mmad(c1, a2, b2, mmad);
        SetFlag<HardEvent::M_FIX>(EVENT_ID0);
        WaitFlag<HardEvent::M_FIX>(EVENT_ID0);

        FixpipeParamsV220 fix;
        fix.nSize = N;
        fix.mSize = M;
        fix.srcStride = M;
        fix.dstStride = N;
        fix.ndNum = 1;
        Fixpipe(cGm, c1, fix);
    }

private:
    TPipe pipe;
    TBuf<TPosition::A1> a1Buf;
    TBuf<TPosition::B1> b1Buf;
    TBuf<TPosition::A2> a2Buf;
    TBuf<TPosition::B2> b2Buf;
    TBuf<TPosition::CO1> co1Buf;
    GlobalTensor<half> aGm;
    GlobalTensor<half> bGm;
    GlobalTensor<float> cGm;
};

extern "C" __global__ __aicore__ void matmul_flags(GM_ADDR a, GM_ADDR b, GM_ADDR c)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);
    KernelMatmulFlags op;
    op.Init(a, b, c);
    op.Process();
}
// ascendc-check: 910B
