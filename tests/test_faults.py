"""Planted kernel bugs: the simulator names the fault class, kind, kernel, block and source line.

Each test plants one bug, in an ascendpy kernel below (the line marked `# BUG <name>`) or in a
hand-written AscendC kernel in tests/faults_cpp/ (marked `// BUG <name>`), launches it, and checks
the exception: its class and `.kind`, `.kernel`, `.block`, `.filename`/`.lineno` (the Python line
for ascendpy kernels, the .cpp line for hand-written ones) and the buffer, index or size in
`.detail`. Apart from the planted bug, every kernel is correct (pipes ordered, tensors freed), so
the planted bug is the only thing the simulator may report.

The Python kernels are compiled once per module (this file is their module); each C++ file once.
"""

from __future__ import annotations

import functools
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from ascendpy import (
    CompileError,
    DeviceBuffer,
    KernelLoader,
    Stream,
    std,
)
from ascendpy.runtime.faults import (
    AlignmentFault,
    ArithmeticFault,
    GlobalMemoryFault,
    KernelFault,
    OnChipCapacityFault,
    QueueProtocolFault,
)
from ascendpy.std import Ptr, f32, i32, u32
from ascendpy.toolchain.cli import main as cli_main
from ascendpy.toolchain.compile import compile_file

HERE = Path(__file__).resolve()
CPP = HERE.parent / "faults_cpp"
TILE = 64


# ----------------------------------------------------------------------------- ascendpy kernels
@std.aiv_kernel
def shift_sum(x: Ptr[f32], y: Ptr[f32], n: u32):
    """y[i] = x[i] + x[i + 1], one contiguous range per block: the last block reads x[n]."""
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    lo = std.get_block_idx() * per
    hi = min(lo + per, n)
    for i in range(lo, hi):
        y[i] = x[i] + x[i + 1]  # BUG shift_sum


@std.aiv_kernel
def fill_inclusive(y: Ptr[i32], n: u32):
    """y[i] = 3 i for i in 0..n inclusive: the last write is one past the end."""
    i: u32 = 0
    while i <= n:
        y[i] = std.i32(i) * 3  # BUG fill_inclusive
        i += 1


@std.aiv_kernel
def backward_diff(x: Ptr[f32], y: Ptr[f32], n: u32):
    """y[i] = x[i] - x[i - 1] with a signed index: at i = 0 it reads x[-1]."""
    for i in range(n):
        j = std.i32(i) - 1
        y[i] = x[i] - x[j]  # BUG backward_diff


@std.aiv_kernel
def wrapped_diff(x: Ptr[f32], y: Ptr[f32], n: u32):
    """The same with u32 arithmetic, which wraps like the device: x[4294967295]."""
    for i in range(n):
        y[i] = x[i] - x[i - 1]  # BUG wrapped_diff


@std.aiv_kernel
def gather(x: Ptr[f32], idx: Ptr[i32], y: Ptr[f32], n: u32):
    """y[i] = x[idx[i]] (an embedding lookup): a corrupt index is far out of range."""
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    lo = std.get_block_idx() * per
    hi = min(lo + per, n)
    for i in range(lo, hi):
        y[i] = x[idx[i]]  # BUG gather


@std.aiv_kernel
def tiled_copy(x: Ptr[f32], y: Ptr[f32], n: u32):
    """Copies whole TILEs, tiles dealt round-robin to blocks: the last, partial tile is loaded whole."""
    xb = std.ub_alloc(f32, TILE)
    off = std.get_block_idx() * TILE
    while off < n:
        std.load(xb, x, off, TILE)  # BUG tiled_copy
        std.store(y, off, xb, TILE)
        off += std.get_block_num() * TILE


@std.aiv_kernel
def store_shifted(x: Ptr[f32], y: Ptr[f32], n: u32, shift: u32):
    """Stores n elements at y[shift:]: with n = len(y) they run past the end."""
    xb = std.ub_alloc(f32, TILE)
    std.load(xb, x, 0, n)
    std.store(y, shift, xb, n)  # BUG store_shifted


@std.aiv_kernel
def relu_count(x: Ptr[f32], y: Ptr[f32], n: u32):
    """A vector op whose count comes from the host and exceeds its TILE-element buffers."""
    xb = std.ub_alloc(f32, TILE)
    yb = std.ub_alloc(f32, TILE)
    std.load(xb, x, 0, TILE)
    std.relu(yb, xb, n)  # BUG relu_count
    std.store(y, 0, yb, TILE)


@std.aiv_kernel
def ub_sum_inclusive(x: Ptr[f32], y: Ptr[f32], n: u32):
    """Sums a UB buffer element by element with an inclusive bound: reads xb[n] of an n-element buffer."""
    xb = std.ub_alloc(f32, TILE)
    std.load(xb, x, 0, n)
    acc: f32 = 0.0
    for i in range(n + 1):
        acc += xb[i]  # BUG ub_sum_inclusive
    y[0] = acc


@std.aiv_kernel
def divide(x: Ptr[i32], d: Ptr[i32], q: Ptr[i32], n: u32):
    """q[i] = x[i] // d[i]: one divisor is zero."""
    for i in range(std.get_block_idx(), n, std.get_block_num()):
        q[i] = x[i] // d[i]  # BUG divide


@std.aiv_kernel
def bucket(x: Ptr[i32], y: Ptr[i32], buckets: i32, n: u32):
    """y[i] = x[i] % buckets, with buckets = 0 from the host."""
    for i in range(n):
        y[i] = x[i] % buckets  # BUG bucket


@std.aiv_kernel
def axpy(x: Ptr[f32], y: Ptr[f32], z: Ptr[f32], a: f32, n: u32):
    """A correct kernel: z = a x + y."""
    per = (n + std.get_block_num() - 1) // std.get_block_num()
    lo = std.get_block_idx() * per
    hi = min(lo + per, n)
    for i in range(lo, hi):
        z[i] = a * x[i] + y[i]


# ----------------------------------------------------------------------------- helpers
@pytest.fixture(autouse=True)
def _sim_910b(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run on a simulated 910B, all checks on, whatever the caller's environment says (310P tests open their own
    Acl)."""
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)


@pytest.fixture(scope="module")
def py() -> KernelLoader:
    return KernelLoader.from_module(sys.modules[__name__])


@functools.cache
def cpp(name: str, soc: str = "910B") -> KernelLoader:
    """Hand-written AscendC goes through the hub's CLI, as a user would: `ascend-compile --soc S --sim`."""
    out = Path(tempfile.mkdtemp(prefix="faults-")) / f"{Path(name).stem}-{soc}.so"
    assert cli_main(["--soc", soc, "--sim", str(CPP / name), "-o", str(out)]) == 0
    return KernelLoader.from_artifact(out)


@functools.cache
def bug_line(path: Path, name: str) -> int:
    """The line of `path` marked `# BUG name` (Python) or `// BUG name` (C++)."""
    hits = [i for i, text in enumerate(path.read_text().splitlines(), 1)
            if text.rstrip().endswith((f"# BUG {name}", f"// BUG {name}"))]
    assert len(hits) == 1, (path, name, hits)
    return hits[0]


def f32s(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def expect(cls: type[KernelFault], kind: str, loader: KernelLoader, name: str, stream: Stream, block_dim: int,
           *args: object, source: Path = HERE, block: int = 0, words: tuple[str, ...] = ()) -> KernelFault:
    """Launch `name`, expect exactly `cls`/`kind` from `block` at the `BUG name` line of `source`."""
    with pytest.raises(KernelFault) as info:
        loader.get_kernel(name)[block_dim, stream](*args)
        stream.synchronize()
    err = info.value
    text = str(err)
    assert type(err) is cls, text
    assert err.kind == kind, text
    assert err.kernel == name, text
    assert err.block == block, text
    assert err.filename == str(source), text
    assert err.lineno == bug_line(source, name), text
    assert f"kernel '{name}' block {block}: {kind} at {source}:{err.lineno}: " in text
    for w in words:
        assert w in err.detail, text
    return err


def guarded(rng: np.random.Generator, dtype: type, n: int) -> tuple[DeviceBuffer, np.ndarray]:
    """A device buffer of random contents and its host copy, to check it was left alone."""
    host = rng.integers(-1000, 1000, n).astype(dtype)
    return DeviceBuffer.from_numpy(host), host


# ============================================================================= global memory
def test_scalar_read_one_past_the_end(runtime, rng, py):
    stream = runtime[3]
    n = 64
    x = f32s(rng, n)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "shift_sum", stream, 4,
           DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, n), n,
           block=3, words=("GlobalTensor::GetValue reads elements [64, 64]", "256-byte device allocation",
                           "valid indices are [0, 64)"))


def test_scalar_write_one_past_the_end_touches_nothing(runtime, rng, py):
    stream = runtime[3]
    n = 40
    before, before_host = guarded(rng, np.int32, 64)
    y = DeviceBuffer.zeros(np.int32, n)
    after, after_host = guarded(rng, np.int32, 64)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "fill_inclusive", stream, 1, y, n,
           words=("GlobalTensor::SetValue writes elements [40, 40]", "(4 bytes at byte offset 160)",
                  "160-byte device allocation holding 40 elements"))
    np.testing.assert_array_equal(y.to_numpy(), np.arange(n, dtype=np.int32) * 3)  # the valid writes happened
    np.testing.assert_array_equal(before.to_numpy(), before_host)
    np.testing.assert_array_equal(after.to_numpy(), after_host)


def test_negative_index(runtime, rng, py):
    stream = runtime[3]
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "backward_diff", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 32)), DeviceBuffer.empty(np.float32, 32), 32,
           words=("reads elements [-1, -1]", "byte offset -4", "valid indices are [0, 32)"))


def test_u32_index_wraps_like_the_device_and_is_caught(runtime, rng, py):
    stream = runtime[3]
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "wrapped_diff", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 32)), DeviceBuffer.empty(np.float32, 32), 32,
           words=("reads elements [4294967295, 4294967295]", "valid indices are [0, 32)"))


def test_far_out_of_range_index(runtime, rng, py):
    stream = runtime[3]
    n = 64
    idx = rng.integers(0, 100, n).astype(np.int32)
    idx[37] = 1_000_000  # 64 elements over 4 blocks: element 37 is block 2's
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "gather", stream, 4,
           DeviceBuffer.from_numpy(f32s(rng, 100)), DeviceBuffer.from_numpy(idx), DeviceBuffer.empty(np.float32, n),
           n, block=2, words=("reads elements [1000000, 1000000]", "holding 100 elements"))


def test_dma_load_past_the_end(runtime, rng, py):
    stream = runtime[3]
    n = 1000  # 15 whole tiles and a partial 16th, which is block 1's (round-robin over 2 blocks)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "tiled_copy", stream, 2,
           DeviceBuffer.from_numpy(f32s(rng, n)), DeviceBuffer.empty(np.float32, n), n,
           block=1, words=("DataCopy reads elements [960, 1023]", "4000-byte device allocation",
                           "valid indices are [0, 1000)"))


def test_dma_store_past_the_end_writes_nothing(runtime, rng, py):
    stream = runtime[3]
    y, y_host = guarded(rng, np.float32, TILE)
    expect(GlobalMemoryFault, "global_out_of_bounds", py, "store_shifted", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, TILE)), y, TILE, 8,
           words=("writes elements [8, 71]", "(256 bytes at byte offset 32)", "valid indices are [0, 64)"))
    np.testing.assert_array_equal(y.to_numpy(), y_host)  # checked before any byte moved


def test_cpp_scalar_read_one_past_the_end(runtime, rng):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("gm_bounds.cpp"), "gm_read_past_end", stream, 4,
           DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.empty(np.float32, 64), 64,
           source=src, block=3, words=("GlobalTensor::GetValue reads elements [64, 64]",))


def test_cpp_negative_index_through_operator_call(runtime, rng):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    # operator() hands out a reference, so the simulator cannot tell a read from a write: it says "accesses".
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("gm_bounds.cpp"), "gm_negative_index", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.empty(np.float32, 64), 64,
           source=src, words=("GlobalTensor::operator() accesses", "elements [-1, -1]", "byte offset -4"))


def test_cpp_datacopy_load_past_the_end(runtime, rng):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("gm_bounds.cpp"), "gm_copy_in_past_end", stream, 2,
           DeviceBuffer.from_numpy(f32s(rng, 1000)), DeviceBuffer.empty(np.float32, 1000), 1000, 64,
           source=src, block=1, words=("DataCopy reads elements [960, 1023]", "4000-byte device allocation"))


def test_cpp_datacopy_store_rounded_up_past_the_end(runtime, rng):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    x = f32s(rng, 1001)
    y, y_host = guarded(rng, np.float32, 1001)
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("gm_bounds.cpp"), "gm_copy_out_past_end", stream, 2,
           DeviceBuffer.from_numpy(x), y, 1001, 64,
           source=src, block=1, words=("DataCopy writes elements [960, 1007]", "(192 bytes at byte offset 3840)",
                                       "holding 1001 elements"))
    got = y.to_numpy()
    np.testing.assert_array_equal(got[960:], y_host[960:])  # the faulting store moved nothing
    tiles_done = [t for t in range(0, 960, 64) if (t // 64) % 2 == 0]  # block 0 finished its tiles
    for t in tiles_done:
        np.testing.assert_array_equal(got[t:t + 64], x[t:t + 64])


def test_cpp_datacopypad_past_the_end(runtime, rng):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("gm_bounds.cpp"), "gm_pad_past_end", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 1001)), DeviceBuffer.empty(np.float32, 1001), 1001, 64,
           source=src, words=("DataCopyPad reads elements [960, 1023]", "4004-byte device allocation"))


def test_cpp_global_tensor_view_runs_into_the_next_allocation(runtime, rng):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    rows, cols = 3, 4
    y = DeviceBuffer.zeros(np.int32, rows * cols)
    neighbour, neighbour_host = guarded(rng, np.int32, 64)  # allocated right after y
    expect(GlobalMemoryFault, "global_out_of_bounds", cpp("gm_bounds.cpp"), "gm_view_overrun", stream, 1,
           y, rows, cols, source=src,
           words=("GlobalTensor::SetValue writes elements [12, 12]", "48-byte device allocation holding 12"))
    np.testing.assert_array_equal(neighbour.to_numpy(), neighbour_host)
    got = y.to_numpy()  # rows 0 and 1 (at pitch cols + 1) and the start of row 2 were written
    assert list(got[[0, 3, 5, 8, 10, 11]]) == [0, 3, 1000, 1003, 2000, 2001]


def test_cpp_pointer_into_a_freed_allocation(runtime, rng):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    y = DeviceBuffer.zeros(np.float32, 64)
    old = DeviceBuffer.from_numpy(f32s(rng, 1000))  # a size nothing else here allocates: its address stays unused
    address = old.ptr.value
    old.close()
    expect(GlobalMemoryFault, "freed_memory", cpp("gm_bounds.cpp"), "gm_raw_address", stream, 1,
           address, y, 64, source=src,
           words=("GlobalTensor::GetValue reads element 0 of a 4000-byte device allocation that was freed",
                  "use after free"))


# Host memory alive since import: no device allocation (live or freed) can ever have covered it, whereas a
# fresh array may reuse the heap range of a device allocation an earlier test freed (then: freed_memory).
_HOST_SINCE_IMPORT = np.full(64, 1.5, np.float32)


def test_cpp_pointer_that_is_not_device_memory(runtime):
    stream, src = runtime[3], CPP / "gm_bounds.cpp"
    expect(GlobalMemoryFault, "not_device_memory", cpp("gm_bounds.cpp"), "gm_raw_address", stream, 1,
           _HOST_SINCE_IMPORT.ctypes.data, DeviceBuffer.zeros(np.float32, 64), 64, source=src,
           words=("GlobalTensor::GetValue reads 4 bytes", "is in no device allocation"))


# Host memory that is never device memory, not even freed device memory: allocated when the module is imported,
# before any test of this process allocates on the device, and alive throughout, so no device allocation (live or
# in the simulator's record of freed ones) can cover it. A fresh array could land in a freed one's range.
_HOST = np.arange(64, dtype=np.float32)


def test_not_device_memory_names_the_pointer_in_hex(runtime):
    stream = runtime[3]
    host = _HOST
    with pytest.raises(GlobalMemoryFault) as info:
        cpp("gm_bounds.cpp").get_kernel("gm_raw_address")[1, stream](host.ctypes.data,
                                                                    DeviceBuffer.zeros(np.float32, 64), 64)
        stream.synchronize()
    assert f"({hex(host.ctypes.data)})" in info.value.detail, info.value.detail


# ============================================================================= on-chip capacity
UB_TILE = 14336  # 4 queue buffers x 14336 floats = 224 KiB: over 910B's 192 KiB, under 310P's 256 KiB


def test_ub_overflow_on_910b(runtime, rng):
    stream, src = runtime[3], CPP / "per_soc.cpp"
    n = 2 * UB_TILE
    expect(OnChipCapacityFault, "ub_overflow", cpp("per_soc.cpp"), "ub_budget", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, n)), DeviceBuffer.empty(np.float32, n), n, UB_TILE, source=src,
           words=("Unified Buffer overflow", "TQue<VECOUT, 2>, num=2, len=57344", "total requested 229376 bytes",
                  "capacity 196608 bytes on Ascend910B3", "114688 bytes already in use"))


def test_the_same_ub_budget_fits_a_310p(runtime310, rng):
    stream = runtime310
    n = 2 * UB_TILE
    x = f32s(rng, n)
    y = DeviceBuffer.empty(np.float32, n)
    cpp("per_soc.cpp", "310P").get_kernel("ub_budget")[1, stream](DeviceBuffer.from_numpy(x), y, n, UB_TILE)
    np.testing.assert_array_equal(y.to_numpy(), x * np.float32(2))


@pytest.mark.parametrize("name, kind, words", [
    ("l1_overflow", "l1_overflow", ("L1 buffer overflow", "TQue<A1, 1>, num=1, len=524320",
                                    "capacity 524288 bytes on Ascend910B3")),
    ("l0a_overflow", "l0a_overflow", ("L0A buffer overflow", "total requested 65568 bytes > capacity 65536",
                                      "65536 bytes already in use")),
    ("l0c_overflow", "l0c_overflow", ("L0C buffer overflow", "len=262144", "capacity 131072 bytes")),
    ("too_many_buffers", "too_many_buffers", ("a TPipe holds at most 64 buffers", "this would make 65")),
])
def test_l1_l0_and_buffer_count_limits(runtime, name, kind, words):
    stream, src = runtime[3], CPP / "onchip.cpp"
    expect(OnChipCapacityFault, kind, cpp("onchip.cpp"), name, stream, 1, DeviceBuffer.zeros(np.float32, 8),
           source=src, words=words)


@pytest.mark.parametrize("name, words", [
    ("local_get_past_end", ("LocalTensor::GetValue index 64", "a tensor of 64 elements")),
    ("local_set_past_end", ("LocalTensor::SetValue index 64", "a tensor of 64 elements")),
])
def test_local_tensor_element_past_the_end(runtime, rng, name, words):
    stream, src = runtime[3], CPP / "onchip.cpp"
    expect(OnChipCapacityFault, "local_out_of_bounds", cpp("onchip.cpp"), name, stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.empty(np.float32, 64), source=src, words=words)


def test_cpp_vector_count_beyond_its_buffers(runtime, rng):
    stream, src = runtime[3], CPP / "onchip.cpp"
    expect(OnChipCapacityFault, "local_out_of_bounds", cpp("onchip.cpp"), "vec_count_past_end", stream, 1,
           *(DeviceBuffer.from_numpy(f32s(rng, 256)) for _ in range(3)), 300, source=src,
           words=("Add: dst LocalTensor range of 1200 bytes exceeds the 1024 bytes",))


def test_runtime_vector_count_beyond_its_buffers(runtime, rng, py):
    stream = runtime[3]
    expect(OnChipCapacityFault, "local_out_of_bounds", py, "relu_count", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, TILE)), DeviceBuffer.empty(np.float32, TILE), 100,
           words=("Relu: dst LocalTensor range of 400 bytes exceeds the 256 bytes",))


def test_ub_element_past_the_end(runtime, rng, py):
    stream = runtime[3]
    expect(OnChipCapacityFault, "local_out_of_bounds", py, "ub_sum_inclusive", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, TILE)), DeviceBuffer.empty(np.float32, 1), TILE,
           words=("LocalTensor::GetValue index 64 is out of range for a tensor of 64 elements",))


def test_literal_vector_count_beyond_its_buffer_is_a_compile_error():
    """The same bug with a count known at compile time never reaches the simulator."""
    @std.aiv_kernel
    def relu_literal(x: Ptr[f32], y: Ptr[f32]):
        xb = std.ub_alloc(f32, TILE)
        yb = std.ub_alloc(f32, TILE)
        std.load(xb, x, 0, TILE)
        std.relu(yb, xb, 100)  # BUG relu_literal
        std.store(y, 0, yb, TILE)

    from ascendpy.compiler import kernel_cpp

    with pytest.raises(CompileError) as info:
        kernel_cpp(relu_literal)
    err = info.value
    assert (err.filename, err.lineno, err.kernel) == (str(HERE), bug_line(HERE, "relu_literal"), "relu_literal")
    assert "count 100 exceeds buffer" in str(err), err


# ============================================================================= alignment and size rules
def test_ub_operand_not_32_byte_aligned(runtime, rng):
    stream, src = runtime[3], CPP / "align.cpp"
    expect(AlignmentFault, "misaligned", cpp("align.cpp"), "ub_misaligned", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.empty(np.float32, 64), source=src,
           words=("DataCopy: dst LocalTensor starts at byte 12 of the Unified Buffer", "not 32-byte aligned"))


def test_datacopy_of_a_partial_block_moves_whole_blocks_only(runtime, rng):
    """Not a fault: like the hardware, DataCopy of 52 bytes moves 32 and silently drops the tail."""
    stream = runtime[3]
    x = f32s(rng, 13)
    y, y_host = guarded(rng, np.float32, 13)
    cpp("align.cpp").get_kernel("partial_block")[1, stream](DeviceBuffer.from_numpy(x), y)
    got = y.to_numpy()
    np.testing.assert_array_equal(got[:8], x[:8])
    np.testing.assert_array_equal(got[8:], y_host[8:])


def test_compare_count_not_a_multiple_of_256_bytes(runtime, rng):
    stream, src = runtime[3], CPP / "align.cpp"
    expect(AlignmentFault, "misaligned", cpp("align.cpp"), "compare_short", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.from_numpy(f32s(rng, 64)),
           DeviceBuffer.zeros(np.uint8, 64), source=src,
           words=("Compare: count 40 x 4 bytes = 160 bytes is not a multiple of 256 bytes",))


def test_event_id_out_of_range(runtime, rng):
    stream, src = runtime[3], CPP / "align.cpp"
    expect(AlignmentFault, "bad_event_id", cpp("align.cpp"), "event_id_9", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.empty(np.float32, 64), source=src,
           words=("SetFlag<HardEvent::MTE2_V>(9): event ids are 0..7",))


def test_cast_pair_that_does_not_exist(runtime):
    stream, src = runtime[3], CPP / "align.cpp"
    expect(AlignmentFault, "unsupported_cast", cpp("align.cpp"), "int_cast", stream, 1,
           DeviceBuffer.zeros(np.int16, 64), DeviceBuffer.zeros(np.int8, 64), source=src,
           words=("Cast from int16_t to int8_t",))


def test_negative_vector_count(runtime, rng):
    stream, src = runtime[3], CPP / "align.cpp"
    expect(AlignmentFault, "invalid_argument", cpp("align.cpp"), "negative_count", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.empty(np.float32, 64), 10, 16, source=src,
           words=("Muls: count -6 is negative",))


def test_datacopypad_on_310p(runtime310, rng):
    stream, src = runtime310, CPP / "per_soc.cpp"
    expect(AlignmentFault, "unsupported_on_soc", cpp("per_soc.cpp", "310P"), "pad_copy", stream, 1,
           DeviceBuffer.from_numpy(f32s(rng, 1001)), DeviceBuffer.empty(np.float32, 1001), 1001, source=src,
           words=("DataCopyPad is not available on Ascend310P (Ascend310P3)",))


def test_the_same_datacopypad_kernel_runs_on_910b(runtime, rng):
    stream = runtime[3]
    x = f32s(rng, 1001)
    y = DeviceBuffer.empty(np.float32, 1001)
    cpp("per_soc.cpp").get_kernel("pad_copy")[1, stream](DeviceBuffer.from_numpy(x), y, 1001)
    np.testing.assert_array_equal(y.to_numpy(), x)


def test_bf16_vector_arithmetic_does_not_compile(tmp_path):
    """910B has no vector arithmetic on bf16: Add<bfloat16_t> is rejected when the C++ is compiled."""
    src = tmp_path / "bf16_add.cpp"
    src.write_text('#include "kernel_operator.h"\nusing namespace AscendC;\n'
                   'extern "C" __global__ __aicore__ void bf16_add(GM_ADDR x)\n{\n'
                   "    TPipe pipe;\n    TBuf<TPosition::VECCALC> buf;\n    pipe.InitBuffer(buf, 256);\n"
                   "    LocalTensor<bfloat16_t> t = buf.Get<bfloat16_t>();\n"
                   "    Add(t, t, t, 128);\n}\n")
    with pytest.raises(CompileError) as info:
        compile_file(src)
    text = str(info.value)
    assert info.value.filename == str(src)
    assert f"{src}:9" in text and "Add supports int16_t, half, int32_t, float" in text, text


def test_bf16_cast_on_310p_is_refused(runtime310, rng, tmp_path):
    src = tmp_path / "bf16_cast.cpp"
    src.write_text('#include "kernel_operator.h"\nusing namespace AscendC;\n'
                   'extern "C" __global__ __aicore__ void bf16_cast(GM_ADDR x, GM_ADDR y)\n{\n'
                   "    TPipe pipe;\n    TBuf<TPosition::VECCALC> fb, bb;\n"
                   "    pipe.InitBuffer(fb, 256);\n    pipe.InitBuffer(bb, 128);\n"
                   "    GlobalTensor<float> xGm, yGm;\n"
                   "    xGm.SetGlobalBuffer((__gm__ float*)x, 64);\n    yGm.SetGlobalBuffer((__gm__ float*)y, 64);\n"
                   "    LocalTensor<float> f = fb.Get<float>();\n"
                   "    LocalTensor<bfloat16_t> b = bb.Get<bfloat16_t>();\n"
                   "    DataCopy(f, xGm, 64);\n    PipeBarrier<PIPE_ALL>();\n"
                   "    Cast(b, f, RoundMode::CAST_RINT, 64);\n"
                   "    PipeBarrier<PIPE_V>();\n    Cast(f, b, RoundMode::CAST_NONE, 64);\n"
                   "    PipeBarrier<PIPE_ALL>();\n    DataCopy(yGm, f, 64);\n}\n")
    kernel = KernelLoader(compile_file(src, soc="310P")).get_kernel("bf16_cast")
    with pytest.raises(AlignmentFault) as info:
        kernel[1, runtime310](DeviceBuffer.from_numpy(f32s(rng, 64)), DeviceBuffer.empty(np.float32, 64))
        runtime310.synchronize()
    assert info.value.kind == "unsupported_on_soc" and info.value.lineno == 16


# ============================================================================= queue protocol
@pytest.mark.parametrize("name, n, words", [
    ("alloc_beyond_num", 3 * 64, ("TQue<VECIN, 2>::AllocTensor: all 2 buffers are in use",)),
    ("deque_without_enque", 64, ("TQue<VECIN, 1>::DeQue: the queue is empty",)),
    ("enque_beyond_depth", 2 * 64, ("TQue<VECIN, 1>::EnQue: the queue already holds 1 tensors, its depth is 1",)),
    ("use_after_free", 64, ("Muls: LocalTensor used after its buffer was released",)),
    ("double_free", 64, ("TQue<VECIN, 1>::FreeTensor: the tensor was already freed",)),
])
def test_queue_protocol(runtime, rng, name, n, words):
    stream, src = runtime[3], CPP / "queue.cpp"
    k = cpp("queue.cpp").get_kernel(name)
    args: list[object] = [DeviceBuffer.from_numpy(f32s(rng, n))]
    if len(k.params) == 2:
        args.append(DeviceBuffer.empty(np.float32, 64))
    expect(QueueProtocolFault, "queue_protocol", cpp("queue.cpp"), name, stream, 1, *args, source=src, words=words)


# ============================================================================= arithmetic
def test_integer_division_by_zero(runtime, rng, py):
    stream = runtime[3]
    n = 64
    x = rng.integers(-100, 100, n).astype(np.int32)
    d = rng.integers(1, 9, n).astype(np.int32)
    d[13] = 0  # element 13 is block 1's (elements dealt round-robin to 4 blocks)
    expect(ArithmeticFault, "division_by_zero", py, "divide", stream, 4, DeviceBuffer.from_numpy(x),
           DeviceBuffer.from_numpy(d), DeviceBuffer.empty(np.int32, n), n, block=1,
           words=("integer division or modulo by zero",))


def test_integer_modulo_by_zero(runtime, rng, py):
    stream = runtime[3]
    expect(ArithmeticFault, "division_by_zero", py, "bucket", stream, 1,
           DeviceBuffer.from_numpy(rng.integers(-100, 100, 16).astype(np.int32)), DeviceBuffer.empty(np.int32, 16),
           0, 16, words=("division or modulo by zero",))


# ============================================================================= after a fault
def test_a_fault_does_not_affect_the_next_launch_or_other_buffers(runtime, rng, py):
    """Fault after fault on one stream; a correct launch after each gives numpy's answer, bystanders keep theirs."""
    stream = runtime[3]
    n = 1000
    x, y = f32s(rng, n), f32s(rng, n)
    xd, yd = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y)
    bystander, bystander_host = guarded(rng, np.int32, 4096)
    faults = [
        (py, "fill_inclusive", 1, (DeviceBuffer.zeros(np.int32, 16), 16)),
        (py, "tiled_copy", 2, (xd, DeviceBuffer.empty(np.float32, n), n)),
        (cpp("queue.cpp"), "use_after_free", 1, (xd, DeviceBuffer.empty(np.float32, 64))),
        (cpp("per_soc.cpp"), "ub_budget", 1, (xd, DeviceBuffer.empty(np.float32, n), n, UB_TILE)),
        (py, "divide", 3, (DeviceBuffer.zeros(np.int32, 8), DeviceBuffer.zeros(np.int32, 8),
                           DeviceBuffer.empty(np.int32, 8), 8)),
    ]
    for loader, name, block_dim, args in faults:
        with pytest.raises(KernelFault):
            loader.get_kernel(name)[block_dim, stream](*args)
            stream.synchronize()
        a = float(rng.uniform(-2, 2))
        z = DeviceBuffer.empty(np.float32, n)
        py.get_kernel("axpy")[8, stream](xd, yd, z, a, n)
        np.testing.assert_array_equal(z.to_numpy(), np.float32(a) * x + y, err_msg=f"after {name}")
    np.testing.assert_array_equal(xd.to_numpy(), x)
    np.testing.assert_array_equal(yd.to_numpy(), y)
    np.testing.assert_array_equal(bystander.to_numpy(), bystander_host)


def test_a_fault_is_reported_once(runtime, rng, py):
    """The fault surfaces at the first synchronisation; the stream is clean afterwards."""
    stream = runtime[3]
    with pytest.raises(GlobalMemoryFault):
        py.get_kernel("fill_inclusive")[1, stream](DeviceBuffer.zeros(np.int32, 16), 16)
        stream.synchronize()
    stream.synchronize()  # nothing left to report


def test_small_buffer_one_past_the_end(runtime, py):
    stream = runtime[3]
    with pytest.raises(GlobalMemoryFault):
        py.get_kernel("fill_inclusive")[1, stream](DeviceBuffer.zeros(np.int32, 4), 4)
        stream.synchronize()
