"""Mix (AIC + AIV) and AIC-only kernels on the simulator, and the cross-core flags (CrossCoreSetFlag/WaitFlag).

Hand-written AscendC in tests/sim_mix/ (each passing ../shared/tools/ascendc_check/check.sh against CANN 8.1):
mix_kernels.cpp hands data between the cores of a group through a global-memory workspace in every direction
and mode (the AIC side with scalar accesses, the AIVs with DataCopy and vector ops), checked against numpy for
several block counts; core_ids.cpp writes what GetBlockIdx/GetBlockNum/GetSubBlockIdx/GetSubBlockNum/
GetTaskRation/g_coreType/ASCEND_IS_* say on each core; mix_bugs.cpp plants one flag bug per kernel on its
`// BUG name` line, and is correct with -DFIXED.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from test_faults import bug_line

from ascendpy import DeviceBuffer, KernelLoader, Stream
from ascendpy.errors import CompileError, LaunchError
from ascendpy.runtime._acl import AclError
from ascendpy.runtime.faults import AlignmentFault, DeadlockFault, GlobalMemoryFault, KernelFault
from ascendpy.toolchain.compile import compile_cpp

HERE = Path(__file__).resolve().parent / "sim_mix"
KERNELS, IDS, BUGS = HERE / "mix_kernels.cpp", HERE / "core_ids.cpp", HERE / "mix_bugs.cpp"
TILE = 256  # mix_kernels.cpp: elements per AIV
BTILE = 64  # mix_bugs.cpp
AIC, AIV, MIX = 1, 2, 0  # AscendC::AIC / AIV / MIX


def _line(path: Path, text: str) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    assert len(hits) == 1, (path, text, hits)
    return hits[0]


def _load(path: Path, soc: str | None = None, fixed: bool = False) -> KernelLoader:
    return KernelLoader(compile_cpp(path.read_text(), source_name=str(path), soc=soc,
                                    extra_flags=["-DFIXED"] if fixed else None))


@pytest.fixture(scope="module")
def kernels() -> KernelLoader:
    return _load(KERNELS)


@pytest.fixture(scope="module")
def bugs() -> KernelLoader:
    return _load(BUGS)


@pytest.fixture(scope="module")
def fixed() -> KernelLoader:
    return _load(BUGS, fixed=True)


@pytest.fixture
def stream(runtime, monkeypatch: pytest.MonkeyPatch) -> Stream:
    """conftest's stream on a simulated Ascend910B3 (20 AI Cores = AIC + 2 AIV groups, 40 AIVs), all checks on."""
    monkeypatch.delenv("ASCENDPY_SIM_CHECKS", raising=False)
    assert runtime[1].soc_name == "Ascend910B3", "run with ASCENDPY_SIM_SOC unset or Ascend910B3"
    return runtime[3]


def f32(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


# ------------------------------------------------------------------------------------------- data through flags
@pytest.mark.parametrize("blocks", [1, 2, 7, 20])
def test_aic_writes_the_workspace_then_both_aivs_compute(kernels, stream, rng, blocks):
    x = f32(rng, blocks * 2 * TILE)
    ws, y = DeviceBuffer.empty(np.float32, x.size), DeviceBuffer.empty(np.float32, x.size)
    kernels.get_kernel("aic_to_aiv")[blocks, stream](DeviceBuffer.from_numpy(x), ws, y)
    np.testing.assert_array_equal(ws.to_numpy(), x * x)
    np.testing.assert_array_equal(y.to_numpy(), x * x + x)


@pytest.mark.parametrize("blocks", [1, 3, 20])
def test_aic_waits_for_both_aivs_and_answers_them(kernels, stream, rng, blocks):
    x = rng.integers(-1000, 1000, blocks * 2 * TILE, dtype=np.int32)
    ws = DeviceBuffer.empty(np.int32, x.size)
    out, y = DeviceBuffer.empty(np.int32, blocks), DeviceBuffer.empty(np.int32, 2 * blocks)
    kernels.get_kernel("aiv_to_aic")[blocks, stream](DeviceBuffer.from_numpy(x), ws, out, y)
    sums = (x + 1).reshape(blocks, 2 * TILE).sum(axis=1, dtype=np.int32)
    np.testing.assert_array_equal(out.to_numpy(), sums)
    np.testing.assert_array_equal(y.to_numpy(), np.repeat(sums, 2))


@pytest.mark.parametrize("blocks", [1, 4, 20])
def test_mode_1_pairs_the_aivs_and_mode_0_syncs_the_whole_launch(kernels, stream, rng, blocks):
    n = blocks * 2 * TILE
    x = f32(rng, n)
    ws, y, z = (DeviceBuffer.empty(np.float32, n) for _ in range(3))
    ids = DeviceBuffer.empty(np.int32, 2 * blocks)
    kernels.get_kernel("modes_0_1")[blocks, stream](DeviceBuffer.from_numpy(x), ws, y, z, ids)
    twice = (x * np.float32(2)).reshape(2 * blocks, TILE)
    partner = twice.reshape(blocks, 2, TILE)[:, ::-1].reshape(2 * blocks, TILE)
    np.testing.assert_array_equal(y.to_numpy(), (twice + partner).ravel())
    np.testing.assert_array_equal(z.to_numpy(), np.roll(twice, -1, axis=0).ravel())  # the next AIV's ws
    first = np.arange(blocks, dtype=np.int32) * 10 + 7
    np.testing.assert_array_equal(ids.to_numpy(), np.concatenate([first, np.roll(first, -1)]))


@pytest.mark.parametrize("blocks", [1, 5, 40])
def test_mode_0_across_the_aivs_of_an_aiv_only_mix_kernel(kernels, stream, rng, blocks):
    x = f32(rng, blocks * TILE)
    ws, y = DeviceBuffer.empty(np.float32, x.size), DeviceBuffer.empty(np.float32, x.size)
    kernels.get_kernel("aiv_only_mode0")[blocks, stream](DeviceBuffer.from_numpy(x), ws, y)
    mine = x.reshape(blocks, TILE) + np.arange(blocks, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(y.to_numpy(), np.roll(mine, 1, axis=0).ravel())


def test_the_kernel_type_is_in_the_artifact(kernels, bugs):
    assert (kernels.get_kernel("aic_to_aiv").kind, kernels.get_kernel("aic_to_aiv").kernel_type) == \
        ("mix", "KERNEL_TYPE_MIX_AIC_1_2")
    assert kernels.get_kernel("aiv_only_mode0").kernel_type == "KERNEL_TYPE_MIX_AIV_1_0"
    assert bugs.get_kernel("no_scheduler").kind == "aiv"
    meta = kernels.artifact.metadata["kernels"]["aiv_to_aic"]
    assert (meta["kind"], meta["kernel_type"]) == ("mix", "KERNEL_TYPE_MIX_AIC_1_2")


def test_a_generator_kind_that_disagrees_with_the_source_is_a_compile_error():
    with pytest.raises(CompileError, match="kernel 'aic_to_aiv' is a aiv kernel, but its C.. makes it "
                                           "KERNEL_TYPE_MIX_AIC_1_2") as info:
        compile_cpp(KERNELS.read_text(), source_name=str(KERNELS), kinds={"aic_to_aiv": "aiv"})
    assert info.value.lineno == _line(KERNELS, 'void aic_to_aiv(')


def test_a_mix_launch_may_not_ask_for_more_groups_than_the_soc_has(kernels, stream, rng):
    x = f32(rng, 21 * 2 * TILE)
    bufs = [DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, x.size), DeviceBuffer.empty(np.float32, x.size)]
    with pytest.raises(AclError, match="numBlocks 21 of kernel 'aic_to_aiv' .KERNEL_TYPE_MIX_AIC_1_2: each block is "
                                       "1 AIC . 2 AIV. exceeds the 20 physical AI Cores of Ascend910B3"):
        kernels.get_kernel("aic_to_aiv")[21, stream](*bufs)
    kernels.get_kernel("aic_to_aiv")[20, stream](*bufs)  # the stream is fine
    np.testing.assert_array_equal(bufs[2].to_numpy()[: 20 * 2 * TILE], (x * x + x)[: 20 * 2 * TILE])


# ------------------------------------------------------------------------------------------- what each core sees
def _ids(stream: Stream, loader: KernelLoader, name: str, blocks: int, slots: int) -> np.ndarray:
    out = DeviceBuffer.from_numpy(np.full(slots * 8, -1, np.int32))
    loader.get_kernel(name)[blocks, stream](out)
    return out.to_numpy().reshape(slots, 8)


@pytest.mark.parametrize("blocks", [1, 3])
def test_block_indices_on_each_side_of_a_1_2_mix_kernel(stream, blocks):
    got = _ids(stream, _load(IDS), "mix12_ids", blocks, 3 * blocks)
    want = []
    for b in range(blocks):  # GetBlockIdx, GetBlockNum, GetSubBlockIdx, GetSubBlockNum, GetTaskRation, core, side
        want.append([b, blocks, 0, 1, 1, AIC, 1, 77])
        want += [[2 * b + s, blocks, s, 2, 2, AIV, 2, 77] for s in (0, 1)]
    np.testing.assert_array_equal(got, np.array(want, np.int32))


def test_block_indices_of_a_1_1_mix_kernel(stream):
    got = _ids(stream, _load(IDS), "mix11_ids", 4, 8)
    want = [row for b in range(4) for row in ([b, 4, 0, 1, 1, AIC, 1, 77], [b, 4, 0, 1, 1, AIV, 2, 77])]
    np.testing.assert_array_equal(got, np.array(want, np.int32))


@pytest.mark.parametrize(("name", "core"), [("aic_ids", AIC), ("aiv_ids", AIV)])
def test_block_indices_of_aic_only_and_aiv_only_kernels(stream, name, core):
    got = _ids(stream, _load(IDS), name, 5, 5)
    want = [[b, 5, 0, 1, 1, core, core, 77] for b in range(5)]  # side 1 (ASCEND_IS_AIC) or 2 (ASCEND_IS_AIV)
    np.testing.assert_array_equal(got, np.array(want, np.int32))


@pytest.mark.filterwarnings("ignore::ascendpy.errors.ValidationWarning")  # the validator says it is 910B code
def test_on_310p_a_mix_kernel_runs_coupled_cores_that_are_neither_side(runtime310):
    """8.1 on dav-m200: g_coreType is MIX, so ASCEND_IS_AIC and ASCEND_IS_AIV are both false; numBlocks AI Cores."""
    got = _ids(runtime310, _load(IDS, soc="310P"), "mix12_ids", 2, 6)
    want = np.full((6, 8), -1, np.int32)
    for b in range(2):  # the else branch of slot_in_group: GetBlockIdx / 1 * 3 + 1 + 0
        want[3 * b + 1] = [b, 2, 0, 1, 1, MIX, 0, 77]
    np.testing.assert_array_equal(got, want)


@pytest.mark.filterwarnings("ignore::ascendpy.errors.ValidationWarning")
def test_on_310p_cross_core_flags_are_unsupported(runtime310, rng):
    x = f32(rng, BTILE)
    err = _expect(AlignmentFault, "unsupported_on_soc", _load(BUGS, soc="310P"), "no_scheduler", runtime310, 1,
                  (DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, BTILE),
                   DeviceBuffer.empty(np.float32, BTILE)), core=None)
    assert "CrossCoreSetFlag on any core is not available on Ascend310P3" in err.detail


# ------------------------------------------------------------------------------------------- planted bugs
def _args(rng: np.random.Generator, blocks: int) -> tuple[np.ndarray, tuple[DeviceBuffer, ...]]:
    x = f32(rng, blocks * 2 * BTILE)
    return x, (DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, x.size),
               DeviceBuffer.empty(np.float32, x.size))


def _expect(cls: type[KernelFault], kind: str, loader: KernelLoader, name: str, stream: Stream, blocks: int,
            args: tuple, block: int = 0, core: str | None = "AIV", sub: int | None = None) -> KernelFault:
    """Launch `name`; expect `cls`/`kind` from `core` (`sub`) of `block` at the `BUG name` line, within 5 s."""
    t0 = time.monotonic()
    with pytest.raises(KernelFault) as info:
        loader.get_kernel(name)[blocks, stream](*args)
        stream.synchronize(timeout=30)
    assert time.monotonic() - t0 < 5, "the launch hung instead of reporting its fault"
    err = info.value
    text = str(err)
    assert type(err) is cls and err.kind == kind, text
    assert (err.kernel, err.block, err.core, err.sub_block) == (name, block, core, sub), text
    assert (err.filename, err.lineno) == (str(BUGS), bug_line(BUGS, name)), text
    return err


def _fixed_runs(fixed: KernelLoader, name: str, stream: Stream, rng: np.random.Generator, blocks: int = 2) -> None:
    x, args = _args(rng, blocks)
    fixed.get_kernel(name)[blocks, stream](*args)
    np.testing.assert_array_equal(args[2].to_numpy(), x)


def test_a_missing_set_is_a_deadlock_at_the_wait_and_the_next_launch_runs(bugs, fixed, stream, rng):
    _, args = _args(rng, 2)
    err = _expect(DeadlockFault, "deadlock", bugs, "missing_set", stream, 2, args, sub=0)
    assert "CrossCoreWaitFlag(0) on AIV 0 of block 0 waits for its flag 0, which no core can raise any more" \
        in err.detail
    assert "finished: the AIC of block 0" in err.detail and "waiting: AIV 1 of block 0 (flag 0)" in err.detail
    assert "CrossCoreSetFlag<2, pipe>(0) on its group's AIC" in err.detail
    x, args = _args(rng, 2)  # the same loader and stream run the next launch: all_aivs is correct on 4 AIVs
    bugs.get_kernel("all_aivs")[4, stream](*args)
    np.testing.assert_array_equal(args[2].to_numpy(), x)
    _fixed_runs(fixed, "missing_set", stream, rng)


def test_a_wrong_flag_id_is_a_deadlock_that_names_the_set(bugs, fixed, stream, rng):
    _, args = _args(rng, 1)
    err = _expect(DeadlockFault, "deadlock", bugs, "wrong_flag", stream, 1, args, sub=0)
    assert f"Its flag 1 holds 1 set(s) no wait consumed, raised by the CrossCoreSetFlag at {BUGS}:" \
           f"{_line(BUGS, '// OTHER wrong_flag')}: a wrong flag id?" in err.detail
    _fixed_runs(fixed, "wrong_flag", stream, rng)


def test_sixteen_pending_sets_overflow_a_counter(bugs, fixed, stream, rng):
    _, args = _args(rng, 1)
    err = _expect(DeadlockFault, "flag_overflow", bugs, "overflow", stream, 1, args, core="AIC")
    assert "CrossCoreSetFlag<2, PIPE_FIX>(0) would raise flag 0 of AIV 0 of block 0 to 16" in err.detail
    _fixed_runs(fixed, "overflow", stream, rng)


def test_sixteen_sets_the_scheduler_holds_overflow(bugs, fixed, stream, rng):
    _, args = _args(rng, 1)
    err = _expect(DeadlockFault, "flag_overflow", bugs, "held_overflow", stream, 1, args, sub=0)
    assert "more than 15 of this core's sets of flag 2 in mode 1 are pending, because 1 of the 2 cores" in err.detail
    _fixed_runs(fixed, "held_overflow", stream, rng)


def test_a_fault_on_one_core_releases_the_cores_that_wait_for_it(bugs, fixed, stream, rng):
    _, args = _args(rng, 3)
    err = _expect(GlobalMemoryFault, "global_out_of_bounds", bugs, "read_past_end", stream, 3, args, block=2,
                  core="AIC")
    assert "deadlock" not in str(err)
    _fixed_runs(fixed, "read_past_end", stream, rng, blocks=3)


def test_mode_0_over_more_aivs_than_the_soc_has_deadlocks(bugs, stream, rng):
    x = f32(rng, 41 * BTILE)
    args = (DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, x.size), DeviceBuffer.empty(np.float32, x.size))
    err = _expect(DeadlockFault, "deadlock", bugs, "all_aivs", stream, 41, args)
    assert "1 unit(s) cannot start while 40 hold the 40 physical cores" in err.detail
    bugs.get_kernel("all_aivs")[40, stream](*args)  # every AIV at once: fine
    np.testing.assert_array_equal(args[2].to_numpy()[: 40 * BTILE], x[: 40 * BTILE])


def test_cross_core_flags_need_a_mix_kernel(bugs, stream, rng):
    x = f32(rng, BTILE)
    args = (DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, BTILE), DeviceBuffer.empty(np.float32, BTILE))
    err = _expect(AlignmentFault, "unsupported_kernel_type", bugs, "no_scheduler", stream, 1, args, core=None)
    assert "CrossCoreSetFlag<0, PIPE_MTE3>(0) in a KERNEL_TYPE_AIV_ONLY kernel" in err.detail


def test_abort_cancels_cores_blocked_in_a_wait(bugs, stream, rng):
    x, args = _args(rng, 2)
    stop = DeviceBuffer.from_numpy(np.zeros(8, np.int32))
    kernel = bugs.get_kernel("spin_then_set")
    kernel[2, stream](*args, stop)
    time.sleep(0.2)  # the AICs spin, the four AIVs wait
    t0 = time.monotonic()
    stream.abort()
    assert time.monotonic() - t0 < 1
    report = stream._lib.fn("ascendpySimAbortReport")(stream.handle).decode()
    assert "kernel 'spin_then_set' block " in report and ": cancelled at " in report, report
    stream.synchronize(timeout=5)
    kernel[2, stream](*args, DeviceBuffer.from_numpy(np.ones(8, np.int32)))  # the next launch runs
    np.testing.assert_array_equal(args[2].to_numpy(), x)


def test_a_wait_in_another_thread_is_interrupted_by_abort(bugs, stream, rng):
    _, args = _args(rng, 1)
    bugs.get_kernel("spin_then_set")[1, stream](*args, DeviceBuffer.from_numpy(np.zeros(8, np.int32)))
    errors: list[BaseException] = []

    def wait() -> None:
        try:
            stream.synchronize()
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            errors.append(e)

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.2)
    stream.abort()
    t.join(5)
    assert not t.is_alive() and errors and "abort" in str(errors[0]).lower(), errors


def test_a_kernel_type_edit_between_metadata_and_library_is_caught(kernels, stream, rng, tmp_path):
    import json
    import shutil

    art = tmp_path / "art"
    shutil.copytree(kernels.artifact.directory, art)
    meta = json.loads((art / "kernel.json").read_text())
    meta["kernels"]["aic_to_aiv"]["kernel_type"] = "KERNEL_TYPE_AIV_ONLY"
    (art / "kernel.json").write_text(json.dumps(meta))
    x = f32(rng, 2 * TILE)
    with pytest.raises(LaunchError, match="kernel 'aic_to_aiv' of .* is KERNEL_TYPE_AIV_ONLY in its kernel.json, "
                                          "but the library declares KERNEL_TYPE_MIX_AIC_1_2"):
        KernelLoader.from_artifact(art).get_kernel("aic_to_aiv")[1, stream](
            DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, x.size), DeviceBuffer.empty(np.float32, x.size))
