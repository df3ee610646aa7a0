"""Making tensors: ``tensor()`` with PyTorch's dtype inference, and the factory functions."""

import math
import numbers
from collections import deque
import warnings

import numpy as np

from . import _dtype
from ._array import INTEGER_TYPES, NUMPY, SCALAR_TYPES, is_array, namespace_of
from ._errors import argument_type_error
from ._exact_arithmetic import fused_multiply_add
from ._float_errors import silent_float_errors
from ._size import allocation_error, check_storage_size
from ._device import defaults as _device_defaults
from ._device import device_of, moved, placement, resolved
from ._dtype import bool_, fitting_number, float32, get_default_dtype, int64, to_dtype
from ._tensor import Tensor, make_tensor

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "from_dlpack", "arange", "linspace", "logspace", "eye",
           "scalar_tensor"]


def _infer(data, shape, depth, kinds):
    """Walk nested sequences: record each level's length (checking raggedness) and element kinds."""
    cls = data.__class__
    if cls is float or cls is int or cls is bool:  # the common leaves, before the general checks
        if depth < len(shape):
            raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got scalar)")
        kinds.add(cls)
        return
    if isinstance(data, Tensor):
        kinds.add(data.dtype)
        _merge_shape(shape, depth, data._data.shape)
        return
    if is_array(data):
        kinds.add(_dtype.from_numpy_dtype(data.dtype))
        _merge_shape(shape, depth, data.shape)
        return
    if isinstance(data, (list, tuple, range, deque)):
        n = len(data)
        if depth == len(shape):
            shape.append(n)
        elif shape[depth] != n:
            raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got {n})")
        for item in data:
            _infer(item, shape, depth + 1, kinds)
        return
    if depth < len(shape):
        raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} (got scalar)")
    if isinstance(data, (bool, np.bool_)):
        kinds.add(bool)
    elif isinstance(data, numbers.Integral):
        kinds.add(int)
    elif isinstance(data, numbers.Real):
        kinds.add(float)
    elif isinstance(data, numbers.Complex):
        kinds.add(complex)
    elif data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    else:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")


def _merge_shape(shape, depth, sub):
    for i, n in enumerate(sub):
        if depth + i == len(shape):
            shape.append(n)
        elif shape[depth + i] != n:
            raise ValueError(f"expected sequence of length {shape[depth + i]} at dim {depth + i} (got {n})")


def _inferred_dtype(kinds):
    if complex in kinds or any(isinstance(k, _dtype.dtype) and k.is_complex for k in kinds):
        return _dtype.default_complex_dtype()
    if float in kinds:
        return get_default_dtype()
    tensor_dtypes = [k for k in kinds if isinstance(k, _dtype.dtype)]
    result = None
    for d in tensor_dtypes:
        result = d if result is None else _dtype.promote_types(result, d)
    if int in kinds:
        return int64 if result is None or result.category <= _dtype.INTEGER else result
    if bool in kinds:
        return bool_ if result is None else result
    return result if result is not None else get_default_dtype()


def _to_nested_arrays(data):
    """Replace tensors inside nested sequences by their arrays so NumPy can stack them."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_to_nested_arrays(item) for item in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of ``data`` (a number, nested sequences, an array or a tensor)."""
    cls = data.__class__
    if device is None:
        device = _device_defaults.device
    if cls is float or cls is int:  # the common scalar, without the general inference
        target = (get_default_dtype() if cls is float else int64) if dtype is None else to_dtype(dtype)
        out = make_tensor(_array_of(data, target) if device is None else _placed(_array_of(data, target), device))
        if requires_grad:
            out._set_requires_grad(True, "Only Tensors of floating point and complex dtype can require gradients")
        return out
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=2)
        inferred = data.dtype
        array = data._data
    elif is_array(data):
        inferred = _dtype.from_numpy_dtype(data.dtype)
        array = data
    elif isinstance(data, SCALAR_TYPES):
        inferred = _dtype.from_numpy_dtype(data.dtype)
        array = np.asarray(data)
    else:
        shape, kinds = [], set()
        _infer(data, shape, 0, kinds)
        inferred = _inferred_dtype(kinds)
        nested_tensors = any(isinstance(k, _dtype.dtype) for k in kinds)
        array = _to_nested_arrays(data) if nested_tensors else data
    target = inferred if dtype is None else to_dtype(dtype)
    out = make_tensor(_array_of(array, target) if device is None else _placed(_array_of(array, target), device))
    if requires_grad:
        out._set_requires_grad(True, "Only Tensors of floating point and complex dtype can require gradients")
    return out


@silent_float_errors
def _array_of(data, target):
    """A fresh array of ``data`` in ``target`` (in the namespace of an array given, else NumPy's); a Python
    int beyond int64 raises PyTorch's error, a float beyond the dtype's range is inf (silently, as in PyTorch)."""
    xp = namespace_of(data) if is_array(data) else NUMPY
    try:
        return xp.array(data, dtype=target.np, copy=True)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None


def _placed(array, device):
    """``array`` moved to ``device`` (a copy unless it is there already)."""
    return moved(array, *placement(device))


def as_tensor(data, *, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when no conversion or transfer is needed."""
    if isinstance(data, Tensor):
        if device is not None:
            return data.to(device, dtype)
        return data if dtype is None or to_dtype(dtype) is data.dtype else data.to(dtype)
    if is_array(data) and (dtype is None or to_dtype(dtype).np == data.dtype):
        if device is None or device_of(data) == resolved(device):
            return make_tensor(data) if data.__class__ is not np.ndarray else from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    out = as_tensor(obj, dtype=dtype, device=device) if not copy else tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        out.requires_grad_(True)
    return out


def from_numpy(array):
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return make_tensor(array)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any DLPack producer (NumPy, PyTorch, JAX, CuPy on the CPU)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    return make_tensor(np.from_dlpack(ext_tensor))


def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, INTEGER_TYPES):
            raise TypeError(f"expected a sequence of integers as size, but got an element of type "
                            f"{type(s).__name__}")
    return tuple(int(s) for s in size)


def _factory(name, size, dtype, requires_grad, make, device=None, like=None):
    """A new tensor of ``size`` made by ``make(xp, shape, numpy_dtype)`` on ``device``; with no device named,
    on the device of array ``like`` if given, else on the default device."""
    size = _size_args(size)
    if any(s < 0 for s in size):
        raise RuntimeError(f"{name}: Dimension size must be non-negative.")
    d = get_default_dtype() if dtype is None else to_dtype(dtype)
    check_storage_size(size, d.itemsize)
    try:
        if device is None and like is None and _device_defaults.device is None:
            out = make_tensor(make(NUMPY, size, d.np))  # the common case, inline
        else:
            out = make_tensor(_made_on(device, like, make, size, d.np))
    except MemoryError:
        raise allocation_error(size, d.itemsize) from None
    if requires_grad:
        out._set_requires_grad(True, "Only Tensors of floating point and complex dtype can require gradients")
    return out


def _made_on(device, like, make, *args):
    """``make(xp, *args)`` in the namespace of ``device`` (or of array ``like``, or the default device), with the
    array's GPU current while it is made (CuPy allocates on the current device)."""
    if device is None and like is not None:
        xp = NUMPY if like.__class__ is np.ndarray else namespace_of(like)
        index = None if xp.runtime is None else xp.runtime.index_of(like)
    else:
        if device is None:
            device = _device_defaults.device
        xp, index = (NUMPY, None) if device is None else placement(device)
    if index is None:
        return make(xp, *args)
    with xp.runtime.using(index):
        return make(xp, *args)


def _filled(function_name, *value):
    """``make(xp, shape, dtype)``: ``xp.<function_name>(shape, *value, dtype=dtype)``."""

    def make(xp, shape, dtype):
        filling = (fitting_number(value[0], np.dtype(dtype)),) if value else ()
        return getattr(xp, function_name)(shape, *filling, dtype=dtype)

    return make


_ZEROS, _ONES, _EMPTY = _filled("zeros"), _filled("ones"), _filled("empty")


def keyword_size(name, size, keywords):
    """``size`` given as ``size=`` (``zeros(size=(2, 3))``), which PyTorch accepts as well as positionally."""
    if set(keywords) != {"size"} or size:
        unexpected = next(iter(k for k in keywords if k != "size"), "size")
        raise TypeError(f"{name}() got an unexpected keyword argument '{unexpected}'")
    return (keywords["size"],)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, **size_keyword):
    if size_keyword:
        size = keyword_size("zeros", size, size_keyword)
    return _factory("zeros", size, dtype, requires_grad, _ZEROS, device)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, **size_keyword):
    if size_keyword:
        size = keyword_size("ones", size, size_keyword)
    return _factory("ones", size, dtype, requires_grad, _ONES, device)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
          **size_keyword):
    if size_keyword:
        size = keyword_size("empty", size, size_keyword)
    return _factory("empty", size, dtype, requires_grad, _EMPTY, device)


def _fill_number(function, value):
    """``fill_value`` as a Python number: a number, or a one-element tensor; anything else is PyTorch's TypeError."""
    if isinstance(value, Tensor) and value._data.ndim == 0:
        return value.item()
    if not isinstance(value, numbers.Number):
        raise argument_type_error(function, "fill_value", 2, "Number", value)
    return value


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    fill_value = _fill_number("full", fill_value)
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value)
    return _factory("full", (size,), dtype, requires_grad, _filled("full", fill_value), device)


def scalar_tensor(value, *, dtype=None, device=None, requires_grad=False):
    return full((), value, dtype=dtype or get_default_dtype(), device=device, requires_grad=requires_grad)


def _like(name, input, dtype, requires_grad, device, *value):
    """A new tensor shaped like ``input``, in its array namespace (on its device) unless ``device`` is named."""
    if not isinstance(input, Tensor):
        raise argument_type_error(f"{name}_like", "input", 1, "Tensor", input)
    d = input.dtype if dtype is None else to_dtype(dtype)
    return _factory(name, (input._data.shape,), d, requires_grad, _filled(name, *value), device, input._data)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("zeros", input, dtype, requires_grad, device)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("ones", input, dtype, requires_grad, device)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like("empty", input, dtype, requires_grad, device)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like("full", input, dtype, requires_grad, device, _fill_number("full_like", fill_value))


def _number(value):
    return value.item() if isinstance(value, Tensor) else value


def _from_host_values(values):
    """``make`` for values computed on the host (the bounds of ``arange``, ``linspace``): copied to the device."""

    def make(xp, shape, dtype):
        converted = values.astype(dtype)
        return converted if xp is NUMPY else xp.from_host(converted)

    return make


_RANGE_OPTIONS = ("*, Tensor? out = None, ScalarType? dtype = None, Layout? layout = None, Device? device = None, "
                  "bool? pin_memory = False, bool? requires_grad = False")
# PyTorch's signatures of the factories chainrule's namespace checks after a call failed (chainrule._signatures)
SIGNATURES = {"arange": (f"Scalar end, {_RANGE_OPTIONS}", f"Scalar start, Scalar end, {_RANGE_OPTIONS}",
                         f"Scalar start, Scalar end, Scalar step = 1, {_RANGE_OPTIONS}")}


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive); int64 when every bound is an integer."""
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        integral = all(isinstance(v, INTEGER_TYPES) and not isinstance(v, bool) for v in (start, end, step))
        dtype = int64 if integral else get_default_dtype()
    d = to_dtype(dtype)
    count = max(0, math.ceil((end - start) / step))
    values = start + step * NUMPY.arange(count, dtype=NUMPY.float64 if d.is_floating_point else NUMPY.int64)
    return _factory("arange", ((count,),), d, requires_grad, _from_host_values(values), device)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    start, end = _number(start), _number(end)
    d = _linspace_dtype(start, end, dtype)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    values = _linspace_values(start, end, steps, d.np)
    return _factory("linspace", ((steps,),), d, requires_grad, _from_host_values(values), device)


def _linspace_dtype(start, end, dtype):
    """The default dtype, or its complex counterpart for a complex bound; a complex bound refuses a real dtype."""
    if not isinstance(start, complex) and not isinstance(end, complex):
        return get_default_dtype() if dtype is None else to_dtype(dtype)
    inferred = _dtype.complex128 if get_default_dtype() is _dtype.float64 else _dtype.complex64
    if dtype is None:
        return inferred
    d = to_dtype(dtype)
    if not d.is_complex:
        raise RuntimeError(f"torch.linspace(): inferred dtype {inferred.cpp_name} can't be safely cast to passed "
                           f"dtype {d.scalar_type_name}")
    return d


@silent_float_errors
def _linspace_values(start, end, steps, dtype):
    """PyTorch's values: ``start + step * i`` for the first half and ``end - step * (steps - 1 - i)`` for the
    second, so both ends are exact, in the result's dtype (double for integers, truncated) with one rounding
    per value as its fused multiply-add gives; float16 rounds after each operation, as PyTorch's Half does."""
    if dtype.kind == "c":  # PyTorch's complex step scales each part alone: two real spacings
        values = NUMPY.empty(steps, dtype)
        start, end = complex(start), complex(end)
        values.real = _linspace_values(start.real, end.real, steps, values.real.dtype)
        values.imag = _linspace_values(start.imag, end.imag, steps, values.real.dtype)
        return values
    if dtype.kind not in "fiu" or steps < 2:
        return NUMPY.linspace(start, end, steps, dtype=NUMPY.result_type(dtype, NUMPY.float64))
    compute = dtype.type if dtype.kind == "f" else NUMPY.float64
    first, last = compute(start), compute(end)
    step = compute(last - first) / compute(steps - 1)
    index = NUMPY.arange(steps)
    from_start = index < steps // 2
    count = NUMPY.where(from_start, index, steps - 1 - index).astype(compute)
    base = NUMPY.where(from_start, first, last)
    signed_step = NUMPY.where(from_start, step, -step)
    if compute is NUMPY.float64:
        return fused_multiply_add(signed_step, count, base)
    if compute is NUMPY.float32:
        return (signed_step.astype(NUMPY.float64) * count + base).astype(compute)
    return base + signed_step * count


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    d = get_default_dtype() if dtype is None else to_dtype(dtype)
    values = NUMPY.logspace(_number(start), _number(end), steps, base=base, dtype=NUMPY.float64)
    return _factory("logspace", ((steps,),), d, requires_grad, _from_host_values(values), device)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    m = n if m is None else m
    return _factory("eye", ((n, m),), dtype, requires_grad, lambda xp, shape, d: xp.eye(n, m, dtype=d), device)


def legacy_new(cls, args, kwargs):
    """``Tensor(...)``: from data (a sequence) or from sizes (integers), always in the default dtype."""
    if kwargs.get("device") is not None:
        kwargs = {k: v for k, v in kwargs.items() if k != "device"}
    if kwargs:
        raise TypeError(f"Tensor(): got unexpected keyword arguments {sorted(kwargs)}")
    if len(args) == 1 and not isinstance(args[0], INTEGER_TYPES):
        out = tensor(args[0], dtype=float32 if get_default_dtype() is float32 else get_default_dtype())
    else:
        out = empty(*(args or (0,)))  # Tensor() is empty, not 0-d
    if cls is Tensor:
        return out
    from_tensor = getattr(cls, "_from_tensor", None)
    if from_tensor is not None:
        return from_tensor(out)
    out.__class__ = cls  # a user's subclass: the new tensor itself becomes one
    return out


def _legacy_constructor(cls, *args, **kwargs):
    """``Tensor(data)`` / ``Tensor(*sizes)``: PyTorch's legacy constructor, always the default dtype."""
    return legacy_new(cls, args, kwargs)


Tensor.__new__ = staticmethod(_legacy_constructor)


# ---------------------------------------------------------------- Tensor.new_*: like the tensor (dtype, device)
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A tensor of ``data`` on ``device``, else in this tensor's namespace (on its device)."""
    made = tensor(data, dtype=dtype or self.dtype, device=device)
    if device is None:
        xp = namespace_of(self._data)
        if xp is not NUMPY:
            made = make_tensor(_made_on(None, self._data, lambda xp, host: xp.from_host(host), made._data))
    if requires_grad:
        made._set_requires_grad(True, "Only Tensors of floating point and complex dtype can require gradients")
    return made


def _sizes_given(name, size):
    if not size:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    return size


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return _factory("zeros", _sizes_given("new_zeros", size), dtype or self.dtype, requires_grad, _ZEROS, device,
                    self._data)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return _factory("ones", _sizes_given("new_ones", size), dtype or self.dtype, requires_grad, _ONES, device,
                    self._data)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return _factory("empty", _sizes_given("new_empty", size), dtype or self.dtype, requires_grad, _EMPTY, device,
                    self._data)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _factory("full", (size,), dtype or self.dtype, requires_grad, _filled("full", fill_value), device,
                    self._data)


for _method in (new_tensor, new_zeros, new_ones, new_empty, new_full):
    setattr(Tensor, _method.__name__, _method)
del _method
