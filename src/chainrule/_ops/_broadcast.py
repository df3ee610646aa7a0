"""Broadcasting in the forward direction: operands cast to PyTorch's result dtype, and its shape errors.

Backward undoes broadcasting in one place, ``chainrule._autograd.graph.sum_to_shape``.
"""

from .._array import NUMPY, SCALAR_TYPES, is_array, namespace_of
from .._device import elementwise_operands
from .._dtype import CLEARED_WITH_DEFAULT_DTYPE, DIMENSIONED, SCALAR, ZERO_DIM, _FROM_NUMPY, result_type, scalar_dtype
from .._errors import type_name, with_hint
from .._float_errors import busy, call_silently, silently
from .._tensor import Tensor

__all__ = ["binary_arrays", "broadcast_error", "broadcast_shapes"]

_promotion_cache = {}  # keyed by dtypes and operand kinds; a Python float's dtype is the default one
CLEARED_WITH_DEFAULT_DTYPE.append(_promotion_cache)


def _kind(array):
    return ZERO_DIM if array.ndim == 0 else DIMENSIONED


def promoted_dtype(a, b):
    """The result dtype of a binary op on arrays or Python numbers, cached by dtypes and kinds."""
    a_array, b_array = is_array(a), is_array(b)
    key = (a.dtype if a_array else a.__class__, _kind(a) if a_array else SCALAR,
           b.dtype if b_array else b.__class__, _kind(b) if b_array else SCALAR)
    result = _promotion_cache.get(key)
    if result is None:
        operands = []
        for value in (a, b):
            if is_array(value):
                operands.append((_FROM_NUMPY[value.dtype], _kind(value)))
            else:
                operands.append((scalar_dtype(value), SCALAR))
        result = _promotion_cache[key] = result_type(operands).np
    return result


def binary_arrays(a, b):
    """The arrays (or number) a binary op computes on, cast so NumPy yields PyTorch's dtype.

    ``a`` is a Tensor; ``b`` a Tensor or a Python number. Equal dtypes, and a number that does not
    raise the tensor's category, need no cast (NumPy's weak scalars then agree with PyTorch).
    """
    try:
        x = a._data
    except AttributeError:
        raise operand_error(a, b) from None
    cls = b.__class__
    if cls is float or cls is int:  # the common number operand, tested before the tensor case's isinstance
        kind = x.dtype.kind
        if kind == "f" or kind == "c" or kind in "iu" and cls is int:
            return x, b
    elif cls is Tensor or isinstance(b, Tensor):
        y = b._data
        if x.dtype is y.dtype or x.dtype == y.dtype:
            return x, y
        d = promoted_dtype(x, y)
        return (x if x.dtype == d else x.astype(d)), (y if y.dtype == d else y.astype(d))
    kind = x.dtype.kind
    if kind == "c" and cls is complex:  # (Python floats and ints were taken above)
        return x, b
    if isinstance(b, SCALAR_TYPES):
        b = b.item()
    elif not isinstance(b, (int, float, complex)) and not is_array(b):
        raise operand_error(a, b)
    d = promoted_dtype(x, b)
    return (x if x.dtype == d else x.astype(d)), b


def operand_error(a, b):
    """PyTorch's TypeError for a binary op given something that is neither a tensor nor a number."""
    return TypeError(f"a binary operation takes a Tensor and a Tensor or a Number, but got ({type_name(a)}, "
                     f"{type_name(b)})")


def _shape_of(value):
    return value.shape if is_array(value) or isinstance(value, Tensor) else ()


def broadcast_error(a_shape, b_shape):
    """PyTorch's message for shapes that do not broadcast (dims counted in the result)."""
    last = max(len(a_shape), len(b_shape)) - 1
    for from_last, (x, y) in enumerate(zip(reversed(a_shape), reversed(b_shape))):  # only trailing dims conflict
        if x != y and x != 1 and y != 1:
            return with_hint(RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                          f"non-singleton dimension {last - from_last}"), "broadcast")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast")


def apply_binary(array_fn, x, y):
    """``array_fn(x, y)`` with PyTorch's error when the shapes do not broadcast, or the arrays live on two
    devices (found only when the array library refuses the mix, so the common path pays nothing).

    A Python integer outside an integer tensor's range wraps around, as in PyTorch (NumPy refuses it).
    ``0 / 0``, ``inf - inf`` and overflow give nan and inf silently, as in PyTorch.
    """
    try:
        try:
            return call_silently(array_fn, x, y)
        except RuntimeError as error:  # the silent context may be busy (another thread is in it)
            if not busy(error):
                raise
            return silently(array_fn, x, y)
    except TypeError:
        operands = elementwise_operands(x, y)
        if operands is None:
            raise
        return silently(array_fn, *operands)
    except ValueError:
        raise broadcast_error(_shape_of(x), _shape_of(y)) from None
    except OverflowError:  # only a Python integer beside an integer array overflows
        if isinstance(y, int):
            return silently(array_fn, x, namespace_of(x).array(y).astype(x.dtype))
        return silently(array_fn, namespace_of(y).array(x).astype(y.dtype), y)


def broadcast_shapes(*shapes):
    """The common shape of ``shapes``; PyTorch's error names the first pair that conflicts."""
    try:
        return tuple(NUMPY.broadcast_shapes(*shapes))
    except ValueError:
        result = ()
        for shape in shapes:
            try:
                result = NUMPY.broadcast_shapes(result, shape)
            except ValueError:
                raise broadcast_error(result, shape) from None
        raise
