"""Scans along one dim: ``cumsum cumprod cummax cummin logcumsumexp``.

Their gradients are reversed scans: what reaches ``input[i]`` comes from every output at or after
``i``. ``cumprod`` stays exact where the input has zeros (no division by them), and
``logcumsumexp`` works in log space so large inputs stay finite.
"""

from .._array import any_true, namespace_of
from .._dtype import to_dtype
from .._tensor import _wrap_dim, make_tensor
from .._autograd import grad_mode
from ..return_types import cummax as cummax_type
from ..return_types import cummin as cummin_type
from ._along_dim import reverse_cumsum, scatter_along, shift, zeros_of
from ._arguments import not_a_tensor
from ._op import OUTPUT, conjugate, derivative, record
from .pointwise import where
from .pointwise_numbers import complex_logaddexp
from .pointwise_base import no_kernel_error, write_out
from .._float_errors import silent_float_errors

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"]

_grad_state = grad_mode._state


def _scan_dim(dim, ndim):
    """The dim a scan runs along; a 0-d input accepts 0 and -1 and has nothing to scan."""
    wrapped = _wrap_dim(dim, ndim)
    return wrapped if ndim else 0


def _int_promoted(xp, x, dtype):
    """The dtype a sum-like scan produces: ``dtype``, or int64 for bool and integer inputs."""
    if dtype is not None:
        return to_dtype(dtype).np
    return xp.int64 if x.dtype.kind in "biu" else x.dtype


_STEPS = {"cumsum": "add", "cumprod": "multiply"}


@silent_float_errors
def _accumulate(name, x, dim, dtype):
    """``cumsum`` or ``cumprod`` (``name``, the namespace function's) of ``x`` along ``dim`` in ``dtype``."""
    if x.ndim == 0:
        return x.astype(dtype, copy=True)
    xp = namespace_of(x)
    compute = xp.float32 if dtype == xp.float16 else dtype
    length = x.shape[dim]
    real = x.dtype.kind in "biuf" and xp.dtype(compute).kind in "biuf"
    if 1 < length and 4 * length * length <= x.size and real and x.flags.c_contiguous:
        result = _scan_by_slices(getattr(xp, _STEPS[name]), x, dim, compute)
    else:
        result = getattr(xp, name)(x, axis=dim, dtype=compute)
    return result.astype(xp.float16) if dtype == xp.float16 else result


def _scan_by_slices(step, x, dim, dtype):
    """The running ``step`` (``add``, ``multiply``) along a short ``dim``, one call per position over the whole
    slice: NumPy's ``cumsum`` steps element by element through every line along ``dim``, some 7 ns an
    element. The same operations in the same order give the same bits (real dtypes only: a complex
    product's rounding may depend on the loop NumPy picks). ``x`` is C-contiguous, as cumsum's result then is."""
    result = namespace_of(x).empty(x.shape, dtype=dtype)
    done, steps = result.swapaxes(0, dim), x.swapaxes(0, dim)
    done[0] = steps[0]
    for i in range(1, len(steps)):
        step(done[i - 1], steps[i], out=done[i], dtype=dtype, casting="unsafe")
    return result


# ---------------------------------------------------------------- cumsum / cumprod
def _cumsum_grad(grad, dim):
    if grad.numel() <= 1 or grad.shape[dim] == 1:
        return grad  # nothing to add up: PyTorch hands the gradient back itself
    return reverse_cumsum(grad, dim)


def _cumprod_grad(grad, input, result, dim):
    """Without zeros: the reversed cumsum of ``grad * result`` over ``input``. With zeros, no division.
    (Complex factors enter conjugated, as in every product's gradient.)"""
    if input.ndim == 0:
        return grad
    input, result = conjugate(input), conjugate(result)
    if not any_true(input._data == 0):
        return reverse_cumsum(grad * result, dim) / input
    if _grad_state.enabled:
        return _cumprod_grad_differentiable(grad, input, dim)
    return _cumprod_grad_with_zeros(grad, input, result, dim)


def _cumprod_grad_with_zeros(grad, input, result, dim):
    """Exact first derivative. Before the first zero of a slice the plain formula holds; at the first
    zero, the same sum with that zero taken as 1; after it every output holds the zero, so 0."""
    zeros = input == 0
    zeros_so_far = zeros.cumsum(dim)
    before = zeros_so_far == 0
    first_zero = zeros & (zeros_so_far == 1)
    normal = reverse_cumsum(grad * result, dim) / where(before, input, 1.0)
    at_first_zero = reverse_cumsum(grad * where(first_zero, 1.0, input).cumprod(dim), dim)
    return where(before, normal, where(first_zero, at_first_zero, 0.0))


def _cumprod_grad_differentiable(grad, input, dim):
    """``grad[k] = before[k] * sum_{m >= k} grad[m] * prod(input[k+1:m+1])``, every product formed
    explicitly (n x n per slice) so that its own derivative is right too (``create_graph``)."""
    last = input.ndim - 1
    x, g = input.transpose(dim, last), grad.transpose(dim, last)
    n = x.shape[-1]
    xp = namespace_of(input._data)
    later = make_tensor(xp.triu(xp.ones((n, n), dtype=xp.bool_), 1))
    at_or_after = make_tensor(xp.triu(xp.ones((n, n), dtype=xp.bool_)))
    between = where(later, x.unsqueeze(-2), 1.0).cumprod(last + 1)
    following = where(at_or_after, g.unsqueeze(-2) * between, 0.0).sum(last + 1)
    before = shift(x.cumprod(last), last, 1, 1.0)
    return (before * following).transpose(dim, last)


CumsumBackward0 = derivative("CumsumBackward0", _cumsum_grad)
CumprodBackward0 = derivative("CumprodBackward0", _cumprod_grad, saves="self result")


def cumsum(input, dim, *, dtype=None, out=None):
    """Running sums along ``dim``; bool and integer inputs sum in int64."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("cumsum", ("input", input)) from None
    dim = _scan_dim(dim, x.ndim)
    result = _accumulate("cumsum", x, dim, _int_promoted(namespace_of(x), x, dtype))
    return write_out(record(result, CumsumBackward0, (input,), (), (dim,)), out, "cumsum")


def cumprod(input, dim, *, dtype=None, out=None):
    """Running products along ``dim``; bool and integer inputs multiply in int64."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("cumprod", ("input", input)) from None
    dim = _scan_dim(dim, x.ndim)
    result = _accumulate("cumprod", x, dim, _int_promoted(namespace_of(x), x, dtype))
    return write_out(record(result, CumprodBackward0, (input,), (input, OUTPUT), (dim,)), out, "cumprod")


# ---------------------------------------------------------------- cummax / cummin
def _cumulative_extreme_grad(grad, indices, dim, shape):
    """Each output's gradient added at the position its value came from (PyTorch's scatter-add into zeros)."""
    return scatter_along(zeros_of(shape, grad), dim, indices, grad, accumulate=True)


CummaxBackward0 = derivative("CummaxBackward0", _cumulative_extreme_grad)
CumminBackward0 = derivative("CumminBackward0", _cumulative_extreme_grad)


def _cumulative_extreme(input, dim, name, node, result_type):
    """Running max/min (``name``: ``"maximum"`` or ``"minimum"``) and where it was last reached; a nan,
    once seen, is the value from then on."""
    function = "cummax" if name == "maximum" else "cummin"
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor(function, ("input", input)) from None
    if x.dtype.kind == "c" and x.ndim and x.size:  # PyTorch's kernel runs (and refuses) only with work to do
        raise no_kernel_error(f"{function}_cpu", x.dtype)
    xp = namespace_of(x)
    dim = _scan_dim(dim, x.ndim)
    if x.ndim == 0:
        values, indices = x.copy(), xp.zeros((), dtype=xp.int64)
    else:
        values = getattr(xp, name).accumulate(x, axis=dim)
        reached = (x == values) | (xp.isnan(x) if x.dtype.kind in "fc" else False)
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        positions = xp.arange(x.shape[dim], dtype=xp.int64).reshape(shape)
        indices = xp.maximum.accumulate(xp.where(reached, positions, 0), axis=dim)
        if x.dtype.kind == "f" and any_true(values == 0):
            # PyTorch copies the element itself: a running extreme of 0 and -0 is whichever came last (ties
            # of other values are the same number, so only zeros need the copy)
            values = xp.take_along_axis(x, indices, axis=dim)
    out_values = record(values, node, (input,), (), (indices, dim, x.shape))
    return result_type((out_values, make_tensor(indices)))


def cummax(input, dim, *, out=None):
    """Running maximum along ``dim`` with the index where it was last reached."""
    return write_out(_cumulative_extreme(input, dim, "maximum", CummaxBackward0, cummax_type), out, "cummax")


def cummin(input, dim, *, out=None):
    """Running minimum along ``dim`` with the index where it was last reached."""
    return write_out(_cumulative_extreme(input, dim, "minimum", CumminBackward0, cummin_type), out, "cummin")


# ---------------------------------------------------------------- logcumsumexp
def _logcumsumexp_grad(grad, input, result, dim):
    """``sum_{j >= i} grad[j] * exp(input[i] - result[j])``, as a reversed cumsum.

    Both exponentials are shifted by the largest result (a constant), which keeps them in range for
    inputs of any size, and the formula stays an ordinary differentiable expression.
    """
    if result.numel() == 0 or result.dim() == 0:  # 0-d: the identity (PyTorch passes inf and NaN on too)
        return grad
    top = result.detach().real.amax()
    top = where(top.isfinite(), top, 0.0)
    # + 0.0 turns an exact -0. into +0., the zero PyTorch's log-space formula produces
    return conjugate((input - top).exp()) * reverse_cumsum(grad * conjugate((top - result).exp()), dim) + 0.0


LogcumsumexpBackward0 = derivative("LogcumsumexpBackward0", _logcumsumexp_grad, saves="self result")


def _complex_logcumsumexp(x, dim):
    """The running ``logaddexp`` of complex ``x`` along ``dim``, a position at a time (no complex ufunc)."""
    result = x.copy()
    moved = namespace_of(x).moveaxis(result, dim, 0)
    for i in range(1, moved.shape[0]):
        moved[i] = complex_logaddexp(moved[i - 1], moved[i])
    return result


@silent_float_errors
def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input)))`` along ``dim``, computed pairwise so it never overflows."""
    x = input._data
    if x.dtype.kind not in "fc":
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{input.dtype.scalar_type_name}\'')
    dim = _scan_dim(dim, x.ndim)
    if x.ndim == 0:
        result = x.copy()
    elif x.dtype.kind == "c":
        result = _complex_logcumsumexp(x, dim)
    else:
        result = namespace_of(x).logaddexp.accumulate(x, axis=dim)
    return write_out(record(result, LogcumsumexpBackward0, (input,), (input, OUTPUT), (dim,)), out, "logcumsumexp")
