"""Counting and searching: ``bincount``, ``histc``, ``histogram``, ``searchsorted``, ``bucketize``, ``isin``,
``unique_consecutive``.

Their results are counts and positions, which have no derivative (PyTorch records none either), so they
work on the arrays directly, each with the namespace of its input.
"""

from .._array import namespace_of
from .._creation import tensor
from .._dtype import _FROM_NUMPY, float32, float64, int32, int64
from .._tensor import Tensor, _wrap_dim, make_tensor
from ..return_types import make_return_type
from ._arguments import bool_argument, check_tensors, int_argument
from .kernel_dtypes import check_kernel
from .pointwise_base import no_kernel_error

__all__ = ["bincount", "histc", "histogram", "searchsorted", "bucketize", "isin", "unique_consecutive"]
FUNCTIONS = __all__
METHODS = ["bincount", "histc", "histogram", "unique_consecutive"]

histogram_result = make_return_type("histogram", ("hist", "bin_edges"))
_HISTOGRAM_TAIL = "*, Tensor? weight = None, bool density = False, object out = None"
SIGNATURES = {
    "bincount": "Tensor input, Tensor? weights = None, SymInt minlength = 0",
    "histc": "Tensor input, int bins = 100, Scalar min = 0, Scalar max = 0, *, Tensor? out = None",
    "histogram": (f"Tensor input, Tensor bins, {_HISTOGRAM_TAIL}",
                  "Tensor input, int bins = 100, *, object range = None, Tensor? weight = None, bool density = False, "
                  "object out = None"),
    "isin": ("Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False",
             "Scalar elements, Tensor test_elements, *, bool assume_unique = False, bool invert = False",
             "Tensor elements, Scalar test_elements, *, bool assume_unique = False, bool invert = False"),
    "searchsorted": ("Tensor sorted_sequence, Tensor input, *, bool out_int32 = False, bool right = False, "
                     "str? side = None, Tensor? sorter = None, Tensor? out = None",
                     "Tensor sorted_sequence, Scalar input, *, bool out_int32 = False, bool right = False, "
                     "str? side = None, Tensor? sorter = None, Tensor? out = None"),
}


def _as_tensor(value):
    return value if isinstance(value, Tensor) else tensor(value)


def bincount(input, weights=None, minlength=0):
    """How often each non-negative integer occurs (or the sum of its ``weights``)."""
    check_tensors("bincount", ("input", input))
    x = input._data
    xp = namespace_of(x)
    if x.ndim != 1 or input.dtype.category != 1 or (x.size and int(x.min()) < 0):
        if input.dtype.category != 1:
            raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype.scalar_type_name}'")
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return make_tensor(xp.bincount(x, minlength=minlength).astype(xp.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = float32 if weights.dtype is float32 else float64
    return make_tensor(xp.bincount(x, weights=w.astype(xp.float64), minlength=minlength).astype(dtype.np))


def _finite_range(x, low, high, name):
    if low == high and x.size:
        low, high = float(x.min()), float(x.max())
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError(f"{name}(): max must be larger than min")
    return low, high


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Counts in ``bins`` equal bins between ``min`` and ``max`` (the data's range when both are 0)."""
    check_tensors("histc", ("input", input))
    x = input._data
    xp = namespace_of(x)
    if bins <= 0:  # PyTorch's message names histogram here too; the count is checked before the dtype
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype.scalar_type_name}'")
    low, high = _finite_range(x, float(min), float(max), "torch.histc")
    values = x.reshape(-1).astype(xp.float64)
    inside = values[(values >= low) & (values <= high)]
    position = ((inside - low) * bins / (high - low)).astype(xp.int64)
    counts = xp.bincount(xp.minimum(position, bins - 1), minlength=bins)
    return make_tensor(counts.astype(x.dtype))


def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):
    """Counts (or weights, or a density) in ``bins``: a count of equal bins or a tensor of edges."""
    x = input._data
    xp = namespace_of(x)
    if not isinstance(bins, Tensor):
        bins = int_argument("histogram", "bins", 2, bins)
    if isinstance(bins, Tensor) and bins._data.ndim != 1:  # the bins are checked before the dtype
        raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got "
                           f"{bins._data.ndim} dimensions in the bins tensor for dimension 0")
    if not isinstance(bins, Tensor) and bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if x.dtype.kind not in "f":
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{input.dtype.scalar_type_name}'")
    if isinstance(bins, Tensor):
        edges = bins._data.astype(xp.float64)
    else:
        low, high = range if range is not None else (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
        low, high = _finite_range(x, float(low), float(high), "torch.histogram")
        if range is not None and low == high:
            low, high = low - 1, high + 1
        edges = xp.linspace(low, high, int(bins) + 1)
    w = None if weight is None else weight._data.reshape(-1)
    hist, edges = xp.histogram(x.reshape(-1), bins=edges, weights=w, density=density)
    return histogram_result((make_tensor(hist.astype(x.dtype)), make_tensor(edges.astype(x.dtype))))


def _index_dtype(out_int32):
    return int32 if out_int32 else int64


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """Where each value would be inserted to keep each innermost row of ``sorted_sequence`` sorted."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    boundaries = sorted_sequence._data
    xp = namespace_of(boundaries)
    for array in (boundaries, _as_tensor(input)._data):
        if array.dtype.kind == "c":
            raise no_kernel_error("searchsorted_out_cpu", array.dtype)
    if sorter is not None:
        boundaries = xp.take_along_axis(boundaries, sorter._data, axis=-1)
    values = _as_tensor(input)._data
    scalar = not isinstance(input, Tensor)
    mode = "right" if right else "left"
    if boundaries.ndim == 1:
        result = xp.searchsorted(boundaries, values, side=mode)
    else:
        if boundaries.shape[:-1] != values.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(boundaries.shape)} and input value tensor "
                               f"{list(values.shape)}")
        rows = boundaries.reshape(-1, boundaries.shape[-1])
        queries = values.reshape(rows.shape[0], -1)
        result = xp.stack([xp.searchsorted(r, q, side=mode) for r, q in zip(rows, queries)]).reshape(values.shape)
    result = xp.asarray(result).astype(_index_dtype(out_int32).np)
    return make_tensor(result.reshape(()) if scalar else result)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each value among 1-d ``boundaries`` (``right`` puts a value equal to a boundary after it)."""
    check_tensors("bucketize", ("boundaries", 2, boundaries))  # the input may be a number
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of ``elements`` occurs in ``test_elements``."""
    values = _as_tensor(elements)._data
    if isinstance(test_elements, Tensor):  # PyTorch views them flat: refused where a view cannot be
        test_elements.view(-1)
    tests = _as_tensor(test_elements)._data
    for array in (values, tests):
        if array.dtype.kind == "c":
            raise RuntimeError("Unsupported input type encountered for isin(): "
                               f"{_FROM_NUMPY[array.dtype].scalar_type_name}")
    xp = namespace_of(values)
    found = xp.isin(values, tests, invert=invert)
    return make_tensor(xp.asarray(found))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal values (or equal slices along ``dim``) to one, keeping the order."""
    check_tensors("unique_consecutive", ("input", input))
    for name, flag in (("return_inverse", return_inverse), ("return_counts", return_counts)):
        if isinstance(flag, Tensor):
            bool(flag)  # PyTorch's Python layer asks a tensor its truth value first (ambiguous for several)
        bool_argument("unique_consecutive", name, None, flag)
    x = input._data
    xp = namespace_of(x)
    if dim is not None:
        dim = _wrap_dim(int_argument("unique_consecutive", "dim", None, dim), x.ndim)
    check_kernel("unique", x)
    if dim is None:
        flat = x.reshape(-1)
        starts = xp.ones(flat.shape, dtype=bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        group = xp.cumsum(starts) - 1
        inverse = group.reshape(x.shape)
    else:
        moved = xp.moveaxis(x, dim, 0).reshape(x.shape[dim], -1)
        starts = xp.ones(moved.shape[0], dtype=bool)
        starts[1:] = xp.any(moved[1:] != moved[:-1], axis=1)
        values = xp.compress(starts, x, axis=dim)
        group = xp.cumsum(starts) - 1
        inverse = group
    counts = xp.bincount(group, minlength=int(starts.sum())) if group.size else xp.zeros(0, dtype=xp.int64)
    result = [make_tensor(values)]
    if return_inverse:
        result.append(make_tensor(inverse.astype(xp.int64)))
    if return_counts:
        result.append(make_tensor(counts.astype(xp.int64)))
    return result[0] if len(result) == 1 else tuple(result)

