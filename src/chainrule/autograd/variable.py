"""``Variable``, PyTorch's pre-0.4 wrapper: calling it now returns a tensor (optionally requiring grad),
and ``isinstance(t, Variable)`` holds for every tensor, as in PyTorch. Also the engine switches that
scripts set (multithreading, view replay), which chainrule's single-threaded engine only remembers."""

import contextlib

from .._creation import tensor
from .._tensor import Tensor

__all__ = ["Variable", "variable", "is_tensor_like", "set_multithreading_enabled", "is_multithreading_enabled",
           "is_view_replay_enabled"]


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: the tensor itself, marked as requiring grad if asked."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            raise TypeError("Variable() needs a tensor: chainrule has no empty legacy Variables")
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        result = data.detach()
        return result.requires_grad_(requires_grad) if requires_grad else result


def variable(*args, **kwargs):
    """Deprecated spelling of ``chainrule.tensor``."""
    return tensor(*args, **kwargs)


def is_tensor_like(inp):
    """Whether ``inp`` is a Tensor (or defines ``__torch_function__``)."""
    return isinstance(inp, Tensor) or hasattr(type(inp), "__torch_function__")


class _EngineFlags:
    multithreading = True


_flags = _EngineFlags()


def is_multithreading_enabled():
    return _flags.multithreading


class set_multithreading_enabled(contextlib.ContextDecorator):
    """Remembered only: chainrule's backward runs on the calling thread."""

    def __init__(self, mode):
        self.previous = _flags.multithreading
        _flags.multithreading = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _flags.multithreading = self.previous
        return False


def is_view_replay_enabled():
    """chainrule never replays views from their bases: False, as PyTorch's default."""
    return False
