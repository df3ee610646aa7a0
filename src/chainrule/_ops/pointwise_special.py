"""The error function family on arrays: ``erf``, ``erfc`` and ``erfinv``, in the array's own namespace.

``erf`` and ``erfc`` use W. J. Cody's rational Chebyshev approximations (Math. Comp. 23, 1969), good
to some 18 digits, on three ranges of ``|x|``: ``erf`` itself up to 0.46875, ``erfc`` as ``exp(-x²)``
times a rational function of ``|x|`` up to 4 and of ``1/x²`` beyond. ``exp(-x²)`` is taken as
``exp(-h²) exp(-(|x| - h)(|x| + h))`` with ``h`` the argument cut to a sixteenth, so that the rounding
of ``x²`` is not magnified in the far tail. Each range is computed on the whole array and chosen
elementwise: no data-dependent branches (as a GPU wants), each range fed arguments clipped into it,
so nothing overflows or warns where its values are not used. float64 results are within a few units
in the last place of the C library's, float32 within ten of the correctly rounded value
(tests/test_special.py measures the bounds).

``erfinv`` starts from a polynomial guess in ``w = -log(1 - a²)`` (M. Giles' single-precision ones,
and one fitted here for the far tail that only float64 reaches) and takes one Halley step, which
triples the correct digits: on ``erf(y) = a`` near zero, on ``log(erfc(y)) = log(1 - a)`` towards
the ends, where ``1 - a`` keeps the precision that ``a`` itself has lost.

float32 and float64 are computed in their own precision; float16 in float32, as PyTorch does. float32
takes the kernels of ``erf_single``, which need fewer passes at its precision.
"""

import math

from .._array import namespace_of
from .erf_single import erf_single, erfc_single, erfinv_single

__all__ = ["erf_array", "erfc_array", "erfinv_array", "TWO_OVER_SQRT_PI"]

TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_ONE_OVER_SQRT_PI = 1 / math.sqrt(math.pi)

# Cody's coefficients, highest power first (a leading 1 is the denominators' monic term).
_NEAR_THRESHOLD = 0.46875  # up to here: erf(x) = x P(x²) / Q(x²)
_NEAR_P = (1.85777706184603153e-1, 3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2,
           3.20937758913846947e3)
_NEAR_Q = (1, 2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3)
_MIDDLE_END = 4.0  # up to here: erfc(y) = exp(-y²) P(y) / Q(y)
_MIDDLE_P = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1,
             2.98635138197400131e2, 8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3,
             1.23033935479799725e3)
_MIDDLE_Q = (1, 1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3,
             3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3)
# beyond: erfc(y) = exp(-y²) (1/sqrt(pi) - z P(z) / Q(z)) / y with z = 1/y²
_FAR_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4)
_FAR_Q = (1, 2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1, 6.05183413124413191e-2,
          2.33520497626869185e-3)
_UNDERFLOW = 28.0  # erfc(y) underflows to 0 from about 27.3 in float64 (10.1 in float32): larger y are cut to this


def _polynomial(coefficients, t):
    """``c0 t^n + c1 t^(n-1) + ... + cn`` by Horner's rule, updating one new array in place."""
    first, second, *rest = coefficients
    p = t + second if first == 1 else t * first + second
    for c in rest:
        p *= t
        p += c
    return p


def _rational(numerator, denominator, t):
    """``numerator(t) / denominator(t)``, coefficients highest power first."""
    p = _polynomial(numerator, t)
    p /= _polynomial(denominator, t)
    return p


def _flat_working(x):
    """``x`` as a 1-d array (so every result below is an array that can be updated in place) in the
    precision it is computed in: float16 in float32."""
    xp = namespace_of(x)
    flat = x.reshape(-1)
    return flat.astype(xp.float32) if x.dtype == xp.float16 else flat


def _erf_parts(x):
    """``(near, erf_near, erfc_far)`` for a 1-d float array ``x``.

    ``near``: where ``|x| <= 0.46875``; there ``erf_near`` is ``erf(x)``. Elsewhere ``erfc_far`` is
    ``erfc(|x|)``. Both are computed everywhere, finite where not used (nan stays nan). One buffer
    holds each range's clipped argument in turn: on NumPy, touching fresh memory for every
    intermediate costs more than the arithmetic.
    """
    xp = namespace_of(x)
    y = xp.abs(x)
    near = y <= _NEAR_THRESHOLD
    t = xp.clip(y, 0, _NEAR_THRESHOLD)
    t *= t
    erf_near = _rational(_NEAR_P, _NEAR_Q, t)
    erf_near *= x
    middle = _rational(_MIDDLE_P, _MIDDLE_Q, xp.clip(y, 0, _MIDDLE_END, out=t))
    far_y = xp.clip(y, _MIDDLE_END, _UNDERFLOW, out=t)
    z = far_y * far_y
    xp.divide(1, z, out=z)
    far = _rational(_FAR_P, _FAR_Q, z)
    far *= z
    xp.subtract(_ONE_OVER_SQRT_PI, far, out=far)
    far /= far_y
    erfc_far = xp.where(y <= _MIDDLE_END, middle, far)
    del middle, far
    cut_y = xp.clip(y, 0, _UNDERFLOW, out=t)
    head = xp.multiply(cut_y, 16, out=z)
    xp.trunc(head, out=head)
    head /= 16
    rest = xp.subtract(cut_y, head, out=y)  # exp(-y²) = exp(-head²) exp(-rest), rest = (y - head)(y + head)
    cut_y += head
    rest *= cut_y
    xp.negative(rest, out=rest)
    xp.exp(rest, out=rest)
    head *= head
    xp.negative(head, out=head)
    xp.exp(head, out=head)
    head *= rest
    erfc_far *= head
    return near, erf_near, erfc_far


def erf_array(x):
    """``erf(x)`` elementwise, in ``x``'s dtype."""
    w = _flat_working(x)
    xp = namespace_of(w)
    if w.dtype == xp.float32:
        return erf_single(w).reshape(x.shape).astype(x.dtype, copy=False)
    near, erf_near, erfc_far = _erf_parts(w)
    xp.subtract(1, erfc_far, out=erfc_far)
    xp.copysign(erfc_far, w, out=erfc_far)
    return xp.where(near, erf_near, erfc_far).reshape(x.shape).astype(x.dtype, copy=False)


def erfc_array(x):
    """``erfc(x) = 1 - erf(x)`` elementwise, in ``x``'s dtype, accurate where it is tiny."""
    w = _flat_working(x)
    xp = namespace_of(w)
    if w.dtype == xp.float32:
        return erfc_single(w).reshape(x.shape).astype(x.dtype, copy=False)
    near, erf_near, erfc_far = _erf_parts(w)
    xp.subtract(1, erf_near, out=erf_near)
    far = xp.where(w < 0, 2 - erfc_far, erfc_far)
    return xp.where(near, erf_near, far).reshape(x.shape).astype(x.dtype, copy=False)


# Guesses for erfinv(a) / a, polynomials in w = -log(1 - a²), highest power first: M. Giles' for the
# centre (w < 5, in w - 2.5) and the tails (w < 16, in sqrt(w) - 3), good to 1.3e-7; and for the far
# tail (w >= 16, which only float64 reaches) one in sqrt(w) - 5, fitted by least squares to
# high-precision values of erfinv over w in [15, 41], good to 1.3e-8.
_CENTRE = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
           -0.00417768164, 0.246640727, 1.50140941)
_TAILS = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
          0.00943887047, 1.00167406, 2.83297682)
_FAR_TAIL = (-9.680380786e-07, 5.258433900e-06, -2.005087644e-05, 7.537827278e-05, -2.147405330e-04,
             -1.385561226e-04, 1.010300418e+00, 4.849906395e+00)
_CENTRE_END = 5.0
_TAILS_END = 16.0


def _erfinv_guess(a):
    """``erfinv(a)`` to about 1e-7 for a 1-d array ``0 <= a < 1``."""
    xp = namespace_of(a)
    w = 1 - a
    w *= 1 + a  # 1 - a is exact near 1, where 1 - a * a would round
    xp.log(w, out=w)
    xp.negative(w, out=w)
    root = xp.sqrt(w)
    centre = xp.clip(w, 0, _CENTRE_END)
    centre -= 2.5
    tails = xp.clip(root, 0, 4)
    tails -= 3
    root -= 5
    guess = xp.where(w < _CENTRE_END, _polynomial(_CENTRE, centre),
                     xp.where(w < _TAILS_END, _polynomial(_TAILS, tails), _polynomial(_FAR_TAIL, root)))
    guess *= a
    return guess


def _halley_step(a, y):
    """``y`` after one Halley step for ``erf(y) = a`` (1-d arrays, ``0 <= a < 1``, ``y >= 0``): on ``erf``
    itself where ``a <= 1/2``, on ``log(erfc(y)) = log(1 - a)`` above."""
    xp = namespace_of(a)
    near, erf_near, erfc_far = _erf_parts(y)
    erf_y = xp.where(near, erf_near, 1 - erfc_far)
    erfc_y = xp.where(near, 1 - erf_near, erfc_far)
    slope = y * y  # erf'(y) = 2/sqrt(pi) exp(-y²); erf''(y) = -2 y erf'(y)
    xp.negative(slope, out=slope)
    xp.exp(slope, out=slope)
    slope *= TWO_OVER_SQRT_PI
    newton = erf_y - a
    newton /= slope
    centre_step = newton / (1 + y * newton)
    log_slope = slope / erfc_y  # minus the derivative of log(erfc(y))
    xp.log(erfc_y, out=erfc_y)
    newton = xp.log1p(-a)
    newton -= erfc_y
    newton /= log_slope
    tail_step = newton / (1 + newton * (y - log_slope / 2))
    y -= xp.where(a <= 0.5, centre_step, tail_step)
    return y


def erfinv_array(x):
    """``erfinv(x)`` elementwise, in ``x``'s dtype: ``±inf`` at ``±1``, nan outside ``[-1, 1]``."""
    w = _flat_working(x)
    xp = namespace_of(w)
    if w.dtype == xp.float32:
        return erfinv_single(w).reshape(x.shape).astype(x.dtype, copy=False)
    a = xp.abs(w)
    inside = a < 1
    a_inside = xp.where(inside, a, 0)  # 0 elsewhere keeps the iteration finite there
    y = _halley_step(a_inside, _erfinv_guess(a_inside))
    xp.copysign(y, w, out=y)
    ends = xp.where(a == 1, xp.copysign(math.inf, w), math.nan)
    return xp.where(inside, y, ends).reshape(x.shape).astype(x.dtype, copy=False)
