"""The six memory-safety case studies of the ascend-rs book, chapter 6, as pairs.

For each case, `cpp/NN_*.cpp` is a hand-written AscendC kernel with the bug, run in the simulator,
which reports the fault as a Python exception naming the kernel, the block and the C++ line. Next
to it, `py/NN_*.py` is the ascendpy version of the same kernel: there the bug either cannot be
written (CompileError), is refused at launch or on the host, or is caught at run time at the Python
line. The program prints a table of what each side reports, then the full messages.

Run from the repository root, on the default simulated SoC (Ascend910B3):

    python -m examples.safety.main
"""

from __future__ import annotations

import importlib.util
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ascendpy import (
    Acl,
    AscendpyError,
    Context,
    Device,
    DeviceBuffer,
    KernelExecutionError,
    KernelLoader,
    LaunchError,
    ResourceClosedError,
    Stream,
)
from ascendpy.toolchain.compile import compile_file

HERE = Path(__file__).resolve().parent


@dataclass
class Side:
    """What one side of a pair did: the exception it raised (None: it ran) and a one-line summary."""

    error: BaseException | None
    summary: str
    detail: str


@dataclass
class Outcome:
    number: int
    title: str
    cpp: Side
    py: Side


# ----------------------------------------------------------------------------- helpers
def _short(text: str) -> str:
    """Paths relative to this directory, so the messages read `cpp/01_type_confusion.cpp:27`."""
    return text.replace(f"{HERE}/", "")


def _message(err: BaseException) -> str:
    text = str(err)
    if isinstance(err, KernelExecutionError):  # drop "aclrtSynchronizeStream failed with ...: "
        m = re.search(r"kernel '[^']*' block \d+: ", text)
        if m:
            text = text[m.start():]
    return _short(f"{type(err).__name__}: {text}")


def _caught(err: BaseException) -> Side:
    where = ""
    lineno = getattr(err, "lineno", None)
    filename = getattr(err, "filename", None)
    if filename and lineno:
        where = f" at {_short(filename)}:{lineno}"
    kind = getattr(err, "kind", "")
    kind = f" ({kind})" if kind else ""
    if isinstance(err, LaunchError | ResourceClosedError):
        where = " at launch, before the kernel runs"
    return Side(err, f"{type(err).__name__}{kind}{where}", _message(err))


def _run(launch: Callable[[], None], stream: Stream) -> BaseException | None:
    try:
        launch()
        stream.synchronize()
    except (KernelExecutionError, AscendpyError) as err:
        return err
    return None


def _cpp(name: str) -> KernelLoader:
    return KernelLoader(compile_file(HERE / "cpp" / name))


def _module(name: str) -> types.ModuleType:
    """Import py/NAME (its file name starts with a digit, so not with `import`)."""
    path = HERE / "py" / name
    spec = importlib.util.spec_from_file_location(f"examples.safety.py_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _py(name: str) -> tuple[types.ModuleType, KernelLoader | Side]:
    """The module and its loader, or the CompileError compiling it raised."""
    mod = _module(name)
    try:
        return mod, KernelLoader.from_module(mod)
    except AscendpyError as err:
        return mod, _caught(err)


def _f32(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal(n).astype(np.float32)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x.astype(np.float64) - x.max())
    return (e / e.sum()).astype(np.float32)


# ----------------------------------------------------------------------------- the six cases
def case1(stream: Stream, rng: np.random.Generator) -> Outcome:
    n = 1024
    x16 = DeviceBuffer.from_numpy(rng.standard_normal(n).astype(np.float16))  # half data
    y = DeviceBuffer.empty(np.float32, n)
    k = _cpp("01_type_confusion.cpp").get_kernel("softmax_confused")
    err = _run(lambda: k[1, stream](x16, y, n), stream)
    cpp = _caught(err) if err else Side(None, "not caught", "")

    _, loader = _py("01_type_confusion.py")
    assert isinstance(loader, KernelLoader)
    typed = loader.get_kernel("softmax_typed")
    err = _run(lambda: typed[1, stream](x16, y, n), stream)
    py = _caught(err) if err else Side(None, "not caught", "")
    x = _f32(rng, n)  # with f32 data it computes softmax
    typed[1, stream](DeviceBuffer.from_numpy(x), y, n)
    ok = np.allclose(y.to_numpy(), _softmax(x), rtol=1e-5, atol=1e-7)
    py.detail += f"\n  with float32 data the same launch runs: softmax {'matches' if ok else 'DIFFERS FROM'} numpy"
    return Outcome(1, "type confusion", cpp, py)


def case2(stream: Stream, rng: np.random.Generator) -> Outcome:
    n = 512  # the whole input: two tiles of 256
    k = _cpp("02_buffer_overflow.cpp").get_kernel("clamp_tile")
    x, y = DeviceBuffer.from_numpy(_f32(rng, n)), DeviceBuffer.empty(np.float32, n)
    err = _run(lambda: k[1, stream](x, y, n), stream)
    cpp = _caught(err) if err else Side(None, "not caught", "")
    _, loader = _py("02_buffer_overflow.py")
    py = loader if isinstance(loader, Side) else Side(None, "compiled (not caught)", "")
    return Outcome(2, "buffer overflow", cpp, py)


def case3(stream: Stream, rng: np.random.Generator) -> Outcome:
    n = 512
    k = _cpp("03_use_after_free.cpp").get_kernel("scale_uaf")
    x, y = DeviceBuffer.from_numpy(_f32(rng, n)), DeviceBuffer.empty(np.float32, n)
    err = _run(lambda: k[1, stream](x, y, n), stream)
    cpp = _caught(err) if err else Side(None, "not caught", "")

    _, loader = _py("03_use_after_free.py")
    assert isinstance(loader, KernelLoader)
    scale = loader.get_kernel("scale")
    data = _f32(rng, n)
    xd = DeviceBuffer.from_numpy(data)
    scale[1, stream](xd, y, n)
    ok = np.array_equal(y.to_numpy(), data * np.float32(2))
    xd.close()  # the host-side free
    err = _run(lambda: scale[1, stream](xd, y, n), stream)
    py = _caught(err) if err else Side(None, "not caught", "")
    py.detail = f"before close(): y = 2x {'matches' if ok else 'DIFFERS FROM'} numpy\n  after close(): " + py.detail
    return Outcome(3, "use after free", cpp, py)


def case4(stream: Stream, rng: np.random.Generator) -> Outcome:
    from ascendpy.compiler import kernel_cpp

    n = 1024
    x, y = _f32(rng, n), _f32(rng, n)
    xd, yd, z = DeviceBuffer.from_numpy(x), DeviceBuffer.from_numpy(y), DeviceBuffer.empty(np.float32, n)
    k = _cpp("04_missing_sync.cpp").get_kernel("add_nosync")
    err = _run(lambda: k[1, stream](xd, yd, z, n), stream)
    if err is not None:
        cpp = _caught(err)
    else:
        cpp = Side(None, "not flagged (no PipeRaceFault: race checker not active)",
                   "the simulator ran the kernel without a PipeRaceFault: its race checker did not flag the "
                   "missing SetFlag/WaitFlag (on the CPU every instruction completes before the next, so the "
                   f"result {'happens to match' if np.array_equal(z.to_numpy(), x + y) else 'differs from'} numpy)")

    mod, loader = _py("04_missing_sync.py")
    assert isinstance(loader, KernelLoader)
    err = _run(lambda: loader.get_kernel("add_tile")[1, stream](xd, yd, z, n), stream)
    if err is not None:
        py = _caught(err)
    else:
        ok = np.array_equal(z.to_numpy(), x + y)
        body = kernel_cpp(mod.add_tile).split("void add_tile(", 1)[1]  # the kernel, not the shared helpers
        flags = re.findall(r"apy_flag<AscendC::HardEvent::(\w+)>", body)
        py = Side(None, f"no error: compiler inserted {' and '.join(flags)} flags; z {'matches' if ok else 'DIFFERS'}"
                        " numpy",
                  f"nothing to forget: the compiler put SetFlag/WaitFlag<HardEvent::{'>, <HardEvent::'.join(flags)}> "
                  f"in the generated C++; z = x + y {'matches' if ok else 'DIFFERS FROM'} numpy")
    return Outcome(4, "missing sync", cpp, py)


def case5(stream: Stream, rng: np.random.Generator) -> Outcome:
    n = 512
    k = _cpp("05_double_free.cpp").get_kernel("relu_double_free")
    x, y = DeviceBuffer.from_numpy(_f32(rng, n)), DeviceBuffer.empty(np.float32, n)
    err = _run(lambda: k[1, stream](x, y, n), stream)
    cpp = _caught(err) if err else Side(None, "not caught", "")
    _, loader = _py("05_double_free.py")
    py = loader if isinstance(loader, Side) else Side(None, "compiled (not caught)", "")
    return Outcome(5, "double free", cpp, py)


def case6(stream: Stream, rng: np.random.Generator) -> Outcome:
    blocks, tile = 4, 256
    n = blocks * tile
    x, y = DeviceBuffer.from_numpy(_f32(rng, n + 1)), DeviceBuffer.empty(np.float32, n)  # x has a right halo
    k = _cpp("06_integer_overflow.cpp").get_kernel("stencil3")
    err = _run(lambda: k[blocks, stream](x, y, n), stream)
    cpp = _caught(err) if err else Side(None, "not caught", "")
    _, loader = _py("06_integer_overflow.py")
    assert isinstance(loader, KernelLoader)
    err = _run(lambda: loader.get_kernel("stencil3")[blocks, stream](x, y, n), stream)
    py = _caught(err) if err else Side(None, "not caught", "")
    return Outcome(6, "integer overflow", cpp, py)


CASES = (case1, case2, case3, case4, case5, case6)


def table(outcomes: list[Outcome]) -> str:
    head = ("case", "AscendC C++: what the simulator reports", "ascendpy: what the user sees")
    rows = [(f"{o.number} {o.title}", o.cpp.summary, o.py.summary) for o in outcomes]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head, *rows]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(seed: int | None = None) -> list[Outcome]:
    rng = np.random.default_rng(seed)
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        print(f"ascend-rs chapter 6 case studies on {device.soc_name} ({acl.driver})\n")
        outcomes = [case(stream, rng) for case in CASES]
    print(table(outcomes))
    for o in outcomes:
        print(f"\n{o.number}. {o.title}")
        print(f"  AscendC C++: {o.cpp.detail or o.cpp.summary}")
        print(f"  ascendpy:    {o.py.detail or o.py.summary}")
    return outcomes


if __name__ == "__main__":
    main()
