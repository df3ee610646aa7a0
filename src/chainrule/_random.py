"""Random tensors: ``manual_seed``, ``Generator``, ``rand randn randint`` and their ``_like`` forms.

Streams come from NumPy's PCG64, so a seed reproduces chainrule's own numbers (not PyTorch's).
"""

import numpy as np

from ._creation import _factory
from ._ops._op import traced_stateful
from ._dtype import get_default_dtype, int64, to_dtype
from ._tensor import make_tensor
from ._tensor import Tensor, make_tensor

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "default_generator", "rand", "randn", "randint",
           "multinomial", "bernoulli", "normal",
           "rand_like", "randn_like", "randint_like", "randperm"]


class Generator:
    """A random-number stream; ``manual_seed`` restarts it."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        new = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(new)
        return new

    def initial_seed(self):
        return self._seed

    def get_state(self):
        import json

        state = json.dumps(self._rng.bit_generator.state).encode()
        return make_tensor(np.frombuffer(state, dtype=np.uint8).copy())

    def set_state(self, state):
        import json

        self._rng.bit_generator.state = json.loads(bytes(state._data.tobytes()).decode())
        return self


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def _rng(generator):
    return (generator or default_generator)._rng


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    return _factory("rand", size, dtype, requires_grad,
                    lambda shape, d: traced_stateful(_uniform, generator, shape, d))


def _uniform(generator, shape, dtype):
    return _rng(generator).random(shape).astype(dtype)


def _standard_normal(generator, shape, dtype):
    return _rng(generator).standard_normal(shape).astype(dtype)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Standard normal samples."""
    return _factory("randn", size, dtype, requires_grad,
                    lambda shape, d: traced_stateful(_standard_normal, generator, shape, d))


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False):
    """Integers in ``[low, high)``; ``randint(high, size)`` starts at 0."""
    if size is None:
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    rng = _rng(generator)
    d = int64 if dtype is None else to_dtype(dtype)
    return _factory("randint", (tuple(size),), d, requires_grad, lambda shape, dt: rng.integers(low, high, shape)
                    .astype(dt))


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    d = int64 if dtype is None else to_dtype(dtype)
    return make_tensor(_rng(generator).permutation(n).astype(d.np))


def rand_like(input, *, dtype=None, generator=None, **kwargs):
    return rand(input.shape, dtype=dtype or input.dtype, generator=generator)


def randn_like(input, *, dtype=None, generator=None, **kwargs):
    return randn(input.shape, dtype=dtype or input.dtype, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, generator=None, **kwargs):
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, dtype=dtype or input.dtype, generator=generator)




def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from each row of ``input`` (non-negative weights, need not sum to 1)."""
    weights = np.asarray(input._data, dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, but got {weights.ndim}")
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = weights.reshape(-1, weights.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rng = _rng(generator)
    drawn = []
    for row in rows:
        total = row.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        drawn.append(rng.choice(row.size, size=num_samples, replace=replacement, p=row / total))
    result = np.asarray(drawn, dtype=np.int64).reshape(weights.shape[:-1] + (num_samples,))
    return make_tensor(result)


def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability ``input`` (or ``p``) elementwise, else 0, in ``input``'s dtype."""
    probability = input._data if p is None else np.broadcast_to(p, input._data.shape)
    draws = _rng(generator).random(input._data.shape) < probability
    return make_tensor(draws.astype(input._data.dtype))


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None):
    """Normal samples with the given ``mean`` and ``std`` (tensors broadcast, or numbers with ``size``)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    shape = np.broadcast_shapes(np.shape(m), np.shape(s)) if size is None else tuple(size)
    d = (mean.dtype if isinstance(mean, Tensor) else std.dtype if isinstance(std, Tensor) else
         (to_dtype(dtype) if dtype is not None else None))
    d = d or get_default_dtype()
    return make_tensor((m + s * _rng(generator).standard_normal(shape)).astype(d.np))
