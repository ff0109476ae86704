"""Vector ops compiled from Python run on the simulator and match numpy on fresh random data.

One kernel module (tests/kernels/vector_ops.py) is compiled for 910B and launched
with lengths from 1 to 1,000,000 (most not a multiple of 32 bytes) and 1 to 48
blocks. Exactly rounded ops must give numpy's bits; exp / ln / rsqrt /
reciprocal stay within 1 ulp of the float64 result; reductions are checked
against the documented hardware summation order. Every output buffer carries a
guard zone after its `n` elements, filled with random bytes, that no kernel may
touch. A subset runs again compiled for 310P on a simulated Ascend310P3, where
copy tails go through the scalar unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import ml_dtypes
import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader, LaunchError, Stream
from tests.kernels import vector_ops as vk
from tests.kernels import vector_ops_310p as vk310

F16, F32, BF16 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(ml_dtypes.bfloat16)
I8, U8, I16, U16, I32, U32 = (np.dtype(t) for t in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32))
UINT_OF = {2: np.uint16, 4: np.uint32}
SHORT = {F16: "f16", F32: "f32", I16: "i16", I32: "i32", U32: "u32"}

# (length, block_dim): lengths around 32-byte blocks and tiles, block counts from 1 to 48.
CASES = [(1, 1), (3, 48), (15, 3), (16, 8), (17, 1), (255, 3), (2048, 1), (4097, 8), (100_003, 48)]
BIG = (1_000_000, 8)
GUARD = 40  # elements after `n` in every output buffer that must stay untouched

# References overflow to inf and make NaNs on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")


@pytest.fixture(scope="module")
def loader() -> KernelLoader:
    return KernelLoader.from_module(vk, soc="910B")


@pytest.fixture(scope="module")
def loader310() -> KernelLoader:
    return KernelLoader.from_module(vk310, soc="310P")


@pytest.fixture(autouse=True)
def _sim_910b(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 910B kernels run on a simulated 910B whatever the caller's environment says."""
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")


@dataclass(frozen=True)
class Out:
    dtype: np.dtype
    n: int


def run(loader: KernelLoader, stream: Stream, rng: np.random.Generator, name: str, block_dim: int,
        *args: object) -> list[np.ndarray]:
    """Launch `name`; numpy arrays become input buffers, `Out(dtype, n)` output buffers (returned in order)."""
    bufs: list[object] = []
    outs: list[tuple[DeviceBuffer, np.ndarray, int]] = []
    for a in args:
        if isinstance(a, Out):
            fill = rng.integers(0, 256, (a.n + GUARD) * a.dtype.itemsize, dtype=np.uint8).view(a.dtype)
            d = DeviceBuffer.from_numpy(fill)
            outs.append((d, fill, a.n))
            bufs.append(d)
        elif isinstance(a, np.ndarray):
            bufs.append(DeviceBuffer.from_numpy(np.ascontiguousarray(a)))
        else:
            bufs.append(a)
    loader.get_kernel(name)[block_dim, stream](*bufs)
    results = []
    for d, fill, n in outs:
        got = d.to_numpy()
        touched = np.flatnonzero(got[n:].view(np.uint8) != fill[n:].view(np.uint8))
        assert touched.size == 0, f"{name}: wrote {touched.size} byte(s) past element {n} (n={n})"
        results.append(got[:n])
    return results


def case_id(case: tuple[int, int]) -> str:
    return f"n{case[0]}-b{case[1]}"


# ------------------------------------------------------------------ data and comparisons
def float_data(rng: np.random.Generator, dtype: np.dtype, n: int, *, nan: bool = True, lo: float = -100.0,
               hi: float = 100.0) -> np.ndarray:
    """Half arbitrary bit patterns (subnormals, huge values, infinities, NaNs if `nan`), half uniform in [lo, hi)."""
    u = UINT_OF[dtype.itemsize]
    x = rng.integers(0, np.iinfo(u).max, n, dtype=u, endpoint=True).view(dtype).copy()
    plain = rng.random(n) < 0.5
    x[plain] = rng.uniform(lo, hi, int(plain.sum())).astype(dtype)
    if not nan:
        bad = np.isnan(x)
        x[bad] = rng.uniform(lo, hi, int(bad.sum())).astype(dtype)
    return x


def int_data(rng: np.random.Generator, dtype: np.dtype, n: int) -> np.ndarray:
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)


def assert_same_bits(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Bit-identical, except that any NaN matches any NaN."""
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape, want.shape)
    if got.dtype.kind == "f" or got.dtype == BF16:
        gn, wn = np.isnan(got.astype(np.float32)), np.isnan(want.astype(np.float32))
        u = UINT_OF[got.dtype.itemsize]
        bad = (gn != wn) | (~wn & (got.view(u) != want.view(u)))
    else:
        bad = got != want
    idx = np.flatnonzero(bad)
    assert idx.size == 0, (f"{what}: {idx.size} of {got.size} elements differ; first at {idx[:5].tolist()}: "
                           f"got {got[idx[:5]].tolist()}, want {want[idx[:5]].tolist()}")


def ordered(x: np.ndarray) -> np.ndarray:
    """Float bit patterns mapped to integers that increase with the value (ulp distance = difference)."""
    bits = x.view(UINT_OF[x.dtype.itemsize]).astype(np.int64)
    sign = 1 << (8 * x.dtype.itemsize - 1)
    return np.where(bits & sign, -(bits & (sign - 1)), bits)


def assert_within_ulp(got: np.ndarray, want: np.ndarray, ulps: int, what: str) -> None:
    gn, wn = np.isnan(got), np.isnan(want)
    dist = np.abs(ordered(got) - ordered(want))
    bad = (gn != wn) | (~wn & (dist > ulps))
    idx = np.flatnonzero(bad)
    assert idx.size == 0, (f"{what}: {idx.size} of {got.size} elements are more than {ulps} ulp off; first at "
                           f"{idx[:5].tolist()}: got {got[idx[:5]].tolist()}, want {want[idx[:5]].tolist()}")


# ------------------------------------------------------------------ element-wise binary
FLOAT_BINARY = {"add": (vk.ADD, np.add), "sub": (vk.SUB, np.subtract), "mul": (vk.MUL, np.multiply),
                "div": (vk.DIV, np.divide), "min": (vk.MIN, np.minimum), "max": (vk.MAX, np.maximum)}
INT_BINARY = {k: v for k, v in FLOAT_BINARY.items() if k != "div"}


@pytest.mark.parametrize("op", FLOAT_BINARY)
@pytest.mark.parametrize("dtype", [F16, F32], ids=["f16", "f32"])
def test_binary_float_is_exact(loader, runtime, rng, dtype, op):
    stream = runtime[3]
    code, ref = FLOAT_BINARY[op]
    cases = CASES + [BIG] if op in ("add", "div") else CASES
    for n, bd in cases:
        # min / max of NaN is unspecified in AscendC: keep NaNs to the ops where IEEE fixes the result.
        nan = op not in ("min", "max")
        x, y = float_data(rng, dtype, n, nan=nan), float_data(rng, dtype, n, nan=nan)
        (got,) = run(loader, stream, rng, f"binary_{SHORT[dtype]}", bd, x, y,
                     Out(dtype, n), n, code)
        with np.errstate(all="ignore"):
            want = ref(x, y)
        assert_same_bits(got, want, f"{op} {dtype} n={n} block_dim={bd}")


@pytest.mark.parametrize("op", INT_BINARY)
@pytest.mark.parametrize("dtype", [I16, I32], ids=["i16", "i32"])
def test_binary_int_wraps(loader, runtime, rng, dtype, op):
    stream = runtime[3]
    code, ref = INT_BINARY[op]
    cases = CASES + [BIG] if op == "mul" else CASES
    for n, bd in cases:
        x, y = int_data(rng, dtype, n), int_data(rng, dtype, n)
        (got,) = run(loader, stream, rng, f"binary_{SHORT[dtype]}", bd, x, y, Out(dtype, n), n,
                     code)
        with np.errstate(all="ignore"):
            want = ref(x, y).astype(dtype)
        assert_same_bits(got, want, f"{op} {dtype} n={n} block_dim={bd}")


# ------------------------------------------------------------------ tensor-scalar
SCALAR_OPS = {"adds": (vk.ADD, np.add), "muls": (vk.MUL, np.multiply), "mins": (vk.MIN, np.minimum),
              "maxs": (vk.MAX, np.maximum)}


@pytest.mark.parametrize("op", SCALAR_OPS)
@pytest.mark.parametrize("dtype", [F16, F32, I16, I32], ids=["f16", "f32", "i16", "i32"])
def test_tensor_scalar(loader, runtime, rng, dtype, op):
    stream = runtime[3]
    code, ref = SCALAR_OPS[op]
    for n, bd in CASES:
        if dtype.kind == "f":
            x = float_data(rng, dtype, n, nan=op in ("adds", "muls"))
            s = dtype.type(rng.uniform(-50, 50))
            arg: object = float(s)
        else:
            x = int_data(rng, dtype, n)
            s = int_data(rng, dtype, 1)[0]
            arg = int(s)
        (got,) = run(loader, stream, rng, f"scalar_{SHORT[dtype]}", bd, x, Out(dtype, n), arg, n, code)
        with np.errstate(all="ignore"):
            want = ref(x, s).astype(dtype)
        assert_same_bits(got, want, f"{op} {dtype} s={s} n={n} block_dim={bd}")


# ------------------------------------------------------------------ unary
def _relu(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x, x.dtype.type(0))  # +0 for -0 and for 0


EXACT_UNARY = {"abs": (vk.ABS, np.abs), "sqrt": (vk.SQRT, np.sqrt), "relu": (vk.RELU, _relu)}


@pytest.mark.parametrize("op", EXACT_UNARY)
@pytest.mark.parametrize("dtype", [F16, F32], ids=["f16", "f32"])
def test_unary_exact(loader, runtime, rng, dtype, op):
    stream = runtime[3]
    code, ref = EXACT_UNARY[op]
    cases = CASES + [BIG] if op == "sqrt" else CASES
    for n, bd in cases:
        x = float_data(rng, dtype, n, nan=op != "relu")
        (got,) = run(loader, stream, rng, f"unary_{SHORT[dtype]}", bd, x, Out(dtype, n), n, code)
        with np.errstate(all="ignore"):
            want = ref(x).astype(dtype)
        assert_same_bits(got, want, f"{op} {dtype} n={n} block_dim={bd}")


def _positive(rng: np.random.Generator, dtype: np.dtype, n: int) -> np.ndarray:
    x = np.abs(float_data(rng, dtype, n, nan=False, lo=0.0, hi=1000.0))
    x[x == 0] = 1
    return x


APPROX_UNARY = {
    "exp": (vk.EXP, np.exp, lambda rng, dt, n: rng.uniform(-20, 12 if dt == F16 else 89, n).astype(dt)),
    "ln": (vk.LN, np.log, _positive),
    "rsqrt": (vk.RSQRT, lambda v: 1 / np.sqrt(v), _positive),
    "reciprocal": (vk.RECIPROCAL, lambda v: 1 / v, lambda rng, dt, n: float_data(rng, dt, n, nan=False)),
}


@pytest.mark.parametrize("op", APPROX_UNARY)
@pytest.mark.parametrize("dtype", [F16, F32], ids=["f16", "f32"])
def test_unary_within_one_ulp(loader, runtime, rng, dtype, op):
    stream = runtime[3]
    code, ref, data = APPROX_UNARY[op]
    cases = CASES + [BIG] if op == "exp" else CASES
    for n, bd in cases:
        x = data(rng, dtype, n)
        (got,) = run(loader, stream, rng, f"unary_{SHORT[dtype]}", bd, x, Out(dtype, n), n, code)
        with np.errstate(all="ignore"):
            want = ref(x.astype(np.float64)).astype(dtype)
        assert_within_ulp(got, want, 1, f"{op} {dtype} n={n} block_dim={bd}")


def test_relu_i32(loader, runtime, rng):
    stream = runtime[3]
    for n, bd in CASES:
        x = int_data(rng, I32, n)
        (got,) = run(loader, stream, rng, "q_relu_i32", bd, x, Out(I32, n), n)
        assert_same_bits(got, np.maximum(x, 0), f"relu i32 n={n} block_dim={bd}")


# ------------------------------------------------------------------ single-op pipelines (TQue)
@pytest.mark.parametrize("case", CASES + [BIG], ids=case_id)
def test_queue_pipelines(loader, runtime, rng, case):
    stream = runtime[3]
    n, bd = case
    x16, y16 = float_data(rng, F16, n), float_data(rng, F16, n)
    (got,) = run(loader, stream, rng, "q_add_f16", bd, x16, y16, Out(F16, n), n)
    assert_same_bits(got, x16 + y16, f"q_add_f16 n={n}")
    xi, yi = int_data(rng, I32, n), int_data(rng, I32, n)
    (got,) = run(loader, stream, rng, "q_add_i32", bd, xi, yi, Out(I32, n), n)
    assert_same_bits(got, xi + yi, f"q_add_i32 n={n}")
    x32 = float_data(rng, F32, n)
    s = np.float32(rng.uniform(-4, 4))
    (got,) = run(loader, stream, rng, "q_muls_f32", bd, x32, Out(F32, n), float(s), n)
    with np.errstate(all="ignore"):
        assert_same_bits(got, x32 * s, f"q_muls_f32 n={n}")
    e = rng.uniform(-80, 80, n).astype(np.float32)
    (got,) = run(loader, stream, rng, "q_exp_f32", bd, e, Out(F32, n), n)
    assert_within_ulp(got, np.exp(e.astype(np.float64)).astype(np.float32), 1, f"q_exp_f32 n={n}")
    nan_free = np.where(np.isnan(x16), np.float16(1), x16)
    (got,) = run(loader, stream, rng, "q_ops_relu_f16", bd, nan_free, Out(F16, n), n)
    assert_same_bits(got, _relu(nan_free), f"std.ops.relu n={n}")
    (got,) = run(loader, stream, rng, "q_cast_f32_f16", bd, x32, Out(F16, n), n)
    assert_same_bits(got, x32.astype(F16), f"q_cast_f32_f16 n={n}")


# ------------------------------------------------------------------ duplicate
@pytest.mark.parametrize("dtype", [F16, F32, I16, U32], ids=["f16", "f32", "i16", "u32"])
def test_duplicate(loader, runtime, rng, dtype):
    stream = runtime[3]
    for n, bd in CASES + [BIG]:
        if dtype.kind == "f":
            v = dtype.type(rng.uniform(-1000, 1000))
            arg: object = float(v)
        else:
            v = int_data(rng, dtype, 1)[0]
            arg = int(v)
        (got,) = run(loader, stream, rng, f"duplicate_{SHORT[dtype]}", bd, Out(dtype, n), arg, n)
        assert_same_bits(got, np.full(n, v, dtype=dtype), f"duplicate {dtype} {v} n={n} block_dim={bd}")


# ------------------------------------------------------------------ cast
INT_MODES = {"CAST_RINT": 1, "CAST_FLOOR": 2, "CAST_CEIL": 3, "CAST_ROUND": 4, "CAST_TRUNC": 5}


def round_integral(x: np.ndarray, mode: str) -> np.ndarray:
    """x (float64) rounded to an integral value like AscendC's RoundMode."""
    if mode in ("CAST_RINT", "CAST_NONE"):
        return np.rint(x)
    if mode == "CAST_FLOOR":
        return np.floor(x)
    if mode == "CAST_CEIL":
        return np.ceil(x)
    if mode == "CAST_ROUND":
        return np.sign(x) * np.floor(np.abs(x) + 0.5)  # half away from zero
    return np.trunc(x)


def to_int(x: np.ndarray, mode: str, dtype: np.dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.clip(round_integral(x.astype(np.float64), mode), info.min, info.max).astype(dtype)


def with_ties(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    x = rng.uniform(-scale, scale, n)
    halves = rng.random(n) < 0.3
    x[halves] = np.round(x[halves]) + 0.5  # exact ties for the half-way modes
    if n >= 8:
        x[4:8] = [-0.3, -0.5, 0.25, -1.5]  # results of zero keep the sign (rint(-0.3) is -0.0), ties near zero
    return x


@pytest.mark.parametrize("mode", INT_MODES)
def test_cast_f32_to_i32(loader, runtime, rng, mode):
    stream = runtime[3]
    for n, bd in CASES:
        x = with_ties(rng, n, 1e5).astype(np.float32)
        x[: min(n, 4)] = np.array([3e9, -3e9, 2.5, -2.5], dtype=np.float32)[: min(n, 4)]  # saturation and ties
        (got,) = run(loader, stream, rng, "cast_f32_i32", bd, x, Out(I32, n), n, INT_MODES[mode])
        assert_same_bits(got, to_int(x, mode, I32), f"f32->i32 {mode} n={n} block_dim={bd}")


@pytest.mark.parametrize("mode", INT_MODES)
def test_cast_f16_to_i32_and_f32_to_f32(loader, runtime, rng, mode):
    stream = runtime[3]
    for n, bd in CASES[::2]:
        x = with_ties(rng, n, 3000).astype(np.float16)
        (got,) = run(loader, stream, rng, "cast_f16_i32", bd, x, Out(I32, n), n, INT_MODES[mode])
        assert_same_bits(got, to_int(x, mode, I32), f"f16->i32 {mode} n={n}")
        y = with_ties(rng, n, 1e6).astype(np.float32)
        (got,) = run(loader, stream, rng, "cast_f32_f32", bd, y, Out(F32, n), n, INT_MODES[mode])
        assert_same_bits(got, round_integral(y.astype(np.float64), mode).astype(np.float32),
                         f"f32->f32 {mode} n={n}")


F16_MODES = {"CAST_NONE": 0, **INT_MODES, "CAST_ODD": 6}


def round_to_f16(x: np.ndarray, mode: str) -> np.ndarray:
    """f32 -> f16 with a rounding mode, from numpy's round-to-nearest-even and the two neighbours."""
    v = x.astype(np.float64)
    r = x.astype(np.float16)
    rv = r.astype(np.float64)
    lo = np.where(rv > v, np.nextafter(r, np.float16(-np.inf)), r)  # largest half <= x
    hi = np.where(rv < v, np.nextafter(r, np.float16(np.inf)), r)  # smallest half >= x
    exact = lo == hi
    if mode in ("CAST_NONE", "CAST_RINT"):
        return r
    if mode == "CAST_FLOOR":
        return lo
    if mode == "CAST_CEIL":
        return hi
    if mode == "CAST_TRUNC":
        return np.where(v >= 0, lo, hi)
    if mode == "CAST_ROUND":
        dlo, dhi = v - lo.astype(np.float64), hi.astype(np.float64) - v
        away = np.where(v >= 0, hi, lo)
        return np.where(exact, r, np.where(dlo < dhi, lo, np.where(dhi < dlo, hi, away)))
    odd = np.where(lo.view(np.uint16) & 1, lo, hi)  # CAST_ODD: the neighbour with an odd last bit
    return np.where(exact, r, odd)


@pytest.mark.parametrize("mode", F16_MODES)
def test_cast_f32_to_f16(loader, runtime, rng, mode):
    stream = runtime[3]
    for n, bd in CASES:
        # normal and subnormal halves, ties between halves, and (round to nearest only) overflow to inf
        x = rng.uniform(-60000, 60000, n).astype(np.float32)
        small = rng.random(n) < 0.3
        x[small] = (rng.uniform(-1, 1, int(small.sum())) * 2.0 ** rng.integers(-26, 0, int(small.sum())))
        ties = rng.random(n) < 0.2
        h = rng.uniform(-1000, 1000, int(ties.sum())).astype(np.float16)
        x[ties] = (h.astype(np.float64) + np.abs(np.nextafter(h, np.float16(np.inf)).astype(np.float64)
                                                  - h.astype(np.float64)) / 2).astype(np.float32)
        if mode in ("CAST_NONE", "CAST_RINT") and n >= 4:
            x[:4] = [70000.0, -1e9, 65519.0, 65520.0]
        (got,) = run(loader, stream, rng, "cast_f32_f16", bd, x, Out(F16, n), n, F16_MODES[mode])
        assert_same_bits(got, round_to_f16(x, mode), f"f32->f16 {mode} n={n} block_dim={bd}")


BF16_MODES = {k: v for k, v in F16_MODES.items() if k not in ("CAST_NONE", "CAST_ODD")}  # CANN 8.1: R5 only


def round_to_bf16(x: np.ndarray, mode: str) -> np.ndarray:
    """f32 -> bf16 on the bit pattern: keep the top 16 bits and move away from zero as the mode says."""
    bits = x.view(np.uint32)
    trunc = (bits >> 16).astype(np.uint16)
    rest = bits & 0xFFFF
    neg = (bits >> 31).astype(bool)
    inexact = rest != 0
    if mode == "CAST_RINT":
        return x.astype(BF16)
    away = {
        "CAST_FLOOR": inexact & neg,
        "CAST_CEIL": inexact & ~neg,
        "CAST_ROUND": rest >= 0x8000,
        "CAST_TRUNC": np.zeros_like(inexact),
    }.get(mode)
    if away is None:  # CAST_ODD: truncate, then set the last bit if anything was dropped
        return (trunc | inexact.astype(np.uint16)).view(BF16)
    return (trunc + away.astype(np.uint16)).view(BF16)


@pytest.mark.parametrize("mode", BF16_MODES)
def test_cast_f32_to_bf16(loader, runtime, rng, mode):
    stream = runtime[3]
    for n, bd in CASES[::2] + [BIG]:
        x = (rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n)).astype(np.float32)
        ties = rng.random(n) < 0.2
        x[ties] = ((x[ties].view(np.uint32) & 0xFFFF0000) | 0x8000).view(np.float32)
        (got,) = run(loader, stream, rng, "cast_f32_bf16", bd, x, Out(BF16, n), n, BF16_MODES[mode])
        assert_same_bits(got, round_to_bf16(x, mode), f"f32->bf16 {mode} n={n} block_dim={bd}")


@pytest.mark.parametrize("case", CASES + [BIG], ids=case_id)
def test_exact_widening_casts_and_bf16_copy(loader, runtime, rng, case):
    stream = runtime[3]
    n, bd = case
    h = float_data(rng, F16, n)
    (got,) = run(loader, stream, rng, "cast_f16_f32", bd, h, Out(F32, n), n)
    assert_same_bits(got, h.astype(np.float32), "f16->f32")
    b = float_data(rng, F32, n).astype(BF16)
    (got,) = run(loader, stream, rng, "cast_bf16_f32", bd, b, Out(F32, n), n)
    assert_same_bits(got, b.astype(np.float32), "bf16->f32")
    (got,) = run(loader, stream, rng, "copy_bf16", bd, b, Out(BF16, n), n)
    assert_same_bits(got, b, "bf16 copy")
    i = int_data(rng, I32, n)
    (got,) = run(loader, stream, rng, "cast_i32_f32", bd, i, Out(F32, n), n)
    assert_same_bits(got, i.astype(np.float32), "i32->f32 (round to nearest even)")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_small_int_casts(loader, runtime, rng, case):
    stream = runtime[3]
    n, bd = case
    i16 = int_data(rng, I16, n)
    (got,) = run(loader, stream, rng, "cast_i16_f16", bd, i16, Out(F16, n), n)
    assert_same_bits(got, i16.astype(np.float16), "i16->f16")
    for dt, name in ((U8, "cast_u8_f16"), (I8, "cast_i8_f16")):
        v = int_data(rng, dt, n)
        (got,) = run(loader, stream, rng, name, bd, v, Out(F16, n), n)
        assert_same_bits(got, v.astype(np.float16), f"{dt}->f16")
    h = with_ties(rng, n, 40000).astype(np.float16)
    (got,) = run(loader, stream, rng, "cast_f16_i16", bd, h, Out(I16, n), n)
    assert_same_bits(got, to_int(h, "CAST_RINT", I16), "f16->i16 RINT (saturating)")


# ------------------------------------------------------------------ compare / select
CMP_REFS = [np.less, np.greater, np.equal, np.less_equal, np.greater_equal, np.not_equal]  # LT GT EQ LE GE NE


def decode_masks(raw: np.ndarray, n: int) -> np.ndarray:
    """The 6 bit masks written by tiled_compare: bit i of byte i/8 is element i."""
    return np.unpackbits(raw.reshape(6, n // 8), axis=1, bitorder="little").astype(bool)


def compare_inputs(rng: np.random.Generator, dtype: np.dtype, n: int) -> tuple[np.ndarray, np.ndarray]:
    if dtype.kind == "f":
        a = float_data(rng, dtype, n, nan=False)
        b = float_data(rng, dtype, n, nan=False)
    else:
        a, b = rng.integers(-5, 5, n, dtype=dtype), int_data(rng, dtype, n)
    same = rng.random(n) < 0.3
    b[same] = a[same]
    return a, b


@pytest.mark.parametrize("dtype", [F16, F32, I32], ids=["f16", "f32", "i32"])
def test_compare_all_modes(loader, runtime, rng, dtype):
    stream = runtime[3]
    unit = 256 // dtype.itemsize  # count * sizeof(T) must be a multiple of 256 bytes
    for n, bd in [(unit, 1), (unit * 3, 3), (vk.CMP_TILE, 8), (unit * 161, 48), (unit * 1563, 8)]:
        a, b = compare_inputs(rng, dtype, n)
        (raw,) = run(loader, stream, rng, f"compare_{SHORT[dtype]}", bd, a, b, Out(U8, 6 * n // 8), n)
        masks = decode_masks(raw, n)
        for k, ref in enumerate(CMP_REFS):
            np.testing.assert_array_equal(masks[k], ref(a, b), err_msg=f"compare {ref.__name__} {dtype} n={n}")


@pytest.mark.parametrize("dtype", [F16, F32, I32], ids=["f16", "f32", "i32"])
def test_compares_all_modes(loader, runtime, rng, dtype):
    stream = runtime[3]
    unit = 256 // dtype.itemsize
    for n, bd in [(unit, 1), (unit * 5, 3), (unit * 161, 48)]:
        a, _ = compare_inputs(rng, dtype, n)
        s = a[rng.integers(0, n)]  # some elements equal the scalar
        (raw,) = run(loader, stream, rng, f"compares_{SHORT[dtype]}", bd, a,
                     float(s) if dtype.kind == "f" else int(s), Out(U8, 6 * n // 8), n)
        masks = decode_masks(raw, n)
        for k, ref in enumerate(CMP_REFS):
            np.testing.assert_array_equal(masks[k], ref(a, s), err_msg=f"compares {ref.__name__} {dtype} n={n}")


@pytest.mark.parametrize("dtype", [F16, F32], ids=["f16", "f32"])
@pytest.mark.parametrize("case", CASES[1::2] + [(vk.CMP_TILE * 3 + 8, 2), BIG], ids=case_id)
def test_select(loader, runtime, rng, dtype, case):
    stream = runtime[3]
    n, bd = case
    mask = rng.integers(0, 256, (n + 7) // 8, dtype=np.uint8)
    bits = np.unpackbits(mask, bitorder="little")[:n].astype(bool)
    a, b = float_data(rng, dtype, n), float_data(rng, dtype, n)
    (got,) = run(loader, stream, rng, f"select_{SHORT[dtype]}", bd, mask, a, b, Out(dtype, n), n)
    assert_same_bits(got, np.where(bits, a, b), f"select tensor-tensor n={n}")
    s = dtype.type(rng.uniform(-10, 10))
    (got,) = run(loader, stream, rng, f"select_scalar_{SHORT[dtype]}", bd, mask, a, float(s), Out(dtype, n), n)
    assert_same_bits(got, np.where(bits, a, s), f"select tensor-scalar n={n}")


def test_relu_by_compares_and_select(loader, runtime, rng):
    stream = runtime[3]
    for n, bd in [(64, 1), (64 * 37, 5), (64 * 1563, 48)]:
        x = float_data(rng, F32, n, nan=False)
        (got,) = run(loader, stream, rng, "relu_by_select_f32", bd, x, Out(F32, n), n)
        assert_same_bits(got, _relu(x), f"relu by select n={n}")


# ------------------------------------------------------------------ reductions
def _hw_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    r = (a.astype(np.float64) + b.astype(np.float64)).astype(a.dtype)
    if a.dtype == F16:  # half partial sums saturate instead of overflowing
        r = np.where(np.isinf(r) & np.isfinite(a) & np.isfinite(b), np.copysign(np.float16(65504), r), r)
    return r.astype(a.dtype)


def _tree(v: np.ndarray, lanes: int) -> np.ndarray:
    """Pairwise sums of adjacent elements inside each group of `lanes` (missing lanes are 0)."""
    rows = -(-v.size // lanes)
    t = np.zeros(rows * lanes, dtype=v.dtype)
    t[: v.size] = v
    t = t.reshape(rows, lanes)
    while t.shape[1] > 1:
        t = _hw_add(t[:, 0::2], t[:, 1::2])
    return t[:, 0]


def hardware_sum(x: np.ndarray, soc: str) -> np.floating:
    """ReduceSum order: a tree inside each 256-byte repeat, then sequential (910B) or a tree again (310P)."""
    lanes = 256 // x.itemsize
    level = _tree(x, lanes)
    if soc == "910B":
        acc = level[:1]
        for v in level[1:]:
            acc = _hw_add(acc, np.array([v]))
        return acc[0]
    while level.size > 1:
        level = _tree(level, lanes)
    return level[0]


def assert_sum_close(got: np.floating, x: np.ndarray, what: str) -> None:
    exact = float(np.sum(x.astype(np.float64)))
    eps = float(np.finfo(x.dtype).eps)
    levels = np.log2(256 // x.itemsize) + x.size / (256 // x.itemsize) + 1
    bound = levels * eps * float(np.sum(np.abs(x.astype(np.float64)))) + float(np.finfo(x.dtype).tiny)
    assert abs(float(got) - exact) <= bound, f"{what}: got {got}, exact {exact}, bound {bound}"


REDUCE_LENGTHS = [1, 3, 15, 16, 17, 64, 129, 255, 1000, 4097, vk.RTILE]


@pytest.mark.parametrize("op", ["max", "min", "sum"])
@pytest.mark.parametrize("dtype", [F16, F32], ids=["f16", "f32"])
def test_reductions(loader, runtime, rng, dtype, op):
    stream = runtime[3]
    code = {"max": vk.RMAX, "min": vk.RMIN, "sum": vk.RSUM}[op]
    for n in REDUCE_LENGTHS:
        rows = int(rng.integers(1, 9))
        x = rng.uniform(-10, 10, (rows, n)).astype(dtype)
        if op != "sum":
            x = float_data(rng, dtype, rows * n, nan=False).reshape(rows, n)
        got, got_buf = run(loader, stream, rng, f"reduce_{SHORT[dtype]}", rows, x, Out(dtype, rows),
                           Out(dtype, rows), n, code)
        for r in range(rows):
            what = f"reduce_{op} {dtype} n={n} row {r}"
            if op == "sum":
                assert_sum_close(got[r], x[r], what)
                assert_same_bits(got[r:r + 1], np.array([hardware_sum(x[r], "910B")]), what + " (hardware order)")
            else:
                want = x[r].max() if op == "max" else x[r].min()
                assert_same_bits(got[r:r + 1], np.array([want], dtype=dtype), what)
        assert_same_bits(got_buf, got, f"reduce_{op} {dtype} n={n}: into-buffer form vs scalar form")


@pytest.mark.parametrize("case", [(4097, 3), (100_003, 8), (1_000_000, 48)], ids=case_id)
def test_reduce_sum_per_tile_accumulated(loader, runtime, rng, case):
    stream = runtime[3]
    n, bd = case
    x = rng.uniform(-1, 1, n).astype(np.float32)
    (got,) = run(loader, stream, rng, "sum_tiles_f32", bd, x, Out(F32, bd), n)
    per = -(-n // bd)
    for b in range(bd):
        part = x[b * per:(b + 1) * per]
        np.testing.assert_allclose(got[b], np.sum(part.astype(np.float64)), rtol=0,
                                   atol=1e-6 * max(1.0, float(np.abs(part).sum())), err_msg=f"block {b}")


def test_softmax_rows(loader, runtime, rng):
    stream = runtime[3]
    for n, rows in [(1, 1), (17, 3), (1000, 8), (vk.RTILE, 2)]:
        x = rng.uniform(-20, 20, (rows, n)).astype(np.float32)
        (got,) = run(loader, stream, rng, "softmax_rows_f32", rows, x, Out(F32, rows * n), n)
        e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
        want = e / e.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(got.reshape(rows, n), want, rtol=2e-5, atol=1e-9, err_msg=f"n={n}")


# ------------------------------------------------------------------ in place: TBuf buffers and inserted flags
@pytest.mark.parametrize("case", CASES + [BIG], ids=case_id)
def test_in_place_and_scalar_access(loader, runtime, rng, case):
    stream = runtime[3]
    n, bd = case
    x, y = float_data(rng, F32, n), float_data(rng, F32, n)
    a = np.float32(rng.uniform(-3, 3))
    yd = DeviceBuffer.from_numpy(y)
    loader.get_kernel("axpy_inplace_f32")[bd, stream](DeviceBuffer.from_numpy(x), yd, float(a), n)
    with np.errstate(all="ignore"):
        assert_same_bits(yd.to_numpy(), a * x + y, f"axpy in place n={n}")
    h = rng.uniform(-100, 100, n).astype(np.float16)
    (got,) = run(loader, stream, rng, "scalar_fixup_f16", bd, h, Out(F16, n), n)
    want = np.abs(h)
    per = -(-n // bd)
    starts = [s for b in range(bd) for s in range(b * per, min(n, (b + 1) * per), vk.TILE)]
    want[starts] = want[starts] + np.float16(vk.TILE)
    assert_same_bits(got, want * np.float16(2), f"scalar fix-up n={n}")


# ------------------------------------------------------------------ 310P: scalar-unit copy tails
CASES_310P = [(1, 1), (17, 3), (255, 8), (4097, 48), (100_003, 7)]


def test_310p_elementwise_and_casts(loader310, runtime310, rng):
    stream = runtime310
    for n, bd in CASES_310P:
        x16, y16 = float_data(rng, F16, n), float_data(rng, F16, n)
        (got,) = run(loader310, stream, rng, "q_add_f16", bd, x16, y16, Out(F16, n), n)
        assert_same_bits(got, x16 + y16, f"310P add f16 n={n} block_dim={bd}")
        x32, y32 = float_data(rng, F32, n), float_data(rng, F32, n)
        for op in ("mul", "div", "max"):
            code, ref = FLOAT_BINARY[op]
            xs, ys = (np.where(np.isnan(v), np.float32(0), v) for v in (x32, y32)) if op == "max" else (x32, y32)
            (got,) = run(loader310, stream, rng, "binary_f32", bd, xs, ys, Out(F32, n), n, code)
            with np.errstate(all="ignore"):
                assert_same_bits(got, ref(xs, ys), f"310P {op} f32 n={n} block_dim={bd}")
        (got,) = run(loader310, stream, rng, "unary_f16", bd, x16, Out(F16, n), n, vk.SQRT)
        with np.errstate(all="ignore"):
            assert_same_bits(got, np.sqrt(x16), f"310P sqrt f16 n={n}")
        e = rng.uniform(-10, 10, n).astype(np.float16)
        (got,) = run(loader310, stream, rng, "unary_f16", bd, e, Out(F16, n), n, vk.EXP)
        assert_within_ulp(got, np.exp(e.astype(np.float64)).astype(np.float16), 1, f"310P exp f16 n={n}")
        v = np.float16(rng.uniform(-5, 5))
        (got,) = run(loader310, stream, rng, "duplicate_f16", bd, Out(F16, n), float(v), n)
        assert_same_bits(got, np.full(n, v), f"310P duplicate n={n}")
        (got,) = run(loader310, stream, rng, "cast_f32_f16", bd, x32, Out(F16, n), n)
        assert_same_bits(got, x32.astype(np.float16), f"310P cast f32->f16 CAST_NONE n={n}")
        u = rng.uniform(0, 255, n).astype(np.float16)
        for mode in ("CAST_FLOOR", "CAST_CEIL"):
            (got,) = run(loader310, stream, rng, "cast_f16_u8", bd, u, Out(U8, n), n, INT_MODES[mode])
            assert_same_bits(got, to_int(u, mode, U8), f"310P cast f16->u8 {mode} n={n}")


def test_310p_reductions_use_the_310p_order(loader310, runtime310, rng):
    stream = runtime310
    for n in [1, 17, 129, 4097, vk.RTILE]:
        rows = 3
        x = rng.uniform(-10, 10, (rows, n)).astype(np.float16)
        got, got_buf = run(loader310, stream, rng, "reduce_f16", rows, x, Out(F16, rows), Out(F16, rows), n,
                           vk.RSUM)
        for r in range(rows):
            assert_sum_close(got[r], x[r], f"310P reduce_sum n={n}")
            assert_same_bits(got[r:r + 1], np.array([hardware_sum(x[r], "310P")]), f"310P order n={n}")
        assert_same_bits(got_buf, got, "310P into-buffer form")
        got, _ = run(loader310, stream, rng, "reduce_f16", rows, x, Out(F16, rows), Out(F16, rows), n, vk.RMAX)
        assert_same_bits(got, x.max(axis=1), f"310P reduce_max n={n}")


def test_910b_kernel_with_a_tail_is_refused_on_310p(loader, runtime310, rng):
    """The 310P runs above really run on a 310P: the 910B build (with its DataCopyPad tail) is refused there."""
    x = rng.uniform(-1, 1, 17).astype(np.float16)
    with pytest.raises(LaunchError, match=r"built for Ascend910B3, whose architecture differs .*\(Ascend310P3\)"):
        run(loader, runtime310, rng, "q_add_f16", 1, x, x, Out(F16, 17), 17)
