"""The gamma function family on arrays: ``lgamma``, ``digamma``, the Hurwitz ``zeta`` and ``polygamma``.

All in float64 on the input's namespace (``series.in_float64``), with PyTorch's values at the poles
and infinities. The methods:

- ``lgamma``: on [1.5, 2.5] a polynomial for ``lgamma(x) / (x - 2)`` times ``x - 2`` (so the zeros
  at 1 and 2 keep full relative accuracy); below, ``lgamma(x) = lgamma(x + 1) - log(x)``; up to 8,
  the product of the shifts ``log(y (y + 1) ... (x - 1))``; above, Stirling's series. Negative arguments use
  the reflection formula with ``sin(pi x)`` computed exactly at integers.
- ``digamma``: on [1, 2] a polynomial for ``digamma(x) / (x - x0)`` times ``x - x0`` in
  double precision (``x0`` the positive zero, so the result keeps its relative accuracy there);
  recurrence to and from [1, 2] below 10; the asymptotic series above; reflection below 0.
- ``zeta(s, q)``: Euler-Maclaurin summation (nine terms, more while ``q + n <= 9``, then twelve
  Bernoulli corrections), each element stopping once its terms no longer change the sum.
- ``polygamma(n, x)``: ``digamma`` for n = 0; for n = 1 the sum of ``1/(x + k)**2`` up to 10 and the
  asymptotic series, with reflection below 0; ``(-1)**(n+1) n! zeta(n + 1, x)`` above.
"""

import math

from ..._array import namespace_of
from .gamma_tables import DIGAMMA_OVER_ROOT, DIGAMMA_ROOT, DIGAMMA_ROOT_LOW, LGAMMA_OVER_TWO
from .series import cospi, horner, in_float64, is_integer, piecewise, sinpi

__all__ = ["lgamma_array", "digamma_array", "zeta_arrays", "polygamma_array", "trigamma", "lgamma", "digamma",
           "zeta", "lgamma_positive", "lgamma_near_two", "stirling_correction"]

HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)
LOG_PI = math.log(math.pi)
_EPSILON = 1.11022302462515654042e-16  # half float64's ulp at 1: a term below this share of the sum is lost

# Bernoulli numbers B2 .. B22 as fractions (numerator, denominator)
_BERNOULLI = ((1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730), (7, 6), (-3617, 510), (43867, 798),
              (-174611, 330), (854513, 138))
# lgamma(x) - Stirling's leading terms = sum B_2k / (2k (2k - 1) x**(2k - 1))
_STIRLING = tuple(n / (d * 2 * k * (2 * k - 1)) for k, (n, d) in enumerate(_BERNOULLI, start=1))
# log(x) - 1/(2x) - digamma(x) = sum B_2k / (2k x**2k)
_DIGAMMA_ASYMPTOTIC = tuple(n / (d * 2 * k) for k, (n, d) in enumerate(_BERNOULLI[:8], start=1))
# polygamma(1, x) - 1/x - 1/(2x**2) = sum B_2k / x**(2k + 1)
_TRIGAMMA_ASYMPTOTIC = tuple(n / d for n, d in _BERNOULLI[:8])
# (2k)! / B_2k for k = 1 .. 12: the Euler-Maclaurin corrections of zeta
_ZETA_CORRECTIONS = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
                     -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
                     1.8152105401943546773e17, -7.1661652561756670113e18)


# ---------------------------------------------------------------- lgamma
def lgamma_near_two(z):
    """``lgamma(2 + z)`` for |z| <= 1/2."""
    return z * horner(LGAMMA_OVER_TWO, 2 * z)


def _stirling(xp, x):
    """``lgamma(x)`` for x >= 8."""
    w = 1 / x
    return (x - 0.5) * xp.log(x) - x + HALF_LOG_TWO_PI + w * horner(_STIRLING, w * w)


def stirling_correction(xp, a):
    """``lgamma(a)`` minus Stirling's leading terms ``(a - 1/2) log(a) - a + log(2 pi) / 2``, for a >= 1.

    The series from 8 on; below, ``S(a) = S(a + 1) + (a + 1/2) log1p(1/a) - 1``, whose terms are small,
    so their rounding stays a few units of float64's resolution in absolute terms.
    """
    steps = xp.where(a < 8, xp.ceil(8 - a), 0.0)
    w = 1 / (a + steps)
    total = w * horner(_STIRLING, w * w)
    for j in range(6, -1, -1):
        b = a + j
        total += xp.where(j < steps, (b + 0.5) * xp.log1p(1 / b) - 1, 0.0)
    return total


def _shifted_down(xp, x):
    """``lgamma(x)`` for 2.5 <= x < 8: ``lgamma(y) + log(y (y + 1) ... (x - 1))`` with y in [1.5, 2.5)."""
    steps = xp.floor(x - 1.5)
    product = x - 1
    for j in range(2, 7):
        product *= xp.where(j <= steps, x - j, 1.0)
    return lgamma_near_two(x - steps - 2) + xp.log(product)


def lgamma_positive(xp, x):
    """``lgamma`` of positive finite numbers."""
    return piecewise(xp, x, [
        (x < 0.5, lambda v: lgamma_near_two(v) - xp.log(v) - xp.log1p(v)),
        ((x >= 0.5) & (x < 1.5), lambda v: lgamma_near_two(v - 1) - xp.log(v)),
        ((x >= 1.5) & (x < 2.5), lambda v: lgamma_near_two(v - 2)),
        ((x >= 2.5) & (x < 8), lambda v: _shifted_down(xp, v)),
        (x >= 8, lambda v: _stirling(xp, v)),
    ])


def _lgamma_negative(xp, x):
    """``lgamma`` of negative non-integers: ``lgamma(x + 1) - log|x|`` above -1, else the reflection formula."""
    return piecewise(xp, x, [
        (x > -1, lambda v: lgamma_positive(xp, v + 1) - xp.log(-v)),
        (x <= -1, lambda v: LOG_PI - xp.log(xp.abs(sinpi(xp, v))) - lgamma_positive(xp, 1 - v)),
    ])


@in_float64
def lgamma(xp, x):
    """``log|gamma(x)|``: inf at the poles (0 and the negative integers) and at both infinities."""
    finite = xp.isfinite(x)
    pole = (x <= 0) & is_integer(xp, x) | xp.isinf(x)
    return piecewise(xp, x, [
        (finite & (x > 0), lambda v: lgamma_positive(xp, v)),
        (finite & (x < 0) & ~pole, lambda v: _lgamma_negative(xp, v)),
        (pole, lambda v: xp.full(v.shape, math.inf)),
    ])


lgamma_array = lgamma


# ---------------------------------------------------------------- digamma
def _digamma_one_to_two(xp, x):
    """``digamma`` on [1, 2]: ``(x - x0) * f(x)``, ``x - x0`` to twice float64's precision."""
    return ((x - DIGAMMA_ROOT) - DIGAMMA_ROOT_LOW) * horner(DIGAMMA_OVER_ROOT, 2 * x - 3)


def _digamma_asymptotic(xp, x):
    """``digamma`` for x >= 10."""
    w = 1 / (x * x)
    return xp.log(x) - 0.5 / x - w * horner(_DIGAMMA_ASYMPTOTIC, w)


def _digamma_shifted_down(xp, x):
    """``digamma`` for 2 < x < 10: ``digamma(y) + 1/y + ... + 1/(x - 1)`` with y in [1, 2)."""
    steps = xp.floor(x - 1)
    reciprocals = 1 / (x - 1)
    for j in range(2, 9):  # the smallest terms first
        reciprocals += xp.where(j <= steps, 1 / (x - j), 0.0)
    return _digamma_one_to_two(xp, x - steps) + reciprocals


def digamma_positive(xp, x):
    """``digamma`` of positive finite numbers."""
    return piecewise(xp, x, [
        (x < 1, lambda v: _digamma_one_to_two(xp, v + 1) - 1 / v),
        ((x >= 1) & (x <= 2), lambda v: _digamma_one_to_two(xp, v)),
        ((x > 2) & (x < 10), lambda v: _digamma_shifted_down(xp, v)),
        (x >= 10, lambda v: _digamma_asymptotic(xp, v)),
    ])


@in_float64
def digamma(xp, x):
    """``digamma``: -inf at +0, +inf at -0, nan at the negative integers and -inf, reflection below 0."""
    finite = xp.isfinite(x)
    negative = finite & (x < 0) & ~is_integer(xp, x)
    return piecewise(xp, x, [
        (finite & (x > 0), lambda v: digamma_positive(xp, v)),
        (negative, lambda v: digamma_positive(xp, 1 - v) - math.pi * cospi(xp, v) / sinpi(xp, v)),
        (x == 0, lambda v: xp.where(xp.signbit(v), math.inf, -math.inf)),
        (x == math.inf, lambda v: v),
    ])


digamma_array = digamma


# ---------------------------------------------------------------- Hurwitz zeta
def zeta_arrays(xp, s, q):
    """``zeta(s, q) = sum over k >= 0 of (q + k)**-s`` for float64 arrays of one shape (flat).

    PyTorch's conventions: inf at s = 1 and at non-positive integer q; nan for s < 1 and for
    negative q with a non-integer s (its powers are not real); negative q otherwise summed directly
    until ``q + n`` passes 9.
    """
    out = xp.full(s.shape, math.nan, dtype=xp.float64)
    pole = (s == 1) | (s > 1) & (q <= 0) & (q == xp.floor(q))
    out[pole] = math.inf
    summed = ~pole & ((s > 1) & ((q > 0) | (s == xp.floor(s))) | xp.isnan(s) | xp.isnan(q))
    index = xp.nonzero(summed.reshape(-1))[0]
    if index.size:
        out[index] = _euler_maclaurin(xp, s[index], q[index])
    return out


def _euler_maclaurin(xp, s, q):
    """The sum for the elements that need it; each one stops when its next term is negligible."""
    total = xp.power(q, -s)
    a = q + 0
    term = 0 * q
    done = xp.zeros(s.shape, dtype=xp.bool_)
    i = 0
    while True:
        going = ~done & ((a <= 9) | (i < 9))
        if not going.any():
            break
        i += 1
        a = xp.where(going, a + 1, a)
        term = xp.where(going, xp.power(a, -s), term)
        total = xp.where(going, total + term, total)
        done = done | going & (-_EPSILON * total < term) & (term < _EPSILON * total)
    w = a
    total = xp.where(done, total, total + term * w / (s - 1) - 0.5 * term)
    factor = 1 + 0 * s
    k = 0.0
    for correction in _ZETA_CORRECTIONS:
        factor = factor * (s + k)
        term = term / w
        t = factor * term / correction
        total = xp.where(done, total, total + t)
        done = done | (xp.abs(t / total) < _EPSILON)
        factor = factor * (s + k + 1)
        term = term / w
        k += 2
    return total


def _trigamma_positive(xp, x):
    """``polygamma(1, x)`` for x >= 0: ``1/x**2 + 1/(x + 1)**2 + ...`` up to 10, then the asymptotic series.

    Every term is positive, so nothing cancels; they are added smallest first.
    """
    steps = xp.where(x < 10, xp.ceil(10 - x), 0.0)
    y = x + steps
    w = 1 / (y * y)
    total = (1 + 0.5 / y + w * horner(_TRIGAMMA_ASYMPTOTIC, w)) / y
    for j in range(9, -1, -1):
        shifted = x + j
        total += xp.where(j < steps, 1 / (shifted * shifted), 0.0)
    return total


@in_float64
def trigamma(xp, x):
    """``polygamma(1, x)``, with the reflection formula below 0 (nan at -inf, inf at the poles)."""
    return piecewise(xp, x, [
        (x >= 0, lambda v: _trigamma_positive(xp, v)),
        (x < 0, lambda v: (math.pi / sinpi(xp, v)) ** 2 - _trigamma_positive(xp, 1 - v)),
    ])


def polygamma_array(n, x):
    """``polygamma(n, x)`` for a whole number ``n >= 0``, in ``x``'s dtype."""
    if n == 0:
        return digamma(x)
    if n == 1:
        return trigamma(x)
    return _polygamma_high(x, n)


def _polygamma_high(x, n):
    """``(-1)**(n+1) n! zeta(n + 1, x)`` for n >= 2."""
    xp = namespace_of(x)
    sign = 1.0 if n % 2 else -1.0
    wide = x.astype(xp.float64)
    values = sign * float(math.factorial(n)) * zeta(xp.full(x.shape, n + 1.0, dtype=xp.float64), wide)
    return values.astype(x.dtype, copy=False)


@in_float64
def zeta(xp, s, q):
    """``zeta(s, q)`` of two float arrays of one dtype (broadcast), in that dtype."""
    return zeta_arrays(xp, s, q)
