"""Argument validation: the exceptions PyTorch raises (types and messages) for invalid parameters, values
outside the support or of the wrong shape, and misused constructors; and switching validation off."""

import pytest
import torch

import chainrule


def failure(lib, build):
    """(exception type name, message with ``torch.`` read as ``chainrule.``) of ``build(lib)``, or None."""
    try:
        build(lib)
    except Exception as error:  # noqa: BLE001 (the error is what is compared)
        return type(error).__name__, str(error).replace("torch.", "chainrule.")
    return None


def assert_same_failure(build):
    theirs = failure(torch, build)
    assert theirs is not None, "PyTorch accepts this: the case tests nothing"
    assert failure(chainrule, build) == theirs


def t(lib, values, **kwargs):
    return lib.tensor(values, **kwargs)


INVALID_PARAMETERS = {
    "normal scale": lambda L: L.distributions.Normal(t(L, [0.0, 1.0]), t(L, [1.0, -1.0])),
    "normal loc nan": lambda L: L.distributions.Normal(t(L, float("nan")), 1.0),
    "uniform reversed": lambda L: L.distributions.Uniform(t(L, [2.0]), t(L, [1.0])),
    "bernoulli probs": lambda L: L.distributions.Bernoulli(t(L, [0.2, 1.5])),
    "categorical not simplex": lambda L: L.distributions.Categorical(probs=t(L, [-0.5, 1.5])),
    "exponential rate": lambda L: L.distributions.Exponential(t(L, [0.0])),
    "gamma concentration": lambda L: L.distributions.Gamma(t(L, [-1.0]), t(L, [1.0])),
    "dirichlet": lambda L: L.distributions.Dirichlet(t(L, [1.0, -2.0])),
    "beta": lambda L: L.distributions.Beta(t(L, [1.0]), t(L, [0.0])),
    "poisson": lambda L: L.distributions.Poisson(t(L, [-1.0])),
    "binomial count": lambda L: L.distributions.Binomial(t(L, [2.5]), t(L, [0.5])),
    "geometric zero": lambda L: L.distributions.Geometric(t(L, [0.0, 0.5])),
    "mvn covariance": lambda L: L.distributions.MultivariateNormal(L.zeros(2), t(L, [[1.0, 2.0], [2.0, 1.0]])),
    "mvn scale_tril": lambda L: L.distributions.MultivariateNormal(L.zeros(2),
                                                                   scale_tril=t(L, [[1.0, 1.0], [0.0, 1.0]])),
    "lowrank diag": lambda L: L.distributions.LowRankMultivariateNormal(L.zeros(2), L.ones(2, 1), t(L, [1.0, -1.0])),
    "studentt df": lambda L: L.distributions.StudentT(t(L, [-2.0])),
    "laplace": lambda L: L.distributions.Laplace(t(L, [0.0]), t(L, [-3.0])),
    "von mises": lambda L: L.distributions.VonMises(t(L, [0.0]), t(L, [-3.0])),
    "wishart df": lambda L: L.distributions.Wishart(t(L, 1.0), L.eye(3)),
    "lkj concentration": lambda L: L.distributions.LKJCholesky(3, t(L, [-1.0])),
    "negative binomial probs": lambda L: L.distributions.NegativeBinomial(t(L, [2.0]), t(L, [1.0])),
    "relaxed bernoulli probs": lambda L: L.distributions.RelaxedBernoulli(t(L, 0.5), t(L, [2.0])),
    "continuous bernoulli probs": lambda L: L.distributions.ContinuousBernoulli(t(L, [1.5]), validate_args=True),
}


@pytest.mark.parametrize("case", sorted(INVALID_PARAMETERS))
def test_invalid_parameters(case):
    assert_same_failure(INVALID_PARAMETERS[case])


OUTSIDE_SUPPORT = {
    "bernoulli": lambda L: L.distributions.Bernoulli(t(L, [0.3])).log_prob(t(L, [0.5])),
    "exponential": lambda L: L.distributions.Exponential(t(L, [1.0])).log_prob(t(L, [-1.0])),
    "categorical": lambda L: L.distributions.Categorical(L.ones(3)).log_prob(t(L, 3)),
    "uniform": lambda L: L.distributions.Uniform(0.0, 1.0).log_prob(t(L, 2.0)),
    "dirichlet": lambda L: L.distributions.Dirichlet(L.ones(3)).log_prob(t(L, [0.5, 0.5, 0.5])),
    "poisson": lambda L: L.distributions.Poisson(t(L, [2.0])).log_prob(t(L, [1.5])),
    "beta cdf": lambda L: L.distributions.Normal(0.0, 1.0).cdf(t(L, float("nan"))),
    "one hot": lambda L: L.distributions.OneHotCategorical(L.ones(3)).log_prob(t(L, [1.0, 1.0, 0.0])),
    "half normal": lambda L: L.distributions.HalfNormal(t(L, [1.0])).log_prob(t(L, [-1.0])),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE_SUPPORT))
def test_values_outside_the_support(case):
    assert_same_failure(OUTSIDE_SUPPORT[case])


SHAPES_AND_TYPES = {
    "not a tensor": lambda L: L.distributions.Normal(0.0, 1.0).log_prob(0.5),
    "event shape": lambda L: L.distributions.MultivariateNormal(L.zeros(3), L.eye(3)).log_prob(L.zeros(2)),
    "batch shape": lambda L: L.distributions.Normal(L.zeros(3), L.ones(3)).log_prob(L.zeros(2)),
    "probs and logits": lambda L: L.distributions.Bernoulli(t(L, 0.5), t(L, 0.0)),
    "neither probs nor logits": lambda L: L.distributions.Categorical(),
    "scalar probs": lambda L: L.distributions.Categorical(probs=t(L, 0.5)),
    "scalar logits": lambda L: L.distributions.Categorical(logits=t(L, 0.5)),
    "scalar concentration": lambda L: L.distributions.Dirichlet(t(L, 0.5)),
    "scalar loc": lambda L: L.distributions.MultivariateNormal(t(L, 0.0), L.eye(1)),
    "two matrices": lambda L: L.distributions.MultivariateNormal(L.zeros(2), L.eye(2), scale_tril=L.eye(2)),
    "vector covariance": lambda L: L.distributions.MultivariateNormal(L.zeros(2), covariance_matrix=L.ones(2)),
    "vector scale_tril": lambda L: L.distributions.MultivariateNormal(L.zeros(2), scale_tril=L.ones(2)),
    "broadcast loc": lambda L: L.distributions.MultivariateNormal(L.zeros(2, 3), L.eye(3).expand(3, 3, 3)),
    "lowrank factor": lambda L: L.distributions.LowRankMultivariateNormal(L.zeros(2), L.ones(3, 1), L.ones(2)),
    "lowrank diag shape": lambda L: L.distributions.LowRankMultivariateNormal(L.zeros(2), L.ones(2, 1), L.ones(3)),
    "lowrank batches": lambda L: L.distributions.LowRankMultivariateNormal(L.zeros(2, 2), L.ones(3, 2, 1), L.ones(2)),
    "lkj dim": lambda L: L.distributions.LKJCholesky(1),
    "multinomial count": lambda L: L.distributions.Multinomial(t(L, 3), L.ones(2)),
    "independent dims": lambda L: L.distributions.Independent(L.distributions.Normal(L.zeros(2), 1.0), 2),
    "mixture of non categorical": lambda L: L.distributions.MixtureSameFamily(
        L.distributions.Normal(0.0, 1.0), L.distributions.Normal(L.zeros(2), 1.0)),
    "mixture of non distribution": lambda L: L.distributions.MixtureSameFamily(L.distributions.Categorical(L.ones(2)),
                                                                               L.zeros(2)),
    "mixture sizes": lambda L: L.distributions.MixtureSameFamily(L.distributions.Categorical(L.ones(2)),
                                                                 L.distributions.Normal(L.zeros(3), 1.0)),
    "mixture batch": lambda L: L.distributions.MixtureSameFamily(L.distributions.Categorical(L.ones(2, 3)),
                                                                 L.distributions.Normal(L.zeros(4, 3), 1.0)),
    "transforms not a list": lambda L: L.distributions.TransformedDistribution(L.distributions.Normal(0.0, 1.0), 3),
    "transforms list": lambda L: L.distributions.TransformedDistribution(L.distributions.Normal(0.0, 1.0), [3]),
    "transform event dim": lambda L: L.distributions.TransformedDistribution(
        L.distributions.Normal(0.0, 1.0), L.distributions.StickBreakingTransform()),
    "broadcast_all strings": lambda L: L.distributions.Normal("a", 1.0),
    "broadcast shapes": lambda L: L.distributions.Normal(L.zeros(2), L.ones(3)),
    "wishart two matrices": lambda L: L.distributions.Wishart(t(L, 4.0), L.eye(2), scale_tril=L.eye(2)),
    "wishart vector": lambda L: L.distributions.Wishart(t(L, 4.0), L.ones(2)),
    "binomial entropy counts": lambda L: L.distributions.Binomial(t(L, [2.0, 3.0]), t(L, [0.5, 0.5])).entropy(),
    "independent enumerate": lambda L: L.distributions.Independent(
        L.distributions.Bernoulli(L.ones(2) / 2), 1).enumerate_support(),
    "mode not implemented": lambda L: L.distributions.TransformedDistribution(
        L.distributions.Normal(0.0, 1.0), L.distributions.ExpTransform()).mode,
    "set default to a string": lambda L: L.distributions.Distribution.set_default_validate_args("yes"),
    "reshape elements": lambda L: L.distributions.ReshapeTransform((2, 3), (5,)),
    "cache size": lambda L: L.distributions.ExpTransform(cache_size=2),
}


@pytest.mark.parametrize("case", sorted(SHAPES_AND_TYPES))
def test_shape_and_type_errors(case):
    assert_same_failure(SHAPES_AND_TYPES[case])


def test_validation_can_be_switched_off_per_distribution_and_by_default():
    for lib in (torch, chainrule):
        d = lib.distributions
        assert d.Normal(0.0, -1.0, validate_args=False).scale.item() == -1.0
        bernoulli = d.Bernoulli(lib.tensor(0.3), validate_args=False)
        assert bernoulli.log_prob(lib.tensor(0.5)).shape == ()
        d.Distribution.set_default_validate_args(False)
        try:
            assert d.Normal(0.0, -1.0).scale.item() == -1.0
            assert not d.Normal(0.0, 1.0)._validate_args
        finally:
            d.Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError):
            d.Normal(0.0, -1.0)


def test_expanded_distributions_keep_their_validation_setting():
    for lib in (torch, chainrule):
        d = lib.distributions
        quiet = d.Normal(lib.zeros(2), lib.ones(2), validate_args=False).expand((3, 2))
        assert quiet._validate_args is False
        assert quiet.log_prob(lib.zeros(3, 2)).shape == (3, 2)
        loud = d.Exponential(lib.ones(2)).expand((3, 2))
        with pytest.raises(ValueError):
            loud.log_prob(-lib.ones(3, 2))


def test_subclasses_without_constraints_or_expand():
    for lib in (torch, chainrule):
        d = lib.distributions

        class Plain(d.Distribution):
            def __init__(self):
                super().__init__(validate_args=True)

        with pytest.warns(UserWarning, match="does not define `arg_constraints`"):
            Plain()

        class Custom(d.Normal):
            def __init__(self, loc):
                super().__init__(loc, 1.0)

        with pytest.raises(NotImplementedError, match="must also define a custom .expand"):
            Custom(lib.zeros(2)).expand((3, 2))
