"""Cross-block work in one launch: store atomics into GM (SetAtomicAdd/Max/None) and SyncAll, on the simulator.

Python kernels: tests/kernels/cross_block.py (910B and 310P) and cross_block_910b.py (910B: the hardware SyncAll,
i32 and max atomics). Hand-written AscendC: tests/sim_cross_block/ (each passes check.sh against CANN 8.1).
Atomic adds of different blocks land in a nondeterministic order, so float results are compared with numpy's
float64 sum within the rounding of one add per block (stated per test); integer ones exactly.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from test_faults import bug_line

from ascendpy import CompileError, DeviceBuffer, KernelLoader, Stream, std
from ascendpy.compiler import kernel_cpp
from ascendpy.runtime._acl import AclError
from ascendpy.runtime.faults import AlignmentFault, AtomicModeFault, DeadlockFault, KernelFault
from ascendpy.std import Ptr, f32, i32, u8
from ascendpy.toolchain.compile import compile_cpp
from tests.kernels import cross_block as cb
from tests.kernels import cross_block_910b as cb910

PY = Path(cb.__file__).resolve()
PY910 = Path(cb910.__file__).resolve()
CPP = Path(__file__).resolve().parent / "sim_cross_block"
TILE = 256  # elements per block in the C++ fixtures
CORES_910B = 40  # Ascend910B3: vector cores (AIVs), what a SyncAll launch of a vector kernel may use
CORES_310P = 8  # Ascend310P3: AI Cores


@pytest.fixture(scope="module")
def py() -> KernelLoader:
    return KernelLoader.from_module(cb, soc="Ascend910B3")


@pytest.fixture(scope="module")
def py910() -> KernelLoader:
    return KernelLoader.from_module(cb910, soc="Ascend910B3")


@pytest.fixture(scope="module")
def py310() -> KernelLoader:
    return KernelLoader.from_module(cb, soc="Ascend310P3")


@pytest.fixture
def stream(runtime, monkeypatch: pytest.MonkeyPatch) -> Stream:
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    assert runtime[1].soc_name == "Ascend910B3", "run with ASCENDPY_SIM_SOC unset or Ascend910B3"
    return runtime[3]


def _cpp(name: str, soc: str | None = None, fixed: bool = False) -> KernelLoader:
    path = CPP / name
    return KernelLoader(compile_cpp(path.read_text(), source_name=str(path), soc=soc,
                                    extra_flags=["-DFIXED"] if fixed else None))


def _fault(cls: type[KernelFault], kind: str, path: Path, bug: str, launch) -> KernelFault:
    """Run `launch()`; expect `cls`/`kind` at the `BUG bug` line of `path`, reported within seconds."""
    start = time.monotonic()
    with pytest.raises(KernelFault) as info:
        launch()
    err = info.value
    assert time.monotonic() - start < 5, "the fault must be reported within seconds"
    assert type(err) is cls and err.kind == kind, str(err)
    assert (err.filename, err.lineno) == (str(path), bug_line(path, bug)), str(err)
    return err


def _run(loader: KernelLoader, name: str, blocks: int, stream: Stream, *args: object) -> None:
    loader.get_kernel(name)[blocks, stream](*args)
    stream.synchronize()


def _accumulate_ref(y0: np.ndarray, x: np.ndarray, blocks: int) -> np.ndarray:
    return y0.astype(np.float64) + x.reshape(blocks, -1).astype(np.float64).sum(axis=0)


# ------------------------------------------------------------------------------------------------ atomics (Python)
@pytest.mark.parametrize("blocks,n", [(1, 64), (7, 3001), (20, 4160)])
def test_atomic_add_f32_from_many_blocks_910b(py, stream, rng, blocks, n):
    """Odd sizes (DataCopyPad on 910B) and more than one tile; each add rounds once to f32, in any block order:
    |error| <= blocks * 2^-24 * (|y0| + sum |x|) per element."""
    x = rng.standard_normal(blocks * n).astype(np.float32)
    y0 = rng.standard_normal(n).astype(np.float32)  # the atomic add adds onto what GM holds
    y = DeviceBuffer.from_numpy(y0)
    _run(py, "atomic_add_f32", blocks, stream, DeviceBuffer.from_numpy(x), y, n)
    bound = blocks * 2.0**-24 * (np.abs(y0) + np.abs(x.reshape(blocks, n)).sum(axis=0)) + 1e-30
    err = np.abs(y.to_numpy() - _accumulate_ref(y0, x, blocks))
    assert (err <= bound).all(), err.max()


def _f16_and_i16(loader: KernelLoader, stream: Stream, rng: np.random.Generator) -> None:
    """f16: each add rounds once to f16 (|error| <= blocks * 2^-11 * (|y0| + sum |x|)); i16 exact."""
    blocks, n = 6, 4160  # whole 32-byte blocks (310P has no DataCopyPad), more than one tile
    x = (rng.standard_normal(blocks * n) * 4).astype(np.float16)
    y0 = rng.standard_normal(n).astype(np.float16)
    y = DeviceBuffer.from_numpy(y0)
    _run(loader, "atomic_add_f16", blocks, stream, DeviceBuffer.from_numpy(x), y, n)
    bound = blocks * 2.0**-11 * (np.abs(y0.astype(np.float64)) + np.abs(x.reshape(blocks, n)).astype(np.float64)
                                 .sum(axis=0))
    assert (np.abs(y.to_numpy().astype(np.float64) - _accumulate_ref(y0, x, blocks)) <= bound).all()
    xi = rng.integers(-1000, 1000, blocks * n).astype(np.int16)
    yi0 = rng.integers(-1000, 1000, n).astype(np.int16)
    yi = DeviceBuffer.from_numpy(yi0)
    _run(loader, "atomic_add_i16", blocks, stream, DeviceBuffer.from_numpy(xi), yi, n)
    np.testing.assert_array_equal(yi.to_numpy(), (yi0 + xi.reshape(blocks, n).sum(axis=0)).astype(np.int16))


def test_atomic_add_f16_and_i16_910b(py, stream, rng):
    _f16_and_i16(py, stream, rng)


def test_atomic_add_f16_and_i16_310p(py310, runtime310, rng):
    _f16_and_i16(py310, runtime310, rng)


def test_atomic_add_i32_and_max_f32_910b(py910, stream, rng):
    blocks, n = 9, 1000
    x = rng.integers(-10**6, 10**6, blocks * n).astype(np.int32)
    y0 = rng.integers(-10**6, 10**6, n).astype(np.int32)
    y = DeviceBuffer.from_numpy(y0)
    _run(py910, "atomic_add_i32", blocks, stream, DeviceBuffer.from_numpy(x), y, n)
    np.testing.assert_array_equal(y.to_numpy(), y0 + x.reshape(blocks, n).sum(axis=0))
    xf = rng.standard_normal(blocks * n).astype(np.float32)
    yf0 = rng.standard_normal(n).astype(np.float32)
    yf = DeviceBuffer.from_numpy(yf0)
    _run(py910, "atomic_max_f32", blocks, stream, DeviceBuffer.from_numpy(xf), yf, n)
    np.testing.assert_array_equal(yf.to_numpy(), np.maximum(yf0, xf.reshape(blocks, n).max(axis=0)))


def test_atomics_left_on_is_a_fault_at_the_set_line_and_the_next_launch_adds_cleanly(py, stream, rng):
    n = 64
    x = rng.standard_normal(4 * n).astype(np.float32)
    y = DeviceBuffer.zeros(np.float32, n)
    err = _fault(AtomicModeFault, "atomic_left_on", PY, "atomics_left_on",
                 lambda: _run(py, "atomics_left_on", 4, stream, DeviceBuffer.from_numpy(x), y, n))
    assert "SetAtomicAdd<float> still on" in err.detail and "SetAtomicNone()" in err.detail
    y0 = rng.standard_normal(n).astype(np.float32)  # the next block on each core starts with the mode off
    z = DeviceBuffer.from_numpy(y0)
    _run(py, "atomic_add_f32", 2, stream, DeviceBuffer.from_numpy(x[:2 * n]), z, n)
    np.testing.assert_allclose(z.to_numpy(), _accumulate_ref(y0, x[:2 * n], 2), rtol=1e-6, atol=1e-6)


def test_a_310p_store_tail_under_an_atomic_add_is_refused(py310, runtime310, rng):
    """310P has no DataCopyPad: the last elements would be written by the scalar unit, which does not add."""
    n = 100
    x = DeviceBuffer.from_numpy(rng.standard_normal(2 * n).astype(np.float32))
    with pytest.raises(KernelFault) as info:
        _run(py310, "atomic_add_f32", 2, runtime310, x, DeviceBuffer.zeros(np.float32, n), n)
    assert info.value.kind == "invalid_argument" and info.value.filename == str(PY), str(info.value)
    assert "multiple of 8" in info.value.detail


# ------------------------------------------------------------------------------------------------ SyncAll (Python)
def _partials(rng: np.random.Generator, blocks: int, n: int):
    x = rng.standard_normal(blocks * n).astype(np.float32)
    part = DeviceBuffer.from_numpy(np.full(blocks * 8, np.nan, np.float32))  # stale contents would show as NaN
    y = DeviceBuffer.from_numpy(np.full(8, np.nan, np.float32))
    return x, part, y


def _check_partials(x: np.ndarray, part: DeviceBuffer, y: DeviceBuffer, blocks: int) -> None:
    p = part.to_numpy().reshape(blocks, 8)
    # every block's partial reached GM, and is its tile's sum (std.reduce_sum tree: close to float64)
    np.testing.assert_allclose(p[:, 0], x.reshape(blocks, -1).astype(np.float64).sum(axis=1), rtol=1e-5, atol=1e-3)
    total = np.float32(0)
    for b in range(blocks):  # block 0 adds them in block order, in f32: bit-exact if it saw every one
        total = np.float32(total + p[b, 0])
    out = y.to_numpy()
    assert out[0] == total, (out[0], total)
    np.testing.assert_array_equal(out[1:], 0)


@pytest.mark.parametrize("blocks", [1, 7, CORES_910B])
def test_hard_sync_all_makes_every_partial_visible_to_block_0(py910, stream, rng, blocks):
    n = 2500
    x, part, y = _partials(rng, blocks, n)
    _run(py910, "partial_sums_hard", blocks, stream, DeviceBuffer.from_numpy(x), part, y, n)
    _check_partials(x, part, y, blocks)
    assert py910.artifact.metadata["kernels"]["partial_sums_hard"]["kernel_type"] == "KERNEL_TYPE_MIX_AIV_1_0"
    assert py910.artifact.metadata["kernels"]["partial_sums_hard"]["sync_all"] is True


@pytest.mark.parametrize("blocks", [3, CORES_910B])
def test_soft_sync_all_910b(py, stream, rng, blocks):
    n = 1000
    x, part, y = _partials(rng, blocks, n)
    ws = DeviceBuffer.zeros(np.int32, blocks * 8)
    _run(py, "partial_sums_soft", blocks, stream, DeviceBuffer.from_numpy(x), part, ws, y, n)
    _check_partials(x, part, y, blocks)
    np.testing.assert_array_equal(ws.to_numpy().reshape(blocks, 8)[:, 0], 1)  # SoftSyncAllImpl's counters
    assert py.artifact.metadata["kernels"]["partial_sums_soft"]["kernel_type"] == "KERNEL_TYPE_AIV_ONLY"


def test_soft_sync_all_310p(py310, runtime310, rng):
    blocks, n = CORES_310P, 1000
    x, part, y = _partials(rng, blocks, n)
    _run(py310, "partial_sums_soft", blocks, runtime310, DeviceBuffer.from_numpy(x), part,
         DeviceBuffer.zeros(np.int32, blocks * 8), y, n)
    _check_partials(x, part, y, blocks)


@pytest.mark.parametrize("hard", [True, False])
def test_a_block_that_skips_sync_all_is_a_deadlock_at_its_line_and_the_next_launch_runs(py, py910, stream, rng,
                                                                                         hard):
    blocks, n = 8, 256
    loader, path, name = (py910, PY910, "skip_sync_hard") if hard else (py, PY, "skip_sync_soft")
    x, part, y = _partials(rng, blocks, n)
    ws = [DeviceBuffer.zeros(np.int32, blocks * 8)] if not hard else []
    err = _fault(DeadlockFault, "deadlock", path, name,
                 lambda: _run(loader, name, blocks, stream, DeviceBuffer.from_numpy(x), part, *ws, y, n))
    assert "finished without arriving: " in err.detail and "block 3" in err.detail, err.detail
    x, part, y = _partials(rng, blocks, n)
    ok = name.replace("skip_sync", "partial_sums")
    ws = [DeviceBuffer.zeros(np.int32, blocks * 8)] if not hard else []
    _run(loader, ok, blocks, stream, DeviceBuffer.from_numpy(x), part, *ws, y, n)
    _check_partials(x, part, y, blocks)


def test_a_sync_all_launch_may_not_have_more_blocks_than_cores(py910, stream):
    x = DeviceBuffer.zeros(np.float32, 41 * 8)
    with pytest.raises(AclError) as info:
        py910.get_kernel("partial_sums_hard")[CORES_910B + 1, stream](x, x, x, 8)
    text = str(info.value)
    assert "numBlocks 41 of kernel 'partial_sums_hard' exceeds the 40 vector cores (AIVs) of Ascend910B3" in text
    assert "SyncAll" in text


# ------------------------------------------------------------------------------------------------ compile errors
def _compile_error(kernel: std.KernelFunction, soc: str, *words: str) -> None:
    with pytest.raises(CompileError) as info:
        kernel_cpp(kernel, soc)
    assert info.value.filename == __file__ and info.value.kernel == kernel.name, str(info.value)
    for w in words:
        assert w in str(info.value), str(info.value)


def test_unsupported_atomic_types_and_the_hard_sync_all_on_310p_are_compile_errors():
    @std.aiv_kernel
    def add_i32(y: Ptr[i32]):
        std.set_atomic_add(i32)

    @std.aiv_kernel
    def max_f32(y: Ptr[f32]):
        std.set_atomic_max(f32)

    @std.aiv_kernel
    def add_u8(y: Ptr[u8]):
        std.set_atomic_add(u8)

    @std.aiv_kernel
    def hard(y: Ptr[f32]):
        std.sync_all()

    @std.aiv_kernel
    def soft_f32(ws: Ptr[f32]):
        std.sync_all(ws)

    @std.cube_kernel
    def cube(y: Ptr[f32]):
        std.sync_all()

    _compile_error(add_i32, "Ascend310P3", "std.set_atomic_add(i32) is not available on Ascend310P3", "f32, f16, i16")
    kernel_cpp(add_i32, "Ascend910B3")  # 910B has it
    _compile_error(max_f32, "Ascend310P3", "no SetAtomicMax")
    _compile_error(add_u8, "Ascend910B3", "std.set_atomic_add(u8) is not available on Ascend910B3")
    _compile_error(hard, "Ascend310P3", "hardware SyncAll", "std.sync_all(workspace)")
    _compile_error(soft_f32, "Ascend910B3", "Ptr[i32]")
    _compile_error(cube, "Ascend910B3", "@std.aiv_kernel")


def test_the_generated_code_calls_the_real_api():
    cpp = kernel_cpp(cb910.partial_sums_hard, "Ascend910B3")
    assert "KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);" in cpp and "AscendC::SyncAll();" in cpp
    cpp = kernel_cpp(cb.partial_sums_soft, "Ascend310P3")
    assert "AscendC::SyncAll(ws_gm, apy_sync_ub);" in cpp and "InitBuffer(apy_sync_ub_buf, 256)" in cpp
    cpp = kernel_cpp(cb.atomic_add_f32, "Ascend910B3")
    add, store, none = (cpp.index(s) for s in ("AscendC::SetAtomicAdd<float>();", "apy_copy_out(y_gm",
                                                "AscendC::SetAtomicNone();"))
    assert add < store < none  # the DMA samples the mode when it is issued: program order is the ordering


# ------------------------------------------------------------------------------------------------ hand-written C++
@pytest.fixture(scope="module")
def atomics() -> KernelLoader:
    return _cpp("atomics.cpp")


@pytest.mark.parametrize("name,dtype", [("atomic_add_f32", np.float32), ("atomic_add_f16", np.float16),
                                        ("atomic_add_i16", np.int16), ("atomic_add_i32", np.int32),
                                        ("atomic_max_f32", np.float32)])
def test_cpp_atomics(atomics, stream, rng, name, dtype):
    blocks = 12
    if np.issubdtype(dtype, np.integer):
        x = rng.integers(-500, 500, blocks * TILE).astype(dtype)
        y0 = rng.integers(-500, 500, TILE).astype(dtype)
    else:
        x = rng.standard_normal(blocks * TILE).astype(dtype)
        y0 = rng.standard_normal(TILE).astype(dtype)
    y = DeviceBuffer.from_numpy(y0)
    _run(atomics, name, blocks, stream, DeviceBuffer.from_numpy(x), y)
    got, tiles = y.to_numpy(), x.reshape(blocks, TILE)
    if "max" in name:
        np.testing.assert_array_equal(got, np.maximum(y0, tiles.max(axis=0)))
    elif np.issubdtype(dtype, np.integer):
        np.testing.assert_array_equal(got, y0 + tiles.sum(axis=0, dtype=dtype))
    else:
        eps = 2.0**-11 if dtype == np.float16 else 2.0**-24
        bound = blocks * eps * (np.abs(y0.astype(np.float64)) + np.abs(tiles.astype(np.float64)).sum(axis=0))
        assert (np.abs(got.astype(np.float64) - _accumulate_ref(y0, x, blocks)) <= bound).all()


def test_cpp_atomic_data_copy_pad_adds_exactly_its_bytes(atomics, stream, rng):
    blocks, count = 5, 37
    x = rng.standard_normal(blocks * TILE).astype(np.float32)
    y0 = rng.standard_normal(TILE).astype(np.float32)
    y = DeviceBuffer.from_numpy(y0)
    _run(atomics, "atomic_pad_f32", blocks, stream, DeviceBuffer.from_numpy(x), y, count)
    ref = y0.astype(np.float64)
    ref[:count] += x.reshape(blocks, TILE)[:, :count].astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(y.to_numpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(y.to_numpy()[count:], y0[count:])


def test_cpp_atomics_on_310p(runtime310, rng):
    loader = _cpp("atomics.cpp", soc="Ascend310P3")
    blocks = 4
    x = rng.standard_normal(blocks * TILE).astype(np.float32)
    y0 = rng.standard_normal(TILE).astype(np.float32)
    y = DeviceBuffer.from_numpy(y0)
    _run(loader, "atomic_add_f32", blocks, runtime310, DeviceBuffer.from_numpy(x), y)
    np.testing.assert_allclose(y.to_numpy(), _accumulate_ref(y0, x, blocks), rtol=1e-5, atol=1e-5)
    for name, api in (("atomic_add_i32", "SetAtomicAdd<int32_t>"), ("atomic_max_f32", "SetAtomicMax")):
        with pytest.raises(AlignmentFault) as info:
            _run(loader, name, 1, runtime310, DeviceBuffer.from_numpy(x), y)
        assert info.value.kind == "unsupported_on_soc" and api in info.value.detail, str(info.value)


@pytest.mark.parametrize("name", ["sync_hard", "sync_soft"])
def test_cpp_sync_all(stream, rng, name):
    loader = _cpp("sync_all.cpp")
    for blocks in (2, CORES_910B):
        x = rng.standard_normal(blocks * TILE).astype(np.float32)
        part = DeviceBuffer.from_numpy(np.full(blocks * 8, np.nan, np.float32))
        y = DeviceBuffer.zeros(np.float32, 8)
        _run(loader, name, blocks, stream, DeviceBuffer.from_numpy(x), part, DeviceBuffer.zeros(np.int32, blocks * 8),
             y)
        total = np.float32(0)
        for b in range(blocks):
            s = np.float32(0)
            for v in x[b * TILE:(b + 1) * TILE]:
                s = np.float32(s + v)
            total = np.float32(total + s)
        assert y.to_numpy()[0] == total


@pytest.mark.filterwarnings("ignore::ascendpy.errors.ValidationWarning")  # the validator flags the hard SyncAll too
def test_cpp_sync_all_on_310p_soft_only(runtime310, rng):
    loader = _cpp("sync_all.cpp", soc="Ascend310P3")
    blocks = CORES_310P
    x = rng.standard_normal(blocks * TILE).astype(np.float32)
    args = (DeviceBuffer.from_numpy(x), DeviceBuffer.zeros(np.float32, blocks * 8),
            DeviceBuffer.zeros(np.int32, blocks * 8))
    y = DeviceBuffer.zeros(np.float32, 8)
    _run(loader, "sync_soft", blocks, runtime310, *args, y)
    np.testing.assert_allclose(y.to_numpy()[0], x.astype(np.float64).sum(), rtol=1e-4, atol=1e-3)
    with pytest.raises(AlignmentFault) as info:
        _run(loader, "sync_hard", blocks, runtime310, *args, y)
    assert info.value.kind == "unsupported_on_soc" and "hardware SyncAll" in info.value.detail
    with pytest.raises(AclError, match="exceeds the 8 AI Cores of Ascend310P3"):
        loader.get_kernel("sync_soft")[blocks + 1, runtime310](*args, y)


@pytest.mark.parametrize("bug,cls,kind,words", [
    ("skip_sync", DeadlockFault, "deadlock", ("SyncAll() on AIV block 0", "finished without arriving: AIV block 3")),
    ("soft_twice", DeadlockFault, "deadlock",
     ("SyncAll(gmWorkspace, ubWorkspace) on block 0", "add up to 9 of the 16")),
    ("atomic_left_on", AtomicModeFault, "atomic_left_on", ("SetAtomicAdd<float> still on",)),
    ("hard_in_aiv_only", AlignmentFault, "unsupported_kernel_type", ("KERNEL_TYPE_MIX_AIV_1_0",)),
])
def test_cpp_planted_bugs_and_their_fixes(stream, bug, cls, kind, words):
    path = CPP / "cross_block_bugs.cpp"
    bugs, fixed = _cpp(path.name), _cpp(path.name, fixed=True)
    blocks = 8

    def launch(loader: KernelLoader) -> DeviceBuffer:
        y = DeviceBuffer.zeros(np.float32, 8)
        _run(loader, bug, blocks, stream, y, DeviceBuffer.zeros(np.int32, 64 * 8))
        return y

    err = _fault(cls, kind, path, bug, lambda: launch(bugs))
    for w in words:
        assert w in err.detail, err.detail
    np.testing.assert_array_equal(launch(fixed).to_numpy(), blocks)  # and the process goes on


@pytest.mark.filterwarnings("ignore::ascendpy.errors.ValidationWarning")  # 910B-only kernels beside it
def test_cpp_int32_atomics_are_unsupported_on_310p(runtime310):
    path = CPP / "cross_block_bugs.cpp"
    loader = _cpp(path.name, soc="Ascend310P3")
    _fault(AlignmentFault, "unsupported_on_soc", path, "atomic_i32",
           lambda: _run(loader, "atomic_i32", 2, runtime310, DeviceBuffer.zeros(np.int32, 8),
                        DeviceBuffer.zeros(np.int32, 8)))


def test_the_toolchain_finds_sync_all_per_entry():
    meta = _cpp("atomics.cpp").artifact.metadata["kernels"]
    assert not any(k["sync_all"] for k in meta.values())  # the atomics fixture never syncs: waves as usual
    meta = _cpp("sync_all.cpp").artifact.metadata["kernels"]
    assert meta["sync_hard"]["sync_all"] and meta["sync_soft"]["sync_all"]  # named in a shared helper: all entries


# ------------------------------------------------------------------------------------------------ validator
def test_the_validator_knows_sync_all_and_the_atomic_switch():
    from ascendpy.toolchain.validate import validate

    for name in ("atomics.cpp", "sync_all.cpp"):  # SyncAll drains every pipe, like PipeBarrier<PIPE_ALL>
        assert validate((CPP / name).read_text(), "Ascend910B3", source_name=name) == []
    left_on = ('#include "kernel_operator.h"\nextern "C" __global__ __aicore__ void k(GM_ADDR y)\n{\n'
               "    AscendC::SetAtomicAdd<float>();\n}\n")
    diags = validate(left_on, "Ascend910B3", source_name="k.cpp")
    assert [(d.code, d.line, d.severity) for d in diags] == [("atomic-left-on", 4, "warning")], diags
    assert validate(left_on.replace("();\n}", "();\n    AscendC::SetAtomicNone();\n}"), "Ascend910B3") == []
