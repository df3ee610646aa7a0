"""``chainrule.jit``: TorchScript's entry points as pass-throughs.

chainrule has no TorchScript compiler. ``jit.script`` and ``jit.trace`` return the function or module
they are given, so scripts that script a model and then call it keep working and compute the same
numbers eagerly (``chainrule.compile`` is the way to a faster replay). Saving or loading a TorchScript
archive cannot be faked, so ``jit.save``/``jit.load`` raise.
"""

import warnings

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "is_scripting", "is_tracing", "annotate",
           "Final", "fork", "wait", "freeze", "optimize_for_inference", "save", "load", "ScriptModule",
           "ScriptFunction", "interface", "script_if_tracing", "Future"]


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Return ``obj`` unchanged: it runs eagerly."""
    if optimize is not None:
        warnings.warn("`optimize` is deprecated and has no effect. Use `with torch.jit.optimized_execution()` "
                      "instead", FutureWarning, stacklevel=2)
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """Return ``func`` unchanged (the example inputs are not run: eager calls compute the same values)."""
    return func


def trace_module(mod, inputs, *args, **kwargs):
    return mod


def script_if_tracing(fn):
    return fn


def ignore(drop=False, **kwargs):
    """Decorator that marks a function TorchScript should leave in Python: everything stays in Python here."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def interface(obj):
    return obj


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


class Final:
    """``jit.Final[int]`` as a type annotation; subscripting gives the inner type back."""

    def __class_getitem__(cls, item):
        return item


class Future:
    """The result of ``fork``: already computed, since the call ran at once."""

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def value(self):
        return self._value

    def done(self):
        return True


def fork(func, *args, **kwargs):
    """Run ``func`` now and hand its result back as a finished ``Future``."""
    return Future(func(*args, **kwargs))


def wait(future):
    if not isinstance(future, Future):
        if future is None:
            raise RuntimeError("Future can't be None")
        raise TypeError(f"wait(): incompatible function arguments: expected a Future, got {type(future).__name__}")
    return future.wait()


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


def save(m, f, _extra_files=None):
    raise NotImplementedError("chainrule.jit.save: chainrule has no TorchScript archives; save the state_dict with "
                              "chainrule.save instead")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise NotImplementedError("chainrule.jit.load: chainrule cannot read TorchScript archives; load a state_dict "
                              "saved with torch.save into the model's class instead")


class ScriptModule:
    """Never made here (``jit.script`` returns the module itself); kept for ``isinstance`` checks."""


class ScriptFunction:
    """Never made here (``jit.script`` returns the function itself); kept for ``isinstance`` checks."""
