"""``RemovableHandle``: what every ``register_*hook`` returns, so the hook can be taken out again.

It sits below everything (PyTorch keeps it in ``torch.utils.hooks``): tensors, graph nodes, modules
and optimizers all hand it out. A registry is either a list of hooks (tensors, nodes, optimizers) or
a dict from handle id to hook (modules, whose hooks can be prepended and are keyed by handle).
"""

import itertools

__all__ = ["RemovableHandle"]

_ids = itertools.count()


class RemovableHandle:
    """``remove()`` takes ``hook`` out of ``registry`` (a list), or the entry keyed ``id`` (a dict)."""

    __slots__ = ("_registry", "_hook", "id")

    def __init__(self, registry, hook=None):
        self._registry = registry
        self._hook = hook
        self.id = next(_ids)

    def remove(self):
        registry = self._registry
        if isinstance(registry, dict):
            registry.pop(self.id, None)
            return
        try:
            registry.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
