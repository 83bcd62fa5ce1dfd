"""Exponential and logarithm the compiler can vectorise, for the decision's batches.

The decision (decision.py) takes thirteen exponentials and a logarithm per cadre and quarter.
``np.exp`` and ``np.log`` compile to calls of the C library, one value at a time, about 6-12 ns
each here; that was a sixth of a 1,000-cadre run. ``exp_in_place`` and ``log_in_place`` compute
the same functions with plain IEEE arithmetic, so the compiler packs several values into one
vector instruction (a few ns a value in a batch) and -- unlike a library call -- they give the
same bits on every CPU and C library.

exp (Cody and Waite's range reduction, then Taylor): ``x = k ln2 + r`` with integer ``k`` and
``|r| <= ln2 / 2``, ``ln2`` split in a high part exact in a product with ``k`` and a low part;
``exp(r)`` by its Taylor polynomial of degree 13 (the first omitted term is below 5e-18 of the
result), evaluated in Estrin's scheme (independent pairs, shorter dependency chains); then
``2**k`` is built from its exponent bits. Within 2 units in the last place of ``np.exp`` for
arguments in [-708, 709] (tests/test_vecmath.py); arguments outside are clamped to that range, so
the result stays a finite, normal number (the decision's utilities are bounded far inside it).

log: ``x = 2**e * m`` with ``m`` in [sqrt(1/2), sqrt(2)), read from the bits of ``x``; then
``log m = 2 atanh(s)``, ``s = (m - 1) / (m + 1)``, by its odd series to ``s**21`` (``|s| <= 0.172``:
the first omitted term is below 2e-17 of the result), and ``e ln2`` added in two parts. Within
2 units in the last place of ``np.log`` for positive normal numbers. Zero gives -1023 ln2
(about -709), whose exponential the clamp above makes zero-like, as ``log(0) = -inf`` would;
negative numbers, subnormals, infinities and NaN are not handled (the decision takes logarithms of
chances of escaping inspection, which are in (0, 1]).
"""

from __future__ import annotations

import math

import numpy as np

from .jit import kernel

LOG2E = 1.4426950408889634
#: ln 2 in two parts: the high part has 32 significant bits, so ``k * LN2_HI`` is exact.
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
#: The clamp: exp(-708) is still a normal double, exp(709) still finite.
X_MIN, X_MAX = -708.0, 709.0
_C = tuple(1.0 / math.factorial(k) for k in range(14))
C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 = _C[2:]
#: Coefficients 1 / (2k + 1) of the atanh series, k = 1..10.
A1, A2, A3, A4, A5, A6, A7, A8, A9, A10 = (1.0 / (2 * k + 1) for k in range(1, 11))
_MANTISSA = (1 << 52) - 1
_ONE_BITS = 1023 << 52  # the exponent bits of 1.0
SQRT2 = math.sqrt(2.0)


@kernel
def exp_in_place(x, bits):
    """Replace every element of the float64 array ``x`` by its exponential; ``bits`` is int64
    scratch space of at least its size. Two plain loops, so each is vectorised."""
    for i in range(x.size):
        v = min(max(x[i], X_MIN), X_MAX)
        k = np.floor(v * LOG2E + 0.5)
        r = (v - k * LN2_HI) - k * LN2_LO
        r2 = r * r
        r4 = r2 * r2
        r8 = r4 * r4
        x[i] = (((1.0 + r) + r2 * (C2 + C3 * r)) + r4 * ((C4 + C5 * r) + r2 * (C6 + C7 * r))
                + r8 * (((C8 + C9 * r) + r2 * (C10 + C11 * r)) + r4 * (C12 + C13 * r)))
        bits[i] = (np.int64(k) + 1023) << 52  # the bits of the double 2**k
    scale = bits.view(np.float64)
    for i in range(x.size):
        x[i] *= scale[i]


@kernel
def log_in_place(x, bits):
    """Replace every element of the float64 array ``x`` (positive, normal) by its natural
    logarithm; ``bits`` is int64 scratch space of at least its size."""
    raw = x.view(np.int64)
    for i in range(x.size):  # split off the exponent: bits[i] = e, x[i] = m in [1, 2)
        b = raw[i]
        bits[i] = ((b >> 52) & 2047) - 1023
        raw[i] = (b & _MANTISSA) | _ONE_BITS
    for i in range(x.size):
        m, e = x[i], float(bits[i])
        if m > SQRT2:  # centre m on 1: [sqrt(1/2), sqrt(2))
            m *= 0.5
            e += 1.0
        f = m - 1.0
        s = f / (2.0 + f)
        z = s * s
        z2 = z * z
        z4 = z2 * z2
        z8 = z4 * z4
        p = (((A1 + A2 * z) + z2 * (A3 + A4 * z)) + z4 * ((A5 + A6 * z) + z2 * (A7 + A8 * z))
             + z8 * (A9 + A10 * z))
        two_s = 2.0 * s
        x[i] = e * LN2_HI + (e * LN2_LO + (two_s + two_s * z * p))
