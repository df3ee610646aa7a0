"""The error function family on arrays: ``erf``, ``erfc``, ``erfcx``, their inverses and the normal
distribution's ``log_ndtr`` and ``ndtri``, in float64 on the input's namespace.

- ``erfcx(x) = exp(x**2) erfc(x)`` for x >= 0 is one polynomial in ``t = (x - 4) / (x + 4)``, which
  runs over [-1, 1) as x runs over [0, inf): ``(1 + 2x) erfcx(x)`` stays between 1 and 2/sqrt(pi), so
  a single expansion of 27 terms is accurate everywhere. Below 0, ``2 exp(x**2) - erfcx(-x)``.
- ``erfc(x) = exp(-x**2) erfcx(x)`` for x >= 1/2, with ``x**2`` carried in two floats so that
  ``exp`` gets it exactly (its rounding would otherwise be amplified by ``x**2``, up to 700 times);
  ``erf`` below 1/2 is its Taylor series; the rest follow from ``erf + erfc = 1`` and symmetry.
- The inverses start from a single-precision guess (M. Giles' polynomials in ``w = -log(1 - x**2)``,
  or the asymptotic ``erfc(y) ~ exp(-y**2) / (y sqrt(pi))`` far in the tail) and take Halley steps:
  on ``erf(y) = x`` near 0, where that residual is relatively accurate, and on
  ``log(erfc(y)) = log(c)`` in the tails, where ``c`` spans hundreds of orders of magnitude.
"""

import math

from .error_tables import ERFCX_SCALE, SCALED_ERFCX
from .scipy_kernels import or_scipy
from .series import horner, in_float64, piecewise, two_product

__all__ = ["erf", "erfc", "erfcx", "erfinv", "ndtri", "log_ndtr", "erfc_of_positive", "erfcx_of_positive",
           "exp_of_square", "TWO_OVER_SQRT_PI"]

TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
SQRT_HALF = math.sqrt(0.5)
LOG_SQRT_PI = 0.5 * math.log(math.pi)
_EXP_MINUS_64 = math.exp(-64)
# erf(x) / x = sum a[n] (x**2)**n, a[n] = 2/sqrt(pi) (-1)**n / (n! (2n + 1)); 14 terms for |x| <= 1/2
_ERF_SERIES = tuple(TWO_OVER_SQRT_PI * (-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(14))
# M. Giles' single-precision erfinv(x) / x, as polynomials in w - 2.5 (w < 5) and sqrt(w) - 3 (w >= 5)
_GILES_CENTRE = (1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087, -4.39150654e-06,
                 -3.5233877e-06, 3.43273939e-07, 2.81022636e-08)
_GILES_TAILS = (2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773, -0.00367342844,
                0.00134934322, 0.000100950558, -0.000200214257)


# ---------------------------------------------------------------- erfcx, erfc, erf
def erfcx_of_positive(xp, x):
    """``erfcx`` for x >= 0 (inf included: 0)."""
    t = (x - ERFCX_SCALE) / (x + ERFCX_SCALE)
    return xp.where(x == math.inf, 0.0, horner(SCALED_ERFCX, t) * 0.5 / (x + 0.5))  # (1 + 2x) would overflow


def exp_of_square(xp, x, sign):
    """``exp(sign * x**2)`` with ``x**2`` exact (as the sum of two floats), for ``sign`` a power of two
    (+-1, -1/2: the products stay exact).

    Where ``sign * x**2`` passes 800 the result is 0 or inf whatever the correction (which may not even
    be finite), so it is left out.
    """
    square, error = two_product(x, x)
    return xp.exp(sign * square) * xp.exp(sign * xp.where(abs(sign) * square < 800, error, 0.0))


def erfc_of_positive(xp, x):
    """``erfc`` for x >= 1/2: 0 from about 27.2 on, where it underflows.

    Above 26 the result is subnormal: it is formed ``exp(64)`` times larger and scaled down once, so
    that only the last multiplication rounds to the subnormal grid.
    """
    bounded = xp.minimum(x, 27.5)
    square, error = two_product(bounded, bounded)
    far = x > 26
    exponent = xp.where(far, 64 - square, -square)  # exact: both terms have the same exponent
    value = xp.exp(exponent) * xp.exp(-error) * erfcx_of_positive(xp, bounded)
    return xp.where(far, xp.where(x < 27.5, value * _EXP_MINUS_64, 0.0), value)


def _erf_small(x):
    """``erf`` for |x| <= 1/2 (relatively accurate down to the smallest numbers)."""
    return x * horner(_ERF_SERIES, x * x)


@in_float64
def erfcx(xp, x):
    """``exp(x**2) erfc(x)``: inf below about -26.6, where ``exp(x**2)`` overflows."""
    return piecewise(xp, x, [
        (x >= 0, lambda v: erfcx_of_positive(xp, v)),
        (x < 0, lambda v: 2 * exp_of_square(xp, v, 1) - erfcx_of_positive(xp, -v)),
    ])


def erfc_float64(xp, x):
    """``erfc`` of float64 values."""
    magnitude = xp.abs(x)
    return piecewise(xp, x, [
        (magnitude < 0.5, lambda v: 1 - _erf_small(v)),
        (x >= 0.5, lambda v: erfc_of_positive(xp, v)),
        (x <= -0.5, lambda v: 2 - erfc_of_positive(xp, -v)),
    ])


def erf_float64(xp, x):
    """``erf`` of float64 values."""
    magnitude = xp.abs(x)
    return piecewise(xp, x, [
        (magnitude < 0.5, _erf_small),
        (magnitude >= 0.5, lambda v: xp.copysign(1 - erfc_of_positive(xp, xp.abs(v)), v)),
    ])


erf = in_float64(erf_float64)
erfc = in_float64(erfc_float64)


# ---------------------------------------------------------------- inverses
def _giles_guess(xp, magnitude, w):
    """erfinv's single-precision guess for ``|x|``, given ``w = -log(1 - x**2)`` computed without cancellation.

    Far in the tails (w > 30) the polynomials are out of their range; there ``erfc(y) = c`` is solved
    approximately from the asymptotic ``y**2 = -log(c) - log(y sqrt(pi))``, once iterated.
    """
    centre = horner(_GILES_CENTRE, w - 2.5)
    tails = horner(_GILES_TAILS, xp.sqrt(w) - 3)
    return xp.where(w < 5, centre, tails) * magnitude


def _asymptotic_guess(xp, log_c):
    """``y`` with ``erfc(y) ~ exp(-y**2) / (y sqrt(pi)) = c``, from ``log(c)`` (far tail: c below 1e-13)."""
    y = xp.sqrt(-log_c)
    return xp.sqrt(-log_c - xp.log(y) - LOG_SQRT_PI)


def _halley_on_erf(xp, x, y, steps=2):
    """Refine ``y`` towards ``erf(y) = x`` (for |x| <= 1/2)."""
    for _ in range(steps):
        newton = (x - _erf_small(y)) / (TWO_OVER_SQRT_PI * xp.exp(-y * y))
        y = y + newton / (1 - y * newton)
    return y


def _halley_on_log_erfc(xp, log_c, y, steps=3):
    """Refine ``y > 0`` towards ``log(erfc(y)) = log_c``; ``erfcx`` keeps every quantity finite."""
    for _ in range(steps):
        scaled = erfcx_of_positive(xp, y)
        square, error = two_product(y, y)
        residual = ((-square - log_c) + xp.log(scaled)) - error  # log(erfc(y)) - log(c)
        slope = TWO_OVER_SQRT_PI / scaled  # minus the derivative of log(erfc(y))
        newton = residual / slope
        y = y + newton / (1 - newton * (2 * y - slope) / 2)
    return y


def inverse_erfc_of_small(xp, c):
    """``y >= 0`` with ``erfc(y) = c``, for 0 < c <= 1/2."""
    log_c = xp.log(c)
    w = -log_c - xp.log(2 - c)  # -log(1 - x**2) for x = 1 - c
    guess = xp.where(w > 30, _asymptotic_guess(xp, log_c), _giles_guess(xp, 1 - c, w))
    return _halley_on_log_erfc(xp, log_c, guess)


@in_float64
def erfinv(xp, x):
    """``erfinv``: inf at 1, -inf at -1, nan outside [-1, 1]."""
    magnitude = xp.abs(x)
    return piecewise(xp, x, [
        (magnitude <= 0.5, lambda v: _halley_on_erf(xp, v, _giles_guess(xp, v, -xp.log1p(-v * v)))),
        ((magnitude > 0.5) & (magnitude < 1), lambda v: xp.copysign(inverse_erfc_of_small(xp, 1 - xp.abs(v)), v)),
        (magnitude == 1, lambda v: v * math.inf),
    ])


@or_scipy("ndtri")
@in_float64
def ndtri(xp, p):
    """The standard normal quantile: ``-sqrt(2) erfcinv(2p)``; -inf at 0, inf at 1, nan outside [0, 1]."""
    return piecewise(xp, p, [
        ((p > 0.25) & (p < 0.75), lambda v: _erfinv_centre(xp, 2 * v - 1) / SQRT_HALF),
        ((p > 0) & (p <= 0.25), lambda v: -inverse_erfc_of_small(xp, 2 * v) / SQRT_HALF),
        ((p >= 0.75) & (p < 1), lambda v: inverse_erfc_of_small(xp, 2 * (1 - v)) / SQRT_HALF),
        ((p == 0) | (p == 1), lambda v: (2 * v - 1) * math.inf),
    ])


def _erfinv_centre(xp, x):
    return _halley_on_erf(xp, x, _giles_guess(xp, x, -xp.log1p(-x * x)))


def normal_tail(xp, x):
    """``erfc(x / sqrt 2) / 2`` for x >= 1, from ``x`` itself: ``exp(-x**2 / 2)`` takes ``x**2`` exactly,
    where ``erfc`` of the rounded ``x / sqrt 2`` would be off by ``x**2`` units in the last place."""
    bounded = xp.minimum(x, 40.0)
    return exp_of_square(xp, bounded, -0.5) * erfcx_of_positive(xp, bounded * SQRT_HALF) / 2


@in_float64
def log_ndtr(xp, x):
    """``log`` of the standard normal distribution function, accurate in both tails.

    Below -1, ``log(erfcx(-x / sqrt 2) / 2) - x**2 / 2``, so the far tail never underflows; above 1,
    ``log1p(-tail)`` with the upper tail from ``normal_tail``; between, ``log1p(-erfc(x / sqrt 2) / 2)``.
    """
    def lower(v):
        square, error = two_product(v, v)
        error = xp.where(xp.isfinite(error), error, 0.0)  # x**2 overflowed: the result is -inf
        return (xp.log(erfcx_of_positive(xp, -v * SQRT_HALF) / 2) - 0.5 * square) - 0.5 * error

    return piecewise(xp, x, [
        (x < -1, lower),
        ((x >= -1) & (x <= 1), lambda v: xp.log1p(-erfc_float64(xp, v * SQRT_HALF) / 2)),
        (x > 1, lambda v: xp.log1p(-normal_tail(xp, v))),
    ])
