"""nn.functional dropout: elementwise, channel-wise (``dropout1d/2d/3d``) and alpha dropout.

Masks are PyTorch's: ``bernoulli_(1 - p)`` on a tensor laid out like the input (one value per
sample and channel for the channel-wise forms), from chainrule's default generator, so a seed gives
PyTorch's masks. Dropout multiplies by the mask scaled by ``1 / (1 - p)`` (PyTorch's ``MulBackward0``);
alpha dropout also adds a constant shift (``AddBackward0``). With ``training=False`` or ``p=0`` the
input itself comes back.

On the CPU the generator is PyTorch's, on the host; a tensor on a GPU gets its mask from the GPU's
generator, drawn there (``chainrule._random.device``).
"""

import math
import warnings

from ..._array import namespace_of
from ..._ops._op import traced_stateful
from ..._random import default_generator
from ..._random.fill import bernoulli_values
from ..._random.layout import device_of_draw, fill_like, fresh
from ..._errors import argument_type_error
from ..._ops._arguments import bool_argument
from ..._tensor import Tensor, make_tensor

FUNCTIONS = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]
METHODS = []

_SELU_SATURATION = 1.7580993408473766  # -SELU's lowest value, scale * alpha


def _check_probability(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _check_input(input, name):
    """PyTorch refuses a non-tensor even where nothing is dropped (``training=False``, ``p=0``)."""
    if not isinstance(input, Tensor):
        raise argument_type_error(name, "input", 1, "Tensor", input)


def _check_floating(input):
    """The mask is floating point; PyTorch cannot write it back into an integer or bool tensor."""
    if not input.is_floating_point() and not input.is_complex():
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{input.dtype.scalar_type_name}")


def _keep_mask(x, p, mask_shape):
    """Ones where an element (or channel) survives, drawn with probability ``1 - p``, in ``x``'s dtype and
    namespace: laid out like ``x`` when there is one value per element, C-ordered per channel otherwise."""
    if mask_shape == x.shape:
        keep = fill_like(x, bernoulli_values, default_generator, 1.0 - p)
    else:
        keep = fresh(mask_shape, x.dtype, bernoulli_values, default_generator, 1.0 - p, on=device_of_draw(x))
    xp = namespace_of(x)
    return keep if namespace_of(keep) is xp else xp.from_host(keep)


def _with_scalar(operation, array, number):
    """``array <op>= number`` as PyTorch computes a tensor-scalar op: in float32 for float16 tensors, the
    number rounded to that type, the result to the tensor's (``operation`` is a ufunc of ``array``'s namespace)."""
    xp = namespace_of(array)
    if array.dtype == xp.float16:
        operation(array, xp.float32(number), out=array, dtype=xp.float32, casting="unsafe")
    else:
        operation(array, number, out=array)
    return array


def _scaled_keep_mask(x, p, mask_shape):
    """The survivors' mask divided by ``1 - p`` (PyTorch's ``div_``)."""
    return _with_scalar(namespace_of(x).divide, _keep_mask(x, p, mask_shape), 1 - p)


def _zeroed(input, inplace):
    """Dropout with ``p == 1``: PyTorch multiplies by a 0-d zero of the input's dtype, before it looks at the dtype
    or (feature dropout) the dims."""
    x = input._data
    zero = make_tensor(namespace_of(x).zeros((), dtype=x.dtype))
    return input.mul_(zero) if inplace else input * zero


def _scaled_dropout(input, p, inplace, mask_shape):
    if p == 1:
        return _zeroed(input, inplace)
    _check_floating(input)
    if input.is_complex():  # PyTorch draws the mask in the input's dtype, and has no complex draws
        raise NotImplementedError(f"\"bernoulli_scalar_cpu_\" not implemented for '{input.dtype.scalar_type_name}'")
    else:
        noise = make_tensor(traced_stateful(_scaled_keep_mask, input, p, mask_shape))
    return input.mul_(noise) if inplace else input * noise


def _alpha_dropout(input, p, inplace, mask_shape):
    if p == 1:
        return _zeroed(input, inplace)
    _check_floating(input)
    noise, shift = (make_tensor(a) for a in traced_stateful(_alpha_masks, input, p, mask_shape))
    return input.mul_(noise).add_(shift) if inplace else input * noise + shift


def _alpha_masks(x, p, mask_shape):
    """The scale and shift of alpha dropout, computed in ``x``'s dtype in PyTorch's order."""
    xp = namespace_of(x)
    keep = _keep_mask(x, p, mask_shape)
    a = xp.float64(1.0 / math.sqrt((_SELU_SATURATION ** 2 * p + 1) * (1 - p)))  # float64: float32 masks scale in double
    shift = _with_scalar(xp.add, keep.copy(), -1)
    _with_scalar(xp.multiply, shift, _SELU_SATURATION * a)
    _with_scalar(xp.add, shift, _SELU_SATURATION * a * p)
    return _with_scalar(xp.multiply, keep, a), shift


def _channel_shape(input):
    """One mask value per (sample, channel): the feature dims are 1."""
    shape = tuple(input.shape)
    return shape[:2] + (1,) * (len(shape) - 2)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``."""
    _check_probability(p)
    _check_input(input, "dropout")
    bool_argument("dropout", "train", 3, training)
    if not training or p == 0 or input.numel() == 0:
        return input
    return _scaled_dropout(input, p, inplace, tuple(input.shape))


def _feature_dropout(input, p, training, inplace):
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return _zeroed(input, inplace)
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _scaled_dropout(input, p, inplace, _channel_shape(input))


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` inputs."""
    _check_probability(p)
    ndim = input.dim()
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if ndim == 3:
        return _feature_dropout(input, p, training, inplace)
    return _unbatched_feature_dropout(input, p, training, inplace)


def _unbatched_feature_dropout(input, p, training, inplace):
    """A sample without its batch dim: viewed as a batch of one, as PyTorch does."""
    if not inplace:
        return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)
    if not training or p == 0 or input.numel() == 0:
        return input
    return _scaled_dropout(input, p, True, (input.shape[0],) + (1,) * (input.dim() - 1))


def _warn_dims(name, ndim, expected, spatial):
    warnings.warn(f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in an error in "
                  "a future release. To retain the behavior and silence this warning, please use dropout instead. "
                  f"Note that {name} exists to provide channel-wise dropout on inputs with {spatial} spatial "
                  f"dimensions, a channel dimension, and an optional batch dimension (i.e. {expected[0]}D or "
                  f"{expected[1]}D inputs).", UserWarning, stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, H, W)`` inputs (a 3-D input is read as ``(N, C, L)``)."""
    _check_probability(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        _warn_dims("dropout2d", ndim, (3, 4), 2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This "
                      "behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", UserWarning, stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs."""
    _check_probability(p)
    ndim = input.dim()
    if ndim not in (4, 5):
        _warn_dims("dropout3d", ndim, (4, 5), 3)
    if ndim == 5:
        return _feature_dropout(input, p, training, inplace)
    return _unbatched_feature_dropout(input, p, training, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped values go to SELU's saturation, mean and variance are kept."""
    _check_probability(p)
    _check_input(input, "alpha_dropout")
    bool_argument("alpha_dropout", "train", 3, training)
    if not training or p == 0 or input.numel() == 0:
        return input
    return _alpha_dropout(input, p, inplace, tuple(input.shape))


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels."""
    _check_probability(p)
    _check_input(input, "feature_alpha_dropout")
    if not training or p == 0 or input.numel() == 0:
        return input
    return _alpha_dropout(input, p, inplace, _channel_shape(input))
