"""chainrule.special beyond the op table: accuracy on dense grids against SciPy (and mpmath where SciPy
itself is off), values at poles and infinities against PyTorch, the in-place forms, and the errors."""

import math

import mpmath
import numpy as np
import pytest
import scipy.special as sp
import torch

import chainrule
from chainrule import _scipy
from chainrule._ops.special import bessel_kernels, error_kernels, gamma_kernels, incomplete_gamma

mpmath.mp.dps = 40


@pytest.fixture(autouse=True)
def _chainrule_kernels_called_directly_are_silent(monkeypatch):
    """The tests here check chainrule's own kernels, so SciPy's functions, which take their place where SciPy
    is installed, are turned off (``test_scipy_takes_the_kernels_place`` checks those). Most tests call the
    array kernels themselves, outside the ops that make their overflows and poles silent; the ops' own
    silence is tested in test_float_warnings.py and test_edge_values.py."""
    monkeypatch.setattr(_scipy, "ENABLED", False)
    with np.errstate(all="ignore"):
        yield


def ulps(ours, reference):
    """Distance in units in the last place of ``reference`` (0 where both are equal or both nan)."""
    ours, reference = np.asarray(ours, float), np.asarray(reference, float)
    same = (ours == reference) | np.isnan(ours) & np.isnan(reference)
    with np.errstate(all="ignore"):
        distance = np.abs(ours - reference) / np.spacing(np.abs(reference))
    return np.where(same, 0.0, distance)


def exact(fn, x):
    """``fn`` at each point, at 40 digits, rounded to float64."""
    return np.array([float(fn(mpmath.mpf(float(v)))) for v in x])


# ---------------------------------------------------------------- accuracy in float64
_GRIDS = {
    "tiny": np.geomspace(1e-300, 1e-3, 4001),
    "small": np.linspace(1e-6, 3, 40001),
    "medium": np.linspace(3, 40, 20001),
    "large": np.geomspace(40, 1e300, 4001),
    "negative": -np.linspace(0.001, 30, 40001),
    "very negative": -np.geomspace(30, 1e15, 4001) + 0.5,
}

# The largest distance from SciPy, in its ulps, per function and grid; SciPy's own errors dominate where
# these exceed a few (near the zeros, which the mpmath tests below check instead).
_SCIPY_BOUNDS = {
    ("lgamma", "tiny"): 1, ("lgamma", "medium"): 4, ("lgamma", "large"): 1, ("lgamma", "very negative"): 4,
    ("digamma", "tiny"): 1, ("digamma", "small"): 4, ("digamma", "medium"): 4, ("digamma", "large"): 1,
    ("trigamma", "tiny"): 8, ("trigamma", "small"): 8, ("trigamma", "medium"): 8, ("trigamma", "large"): 4,
    ("trigamma", "negative"): 10,
}
_KERNELS = {"lgamma": (gamma_kernels.lgamma, sp.gammaln), "digamma": (gamma_kernels.digamma, sp.psi),
            "trigamma": (gamma_kernels.trigamma, lambda x: sp.polygamma(1, x))}


@pytest.mark.parametrize("function,grid", sorted(_SCIPY_BOUNDS))
def test_float64_values_agree_with_scipy(function, grid):
    ours, theirs = _KERNELS[function]
    x = _GRIDS[grid]
    assert ulps(ours(x), theirs(x)).max() <= _SCIPY_BOUNDS[function, grid]


def test_lgamma_and_digamma_keep_their_relative_accuracy_at_their_zeros():
    """Where SciPy's ``gammaln`` loses digits (near 1 and 2), ours stays within a few ulps of the truth."""
    x = np.concatenate([np.linspace(0.8, 3, 1501), 1 + np.geomspace(1e-12, 1e-3, 40), 2 - np.geomspace(1e-12, 1e-3, 40),
                        gamma_kernels.DIGAMMA_ROOT + np.linspace(-1e-6, 1e-6, 41)])
    assert ulps(gamma_kernels.lgamma(x), exact(mpmath.loggamma, x)).max() <= 4
    assert ulps(gamma_kernels.digamma(x), exact(mpmath.digamma, x)).max() <= 4
    assert ulps(gamma_kernels.trigamma(x), exact(lambda v: mpmath.psi(1, v), x)).max() <= 4


def test_polygamma_of_higher_orders_agrees_with_scipy():
    x = np.linspace(0.01, 30, 3001)
    for n in (2, 3, 5, 10):
        assert ulps(gamma_kernels.polygamma_array(n, x), sp.polygamma(n, x)).max() <= 8


def test_hurwitz_zeta_agrees_with_scipy():
    s, q = np.meshgrid(np.linspace(1.01, 40, 150), np.geomspace(1e-3, 1e6, 150))
    assert ulps(gamma_kernels.zeta(s, q), sp.zeta(s, q)).max() <= 8


_REAL_LINE = np.concatenate([np.linspace(-30, 30, 60001), np.geomspace(1e-300, 1, 2001), -np.geomspace(1e-300, 1, 2001),
                             np.geomspace(30, 1e300, 401), -np.geomspace(30, 1e300, 401)])
_PROBABILITIES = np.concatenate([np.linspace(0, 1, 20001), np.geomspace(1e-300, 0.5, 2001),
                                 1 - np.geomspace(1e-16, 0.5, 2001)])


_NOT_AT_OVERFLOW = (_REAL_LINE > -26.5) | (_REAL_LINE < -26.7)  # where erfcx reaches inf, one rounding decides


# SciPy's own error dominates these bounds (its erfcx loses 500 ulps below -20, its erfc and log_ndtr
# some tens above 1); the tests against mpmath below hold ours to a few ulps of the truth.
@pytest.mark.parametrize("ours,theirs,x,bound", [
    (error_kernels.erf, sp.erf, _REAL_LINE, 3),
    (error_kernels.erfcx, sp.erfcx, _REAL_LINE[_NOT_AT_OVERFLOW], 600),
    (error_kernels.log_ndtr, sp.log_ndtr, _REAL_LINE[_REAL_LINE < 3], 20),
    (error_kernels.erfc, sp.erfc, _REAL_LINE[_REAL_LINE < 3], 12),
    (error_kernels.ndtri, sp.ndtri, _PROBABILITIES, 6),
    (error_kernels.erfinv, sp.erfinv, 2 * _PROBABILITIES - 1, 6),
], ids=["erf", "erfcx", "log_ndtr", "erfc", "ndtri", "erfinv"])
def test_error_functions_agree_with_scipy(ours, theirs, x, bound):
    assert ulps(ours(x), theirs(x)).max() <= bound


def _erfcx_exact(v):
    return mpmath.exp(v * v) * mpmath.erfc(v)


@pytest.mark.parametrize("ours,truth,x", [
    (error_kernels.erf, mpmath.erf, np.linspace(-6, 6, 1201)),
    (error_kernels.erfc, mpmath.erfc, np.linspace(-6, 27.3, 1201)),
    (error_kernels.erfcx, _erfcx_exact, np.linspace(-26, 60, 1201)),
    (error_kernels.log_ndtr, lambda v: mpmath.log(mpmath.ncdf(v)) if v < 0 else mpmath.log1p(-mpmath.ncdf(-v)),
     np.linspace(-40, 37, 1201)),
    (error_kernels.ndtri, lambda p: -mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * p), np.linspace(1e-3, 1 - 1e-3, 999)),
], ids=["erf", "erfc", "erfcx", "log_ndtr", "ndtri"])
def test_error_functions_against_mpmath(ours, truth, x):
    assert ulps(ours(x), exact(truth, x)).max() <= 4


def test_ndtri_far_tail_against_mpmath():
    p = np.geomspace(1e-300, 1e-20, 57)
    quantiles = exact(lambda v: mpmath.findroot(lambda z: mpmath.log(mpmath.ncdf(z)) - mpmath.log(v),
                                                float(sp.ndtri(float(v)))), p)
    assert ulps(error_kernels.ndtri(p), quantiles).max() <= 4


# ---------------------------------------------------------------- incomplete gamma functions
_SHAPES, _POINTS = np.meshgrid(np.geomspace(1e-3, 1e4, 120), np.geomspace(1e-4, 2e4, 120))


def _incomplete_gamma_exact(a, x, upper):
    return np.array([float(mpmath.gammainc(u, v, mpmath.inf, regularized=True) if upper
                           else mpmath.gammainc(u, 0, v, regularized=True)) for u, v in zip(a, x)])


@pytest.mark.parametrize("upper", [False, True], ids=["P", "Q"])
def test_incomplete_gamma_against_mpmath(upper):
    """Values above 1e-20: within about a hundred ulps (the factor x**a exp(-x) / gamma(a) is formed from
    terms of up to a hundred or so in size). Smaller values lose relative accuracy with the size of
    their exponent, as SciPy's do; below 1e-280 they are checked to 1e-12."""
    ours = incomplete_gamma.gammaincc if upper else incomplete_gamma.gammainc
    picked = np.random.default_rng(0).choice(_SHAPES.size, 500, replace=False)
    a, x = _SHAPES.ravel()[picked], _POINTS.ravel()[picked]
    truth = _incomplete_gamma_exact(a, x, upper)
    values = ours(a, x)
    assert ulps(values, truth)[truth > 1e-20].max() <= 128
    assert ulps(values, truth)[truth > 1e-280].max() <= 1500
    np.testing.assert_allclose(values, truth, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("upper", [False, True], ids=["P", "Q"])
def test_incomplete_gamma_agrees_with_scipy(upper):
    ours = incomplete_gamma.gammaincc(_SHAPES, _POINTS) if upper else incomplete_gamma.gammainc(_SHAPES, _POINTS)
    theirs = sp.gammaincc(_SHAPES, _POINTS) if upper else sp.gammainc(_SHAPES, _POINTS)
    moderate = theirs > 1e-20
    assert ulps(ours, theirs)[moderate].max() <= 2500  # SciPy's own error reaches 1331 ulps there (mpmath)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-300)


# ---------------------------------------------------------------- Bessel and Airy functions
_EPSILON = 2.0 ** -52
_WIDE = np.concatenate([np.linspace(-60, 60, 60001), np.geomspace(1e-300, 1, 1001), -np.geomspace(1e-300, 1, 1001),
                        np.geomspace(60, 700, 1001), -np.geomspace(60, 700, 1001)])
_POSITIVE = _WIDE[_WIDE > 0]


@pytest.mark.parametrize("ours,theirs,x,bound", [
    (bessel_kernels.i0, sp.i0, _WIDE, 8), (bessel_kernels.i0e, sp.i0e, _WIDE, 8),
    (bessel_kernels.i1, sp.i1, _WIDE, 16), (bessel_kernels.i1e, sp.i1e, _WIDE, 16),
    (bessel_kernels.k0, sp.k0, _POSITIVE, 12), (bessel_kernels.k0e, sp.k0e, _POSITIVE, 12),
    (bessel_kernels.k1, sp.k1, _POSITIVE, 8), (bessel_kernels.k1e, sp.k1e, _POSITIVE, 8),
], ids=["i0", "i0e", "i1", "i1e", "k0", "k0e", "k1", "k1e"])
def test_modified_bessel_functions_agree_with_scipy(ours, theirs, x, bound):
    assert ulps(ours(x), theirs(x)).max() <= bound


@pytest.mark.parametrize("ours,truth,x", [
    (bessel_kernels.i0, lambda v: mpmath.besseli(0, v), np.linspace(-40, 40, 801)),
    (bessel_kernels.i1, lambda v: mpmath.besseli(1, v), np.linspace(-40, 40, 801)),
    (bessel_kernels.k0, lambda v: mpmath.besselk(0, v), np.linspace(0.01, 40, 800)),
    (bessel_kernels.k1, lambda v: mpmath.besselk(1, v), np.linspace(0.01, 40, 800)),
], ids=["i0", "i1", "k0", "k1"])
def test_modified_bessel_functions_against_mpmath(ours, truth, x):
    assert ulps(ours(x), exact(truth, x)).max() <= 5


_OSCILLATING = np.concatenate([np.linspace(0.01, 40, 2001), np.geomspace(40, 1e6, 200)])


@pytest.mark.parametrize("order,ours,truth", [
    (0, bessel_kernels.j0, lambda v: mpmath.besselj(0, v)), (1, bessel_kernels.j1, lambda v: mpmath.besselj(1, v)),
    (0, bessel_kernels.y0, lambda v: mpmath.bessely(0, v)), (1, bessel_kernels.y1, lambda v: mpmath.bessely(1, v)),
], ids=["j0", "j1", "y0", "y1"])
def test_bessel_functions_against_mpmath(order, ours, truth):
    """An oscillating function's error is measured against its envelope, ``sqrt(J**2 + Y**2)``: around its
    zeros no float64 evaluation has relative accuracy. (SciPy's errors reach 1e5 such units at 1e6, where
    ``x - pi/4`` is rounded; ours form the phase from ``cos(x)`` and ``sin(x)``.)"""
    x = _OSCILLATING
    envelope = np.sqrt(sp.jv(order, x) ** 2 + sp.yv(order, x) ** 2)
    assert (np.abs(ours(x) - exact(truth, x)) / (_EPSILON * envelope)).max() <= 4


@pytest.mark.parametrize("order,ours,theirs", [(0, bessel_kernels.j0, sp.j0), (1, bessel_kernels.j1, sp.j1),
                                               (0, bessel_kernels.y0, sp.y0), (1, bessel_kernels.y1, sp.y1)],
                         ids=["j0", "j1", "y0", "y1"])
def test_bessel_functions_agree_with_scipy(order, ours, theirs):
    x = np.linspace(0.01, 25, 100001)
    envelope = np.sqrt(sp.jv(order, x) ** 2 + sp.yv(order, x) ** 2)
    assert (np.abs(ours(x) - theirs(x)) / (_EPSILON * envelope)).max() <= 20


def test_bessel_functions_of_negative_arguments():
    x = np.linspace(0.01, 30, 301)
    assert np.array_equal(bessel_kernels.j0(-x), bessel_kernels.j0(x))
    assert np.array_equal(bessel_kernels.j1(-x), -bessel_kernels.j1(x))
    assert np.isnan(bessel_kernels.y0(-x)).all() and np.isnan(bessel_kernels.y1(-x)).all()


def test_airy_function_against_mpmath_and_scipy():
    """Above 0 in ulps (the error grows with the exponent 2/3 x**1.5, as SciPy's); below, in units of the
    envelope sqrt(Ai**2 + Bi**2), as for the Bessel functions."""
    x = np.linspace(-30, 30, 1201)
    truth = exact(mpmath.airyai, x)
    envelope = exact(lambda v: mpmath.sqrt(mpmath.airyai(v) ** 2 + mpmath.airybi(v) ** 2), x)
    ours = bessel_kernels.airy_ai(x)
    positive = x > 0
    assert ulps(ours, truth)[positive & (x < 5)].max() <= 64
    assert ulps(ours, truth)[positive].max() <= 400
    assert (np.abs(ours - truth) / (_EPSILON * envelope))[~positive].max() <= 128
    dense = np.linspace(-25, 100, 100001)
    ai, _, bi, _ = sp.airy(dense)
    ours = bessel_kernels.airy_ai(dense)
    positive = dense > 0
    assert ulps(ours, ai)[positive].max() <= 1500  # both lose about 2/3 x**1.5 ulps to exp(-2/3 x**1.5)
    assert (np.abs(ours - ai) / (_EPSILON * np.hypot(ai, bi)))[~positive].max() <= 128


def test_spherical_bessel_j0():
    x = np.concatenate([np.linspace(-60, 60, 2000), np.geomspace(1e-300, 1, 201)])
    assert ulps(bessel_kernels.spherical_j0(x), exact(lambda v: mpmath.sin(v) / v, x)).max() <= 2


def test_functions_without_derivative_give_results_without_grad():
    x = chainrule.tensor([0.5, 1.5], requires_grad=True)
    for name in ("bessel_j0", "bessel_y1", "modified_bessel_k0", "scaled_modified_bessel_k1", "airy_ai",
                 "spherical_bessel_j0", "modified_bessel_i1"):
        result = getattr(chainrule.special, name)(x)
        assert not result.requires_grad and result.grad_fn is None


# ---------------------------------------------------------------- orthogonal polynomials
_POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
                "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
                "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
                "laguerre_polynomial_l", "legendre_polynomial_p"]
_SCIPY_POLYNOMIALS = {"chebyshev_polynomial_t": sp.eval_chebyt, "chebyshev_polynomial_u": sp.eval_chebyu,
                      "shifted_chebyshev_polynomial_t": sp.eval_sh_chebyt,
                      "shifted_chebyshev_polynomial_u": sp.eval_sh_chebyu,
                      "hermite_polynomial_h": sp.eval_hermite, "hermite_polynomial_he": sp.eval_hermitenorm,
                      "laguerre_polynomial_l": sp.eval_laguerre, "legendre_polynomial_p": sp.eval_legendre}


@pytest.mark.parametrize("name", _POLYNOMIALS)
def test_polynomials_match_torch_and_scipy(name):
    """Every degree up to 40 on a grid with the endpoints (PyTorch's special cases there included),
    and degrees as a tensor, one per element."""
    x = np.concatenate([np.linspace(-1.5, 1.5, 301), [-1.0, 0.0, 1.0, 0.5]])
    for n in list(range(-2, 41)) + [2.5, -0.5]:
        ours = getattr(chainrule.special, name)(chainrule.tensor(x), n).numpy()
        theirs = getattr(torch.special, name)(torch.tensor(x), n).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-11)
        if name in _SCIPY_POLYNOMIALS and n >= 0 and n == int(n):
            reference = _SCIPY_POLYNOMIALS[name](int(n), x)
            np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-9 * np.abs(reference).max())
    degrees = np.random.default_rng(0).integers(-2, 30, x.size)
    ours = getattr(chainrule.special, name)(chainrule.tensor(x), chainrule.tensor(degrees)).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(x), torch.tensor(degrees)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-11, atol=1e-11)


def test_polynomials_have_no_derivative():
    x = chainrule.tensor([0.3, 0.9], requires_grad=True)
    assert not chainrule.special.hermite_polynomial_h(x, 3).requires_grad
    n = chainrule.tensor([2.0, 3.0], requires_grad=True)
    assert not chainrule.special.legendre_polynomial_p(x, n).requires_grad


# ---------------------------------------------------------------- special values, as PyTorch gives them
_SPECIAL = [0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, math.inf, -math.inf, math.nan, 1e-320, -1e-300, 1e308, 1e-5, 0.5,
            -40.0, 40.0, 1e-30]
_SPECIAL_CALLS = {
    "lgamma": lambda m, x: m.lgamma(x),
    "digamma": lambda m, x: m.digamma(x),
    "polygamma 2": lambda m, x: m.polygamma(2, x),
    "polygamma 3": lambda m, x: m.polygamma(3, x),
    "mvlgamma": lambda m, x: m.mvlgamma(x, 2),
    "erfcx": lambda m, x: m.special.erfcx(x),
    "ndtr": lambda m, x: m.special.ndtr(x),
    "log_ndtr": lambda m, x: m.special.log_ndtr(x),
    "ndtri": lambda m, x: m.special.ndtri(x),
    "entr": lambda m, x: m.special.entr(x),
    "sinc": lambda m, x: m.special.sinc(x),
    "xlog1py": lambda m, x: m.special.xlog1py(x, x.flip(0)),
    **{name: (lambda m, x, name=name: getattr(m.special, name)(x)) for name in (
        "i0", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
        "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0")},
}
# PyTorch's J, Y and Ai are off by more than rounding at many points (see the op table): their conventions only
_CONVENTIONS = [0.0, -0.0, math.inf, -math.inf, math.nan, -1.0, 1.0, 0.5, 1e-300, 800.0]
_CONVENTION_CALLS = {name: (lambda m, x, name=name: getattr(m.special, name)(x))
                     for name in ("bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "airy_ai")}
_SPECIAL_PAIRS = np.array([(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, -1.0), (-1.0, 1.0), (1.0, math.inf),
                           (math.inf, 1.0), (math.inf, math.inf), (1.0, math.nan), (math.nan, 1.0), (2.0, 1e-300),
                           (5.0, 1e-5), (2.5, 2.5), (1e10, 1e10), (100.0, 110.0), (1.0, 1.0), (2.0, -1.5), (3.0, -2.5),
                           (0.5, 1.0), (2.0, -2.0), (1.0, 2.0)])
_PAIR_CALLS = {
    "igamma": lambda m, a, x: m.igamma(a, x),
    "igammac": lambda m, a, x: m.igammac(a, x),
    "zeta": lambda m, a, x: m.special.zeta(a, x),
}


@pytest.mark.parametrize("name", sorted(_PAIR_CALLS))
def test_special_values_of_two_arguments_match_torch(name):
    a, x = _SPECIAL_PAIRS[:, 0], _SPECIAL_PAIRS[:, 1]
    ours = _PAIR_CALLS[name](chainrule, chainrule.tensor(a), chainrule.tensor(x)).numpy()
    theirs = _PAIR_CALLS[name](torch, torch.tensor(a), torch.tensor(x)).numpy()
    # PyTorch's incomplete gamma functions are good to about 1e-10 near the transition (1e10, 1e10; 100, 110)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-300, equal_nan=True)


# PyTorch's trigamma at its poles (the negative integers) is a large finite number made by the rounding of
# sin(pi x); chainrule computes sin(pi x) exactly there and answers inf (docs/differences.md)
_POLES = [-1.0, -2.0, -40.0]


@pytest.mark.parametrize("name", sorted(_SPECIAL_CALLS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values_match_torch(name, dtype):
    call = _SPECIAL_CALLS[name]
    values = np.array(_SPECIAL)
    ours = call(chainrule, chainrule.tensor(values, dtype=getattr(chainrule, dtype))).numpy()
    theirs = call(torch, torch.tensor(values, dtype=getattr(torch, dtype))).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == "float32" else 1e-12, equal_nan=True)


@pytest.mark.parametrize("p", [2, 3, 4])
def test_mvlgamma_forms_its_arguments_in_the_input_dtype(p):
    """In float16, ``x - 1`` of a tiny ``x`` rounds to the pole at -1, so PyTorch's result is inf."""
    values = [6.1e-5, -6e-8, 1.5, 1.75, 2.25, 4.0, 30.0]
    ours, theirs = (m.mvlgamma(m.tensor(values, dtype=m.float16), p).numpy() for m in (chainrule, torch))
    np.testing.assert_allclose(ours.astype(float), theirs.astype(float), rtol=2e-3, equal_nan=True)


@pytest.mark.parametrize("name", sorted(_CONVENTION_CALLS))
def test_oscillating_functions_follow_torchs_conventions(name):
    values = np.array(_CONVENTIONS)
    ours = _CONVENTION_CALLS[name](chainrule, chainrule.tensor(values)).numpy()
    theirs = _CONVENTION_CALLS[name](torch, torch.tensor(values)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-12, equal_nan=True)


def test_trigamma_special_values():
    values = np.array([v for v in _SPECIAL if v not in _POLES])
    ours = chainrule.polygamma(1, chainrule.tensor(values)).numpy()
    theirs = torch.polygamma(1, torch.tensor(values)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, equal_nan=True)  # PyTorch's trigamma: about 1e-9
    assert np.all(chainrule.polygamma(1, chainrule.tensor(_POLES)).numpy() == math.inf)


# ---------------------------------------------------------------- in-place forms
_INPLACE = {
    "lgamma_": lambda x: x.lgamma_(),
    "digamma_": lambda x: x.digamma_(),
    "polygamma_": lambda x: x.polygamma_(2),
    "mvlgamma_": lambda x: x.mvlgamma_(2),
    "sinc_": lambda x: x.sinc_(),
    "i0_": lambda x: x.i0_(),
}


@pytest.mark.parametrize("name", sorted(_INPLACE))
def test_inplace_forms_match_torch(name):
    results = {}
    for module in (chainrule, torch):
        leaf = module.tensor([0.7, 1.3, 2.9, 4.2], dtype=module.float64, requires_grad=True)
        out = _INPLACE[name](leaf * 1)
        grad, = module.autograd.grad(out.sum(), leaf)
        results[module] = (out.detach().numpy(), type(out.grad_fn).__name__, grad.numpy())
    np.testing.assert_allclose(results[chainrule][0], results[torch][0], rtol=1e-12)
    assert results[chainrule][1] == results[torch][1]
    np.testing.assert_allclose(results[chainrule][2], results[torch][2], rtol=1e-8)


@pytest.mark.parametrize("name", ["igamma_", "igammac_"])
def test_inplace_incomplete_gamma_matches_torch(name):
    """(Their gradient for the tensor written into is one PyTorch does not define.)"""
    results = []
    for module in (chainrule, torch):
        leaf = module.tensor([0.7, 1.3, 2.9], dtype=module.float64, requires_grad=True)
        out = getattr(leaf * 1, name)(module.tensor([0.5, 2.0, 3.5], dtype=module.float64))
        results.append((out.detach().numpy(), type(out.grad_fn).__name__))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    assert results[0][1] == results[1][1]


@pytest.mark.parametrize("name", ["sinc_", "xlogy_", "i0_"])
def test_top_level_inplace_functions(name):
    results = []
    for module in (chainrule, torch):
        x = module.tensor([0.5, 1.5])
        args = (x, module.tensor([2.0, 3.0])) if name == "xlogy_" else (x,)
        assert getattr(module, name)(*args) is x
        results.append(x.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda m, a, x: m.special.zeta(a, x),
    lambda m, a, x: m.special.zeta(a, 2.0),
    lambda m, a, x: m.igamma(a, x),
    lambda m, a, x: m.special.gammaincc(a, x),
], ids=["zeta", "zeta number q", "igamma", "gammaincc"])
def test_derivatives_pytorch_does_not_define_raise_its_error(call):
    messages = []
    for module in (chainrule, torch):
        a = module.tensor([2.5], requires_grad=True)
        x = module.tensor([1.5], requires_grad=True)
        with pytest.raises(NotImplementedError) as error:
            call(module, a, x).sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


# ---------------------------------------------------------------- errors
_ERRORS = {
    "negative order": lambda m: m.polygamma(-1, m.tensor([1.0])),
    "float order": lambda m: m.polygamma(1.5, m.tensor([1.0])),
    "mvlgamma p": lambda m: m.mvlgamma(m.tensor([3.0]), 0),
    "mvlgamma float p": lambda m: m.special.multigammaln(m.tensor([3.0]), 1.5),
    "mvlgamma bool": lambda m: m.mvlgamma(m.tensor([True]), 2),
    "lgamma complex": lambda m: m.lgamma(m.tensor([1 + 1j])),
    "digamma complex": lambda m: m.digamma(m.tensor([1 + 1j])),
    "trigamma complex": lambda m: m.polygamma(1, m.tensor([1 + 1j])),
    "polygamma complex": lambda m: m.polygamma(3, m.tensor([1 + 1j])),
    "mvlgamma complex": lambda m: m.mvlgamma(m.tensor([1 + 1j]), 2),
    "entr complex": lambda m: m.special.entr(m.tensor([1 + 1j])),
    "xlog1py complex": lambda m: m.special.xlog1py(m.tensor([1 + 1j]), m.tensor([1.0])),
    "xlog1py numbers": lambda m: m.special.xlog1py(1.0, 2.0),
    "erfcx complex": lambda m: m.special.erfcx(m.tensor([1 + 1j])),
    "ndtr complex": lambda m: m.special.ndtr(m.tensor([1 + 1j])),
    "ndtri complex": lambda m: m.special.ndtri(m.tensor([1 + 1j])),
    "log_ndtr complex": lambda m: m.special.log_ndtr(m.tensor([1 + 1j])),
    "zeta complex": lambda m: m.special.zeta(m.tensor([1 + 1j]), m.tensor([1.0])),
    "zeta numbers": lambda m: m.special.zeta(2.0, 3.0),
    "igamma number": lambda m: m.igamma(m.tensor([1.0]), 2.0),
    "igamma number input": lambda m: m.igamma(2.0, m.tensor([1.0])),
    "igamma method number": lambda m: m.tensor([1.0]).igamma(2.0),
    "gammaincc number": lambda m: m.special.gammaincc(m.tensor([1.0]), 2.0),
    "igamma integers": lambda m: m.igamma(m.tensor([1, 2]), m.tensor([1, 2])),
    "igammac complex": lambda m: m.igammac(m.tensor([1 + 1j]), m.tensor([1 + 1j])),
    "polynomial numbers": lambda m: m.special.chebyshev_polynomial_t(0.5, 2),
    "polynomial complex": lambda m: m.special.legendre_polynomial_p(m.tensor([1 + 1j]), 2),
    **{f"{name} complex": (lambda m, name=name: getattr(m.special, name)(m.tensor([1 + 1j]))) for name in (
        "i0", "i0e", "i1", "i1e", "modified_bessel_i0", "modified_bessel_k1", "scaled_modified_bessel_k0", "bessel_j0",
        "bessel_y1", "spherical_bessel_j0", "airy_ai")},
    # PyTorch computes i1 and i1e in float16 but has no float16 kernel for their derivatives
    **{f"{name} float16 backward": (lambda m, name=name: getattr(m.special, name)(
        m.tensor([0.5, 2.0], dtype=m.float16, requires_grad=True)).sum().backward()) for name in ("i1", "i1e")},
}


@pytest.mark.parametrize("name", sorted(_ERRORS))
def test_errors_match_torch(name):
    with pytest.raises(Exception) as theirs:
        _ERRORS[name](torch)
    with pytest.raises(theirs.type) as ours:
        _ERRORS[name](chainrule)
    assert str(ours.value).split("\n")[0] == str(theirs.value).split("\n")[0]


# ---------------------------------------------------------------- SciPy in the kernels' place
_TAKEN_BY_SCIPY = [(error_kernels.ndtri, "ndtri"), (incomplete_gamma.gammainc, "gammainc"),
                   (incomplete_gamma.gammaincc, "gammaincc")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
@pytest.mark.parametrize("kernel,name", _TAKEN_BY_SCIPY, ids=[name for _, name in _TAKEN_BY_SCIPY])
def test_scipy_takes_the_kernels_place(monkeypatch, kernel, name, dtype):
    """With SciPy on, the kernel is SciPy's function, bit for bit, and agrees with chainrule's own to the op
    table's tolerances; float16 keeps chainrule's kernel."""
    rng = np.random.default_rng(0)
    if name == "ndtri":
        operands = (np.concatenate([[0.0, 1.0, 0.5, np.nan, 1e-300, 1 - 1e-16], rng.uniform(0, 1, 1000)]),)
    else:
        operands = (np.concatenate([[0.5, 1.0, np.inf, np.nan, 2.0, 30.0], rng.uniform(0.01, 40, 1000)]),
                    np.concatenate([[0.0, np.inf, 1.0, 1.0, np.nan, 29.0], rng.uniform(0, 50, 1000)]))
    operands = tuple(x.astype(dtype) for x in operands)
    own = kernel(*operands)
    monkeypatch.setattr(_scipy, "ENABLED", True)
    taken = kernel(*operands)
    assert taken.dtype == own.dtype == dtype
    np.testing.assert_array_equal(taken, getattr(sp, name)(*operands).astype(dtype))
    tolerance = 1e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(taken, own, rtol=tolerance, atol=np.finfo(dtype).tiny, equal_nan=True)
    assert kernel(*(x.astype(np.float16) for x in operands)).dtype == np.float16
