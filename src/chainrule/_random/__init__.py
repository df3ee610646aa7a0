"""Random numbers that follow PyTorch's CPU generator bit for bit (see ``generator`` and ``draws``).

``generator`` is the Mersenne Twister and its state; ``draws`` turns its words into each
distribution's values as PyTorch's kernels do (with ``vector_math``, ``exact_math`` and, when numba
is installed, ``fast`` for the float arithmetic); ``layout`` places them in a tensor's memory order;
``fill`` holds Tensor's in-place samplers and ``factories`` the functions that make random tensors;
``rejection`` the samplers that take a varying number of draws per value (gamma, Dirichlet, binomial).
"""

from .._tensor import Tensor
from . import device, fill
from .factories import (bernoulli, multinomial, normal, poisson, rand, rand_like, randint, randint_like, randn,
                        randn_like, randperm)
from .generator import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .rejection import binomial
from .rejection import dirichlet_grad_op as _dirichlet_grad
from .rejection import sample_dirichlet as _sample_dirichlet
from .rejection import standard_gamma as _standard_gamma
from .rejection import standard_gamma_grad_op as _standard_gamma_grad

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
           "multinomial", "poisson", "binomial"]

_IN_PLACE = ("uniform_", "normal_", "random_", "bernoulli_", "exponential_", "geometric_", "cauchy_", "log_normal_")


def _tensor_bernoulli(self, p=None, *, generator=None):
    return bernoulli(self, p, generator=generator)


def _tensor_multinomial(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


for _name in _IN_PLACE:
    setattr(Tensor, _name, getattr(fill, _name))
Tensor.bernoulli = _tensor_bernoulli
Tensor.multinomial = _tensor_multinomial
