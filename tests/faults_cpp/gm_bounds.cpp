// Planted global-memory bugs (tests/test_faults.py). Every `// BUG <kernel>` marks the line the
// simulator must name. Each kernel is otherwise correct: pipes are ordered with barriers, so the
// planted bug is the first (and only) thing the simulator can object to.
#include "kernel_operator.h"

using namespace AscendC;

// An off-by-one neighbour read: y[i] = x[i] + x[i + 1]. The last block reads x[n].
extern "C" __global__ __aicore__ void gm_read_past_end(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    uint32_t per = (n + GetBlockNum() - 1) / GetBlockNum();
    uint32_t lo = GetBlockIdx() * per;
    uint32_t hi = lo + per < n ? lo + per : n;
    for (uint32_t i = lo; i < hi; ++i) {
        yGm.SetValue(i, xGm.GetValue(i) + xGm.GetValue(i + 1));  // BUG gm_read_past_end
    }
}

// A backward difference that forgets the first element: y[i] = x[i] - x[i - 1] reads x[-1].
extern "C" __global__ __aicore__ void gm_negative_index(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    for (int32_t i = n - 1; i >= 0; --i) {
        yGm(i) = xGm(i) - xGm(i - 1);  // BUG gm_negative_index
    }
}

// Tiles of `tile` elements by DataCopy; the last tile is partial but copied whole.
extern "C" __global__ __aicore__ void gm_copy_in_past_end(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tile)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, tile * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> t = buf.Get<float>();
    for (uint32_t off = GetBlockIdx() * tile; off < n; off += GetBlockNum() * tile) {
        DataCopy(t, xGm[off], tile);  // BUG gm_copy_in_past_end
        PipeBarrier<PIPE_ALL>();
        DataCopy(yGm[off], t, tile);
        PipeBarrier<PIPE_ALL>();
    }
}

// Loads the exact tail with DataCopyPad, but stores it rounded up to whole 32-byte blocks.
extern "C" __global__ __aicore__ void gm_copy_out_past_end(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tile)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, tile * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> t = buf.Get<float>();
    for (uint32_t off = GetBlockIdx() * tile; off < n; off += GetBlockNum() * tile) {
        uint32_t cnt = n - off < tile ? n - off : tile;
        DataCopyPad(t, xGm[off], {1, static_cast<uint32_t>(cnt * sizeof(float)), 0, 0, 0}, {false, 0, 0, 0.0f});
        PipeBarrier<PIPE_ALL>();
        DataCopy(yGm[off], t, (cnt + 7) / 8 * 8);  // BUG gm_copy_out_past_end
        PipeBarrier<PIPE_ALL>();
    }
}

// DataCopyPad with the tile length, not clamped to what is left of x.
extern "C" __global__ __aicore__ void gm_pad_past_end(GM_ADDR x, GM_ADDR y, uint32_t n, uint32_t tile)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, tile * sizeof(float));
    GlobalTensor<float> xGm, yGm;
    xGm.SetGlobalBuffer((__gm__ float*)x, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    LocalTensor<float> t = buf.Get<float>();
    for (uint32_t off = 0; off < n; off += tile) {
        DataCopyPad(t, xGm[off], {1, static_cast<uint32_t>(tile * sizeof(float)), 0, 0, 0},  // BUG gm_pad_past_end
                    {false, 0, 0, 0.0f});
        PipeBarrier<PIPE_ALL>();
        DataCopyPad(yGm[off], t, {1, static_cast<uint32_t>(tile * sizeof(float)), 0, 0, 0});
        PipeBarrier<PIPE_ALL>();
    }
}

// Row views of a rows x cols matrix, with the row pitch taken as cols + 1: the later rows'
// views run off the end of y, into whatever allocation follows it.
extern "C" __global__ __aicore__ void gm_view_overrun(GM_ADDR y, uint32_t rows, uint32_t cols)
{
    GlobalTensor<int32_t> yGm;
    yGm.SetGlobalBuffer((__gm__ int32_t*)y, rows * cols);
    for (uint32_t r = GetBlockIdx(); r < rows; r += GetBlockNum()) {
        GlobalTensor<int32_t> row = yGm[r * (cols + 1)];
        for (uint32_t c = 0; c < cols; ++c) {
            row.SetValue(c, static_cast<int32_t>(r * 1000 + c));  // BUG gm_view_overrun
        }
    }
}

// A raw device address passed as a 64-bit scalar (a "handle" kept from an earlier launch).
extern "C" __global__ __aicore__ void gm_raw_address(uint64_t addr, GM_ADDR y, uint32_t n)
{
    GlobalTensor<float> src, yGm;
    src.SetGlobalBuffer((__gm__ float*)addr, n);
    yGm.SetGlobalBuffer((__gm__ float*)y, n);
    for (uint32_t i = 0; i < n; ++i) {
        yGm.SetValue(i, src.GetValue(i));  // BUG gm_raw_address
    }
}
// ascendc-check: 910B (DataCopyPad; the simulator refuses it on 310P, as CANN does)
