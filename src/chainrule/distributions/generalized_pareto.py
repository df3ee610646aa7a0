"""``GeneralizedPareto``: the limit distribution of exceedances over a high threshold; ``concentration``
0 is the exponential, positive a heavy (Pareto) tail, negative a bounded support."""

import math

from .._creation import ones_like, tensor, zeros_like
from .._ops.pointwise import where
from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, is_number

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(GeneralizedPareto, batch_shape, _instance, ("loc", "scale", "concentration"))

    def rsample(self, sample_shape=()):
        """The inverse cdf at a uniform draw."""
        return self.icdf(self.loc.new_empty(self._extended_shape(sample_shape)).uniform_())

    def _safe_concentration(self):
        """Where the concentration is (close to) zero, a stand-in of 1 for the branch that is discarded."""
        at_zero = self.concentration.isclose(tensor(0.0))
        return at_zero, where(at_zero, ones_like(self.concentration), self.concentration)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        at_zero, safe = self._safe_concentration()
        y = 1 / safe + ones_like(z)
        nonzero = where(y == 0, y, y * (safe * z).log1p())
        log_scale = math.log(self.scale) if is_number(self.scale) else self.scale.log()
        return -log_scale - where(at_zero, z, nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        at_zero, safe = self._safe_concentration()
        return where(at_zero, -z, -(safe * z).log1p() / safe)

    def log_cdf(self, value):
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        at_zero = self.concentration.isclose(zeros_like(self.concentration))
        safe = where(at_zero, ones_like(self.concentration), self.concentration)
        log_u = (-value).log1p()
        return where(at_zero, self.loc - self.scale * log_u,
                     self.loc + self.scale / safe * (-safe * log_u).expm1())

    def _z(self, x):
        return (x - self.loc) / self.scale

    @property
    def mean(self):
        valid = self.concentration < 1
        safe = where(valid, self.concentration, 0.5)
        return where(valid, self.loc + self.scale / (1 - safe), math.nan)

    @property
    def variance(self):
        valid = self.concentration < 0.5
        safe = where(valid, self.concentration, 0.25)
        return where(valid, self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe)), math.nan)

    def entropy(self):
        return (self.scale.log() + self.concentration + 1).broadcast_to(self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        lower = self.loc
        upper = where(self.concentration < 0, lower - self.scale / self.concentration, math.inf)
        return constraints.interval(lower, upper)
