"""The simulator's cube unit (ascendpy/sim/include/ascendpy_sim/cube.h): Nd2Nz, LoadData, Mmad, Fixpipe, 310P's L0C->UB.

The kernels in tests/sim_cube/ are AscendC as people write it (TPipe/TQue or TBuf with SetFlag/WaitFlag) and
compile against CANN 8.1's headers (check.sh, each file's tag). The data sits on chip exactly as the hardware
lays it out (NZ in L1, Zz in L0A, Zn in L0B, Nz in L0C), so results are compared with numpy float64 on random
odd shapes: a kernel that moves the data with the wrong layout computes wrong numbers here as on the NPU.
The planted bugs in bugs.cpp each name their `// BUG` line and fault kind.
"""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
from test_faults import bug_line

from ascendpy import DeviceBuffer, KernelLoader, Stream
from ascendpy.errors import CompileError, ValidationWarning
from ascendpy.runtime.faults import AlignmentFault, KernelFault, OnChipCapacityFault, PipeRaceFault
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


@pytest.fixture(scope="module")
def bugs() -> KernelLoader:
    with warnings.catch_warnings():  # the static validator sees some of the planted bugs too
        warnings.simplefilter("ignore", ValidationWarning)
        return _build("bugs.cpp")


@pytest.fixture
def stream(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Stream:
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    return request.getfixturevalue("runtime")[3]


def expect(cls: type[KernelFault], kind: str, loader: KernelLoader, name: str, stream: Stream, block_dim: int,
           *args: object, source: Path, words: tuple[str, ...] = ()) -> KernelFault:
    """Launch `name`, expect exactly `cls`/`kind` from block 0 at the `BUG name` line of `source` (the report
    may name the core, `block 0 AIC`)."""
    with pytest.raises(KernelFault) as info:
        loader.get_kernel(name)[block_dim, stream](*args)
        stream.synchronize()
    err = info.value
    text = str(err)
    assert type(err) is cls and err.kind == kind and err.kernel == name and err.block == 0, text
    assert err.filename == str(source) and err.lineno == bug_line(source, name), text
    where = f"{re.escape(str(source))}:{err.lineno}"
    assert re.search(rf"kernel '{name}' block 0( AI[CV]( \d+)?)?: {kind} at {where}: ", text), text
    for w in words:
        assert w in err.detail, text
    return err


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


# ----------------------------------------------------------------------------- one tile, flags, planted bugs
BUGS = CPP / "bugs.cpp"


def _tile_args(rng: np.random.Generator, m: int, n: int, k: int) -> tuple[tuple[DeviceBuffer, ...], np.ndarray]:
    a = rng.standard_normal((m, k)).astype(np.float16)
    b = rng.standard_normal((k, n)).astype(np.float16)
    c = DeviceBuffer.empty(np.float32, m * n)
    return (DeviceBuffer.from_numpy(a.ravel()), DeviceBuffer.from_numpy(b.ravel()), c), \
        a.astype(np.float64) @ b.astype(np.float64)


def _line_of(text: str) -> int:
    hits = [i for i, line in enumerate(BUGS.read_text().splitlines(), 1) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def test_single_tile_with_flags_is_clean_and_right(bugs, stream, rng):
    for m, n, k in [(30, 40, 64), (64, 64, 64), (17, 5, 33)]:
        (a, b, c), ref = _tile_args(rng, m, n, k)
        bugs.get_kernel("single_tile")[1, stream](a, b, c, m, n, k)
        assert _rel(c.to_numpy().reshape(m, n), ref) < 1e-3


def test_m_1_is_gemv_mode(bugs, stream, rng):
    """m = 1 makes the cube read L0A as one ND row of k elements: a Zz-loaded A is right only for k <= C0."""
    (a, b, c), ref = _tile_args(rng, 1, 32, 16)
    bugs.get_kernel("single_tile")[1, stream](a, b, c, 1, 32, 16)
    assert _rel(c.to_numpy().reshape(1, 32), ref) < 1e-3
    (a, b, c), ref = _tile_args(rng, 1, 32, 64)  # row 0 of the k fractals is 256 elements apart in Zz
    bugs.get_kernel("single_tile")[1, stream](a, b, c, 1, 32, 64)
    assert _rel(c.to_numpy().reshape(1, 32), ref) > 0.1


def test_missing_mte1_m_flag_is_a_race_at_the_mmad(bugs, stream, rng):
    args, _ = _tile_args(rng, 30, 40, 64)
    err = expect(PipeRaceFault, "pipe_race", bugs, "no_mte1_m", stream, 1, *args, 30, 40, 64, source=BUGS,
                 words=("read-after-write race between PIPE_MTE1 and PIPE_M", "Mmad (M) reads",
                        "LoadData (MTE1) wrote", "SetFlag<HardEvent::MTE1_M>"))
    assert f"at {BUGS}:{_line_of('LoadData(a2[')}" in err.detail, str(err)


def test_missing_m_fix_flag_is_a_race_at_the_fixpipe(bugs, stream, rng):
    args, _ = _tile_args(rng, 30, 40, 64)
    err = expect(PipeRaceFault, "pipe_race", bugs, "no_m_fix", stream, 1, *args, 30, 40, 64, source=BUGS,
                 words=("read-after-write race between PIPE_M and PIPE_FIX", "Fixpipe (FIX) reads",
                        "of the TBuf<CO1>", "SetFlag<HardEvent::M_FIX>"))
    assert f"at {BUGS}:{_line_of('Mmad(c1, a2, b2, p);')}" in err.detail, str(err)


def test_l0b_operand_off_the_512_byte_grid(bugs, stream, rng):
    args, _ = _tile_args(rng, 30, 40, 64)
    expect(AlignmentFault, "misaligned", bugs, "misaligned_b2", stream, 1, *args, 30, 40, 64, source=BUGS,
           words=("LoadData: dst LocalTensor starts at byte 256 of the L0B buffer", "not 512-byte aligned"))


def test_fractals_beyond_the_buffer(bugs, stream, rng):
    args, _ = _tile_args(rng, 30, 40, 64)
    expect(OnChipCapacityFault, "local_out_of_bounds", bugs, "a2_range", stream, 1,
           *args, 30, 40, 64, source=BUGS, words=("LoadData",))


def test_l0a_overflow_in_init_buffer(bugs, stream):
    expect(OnChipCapacityFault, "l0a_overflow", bugs, "l0a_overflow", stream, 1, DeviceBuffer.empty(np.float32, 8),
           source=BUGS, words=("L0A buffer overflow", "capacity 65536"))


def test_nd_copy_into_l1_gives_wrong_numbers(bugs, stream, rng):
    m, n, k = 32, 40, 48
    (a, b, c), ref = _tile_args(rng, m, n, k)
    bugs.get_kernel("nd_copy")[1, stream](a, b, c, m, n, k)  # no fault: the hardware computes garbage too
    assert _rel(c.to_numpy().reshape(m, n), ref) > 0.1


def test_nd2nz_with_several_matrices_as_documented(bugs, stream, rng):
    x = rng.standard_normal(2 * 384).astype(np.float16)
    y = DeviceBuffer.empty(np.float16, 4096)
    bugs.get_kernel("nd2nz_multi")[1, stream](DeviceBuffer.from_numpy(x), y)
    want = np.zeros(4096, np.float16)
    for i in range(2):  # dst element ((c // 16) * dstNzC0Stride + r * dstNzNStride) * 16 + c % 16, + padding zeros
        for r in range(8):
            for c in range(32):
                v = x[i * 384 + r * 32 + c] if c < 23 else 0
                want[i * 320 + ((c // 16) * 37 + r * 2) * 16 + c % 16] = v
    np.testing.assert_array_equal(y.to_numpy(), want)


def test_l0c_to_ub_is_refused_on_910b(bugs, stream):
    expect(AlignmentFault, "unsupported_on_soc", bugs, "co1_to_ub", stream, 1, DeviceBuffer.empty(np.float32, 8),
           source=BUGS, words=("L0C -> UB", "use Fixpipe"))


def test_cube_instruction_on_an_aiv_core(bugs, stream):
    expect(AlignmentFault, "bad_position", bugs, "aiv_cube", stream, 1, DeviceBuffer.empty(np.float32, 8),
           source=BUGS, words=("AIV (vector) core", "KERNEL_TYPE_AIC_ONLY"))


# ----------------------------------------------------------------------------- 310P: L0C -> UB -> GM
M310 = CPP / "matmul_310p.cpp"


@pytest.fixture(scope="module")
def matmul310() -> KernelLoader:
    return _build("matmul_310p.cpp", soc="Ascend310P3")


def _slack(x: np.ndarray) -> DeviceBuffer:
    """CANN's 310P Nd2Nz reads each row in whole 32-byte blocks, so a ragged tail reads past the matrix."""
    return DeviceBuffer.from_numpy(np.concatenate([x.ravel(), np.zeros(16, x.dtype)]))


@pytest.mark.parametrize("m,n,k", [(30, 48, 70), (100, 80, 150)])
def test_310p_route_through_the_unified_buffer(matmul310, runtime310, rng, m, n, k):
    a = rng.standard_normal((m, k)).astype(np.float16)
    b = rng.standard_normal((k, n)).astype(np.float16)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    c = DeviceBuffer.empty(np.float32, m * n)
    matmul310.get_kernel("matmul310_f32")[2, runtime310](_slack(a), _slack(b), c, m, n, k, 0)
    assert _rel(c.to_numpy().reshape(m, n), ref) < 1e-3
    h = DeviceBuffer.empty(np.float16, m * n)  # float -> half and ReLU on the way out of L0C
    matmul310.get_kernel("matmul310_f16")[2, runtime310](_slack(a), _slack(b), h, m, n, k, 1)
    relu = np.maximum(ref, 0)
    got = h.to_numpy().reshape(m, n)
    assert got.dtype == np.float16 and (got >= 0).all()
    np.testing.assert_allclose(got.astype(np.float64), relu, rtol=2e-3, atol=2e-3 * np.abs(relu).max())


def test_310p_nd2nz_needs_the_last_8_kib_of_ub(matmul310, runtime310):
    expect(OnChipCapacityFault, "ub_overflow", matmul310, "scratch_clobber", runtime310, 1,
           DeviceBuffer.empty(np.float16, 256), source=M310, words=("TMP_UB_OFFSET", "leave the last 8 KiB"))


def test_310p_has_no_fixpipe():
    src = (CPP / "bugs.cpp").read_text()
    with pytest.raises(CompileError) as info:
        compile_cpp(src, source_name=str(BUGS), soc="Ascend310P3")
    assert "Fixpipe" in str(info.value)
