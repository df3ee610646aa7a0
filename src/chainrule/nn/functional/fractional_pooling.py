"""Fractional max pooling (``fractional_max_pool2d``/``3d`` and their ``_with_indices`` forms): the maximum of
each ``kernel_size`` window, the windows placed at pseudo-random steps so that the output has the requested
size, however it divides the input.

Each plane draws one number in [0, 1) per pooled dim (2-d pooling draws the width's first), as
``_random_samples`` drawn with ``chainrule.rand`` as PyTorch draws them, so the same seed gives the same
windows; window ``i`` then starts at ``int((i + u) * alpha) - int(u * alpha)`` with
``alpha = (input - kernel) / (output - 1)``, computed in the input's dtype as PyTorch computes it, and the
last window ends at the input's end. A NaN wins its window.
The gradient goes to each maximum's position (``FractionalMaxPool2DBackward0``), as max pooling's does.
"""

from ..._array import namespace_of
from ..._errors import argument_type_error
from ..._float_errors import silent_float_errors
from ..._ops._arguments import check_tensors
from ..._ops._op import record, traced
from ..._ops.pointwise_base import no_kernel_error
from ..._random import rand
from ..._tensor import make_tensor
from ._windows import gather_node, scatter_node

FUNCTIONS = ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
             "fractional_max_pool3d_with_indices"]
METHODS = []

_NODES = {rank: (gather_node(f"FractionalMaxPool{rank}DBackward0"),
                 scatter_node(f"FractionalMaxPool{rank}DBackwardBackward0")) for rank in (2, 3)}
_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}
# which of a plane's samples places the windows along each dim: PyTorch's 2-d pooling reads width's first
_SAMPLE_COLUMNS = {2: (1, 0), 3: (0, 1, 2)}
_ERROR_PREFIX = {2: "fractional_max_pool2d()", 3: "fractional_max_pool3d_out()"}


def _sizes(value, rank, name, position):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if not (isinstance(value, (tuple, list)) and all(isinstance(v, int) for v in value)):
        raise argument_type_error(f"fractional_max_pool{rank}d", name, position, "tuple of ints", value)
    value = tuple(value)
    if len(value) == 1:
        return value * rank
    if len(value) != rank:
        raise RuntimeError(f"fractional_max_pool{rank}d: {name} must either be a single Int or tuple of Ints")
    return value


def _output_size(input, output_size, output_ratio, rank):
    if output_size is None and output_ratio is None:
        raise ValueError(f"fractional_max_pool{rank}d requires specifying either an output_size or an output_ratio")
    if output_size is not None:
        return output_size
    if rank == 2 and len(output_ratio) > 2:
        raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")
    ratios = (output_ratio,) * rank if isinstance(output_ratio, (int, float)) else tuple(output_ratio)
    sizes = [int(input.size(d - rank) * ratios[d]) for d in range(rank)]
    for position, size in enumerate(sizes, 1):
        if abs(size) >= 2 ** 63:  # PyTorch's argument parser cannot hold the size it computed
            raise TypeError(f"fractional_max_pool{rank}d(): argument 'output_size' failed to unpack the object at pos "
                            f"{position} with error \"Overflow when unpacking long long\"")
    return sizes


def _check(input, kernel, output, samples, rank):
    x = input._data
    prefix = _ERROR_PREFIX[rank]
    if x.ndim not in (rank + 1, rank + 2):
        raise RuntimeError(f"{prefix}: Expected {rank + 1}D or {rank + 2}D tensor, but got: {list(x.shape)}")
    for d in range(1, x.ndim):
        if x.shape[d] == 0:
            raise RuntimeError(f"{prefix}: Expected input to have non-zero size for non-batch dimensions, but "
                               f"got{list(x.shape)} with dimension {d} being empty.")
    if samples.dim() != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got {samples.dim()}")
    if samples.shape[1] != x.shape[-rank - 1]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples.shape[2] != rank:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {rank}; got {samples.shape[2]}.")
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    for d, name in enumerate(_DIM_NAMES[rank]):
        size, pool, count = x.shape[x.ndim - rank + d], kernel[d], output[d]
        fits = count + pool - 1 <= size if rank == 2 else count + pool - 1 < size
        if not fits:
            raise RuntimeError(f"{prefix}: pool {name} {pool} too large relative to input {name} {size}")


def _window_starts(xp, samples, size, count, pool):
    """Where each of ``count`` windows of ``pool`` starts along a dim of ``size``, per plane's sample."""
    dtype = samples.dtype
    starts = xp.full(samples.shape + (count,), size - pool, dtype=xp.int64)
    if count > 1:
        alpha = dtype.type(size - pool) / dtype.type(count - 1)
        steps = xp.arange(count - 1).astype(dtype)
        at = ((steps + samples[..., None]) * alpha).astype(xp.int64)
        starts[..., :count - 1] = at - (samples * alpha).astype(xp.int64)[..., None]
    return starts


def _fractional_max_arrays(x, samples, kernel, output, rank):
    """The window maxima and their flat positions within each plane, shaped ``(..., *output)``."""
    xp = namespace_of(x)
    unbatched = x.ndim == rank + 1
    planes = x[None] if unbatched else x
    spatial = planes.shape[2:]
    flat = planes.reshape(planes.shape[:2] + (-1,))
    columns = _SAMPLE_COLUMNS[rank]
    starts = [_window_starts(xp, samples[:planes.shape[0], :, columns[d]], spatial[d], output[d], kernel[d])
              for d in range(rank)]
    shape = planes.shape[:2] + tuple(output)
    best = xp.full(shape, float("-inf"), dtype=x.dtype)
    # the first position of each window is its index until something beats minus infinity
    first = xp.zeros(shape, dtype=xp.int64)
    strides = [1] * rank
    for d in range(rank - 2, -1, -1):
        strides[d] = strides[d + 1] * spatial[d + 1]
    lines = []
    for d in range(rank):
        line_shape = [1] * rank
        line_shape[d] = output[d]
        lines.append(starts[d].reshape(planes.shape[:2] + tuple(line_shape)))
    for d in range(rank):
        first = first + lines[d] * strides[d]
    index = first.copy()
    for offset in _offsets(kernel):
        position = first + sum(o * s for o, s in zip(offset, strides))
        values = xp.take_along_axis(flat, position.reshape(shape[:2] + (-1,)), axis=-1).reshape(shape)
        better = (values > best) | xp.isnan(values)
        best = xp.where(better, values, best)
        index = xp.where(better, position, index)
    if unbatched:
        return best[0], index[0]
    return best, index


def _offsets(kernel):
    """Every offset inside a window, last dim fastest (the order PyTorch scans them in)."""
    result = [()]
    for size in kernel:
        result = [previous + (k,) for previous in result for k in range(size)]
    return result


@silent_float_errors
def _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, random_samples, rank):
    output = _output_size(input, output_size, output_ratio, rank)
    if random_samples is None:
        batch = 1 if input.dim() == rank + 1 else input.size(0)
        random_samples = rand(batch, input.size(-rank - 1), rank, dtype=input.dtype, device=input.device)
    check_tensors(f"fractional_max_pool{rank}d", ("input", 1, input), ("random_samples", 4, random_samples))
    kernel = _sizes(kernel_size, rank, "kernel_size", 2)
    output = _sizes(output, rank, "output_size", 3)
    _check(input, kernel, output, random_samples, rank)
    if input._data.dtype.kind != "f":
        raise no_kernel_error(f"fractional_max_pool{rank}d_out_frame", input._data.dtype)
    values, indices = traced(_fractional_max_arrays, input, random_samples, kernel, output, rank)
    node, scatter = _NODES[rank]
    out = record(values, node, (input,), (), (indices, input._data.shape, rank, scatter))
    return out, make_tensor(indices)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """The maxima over pseudo-randomly stepped ``kernel_size`` windows, and where in each plane they are."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 2)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """The maxima over pseudo-randomly stepped 3-d windows, and where in each volume they are."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio, return_indices, _random_samples, 3)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    out, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio,
                                                      return_indices, _random_samples)
    return (out, indices) if return_indices else out


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    out, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio,
                                                      return_indices, _random_samples)
    return (out, indices) if return_indices else out
