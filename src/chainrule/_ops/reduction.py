"""Reductions: sums, means, products, variances, ``logsumexp`` and the boolean reductions.

Every reduction takes ``dim`` (an int, a sequence, or None for all dims) and ``keepdim``; its
rule broadcasts the gradient back over the reduced dims (``expand_reduced``). Norms, scans and
the order-based reductions live in their own modules and are registered from here and from
``sorting``.
"""

import functools
import math
import warnings

from .._array import NUMPY, all_true, any_true, as_array, namespace_of
from .._dtype import get_default_dtype, to_dtype
from .._errors import argument_type_error
from .._tensor import Tensor, make_tensor
from .._autograd import grad_mode
from ._along_dim import expand_reduced, normalize_dims, reduced_count, reduction_dims, shift
from ._kernel import Kernel, replays
from ._arguments import ALL, not_a_tensor
from ._op import OUTPUT, conjugate, derivative, record, record_multi
from .cumulative import cummax, cummin, cumprod, cumsum, logcumsumexp
from .norms import norm, vector_norm
from .pointwise import where, zeros_like_grad
from .pointwise_compare import isnan, logical_not
from .inplace import make_inplace
from .pointwise_base import no_kernel_error, write_out
from .._float_errors import silent_float_errors

__all__ = ["sum", "mean", "nansum", "nanmean", "prod", "var", "std", "var_mean", "std_mean", "logsumexp", "all",
           "any", "count_nonzero", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "norm", "vector_norm",
           "normalize_dims", "expand_reduced", "reduction_dims"]

_grad_state = grad_mode._state
_NUMPY = NUMPY
_ndarray = NUMPY.ndarray

FUNCTIONS = [name for name in __all__[:-3] if name != "vector_norm"]  # vector_norm lives in chainrule.linalg
METHODS = [name for name in FUNCTIONS if name not in ("var_mean", "std_mean")]


def _scan_in_place(function, name):
    """``cumsum_``/``cumprod_``: PyTorch scans in the tensor's own dtype, for which it has no bool kernel (a 0-d
    or empty tensor needs none)."""
    generic = make_inplace(function, name)

    def in_place(self, dim, *, dtype=None):
        if dtype is None and isinstance(self, Tensor):
            if self._data.dtype.kind == "b" and self._data.ndim and self._data.size:
                raise no_kernel_error(f"{name}_out_cpu", self._data.dtype)
            dtype = self.dtype
        return generic(self, dim, dtype=dtype)

    in_place.__name__ = in_place.__qualname__ = name + "_"
    in_place.__doc__ = generic.__doc__
    return in_place


METHOD_FORMS = {"cumsum_": _scan_in_place(cumsum, "cumsum"), "cumprod_": _scan_in_place(cumprod, "cumprod")}
_DTYPE_OUT = "*, ScalarType? dtype = None, Tensor? out = None"
# PyTorch's signatures, asked when a call fails (a tensor where a dim belongs is refused before the input's dtype)
SIGNATURES = {
    "mean": (f"Tensor input, {_DTYPE_OUT}", f"Tensor input, int[1]? dim, bool keepdim = False, {_DTYPE_OUT}"),
    "nansum": f"Tensor input, int[1]? dim = None, bool keepdim = False, {_DTYPE_OUT}",
    "nanmean": f"Tensor input, int[1]? dim = None, bool keepdim = False, {_DTYPE_OUT}",
    "cummax": "Tensor input, int dim, *, Tensor[]? out = None",
    "cummin": "Tensor input, int dim, *, Tensor[]? out = None",
    "logcumsumexp": "Tensor input, int dim, *, Tensor? out = None",
}


def _accumulator(xp, x):
    """float16 sums accumulate in float32, as PyTorch does."""
    return xp.float32 if x.dtype == xp.float16 else None


# ---------------------------------------------------------------- sum / mean / nansum / nanmean
def _sum_grad(grad, shape, dims, keepdim):
    return expand_reduced(grad, shape, dims, keepdim)


def _mean_grad(grad, shape, dims, keepdim, count):
    return expand_reduced(grad, shape, dims, keepdim) / count


def _nansum_grad(grad, input, dims, keepdim):
    return expand_reduced(grad, input.shape, dims, keepdim) * logical_not(isnan(input))


SumBackward0 = derivative("SumBackward0", _sum_grad)
SumBackward1 = derivative("SumBackward1", _sum_grad)
MeanBackward0 = derivative("MeanBackward0", _mean_grad)
MeanBackward1 = derivative("MeanBackward1", _mean_grad)
NansumBackward0 = derivative("NansumBackward0", _nansum_grad, saves="self")


def _sum_dtype(xp, x, dtype):
    if dtype is not None:
        return to_dtype(dtype).np
    if x.dtype.kind in "biu":
        return xp.int64
    return None


@silent_float_errors
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of all elements, or over ``dim``; bool and integer inputs sum in int64."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("sum", ("input", input)) from None
    if x.__class__ is _ndarray:
        xp, add_up = _NUMPY, _add_reduce
    else:
        xp = namespace_of(x)
        add_up = functools.partial(_sum_in, xp)
    d = _sum_dtype(xp, x, dtype)
    half = x.dtype == xp.float16 and d is None
    if dim is None:
        result = add_up(x, None, xp.float32).astype(xp.float16) if half else add_up(x, None, d)
        result = record(result, SumBackward0, (input,), (), (x.shape, tuple(range(x.ndim)), False))
    else:
        dims = reduction_dims(dim, x.ndim)
        if half:
            result = add_up(x, dims, xp.float32, None, keepdim).astype(xp.float16)
        else:
            result = add_up(x, dims, d, None, keepdim)
        result = record(result, SumBackward1, (input,), (), (x.shape, dims, keepdim))
    return write_out(result, out, "sum")


_add_reduce = _NUMPY.add.reduce  # what ``numpy.sum`` calls for an ndarray, without its Python layers


def _sum_in(xp, x, axis, dtype, out=None, keepdims=False):
    """``_add_reduce``'s signature for another array library."""
    return xp.sum(x, axis=axis, dtype=dtype, keepdims=keepdims)


@silent_float_errors
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean; integer inputs raise as in PyTorch (pass ``dtype`` to convert)."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("mean", ("input", input)) from None
    xp = _NUMPY if x.__class__ is _ndarray else namespace_of(x)
    if dtype is not None:
        x = x.astype(to_dtype(dtype).np)
    elif x.dtype.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.scalar_type_name}")
    acc = _accumulator(xp, x)
    if dim is None:
        result = xp.mean(x, dtype=acc) if x.size else xp.asarray(math.nan, dtype=x.dtype)
        if acc is not None:
            result = result.astype(x.dtype)
        result = record(result, MeanBackward0, (input,), (), (x.shape, tuple(range(x.ndim)), False, max(x.size, 1)))
        return write_out(result, out, "mean")
    dims = reduction_dims(dim, x.ndim)
    with xp.errstate(invalid="ignore", divide="ignore"):
        result = xp.mean(x, axis=dims, keepdims=keepdim, dtype=acc)
    if acc is not None:
        result = result.astype(x.dtype)
    result = record(result, MeanBackward1, (input,), (), (x.shape, dims, keepdim, reduced_count(x.shape, dims)))
    return write_out(result, out, "mean")


_NANSUM_COMPLEX = "nansum on CPU does not support complex inputs"


@silent_float_errors
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating nan as zero."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("nansum", ("input", input)) from None
    if x.dtype.kind == "c":
        raise RuntimeError(_NANSUM_COMPLEX)
    xp = namespace_of(x)
    dims = reduction_dims(dim, x.ndim)
    d = _sum_dtype(xp, x, dtype)
    acc = _accumulator(xp, x) if d is None else d
    result = xp.nansum(x, axis=dims, keepdims=keepdim, dtype=acc).astype(d or x.dtype, copy=False)
    return write_out(record(result, NansumBackward0, (input,), (input,), (dims, keepdim)), out, "nansum")


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of the non-nan elements (recorded as a sum divided by a count, as in PyTorch)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor("nanmean", ("input", input))
    if input._data.dtype.kind == "c":
        raise RuntimeError(_NANSUM_COMPLEX)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype.scalar_type_name}")
    counted = logical_not(isnan(input)).sum(dim, keepdim)
    return write_out(nansum(input, dim, keepdim, dtype=dtype) / counted, out, "nanmean")


# ---------------------------------------------------------------- prod
def _prod_grad(grad, input, result, dim, keepdim):
    """The (conjugated) product of the other elements; exact where the input has zeros (no division by them)."""
    if dim is None:
        if input.ndim == 0:
            return grad
        if not _grad_state.enabled and all_true((input._data == 0).sum() > 1):
            return zeros_like_grad(input, input)  # every product of the others holds a zero
        flat_grad = _prod_grad(grad.reshape(1), input.reshape(-1), result.reshape(1), 0, True)
        return flat_grad.reshape(input.shape)
    grad = expand_reduced(grad, input.shape, (dim,), keepdim)
    if not any_true(input._data == 0):
        return grad * conjugate(expand_reduced(result, input.shape, (dim,), keepdim) / input)
    return grad * conjugate(_product_of_others(input, dim))


def _product_of_others(input, dim):
    """``prod(input[j] for j != i)`` along ``dim``: the exclusive running products from both ends."""
    before = shift(input.cumprod(dim), dim, 1, 1.0)
    after = shift(input.flip(dim).cumprod(dim), dim, 1, 1.0).flip(dim)
    return before * after


ProdBackward0 = derivative("ProdBackward0", _prod_grad, saves="self result")
ProdBackward1 = derivative("ProdBackward1", _prod_grad, saves="self result")


def _product(xp, x, axis, keepdims, acc):
    """``xp.prod(x, axis)``, without NumPy's loop of one multiply per element along a last axis.

    NumPy multiplies along a contiguous axis one element after the other, each product waiting for the last
    (5-15x PyTorch's vectorised time). A short last axis is multiplied slice by slice, in the same order (the
    same bits); a long one in lanes, as PyTorch's kernel also does. Between the two, and for small arrays,
    the many short calls would cost more than NumPy's loop."""
    length = x.shape[-1] if x.ndim else 0
    if xp is NUMPY and x.dtype.kind in "fc" and axis == x.ndim - 1 and x.size >= _SHORT_LOOP:
        if 2 <= length <= _SLICED_PRODUCT:
            product = _sliced_product(xp, x, acc)
            return product[..., None] if keepdims else product
        if length >= 2 * _LANES:
            product = _lane_product(xp, x, acc)
            return product[..., None] if keepdims else product
    return xp.prod(x, axis=axis, keepdims=keepdims, dtype=acc)


def _sliced_product(xp, x, acc):
    product = xp.multiply(x[..., 0], x[..., 1], dtype=acc)
    for i in range(2, x.shape[-1]):
        xp.multiply(product, x[..., i], out=product)
    return product


def _lane_product(xp, x, acc):
    """Blocks of ``_LANES`` elements multiplied elementwise into one block, whose halves are then folded
    together."""
    length = x.shape[-1]
    blocks = length // _LANES
    head = x[..., :blocks * _LANES].reshape(x.shape[:-1] + (blocks, _LANES))
    product = xp.multiply.reduce(head, axis=-2, dtype=acc)
    rest = length - blocks * _LANES
    if rest:
        product[..., :rest] *= x[..., blocks * _LANES:]
    lanes = _LANES
    while lanes > 1:
        lanes //= 2
        product = product[..., :lanes] * product[..., lanes:]
    return product[..., 0]


_SHORT_LOOP = 4096  # arrays smaller than this are multiplied by NumPy's loop
_SLICED_PRODUCT = 16  # last axes up to this long are multiplied slice by slice
_LANES = 256  # last axes of twice this length or more are multiplied in blocks of this many lanes


@silent_float_errors
def prod(input, dim=ALL, keepdim=False, *, dtype=None, out=None):
    """Product of all elements, or along one ``dim``."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("prod", ("input", input)) from None
    xp = namespace_of(x)
    d = _sum_dtype(xp, x, dtype)
    acc = _accumulator(xp, x) if d is None else d
    if dim is ALL:
        result = _product(xp, x.reshape(-1), 0, False, acc).astype(d or x.dtype, copy=False)
        return write_out(record(result, ProdBackward0, (input,), (input, OUTPUT), (None, False)), out, "prod")
    if not isinstance(dim, int):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    dims = reduction_dims(dim, x.ndim)
    result = _product(xp, x, dims[0] if dims else (), keepdim, acc).astype(d or x.dtype, copy=False)
    dim = dims[0] if dims else None  # a 0-d input: its gradient is that of the full product
    return write_out(record(result, ProdBackward1, (input,), (input, OUTPUT), (dim, keepdim)), out, "prod")


# ---------------------------------------------------------------- var / std and with the mean
_VAR_SIGNATURES = (
    " * (tuple of ints dim, bool unbiased = True, bool keepdim = False)\n"
    " * (tuple of ints dim = None, *, Number correction = None, bool keepdim = False)\n"
    " * (bool unbiased = True)\n")


def _variance_args(name, input, dim, unbiased, correction):
    """(dims, correction) from PyTorch's overloads: ``var(dim, unbiased, keepdim)``, ``var(unbiased)``,
    ``var(dim, *, correction, keepdim)``."""
    if not isinstance(input, Tensor):
        raise not_a_tensor(name, ("input", input))
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got (correction="
                        f"{type(correction).__name__}, unbiased=bool, ), but expected one of:\n" + _VAR_SIGNATURES)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return reduction_dims(dim, input._data.ndim), correction


def _variance_array(name, x, dims, correction, keepdim, root=False):
    """The variance (its square root with ``root``) and the mean over ``dims`` (kept), dividing by
    ``max(n - correction, 0)``; float16 is accumulated, and rooted, in float32 and rounded once, as in PyTorch."""
    n = reduced_count(x.shape, dims)
    dof = n - correction
    if dof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    xp = namespace_of(x)
    acc = _accumulator(xp, x)
    with xp.errstate(all="ignore"):
        mean = xp.mean(x, axis=dims, keepdims=True, dtype=acc)
        centered = x - mean
        squares = xp.sum((centered * xp.conj(centered)).real, axis=dims, keepdims=keepdim, dtype=acc)
        variance = squares / xp.maximum(dof, 0)
        variance = (xp.sqrt(variance) if root else variance).astype(x.dtype.type(0).real.dtype, copy=False)
    if not keepdim:
        mean = xp.squeeze(mean, dims) if dims else mean
    return variance, mean.astype(x.dtype, copy=False), dof


def _var_grad(grad, input, dims, keepdim, dof):
    scale = 2.0 / dof if dof else float("inf")
    centered = input - input.mean(dims, keepdim=True) if dims else input - input
    return scale * expand_reduced(grad, input.shape, dims, keepdim) * centered


def _std_grad(grad, input, result, dims, keepdim, dof):
    zero = result == 0
    return _var_grad(where(zero, 0.0, grad / (2 * where(zero, 1.0, result))), input, dims, keepdim, dof)


def _var_mean_grad(grads, input, dims, keepdim, dof):
    grad_var, grad_mean = grads
    return _sum_of(None if grad_var is None else _var_grad(grad_var, input, dims, keepdim, dof),
                   _mean_part(grad_mean, input, dims, keepdim))


def _std_mean_grad(grads, input, result, dims, keepdim, dof):
    grad_std, grad_mean = grads
    return _sum_of(None if grad_std is None else _std_grad(grad_std, input, result, dims, keepdim, dof),
                   _mean_part(grad_mean, input, dims, keepdim))


def _mean_part(grad_mean, input, dims, keepdim):
    if grad_mean is None:
        return None
    return expand_reduced(grad_mean, input.shape, dims, keepdim) / reduced_count(input.shape, dims)


def _sum_of(a, b):
    if a is None:
        return b
    return a if b is None else a + b


VarBackward0 = derivative("VarBackward0", _var_grad, saves="self")
StdBackward0 = derivative("StdBackward0", _std_grad, saves="self result")
VarMeanBackward0 = derivative("VarMeanBackward0", _var_mean_grad, saves="self", outputs=2)
StdMeanBackward0 = derivative("StdMeanBackward0", _std_mean_grad, saves="self result", outputs=2)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default; ``unbiased=False`` is 0)."""
    dims, correction = _variance_args("var", input, dim, unbiased, correction)
    variance, _, dof = _variance_array("var", input._data, dims, correction, keepdim)
    return write_out(record(variance, VarBackward0, (input,), (input,), (dims, keepdim, dof)), out, "var")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation: the square root of ``var``; its gradient is 0 where it is 0."""
    dims, correction = _variance_args("std", input, dim, unbiased, correction)
    result, _, dof = _variance_array("std", input._data, dims, correction, keepdim, root=True)
    return write_out(record(result, StdBackward0, (input,), (input, OUTPUT), (dims, keepdim, dof)), out, "std")


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` in one pass."""
    dims, correction = _variance_args("var_mean", input, dim, unbiased, correction)
    variance, mean_, dof = _variance_array("var_mean", input._data, dims, correction, keepdim)
    return record_multi((variance, mean_), VarMeanBackward0, (input,), (input,), (dims, keepdim, dof))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` in one pass."""
    dims, correction = _variance_args("std_mean", input, dim, unbiased, correction)
    result, mean_, dof = _variance_array("std_mean", input._data, dims, correction, keepdim, root=True)
    return record_multi((result, mean_), StdMeanBackward0, (input,), (input, OUTPUT),
                        (dims, keepdim, dof))


# ---------------------------------------------------------------- logsumexp
def _logsumexp_grad(grad, input, result, dims, keepdim):
    shape = input.shape
    softmax = (input - expand_reduced(result, shape, dims, keepdim)).exp()
    return expand_reduced(grad, shape, dims, keepdim) * conjugate(softmax)


LogsumexpBackward0 = derivative("LogsumexpBackward0", _logsumexp_grad, saves="self result")


def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, shifted by the maximum so large inputs stay finite."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("logsumexp", ("input", input)) from None
    if dim is None:
        raise argument_type_error("logsumexp", "dim", 2, "tuple of ints", dim)
    xp = namespace_of(x)
    if x.dtype.kind in "biu":
        x = x.astype(get_default_dtype().np)
    dims = reduction_dims(dim, x.ndim)
    acc = x.astype(xp.float32) if x.dtype == xp.float16 else x
    with xp.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if acc.size:
            peak = xp.amax(acc, axis=dims, keepdims=True)
            peak = xp.where(xp.isinf(peak), 0, peak)
        else:
            peak = xp.zeros((1,) * acc.ndim, dtype=acc.dtype)
        result = xp.log(xp.sum(xp.exp(acc - peak), axis=dims, keepdims=True)) + peak
    if not keepdim:
        result = xp.squeeze(result, dims) if dims else result
    result = result.astype(x.dtype, copy=False)
    return write_out(record(result, LogsumexpBackward0, (input,), (input, OUTPUT), (dims, keepdim)), out, "logsumexp")


# ---------------------------------------------------------------- all / any / count_nonzero
def _logical_reduction(name):
    """``all`` or ``any`` (``name`` is also the namespace function's)."""
    def op(input, dim=None, keepdim=False, *, out=None):
        try:
            x = input._data
        except AttributeError:
            raise not_a_tensor(name, ("input", input)) from None
        xp = namespace_of(x)
        dims = reduction_dims(dim, x.ndim)
        result = getattr(xp, name)(x, axis=dims, keepdims=keepdim)
        if x.dtype == xp.uint8:
            result = result.astype(xp.uint8)
        return write_out(make_tensor(as_array(result)), out, name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Whether {'every' if name == 'all' else 'some'} element over ``dim`` is non-zero."
    return op


all = _logical_reduction("all")
any = _logical_reduction("any")


def count_nonzero(input, dim=None):
    """How many elements over ``dim`` are non-zero (int64)."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("count_nonzero", ("input", input)) from None
    dims = reduction_dims(dim, x.ndim)
    xp = namespace_of(x)
    return make_tensor(xp.asarray(xp.count_nonzero(x, axis=dims), dtype=xp.int64))


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
def _reduction_kernel(node_class, function_name):
    @replays(node_class)
    def kernel(out, inputs, saved, args):
        (a,) = inputs
        x = a._data
        if x.dtype.kind not in "fc" or x.dtype.itemsize == 2 or out.dtype != x.dtype:
            return None
        if function_name == "mean" and (x.dtype.kind != "f" or x.size == 0):
            return None
        xp = namespace_of(x)
        axes, keepdim = args[1], args[2]
        if len(axes) == x.ndim and not keepdim:
            return Kernel(getattr(xp, function_name), (a,))
        return Kernel(_REDUCED_OVER_AXES[function_name], (a, axes, keepdim))


def _sum_axes(x, axes, keepdim):
    return namespace_of(x).sum(x, axis=axes, keepdims=keepdim)


def _mean_axes(x, axes, keepdim):
    return namespace_of(x).mean(x, axis=axes, keepdims=keepdim)


_REDUCED_OVER_AXES = {"sum": _sum_axes, "mean": _mean_axes}
for _node in (SumBackward0, SumBackward1):
    _reduction_kernel(_node, "sum")
for _node in (MeanBackward0, MeanBackward1):
    _reduction_kernel(_node, "mean")
