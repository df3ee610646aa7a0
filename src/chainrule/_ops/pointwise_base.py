"""What every elementwise op shares: float conversion of integer inputs, exact zero gradients,
``out=`` handling, and the one-line declaration of a unary op."""

import warnings

from .._array import NUMPY, is_array, namespace_of
from .._autograd import grad_mode
from .._dtype import _FROM_NUMPY, get_default_dtype
from .._errors import argument_type_error
from .._float_errors import busy, call_silently, silently
from .._recording import state as _recorder_state
from .._tensor import make_tensor
from ._kernel import ELEMENTWISE, Kernel, replays
from ._op import OUTPUT, record

__all__ = ["LARGE", "to_default_float", "zeros_like_grad", "write_out", "unary_op", "float_array", "cast_error",
           "kernel_missing", "no_kernel_error", "reject"]

_grad_state = grad_mode._state
_ndarray = NUMPY.ndarray
# Elements from which a kernel of fewer, faster passes (a clip, a multiplication) pays for the few
# microseconds more that NumPy spends calling it; below, the plain ufunc is quicker.
LARGE = 4096

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def to_default_float(array):
    """Integer and bool arrays become the default float dtype; others pass through."""
    if is_array(array) and array.dtype.kind in "biu":
        return array.astype(get_default_dtype().np)
    return array


def float_array(input):
    """A tensor's array, as the default float dtype when it is integral or bool."""
    x = input._data
    return x if x.dtype.kind in "fc" else x.astype(get_default_dtype().np)


def zeros_like_grad(grad, reference):
    """Exact zeros shaped like ``grad``: a blocked gradient, which never carries a graph."""
    data = grad._data
    return make_tensor(namespace_of(data).zeros(data.shape, dtype=data.dtype))


def cast_error(source, target):
    """PyTorch's refusal to write a result of dtype ``source`` into a tensor of dtype ``target``."""
    return RuntimeError(f"result type {_FROM_NUMPY[source].scalar_type_name} can't be cast to the desired output "
                        f"type {_FROM_NUMPY[target].scalar_type_name}")


def write_out(result, out, name):
    """``out=``: the op's result copied into ``out`` and ``out`` returned, as PyTorch does; the result
    itself when ``out`` is None. A named tuple of results goes into a tuple of ``out`` tensors.

    Ops with ``out=`` are not recorded, so an input requiring grad is an error; ``out`` keeps its
    dtype (no cast to a lower category) and is resized, with a warning when it held elements.
    """
    if out is None:
        return result
    if isinstance(out, (tuple, list)):
        return type(result)(tuple(_write_tensor_out(r, o, name) for r, o in zip(result, out)))
    return _write_tensor_out(result, out, name)


def _write_tensor_out(result, out, name):
    if _recorder_state.recorder is not None:
        _recorder_state.recorder.before_write(out)
        _recorder_state.recorder.fail(f"{name}(out=...) has no kernel")
    if result._requires_grad or out._requires_grad and _grad_state.enabled:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    data = result._data
    target = out._data
    if _CATEGORY[data.dtype.kind] > _CATEGORY[target.dtype.kind]:
        raise cast_error(data.dtype, target.dtype)
    if target.shape != data.shape:
        if target.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(target.shape)}, which "
                f"does not match the required output shape {list(data.shape)}. This behavior is deprecated, and in "
                "a future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
                UserWarning, stacklevel=4)
        out._data = target = namespace_of(target).empty(data.shape, dtype=target.dtype)
    namespace_of(target).copyto(target, data, casting="unsafe")
    out._version_counter[0] += 1
    return out


def kernel_missing(kernel, kinds):
    """``rejects`` entries for dtype kinds PyTorch has no kernel for (``"abs_cpu" not implemented for 'Bool'``)."""
    return {kind: (NotImplementedError, f'"{kernel}" not implemented for \'{{dtype}}\'') for kind in kinds}


def no_kernel_error(kernel, np_dtype):
    """The error ``kernel_missing`` describes, for one dtype."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{_FROM_NUMPY[np_dtype].scalar_type_name}\'')


def reject(x, rejects):
    """Raise the error ``rejects`` names for ``x``'s dtype kind, if any."""
    entry = rejects.get(x.dtype.kind)
    if entry is not None:
        error, message = entry
        raise error(message.format(dtype=_FROM_NUMPY[x.dtype].scalar_type_name))


def unary_op(name, node_class, array_fn, saves=None, float_only=True, rejects=None):
    """A Tensor function applying ``array_fn``; ``saves`` is ``"self"``, ``"result"`` or None.

    ``array_fn``: the name of the namespace function (``"exp"``: ``xp.exp`` of the input's namespace),
    or a function of the array that takes its array functions from the array's namespace itself.
    ``float_only``: integer and bool inputs are computed in the default float dtype.
    ``rejects``: dtype kind -> (exception, message with ``{dtype}``) for dtypes PyTorch refuses.
    The op's kernel for ``chainrule.compile`` is the same array function.
    """
    saved_spec = {"self": True, "result": OUTPUT, None: None}[saves]
    rejects = rejects or {}
    node_class.elementwise = True  # a pointwise function: its vjp serves forward mode as well
    by_name = isinstance(array_fn, str)
    numpy_fn = getattr(NUMPY, array_fn) if by_name else array_fn
    if not by_name:
        ELEMENTWISE.add(array_fn)

    def function_for(x):
        return getattr(namespace_of(x), array_fn) if by_name else array_fn

    def op(input, *, out=None):
        try:
            x = input._data
        except AttributeError:
            raise argument_type_error(name, "input", 1, "Tensor", input) from None
        if x.dtype.kind in rejects:
            reject(x, rejects)
        if float_only and x.dtype.kind not in "fc":
            x = x.astype(get_default_dtype().np)
        if saved_spec is None:
            saved = ()
        else:
            saved = (input,) if saved_spec is True else (OUTPUT,)
        fn = numpy_fn if x.__class__ is _ndarray else function_for(x)
        try:
            data = call_silently(fn, x)  # log(0), sqrt(-1), exp(1000): -inf, nan, inf silently, as in PyTorch
        except RuntimeError as error:  # the silent context may be busy (another thread is in it)
            if not busy(error):
                raise
            data = silently(fn, x)
        result = record(data, node_class, (input,), saved)
        return result if out is None else write_out(result, out, name)

    @replays(node_class)
    def kernel(out, inputs, saved, args):
        x = getattr(inputs[0], "_data", None)
        if x is None or x.dtype.kind not in "fc" or out.dtype != x.dtype:
            return None
        return Kernel(function_for(x), inputs)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` (backward node ``{node_class.__name__}``)."
    return op
