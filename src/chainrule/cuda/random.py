"""Seeding the GPUs' generators: CuPy's, which chainrule's random functions draw from on a GPU.

The draws on a GPU are CuPy's, not PyTorch's Philox: the same seed gives other numbers than
``torch.cuda``. Before the first GPU tensor these functions remember the seed, as PyTorch seeds lazily.
"""

import random as _python_random

from .._device import registered, seed_devices

__all__ = ["manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed"]

_seeds = {}  # device index -> the seed it was given last (None key: every device)


def _value(seed):
    return int(seed) % 2 ** 64


def manual_seed(seed):
    """Seed the current GPU's generator."""
    value = _value(seed)
    namespace = registered("cuda")
    if namespace is None:
        seed_devices(value)
        _seeds[None] = value
        return
    index = namespace.runtime.current()
    seed_devices(value, index)
    _seeds[index] = value


def manual_seed_all(seed):
    """Seed every GPU's generator."""
    value = _value(seed)
    seed_devices(value)
    _seeds.clear()
    _seeds[None] = value


def seed():
    """Seed the current GPU's generator with a random number."""
    manual_seed(_python_random.getrandbits(63))


def seed_all():
    manual_seed_all(_python_random.getrandbits(63))


def initial_seed():
    """The seed the current GPU was given last."""
    namespace = registered("cuda")
    index = None if namespace is None else namespace.runtime.current()
    return _seeds.get(index, _seeds.get(None, 0))
