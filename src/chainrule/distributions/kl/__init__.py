"""``kl_divergence`` between distributions, and ``register_kl`` to add pairs; the registered pairs are
PyTorch's (the same family, and the cross-family pairs with a closed form or an infinite divergence)."""

from . import across_families, same_family  # noqa: F401  (registering the pairs)
from .registry import _KL_MEMOIZE, _KL_REGISTRY, kl_divergence, register_kl  # noqa: F401

__all__ = ["register_kl", "kl_divergence"]
