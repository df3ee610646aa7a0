"""The regularized incomplete gamma functions on arrays: ``P(a, x)`` (``gammainc``, ``igamma``) and
``Q(a, x) = 1 - P(a, x)`` (``gammaincc``, ``igammac``), in float64 on the input's namespace.

Whichever of P and Q is the smaller is computed directly, the other as one minus it:

- near the transition (a >= 20, |x - a| < 0.3 a): Temme's uniform expansion, both at once;
- small x with a small enough that P is close to 1: Q from the series of ``gamma(a, x)`` in powers of
  x, written with ``expm1`` and ``lgamma(1 + a)`` so that nothing cancels;
- x > a (and x > 1): Q by Legendre's continued fraction (modified Lentz);
- otherwise: P by its power series.

The factor ``x**a exp(-x) / gamma(a)`` that all but the first need is formed as
``sqrt(a / 2 pi) exp(a log1pmx((x - a) / a) - S(a))`` for a >= 1 (``S`` the remainder of Stirling's
series), which avoids the cancellation between ``a log(x)``, ``x`` and ``lgamma(a)``.
Each iteration runs only on the elements that have not yet converged.
"""

import math

from .error_kernels import erfc_float64
from .gamma_kernels import lgamma_positive, lgamma_near_two, stirling_correction
from .gamma_tables import TEMME, TEMME_TERMS
from .scipy_kernels import or_scipy
from .series import horner, in_float64

__all__ = ["gammainc", "gammaincc", "log1pmx"]

_EPSILON = 1.11022302462515654042e-16
_TINY = 1e-300
_MAX_ITERATIONS = 2000  # far more than any element needs in its region (a few hundred at most)
_TEMME_ROWS = tuple(TEMME[k:k + TEMME_TERMS] for k in range(0, len(TEMME), TEMME_TERMS))
# log1pmx(t) = -u t + 2 u**3 sum u**(2k) / (2k + 3) with u = t / (2 + t), |u| <= 1/3 for |t| <= 1/2
_LOG1PMX_SERIES = tuple(2 / (2 * k + 3) for k in range(17))


def log1pmx(xp, t):
    """``log(1 + t) - t``, relatively accurate for small ``t`` (where it is about ``-t**2 / 2``)."""
    small = xp.abs(t) <= 0.5
    safe = xp.where(small, t, 0.0)
    u = safe / (2 + safe)
    series = -u * safe + u * u * u * horner(_LOG1PMX_SERIES, u * u)
    return xp.where(small, series, xp.log1p(t) - t)


def _lgamma1p(xp, a):
    """``lgamma(1 + a)`` for 0 < a <= 1.5, without forming ``1 + a`` (relatively accurate as a -> 0)."""
    return xp.where(a <= 0.5, lgamma_near_two(a) - xp.log1p(a), lgamma_near_two(a - 1))


def power_factor(xp, a, x):
    """``x**a exp(-x) / gamma(a)`` for a > 0, x > 0, its exponent formed with the least cancellation.

    Two forms: Stirling's, ``sqrt(a / 2 pi) exp(a log(x / a) + a - x - S(a))`` (for a >= 1; the first two
    terms as ``a log1pmx((x - a) / a)`` within a/2 of a, where they nearly cancel), and the direct
    ``exp(a log(x) - lgamma(a) - x)`` with ``exp(-x)`` taken apart at an integer so that its large exact
    part is rounded only once. Each element takes the form whose terms are smaller, so whose rounding
    is. Far in the tails the result's relative error still grows like its exponent times float64's
    resolution, as for any float64 evaluation of that exponent (SciPy's included).
    """
    t = (x - a) / a
    log_ratio = xp.log(x / a)
    log_x = xp.log(x)
    lgamma_a = lgamma_positive(xp, a)
    stirling = (a >= 1) & ((xp.abs(t) <= 0.5) | (a * xp.abs(log_ratio) + xp.abs(x - a)
                                                 < a * xp.abs(log_x) + xp.abs(lgamma_a)))
    a_s = xp.where(stirling, a, 1.0)
    t_s = xp.where(stirling, t, 0.0)
    exponent = xp.where(xp.abs(t_s) <= 0.5, a_s * log1pmx(xp, t_s), a_s * log_ratio + (a_s - x))
    by_stirling = xp.sqrt(a_s / (2 * math.pi)) * xp.exp(exponent - stirling_correction(xp, a_s))
    rest = a * log_x - lgamma_a
    whole = xp.floor(x)
    split = (xp.abs(rest) < 700) & (whole < 700)
    whole = xp.where(split, whole, 0.0)
    direct = xp.exp(rest - (x - whole)) * xp.exp(-whole)
    return xp.where(stirling, by_stirling, direct)


def _lower_series(xp, a, x):
    """P(a, x) = x**a exp(-x) / gamma(a + 1) * sum x**n / ((a + 1) ... (a + n))."""
    total = xp.ones(a.shape, dtype=a.dtype)
    term = xp.ones(a.shape, dtype=a.dtype)
    denominator = a + 0
    active = xp.arange(a.size)
    for _ in range(_MAX_ITERATIONS):
        denominator[active] += 1
        term[active] *= x[active] / denominator[active]
        total[active] += term[active]
        active = active[term[active] > _EPSILON * total[active]]
        if not active.size:
            break
    return power_factor(xp, a, x) / a * total


def _upper_fraction(xp, a, x):
    """Q(a, x) = x**a exp(-x) / gamma(a) / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / ...))."""
    b = x + 1 - a
    c = xp.full(a.shape, 1 / _TINY)
    d = 1 / b
    h = d + 0
    active = xp.arange(a.size)
    for i in range(1, _MAX_ITERATIONS):
        coefficient = -i * (i - a[active])
        b[active] += 2
        d_active = coefficient * d[active] + b[active]
        d_active = 1 / xp.where(xp.abs(d_active) < _TINY, _TINY, d_active)
        c_active = b[active] + coefficient / c[active]
        c_active = xp.where(xp.abs(c_active) < _TINY, _TINY, c_active)
        delta = d_active * c_active
        d[active], c[active] = d_active, c_active
        h[active] *= delta
        active = active[xp.abs(delta - 1) > _EPSILON]
        if not active.size:
            break
    return power_factor(xp, a, x) * h


def _upper_small_x(xp, a, x):
    """Q(a, x) for x < 1.1 and small a: ``1 - u - u a sum (-x)**n / (n! (a + n))``, u = x**a / gamma(a + 1)."""
    exponent = a * xp.log(x) - _lgamma1p(xp, a)
    total = 0 * x
    term = xp.ones(x.shape, dtype=x.dtype)
    for n in range(1, 40):  # x**n / n! < 1e-18 by n = 25 for x < 1.1
        term = term * -x / n
        total = total + term / (a + n)
    return -xp.expm1(exponent) - xp.exp(exponent) * a * total


def _temme(xp, a, x):
    """(P, Q) for a >= 20 and |x - a| < 0.3 a."""
    exponent = a * log1pmx(xp, (x - a) / a)  # -a eta**2 / 2
    eta = xp.sqrt(-2 * exponent / a) * xp.sign(x - a)
    total = horner(_TEMME_ROWS[-1], eta)
    inverse = 1 / a
    for row in reversed(_TEMME_ROWS[:-1]):
        total = total * inverse + horner(row, eta)
    remainder = xp.exp(exponent) / xp.sqrt(2 * math.pi * a) * total
    scaled = eta * xp.sqrt(a / 2)
    return erfc_float64(xp, -scaled) / 2 - remainder, erfc_float64(xp, scaled) / 2 + remainder


def _both(xp, a, x):
    """(P, Q) for finite a > 0 and x > 0, each region on its own elements."""
    p = xp.empty_like(a)
    q = xp.empty_like(a)
    temme = (a >= 20) & (xp.abs(x - a) < 0.3 * a)
    with_log = xp.log(xp.where(x < 0.5, x, 0.25))
    small_x = ~temme & (x < 1.1) & xp.where(x < 0.5, a < -0.4 / with_log, a < 1.1 * x)
    fraction = ~temme & ~small_x & (x > 1) & (x > a)
    series = ~temme & ~small_x & ~fraction
    if temme.any():
        p[temme], q[temme] = _temme(xp, a[temme], x[temme])
    for mask, upper_fn in ((small_x, _upper_small_x), (fraction, _upper_fraction)):
        if mask.any():
            q[mask] = upper_fn(xp, a[mask], x[mask])
            p[mask] = 1 - q[mask]
    if series.any():
        p[series] = _lower_series(xp, a[series], x[series])
        q[series] = 1 - p[series]
    return p, q


def _regularized(xp, a, x, upper):
    """P (``upper`` False) or Q with PyTorch's values at the edges: nan for a negative or nan argument, for
    a = x = 0 and for a = x = inf; P = 1 at a = 0 or x = inf, P = 0 at x = 0 or a = inf."""
    out = xp.full(a.shape, math.nan)
    inside = (a > 0) & (x > 0) & (a < math.inf) & (x < math.inf)
    out[(a == 0) & (x > 0) | (x == math.inf) & (a > 0) & (a < math.inf)] = 0.0 if upper else 1.0
    out[(x == 0) & (a > 0) | (a == math.inf) & (x >= 0) & (x < math.inf)] = 1.0 if upper else 0.0
    if inside.any():
        out[inside] = _both(xp, a[inside], x[inside])[1 if upper else 0]
    return out


@or_scipy("gammainc")
@in_float64
def gammainc(xp, a, x):
    """The regularized lower incomplete gamma function P(a, x)."""
    return _regularized(xp, a, x, upper=False)


@or_scipy("gammaincc")
@in_float64
def gammaincc(xp, a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
    return _regularized(xp, a, x, upper=True)
