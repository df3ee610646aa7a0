"""The distributions the tests compare with PyTorch: for each class, parameter sets across its range
(scalars, batches, broadcasting, float32), written once and built in either library.

A ``Spec`` names a class of ``distributions`` (or of ``distributions.transforms``) and its arguments:
NumPy arrays become leaf tensors that require grad (float) in the library being built, nested specs
become distributions or transforms, anything else is passed as is. The arrays are drawn once, at
import, from a fixed seed, so both libraries get the same numbers.
"""

import numpy as np

_rng = np.random.default_rng(2024)


def real(*shape):
    return _rng.normal(size=shape)


def positive(*shape, low=0.5, high=3.0):
    return _rng.uniform(low, high, size=shape)


def unit(*shape):
    return _rng.uniform(0.1, 0.9, size=shape)


def simplex(*shape):
    weights = _rng.uniform(0.2, 1.0, size=shape)
    return weights / weights.sum(-1, keepdims=True)


def lower_cholesky(*shape):
    """Well-conditioned lower triangular factors of positive definite matrices."""
    n = shape[-1]
    factor = np.tril(_rng.normal(size=shape) * 0.3, -1) + np.eye(n) * _rng.uniform(0.8, 1.5, size=shape[:-1])[..., None]
    return factor


def covariance(*shape):
    factor = lower_cholesky(*shape)
    return factor @ np.swapaxes(factor, -1, -2)


class Float32:
    """An array to be built as a float32 tensor."""

    def __init__(self, array):
        self.array = np.asarray(array, dtype=np.float32)


class Fixed:
    """An array to be built as a tensor that does not require grad (counts, integer-valued parameters)."""

    def __init__(self, array):
        self.array = np.asarray(array)


class Spec:
    def __init__(self, path, *args, **kwargs):
        self.path, self.args, self.kwargs = path, args, kwargs

    def build(self, lib, leaves=None):
        """The object in ``lib``; float leaves it creates are appended to ``leaves``."""
        leaves = [] if leaves is None else leaves
        target = lib.distributions
        for part in self.path.split("."):
            target = getattr(target, part)
        args = [_build(lib, a, leaves) for a in self.args]
        kwargs = {k: _build(lib, v, leaves) for k, v in self.kwargs.items()}
        return target(*args, **kwargs)

    def __repr__(self):
        return self.path


def _build(lib, value, leaves):
    if isinstance(value, Spec):
        return value.build(lib, leaves)
    if isinstance(value, Float32):
        leaf = lib.tensor(value.array, dtype=lib.float32, requires_grad=True)
        leaves.append(leaf)
        return leaf
    if isinstance(value, Fixed):
        return lib.tensor(value.array)
    if isinstance(value, np.ndarray):
        leaf = lib.tensor(value, dtype=lib.float64, requires_grad=True)
        leaves.append(leaf)
        return leaf
    if isinstance(value, list):
        return [_build(lib, v, leaves) for v in value]
    return value


def _normal(*shape):
    return Spec("Normal", real(*shape), positive(*shape))


CASES = {
    "Normal": [_normal(3), Spec("Normal", real(2, 1), positive(3)), Spec("Normal", 0.5, 2.0),
               Spec("Normal", Float32(real(4)), Float32(positive(4))), Spec("Normal", real(), 1.5)],
    "Uniform": [Spec("Uniform", real(3), real(3) + 4.0), Spec("Uniform", -1.0, 2.0),
                Spec("Uniform", Float32(real(2)), Float32(real(2) + 3))],
    "Bernoulli": [Spec("Bernoulli", unit(3)), Spec("Bernoulli", logits=real(2, 3)), Spec("Bernoulli", 0.3),
                  Spec("Bernoulli", Float32(unit(4)))],
    "Categorical": [Spec("Categorical", simplex(4)), Spec("Categorical", simplex(2, 3)),
                    Spec("Categorical", logits=real(3, 5)), Spec("Categorical", Float32(simplex(2, 4)))],
    "OneHotCategorical": [Spec("OneHotCategorical", simplex(4)), Spec("OneHotCategorical", logits=real(2, 3))],
    "OneHotCategoricalStraightThrough": [Spec("OneHotCategoricalStraightThrough", simplex(2, 3))],
    "Exponential": [Spec("Exponential", positive(3)), Spec("Exponential", 2.0),
                    Spec("Exponential", Float32(positive(2, 2)))],
    "Laplace": [Spec("Laplace", real(3), positive(3)), Spec("Laplace", real(2, 1), positive(1, 3)),
                Spec("Laplace", Float32(real(3)), 0.7)],
    "Cauchy": [Spec("Cauchy", real(3), positive(3)), Spec("Cauchy", 0.0, 1.0)],
    "HalfCauchy": [Spec("HalfCauchy", positive(3)), Spec("HalfCauchy", 1.5)],
    "HalfNormal": [Spec("HalfNormal", positive(3)), Spec("HalfNormal", 0.8)],
    "LogNormal": [Spec("LogNormal", real(3) * 0.3, positive(3, high=1.0)), Spec("LogNormal", 0.0, 0.5)],
    "Gumbel": [Spec("Gumbel", real(3), positive(3)), Spec("Gumbel", 1.0, 2.0),
               Spec("Gumbel", Float32(real(2)), Float32(positive(2)))],
    "Geometric": [Spec("Geometric", unit(3)), Spec("Geometric", logits=real(2, 2)), Spec("Geometric", 0.4)],
    "Poisson": [Spec("Poisson", positive(3, low=0.5, high=20.0)), Spec("Poisson", 4.0)],
    "Binomial": [Spec("Binomial", Fixed([5.0, 10.0, 20.0]), unit(3)), Spec("Binomial", 12, logits=real(2)),
                 Spec("Binomial", Fixed(7.0), unit(2, 1))],
    "NegativeBinomial": [Spec("NegativeBinomial", positive(3, low=1.0, high=6.0), unit(3)),
                         Spec("NegativeBinomial", 4.0, logits=real(2))],
    "Multinomial": [Spec("Multinomial", 10, simplex(3)), Spec("Multinomial", 5, logits=real(2, 4))],
    "Beta": [Spec("Beta", positive(3), positive(3)), Spec("Beta", 2.0, 3.0), Spec("Beta", positive(2, 1), positive(3)),
             Spec("Beta", Float32(positive(3)), Float32(positive(3)))],
    "Gamma": [Spec("Gamma", positive(3, low=0.3, high=6.0), positive(3)), Spec("Gamma", 2.5, 1.5),
              Spec("Gamma", Float32(positive(4, low=0.3, high=6.0)), Float32(positive(4)))],
    "Chi2": [Spec("Chi2", positive(3, low=1.0, high=8.0)), Spec("Chi2", 3.0)],
    "InverseGamma": [Spec("InverseGamma", positive(3, low=2.5, high=6.0), positive(3))],
    "Dirichlet": [Spec("Dirichlet", positive(4)), Spec("Dirichlet", positive(2, 3)),
                  Spec("Dirichlet", Float32(positive(3)))],
    "StudentT": [Spec("StudentT", positive(3, low=2.5, high=9.0), real(3), positive(3)), Spec("StudentT", 3.0),
                 Spec("StudentT", positive(2, low=0.5, high=2.0))],
    "FisherSnedecor": [Spec("FisherSnedecor", positive(3, low=4.5, high=9.0), positive(3, low=4.5, high=9.0)),
                       Spec("FisherSnedecor", 5.0, 8.0)],
    "Pareto": [Spec("Pareto", positive(3), positive(3, low=2.5, high=5.0)), Spec("Pareto", 1.0, 3.0)],
    "Weibull": [Spec("Weibull", positive(3), positive(3)), Spec("Weibull", 1.0, 1.5)],
    "Kumaraswamy": [Spec("Kumaraswamy", positive(3, low=1.0), positive(3, low=1.0)), Spec("Kumaraswamy", 2.0, 5.0)],
    "VonMises": [Spec("VonMises", real(3), positive(3)), Spec("VonMises", 1.0, 0.5), Spec("VonMises", 0.0, 5.0)],
    "ContinuousBernoulli": [Spec("ContinuousBernoulli", unit(3)), Spec("ContinuousBernoulli", logits=real(2, 2)),
                            Spec("ContinuousBernoulli", np.array([0.4995, 0.2, 0.5004]))],
    "RelaxedBernoulli": [Spec("RelaxedBernoulli", Fixed(0.7), unit(3)),
                         Spec("RelaxedBernoulli", Fixed([0.5]), logits=real(2))],
    "RelaxedOneHotCategorical": [Spec("RelaxedOneHotCategorical", Fixed(0.8), simplex(3)),
                                 Spec("RelaxedOneHotCategorical", Fixed(1.3), logits=real(2, 4))],
    "LogisticNormal": [Spec("LogisticNormal", real(3) * 0.5, positive(3, high=1.0)),
                       Spec("LogisticNormal", real(2, 2) * 0.5, positive(2, 2, high=1.0))],
    "MultivariateNormal": [Spec("MultivariateNormal", real(3), covariance(3, 3)),
                           Spec("MultivariateNormal", real(2, 3), scale_tril=lower_cholesky(3, 3)),
                           Spec("MultivariateNormal", real(3), precision_matrix=covariance(2, 3, 3)),
                           Spec("MultivariateNormal", Float32(real(2)), Float32(covariance(2, 2)))],
    "LowRankMultivariateNormal": [Spec("LowRankMultivariateNormal", real(3), real(3, 2) * 0.5, positive(3)),
                                  Spec("LowRankMultivariateNormal", real(2, 3), real(3, 1), positive(2, 3))],
    "Wishart": [Spec("Wishart", np.array(4.0), covariance(3, 3)),
                Spec("Wishart", positive(2, low=3.5, high=6.0), scale_tril=lower_cholesky(2, 3, 3))],
    "LKJCholesky": [Spec("LKJCholesky", 3, positive(2)), Spec("LKJCholesky", 4, 1.5)],
    "GeneralizedPareto": [Spec("GeneralizedPareto", real(3), positive(3), real(3) * 0.2),
                          Spec("GeneralizedPareto", 0.0, 1.0, 0.0)],
    "Independent": [Spec("Independent", _normal(2, 3), 1), Spec("Independent", Spec("Bernoulli", unit(2, 3)), 2)],
    "MixtureSameFamily": [Spec("MixtureSameFamily", Spec("Categorical", simplex(3)), _normal(3)),
                          Spec("MixtureSameFamily", Spec("Categorical", simplex(2, 3)),
                               Spec("Independent", _normal(2, 3, 4), 1))],
    "TransformedDistribution": [
        Spec("TransformedDistribution", _normal(3), [Spec("transforms.TanhTransform"),
                                                     Spec("transforms.AffineTransform", 1.0, 2.0)]),
        Spec("TransformedDistribution", Spec("Exponential", positive(3)), Spec("transforms.PowerTransform",
                                                                                 np.array(0.5))),
    ],
}
