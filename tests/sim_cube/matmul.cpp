// Tiled matmul on the cube unit, written as AscendC kernels are (TPipe/TQue, Nd2Nz, LoadData, Mmad, Fixpipe).
//
// C[M, N] = A[M, K] x B, B given as [K, N] (row-major; moved to L0B with a transposing LoadData, 16-bit types
// only) or as [N, K] (plain LoadData). Each block computes 128 x 128 tiles of C, accumulating K in chunks of 128
// in L0C (cmatrixInitVal = false after the first chunk), and writes each tile with Fixpipe (NZ2ND, optional ReLU,
// f32 -> f16 / bf16 conversion). Every stage hands its tensor to the next through a TQue (A1/B1 -> A2/B2 -> CO1),
// which orders the pipes MTE2 -> MTE1 -> M -> FIX; no SetFlag/WaitFlag is needed.
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t BM = 128;  // tile rows
constexpr uint32_t BN = 128;  // tile columns
constexpr uint32_t BK = 128;  // K chunk

__aicore__ inline uint32_t CeilDiv(uint32_t a, uint32_t b) { return (a + b - 1) / b; }
__aicore__ inline uint32_t CeilAlign(uint32_t a, uint32_t b) { return CeilDiv(a, b) * b; }

template <typename AT, typename OT, bool B_NK>
class KernelMatmul {
public:
    using CT = typename std::conditional<std::is_same<AT, int8_t>::value, int32_t, float>::type;
    static constexpr uint32_t C0 = 32 / sizeof(AT);

    __aicore__ inline void Init(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k, uint32_t relu)
    {
        M = m;
        N = n;
        K = k;
        reluEn = relu != 0;
        aGM.SetGlobalBuffer((__gm__ AT*)a, static_cast<uint64_t>(M) * K);
        bGM.SetGlobalBuffer((__gm__ AT*)b, static_cast<uint64_t>(K) * N);
        cGM.SetGlobalBuffer((__gm__ OT*)c, static_cast<uint64_t>(M) * N);
        pipe.InitBuffer(qA1, 1, BM * BK * sizeof(AT));
        pipe.InitBuffer(qB1, 1, BK * BN * sizeof(AT));
        pipe.InitBuffer(qA2, 1, BM * BK * sizeof(AT));
        pipe.InitBuffer(qB2, 1, BK * BN * sizeof(AT));
        pipe.InitBuffer(qCO1, 1, BM * BN * 4);  // float or int32_t accumulators
    }

    __aicore__ inline void Process()
    {
        const uint32_t mTiles = CeilDiv(M, BM);
        const uint32_t nTiles = CeilDiv(N, BN);
        for (uint32_t t = GetBlockIdx(); t < mTiles * nTiles; t += GetBlockNum()) {
            const uint32_t m0 = (t / nTiles) * BM;
            const uint32_t n0 = (t % nTiles) * BN;
            const uint32_t mt = M - m0 < BM ? M - m0 : BM;
            const uint32_t nt = N - n0 < BN ? N - n0 : BN;
            LocalTensor<CT> c1 = qCO1.AllocTensor<CT>();
            for (uint32_t k0 = 0; k0 < K; k0 += BK) {
                const uint32_t kt = K - k0 < BK ? K - k0 : BK;
                CopyIn(m0, n0, k0, mt, nt, kt);
                SplitA(mt, kt);
                SplitB(nt, kt);
                Compute(c1, mt, nt, kt, k0 == 0);
            }
            qCO1.EnQue(c1);
            CopyOut(m0, n0, mt, nt);
        }
    }

private:
    __aicore__ inline void CopyIn(uint32_t m0, uint32_t n0, uint32_t k0, uint32_t mt, uint32_t nt, uint32_t kt)
    {
        LocalTensor<AT> a1 = qA1.AllocTensor<AT>();
        Nd2NzParams pa(1, mt, kt, 0, K, CeilAlign(mt, 16), 1, 0);
        DataCopy(a1, aGM[static_cast<uint64_t>(m0) * K + k0], pa);
        qA1.EnQue(a1);
        LocalTensor<AT> b1 = qB1.AllocTensor<AT>();
        if constexpr (B_NK) {
            Nd2NzParams pb(1, nt, kt, 0, K, CeilAlign(nt, 16), 1, 0);
            DataCopy(b1, bGM[static_cast<uint64_t>(n0) * K + k0], pb);
        } else {
            Nd2NzParams pb(1, kt, nt, 0, N, CeilAlign(kt, 16), 1, 0);
            DataCopy(b1, bGM[static_cast<uint64_t>(k0) * N + n0], pb);
        }
        qB1.EnQue(b1);
    }

    // L1 NZ -> L0A Zz: one LoadData per 16-row block of A.
    __aicore__ inline void SplitA(uint32_t mt, uint32_t kt)
    {
        LocalTensor<AT> a1 = qA1.DeQue<AT>();
        LocalTensor<AT> a2 = qA2.AllocTensor<AT>();
        const uint32_t mf = CeilDiv(mt, 16);
        const uint32_t kf = CeilDiv(kt, C0);
        LoadData2DParams p(0, static_cast<uint8_t>(kf), static_cast<uint16_t>(mf), 0, 0, false, 0);
        for (uint32_t i = 0; i < mf; ++i) {
            LoadData(a2[i * kf * 16 * C0], a1[i * 16 * C0], p);
        }
        qA1.FreeTensor(a1);
        qA2.EnQue(a2);
    }

    // L1 -> L0B Zn: B [N, K] is already Zn fractal by fractal; B [K, N] has each 16x16 fractal transposed.
    __aicore__ inline void SplitB(uint32_t nt, uint32_t kt)
    {
        LocalTensor<AT> b1 = qB1.DeQue<AT>();
        LocalTensor<AT> b2 = qB2.AllocTensor<AT>();
        const uint32_t nf = CeilDiv(nt, 16);
        const uint32_t kf = CeilDiv(kt, C0);
        if constexpr (B_NK) {
            LoadData2DParams p(0, static_cast<uint8_t>(kf * nf), 1, 0, 0, false, 0);
            LoadData(b2, b1, p);
        } else {
            for (uint32_t kb = 0; kb < kf; ++kb) {
                LoadData2DParams p(static_cast<uint16_t>(kb), static_cast<uint8_t>(nf),
                                   static_cast<uint16_t>(CeilDiv(kt, 16)), 0, 0, true, 0);
                LoadData(b2[kb * nf * 16 * C0], b1, p);
            }
        }
        qB1.FreeTensor(b1);
        qB2.EnQue(b2);
    }

    __aicore__ inline void Compute(LocalTensor<CT>& c1, uint32_t mt, uint32_t nt, uint32_t kt, bool first)
    {
        LocalTensor<AT> a2 = qA2.DeQue<AT>();
        LocalTensor<AT> b2 = qB2.DeQue<AT>();
        MmadParams p;
        p.m = mt == 1 ? 16 : mt;  // m = 1 would be the hardware's GEMV mode (L0A read as one ND row)
        p.n = nt;
        p.k = kt;
        p.cmatrixInitVal = first;
        Mmad(c1, a2, b2, p);
        qA2.FreeTensor(a2);
        qB2.FreeTensor(b2);
    }

    __aicore__ inline void CopyOut(uint32_t m0, uint32_t n0, uint32_t mt, uint32_t nt)
    {
        LocalTensor<CT> c1 = qCO1.DeQue<CT>();
        FixpipeParamsV220 p;
        p.nSize = nt;
        p.mSize = mt;
        p.srcStride = CeilAlign(mt, 16);
        p.dstStride = N;
        p.ndNum = 1;
        p.srcNdStride = 0;
        p.dstNdStride = 0;
        p.reluEn = reluEn;
        if constexpr (std::is_same<OT, half>::value) {
            p.quantPre = QuantMode_t::F322F16;
        } else if constexpr (std::is_same<OT, bfloat16_t>::value) {
            p.quantPre = QuantMode_t::F322BF16;
        } else {
            p.quantPre = QuantMode_t::NoQuant;
        }
        Fixpipe<OT, CT, CFG_ROW_MAJOR>(cGM[static_cast<uint64_t>(m0) * N + n0], c1, p);
        qCO1.FreeTensor(c1);
    }

    TPipe pipe;
    TQue<TPosition::A1, 1> qA1;
    TQue<TPosition::B1, 1> qB1;
    TQue<TPosition::A2, 1> qA2;
    TQue<TPosition::B2, 1> qB2;
    TQue<TPosition::CO1, 1> qCO1;
    GlobalTensor<AT> aGM;
    GlobalTensor<AT> bGM;
    GlobalTensor<OT> cGM;
    uint32_t M = 0, N = 0, K = 0;
    bool reluEn = false;
};

extern "C" __global__ __aicore__ void matmul_f16_kn(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k,
    uint32_t relu)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    KernelMatmul<half, float, false> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

extern "C" __global__ __aicore__ void matmul_f16_nk(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k,
    uint32_t relu)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    KernelMatmul<half, float, true> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

extern "C" __global__ __aicore__ void matmul_f16_kn_to_f16(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k,
    uint32_t relu)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    KernelMatmul<half, half, false> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

extern "C" __global__ __aicore__ void matmul_bf16_kn(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k,
    uint32_t relu)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    KernelMatmul<bfloat16_t, float, false> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

extern "C" __global__ __aicore__ void matmul_bf16_nk_to_bf16(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k,
    uint32_t relu)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    KernelMatmul<bfloat16_t, bfloat16_t, true> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

extern "C" __global__ __aicore__ void matmul_f32_nk(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k,
    uint32_t relu)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    KernelMatmul<float, float, true> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

extern "C" __global__ __aicore__ void matmul_i8_nk(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k,
    uint32_t relu)
{
    KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIC_ONLY);  // a cube kernel: it runs on the AIC cores
    KernelMatmul<int8_t, int32_t, true> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

// ascendc-check: 910B
