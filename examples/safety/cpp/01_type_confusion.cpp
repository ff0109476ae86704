// Case 1 of the ascend-rs book, chapter 6: type confusion.
//
// Every AscendC kernel argument is GM_ADDR (__gm__ uint8_t*): the element type is erased at the
// kernel boundary and restored by a cast inside. This softmax casts its input to float*, but the
// host passes half data. On an NPU it reads 4 bytes per element from a buffer of 2-byte elements:
// garbage results, then reads past the end of the buffer, with no error.
#include "kernel_operator.h"

using namespace AscendC;

class KernelSoftmaxConfused {
public:
    __aicore__ inline KernelSoftmaxConfused() {}
    __aicore__ inline void Init(GM_ADDR x, GM_ADDR y, uint32_t n)
    {
        n_ = n;
        xGm.SetGlobalBuffer((__gm__ float*)x, n);  // the host passed n halves (2 n bytes), not n floats
        yGm.SetGlobalBuffer((__gm__ float*)y, n);
        pipe.InitBuffer(inQue, 1, n * sizeof(float));
        pipe.InitBuffer(outQue, 1, n * sizeof(float));
        pipe.InitBuffer(work, n * sizeof(float));
        pipe.InitBuffer(total, 32);
    }
    __aicore__ inline void Process()
    {
        LocalTensor<float> x = inQue.AllocTensor<float>();
        DataCopy(x, xGm, n_);  // BUG: reads 4 n bytes of a 2 n-byte buffer
        inQue.EnQue(x);
        x = inQue.DeQue<float>();
        LocalTensor<float> y = outQue.AllocTensor<float>();
        LocalTensor<float> w = work.Get<float>();
        LocalTensor<float> s = total.Get<float>();
        Exp(y, x, n_);
        PipeBarrier<PIPE_V>();
        ReduceSum(s, y, w, n_);
        PipeBarrier<PIPE_ALL>();
        float sum = s.GetValue(0);
        Muls(y, y, 1.0f / sum, n_);
        inQue.FreeTensor(x);
        outQue.EnQue(y);
        y = outQue.DeQue<float>();
        DataCopy(yGm, y, n_);
        outQue.FreeTensor(y);
    }

private:
    TPipe pipe;
    TQue<TPosition::VECIN, 1> inQue;
    TQue<TPosition::VECOUT, 1> outQue;
    TBuf<TPosition::VECCALC> work, total;
    GlobalTensor<float> xGm, yGm;
    uint32_t n_ = 0;
};

extern "C" __global__ __aicore__ void softmax_confused(GM_ADDR x, GM_ADDR y, uint32_t n)
{
    KernelSoftmaxConfused op;
    op.Init(x, y, n);
    op.Process();
}
