"""nn.functional linear maps, distances and attention.

``linear`` is ``addmm`` (or ``mm``/``matmul`` without a bias) exactly as PyTorch records it; the
rest are compositions of chainrule ops, plus the nodes PyTorch has of its own: the p-norm over
dims that ``pairwise_distance`` ends in (``NormBackward1``) and ``pdist`` (``PdistBackward0``).
"""

import math

from ..._array import all_true, namespace_of
from ..._dtype import promote_types
from ..._autograd import grad_mode
from ..._ops._arguments import check_tensors
from ..._ops._broadcast import broadcast_shapes
from ..._ops._op import OUTPUT, derivative, record
from ..._ops.kernel_dtypes import check_kernel
from ..._ops.arithmetic import div
from ..._ops.index_put import index_put_accumulate
from ..._ops.matmul import addmm, matmul
from ..._ops.norms import vector_norm
from ..._ops.pointwise import sign, where, zeros_like_grad
from ..._ops.reduction import expand_reduced
from ..._tensor import _wrap_dim, make_tensor
from ..._float_errors import silent_float_errors

FUNCTIONS = ["linear", "bilinear", "cosine_similarity", "pairwise_distance", "pdist", "normalize"]
METHODS = []
SIGNATURES = {
    "pdist": "Tensor input, float p = 2",
    "bilinear": "Tensor input1, Tensor input2, Tensor weight, Tensor? bias = None",
    "cosine_similarity": "Tensor x1, Tensor x2, int dim = 1, float eps = 1e-08",
    "pairwise_distance": "Tensor x1, Tensor x2, float p = 2, float eps = 1e-06, bool keepdim = False",
}


# ---------------------------------------------------------------- linear / bilinear
def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` over the last dim of an input of any rank."""
    check_tensors("linear", ("input", input), ("weight", weight), *([("bias", bias)] if bias is not None else []))
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.dim()}D and "
                           f"{weight.dim()}D")
    if bias is None:
        return matmul(input, weight.t())
    if input.dtype != weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {input.dtype.scalar_type_name} and "
                           f"{weight.dtype.scalar_type_name}")
    if input.dim() == 2:
        return addmm(bias, input, weight.t())
    lead = tuple(input.shape[:-1])
    flat = addmm(bias, input.reshape(-1, input.shape[-1]), weight.t())
    return flat.view(lead + (flat.shape[-1],))


_CPP_NAMES = {"float64": "double", "float32": "float", "float16": "c10::Half", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _check_bilinear(input1, input2, weight, bias):
    """PyTorch's refusals, in its order: dtypes, then each size against the weight's."""
    named = [("input1", input1), ("input2", input2), ("weight", weight)]
    named += [("bias", bias)] if bias is not None else []
    if len({tensor._data.dtype for _, tensor in named}) > 1:
        listed = ", ".join(f"{name}: {_CPP_NAMES.get(t._data.dtype.name, t._data.dtype.name)}" for name, t in named)
        raise RuntimeError(f"All tensors must have the same dtype, got {listed}")
    weight_shape = weight._data.shape
    for position, (name, tensor) in enumerate(named[:2], start=1):
        size = tensor._data.shape[-1] if tensor._data.ndim else None
        expected = weight_shape[_wrap_dim(position, len(weight_shape))]
        if size != expected:
            raise RuntimeError(f"bilinear(): {name} size does not match weight size: got {size} but expected "
                               f"{expected}")
    if input1._data.shape[:-1] != input2._data.shape[:-1]:
        raise RuntimeError("bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if bias is not None and bias._data.shape[-1:] != weight_shape[:1]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias._data.shape[-1:]} but "
                           f"expected {weight_shape[0]}")


def bilinear(input1, input2, weight, bias=None):
    """``x1ᵀ A x2 + b`` for every output feature, over the last dims of both inputs."""
    _check_bilinear(input1, input2, weight, bias)
    out_features, in1, in2 = weight.shape
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    mixed = matmul(x1, weight.permute(1, 0, 2).reshape(in1, out_features * in2)).reshape(-1, out_features, in2)
    result = (mixed * x2.unsqueeze(1)).sum(-1).reshape(lead + (out_features,))
    return result if bias is None else result + bias


# ---------------------------------------------------------------- p-norms and distances
@silent_float_errors
def _norm_array(x, p, dims, keepdim):
    """``‖x‖_p`` over ``dims``; float16 is computed in float32 (the caller rounds the result back), as PyTorch
    does: squares of float16 underflow, and ``pairwise_distance``'s ``eps`` would vanish."""
    xp = namespace_of(x)
    a = xp.abs(x.astype(xp.float32) if x.dtype == xp.float16 else x)
    if p == 2:
        return xp.sqrt(xp.sum(a * a, axis=dims, keepdims=keepdim))
    if p == 1:
        return xp.sum(a, axis=dims, keepdims=keepdim)
    if p == math.inf:  # over no values the largest is 0, as in PyTorch: the zeros of an empty sum
        return xp.max(a, axis=dims, keepdims=keepdim) if a.size else xp.sum(a, axis=dims, keepdims=keepdim)
    if p == -math.inf:
        return xp.min(a, axis=dims, keepdims=keepdim)
    if p == 0:
        return xp.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
    return xp.sum(a ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)


def _norm_grad(grad_of_norm, self, result, p, dims, keepdim):
    shape = tuple(self.shape)
    grad = expand_reduced(grad_of_norm, shape, dims, keepdim)
    if p == 0:
        return zeros_like_grad(grad, self)
    if p == 1:
        return sign(self) * grad
    if p in (math.inf, -math.inf):
        hits = (self.abs() == expand_reduced(result, shape, dims, keepdim)).to(self.dtype)
        count = expand_reduced(hits.sum(dims, keepdim=True), shape, dims, True)
        return sign(self) * hits * grad / count
    is_zero = result == 0  # the scale of each norm's gradient, found before it is spread over its elements
    safe_norm = where(is_zero, 1.0, result)
    if p == 2:
        return self * expand_reduced(where(is_zero, 0.0, grad_of_norm / safe_norm), shape, dims, keepdim)
    scale = where(is_zero, 0.0, grad_of_norm / safe_norm ** (p - 1))
    power = self.abs() ** (p - 1)
    if p < 1:  # a zero element's power is infinite; PyTorch's gradient there is 0
        power = where(self == 0, 0.0, power)
    return sign(self) * power * expand_reduced(scale, shape, dims, keepdim)


NormBackward1 = derivative("NormBackward1", _norm_grad, saves="self result")


@silent_float_errors
def _p_norm(input, p, dims, keepdim):
    """``‖input‖_p`` over ``dims``; the gradient of a zero norm is zero, not nan."""
    x = input._data
    return record(_norm_array(x, p, dims, keepdim).astype(x.dtype, copy=False), NormBackward1, (input,),
                  (input, OUTPUT), (p, dims, keepdim))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``‖x1 - x2 + eps‖_p`` over the last dim (``eps`` keeps the gradient finite at equal points)."""
    check_tensors("pairwise_distance", ("x1", x1), ("x2", x2))
    ndim = max(x1.dim(), x2.dim())
    difference, dims = x1 - x2 + eps, (ndim - 1,) if ndim else ()
    if difference._data.dtype.kind == "c":  # a real distance, by the norm that knows complex numbers
        return vector_norm(difference, p, dims, keepdim)
    return _p_norm(difference, p, dims, keepdim)


def _pdist_grad(grad, self, result, p):
    """Each pair's gradient added to its first row and taken from its second: with chainrule ops when the
    backward builds a graph (for the second derivative), else on arrays, block by block."""
    if not grad_mode._state.enabled:
        return make_tensor(_pdist_grad_array(grad._data, self._data, result._data, p))
    first, second = _pairs(namespace_of(self._data), self.shape[0])
    differences = self[make_tensor(first)] - self[make_tensor(second)]
    pair_grad = _norm_grad(grad, differences, result, p, (1,), False)
    shape = tuple(self.shape)
    return index_put_accumulate(pair_grad, shape, (first,)) - index_put_accumulate(pair_grad, shape, (second,))


PdistBackward0 = derivative("PdistBackward0", _pdist_grad, saves="self result")


def _pairs(xp, rows):
    """``(first, second)``: the row pairs ``i < j`` in row-major order (``triu_indices``, without its mask)."""
    counts = xp.arange(rows - 1, -1, -1)
    first = xp.repeat(xp.arange(rows), counts)
    starts = xp.cumsum(counts) - counts
    second = xp.arange(first.size) - xp.repeat(starts, counts) + first + 1
    return first, second


# The pairs' differences are computed a block of rows at a time, each row of the block against every row
# after the block's first (the few pairs j <= i this adds are dropped): a block's differences stay in the
# cache through the passes that reduce them, where all the pairs' at once would go through memory each time.
_BLOCK_DIFFERENCES = 1 << 18


def _row_blocks(xp, rows, width):
    """``(start, stop, upper)`` for blocks of rows: ``upper`` marks the block's entries that are pairs i < j."""
    start = 0
    while start < rows - 1:
        stop = min(rows - 1, start + max(1, _BLOCK_DIFFERENCES // max((rows - start - 1) * width, 1)))
        yield start, stop, xp.arange(start + 1, rows)[None, :] > xp.arange(start, stop)[:, None]
        start = stop


def _block_differences(x, start, stop):
    """``x[i] - x[j]`` for the rows i of the block and every row j after its first: (block, rows after, width)."""
    return x[start:stop, None, :] - x[None, start + 1:, :]


@silent_float_errors
def _pdist_array(x, p):
    xp = namespace_of(x)
    distances = [_norm_array(_block_differences(x, start, stop), p, (2,), False)[upper]
                 for start, stop, upper in _row_blocks(xp, *x.shape)]
    return (xp.concatenate(distances) if distances else xp.zeros(0)).astype(x.dtype, copy=False)


@silent_float_errors
def _pdist_grad_array(grad, x, distances, p):
    xp = namespace_of(x)
    out = xp.zeros(x.shape, dtype=grad.dtype)
    # a dropped pair gets a zero gradient, which its difference keeps zero unless it is infinite (or p makes
    # an infinity of it, or a 0 / 0 of the max norm's ties)
    dropped_stay_zero = p in (1, 2) and all_true(xp.isfinite(x))
    done = 0
    for start, stop, upper in _row_blocks(xp, *x.shape):
        pairs = int(upper.sum())
        block_grad = xp.zeros(upper.shape, dtype=grad.dtype)
        block_grad[upper] = grad[done:done + pairs]
        block_norm = xp.ones(upper.shape, dtype=distances.dtype)
        block_norm[upper] = distances[done:done + pairs]
        done += pairs
        pair_grad = _norm_grad(make_tensor(block_grad), make_tensor(_block_differences(x, start, stop)),
                               make_tensor(block_norm), p, (2,), False)._data
        if not dropped_stay_zero:
            pair_grad = xp.where(upper[..., None], pair_grad, 0)
        out[start:stop] += pair_grad.sum(1)
        out[start + 1:] -= pair_grad.sum(0)
    return out


@silent_float_errors
def pdist(input, p=2):
    """The p-norm distance between every pair of rows ``i < j``, in row-major order of the pairs."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.is_floating_point():
        raise RuntimeError("pdist only supports floating-point dtypes")
    check_kernel("pdist", input._data)
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return record(_pdist_array(input._data, p), PdistBackward0, (input,), (input, OUTPUT), (p,))


def _clamped_norm(x, dim, eps):
    """The 2-norm over ``dim``, raised to ``eps`` without recording it: the gradient sees the raw norm."""
    norm = vector_norm(x, 2, dim, keepdim=True).clone()
    with grad_mode.no_grad():
        norm.clamp_min_(eps)
    return norm


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``; each is normalised first, so it stays in [-1, 1]."""
    check_tensors("cosine_similarity", ("x1", x1), ("x2", x2))
    common = promote_types(x1.dtype, x2.dtype)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{common.scalar_type_name}")
    x1, x2 = x1.to(common), x2.to(common)  # an integer tensor beside a float one: in the float dtype
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    dim = _wrap_dim(dim, len(shape))
    return ((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps))).sum(dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input`` divided by its p-norm over ``dim``, which is held at least ``eps``."""
    if out is None:
        return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return div(input, input.norm(p, dim, keepdim=True).clamp_min_(eps).expand_as(input), out=out)
