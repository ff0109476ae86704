"""The README's examples run and check themselves."""

from __future__ import annotations

import numpy as np
import pytest

from ascendpy import CompileError, DeviceBuffer, KernelExecutionError, KernelLoader, LaunchError, ResourceClosedError
from ascendpy.runtime.faults import GlobalMemoryFault, OnChipCapacityFault, PipeRaceFault, QueueProtocolFault
from examples.event_timing import main as event_timing
from examples.hello_world import main as hello_world
from examples.safety import main as safety
from examples.softmax import kernels as softmax_kernels
from examples.softmax import main as softmax
from examples.vec_mul import gen_data
from examples.vec_mul import main as vec_mul


def test_hello_world(capsys):
    hello_world.main()
    out = capsys.readouterr().out
    assert "Ascend910B3, 20 AI cores, 40 vector cores" in out and "everything released" in out


def test_vec_mul_program(capsys, rng, monkeypatch, tmp_path):
    monkeypatch.setattr(gen_data, "DATA", tmp_path)
    gen_data.main(seed=int(rng.integers(1 << 31)))
    vec_mul.main()
    assert "16 elements correct" in capsys.readouterr().out


@pytest.mark.parametrize("n", [1000, 65536])
def test_event_timing(capsys, n):
    event_timing.main(n)
    assert "ms" in capsys.readouterr().out


# ---- softmax (the book's chapter 4): scalar kernel and vectorised row kernel against numpy

def test_softmax_program(capsys, rng):
    assert softmax.main(n=300, rows=20, cols=77, block_dim=8, seed=int(rng.integers(1 << 31)))
    out = capsys.readouterr().out
    assert out.count(" ok") == 2 and "MISMATCH" not in out


@pytest.fixture(scope="module")
def softmax_loader():
    return KernelLoader.from_module(softmax_kernels)


@pytest.mark.parametrize("n", [1, 7, 1000])
def test_softmax_scalar_kernel(runtime, rng, softmax_loader, n):
    x = (rng.standard_normal(n) * 30).astype(np.float32)  # exp(x) alone would overflow f32
    y, _ = softmax.run_scalar(softmax_loader, runtime[3], x)
    np.testing.assert_allclose(y, softmax.reference(x), rtol=1e-5, atol=1e-6)
    assert abs(float(y.astype(np.float64).sum()) - 1.0) < 1e-5


@pytest.mark.parametrize(("rows", "cols", "block_dim"), [
    (1, 1, 1),
    (3, 13, 8),        # block_dim > rows; a row of 52 bytes, not a whole number of 32-byte blocks
    (17, 1000, 4),     # rows not a multiple of block_dim; 4000-byte rows
    (5, 8191, 40),     # just under MAX_COLS, unaligned
    (6, 8192, 2),      # MAX_COLS exactly
    (64, 64, 48),
])
def test_softmax_rows_kernel(runtime, rng, softmax_loader, rows, cols, block_dim):
    m = (rng.standard_normal((rows, cols)) * 30).astype(np.float32)
    out, _ = softmax.run_rows(softmax_loader, runtime[3], m, block_dim)
    np.testing.assert_allclose(out, softmax.reference(m), rtol=1e-5, atol=1e-6)


def test_softmax_rows_too_long_is_caught(runtime, softmax_loader):
    stream, cols = runtime[3], softmax_kernels.MAX_COLS + 8
    x, y = DeviceBuffer.zeros(np.float32, 2 * cols), DeviceBuffer.empty(np.float32, 2 * cols)
    with pytest.raises(KernelExecutionError, match="local_out_of_bounds"):
        softmax_loader.get_kernel("softmax_rows")[2, stream](x, y, 2, cols)
        stream.synchronize()


# ---- safety (the book's chapter 6): six bugs in hand-written AscendC, each against its ascendpy version

def _bug_line(path) -> int:
    hits = [i for i, text in enumerate(path.read_text().splitlines(), 1) if "// BUG" in text or "# BUG" in text]
    assert len(hits) == 1, (path, hits)
    return hits[0]


def test_safety_case_studies(capsys, rng, monkeypatch):
    monkeypatch.setenv("ASCENDPY_SIM_SOC", "Ascend910B3")
    outcomes = {o.number: o for o in safety.main(seed=int(rng.integers(1 << 31)))}
    out = capsys.readouterr().out
    assert "AscendC C++: what the simulator reports" in out and "ascendpy: what the user sees" in out
    cpp = {int(p.name[:2]): p for p in (safety.HERE / "cpp").glob("*.cpp")}
    py = {int(p.name[:2]): p for p in (safety.HERE / "py").glob("*.py")}
    expected = {
        1: (GlobalMemoryFault, LaunchError),           # f16 data in a Ptr[f32] parameter: refused at launch
        2: (OnChipCapacityFault, CompileError),        # count beyond the buffer: a compile-time error
        3: (QueueProtocolFault, ResourceClosedError),  # no free in kernels; a closed DeviceBuffer cannot be used
        5: (QueueProtocolFault, CompileError),         # a buffer cannot be aliased, so it cannot be freed twice
        6: (GlobalMemoryFault, GlobalMemoryFault),     # u32 wraps like the device; the wrapped offset is caught
    }
    for number, (cpp_cls, py_cls) in expected.items():
        o = outcomes[number]
        assert type(o.cpp.error) is cpp_cls, (number, o.cpp.detail)
        assert (o.cpp.error.filename, o.cpp.error.lineno) == (str(cpp[number]), _bug_line(cpp[number])), o.cpp.detail
        assert o.cpp.error.block == 0
        assert type(o.py.error) is py_cls, (number, o.py.detail)
        if py_cls is not LaunchError and py_cls is not ResourceClosedError:
            assert (o.py.error.filename, o.py.error.lineno) == (str(py[number]), _bug_line(py[number])), o.py.detail
        assert o.cpp.detail in out and o.py.detail in out
    # Case 4, missing sync: the simulator's pipe race checker is being written concurrently. Until it
    # flags the unsynchronised kernel, the C++ side runs clean; once it raises, it must be a PipeRaceFault
    # at the Add that reads what the DataCopy wrote.
    race = outcomes[4]
    if isinstance(race.cpp.error, PipeRaceFault):
        assert race.cpp.error.lineno == _bug_line(cpp[4]), race.cpp.detail
    else:
        assert race.cpp.error is None, race.cpp.detail
    assert race.py.error is None and "MTE2_V and V_MTE3" in race.py.summary and "matches numpy" in race.py.summary


# ---- matmul on the cube unit, and mix kernels with vector epilogues

def test_matmul_program(capsys, rng):
    from examples.matmul import main as matmul

    assert matmul.main(shapes=[(16, 16, 16), (130, 70, 77)], fused=(100, 150, 45), seed=int(rng.integers(1 << 31)))
    out = capsys.readouterr().out
    assert out.count(" ok") == 4 and "MISMATCH" not in out


def test_readme_quickstart_is_the_example_and_runs():
    """The README's quickstart is examples/quickstart.py verbatim, and running it fills y with 2 x."""
    import runpy
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = (root / "examples" / "quickstart.py").read_text()
    assert f"```python\n# examples/quickstart.py\n{code}```" in (root / "README.md").read_text()
    assert len([ln for ln in code.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]) < 10
    g = runpy.run_path(str(root / "examples" / "quickstart.py"))
    np.testing.assert_array_equal(g["y"], 2 * g["x"])
