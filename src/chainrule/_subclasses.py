"""Subclasses of ``Tensor`` as PyTorch treats them: ``class T(torch.Tensor): pass`` makes ``T([1., 2.])``,
ops on a ``T`` give ``T`` results, and a ``T`` prints as ``T([1., 2.])``.

PyTorch routes every call that sees a subclass instance through ``__torch_function__``, whose default runs
the op and casts its Tensor results to the subclass. chainrule pays for that only where subclasses are:
defining one installs, on that class, wrappers of Tensor's methods, operators and view properties. The
public functions (``chainrule.sin(t)``, ``F.relu(t)``) are left as they are, so that they keep their
identity and pickle as themselves whatever classes a program defines: they return plain Tensors
(docs/differences.md). Inside a call the dispatch is off, so an op's own method calls on its inputs cost
nothing more, and ``Parameter``'s subclasses keep PyTorch's plain results (its ``__torch_function__`` is
disabled).
"""

import functools
import inspect
import threading
import types

from ._tensor import Tensor
from .nn.parameter import Buffer, Parameter

__all__ = ["install", "DisableTorchFunctionSubclass", "DisableTorchFunction"]

# properties whose results PyTorch casts (``grad`` is not: it is whatever autograd accumulated)
_VIEW_PROPERTIES = ("T", "mT", "H", "mH", "data", "real", "imag")
# what is never wrapped: object machinery, printing, conversions to Python values, iteration
_NOT_WRAPPED = {"__new__", "__init__", "__init_subclass__", "__getattribute__", "__getattr__", "__setattr__",
                "__delattr__", "__repr__", "__str__", "__format__", "__reduce__", "__reduce_ex__", "__dir__",
                "__sizeof__", "__subclasshook__", "__hash__", "__iter__", "__len__", "__bool__", "__float__",
                "__int__", "__index__", "__complex__", "__array__", "__array_wrap__", "__dlpack__",
                "__dlpack_device__", "__torch_function__", "__class_getitem__", "__deepcopy__", "__setstate__",
                "__getstate__", "__contains__", "as_subclass", "tolist", "item", "numpy", "size", "dim",
                "stride", "data_ptr", "element_size", "numel", "nelement", "is_contiguous", "backward",
                "register_hook", "requires_grad_", "retain_grad", "__array_priority__"}


class _Dispatch(threading.local):
    off = False  # inside an op called through __torch_function__ (PyTorch's DisableTorchFunctionSubclass)


_dispatch = _Dispatch()


def _disabled_torch_function_impl(cls, func, types, args=(), kwargs=None):
    """``Parameter``'s: run the op and keep its plain results."""
    return func(*args, **(kwargs or {}))


def _torch_function(cls, func, types, args=(), kwargs=None):
    """The default: run ``func`` with the dispatch off, then cast its Tensor results to ``cls``."""
    if not all(issubclass(cls, t) for t in types):
        return NotImplemented
    previous, _dispatch.off = _dispatch.off, True
    try:
        result = func(*args, **(kwargs or {}))
    finally:
        _dispatch.off = previous
    return _convert(result, cls)


def _convert(result, cls):
    if isinstance(result, Tensor):  # a view of the result, as PyTorch's (its grad_fn is AliasBackward0)
        return result if isinstance(result, cls) else result.as_subclass(cls)
    if result.__class__ is tuple or result.__class__ is list:
        return result.__class__(_convert(r, cls) for r in result)
    if isinstance(result, tuple) and hasattr(result, "_fields"):  # chainrule.return_types
        return type(result)(tuple(_convert(r, cls) for r in result))
    return result


def _subclass_of(values, found=None):
    """The most derived Tensor subclass among ``values`` (one level into lists and tuples), or None."""
    for value in values:
        cls = value.__class__
        if cls is tuple or cls is list:
            found = _subclass_of(value, found)
        elif cls is not Tensor and isinstance(value, Tensor) and (found is None or issubclass(cls, found)):
            found = cls
    return found


def _dispatching(function, name):
    @functools.wraps(function)
    def call(*args, **kwargs):
        if _dispatch.off:
            return function(*args, **kwargs)
        cls = _subclass_of(args) or _subclass_of(kwargs.values())
        if cls is None:
            return function(*args, **kwargs)
        return cls.__torch_function__(function, (cls,), args, kwargs)

    call.__name__ = name
    return call


def _dispatching_property(prop):
    getter = prop.fget

    def get(self):
        if _dispatch.off:
            return getter(self)
        return type(self).__torch_function__(getter, (type(self),), (self,), {})

    return property(get, prop.fset, prop.fdel, prop.__doc__)


def _wrap_class(cls):
    for name, value in list(vars(Tensor).items()):
        if name in _NOT_WRAPPED or (name.startswith("_") and not name.startswith("__")):
            continue
        if any(name in vars(klass) for klass in cls.__mro__[:cls.__mro__.index(Tensor)]):
            continue  # the subclass defines it
        if isinstance(value, property):
            if name in _VIEW_PROPERTIES:
                setattr(cls, name, _dispatching_property(value))
        elif inspect.isfunction(value) or inspect.isbuiltin(value) or isinstance(value, types.MethodWrapperType):
            setattr(cls, name, _dispatching(value, name))


def _from_tensor(cls, tensor):
    """How the legacy constructor and ``copy.deepcopy`` make an instance of the subclass from a new tensor."""
    tensor.__class__ = cls
    return tensor


def _format(self, spec):
    """PyTorch formats only a plain 0-d Tensor as its number: a subclass takes ``object``'s format."""
    return object.__format__(self, spec)


def _init_subclass(cls, **kwargs):
    super(Tensor, cls).__init_subclass__(**kwargs)
    if getattr(cls.__torch_function__, "__func__", None) is _disabled_torch_function_impl:
        return
    cls._print_prefix = f"{cls.__name__}("
    if "_from_tensor" not in vars(cls):
        cls._from_tensor = classmethod(_from_tensor)
    if "__format__" not in vars(cls):
        cls.__format__ = _format
    _wrap_class(cls)


class DisableTorchFunctionSubclass:
    """Within it, ops on subclass instances run as on plain tensors: no ``__torch_function__``, plain results."""

    def __enter__(self):
        self._previous, _dispatch.off = _dispatch.off, True

    def __exit__(self, *exc):
        _dispatch.off = self._previous
        return False


class DisableTorchFunction(DisableTorchFunctionSubclass):
    """PyTorch's also turns off its ``__torch_function__`` modes; chainrule has only the subclasses' dispatch."""


def install():
    """Give Tensor PyTorch's default ``__torch_function__`` and start watching for subclasses."""
    Tensor.__torch_function__ = classmethod(_torch_function)
    Tensor.__init_subclass__ = classmethod(_init_subclass)
    for internal in (Parameter, Buffer):
        internal.__torch_function__ = classmethod(_disabled_torch_function_impl)
