"""Diagonals and triangles: views onto a matrix's diagonal, matrices built from one, and triangular masks."""

from .._array import namespace_of
from .._tensor import _wrap_dim
from ._arguments import int_argument, not_a_tensor
from ._kernel import Kernel, replays
from ._op import derivative, record
from .pointwise_base import no_kernel_error, write_out
from .shape import record_view, writeable
from .._float_errors import silent_float_errors

__all__ = ["diagonal", "diag_embed", "diag", "trace", "tril", "triu", "diagonal_backward"]

FUNCTIONS = METHODS = ["diagonal", "diag_embed", "diag", "trace", "tril", "triu"]
# PyTorch's signatures, asked when a call fails (a tensor offset is refused before the input's dims are read)
SIGNATURES = {
    "diagonal": "Tensor input, int offset = 0, int dim1 = 0, int dim2 = 1",
    "diag_embed": "Tensor input, int offset = 0, int dim1 = -2, int dim2 = -1",
    "diag": "Tensor input, int diagonal = 0, *, Tensor? out = None",
}

def _diagonal_array(x, offset, dim1, dim2):
    """The diagonal of ``x`` as a view as writeable as ``x`` (NumPy hands it out read-only)."""
    d = x.diagonal(offset, dim1, dim2)
    if writeable(x) and not writeable(d):
        d.flags.writeable = True
    return d


def _diagonal_dims(ndim, dim1, dim2):
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def _diagonal_grad(grad, shape, offset, dim1, dim2):
    return diagonal_backward(grad, shape, offset, dim1, dim2)


def _diagonal_backward_grad(grad, shape, offset, dim1, dim2):
    return grad.diagonal(offset, dim1, dim2)


def _diag_embed_grad(grad, offset, dim1, dim2):
    return grad.diagonal(offset, dim1, dim2)


def _trace_grad(grad, shape):
    return diagonal_backward(grad.expand(min(shape)), shape, 0, 0, 1)


def _tril_grad(grad, diagonal):
    return grad.tril(diagonal)


def _triu_grad(grad, diagonal):
    return grad.triu(diagonal)


DiagonalBackward0 = derivative("DiagonalBackward0", _diagonal_grad)
DiagonalBackwardCopy = derivative("DiagonalBackward0_copy", _diagonal_grad)
DiagonalBackwardBackward0 = derivative("DiagonalBackwardBackward0", _diagonal_backward_grad)
DiagEmbedBackward0 = derivative("DiagEmbedBackward0", _diag_embed_grad)
TraceBackward0 = derivative("TraceBackward0", _trace_grad)
TrilBackward0 = derivative("TrilBackward0", _tril_grad)
TriuBackward0 = derivative("TriuBackward0", _triu_grad)


def diagonal(input, offset=0, dim1=0, dim2=1):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("diagonal", ("input", input)) from None
    d1, d2 = _diagonal_dims(x.ndim, dim1, dim2)
    return record_view(_diagonal_array(x, offset, d1, d2), DiagonalBackward0, input, (x.shape, offset, d1, d2))


def diagonal_backward(grad, shape, offset, dim1, dim2):
    """Zeros of ``shape`` with ``grad`` on the diagonal: the gradient of ``diagonal``."""
    g = grad._data
    out = namespace_of(g).zeros(shape, dtype=g.dtype)
    _diagonal_array(out, offset, dim1, dim2)[...] = g
    return record(out, DiagonalBackwardBackward0, (grad,), (), (shape, offset, dim1, dim2))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Square matrices (in ``dim1``, ``dim2``) holding ``input``'s last dim on a diagonal."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("diag_embed", ("input", input)) from None
    d1, d2 = _diagonal_dims(x.ndim + 1, dim1, dim2)
    n = (x.shape[-1] if x.ndim else 1) + abs(offset)
    shape = list(x.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, n)
    out = namespace_of(x).zeros(shape, dtype=x.dtype)
    _diagonal_array(out, offset, d1, d2)[...] = x
    return record(out, DiagEmbedBackward0, (input,), (), (offset, d1, d2))


def diag(input, diagonal=0, *, out=None):
    """A 1-d input becomes a diagonal matrix; a matrix gives a copy of its diagonal."""
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("diag", ("input", input)) from None
    if x.ndim == 1:
        result = diag_embed(input, diagonal, 0, 1)
    elif x.ndim == 2:
        d = x.diagonal(diagonal).copy()
        result = record(d, DiagonalBackwardCopy, (input,), (), (x.shape, diagonal, 0, 1))
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    return result if out is None else write_out(result, out, "diag")


@silent_float_errors
def trace(input):
    try:
        x = input._data
    except AttributeError:
        raise not_a_tensor("trace", ("input", input)) from None
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.dtype.kind == "b":
        raise no_kernel_error("trace", x.dtype)
    xp = namespace_of(x)
    total = xp.trace(x)
    if x.dtype.kind in "biu":
        total = xp.asarray(total, dtype=xp.int64)
    return record(xp.asarray(total, dtype=total.dtype), TraceBackward0, (input,), (), (x.shape,))


def _triangle(name, node_class):
    """``tril`` or ``triu`` (``name`` is also the namespace function's)."""
    def op(input, diagonal=0, *, out=None):
        try:
            x = input._data
        except AttributeError:
            raise not_a_tensor(name, ("input", input)) from None
        diagonal = int_argument(name, "diagonal", 2, diagonal)
        if x.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        result = record(getattr(namespace_of(x), name)(x, diagonal), node_class, (input,), (), (diagonal,))
        return result if out is None else write_out(result, out, name)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The {'lower' if name == 'tril' else 'upper'} triangle of the last two dims; zeros elsewhere."
    return op


tril = _triangle("tril", TrilBackward0)
triu = _triangle("triu", TriuBackward0)


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(TrilBackward0)
def _tril_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).tril, (inputs[0], args[0]))


@replays(TriuBackward0)
def _triu_kernel(out, inputs, saved, args):
    return Kernel(namespace_of(out).triu, (inputs[0], args[0]))
