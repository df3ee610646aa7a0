"""A CPU stand-in for a CUDA device, so that device bookkeeping is tested where no GPU is.

``STANDIN`` is an array namespace of device type ``cuda`` whose arrays (``StandInArray``) are guarded
NumPy memory (``guarded_namespace``): NumPy's own functions refuse them, and, as CuPy does, the namespace
and the arrays' operators refuse every array of another namespace, even a 0-d one (CuPy takes NumPy
scalars, not NumPy arrays). Its runtime is one device, ``cuda:0``, with a seeded NumPy generator for
its random numbers and events timed by the host clock. ``use_standin()`` registers it as chainrule's
``cuda`` device (the ``cuda_standin`` fixture in ``conftest.py`` does it for one test).
"""

import contextlib
import re
import time

import numpy as np
from guarded_namespace import GUARDED, DirectNumpyUse, GuardedArray

from chainrule import _array, _device

__all__ = ["StandInArray", "STANDIN", "use_standin", "on_standin"]


class StandInArray(GuardedArray):
    """An array on the stand-in ``cuda:0``. As CuPy's arrays do, it answers a NumPy ufunc with the namespace's
    (refusing NumPy arrays among the operands); NumPy's other functions it refuses."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        own = getattr(STANDIN, ufunc.__name__, None)
        if own is None:
            raise DirectNumpyUse(f"numpy.{ufunc.__name__} has no counterpart in the CUDA stand-in's namespace")
        return getattr(own, method)(*inputs, **kwargs) if method != "__call__" else own(*inputs, **kwargs)


def _foreign(value):
    return isinstance(value, np.ndarray) and value.__class__ is not StandInArray


def _refuse_foreign(value, where):
    """Like CuPy: an array of another namespace (NumPy's, even 0-d) is refused."""
    if _foreign(value):
        raise DirectNumpyUse(f"{where}: a {type(value).__name__} of shape {value.shape} is mixed with arrays on "
                             f"the CUDA stand-in")
    if value.__class__ in (tuple, list):
        for v in value:
            _refuse_foreign(v, where)
    elif value.__class__ is dict:
        for v in value.values():
            _refuse_foreign(v, where)


def _inward(value):
    if value.__class__ is StandInArray:
        return value.view(GuardedArray)
    if value.__class__ in (tuple, list):
        return value.__class__(_inward(v) for v in value)
    if value.__class__ is dict:
        return {k: _inward(v) for k, v in value.items()}
    return value


def _outward(value):
    if value.__class__ is GuardedArray:
        return value.view(StandInArray)
    if isinstance(value, tuple) or value.__class__ is list:
        return (list if value.__class__ is list else tuple)(_outward(v) for v in value)
    return value


def _through(fn, where):
    """``fn`` of the guarded namespace, taking and giving stand-in arrays."""

    def call(*args, **kwargs):
        _refuse_foreign(args, where)
        _refuse_foreign(kwargs, where)
        return _outward(fn(*_inward(args), **_inward(kwargs)))

    call.__name__ = getattr(fn, "__name__", where)
    return call


class _Ufunc:
    def __init__(self, ufunc, where):
        self.__name__ = ufunc.__name__
        self.nin, self.nout = ufunc.nin, ufunc.nout
        self._call = _through(ufunc, where)
        for method in ("reduce", "accumulate", "at", "outer"):
            setattr(self, method, _through(getattr(ufunc, method), f"{where}.{method}"))

    def __call__(self, *args, **kwargs):
        return self._call(*args, **kwargs)


class _Module:
    def __init__(self, guarded, prefix):
        for name, value in vars(guarded).items():
            if name.startswith("_"):
                continue
            if value.__class__.__name__ == "_Ufunc":
                value = _Ufunc(value, f"{prefix}.{name}")
            elif value.__class__.__name__ == "_Module":
                value = _Module(value, f"{prefix}.{name}")
            elif callable(value) and not isinstance(value, type):
                value = _through(value, f"{prefix}.{name}")
            setattr(self, name, value)


def _method(name):
    """An array method or operator: the guarded one, refusing foreign operands, its results on the stand-in.

    An index may be a NumPy array (CuPy copies it over, as PyTorch takes CPU indices); a value may not."""
    guarded = getattr(GuardedArray, name)
    operands = slice(1, None) if name in ("__getitem__", "__setitem__") else slice(None)

    def method(self, *args, **kwargs):
        _refuse_foreign(args[operands], name)
        return _outward(guarded(self.view(GuardedArray), *_inward(args), **_inward(kwargs)))

    method.__name__ = name
    return method


_NAMES = [name for name, value in vars(GuardedArray).items() if callable(value) and name not in (
    "__array_ufunc__", "__array_function__", "__array_wrap__")]
for _name in _NAMES:
    setattr(StandInArray, _name, _method(_name))


# ---------------------------------------------------------------- the runtime: one device, cuda:0
class _Random:
    """CuPy's generator methods that chainrule's device draws use, over a seeded NumPy generator."""

    def __init__(self, seed=0):
        self.seed(seed)

    def seed(self, value):
        self._generator = np.random.default_rng(value)

    def random_sample(self, size=None, dtype=float):
        return _on(self._generator.random(size, dtype=np.dtype(dtype)))

    def standard_normal(self, size=None, dtype=float):
        return _on(self._generator.standard_normal(size, dtype=np.dtype(dtype)))

    def randint(self, low, high=None, size=None, dtype=int):
        return _on(self._generator.integers(low, high, size, dtype=np.dtype(dtype)))

    def poisson(self, lam=1.0, size=None, dtype="l"):
        lam = lam.view(np.ndarray) if isinstance(lam, np.ndarray) else lam
        return _on(self._generator.poisson(lam, size).astype(dtype))


def _on(array):
    return np.asarray(array).copy().view(StandInArray)


class _Event:
    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.time = None
        self.disable_timing = disable_timing

    def record(self, stream=None):
        self.time = time.perf_counter()

    def synchronize(self):
        pass

    @property
    def done(self):
        return True


class _Stream:
    def __init__(self, null=False, non_blocking=False, ptds=False, priority=None):
        self.ptr = 0 if null else id(self)

    def synchronize(self):
        pass

    @property
    def done(self):
        return True

    def wait_event(self, event):
        pass

    def record(self, event=None):
        event = event or _Event()
        event.record(self)
        return event

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NULL_STREAM = _Stream(null=True)


_C_FUNCTIONS = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
                "log1p": np.log1p, "expm1": np.expm1, "fabs": np.abs, "float32": np.float32,
                "INFINITY": np.inf, "NAN": np.nan}


def _nan_extreme(pick):
    def extreme(a, b):  # the preamble's nan_maximum/nan_minimum: nan when either operand is nan
        picked = pick(a, b)
        return np.where(np.isnan(a) | np.isnan(b), picked.dtype.type(np.nan), picked)

    return extreme


_C_FUNCTIONS.update(nan_maximum=_nan_extreme(np.fmax), nan_minimum=_nan_extreme(np.fmin))


class _ElementwiseKernel:
    """CuPy's ``ElementwiseKernel`` on the stand-in: the operation's C statements run as Python over whole
    NumPy arrays (the type of each declaration and the ``f`` of float constants dropped, CUDA's math
    functions and the preamble's functions as NumPy's). Its arguments must have the declared dtypes."""

    def __init__(self, in_params, out_params, operation, name, preamble="", options=()):
        self.inputs = [param.split() for param in in_params.split(", ")]
        self.outputs = [param.split() for param in out_params.split(", ")]
        statements = []
        for line in operation.splitlines():
            statement = re.sub(r"^(float|double) ", "", line.strip().rstrip(";"))
            statements.append(re.sub(r"\b(\d[\d.]*(?:e[-+]?\d+)?)f\b", r"float32(\1)", statement))
        self.code = compile("\n".join(statements), f"<{name}>", "exec")

    def __call__(self, *arrays):
        scope = dict(_C_FUNCTIONS)
        for (c_type, name), array in zip(self.inputs + self.outputs, arrays):
            if array.dtype != {"float": np.float32, "double": np.float64}[c_type]:
                raise TypeError(f"{name} is declared {c_type}, and is given a {array.dtype} array")
            scope[name] = array.view(np.ndarray)
        with np.errstate(all="ignore"):
            exec(self.code, scope)  # noqa: S102 (compile's own generated statements)
        for (_, name), array in zip(self.outputs, arrays[len(self.inputs):]):
            array.view(np.ndarray)[...] = scope[name]


class StandInRuntime:
    """One stand-in device: copies are host copies, synchronising does nothing, memory is not counted."""

    Event = _Event
    Stream = _Stream

    def __init__(self):
        self._random = _Random()

    def count(self):
        return 1

    def current(self):
        return 0

    def select(self, index):
        if index != 0:
            raise RuntimeError("CUDA error: invalid device ordinal")

    def using(self, index):
        self.select(index)
        return contextlib.nullcontext()

    def index_of(self, array):
        return 0

    def from_host(self, array, index):
        return np.array(array, copy=True).view(StandInArray)

    def copy_to(self, array, index):
        return array.copy()

    def synchronize(self, index):
        pass

    def random(self, index):
        return self._random

    def seed(self, index, value):
        self._random.seed(value)

    def properties(self, index):
        return {"name": "chainrule CPU stand-in", "major": 0, "minor": 0, "total_memory": 0,
                "multi_processor_count": 1}

    def memory_allocated(self, index):
        return 0

    def max_memory_allocated(self, index):
        return 0

    def memory_reserved(self, index):
        return 0

    def reset_peak(self, index):
        pass

    def empty_cache(self):
        pass

    def fused_kernel(self, in_params, out_params, operation, name, preamble, options):
        return _ElementwiseKernel(in_params, out_params, operation, name, preamble, options)

    def current_stream(self, index):
        return _NULL_STREAM

    def elapsed_time(self, start, end):
        if start.time is None or end.time is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return (end.time - start.time) * 1000.0


def _to_host(array):
    return np.array(array.view(np.ndarray), copy=True)


def _from_host(array):
    return np.array(array, copy=True).view(StandInArray)


_module = _Module(GUARDED, "cuda")
STANDIN = _array.ArrayNamespace(_module, name="cuda stand-in", device_type="cuda", array_type=StandInArray,
                                to_host=_to_host, from_host=_from_host, runtime=StandInRuntime(), extras={
                                    "scatter_add": _through(GUARDED.scatter_add, "scatter_add"),
                                    "as_strided": _through(GUARDED.as_strided, "as_strided"),
                                })
STANDIN.linalg.LinAlgError = np.linalg.LinAlgError


@contextlib.contextmanager
def use_standin():
    """Within the block, chainrule's ``cuda`` device is the stand-in."""
    previous = _device.register_device(STANDIN)
    try:
        yield STANDIN
    finally:
        _device.unregister_device("cuda", previous)


def on_standin(array):
    """A stand-in copy of a NumPy array (in the same layout)."""
    from guarded_namespace import guard

    return guard(array).view(StandInArray)
