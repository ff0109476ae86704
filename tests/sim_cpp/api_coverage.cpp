// Instantiates every API of the simulated AscendC header for each element
// type it supports, so that tests/test_sim_header.py can check the header is
// warning-free at -O2 -Wall -Wextra without compiling the whole test suite
// twice. Compiled only (-c), never run.
#include "kernel_operator.h"

using namespace AscendC;

namespace {

template <typename T>
void arith(const LocalTensor<T>& a, const LocalTensor<T>& b, const LocalTensor<T>& c, int32_t n) {
  Add(a, b, c, n);
  Sub(a, b, c, n);
  Mul(a, b, c, n);
  Max(a, b, c, n);
  Min(a, b, c, n);
  const T s = b.GetValue(0);
  Adds(a, b, s, n);
  Muls(a, b, s, n);
  Maxs(a, b, s, n);
  Mins(a, b, s, n);
  Duplicate(a, s, n);
}

template <typename T>
void floating(const LocalTensor<T>& a, const LocalTensor<T>& b, const LocalTensor<T>& c, const LocalTensor<uint8_t>& m,
              int32_t n) {
  arith(a, b, c, n);
  Div(a, b, c, n);
  Exp(a, b, n);
  Ln(a, b, n);
  Abs(a, b, n);
  Sqrt(a, b, n);
  Rsqrt(a, b, n);
  Reciprocal(a, b, n);
  Relu(a, b, n);
  ReduceMax(a, b, c, n, true);
  ReduceMin(a, b, c, n);
  ReduceSum(a, b, c, n);
  Compare(m, a, b, CMPMODE::LE, static_cast<uint32_t>(n));
  CompareScalar(m, a, b.GetValue(1), CMPMODE::NE, static_cast<uint32_t>(n));
  CompareScalar(m, a, b.GetValue(1), CMPMODE::GT, static_cast<uint32_t>(n));
  Select(a, m, b, c, SELMODE::VSEL_TENSOR_TENSOR_MODE, static_cast<uint32_t>(n));
  Select(a, m, b, c.GetValue(0), SELMODE::VSEL_TENSOR_SCALAR_MODE, static_cast<uint32_t>(n));
}

template <typename T>
void copies(const LocalTensor<T>& l, const LocalTensor<T>& l2, GlobalTensor<T> g, uint32_t n) {
  DataCopy(l, g, n);
  DataCopy(g, l, n);
  DataCopy(l2, l, n);
  DataCopyParams p(2, 1, 0, 1);
  DataCopy(l, g, p);
  DataCopy(g, l, p);
  DataCopy(l2, l, p);
  DataCopyExtParams e{1, n * static_cast<uint32_t>(sizeof(T)), 0, 0, 0};
  DataCopyPad(l, g, e, DataCopyPadExtParams<T>{true, 0, 1, T(0)});
  DataCopyPad(g, l, e);
  DataCopyPad(l, g, DataCopyParams(1, 4, 0, 0), DataCopyPadParams(false, 0, 0, 0));
  DataCopyPad(g, l, DataCopyParams(1, 4, 0, 0));
  g.SetValue(1, l.GetValue(0));
  l.SetValue(2, g.GetValue(1));
  l(3) = g(2);
  (void)l.template ReinterpretCast<uint8_t>().GetPhyAddr(1);
}

template <typename D, typename S>
void cast(const LocalTensor<D>& d, const LocalTensor<S>& s, uint32_t n) {
  Cast(d, s, RoundMode::CAST_RINT, n);
}

}  // namespace

extern "C" __global__ __aicore__ void api_coverage(GM_ADDR gm, int32_t n) {
  KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);
  TPipe pipe;
  TQue<QuePosition::VECIN, 2> in;
  TQue<QuePosition::VECOUT, 1> out;
  TBuf<TPosition::VECCALC> calc;
  TBuf<> mask;
  pipe.InitBuffer(in, 2, 4096);
  pipe.InitBuffer(out, 1, 4096);
  pipe.InitBuffer(calc, 8192);
  pipe.InitBuffer(mask, 256);
  LocalTensor<float> f = in.AllocTensor<float>();
  LocalTensor<float> f2 = calc.Get<float>(256);
  LocalTensor<float> f3 = calc.GetWithOffset<float>(256, 1024);
  LocalTensor<uint8_t> m = mask.Get<uint8_t>();
  LocalTensor<half> h = f.ReinterpretCast<half>(), h2 = f2.ReinterpretCast<half>(), h3 = f3.ReinterpretCast<half>();
  LocalTensor<int32_t> i = f.ReinterpretCast<int32_t>(), i2 = f2.ReinterpretCast<int32_t>();
  LocalTensor<int16_t> s = f.ReinterpretCast<int16_t>(), s2 = f2.ReinterpretCast<int16_t>();
  LocalTensor<bfloat16_t> b = f3.ReinterpretCast<bfloat16_t>();
  LocalTensor<int8_t> i8 = f3.ReinterpretCast<int8_t>();
  LocalTensor<uint8_t> u8 = f3.ReinterpretCast<uint8_t>();

  floating(f, f2, f3, m, n);
  floating(h, h2, h3, m, n);
  arith(i, i2, i2, n);
  arith(s, s2, s2, n);
  Relu(i, i2, n);
  Compare(m, i, i2, CMPMODE::EQ, static_cast<uint32_t>(n));
  Duplicate(b, bfloat16_t(1.0f), n);
  Duplicate(f2.ReinterpretCast<uint16_t>(), uint16_t(3), n);
  Duplicate(f2.ReinterpretCast<uint32_t>(), uint32_t(3), n);

  const uint32_t un = static_cast<uint32_t>(n);
  cast(h, f, un);
  cast(f, h, un);
  cast(i, f, un);
  cast(f, i, un);
  cast(i, h, un);
  cast(b, f, un);
  cast(f, b, un);
  cast(f, f2, un);
  cast(h, i8, un);
  cast(h, u8, un);
  cast(h, s, un);
  cast(i8, h, un);
  cast(u8, h, un);
  cast(s, h, un);

  GlobalTensor<float> gf;
  gf.SetGlobalBuffer(reinterpret_cast<__gm__ float*>(gm), 4096);
  GlobalTensor<half> gh;
  gh.SetGlobalBuffer(reinterpret_cast<__gm__ half*>(gm));
  GlobalTensor<int8_t> g8;
  g8.SetGlobalBuffer(reinterpret_cast<__gm__ int8_t*>(gm));
  copies(f, f2, gf[n], un);
  copies(h, h2, gh, un);
  copies(i8, u8.ReinterpretCast<int8_t>(), g8, un);

  in.EnQue(f);
  LocalTensor<float> f4 = in.DeQue<float>();
  in.FreeTensor(f4);
  LocalTensor<half> o = out.AllocTensor<half>();
  out.EnQue<half>(o);
  o = out.DeQue<half>();
  out.FreeTensor(o);
  (void)(in.VacantInQue() && in.HasTensorInQue() && in.HasIdleBuffer() && in.GetTensorCountInQue() > 0);
  in.FreeAllEvent();

  TEventID ev = pipe.AllocEventID<HardEvent::V_MTE3>();
  SetFlag<HardEvent::V_MTE3>(ev);
  WaitFlag<HardEvent::V_MTE3>(ev);
  pipe.ReleaseEventID<HardEvent::V_MTE3>(ev);
  event_t e2 = static_cast<event_t>(GetTPipePtr()->FetchEventID(HardEvent::MTE2_V));
  SetFlag<HardEvent::MTE2_V>(e2);
  WaitFlag<HardEvent::MTE2_V>(EVENT_ID1);
  (void)pipe.FetchEventID<HardEvent::S_V>();
  PipeBarrier<PIPE_V>();
  PipeBarrier<PIPE_MTE2>();
  PipeBarrier<PIPE_ALL>();
  TQueSync<PIPE_V, PIPE_MTE3> qs;
  qs.SetFlag(0);
  qs.WaitFlag(0);
  if ASCEND_IS_AIV {
    gf.SetValue(0, static_cast<float>(GetBlockIdx() + GetBlockNum() + GetSubBlockIdx() + GetSubBlockNum()));
  }

  half x = 1.5f, y = 2;
  x += y;
  x = x * y - half(0.25) / y + half(1);
  float z = static_cast<float>(x) * 2.0f;
  bfloat16_t bx = z, by = 3;
  bx = bx + by;
  gf.SetValue(1, z + static_cast<float>(bx) + (x < y ? 1.0f : 0.0f));
  pipe.Reset();
  pipe.Destroy();
}
// ascendc-check: 910B (the simulator's default SoC; tools/sim_api_matrix.txt covers 310P type by type)
