"""Hand-written AscendC with the APIs real kernels use: ASSERT, WholeReduceSum, BlockReduceSum, the mask modes.

The kernels in tests/handwritten_cpp/ are written as people write AscendC (a KernelXxx class with Init/Process,
TPipe/TQue, GM_ADDR arguments) and compile against CANN 8.1's own headers for 910B and 310P
(../shared/tools/ascendc_check/check.sh --soc both). Each is built the way a user would,
`ascend-compile F.cpp --soc S --sim -o F.so`, loaded with KernelLoader.from_artifact, run on fresh random
half and float data of odd sizes, and compared with numpy: exactly, where the hardware's order of operations
is documented (the reductions' pairwise trees are rebuilt in numpy in the element type), and lane by lane
for the masks (lanes a mask leaves out keep what was there). The planted bugs in mask_faults.cpp and
asserts.cpp name their `// BUG` line.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from test_faults import bug_line, expect

from ascendpy import DeviceBuffer, KernelLoader, Stream
from ascendpy.runtime.faults import AlignmentFault, AssertionFault, OnChipCapacityFault
from ascendpy.toolchain.cli import main as cli_main
from ascendpy.toolchain.validate import validate

CPP = Path(__file__).resolve().parent / "handwritten_cpp"
SOCS = {"910B": "Ascend910B3", "310P": "Ascend310P3"}
TYPES = {"half": np.float16, "float": np.float32}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory):
    """build(file, soc) -> KernelLoader, through the hub's CLI as a user would; each (file, SoC) once."""
    out = tmp_path_factory.mktemp("handwritten")
    built: dict[tuple[str, str], KernelLoader] = {}

    def get(name: str, soc: str = "910B") -> KernelLoader:
        if (name, soc) not in built:
            so = out / f"{name[:-4]}-{soc}.so"
            assert cli_main([str(CPP / name), "--soc", SOCS[soc], "--sim", "-o", str(so)]) == 0
            built[name, soc] = KernelLoader.from_artifact(so)
        return built[name, soc]

    return get


@pytest.fixture(params=sorted(SOCS))
def soc(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def stream(soc: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Stream:
    """A stream on a simulated `soc`, all checks on."""
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    if soc == "310P":
        return request.getfixturevalue("runtime310")
    monkeypatch.setenv("ASCENDPY_SIM_SOC", SOCS[soc])
    return request.getfixturevalue("runtime")[3]


@pytest.fixture
def stream910(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Stream:
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    return request.getfixturevalue("runtime")[3]


def lanes(dt: type) -> int:
    return 256 // np.dtype(dt).itemsize


def per_block(dt: type) -> int:
    return 32 // np.dtype(dt).itemsize


def tree_sum(v: np.ndarray, width: int) -> np.ndarray:
    """The hardware's pairwise sum of adjacent elements over the last axis, zero-padded to `width` (a power of
    two), each partial sum rounded to v's type."""
    dt = v.dtype
    pad = np.zeros(v.shape[:-1] + (width - v.shape[-1],), dt)
    v = np.concatenate([v, pad], axis=-1)
    while v.shape[-1] > 1:
        v = (v[..., 0::2] + v[..., 1::2]).astype(dt)
    return v[..., 0]


def mask_bits(rng: np.random.Generator, dt: type) -> tuple[list[int], np.ndarray]:
    """A random normal-mode bit mask for one repeat of dt: the uint64 words (low first) and the lane flags."""
    words = [int(w) for w in rng.integers(0, 2**64, size=2 if lanes(dt) == 128 else 1, dtype=np.uint64)]
    on = np.array([(words[j // 64] >> (j % 64)) & 1 for j in range(lanes(dt))], bool)
    return words, on


def data(rng: np.random.Generator, dt: type, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(dt)


def _round_up(n: int, m: int) -> int:
    return (n + m - 1) // m * m


# ============================================================================= WholeReduceSum
@pytest.mark.parametrize("tname", sorted(TYPES))
def test_row_sum_with_whole_reduce_sum(build, soc, stream, rng, tname):
    """One repeat per row, continuous mask = the row's columns, one result per repeat (dstRepStride 1)."""
    dt = TYPES[tname]
    rows, cols, tile = int(rng.integers(33, 80)), int(rng.integers(1, lanes(dt) + 1)), 16
    pitch = _round_up(cols, per_block(dt))
    x = data(rng, dt, rows, pitch)
    y = DeviceBuffer.empty(dt, _round_up(rows, tile))
    build("row_sum.cpp", soc).get_kernel(f"row_sum_{tname}")[3, stream](
        DeviceBuffer.from_numpy(x.ravel()), y, rows, cols, pitch, tile)
    got = y.to_numpy()[:rows]
    np.testing.assert_array_equal(got, tree_sum(x[:, :cols], lanes(dt)))
    np.testing.assert_allclose(got, x[:, :cols].astype(np.float64).sum(axis=1), rtol=0.02, atol=0.05)


@pytest.mark.parametrize("tname", sorted(TYPES))
def test_row_sum_with_a_bit_mask(build, soc, stream, rng, tname):
    """The `uint64_t mask[2]` form: only the lanes whose bit is set are summed."""
    dt = TYPES[tname]
    rows, tile, pitch = int(rng.integers(17, 50)), 16, lanes(dt)
    words, on = mask_bits(rng, dt)
    x = data(rng, dt, rows, pitch)
    y = DeviceBuffer.empty(dt, _round_up(rows, tile))
    build("row_sum.cpp", soc).get_kernel(f"row_sum_bits_{tname}")[2, stream](
        DeviceBuffer.from_numpy(x.ravel()), y, rows, pitch, tile, *words)
    np.testing.assert_array_equal(y.to_numpy()[:rows], tree_sum(np.where(on, x, dt(0)).astype(dt), lanes(dt)))


# ============================================================================= BlockReduceSum
@pytest.mark.parametrize("tname", sorted(TYPES))
def test_block_sum_with_block_reduce_sum(build, soc, stream, rng, tname):
    """One sum per 32-byte DataBlock; the tail repeat's blocks without an active lane are left alone on 910B
    (the tile was cleared to PAD) and, undocumented on 310P, poisoned with NaN."""
    dt = TYPES[tname]
    e, tile = per_block(dt), 4 * lanes(dt)
    nblocks = int(rng.integers(4 * 8 + 1, 12 * 8))
    nblocks += nblocks % 8 == 0  # leave the last repeat partial
    n = nblocks * e
    x = data(rng, dt, n)
    y = DeviceBuffer.from_numpy(data(rng, dt, _round_up(n, tile) // e))
    build("block_sum.cpp", soc).get_kernel(f"block_sum_{tname}")[3, stream](DeviceBuffer.from_numpy(x), y, n, tile)
    got = y.to_numpy()
    np.testing.assert_array_equal(got[:nblocks], tree_sum(x.reshape(nblocks, e), e))
    tail_end = _round_up(nblocks, 8)  # the tail repeat's 8 result slots end here
    if soc == "910B":
        np.testing.assert_array_equal(got[nblocks:], dt(30000))
    else:
        assert np.isnan(got[nblocks:tail_end]).all()
        np.testing.assert_array_equal(got[tail_end:], dt(30000))


# ============================================================================= counter mode
@pytest.mark.parametrize("tname", sorted(TYPES))
def test_add_in_counter_mode(build, soc, stream, rng, tname):
    """SetMaskCount + SetVectorMask<T, COUNTER>(0, len) + Add<T, false>(..., MASK_PLACEHOLDER, 1, ...) and the
    level-2 Muls<T, false> touch exactly the first len elements of each tile, whatever len is."""
    dt = TYPES[tname]
    tile = 384
    n = int(rng.integers(2 * tile + 1, 5 * tile)) | 1
    padded = _round_up(n, per_block(dt))
    x, y = data(rng, dt, padded), data(rng, dt, padded)
    scale = float(rng.uniform(0.5, 2.0))
    z = DeviceBuffer.from_numpy(data(rng, dt, padded))
    build("counter_add.cpp", soc).get_kernel(f"add_counter_{tname}")[2, stream](
        DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), z, n, tile, scale)
    got = z.to_numpy()
    np.testing.assert_array_equal(got[:n], ((x[:n] + y[:n]).astype(dt) * dt(scale)).astype(dt))
    np.testing.assert_array_equal(got[n:], dt(-12345))  # the tile's clearing value: nothing past n was written


def test_mask_placeholder_with_is_set_mask_true_computes_nothing(build, soc, stream, rng):
    """Add(..., MASK_PLACEHOLDER, ...) without <T, false> writes the placeholder 0 into the mask register: in
    counter mode that is 0 elements, so neither it nor the Muls<T, false> after it changes anything, exactly as
    the vendor implementation (AscendCUtils::SetMask<T, true>(0)) does. The validator warns about it."""
    n, tile = 1001, 384
    padded = _round_up(n, 16)
    z = DeviceBuffer.from_numpy(data(rng, np.float16, padded))
    build("counter_add.cpp", soc).get_kernel("add_counter_setmask_half")[1, stream](
        DeviceBuffer.from_numpy(data(rng, np.float16, padded)), DeviceBuffer.from_numpy(data(rng, np.float16, padded)),
        z, n, tile, 1.5)
    np.testing.assert_array_equal(z.to_numpy(), np.float16(-12345))
    found = [d for d in validate((CPP / "counter_add.cpp").read_text(), SOCS[soc]) if d.code == "mask-placeholder"]
    assert [d.line for d in found] == [bug_line(CPP / "counter_add.cpp", "add_counter_setmask_half")]
    assert "kernel 'add_counter_setmask_half'" in found[0].message and found[0].severity == "warning"


# ============================================================================= normal mode
def _masked(build, soc: str, stream: Stream, rng: np.random.Generator, kernel: str, n: int, dt: type,
            *args: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, bg = data(rng, dt, n), data(rng, dt, n)
    y = DeviceBuffer.from_numpy(data(rng, dt, n))
    build("masked.cpp", soc).get_kernel(kernel)[1, stream](
        DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(bg), y, n, *args)
    return x, bg, y.to_numpy()


@pytest.mark.parametrize("tname", sorted(TYPES))
def test_bit_mask_muls_touches_only_the_masked_lanes(build, soc, stream, rng, tname):
    dt = TYPES[tname]
    n = lanes(dt) * int(rng.integers(2, 6))
    words, on = mask_bits(rng, dt)
    scale = float(rng.uniform(0.5, 2.0))
    x, bg, got = _masked(build, soc, stream, rng, f"masked_muls_{tname}", n, dt, scale, *words)
    lane_on = np.tile(on, n // lanes(dt))
    np.testing.assert_array_equal(got, np.where(lane_on, (x * dt(scale)).astype(dt), bg))
    assert 0 < lane_on.sum() < n


@pytest.mark.parametrize("tname", sorted(TYPES))
def test_continuous_mask_add_over_rows(build, soc, stream, rng, tname):
    """Add(y, x, bg, cols, rows, {1, 1, 1, R, R, R}): the first cols lanes of each row of a padded matrix."""
    dt = TYPES[tname]
    cols = int(rng.integers(0, lanes(dt) // 2)) * 2 + 1  # odd, at most lanes - 1 (a partial mask)
    pitch = _round_up(cols, per_block(dt))
    n = 8 * pitch
    x, bg, got = _masked(build, soc, stream, rng, f"rows_add_{tname}", n, dt, cols, pitch)
    want = bg.reshape(8, pitch).copy()
    want[:, :cols] = (x.reshape(8, pitch)[:, :cols] + bg.reshape(8, pitch)[:, :cols]).astype(dt)
    np.testing.assert_array_equal(got, want.ravel())


@pytest.mark.parametrize("tname", sorted(TYPES))
def test_set_vector_mask_with_strided_adds(build, soc, stream, rng, tname):
    """SetVectorMask<T, NORMAL>(len) then Adds<T, false>(..., MASK_PLACEHOLDER, repeats, {2, 2, 16, 16}): lane j
    of repeat r is element r * 2 L + (j / E) * 2 E + j % E (block stride 2, repeat stride 16 blocks)."""
    dt = TYPES[tname]
    el, e = lanes(dt), per_block(dt)
    n, length = 4 * el, int(rng.integers(1, el + 1))
    value = float(rng.uniform(-2, 2))
    x, bg, got = _masked(build, soc, stream, rng, f"strided_adds_{tname}", n, dt, value, length)
    want = bg.copy()
    for r in range(n // (2 * el)):
        idx = np.array([r * 2 * el + (j // e) * 2 * e + j % e for j in range(length)])
        want[idx] = (x[idx] + dt(value)).astype(dt)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("tname", sorted(TYPES))
def test_a_level2_call_resets_the_mask(build, soc, stream, rng, tname):
    """After SetVectorMask(0, 1) (lane 0 only), a level-2 Adds leaves every lane on, as the vendor code does
    (counter mode for the call, then SetMaskNorm and a full mask): Muls<T, false> then scales everything."""
    dt = TYPES[tname]
    n = lanes(dt) * 3
    scale = float(rng.uniform(0.5, 2.0))
    x, _, got = _masked(build, soc, stream, rng, f"level2_reset_{tname}", n, dt, scale)
    np.testing.assert_array_equal(got, (x * dt(scale)).astype(dt))


# ============================================================================= ASSERT
def test_assert_that_holds(build, stream910, rng):
    x = data(rng, np.float32, 1024)
    y = DeviceBuffer.empty(np.float32, 1024)
    build("asserts.cpp").get_kernel("scale_uneven")[4, stream910](DeviceBuffer.from_numpy(x), y, 1024, 64)
    np.testing.assert_array_equal(y.to_numpy(), x * 2)


def test_failing_assert_is_a_fault_at_its_line_in_its_block(build, runtime, rng, monkeypatch):
    """n = 1022 over 4 blocks of 256: block 3's range ends past n. Blocks 0-2 finish; the process goes on."""
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    stream = runtime[3]
    n = 1022
    x = data(rng, np.float32, n)
    y = DeviceBuffer.from_numpy(np.zeros(n, np.float32))
    err = expect(AssertionFault, "assert_failed", build("asserts.cpp"), "scale_uneven", stream, 4,
                 DeviceBuffer.from_numpy(x), y, n, 64, source=CPP / "asserts.cpp", block=3,
                 words=("ASSERT(begin + perBlock <= n) failed",))
    assert err.detail == "ASSERT(begin + perBlock <= n) failed"
    np.testing.assert_array_equal(y.to_numpy()[:768], x[:768] * 2)
    with Stream(runtime[2]) as again:  # the device is still usable
        z = DeviceBuffer.empty(np.float32, 1024)
        build("asserts.cpp").get_kernel("scale_uneven")[4, again](
            DeviceBuffer.from_numpy(np.ones(1024, np.float32)), z, 1024, 64)
        np.testing.assert_array_equal(z.to_numpy(), 2.0)


def test_failing_assert_shows_its_message(build, stream910, rng):
    expect(AssertionFault, "assert_failed", build("asserts.cpp"), "scale_tile", stream910, 1,
           DeviceBuffer.from_numpy(data(rng, np.float32, 1000)), DeviceBuffer.empty(np.float32, 1000), 1000, 64,
           source=CPP / "asserts.cpp",
           words=('ASSERT(n % tileLen == 0 && "n must be a whole number of tiles") failed',))


# ============================================================================= planted mask bugs
@pytest.mark.parametrize(("kernel", "n", "cls", "kind", "words"), [
    ("counter_with_lane_mask", 256, AlignmentFault, "invalid_argument",
     ("Adds: in counter mode (SetMaskCount) the mask register is an element count, and it holds "
      "18446744073709551615", "this call wrote it from its own mask argument", "isSetMask = false")),
    ("mask_after_reduce", 256, AlignmentFault, "invalid_argument",
     ("Muls with isSetMask = false uses the mask register, which ReduceSum left undefined",)),
    ("repeat_past_end", 256, OnChipCapacityFault, "local_out_of_bounds",
     ("Add: dst LocalTensor range of 1280 bytes exceeds the 1024 bytes",)),
    ("too_many_repeats", 8192, AlignmentFault, "invalid_argument",
     ("WholeReduceSum: repeatTimes 256 is outside [0, 255]",)),
    ("negative_mask", 256, AlignmentFault, "invalid_argument",
     ("SetVectorMask: mask -8 is negative",)),
])
def test_planted_mask_bug(build, stream910, rng, kernel, n, cls, kind, words):
    y_host = data(rng, np.float32, n)
    y = DeviceBuffer.from_numpy(y_host)
    expect(cls, kind, build("mask_faults.cpp"), kernel, stream910, 1, DeviceBuffer.from_numpy(data(rng, np.float32, n)),
           y, n, source=CPP / "mask_faults.cpp", words=words)
    np.testing.assert_array_equal(y.to_numpy(), y_host)  # the faulting block never reached its copy-out


# ============================================================================= every form
def test_every_level0_form_builds_warning_free(tmp_path):
    """level0_coverage.cpp instantiates each level-0 overload for each type it takes; the simulator's headers
    must compile it with the toolchain's command line plus -Wall -Wextra -Werror, for 910B and 310P."""
    include = Path(__file__).resolve().parents[1] / "ascendpy" / "sim" / "include"
    for defines in ([], ["-D__CCE_AICORE__=200", "-D__NPU_ARCH__=2002"]):
        proc = subprocess.run(["g++", "-std=c++17", "-O2", "-fPIC", "-shared", "-Wall", "-Wextra", "-Werror",
                               *defines, "-I", str(include), str(CPP / "level0_coverage.cpp"),
                               "-o", str(tmp_path / "cov.so")], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_every_level0_form_runs(build, soc, stream):
    build("level0_coverage.cpp", soc).get_kernel("level0_coverage")[1, stream](
        DeviceBuffer.from_numpy(np.ones(3 * 128, np.float32)))
    stream.synchronize()
