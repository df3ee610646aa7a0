"""Op table entries: ``chainrule.special`` and the top-level names and Tensor methods PyTorch gives
some of its functions (``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``, ``i0``, ``sinc``, ...)
(see tests/op_db/__init__.py)."""

import numpy as np

from . import OpInfo, Sample, noncontiguous, standard_shapes


def _values(rng, shape, low, high, poles=False):
    """Values in [low, high]; with ``poles``, at least 0.1 away from the non-positive integers (the gamma
    family's poles): those near one are moved to the half-integer below it."""
    x = np.asarray(rng.uniform(low, high, shape))
    if not poles:
        return x
    near_pole = (x < 0.1) & (np.abs(x - np.round(x)) < 0.1)
    return np.where(near_pole, np.round(x) - 0.5, x)


def _unary(low, high, poles=False):
    """0-d, empty, vector, matrix and non-contiguous samples with values in ``[low, high]``."""

    def samples(rng):
        for shape in standard_shapes():
            yield Sample((_values(rng, shape, low, high, poles),))
        yield Sample((noncontiguous(_values(rng, (3, 4), low, high, poles)),), name="noncontiguous")

    return samples


def _binary(low, high, other_low, other_high, numbers=(1.5, 2.5), poles=False):
    """Pairs: 0-d, empty, same shape, broadcasting (one side, both sides, with 0-d), non-contiguous, numbers."""

    def samples(rng):
        def a(*shape):
            return _values(rng, shape, low, high)

        def b(*shape):
            return _values(rng, shape, other_low, other_high, poles)

        yield Sample((a(), b()), name="0-d")
        yield Sample((a(0), b(0)), name="empty")
        yield Sample((a(2, 3), b(2, 3)))
        yield Sample((a(2, 3), b(3)), name="broadcast row")
        yield Sample((a(4, 1, 3), b(2, 1)), name="broadcast both")
        yield Sample((a(2, 3), b()), name="with 0-d")
        yield Sample((noncontiguous(a(3, 4)), b(3, 4)), name="noncontiguous")
        if numbers is not None and numbers[1] is not None:
            yield Sample((a(2, 3), numbers[1]), name="number other")
        if numbers is not None and numbers[0] is not None:
            yield Sample((numbers[0], b(2, 3)), name="number self")

    return samples


def _two_ranges(first, second):
    """Like ``_unary``, the values drawn from two intervals (half each)."""

    def values(rng, shape):
        pick = rng.integers(0, 2, shape).astype(bool)
        return np.where(pick, rng.uniform(*first, shape), rng.uniform(*second, shape))

    def samples(rng):
        for shape in standard_shapes():
            yield Sample((np.asarray(values(rng, shape)),))
        yield Sample((noncontiguous(np.asarray(values(rng, (3, 4)))),), name="noncontiguous")

    return samples


def _rounding_samples(rng):
    """Values 0.01 to 0.04 above an integer: away from where rounding to 0 or 1 decimal jumps."""
    for shape in standard_shapes():
        yield Sample((np.asarray(rng.integers(-3, 3, shape) + rng.uniform(0.01, 0.04, shape)),))


def _special(name, low, high, poles=False, **kw):
    return OpInfo(f"special.{name}", lambda m, a: getattr(m.special, name)(a), _unary(low, high, poles), **kw)


def _top_level(name, low, high, poles=False, **kw):
    """The function and the Tensor method (the in-place forms are in tests/test_special.py: compile cannot
    replay the copy an in-place op keeps of the value it overwrites)."""
    return [OpInfo(name, lambda m, a: getattr(m, name)(a), _unary(low, high, poles), **kw),
            OpInfo(f"Tensor.{name}", lambda m, a: getattr(a, name)(), _unary(low, high, poles), **kw)]


def _integer_samples(low=1, high=6, bools=True):
    """int64, int32 and bool inputs: computed in the default float dtype.

    (PyTorch's float32 digamma is a few units in the last place off below 4, where chainrule rounds
    float64's value once, so its samples start at 4.)
    """

    def samples(rng):
        yield Sample((rng.integers(low, high, (2, 3)),), name="int64")
        yield Sample((rng.integers(low, high, (4,)).astype(np.int32),), name="int32")
        if bools:
            yield Sample((rng.integers(0, 2, (4,)).astype(bool),), name="bool")

    return samples


def _xlog1py_samples(rng):
    yield from _binary(-2, 2, -0.5, 2)(rng)
    zeros = np.array([0.0, 0.0, 1.5, 0.0])
    yield Sample((zeros, np.array([-1.0, -2.0, 0.5, np.nan])), name="zero self", finite_differences=False)


def _polynomial_samples(low, high):
    """``p(x, n)``: degrees as numbers (low, and high enough for the trigonometric forms) and as integer
    tensors, broadcast against x."""

    def samples(rng):
        for shape in standard_shapes():
            yield Sample((rng.uniform(low, high, shape), 3))
        yield Sample((rng.uniform(low, high, (2, 3)), 11), name="high degree")
        yield Sample((rng.uniform(low, high, (2, 3)), 4.7), name="float degree")
        yield Sample((rng.uniform(low, high, (2, 3)), rng.integers(-1, 13, (3,))), name="tensor degree")
        yield Sample((noncontiguous(rng.uniform(low, high, (3, 4))), rng.integers(0, 9, (3, 1))),
                     name="noncontiguous")
        # (a float32 result whatever the run's dtype: degrees below PyTorch's float32 trigonometric forms)
        yield Sample((0.5, rng.integers(0, 6, (4,))), name="number x")

    return samples


_POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
                "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]
_GAMMA_RANGE = (-3.5, 6.0)

OPS = (
    _top_level("lgamma", *_GAMMA_RANGE, poles=True) + _top_level("digamma", *_GAMMA_RANGE, poles=True)
    + [_special(name, *_GAMMA_RANGE, poles=True) for name in ("gammaln", "digamma", "psi")]
    + [OpInfo(f"polygamma {n}", lambda m, a, n=n: m.polygamma(n, a), _unary(*_GAMMA_RANGE, poles=True))
       for n in (0, 1, 2, 3)]
    + [OpInfo(f"special.polygamma {n}", lambda m, a, n=n: m.special.polygamma(n, a), _unary(0.2, 4.0))
       for n in (1, 4)]
    + [OpInfo("Tensor.polygamma", lambda m, a: a.polygamma(2), _unary(0.2, 4.0))]
    + [OpInfo(f"mvlgamma {p}", lambda m, a, p=p: m.mvlgamma(a, p), _unary(p / 2 + 0.1, 5.0)) for p in (1, 3)]
    + [OpInfo("special.multigammaln", lambda m, a: m.special.multigammaln(a, 2), _unary(0.7, 5.0)),
       OpInfo("Tensor.mvlgamma", lambda m, a: a.mvlgamma(p=2), _unary(0.7, 5.0))]
    + [OpInfo(f"{name} integer", lambda m, a, name=name: getattr(m, name)(a), _integer_samples(),
              differentiable=False) for name in ("lgamma", "sinc")]
    + [OpInfo("digamma integer", lambda m, a: m.digamma(a), _integer_samples(4, 9, bools=False),
              differentiable=False),
       OpInfo("polygamma integer", lambda m, a: m.polygamma(1, a), _integer_samples(), differentiable=False),
       OpInfo("mvlgamma integer", lambda m, a: m.mvlgamma(a, 2), _integer_samples(bools=False),
              differentiable=False)]
    + [_special("entr", 0.1, 3.0), _special("sinc", -2.0, 2.0), _special("erfcx", -3.0, 5.0),
       _special("ndtr", -3.0, 3.0), _special("log_ndtr", -6.0, 4.0), _special("ndtri", 0.02, 0.98)]
    + [OpInfo(f"special.{name} integer", lambda m, a, name=name: getattr(m.special, name)(a), _integer_samples(),
              differentiable=False) for name in ("erfcx", "ndtr", "log_ndtr", "ndtri", "entr")]
    + _top_level("sinc", -2.0, 2.0)
    + [OpInfo("special.xlog1py", lambda m, a, b: m.special.xlog1py(a, b), _xlog1py_samples),
       OpInfo("special.xlogy", lambda m, a, b: m.special.xlogy(a, b), _binary(-2, 2, 0.5, 2))]
    # zeta is differentiable in q only, igamma and igammac in x only (as in PyTorch)
    + [OpInfo("special.zeta", lambda m, a, b: m.special.zeta(a, b), _binary(1.5, 4.0, 0.3, 3.0, numbers=(2.5, None)),
              grad_inputs=(1,)),
       OpInfo("special.zeta number exponent", lambda m, a: m.special.zeta(a, 2.5), _unary(1.5, 4.0),
              differentiable=False),
       OpInfo("special.zeta number self", lambda m, b: m.special.zeta(2.5, b), _unary(0.3, 3.0)),
       OpInfo("special.zeta integer", lambda m, a: m.special.zeta(a, a), _integer_samples(2, 6, bools=False),
              differentiable=False)]
    + [OpInfo(name, lambda m, a, b, name=name: getattr(m, name)(a, b), _binary(0.5, 4.0, 0.2, 5.0, numbers=None),
              grad_inputs=(1,)) for name in ("igamma", "igammac")]
    + [OpInfo(f"special.{name}", lambda m, a, b, name=name: getattr(m.special, name)(a, b),
              _binary(0.5, 30.0, 0.2, 40.0, numbers=None), grad_inputs=(1,)) for name in ("gammainc", "gammaincc")]
    + [OpInfo(f"Tensor.{name}", lambda m, a, b, name=name: getattr(a, name)(b),
              _binary(0.5, 4.0, 0.2, 5.0, numbers=None), grad_inputs=(1,)) for name in ("igamma", "igammac")]
    + _top_level("i0", -3.0, 3.0)
    + [_special(name, -10.0, 10.0) for name in ("i0", "i0e", "i1", "i1e")]
    + [OpInfo(f"special.{name} near 0", lambda m, a, name=name: getattr(m.special, name)(a),
              lambda rng: [Sample((np.array([0.0, 1e-20, -1e-20, 0.5]),), finite_differences=False)])
       for name in ("i1", "i1e")]
    + [OpInfo(f"special.{name}", lambda m, a, name=name: getattr(m.special, name)(a), _unary(low, high),
              differentiable=False) for name, (low, high) in {
        "modified_bessel_i0": (-10, 10), "modified_bessel_i1": (-10, 10), "modified_bessel_k0": (0.1, 10),
        "modified_bessel_k1": (0.1, 10), "scaled_modified_bessel_k0": (0.1, 10), "scaled_modified_bessel_k1": (0.1, 10),
        "spherical_bessel_j0": (-10, 10)}.items()]
    # PyTorch's float64 J and Y are off by up to 4e-7 between 2 and 13, and its Ai by up to 7e-5 relative
    # between -4.1 and -2.1 (docs/special.md): sampled where PyTorch is accurate, checked against mpmath
    # everywhere in tests/test_special.py
    + [OpInfo(f"special.{name}", lambda m, a, name=name: getattr(m.special, name)(a), _two_ranges(first, second),
              differentiable=False) for name, (first, second) in {
        "bessel_j0": ((-2, 2), (13, 30)), "bessel_j1": ((-2, 2), (-30, -13)), "bessel_y0": ((0.1, 2), (13, 30)),
        "bessel_y1": ((0.1, 2), (13, 30)), "airy_ai": ((-2, 10), (-30, -5))}.items()]
    + [OpInfo(f"special.{name} integer", lambda m, a, name=name: getattr(m.special, name)(a),
              _integer_samples(1, 3), differentiable=False)
       for name in ("i0", "i1e", "bessel_j0", "bessel_y1", "modified_bessel_k1", "airy_ai")]
    + [OpInfo(f"special.{name}", lambda m, x, n, name=name: getattr(m.special, name)(x, n),
              _polynomial_samples(-1.2, 1.2), differentiable=False) for name in _POLYNOMIALS]
    + [OpInfo(f"special.shifted_{name}", lambda m, x, n, name=name: getattr(m.special, f"shifted_{name}")(x, n),
              _polynomial_samples(-0.1, 1.1), differentiable=False) for name in _POLYNOMIALS[:4]]
    + [_special(name, low, high) for name, (low, high) in {
        "erf": (-2, 2), "erfc": (-2, 2), "erfinv": (-0.9, 0.9), "expit": (-4, 4), "logit": (0.1, 0.9),
        "exp2": (-2, 2), "expm1": (-2, 2), "log1p": (-0.5, 2)}.items()]
    + [OpInfo("special.round", lambda m, a: m.special.round(a), _rounding_samples),
       OpInfo("special.round decimals", lambda m, a: m.special.round(a, decimals=1), _rounding_samples),
       OpInfo("special.softmax", lambda m, a: m.special.softmax(a, -1), _unary(-2, 2)),
       OpInfo("special.log_softmax", lambda m, a: m.special.log_softmax(a, -1), _unary(-2, 2)),
       OpInfo("special.logsumexp", lambda m, a: m.special.logsumexp(a, -1), _unary(-2, 2))]
)
