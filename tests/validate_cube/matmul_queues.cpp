// A tiled half matmul (float output) in the TPipe/TQue style: each stage hands its tensor to the next
// through a TQue on the cube position (A1/B1: MTE2 -> MTE1, A2/B2: MTE1 -> M, CO1: M -> FIX), so the
// kernel writes no SetFlag/WaitFlag. K is walked in 16-deep steps that accumulate in CO1.
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t M = 32;
constexpr uint32_t N = 32;
constexpr uint32_t K = 64;
constexpr uint32_t K_STEP = 16;

class KernelMatmulQueues {
public:
    __aicore__ inline KernelMatmulQueues() {}
    __aicore__ inline void Init(GM_ADDR a, GM_ADDR b, GM_ADDR c)
    {
        aGm.SetGlobalBuffer((__gm__ half*)a, M * K);
        bGm.SetGlobalBuffer((__gm__ half*)b, K * N);
        cGm.SetGlobalBuffer((__gm__ float*)c, M * N);
        pipe.InitBuffer(inA1, 2, M * K_STEP * sizeof(half));
        pipe.InitBuffer(inB1, 2, K_STEP * N * sizeof(half));
        pipe.InitBuffer(inA2, 2, M * K_STEP * sizeof(half));
        pipe.InitBuffer(inB2, 2, K_STEP * N * sizeof(half));
        pipe.InitBuffer(outCO1, 1, M * N * sizeof(float));
    }
    __aicore__ inline void Process()
    {
        LocalTensor<float> c1 = outCO1.AllocTensor<float>();
        for (uint32_t k = 0; k < K / K_STEP; ++k) {
            CopyIn(k);
            Split();
            Compute(c1, k);
        }
        outCO1.EnQue(c1);
        CopyOut();
    }

private:
    __aicore__ inline void CopyIn(uint32_t k)
    {
        LocalTensor<half> a1 = inA1.AllocTensor<half>();
        LocalTensor<half> b1 = inB1.AllocTensor<half>();
        Nd2NzParams pa(1, M, K_STEP, 0, K, M, 1, 0);
        DataCopy(a1, aGm[k * K_STEP], pa);
        Nd2NzParams pb(1, K_STEP, N, 0, N, K_STEP, 1, 0);
        DataCopy(b1, bGm[k * K_STEP * N], pb);
        inA1.EnQue(a1);
        inB1.EnQue(b1);
    }
    __aicore__ inline void Split()
    {
        LocalTensor<half> a1 = inA1.DeQue<half>();
        LocalTensor<half> b1 = inB1.DeQue<half>();
        LocalTensor<half> a2 = inA2.AllocTensor<half>();
        LocalTensor<half> b2 = inB2.AllocTensor<half>();
        LoadData2DParams la;
        la.repeatTimes = 1;
        la.srcStride = 1;
        for (uint32_t i = 0; i < M / 16; ++i) {
            LoadData(a2[i * 16 * K_STEP], a1[i * 16 * 16], la);
        }
        LoadData2DParams lb;
        lb.repeatTimes = N / 16;
        lb.srcStride = 1;
        lb.ifTranspose = true;
        LoadData(b2, b1, lb);
        inA2.EnQue(a2);
        inB2.EnQue(b2);
        inA1.FreeTensor(a1);
        inB1.FreeTensor(b1);
    }
    __aicore__ inline void Compute(LocalTensor<float>& c1, uint32_t k)
    {
        LocalTensor<half> a2 = inA2.DeQue<half>();
        LocalTensor<half> b2 = inB2.DeQue<half>();
        MmadParams p;
        p.m = M;
        p.n = N;
        p.k = K_STEP;
        p.cmatrixInitVal = (k == 0);
        Mmad(c1, a2, b2, p);
        inA2.FreeTensor(a2);
        inB2.FreeTensor(b2);
    }
    __aicore__ inline void CopyOut()
    {
        LocalTensor<float> c1 = outCO1.DeQue<float>();
        FixpipeParamsV220 fix(N, M, M, N, false);
        Fixpipe(cGm, c1, fix);
        outCO1.FreeTensor(c1);
    }

    TPipe pipe;
    TQue<TPosition::A1, 2> inA1;
    TQue<TPosition::B1, 2> inB1;
    TQue<TPosition::A2, 2> inA2;
    TQue<TPosition::B2, 2> inB2;
    TQue<TPosition::CO1, 1> outCO1;
    GlobalTensor<half> aGm;
    GlobalTensor<half> bGm;
    GlobalTensor<float> cGm;
};

extern "C" __global__ __aicore__ void matmul_queues(GM_ADDR a, GM_ADDR b, GM_ADDR c)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);
    KernelMatmulQueues op;
    op.Init(a, b, c);
    op.Process();
}
// ascendc-check: 910B
