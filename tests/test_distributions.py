"""Every distribution against PyTorch's: shapes, supports and printing; moments and entropy; log_prob,
cdf and icdf with their gradients; samples from the same seed (rsample's gradients included);
enumerate_support and expand. The parameter sets are in ``distribution_cases``."""

import numpy as np
import pytest
import torch

import chainrule
from distribution_cases import CASES

IDS = [(name, i) for name, specs in CASES.items() for i in range(len(specs))]

# Wishart's sampler redraws a singular sample and says so, in PyTorch and in chainrule alike.
pytestmark = pytest.mark.filterwarnings("ignore:Singular sample detected:UserWarning")

# Samples equal bit for bit: PyTorch's draws followed by arithmetic NumPy and PyTorch round alike. The others
# pass draws through transcendental functions (log, tan, pow ...), whose last bit may differ between libraries.
BITWISE = {"Normal", "Uniform", "Bernoulli", "Categorical", "OneHotCategorical", "OneHotCategoricalStraightThrough",
           "Exponential", "Poisson", "Binomial", "NegativeBinomial", "Multinomial", "Gamma", "Chi2", "Beta",
           "Dirichlet", "StudentT", "FisherSnedecor", "Cauchy", "HalfCauchy", "HalfNormal", "Geometric",
           "Independent", "MixtureSameFamily"}


# Parameters computed from the given ones (probabilities from logits, covariances from factors ...).
DERIVED_PARAMETERS = ("probs", "logits", "covariance_matrix", "precision_matrix", "scale_tril", "concentration1",
                      "concentration0", "df", "loc", "scale", "rate", "concentration", "total_count", "temperature")


def build(name, index):
    spec = CASES[name][index]
    theirs_leaves, ours_leaves = [], []
    theirs = spec.build(torch, theirs_leaves)
    ours = spec.build(chainrule, ours_leaves)
    return ours, theirs, ours_leaves, theirs_leaves


def as_numpy(value):
    return value.detach().numpy() if isinstance(value, (torch.Tensor, chainrule.Tensor)) else np.asarray(value)


def tolerances(value):
    return (1e-5, 1e-6) if value.dtype in (torch.float32, chainrule.float32) else (1e-8, 1e-10)


def assert_matches(ours, theirs, label=""):
    """Same shape and dtype, values close (NaN and infinities where PyTorch has them)."""
    assert tuple(ours.shape) == tuple(theirs.shape), f"{label}: shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], f"{label}: dtype"
    rtol, atol = tolerances(theirs)
    np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), rtol=rtol, atol=atol, equal_nan=True, err_msg=label)


def outcome(function):
    """The value, or the type of the exception raised."""
    try:
        return function()
    except Exception as error:  # noqa: BLE001 (the exception type is what is compared)
        return type(error)


def assert_same_outcome(ours, theirs, label):
    if isinstance(theirs, type):
        assert ours is theirs or (isinstance(ours, type) and ours.__name__ == theirs.__name__), \
            f"{label}: PyTorch raises {theirs.__name__}, chainrule gives {ours}"
    else:
        assert not isinstance(ours, type), f"{label}: chainrule raises {ours.__name__}"
        assert_matches(ours, theirs, label)


def assert_same_grads(ours_leaves, theirs_leaves, label):
    for i, (ours, theirs) in enumerate(zip(ours_leaves, theirs_leaves)):
        if theirs.grad is None:
            assert ours.grad is None or not np.any(as_numpy(ours.grad)), f"{label}: leaf {i} has a gradient"
        else:
            assert ours.grad is not None, f"{label}: leaf {i} got no gradient"
            assert_matches(ours.grad, theirs.grad, f"{label}: gradient of leaf {i}")


def normalized(text):
    return text.replace("torch.", "chainrule.")


@pytest.mark.parametrize("name,index", IDS)
def test_shapes_constraints_and_repr(name, index):
    ours, theirs, _, _ = build(name, index)
    assert ours.batch_shape == theirs.batch_shape and ours.event_shape == theirs.event_shape
    assert ours.has_rsample == theirs.has_rsample
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    assert normalized(repr(theirs)) == repr(ours)
    assert repr(ours.support) == normalized(repr(theirs.support))
    assert ours.support.event_dim == theirs.support.event_dim
    assert ours.support.is_discrete == theirs.support.is_discrete
    assert {k: repr(v) for k, v in ours.arg_constraints.items()} == \
        {k: normalized(repr(v)) for k, v in theirs.arg_constraints.items()}
    assert ours._extended_shape((2, 1)) == theirs._extended_shape((2, 1))


@pytest.mark.parametrize("name,index", IDS)
def test_moments_and_entropy(name, index):
    ours, theirs, ours_leaves, theirs_leaves = build(name, index)
    for attribute in ("mean", "mode", "variance", "stddev"):
        assert_same_outcome(outcome(lambda: getattr(ours, attribute)), outcome(lambda: getattr(theirs, attribute)),
                            f"{name}.{attribute}")
    for attribute in DERIVED_PARAMETERS:
        if isinstance(getattr(theirs, attribute, None), torch.Tensor):
            assert_matches(getattr(ours, attribute), getattr(theirs, attribute), f"{name}.{attribute}")
    theirs_entropy = outcome(theirs.entropy)
    ours_entropy = outcome(ours.entropy)
    assert_same_outcome(ours_entropy, theirs_entropy, f"{name}.entropy")
    assert_same_outcome(outcome(ours.perplexity), outcome(theirs.perplexity), f"{name}.perplexity")
    if not isinstance(theirs_entropy, type) and theirs_entropy.requires_grad:
        theirs_entropy.sum().backward()
        ours_entropy.sum().backward()
        assert_same_grads(ours_leaves, theirs_leaves, f"{name}.entropy")


def _values(theirs):
    """Points to score: three of PyTorch's samples."""
    torch.manual_seed(1)
    return theirs.sample((3,))


@pytest.mark.parametrize("name,index", IDS)
def test_log_prob_cdf_icdf(name, index):
    ours, theirs, ours_leaves, theirs_leaves = build(name, index)
    value = _values(theirs)
    ours_value = chainrule.from_numpy(value.numpy().copy())
    theirs_log_prob = outcome(lambda: theirs.log_prob(value))
    ours_log_prob = outcome(lambda: ours.log_prob(ours_value))
    assert_same_outcome(ours_log_prob, theirs_log_prob, f"{name}.log_prob")
    if not isinstance(theirs_log_prob, type) and theirs_log_prob.requires_grad:
        theirs_log_prob.sum().backward()
        ours_log_prob.sum().backward()
        assert_same_grads(ours_leaves, theirs_leaves, f"{name}.log_prob")
    assert_same_outcome(outcome(lambda: ours.cdf(ours_value)), outcome(lambda: theirs.cdf(value)), f"{name}.cdf")
    if not theirs.event_shape:
        probability = torch.from_numpy(np.linspace(0.05, 0.95, value.numel()).reshape(value.shape)).to(value.dtype)
        ours_probability = chainrule.from_numpy(probability.numpy().copy())
        assert_same_outcome(outcome(lambda: ours.icdf(ours_probability)), outcome(lambda: theirs.icdf(probability)),
                            f"{name}.icdf")


def _assert_samples(ours, theirs, name, label):
    if name in BITWISE:
        assert ours.dtype == getattr(chainrule, str(theirs.dtype).split(".")[-1])
        np.testing.assert_array_equal(as_numpy(ours), as_numpy(theirs), err_msg=label)
    else:
        assert_matches(ours, theirs, label)


@pytest.mark.parametrize("name,index", IDS)
def test_samples_follow_torch_from_the_same_seed(name, index):
    ours, theirs, ours_leaves, theirs_leaves = build(name, index)
    for sample_shape in ((), (2,), (2, 3)):
        torch.manual_seed(7)
        chainrule.manual_seed(7)
        theirs_sample = theirs.sample(sample_shape)
        ours_sample = ours.sample(sample_shape)
        _assert_samples(ours_sample, theirs_sample, name, f"{name}.sample({sample_shape})")
        assert not ours_sample.requires_grad
        assert torch.rand(()).item() == chainrule.rand(()).item(), f"{name}: the generators drifted apart"
    if not theirs.has_rsample:
        assert outcome(lambda: ours.rsample()) is NotImplementedError
        return
    torch.manual_seed(3)
    chainrule.manual_seed(3)
    theirs_sample = theirs.rsample((2,))
    ours_sample = ours.rsample((2,))
    _assert_samples(ours_sample, theirs_sample, name, f"{name}.rsample")
    assert ours_sample.requires_grad == theirs_sample.requires_grad
    if not theirs_sample.requires_grad:
        return
    weights = np.random.default_rng(0).normal(size=tuple(theirs_sample.shape))
    theirs_backward = outcome((theirs_sample * torch.from_numpy(weights).to(theirs_sample.dtype)).sum().backward)
    ours_backward = outcome((ours_sample * chainrule.from_numpy(weights).to(ours_sample.dtype)).sum().backward)
    assert ours_backward == theirs_backward  # None, or the same error (a batched Wishart's resampling breaks it)
    assert_same_grads(ours_leaves, theirs_leaves, f"{name}.rsample")


@pytest.mark.parametrize("name,index",
                         [case for case in IDS if CASES[case[0]][case[1]].build(torch).has_enumerate_support])
def test_enumerate_support(name, index):
    ours, theirs, _, _ = build(name, index)
    for expand in (True, False):
        theirs_support = outcome(lambda: theirs.enumerate_support(expand))
        ours_support = outcome(lambda: ours.enumerate_support(expand))
        assert_same_outcome(ours_support, theirs_support, f"{name}.enumerate_support({expand})")
        if not isinstance(theirs_support, type):
            assert ours_support.dtype == getattr(chainrule, str(theirs_support.dtype).split(".")[-1])


@pytest.mark.parametrize("name,index", IDS)
def test_expand(name, index):
    ours, theirs, _, _ = build(name, index)
    batch_shape = (2,) + tuple(theirs.batch_shape)
    theirs_expanded = theirs.expand(batch_shape)
    ours_expanded = ours.expand(batch_shape)
    assert type(ours_expanded).__name__ == type(theirs_expanded).__name__
    assert ours_expanded.batch_shape == theirs_expanded.batch_shape
    assert ours_expanded.event_shape == theirs_expanded.event_shape
    assert ours_expanded._validate_args == theirs_expanded._validate_args
    torch.manual_seed(5)
    chainrule.manual_seed(5)
    _assert_samples(ours_expanded.sample(), theirs_expanded.sample(), name, f"{name}.expand().sample()")
    value = _values(theirs_expanded)
    ours_value = chainrule.from_numpy(value.numpy().copy())
    assert_same_outcome(outcome(lambda: ours_expanded.log_prob(ours_value)),
                        outcome(lambda: theirs_expanded.log_prob(value)), f"{name}.expand().log_prob")
