"""mlir_to_cpp: the typed MLIR module → AscendC C++ text.

Conventions of the emitted code:
- every integer SSA value is held in the unsigned C++ type of its width, so
  + - * wrap exactly like the device (and never hit C++ signed-overflow UB);
  ops whose result depends on the sign reinterpret their operands as signed;
- locals keep their Python names and declared types; GM pointers are
  `GM_ADDR` parameters viewed through `AscendC::GlobalTensor<T>`;
- `#line N "kernel.py"` precedes the statements of each Python line, so
  compiler errors and simulator faults point at the user's source.
Only documented AscendC API is used (reference/ascend-apis.md).
"""

from __future__ import annotations

import math as pymath
from dataclasses import dataclass, field

from xdsl.dialects import arith, func, math, memref, scf
from xdsl.dialects.builtin import (
    BFloat16Type,
    FileLineColLoc,
    Float16Type,
    Float32Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue

from ascendpy.compiler import crossblock, cubeops
from ascendpy.compiler import dialect as asc
from ascendpy.compiler.passes import QUEUE_DEPTH, fixpipe_staging_bytes
from ascendpy.errors import CompileError
from ascendpy.std.intrinsics import GatherPattern
from ascendpy.std.types import ELEMENT_TYPES, SCALAR_TYPES

_GATHER_CPP = ("Gather", "GatherMask", "Brcb", "Broadcast")  # gather and broadcast (issue 13): gather_call

_DTYPE_OF_CPP = {t.cpp: t.name for t in ELEMENT_TYPES.values()}

CPP_KEYWORDS = frozenset(
    "alignas alignof and asm auto bool break case catch char class const constexpr const_cast continue "
    "decltype default delete do double dynamic_cast else enum explicit export extern false float for friend "
    "goto if inline int long mutable namespace new noexcept not nullptr operator or private protected public "
    "register reinterpret_cast return short signed sizeof static static_assert static_cast struct switch "
    "template this thread_local throw true try typedef typeid typename union unsigned using virtual void "
    "volatile wchar_t while xor half AscendC GM_ADDR "
    # C++20 keywords, alternative tokens, and the type names the generated code itself writes:
    "char8_t char16_t char32_t concept consteval constinit co_await co_return co_yield requires "
    "and_eq bitand bitor compl not_eq or_eq xor_eq "
    "int8_t uint8_t int16_t uint16_t int32_t uint32_t int64_t uint64_t size_t bfloat16_t std".split()
)

# ---- scans and erf: std.cumsum's CumSumConfig {isLastAxis, isReuseSource, outputLastRow} (lib/math/cumsum_utils.h)
_SCAN_CONFIGS = {
    f"apy_cumsum_{axis}{row}": f"constexpr AscendC::CumSumConfig apy_cumsum_{axis}{row} = "
                               f"{{{'true' if axis == 'last' else 'false'}, false, {'true' if row else 'false'}}};\n"
    for axis in ("last", "first") for row in ("", "_row")
}

_HELPERS: dict[str, str] = {
    "bits": """\
// The bits of a value as the unsigned integer of its size: ReduceMax / ReduceMin with calIndex store the index
// so in an element of the value's type (reinterpret_cast, as CANN's ReduceMax page reads it).
template <typename U, typename T>
__aicore__ inline U apy_bits(T x)
{
    return *reinterpret_cast<U*>(&x);
}
""",
    "check": """\
// Integer division by zero has no defined result on the device; the simulator reports it.
template <typename T>
__aicore__ inline T apy_check_divisor(T b, const char* file, int line)
{
#ifdef __ASCENDPY_SIM__
    if (b == 0) {
        ascendpy_sim::KernelFault f("division_by_zero", "integer division or modulo by zero");
        f.file = file;
        f.line = line;
        throw f;
    }
#else
    (void)file;
    (void)line;
#endif
    return b;
}
""",
    "floordiv": """\
// Python's // on signed integers rounds toward negative infinity; MIN // -1 wraps to MIN.
template <typename S>
__aicore__ inline S apy_floordiv(S a, S b)
{
    if (b == -1) return static_cast<S>(0 - static_cast<typename std::make_unsigned<S>::type>(a));
    S q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q = q - 1;
    return q;
}
""",
    "rem": """\
// C's % on signed integers (truncating); MIN % -1 is 0 instead of a trap.
template <typename S>
__aicore__ inline S apy_rem(S a, S b)
{
    return b == -1 ? S(0) : static_cast<S>(a % b);
}
""",
    "shift": """\
// Shifts by the type's width or more give 0 (or the sign for >> on signed values).
template <typename U>
__aicore__ inline U apy_shl(U a, U b)
{
    return b >= sizeof(U) * 8 ? U(0) : static_cast<U>(a << b);
}
template <typename S, typename U>
__aicore__ inline U apy_shr(U a, U b)
{
    if (b >= sizeof(U) * 8) b = sizeof(U) * 8 - 1;
    return static_cast<U>(static_cast<S>(a) >> b);
}
template <typename U>
__aicore__ inline U apy_shru(U a, U b)
{
    return b >= sizeof(U) * 8 ? U(0) : static_cast<U>(a >> b);
}
""",
    "f2i": """\
// float -> integer conversion truncates toward zero and saturates; NaN gives 0.
template <typename I>
__aicore__ inline I apy_f2i(float x)
{
    if (x != x) return I(0);
    if (x <= static_cast<float>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
    if (x >= static_cast<float>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
    return static_cast<I>(x);
}
""",
    "trip": """\
// Iterations of range(lb, ub, step), computed without overflow.
template <typename S, typename U>
__aicore__ inline uint64_t apy_trip_count(S lb, S ub, S step)
{
    if (step > 0) {
        return lb < ub ? (static_cast<uint64_t>(static_cast<U>(ub) - static_cast<U>(lb)) - 1) /
                             static_cast<uint64_t>(step) + 1 : 0;
    }
    const uint64_t down = static_cast<uint64_t>(0) - static_cast<uint64_t>(static_cast<int64_t>(step));
    return ub < lb ? (static_cast<uint64_t>(static_cast<U>(lb) - static_cast<U>(ub)) - 1) / down + 1 : 0;
}
""",
    "flag": """\
// The destination pipe of event E waits until the source pipe has finished everything issued so far.
template <AscendC::HardEvent E>
__aicore__ inline void apy_flag()
{
    AscendC::TEventID id = GetTPipePtr()->FetchEventID(E);
    AscendC::SetFlag<E>(id);
    AscendC::WaitFlag<E>(id);
}
""",
    "copy": """\
// GM <-> UB copies of any element count. DataCopy moves whole 32-byte blocks. A count that
// does not fill whole blocks goes through DataCopyPad on 910B; 310P has no DataCopyPad, so
// there the whole blocks go by DMA and the tail element by element on the scalar unit,
// ordered against the vector and DMA pipes by flags. Nothing outside [0, count) is touched.
template <typename T>
__aicore__ inline void apy_copy_in(AscendC::LocalTensor<T> dst, AscendC::GlobalTensor<T> src, uint32_t count)
{
    constexpr uint32_t per_block = 32 / sizeof(T);
    if (count % per_block == 0) {
        if (count > 0) AscendC::DataCopy(dst, src, count);
        return;
    }
#if __CCE_AICORE__ == 200
    const uint32_t head = count - count % per_block;
    if (head > 0) AscendC::DataCopy(dst, src, head);
    apy_flag<AscendC::HardEvent::V_S>();
    apy_flag<AscendC::HardEvent::MTE3_S>();
    for (uint32_t i = head; i < count; ++i) dst.SetValue(i, src.GetValue(i));
    apy_flag<AscendC::HardEvent::S_V>();
    apy_flag<AscendC::HardEvent::S_MTE3>();
#else
    AscendC::DataCopyExtParams params(1, count * static_cast<uint32_t>(sizeof(T)), 0, 0, 0);
    AscendC::DataCopyPadExtParams<T> pad(false, 0, 0, T(0));
    AscendC::DataCopyPad(dst, src, params, pad);
#endif
}

template <typename T>
__aicore__ inline void apy_copy_out(AscendC::GlobalTensor<T> dst, AscendC::LocalTensor<T> src, uint32_t count)
{
    constexpr uint32_t per_block = 32 / sizeof(T);
    if (count % per_block == 0) {
        if (count > 0) AscendC::DataCopy(dst, src, count);
        return;
    }
#if __CCE_AICORE__ == 200
    const uint32_t head = count - count % per_block;
    if (head > 0) AscendC::DataCopy(dst, src, head);
    apy_flag<AscendC::HardEvent::V_S>();
    apy_flag<AscendC::HardEvent::MTE2_S>();
    for (uint32_t i = head; i < count; ++i) dst.SetValue(i, src.GetValue(i));
    apy_flag<AscendC::HardEvent::S_MTE2>();
#else
    AscendC::DataCopyExtParams params(1, count * static_cast<uint32_t>(sizeof(T)), 0, 0, 0);
    AscendC::DataCopyPad(dst, src, params);
#endif
}
""",
    "scalar_math": "// Scalar exp/ln/sqrt: A2/A3 and 310P have no scalar float math, so the value makes a\n"
                   "// round trip through a 32-byte UB scratch tensor and one vector instruction.\n"
    + "".join(
        f"""template <typename T>
__aicore__ inline T apy_{name}(AscendC::TBuf<AscendC::TPosition::VECCALC>& buf, T x)
{{
    AscendC::LocalTensor<T> t = buf.Get<T>();
    t.SetValue(0, x);
    apy_flag<AscendC::HardEvent::S_V>();
    AscendC::{op}(t, t, 1);
    apy_flag<AscendC::HardEvent::V_S>();
    return t.GetValue(0);
}}
"""
        for name, op in (("exp", "Exp"), ("ln", "Ln"), ("sqrt", "Sqrt"))
    ),
}


_CUBE_HELPERS: dict[str, str] = {
    "mmad_check": """\
// Mmad reads L0A as ceil(k / C0) fractals per 16-row block and L0B as ceil(n / 16) fractals per k block
// of C0 rows: the tiles must have been loaded (std.load_l0a / load_l0b) for this Mmad's sizes, or it
// computes another product. The simulator checks it; on the NPU this is nothing.
__aicore__ inline void apy_check_mmad(uint32_t am, uint32_t ak, uint32_t bk, uint32_t bn, uint32_t m, uint32_t n,
                                      uint32_t k, uint32_t c0, const char* a, const char* b, const char* file,
                                      int line)
{
#ifdef __ASCENDPY_SIM__
    const uint32_t kf = (k + c0 - 1) / c0, mb = (m + 15) / 16, nb = (n + 15) / 16;
    const uint32_t akf = (ak + c0 - 1) / c0, amb = (am + 15) / 16, bkf = (bk + c0 - 1) / c0, bnb = (bn + 15) / 16;
    const std::string sizes = "std.mmad(m=" + std::to_string(m) + ", n=" + std::to_string(n) + ", k=" +
                              std::to_string(k) + ")";
    std::string what;
    if (amb < mb || akf < kf || (mb > 1 && akf != kf)) {
        what = sizes + " reads L0A tile '" + a + "' as " + std::to_string(kf) + " fractal(s) per 16-row block, but "
               "it was loaded for m=" + std::to_string(am) + ", k=" + std::to_string(ak) + " (" + std::to_string(akf) +
               "): pass this Mmad's sizes to std.load_l0a(dst, src, row0, col0, m, k)";
    } else if (bkf < kf || bnb < nb || (kf > 1 && bnb != nb)) {
        what = sizes + " reads L0B tile '" + b + "' as " + std::to_string(nb) + " fractal(s) per k block, but it "
               "was loaded for k=" + std::to_string(bk) + ", n=" + std::to_string(bn) + " (" + std::to_string(bnb) +
               "): pass this Mmad's sizes to std.load_l0b / load_l0b_trans(dst, src, row0, col0, k, n)";
    }
    if (!what.empty()) {
        ascendpy_sim::KernelFault f("invalid_argument", what);
        f.file = file;
        f.line = line;
        throw f;
    }
#else
    (void)am; (void)ak; (void)bk; (void)bn; (void)m; (void)n; (void)k; (void)c0; (void)a; (void)b; (void)file;
    (void)line;
#endif
}
""",
    "load_l0a": """\
// L1 tile (NZ, srcRows rows) window at (row0, col0) -> L0A, Zz for Mmad with these m and k: one
// LoadData per 16-row block, each ceil(k / C0) fractals (mmad.asc SplitA).
template <typename T>
__aicore__ inline void apy_load_l0a(AscendC::LocalTensor<T> dst, AscendC::LocalTensor<T> src, uint32_t srcRows,
                                    uint32_t row0, uint32_t col0, uint32_t m, uint32_t k)
{
    constexpr uint32_t c0 = 32 / sizeof(T);
    const uint32_t kf = (k + c0 - 1) / c0;
    const uint32_t base = col0 / c0 * srcRows * c0 + row0 * c0;
    AscendC::LoadData2DParams params;
    params.startIndex = 0;
    params.repeatTimes = static_cast<uint8_t>(kf);
    params.srcStride = static_cast<uint16_t>(srcRows / 16);
    params.dstGap = 0;
    params.ifTranspose = false;
    for (uint32_t i = 0; i < (m + 15) / 16; ++i) {
        AscendC::LoadData(dst[i * kf * 16 * c0], src[base + i * 16 * c0], params);
    }
}
""",
    "load_l0b": """\
// L1 tile holding B [K x N] (NZ, srcRows rows) window at (row0, col0) -> L0B, Zn for Mmad with these k
// and n: per 16-row k block one transposing LoadData of ceil(n / 16) fractals (16-bit types;
// load_data_l12l0 SplitBTransposeForB16).
template <typename T>
__aicore__ inline void apy_load_l0b(AscendC::LocalTensor<T> dst, AscendC::LocalTensor<T> src, uint32_t srcRows,
                                    uint32_t row0, uint32_t col0, uint32_t k, uint32_t n)
{
    const uint32_t nb = (n + 15) / 16;
    const uint32_t base = col0 / 16 * srcRows * 16 + row0 * 16;
    AscendC::LoadData2DParams params;
    params.startIndex = 0;
    params.repeatTimes = static_cast<uint8_t>(nb);
    params.srcStride = static_cast<uint16_t>(srcRows / 16);
    params.dstGap = 0;
    params.ifTranspose = true;
    for (uint32_t i = 0; i < (k + 15) / 16; ++i) {
        AscendC::LoadData(dst[i * nb * 256], src[base + i * 256], params);
    }
}
""",
    "load_l0b_trans": """\
// L1 tile holding B^T [N x K] (NZ, srcRows rows) window at (row0, col0) -> L0B, Zn for Mmad with these
// k and n: per k fractal column one plain LoadData of ceil(n / 16) fractals (mmad.asc SplitB).
template <typename T>
__aicore__ inline void apy_load_l0b_trans(AscendC::LocalTensor<T> dst, AscendC::LocalTensor<T> src,
                                          uint32_t srcRows, uint32_t row0, uint32_t col0, uint32_t k, uint32_t n)
{
    constexpr uint32_t c0 = 32 / sizeof(T);
    const uint32_t nb = (n + 15) / 16;
    const uint32_t base = col0 / c0 * srcRows * c0 + row0 * c0;
    AscendC::LoadData2DParams params;
    params.startIndex = 0;
    params.repeatTimes = static_cast<uint8_t>(nb);
    params.srcStride = 1;
    params.dstGap = 0;
    params.ifTranspose = false;
    for (uint32_t i = 0; i < (k + c0 - 1) / c0; ++i) {
        AscendC::LoadData(dst[i * nb * 16 * c0], src[base + i * srcRows * c0], params);
    }
}
""",
    "fixpipe": """\
// L0C (Nz, srcRows rows per 16-column block) [rows x cols] -> GM row-major with row pitch ld, converted
// by quant and optionally through ReLU, in one Fixpipe (910B; Fixpipe（L0C到GM数据搬运）).
template <typename DstT, typename SrcT>
__aicore__ inline void apy_fixpipe(AscendC::GlobalTensor<DstT> dst, AscendC::LocalTensor<SrcT> src, uint32_t rows,
                                   uint32_t cols, uint32_t srcRows, uint32_t ld, QuantMode_t quant, bool relu)
{
    AscendC::FixpipeParamsV220 params;
    params.nSize = static_cast<uint16_t>(cols);
    params.mSize = static_cast<uint16_t>(rows);
    params.srcStride = static_cast<uint16_t>(srcRows);
    params.dstStride = ld;
    params.quantPre = quant;
    params.reluEn = relu;
    params.ndNum = 1;
    params.srcNdStride = 0;
    params.dstNdStride = 0;
    AscendC::Fixpipe<DstT, SrcT, AscendC::CFG_ROW_MAJOR>(dst, src, params);
}
""",
    "fixpipe_ub": """\
// 310P has no Fixpipe. L0C [rows x cols] (Nz, srcRows rows per 16-column block) goes to the UB through
// the vector unit (DataCopy CO1 -> CO2 in BLOCK_MODE_MATRIX: the Nz layout kept, converted to DstT,
// optionally through ReLU), then each 16-column block to GM, row-major with row pitch ld: one strided
// DataCopy where the block is whole and ld is a whole number of 32-byte blocks, else row by row (the
// 310P path of apy_copy_out: the tail element by element). GM outside the window is never written.
template <typename DstT, typename SrcT>
__aicore__ inline void apy_fixpipe_via_ub(AscendC::GlobalTensor<DstT> dst, AscendC::LocalTensor<SrcT> src,
                                          AscendC::TBuf<AscendC::TPosition::VECCALC>& staging, uint32_t rows,
                                          uint32_t cols, uint32_t srcRows, uint32_t ld, bool relu)
{
    if (rows == 0 || cols == 0) return;
    AscendC::LocalTensor<DstT> ub = staging.Get<DstT>();
    const uint32_t nb = (cols + 15) / 16;
    apy_flag<AscendC::HardEvent::MTE3_V>();  // the last std.fixpipe's copies out of the staging tensor are done
    apy_flag<AscendC::HardEvent::S_V>();
    AscendC::DataCopyParams params(1, static_cast<uint16_t>(nb * srcRows / 16), 0, 0);  // blockLen in fractals
    AscendC::DataCopyEnhancedParams enhanced;
    enhanced.blockMode = AscendC::BlockMode::BLOCK_MODE_MATRIX;
    enhanced.isRelu = relu;
    AscendC::DataCopy(ub, src, params, enhanced);
    apy_flag<AscendC::HardEvent::V_MTE3>();
    for (uint32_t j = 0; j < nb; ++j) {
        const uint32_t w = cols - j * 16 < 16 ? cols - j * 16 : 16;
        if (w == 16 && ld * sizeof(DstT) % 32 == 0) {
            AscendC::DataCopyParams out(static_cast<uint16_t>(rows), static_cast<uint16_t>(16 * sizeof(DstT) / 32), 0,
                                        static_cast<uint16_t>((ld - 16) * sizeof(DstT) / 32));
            AscendC::DataCopy(dst[j * 16], ub[j * srcRows * 16], out);
        } else {
            for (uint32_t r = 0; r < rows; ++r) {
                apy_copy_out(dst[static_cast<uint64_t>(r) * ld + j * 16], ub[(j * srcRows + r) * 16], w);
            }
        }
    }
}
""",
}
# ---- strided / 2-D data movement: std.load_rows / std.store_rows with run-time sizes or pitches
_HELPERS["rows_check"] = """\
// std.load_rows / std.store_rows with a run-time size or pitch: the rules the compiler checks for constant
// ones (docs/vector.md). The simulator reports a violation at the kernel line; the NPU would move other bytes.
__aicore__ inline void apy_check_rows(int64_t rows, int64_t cols, int64_t gm_ld, int64_t ub_ld, int64_t pads,
                                      int64_t elem, const char* file, int line)
{
#ifdef __ASCENDPY_SIM__
    using ascendpy_sim::cat;
    const int64_t row = (cols + pads) * elem;  // bytes written to a UB row, before the 32-byte fill
    std::string what;
    if (rows < 0 || rows > 4095) {
        what = cat("rows = ", rows, " is outside [0, 4095]: one DMA moves at most 4095 rows (blockCount)");
    } else if (cols < 0 || cols * elem > 2097151) {
        what = cat("cols = ", cols, " is outside [0, ", 2097151 / elem, "]: a row is at most 2097151 bytes");
    } else if (rows > 1 && gm_ld < cols) {
        what = cat("the GM row pitch ", gm_ld, " is less than cols = ", cols, ": rows would overlap");
    } else if (ub_ld < 0 || ub_ld * elem % 32 != 0) {
        what = cat("the UB row pitch ", ub_ld, " elements (", ub_ld * elem, " bytes) is not a whole number of "
                   "32-byte blocks: every UB row must start 32-byte aligned");
    } else if (ub_ld * elem < (row + 31) / 32 * 32) {
        what = cat("the UB row pitch ", ub_ld, " is shorter than a row (", (row + 31) / 32 * 32 / elem,
                   " elements with padding and the 32-byte fill)");
    }
    if (!what.empty()) {
        ascendpy_sim::KernelFault f("invalid_argument", what);
        f.file = file;
        f.line = line;
        throw f;
    }
#else
    (void)rows; (void)cols; (void)gm_ld; (void)ub_ld; (void)pads; (void)elem; (void)file; (void)line;
#endif
}
"""


def _fold(expr: str, ctype: str, vals: dict[str, int | str]) -> str:
    """An integer expression over `vals` (Python syntax, non-negative operands): a literal when every value is a
    compile-time constant, else C++ over the run-time ones (`//` is C++ `/` there: same on non-negatives)."""
    vals = {k: x for k, x in vals.items() if k in expr.split()}
    if all(isinstance(x, int) for x in vals.values()):
        return str(eval(expr, {}, vals))  # noqa: S307 - our own arithmetic on ints
    text = " ".join(str(vals.get(tok, tok)) for tok in expr.split())
    return f"static_cast<{ctype}>({text.replace('//', '/')})"


# Cross-block work (std.sync_all, store atomics): the check behind std.store while an atomic mode is on.
_HELPERS["atomic_tail"] = """\
// On 310P (no DataCopyPad) the tail of a store that does not fill whole 32-byte blocks moves element by element
// on the scalar unit, and scalar stores never combine: while std.set_atomic_* is on, that tail would overwrite GM
// instead of adding to it. The simulator stops there; on the NPU this is nothing.
template <typename T>
__aicore__ inline void apy_atomic_tail(uint32_t count, bool atomic, const char* file, int line)
{
#if defined(__ASCENDPY_SIM__) && __CCE_AICORE__ == 200
    if (atomic && count % (32 / sizeof(T)) != 0) {
        ascendpy_sim::KernelFault f("invalid_argument", ascendpy_sim::cat(
            "std.store of ", count, " elements while a std.set_atomic_* mode is on: 310P has no DataCopyPad, so the "
            "last ", count % (32 / sizeof(T)), " element(s) would be written by the scalar unit, which does not "
            "combine; store whole 32-byte blocks (a count that is a multiple of ", 32 / sizeof(T), ")"));
        f.file = file;
        f.line = line;
        throw f;
    }
#else
    (void)count; (void)atomic; (void)file; (void)line;
#endif
}
"""
_STAGING = "apy_co2_buf"  # the UB tensor 310P's std.fixpipe stages L0C through
_KERNEL_TYPE = {"aiv": "KERNEL_TYPE_AIV_ONLY", "aic": "KERNEL_TYPE_AIC_ONLY", "mix": "KERNEL_TYPE_MIX_AIC_1_2"}
_SIDE_MACRO = {"aic": "ASCEND_IS_AIC", "aiv": "ASCEND_IS_AIV"}


def _uint(bits: int) -> str:
    return "bool" if bits == 1 else f"uint{max(bits, 8)}_t"


def _sint(bits: int) -> str:
    return f"int{max(bits, 8)}_t"


def _wide(bits: int) -> str:
    """The unsigned type arithmetic on `bits`-wide values is done in (no int promotion)."""
    return "uint64_t" if bits == 64 else "uint32_t"


def ctype(t: Attribute) -> str:
    if isinstance(t, IntegerType):
        return _uint(t.width.data)
    if isinstance(t, Float16Type):
        return "half"
    if isinstance(t, Float32Type):
        return "float"
    if isinstance(t, BFloat16Type):
        return "bfloat16_t"
    if isinstance(t, IndexType):
        return "int64_t"
    raise CompileError(f"internal: no C++ type for MLIR type {t}")


def _bits(v: SSAValue) -> int:
    t = v.type
    assert isinstance(t, IntegerType), t
    return t.width.data


@dataclass
class _Func:
    lines: list[str] = field(default_factory=list)
    names: dict[SSAValue, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    gm: dict[SSAValue, tuple[str, str]] = field(default_factory=dict)  # memref arg -> (tensor, elem ctype)
    locals: dict[SSAValue, tuple[str, str]] = field(default_factory=dict)  # alloca -> (name, ctype)
    bufs: dict[SSAValue, tuple[str, str, str]] = field(default_factory=dict)  # ub_alloc -> (tensor, queue, ctype)
    skip: set[Operation] = field(default_factory=set)
    tile_m: dict[SSAValue, str] = field(default_factory=dict)  # L0C tile -> its Nz row count variable
    tile_dims: dict[SSAValue, tuple[str, str]] = field(default_factory=dict)  # L0A/L0B tile -> its loaded sizes
    counter: int = 0
    indent: int = 1
    cur_line: tuple[str, int] | None = None
    fresh_directive: bool = False  # the last line written is a #line directive
    scalar_math: bool = False
    atomic: bool = False  # the kernel switches store atomics (std.set_atomic_*): `apy_atomic` tracks the mode


class CppEmitter:
    def __init__(self, module: ModuleOp, source_name: str) -> None:
        self.module = module
        self.source_name = source_name
        self.helpers: set[str] = set()
        # Vector kernels are tagged KERNEL_TYPE_AIV_ONLY only beside cube or mix kernels (untagged, a file is vector).
        self.tag_aiv = any(isinstance(op, func.FuncOp) and op.attributes["ascend.kernel_kind"].data != "aiv"  # type: ignore[attr-defined]
                           for op in module.ops)
        self.tag_aiv = self.tag_aiv or any(isinstance(op, func.FuncOp) and crossblock.hard_sync_all(op)
                                           for op in module.ops)  # cross-block work: a mix 1:0 kernel beside it

    # ---------------------------------------------------------------- naming
    def fresh(self, f: _Func, base: str) -> str:
        name = base if base not in CPP_KEYWORDS else base + "_"
        n = 1
        candidate = name
        while candidate in f.used:
            candidate = f"{name}_{n}"
            n += 1
        f.used.add(candidate)
        return candidate

    def temp(self, f: _Func, v: SSAValue) -> str:
        while True:
            name = f"t{f.counter}"
            f.counter += 1
            if name not in f.used:
                break
        f.used.add(name)
        f.names[v] = name
        return name

    # ------------------------------------------------------------------ text
    def line(self, f: _Func, text: str) -> None:
        # `#line N` numbers the *next* line N, and the ones after it N+1, N+2...; every statement of a
        # Python line must map to that line (simulator faults and compiler errors name it), so the
        # number is restated before each further C++ line.
        if f.cur_line is not None and f.fresh_directive is False:
            f.lines.append(f"#line {f.cur_line[1]}")
        f.fresh_directive = False
        f.lines.append("    " * f.indent + text)

    def locate(self, f: _Func, op: Operation) -> None:
        loc = op.location
        if isinstance(loc, FileLineColLoc):
            key = (loc.filename.data, loc.line.data)
            if key != f.cur_line:
                f.lines.append(f'#line {key[1]} "{_escape(key[0])}"')
                f.cur_line = key
                f.fresh_directive = True

    def emit_module(self) -> str:
        bodies = [self.emit_func(op) for op in self.module.ops if isinstance(op, func.FuncOp)]
        out = [
            f"// Generated by ascendpy from {self.source_name}; do not edit.",
            "#include \"kernel_operator.h\"",
        ]
        if "broadcast" in self.helpers:  # the advanced API's own header (highlevel_api/lib/pad/broadcast.h)
            out.append("#include \"lib/pad/broadcast.h\"")
        if self.helpers - {"scalar_math", "trip", "broadcast"} or "trip" in self.helpers:
            out.append("#include <limits>")
            out.append("#include <type_traits>")
        out.append("")
        for key in _HELPERS:
            if key in self.helpers:
                out.append(_HELPERS[key])
        for key in _CUBE_HELPERS:
            if key in self.helpers:
                out.append(_CUBE_HELPERS[key])
        out.extend(_SCAN_CONFIGS[key] for key in sorted(self.helpers & _SCAN_CONFIGS.keys()))
        out.extend(bodies)
        return "\n".join(out)

    def emit_func(self, fn: func.FuncOp) -> str:
        f = _Func()
        name = fn.sym_name.data
        arg_names = [a.data for a in fn.attributes["ascend.arg_names"].data]  # type: ignore[attr-defined]
        arg_types = [a.data for a in fn.attributes["ascend.arg_types"].data]  # type: ignore[attr-defined]
        block = fn.body.block
        params: list[str] = []
        prologue: list[str] = []
        for arg, pname, ptype in zip(block.args, arg_names, arg_types):
            cname = self.fresh(f, pname)
            f.names[arg] = cname
            if ptype.startswith("Ptr["):
                elem = ELEMENT_TYPES[ptype[4:-1]].cpp
                params.append(f"GM_ADDR {cname}")
                tensor = self.fresh(f, f"{cname}_gm")
                f.gm[arg] = (tensor, elem)
                prologue.append(f"AscendC::GlobalTensor<{elem}> {tensor};")
                prologue.append(f"{tensor}.SetGlobalBuffer((__gm__ {elem}*){cname});")
            else:
                params.append(f"{SCALAR_TYPES[ptype].cpp} {cname}")
        # Locals: allocas carry the Python name and type; a scalar parameter's local is the parameter.
        for op in block.ops:
            if isinstance(op, memref.StoreOp) and isinstance(op.value, BlockArgument) \
                    and op.value.block is block and isinstance(op.memref.owner, memref.AllocaOp):
                f.locals[op.memref] = (f.names[op.value], ctype(op.value.type))
                f.skip.add(op)
        for op in block.ops:
            if isinstance(op, memref.AllocaOp) and op.memref not in f.locals:
                py = op.attributes["ascend.name"].data  # type: ignore[attr-defined]
                ty = SCALAR_TYPES[op.attributes["ascend.type"].data].cpp \
                    if op.attributes["ascend.type"].data in SCALAR_TYPES else "bool"  # type: ignore[attr-defined]
                cname = self.fresh(f, py)
                f.locals[op.memref] = (cname, ty)
                prologue.append(f"{ty} {cname}{{}};")
        ops = list(fn.walk())
        scalar_math = any(isinstance(o, math.ExpOp | math.LogOp | math.SqrtOp) for o in ops)
        kind = fn.attributes["ascend.kernel_kind"].data  # type: ignore[attr-defined]
        mix = kind == "mix"
        if kind != "aiv" or self.tag_aiv:
            # The kernel type tag first (kernel_utils_macros.h; read by bisheng and by ascend-compile's detect_core,
            # which builds a file holding vector and cube kernels for the whole core).
            prologue.insert(0, f"KERNEL_TASK_TYPE_DEFAULT({_KERNEL_TYPE[kind]});")
        if scalar_math or any(isinstance(o, asc.UbAllocOp | asc.CubeAllocOp | asc.FlagOp) for o in ops):
            prologue.append("AscendC::TPipe apy_pipe;")
            f.used.add("apy_pipe")
        self.cross_block_prologue(f, fn, ops, prologue)
        staging = fixpipe_staging_bytes(fn)
        if staging:
            prologue.append(f"AscendC::TBuf<AscendC::TPosition::VECCALC> {_STAGING};")
            prologue.append(f"apy_pipe.InitBuffer({_STAGING}, {staging});")
            f.used.add(_STAGING)
        scratch_init: list[str] = []
        if scalar_math:
            self.helpers.update({"scalar_math", "flag"})
            prologue.append("AscendC::TBuf<AscendC::TPosition::VECCALC> apy_scratch;")
            scratch_init = ["apy_pipe.InitBuffer(apy_scratch, 32);"]
            if not mix:
                prologue += scratch_init
            f.used.add("apy_scratch")
        head = [f'extern "C" __global__ __aicore__ void {name}({", ".join(params)})', "{"]
        self.locate(f, fn)
        for p in prologue:
            self.line(f, p)
        # Each buffer's InitBuffer at its std.*_alloc line (capacity faults name it). A mix kernel declares them
        # all, and initialises each on the side that has its memory (cube tiles on the AIC, UB on the AIVs).
        side_inits: dict[str, list[tuple[Operation, list[str]]]] = {"aic": [], "aiv": []}
        for op in block.ops:
            if isinstance(op, asc.UbAllocOp | asc.CubeAllocOp):
                self.locate(f, op)
                decls, inits = self.declare_buffer(f, op) if isinstance(op, asc.UbAllocOp) else \
                    self.declare_tile(f, op)
                if not mix:
                    for text in decls + inits:
                        self.line(f, text)
                    continue
                for text in decls:
                    self.line(f, text)
                tensor, _, elem = f.bufs[op.result]
                if inits and inits[-1].startswith("AscendC::LocalTensor<"):  # declared here, bound on its side
                    self.line(f, f"AscendC::LocalTensor<{elem}> {tensor};")
                    inits = inits[:-1] + [inits[-1].split(" ", 1)[1]]
                side_inits["aic" if isinstance(op, asc.CubeAllocOp) else "aiv"].append((op, inits))
        if mix:
            if scratch_init:
                side_inits["aiv"].append((fn, scratch_init))
            for side, items in side_inits.items():
                if not items:
                    continue
                self.line(f, f"if {_SIDE_MACRO[side]} {{")
                f.indent += 1
                for op, inits in items:
                    self.locate(f, op)
                    for text in inits:
                        self.line(f, text)
                f.indent -= 1
                self.line(f, "}")
        self.emit_block(f, block)
        return "\n".join(head + f.lines + ["}", ""])

    # ------------------------------------------------- cross-block work: SyncAll and store atomics
    def cross_block_prologue(self, f: _Func, fn: func.FuncOp, ops: list[Operation], prologue: list[str]) -> None:
        """The hardware SyncAll makes a vector kernel a mix 1:0 one (CANN's SyncAll documentation: an AIV-only
        kernel has no cross-core scheduler); the software one gets its UB workspace; atomics a mode flag."""
        if fn.attributes["ascend.kernel_kind"].data == "aiv" and crossblock.hard_sync_all(fn):  # type: ignore[attr-defined]
            prologue[:] = [p for p in prologue if not p.startswith("KERNEL_TASK_TYPE_DEFAULT(")]
            prologue.insert(0, "KERNEL_TASK_TYPE_DEFAULT(KERNEL_TYPE_MIX_AIV_1_0);")
        soft = [o for o in ops if isinstance(o, asc.CrossBlockOp) and o.ub_bytes is not None]
        if soft:
            if "apy_pipe" not in f.used:
                prologue.append("AscendC::TPipe apy_pipe;")
                f.used.add("apy_pipe")
            ub = crossblock.SOFT_SYNC_UB
            f.used.update({ub, f"{ub}_buf"})
            prologue += [f"AscendC::TBuf<AscendC::TPosition::VECCALC> {ub}_buf;",
                         f"apy_pipe.InitBuffer({ub}_buf, {soft[0].ub_bytes.value.data});",  # type: ignore[union-attr]
                         f"AscendC::LocalTensor<int32_t> {ub} = {ub}_buf.Get<int32_t>();"]
        if any(isinstance(o, asc.CrossBlockOp) and o.kind.data.startswith("atomic") for o in ops):
            f.atomic = True
            f.used.add("apy_atomic")
            prologue += ["bool apy_atomic = false;  // a std.set_atomic_* mode is on", "(void)apy_atomic;"]

    def cross_block(self, f: _Func, op: asc.CrossBlockOp) -> None:
        kind = op.kind.data
        if kind == "sync_all":
            if op.args:
                self.line(f, f"AscendC::SyncAll({f.gm[op.args[0]][0]}, {crossblock.SOFT_SYNC_UB});")
            else:
                self.line(f, "AscendC::SyncAll();")
        elif kind == "atomic_none":
            self.line(f, "AscendC::SetAtomicNone();")
            self.line(f, "apy_atomic = false;")
        else:
            assert op.dtype is not None
            self.line(f, f"AscendC::{crossblock.ATOMIC_CPP[kind]}<{ELEMENT_TYPES[op.dtype.data].cpp}>();")
            self.line(f, "apy_atomic = true;")

    def declare_tile(self, f: _Func, op: asc.CubeAllocOp) -> tuple[list[str], list[str]]:
        """A cube tile: a TBuf on its TPosition and its tensor; an L0C tile also the m its last Mmad wrote."""
        shape = op.result.type.get_shape()  # type: ignore[attr-defined]
        elem = ELEMENT_TYPES[op.dtype.data]
        assert op.position is not None
        base = "".join(c if c.isalnum() else "_" for c in op.buf_name.data)
        tensor = self.fresh(f, base)
        holder = self.fresh(f, f"{base}_buf")
        f.bufs[op.result] = (tensor, holder, elem.cpp)
        decls = [f"AscendC::TBuf<AscendC::TPosition::{op.position.data}> {holder};"]
        mem = asc.cube_mem(op.result)
        if mem == "l0c":
            rows = self.fresh(f, f"{base}_m")
            f.tile_m[op.result] = rows
            decls.append(f"uint32_t {rows} = {shape[0]};  // rows of the Nz layout the last Mmad wrote (ceil16(m))")
        elif mem in ("l0a", "l0b"):  # the sizes its last load laid it out for (std.mmad checks them on the simulator)
            dims = ("m", "k") if mem == "l0a" else ("k", "n")
            names = (self.fresh(f, f"{base}_{dims[0]}"), self.fresh(f, f"{base}_{dims[1]}"))
            f.tile_dims[op.result] = names
            decls.append(f"uint32_t {names[0]} = {op.rows.value.data}, {names[1]} = {op.cols.value.data};  "
                         f"// the {dims[0]} x {dims[1]} its last load laid it out for")
        nbytes = shape[0] * shape[1] * elem.nbytes
        if op.role is not None and op.role.data == "que":  # its tensor is bound by AllocTensor / DeQue
            que = self.fresh(f, f"{base}_que")
            f.bufs[op.result] = (tensor, que, elem.cpp)
            decls[0] = f"AscendC::TQue<AscendC::TPosition::{op.position.data}, {QUEUE_DEPTH}> {que};"
            return decls, [f"apy_pipe.InitBuffer({que}, {QUEUE_DEPTH}, {nbytes});"]
        return decls, [f"apy_pipe.InitBuffer({holder}, {nbytes});",
                       f"AscendC::LocalTensor<{elem.cpp}> {tensor} = {holder}.Get<{elem.cpp}>();"]

    def declare_buffer(self, f: _Func, op: asc.UbAllocOp) -> tuple[list[str], list[str]]:
        """Prologue lines (declarations, initialisations) for one UB buffer: a double-buffered TQue, or a TBuf."""
        t = op.result.type
        assert isinstance(t, MemRefType) and op.role is not None
        elem = ELEMENT_TYPES[op.dtype.data]
        nbytes = (t.get_shape()[0] * elem.nbytes + 31) // 32 * 32
        base = "".join(c if c.isalnum() else "_" for c in op.buf_name.data)
        tensor = self.fresh(f, base)
        role = op.role.data
        if role == "calc":
            holder = self.fresh(f, f"{base}_buf")
            f.bufs[op.result] = (tensor, holder, elem.cpp)
            return ([f"AscendC::TBuf<AscendC::TPosition::VECCALC> {holder};"],
                    [f"apy_pipe.InitBuffer({holder}, {nbytes});",
                     f"AscendC::LocalTensor<{elem.cpp}> {tensor} = {holder}.Get<{elem.cpp}>();"])
        que = self.fresh(f, f"{base}_que")
        f.bufs[op.result] = (tensor, que, elem.cpp)
        pos = "VECIN" if role == "vecin" else "VECOUT"
        return ([f"AscendC::TQue<AscendC::TPosition::{pos}, {QUEUE_DEPTH}> {que};"],
                [f"apy_pipe.InitBuffer({que}, {QUEUE_DEPTH}, {nbytes});"])

    def emit_block(self, f: _Func, block: Block) -> None:
        for op in block.ops:
            if op in f.skip or isinstance(op, memref.AllocaOp | scf.YieldOp | asc.UbAllocOp | asc.CubeAllocOp):
                continue
            if isinstance(op, func.ReturnOp) and op.parent_op() is not None \
                    and isinstance(op.parent_op(), func.FuncOp):
                continue  # falling off the end of the kernel
            self.locate(f, op)
            self.emit_op(f, op)

    def v(self, f: _Func, value: SSAValue) -> str:
        return f.names[value]

    def define(self, f: _Func, op: Operation, expr: str, ty: str | None = None) -> None:
        result = op.results[0]
        name = self.temp(f, result)
        self.line(f, f"const {ty or ctype(result.type)} {name} = {expr};")

    # ------------------------------------------------------------------- ops
    def emit_op(self, f: _Func, op: Operation) -> None:  # noqa: C901 - one dispatch table
        v = lambda x: self.v(f, x)  # noqa: E731
        if isinstance(op, arith.ConstantOp):
            self.define(f, op, _literal(op.value, op.result.type))
        elif isinstance(op, arith.AddiOp | arith.SubiOp | arith.MuliOp):
            bits = _bits(op.lhs)
            sym = {arith.AddiOp: "+", arith.SubiOp: "-", arith.MuliOp: "*"}[type(op)]
            w = _wide(bits)
            self.define(f, op, f"static_cast<{_uint(bits)}>(static_cast<{w}>({v(op.lhs)}) {sym} "
                               f"static_cast<{w}>({v(op.rhs)}))")
        elif isinstance(op, arith.DivUIOp | arith.RemUIOp):
            self.helpers.add("check")
            sym = "/" if isinstance(op, arith.DivUIOp) else "%"
            self.define(f, op, f"static_cast<{_uint(_bits(op.lhs))}>({v(op.lhs)} {sym} "
                               f"apy_check_divisor({v(op.rhs)}, __FILE__, __LINE__))")
        elif isinstance(op, arith.FloorDivSIOp | arith.RemSIOp):
            self.helpers.update({"check", "floordiv" if isinstance(op, arith.FloorDivSIOp) else "rem"})
            bits = _bits(op.lhs)
            s = _sint(bits)
            fn = "apy_floordiv" if isinstance(op, arith.FloorDivSIOp) else "apy_rem"
            self.define(f, op, f"static_cast<{_uint(bits)}>({fn}<{s}>(static_cast<{s}>({v(op.lhs)}), "
                               f"static_cast<{s}>(apy_check_divisor({v(op.rhs)}, __FILE__, __LINE__))))")
        elif isinstance(op, arith.AndIOp | arith.OrIOp | arith.XOrIOp):
            bits = _bits(op.lhs)
            if bits == 1:
                sym = {arith.AndIOp: "&&", arith.OrIOp: "||", arith.XOrIOp: "!="}[type(op)]
                self.define(f, op, f"{v(op.lhs)} {sym} {v(op.rhs)}")
            else:
                sym = {arith.AndIOp: "&", arith.OrIOp: "|", arith.XOrIOp: "^"}[type(op)]
                self.define(f, op, f"static_cast<{_uint(bits)}>({v(op.lhs)} {sym} {v(op.rhs)})")
        elif isinstance(op, arith.ShLIOp | arith.ShRUIOp | arith.ShRSIOp):
            self.helpers.add("shift")
            bits = _bits(op.lhs)
            u = _uint(bits)
            if isinstance(op, arith.ShLIOp):
                self.define(f, op, f"apy_shl<{u}>({v(op.lhs)}, {v(op.rhs)})")
            elif isinstance(op, arith.ShRUIOp):
                self.define(f, op, f"apy_shru<{u}>({v(op.lhs)}, {v(op.rhs)})")
            else:
                self.define(f, op, f"apy_shr<{_sint(bits)}, {u}>({v(op.lhs)}, {v(op.rhs)})")
        elif isinstance(op, arith.CmpiOp):
            pred = _CMPI[op.predicate.value.data]
            bits = _bits(op.lhs)
            a, b = v(op.lhs), v(op.rhs)
            if pred[0] == "s":
                a, b = f"static_cast<{_sint(bits)}>({a})", f"static_cast<{_sint(bits)}>({b})"
            self.define(f, op, f"{a} {pred[1]} {b}", "bool")
        elif isinstance(op, arith.CmpfOp):
            sym = _CMPF[op.predicate.value.data]
            self.define(f, op, f"{v(op.lhs)} {sym} {v(op.rhs)}", "bool")
        elif isinstance(op, arith.SelectOp):
            self.define(f, op, f"{v(op.cond)} ? {v(op.lhs)} : {v(op.rhs)}")
        elif isinstance(op, arith.AddfOp | arith.SubfOp | arith.MulfOp | arith.DivfOp):
            sym = {arith.AddfOp: "+", arith.SubfOp: "-", arith.MulfOp: "*", arith.DivfOp: "/"}[type(op)]
            self.define(f, op, f"{v(op.lhs)} {sym} {v(op.rhs)}")
        elif isinstance(op, arith.NegfOp):
            t = ctype(op.operand.type)
            # CANN's CPU-debug `half` is a class without a unary minus; negation through float is exact.
            x = v(op.operand)
            self.define(f, op, f"-{x}" if t == "float" else f"static_cast<{t}>(-static_cast<float>({x}))")
        elif isinstance(op, arith.ExtSIOp):
            src, dst = _bits(op.input), _bits(op.result)
            self.define(f, op, f"static_cast<{_uint(dst)}>(static_cast<{_sint(dst)}>("
                               f"static_cast<{_sint(src)}>({v(op.input)})))")
        elif isinstance(op, arith.ExtUIOp | arith.TruncIOp):
            self.define(f, op, f"static_cast<{ctype(op.result.type)}>({v(op.input)})")
        elif isinstance(op, arith.IndexCastOp):
            self.define(f, op, f"static_cast<int64_t>(static_cast<{_sint(_bits(op.input))}>({v(op.input)}))")
        elif isinstance(op, arith.SIToFPOp | arith.UIToFPOp):
            bits = _bits(op.input)
            src = v(op.input)
            if isinstance(op, arith.SIToFPOp):
                src = f"static_cast<{_sint(bits)}>({src})"
            dst = ctype(op.result.type)
            inner = f"static_cast<float>({src})"
            self.define(f, op, inner if dst == "float" else f"static_cast<half>({inner})")
        elif isinstance(op, arith.FPToSIOp | arith.FPToUIOp):
            self.helpers.add("f2i")
            bits = _bits(op.result)
            it = _sint(bits) if isinstance(op, arith.FPToSIOp) else _uint(bits)
            self.define(f, op, f"static_cast<{_uint(bits)}>(apy_f2i<{it}>(static_cast<float>({v(op.input)})))")
        elif isinstance(op, arith.BitcastOp):  # the index bits ReduceMax / ReduceMin store in a T element
            self.helpers.add("bits")
            self.define(f, op, f"apy_bits<{ctype(op.result.type)}>({v(op.input)})")
        elif isinstance(op, arith.ExtFOp | arith.TruncFOp):
            self.define(f, op, f"static_cast<{ctype(op.result.type)}>({v(op.input)})")
        elif isinstance(op, math.ExpOp | math.LogOp | math.SqrtOp):
            fn = {math.ExpOp: "apy_exp", math.LogOp: "apy_ln", math.SqrtOp: "apy_sqrt"}[type(op)]
            self.define(f, op, f"{fn}(apy_scratch, {v(op.operand)})")
        elif isinstance(op, asc.GetBlockIdxOp | asc.GetBlockNumOp | asc.GetSubBlockIdxOp):
            call = {asc.GetBlockIdxOp: "GetBlockIdx", asc.GetBlockNumOp: "GetBlockNum",
                    asc.GetSubBlockIdxOp: "GetSubBlockIdx"}[type(op)]
            self.define(f, op, f"static_cast<uint64_t>(AscendC::{call}())")
        elif isinstance(op, asc.DmaOp) and asc.cube_mem(op.ub) is not None:
            # std.load into an L1 tile: a plain contiguous copy, no ND -> NZ conversion.
            gm = f"{f.gm[op.gm][0]}[static_cast<uint64_t>({v(op.offset)})]"
            self.line(f, f"AscendC::DataCopy({f.bufs[op.ub][0]}, {gm}, static_cast<uint32_t>({v(op.count)}));")
        elif isinstance(op, asc.CubeOp):
            for text in self.cube_call(f, op):
                self.line(f, text)
        elif isinstance(op, asc.CoreSideOp):
            self.line(f, f"if {_SIDE_MACRO[op.side.data]} {{")
            self.emit_region(f, op.body.block, [])
            self.line(f, "}")
        elif isinstance(op, asc.CrossCoreOp):
            flag = f"static_cast<uint16_t>({op.flag.value.data})"
            if op.kind.data == "set":
                assert op.pipe is not None
                self.line(f, f"AscendC::CrossCoreSetFlag<{cubeops.CROSS_CORE_MODE}, PIPE_{op.pipe.data}>({flag});")
            else:
                self.line(f, f"AscendC::CrossCoreWaitFlag({flag});")
        elif isinstance(op, asc.DmaRowsOp):
            for text in self.dma_rows(f, op):
                self.line(f, text)
        elif isinstance(op, asc.CrossBlockOp):
            self.cross_block(f, op)
        elif isinstance(op, asc.DmaOp):
            self.helpers.update({"copy", "flag"})
            tensor = f.bufs[op.ub][0]
            gm = f"{f.gm[op.gm][0]}[static_cast<uint64_t>({v(op.offset)})]"
            count = f"static_cast<uint32_t>({v(op.count)})"
            if op.dir.data == "in":
                self.line(f, f"apy_copy_in({tensor}, {gm}, {count});")
            else:
                if f.atomic:  # cross-block work: a 310P store tail under an atomic mode would overwrite
                    self.helpers.add("atomic_tail")
                    self.line(f, f"apy_atomic_tail<{f.bufs[op.ub][2]}>({count}, apy_atomic, __FILE__, __LINE__);")
                self.line(f, f"apy_copy_out({gm}, {tensor}, {count});")
        elif isinstance(op, asc.SubviewOp):
            tensor, _, elem = f.bufs[op.base]
            name = self.fresh(f, f"{tensor}_view")
            f.bufs[op.result] = (name, "", elem)
            self.line(f, f"AscendC::LocalTensor<{elem}> {name} = {tensor}[static_cast<uint32_t>({v(op.offset)})];")
        elif isinstance(op, asc.ReinterpretOp):  # reinterpreted views (issue 13)
            tensor, _, _ = f.bufs[op.base]
            elem = ELEMENT_TYPES[op.dtype.data].cpp
            name = self.fresh(f, f"{tensor}_as_{op.dtype.data}")
            f.bufs[op.result] = (name, "", elem)
            self.line(f, f"AscendC::LocalTensor<{elem}> {name} = {tensor}.ReinterpretCast<{elem}>();")
        elif isinstance(op, asc.VecOp):
            self.line(f, self.vec_call(f, op))
        elif isinstance(op, asc.QueOp):
            tensor, que, elem = f.bufs[op.buf]
            step = op.step.data
            if step == "alloc":
                self.line(f, f"AscendC::LocalTensor<{elem}> {tensor} = {que}.AllocTensor<{elem}>();")
            elif step == "pass":
                self.line(f, f"{que}.EnQue({tensor});")
                self.line(f, f"{tensor} = {que}.DeQue<{elem}>();")
            else:
                self.line(f, f"{que}.FreeTensor({tensor});")
        elif isinstance(op, asc.FlagOp):
            self.helpers.add("flag")
            self.line(f, f"apy_flag<AscendC::HardEvent::{op.event.data}>();")
        elif isinstance(op, asc.BarrierOp):
            note = f"  // {op.note.data}" if op.note is not None else ""
            self.line(f, f"AscendC::PipeBarrier<{op.pipe.data}>();{note}")
        elif isinstance(op, memref.LoadOp) and op.memref in f.bufs:
            tensor = f.bufs[op.memref][0]
            self.define(f, op, f"static_cast<{ctype(op.res.type)}>({tensor}.GetValue("
                               f"static_cast<uint32_t>({v(op.indices[0])})))")
        elif isinstance(op, memref.StoreOp) and op.memref in f.bufs:
            tensor, _, elem = f.bufs[op.memref]
            self.line(f, f"{tensor}.SetValue(static_cast<uint32_t>({v(op.indices[0])}), "
                         f"static_cast<{elem}>({v(op.value)}));")
        elif isinstance(op, memref.LoadOp):
            ref = op.memref
            if ref in f.gm:
                tensor, _ = f.gm[ref]
                self.define(f, op, f"static_cast<{ctype(op.res.type)}>({tensor}.GetValue("
                                   f"static_cast<uint64_t>({v(op.indices[0])})))")
            else:
                name, _ = f.locals[ref]
                self.define(f, op, f"static_cast<{ctype(op.res.type)}>({name})")
        elif isinstance(op, memref.StoreOp):
            ref = op.memref
            if ref in f.gm:
                tensor, elem = f.gm[ref]
                self.line(f, f"{tensor}.SetValue(static_cast<uint64_t>({v(op.indices[0])}), "
                             f"static_cast<{elem}>({v(op.value)}));")
            else:
                name, ty = f.locals[ref]
                self.line(f, f"{name} = static_cast<{ty}>({v(op.value)});")
        elif isinstance(op, scf.IfOp):
            results = []
            for r in op.results:
                name = self.temp(f, r)
                results.append(name)
                self.line(f, f"{ctype(r.type)} {name}{{}};")
            self.line(f, f"if ({v(op.cond)}) {{")
            self.emit_region(f, op.true_region.block, results)
            if op.false_region.blocks and op.false_region.block.ops.first is not None \
                    and not _only_yield(op.false_region.block, results):
                self.line(f, "} else {")
                self.emit_region(f, op.false_region.block, results)
            elif results:
                self.line(f, "} else {")
                self.emit_region(f, op.false_region.block, results)
            self.line(f, "}")
        elif isinstance(op, asc.LoopOp):
            self.line(f, "while (true) {")
            self.emit_region(f, op.body.block, [])
            self.line(f, "}")
        elif isinstance(op, asc.ForOp):
            self.helpers.add("trip")
            bits = _bits(op.lb)
            signed = bool(op.attributes["ascend.signed"].value.data)  # type: ignore[attr-defined]
            s = _sint(bits) if signed else _uint(bits)
            u = _uint(bits)
            k = self.fresh(f, "apy_k")
            trip = self.fresh(f, "apy_trip")
            self.line(f, f"const uint64_t {trip} = apy_trip_count<{s}, {u}>(static_cast<{s}>({v(op.lb)}), "
                         f"static_cast<{s}>({v(op.ub)}), static_cast<{s}>({v(op.step)}));")
            self.line(f, f"for (uint64_t {k} = 0; {k} < {trip}; ++{k}) {{")
            f.indent += 1
            iv = op.body.block.args[0]
            name = self.temp(f, iv)
            self.line(f, f"const {u} {name} = static_cast<{u}>({v(op.lb)} + static_cast<{u}>({k}) * "
                         f"{v(op.step)});")
            f.indent -= 1
            self.emit_region(f, op.body.block, [])
            self.line(f, "}")
        elif isinstance(op, asc.BreakOp):
            self.line(f, "break;")
        elif isinstance(op, asc.ContinueOp):
            self.line(f, "continue;")
        elif isinstance(op, asc.ReturnOp | func.ReturnOp):
            self.line(f, "return;")
        else:
            raise CompileError(f"internal: mlir_to_cpp cannot emit {op.name}")

    def cube_call(self, f: _Func, op: asc.CubeOp) -> list[str]:
        """The AscendC for one cube op (compiler/cubeops.py); sizes are u16/u32 as the parameter structs take."""
        v = lambda x: self.v(f, x)  # noqa: E731
        u16 = lambda x: f"static_cast<uint16_t>({v(x)})"  # noqa: E731
        u32 = lambda x: f"static_cast<uint32_t>({v(x)})"  # noqa: E731
        name = op.fn.data
        a = list(op.args)
        if name == "load_nz":
            dst, gm = f.bufs[a[0]][0], f.gm[a[1]][0]
            rows = a[0].type.get_shape()[0]  # type: ignore[attr-defined]
            return [f"AscendC::DataCopy({dst}, {gm}[static_cast<uint64_t>({v(a[2])})], AscendC::Nd2NzParams(1, "
                    f"{u16(a[3])}, {u16(a[4])}, 0, {u16(a[5])}, {rows}, 1, 0));  // ndNum, nValue, dValue, "
                    "srcNdMatrixStride, srcDValue, dstNzC0Stride, dstNzNStride, dstNzMatrixStride"]
        if name in ("load_l0a", "load_l0b", "load_l0b_trans"):
            self.helpers.add(name)
            src_rows = a[1].type.get_shape()[0]  # type: ignore[attr-defined]
            d1, d2 = f.tile_dims[a[0]]
            return [f"apy_{name}({f.bufs[a[0]][0]}, {f.bufs[a[1]][0]}, {src_rows}, {u32(a[2])}, {u32(a[3])}, "
                    f"{u32(a[4])}, {u32(a[5])});", f"{d1} = {u32(a[4])};", f"{d2} = {u32(a[5])};"]
        if name == "mmad":
            c, rows = f.bufs[a[0]][0], f.tile_m[a[0]]
            m16 = f"(static_cast<uint32_t>({v(a[3])}) + 15) / 16 * 16"
            # m rounded up to 16: m == 1 would switch the cube to GEMV mode, which reads L0A in another layout.
            self.helpers.add("mmad_check")
            am, ak = f.tile_dims[a[1]]
            bk, bn = f.tile_dims[a[2]]
            c0 = 32 // ELEMENT_TYPES[asc.buffer_dtype(a[1])].nbytes
            names = ", ".join(f'"{_escape(asc.buffer_name(x))}"' for x in a[1:3])
            check = (f"apy_check_mmad({am}, {ak}, {bk}, {bn}, {u32(a[3])}, {u32(a[4])}, {u32(a[5])}, {c0}, {names}, "
                     "__FILE__, __LINE__);")
            return [check, f"AscendC::Mmad({c}, {f.bufs[a[1]][0]}, {f.bufs[a[2]][0]}, AscendC::MmadParams("
                    f"static_cast<uint16_t>({m16}), {u16(a[4])}, {u16(a[5])}, 0, false, !{v(a[6])}));"
                    "  // m (rounded up to 16), n, k, unitFlag, cmatrixSource, cmatrixInitVal",
                    f"{rows} = {m16};"]
        assert name == "fixpipe" and op.relu is not None
        gm, elem = f.gm[a[0]]
        src = a[2]
        if op.route is not None:  # 310P: no Fixpipe
            self.helpers.update({"fixpipe_ub", "flag", "copy"})
            return [f"apy_fixpipe_via_ub({gm}[static_cast<uint64_t>({v(a[1])})], {f.bufs[src][0]}, {_STAGING}, "
                    f"{u32(a[3])}, {u32(a[4])}, {f.tile_m[src]}, {u32(a[5])}, "
                    f"{'true' if op.relu.value.data else 'false'});"]
        self.helpers.add("fixpipe")
        quant = cubeops.FIXPIPE_QUANT[(asc.buffer_dtype(src), _DTYPE_OF_CPP[elem])]
        relu = "true" if op.relu.value.data else "false"
        return [f"apy_fixpipe({gm}[static_cast<uint64_t>({v(a[1])})], {f.bufs[src][0]}, {u32(a[3])}, {u32(a[4])}, "
                f"{f.tile_m[src]}, {u32(a[5])}, QuantMode_t::{quant}, {relu});"]

    # ---- strided / 2-D data movement: std.load_rows / std.store_rows
    def dma_rows(self, f: _Func, op: asc.DmaRowsOp) -> list[str]:
        """One strided DataCopy (DataCopyParams: lengths and gaps in 32-byte blocks) or DataCopyPad
        (DataCopyExtParams: blockLen and the GM gap in bytes, the UB gap in 32-byte blocks), fields in the
        order of CANN 8.1's kernel_struct_data_copy.h; constants folded, run-time values checked first."""
        tensor = f.bufs[op.ub][0]
        gm = f"{f.gm[op.gm][0]}[static_cast<uint64_t>({self.v(f, op.offset)})]"
        es = ELEMENT_TYPES[asc.buffer_dtype(op.ub)].nbytes
        consts = [asc.const_index(x) for x in (op.rows, op.cols, op.gm_ld, op.ub_ld)]
        r, c, g, u = (k if k is not None else self.v(f, x)
                      for k, x in zip(consts, (op.rows, op.cols, op.gm_ld, op.ub_ld)))
        left, right = op.pad_left.value.data, op.pad_right.value.data
        if consts[0] == 0 or consts[1] == 0:
            return ["// std.load_rows / store_rows of no elements: nothing to move"]
        out = []
        if None in consts:
            self.helpers.add("rows_check")
            out.append(f"apy_check_rows({r}, {c}, {g}, {u}, {left + right}, {es}, __FILE__, __LINE__);")
        vals = {"r": r, "c": c, "g": g, "u": u}
        count = _fold("r", "uint16_t", {"r": r})
        load = op.dir.data == "in"
        if op.form.data == "DataCopy":
            blk, gm_gap, ub_gap = (_fold(e, "uint16_t", vals) for e in (
                f"c * {es} // 32", f"( g - c ) * {es} // 32", f"( u - c ) * {es} // 32"))
            src_gap, dst_gap = (gm_gap, ub_gap) if load else (ub_gap, gm_gap)
            call = (f"AscendC::DataCopy({tensor}, {gm}, " if load else f"AscendC::DataCopy({gm}, {tensor}, ") + \
                f"AscendC::DataCopyParams({count}, {blk}, {src_gap}, {dst_gap}));" + \
                "  // blockCount, blockLen, srcStride, dstStride: 32-byte blocks"
            return out + ([f"if ({r} > 0) {{", "    " + call, "}"] if consts[0] is None else [call])
        row = f"( ( c + {left + right} ) * {es} + 31 ) // 32 * 32" if load else f"( c * {es} + 31 ) // 32 * 32"
        blk, gm_gap, ub_gap = (_fold(e, "uint32_t", vals) for e in (
            f"c * {es}", f"( g - c ) * {es}", f"( u * {es} - {row} ) // 32"))
        if load:
            elem = f.bufs[op.ub][2]
            value = f"static_cast<{elem}>({self.v(f, op.pad_value)})" if op.pad_value is not None else f"{elem}(0)"
            is_pad = "true" if left or right else "false"
            return out + [f"AscendC::DataCopyPad({tensor}, {gm}, AscendC::DataCopyExtParams({count}, {blk}, {gm_gap}, "
                          f"{ub_gap}, 0), AscendC::DataCopyPadExtParams<{elem}>({is_pad}, {left}, {right}, {value}));"
                          "  // blockCount, blockLen (bytes), srcStride (GM gap, bytes), dstStride (UB gap, "
                          "32-byte blocks), rsv; isPad, leftPadding, rightPadding, paddingValue"]
        return out + [f"AscendC::DataCopyPad({gm}, {tensor}, AscendC::DataCopyExtParams({count}, {blk}, {ub_gap}, "
                      f"{gm_gap}, 0));  // blockCount, blockLen (bytes), srcStride (UB gap, 32-byte blocks), "
                      "dstStride (GM gap, bytes), rsv"]

    def vec_call(self, f: _Func, op: asc.VecOp) -> str:
        """`AscendC::Fn(dst, ..., [mode,] count);` with scalars in the buffers' element type."""
        fn = op.fn.data
        if fn in _GATHER_CPP:
            return self.gather_call(f, op)
        args = list(op.args)
        if fn in ("CumSum", "Erf"):
            return self.scan_erf_call(f, op)
        scalar_type = f.bufs[args[1]][2] if fn == "CompareScalar" else f.bufs[args[0]][2]
        rendered = []
        for a in args[:-1]:
            if a in f.bufs and fn == "Cast" and f.bufs[a][2] == "bool":  # no Cast on bool: cast its bytes
                rendered.append(f"{f.bufs[a][0]}.ReinterpretCast<uint8_t>()")
            elif a in f.bufs:
                rendered.append(f.bufs[a][0])
            else:
                rendered.append(f"static_cast<{scalar_type}>({self.v(f, a)})")
        if op.mode is not None and op.mode.data == "calIndex":  # std.argmax / argmin: ReduceMax(..., count, true)
            rendered.append(f"static_cast<int32_t>({self.v(f, args[-1])})")
            return f"AscendC::{fn}({', '.join(rendered)}, true);"
        if op.mode is not None:
            enum = {"Cast": "RoundMode", "Compare": "CMPMODE", "CompareScalar": "CMPMODE", "Select": "SELMODE"}[fn]
            rendered.append(f"AscendC::{enum}::{op.mode.data}")
        rendered.append(f"static_cast<int32_t>({self.v(f, args[-1])})")
        return f"AscendC::{fn}({', '.join(rendered)});"

    # ---- scans and erf
    def scan_erf_call(self, f: _Func, op: asc.VecOp) -> str:
        """`AscendC::CumSum<T, config>(dst, lastRow, src, tmp, CumSumInfo{outter, inner})` (config: a namespace
        constexpr CumSumConfig, as the template takes it by reference) or `AscendC::Erf(dst, src, tmp, n)`."""
        names = [f.bufs[a][0] if a in f.bufs else f"static_cast<uint32_t>({self.v(f, a)})" for a in op.args]
        if op.fn.data == "Erf":
            return f"AscendC::Erf({', '.join(names)});"
        assert op.mode is not None
        config = f"apy_cumsum_{op.mode.data}"
        self.helpers.add(config)
        elem = f.bufs[op.args[0]][2]
        return (f"AscendC::CumSum<{elem}, {config}>({', '.join(names[:4])}, "
                f"AscendC::CumSumInfo{{{names[4]}, {names[5]}}});")
    # ---- gather and broadcast (issue 13)
    def gather_call(self, f: _Func, op: asc.VecOp) -> str:
        """Gather / GatherMask (counter mode, one repeat of `count` elements) / Brcb / Broadcast<T, 2, axis>."""
        fn = op.fn.data
        a = list(op.args)
        t = [f.bufs[x][0] if x in f.bufs else "" for x in a]

        def u32(x: SSAValue) -> str:
            return f"static_cast<uint32_t>({self.v(f, x)})"

        if fn == "Gather":
            return f"AscendC::Gather({t[0]}, {t[1]}, {t[2]}, {u32(a[3])}, {u32(a[4])});"
        if fn == "GatherMask":
            kept = f.locals[a[-1]][0]
            pattern = f"static_cast<uint8_t>({GatherPattern[op.mode.data].value})" if op.mode is not None else t[2]
            # reduceMode = true (counter mode) with repeatTimes 1: `count` elements on both SoCs (910B takes
            # repeatTimes x mask elements, 310P mask elements); src0 blocks contiguous.
            return (f"AscendC::GatherMask({t[0]}, {t[1]}, {pattern}, true, {u32(a[-2])}, "
                    f"AscendC::GatherMaskParams(1, 1, 8, 0), {kept});")
        if fn == "Brcb":
            return f"AscendC::Brcb({t[0]}, {t[1]}, static_cast<uint8_t>({self.v(f, a[2])}), " \
                   "AscendC::BrcbRepeatParams(1, 8));"
        self.helpers.add("broadcast")
        assert op.mode is not None
        axis = int(op.mode.data)
        rows, cols = u32(a[3]), u32(a[4])
        src_shape = f"1, {cols}" if axis == 0 else f"{rows}, 1"
        return (f"{{ const uint32_t apy_dst_shape[2] = {{{rows}, {cols}}}; const uint32_t apy_src_shape[2] = "
                f"{{{src_shape}}}; AscendC::Broadcast<{f.bufs[a[0]][2]}, 2, {axis}>({t[0]}, {t[1]}, apy_dst_shape, "
                f"apy_src_shape, {t[2]}); }}")
    # ---- end gather and broadcast

    def emit_region(self, f: _Func, block: Block, results: list[str]) -> None:
        f.indent += 1
        self.emit_block(f, block)
        last = block.last_op
        if results and isinstance(last, scf.YieldOp):
            for name, val in zip(results, last.operands):
                self.line(f, f"{name} = {self.v(f, val)};")
        f.indent -= 1


def _only_yield(block: Block, results: list[str]) -> bool:
    ops = list(block.ops)
    return len(ops) == 1 and isinstance(ops[0], scf.YieldOp) and not results


_CMPI = {0: ("u", "=="), 1: ("u", "!="), 2: ("s", "<"), 3: ("s", "<="), 4: ("s", ">"), 5: ("s", ">="),
         6: ("u", "<"), 7: ("u", "<="), 8: ("u", ">"), 9: ("u", ">=")}
# arith.cmpf predicates: 1 oeq, 2 ogt, 3 oge, 4 olt, 5 ole, 13 une
_CMPF = {1: "==", 2: ">", 3: ">=", 4: "<", 5: "<=", 13: "!="}


def _escape(path: str) -> str:
    return path.replace("\\", "\\\\").replace('"', '\\"')


def _literal(attr: Attribute, t: Attribute) -> str:
    if isinstance(attr, IntegerAttr):
        val = attr.value.data
        if isinstance(t, IndexType):
            return f"static_cast<int64_t>({val}LL)"
        assert isinstance(t, IntegerType)
        bits = t.width.data
        if bits == 1:
            return "true" if val else "false"
        val &= (1 << bits) - 1
        suffix = "ULL" if bits == 64 else "U"
        return f"static_cast<{_uint(bits)}>({val}{suffix})"
    assert isinstance(attr, FloatAttr)
    x = attr.value.data
    if pymath.isnan(x):
        text = "__builtin_nanf(\"\")"
    elif pymath.isinf(x):
        text = "__builtin_inff()" if x > 0 else "-__builtin_inff()"
    else:
        text = f"{x!r}f" if "e" in repr(x) or "." in repr(x) else f"{x!r}.0f"
    return text if isinstance(t, Float32Type) else f"static_cast<half>({text})"


def module_to_cpp(module: ModuleOp, source_name: str) -> str:
    """The AscendC C++ translation unit for every kernel in `module`."""
    return CppEmitter(module, source_name).emit_module()


__all__ = ["module_to_cpp", "ctype", "MemRefType", "StringAttr"]
