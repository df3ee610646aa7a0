"""Transforms, constraints and the constraint registry against PyTorch: values, inverses, log-determinants
and their gradients, shapes, signs, printing, equality, caching; ``check`` of every constraint;
``biject_to``/``transform_to`` for every registered constraint."""

import numpy as np
import pytest
import torch

import chainrule
from distribution_cases import Spec, covariance, positive, real
from test_distributions import as_numpy, assert_matches, assert_same_outcome, normalized, outcome

T = "transforms."
_vector = real(3, 4)
_square = real(2, 3, 3)

# (transform spec, input) with the input inside the transform's domain.
TRANSFORMS = {
    "exp": (Spec(T + "ExpTransform"), real(5)),
    "power": (Spec(T + "PowerTransform", np.array(2.5)), positive(5)),
    "power broadcast": (Spec(T + "PowerTransform", positive(3, 1)), positive(4)),
    "sigmoid": (Spec(T + "SigmoidTransform"), real(5) * 3),
    "softplus": (Spec(T + "SoftplusTransform"), real(5) * 3),
    "tanh": (Spec(T + "TanhTransform"), real(5)),
    "abs": (Spec(T + "AbsTransform"), real(5)),
    "affine": (Spec(T + "AffineTransform", real(5), positive(5)), real(5)),
    "affine numbers": (Spec(T + "AffineTransform", 1.5, -2.0), real(2, 3)),
    "affine event": (Spec(T + "AffineTransform", real(4), real(4), event_dim=1), _vector),
    "softmax": (Spec(T + "SoftmaxTransform"), _vector),
    "stick breaking": (Spec(T + "StickBreakingTransform"), _vector),
    "lower cholesky": (Spec(T + "LowerCholeskyTransform"), _square),
    "positive definite": (Spec(T + "PositiveDefiniteTransform"), _square * 0.5),
    "corr cholesky": (Spec(T + "CorrCholeskyTransform"), real(2, 6)),
    "compose": (Spec(T + "ComposeTransform", [Spec(T + "ExpTransform"), Spec(T + "AffineTransform", 1.0, 2.0)]),
                real(5)),
    "compose vector": (Spec(T + "ComposeTransform", [Spec(T + "AffineTransform", 0.5, 2.0),
                                                     Spec(T + "StickBreakingTransform")]), _vector),
    "identity": (Spec(T + "ComposeTransform", []), real(5)),
    "independent": (Spec(T + "IndependentTransform", Spec(T + "ExpTransform"), 1), _vector),
    "reshape": (Spec(T + "ReshapeTransform", (2, 2), (4,)), real(3, 2, 2)),
    "cat": (Spec(T + "CatTransform", [Spec(T + "ExpTransform"), Spec(T + "AffineTransform", 1.0, 3.0)], 1, [1, 3]),
            _vector),
    "stack": (Spec(T + "StackTransform", [Spec(T + "ExpTransform"), Spec(T + "TanhTransform")], 1), real(3, 2)),
    "cdf": (Spec(T + "CumulativeDistributionTransform", Spec("Normal", real(5), positive(5))), real(5)),
    "cached sigmoid": (Spec(T + "SigmoidTransform", cache_size=1), real(5)),
}


def build(case):
    spec, x = TRANSFORMS[case]
    ours_leaves, theirs_leaves = [], []
    theirs = spec.build(torch, theirs_leaves)
    ours = spec.build(chainrule, ours_leaves)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours_x = chainrule.tensor(x, requires_grad=True)
    return ours, theirs, ours_x, theirs_x, ours_leaves, theirs_leaves


@pytest.mark.parametrize("case", sorted(TRANSFORMS))
def test_transform_values_inverse_and_log_det(case):
    ours, theirs, ours_x, theirs_x, ours_leaves, theirs_leaves = build(case)
    theirs_y, ours_y = theirs(theirs_x), ours(ours_x)
    assert_matches(ours_y, theirs_y, f"{case}: forward")
    assert_matches(ours.inv(ours_y), theirs.inv(theirs_y), f"{case}: inverse")
    theirs_det = outcome(lambda: theirs.log_abs_det_jacobian(theirs_x, theirs_y))
    ours_det = outcome(lambda: ours.log_abs_det_jacobian(ours_x, ours_y))
    assert_same_outcome(ours_det, theirs_det, f"{case}: log_abs_det_jacobian")
    theirs_total = theirs_y.sum() + (0 if isinstance(theirs_det, type) else theirs_det.sum())
    ours_total = ours_y.sum() + (0 if isinstance(ours_det, type) else ours_det.sum())
    theirs_total.backward()
    ours_total.backward()
    assert_matches(ours_x.grad, theirs_x.grad, f"{case}: gradient")
    for i, (a, b) in enumerate(zip(ours_leaves, theirs_leaves)):
        assert_matches(a.grad, b.grad, f"{case}: gradient of parameter {i}")


@pytest.mark.parametrize("case", sorted(TRANSFORMS))
def test_transform_attributes(case):
    ours, theirs, ours_x, theirs_x, _, _ = build(case)
    for transform_ours, transform_theirs in ((ours, theirs), (ours.inv, theirs.inv)):
        assert repr(transform_ours) == normalized(repr(transform_theirs))
        assert transform_ours.bijective == transform_theirs.bijective
        assert repr(transform_ours.domain) == normalized(repr(transform_theirs.domain))
        assert repr(transform_ours.codomain) == normalized(repr(transform_theirs.codomain))
        assert outcome(lambda: transform_ours.event_dim) == outcome(lambda: transform_theirs.event_dim)
        sign_theirs, sign_ours = outcome(lambda: transform_theirs.sign), outcome(lambda: transform_ours.sign)
        if isinstance(sign_theirs, torch.Tensor):
            assert_matches(sign_ours, sign_theirs, f"{case}: sign")
        else:
            assert sign_ours == sign_theirs or sign_ours.__name__ == sign_theirs.__name__
    shape = tuple(theirs_x.shape)
    assert outcome(lambda: tuple(ours.forward_shape(shape))) == outcome(lambda: tuple(theirs.forward_shape(shape)))
    y_shape = tuple(theirs(theirs_x).shape)
    assert outcome(lambda: tuple(ours.inverse_shape(y_shape))) == outcome(lambda: tuple(theirs.inverse_shape(y_shape)))
    assert (ours == ours) and (ours.inv == ours.inv) and (ours != ours.inv) == (theirs != theirs.inv)
    assert ours.inv.inv is ours
    cached = ours.with_cache(1)
    assert cached.with_cache(1) is cached and cached._cache_size == 1
    y = cached(ours_x)
    assert cached(ours_x) is y and cached.inv(y) is ours_x


def test_transform_equality_and_hashing_follow_pytorch():
    for lib in (torch, chainrule):
        d = lib.distributions
        assert d.ExpTransform() == d.ExpTransform() and d.ExpTransform() != d.SigmoidTransform()
        assert d.AffineTransform(1.0, 2.0) == d.AffineTransform(1.0, 2.0)
        assert d.AffineTransform(lib.tensor([1.0]), 2.0) != d.AffineTransform(lib.tensor([1.5]), 2.0)
        assert d.ExpTransform().inv == d.ExpTransform().inv
        assert d.ComposeTransform([d.ExpTransform()]) == d.ComposeTransform([d.ExpTransform()])
        assert d.PowerTransform(lib.tensor(2.0)) == d.PowerTransform(lib.tensor(2.0))
        with pytest.raises(TypeError):
            hash(d.ExpTransform())


CONSTRAINT_VALUES = [real(4) * 2, np.array([0.0, 1.0, 0.5, -1.0, 2.0, float("nan")]),
                     np.array([[0.2, 0.8], [0.5, 0.6]]), np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([3.0, 1.0, 0.0]),
                     covariance(2, 3, 3), np.tril(real(3, 3)),
                     np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]])]
CONSTRAINTS = {
    "real": "real", "positive": "positive", "nonnegative": "nonnegative", "unit_interval": "unit_interval",
    "boolean": "boolean", "nonnegative_integer": "nonnegative_integer", "positive_integer": "positive_integer",
    "simplex": "simplex", "real_vector": "real_vector", "one_hot": "one_hot", "lower_triangular": "lower_triangular",
    "lower_cholesky": "lower_cholesky", "corr_cholesky": "corr_cholesky", "square": "square",
    "symmetric": "symmetric", "positive_definite": "positive_definite",
    "positive_semidefinite": "positive_semidefinite",
    "greater_than": lambda c: c.greater_than(0.5), "greater_than_eq": lambda c: c.greater_than_eq(1.0),
    "less_than": lambda c: c.less_than(1.0), "interval": lambda c: c.interval(-1.0, 1.0),
    "half_open_interval": lambda c: c.half_open_interval(0.0, 1.0),
    "integer_interval": lambda c: c.integer_interval(0, 2), "multinomial": lambda c: c.multinomial(3),
    "independent": lambda c: c.independent(c.positive, 1),
    "cat": lambda c: c.cat([c.positive, c.real], dim=-1, lengths=[1, 1]),
    "stack": lambda c: c.stack([c.positive, c.unit_interval], dim=-1),
    "mixture": lambda c: c.MixtureSameFamilyConstraint(c.positive),
}


def constraint(lib, name):
    maker = CONSTRAINTS[name]
    return getattr(lib.distributions.constraints, maker) if isinstance(maker, str) else \
        maker(lib.distributions.constraints)


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_constraint_checks_and_printing(name):
    ours, theirs = constraint(chainrule, name), constraint(torch, name)
    assert repr(ours) == repr(theirs)
    assert ours.event_dim == theirs.event_dim and ours.is_discrete == theirs.is_discrete
    for value in CONSTRAINT_VALUES:
        theirs_check = outcome(lambda: theirs.check(torch.tensor(value)))
        ours_check = outcome(lambda: ours.check(chainrule.tensor(value)))
        if isinstance(theirs_check, type):
            assert ours_check.__name__ == theirs_check.__name__, f"{name} on {value.shape}"
        else:
            np.testing.assert_array_equal(as_numpy(ours_check), as_numpy(theirs_check), err_msg=name)


def test_dependent_constraints():
    for lib in (torch, chainrule):
        c = lib.distributions.constraints
        assert c.is_dependent(c.dependent) and not c.is_dependent(c.real)
        with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
            c.dependent.check(lib.zeros(1))
        with pytest.raises(NotImplementedError, match=".event_dim cannot be determined statically"):
            _ = c.dependent.event_dim
        assert c.dependent(is_discrete=True, event_dim=1).event_dim == 1
        assert lib.distributions.Uniform.support.event_dim == 0
        assert c.is_dependent(lib.distributions.Uniform.support)


REGISTERED = ["real", "positive", "nonnegative", "unit_interval", "simplex", "real_vector", "lower_cholesky",
              "corr_cholesky", "positive_definite", "positive_semidefinite", "greater_than", "greater_than_eq",
              "less_than", "interval", "half_open_interval", "independent", "cat", "stack", "boolean"]


@pytest.mark.parametrize("name", REGISTERED)
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry(name, registry):
    theirs = outcome(lambda: getattr(torch.distributions, registry)(constraint(torch, name)))
    ours = outcome(lambda: getattr(chainrule.distributions, registry)(constraint(chainrule, name)))
    if isinstance(theirs, type):
        assert ours.__name__ == theirs.__name__
        return
    assert repr(ours) == normalized(repr(theirs))
    shape = {"corr_cholesky": (2, 3), "lower_cholesky": (2, 3, 3), "positive_definite": (2, 3, 3),
             "positive_semidefinite": (2, 3, 3), "cat": (3, 2), "stack": (3, 2)}.get(name, (2, 4))
    x = np.random.default_rng(1).normal(size=shape) * 0.5
    theirs_y = theirs(torch.tensor(x))
    ours_y = ours(chainrule.tensor(x))
    assert_matches(ours_y, theirs_y, f"{registry}({name})")
    theirs_check = constraint(torch, name).check(theirs_y)
    np.testing.assert_array_equal(as_numpy(constraint(chainrule, name).check(ours_y)), as_numpy(theirs_check))


def test_registering_a_new_constraint():
    for lib in (torch, chainrule):
        d = lib.distributions

        class Odd(d.constraints.Constraint):
            def check(self, value):
                return value % 2 == 1

        d.biject_to.register(Odd, lambda constraint: d.ExpTransform())
        assert isinstance(d.biject_to(Odd()), d.ExpTransform)
        with pytest.raises(TypeError, match="Expected constraint to be either a Constraint subclass or instance"):
            d.biject_to.register(int, lambda constraint: None)
        with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
            d.biject_to(d.constraints.boolean)
