"""Fit the polynomials of ``src/chainrule/_ops/erf_single.py`` (the float32 error function kernels).

Each is a least-squares fit on Chebyshev points, reweighted until the largest (relative or absolute)
error is about as small as the degree allows; the reference values come from SciPy (``erf``, ``erfc``
in float64) and from mpmath at 30 digits where float64 itself would round too much. Prints each
polynomial, highest power first, with its largest error on the fitting points.

Needs numpy, scipy and mpmath (not chainrule's runtime dependencies).
Run: python scripts/fit_erf_single.py
"""

import math

import mpmath
import numpy as np
from scipy import special

mpmath.mp.dps = 30


def chebyshev_points(low, high, count=8001):
    return np.sort((np.cos(np.linspace(0, np.pi, count)) + 1) / 2 * (high - low) + low)


def fit(x, y, degree, weight, rounds=60):
    """Coefficients (lowest power first) of the polynomial minimising roughly max |weight (p(x) - y)|."""
    emphasis = np.ones_like(x)
    for _ in range(rounds):
        scale = weight * np.sqrt(emphasis)
        coefficients, *_ = np.linalg.lstsq(np.vander(x, degree + 1, increasing=True) * scale[:, None], y * scale,
                                           rcond=None)
        error = np.abs(weight * (np.polyval(coefficients[::-1], x) - y))
        emphasis *= error / error.max() + 1e-3
        emphasis /= emphasis.mean()
    return coefficients, error.max()


def show(name, coefficients, error):
    print(f"{name} = {tuple(float(f'{c:.9e}') for c in coefficients[::-1])}  # largest error {error:.1e}")


def main():
    s = chebyshev_points(0, 1.0)
    a = np.sqrt(s)
    ratio = np.where(a == 0, 2 / math.sqrt(math.pi), special.erf(a) / np.where(a == 0, 1, a))
    show("_ERF_NEAR", *fit(s, ratio, 5, 1 / ratio, 40))  # erf(x) / x in x², relative
    a = chebyshev_points(1.0, 4.0)
    show("_ERF_FAR", *fit(a, np.log(special.erfc(a)) + a * a, 8, np.ones_like(a), 40))  # absolute
    t = chebyshev_points(1 / (1 + 0.4 * 10.2), 1.0, 3001)
    a = (1 / t - 1) / 0.4
    scaled = np.array([float(mpmath.erfc(v) * mpmath.exp(mpmath.mpf(v) ** 2)) for v in a])
    show("_ERFC", *fit(t, scaled, 9, 1 / scaled))  # erfc(a) exp(a²) in t = 1 / (1 + 0.4 a), relative
    t = chebyshev_points(1 / (1 + 0.3 * 14), 1.0, 3001)
    a = (1 / t - 1) / 0.3
    scaled = np.array([float(mpmath.erfc(v / mpmath.sqrt(2)) / 2 * mpmath.exp(mpmath.mpf(v) ** 2 / 2)) for v in a])
    show("_UPPER_TAIL", *fit(t, scaled, 8, 1 / scaled))  # P(Z > a) exp(a²/2) in t = 1 / (1 + 0.3 a), relative


if __name__ == "__main__":
    main()
