"""Bessel and Airy functions on arrays, in float64 on the input's namespace, with PyTorch's values at 0,
at the infinities and outside their domains.

- ``I0``, ``I1`` up to 8: their power series in ``x**2 / 4`` (all terms positive, so nothing cancels);
  above, ``sqrt(x) exp(-x) I(x)`` as a polynomial in ``16 / x - 1``. The exponentially scaled forms
  share the tables.
- ``K0``, ``K1`` up to 2: the functions less their logarithmic part, ``log(x / 2) I(x)`` (and ``1/x``
  for K1), as Chebyshev series in ``x**2``; above, ``sqrt(x) exp(x) K(x)`` in ``4 / x - 1``.
- ``J0``, ``J1`` up to 5: a polynomial in ``x**2`` times the factors of the first two zeros (the first in
  twice float64's precision, so the result keeps its relative accuracy around it); ``Y0``, ``Y1`` up to
  5: a Chebyshev series for the part regular at 0, plus ``2/pi log(x) J(x)`` (and ``-2/(pi x)``).
  Above 5, Hankel's modulus-phase form ``sqrt(2 / (pi x)) (P cos(chi) - Q sin(chi))`` with P and Q
  polynomials in ``25 / x**2`` and ``cos(chi)``, ``sin(chi)`` formed from ``cos(x)`` and ``sin(x)``, so that
  no rounded ``x - pi/4`` enters them.
- ``Ai``: its Maclaurin series on (-2, 2); above, ``exp(-zeta) / (2 sqrt(pi) x**(1/4))`` times a polynomial
  in ``1 / zeta`` (``zeta = 2/3 x**(3/2)``); below, the oscillating form with two such polynomials.

Every table is in ``bessel_tables`` (``scripts/special_tables.py``: Chebyshev fits of mpmath's values).
"""

import math

from .bessel_tables import (AI_DECAYING, AI_P, AI_Q, AI_U2, I0_LARGE, I1_LARGE, J0_SECOND_ZERO, J0_SMALL, J0_ZERO,
                            J0_ZERO_LOW, J1_SECOND_ZERO, J1_SMALL, J1_ZERO, J1_ZERO_LOW, K0_LARGE, K0_SMALL, K1_LARGE,
                            K1_SMALL, P0, P1, Q0, Q1, Y0_SMALL, Y1_SMALL)
from .series import chebyshev, horner, in_float64, piecewise

__all__ = ["i0", "i0e", "i1", "i1e", "k0", "k0e", "k1", "k1e", "j0", "j1", "y0", "y1", "spherical_j0", "airy_ai"]

_I0_SERIES = tuple(1 / math.factorial(k) ** 2 for k in range(27))  # I0 = sum (x**2/4)**k / k!**2, |x| <= 8
_I1_SERIES = tuple(0.5 / (math.factorial(k) * math.factorial(k + 1)) for k in range(27))  # I1 / x
_TWO_OVER_PI = 2 / math.pi
_SQRT_HALF = math.sqrt(0.5)
_SQRT_PI = math.sqrt(math.pi)
# Ai(x) = AI_0 f(x) - AI_PRIME_0 g(x), f = sum a_k (x**3)**k, g = x sum b_k (x**3)**k (Maclaurin, |x| < 2)
_AI_0 = 0.355028053887817239260063186004
_AI_PRIME_0 = 0.258819403792806798405183560189


def _maclaurin_coefficients(offset):
    coefficients = [1.0]
    for k in range(1, 16):
        coefficients.append(coefficients[-1] / ((3 * k + offset - 1) * (3 * k + offset)))
    return tuple(coefficients)


_AIRY_F = _maclaurin_coefficients(0)
_AIRY_G = _maclaurin_coefficients(1)


# ---------------------------------------------------------------- modified Bessel functions of the first kind
def _scaled_i(xp, x, small_series, large_table):
    """``exp(-x) I(x)`` for x >= 0 (I0 or I1 by its tables), and whether x is small."""
    small = x <= 8
    safe = xp.where(small, x, 8.0)
    by_series = xp.exp(-safe) * horner(small_series, safe * safe / 4)
    if small_series is _I1_SERIES:
        by_series = by_series * safe
    wide = xp.where(small, 8.0, x)
    return xp.where(small, by_series, horner(large_table, 16 / wide - 1) / xp.sqrt(wide))


def _i_unscaled(xp, x, small_series, large_table):
    """``I(x)`` for x >= 0: the series below 8 directly; above, exp(x) times the scaled form (nan at inf)."""
    small = x <= 8
    safe = xp.where(small, x, 8.0)
    by_series = horner(small_series, safe * safe / 4)
    if small_series is _I1_SERIES:
        by_series = by_series * safe
    wide = xp.where(small, 8.0, x)
    return xp.where(small, by_series, xp.exp(wide) * (horner(large_table, 16 / wide - 1) / xp.sqrt(wide)))


def _odd(xp, x, values):
    return xp.where(x < 0, -values, values)


@in_float64
def i0(xp, x):
    """The modified Bessel function I0 (nan at +-inf, as PyTorch's)."""
    return _i_unscaled(xp, xp.abs(x), _I0_SERIES, I0_LARGE)


@in_float64
def i0e(xp, x):
    """``exp(-|x|) I0(x)``."""
    return _scaled_i(xp, xp.abs(x), _I0_SERIES, I0_LARGE)


@in_float64
def i1(xp, x):
    """The modified Bessel function I1 (odd; nan at +-inf, as PyTorch's)."""
    return _odd(xp, x, _i_unscaled(xp, xp.abs(x), _I1_SERIES, I1_LARGE))


@in_float64
def i1e(xp, x):
    """``exp(-|x|) I1(x)``."""
    return _odd(xp, x, _scaled_i(xp, xp.abs(x), _I1_SERIES, I1_LARGE))


# ---------------------------------------------------------------- modified Bessel functions of the second kind
def _k_small(xp, x, order):
    """K0 or K1 for 0 < x <= 2."""
    t = (x * x - 2) / 2
    log_half = xp.log(x / 2)
    if order == 0:
        return chebyshev(K0_SMALL, t) - log_half * _i_unscaled(xp, x, _I0_SERIES, I0_LARGE)
    return 1 / x + log_half * _i_unscaled(xp, x, _I1_SERIES, I1_LARGE) + x * chebyshev(K1_SMALL, t)


def _k(xp, x, order, scaled):
    """K0 or K1 (times exp(x) when ``scaled``): inf at 0, nan below."""
    table = K0_LARGE if order == 0 else K1_LARGE

    def large(v):
        value = horner(table, 4 / v - 1) / xp.sqrt(v)
        return value if scaled else value * xp.exp(-v)

    def small(v):
        value = _k_small(xp, v, order)
        return value * xp.exp(v) if scaled else value

    return piecewise(xp, x, [
        ((x > 0) & (x <= 2), small),
        (x > 2, large),
        (x == 0, lambda v: v + math.inf),
    ])


@in_float64
def k0(xp, x):
    """The modified Bessel function K0."""
    return _k(xp, x, 0, False)


@in_float64
def k0e(xp, x):
    """``exp(x) K0(x)``."""
    return _k(xp, x, 0, True)


@in_float64
def k1(xp, x):
    """The modified Bessel function K1."""
    return _k(xp, x, 1, False)


@in_float64
def k1e(xp, x):
    """``exp(x) K1(x)``."""
    return _k(xp, x, 1, True)


# ---------------------------------------------------------------- Bessel functions of the first and second kind
def _j_small(xp, x, order):
    """J0 or J1 for |x| <= 5."""
    z = x * x
    t = (z - 12.5) / 12.5
    if order == 0:
        first = ((x - J0_ZERO) - J0_ZERO_LOW) * (x + J0_ZERO)
        return first * (z - J0_SECOND_ZERO ** 2) * horner(J0_SMALL, t)
    first = ((x - J1_ZERO) - J1_ZERO_LOW) * (x + J1_ZERO)
    return x * first * (z - J1_SECOND_ZERO ** 2) * horner(J1_SMALL, t)


def _hankel(xp, x, order):
    """(J, Y) for x > 5 from the modulus-phase form; nan at inf."""
    t = 50 / (x * x) - 1
    p = horner(P0 if order == 0 else P1, t)
    q = horner(Q0 if order == 0 else Q1, t) / x
    cos_x, sin_x = xp.cos(x), xp.sin(x)
    if order == 0:  # chi = x - pi/4
        cos_chi, sin_chi = (cos_x + sin_x) * _SQRT_HALF, (sin_x - cos_x) * _SQRT_HALF
    else:  # chi = x - 3 pi/4
        cos_chi, sin_chi = (sin_x - cos_x) * _SQRT_HALF, -(sin_x + cos_x) * _SQRT_HALF
    scale = xp.sqrt(_TWO_OVER_PI / x)
    return scale * (p * cos_chi - q * sin_chi), scale * (p * sin_chi + q * cos_chi)


def _j(xp, x, order):
    magnitude = xp.abs(x)
    values = piecewise(xp, magnitude, [
        (magnitude <= 5, lambda v: _j_small(xp, v, order)),
        (magnitude > 5, lambda v: _hankel(xp, v, order)[0]),
    ])
    return _odd(xp, x, values) if order == 1 else values


def _y(xp, x, order):
    """Y0 or Y1: -inf at 0 (either sign), nan below."""

    def small(v):
        t = (v * v - 12.5) / 12.5
        if order == 0:
            return chebyshev(Y0_SMALL, t) + _TWO_OVER_PI * xp.log(v) * _j_small(xp, v, 0)
        return v * chebyshev(Y1_SMALL, t) + _TWO_OVER_PI * (_j_small(xp, v, 1) * xp.log(v) - 1 / v)

    return piecewise(xp, x, [
        ((x > 0) & (x <= 5), small),
        (x > 5, lambda v: _hankel(xp, v, order)[1]),
        (x == 0, lambda v: v - math.inf),
    ])


@in_float64
def j0(xp, x):
    """The Bessel function of the first kind of order 0 (nan at +-inf, as PyTorch's)."""
    return _j(xp, x, 0)


@in_float64
def j1(xp, x):
    """The Bessel function of the first kind of order 1 (odd: ``-0`` at ``-0``, as PyTorch's)."""
    return xp.where(x == 0, x, _j(xp, x, 1))


@in_float64
def y0(xp, x):
    """The Bessel function of the second kind of order 0."""
    return _y(xp, x, 0)


@in_float64
def y1(xp, x):
    """The Bessel function of the second kind of order 1."""
    return _y(xp, x, 1)


@in_float64
def spherical_j0(xp, x):
    """``sin(x) / x``: 1 at 0, 0 at +-inf."""
    finite = xp.where(xp.isinf(x), 1.0, x)
    zero = finite == 0
    value = xp.where(zero, 1.0, xp.sin(finite) / xp.where(zero, 1.0, finite))
    return xp.where(xp.isinf(x), 0.0, value)


# ---------------------------------------------------------------- Airy function
def _airy_maclaurin(xp, x):
    cube = x * x * x
    return _AI_0 * horner(_AIRY_F, cube) - _AI_PRIME_0 * x * horner(_AIRY_G, cube)


def _airy_decaying(xp, x):
    zeta = 2 / 3 * x * xp.sqrt(x)
    t = 2 / (zeta * AI_U2) - 1
    return xp.exp(-zeta) / (2 * _SQRT_PI * xp.sqrt(xp.sqrt(x))) * horner(AI_DECAYING, t)


def _airy_oscillating(xp, x):
    magnitude = -x
    zeta = 2 / 3 * magnitude * xp.sqrt(magnitude)
    t = 2 / (zeta * AI_U2) - 1
    p = horner(AI_P, t)
    q = horner(AI_Q, t) / zeta
    sin_zeta, cos_zeta = xp.sin(zeta), xp.cos(zeta)
    sin_phi, cos_phi = (sin_zeta + cos_zeta) * _SQRT_HALF, (cos_zeta - sin_zeta) * _SQRT_HALF  # phi = zeta + pi/4
    return (p * sin_phi - q * cos_phi) / (_SQRT_PI * xp.sqrt(xp.sqrt(magnitude)))


@in_float64
def airy_ai(xp, x):
    """The Airy function Ai (nan at +-inf, as PyTorch's)."""
    return piecewise(xp, x, [
        ((x > -2) & (x < 2), lambda v: _airy_maclaurin(xp, v)),
        ((x >= 2) & (x < math.inf), lambda v: _airy_decaying(xp, v)),
        ((x <= -2) & (x > -math.inf), lambda v: _airy_oscillating(xp, v)),
    ])
