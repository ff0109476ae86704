// Every level-2 instruction with a fast path in vec_fast.h, on one tile, each result copied to its own slice
// of `out`. tests/test_vec_fast.py builds this three ways (default: AVX2/F16C where the CPU has them;
// -DASCENDPY_SIM_PORTABLE: the portable loops; -DASCENDPY_SIM_SCALAR_REF: the original per-element reference
// loops) and compares the outputs bit for bit.
//
// out slices (N elements each): the binary ops on (x, y) with count N - 3 (an odd tail), the tensor-scalar
// ops with the scalar s[0], the unary ops on x, then in place (dst == src0, dst == src), a partial overlap
// (dst = x + 16 elements, src0 = x), and the reductions ReduceMax / ReduceMin / ReduceSum of x over several
// counts (one value each, with the ReduceMax index bits beside it).
#include "kernel_operator.h"

using namespace AscendC;

constexpr uint32_t N = 2048;
constexpr uint32_t SLICES = 32;

template <typename T>
class KernelAll {
public:
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, GM_ADDR s, GM_ADDR out)
    {
        xGm.SetGlobalBuffer((__gm__ T*)x, N);
        yGm.SetGlobalBuffer((__gm__ T*)y, N);
        sGm.SetGlobalBuffer((__gm__ T*)s, 16);
        outGm.SetGlobalBuffer((__gm__ T*)out, N * SLICES);
        pipe.InitBuffer(xb, (N + 32) * sizeof(T));
        pipe.InitBuffer(yb, N * sizeof(T));
        pipe.InitBuffer(zb, (N + 32) * sizeof(T));
        pipe.InitBuffer(rb, 256);
        pipe.InitBuffer(wb, 4096);
    }
    __aicore__ inline void Process()
    {
        LocalTensor<T> x = xb.Get<T>(), y = yb.Get<T>(), z = zb.Get<T>(), r = rb.Get<T>(), w = wb.Get<T>();
        const T sc = sGm.GetValue(0);
        const int32_t c = N - 3;
        uint32_t k = 0;
        Load(x, y);
        Add(z, x, y, c); Out(z, k++);
        Sub(z, x, y, c); Out(z, k++);
        Mul(z, x, y, c); Out(z, k++);
        Div(z, x, y, c); Out(z, k++);
        Max(z, x, y, c); Out(z, k++);
        Min(z, x, y, c); Out(z, k++);
        Adds(z, x, sc, c); Out(z, k++);
        Muls(z, x, sc, c); Out(z, k++);
        Maxs(z, x, sc, c); Out(z, k++);
        Mins(z, x, sc, c); Out(z, k++);
        Exp(z, x, c); Out(z, k++);
        Ln(z, x, c); Out(z, k++);
        Abs(z, x, c); Out(z, k++);
        Sqrt(z, x, c); Out(z, k++);
        Rsqrt(z, x, c); Out(z, k++);
        Reciprocal(z, x, c); Out(z, k++);
        Relu(z, x, c); Out(z, k++);
        // in place: dst is src0 / src
        Mul(x, x, y, c); Out(x, k++); Load(x, y);
        Add(y, x, y, c); Out(y, k++); Load(x, y);
        Adds(x, x, sc, c); Out(x, k++); Load(x, y);
        Exp(x, x, c); Out(x, k++); Load(x, y);
        // partial overlap: dst starts 32 bytes into src0 (the sequential loop's result)
        Add(x[32 / sizeof(T)], x, y, c); Out(x, k++); Load(x, y);
        Exp(x[32 / sizeof(T)], x, c); Out(x, k++); Load(x, y);
        // reductions over several counts, results packed into one slice
        const int32_t counts[] = {1, 7, 64, 65, 200, 1000, static_cast<int32_t>(N)};
        for (uint32_t i = 0; i < sizeof(counts) / sizeof(counts[0]); ++i) {
            ReduceMax(r, x, w, counts[i], true); Put(r, k, 4 * i);
            ReduceMin(r, x, w, counts[i], true); Put(r, k, 4 * i + 2);
            ReduceSum(r, y, w, counts[i]); Put(r, k + 1, i);
        }
        k += 2;
    }

private:
    __aicore__ inline void Load(LocalTensor<T>& x, LocalTensor<T>& y)
    {
        PipeBarrier<PIPE_ALL>();
        DataCopy(x, xGm, N);
        DataCopy(y, yGm, N);
        PipeBarrier<PIPE_ALL>();
    }
    __aicore__ inline void Out(LocalTensor<T>& z, uint32_t k)
    {
        PipeBarrier<PIPE_ALL>();
        DataCopy(outGm[k * N], z, N);
        PipeBarrier<PIPE_ALL>();
    }
    __aicore__ inline void Put(LocalTensor<T>& r, uint32_t k, uint32_t at)  // r[0], r[1] -> out[k * N + at..]
    {
        PipeBarrier<PIPE_ALL>();
        outGm.SetValue(k * N + at, r.GetValue(0));
        outGm.SetValue(k * N + at + 1, r.GetValue(1));
        PipeBarrier<PIPE_ALL>();
    }

    TPipe pipe;
    TBuf<TPosition::VECCALC> xb, yb, zb, rb, wb;
    GlobalTensor<T> xGm, yGm, sGm, outGm;
};

extern "C" __global__ __aicore__ void vec_all_half(GM_ADDR x, GM_ADDR y, GM_ADDR s, GM_ADDR out)
{
    KernelAll<half> op;
    op.Init(x, y, s, out);
    op.Process();
}

extern "C" __global__ __aicore__ void vec_all_float(GM_ADDR x, GM_ADDR y, GM_ADDR s, GM_ADDR out)
{
    KernelAll<float> op;
    op.Init(x, y, s, out);
    op.Process();
}

// Cast float -> half (CAST_NONE, CAST_RINT (910B), CAST_ODD) and half -> float of N elements; out16 gets 3
// slices.
extern "C" __global__ __aicore__ void vec_cast(GM_ADDR x32, GM_ADDR x16, GM_ADDR out16, GM_ADDR out32)
{
    TPipe pipe;
    TBuf<TPosition::VECCALC> fb, hb, hout, fout;
    GlobalTensor<float> x32Gm, out32Gm;
    GlobalTensor<half> x16Gm, out16Gm;
    x32Gm.SetGlobalBuffer((__gm__ float*)x32, N);
    x16Gm.SetGlobalBuffer((__gm__ half*)x16, N);
    out16Gm.SetGlobalBuffer((__gm__ half*)out16, 3 * N);
    out32Gm.SetGlobalBuffer((__gm__ float*)out32, N);
    pipe.InitBuffer(fb, N * sizeof(float));
    pipe.InitBuffer(hb, N * sizeof(half));
    pipe.InitBuffer(hout, N * sizeof(half));
    pipe.InitBuffer(fout, N * sizeof(float));
    LocalTensor<float> f = fb.Get<float>(), fo = fout.Get<float>();
    LocalTensor<half> h = hb.Get<half>(), ho = hout.Get<half>();
    DataCopy(f, x32Gm, N);
    DataCopy(h, x16Gm, N);
#if __CCE_AICORE__ == 200
    const RoundMode modes[] = {RoundMode::CAST_NONE, RoundMode::CAST_ODD, RoundMode::CAST_NONE};  // 310P: no RINT
#else
    const RoundMode modes[] = {RoundMode::CAST_NONE, RoundMode::CAST_RINT, RoundMode::CAST_ODD};
#endif
    for (uint32_t k = 0; k < 3; ++k) {
        PipeBarrier<PIPE_ALL>();
        Cast(ho, f, modes[k], N - 3);
        PipeBarrier<PIPE_ALL>();
        DataCopy(out16Gm[k * N], ho, N);
    }
    PipeBarrier<PIPE_ALL>();
    Cast(fo, h, RoundMode::CAST_NONE, N - 3);
    PipeBarrier<PIPE_ALL>();
    DataCopy(out32Gm, fo, N);
}
