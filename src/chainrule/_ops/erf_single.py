"""The error function family in float32, computed in float32 with as few array passes as float32's
precision allows.

On NumPy every elementwise step is a pass over memory, and at float32 a pass costs about as much as
the arithmetic in it: the float64 kernels (``pointwise_special``, Cody's three ranges, a Halley step
for ``erfinv``) take some ninety passes where float32 needs forty. Two things NumPy does slowly are
avoided altogether: ``where`` on a mask that mixes True and False (a mispredicted branch per element,
thirty times the cost of a multiply) and ``copysign``; both are done on the bits instead.

The approximations (polynomials fitted by scripts/fit_erf_single.py: least squares reweighted toward
the largest error, on values from SciPy and from mpmath at 30 digits; errors about 4e-8) are
  erf    ``x P(x²)`` for ``|x| <= 1``; beyond, ``1 - exp(Q(|x|) - x²)`` with the sign of ``x``
  erfc   ``exp(-x²) R(t)`` with ``t = 1 / (1 + 0.4 |x|)``, for ``x < 0`` as ``2`` minus that
  GELU   ``x`` times the normal cdf, ``1 - exp(-x²/2) U(t)`` with ``t = 1 / (1 + 0.3 |x|)`` (for
         ``x < 0`` without the ``1 -``)
  erfinv M. Giles' single-precision polynomials in ``w = -log(1 - x²)``, times ``x``
``exp(-x²)`` for ``erfc`` is taken as ``exp(-h²) exp(-(|x| - h)(|x| + h))`` with ``h`` the argument
cut to a sixteenth, so that the rounding of ``x²`` is not magnified in the far tail (GELU's tail keeps
5e-6 relative precision without it). tests/test_special.py bounds the errors against the C library, SciPy
and PyTorch, over the whole real line.
"""

from .._array import namespace_of
from .._float_errors import silent_float_errors

__all__ = ["erf_single", "erfc_single", "erfinv_single", "gelu_single", "gelu_derivative_single"]

# Coefficients highest power first.
_ERF_NEAR = (-0.0005631415092, 0.004917549749, -0.02671130996, 0.1128018007, -0.3761232618, 1.128379122)
_ERF_FAR = (1.599822907e-06, -4.529817106e-05, 0.0005902038895, -0.004727691544, 0.02632753274, -0.109909747,
            0.3679865792, -1.13011973, 0.0002910292097)  # log(erfc(a)) + a² on [1, 4]
_ERF_IS_ONE = 4.0  # erf(4) rounds to 1 in float32 (from 3.92)
_ERFC = (0.02934618222, -0.07821291858, -0.05571140749, 0.2653926316, -0.06012923225, 0.2642248463,
         0.1789005848, 0.2310460439, 0.2251186995, 2.460139946e-05)  # erfc(a) exp(a²) in t, a in [0, 10.2]
_ERFC_SCALE = 0.4
_ERFC_UNDERFLOW = 10.2  # erfc rounds to 0 in float32 from about 10.06
_UPPER_TAIL = (0.03837836181, -0.1691664586, 0.2286607818, -0.07650725123, 0.1425360333, 0.09468331972,
               0.1219203902, 0.1194876829, 7.169194991e-06)  # erfc(a/sqrt 2) exp(a²/2) / 2 in t, a in [0, 14]
_UPPER_TAIL_SCALE = 0.3
_NORMAL_UNDERFLOW = 20.0  # exp(-a²/2) underflows float32 from about 14.1; the tail polynomial is fitted to 14
_ONE_OVER_SQRT_2PI = 0.3989422804014327
# M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision
_ERFINV_CENTRE = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941)  # in w - 2.5, for w < 5
_ERFINV_TAILS = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                 0.00943887047, 1.00167406, 2.83297682)  # in sqrt(w) - 3

_SIGN_BIT = -(2 ** 31)  # 0x80000000 as an int32
_INFINITY_BITS = 0x7F800000
_ONE_BITS = 0x3F800000


def _polynomial(coefficients, t):
    """``c0 t^n + ... + cn`` by Horner's rule, in one new array updated in place."""
    first, *rest = coefficients
    p = t * first
    p += rest[0]
    for c in rest[1:]:
        p *= t
        p += c
    return p


def _bits(x):
    return x.view(namespace_of(x).int32)


def _select(mask, chosen, other):
    """``chosen`` where ``mask``, else ``other``, bit for bit, written into ``chosen``'s buffer."""
    xp = namespace_of(chosen)
    ones = mask.astype(xp.int32)
    xp.negative(ones, out=ones)  # all bits set where mask
    chosen_bits, other_bits = _bits(chosen), _bits(other)
    chosen_bits ^= other_bits
    chosen_bits &= ones
    chosen_bits ^= other_bits
    return chosen


def _sign_bits(x):
    return namespace_of(x).bitwise_and(_bits(x), _SIGN_BIT)


def erf_single(x):
    """``erf(x)`` for a float32 array."""
    xp = namespace_of(x)
    a = xp.abs(x)
    xp.clip(a, 0, _ERF_IS_ONE, out=a)
    near = a <= 1
    s = a * a
    inner = _polynomial(_ERF_NEAR, s)
    inner *= x
    outer = _polynomial(_ERF_FAR, a)  # on [0, 1] too, where it is finite and not chosen
    outer -= s
    xp.exp(outer, out=outer)
    xp.subtract(1, outer, out=outer)
    _bits(outer).__ior__(_sign_bits(x))
    return _select(near, inner, outer)


def _gaussian_tail(a, scale, coefficients, square_factor):
    """``exp(-square_factor a²) P(1 / (1 + scale a))`` for ``a >= 0``, the Gaussian factor split so that
    the rounding of ``a²`` does not show in the far tail."""
    xp = namespace_of(a)
    t = a * scale
    t += 1
    xp.divide(1, t, out=t)
    p = _polynomial(coefficients, t)
    head = xp.multiply(a, 16, out=t)
    xp.trunc(head, out=head)
    head *= 1 / 16
    rest = a - head  # a² = head² + (a - head)(a + head), head² exact
    a += head
    rest *= a
    rest *= -square_factor
    xp.exp(rest, out=rest)
    p *= rest
    head *= head
    head *= -square_factor
    xp.exp(head, out=head)
    p *= head
    return p


def erfc_single(x):
    """``erfc(x)`` for a float32 array: relative precision all the way to its underflow."""
    xp = namespace_of(x)
    a = xp.abs(x)
    xp.clip(a, 0, _ERFC_UNDERFLOW, out=a)
    result = _gaussian_tail(a, _ERFC_SCALE, _ERFC, 1.0)
    sign = _sign_bits(x)
    _bits(result).__ior__(sign)  # -erfc(|x|) where x < 0 ...
    sign.view(xp.uint32).__irshift__(1)  # ... plus 2.0 (0x40000000), else plus 0.0
    result += sign.view(xp.float32)
    return result


def _normal_tail(x):
    """``(P(Z > |x|), exp(-x²/2))`` for a standard normal ``Z`` and a float32 array ``x`` (nan stays nan)."""
    xp = namespace_of(x)
    a = xp.abs(x)
    xp.clip(a, 0, _NORMAL_UNDERFLOW, out=a)
    t = a * _UPPER_TAIL_SCALE
    t += 1
    xp.divide(1, t, out=t)
    tail = _polynomial(_UPPER_TAIL, t)
    gaussian = xp.multiply(a, a, out=a)
    gaussian *= -0.5
    xp.exp(gaussian, out=gaussian)
    tail *= gaussian
    return tail, gaussian


def _cdf_from_tail(x, tail):
    """``P(Z <= x)`` from ``tail = P(Z > |x|)``, in ``tail``'s buffer: ``1 - tail`` where the sign bit of
    ``x`` is clear, ``tail`` where it is set (so ``-0.0`` counts as negative, and ``x * P(Z <= x)`` keeps
    the sign of a zero)."""
    xp = namespace_of(x)
    positive = xp.right_shift(_bits(x), 31)
    xp.invert(positive, out=positive)  # all bits set where the sign bit is clear
    _bits(tail).__ixor__(positive & _SIGN_BIT)  # -tail where x >= 0 ...
    positive &= _ONE_BITS  # ... plus 1.0, else plus 0.0
    tail += positive.view(xp.float32)
    return tail


def gelu_single(x):
    """``x P(Z <= x)`` for a float32 array ``x``."""
    flat = x.reshape(-1)
    tail, _ = _normal_tail(flat)
    cdf = _cdf_from_tail(flat, tail)
    cdf *= flat
    return cdf.reshape(x.shape)


@silent_float_errors  # inf * 0 at ±inf: nan, as the composite formula gives
def gelu_derivative_single(x):
    """``P(Z <= x) + x exp(-x²/2) / sqrt(2 pi)``, the derivative of ``gelu``, for a float32 array ``x``."""
    flat = x.reshape(-1)
    tail, gaussian = _normal_tail(flat)
    derivative = _cdf_from_tail(flat, tail)
    gaussian *= flat
    gaussian *= _ONE_OVER_SQRT_2PI
    derivative += gaussian
    return derivative.reshape(x.shape)


@silent_float_errors  # log(0) at ±1, log of a negative number outside [-1, 1]: the values wanted
def erfinv_single(x):
    """``erfinv(x)`` for a float32 array: ``±inf`` at ``±1``, nan outside ``[-1, 1]``."""
    xp = namespace_of(x)
    w = 1 - x
    w *= 1 + x  # 1 - x is exact near 1, where 1 - x * x would round
    xp.log(w, out=w)
    xp.negative(w, out=w)
    centre = w < 5
    root = xp.sqrt(w)
    root -= 3
    w -= 2.5
    guess = _select(centre, _polynomial(_ERFINV_CENTRE, w), _polynomial(_ERFINV_TAILS, root))
    guess *= x
    ends = xp.isinf(root)
    if ends.any():
        signed_infinity = _sign_bits(x)
        signed_infinity |= _INFINITY_BITS
        xp.copyto(guess, signed_infinity.view(xp.float32), where=ends)
    return guess

