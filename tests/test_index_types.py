"""int64 and bool buffers end to end, the int64 / int16 casts with every round mode, compare masks as bool bytes,
and argmax / argmin (ReduceMax / ReduceMin with calIndex), against numpy on fresh random data, 910B and 310P."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from ascendpy import AlignmentFault, CompileError, DeviceBuffer, KernelLoader, Stream, std
from ascendpy.compiler import kernel_cpp
from ascendpy.std import Ptr, f32, i32, i64, u32
from tests.kernels import index_types as ik
from tests.kernels import index_types_310p as ik310

MODES = {"CAST_RINT": 1, "CAST_FLOOR": 2, "CAST_CEIL": 3, "CAST_ROUND": 4, "CAST_TRUNC": 5}
CASES = [(1, 1), (17, 3), (1000, 2), (4097, 5)]  # (n, block_dim): odd counts, more than one tile


@pytest.fixture(scope="module")
def loader() -> KernelLoader:
    return KernelLoader.from_module(ik, soc="910B")


@pytest.fixture(scope="module")
def loader310() -> KernelLoader:
    return KernelLoader.from_module(ik310, soc="310P")


@pytest.fixture(autouse=True)
def _sim_910b(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")


def run(loader: KernelLoader, stream: Stream, name: str, block_dim: int, *args: object) -> list[np.ndarray]:
    """Launch `name`: arrays are copied in; the arrays' device contents are returned in order after the run."""
    bufs = [DeviceBuffer.from_numpy(np.ascontiguousarray(a)) if isinstance(a, np.ndarray) else a for a in args]
    loader.get_kernel(name)[block_dim, stream](*bufs)
    return [b.to_numpy() for b in bufs if isinstance(b, DeviceBuffer)]


def _line(fn: object, marker: str) -> int:
    lines, first = inspect.getsourcelines(fn)  # type: ignore[arg-type]
    return next(first + i for i, text in enumerate(lines) if marker in text)


# ------------------------------------------------------------------ references
def round_integral(x: np.ndarray, mode: str) -> np.ndarray:
    return {"CAST_RINT": np.rint, "CAST_NONE": np.rint, "CAST_FLOOR": np.floor, "CAST_CEIL": np.ceil,
            "CAST_TRUNC": np.trunc, "CAST_ROUND": lambda v: np.sign(v) * np.floor(np.abs(v) + 0.5)}[mode](x)


def to_int(x: np.ndarray, mode: str, dtype: type) -> np.ndarray:
    """Rounded, saturated (Python ints: float64(2**63 - 1) is 2**63), as Cast to an integer does."""
    info = np.iinfo(dtype)
    r = round_integral(x.astype(np.float64), mode)
    return np.array([min(max(int(v), info.min), info.max) for v in r], dtype=dtype)


def int_to_f32(v: int, mode: str) -> np.float32:
    """The exact rounding of an integer to float32 in a RoundMode."""
    f = np.float32(float(v))  # within one ulp
    lo = f if int(f) <= v else np.nextafter(f, np.float32(-np.inf))
    if int(lo) == v:
        return lo
    hi = np.nextafter(lo, np.float32(np.inf))
    if mode == "CAST_FLOOR":
        return lo
    if mode == "CAST_CEIL":
        return hi
    if mode == "CAST_TRUNC":
        return lo if v > 0 else hi
    d_lo, d_hi = v - int(lo), int(hi) - v
    if d_lo != d_hi:
        return lo if d_lo < d_hi else hi
    if mode == "CAST_ROUND":
        return hi if v > 0 else lo
    return lo if lo.view(np.uint32) % 2 == 0 else hi  # ties to even


# ------------------------------------------------------------------ int64 and bool through launches
@pytest.mark.parametrize(("n", "bd"), CASES)
def test_int64_and_bool_copy_through_ub(loader, runtime, rng, n, bd):
    stream = runtime[3]
    x = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64, endpoint=True)
    _, got = run(loader, stream, "copy_i64", bd, x, np.zeros(n, np.int64), n)
    np.testing.assert_array_equal(got, x)
    f = rng.random(n) < 0.5
    _, got = run(loader, stream, "copy_bool", bd, f, ~f, n)
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got, f)


def test_int64_and_bool_scalars_through_the_array_launch(rng):
    n = 333
    x = rng.integers(-(2**62), 2**62, n, dtype=np.int64)
    f = rng.random(n) < 0.5
    y, g = np.zeros(n, np.int64), np.zeros(n, bool)
    ik.scalar_i64_bool[1](x, f, y, g, n)
    want = (x.astype(object) * 3 - 2**40 + 2**63) % 2**64 - 2**63  # wraps like int64
    np.testing.assert_array_equal(y, want.astype(np.int64))
    np.testing.assert_array_equal(g, ~f | (x < 0))


def test_bool_and_int64_torch_tensors(rng):
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(rng.integers(-(2**40), 2**40, 50, dtype=np.int64))
    f = torch.from_numpy(rng.random(50) < 0.5)
    y, g = torch.zeros(50, dtype=torch.int64), torch.zeros(50, dtype=torch.bool)
    ik.scalar_i64_bool[1](x, f, y, g, 50)
    assert torch.equal(y, x * 3 - 2**40) and torch.equal(g, ~f | (x < 0))


def test_int64_and_bool_on_310p(loader310, runtime310, rng):
    for n, bd in CASES:
        x = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64, endpoint=True)
        _, got = run(loader310, runtime310, "copy_i64", bd, x, np.zeros(n, np.int64), n)
        np.testing.assert_array_equal(got, x, f"310P i64 n={n}")
        f = rng.random(n) < 0.5
        _, got = run(loader310, runtime310, "copy_bool", bd, f, ~f, n)
        np.testing.assert_array_equal(got, f, f"310P bool n={n}")


def test_device_buffer_round_trips_bool_and_int64(runtime, rng):
    for a in (rng.random((3, 5)) < 0.5, rng.integers(-(2**63), 2**63 - 1, (4, 3), dtype=np.int64)):
        b = DeviceBuffer.from_numpy(a)
        assert b.dtype == a.dtype
        np.testing.assert_array_equal(b.to_numpy(), a)


# ------------------------------------------------------------------ casts
@pytest.mark.parametrize(("n", "bd"), CASES)
def test_int32_int64_casts(loader, runtime, rng, n, bd):
    stream = runtime[3]
    x = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
    _, got = run(loader, stream, "cast_i32_i64", bd, x, np.zeros(n, np.int64), n)
    np.testing.assert_array_equal(got, x.astype(np.int64))
    w = rng.integers(-(2**40), 2**40, n, dtype=np.int64)
    w[: min(n, 2)] = [2**31, -(2**31) - 1][: min(n, 2)]  # saturate
    _, got = run(loader, stream, "cast_i64_i32", bd, w, np.zeros(n, np.int32), n)
    np.testing.assert_array_equal(got, np.clip(w, -(2**31), 2**31 - 1).astype(np.int32))


@pytest.mark.parametrize("mode", MODES)
def test_f32_int64_casts_in_every_round_mode(loader, runtime, rng, mode):
    stream = runtime[3]
    for n, bd in CASES[1:]:
        x = (rng.standard_normal(n) * 10.0 ** rng.integers(0, 20, n)).astype(np.float32)
        ties = rng.random(n) < 0.3
        x[ties] = np.round(rng.uniform(-1e6, 1e6, ties.sum())).astype(np.float32) + np.float32(0.5)
        x[:2] = [3e19, -3e19]  # beyond int64: saturates
        _, got = run(loader, stream, "cast_f32_i64", bd, x, np.zeros(n, np.int64), n, MODES[mode])
        np.testing.assert_array_equal(got, to_int(x, mode, np.int64), f"f32->i64 {mode} n={n}")
        v = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
        shift = rng.integers(0, 40, n)
        v = np.where(rng.random(n) < 0.3, ((v >> shift) >> 1 << 1) | 1, v)  # odd values: ties in big ranges
        v[:3] = [2**24 + 1, -(2**25) - 2, 2**62 + 2**38]  # exact ties
        _, got = run(loader, stream, "cast_i64_f32", bd, v, np.zeros(n, np.float32), n, MODES[mode])
        want = np.array([int_to_f32(int(a), mode) for a in v], np.float32)
        np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32), f"i64->f32 {mode} n={n}")


@pytest.mark.parametrize("mode", ["CAST_NONE", *MODES])
def test_i32_to_f32_in_every_round_mode(loader, runtime, rng, mode):
    stream = runtime[3]
    n = 4097
    x = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
    x[:2] = [2**24 + 1, 2**25 + 6]
    _, got = run(loader, stream, "cast_i32_f32_modes", 3, x, np.zeros(n, np.float32), n,
                 0 if mode == "CAST_NONE" else MODES[mode])
    want = np.array([int_to_f32(int(a), "CAST_RINT" if mode == "CAST_NONE" else mode) for a in x], np.float32)
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32), mode)


@pytest.mark.parametrize("mode", MODES)
def test_int16_casts(loader, runtime, rng, mode):
    stream = runtime[3]
    n = 1000
    x = rng.uniform(-50000, 50000, n).astype(np.float32)
    x[rng.random(n) < 0.3] = np.float32(0.5) + np.round(rng.uniform(-3000, 3000))
    _, got = run(loader, stream, "cast_f32_i16", 2, x, np.zeros(n, np.int16), n, MODES[mode])
    np.testing.assert_array_equal(got, to_int(x, mode, np.int16), mode)
    i = rng.integers(-(2**31), 2**31, n, dtype=np.int64).astype(np.int32)
    i[::3] //= 70000  # many in range
    _, got = run(loader, stream, "cast_i32_i16", 2, i, np.zeros(n, np.int16), n)
    np.testing.assert_array_equal(got, np.clip(i, -32768, 32767).astype(np.int16))
    s = rng.integers(-32768, 32768, n).astype(np.int16)
    _, got = run(loader, stream, "cast_i16_f32", 2, s, np.zeros(n, np.float32), n)
    np.testing.assert_array_equal(got, s.astype(np.float32))


def test_i32_to_i16_on_310p(loader310, runtime310, rng):
    i = rng.integers(-(2**31), 2**31, 777, dtype=np.int64).astype(np.int32)
    _, got = run(loader310, runtime310, "cast_i32_i16", 3, i, np.zeros(777, np.int16), 777)
    np.testing.assert_array_equal(got, np.clip(i, -32768, 32767).astype(np.int16))


@std.aiv_kernel
def i32_to_i64_on_310p(x: Ptr[i32], y: Ptr[i64], n: u32):
    a = std.ub_alloc(i32, 64)
    b = std.ub_alloc(i64, 64)
    std.load(a, x, 0, n)
    std.cast(b, a, std.RoundMode.CAST_NONE, n)  # MARK
    std.store(y, 0, b, n)


@std.aiv_kernel
def f32_to_i16_on_310p(x: Ptr[f32], n: u32):
    a = std.ub_alloc(f32, 64)
    b = std.ub_alloc(std.i16, 64)
    std.cast(b, a, std.RoundMode.CAST_RINT, n)  # MARK


def test_a_cast_310p_lacks_is_a_compile_error_at_its_line():
    kernel_cpp(i32_to_i64_on_310p, soc="910B")
    with pytest.raises(CompileError) as info:
        kernel_cpp(i32_to_i64_on_310p, soc="310P")
    err = info.value
    assert err.lineno == _line(i32_to_i64_on_310p.fn, "# MARK"), str(err)
    for words in ("std.cast from i32 to i64 is not available on Ascend310P", "910B only", "no cast route"):
        assert words in str(err), str(err)
    with pytest.raises(CompileError) as info:  # a pair with a two-step route names it
        kernel_cpp(f32_to_i16_on_310p, soc="310P")
    assert info.value.lineno == _line(f32_to_i16_on_310p.fn, "# MARK")
    assert "two steps through a f16 buffer" in str(info.value), str(info.value)


# ------------------------------------------------------------------ masks <-> bool bytes
@pytest.mark.parametrize(("n", "bd"), CASES)
def test_compare_mask_to_bool_and_back(loader, runtime, rng, n, bd):
    stream = runtime[3]
    for dt, name in ((np.float32, "mask_bool_f32"), (np.float16, "mask_bool_f16")):
        a = rng.uniform(-2, 2, n).astype(dt)
        a[rng.random(n) < 0.1] = 0.25  # equal to the threshold: not greater
        _, out, back = run(loader, stream, name, bd, a, dt(0.25), np.zeros(n, bool), np.full(n, 7, dt), n)
        assert out.dtype == np.bool_ and set(np.unique(out.view(np.uint8))) <= {0, 1}
        np.testing.assert_array_equal(out, a > dt(0.25), f"{name} n={n}")
        np.testing.assert_array_equal(back, np.where(a > dt(0.25), a, dt(0)), f"{name} back n={n}")


def test_compare_mask_to_bool_on_310p(loader310, runtime310, rng):
    n = 2049
    a = rng.uniform(-2, 2, n).astype(np.float16)
    _, out, back = run(loader310, runtime310, "mask_bool_f16", 4, a, np.float16(0), np.zeros(n, bool),
                       np.zeros(n, np.float16), n)
    np.testing.assert_array_equal(out, a > 0)
    np.testing.assert_array_equal(back, np.where(a > 0, a, np.float16(0)))


# ------------------------------------------------------------------ argmax / argmin
def _rows(rng: np.random.Generator, rows: int, cols: int, dt: type) -> np.ndarray:
    x = rng.uniform(-100, 100, (rows, cols)).astype(dt)
    tied = rng.random(rows) < 0.5
    x[tied] = rng.integers(-3, 4, (int(tied.sum()), cols)).astype(dt)  # many equal maxima and minima
    return x


@pytest.mark.parametrize(("dt", "cols"), [(np.float32, 1), (np.float32, 63), (np.float32, 65), (np.float32, 4095),
                                          (np.float16, 129), (np.float16, 4096)])
def test_argmax_argmin_take_the_first_extreme(loader, runtime, rng, dt, cols):
    rows = 9
    x = _rows(rng, rows, cols, dt)
    name = "arg_rows_f32" if dt is np.float32 else "arg_rows_f16"
    _, got = run(loader, runtime[3], name, 4, x, np.zeros(2 * rows, np.uint32), rows, cols)
    np.testing.assert_array_equal(got[0::2], np.argmax(x, axis=1), f"argmax {dt.__name__} cols={cols}")
    np.testing.assert_array_equal(got[1::2], np.argmin(x, axis=1), f"argmin {dt.__name__} cols={cols}")


def test_argmax_argmin_on_310p(loader310, runtime310, rng):
    for dt, name, cols in ((np.float32, "arg_rows_f32", 1001), (np.float16, "arg_rows_f16", 333)):
        x = _rows(rng, 5, cols, dt)
        _, got = run(loader310, runtime310, name, 2, x, np.zeros(10, np.uint32), 5, cols)
        np.testing.assert_array_equal(got[0::2], np.argmax(x, axis=1))
        np.testing.assert_array_equal(got[1::2], np.argmin(x, axis=1))


def test_argmax_of_a_misaligned_run_time_view_faults_at_its_line(rng):
    x = rng.standard_normal(256).astype(np.float32)
    out = np.zeros(1, np.uint32)
    ik.argmax_view[1](x, out, 8)
    assert out[0] == np.argmax(x[8:72])  # the index within the view
    with pytest.raises(AlignmentFault) as info:
        ik.argmax_view[1](x, out, 3)  # 12 bytes into the buffer
    err = info.value
    assert err.kind == "misaligned" and err.lineno == _line(ik.argmax_view.fn, "# VIEW"), str(err)


@std.aiv_kernel
def argmax_too_long(x: Ptr[std.f16], out: Ptr[u32]):
    xb = std.ub_alloc(std.f16, 70000)
    out[0] = std.argmax(xb, 70000)  # MARK


def test_argmax_count_beyond_f16_indices_is_a_compile_error():
    with pytest.raises(CompileError, match="at most 65536") as info:
        kernel_cpp(argmax_too_long)
    assert info.value.lineno == _line(argmax_too_long.fn, "# MARK")
