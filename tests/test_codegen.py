"""The generated C++ is AscendC: real entry form, documented API only, #line back to Python."""

from __future__ import annotations

import re

from ascendpy.compiler import compile_module
from examples.vec_mul import kernels as vec_mul_kernels
from tests.kernels import arith

# Every AscendC name the generated code may use (reference/ascend-apis.md sections 1.2-1.8).
DOCUMENTED = {
    "GlobalTensor", "SetGlobalBuffer", "GetValue", "SetValue", "GetBlockIdx", "GetBlockNum", "TPipe", "TBuf",
    "TPosition", "VECCALC", "InitBuffer", "LocalTensor", "Get", "Exp", "Ln", "Sqrt", "SetFlag", "WaitFlag",
    "HardEvent", "S_V", "V_S", "FetchEventID", "GetTPipePtr", "TEventID",
}


def _check(cpp: str, names: list[str]) -> None:
    for name in names:
        assert re.search(rf'extern "C" __global__ __aicore__ void {name}\((GM_ADDR \w+|\w+ \w+)?', cpp), name
    used = set(re.findall(r"AscendC::(\w+)", cpp))
    assert used <= DOCUMENTED, used - DOCUMENTED
    assert "#line" in cpp


def test_vec_mul_cpp_is_ascendc():
    m = compile_module(vec_mul_kernels)
    _check(m.cpp, ["mul"])
    assert 'void mul(GM_ADDR x, GM_ADDR y, GM_ADDR z)' in m.cpp
    assert "AscendC::GlobalTensor<uint16_t>" in m.cpp
    assert re.search(r'#line 1[0-9] ".*examples/vec_mul/kernels.py"', m.cpp)


def test_test_kernels_cpp_is_ascendc():
    m = compile_module(arith)
    _check(m.cpp, [k.name for k in m.kernels])
    assert "void axpy(GM_ADDR x, GM_ADDR y, GM_ADDR z, float a, uint32_t n)" in m.cpp
