"""kl_divergence for every pair PyTorch registers, against PyTorch's values and gradients; the registry
holds the same pairs; dispatch through subclasses, ambiguity and missing pairs behave as PyTorch's."""

import warnings

import numpy as np
import pytest
import torch
import torch.distributions.kl as torch_kl

import chainrule
import chainrule.distributions.kl as our_kl
from distribution_cases import Fixed, Spec, covariance, lower_cholesky, positive, real, simplex, unit
from test_distributions import assert_same_grads, assert_same_outcome, outcome

# One instance per class, all with batch shape (3,) (events of 3 for the multivariate ones), parameters
# inside every support the cross-family pairs need (Uniforms and Betas within (0, 1), Paretos above 2).
KL_SPECS = {
    "Bernoulli": Spec("Bernoulli", unit(3)),
    "Beta": Spec("Beta", positive(3), positive(3)),
    "Binomial": Spec("Binomial", Fixed([6.0, 6.0, 6.0]), unit(3)),
    "Categorical": Spec("Categorical", simplex(3, 4)),
    "Cauchy": Spec("Cauchy", real(3), positive(3)),
    "ContinuousBernoulli": Spec("ContinuousBernoulli", unit(3)),
    "Dirichlet": Spec("Dirichlet", positive(3, 4)),
    "Exponential": Spec("Exponential", positive(3)),
    "ExponentialFamily": Spec("Wishart", positive(3, low=3.5, high=6.0), covariance(3, 3, 3)),
    "Gamma": Spec("Gamma", positive(3), positive(3)),
    "Geometric": Spec("Geometric", unit(3)),
    "Gumbel": Spec("Gumbel", real(3), positive(3)),
    "HalfNormal": Spec("HalfNormal", positive(3)),
    "Independent": Spec("Independent", Spec("Normal", real(3, 2), positive(3, 2)), 1),
    "Laplace": Spec("Laplace", real(3), positive(3)),
    "LowRankMultivariateNormal": Spec("LowRankMultivariateNormal", real(3, 3), real(3, 3, 2) * 0.5, positive(3, 3)),
    "MultivariateNormal": Spec("MultivariateNormal", real(3, 3), scale_tril=lower_cholesky(3, 3, 3)),
    "Normal": Spec("Normal", real(3), positive(3)),
    "OneHotCategorical": Spec("OneHotCategorical", simplex(3, 4)),
    "Pareto": Spec("Pareto", positive(3), positive(3, low=2.5, high=5.0)),
    "Poisson": Spec("Poisson", positive(3)),
    "TransformedDistribution": Spec("LogNormal", real(3), positive(3)),
    "Uniform": Spec("Uniform", unit(3) * 0.4, 0.6 + unit(3) * 0.4),
}
# A second instance where a pair of one class needs two different members (counts that q can reach).
SECOND = {"Binomial": Spec("Binomial", Fixed([6.0, 4.0, 6.0]), unit(3))}

PAIRS = sorted((p.__name__, q.__name__) for p, q in torch_kl._KL_REGISTRY)


def test_the_registry_holds_pytorch_pairs():
    ours = sorted((p.__name__, q.__name__) for p, q in our_kl._KL_REGISTRY)
    assert ours == PAIRS


@pytest.mark.parametrize("p_name,q_name", PAIRS)
def test_kl_divergence_matches_pytorch(p_name, q_name):
    p_spec = KL_SPECS[p_name]
    q_spec = SECOND.get(q_name, KL_SPECS[q_name]) if p_name == q_name else KL_SPECS[q_name]
    theirs_leaves, ours_leaves = [], []
    theirs = outcome(lambda: torch.distributions.kl_divergence(p_spec.build(torch, theirs_leaves),
                                                               q_spec.build(torch, theirs_leaves)))
    ours = outcome(lambda: chainrule.distributions.kl_divergence(p_spec.build(chainrule, ours_leaves),
                                                                 q_spec.build(chainrule, ours_leaves)))
    assert_same_outcome(ours, theirs, f"KL({p_name} || {q_name})")
    if isinstance(theirs, type) or not theirs.requires_grad:
        return
    finite = np.isfinite(theirs.detach().numpy())
    theirs[torch.from_numpy(finite)].sum().backward()
    ours[chainrule.from_numpy(finite)].sum().backward()
    assert_same_grads(ours_leaves, theirs_leaves, f"KL({p_name} || {q_name})")


def test_a_binomial_pair_with_a_larger_count_in_q_is_refused():
    def kl(lib):
        p = lib.distributions.Binomial(lib.tensor([2.0]), lib.tensor([0.5]))
        q = lib.distributions.Binomial(lib.tensor([3.0]), lib.tensor([0.5]))
        return outcome(lambda: lib.distributions.kl_divergence(p, q))
    assert kl(chainrule) is kl(torch) is NotImplementedError


def _error(lib, p, q):
    try:
        lib.distributions.kl_divergence(p, q)
    except Exception as error:  # noqa: BLE001
        return type(error).__name__, str(error)
    return None


def test_missing_and_cross_family_pairs_raise_as_pytorch():
    for lib in (torch, chainrule):
        d = lib.distributions
        lib.cauchy_normal = _error(lib, d.Cauchy(0.0, 1.0), d.Normal(0.0, 1.0))
        lib.poisson_gamma = _error(lib, d.Poisson(lib.tensor([2.0])), d.Gamma(lib.tensor([2.0]), lib.tensor([1.0])))
    assert chainrule.cauchy_normal == torch.cauchy_normal
    assert chainrule.poisson_gamma == torch.poisson_gamma
    del chainrule.cauchy_normal, chainrule.poisson_gamma, torch.cauchy_normal, torch.poisson_gamma


def test_subclasses_dispatch_to_the_most_specific_pair_and_ambiguity_warns():
    results = {}
    for lib in (torch, chainrule):
        d = lib.distributions

        class MyNormal(d.Normal):
            pass

        class Left(d.Normal):
            pass

        class Right(d.Normal):
            pass

        @d.register_kl(Left, d.Normal)
        def _left(p, q):
            return lib.tensor(1.0)

        @d.register_kl(d.Normal, Right)
        def _right(p, q):
            return lib.tensor(2.0)

        plain = d.kl_divergence(MyNormal(0.0, 1.0), d.Normal(1.0, 2.0)).item()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ambiguous = d.kl_divergence(Left(0.0, 1.0), Right(0.0, 1.0)).item()
        results[lib.__name__] = (plain, ambiguous, [(w.category, str(w.message)) for w in caught])
        registry = (torch_kl if lib is torch else our_kl)._KL_REGISTRY
        del registry[Left, d.Normal], registry[d.Normal, Right]
        (torch_kl if lib is torch else our_kl)._KL_MEMOIZE.clear()
    assert results["chainrule"] == results["torch"]
    assert results["torch"][2][0][0] is RuntimeWarning
