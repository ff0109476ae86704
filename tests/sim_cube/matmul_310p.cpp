// Matmul on Ascend310P's cube unit: 310P has no Fixpipe, so L0C (CO1) goes to the Unified Buffer (CO2) with
// DataCopy(DataCopyParams, DataCopyEnhancedParams{BLOCK_MODE_MATRIX}) on the vector pipe, converting float to
// half on the way if asked, and the vector side then writes the NZ tile to GM as ND rows with a strided DataCopy.
//
// C[M, N] = A[M, K] x B[K, N] (half in, float accumulators, half or float out), N a multiple of 16; each block
// computes 64 x 64 tiles, K in chunks of 64 accumulated in L0C. Every stage hands its tensor on through a TQue
// (A1/B1 -> A2/B2 -> CO1 -> CO2).
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t BM = 64;
constexpr uint32_t BN = 64;
constexpr uint32_t BK = 64;

__aicore__ inline uint32_t CeilDiv(uint32_t a, uint32_t b) { return (a + b - 1) / b; }
__aicore__ inline uint32_t CeilAlign(uint32_t a, uint32_t b) { return CeilDiv(a, b) * b; }

template <typename OT>
class KernelMatmul310P {
public:
    __aicore__ inline void Init(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n, uint32_t k, uint32_t relu)
    {
        M = m;
        N = n;
        K = k;
        reluEn = relu != 0;
        aGM.SetGlobalBuffer((__gm__ half*)a, static_cast<uint64_t>(M) * K);
        bGM.SetGlobalBuffer((__gm__ half*)b, static_cast<uint64_t>(K) * N);
        cGM.SetGlobalBuffer((__gm__ OT*)c, static_cast<uint64_t>(M) * N);
        pipe.InitBuffer(qA1, 1, BM * BK * sizeof(half));
        pipe.InitBuffer(qB1, 1, BK * BN * sizeof(half));
        pipe.InitBuffer(qA2, 1, BM * BK * sizeof(half));
        pipe.InitBuffer(qB2, 1, BK * BN * sizeof(half));
        pipe.InitBuffer(qCO1, 1, BM * BN * sizeof(float));
        pipe.InitBuffer(qCO2, 1, BM * BN * sizeof(OT));
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
            LocalTensor<float> c1 = qCO1.AllocTensor<float>();
            for (uint32_t k0 = 0; k0 < K; k0 += BK) {
                const uint32_t kt = K - k0 < BK ? K - k0 : BK;
                const uint32_t mf = CeilDiv(mt, 16), nf = CeilDiv(nt, 16), kf = CeilDiv(kt, 16);
                // GM -> L1 (ND -> NZ)
                LocalTensor<half> a1 = qA1.AllocTensor<half>();
                DataCopy(a1, aGM[static_cast<uint64_t>(m0) * K + k0], Nd2NzParams(1, mt, kt, 0, K, mf * 16, 1, 0));
                qA1.EnQue(a1);
                LocalTensor<half> b1 = qB1.AllocTensor<half>();
                DataCopy(b1, bGM[static_cast<uint64_t>(k0) * N + n0], Nd2NzParams(1, kt, nt, 0, N, kf * 16, 1, 0));
                qB1.EnQue(b1);
                // L1 -> L0A (Zz) / L0B (Zn, transposed fractals)
                a1 = qA1.DeQue<half>();
                LocalTensor<half> a2 = qA2.AllocTensor<half>();
                for (uint32_t i = 0; i < mf; ++i) {
                    LoadData(a2[i * kf * 256], a1[i * 256], LoadData2DParams(0, kf, mf, 0, 0, false, 0));
                }
                qA1.FreeTensor(a1);
                qA2.EnQue(a2);
                b1 = qB1.DeQue<half>();
                LocalTensor<half> b2 = qB2.AllocTensor<half>();
                for (uint32_t kb = 0; kb < kf; ++kb) {
                    LoadData(b2[kb * nf * 256], b1, LoadData2DParams(kb, nf, kf, 0, 0, true, 0));
                }
                qB1.FreeTensor(b1);
                qB2.EnQue(b2);
                // Mmad
                a2 = qA2.DeQue<half>();
                b2 = qB2.DeQue<half>();
                MmadParams p;
                p.m = mt == 1 ? 16 : mt;  // m = 1 would be GEMV mode
                p.n = nt;
                p.k = kt;
                p.cmatrixInitVal = k0 == 0;
                Mmad(c1, a2, b2, p);
                qA2.FreeTensor(a2);
                qB2.FreeTensor(b2);
            }
            qCO1.EnQue(c1);
            CopyOut(m0, n0, mt, nt);
        }
    }

private:
    __aicore__ inline void CopyOut(uint32_t m0, uint32_t n0, uint32_t mt, uint32_t nt)
    {
        const uint32_t mf = CeilDiv(mt, 16), nf = CeilDiv(nt, 16);
        LocalTensor<float> c1 = qCO1.DeQue<float>();
        LocalTensor<OT> c2 = qCO2.AllocTensor<OT>();
        // L0C -> UB: nf column blocks of mf 16x16 fractals each, contiguous on both sides.
        DataCopyParams cp(static_cast<uint16_t>(nf), static_cast<uint16_t>(mf), 0, 0);
        DataCopyEnhancedParams ep;
        ep.blockMode = BlockMode::BLOCK_MODE_MATRIX;
        ep.isRelu = reluEn;
        DataCopy(c2, c1, cp, ep);
        qCO1.FreeTensor(c1);
        qCO2.EnQue(c2);
        // UB (NZ) -> GM (ND): per column block, mt rows of 16 elements, N elements apart in GM.
        c2 = qCO2.DeQue<OT>();
        constexpr uint16_t rowBlocks = 16 * sizeof(OT) / 32;
        for (uint32_t j = 0; j < nf; ++j) {
            DataCopyParams op(static_cast<uint16_t>(mt), rowBlocks, 0,
                              static_cast<uint16_t>((N - 16) * sizeof(OT) / 32));
            DataCopy(cGM[static_cast<uint64_t>(m0) * N + n0 + j * 16], c2[j * mf * 256], op);
        }
        qCO2.FreeTensor(c2);
    }

    TPipe pipe;
    TQue<TPosition::A1, 1> qA1;
    TQue<TPosition::B1, 1> qB1;
    TQue<TPosition::A2, 1> qA2;
    TQue<TPosition::B2, 1> qB2;
    TQue<TPosition::CO1, 1> qCO1;
    TQue<TPosition::CO2, 1> qCO2;
    GlobalTensor<half> aGM;
    GlobalTensor<half> bGM;
    GlobalTensor<OT> cGM;
    uint32_t M = 0, N = 0, K = 0;
    bool reluEn = false;
};

extern "C" __global__ __aicore__ void matmul310_f32(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n,
    uint32_t k, uint32_t relu)
{
    KernelMatmul310P<float> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

extern "C" __global__ __aicore__ void matmul310_f16(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t n,
    uint32_t k, uint32_t relu)
{
    KernelMatmul310P<half> op;
    op.Init(a, b, c, m, n, k, relu);
    op.Process();
}

// CANN 8.1's Nd2Nz on 310P uses the last 8 KiB of UB as scratch: a TPipe that fills UB loses that data.
extern "C" __global__ __aicore__ void scratch_clobber(GM_ADDR a)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> ubBuf;
    TBuf<TPosition::A1> l1Buf;
    pipe.InitBuffer(ubBuf, 250 * 1024);
    pipe.InitBuffer(l1Buf, 1024);
    GlobalTensor<half> aGM;
    aGM.SetGlobalBuffer((__gm__ half*)a, 256);
    LocalTensor<half> l1 = l1Buf.Get<half>();
    DataCopy(l1, aGM, Nd2NzParams(1, 16, 16, 0, 16, 16, 1, 0));  // BUG scratch_clobber
}
// ascendc-check: 310P
