"""What the distributions share: broadcasting their parameters, probabilities and logits, lazily computed
parameters, the lower triangle of a matrix as a vector, and the few shape and dtype facts they need.

Draws happen through the ops (``empty(...).normal_()``, ``rand``), in the order PyTorch's distributions
make them, so that one seed gives PyTorch's samples.
"""

import functools
import numbers

from .._array import NUMPY, SCALAR_TYPES
from .._autograd.grad_mode import enable_grad
from .._ops import _broadcast
from .._creation import arange, empty, full, tensor
from .._dtype import int64
from .._ops.joining import cat
from .._ops.pointwise import where
from .._dtype import get_default_dtype
from .._size import Size
from .._tensor import Tensor

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant"]

euler_constant = 0.57721566490153286060  # the Euler-Mascheroni constant

_NUMBER = (numbers.Number, SCALAR_TYPES)


def is_number(value):
    """A Python or NumPy number, not a tensor (PyTorch keeps a scalar-only distribution's batch shape empty)."""
    return isinstance(value, _NUMBER) and not isinstance(value, Tensor)


def finfo(dtype):
    """eps, tiny (smallest normal) and max of a floating dtype, as ``torch.finfo`` gives them."""
    return NUMPY.finfo(dtype.np)


def broadcast_shapes(*shapes):
    """The common shape of ``shapes`` (``torch.broadcast_shapes``), with its error naming the first
    argument that conflicts with the shape built from those before it."""
    result = [1] * max((len(shape) for shape in shapes), default=0)
    for index, shape in enumerate(shapes):
        for dim in range(-1, -len(shape) - 1, -1):
            if shape[dim] == 1 or shape[dim] == result[dim]:
                continue
            if result[dim] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[dim]} at {dim}! Mismatching "
                                   f"argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {result}")
            result[dim] = shape[dim]
    return Size(result)


def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common shape (``torch.broadcast_tensors``), with the error
    of an elementwise op for shapes that do not broadcast."""
    shape = Size(_broadcast.broadcast_shapes(*(tuple(t.shape) for t in tensors)))
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


def broadcast_all(*values):
    """Tensors of one broadcast shape from tensors and numbers; numbers take the dtype of the first tensor
    (or the default dtype when all are numbers)."""
    if not all(isinstance(v, Tensor) or is_number(v) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "chainrule.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        dtype = next((v.dtype for v in values if isinstance(v, Tensor)), get_default_dtype())
        values = [v if isinstance(v, Tensor) else tensor(v, dtype=dtype) for v in values]
    return broadcast_tensors(*values)


def standard_normal(shape, dtype, device=None):
    """Standard normal draws of ``shape``: ``empty(shape).normal_()``, PyTorch's draw for reparameterised noise."""
    return empty(shape, dtype=dtype, device=device).normal_()


def sum_rightmost(value, dim):
    """Sum the last ``dim`` dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Probabilities from logits: a sigmoid for a binary variable, else a softmax over the last dimension."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(dim=-1)


def clamp_probs(probs):
    """Probabilities kept one eps away from 0 and 1, so their logs stay finite."""
    eps = float(finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Logits from probabilities (clamped first): log-odds for a binary variable, else log probabilities."""
    clamped = clamp_probs(probs)
    if is_binary:
        return clamped.log() - (-clamped).log1p()
    return clamped.log()


# nn.functional's few functions the distributions need, as compositions of ops (nn sits above this layer).
_SOFTPLUS_THRESHOLD = 20.0


def softplus(x):
    """``log(1 + exp(x))``, and ``x`` itself above 20, as ``nn.functional.softplus`` computes it; the
    exponential's input is clamped so that the branch not taken stays finite, and so does its gradient."""
    return where(x > _SOFTPLUS_THRESHOLD, x, x.clamp(max=_SOFTPLUS_THRESHOLD).exp().log1p())


def logsigmoid(x):
    return -softplus(-x)


def binary_cross_entropy_with_logits(logits, target):
    """``-(target log sigmoid(logits) + (1 - target) log(1 - sigmoid(logits)))``, elementwise."""
    return (1 - target) * logits - logsigmoid(logits)


def one_hot(indices, num_classes):
    """int64 one-hot vectors of ``num_classes`` for integer ``indices``."""
    return (indices.unsqueeze(-1) == arange(num_classes)).to(int64)


def pad_last(x, before, after, value):
    """``x`` with ``before`` and ``after`` entries of ``value`` around its last dimension."""
    parts = [x]
    if before:
        parts.insert(0, full(x.shape[:-1] + (before,), value, dtype=x.dtype))
    if after:
        parts.append(full(x.shape[:-1] + (after,), value, dtype=x.dtype))
    return cat(parts, dim=-1)


class lazy_property:
    """A parameter computed on first use from another (``probs`` from ``logits``), then stored on the instance.

    It is computed with grad enabled, so the stored tensor stays connected to what it came from.
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, owner=None):
        if instance is None:
            return _LazyPropertyOnClass(self.wrapped)
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _LazyPropertyOnClass(lazy_property, property):
    """What the class attribute reads as: still a lazy_property, and a property for documentation tools."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def _tril_mask(n, diag):
    rows = arange(n)
    return rows < rows.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag=0):
    """The entries on and below the ``diag``-th diagonal of the last two dimensions, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of ``tril_matrix_to_vec``: a square matrix with ``vec`` on and below the ``diag``-th diagonal."""
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    if round(n) - n > finfo(vec.dtype).eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(vec.shape[:-1] + (n, n))
    mat[..., _tril_mask(n, diag)] = vec
    return mat


# The private names that code written for PyTorch imports from ``torch.distributions.utils``.
_standard_normal = standard_normal
_sum_rightmost = sum_rightmost
