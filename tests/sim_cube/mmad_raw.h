// One Mmad tile on raw fractal images, for comparing the simulator's Mmad paths bit for bit (tests/test_cube_fast.py).
//
// The host writes the L0A and L0B images itself (any bytes: the two paths must agree on whatever is there); they go
// GM -> L1 -> L0A / L0B with plain copies, then Mmad #1 (m x n x k, C initialised) and Mmad #2 (accumulating onto
// it: m2 rows, 1 being GEMV mode), and the whole L0C image (NZ, rows = ceil16(m)) goes back to GM: Fixpipe CFG_NZ
// on 910B, L0C -> UB -> GM on 310P. flags bit 0: kDirectionAlign on both Mmads (910B float).
#pragma once
#include "kernel_operator.h"
using namespace AscendC;

constexpr uint32_t kOperandBytes = 32 * 1024;
constexpr uint32_t kAccBytes = 64 * 1024;

template <typename CT, typename AT, typename BT>
__aicore__ inline void RawTile(GM_ADDR a, GM_ADDR b, GM_ADDR c, uint32_t m, uint32_t m2, uint32_t n, uint32_t k,
                               uint32_t flags)
{
    TPipe pipe;
    TBuf<TPosition::A1> a1Buf;
    TBuf<TPosition::B1> b1Buf;
    TBuf<TPosition::A2> a2Buf;
    TBuf<TPosition::B2> b2Buf;
    TBuf<TPosition::CO1> c1Buf;
    pipe.InitBuffer(a1Buf, kOperandBytes);
    pipe.InitBuffer(b1Buf, kOperandBytes);
    pipe.InitBuffer(a2Buf, kOperandBytes);
    pipe.InitBuffer(b2Buf, kOperandBytes);
    pipe.InitBuffer(c1Buf, kAccBytes);
    GlobalTensor<AT> aGM;
    GlobalTensor<BT> bGM;
    GlobalTensor<CT> cGM;
    aGM.SetGlobalBuffer((__gm__ AT*)a, kOperandBytes / sizeof(AT));
    bGM.SetGlobalBuffer((__gm__ BT*)b, kOperandBytes / sizeof(BT));
    const uint32_t rows = (m + 15) / 16 * 16, nf = (n + 15) / 16;
    const uint32_t cBytes = nf * rows * 16 * sizeof(CT);
    cGM.SetGlobalBuffer((__gm__ CT*)c, cBytes / sizeof(CT));
    LocalTensor<AT> a1 = a1Buf.Get<AT>();
    LocalTensor<BT> b1 = b1Buf.Get<BT>();
    LocalTensor<AT> a2 = a2Buf.Get<AT>();
    LocalTensor<BT> b2 = b2Buf.Get<BT>();
    LocalTensor<CT> c1 = c1Buf.Get<CT>();
    DataCopy(a1, aGM, DataCopyParams(1, kOperandBytes / 32, 0, 0));
    DataCopy(b1, bGM, DataCopyParams(1, kOperandBytes / 32, 0, 0));
    PipeBarrier<PIPE_ALL>();
    LoadData(a2, a1, LoadData2DParams(0, kOperandBytes / 512 / 2, 1, 0, 0, false, 0));
    LoadData(a2[kOperandBytes / 2 / sizeof(AT)], a1[kOperandBytes / 2 / sizeof(AT)],
             LoadData2DParams(0, kOperandBytes / 512 / 2, 1, 0, 0, false, 0));
    LoadData(b2, b1, LoadData2DParams(0, kOperandBytes / 512 / 2, 1, 0, 0, false, 0));
    LoadData(b2[kOperandBytes / 2 / sizeof(BT)], b1[kOperandBytes / 2 / sizeof(BT)],
             LoadData2DParams(0, kOperandBytes / 512 / 2, 1, 0, 0, false, 0));
    PipeBarrier<PIPE_ALL>();
    MmadParams p;
    p.m = m;
    p.n = n;
    p.k = k;
    p.kDirectionAlign = (flags & 1) != 0;
    p.cmatrixInitVal = true;
    Mmad(c1, a2, b2, p);
    PipeBarrier<PIPE_ALL>();
    p.m = m2;
    p.cmatrixInitVal = false;
    Mmad(c1, a2, b2, p);
    PipeBarrier<PIPE_ALL>();
#if __CCE_AICORE__ == 220
    FixpipeParamsV220 f;
    f.nSize = nf * 16;
    f.mSize = rows;
    f.srcStride = rows;
    f.dstStride = rows * 16 * sizeof(CT) / 32;
    Fixpipe<CT, CT, CFG_NZ>(cGM, c1, f);
#else
    TBuf<TPosition::VECCALC> ubBuf;
    pipe.InitBuffer(ubBuf, kAccBytes);
    LocalTensor<CT> ub = ubBuf.Get<CT>();
    DataCopyEnhancedParams ep;
    ep.blockMode = BlockMode::BLOCK_MODE_MATRIX;
    DataCopy(ub, c1, DataCopyParams(static_cast<uint16_t>(nf), static_cast<uint16_t>(rows / 16), 0, 0), ep);
    PipeBarrier<PIPE_ALL>();
    DataCopy(cGM, ub, DataCopyParams(1, static_cast<uint16_t>(cBytes / 32), 0, 0));
#endif
}

