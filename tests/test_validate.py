"""The AscendC validator (ascendpy/toolchain/validate.py): each check on good and bad kernels, both SoC families.

Each weakness of ascend-rs's text scan (reference/ascend-rs-book.md 6.3) has a test: a barrier elsewhere in
the file or before the DMA does not satisfy the sync check, sizes are summed per memory, symbolic sizes
are evaluated, warnings are returned, and the capacity limit is inclusive. Lines are exact: a fixture
marks the line a finding must name with `// <- code`. The no-false-positive tests run the validator on
every kernel ascendpy generates and on the repository's hand-written AscendC.
"""

from __future__ import annotations

import importlib
import json
import re
import textwrap
from pathlib import Path

import pytest

from ascendpy.errors import CompileError
from ascendpy.toolchain.targets import get_target
from ascendpy.toolchain.validate import Diagnostic, format_diagnostics, validate

ROOT = Path(__file__).resolve().parents[1]
SOCS = ["Ascend910B3", "Ascend310P3"]
SYNC_CODES = {"unsynced-dma", "unsynced-copy-out"}


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _marked(src: str, code: str) -> list[int]:
    """Lines that end with the marker `// <- CODE`."""
    return [i for i, line in enumerate(src.splitlines(), 1) if line.rstrip().endswith(f"// <- {code}")]


def _found(diags: list[Diagnostic], code: str) -> list[int | None]:
    return sorted((d.line for d in diags if d.code == code), key=lambda x: x or 0)


def _kernel(body: str, before: str = "") -> str:
    """A kernel `k(GM_ADDR x, GM_ADDR y)` with `body`; `before` goes above it (constants, helpers)."""
    head = '#include "kernel_operator.h"\nusing namespace AscendC;\n' + _src(before)
    body = textwrap.indent(_src(body), "    ")
    return head + 'extern "C" __global__ __aicore__ void k(GM_ADDR x, GM_ADDR y)\n{\n' + body + "}\n"


# A TBuf kernel: DMA in, one vector op, DMA out. SYNC_IN / SYNC_OUT are replaced per test.
_TBUF = """\
TPipe pipe;
TBuf<TPosition::VECCALC> buf;
pipe.InitBuffer(buf, 256 * sizeof(float));
GlobalTensor<float> xg, yg;
xg.SetGlobalBuffer((__gm__ float*)x);
yg.SetGlobalBuffer((__gm__ float*)y);
LocalTensor<float> t = buf.Get<float>();
BEFORE
DataCopy(t, xg, 256);
SYNC_IN
Muls(t, t, 2.0f, 256);  // <- unsynced-dma
SYNC_OUT
DataCopy(yg, t, 256);  // <- unsynced-copy-out
"""
_FLAGS_IN = "SetFlag<HardEvent::MTE2_V>(EVENT_ID0);\nWaitFlag<HardEvent::MTE2_V>(EVENT_ID0);"
_FLAGS_OUT = "SetFlag<HardEvent::V_MTE3>(EVENT_ID0);\nWaitFlag<HardEvent::V_MTE3>(EVENT_ID0);"


def _tbuf(sync_in: str = "", sync_out: str = _FLAGS_OUT, before: str = "") -> str:
    return _kernel(_TBUF.replace("BEFORE", before).replace("SYNC_IN", sync_in).replace("SYNC_OUT", sync_out))


# --------------------------------------------------------------------------------------------------------------
# 1. entries


def test_canonical_kernel_is_clean_on_both_socs():
    src = _tbuf(_FLAGS_IN)
    for soc in SOCS:
        assert validate(src, soc) == []


@pytest.mark.parametrize("decl", [
    'extern "C" __global__ __aicore__ void k(GM_ADDR x)',
    'extern "C" __aicore__ __global__ void k(GM_ADDR x)',
    'extern "C" __global__ __aicore__ __vector__ void k(GM_ADDR x)',
    'extern "C" __global__ __mix__(1, 2) __aicore__ void k(GM_ADDR x)',
    'extern "C" __global__ __cube__ __aicore__ void k(GM_ADDR x, uint32_t n, float s)',
])
def test_entry_qualifiers_in_any_order(decl):
    assert validate(f'#include "kernel_operator.h"\n{decl}\n{{\n}}\n') == []


def test_entry_inside_extern_c_block():
    src = 'extern "C" {\n__global__ __aicore__ void k(GM_ADDR x) {}\n}\n'
    assert validate(src, "310P") == []


def test_qualifiers_spelled_through_macros():
    src = _src("""
        #include "kernel_operator.h"
        #define KERNEL_ENTRY extern "C" __global__ __aicore__
        #define DEVICE_INLINE __aicore__ inline
        #define NOT_EXTERN_C __global__ __aicore__
        DEVICE_INLINE int Twice(int v) { return 2 * v; }
        KERNEL_ENTRY void k(GM_ADDR x) {}
        NOT_EXTERN_C void mangled(GM_ADDR x) {}  // <- entry-signature
        """)
    diags = validate(src)
    assert [(d.code, d.line) for d in diags] == [("entry-signature", _marked(src, "entry-signature")[0])]


def test_no_entry_is_an_error_with_the_form_in_the_hint():
    src = _src("""
        #include "kernel_operator.h"
        template <typename T>
        __aicore__ inline T twice(T v) { return v + v; }
        """)
    (d,) = validate(src)
    assert (d.severity, d.code, d.line) == ("error", "no-entry", None)
    assert 'extern "C" __global__ __aicore__ void' in d.hint


def test_near_miss_entries_name_their_lines():
    src = _src("""
        #include "kernel_operator.h"
        __global__ __aicore__ void mangled(GM_ADDR x) {}  // <- not-extern-c
        extern "C" __global__ __aicore__ int returns_int(GM_ADDR x) { return 0; }  // <- non-void
        extern "C" __global__ void not_aicore(GM_ADDR x) {}  // <- no-aicore
        """)
    diags = validate(src)
    assert [(d.line, d.severity, d.code) for d in diags] == [
        (2, "error", "entry-signature"), (3, "error", "entry-signature"), (4, "error", "entry-signature")]
    assert "'mangled'" in diags[0].message and "mangled" in diags[0].message and "extern" in diags[0].message
    assert "void" in diags[1].message
    assert "__aicore__" in diags[2].message


def test_extern_c_aicore_without_global():
    alone = 'extern "C" __aicore__ void looks_like_kernel(GM_ADDR x) {}\n'
    (d,) = validate(alone)
    assert (d.severity, d.code, d.line) == ("error", "entry-signature", 1)
    assert "__global__" in d.message
    # Next to a real entry it may be a C-linkage helper: a warning, still reported.
    diags = validate(alone + 'extern "C" __global__ __aicore__ void k(GM_ADDR x) {}\n')
    assert [(d.severity, d.code, d.line) for d in diags] == [("warning", "entry-signature", 1)]


def test_aicore_helpers_and_methods_are_not_near_misses():
    src = _src("""
        #include "kernel_operator.h"
        using namespace AscendC;
        __aicore__ inline uint32_t Ceil(uint32_t a, uint32_t b) { return (a + b - 1) / b; }
        template <typename T>
        __aicore__ inline void Fill(LocalTensor<T> t, T v, int32_t n) { Duplicate(t, v, n); }
        class KernelK {
        public:
            __aicore__ inline KernelK() {}
            __aicore__ inline void Process() {}
        };
        extern "C" __global__ __aicore__ void k(GM_ADDR x) { KernelK op; op.Process(); }
        """)
    assert validate(src) == []


# --------------------------------------------------------------------------------------------------------------
# 2. on-chip budget


def test_buffers_are_summed_per_memory():
    # Each buffer fits the 910B's 192 KiB UB on its own; together they do not (ascend-rs checks each alone).
    src = _kernel("""
        TPipe pipe;
        TQue<TPosition::VECIN, 2> inQ;
        TBuf<TPosition::VECCALC> work;
        pipe.InitBuffer(inQ, 2, 64 * 1024);
        pipe.InitBuffer(work, 100 * 1024);  // <- onchip-overflow
        """)
    (d,) = validate(src, "Ascend910B3")
    line = _marked(src, "onchip-overflow")[0]
    assert (d.severity, d.code, d.line) == ("error", "onchip-overflow", line)
    assert "233472 bytes > 196608 bytes of UB" in d.message
    assert f"inQ (line {line - 1}) 2 x 65536 B, work (line {line}) 1 x 102400 B" in d.message
    assert validate(src, "Ascend310P3") == []  # 228 KiB fits a 310P's 256 KiB


def test_each_buffer_too_big_alone_is_named_after_the_crossing():
    src = _kernel("""
        TPipe pipe;
        TBuf<> a, b, c, d;
        pipe.InitBuffer(a, 100 * 1024);
        pipe.InitBuffer(b, 100 * 1024);  // <- crossing
        pipe.InitBuffer(c, 1024);
        pipe.InitBuffer(d, 200 * 1024);  // <- alone
        """)
    diags = validate(src, "Ascend910B3")
    assert [d.line for d in diags] == _marked(src, "crossing") + _marked(src, "alone")
    assert "`d` alone needs 204800 bytes" in diags[1].message and "alone" not in diags[0].message


@pytest.mark.parametrize("soc,ok", [("Ascend310P3", True), ("Ascend910B3", False)])
def test_limit_is_inclusive(soc, ok):
    src = _kernel("""
        TPipe pipe;
        TBuf<TPosition::VECCALC> all;
        pipe.InitBuffer(all, 256 * 1024);  // <- onchip-overflow
        """)
    diags = validate(src, soc)
    if ok:
        assert diags == []
    else:
        assert [(d.code, d.line) for d in diags] == [("onchip-overflow", _marked(src, "onchip-overflow")[0])]
        assert "`all` alone needs 262144 bytes" in diags[0].message


def test_exactly_192k_fits_910b():
    src = _kernel("""
        TPipe pipe;
        TQue<TPosition::VECIN, 2> q;
        TBuf<> rest;
        pipe.InitBuffer(q, 2, 32 * 1024);
        pipe.InitBuffer(rest, 128 * 1024 - 5);  // <- onchip-overflow (rounded up to 128 KiB: 192 KiB in all)
        """)
    assert validate(src, "Ascend910B3") == []
    over = src.replace("128 * 1024 - 5", "128 * 1024 + 1")  # rounds up to 128 KiB + 32
    line = next(i for i, t in enumerate(over.splitlines(), 1) if "InitBuffer(rest" in t)
    assert [(d.code, d.line) for d in validate(over, "Ascend910B3")] == [("onchip-overflow", line)]


def test_symbolic_sizes_are_evaluated():
    before = """
        #define TILE_BYTES (16 * 1024)
        constexpr int32_t BUFFER_NUM = 2;
        const uint32_t EXTRA = 0x10'00UL << 2;
        namespace cfg { constexpr uint32_t WORK = 7 * TILE_BYTES / sizeof(half); }
        """
    src = _kernel("""
        TPipe pipe;
        TQue<QuePosition::VECIN, BUFFER_NUM> inQ;
        TQue<QuePosition::VECOUT, BUFFER_NUM> outQ;
        TBuf<TPosition::VECCALC> work, extra;
        constexpr uint32_t tile = TILE_BYTES / sizeof(float);
        pipe.InitBuffer(inQ, BUFFER_NUM, tile * sizeof(float));
        pipe.InitBuffer(outQ, BUFFER_NUM, static_cast<uint32_t>(tile) * 4U);
        pipe.InitBuffer(work, cfg::WORK * sizeof(bfloat16_t) + (1 << 10));
        pipe.InitBuffer(extra, (uint32_t)(EXTRA % 70000) + 100);  // <- onchip-overflow
        """, before)
    diags = validate(src, "Ascend910B3")
    assert [(d.code, d.line) for d in diags] == [("onchip-overflow", _marked(src, "onchip-overflow")[0])]
    # inQ 2 x 16 KiB, outQ 2 x (4096 x 4), work 57344 x 2 + 1024, extra roundup32(16384 + 100) = 16512:
    # 197760 bytes, 1152 over the 910B's UB (ascend-rs would have skipped every one of these sizes).
    assert "need 197760 bytes > 196608 bytes of UB" in diags[0].message
    assert re.search(r"inQ \(line \d+\) 2 x 16384 B, outQ \(line \d+\) 2 x 16384 B, work \(line \d+\) 1 x 115712 B, "
                     r"extra \(line \d+\) 1 x 16512 B", diags[0].message)


def test_symbolic_sizes_sum_exactly():
    before = """
        #define TILE_BYTES (16 * 1024)
        constexpr int32_t BUFFER_NUM = 2;
        """
    src = _kernel("""
        TPipe pipe;
        TQue<TPosition::A2, BUFFER_NUM> a2;
        constexpr uint32_t n = TILE_BYTES / sizeof(half);
        pipe.InitBuffer(a2, BUFFER_NUM, n * sizeof(half));
        TQue<TPosition::A2, 1> bias;
        pipe.InitBuffer(bias, 1, (1u << 5) + 1);  // <- onchip-overflow
        """, before)
    # L0A is 64 KiB on both SoCs: 2 x 16 KiB + roundup32(33) = 32832 fits...
    assert validate(src, "Ascend910B3") == []
    big = src.replace("(1u << 5) + 1", "(32u << 10) + 1")  # ... 2 x 16 KiB + 32 KiB + 32 does not
    (d,) = validate(big, "Ascend310P3")
    assert (d.code, d.line) == ("onchip-overflow", _marked(big, "onchip-overflow")[0])
    assert "65568 bytes > 65536 bytes of L0A" in d.message


def test_class_constants_constructor_arguments_and_pipe_pointer():
    src = _src("""
        #include "kernel_operator.h"
        using namespace AscendC;
        class KernelX {
        public:
            static constexpr uint32_t BUFFER_NUM = 2;
            __aicore__ inline void Init(GM_ADDR x, TPipe* pipeIn, uint32_t tileLen)
            {
                pipe = pipeIn;
                this->tileLength = tileLen / BUFFER_NUM;
                pipe->InitBuffer(inQ, BUFFER_NUM, this->tileLength * sizeof(float));
                pipe->InitBuffer(outQ, BUFFER_NUM, this->tileLength * sizeof(float));  // <- onchip-overflow
            }
        private:
            TPipe* pipe;
            uint32_t tileLength;
            TQue<QuePosition::VECIN, BUFFER_NUM> inQ;
            TQue<QuePosition::VECOUT, BUFFER_NUM> outQ;
        };
        extern "C" __global__ __aicore__ void k(GM_ADDR x)
        {
            TPipe pipe;
            KernelX op;
            op.Init(x, &pipe, 28672);
        }
        """)
    # 4 x 14336 x 4 bytes = 224 KiB: over a 910B's UB, within a 310P's.
    (d,) = validate(src, "Ascend910B3")
    assert (d.code, d.line) == ("onchip-overflow", _marked(src, "onchip-overflow")[0])
    assert "229376 bytes" in d.message
    assert validate(src, "Ascend310P3") == []


def test_positions_map_to_memories_per_soc():
    # C1 is UB on 310P but L1 on 910B (as in the simulator's tpipe.h).
    src = _kernel("""
        TPipe pipe;
        TQue<TPosition::VECIN, 1> vin;
        TQue<TPosition::C1, 1> c1;
        pipe.InitBuffer(vin, 1, 150 * 1024);
        pipe.InitBuffer(c1, 1, 150 * 1024);  // <- onchip-overflow
        """)
    assert validate(src, "Ascend910B3") == []
    (d,) = validate(src, "Ascend310P3")
    assert (d.code, d.line) == ("onchip-overflow", _marked(src, "onchip-overflow")[0])
    assert "of UB" in d.message
    l0c = _kernel("""
        TPipe pipe;
        TQue<TPosition::CO1, 1> acc;
        pipe.InitBuffer(acc, 1, 256 * 1024);  // <- onchip-overflow
        """)
    assert validate(l0c, "Ascend310P3") == []  # 256 KiB of L0C on 310P, 128 KiB on 910B
    diags = validate(l0c, "Ascend910B3")
    assert [(d.code, d.line) for d in diags] == [("onchip-overflow", _marked(l0c, "onchip-overflow")[0])]


def test_each_kernel_has_its_own_budget():
    one = _src("""
        extern "C" __global__ __aicore__ void KNAME(GM_ADDR x)
        {
            AscendC::TPipe pipe;
            AscendC::TBuf<> b;
            pipe.InitBuffer(b, 150 * 1024);
        }
        """)
    src = one.replace("KNAME", "a") + one.replace("KNAME", "b")
    assert validate(src, "Ascend910B3") == []


def test_alternative_branches_are_not_summed():
    src = _kernel("""
        TPipe pipe;
        TBuf<TPosition::VECCALC> a, b;
        if (GetBlockIdx() == 0) {
            pipe.InitBuffer(a, 120 * 1024);
        } else {
            pipe.InitBuffer(b, 120 * 1024);
        }
        """)
    assert validate(src, "Ascend910B3") == []


def test_runtime_sizes_are_warnings_not_skipped():
    src = _src("""
        #include "kernel_operator.h"
        using namespace AscendC;
        extern "C" __global__ __aicore__ void k(GM_ADDR x, uint32_t tile)
        {
            TPipe pipe;
            TQue<TPosition::VECIN, 2> inQ;
            TBuf<TPosition::VECCALC> big;
            pipe.InitBuffer(inQ, 2, tile * sizeof(float));  // <- size-unknown
            pipe.InitBuffer(big, 200 * 1024);  // <- onchip-overflow
        }
        """)
    diags = validate(src, "Ascend910B3")
    assert [(d.severity, d.code, d.line) for d in diags] == [
        ("warning", "size-unknown", 8), ("error", "onchip-overflow", 9)]
    assert "`inQ`" in diags[0].message and "tile * sizeof(float)" in diags[0].message
    # The run-time buffer is not in the sum (the known 200 KiB overflows alone).
    assert "204800 bytes > 196608" in diags[1].message


# --------------------------------------------------------------------------------------------------------------
# 3. sync order


@pytest.mark.parametrize("soc,severity", [("Ascend310P3", "error"), ("Ascend910B3", "warning")])
def test_missing_mte2_v_flag(soc, severity):
    src = _tbuf()
    (d,) = validate(src, soc)
    assert (d.severity, d.code, d.line) == (severity, "unsynced-dma", _marked(src, "unsynced-dma")[0])
    assert "`t`" in d.message and "DataCopy" in d.message and "kernel 'k'" in d.message
    assert "MTE2_V" in d.hint
    if severity == "warning":
        assert "auto-sync" in d.hint and "simulator" in d.hint


def test_no_auto_sync_makes_it_an_error_on_910b():
    (d,) = validate(_tbuf(), "Ascend910B3", auto_sync=False)
    assert (d.severity, d.code) == ("error", "unsynced-dma")


def test_barrier_elsewhere_in_the_file_does_not_count():
    synced = _tbuf("PipeBarrier<PIPE_ALL>();").replace("void k(", "void synced(")
    src = synced + _tbuf().split("using namespace AscendC;\n", 1)[1]  # a second kernel, without the barrier
    first, second = _marked(src, "unsynced-dma")
    diags = validate(src, "Ascend310P3")
    assert [(d.code, d.line) for d in diags] == [("unsynced-dma", second)]
    assert "kernel 'k'" in diags[0].message and first < second


def test_barrier_before_the_dma_does_not_count():
    src = _tbuf(before="PipeBarrier<PIPE_ALL>();\nSetFlag<HardEvent::MTE2_V>(EVENT_ID0);\n"
                       "WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);")
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == _marked(src, "unsynced-dma")


@pytest.mark.parametrize("sync", [
    "PipeBarrier<PIPE_ALL>();",
    _FLAGS_IN,
    "event_t e = static_cast<event_t>(GetTPipePtr()->FetchEventID(HardEvent::MTE2_V));\n"
    "SetFlag<HardEvent::MTE2_V>(e);\nWaitFlag<HardEvent::MTE2_V>(e);",
    "TQueSync<PIPE_MTE2, PIPE_V> s;\ns.SetFlag(1);\ns.WaitFlag(1);",
    "SetFlag<HardEvent::MTE2_S>(EVENT_ID2);\nWaitFlag<HardEvent::MTE2_S>(EVENT_ID2);",  # the scalar unit waits
    "float first = t.GetValue(0);",  # bisheng's auto-sync waits for MTE2 before a scalar read (the simulator too)
    "pipe_barrier(PIPE_ALL);",
])
def test_orderings_that_satisfy_mte2_v(sync):
    assert validate(_tbuf(sync), "Ascend310P3") == []


@pytest.mark.parametrize("sync", [
    "PipeBarrier<PIPE_V>();",
    "PipeBarrier<PIPE_MTE2>();",
    "SetFlag<HardEvent::V_MTE3>(EVENT_ID0);\nWaitFlag<HardEvent::V_MTE3>(EVENT_ID0);",  # the wrong event
    "WaitFlag<HardEvent::MTE2_V>(EVENT_ID0);\nSetFlag<HardEvent::MTE2_V>(EVENT_ID0);",  # wait before set
    "SetFlag<HardEvent::MTE2_V>(EVENT_ID0);\nWaitFlag<HardEvent::MTE2_V>(EVENT_ID1);",  # another event id
    "SetFlag<HardEvent::MTE2_V>(EVENT_ID0);",  # no wait
])
def test_orderings_that_do_not(sync):
    src = _tbuf(sync)
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == _marked(src, "unsynced-dma")


def test_missing_v_mte3_before_copy_out():
    src = _tbuf(_FLAGS_IN, sync_out="PipeBarrier<PIPE_V>();")
    (d,) = validate(src, "Ascend310P3")
    assert (d.severity, d.code, d.line) == ("error", "unsynced-copy-out", _marked(src, "unsynced-copy-out")[0])
    assert "Muls at line" in d.message and "V_MTE3" in d.hint


def test_flag_in_one_branch_only_is_reported():
    src = _tbuf("if (GetBlockIdx() != 1) {\n" + _FLAGS_IN + "\n}")
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == _marked(src, "unsynced-dma")
    both = _tbuf("if (GetBlockIdx() != 1) {\n" + _FLAGS_IN + "\n} else {\nPipeBarrier<PIPE_ALL>();\n}")
    assert validate(both, "Ascend310P3") == []


_QUEUES = _src("""
    #include "kernel_operator.h"
    using namespace AscendC;
    constexpr int32_t TILE = 1024;
    extern "C" __global__ __aicore__ void k(GM_ADDR x, GM_ADDR y, uint32_t n)
    {
        TPipe pipe;
        TQue<TPosition::VECIN, 2> inQ;
        TQue<TPosition::VECOUT, 2> outQ;
        pipe.InitBuffer(inQ, 2, TILE * sizeof(half));
        pipe.InitBuffer(outQ, 2, TILE * sizeof(half));
        GlobalTensor<half> xg, yg;
        xg.SetGlobalBuffer((__gm__ half*)x);
        yg.SetGlobalBuffer((__gm__ half*)y);
        for (uint32_t i = 0; i < n; ++i) {
            LocalTensor<half> a = inQ.AllocTensor<half>();
            COPY_IN
            LocalTensor<half> b = inQ.DeQue<half>();
            LocalTensor<half> c = outQ.AllocTensor<half>();
            Relu(c, b, TILE);  // <- unsynced-dma
            outQ.EnQue(c);
            inQ.FreeTensor(b);
            LocalTensor<half> d = outQ.DeQue<half>();
            DataCopy(yg[i * TILE], d, TILE);
            outQ.FreeTensor(d);
        }
    }
    """)


def test_queue_handoff_orders_the_dma():
    good = _QUEUES.replace("COPY_IN", "DataCopy(a, xg[i * TILE], TILE);\n        inQ.EnQue(a);")
    assert validate(good, "Ascend310P3") == []
    # The DMA issued after the EnQue is not covered by it: program order matters, not presence.
    late = _QUEUES.replace("COPY_IN", "inQ.EnQue(a);\n        DataCopy(a, xg[i * TILE], TILE);")
    assert _found(validate(late, "Ascend310P3"), "unsynced-dma") == _marked(late, "unsynced-dma")


def test_member_function_pipeline_through_queues():
    src = (ROOT / "tests" / "sim_cpp" / "add_custom.cpp").read_text()
    assert validate(src, "Ascend310P3") == []
    # CopyIn issues x's DataCopy after both EnQue calls: no queue flag covers it, and the Add in Compute
    # (another method, called from Process's loop) reads x unordered.
    copy_x = "        AscendC::DataCopy(xLocal, xGm[progress * TILE_LENGTH], TILE_LENGTH);\n"
    enq_y = "        inQueueY.EnQue(yLocal);\n"
    bad = src.replace(copy_x, "").replace(enq_y, enq_y + copy_x)
    assert bad != src
    add_line = next(i for i, line in enumerate(bad.splitlines(), 1) if "AscendC::Add(" in line)
    (d,) = validate(bad, "Ascend310P3")
    assert (d.code, d.line) == ("unsynced-dma", add_line)


def test_loop_carried_race_is_found_on_the_second_iteration():
    src = _kernel("""
        TPipe pipe;
        TBuf<TPosition::VECCALC> ab, bb;
        pipe.InitBuffer(ab, 1024);
        pipe.InitBuffer(bb, 1024);
        GlobalTensor<float> xg;
        xg.SetGlobalBuffer((__gm__ float*)x);
        LocalTensor<float> a = ab.Get<float>();
        LocalTensor<float> b = bb.Get<float>();
        DataCopy(a, xg, 256);
        PipeBarrier<PIPE_ALL>();
        for (int32_t i = 1; i < 8; ++i) {
            Adds(b, a, 1.0f, 256);  // <- unsynced-dma
            DataCopy(a, xg[i * 256], 256);
        }
        """)
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == _marked(src, "unsynced-dma")


def test_sync_through_helpers_with_template_events():
    before = """
        template <HardEvent E>
        __aicore__ inline void Flag()
        {
            TEventID id = GetTPipePtr()->FetchEventID(E);
            SetFlag<E>(id);
            WaitFlag<E>(id);
        }
        template <typename T>
        __aicore__ inline void Load(LocalTensor<T> dst, GlobalTensor<T> src, uint32_t count)
        {
            DataCopy(dst, src, count);
        }
        """
    body = """
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, 1024);
        GlobalTensor<float> xg, yg;
        xg.SetGlobalBuffer((__gm__ float*)x);
        yg.SetGlobalBuffer((__gm__ float*)y);
        LocalTensor<float> t = buf.Get<float>();
        Load(t, xg, 256);
        Flag<HardEvent::EVENT>();
        Exp(t, t, 256);  // <- unsynced-dma
        Flag<HardEvent::V_MTE3>();
        DataCopy(yg, t, 256);
        """
    assert validate(_kernel(body.replace("EVENT", "MTE2_V"), before), "Ascend310P3") == []
    bad = _kernel(body.replace("EVENT", "V_MTE2"), before)
    (d,) = validate(bad, "Ascend310P3")
    assert (d.code, d.line) == ("unsynced-dma", _marked(bad, "unsynced-dma")[0])
    assert "DataCopy into `t`" in d.message  # the kernel's tensor, not the helper's parameter


_SYNC_HELPERS = """
    __aicore__ inline void InsertSync(const HardEvent& event)
    {
        event_t id = static_cast<event_t>(GetTPipePtr()->FetchEventID(event));
        switch (event) {
            case HardEvent::V_MTE3:
                SetFlag<HardEvent::V_MTE3>(id);
                WaitFlag<HardEvent::V_MTE3>(id);
                break;
            case HardEvent::MTE2_V:
                SetFlag<HardEvent::MTE2_V>(id);
                WaitFlag<HardEvent::MTE2_V>(id);
                break;
            default:
                break;
        }
    }
    __aicore__ inline void Sync(HardEvent e)
    {
        if (e == HardEvent::MTE2_V) {
            PipeBarrier<PIPE_ALL>();
        }
    }
    """


@pytest.mark.parametrize("call,race", [
    ("InsertSync(HardEvent::MTE2_V);", False), ("InsertSync(HardEvent::V_MTE3);", True),
    ("Sync(HardEvent::MTE2_V);", False), ("Sync(HardEvent::MTE3_V);", True),
])
def test_sync_helpers_that_dispatch_on_an_event_argument(call, race):
    # A switch or if on a run-time HardEvent argument: the walk takes the branch the argument selects.
    src = _tbuf(call).replace("using namespace AscendC;\n", "using namespace AscendC;\n" + _src(_SYNC_HELPERS))
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == (_marked(src, "unsynced-dma") if race else [])


@pytest.mark.parametrize("call,race", [
    ("SyncFunc<HardEvent::MTE2_V>();", False), ("SyncFunc<HardEvent::V_MTE3>();", True),
    ("OpCommon::WaitEvent(HardEvent::MTE2_V);", False), ("LogSomething(3);", True),
])
def test_sync_wrappers_from_unseen_headers(call, race):
    # Defined in a header the validator does not read: naming one HardEvent, it is taken as that flag pair.
    src = _tbuf(call).replace('#include "kernel_operator.h"', '#include "kernel_operator.h"\n#include "op_common.h"')
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == (_marked(src, "unsynced-dma") if race else [])


def test_buffer_arrays_are_one_buffer_per_element():
    # Double buffering with TBuf x[2]: the prefetch into the other slot does not race with this slot's read.
    src = _kernel("""
        TPipe pipe;
        TBuf<TPosition::VECCALC> slots[2];
        pipe.InitBuffer(slots[0], 1024);
        pipe.InitBuffer(slots[1], 1024);
        GlobalTensor<float> xg;
        xg.SetGlobalBuffer((__gm__ float*)x);
        DataCopy(slots[0].Get<float>(), xg, 256);
        PipeBarrier<PIPE_ALL>();
        for (int32_t i = 0; i < 8; ++i) {
            LocalTensor<float> cur = slots[i & 1].Get<float>();
            DataCopy(slots[(i + 1) & 1].Get<float>(), xg[(i + 1) * 256], 256);
            Abs(cur, cur, 256);
            PipeBarrier<PIPE_ALL>();
        }
        LocalTensor<float> first = slots[0].Get<float>();
        DataCopy(first, xg, 256);
        Abs(first, first, 256);  // <- unsynced-dma
        """)
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == _marked(src, "unsynced-dma")
    big = src.replace("1024);", "100 * 1024);")  # both elements count: 200 KiB
    assert _found(validate(big, "Ascend910B3"), "onchip-overflow") == [
        next(i for i, t in enumerate(big.splitlines(), 1) if "InitBuffer(slots[1]" in t)]


def test_explicit_class_specialization_is_its_own_class():
    src = _src("""
        #include "kernel_operator.h"
        using namespace AscendC;
        template <typename T>
        class KernelK {
        public:
            __aicore__ inline void Init() { pipe.InitBuffer(buf, 64 * 1024 * sizeof(T)); }
        private:
            TPipe pipe;
            TBuf<> buf;
        };
        template <>
        class KernelK<half> {
        public:
            __aicore__ inline void Init() { pipe.InitBuffer(wide, 96 * 1024 * sizeof(float)); }  // <- half
        private:
            TPipe pipe;
            TBuf<> wide;
        };
        extern "C" __global__ __aicore__ void k_float(GM_ADDR x) { KernelK<float> op; op.Init(); }
        extern "C" __global__ __aicore__ void k_half(GM_ADDR x) { KernelK<half> op; op.Init(); }
        """)
    # k_float uses the primary template (256 KiB), k_half the specialization (384 KiB, another buffer).
    primary, special = validate(src, "Ascend910B3")
    assert (primary.line, primary.code) == (6, "onchip-overflow") and "kernel 'k_float'" in primary.message
    assert (special.line, special.code) == (_marked(src, "half")[0], "onchip-overflow")
    assert "kernel 'k_half'" in special.message and "393216 bytes" in special.message
    (d310,) = validate(src, "Ascend310P3")  # 256 KiB fits a 310P exactly; 384 KiB does not
    assert (d310.line, d310.code) == (_marked(src, "half")[0], "onchip-overflow")
    assert "kernel 'k_half'" in d310.message and "wide" in d310.message


def test_slices_a_dma_did_not_write_do_not_race():
    src = _tbuf(before="", sync_in="Duplicate(t[256], 0.0f, 64);").replace("256 * sizeof(float)",
                                                                         "512 * sizeof(float)")
    assert _found(validate(src, "Ascend310P3"), "unsynced-dma") == _marked(src, "unsynced-dma")  # only the Muls


def test_planted_pipe_races_of_the_simulator_tests():
    """tests/test_sim_races.py plants RAW races on `// BUG name` lines; -DFIXED is the corrected source."""
    from tests.test_sim_races import KERNELS

    lines = KERNELS.splitlines()
    raw = ["raw_mte2_v", "raw_v_mte3", "raw_mte2_mte3", "waw_mte2_v", "vecin_copy_through", "raw_in_block_1"]
    expected = sorted(i for i, text in enumerate(lines, 1) if any(text.rstrip().endswith(f"// BUG {n}") for n in raw))
    # wait_unset waits for an MTE2_MTE3 flag nobody set: the copy-out after it is unordered as well.
    wait_unset = next(i for i, text in enumerate(lines, 1) if "// BUG wait_unset" in text) + 1
    for soc, severity in (("Ascend310P3", "error"), ("Ascend910B3", "warning")):
        diags = validate(KERNELS, soc)
        assert sorted(d.line for d in diags) == sorted(expected + [wait_unset])
        assert {d.code for d in diags} == SYNC_CODES and {d.severity for d in diags} == {severity}
        assert validate(KERNELS, soc, defines=["FIXED"]) == []


# --------------------------------------------------------------------------------------------------------------
# 4. DMA lengths


@pytest.mark.parametrize("soc,word", [("Ascend910B3", "DataCopyPad"), ("Ascend310P3", "no DataCopyPad")])
def test_dma_length_not_whole_blocks(soc, word):
    src = _kernel("""
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, 256 * sizeof(half));
        GlobalTensor<half> xg;
        xg.SetGlobalBuffer((__gm__ half*)x);
        LocalTensor<half> t = buf.Get<half>();
        constexpr uint32_t COUNT = 100;
        DataCopy(t, xg, COUNT);  // <- dma-length
        PipeBarrier<PIPE_ALL>();
        DataCopy(t, xg, 112);
        DataCopy(t, xg, {1, 7, 0, 0});
        """, "")
    (d,) = validate(src, soc)
    assert (d.severity, d.code, d.line) == ("error", "dma-length", _marked(src, "dma-length")[0])
    assert "`COUNT` = 100 half elements moves 200 bytes" in d.message and "192 bytes" in d.message
    assert word in d.hint


# --------------------------------------------------------------------------------------------------------------
# 5. target support and preprocessor guards


_PAD = _kernel("""
    TPipe pipe;
    TBuf<TPosition::VECCALC> buf;
    pipe.InitBuffer(buf, 1024);
    GlobalTensor<float> xg;
    xg.SetGlobalBuffer((__gm__ float*)x);
    LocalTensor<float> t = buf.Get<float>();
    DataCopyExtParams p{1, 13 * sizeof(float), 0, 0, 0};
    DataCopyPad(t, xg, p, DataCopyPadExtParams<float>{false, 0, 0, 0.0f});  // <- unsupported-api
    """)


def test_datacopypad_only_where_it_exists():
    assert validate(_PAD, "Ascend910B3") == []
    (d,) = validate(_PAD, "Ascend310P3")
    assert (d.severity, d.code, d.line) == ("error", "unsupported-api", _marked(_PAD, "unsupported-api")[0])
    assert "Ascend310P3" in d.message


def test_bfloat16_only_where_it_exists():
    src = _kernel("""
        bfloat16_t v = bfloat16_t(1.0f);  // <- unsupported-type
        LocalTensor<bfloat16_t> t;
        """)
    assert validate(src, "Ascend910B3") == []
    (d,) = validate(src, "Ascend310P3")
    line = _marked(src, "unsupported-type")[0]
    assert (d.severity, d.code, d.line) == ("error", "unsupported-type", line)
    assert f"also at lines {line + 1}" in d.message


@pytest.mark.parametrize("guard,other", [
    ("#if __CCE_AICORE__ == 220", "#else"),
    ("#if __CCE_AICORE__ != 200", "#else"),
    ("#ifdef __DAV_C220__", "#else"),
    ("#ifndef __DAV_M200__", "#else"),
    ("#if defined(__NPU_ARCH__) && (__NPU_ARCH__ == 2201)", "#elif __NPU_ARCH__ == 2002"),
])
def test_arch_guards_select_the_target_path(guard, other):
    src = _kernel(f"""
        TPipe pipe;
        TBuf<TPosition::VECCALC> buf;
        pipe.InitBuffer(buf, 1024);
        GlobalTensor<float> xg;
        xg.SetGlobalBuffer((__gm__ float*)x);
        LocalTensor<float> t = buf.Get<float>();
        {guard}
        DataCopyPad(t, xg, {{1, 52, 0, 0, 0}}, {{false, 0, 0, 0.0f}});
        bfloat16_t unused;
        {other}
        DataCopy(t, xg, 16);
        #endif
        """)
    for soc in SOCS:
        assert validate(src, soc) == [], soc
    assert validate(src.replace("DataCopy(t, xg, 16)", "DataCopy(t, xg, 13)"), "Ascend910B3") == []
    assert _found(validate(src.replace("DataCopy(t, xg, 16)", "DataCopy(t, xg, 13)"), "Ascend310P3"),
                  "dma-length") == [15]


def test_guards_decide_sizes_and_defines():
    src = _kernel("""
        #if __CCE_AICORE__ == 200
        constexpr uint32_t UB_TILE = 240 * 1024;
        #else
        constexpr uint32_t UB_TILE = 180 * 1024;
        #endif
        TPipe pipe;
        TBuf<> buf;
        #ifdef BIG
        pipe.InitBuffer(buf, UB_TILE + 20 * 1024);  // <- onchip-overflow
        #else
        pipe.InitBuffer(buf, UB_TILE);
        #endif
        """)
    for soc in SOCS:
        assert validate(src, soc) == []
        assert _found(validate(src, soc, defines={"BIG": 1}), "onchip-overflow") == _marked(src, "onchip-overflow")
        assert _found(validate(src, soc, defines=["-O2", "-I/x", "-DBIG"]), "onchip-overflow") == \
            _marked(src, "onchip-overflow")


# --------------------------------------------------------------------------------------------------------------
# 6. #line mapping and reporting


def test_line_directives_map_findings_to_the_python_file():
    src = _tbuf().replace("Muls(t, t, 2.0f, 256);", '#line 41 "/src/my_kernel.py"\nMuls(t, t, 2.0f, 256);')
    (d,) = validate(src, "Ascend310P3", source_name="gen.cpp")
    cpp_line = next(i for i, line in enumerate(src.splitlines(), 1) if line.strip().startswith("Muls("))
    assert (d.line, d.filename, d.mapped_line) == (cpp_line, "/src/my_kernel.py", 41)
    assert str(d).startswith("/src/my_kernel.py:41: error: ")
    plain = validate(_tbuf(), "Ascend310P3", source_name="gen.cpp")[0]
    assert (plain.filename, plain.mapped_line) == ("gen.cpp", None)
    assert str(plain).startswith(f"gen.cpp:{plain.line}: error: ")


def test_generated_kernel_finding_names_the_python_line():
    from ascendpy.compiler import compile_module

    mod = importlib.import_module("examples.softmax.kernels")
    cpp = compile_module(mod, "Ascend310P3").cpp
    assert validate(cpp, "Ascend310P3") == []
    bad = cpp.replace("        xb_que.EnQue(xb);\n", "").replace("        xb = xb_que.DeQue<float>();\n", "")
    assert bad != cpp
    (d,) = validate(bad, "Ascend310P3", source_name="softmax.cpp")
    py = Path(mod.__file__).read_text().splitlines()
    assert d.code == "unsynced-dma" and d.filename == mod.__file__
    assert "std.reduce_max(xb, n)" in py[d.mapped_line - 1]
    assert "ReduceMax" in bad.splitlines()[d.line - 1]
    assert "kernels.py:47" in d.message  # the load (std.load), through apy_copy_in


def test_diagnostic_text_and_json():
    (d,) = validate(_tbuf(), "Ascend310P3", source_name="k.cpp")
    js = d.to_json()
    assert set(js) == {"severity", "code", "message", "hint", "line", "filename", "mapped_line"}
    assert Diagnostic(**json.loads(json.dumps(js))) == d
    assert str(d) == f"k.cpp:{d.line}: error: {d.message} [unsynced-dma]\n    hint: {d.hint}"
    text = format_diagnostics(validate(_tbuf(), "Ascend910B3", source_name="k.cpp"))
    assert text.endswith("0 error(s), 1 warning(s)") and "warning:" in text
    assert format_diagnostics([]) == "ok: no issues found"


def test_warnings_and_errors_are_returned_sorted_by_line():
    src = _src("""
        #include "kernel_operator.h"
        using namespace AscendC;
        extern "C" __global__ __aicore__ void k(GM_ADDR x, uint32_t n)
        {
            TPipe pipe;
            TBuf<TPosition::VECCALC> buf, big;
            pipe.InitBuffer(buf, n * sizeof(float));
            pipe.InitBuffer(big, 300 * 1024);
            GlobalTensor<float> xg;
            xg.SetGlobalBuffer((__gm__ float*)x);
            LocalTensor<float> t = buf.Get<float>();
            DataCopy(t, xg, 8);
            Abs(t, t, 8);
            DataCopy(t, xg, 7);
        }
        """)
    diags = validate(src, "Ascend910B3")
    assert [(d.line, d.severity, d.code) for d in diags] == [
        (7, "warning", "size-unknown"), (8, "error", "onchip-overflow"), (13, "warning", "unsynced-dma"),
        (14, "error", "dma-length")]


def test_target_by_object_name_alias_or_default():
    src = _PAD
    assert validate(src, get_target("310P")) == validate(src, "Ascend310P3") == validate(src, "310p")
    assert validate(src) == validate(src, "Ascend910B3") == []
    with pytest.raises(Exception, match="unknown SoC"):
        validate(src, "Ascend999")


@pytest.mark.parametrize("garbage", [
    "",
    "}}}} {{{{ ((((",
    'extern "C" __global__ __aicore__ void k(GM_ADDR x) { int y = ; DataCopy( }',
    "#if\n#else\n#endif\n#elif 1\n#endif\n",
    "\x00\xff\ud7ff ✓ 名前 'unterminated \"string",
    'extern "C" __global__ __aicore__ void k(GM_ADDR x) { pipe.InitBuffer(q, 2, 1 / 0); DataCopy(t, g, 1 << 99); }',
])
def test_garbage_does_not_crash(garbage):
    diags = validate(garbage, "Ascend310P3")
    assert all(isinstance(d, Diagnostic) and d.severity in ("error", "warning") for d in diags)


def test_mangled_kernels_never_crash():
    """Seeded random edits of real kernels: the validator returns findings, never raises or gives up."""
    import random

    sources = [(ROOT / p).read_text() for p in ("tests/sim_cpp/add_custom.cpp", "tests/faults_cpp/queue.cpp",
                                                 "examples/safety/cpp/01_type_confusion.cpp",
                                                 "tests/validate_cube/matmul_queues.cpp",
                                                 "tests/validate_cube/mix_matmul_relu.cpp")]
    pieces = ["{", "}", "(", ")", ";", "#if 1\n", "#else\n", "#endif\n", "<<<", '"', "'", "/*", "::", "[",
              "template <", "switch (x) { case 1:", "break;", "#define F(a) (a\n", "class C { C c; };\n"]
    for seed in range(120):
        rng = random.Random(seed)
        text = list(rng.choice(sources))
        for _ in range(rng.randint(1, 10)):
            i = rng.randrange(len(text) + 1)
            if rng.random() < 0.5 and text:
                del text[i:i + rng.randint(1, 40)]
            else:
                text[i:i] = list(rng.choice(pieces))
        for soc in SOCS:
            diags = validate("".join(text), soc)
            assert not [d for d in diags if "internal error" in d.message], f"seed {seed} on {soc}"


def test_self_referential_class_and_deep_nesting_are_survived():
    src = _src("""
        struct Node { Node next; int v; };
        extern "C" __global__ __aicore__ void k(GM_ADDR x) { Node n; }
        """)
    assert validate(src) == []
    deep = 'extern "C" __global__ __aicore__ void k(GM_ADDR x) { int v = ' + "(" * 3000 + "1" + ")" * 3000 + "; }"
    (d,) = validate(deep)
    assert (d.severity, d.code, d.line) == ("warning", "parse", 1) and "incomplete" in d.message


def test_parse_errors_are_warnings_naming_the_line():
    src = _kernel("""
        TPipe pipe;
        int broken = ;  // <- parse
        TBuf<> b;
        pipe.InitBuffer(b, 300 * 1024);  // <- onchip-overflow
        """)
    diags = validate(src, "Ascend910B3")
    parse = [d for d in diags if d.code == "parse"]
    assert [(d.severity, d.line) for d in parse] == [("warning", _marked(src, "parse")[0])]
    assert "could not parse" in parse[0].message and "int broken" in parse[0].message
    assert _found(diags, "onchip-overflow") == _marked(src, "onchip-overflow")  # the rest is still checked


# --------------------------------------------------------------------------------------------------------------
# No false positives: everything ascendpy generates, and the repository's hand-written AscendC.

GENERATED = [
    ("examples.softmax.kernels", SOCS), ("examples.vec_mul.kernels", SOCS), ("examples.event_timing.kernels", SOCS),
    ("tests.kernels.composites", SOCS), ("tests.kernels.arith", SOCS), ("tests.kernels.alltypes", SOCS),
    ("tests.kernels.gm_poke", SOCS), ("tests.kernels.vector_ops", ["Ascend910B3"]),
    ("tests.kernels.vector_ops_310p", ["Ascend310P3"]),
    ("examples.safety.py.01_type_confusion", SOCS), ("examples.safety.py.03_use_after_free", SOCS),
    ("examples.safety.py.04_missing_sync", SOCS), ("examples.safety.py.06_integer_overflow", SOCS),
    ("tests.kernels.cube_matmul", ["Ascend910B3"]),  # bf16 and f32 Mmad: 910B only
    ("tests.kernels.cube_matmul_310p", SOCS), ("tests.kernels.cube_tile", SOCS), ("tests.kernels.array_launch", SOCS),
    ("tests.kernels.views", SOCS),
    ("tests.kernels.mix_matmul", ["Ascend910B3"]),  # 310P has no mix kernels (coupled cores)
    ("examples.matmul.kernels", ["Ascend910B3"]),
    ("ascendpy.ops.kernels.matmul", SOCS), ("ascendpy.ops.kernels.matmul_bf16", ["Ascend910B3"]),
    ("tests.kernels.scan_erf", SOCS), ("examples.cumsum.kernels", SOCS), ("examples.gelu.kernels", SOCS),  # scans, erf
    ("tests.kernels.gather_broadcast", SOCS), ("examples.embedding.kernels", SOCS),  # gather and broadcast
    # strided / 2-D data movement: DataCopyPad forms are 910B only
    ("tests.kernels.dma_rows", ["Ascend910B3"]), ("tests.kernels.dma_rows_310p", SOCS),
    ("examples.depthwise_conv.kernels", ["Ascend910B3"]),
    # types, casts and argmax (issue 13): int64 casts are 910B only
    ("tests.kernels.index_types", ["Ascend910B3"]), ("tests.kernels.index_types_310p", SOCS),
    ("examples.argmax.kernels", SOCS),
    # cross-block work: the hardware SyncAll (std.sync_all()) and i32 / max atomics are 910B only
    ("tests.kernels.cross_block", SOCS), ("tests.kernels.cross_block_910b", ["Ascend910B3"]),
    ("examples.global_sum.kernels", ["Ascend910B3"]), ("examples.global_sum.kernels_310p", SOCS),
    ("examples.maxpool2d.kernels", ["Ascend910B3"]),  # max pooling: padded load_rows (DataCopyPad), 910B only
    ("tests.kernels.cumprod", SOCS),  # cumprod along the last axis (Gather transpose, ReinterpretCast)
]
# ascendpy.ops's kernel modules, all of them: *_bf16 modules are 910B only (310P has no bfloat16_t);
# KERNEL_HELPERS define device helpers and no kernel.
KERNEL_HELPERS = {"ascendpy.ops.kernels.common"}
GENERATED += [(f"ascendpy.ops.kernels.{p.stem}", ["Ascend910B3"] if p.stem.endswith("_bf16") else SOCS)
              for p in sorted((ROOT / "ascendpy" / "ops" / "kernels").glob("*.py"))
              if p.stem != "__init__" and f"ascendpy.ops.kernels.{p.stem}" not in {m for m, _ in GENERATED}
              and f"ascendpy.ops.kernels.{p.stem}" not in KERNEL_HELPERS]


def _module_present(module_name: str) -> bool:
    return (ROOT / (module_name.replace(".", "/") + ".py")).exists()


@pytest.mark.parametrize("module_name,socs", GENERATED, ids=[m for m, _ in GENERATED])
def test_generated_kernels_have_no_findings(module_name, socs):
    from ascendpy.compiler import compile_module

    if not _module_present(module_name):  # pragma: no cover - a kernel module another change brings
        pytest.skip(f"{module_name} is not in this checkout")
    module = importlib.import_module(module_name)
    for soc in socs:
        try:
            cpp = compile_module(module, soc).cpp
        except CompileError as e:  # pragma: no cover - a module that does not compile for this SoC
            pytest.fail(f"{module_name} no longer compiles for {soc}: {e}")
        diags = validate(cpp, soc, source_name=f"{module_name}.cpp")
        assert diags == [], format_diagnostics(diags)


def test_other_compiled_modules_exist():
    """GENERATED lists every kernel module; the ones left out fail to compile on purpose (planted errors)."""
    listed = {m for m, _ in GENERATED}
    found = {f"examples.{p.parent.name}.kernels" for p in (ROOT / "examples").glob("*/kernels.py")}
    for package in ("tests/kernels", "ascendpy/ops/kernels"):
        found |= {f"{package.replace('/', '.')}.{p.stem}" for p in (ROOT / package).glob("*.py")
                  if p.stem != "__init__"}
    assert found - KERNEL_HELPERS <= listed


# Hand-written AscendC: what each file must produce, (code, line) per SoC family. Everything here is a
# bug planted on purpose (see each file's comments), a 910B-only API run against 310P, a run-time size,
# or api_coverage.cpp's compile-only `copies` helper, which copies a tensor in and out with no syncs.
_COVERAGE_RACES = [("unsynced-copy-out", 51), ("unsynced-dma", 52), ("unsynced-copy-out", 55), ("unsynced-dma", 56),
                   ("unsynced-copy-out", 59), ("unsynced-copy-out", 61)]
HAND_WRITTEN = {
    "tests/sim_cpp/add_custom.cpp": ([], []),
    "tests/sim_cpp/api_coverage.cpp": (_COVERAGE_RACES, _COVERAGE_RACES + [
        ("unsupported-api", 58), ("unsupported-api", 59), ("unsupported-api", 60), ("unsupported-api", 61),
        ("unsupported-type", 93)]),
    "tests/faults_cpp/align.cpp": ([("dma-length", 35), ("dma-length", 37)], [("dma-length", 35), ("dma-length", 37)]),
    "tests/faults_cpp/gm_bounds.cpp": ([("size-unknown", 38), ("size-unknown", 56), ("size-unknown", 75)], [
        ("size-unknown", 38), ("size-unknown", 56), ("unsupported-api", 63), ("size-unknown", 75),
        ("unsupported-api", 81), ("unsupported-api", 84)]),
    "tests/faults_cpp/onchip.cpp": ([("onchip-overflow", 12), ("onchip-overflow", 25), ("onchip-overflow", 33)],
                                    [("onchip-overflow", 25)]),
    "tests/faults_cpp/per_soc.cpp": ([("size-unknown", 14), ("size-unknown", 15)], [
        ("size-unknown", 14), ("size-unknown", 15), ("unsupported-api", 46), ("unsupported-api", 49)]),
    "tests/faults_cpp/queue.cpp": ([], []),
    "tests/faults_cpp/view_bounds.cpp": ([("size-unknown", 25), ("size-unknown", 40)],
                                         [("size-unknown", 25), ("size-unknown", 40)]),
    "examples/safety/cpp/01_type_confusion.cpp": ([("size-unknown", 19), ("size-unknown", 20), ("size-unknown", 21)],
                                                  [("size-unknown", 19), ("size-unknown", 20), ("size-unknown", 21)]),
    "examples/safety/cpp/02_buffer_overflow.cpp": ([], []),
    "examples/safety/cpp/03_use_after_free.cpp": ([], []),
    "examples/safety/cpp/04_missing_sync.cpp": (
        [("unsynced-dma", 29), ("unsynced-dma", 29), ("unsynced-copy-out", 31)],
        [("unsynced-dma", 29), ("unsynced-dma", 29), ("unsynced-copy-out", 31)]),
    "examples/safety/cpp/05_double_free.cpp": ([], []),
    "examples/safety/cpp/06_integer_overflow.cpp": ([], [("unsupported-api", 27)]),
    "tests/faults_cpp/scan_erf.cpp": ([("unsynced-dma", 103)], [("unsynced-dma", 103)]),  # scans, erf: erf_race
}


@pytest.mark.parametrize("path", sorted(HAND_WRITTEN))
def test_hand_written_kernels(path):
    src = (ROOT / path).read_text()
    for soc, expected in zip(SOCS, HAND_WRITTEN[path]):
        diags = validate(src, soc, source_name=path)
        assert sorted((d.code, d.line) for d in diags) == sorted(expected), (soc, format_diagnostics(diags))
        for d in diags:
            want = "warning" if d.code == "size-unknown" or (d.code in SYNC_CODES and soc == "Ascend910B3") \
                else "error"
            assert d.severity == want, str(d)


def test_every_hand_written_kernel_is_listed():
    files = {str(p.relative_to(ROOT)) for pattern in ("tests/sim_cpp/*.cpp", "tests/faults_cpp/*.cpp",
                                                       "examples/**/*.cpp") for p in ROOT.glob(pattern)}
    assert files - {"tests/sim_cpp/test_header.cpp"} == set(HAND_WRITTEN)  # test_header.cpp is a host program


# --------------------------------------------------------------------------------------------------------------
# 7. The cube unit and mix kernels (tests/validate_cube: check.sh-clean AscendC for the SoCs each file's tag names)

CUBE = ROOT / "tests" / "validate_cube"


def _at(src: str, needle: str) -> list[int]:
    """The lines of `src` that contain `needle`."""
    return [i for i, line in enumerate(src.splitlines(), 1) if needle in line]


def _cube(name: str) -> str:
    return (CUBE / name).read_text()


# What each fixture must produce per SoC: (code, the text of the line it names). Everything listed is an API
# the SoC lacks in CANN 8.1; each file is clean on the SoCs of its `// ascendc-check:` tag.
_MIX_310P = [("unsupported-api", "Fixpipe(wGm, c1, fix);"), ("unsupported-api", "CrossCoreSetFlag<2, PIPE_FIX>(0);"),
             ("unsupported-api", "CrossCoreWaitFlag(0);"), ("unsupported-api", "KERNEL_TYPE_MIX_AIC_1_2")]
CUBE_FIXTURES = {
    "matmul_flags.cpp": ([], [("unsupported-api", "Fixpipe(cGm, c1, fix);")]),
    "matmul_queues.cpp": ([], [("unsupported-api", "Fixpipe(cGm, c1, fix);")]),
    "matmul_310p.cpp": ([("unsupported-api", "DataCopy(c2, c1, block, matrix);")], []),
    "mix_matmul_relu.cpp": ([], _MIX_310P),
}


@pytest.mark.parametrize("name", sorted(CUBE_FIXTURES))
def test_cube_fixtures(name):
    src = _cube(name)
    claimed = src.rstrip().splitlines()[-1].split("ascendc-check:")[1].split()
    for soc, expected in zip(SOCS, CUBE_FIXTURES[name]):
        diags = validate(src, soc, source_name=name)
        want = sorted((code, line) for code, needle in expected for line in _at(src, needle))
        assert len(want) == len(expected), f"{name}: a needle is not on exactly one line"
        assert sorted((d.code, d.line) for d in diags) == want, (soc, format_diagnostics(diags))
        assert all(d.severity == "error" for d in diags)
        assert (expected == []) == (get_target(soc).family in claimed)  # clean exactly where the tag says
        assert validate(src, soc, source_name=name, auto_sync=False) == diags  # nothing hides behind auto-sync


def test_every_cube_fixture_is_listed():
    assert {p.name for p in CUBE.glob("*.cpp")} == set(CUBE_FIXTURES)


def _drop(src: str, text: str) -> str:
    assert src.count(text) == 1, text
    return src.replace(text, "")


_W = "WaitFlag<HardEvent::{}>(EVENT_ID0);\n"


# (fixture, edit, the lines the finding names, code, the HardEvent its hint names)
CUBE_RACES = [
    ("matmul_flags.cpp", lambda s: _drop(s, "        " + _W.format("MTE2_MTE1")),
     ["LoadData(a2, a1, load);", "LoadData(b2, b1, load);"], "unsynced-cube", "MTE2_MTE1"),
    ("matmul_flags.cpp", lambda s: s.replace(_W.format("MTE2_MTE1"), _W.format("MTE2_MTE1").replace("0)", "1)")),
     ["LoadData(a2, a1, load);", "LoadData(b2, b1, load);"], "unsynced-cube", "MTE2_MTE1"),  # another event id
    ("matmul_flags.cpp", lambda s: s.replace("MTE2_MTE1", "MTE2_V"),  # the vector core's event
     ["LoadData(a2, a1, load);", "LoadData(b2, b1, load);"], "unsynced-cube", "MTE2_MTE1"),
    ("matmul_flags.cpp", lambda s: _drop(s, "        " + _W.format("MTE1_M")),
     ["Mmad(c1, a2, b2, mmad);", "Mmad(c1, a2, b2, mmad);"], "unsynced-cube", "MTE1_M"),  # both operands
    ("matmul_flags.cpp", lambda s: _drop(s, "        " + _W.format("M_FIX")),
     ["Fixpipe(cGm, c1, fix);"], "unsynced-cube", "M_FIX"),
    ("matmul_flags.cpp", lambda s: s.replace("        DataCopy(b1, bGm, nd2nz);\n", "").replace(
        "        LoadData(a2, a1, load);\n", "        LoadData(a2, a1, load);\n        DataCopy(b1, bGm, nd2nz);\n"),
     ["LoadData(b2, b1, load);"], "unsynced-cube", "MTE2_MTE1"),  # the flag came before this DMA
    ("matmul_queues.cpp", lambda s: s.replace("        inA1.EnQue(a1);\n        inB1.EnQue(b1);\n", "").replace(
        "        LocalTensor<half> b1 = inB1.AllocTensor<half>();\n",
        "        LocalTensor<half> b1 = inB1.AllocTensor<half>();\n        inA1.EnQue(a1);\n        inB1.EnQue(b1);\n"),
     ["LoadData(a2[i * 16 * K_STEP], a1[i * 16 * 16], la);", "LoadData(b2, b1, lb);"], "unsynced-cube",
     "MTE2_MTE1"),  # EnQue before the DMA covers nothing
    ("matmul_queues.cpp", lambda s: s.replace("        outCO1.EnQue(c1);\n        CopyOut();\n",
                                              "        FixpipeParamsV220 fix(N, M, M, N, false);\n"
                                              "        Fixpipe(cGm, c1, fix);  // without the CO1 queue\n"),
     ["Fixpipe(cGm, c1, fix);  // without"], "unsynced-cube", "M_FIX"),
    ("matmul_310p.cpp", lambda s: _drop(s, "    " + _W.format("M_V")),
     ["DataCopy(c2, c1, block, matrix);"], "unsynced-cube", "M_V"),
    ("matmul_310p.cpp", lambda s: _drop(s, "    " + _W.format("V_MTE3")),
     ["DataCopy(cGm, c2, M * N);"], "unsynced-copy-out", "V_MTE3"),
    ("mix_matmul_relu.cpp", lambda s: _drop(s, "    " + _W.format("M_FIX")),
     ["Fixpipe(wGm, c1, fix);"], "unsynced-cube", "M_FIX"),
]


@pytest.mark.parametrize("name,edit,needles,code,event", CUBE_RACES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CUBE_RACES)])
def test_cube_pipe_races(name, edit, needles, code, event):
    src = edit(_cube(name))
    soc = "Ascend310P3" if "310p" in name else "Ascend910B3"
    lines = sorted(line for n in needles for line in _at(src, n))
    for auto_sync, severity in ((True, "warning" if soc == "Ascend910B3" else "error"), (False, "error")):
        diags = [d for d in validate(src, soc, auto_sync=auto_sync) if d.code != "unsupported-api"]
        assert sorted(d.line for d in diags) == lines, format_diagnostics(diags)
        assert {(d.code, d.severity) for d in diags} == {(code, severity)}
        assert all(f"HardEvent::{event}>" in d.hint for d in diags), diags[0].hint
    d = diags[0]
    assert "kernel '" in d.message and "pipe" in d.message and f"nothing orders {event.replace('_', ' before ')}" \
        in d.message


def test_cube_race_messages_name_both_instructions():
    src = _drop(_cube("matmul_flags.cpp"), "        " + _W.format("M_FIX"))
    (d,) = validate(src, "Ascend910B3", auto_sync=False)
    mmad = _at(src, "Mmad(c1, a2, b2, mmad);")[0]
    assert d.message.startswith("Fixpipe (FIX (L0C->GM/L1) pipe) reads `c1` while the Mmad into `c1` at "
                                f"line {mmad} (cube (M) pipe) may still be writing it")
    assert "TQue<TPosition::CO1>" in d.hint and "EnQue after the Mmad, DeQue before the Fixpipe" in d.hint
    assert "auto-sync is off" in d.hint


@pytest.mark.parametrize("sync", [
    "PipeBarrier<PIPE_ALL>();",
    "TQueSync<PIPE_MTE2, PIPE_MTE1> s;\n        s.SetFlag(0);\n        s.WaitFlag(0);",
    "event_t e = static_cast<event_t>(GetTPipePtr()->FetchEventID(HardEvent::MTE2_MTE1));\n"
    "        SetFlag<HardEvent::MTE2_MTE1>(e);\n        WaitFlag<HardEvent::MTE2_MTE1>(e);",
    "pipe_barrier(PIPE_ALL);",
])
def test_orderings_that_satisfy_mte2_mte1(sync):
    flags = "        SetFlag<HardEvent::MTE2_MTE1>(EVENT_ID0);\n        " + _W.format("MTE2_MTE1")
    src = _cube("matmul_flags.cpp").replace(flags, "        " + sync + "\n")
    assert src != _cube("matmul_flags.cpp")
    assert validate(src, "Ascend910B3", auto_sync=False) == []


def test_flags_set_and_waited_in_different_methods():
    # The mmad sample's style: CopyIn sets MTE2_MTE1, SplitA waits for it; Compute waits MTE1_M, CopyOut M_FIX.
    src = _cube("matmul_flags.cpp")
    split = src.replace("        " + _W.format("MTE2_MTE1"), "").replace(
        "        LoadData2DParams load;\n", "        Wait();\n        LoadData2DParams load;\n").replace(
        "private:\n", "    __aicore__ inline void Wait() { " + _W.format("MTE2_MTE1").strip() + " }\n\nprivate:\n")
    assert validate(split, "Ascend910B3", auto_sync=False) == []
    early = split.replace("        Wait();\n        LoadData2DParams load;\n", "        LoadData2DParams load;\n")
    assert _found(validate(early, "Ascend910B3", auto_sync=False), "unsynced-cube") == \
        _at(early, "LoadData(a2, a1, load);") + _at(early, "LoadData(b2, b1, load);")


@pytest.mark.parametrize("edit,needle,message", [
    (("LoadData(b2, b1, load);", "LoadData(b2[100], b1, load);"), "b2[100]",
     "`b2[100]`, which starts 200 bytes into its L0B buffer: L0B operands must start on 512-byte boundaries"),
    (("LoadData(a2, a1, load);", "LoadData(a2, a1[8], load);"), "a1[8]",
     "`a1[8]`, which starts 16 bytes into its L1 buffer: L1 operands must start on 32-byte boundaries"),
    (("Mmad(c1, a2, b2, mmad);", "Mmad(c1[8], a2, b2, mmad);"), "c1[8]",
     "`c1[8]`, which starts 32 bytes into its L0C buffer: L0C operands must start on 64-byte boundaries"),
    (("Fixpipe(cGm, c1, fix);", "Fixpipe(cGm, c1[24], fix);"), "c1[24]", "96 bytes into its L0C buffer"),
    (("Mmad(c1, a2, b2, mmad);", "Mmad(c1, a2[M * 8], b2, mmad);"), "a2[M * 8]", "256 bytes into its L0A buffer"),
])
def test_misaligned_cube_views(edit, needle, message):
    src = _cube("matmul_flags.cpp").replace(*edit)
    diags = validate(src, "Ascend910B3")
    assert [(d.severity, d.code, d.line) for d in diags] == [("error", "misaligned-cube", _at(src, needle)[0])]
    assert message in diags[0].message
    # Whole fractals are fine: 256 half (512 bytes) into L0B, 16 floats (64 bytes) into L0C, 16 half into L1.
    ok = _cube("matmul_flags.cpp").replace("LoadData(b2, b1, load);", "LoadData(b2[256], b1, load);").replace(
        "Mmad(c1, a2, b2, mmad);", "Mmad(c1[16], a2, b2, mmad);").replace("LoadData(a2, a1, load);",
                                                                         "LoadData(a2, a1[16], load);")
    assert validate(ok, "Ascend910B3") == []


def test_l0_buffers_packed_out_of_alignment():
    # TPipe packs buffers back to back, rounding lengths to 32 bytes only: after a 200-byte A2 buffer the next
    # starts at byte 224; the second of two 1056-byte L0C buffers at byte 1056 (not a multiple of 64).
    src = _cube("matmul_flags.cpp").replace(
        "TBuf<TPosition::A2> a2Buf;", "TBuf<TPosition::A2> a2Buf, odd;\n    TQue<TPosition::CO1, 2> accQ;").replace(
        "        pipe.InitBuffer(a2Buf, M * K * sizeof(half));\n",
        "        pipe.InitBuffer(odd, 100 * sizeof(half));\n        pipe.InitBuffer(a2Buf, M * K * sizeof(half));\n"
        "        pipe.InitBuffer(accQ, 2, 33 * 32);\n")
    diags = validate(src, "Ascend910B3")
    assert [(d.code, d.line) for d in diags] == [("misaligned-cube", _at(src, "InitBuffer(a2Buf")[0]),
                                                 ("misaligned-cube", _at(src, "InitBuffer(accQ")[0])]
    assert "`a2Buf` at byte 224 of L0A" in diags[0].message and "512-byte" in diags[0].message
    assert "buffer 1 of `accQ` at byte 1056 of L0C" in diags[1].message and "64-byte" in diags[1].message


@pytest.mark.parametrize("buf,size,mem,fits_310p", [
    ("co1Buf", "200 * 1024", "L0C", True),  # 128 KiB on 910B, 256 KiB on 310P
    ("a2Buf", "64 * 1024 + 512", "L0A", False),
    ("b2Buf", "80 * 1024", "L0B", False),
    ("a1Buf", "600 * 1024", "L1", True),  # 512 KiB on 910B, 1 MiB on 310P
])
def test_cube_memory_budgets(buf, size, mem, fits_310p):
    src = re.sub(rf"pipe\.InitBuffer\({buf}, [^;]*\);", f"pipe.InitBuffer({buf}, {size});", _cube("matmul_flags.cpp"))
    line = _at(src, f"InitBuffer({buf}, {size})")[0]
    for soc in SOCS:
        found = [d for d in validate(src, soc) if d.code == "onchip-overflow"]
        if soc == "Ascend310P3" and fits_310p:
            assert found == []
            continue
        (d,) = found
        assert (d.severity, d.line) == ("error", line)
        assert d.message.startswith(f"{mem} overflow on {soc}: ") and f"bytes of {mem}" in d.message
        assert f"{buf} (line {line})" in d.message


def test_fixpipe_on_310p_names_the_ub_route():
    src = _cube("matmul_flags.cpp")
    (d,) = validate(src, "Ascend310P3")
    assert (d.code, d.line) == ("unsupported-api", _at(src, "Fixpipe(cGm")[0])
    assert "Fixpipe is not available on Ascend310P3" in d.message
    for name in ("DataCopy(co2Local, co1Local, DataCopyParams", "DataCopyEnhancedParams", "BLOCK_MODE_MATRIX",
                 "TPosition::CO2", "HardEvent::M_V", "HardEvent::V_MTE3", "#if __CCE_AICORE__ == 220"):
        assert name in d.hint, name
    guarded = src.replace("        Fixpipe(cGm, c1, fix);\n",
                          "#if __CCE_AICORE__ == 220\n        Fixpipe(cGm, c1, fix);\n#endif\n")
    assert validate(guarded, "Ascend310P3") == [] and validate(guarded, "Ascend910B3") == []


def test_l0c_to_ub_on_910b_names_fixpipe():
    src = _cube("matmul_310p.cpp")
    (d,) = validate(src, "Ascend910B3")
    assert "DataCopy from CO1 (L0C) to `c2`" in d.message and "Ascend910B3" in d.message
    assert "Fixpipe(gm, co1Local, FixpipeParamsV220" in d.hint


@pytest.mark.parametrize("types,soc,ok", [
    (("float", "bfloat16_t"), "Ascend910B3", True),
    (("float", "bfloat16_t"), "Ascend310P3", False),
    (("float", "float"), "Ascend910B3", True),
    (("float", "float"), "Ascend310P3", False),
    (("half", "half"), "Ascend310P3", True),
    (("half", "half"), "Ascend910B3", False),  # 910B's cube accumulates half in float only
    (("int32_t", "int8_t"), "Ascend910B3", True),
    (("int32_t", "uint8_t"), "Ascend910B3", False),
])
def test_mmad_element_types_per_soc(types, soc, ok):
    dst, src_t = types
    src = _cube("matmul_310p.cpp").replace("LocalTensor<float> c1 = co1Buf.Get<float>();",
                                           f"LocalTensor<{dst}> c1 = co1Buf.Get<{dst}>();")
    src = src.replace("LocalTensor<half>", f"LocalTensor<{src_t}>").replace(".Get<half>()", f".Get<{src_t}>()")
    src = src.replace("GlobalTensor<half>", f"GlobalTensor<{src_t}>")
    mmad = [d for d in validate(src, soc) if d.code == "unsupported-type" and "Mmad" in d.message]
    if ok:
        assert mmad == []
        return
    (d,) = mmad
    assert (d.severity, d.line) == ("error", _at(src, "Mmad(c1, a2, b2, mmad);")[0])
    assert f"Mmad with dst {dst}, fm {src_t}, filter {src_t} is not available on {soc}" in d.message
    if src_t == "bfloat16_t":  # the type itself is reported too, at its first use
        assert _found(validate(src, soc), "unsupported-type")[0] < d.line


def test_310p_lacks_bias_mmad_and_transposing_loads():
    src = _cube("matmul_310p.cpp").replace(
        "    Mmad(c1, a2, b2, mmad);\n",
        "    TBuf<TPosition::C2> biasBuf;\n    pipe.InitBuffer(biasBuf, N * sizeof(float));\n"
        "    LocalTensor<float> bias = biasBuf.Get<float>();\n    Mmad(c1, a2, b2, bias, mmad);\n").replace(
        "    LoadData(b2, b1, load);\n",
        "    LoadData2dTransposeParams tr;\n    tr.repeatTimes = 1;\n    LoadDataWithTranspose(b2, b1, tr);\n")
    diags = [d for d in validate(src, "Ascend310P3") if d.code != "size-unknown"]  # C2 is not budgeted
    assert sorted((d.code, d.line) for d in diags) == [
        ("unsupported-api", _at(src, "LoadDataWithTranspose(b2")[0]), ("unsupported-api", _at(src, "Mmad(c1")[0])]
    assert any("bias tensor" in d.message for d in diags) and any("LoadDataWithTranspose" in d.message for d in diags)


@pytest.mark.parametrize("snippet,soc,needle", [
    ("KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIC_1_1);", "Ascend310P3", "KERNEL_TYPE_MIX_AIC_1_1 is not a kernel"),
    ("KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);", "Ascend310P3", "310P AI Cores are coupled"),
    ("CrossCoreSetFlag<2, PIPE_FIX>(3);", "Ascend310P3", "CrossCoreSetFlag is not available on Ascend310P3"),
    ("CrossCoreWaitFlag<2, PIPE_FIX>(3);", "Ascend310P3", "CrossCoreWaitFlag is not available"),
    ("SyncAll();", "Ascend310P3", "the hardware SyncAll() is not available on Ascend310P3"),
    ("KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AICORE);", "Ascend910B3", "KERNEL_TYPE_AICORE is not a kernel type of"),
    ("KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_VECTOR_CORE);", "Ascend910B3", "KERNEL_TYPE_MIX_VECTOR_CORE is not"),
    ("LoadData2DParamsV2 p;", "Ascend910B3", "LoadData2DParamsV2 is not available on Ascend910B3"),
    ("LoadData2DParamsV2 p;", "Ascend310P3", "LoadData2DParamsV2 is not available on Ascend310P3"),
])
def test_kernel_types_and_cross_core_sync_per_soc(snippet, soc, needle):
    src = _kernel(snippet + "  // <- here\n")
    (d,) = validate(src, soc)
    assert (d.severity, d.code, d.line) == ("error", "unsupported-api", _marked(src, "here")[0])
    assert needle in d.message
    other = "Ascend910B3" if soc == "Ascend310P3" else "Ascend310P3"
    if "V2" not in snippet:
        assert validate(src, other) == []


def test_kernel_types_each_soc_keeps():
    for soc, types in (("Ascend910B3", ["AIV_ONLY", "AIC_ONLY", "MIX_AIV_1_0", "MIX_AIC_1_0", "MIX_AIC_1_1",
                                         "MIX_AIC_1_2"]), ("Ascend310P3", ["AICORE", "MIX_VECTOR_CORE"])):
        for t in types:
            assert validate(_kernel(f"KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_{t});\n"), soc) == [], (soc, t)
    # Single-unit types on 310P's coupled core: kernels written for both families use them; not flagged.
    assert validate(_kernel("KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_AIV_ONLY);\n"), "Ascend310P3") == []
    assert validate(_kernel("SyncAll(gm, ub, 8);\n"), "Ascend310P3") == []  # the software barrier exists


def test_mix_qualifier_on_310p():
    src = 'extern "C" __global__ __mix__(1, 2) __aicore__ void m(GM_ADDR x)\n{\n}\n'
    assert validate(src, "Ascend910B3") == []
    (d,) = validate(src, "Ascend310P3")
    assert (d.code, d.line) == ("unsupported-api", 1)
    assert "`__mix__(1, 2)` asks for a mix kernel" in d.message and "Ascend310P3" in d.message
    assert "KERNEL_TYPE_AICORE" in d.hint and "DataCopy(co2, co1, DataCopyParams, DataCopyEnhancedParams)" in d.hint


def test_cube_kernels_through_ascend_compile(capsys, tmp_path):
    from ascendpy.toolchain.cli import main as cli_main

    flags = CUBE / "matmul_flags.cpp"
    assert cli_main([str(flags), "--soc", "910B", "--validate-only"]) == 0
    assert "ok: no issues found" in capsys.readouterr().out
    assert cli_main([str(flags), "--soc", "310P", "--validate-only", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    found = [(d["code"], d["line"]) for d in out["diagnostics"]]
    assert found == [("unsupported-api", _at(flags.read_text(), "Fixpipe(cGm")[0])]
    assert cli_main([str(CUBE / "mix_matmul_relu.cpp"), "--soc", "910B", "--validate-only", "--no-auto-sync"]) == 0
    capsys.readouterr()
    # An NPU build for 310P stops before bisheng (none is needed to see it), naming every finding.
    assert cli_main([str(CUBE / "mix_matmul_relu.cpp"), "--soc", "310P", "-o", str(tmp_path / "k.o")]) == 1
    err = capsys.readouterr().err
    assert err.count("[unsupported-api]") == len(_MIX_310P) and "nothing was compiled" in err
    assert not (tmp_path / "k.o").exists()


def test_generated_cube_kernel_race_names_the_python_line():
    """ascendpy's cube kernels order M before FIX with a HardEvent::M_FIX flag; without it the Fixpipe is
    reported at the Python line of the kernel (through #line), once per kernel."""
    if not _module_present("tests.kernels.cube_matmul"):  # pragma: no cover
        pytest.skip("tests/kernels/cube_matmul.py is not in this checkout")
    from ascendpy.compiler import compile_module

    mod = importlib.import_module("tests.kernels.cube_matmul")
    cpp = compile_module(mod, "Ascend910B3").cpp
    bad = "\n".join(line for line in cpp.split("\n") if "HardEvent::M_FIX" not in line)
    assert bad != cpp
    diags = validate(bad, "Ascend910B3", source_name="cube_matmul.cpp", auto_sync=False)
    assert diags and {d.code for d in diags} == {"unsynced-cube"}
    assert all(d.filename == mod.__file__ and d.mapped_line is not None for d in diags)
    assert all("Fixpipe" in d.message and "HardEvent::M_FIX" in d.hint for d in diags)
    assert len({d.message.split("(kernel ")[1] for d in diags}) == len(diags)  # one per kernel
