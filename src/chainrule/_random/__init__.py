"""Random numbers that follow PyTorch's CPU generator bit for bit (see ``generator`` and ``draws``).

``generator`` is the Mersenne Twister and its state; ``draws`` turns its words into each
distribution's values as PyTorch's kernels do (with ``vector_math``, ``exact_math`` and, when numba
is installed, ``fast`` for the float arithmetic); ``layout`` places them in a tensor's memory order;
``fill`` holds Tensor's in-place samplers and ``factories`` the functions that make random tensors;
``rejection`` the samplers that take a varying number of draws per value (gamma, Dirichlet, binomial).
"""

from .._signatures import Signatures, checking_method
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
# PyTorch's signatures of the samplers whose numbers the sampling reads: checked after a call failed, so that a
# tensor given for a number is refused with PyTorch's TypeError rather than the error it meets first.
_GENERATOR = "*, Generator? generator = None"
_NUMBER_SIGNATURES = {
    "uniform_": f"Tensor self, float from = 0, float to = 1, {_GENERATOR}",
    "normal_": f"Tensor self, float mean = 0, float std = 1, {_GENERATOR}",
    "exponential_": f"Tensor self, float lambd = 1, {_GENERATOR}",
    "geometric_": f"Tensor self, float p, {_GENERATOR}",
    "cauchy_": f"Tensor self, float median = 0, float sigma = 1, {_GENERATOR}",
    "log_normal_": f"Tensor self, float mean = 1, float std = 2, {_GENERATOR}",
}
# The method, like the function, reads a tensor ``p`` as a float: refused in the method's words before drawing.
_BERNOULLI_METHOD = Signatures("bernoulli", _GENERATOR, f"float p, {_GENERATOR}")


def _tensor_bernoulli(self, p=None, *, generator=None):
    if isinstance(p, Tensor):
        _BERNOULLI_METHOD.check((p,), {})
    return bernoulli(self, p, generator=generator)


def _tensor_multinomial(self, num_samples, replacement=False, *, generator=None):
    return multinomial(self, num_samples, replacement, generator=generator)


for _name in _IN_PLACE:
    _method = getattr(fill, _name)
    if _name in _NUMBER_SIGNATURES:
        _method = checking_method(Signatures(_name, _NUMBER_SIGNATURES[_name]), _method)
    setattr(Tensor, _name, _method)
Tensor.bernoulli = _tensor_bernoulli
Tensor.multinomial = _tensor_multinomial
