"""chainrule.special beyond the op table: accuracy on dense grids against SciPy (and mpmath where SciPy
itself is off), values at poles and infinities against PyTorch, the in-place forms, and the errors."""

import math

import mpmath
import numpy as np
import pytest
import scipy.special as sp
import torch

import chainrule
from chainrule._ops.special import gamma_kernels

mpmath.mp.dps = 40


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


# ---------------------------------------------------------------- special values, as PyTorch gives them
_SPECIAL = [0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, math.inf, -math.inf, math.nan, 1e-320, -1e-300, 1e308, 1e-5]
_SPECIAL_CALLS = {
    "lgamma": lambda m, x: m.lgamma(x),
    "digamma": lambda m, x: m.digamma(x),
    "polygamma 2": lambda m, x: m.polygamma(2, x),
    "polygamma 3": lambda m, x: m.polygamma(3, x),
    "mvlgamma": lambda m, x: m.mvlgamma(x, 2),
}
# PyTorch's trigamma at its poles (the negative integers) is a large finite number made by the rounding of
# sin(pi x); chainrule computes sin(pi x) exactly there and answers inf (docs/differences.md)
_POLES = [-1.0, -2.0]


@pytest.mark.parametrize("name", sorted(_SPECIAL_CALLS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values_match_torch(name, dtype):
    call = _SPECIAL_CALLS[name]
    values = np.array(_SPECIAL)
    ours = call(chainrule, chainrule.tensor(values, dtype=getattr(chainrule, dtype))).numpy()
    theirs = call(torch, torch.tensor(values, dtype=getattr(torch, dtype))).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == "float32" else 1e-12, equal_nan=True)


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


def test_top_level_inplace_functions():
    for module in (chainrule, torch):
        x = module.tensor([0.5, 1.5])
        assert module.sinc_(x) is x
    np.testing.assert_allclose(chainrule.tensor([0.5, 1.5]).sinc_().numpy(), torch.tensor([0.5, 1.5]).sinc_().numpy())


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
}


@pytest.mark.parametrize("name", sorted(_ERRORS))
def test_errors_match_torch(name):
    with pytest.raises(Exception) as theirs:
        _ERRORS[name](torch)
    with pytest.raises(theirs.type) as ours:
        _ERRORS[name](chainrule)
    assert str(ours.value).split("\n")[0] == str(theirs.value).split("\n")[0]
