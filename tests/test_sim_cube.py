"""The simulator's cube unit (ascendpy/sim/include/ascendpy_sim/cube.h): Nd2Nz, LoadData, Mmad, Fixpipe, 310P's L0C->UB.

The kernels in tests/sim_cube/ are AscendC as people write it (TPipe/TQue or TBuf with SetFlag/WaitFlag) and
compile against CANN 8.1's headers (check.sh, each file's tag). The data sits on chip exactly as the hardware
lays it out (NZ in L1, Zz in L0A, Zn in L0B, Nz in L0C), so results are compared with numpy float64 on random
odd shapes: a kernel that moves the data with the wrong layout computes wrong numbers here as on the NPU.
The planted bugs in bugs.cpp each name their `// BUG` line and fault kind.
"""

from __future__ import annotations

import time
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader, Stream
from ascendpy.toolchain.compile import compile_cpp

CPP = Path(__file__).resolve().parent / "sim_cube"
BF16 = ml_dtypes.bfloat16
SHAPES = [(30, 40, 70), (16, 16, 16), (100, 33, 77), (200, 150, 300)]


def _build(name: str, soc: str = "Ascend910B3", **kw: object) -> KernelLoader:
    path = CPP / name
    return KernelLoader(compile_cpp(path.read_text(), source_name=str(path), soc=soc, **kw))


@pytest.fixture(scope="module")
def matmul() -> KernelLoader:
    return _build("matmul.cpp")


@pytest.fixture
def stream(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Stream:
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    return request.getfixturevalue("runtime")[3]


def _run(loader: KernelLoader, name: str, stream: Stream, a: np.ndarray, b: np.ndarray, m: int, n: int, k: int,
         out: type, relu: int = 0, blocks: int = 2) -> np.ndarray:
    c = DeviceBuffer.empty(out, m * n)
    loader.get_kernel(name)[blocks, stream](DeviceBuffer.from_numpy(np.ascontiguousarray(a).ravel()),
                                            DeviceBuffer.from_numpy(np.ascontiguousarray(b).ravel()), c, m, n, k, relu)
    return c.to_numpy().reshape(m, n)


def _rel(got: np.ndarray, ref: np.ndarray) -> float:
    return float(np.abs(got.astype(np.float64) - ref).max() / np.abs(ref).max())


@pytest.mark.parametrize("m,n,k", SHAPES)
def test_f16_matmul_f32_out_b_given_kn_and_nk(matmul, stream, rng, m, n, k):
    a = rng.standard_normal((m, k)).astype(np.float16)
    b = rng.standard_normal((k, n)).astype(np.float16)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    got_kn = _run(matmul, "matmul_f16_kn", stream, a, b, m, n, k, np.float32)  # transposing LoadData
    got_nk = _run(matmul, "matmul_f16_nk", stream, a, b.T, m, n, k, np.float32)  # plain LoadData
    assert _rel(got_kn, ref) < 1e-3 and _rel(got_nk, ref) < 1e-3
    # Same products, same k order: the two routes to L0B give identical bits.
    np.testing.assert_array_equal(got_kn, got_nk)


def test_bf16_matmul_f32_and_bf16_out(matmul, stream, rng):
    m, n, k = 100, 33, 77
    a = rng.standard_normal((m, k)).astype(BF16)
    b = rng.standard_normal((k, n)).astype(BF16)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert _rel(_run(matmul, "matmul_bf16_kn", stream, a, b, m, n, k, np.float32), ref) < 1e-3
    got = _run(matmul, "matmul_bf16_nk_to_bf16", stream, a, b.T, m, n, k, BF16)
    assert got.dtype == BF16 and _rel(got, ref) < 1e-2  # bfloat16 keeps 8 bits


def test_f32_matmul(matmul, stream, rng):
    m, n, k = 45, 70, 99
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert _rel(_run(matmul, "matmul_f32_nk", stream, a, b.T, m, n, k, np.float32), ref) < 1e-5


def test_int8_matmul_int32_out_is_exact(matmul, stream, rng):
    m, n, k = 100, 33, 300  # three K chunks of 128 accumulated in L0C
    a = rng.integers(-128, 128, (m, k)).astype(np.int8)
    b = rng.integers(-128, 128, (k, n)).astype(np.int8)
    got = _run(matmul, "matmul_i8_nk", stream, a, b.T, m, n, k, np.int32)
    np.testing.assert_array_equal(got, a.astype(np.int64) @ b.astype(np.int64))


def test_f16_out_with_relu(matmul, stream, rng):
    m, n, k = 64, 48, 200  # two K chunks: cmatrixInitVal false on the second
    a = rng.standard_normal((m, k)).astype(np.float16)
    b = rng.standard_normal((k, n)).astype(np.float16)
    ref = np.maximum(a.astype(np.float64) @ b.astype(np.float64), 0)
    got = _run(matmul, "matmul_f16_kn_to_f16", stream, a, b, m, n, k, np.float16, relu=1)
    assert got.dtype == np.float16 and (got >= 0).all() and (got == 0).sum() >= (ref == 0).sum()
    np.testing.assert_allclose(got.astype(np.float64), ref, rtol=2e-3, atol=2e-3 * np.abs(ref).max())


def test_1024_cube_in_128_tiles_is_fast(matmul, stream, rng):
    m = n = k = 1024
    a = rng.standard_normal((m, k)).astype(np.float16)
    b = rng.standard_normal((k, n)).astype(np.float16)
    start = time.perf_counter()
    got = _run(matmul, "matmul_f16_kn", stream, a, b, m, n, k, np.float32, blocks=8)
    elapsed = time.perf_counter() - start
    assert _rel(got, a.astype(np.float64) @ b.astype(np.float64)) < 1e-3
    print(f"1024^3 f16 matmul in 128-tiles on the simulator: {elapsed:.2f} s")
