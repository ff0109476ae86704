"""Composites (kernel_ops parity): each is one call in a kernel, written in the device language.

They work on UB buffers (`dst, src, n`, destination first like AscendC) and are
inlined at the call site, so the compiler's sync insertion and UB budget cover
them like hand-written code. Work buffers a composite needs are allocated per
call site with the capacity of its source buffer (`len(src)` elements each; the
docstrings say how many).

Element types are f16 and f32. Every composite is branch-free vector code (no
Compare/Select, whose level-2 form needs 256-byte multiples), so any count
works, and is written so that the overflow of an intermediate (exp(x) = inf,
x*x = inf in f16) still yields the right limit. Sums of squares are scaled by
the largest magnitude first (as BLAS nrm2 does), so they cannot overflow f16;
means are summed from x/n. Scalar parameters (alpha, eps, delta, lr) must be
literals or scalars of the buffers' element type. Reductions need n >= 1;
a composite that returns a value returns a scalar of the buffers' element type.

Activations (dst may be src): relu, sigmoid, tanh, gelu, softmax, elu, silu
(= swish), mish, selu, softplus, softsign, hardsigmoid, hardswish, leaky_relu,
log_softmax, hardtanh. Composites: layernorm, rmsnorm, l1_norm, l2_norm,
mse_loss, huber_loss, hinge_loss, cosine_similarity, sgd_update, reduce_mean,
reduce_prod, cross_entropy, kl_div. Scans and erf: cumprod (down the columns or along the rows of a tile),
gelu_exact (GELU with std.erf). Masks: mask_to_bool, bool_to_mask (bool
buffers and the u8 bit masks of std.compare, through f16).
"""

from __future__ import annotations

from ascendpy import std

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
GELU_C = 0.7978845608028654  # sqrt(2 / pi)
GELU_K = 0.044715
F16_TINY = 6.103515625e-05  # 2^-14, the smallest normal f16


# ------------------------------------------------------------------ scalar helpers (not part of the API)
@std.inline
def _zero_like(v):
    """0 in v's float type, whatever v holds (NaN and inf included)."""
    return max(0.0, min(0.0, v))


@std.inline
def _inverse_scale(a):
    """For a = max|x| >= 0: 1/a, or 1 when a == 0, or 2^14 when 1/a overflows (f16 subnormal a).

    In every case |x| * result <= 1, so squares and sums of n such terms stay finite.
    """
    inv = max(1.0, min(1.0, a))
    if a > 0.0:
        inv = 1.0 / a
        if inv - inv != 0.0:
            inv = 16384.0
    return inv


@std.inline
def _tiny_like(v):
    """The smallest normal number of v's type: 2^-14 for f16, 2^-126 for f32."""
    t = _zero_like(v) + F16_TINY
    u = t * t * t * t * t * t * t * t * t  # 2^-126 in f32; 2^-28 underflows to 0 in f16
    if u > 0.0:
        t = u
    return t


# ------------------------------------------------------------------ activations: (dst, src, n[, params])
@std.inline
def relu(dst, src, n):
    """dst = max(src, 0)."""
    std.relu(dst, src, n)


@std.inline
def sigmoid(dst, src, n):
    """dst = 1 / (1 + exp(-x)); exp(-x) = inf for very negative x gives the limit 0."""
    std.muls(dst, src, -1.0, n)
    std.exp(dst, dst, n)
    std.adds(dst, dst, 1.0, n)
    std.reciprocal(dst, dst, n)


@std.inline
def tanh(dst, src, n):
    """dst = 2 / (1 + exp(-2x)) - 1; both limits come out exactly +-1.

    Near 0 the error is absolute (a few ulps of 1), not relative to tanh(x).
    """
    std.muls(dst, src, -2.0, n)
    std.exp(dst, dst, n)
    std.adds(dst, dst, 1.0, n)
    std.reciprocal(dst, dst, n)
    std.muls(dst, dst, 2.0, n)
    std.adds(dst, dst, -1.0, n)


@std.inline
def gelu(dst, src, n):
    """GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).

    Computed as x / (1 + exp(-2 sqrt(2/pi) x (1 + 0.044715 x^2))), the same function,
    which reaches both limits (x and -0) when x^2 or exp overflow. One work buffer.
    """
    w = std.ub_alloc(src.dtype, len(src))
    std.mul(w, src, src, n)
    std.muls(w, w, -2.0 * GELU_C * GELU_K, n)
    std.adds(w, w, -2.0 * GELU_C, n)
    std.mul(w, w, src, n)
    std.exp(w, w, n)
    std.adds(w, w, 1.0, n)
    std.div(dst, src, w, n)


@std.inline
def softmax(dst, src, n):
    """dst = exp(src - max(src)) / sum(exp(src - max(src))) over the first n elements."""
    m = std.reduce_max(src, n)
    std.adds(dst, src, -m, n)
    std.exp(dst, dst, n)
    s = std.reduce_sum(dst, n)
    std.muls(dst, dst, 1.0 / s, n)


@std.inline
def log_softmax(dst, src, n):
    """dst = x - max(x) - ln(sum(exp(x - max(x)))) over the first n elements. One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    m = std.reduce_max(src, n)
    std.adds(dst, src, -m, n)
    std.exp(w, dst, n)
    s = std.reduce_sum(w, n)
    std.adds(dst, dst, -std.ln(s), n)


@std.inline
def elu(dst, src, n, alpha):
    """dst = x if x > 0 else alpha (exp(x) - 1), as relu(x) + alpha (exp(min(x, 0)) - 1). One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    std.mins(w, src, 0.0, n)
    std.exp(w, w, n)
    std.adds(w, w, -1.0, n)
    std.muls(w, w, alpha, n)
    std.relu(dst, src, n)
    std.add(dst, dst, w, n)


@std.inline
def selu(dst, src, n):
    """dst = scale (relu(x) + alpha (exp(min(x, 0)) - 1)), alpha = 1.6732632, scale = 1.0507010. One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    std.mins(w, src, 0.0, n)
    std.exp(w, w, n)
    std.adds(w, w, -1.0, n)
    std.muls(w, w, SELU_ALPHA * SELU_SCALE, n)
    std.relu(dst, src, n)
    std.muls(dst, dst, SELU_SCALE, n)
    std.add(dst, dst, w, n)


@std.inline
def silu(dst, src, n):
    """SiLU / swish (beta = 1): dst = x sigmoid(x) = x / (1 + exp(-x)). One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    std.muls(w, src, -1.0, n)
    std.exp(w, w, n)
    std.adds(w, w, 1.0, n)
    std.div(dst, src, w, n)


swish = silu


@std.inline
def mish(dst, src, n):
    """dst = x tanh(softplus(x)) = x / (1 + 2 / (e (e + 2))), e = exp(x). Two work buffers.

    The form has no cancellation for negative x and gives the limit x when e or e (e + 2) overflow.
    """
    w = std.ub_alloc(src.dtype, len(src))
    v = std.ub_alloc(src.dtype, len(src))
    std.exp(w, src, n)
    std.adds(v, w, 2.0, n)
    std.mul(w, w, v, n)
    std.muls(w, w, 0.5, n)
    std.reciprocal(w, w, n)
    std.adds(w, w, 1.0, n)
    std.div(dst, src, w, n)


@std.inline
def softplus(dst, src, n):
    """dst = ln(1 + exp(x)), computed as relu(x) + ln(1 + exp(-|x|)) (no overflow). One work buffer.

    For large |x| the ln term is below half an ulp of the result, as with log1p-free formulas.
    """
    w = std.ub_alloc(src.dtype, len(src))
    std.abs(w, src, n)
    std.muls(w, w, -1.0, n)
    std.exp(w, w, n)
    std.adds(w, w, 1.0, n)
    std.ln(w, w, n)
    std.relu(dst, src, n)
    std.add(dst, dst, w, n)


@std.inline
def softsign(dst, src, n):
    """dst = x / (1 + |x|). One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    std.abs(w, src, n)
    std.adds(w, w, 1.0, n)
    std.div(dst, src, w, n)


@std.inline
def hardsigmoid(dst, src, n):
    """dst = clamp(x / 6 + 1/2, 0, 1) (PyTorch's definition); saturated values are exactly 0 and 1."""
    std.muls(dst, src, 1.0 / 6.0, n)
    std.adds(dst, dst, 0.5, n)
    std.maxs(dst, dst, 0.0, n)
    std.mins(dst, dst, 1.0, n)


@std.inline
def hardswish(dst, src, n):
    """dst = x hardsigmoid(x) = x clamp(x / 6 + 1/2, 0, 1). One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    hardsigmoid(w, src, n)
    std.mul(dst, src, w, n)


@std.inline
def leaky_relu(dst, src, n, alpha):
    """dst = x if x > 0 else alpha x, as relu(x) + alpha min(x, 0) (any alpha, exact). One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    std.mins(w, src, 0.0, n)
    std.muls(w, w, alpha, n)
    std.relu(dst, src, n)
    std.add(dst, dst, w, n)


@std.inline
def hardtanh(dst, src, n, min_val, max_val):
    """dst = clamp(x, min_val, max_val)."""
    std.maxs(dst, src, min_val, n)
    std.mins(dst, dst, max_val, n)


# ------------------------------------------------------------------ normalisation
@std.inline
def layernorm(dst, src, gamma, beta, n, eps):
    """dst = (x - mean) / sqrt(var + eps) * gamma + beta over the first n elements (biased variance).

    dst may be src (not gamma or beta). The mean is summed from x/n, then corrected by the mean of
    x - mean (two-pass), so rows with |mean| >> std keep full accuracy; the variance is summed from
    ((x - mean) / max|x - mean|)^2, so f16 rows with a large spread do not overflow. One work buffer.
    """
    w = std.ub_alloc(src.dtype, len(src))
    r = 1.0 / src.dtype(n)
    std.muls(w, src, r, n)
    mean = std.reduce_sum(w, n)
    std.adds(w, src, -mean, n)
    std.muls(dst, w, r, n)  # second pass: remove the rounding error of the mean
    std.adds(w, w, -std.reduce_sum(dst, n), n)
    std.abs(dst, w, n)
    inv = _inverse_scale(std.reduce_max(dst, n))
    std.muls(w, w, inv, n)
    std.mul(dst, w, w, n)
    q = std.reduce_sum(dst, n) * r
    std.muls(dst, w, 1.0 / std.sqrt(q + eps * inv * inv), n)
    std.mul(dst, dst, gamma, n)
    std.add(dst, dst, beta, n)


@std.inline
def rmsnorm(dst, src, gamma, n, eps):
    """dst = x / sqrt(mean(x^2) + eps) * gamma over the first n elements; dst may be src.

    mean(x^2) is summed from (x / max|x|)^2 (no f16 overflow). One work buffer.
    """
    w = std.ub_alloc(src.dtype, len(src))
    std.abs(w, src, n)
    inv = _inverse_scale(std.reduce_max(w, n))
    std.muls(w, src, inv, n)
    std.mul(dst, w, w, n)
    q = std.reduce_sum(dst, n)
    q = q / src.dtype(n)
    std.muls(dst, w, 1.0 / std.sqrt(q + eps * inv * inv), n)
    std.mul(dst, dst, gamma, n)


# ------------------------------------------------------------------ reductions returning a scalar
@std.inline
def reduce_mean(src, n):
    """sum(x) / n, summed from x * (1/n) so an f16 sum cannot overflow. One work buffer.

    f16 caveat: 1/n is subnormal for n > 16384 (up to 0.4 % relative error there).
    """
    w = std.ub_alloc(src.dtype, len(src))
    std.muls(w, src, 1.0 / src.dtype(n), n)
    return std.reduce_sum(w, n)


@std.inline
def reduce_prod(src, n):
    """x[0] * x[1] * ... * x[n-1], multiplied in order on the scalar unit.

    There is no ReduceProd instruction; exp(sum(ln|x|)) with sign tracking would be vectorised
    but inexact, so this loop rounds exactly like a sequential product in the element type
    (numpy: functools.reduce(operator.mul, x)). It costs n scalar reads of UB: keep n small.
    """
    p = src[0]
    for i in range(1, n):
        p = p * src[i]
    return p


@std.inline
def l1_norm(src, n):
    """sum(|x|). In f16 the result saturates at 65504 (it is not representable). One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    std.abs(w, src, n)
    return std.reduce_sum(w, n)


@std.inline
def l2_norm(src, n):
    """sqrt(sum(x^2)), summed from (x / max|x|)^2 then rescaled, so f16 cannot overflow early. One work buffer."""
    w = std.ub_alloc(src.dtype, len(src))
    std.abs(w, src, n)
    inv = _inverse_scale(std.reduce_max(w, n))
    std.muls(w, w, inv, n)
    std.mul(w, w, w, n)
    return std.sqrt(std.reduce_sum(w, n)) / inv


@std.inline
def mse_loss(a, b, n):
    """mean((a - b)^2), summed from ((a - b) / max|a - b|)^2 then rescaled (no f16 overflow). One work buffer."""
    w = std.ub_alloc(a.dtype, len(a))
    std.sub(w, a, b, n)
    std.abs(w, w, n)
    inv = _inverse_scale(std.reduce_max(w, n))
    std.muls(w, w, inv, n)
    std.mul(w, w, w, n)
    q = std.reduce_sum(w, n)
    return q / a.dtype(n) / inv / inv


@std.inline
def huber_loss(a, b, n, delta):
    """mean(0.5 d^2 if |d| <= delta else delta (|d| - 0.5 delta)), d = a - b (PyTorch HuberLoss).

    Branch-free: with c = min(|d|, delta) each term is c (|d| - c/2). Two work buffers.
    """
    w = std.ub_alloc(a.dtype, len(a))
    v = std.ub_alloc(a.dtype, len(a))
    std.sub(w, a, b, n)
    std.abs(w, w, n)
    std.mins(v, w, delta, n)
    std.muls(v, v, 0.5, n)
    std.sub(w, w, v, n)
    std.mul(w, w, v, n)
    std.muls(w, w, 2.0 / a.dtype(n), n)
    return std.reduce_sum(w, n)


@std.inline
def hinge_loss(pred, target, n):
    """mean(max(0, 1 - pred * target)) (targets are +-1). One work buffer."""
    w = std.ub_alloc(pred.dtype, len(pred))
    std.mul(w, pred, target, n)
    std.mins(w, w, 1.0, n)
    std.adds(w, w, -1.0, n)
    std.muls(w, w, -1.0 / pred.dtype(n), n)
    return std.reduce_sum(w, n)


@std.inline
def cosine_similarity(a, b, n):
    """a.b / (|a| |b|), or 0 when a or b is all zeros. Three work buffers.

    Each vector is scaled by its largest magnitude first (the ratio is scale-invariant),
    so f16 dot products and norms cannot overflow.
    """
    w = std.ub_alloc(a.dtype, len(a))
    v = std.ub_alloc(a.dtype, len(a))
    u = std.ub_alloc(a.dtype, len(a))
    std.abs(w, a, n)
    std.muls(w, a, _inverse_scale(std.reduce_max(w, n)), n)
    std.abs(v, b, n)
    std.muls(v, b, _inverse_scale(std.reduce_max(v, n)), n)
    std.mul(u, w, v, n)
    dot = std.reduce_sum(u, n)
    std.mul(u, w, w, n)
    na = std.reduce_sum(u, n)
    std.mul(u, v, v, n)
    nb = std.reduce_sum(u, n)
    den = std.sqrt(na) * std.sqrt(nb)
    cos = _zero_like(dot)
    if den > 0.0:
        cos = dot / den
    return cos


@std.inline
def cross_entropy(logits, target, n):
    """-sum(target * log_softmax(logits)): cross-entropy of a target distribution (e.g. one-hot)
    against logits, stable for any logit range. Two work buffers."""
    w = std.ub_alloc(logits.dtype, len(logits))
    v = std.ub_alloc(logits.dtype, len(logits))
    m = std.reduce_max(logits, n)
    std.adds(w, logits, -m, n)
    std.exp(v, w, n)
    s = std.reduce_sum(v, n)
    std.adds(w, w, -std.ln(s), n)
    std.mul(w, w, target, n)
    return -std.reduce_sum(w, n)


@std.inline
def kl_div(p, q, n):
    """KL(p || q) = sum(p ln(p / q)) (a sum, not a mean; PyTorch reduction='sum' on log q).

    p and q are clamped below at the smallest normal number of the type (2^-14 f16,
    2^-126 f32): terms with p = 0 vanish, q = 0 gives a large finite term. Two work buffers.
    """
    w = std.ub_alloc(p.dtype, len(p))
    v = std.ub_alloc(p.dtype, len(p))
    tiny = _tiny_like(p[0])
    std.maxs(w, p, tiny, n)
    std.ln(w, w, n)
    std.maxs(v, q, tiny, n)
    std.ln(v, v, n)
    std.sub(w, w, v, n)
    std.mul(w, w, p, n)
    return std.reduce_sum(w, n)


# ------------------------------------------------------------------ optimiser
@std.inline
def sgd_update(param, grad, n, lr):
    """param -= lr * grad, in place (rounded like numpy: param - grad * lr). One work buffer."""
    w = std.ub_alloc(param.dtype, len(param))
    std.muls(w, grad, lr, n)
    std.sub(param, param, w, n)


# ------------------------------------------------------------------ scans and erf
@std.inline
def cumprod(dst, src, rows, cols, axis):
    """Cumulative product over a row-major [rows, cols] tile: torch.cumprod(x, dim=axis).

    AscendC has no CumProd (CANN 8.1 has CumSum only), so this is a chain of Muls, one per row or column, in
    order: each element is the sequential product x0, x0*x1, (x0*x1)*x2, ... in the element type, rounded
    once per multiply, exactly as np.cumprod computes it. dst may be src.

    axis 0 (or -2), down the columns: row 0 is copied by Muls(x, 1) (which keeps -0 and NaN), then
    row i = row i-1 * src row i, one Mul of `cols` elements per row. cols must be a compile-time multiple
    of 32 bytes (8 f32 / 16 f16 elements: each row view starts 32-byte aligned); rows may be a run-time value.

    axis 1 (or -1), along each row (any cols, a 1-D tile is rows = 1): transposed on chip by std.gather into
    a [cols, R] tile (R = len(src) // cols rounded up to 16, so every column of src is a 32-byte aligned row),
    the column chain above on it (cols - 1 Muls of R elements), and gathered back. The two u32 byte-offset
    tables are computed on chip from a cumsum ramp in f32 (see _transpose_offsets). Work buffers: the
    transposed tile (cols * R of src's type) and three f32 buffers of cols * R (ramp, offsets, scratch),
    so about 3 + 12 / sizeof(T) times the tile, which keeps the Gathers under their 255-repeat limit.
    cols must be a compile-time constant, rows (<= len(src) // cols) may be a run-time value.
    """
    if axis % 2 == 0:
        _cumprod_columns(dst, src, rows, cols)
    else:
        _cumprod_last(dst, src, rows, cols, (len(src) // cols + 15) // 16 * 16, src.dtype.nbytes)


@std.inline
def _cumprod_columns(dst, src, rows, cols):
    """cumprod axis 0: row i = row i-1 * src row i (see cumprod)."""
    std.muls(dst[0:cols], src[0:cols], 1.0, cols)
    if rows > 1:
        std.mul(dst[cols:2 * cols], dst[0:cols], src[cols:2 * cols], cols)  # constant views: alignment checked
    for r in range(2, rows):
        std.mul(dst[r * cols:(r + 1) * cols], dst[(r - 1) * cols:r * cols], src[r * cols:(r + 1) * cols], cols)


@std.inline
def _cumprod_last(dst, src, rows, cols, pitch, size):
    """cumprod axis 1 (see cumprod): gather src transposed into t ([cols, pitch]), chain its rows, gather back."""
    t = std.ub_alloc(src.dtype, cols * pitch)
    ramp = std.ub_alloc(std.f32, cols * pitch)
    off = std.ub_alloc(std.f32, cols * pitch)
    w = std.ub_alloc(std.f32, cols * pitch)
    std.duplicate(w, 1.0, 8)
    std.cumsum(ramp, w, 1, 8, 1)  # ramp[0:8] = 1..8
    std.adds(w, ramp, -1.0, 8)  # w[0:8] = 0..7
    if cols * pitch > 8:
        std.duplicate(w[8:cols * pitch], 8.0, cols * pitch - 8)
    std.cumsum(ramp, w, cols * pitch // 8, 8, 0)  # ramp[k] = k: row r of [n / 8, 8] is 8 r + 0..7, exact
    # t[j * pitch + i] = src[i * cols + j]; the padding i >= rows reads the last element (finite, in bounds)
    _transpose_offsets(off, ramp, w, cols * pitch, pitch, cols, size, std.f32((rows * cols - 1) * size))
    std.gather(t, src, std.reinterpret(off, std.u32), 0, cols * pitch)
    _cumprod_columns(t, t, cols, pitch)
    # dst[i * cols + j] = t[j * pitch + i]
    _transpose_offsets(off, ramp, w, cols * pitch, cols, pitch, size, std.f32((cols * pitch - 1) * size))
    std.gather(dst, t, std.reinterpret(off, std.u32), 0, rows * cols)


@std.inline
def _transpose_offsets(off, ramp, w, n, d, e, size, hi):
    """off[k] = u32 byte offset min((b * e + a) * size, hi) for k = a * d + b (0 <= b < d), ramp[k] = k.

    All in f32 on exact integers below 2^22, with no f32 -> integer Cast (310P has none). a = floor(k / d) is
    round((k + 0.5) * (1 / d) - 0.5): (k + 0.5) / d is at least 0.5 / d away from an integer, far more than
    the rounding errors of the multiply and subtract (k < 2^22), and adding 1.5 * 2^23, where the f32 step is
    1, rounds it to the nearest integer. The offset v < 2^23 becomes u32 through the bits of the f32 v + 2^23,
    which are 0x4B000000 + v: an i32 Adds of -0x4B000000 on the same bytes (std.reinterpret).
    """
    std.adds(w, ramp, 0.5, n)
    std.muls(w, w, 1.0 / d, n)
    std.adds(w, w, -0.5, n)  # within 0.5 - 0.5 / d of a
    std.adds(w, w, 12582912.0, n)  # 1.5 * 2^23 + a: rounded to an integer (the f32 step is 1 there), no tie
    std.adds(w, w, -12582912.0, n)  # a
    std.muls(off, w, -1.0 * d, n)
    std.add(off, off, ramp, n)  # b = k - a * d
    std.muls(off, off, 1.0 * e * size, n)
    std.muls(w, w, 1.0 * size, n)
    std.add(off, off, w, n)  # (b * e + a) * size
    std.mins(off, off, hi, n)
    std.adds(off, off, 8388608.0, n)
    std.adds(std.reinterpret(off, std.i32), std.reinterpret(off, std.i32), -1258291200, n)


@std.inline
def gelu_exact(dst, src, n):
    """Exact GELU, torch.nn.functional.gelu's default: 0.5 x (1 + erf(x / sqrt(2))), erf by std.erf.

    std.erf is AscendC's Erf (a rational approximation; see docs/vector.md), so the result is within
    about 1e-6 (f32) of the float64 function; f16 rounds every step to f16. One work buffer (and Erf's).
    dst may be src.
    """
    w = std.ub_alloc(src.dtype, len(src))
    std.muls(w, src, 0.7071067811865476, n)
    std.erf(w, w, n)
    std.adds(w, w, 1.0, n)
    std.mul(w, w, src, n)
    std.muls(dst, w, 0.5, n)


# ------------------------------------------------------------------ bool <-> compare masks (issue 13)
@std.inline
def mask_to_bool(dst, mask, n):
    """dst[i] = bit i of a std.compare / std.compares mask, as bool bytes (0 or 1). One f16 work buffer.

    AscendC has no bool vector op: Duplicate 1.0, Select(mask, 1.0, 0.0), then Cast f16 -> u8 into dst's bytes.
    """
    w = std.ub_alloc(std.f16, len(dst))
    std.duplicate(w, 1.0, n)
    std.select(w, mask, w, 0.0, n)
    std.cast(dst, w, std.RoundMode.CAST_NONE, n)


@std.inline
def bool_to_mask(mask, src, n):
    """The compare mask of a bool buffer (bit i set where src[i] is nonzero). One f16 work buffer.

    Cast u8 -> f16 of src's bytes, then CompareScalar(!= 0), whose rules (std.compares) apply.
    """
    w = std.ub_alloc(std.f16, len(src))
    std.cast(w, src, std.RoundMode.CAST_NONE, n)
    std.compares(mask, w, 0.0, std.CMPMODE.NE, n)
