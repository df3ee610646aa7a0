"""Convolutions of any spatial rank, and ``unfold``/``fold``.

A convolution is a matrix product with the input's windows laid out as columns (``im2col``).
Three linear maps describe it and its derivatives, each one formula that runs on arrays (the
forward) and on tensors (the vjps, so second order comes for free):

- ``_correlate(x, w)``: the convolution itself, ``w @ im2col(x)``;
- ``_correlate_transposed(g, w)``: its transpose in ``x``, ``col2im(w.T @ g)``;
- ``_correlate_weight(x, g)``: its transpose in ``w``, ``g @ im2col(x).T`` summed over the batch.

A transposed convolution swaps the first two roles, so both share ``ConvolutionBackward0``.
"""

import math
from typing import NamedTuple

from ..._array import INTEGER_TYPES
from ..._ops._arguments import check_tensors
from ..._ops._kernel import Kernel, replays
from ..._ops._op import conjugate, derivative, record
from ..._signatures import Signatures
from ..._tensor import _wrap_dim
from ..._ops.kernel_dtypes import check_kernel
from ._windows import col2im, im2col, windows_count
from ..._float_errors import silent_float_errors

FUNCTIONS = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold",
             "fold"]
METHODS = []
_CONV = ("Tensor input, Tensor weight, Tensor? bias = None, int[1] stride = 1, {padding}, int[1] dilation = 1, "
         "int groups = 1")
_CONV_TRANSPOSE = ("Tensor input, Tensor weight, Tensor? bias = None, int[1] stride = 1, int[1] padding = 0, "
                   "int[1] output_padding = 0, int groups = 1, int[1] dilation = 1")
# PyTorch's signatures, asked when a call failed; unfold passes its sizes on as pairs to im2col, which words its errors
SIGNATURES = {
    **{f"conv{rank}d": (_CONV.format(padding="int[1] padding = 0"),
                        _CONV.format(padding="str padding = 'valid'")) for rank in (1, 2, 3)},
    **{f"conv_transpose{rank}d": _CONV_TRANSPOSE for rank in (1, 2, 3)},
    "unfold": Signatures("im2col", "Tensor input, int[2] kernel_size, int[2] dilation = 1, int[2] padding = 0, "
                                   "int[2] stride = 1"),
    "fold": Signatures("col2im", "Tensor input, int[2] output_size, int[2] kernel_size, int[2] dilation = 1, "
                                 "int[2] padding = 0, int[2] stride = 1"),
}


class _Geometry(NamedTuple):
    kernel: tuple
    stride: tuple
    padding: tuple   # one (before, after) pair per spatial dim
    dilation: tuple
    groups: int


def _expand_arg(value, rank, name):
    """An int or a sequence of ``rank`` ints as a tuple (PyTorch's message for a wrong length)."""
    if isinstance(value, INTEGER_TYPES):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * rank
    if len(value) != rank:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {rank} values to match the "
                           f"convolution dimensions, but got {name}={list(value)}")
    return value


# ---------------------------------------------------------------- the three linear maps
@silent_float_errors
def _correlate(x, w, geometry):
    """Cross-correlation of ``x`` (N, C, *S) with ``w`` (O, C/groups, *K): (N, O, *P)."""
    g = geometry.groups
    cols = im2col(x, geometry.kernel, geometry.dilation, geometry.padding, geometry.stride)
    n, out_channels, windows = x.shape[0], w.shape[0], cols.shape[-1]
    counts = windows_count(x.shape[2:], geometry.kernel, geometry.dilation, geometry.padding, geometry.stride)
    if g == 1:
        out = w.reshape(out_channels, -1) @ cols
    else:
        out = w.reshape(g, out_channels // g, -1) @ cols.reshape(n, g, cols.shape[1] // g, windows)
    return out.reshape((n, out_channels) + counts)


@silent_float_errors
def _correlate_transposed(grad, w, geometry, size):
    """The transpose of ``_correlate`` in ``x``: ``grad`` (N, O, *P) back to (N, C, *size)."""
    g = geometry.groups
    n, out_channels = grad.shape[0], w.shape[0]
    windows = math.prod(grad.shape[2:])
    if g == 1:
        cols = w.reshape(out_channels, -1).swapaxes(0, 1) @ grad.reshape(n, out_channels, windows)
    else:
        cols = w.reshape(g, out_channels // g, -1).swapaxes(1, 2) @ grad.reshape(n, g, out_channels // g, windows)
        cols = cols.reshape(n, cols.shape[1] * cols.shape[2], windows)
    return col2im(cols, size, geometry.kernel, geometry.dilation, geometry.padding, geometry.stride)


def _correlate_weight(x, grad, geometry, weight_shape):
    """The transpose of ``_correlate`` in ``w``: sum over the batch of ``grad @ im2col(x).T``."""
    g = geometry.groups
    cols = im2col(x, geometry.kernel, geometry.dilation, geometry.padding, geometry.stride)
    n, out_channels, windows = grad.shape[0], weight_shape[0], cols.shape[-1]
    if g == 1:
        per_sample = grad.reshape(n, out_channels, windows) @ cols.swapaxes(1, 2)
    else:
        grouped = cols.reshape(n, g, cols.shape[1] // g, windows)
        per_sample = grad.reshape(n, g, out_channels // g, windows) @ grouped.swapaxes(2, 3)
    return per_sample.sum(0).reshape(weight_shape)


def _bias_shape(out_channels, rank):
    return (out_channels,) + (1,) * rank


# ---------------------------------------------------------------- ConvolutionBackward0
# (each product's other factor conjugated: the gradient of a real loss through a complex product)
def _conv_grad_input(grad, input, weight, geometry, transposed):
    if transposed:
        return _correlate(grad, conjugate(weight), geometry)
    return _correlate_transposed(grad, conjugate(weight), geometry, input.shape[2:])


def _conv_grad_weight(grad, input, weight, geometry, transposed):
    if transposed:
        return _correlate_weight(grad, conjugate(input), geometry, weight.shape)
    return _correlate_weight(conjugate(input), grad, geometry, weight.shape)


def _conv_grad_bias(grad, input, weight, geometry, transposed):
    return grad.sum((0,) + tuple(range(2, grad.ndim)))


ConvolutionBackward0 = derivative("ConvolutionBackward0", _conv_grad_input, _conv_grad_weight, _conv_grad_bias,
                                  saves="input weight")


# ---------------------------------------------------------------- argument checks
def _batched(input, rank, name):
    """The input with a batch dim (and whether one was added), or PyTorch's rank error."""
    ndim = input._data.ndim
    if ndim == rank + 2:
        return input, False
    if ndim == rank + 1:
        return input.unsqueeze(0), True
    raise RuntimeError(f"Expected {rank + 1}D (unbatched) or {rank + 2}D (batched) input to {name}, but got input "
                       f"of size: {list(input._data.shape)}")


def _check_tensors(function, input, weight, bias):
    """PyTorch's TypeError for an input or weight (or a bias, when one is given) that is not a tensor, and its
    refusal of a weight without output and input channels and a kernel."""
    check_tensors(function, ("input", input), ("weight", weight), *([("bias", bias)] if bias is not None else []))
    if weight._data.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")


def _check_dtypes(input, weight, bias, name):
    """In PyTorch's order: the bias's dtype, the input's kernel, the weight's dtype."""
    x, w = input._data, weight._data
    if bias is not None and bias._data.dtype != x.dtype:
        raise RuntimeError(f"Input type ({input.dtype.cpp_name}) and bias type ({bias.dtype.cpp_name}) should be "
                           "the same")
    if x.size:  # PyTorch returns an empty batch before its kernel looks at the dtype
        check_kernel(name, x)
    if x.dtype != w.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_type_name} but found "
                           f"{weight.dtype.scalar_type_name}")


def _check_channels(x_shape, w_shape, groups, transposed):
    in_channels = x_shape[1]
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(w_shape)}] instead")
    expected = w_shape[0] if transposed else w_shape[1] * groups
    if in_channels != expected:
        given = f"transposed=1, weight of size {list(w_shape)}" if transposed else \
            f"groups={groups}, weight of size {list(w_shape)}"
        raise RuntimeError(f"Given {given}, expected input{list(x_shape)} to have {expected} channels, but got "
                           f"{in_channels} channels instead")


def _check_bias(bias, out_channels, w_shape):
    if bias is not None and bias._data.shape != (out_channels,):
        raise RuntimeError(f"Given weight of size {list(w_shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias._data.shape)} instead")


def _check_positive(stride, dilation):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")


def _padding_pairs(padding, kernel, stride, dilation, rank):
    """Symmetric pairs from ints; ``'valid'`` is none; ``'same'`` puts any odd extra after."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * rank
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    padding = _expand_arg(padding, rank, "padding")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in padding)


def _check_fits(size, geometry):
    padded = tuple(s + b + a for s, (b, a) in zip(size, geometry.padding))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(geometry.kernel, geometry.dilation))
    if any(p < e for p, e in zip(padded, extent)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(map(str, extent))}). Kernel size can't be greater than actual input "
                           "size")


# ---------------------------------------------------------------- convolutions
@silent_float_errors
def _convolution(input, weight, bias, stride, padding, dilation, groups, rank, name):
    _check_tensors(f"conv{rank}d", input, weight, bias)
    batched, added = _batched(input, rank, name)
    _check_dtypes(input, weight, bias, name)
    x, w = batched._data, weight._data
    kernel = w.shape[2:]
    stride, dilation = _expand_arg(stride, rank, "stride"), _expand_arg(dilation, rank, "dilation")
    _check_positive(stride, dilation)
    geometry = _Geometry(kernel, stride, _padding_pairs(padding, kernel, stride, dilation, rank), dilation, groups)
    _check_channels(x.shape, w.shape, groups, False)
    _check_bias(bias, w.shape[0], w.shape)
    _check_fits(x.shape[2:], geometry)
    out = _correlate(x, w, geometry)
    if bias is not None:
        out += bias._data.reshape(_bias_shape(w.shape[0], rank))
    result = record(out, ConvolutionBackward0, (batched, weight, bias), (batched, weight), (geometry, False))
    return result.squeeze(0) if added else result


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _check_output_padding(output_padding, stride, dilation):
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        axes = ["height", "width"] if len(stride) == 2 else \
            ["depth", "height", "width"] if len(stride) == 3 else ["width"]
        parts = [f"output_padding_{a}: {op}" for a, op in zip(axes, output_padding)] + \
            [f"stride_{a}: {s}" for a, s in zip(axes, stride)] + [f"dilation_{a}: {d}" for a, d in zip(axes, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))


@silent_float_errors
def _transposed_convolution(input, weight, bias, stride, padding, output_padding, groups, dilation, rank, name):
    _check_tensors(f"conv_transpose{rank}d", input, weight, bias)
    batched, added = _batched(input, rank, name)
    _check_dtypes(input, weight, bias, name)
    x, w = batched._data, weight._data
    kernel = w.shape[2:]
    stride, dilation = _expand_arg(stride, rank, "stride"), _expand_arg(dilation, rank, "dilation")
    _check_positive(stride, dilation)
    padding = _expand_arg(padding, rank, "padding")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    output_padding = _expand_arg(output_padding, rank, "output_padding")
    _check_output_padding(output_padding, stride, dilation)
    _check_channels(x.shape, w.shape, groups, True)
    out_channels = w.shape[1] * groups
    _check_bias(bias, out_channels, w.shape)
    # the convolution this one transposes pads p before and p - output_padding after
    pairs = tuple((p, p - op) for p, op in zip(padding, output_padding))
    geometry = _Geometry(kernel, stride, pairs, dilation, groups)
    size = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1
                 for s, st, p, d, k, op in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding))
    if any(n < 1 for n in size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, size))}). Output size is too small")
    out = _correlate_transposed(x, w, geometry, size)
    if bias is not None:
        out += bias._data.reshape(_bias_shape(out_channels, rank))
    result = record(out, ConvolutionBackward0, (batched, weight, bias), (batched, weight), (geometry, True))
    return result.squeeze(0) if added else result


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _transposed_convolution(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                                   "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _transposed_convolution(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                                   "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _transposed_convolution(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                                   "conv_transpose3d")


# ---------------------------------------------------------------- unfold / fold
def _pairs(value, name):
    """An int for both spatial dims, or exactly two ints (PyTorch expands only a bare int)."""
    if isinstance(value, INTEGER_TYPES):
        return (int(value),) * 2
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
    return value


_BLOCK_CHECKS = {
    "kernel": ("kernel size should be greater than zero, but got kernel_height: {} kernel_width: {}", 1),
    "dilation": ("dilation should be greater than zero, but got dilation_height: {} dilation_width: {}", 1),
    "padding": ("padding should be non-negative, but got pad_height: {} pad_width: {}", 0),
    "stride": ("stride should be greater than zero, but got stride_height: {} stride_width: {}", 1),
}


def _check_blocks(order, **geometry):
    """PyTorch's checks of a block geometry's pairs (im2col and col2im make them in their own ``order``), before
    they look at the input."""
    for name in order:
        words, least = _BLOCK_CHECKS[name]
        if min(geometry[name]) < least:
            raise RuntimeError(words.format(*geometry[name]))


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every sliding block of a (N, C, H, W) input as a column: (N, C*kh*kw, L)."""
    x = input._data
    kernel, dilation = _pairs(kernel_size, "kernel_size"), _pairs(dilation, "dilation")
    padding, stride = _pairs(padding, "padding"), _pairs(stride, "stride")
    _check_blocks(("kernel", "dilation", "padding", "stride"), kernel=kernel, dilation=dilation, padding=padding,
                  stride=stride)
    if x.ndim < 3:
        _wrap_dim(2, x.ndim)
    if x.ndim > 4:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(x.shape)}")
    check_kernel("unfold", x)
    pads = tuple((p, p) for p in padding)
    counts = windows_count(x.shape[-2:], kernel, dilation, pads, stride)
    if min(counts) < 1:
        raise RuntimeError(f"Given input with spatial size ({x.shape[-2]}, {x.shape[-1]}), kernel_size=({kernel[0]}, "
                           f"{kernel[1]}), dilation=({dilation[0]}, {dilation[1]}), padding=({padding[0]}, "
                           f"{padding[1]}), calculated shape of the array of sliding blocks as ({counts[0]}, "
                           f"{counts[1]}), but its components must be at least one.")
    return im2col(input, kernel, dilation, pads, stride)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The transpose of ``unfold``: columns (N, C*kh*kw, L) summed back into (N, C, *output_size)."""
    x = input._data
    size = _pairs(output_size, "output_size")
    kernel, dilation = _pairs(kernel_size, "kernel_size"), _pairs(dilation, "dilation")
    padding, stride = _pairs(padding, "padding"), _pairs(stride, "stride")
    _check_blocks(("kernel", "stride", "dilation", "padding"), kernel=kernel, dilation=dilation, padding=padding,
                  stride=stride)
    if x.ndim not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(x.shape)}")
    check_kernel("fold", x)
    pads = tuple((p, p) for p in padding)
    columns, windows = x.shape[-2:]
    if columns % math.prod(kernel):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={columns} and kernel_size=({kernel[0]}, {kernel[1]}).")
    expected = math.prod(windows_count(size, kernel, dilation, pads, stride))
    if windows != expected:
        counts = windows_count(size, kernel, dilation, pads, stride)
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, {kernel[1]}), "
                           f"dilation=({dilation[0]}, {dilation[1]}), padding=({pads[0][0]}, {pads[1][0]}), "
                           f"stride=({stride[0]}, {stride[1]}), expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {counts[0]} * {counts[1]} = {expected}, but got "
                           f"input.size(2)={windows}.")
    return col2im(input, size, kernel, dilation, pads, stride)


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(ConvolutionBackward0)
def _convolution_kernel(out, inputs, saved, args):
    geometry, transposed = args
    if transposed:
        return Kernel(_transposed_convolution_array, inputs + (geometry, out.shape[2:]))
    return Kernel(_convolution_array, inputs + (geometry,))


def _convolution_array(x, w, bias, geometry):
    out = _correlate(x, w, geometry)
    if bias is not None:
        out += bias.reshape(_bias_shape(w.shape[0], len(geometry.kernel)))
    return out


def _transposed_convolution_array(x, w, bias, geometry, size):
    out = _correlate_transposed(x, w, geometry, size)
    if bias is not None:
        out += bias.reshape(_bias_shape(w.shape[1] * geometry.groups, len(geometry.kernel)))
    return out
