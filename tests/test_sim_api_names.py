"""The simulator's AscendC surface is written down, and no wider than CANN 8.1's (tools/sim_api.py).

On a developer machine `python tools/sim_api.py check` probes every name and every (API, type, SoC)
case against the vendor headers and writes tools/sim_api_names.txt and tools/sim_api_matrix.txt.
CI has no vendor headers, so here the simulator side is recomputed and compared with those files:
a name or a type the simulator starts to accept shows up as a diff that the vendor probe has not
seen. The compiler's own tables (compiler/vecops.py) are tied to the same matrix.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import sim_api  # noqa: E402

from ascendpy.compiler import vecops  # noqa: E402
from ascendpy.std.types import ELEMENT_TYPES  # noqa: E402

CTYPE = {name: t.cpp for name, t in ELEMENT_TYPES.items()}


def test_every_name_the_simulator_defines_is_listed_with_a_cann_soc():
    names = sim_api.sim_names()
    listed = sim_api.read_list()
    assert names, "the extractor found no names"
    new = sorted(n.qualified for n in set(names) - set(listed))
    gone = sorted(n.qualified for n in set(listed) - set(names))
    assert not new and not gone, (
        f"the simulator's AscendC names changed (new: {new}, removed: {gone}); probe them against CANN with "
        "`python tools/sim_api.py check --write` and commit tools/sim_api_names.txt")
    assert all(socs for socs in listed.values()), [n.qualified for n, s in listed.items() if not s]


def test_extractor_sees_members_enumerators_and_macros():
    names = {n.qualified: n.kind for n in sim_api.sim_names()}
    assert names["AscendC::LocalTensor::ReinterpretCast"] == "member"
    assert names["AscendC::HardEvent::MTE2_V"] == "enumerator"
    assert names["GM_ADDR"] == "macro"
    assert names["::GetTPipePtr"] == "ns" and "AscendC::GetTPipePtr" not in names  # a global function in CANN
    assert "AscendC::GlobalTensor::ReinterpretCast" not in names  # only LocalTensor has it
    assert "AscendC::Compares" not in names  # CANN 9.x only
    assert not any(q.rsplit("::", 1)[-1].startswith("sim_") for q in names)


@pytest.fixture(scope="module")
def matrix() -> dict[str, dict[str, tuple[bool, bool]]]:
    return sim_api.read_matrix()


def test_matrix_never_has_the_simulator_accept_what_cann_rejects(matrix):
    wider = [(case, soc) for case, cols in matrix.items() for soc, (v, s) in cols.items() if s and not v]
    assert not wider, wider
    # The matrix discriminates: each SoC rejects some cases and accepts others, and the SoCs differ.
    for soc in sim_api.SOCS:
        col = [cols[soc] for cols in matrix.values()]
        assert any(v for v, _ in col) and not all(v for v, _ in col)
    assert matrix["DataCopyPad.in<float>"]["910B"] == (True, True)
    assert matrix["DataCopyPad.in<float>"]["310P"] == (False, False)
    assert matrix["Exp<int32_t>"]["910B"] == (False, False)


def test_simulator_side_of_the_matrix_is_what_the_headers_do_now(matrix):
    """Compile every case against the simulator for each SoC and run those that compile."""
    cases = sim_api.matrix_cases()
    assert [c[0] for c in cases] == list(matrix), "the case list changed: rerun tools/sim_api.py check --write"
    sim = sim_api.sim_matrix(cases)
    changed = [(name, soc) for i, (name, *_r) in enumerate(cases) for soc in sim_api.SOCS
               if (i in sim[soc]) != matrix[name][soc][1]]
    assert not changed, (f"the simulator now accepts or rejects these differently: {changed}; "
                         "run `python tools/sim_api.py check --write` to probe CANN")


def test_compiler_vector_types_are_types_cann_declares(matrix):
    """Every (op, dtype) the frontend accepts exists in CANN 8.1 for each SoC it is allowed on."""
    for sig in [*vecops.VEC_OPS.values(), *vecops.VECTOR_FORMS_OF_SCALAR_MATH.values()]:
        if sig.form == "cast":
            continue
        for dtype in sig.dtypes:
            case = f"{sig.cpp}<{CTYPE[dtype]}>"
            if case not in matrix:
                continue
            for soc in sim_api.SOCS:
                if sig.lacks(soc, dtype) or (dtype == "bf16" and soc == "310P"):
                    # Duplicate and the gather ops compile for bf16 on 310P; CANN refuses them at run time only
                    assert not matrix[case][soc][0] or sig.form in ("dup", *vecops.GATHER_FORMS), (case, soc)
                    continue
                assert matrix[case][soc][0], f"std offers {case} on {soc}, which CANN 8.1 does not declare"


def test_compiler_cast_pairs_are_pairs_cann_declares(matrix):
    for family, pairs in vecops.CASTS.items():
        for src, dst in pairs:
            if src == dst:
                continue
            case = f"Cast<{CTYPE[dst]},{CTYPE[src]}>"
            assert matrix[case][family][0], f"std.cast {src}->{dst} on {family}: CANN 8.1 has no {case}"


def test_compiler_cube_types_are_types_cann_declares(matrix):
    """compiler/cubeops.py's Mmad combinations, Fixpipe conversions and ND2NZ element types, tied to CANN 8.1."""
    from ascendpy.compiler import cubeops

    for (a, b), (acc, families) in cubeops.MMAD_TYPES.items():
        case = f"Mmad<{CTYPE[acc]},{CTYPE[a]},{CTYPE[b]}>"
        for soc in sim_api.SOCS:
            assert matrix[case][soc][0] == (soc in families), f"std.mmad {a} x {b} -> {acc} on {soc}: CANN says " \
                                                              f"{matrix[case][soc][0]}"
    for src, dst in cubeops.FIXPIPE_QUANT:
        assert matrix[f"Fixpipe<{CTYPE[dst]},{CTYPE[src]}>"]["910B"][0], f"std.fixpipe {src} -> {dst} on 910B"
    for dtype in cubeops.CUBE_IN:
        assert matrix[f"DataCopy.nd2nz<{CTYPE[dtype]}>"]["910B"][0], f"std.load_nz of {dtype} on 910B"
        assert matrix[f"LoadData<{CTYPE[dtype]}>"]["910B"][0], f"std.load_l0a/l0b of {dtype} on 910B"
