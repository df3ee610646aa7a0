"""Grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The state is per thread, as in PyTorch: a ``no_grad`` block in one thread never silences
recording in another. Every op reads ``_state.enabled`` once; keep that attribute cheap.
"""

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "enforce_grad_layout_policy"]


class _GradState(threading.local):
    enabled = True
    inference = False
    layout_enforced = True  # a leaf's first gradient takes the leaf's strides (see _autograd/leaf.py)


_state = _GradState()
_Function = TypeVar("_Function", bound=Callable[..., Any])  # a decorated function keeps its type


class _InferenceAnywhere:
    """How many inference_mode blocks are open in any thread: a cheap test before the per-thread one."""

    active = 0


_inference_anywhere = _InferenceAnywhere()


def is_grad_enabled():
    return _state.enabled


def is_inference_mode_enabled():
    return _state.inference


class _Mode:
    """A context manager that is also a decorator (with or without parentheses)."""

    def __new__(cls, func=None, *args, **kwargs):
        self = super().__new__(cls)
        if callable(func) and not args and not kwargs and cls is not set_grad_enabled:
            self.__init__()
            return self(func)
        return self

    def __call__(self, func: _Function) -> _Function:
        if inspect.isgeneratorfunction(func):
            raise TypeError(f"{type(self).__name__} cannot decorate generator functions")

        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self.clone():
                return func(*args, **kwargs)

        return cast(_Function, decorated)

    def clone(self):
        return type(self)()

    def __enter__(self):
        self._saved = (_state.enabled, _state.inference)
        self._apply()
        return None

    def __exit__(self, *exc):
        _state.enabled, _state.inference = self._saved
        return False


class no_grad(_Mode):
    """Run without recording the graph: results are leaves that do not require grad."""

    def __init__(self):
        pass

    def _apply(self):
        _state.enabled = False


class enable_grad(_Mode):
    """Record again inside a ``no_grad`` block."""

    def __init__(self):
        pass

    def _apply(self):
        _state.enabled = True


class set_grad_enabled(_Mode):
    """Switch recording on or off; takes effect at once, and undoes itself as a context manager."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        self.mode = mode
        self._saved = (_state.enabled, _state.inference)
        _state.enabled = mode

    def __enter__(self):
        return None

    def clone(self):
        return type(self)(self.mode)


class inference_mode(_Mode):
    """Like ``no_grad``, and tensors made inside are inference tensors."""

    def __init__(self, mode=True):
        self.mode = mode

    def clone(self):
        return type(self)(self.mode)

    def _apply(self):
        if self.mode:
            _state.enabled = False
            _state.inference = True

    def __enter__(self):
        _inference_anywhere.active += 1
        return super().__enter__()

    def __exit__(self, *exc):
        _inference_anywhere.active -= 1
        return super().__exit__(*exc)


class enforce_grad_layout_policy(_Mode):
    """Whether a leaf's first gradient is laid out like the leaf (``True``, the default) or kept in the
    layout the backward pass made it in. Like ``set_grad_enabled``, it takes effect when made."""

    def __init__(self, enable=True):
        if not isinstance(enable, bool):
            raise TypeError("set_grad_layout_enforcement_enabled(): argument 'enabled' (position 1) must be bool, "
                            f"not {type(enable).__name__}")
        self.mode = enable
        self._previous = _state.layout_enforced
        _state.layout_enforced = enable

    def __call__(self, func):
        _state.layout_enforced = self._previous
        return super().__call__(func)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _state.layout_enforced = self._previous
        return False

    def clone(self):
        return type(self)(self.mode)
