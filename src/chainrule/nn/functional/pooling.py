"""Pooling: max (and its inverse, max unpooling), average, adaptive and power-average, over 1, 2
and 3 spatial dims.

Max pooling finds each window's winner on arrays and records only its flat index; its gradient
adds ``grad`` back at those indices (``scatter_flat``), whose own gradient gathers them again.
Average pooling is linear: window sums from ``im2col`` times one divisor per output position,
with ``col2im`` as its transpose. Adaptive average pooling applies one averaging matrix per
spatial dim (``apply_maps``). The 1-d functions run the 2-d ones on an added dim, as PyTorch does.
"""

import itertools
import math
import operator

from ..._array import INTEGER_TYPES, all_true, namespace_of
from ..._ops._arguments import bool_argument
from ..._ops._kernel import replays
from ..._ops._op import derivative, record
from ..._ops.pointwise import abs as _abs
from ..._ops.pointwise import relu, sign
from ..._ops._op import traced
from ..._tensor import make_tensor as _tensor
from ..._ops.kernel_dtypes import check_kernel
from ._max_scan import lowest, mesh_sum, plane_steps, separable_maxima, strided_reads
from ._windows import (apply_maps, col2im, constant_pad_array, gather_kernel, gather_node, maps_node,
                       scatter_kernel, scatter_node)
from ..._float_errors import silent_float_errors

FUNCTIONS = ["max_pool1d", "max_pool2d", "max_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d", "avg_pool1d",
             "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
             "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d"]
METHODS = []

_MAX_POOL = ("Tensor input, int[1] kernel_size, int[1]? stride = None, int[1] padding = 0, int[1] dilation = 1, "
             "bool ceil_mode = False, object return_indices = False")
_AVG_POOL = ("Tensor input, int[1] kernel_size, int[1]? stride = None, int[1] padding = 0, bool ceil_mode = False, "
             "bool count_include_pad = True")
SIGNATURES = {
    "max_pool1d": _MAX_POOL, "max_pool2d": _MAX_POOL, "max_pool3d": _MAX_POOL,
    **dict.fromkeys(("max_unpool2d", "max_unpool3d"), "Tensor input, Tensor indices, object kernel_size, "
                                                      "object stride = None, object padding = 0, "
                                                      "object output_size = None"),
    "avg_pool1d": _AVG_POOL, "avg_pool2d": f"{_AVG_POOL}, int? divisor_override = None",
    "avg_pool3d": f"{_AVG_POOL}, int? divisor_override = None",
    "adaptive_avg_pool1d": "Tensor input, int[1] output_size",
    "adaptive_max_pool1d": "Tensor input, int[1] output_size, object return_indices = False",
    # the 2-d and 3-d forms fill a None in output_size from the input in Python first
    "adaptive_avg_pool2d": "Tensor input, object output_size",
    "adaptive_avg_pool3d": "Tensor input, object output_size",
    "adaptive_max_pool2d": "Tensor input, object output_size, object return_indices = False",
    "adaptive_max_pool3d": "Tensor input, object output_size, object return_indices = False",
}

_AXES = {1: "W", 2: "HW", 3: "THW"}


def _tuple(value, rank, name, fn_name):
    if isinstance(value, INTEGER_TYPES):
        return (int(value),) * rank
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * rank
    if len(value) != rank:
        words = {2: "two", 3: "three"}[rank]
        raise RuntimeError(f"{fn_name}: {name} must either be a single int, or a tuple of {words} ints")
    return value


def _check_rank(input, rank, name):
    x = input._data
    if x.ndim not in (rank + 1, rank + 2):
        raise RuntimeError(f"non-empty {rank + 1}D or {rank + 2}D (batch mode) tensor expected for input")
    if any(s == 0 for s in x.shape[-rank - 1:]):
        raise RuntimeError(f"Expected {rank + 1}D or {rank + 2}D (batch mode) tensor with optional 0 dim batch size "
                           f"for input, but got:{list(x.shape)}")


def _output_size(size, kernel, stride, pad, dilation, ceil_mode):
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _check_max_pool_padding(kernel, padding):
    """Max pooling's second padding check: half the kernel, whatever the dilation (PyTorch's shape check)."""
    if all(p <= k // 2 for k, p in zip(kernel, padding)):
        return
    message = "pad should be smaller than or equal to half of kernel size, but got "
    if len(kernel) == 2:
        (kh, kw), (ph, pw) = kernel, padding
        raise RuntimeError(f"{message}padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}")
    (kt, kh, kw), (pt, ph, pw) = kernel, padding
    raise RuntimeError(f"{message}kT: {kt} kW: {kw} kH: {kh} padT: {pt} padW: {pw} padH: {ph}")


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, rank, name):
    """Checked kernel, stride, padding, dilation and output size, with PyTorch's messages."""
    kernel = _tuple(kernel_size, rank, "kernel_size", name)
    stride = kernel if stride is None or stride == [] or stride == () else _tuple(stride, rank, "stride", name)
    bool_argument(name, "ceil_mode", None, ceil_mode)  # (the signature's check words it, naming the caller)
    padding = _tuple(padding, rank, "padding", name)
    dilation = _tuple(dilation, rank, "dilation", name)
    if name == "avg_pool2d":  # PyTorch's reads the channels (an IndexError under 3 dims) before the stride
        input.size(-3)
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        parts = " ".join(f"d{a}: {s}" for a, s in zip(_AXES[rank], stride))
        raise RuntimeError(f"stride should be greater than zero, but got {parts}")
    if any(d <= 0 for d in dilation):
        parts = " ".join(f"dilation{a}: {d}" for a, d in zip(_AXES[rank], dilation))
        raise RuntimeError(f"dilation should be greater than zero, but got {parts}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    _check_rank(input, rank, name)
    if name.startswith("max_pool"):
        _check_max_pool_padding(kernel, padding)
    size = input._data.shape[-rank:]
    counts = tuple(_output_size(*args, ceil_mode) for args in zip(size, kernel, stride, padding, dilation))
    if any(c < 1 for c in counts):
        channels = input._data.shape[-rank - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (channels,) + size))}). Calculated output size: "
                           f"({'x'.join(map(str, (channels,) + counts))}). Output size is too small")
    # pad after enough for the last (ceil_mode) window to fit
    pads = tuple((p, max(p, (c - 1) * s + d * (k - 1) + 1 - n - p))
                 for p, c, s, d, k, n in zip(padding, counts, stride, dilation, kernel, size))
    return kernel, stride, pads, dilation, counts


# ---------------------------------------------------------------- max pooling
def _scan_starts(xp, size, stride, pads, dilation, counts):
    """Where PyTorch's scan of each window starts: its first position on or after 0 per dim."""
    starts = []
    for s, (p, _), d, c in zip(stride, pads, dilation, counts):
        start = xp.arange(c) * s - p
        starts.append(start + -(-xp.maximum(-start, 0) // d) * d)
    # a start past the last row would point outside the plane; keep it inside
    return xp.minimum(mesh_sum(xp, [start * step for start, step in zip(starts, plane_steps(size))]),
                      math.prod(size) - 1)


_MAX_POOL_NODES = {rank: (gather_node(f"MaxPool{rank}DWithIndicesBackward0"),
                          scatter_node(f"MaxPool{rank}DWithIndicesBackwardBackward0")) for rank in (2, 3)}
for _gather, _scatter in _MAX_POOL_NODES.values():  # compile replays the gather and scatter of the maxima
    replays(_gather)(gather_kernel)
    replays(_scatter)(scatter_kernel)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, rank, name):
    kernel, stride, pads, dilation, counts = _pool_geometry(input, kernel_size, stride, padding, dilation,
                                                            ceil_mode, rank, name)
    check_kernel(name, input._data)
    values, indices = traced(_max_pool_arrays, input, kernel, stride, pads, dilation, counts, rank)
    node, scatter = _MAX_POOL_NODES[rank]
    out = record(values, node, (input,), (), (indices, input._data.shape, rank, scatter))
    return (out, _tensor(indices)) if return_indices else out


def _max_pool_arrays(x, kernel, stride, pads, dilation, counts, rank):
    """The window maxima and their flat indices, shaped as the pooled output."""
    xp = namespace_of(x)
    size = x.shape[-rank:]
    padded = None
    if any(before or after for before, after in pads):  # padding never wins: it holds the lowest value
        padded = constant_pad_array(x, pads, lowest(xp, x.dtype))
    axes = [(strided_reads(k, d, c, s), xp.arange(c) * s - p, d)
            for k, s, (p, _), d, c in zip(kernel, stride, pads, dilation, counts)]
    return separable_maxima(x, axes, _scan_starts(xp, size, stride, pads, dilation, counts), padded)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2, "max_pool2d")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3, "max_pool3d")


def _check_1d(input, name):
    x = input._data
    if x.ndim not in (2, 3) or x.shape[-1] == 0 or x.shape[-2] == 0:
        raise RuntimeError(f"{name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(x.shape)}")


def _one(value):
    return value if isinstance(value, INTEGER_TYPES) else next(iter(value))


def _check_max_pool1d_numbers(kernel, stride, padding, dilation):
    """PyTorch's max_pool1d without indices checks its numbers before its kernel's dtype."""
    stride = kernel if stride is None else stride
    if kernel <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {kernel}")
    if stride <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {stride}")
    if padding < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {padding}")
    if padding > kernel // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={padding} "
                           f"and kernel_size={kernel}")
    if dilation <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {dilation}")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    _check_1d(input, "max_pool1d")
    stride = None if stride is None or stride == [] or stride == () else (1, _one(stride))
    if not return_indices:
        _check_max_pool1d_numbers(_one(kernel_size), stride and stride[1], _one(padding), _one(dilation))
        check_kernel("max_pool1d", input._data)
    result = max_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)), stride, (0, _one(padding)),
                        (1, _one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


# ---------------------------------------------------------------- max unpooling
def _unpool_size(input_size, kernel, stride, padding, output_size):
    default = tuple((n - 1) * s - 2 * p + k for n, k, s, p in zip(input_size, kernel, stride, padding))
    if output_size is None:
        return default
    requested = tuple(int(o) for o in output_size)[-len(kernel):]
    for dim, (size, base, s) in enumerate(zip(requested, default, stride)):
        if not base - s < size < base + s:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {dim} must be between {base - s} and '
                             f'{base + s})')
    return requested


_MAX_UNPOOL_NODES = {rank: scatter_node(f"MaxUnpool{rank}DBackward0") for rank in (2, 3)}


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, rank, name):
    """Each value put back at the position its max pooling took it from; zeros elsewhere."""
    kernel = _tuple(kernel_size, rank, "kernel_size", name)
    stride = kernel if stride is None else _tuple(stride, rank, "stride", name)
    x = input._data
    check_kernel(name, x)
    size = _unpool_size(x.shape[-rank:], kernel, stride, _tuple(padding, rank, "padding", name), output_size)
    index = indices._data
    if index.size and (index.min() < 0 or index.max() >= math.prod(size)):
        bad = index.max() if index.max() >= math.prod(size) else index.min()
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    lead = x.shape[:-rank]
    xp = namespace_of(x)
    planes = xp.zeros(lead + (math.prod(size),), dtype=x.dtype)
    # a position two windows both picked gets that value once (it is written, not added)
    count = math.prod(x.shape[-rank:])
    xp.put_along_axis(planes, index.reshape(lead + (count,)), x.reshape(lead + (count,)), axis=-1)
    return record(planes.reshape(lead + size), _MAX_UNPOOL_NODES[rank], (input,), (), (index, lead + size, rank))


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2, "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 3, "max_unpool3d")


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    stride = None if stride is None else (1, _one(stride))
    if output_size is not None and len(output_size) not in (1, 3):
        raise ValueError(f"output_size should be a sequence containing 1 or 3 elements, but it has a length of "
                         f"'{len(output_size)}'")
    size = None if output_size is None else (1, tuple(output_size)[-1])
    return max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, _one(kernel_size)), stride,
                        (0, _one(padding)), size).squeeze(-2)


# ---------------------------------------------------------------- average pooling
def _divisors(xp, size, kernel, stride, padding, counts, count_include_pad):
    """How many elements each output averages over, one factor per spatial dim multiplied out."""
    total = xp.ones(counts)
    for axis, (n, k, s, p, c) in enumerate(zip(size, kernel, stride, padding, counts)):
        start = xp.arange(c) * s - p
        end = xp.minimum(start + k, n + p)
        factor = end - start if count_include_pad else xp.minimum(end, n) - xp.maximum(start, 0)
        total = total * factor.reshape((-1,) + (1,) * (len(counts) - axis - 1))
    return total


@silent_float_errors
def _window_sums(x, kernel, stride, pads, counts, accumulate=None):
    """The sum over each window of the array ``x`` (any leading dims), shaped as the pooled output: a
    strided slice per window position added in, in the windows' row-major order, the order of PyTorch's
    loop (in ``accumulate``, by default 64-bit integers for integers and float32 for float16)."""
    xp = namespace_of(x)
    if any(before or after for before, after in pads):
        x = constant_pad_array(x, pads)
    total = None
    reads = ([read for read, _ in strided_reads(k, 1, c, s)] for k, c, s in zip(kernel, counts, stride))
    for slices in itertools.product(*reads):
        view = x[(Ellipsis,) + slices]
        if total is None:
            if accumulate is None:
                accumulate = xp.int64 if x.dtype.kind in "biu" else xp.float32 if x.dtype.itemsize < 4 else x.dtype
            total = view.astype(accumulate)
        else:
            total += view
    return total


def _avg_pool_grad(grad, shape, kernel, stride, pads, scale):
    rank = len(kernel)
    windows = scale.numel()
    spread = (grad.reshape(-1, 1, windows) * scale.reshape(windows)).expand(-1, math.prod(kernel), windows)
    return col2im(spread, shape[len(shape) - rank:], kernel, (1,) * rank, pads, stride).reshape(shape)


_AVG_POOL_NODES = {rank: derivative(f"AvgPool{rank}DBackward0", _avg_pool_grad) for rank in (2, 3)}


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, rank, name):
    kernel, stride, pads, _, counts = _pool_geometry(input, kernel_size, stride, padding, 1, ceil_mode, rank, name)
    check_kernel(name, input._data)
    bool_argument(name, "count_include_pad", None, count_include_pad)
    size = input._data.shape[-rank:]
    if rank == 3 and any(n < k for n, k in zip(size, kernel)):  # PyTorch's 3-d kernel asks this, padding aside
        raise RuntimeError(f"input image (T: {size[0]} H: {size[1]} W: {size[2]}) smaller than kernel size "
                           f"(kT: {kernel[0]} kH: {kernel[1]} kW: {kernel[2]})")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x = input._data
    xp = namespace_of(x)
    size = x.shape[-rank:]
    if divisor_override is not None:
        divisor = xp.full(counts, float(divisor_override))
    else:
        divisor = _divisors(xp, size, kernel, stride, [p for p, _ in pads], counts, count_include_pad)
    scale = _tensor((1 / divisor).astype(x.dtype if x.dtype.kind == "f" else xp.float64))
    sums = _window_sums(x, kernel, stride, pads, counts)
    if x.dtype.kind == "f":
        out = (sums / divisor.astype(sums.dtype)).astype(x.dtype, copy=False)  # PyTorch divides: its bits
    else:
        # integer division that truncates toward zero, as PyTorch's does
        whole = divisor.astype(x.dtype)
        out = (xp.sign(sums) * (xp.abs(sums) // whole)).astype(x.dtype)
    return record(out, _AVG_POOL_NODES[rank], (input,), (), (x.shape, kernel, stride, pads, scale))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2,
                     "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 3,
                     "avg_pool3d")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    _check_1d(input, "avg_pool1d")
    stride = None if stride is None or stride == [] or stride == () else (1, _one(stride))
    return avg_pool2d(input.unsqueeze(-2), (1, _one(kernel_size)), stride, (0, _one(padding)), ceil_mode,
                      count_include_pad).squeeze(-2)


# ---------------------------------------------------------------- adaptive pooling
def _adaptive_bounds(xp, size, out):
    index = xp.arange(out)
    return (index * size) // out, -((-(index + 1) * size) // out)


def _averaging_matrix(xp, size, out, dtype):
    """(out, size): row ``i`` averages the ``i``-th adaptive window."""
    start, end = _adaptive_bounds(xp, size, out)
    positions = xp.arange(size)
    inside = (positions >= start[:, None]) & (positions < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _requested_size(input, output_size):
    """The output size as PyTorch's Python layer passes it on: a sequence no longer than the input's dims, each
    None filled in from the input (``len()`` of anything else is a TypeError)."""
    x = input._data
    if isinstance(output_size, INTEGER_TYPES):
        return int(output_size)
    if len(output_size) >= x.ndim:
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return tuple(s if o is None else operator.index(o) for s, o in zip(x.shape[-len(output_size):], output_size))


def _adaptive_output_size(output_size, rank, name):
    """The op's output sizes: one int for every pooled dim, or as many as there are pooled dims."""
    if isinstance(output_size, int):
        return (output_size,) * rank
    if len(output_size) != rank:
        detail = "(): internal error: output_size.size()" if "max" in name else ": output_size"
        raise RuntimeError(f"{name}{detail} must be {rank}")
    return output_size


def _check_adaptive_input(x, rank, name, separator=""):
    """The pooled dims and every dim but the batch's non-empty."""
    if x.ndim not in (rank + 1, rank + 2):
        raise RuntimeError(f"{name}(): Expected {rank + 1}D or {rank + 2}D tensor, but got{separator} "
                           f"{list(x.shape)}")
    for dim in range(1, x.ndim):
        if x.shape[dim] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(x.shape)} with dimension {dim} being empty")


def _check_1d_adaptive(input, name):
    """The 1-d adaptive pools' own checks, before their 2-d pool's: 2 or 3 dims, the last non-empty."""
    x = input._data
    if x.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.ndim}-dimensional tensor for argument #1 'self' "
                           f"(while checking arguments for {name})")
    if "max" in name and x.shape[-1] == 0:
        raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch dimensions, but input has "
                           f"sizes {list(x.shape)} with dimension {x.ndim - 1} being empty")


_ADAPTIVE_AVG_NODES = {rank: maps_node(f"AdaptiveAvgPool{rank}DBackward0") for rank in (2, 3)}


def _adaptive_avg_pool(input, output_size, rank, name):
    counts = _adaptive_output_size(_requested_size(input, output_size), rank, name)
    if any(c < 0 for c in counts):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{', '.join(map(str, counts))}}}")
    if all(c == 1 for c in counts):
        # global average pooling is a mean, as PyTorch computes and records it: before any check of the input
        return input.mean(tuple(range(-rank, 0)), keepdim=True)
    x = input._data
    _check_adaptive_input(x, rank, name)
    check_kernel(name, x)
    xp = namespace_of(x)
    size = x.shape[-rank:]
    maps = tuple(_averaging_matrix(xp, n, out, x.dtype) for n, out in zip(size, counts))
    if not all(counts) or any(n % out for n, out in zip(size, counts)):
        return apply_maps(input, maps, _ADAPTIVE_AVG_NODES[rank])
    # windows of one size: average pooling's sums, divided by the window's size along each dim in turn, as
    # PyTorch divides (its bits; its 3-d kernel sums float16 in float16); the gradient by the maps
    kernel = tuple(n // out for n, out in zip(size, counts))
    averages = _window_sums(x, kernel, kernel, ((0, 0),) * rank, counts, x.dtype if rank == 3 else None)
    for k in kernel:
        averages /= k
    return record(averages.astype(x.dtype, copy=False), _ADAPTIVE_AVG_NODES[rank], (input,), (), (maps, size))


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg_pool(input, output_size, 3, "adaptive_avg_pool3d")


def adaptive_avg_pool1d(input, output_size):
    _check_1d_adaptive(input, "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _one(output_size))).squeeze(-2)


def _adaptive_max_arrays(x, counts, rank):
    """The adaptive windows' maxima and their flat indices. Along a dim that its output size divides,
    the windows are strided slices, as in max pooling; along any other, each window position is read
    by index, masked where a window is shorter than the longest."""
    xp = namespace_of(x)
    size = x.shape[-rank:]
    if not all(counts):
        empty = x.shape[:x.ndim - rank] + counts
        return xp.empty(empty, dtype=x.dtype), xp.empty(empty, dtype=xp.int64)
    axes = []
    for n, out in zip(size, counts):
        start, end = _adaptive_bounds(xp, n, out)
        if n % out == 0:
            width = n // out
            reads = strided_reads(width, 1, out, width)
        else:
            reads = [(xp.minimum(start + j, end - 1), start + j < end) for j in range(int((end - start).max()))]
        axes.append(([(read, None if valid is None or all_true(valid) else valid) for read, valid in reads], start, 1))
    return separable_maxima(x, axes, mesh_sum(xp, [start * step for (_, start, _), step
                                                    in zip(axes, plane_steps(size))]))


_ADAPTIVE_MAX_NODES = {rank: (gather_node(f"AdaptiveMaxPool{rank}DBackward0"),
                              scatter_node(f"AdaptiveMaxPool{rank}DBackwardBackward0")) for rank in (2, 3)}


def _adaptive_max_pool(input, output_size, return_indices, rank, name):
    requested = _requested_size(input, output_size)
    x = input._data
    _check_adaptive_input(x, rank, name, separator=":")
    counts = _adaptive_output_size(requested, rank, name)
    check_kernel(name, x)
    values, indices = traced(_adaptive_max_arrays, input, counts, rank)
    node, scatter = _ADAPTIVE_MAX_NODES[rank]
    out = record(values, node, (input,), (), (indices, x.shape, rank, scatter))
    return (out, _tensor(indices)) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max_pool(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max_pool(input, output_size, return_indices, 3, "adaptive_max_pool3d")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _check_1d_adaptive(input, "adaptive_max_pool1d")
    result = adaptive_max_pool2d(input.unsqueeze(-2), (1, _one(output_size)), return_indices)
    if return_indices:
        return result[0].squeeze(-2), result[1].squeeze(-2)
    return result.squeeze(-2)


# ---------------------------------------------------------------- power-average pooling
def _lp_finish(pooled, norm_type, window):
    return (sign(pooled) * relu(_abs(pooled))).mul(window).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kernel = _tuple(kernel_size, 3, "kernel_size", "lp_pool3d")
    pooled = avg_pool3d(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    return _lp_finish(pooled, norm_type, math.prod(kernel))


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """The ``norm_type``-norm of each window: ``(sum x**p) ** (1/p)``."""
    kernel = _tuple(kernel_size, 2, "kernel_size", "lp_pool2d")
    pooled = avg_pool2d(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    return _lp_finish(pooled, norm_type, math.prod(kernel))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    pooled = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(pooled, norm_type, _one(kernel_size))
