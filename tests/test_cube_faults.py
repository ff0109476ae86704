"""The simulator's checkers on the cube side, at the Python line: bugs planted in a cube kernel's generated C++.

ascendpy places every flag and queue and sizes every buffer itself, so these bugs cannot be written in the
device language; hand-written AscendC can have them (tests/test_sim_cube.py plants them in C++). Here each test
takes the compiler's correct C++ for tests/kernels/cube_tile.py, plants one bug, and expects the fault kind
at the line of the Python call it breaks (the generated code carries #line directives back to it), after
the validator's warning about the same line. The unplanted kernel runs clean and matches numpy.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader, PipeRaceFault, ValidationWarning
from ascendpy.compiler.api import compile_module
from ascendpy.runtime.faults import AlignmentFault, KernelFault, OnChipCapacityFault
from ascendpy.toolchain.compile import compile_cpp
from tests.kernels import cube_tile

SOURCE = Path(cube_tile.__file__).resolve()


def line_of(tag: str) -> int:
    lines = [i for i, text in enumerate(SOURCE.read_text().splitlines(), 1) if text.endswith(f"# TAG {tag}")]
    assert len(lines) == 1, tag
    return lines[0]


@pytest.fixture(scope="module")
def cpp() -> str:
    return compile_module(cube_tile).cpp


def plant(cpp: str, pattern: str, replacement: str) -> str:
    """`cpp` with the single match of `pattern` replaced (the test fails if the compiler's output changed)."""
    planted, n = re.subn(pattern, replacement, cpp)
    assert n == 1, f"{pattern!r} matched {n} times in the generated C++"
    return planted


def run(runtime, rng, cpp: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = rng.uniform(-1, 1, (32, 32)).astype(np.float16)
    b = rng.uniform(-1, 1, (32, 32)).astype(np.float16)
    c = DeviceBuffer.empty(np.float32, 32 * 32)
    loader = KernelLoader(compile_cpp(cpp, source_name=f"{SOURCE}.cpp"))
    loader.get_kernel("tile_mm")[1, runtime[3]](DeviceBuffer.from_numpy(a), DeviceBuffer.from_numpy(b), c)
    runtime[3].synchronize()
    return a, b, c.to_numpy().reshape(32, 32)


def expect(runtime, rng, cpp: str, cls: type[KernelFault], kind: str, tag: str, code: str | None) -> KernelFault:
    """The simulator's fault `kind` at `tag`'s line; the validator has already warned with `code` (if given)."""
    warned = pytest.warns(ValidationWarning, match=rf"cube_tile\.py:\d+: .*\[{code}\]") if code else \
        contextlib.nullcontext()
    with pytest.raises(cls) as info, warned:
        run(runtime, rng, cpp)
    err = info.value
    assert err.kind == kind, str(err)
    assert (err.filename, err.lineno) == (str(SOURCE), line_of(tag)), str(err)
    return err


def test_the_compilers_code_is_clean_and_right(runtime, rng, cpp):
    a, b, c = run(runtime, rng, cpp)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert np.abs(c - want).max() / np.abs(want).max() < 1e-3


def test_missing_sync_between_load_data_and_mmad(runtime, rng, cpp):
    """The L0B tile is a TQue: its EnQue/DeQue is the MTE1 -> M flag. Without it, Mmad races the LoadData."""
    planted = plant(plant(cpp, r"b2_que\.EnQue\(b2\);", ""), r"b2 = b2_que\.DeQue<half>\(\);", "")
    err = expect(runtime, rng, planted, PipeRaceFault, "pipe_race", "mmad", "unsynced-cube")
    assert "PIPE_MTE1" in err.detail and "PIPE_M" in err.detail and f"{SOURCE}:{line_of('load_l0b')}" in err.detail


def test_fixpipe_reads_l0c_before_mmad_completes(runtime, rng, cpp):
    err = expect(runtime, rng, plant(cpp, r"apy_flag<AscendC::HardEvent::M_FIX>\(\);", ""), PipeRaceFault,
                 "pipe_race", "fixpipe", "unsynced-cube")
    assert "PIPE_M" in err.detail and "PIPE_FIX" in err.detail and f"{SOURCE}:{line_of('mmad')}" in err.detail


def test_l0a_overflow(runtime, rng, cpp):
    planted = plant(cpp, r"InitBuffer\(a2_que, 2, \d+\)", "InitBuffer(a2_que, 2, 32768 + 512)")  # 2 x 33280 B
    err = expect(runtime, rng, planted, OnChipCapacityFault, "l0a_overflow", "l0a_alloc", "onchip-overflow")
    assert "65536" in err.detail and "66560" in err.detail


def test_misaligned_l0b_buffer(runtime, rng, cpp):
    planted = plant(cpp, r"(b2_que\.AllocTensor<half>\(\));", r"\1[16];")  # 32 bytes in: off the 512-byte grid
    # The validator sees constant views of TBuf tensors, not of a queue's AllocTensor(): the simulator does.
    err = expect(runtime, rng, planted, AlignmentFault, "misaligned", "load_l0b", None)
    assert "512" in err.detail
