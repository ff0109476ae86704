"""The toolchain hub: entry discovery, the content-addressed cache, `ascend-compile` on any AscendC."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ascendpy import DeviceBuffer, KernelLoader, ToolchainError
from ascendpy.toolchain import cache, entries
from ascendpy.toolchain.cli import main as cli_main
from ascendpy.toolchain.compile import compile_cpp
from ascendpy.toolchain.targets import resolve_soc

ROOT = Path(__file__).resolve().parent.parent

HAND_WRITTEN_SCALE = textwrap.dedent("""\
    #include "kernel_operator.h"
    // A hand-written kernel: every GM argument is GM_ADDR, scalars by value.
    extern "C" __global__ __aicore__ void scale(GM_ADDR x, GM_ADDR y, float alpha, uint32_t n)
    {
        AscendC::GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x, n);
        yg.SetGlobalBuffer((__gm__ float*)y, n);
        for (uint32_t i = AscendC::GetBlockIdx(); i < n; i += AscendC::GetBlockNum()) {
            yg.SetValue(i, xg.GetValue(i) * alpha);
        }
    }
    """)


def test_find_entries_reads_signatures():
    src = textwrap.dedent("""\
        /* extern "C" __global__ __aicore__ void commented(GM_ADDR x) */
        extern "C" __global__ __aicore__ void add_custom(GM_ADDR x, GM_ADDR y, GM_ADDR z) { }
        extern "C" __aicore__ __global__ void typed(__gm__ float* a, uint32_t n, half h, Tiling t) {}
        extern "C" __global__ __aicore__ void none() {}
        """)
    found = entries.find_entries(src)
    assert [e.name for e in found] == ["add_custom", "typed", "none"]
    assert [(p.name, p.kind, p.dtype) for p in found[0].params] == [("x", "ptr", None), ("y", "ptr", None),
                                                                     ("z", "ptr", None)]
    assert [(p.name, p.kind, p.dtype) for p in found[1].params] == [
        ("a", "ptr", "f32"), ("n", "scalar", "u32"), ("h", "scalar", "f16"), ("t", "struct", None)]
    assert found[1].line == 3 and found[2].params == ()


def test_unknown_soc_lists_valid_names():
    with pytest.raises(ToolchainError, match="unknown SoC 'Ascend999'.*Ascend910B3"):
        resolve_soc("Ascend999")
    assert resolve_soc("310P") == "Ascend310P3"


def test_hand_written_kernel_runs(runtime, rng):
    _, _, _, stream = runtime
    art = compile_cpp(HAND_WRITTEN_SCALE, source_name="scale.cpp")
    assert art.metadata["kernels"]["scale"]["signature"] is None
    k = KernelLoader(art).get_kernel("scale")
    n = 1234
    x = rng.standard_normal(n).astype(np.float32)
    y = DeviceBuffer.empty(np.float32, n)
    k[4, stream](DeviceBuffer.from_numpy(x), y, 0.5, n)
    np.testing.assert_array_equal(y.to_numpy(), x * np.float32(0.5))


def test_gm_addr_accepts_any_dtype(runtime, rng):
    """Hand-written kernels take GM_ADDR whatever the element type: no dtype check."""
    _, _, _, stream = runtime
    k = KernelLoader(compile_cpp(HAND_WRITTEN_SCALE, source_name="scale.cpp")).get_kernel("scale")
    x = DeviceBuffer.from_numpy(rng.integers(0, 100, 8, dtype=np.int32).view(np.float32))
    y = DeviceBuffer.empty(np.uint8, 32)
    k[1, stream](x, y, 1.0, 8)
    stream.synchronize()


def test_kernel_named_like_libm(runtime, rng):
    """A kernel called `exp` must not capture the C library's exp inside its own library."""
    _, _, _, stream = runtime
    src = textwrap.dedent("""\
        #include "kernel_operator.h"
        extern "C" __global__ __aicore__ void exp(GM_ADDR x, GM_ADDR y)
        {
            AscendC::TPipe pipe;
            AscendC::TBuf<AscendC::TPosition::VECCALC> buf;
            pipe.InitBuffer(buf, 64 * sizeof(float));
            AscendC::GlobalTensor<float> xg, yg;
            xg.SetGlobalBuffer((__gm__ float*)x);
            yg.SetGlobalBuffer((__gm__ float*)y);
            AscendC::LocalTensor<float> t = buf.Get<float>();
            AscendC::DataCopy(t, xg, 64);
            AscendC::PipeBarrier<PIPE_ALL>();
            AscendC::Exp(t, t, 64);  // the simulator's Exp calls the C library's exp
            AscendC::PipeBarrier<PIPE_ALL>();
            AscendC::DataCopy(yg, t, 64);
        }
        """)
    k = KernelLoader(compile_cpp(src, source_name="exp.cpp")).get_kernel("exp")
    x = rng.uniform(-2, 2, 64).astype(np.float32)
    y = DeviceBuffer.empty(np.float32, 64)
    k[1, stream](DeviceBuffer.from_numpy(x), y)
    np.testing.assert_allclose(y.to_numpy(), np.exp(x), rtol=1e-6)


def test_cli_compiles_hand_written_cpp(tmp_path, runtime, rng):
    _, _, _, stream = runtime
    src = tmp_path / "scale.cpp"
    src.write_text(HAND_WRITTEN_SCALE)
    out = tmp_path / "scale.so"
    assert cli_main(["--soc", "sim", str(src), "-o", str(out)]) == 0
    assert out.is_file() and (tmp_path / "scale.json").is_file()
    k = KernelLoader.from_artifact(out).get_kernel("scale")
    x = rng.standard_normal(100).astype(np.float32)
    y = DeviceBuffer.empty(np.float32, 100)
    k[3, stream](DeviceBuffer.from_numpy(x), y, 2.0, 100)
    np.testing.assert_array_equal(y.to_numpy(), x * np.float32(2))


def test_cli_emits_cpp_and_mlir(capsys):
    assert cli_main([str(ROOT / "examples/vec_mul/kernels.py"), "--emit-cpp"]) == 0
    assert 'extern "C" __global__ __aicore__ void mul(GM_ADDR x, GM_ADDR y, GM_ADDR z)' in capsys.readouterr().out
    assert cli_main([str(ROOT / "examples/vec_mul/kernels.py"), "--emit-mlir"]) == 0
    assert "hacc.entry" in capsys.readouterr().out


def test_cli_reports_compile_errors_with_the_source_line(tmp_path, capsys):
    src = tmp_path / "bad.cpp"
    src.write_text('#include "kernel_operator.h"\nextern "C" __global__ __aicore__ void bad(GM_ADDR x)\n{\n'
                   "    undefined_thing(x);\n}\n")
    assert cli_main([str(src), "--sim"]) == 1
    err = capsys.readouterr().err
    assert f"{src}:4" in err and "undefined_thing" in err


def test_cache_hit_and_corrupt_entry_rebuilt():
    art = compile_cpp(HAND_WRITTEN_SCALE, source_name="cache_probe.cpp")
    again = compile_cpp(HAND_WRITTEN_SCALE, source_name="cache_probe.cpp")
    assert again.library == art.library
    stamp = art.library.stat().st_mtime_ns
    data = art.library.read_bytes()
    art.library.write_bytes(data[: len(data) // 2])  # truncated artifact
    rebuilt = compile_cpp(HAND_WRITTEN_SCALE, source_name="cache_probe.cpp")
    assert rebuilt.library.read_bytes() != data[: len(data) // 2]
    assert rebuilt.library.stat().st_mtime_ns != stamp


def test_concurrent_compiles_share_one_artifact(tmp_path):
    """Two processes compiling the same new kernel at once both succeed with the same path."""
    src = tmp_path / "concurrent.cpp"
    src.write_text(HAND_WRITTEN_SCALE.replace("scale", "scale_concurrent"))
    code = ("import sys; from ascendpy.toolchain.compile import compile_file; "
            f"print(compile_file({str(src)!r}).library)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    paths = {o[0].strip() for o in outs}
    assert len(paths) == 1 and Path(paths.pop()).is_file()


def test_cache_key_changes_with_every_input():
    base = ["src", "sim", "Ascend910B3"]
    keys = {cache.cache_key(base), cache.cache_key(["src2", "sim", "Ascend910B3"]),
            cache.cache_key(["src", "sim", "Ascend310P3"]), cache.cache_key(["srcsim", "", "Ascend910B3"])}
    assert len(keys) == 4


def test_editing_an_imported_inline_helper_recompiles(tmp_path, runtime, rng, monkeypatch):
    """The front cache must see @std.inline helpers that live in another module."""
    _, _, _, stream = runtime
    helper = tmp_path / "apy_helper_mod.py"
    kernel = tmp_path / "apy_kernel_mod.py"
    kernel.write_text(textwrap.dedent("""\
        from ascendpy import std
        from ascendpy.std import Ptr, f32, u32
        import apy_helper_mod

        @std.aiv_kernel
        def apply(x: Ptr[f32], y: Ptr[f32], n: u32):
            xb = std.ub_alloc(f32, 256)
            yb = std.ub_alloc(f32, 256)
            std.load(xb, x, 0, n)
            apy_helper_mod.scale(yb, xb, n)
            std.store(y, 0, yb, n)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    x = rng.standard_normal(200).astype(np.float32)
    for factor in (2.0, 3.0):
        helper.write_text(textwrap.dedent(f"""\
            from ascendpy import std

            @std.inline
            def scale(dst, src, n):
                std.muls(dst, src, {factor}, n)
        """))
        for name in ("apy_helper_mod", "apy_kernel_mod"):
            sys.modules.pop(name, None)
        k = KernelLoader.from_file(kernel).get_kernel("apply")
        y = DeviceBuffer.empty(np.float32, 200)
        k[1, stream](DeviceBuffer.from_numpy(x), y, 200)
        np.testing.assert_array_equal(y.to_numpy(), x * np.float32(factor))
