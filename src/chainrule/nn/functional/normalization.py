"""Normalisation: batch, layer, group, instance, RMS and local response.

Batch, layer and group norm share one derivative. Each normalises ``x`` over some dims
(``xhat = (x - mean) * invstd``) and scales it per feature:

    grad_x = invstd * (gw - mean(gw) - xhat * mean(gw * xhat)),   gw = grad * weight

A plain backward reads the forward's mean and invstd; a backward that builds a graph recomputes
them from the saved input with chainrule ops, so every higher derivative is right. In evaluation
mode batch norm uses fixed running statistics and the rule is just ``gw * invstd``.
Running statistics are updated in place with ``momentum`` (the variance unbiased), as PyTorch does.
"""

import math
import weakref
from typing import NamedTuple

from ..._array import namespace_of
from ..._dtype import float16
from ..._errors import argument_type_error
from ..._ops._op import derivative, record
from ..._ops.copy import clone
from ..._ops._op import traced, traced_stateful
from ..._tensor import Tensor, make_tensor
from ..._autograd import grad_mode
from .pooling import avg_pool2d
from .sampling import pad
from ..._tensor import _wrap_dim
from ..._float_errors import silent_float_errors
from ..._ops._arguments import bool_argument, check_tensors
from ..._signatures import Signatures

FUNCTIONS = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm"]
METHODS = []
_BATCH_NORM = ("object input, Tensor? running_mean, Tensor? running_var, Tensor? weight = None, Tensor? bias = None, "
               "bool training = False, float momentum = 0.1, float eps = 1e-05")
SIGNATURES = {
    # F.batch_norm, instance_norm, group_norm and local_response_norm read input.size() or dim() in Python first
    "batch_norm": _BATCH_NORM,
    "instance_norm": ("object input, object running_mean = None, object running_var = None, object weight = None, "
                      "object bias = None, object use_input_stats = True, float momentum = 0.1, float eps = 1e-05"),
    "local_response_norm": "object input, object size, float alpha = 0.0001, float beta = 0.75, float k = 1.0",
    "layer_norm": "Tensor input, SymInt[] normalized_shape, Tensor? weight = None, Tensor? bias = None, "
                  "float eps = 1e-05",
    # a tensor num_groups reaches Python's ``%`` in PyTorch (a RuntimeError from bool() of many values)
    "group_norm": Signatures("group_norm", "object input, int num_groups, Tensor? weight = None, Tensor? bias = None, "
                                           "float eps = 1e-05",
                             hidden=("object input, Tensor num_groups, Tensor? weight = None, Tensor? bias = None, "
                                     "float eps = 1e-05",)),
    "rms_norm": "Tensor input, SymInt[] normalized_shape, Tensor? weight = None, float? eps = None",
}


class _Stats(NamedTuple):
    """The mean and 1/std a forward normalised with; ``fixed`` when they were given (running statistics)."""

    mean: object
    invstd: object
    fixed: bool


@silent_float_errors
def _standardize_array(x, dims, eps):
    """``(xhat, stats, var)`` of the array ``x`` over ``dims`` (zeros for an empty ``x``).

    A float16 ``x`` is standardised in float32, as PyTorch's kernels do: ``xhat`` and ``var`` stay float32
    (the caller rounds its output once), the statistics are rounded to float16.
    """
    xp = namespace_of(x)
    dtype = x.dtype
    if dtype == xp.float16:
        x = x.astype(xp.float32)
    count = max(math.prod(x.shape[d] for d in dims), 1)
    mean = _sum_kept(x, dims) / count
    centered = x - mean
    var = _sum_kept(centered * centered, dims) / count
    invstd = 1 / xp.sqrt(var + eps)
    stats = _Stats(make_tensor(mean.astype(dtype, copy=False)), make_tensor(invstd.astype(dtype, copy=False)), False)
    centered *= invstd
    return centered, stats, var


def _sum_kept(x, dims):
    """``x.sum(dims, keepdims=True)``. Over batch norm's dims (all but the channels) of a contiguous array:
    NumPy's reduction there runs a loop per run of elements between channels, which for short runs costs ten
    times the additions. Runs of 64 or more are summed run by run (pairwise, one read of ``x``), then over the
    batch; shorter ones by a float64 product with a vector of ones, rounded once."""
    xp = namespace_of(x)
    if x.ndim < 2 or dims != (0, *range(2, x.ndim)) or not x.flags.c_contiguous:
        return x.sum(dims, keepdims=True)
    kept = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if math.prod(x.shape[2:]) >= 64:
        return x.reshape(x.shape[0], x.shape[1], -1).sum(2).sum(0).reshape(kept)
    by_batch = x.reshape(x.shape[0], -1).astype(xp.float64)
    sums = (xp.ones(x.shape[0]) @ by_batch).reshape(x.shape[1], -1).sum(1)
    return sums.astype(x.dtype).reshape(kept)


def _standardize(x, dims, eps, stats):
    """``(xhat, invstd)`` for a vjp. Statistics of the input itself are recomputed with differentiable
    ops when the backward builds a graph; otherwise the forward's values serve."""
    if stats.fixed or not grad_mode._state.enabled:
        return (x - stats.mean) * stats.invstd, stats.invstd
    count = _count(x, dims)
    centered = x - x.sum(dims, keepdim=True) / count
    invstd = ((centered * centered).sum(dims, keepdim=True) / count).add(eps).sqrt().reciprocal()
    return centered * invstd, invstd


def _count(x, dims):
    return max(math.prod(x.shape[d] for d in dims), 1)


def _standardized_grad(gw, x, dims, eps, stats):
    """The gradient of ``xhat * weight`` in ``x``, given ``gw = grad * weight``. A float16 one is computed in
    float32 and rounded once, as PyTorch's backward kernels compute half precision."""
    if stats.fixed:
        return gw * stats.invstd
    if not grad_mode._state.enabled:
        return make_tensor(_standardized_grad_array(gw._data, x._data, dims, stats))
    if x.dtype is float16:
        return _standardized_grad(gw.float(), x.float(), dims, eps, stats).half()
    xhat, invstd = _standardize(x, dims, eps, stats)
    count = _count(x, dims)
    return invstd * (gw - gw.sum(dims, keepdim=True) / count - xhat * ((gw * xhat).sum(dims, keepdim=True) / count))


@silent_float_errors
def _standardized_grad_array(gw, x, dims, stats):
    """``_standardized_grad`` for a backward that builds no graph, on arrays, in place after the first passes:
    ``(gw - mean(gw) - (x - mean) * invstd**2 * mean(gw * (x - mean))) * invstd``."""
    xp = namespace_of(x)
    dtype = gw.dtype
    if dtype == xp.float16:
        gw, x = gw.astype(xp.float32), x.astype(xp.float32)
    invstd = stats.invstd._data.astype(x.dtype, copy=False)
    centered = x - stats.mean._data
    sums = _sum_kept(gw, dims), _sum_kept(gw * centered, dims)
    return _gradient_from_sums(gw, centered, *sums, invstd, invstd, _count(x, dims)).astype(dtype, copy=False)


def _gradient_from_sums(g, centered, sum_g, dot, invstd, factor, count):
    """``(g - centered * k - mean(g)) * factor`` with ``k = invstd**2 * dot / count``, PyTorch's order for
    ``sum_g = sum(g)``, ``dot = sum(g * centered)``; ``centered`` (``x - mean``, a fresh array) is scaled in place."""
    centered *= dot * invstd * invstd / count
    out = g - centered
    out -= sum_g / count
    out *= factor
    return out


@silent_float_errors
def _normalized_grad_sum(grad, x, dims, stats):
    """``sum(grad * xhat)`` over every dim but ``dims`` (a weight's gradient), on arrays, in place after the
    first pass: the same operations as the rule's chainrule ops."""
    xhat = x - stats.mean._data
    xhat *= stats.invstd._data
    xhat *= grad
    lead = tuple(d for d in range(x.ndim) if d not in dims)
    return xhat.sum(lead) if lead else xhat


def _sum_except(t, keep):
    """Sum ``t`` over every dim except ``keep`` (for per-feature parameter gradients)."""
    reduce = tuple(d for d in range(t.ndim) if d not in keep)
    return t.sum(reduce) if reduce else t


def _affine(xhat, weight, bias, shape):
    if weight is not None:
        xhat = xhat * weight._data.reshape(shape)
    if bias is not None:
        xhat = xhat + bias._data.reshape(shape)
    return xhat


# ---------------------------------------------------------------- batch norm
def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


# A backward that builds no graph computes batch norm's gradients on arrays from two sums per channel,
# ``sum(grad)`` and ``sum(grad * (x - mean))``, found once for the node's three rules (the weight's gradient
# is the second times invstd, the bias's the first): nine passes over the input's size, where the rules in
# chainrule ops make sixteen.
_last_channel_sums = [None]  # (weak reference to the gradient, its version, the mean tensor, the two sums)


@silent_float_errors
def _channel_sums(grad, input, dims, stats):
    cached = _last_channel_sums[0]
    key = (grad._version_counter[0], stats.mean)
    if cached is not None and cached[0]() is grad and cached[1] == key[0] and cached[2] is key[1]:
        return cached[3], cached[4]
    g, x = grad._data, input._data
    if x.dtype == namespace_of(x).float16:  # half precision in float32, as PyTorch's kernels
        g, x = g.astype(namespace_of(x).float32), x.astype(namespace_of(x).float32)
    sums = _sum_kept(g, dims), _sum_kept(g * (x - stats.mean._data), dims)
    _last_channel_sums[0] = (weakref.ref(grad), *key, *sums)
    return sums


@silent_float_errors
def _batch_norm_input_grad_array(grad, input, weight, dims, stats):
    """``invstd * w * (g - mean(g) - xhat * mean(g * xhat))`` with ``xhat = (x - mean) * invstd``, in the order
    of PyTorch's kernel: ``(g - (x - mean) * k - mean(g)) * invstd * w``, ``k = invstd**2 * mean(g * (x - mean))``."""
    xp = namespace_of(input._data)
    sum_grad, dot = _channel_sums(grad, input, dims, stats)
    g, x, dtype = grad._data, input._data, input._data.dtype
    if dtype == xp.float16:
        g, x = g.astype(xp.float32), x.astype(xp.float32)
    invstd = stats.invstd._data.astype(g.dtype, copy=False)
    scale = invstd if weight is None else invstd * weight._data.reshape(_channel_shape(x))
    return _gradient_from_sums(g, x - stats.mean._data, sum_grad, dot, invstd, scale, _count(x, dims)).astype(
        dtype, copy=False)


def _batch_norm_grad_input(grad, input, weight, dims, eps, stats):
    if not stats.fixed and not grad_mode._state.enabled:
        return make_tensor(_batch_norm_input_grad_array(grad, input, weight, dims, stats))
    gw = grad if weight is None else grad * weight.reshape(_channel_shape(input))
    return _standardized_grad(gw, input, dims, eps, stats)


def _batch_norm_grad_weight(grad, input, weight, dims, eps, stats):
    if not grad_mode._state.enabled:
        return make_tensor((_channel_sums(grad, input, dims, stats)[1] * stats.invstd._data).reshape(-1))
    return (grad * _standardize(input, dims, eps, stats)[0]).sum(dims)


def _batch_norm_grad_bias(grad, input, weight, dims, eps, stats):
    if not grad_mode._state.enabled:
        return make_tensor(_channel_sums(grad, input, dims, stats)[0].reshape(-1))
    return grad.sum(dims)


NativeBatchNormBackward0 = derivative("NativeBatchNormBackward0", _batch_norm_grad_input, _batch_norm_grad_weight,
                                      _batch_norm_grad_bias, saves="input weight")


def check_parameter_dtypes(input, *parameters):
    """PyTorch's CPU kernels read the parameters (weight, bias, running statistics, in that order) in the input's
    dtype, or all in float32 for a half-precision input: the first one given sets it, the others must follow."""
    given = [p for p in parameters if p is not None]
    if not given:
        return
    dtype, first = input._data.dtype, given[0]._data.dtype
    if first != dtype and not (dtype.itemsize == 2 and dtype.kind == "f" and first.name == "float32"):
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
    for parameter in given[1:]:
        if parameter._data.dtype != first:
            raise RuntimeError(f"expected scalar type {given[0].dtype.scalar_type_name} but found "
                               f"{parameter.dtype.scalar_type_name}")


def _check_size(tensor, name, channels):
    if tensor is not None and tensor._data.size != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not {tensor._data.size}")


@silent_float_errors
def _update_running(data, value, momentum):
    if data is not None:
        data[...] = (1 - momentum) * data + momentum * value.reshape(data.shape).astype(data.dtype, copy=False)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    x = input._data
    training = bool_argument("batch_norm", "training", 6, training)
    if (running_mean is None) != (running_var is None) and training:
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if x.ndim < 2:
        _wrap_dim(1, x.ndim)
    if x.dtype.kind != "f" and x.size:  # an empty input is returned before PyTorch's kernel looks at its dtype
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{input.dtype.scalar_type_name}'")
    check_parameter_dtypes(input, weight, bias, running_mean, running_var)
    channels = x.shape[1]
    for tensor, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                         (bias, "bias")):
        _check_size(tensor, name, channels)
    if x.size == 0:
        return _empty_batch_norm(input, weight, bias)
    dims = (0,) + tuple(range(2, x.ndim))
    shape = _channel_shape(x)
    if training:
        count = x.size // channels
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"torch.Size({list(x.shape)})")
    elif running_mean is None or running_var is None:
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    out, mean, invstd = traced_stateful(_batch_norm_arrays, input, running_mean, running_var, weight, bias, training,
                                        momentum, eps, dims, shape)
    stats = _Stats(make_tensor(mean), make_tensor(invstd), not training)
    return record(out, NativeBatchNormBackward0, (input, weight, bias), (input, weight), (dims, eps, stats))


def _batch_norm_arrays(x, running_mean, running_var, weight, bias, training, momentum, eps, dims, shape):
    """The output, and the mean and 1/std it normalised with; training also updates the running statistics."""
    if training:
        count = x.size // x.shape[1]
        xhat, stats, var = _standardize_array(x, dims, eps)
        mean, invstd = stats.mean._data, stats.invstd._data
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (count / (count - 1)), momentum)
    else:
        mean = running_mean.reshape(shape).astype(x.dtype, copy=False)
        invstd = (1 / namespace_of(x).sqrt(running_var.reshape(shape) + eps)).astype(x.dtype, copy=False)
        xhat = x - mean
        xhat *= invstd
    if weight is not None:
        xhat *= weight.reshape(shape)
    return _plus_bias(xhat, bias, shape).astype(x.dtype, copy=False), mean, invstd


def _plus_bias(xhat, bias, shape):
    """``xhat + bias``, in place in a fresh ``xhat`` (the normalisations work in place after their first pass:
    a large temporary costs more to allocate than to fill). Without a bias PyTorch's kernels add a zero one,
    which makes a -0. output +0.: so does this."""
    xhat += 0.0 if bias is None else bias.reshape(shape)
    return xhat


_batch_norm_arrays.writes = (1, 2)  # the running statistics: a compiled replay must give each call its own


def _empty_batch_norm(input, weight, bias):
    """An empty input has no statistics: PyTorch returns a copy, scaled and shifted by the first channel's
    parameters so the graph still reaches them."""
    out = clone(input)
    if weight is not None:
        out = out * weight[0]
    if bias is not None:
        out = out + bias[0]
    return out


# ---------------------------------------------------------------- layer norm
def _layer_norm_grad_input(grad, input, weight, dims, eps, stats):
    return _standardized_grad(grad if weight is None else grad * weight, input, dims, eps, stats)


def _layer_norm_grad_weight(grad, input, weight, dims, eps, stats):
    if not grad_mode._state.enabled:
        return make_tensor(_normalized_grad_sum(grad._data, input._data, dims, stats))
    return _sum_except(grad * _standardize(input, dims, eps, stats)[0], dims)


def _layer_norm_grad_bias(grad, input, weight, dims, eps, stats):
    return _sum_except(grad, dims)


NativeLayerNormBackward0 = derivative("NativeLayerNormBackward0", _layer_norm_grad_input, _layer_norm_grad_weight,
                                      _layer_norm_grad_bias, saves="input weight")


def _check_kernel_dtype(input, kernel):
    """PyTorch's normalisation kernels exist for floating dtypes only."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype.scalar_type_name}'")


def _normalized_dims(input, normalized_shape, weight, star, bias=None, name="layer_norm"):
    if not isinstance(normalized_shape, (tuple, list)):  # the modules take one int; the functions only a list
        raise argument_type_error(name, "normalized_shape", 2, "tuple of ints", normalized_shape)
    shape = tuple(normalized_shape)
    x = input._data
    if x.shape[x.ndim - len(shape):] != shape or len(shape) > x.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [{star}"
                           f"{', '.join(map(str, shape))}], but got input of size{list(x.shape)}")
    for name, parameter in (("weight", weight), ("bias", bias)):
        if parameter is not None and parameter._data.shape != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(parameter._data.shape)} and normalized_shape = {list(shape)}")
    return tuple(range(x.ndim - len(shape), x.ndim))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    check_parameter_dtypes(input, weight, bias)
    dims = _normalized_dims(input, normalized_shape, weight, "*, ", bias)
    _check_kernel_dtype(input, "LayerNormKernelImpl")
    out, mean, invstd = traced(_layer_norm_arrays, input, weight, bias, dims, eps)
    stats = _Stats(make_tensor(mean), make_tensor(invstd), False)
    return record(out, NativeLayerNormBackward0, (input, weight, bias), (input, weight), (dims, eps, stats))


def _layer_norm_arrays(x, weight, bias, dims, eps):
    """The output, and the mean and 1/std it normalised with."""
    xhat, stats, _ = _standardize_array(x, dims, eps)
    shape = x.shape[x.ndim - len(dims):]
    if weight is not None:
        xhat *= weight.reshape(shape)
    return _plus_bias(xhat, bias, shape).astype(x.dtype, copy=False), stats.mean._data, stats.invstd._data


# ---------------------------------------------------------------- group norm
def _grouped(t, groups):
    return t.reshape(t.shape[0], groups, math.prod(t.shape[1:]) // groups)


def _group_norm_grad_input(grad, input, weight, groups, eps, stats):
    gw = grad if weight is None else grad * weight.reshape(_channel_shape(input)[1:])
    return _standardized_grad(_grouped(gw, groups), _grouped(input, groups), (2,), eps, stats).reshape(input.shape)


def _group_norm_grad_weight(grad, input, weight, groups, eps, stats):
    xhat = _standardize(_grouped(input, groups), (2,), eps, stats)[0]
    return _sum_except(grad * xhat.reshape(input.shape), (1,))


def _group_norm_grad_bias(grad, input, weight, groups, eps, stats):
    return _sum_except(grad, (1,))


NativeGroupNormBackward0 = derivative("NativeGroupNormBackward0", _group_norm_grad_input, _group_norm_grad_weight,
                                      _group_norm_grad_bias, saves="input weight")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """F.group_norm: PyTorch's Python layer checks the rank, divides the values among the groups (an int
    ``num_groups`` of 0 fails there) and refuses one value per group before its kernel (``native_group_norm``)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    if isinstance(num_groups, Tensor):  # PyTorch's ``//`` of a tensor: its truth value, its own division error
        if num_groups.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        if int(num_groups) == 0:
            raise RuntimeError("ZeroDivisionError")
        num_groups = int(num_groups)
    elif num_groups == 0:
        raise ZeroDivisionError("integer division or modulo by zero")
    sizes = [input.shape[0] * input.shape[1] // num_groups, num_groups, *input.shape[2:]]
    if math.prod(sizes[:1] + sizes[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {sizes}")
    return native_group_norm(input, num_groups, weight, bias, eps)


@silent_float_errors
def native_group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """``torch.group_norm``: reads the batch and channel sizes, then checks the groups."""
    x = input._data
    if x.ndim < 2:  # PyTorch reads the batch size, then the channels: an IndexError for the first missing
        input.size(x.ndim)
    if num_groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {num_groups}")
    check_parameter_dtypes(input, weight, bias)
    _check_kernel_dtype(input, "GroupNormKernelImpl")
    if x.shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(x.shape)} and num_groups={num_groups}")
    channels = x.shape[1]
    for tensor, name in ((weight, "weight"), (bias, "bias")):
        if tensor is not None and tensor._data.shape != (channels,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(tensor._data.shape)} and input of shape "
                               f"{list(x.shape)}")
    xhat, stats, _ = _standardize_array(_grouped(x, num_groups), (2,), eps)
    out = _affine(xhat.reshape(x.shape), weight, bias, _channel_shape(x)[1:]).astype(x.dtype, copy=False)
    return record(out, NativeGroupNormBackward0, (input, weight, bias), (input, weight), (num_groups, eps, stats))


# ---------------------------------------------------------------- instance norm
def _repeat_channels(tensor, batch):
    return None if tensor is None else tensor.expand(batch, tensor.shape[0]).reshape(-1)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-05):
    """Batch norm of each (sample, channel) plane: the batch folded into the channels."""
    x = input._data
    if use_input_stats and math.prod(x.shape[2:]) <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"torch.Size({list(x.shape)})")
    check_tensors("instance_norm", *((name, position, value) for position, (name, value) in enumerate(
        (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)), start=4)
        if value is not None))
    use_input_stats = bool_argument("instance_norm", "use_input_stats", 6, use_input_stats)
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    _check_kernel_dtype(input, "batch_norm")
    if weight is not None or bias is not None:  # (PyTorch's kernel copies running_mean, of any dtype)
        check_parameter_dtypes(input, weight, bias, running_var)
    batch, channels = x.shape[:2]
    xp = namespace_of(x)
    stats = [None if t is None else make_tensor(xp.tile(t._data, batch).astype(x.dtype, copy=False))
             for t in (running_mean, running_var)]
    folded = batch_norm(input.reshape((1, batch * channels) + x.shape[2:]), stats[0], stats[1],
                        _repeat_channels(weight, batch), _repeat_channels(bias, batch), use_input_stats, momentum, eps)
    for running, repeated in zip((running_mean, running_var), stats):
        if running is not None and use_input_stats:
            running._data[...] = repeated._data.reshape(batch, channels).mean(0)
            running._version_counter[0] += 1
    return folded.view(x.shape)


# ---------------------------------------------------------------- RMS norm
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x**2) + eps)`` over the trailing ``normalized_shape``, times ``weight``."""
    if input._data.dtype.kind in "biu":
        _check_kernel_dtype(input, "rms_norm")
    dims = _normalized_dims(input, normalized_shape, weight, "*", name="rms_norm")
    half = input.dtype is float16  # computed in float32 (its eps too) and rounded once, as PyTorch does
    x = input.float() if half else input
    if eps is None:
        eps = float(namespace_of(x._data).finfo(x._data.dtype).eps)
    out = x * (x * x).mean(dims, keepdim=True).add(eps).sqrt().reciprocal()
    out = out if weight is None else out * weight
    return out.half() if half else out


# ---------------------------------------------------------------- local response norm
def local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0):
    """Each value divided by ``(k + alpha * mean of squares over nearby channels) ** beta``."""
    x = input._data
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    if x.dtype.kind in "bc" or x.ndim > 3 and x.dtype.str[1:] == "f2":  # refused by the average pooling PyTorch
        kernel = "avg_pool2d" if x.ndim == 3 else "avg_pool3d_out_frame"  # composes it with (3-d: no half)
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype.scalar_type_name}'")
    if x.size == 0:
        return input
    squares = (input * input).reshape(x.shape[0], 1, x.shape[1], -1)
    squares = pad(squares, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(squares, (size, 1), stride=1).squeeze(1).reshape(x.shape)
    return input / div.mul(alpha).add(k).pow(beta)
