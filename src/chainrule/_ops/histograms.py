"""``histogramdd``: the histogram of points in N dimensions, each coordinate binned on its own edges.

Counts have no derivative (PyTorch's backward through them raises), so this works on the arrays directly,
with the namespace of its input. Equal-width edges are computed as PyTorch's ``linspace`` kernel
computes them (from both ends, with fused multiply-adds), so they match its edges to the bit, and so do
the bins the points fall in.
"""

from .._array import NUMPY, namespace_of
from .._tensor import Tensor, make_tensor
from ..return_types import make_return_type
from ._typed_arguments import invalid_combination

__all__ = ["histogramdd"]
FUNCTIONS = __all__

histogramdd_result = make_return_type("histogramdd", ("hist", "bin_edges"))
_OVERLOADS = tuple(f"Tensor input, {bins}, tuple of floats range = None, Tensor weight = None, bool density = False"
                   for bins in ("int bins", "tuple of ints bins", "tuple of Tensors bins"))
_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def _fail(message):
    raise RuntimeError(f"torch.histogramdd: {message}")


def _check_input(input, weight):
    x = input._data
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{input.dtype.scalar_type_name}'")
    if x.ndim < 2:
        _fail("input tensor should have at least 2 dimensions")
    if weight is None:
        return
    if tuple(weight.shape) != tuple(x.shape[:-1]):
        _fail(f"if weight tensor is provided it should have the same shape as the input tensor excluding its "
              f"innermost dimension, but got input with shape {list(x.shape)} and weight with shape "
              f"{list(weight.shape)}")
    if weight.dtype != input.dtype:
        _fail(f"if weight tensor is provided, input tensor and weight tensor should have the same dtype, but got "
              f"input({_TYPE_NAMES[x.dtype.name]}), and weight({_TYPE_NAMES[weight._data.dtype.name]})")


def _given_edges(input, bins):
    for dim, edges in enumerate(bins):
        if not isinstance(edges, Tensor):
            raise TypeError(f"expected Tensor as element {dim} in argument 1, but got {type(edges).__name__}")
        if edges.dim() != 1:
            _fail(f"bins tensor should have one dimension, but got {edges.dim()} dimensions in the bins tensor for "
                  f"dimension {dim}")
        if edges.numel() == 0:
            _fail(f"bins tensor should have at least 1 element, but got 0 elements in the bins tensor for dimension "
                  f"{dim}")
        if edges.dtype != input.dtype:
            _fail(f"input tensor and bins tensors should have the same dtype, but got input with dtype "
                  f"{_TYPE_NAMES[input._data.dtype.name]} and bins for dimension {dim} with dtype "
                  f"{_TYPE_NAMES[edges._data.dtype.name]}")
    return [edges.detach() for edges in bins]


def _edges_between(xp, low, high, count, dtype):
    """``count + 1`` equal-width edges from ``low`` to ``high``: the first half stepped up from ``low``, the rest
    down from ``high``, each a multiply-add rounded once (extended precision stands in for the fused one)."""
    low, high = NUMPY.asarray(low, dtype=dtype), NUMPY.asarray(high, dtype=dtype)
    step = ((high - low) / dtype.type(count)).astype(dtype)
    index = NUMPY.arange(count + 1)
    wide = NUMPY.longdouble
    up = wide(low) + wide(step) * index
    down = wide(high) - wide(step) * (count - index)
    values = NUMPY.where(index < (count + 1) // 2, up, down).astype(dtype)
    return make_tensor(xp.from_host(values) if xp is not NUMPY else values)


def _number(value):
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _equal_width_edges(input, points, counts, range):
    dims = len(counts)
    if range is not None and len(range) != 2 * dims:
        _fail(f"for a {dims}-dimensional histogram range should have {2 * dims} elements, but got {len(range)}")
    edges = []
    for dim, count in enumerate(counts):
        if count <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {count} for dimension {dim}")
        if range is not None:
            low, high = float(range[2 * dim]), float(range[2 * dim + 1])
        elif points.shape[0]:
            low, high = float(points[:, dim].min()), float(points[:, dim].max())
        else:
            low, high = 0.0, 1.0
        if low > high:
            _fail(f"min should not exceed max, but got min {_number(low)} max {_number(high)} for dimension {dim}")
        if not (abs(low) < float("inf") and abs(high) < float("inf")):
            _fail(f"dimension {dim}'s range [{_number(low)}, {_number(high)}] is not finite")
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges.append(_edges_between(namespace_of(points), low, high, count, points.dtype))
    return edges


def histogramdd(input, bins, *, range=None, weight=None, density=False, out=None):
    """How many of the points (the rows of ``input`` flattened to ``(M, N)``) fall in each N-dimensional bin,
    or their total ``weight``, or a density; with the edges used along each dimension."""
    if isinstance(bins, Tensor):
        raise invalid_combination("histogramdd", (input, bins), _OVERLOADS)
    _check_input(input, weight)
    x = input._data
    xp = namespace_of(x)
    dims = x.shape[-1]
    points = x.reshape(-1, dims)
    if isinstance(bins, int):
        bins = [bins] * dims
    if len(bins) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    if all(isinstance(b, int) for b in bins):
        edges = _equal_width_edges(input, points, bins, range)
    else:
        edges = _given_edges(input, bins)
    shape = tuple(e.shape[0] - 1 for e in edges)
    inside = xp.ones(points.shape[0], dtype=bool)
    flat = xp.zeros(points.shape[0], dtype=xp.int64)
    for dim, edge_tensor in enumerate(edges):
        e = edge_tensor._data
        values = points[:, dim]
        inside &= (values >= e[0]) & (values <= e[-1])
        position = xp.searchsorted(e, values, side="right") - 1
        position = xp.clip(position, 0, max(shape[dim] - 1, 0))  # the last edge belongs to the last bin
        flat = flat * shape[dim] + position
    size = 1
    for n in shape:
        size *= n
    weights = None if weight is None else weight._data.reshape(-1)[inside]
    if size:
        counts = xp.bincount(flat[inside], weights=weights, minlength=size).astype(x.dtype)
    else:
        counts = xp.zeros(0, dtype=x.dtype)
    hist = counts.reshape(shape)
    if density:
        volume = xp.ones(shape, dtype=x.dtype)
        for dim, edge_tensor in enumerate(edges):
            widths = xp.diff(edge_tensor._data)
            shape_along = [1] * dims
            shape_along[dim] = -1
            volume = volume * widths.reshape(tuple(shape_along))
        hist = hist / hist.sum() / volume
    return histogramdd_result((make_tensor(hist.astype(x.dtype, copy=False)), tuple(edges)))
