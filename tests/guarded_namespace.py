"""A second array namespace for the tests: NumPy's memory behind a guard, so that any op reaching NumPy
directly fails.

``GuardedArray`` is an ndarray subclass that refuses NumPy's functions and ufuncs unless the call comes
through ``GUARDED``, its namespace (or is one of the array's own methods and operators, which every
array library has). Like CuPy, the namespace refuses plain NumPy arrays mixed into a call and gives 0-d
arrays where NumPy gives scalars. An op that calls ``numpy.exp`` on a tensor's array, builds a constant
with ``numpy.zeros`` and combines it, or hands back a plain ``ndarray`` is caught: by the guard, by the
mixing check, or by the tests' check that every result and gradient is still a ``GuardedArray``.
"""

import threading

import numpy as np

from chainrule import _array

__all__ = ["GuardedArray", "GUARDED", "guard", "DirectNumpyUse"]


class DirectNumpyUse(TypeError):
    """A guarded array reached NumPy without going through its namespace."""


class _Permission(threading.local):
    depth = 0


_permission = _Permission()


class _Allowed:
    """Inside this block the guard lets NumPy work on guarded arrays."""

    def __enter__(self):
        _permission.depth += 1

    def __exit__(self, *exc):
        _permission.depth -= 1


_ALLOWED = _Allowed()


def _unwrap(value):
    if isinstance(value, GuardedArray):
        return value.view(np.ndarray)
    if value.__class__ in (tuple, list):
        return value.__class__(_unwrap(v) for v in value)
    if value.__class__ is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value):
    if value.__class__ is np.ndarray:
        return value.view(GuardedArray)
    if isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_)):
        return np.asarray(value).view(GuardedArray)
    if value.__class__ in (tuple, list):
        return value.__class__(_wrap(v) for v in value)
    if isinstance(value, tuple):  # NumPy's named results (linalg.svd, eigh, qr, slogdet): plain tuples, as CuPy's
        return tuple(_wrap(v) for v in value)
    return value


def _refuse_plain(value, where):
    """Like CuPy: a plain NumPy array (other than 0-d) may not be mixed into a namespace call."""
    if value.__class__ is np.ndarray and value.ndim:
        raise DirectNumpyUse(f"{where}: a plain numpy.ndarray of shape {value.shape} is mixed with guarded arrays")
    if value.__class__ in (tuple, list):
        for v in value:
            _refuse_plain(v, where)
    elif value.__class__ is dict:
        for v in value.values():
            _refuse_plain(v, where)


class GuardedArray(np.ndarray):
    """NumPy memory that refuses NumPy's own functions unless called through ``GUARDED``."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not _permission.depth:
            raise DirectNumpyUse(f"numpy.{ufunc.__name__}.{method} was called on a guarded array directly")
        if "out" in kwargs:
            kwargs["out"] = _unwrap(kwargs["out"])
        return _wrap(getattr(ufunc, method)(*_unwrap(inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        if not _permission.depth:
            raise DirectNumpyUse(f"numpy.{func.__name__} was called on a guarded array directly")
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))


def _allowing(name):
    """An ndarray method (or operator) that every array library has: allowed, its results guarded."""
    method = getattr(np.ndarray, name)

    def allowed(self, *args, **kwargs):
        with _ALLOWED:
            return _wrap(method(self, *args, **kwargs))

    allowed.__name__ = name
    return allowed


_METHODS = ("all any argmax argmin argsort astype clip conj conjugate copy cumprod cumsum diagonal dot fill flatten "
            "max mean min nonzero prod ravel repeat reshape round sort squeeze std sum swapaxes take trace transpose "
            "var __getitem__ __setitem__ __array_wrap__ __neg__ __pos__ __abs__ __invert__").split()
_OPERATORS = ("add sub mul truediv floordiv mod pow matmul and or xor lshift rshift lt le gt ge eq ne").split()
for _name in _METHODS:
    setattr(GuardedArray, _name, _allowing(_name))
for _op in _OPERATORS:
    for _form in (f"__{_op}__", f"__r{_op}__", f"__i{_op}__"):
        if hasattr(np.ndarray, _form):
            setattr(GuardedArray, _form, _allowing(_form))


class _Ufunc:
    """A NumPy ufunc called through the namespace, with its methods (``at``, ``reduce``, ``accumulate``)."""

    def __init__(self, ufunc, where):
        self._ufunc = ufunc
        self._where = where
        self.__name__ = ufunc.__name__
        self.nin, self.nout = ufunc.nin, ufunc.nout

    def _run(self, method, args, kwargs):
        _refuse_plain(args, self._where)
        with _ALLOWED:
            return _wrap(getattr(self._ufunc, method)(*args, **kwargs))

    def __call__(self, *args, **kwargs):
        return self._run("__call__", args, kwargs)

    def reduce(self, *args, **kwargs):
        return self._run("reduce", args, kwargs)

    def accumulate(self, *args, **kwargs):
        return self._run("accumulate", args, kwargs)

    def at(self, *args, **kwargs):
        return self._run("at", args, kwargs)

    def outer(self, *args, **kwargs):
        return self._run("outer", args, kwargs)


def _function(fn, where):
    def call(*args, **kwargs):
        _refuse_plain(args, where)
        _refuse_plain(kwargs, where)
        with _ALLOWED:
            return _wrap(fn(*args, **kwargs))

    call.__name__ = getattr(fn, "__name__", where)
    return call


class _Module:
    """The guarded form of a NumPy module: its ufuncs and functions go through the guard."""

    def __init__(self, module, prefix):
        for name in dir(module):
            if name.startswith("_"):
                continue
            value = getattr(module, name)
            if isinstance(value, np.ufunc):
                value = _Ufunc(value, f"{prefix}.{name}")
            elif callable(value) and not isinstance(value, type) and not hasattr(value, "__path__"):
                value = _function(value, f"{prefix}.{name}")
            setattr(self, name, value)


def _scatter_add(target, indices, values):
    _refuse_plain((target, indices, values), "scatter_add")
    with _ALLOWED:
        np.add.at(target, indices, values)


def _to_host(array):
    return np.array(array.view(np.ndarray), copy=True)


def _from_host(array):
    return np.array(array, copy=True).view(GuardedArray)


_module = _Module(np, "numpy")
_module.linalg = _Module(np.linalg, "numpy.linalg")
_module.fft = _Module(np.fft, "numpy.fft")
_module.linalg.LinAlgError = np.linalg.LinAlgError
GUARDED = _array.ArrayNamespace(_module, name="guarded numpy", device_type="cpu", array_type=GuardedArray,
                                to_host=_to_host, from_host=_from_host, extras={
                                    "scatter_add": _scatter_add,
                                    "as_strided": _function(np.lib.stride_tricks.as_strided, "as_strided"),
                                })
_array.register(GUARDED)


def guard(array):
    """A guarded copy of a NumPy array, in the same layout (a non-contiguous array stays non-contiguous)."""
    if array.ndim and array.size and not array.flags.c_contiguous:
        from op_db import noncontiguous

        return noncontiguous(np.ascontiguousarray(array)).view(GuardedArray)
    return np.array(array, copy=True).view(GuardedArray)
