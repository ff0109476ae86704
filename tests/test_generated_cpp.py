"""The AscendC every vectorised example and composite compiles to: TQue pipelines, no PIPE_ALL, both SoCs.

"Valid AscendC" is checked the way this machine can: the text is compiled against the simulator's
AscendC headers with each SoC's architecture macros (the 310P build takes the scalar-tail path
instead of DataCopyPad), and it uses only the pipeline and sync calls listed below.
"""

from __future__ import annotations

import importlib
import re

import pytest

from ascendpy.compiler import compile_module
from ascendpy.toolchain.compile import compile_cpp

MODULES = ["examples.softmax.kernels", "tests.kernels.composites"]
SOCS = ["Ascend910B3", "Ascend310P3"]


def _kernel_bodies(cpp: str) -> dict[str, str]:
    parts = re.split(r'extern "C" __global__ __aicore__ void (\w+)\(', cpp)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("soc", SOCS)
@pytest.mark.parametrize("module_name", MODULES)
def test_vector_kernels_use_queues_and_fine_syncs(module_name, soc):
    module = importlib.import_module(module_name)
    cpp = compile_module(module, soc).cpp
    assert "PIPE_ALL" not in cpp, "a PIPE_ALL barrier where flags would do"
    bodies = _kernel_bodies(cpp)
    vector = {name: body for name, body in bodies.items() if "apy_copy_in(" in body}
    assert vector, f"{module_name} has no kernel that loads into a UB buffer"
    queued = 0
    for name, body in vector.items():
        for indent, buf in re.findall(r"^( +)apy_copy_in\((\w+),", body, re.M):
            if len(indent) <= 4:
                continue  # loaded once before any loop (e.g. gamma): a TBuf is the right choice
            written = re.search(rf"AscendC::\w+\({buf},", body) or re.search(rf"apy_copy_out\([^;]*\], {buf},", body)
            if re.search(rf"{buf}\.[GS]etValue\(", body):
                # Read element by element on the scalar unit (e.g. reduce_prod): a TBuf behind MTE2_S.
                assert "apy_flag<AscendC::HardEvent::MTE2_S>" in body, f"{name}: {buf} has no MTE2_S flag"
                continue
            if written:
                # Loaded, modified in place (and stored): a TBuf ordered by HardEvent flags, since a
                # queue cannot carry an MTE2 -> V -> MTE3 chain on one buffer.
                assert "apy_flag<AscendC::HardEvent::MTE2_V>" in body, f"{name}: {buf} has no MTE2_V flag"
                continue
            # Loaded per tile and only read: it must stream through a double-buffered VECIN queue.
            assert re.search(rf"LocalTensor<\w+> {buf} = \w+\.AllocTensor<", body), f"{name}: {buf} is not queued"
            for call in (f"EnQue({buf})", "DeQue<", f"FreeTensor({buf})"):
                assert call in body, f"{name}: no {call}"
            queued += 1
    assert "AscendC::TQue<AscendC::TPosition::VECIN, 2>" in cpp and queued, f"{module_name}: no VECIN queue"
    assert "AscendC::TQue<AscendC::TPosition::VECOUT, 2>" in cpp, f"{module_name}: no VECOUT queue anywhere"
    art = compile_cpp(cpp, source_name=f"{module_name}.{soc}.cpp", soc=soc)
    assert set(vector) <= set(art.metadata["kernels"])
