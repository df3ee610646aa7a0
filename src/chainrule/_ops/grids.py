"""Grids, products of index sets and structured matrices, built from the shape and joining ops:
``meshgrid``, ``broadcast_tensors``/``broadcast_shapes``, ``cartesian_prod``, ``combinations``,
``tril_indices``/``triu_indices``, ``block_diag``, ``diagflat``, ``vander``, ``unravel_index``, ``range``.

Each is a composition of differentiable ops (expand, stack, index, cat, cumprod), so gradients of every
order come from theirs.
"""

import math
import warnings

from .._array import NUMPY
from .._creation import tensor, zeros
from .._errors import type_name
from .._dtype import get_default_dtype, int64, promote_types
from .._signatures import Signatures
from .._size import Size
from .._tensor import Tensor
from ._arguments import bool_argument, check_tensor_sequence, check_tensors, int_argument
from .joining import cat, flip, stack
from .pointwise import where
from .diagonals import diag_embed
from .shape import expand, reshape
from .cumulative import cumprod

__all__ = ["meshgrid", "broadcast_tensors", "broadcast_shapes", "cartesian_prod", "combinations", "tril_indices",
           "triu_indices", "block_diag", "diagflat", "vander", "unravel_index", "range"]
FUNCTIONS = __all__
_INDICES = ("int row, int col, int offset = 0, *, ScalarType? dtype = None, Layout? layout = None, "
            "Device? device = None, bool? pin_memory = False")
# Checked before every call: these compute from a 0-d float tensor or one number what PyTorch refuses.
SIGNATURES = {
    "tril_indices": Signatures("tril_indices", _INDICES, eager=True),
    "triu_indices": Signatures("triu_indices", _INDICES, eager=True),
    "range": Signatures("range", "Scalar start, Scalar end, Scalar step = 1, *, Tensor? out = None, "
                                 "ScalarType? dtype = None, Layout? layout = None, Device? device = None, "
                                 "bool? pin_memory = False, bool? requires_grad = False", eager=True),
}
METHODS = ["diagflat"]

_builtin_range = range


def _tensors_arg(function, tensors):
    """``f(a, b)`` and ``f([a, b])`` both name the tensors (each checked to be one)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    check_tensor_sequence(function, tensors)
    return list(tensors)


def _shape_argument(shape):
    """One of ``broadcast_shapes``'s shapes as a tuple, refused as PyTorch's Python code refuses it."""
    if shape is None:
        return ()
    if isinstance(shape, int):
        return (shape,)
    if not isinstance(shape, (tuple, list, str)):
        raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {shape}")
    for size in shape:
        if not isinstance(size, int):  # PyTorch compares each size with 0
            raise TypeError(f"'<' not supported between instances of '{type(size).__name__}' and 'int'")
    return tuple(shape)


def broadcast_shapes(*shapes):
    """The shape all ``shapes`` broadcast to, with PyTorch's error for ones that do not."""
    sizes = [_shape_argument(s) for s in shapes]
    result = []
    for position in _builtin_range(1, max((len(s) for s in sizes), default=0) + 1):
        size = 1
        for index, shape in enumerate(sizes):
            if position > len(shape) or shape[-position] == 1:
                continue
            if size != 1 and shape[-position] != size:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[-position]} at {-position}! "
                                   f"Mismatching argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {[size] + result[::-1]}")
            size = shape[-position]
        result.append(size)
    return Size(result[::-1])


def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common shape."""
    tensors = _tensors_arg("broadcast_tensors", tensors)
    shape = _broadcast_shape_of(tensors)
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def _broadcast_shape_of(tensors):
    shape = ()
    for t in tensors:
        try:
            shape = NUMPY.broadcast_shapes(shape, t._data.shape)
        except ValueError:
            for dim in _builtin_range(1, min(len(shape), t.dim()) + 1):
                a, b = shape[-dim], t._data.shape[-dim]
                if a != b and 1 not in (a, b):
                    raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                                       f"non-singleton dimension {max(len(shape), t.dim()) - dim}") from None
            raise
    return shape


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: output ``i`` varies along dimension ``i`` (``"ij"``) or with the first two
    dimensions swapped (``"xy"``)."""
    tensors = _tensors_arg("meshgrid", tensors)
    if indexing is None:
        warnings.warn("chainrule.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if not isinstance(indexing, str):
        raise TypeError(f"meshgrid(): argument 'indexing' must be str, not {type_name(indexing)}")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t.dtype != tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    sizes = [t.numel() for t in order]
    grids = []
    for i, t in enumerate(order):
        view = [1] * len(order)
        view[i] = -1
        grids.append(expand(reshape(t, view), sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, one per row (a 1-d input is returned)."""
    tensors = _tensors_arg("cartesian_prod", tensors)
    for vector in tensors:
        if vector.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(vector.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input, r=2, with_replacement=False):
    """Rows of ``r`` elements of a 1-d tensor, in the order of ``itertools.combinations``."""
    check_tensors("combinations", ("input", input))
    r = int_argument("combinations", "r", 2, r)
    bool_argument("combinations", "with_replacement", None, with_replacement)
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if input.numel() > 1 and input.numel() ** r >= 2 ** 63:  # PyTorch builds the r-fold grid first
        raise RuntimeError("numel: integer multiplication overflow")
    if r == 0:
        return zeros(0, dtype=input.dtype)
    rows = _combination_rows(input.numel(), r, with_replacement)
    if not len(rows):
        return zeros((0, r), dtype=input.dtype)
    return input[tensor(rows.reshape(-1))].reshape(len(rows), r)


def _combination_rows(n, r, with_replacement):
    """The rows of ``itertools.combinations(range(n), r)`` (or with replacement) as one int64 array.

    Built a column at a time: each row is followed by every larger (or equal) index, in order, so the rows
    stay in itertools' lexicographic order without a Python step per row.
    """
    rows = NUMPY.arange(n, dtype=NUMPY.int64)[:, None]
    for _ in _builtin_range(r - 1):
        first = rows[:, -1] + (0 if with_replacement else 1)
        counts = n - first
        parent = NUMPY.repeat(NUMPY.arange(len(rows)), counts)
        starts = NUMPY.cumsum(counts) - counts
        following = NUMPY.arange(len(parent)) - starts[parent] + first[parent]
        rows = NUMPY.concatenate([rows[parent], following[:, None]], axis=1)
    return rows


def _triangle_indices(row, col, offset, dtype, lower):
    rows = NUMPY.arange(row)[:, None]
    cols = NUMPY.arange(col)[None, :]
    mask = (cols - rows <= offset) if lower else (cols - rows >= offset)
    r, c = NUMPY.nonzero(mask)
    return tensor(NUMPY.stack([r, c]).reshape(2, -1), dtype=dtype)


def tril_indices(row, col, offset=0, *, dtype=int64, device=None, layout=None):
    """Row and column indices of the lower triangle of a ``row x col`` matrix (on and below ``offset``)."""
    return _triangle_indices(row, col, offset, dtype, True)


def triu_indices(row, col, offset=0, *, dtype=int64, device=None, layout=None):
    """Row and column indices of the upper triangle of a ``row x col`` matrix (on and above ``offset``)."""
    return _triangle_indices(row, col, offset, dtype, False)


def block_diag(*tensors):
    """The tensors (0-d, 1-d as a row, or 2-d) as blocks along the diagonal of one matrix."""
    check_tensor_sequence("block_diag", tensors)
    blocks = []
    for position, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {position} "
                               f"has {t.dim()} dimensions")
        blocks.append(t.reshape(1, 1) if t.dim() == 0 else t.reshape(1, -1) if t.dim() == 1 else t)
    if not blocks:
        return zeros((1, 0))
    dtype = blocks[0].dtype
    for b in blocks[1:]:
        dtype = promote_types(dtype, b.dtype)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        height, span = b.shape
        pieces = [b.new_zeros((height, left), dtype=dtype), b.to(dtype),
                  b.new_zeros((height, width - left - span), dtype=dtype)]
        rows.append(cat(pieces, dim=1))
        left += span
    return cat(rows, dim=0)


def diagflat(input, offset=0):
    """A square matrix with the flattened ``input`` on diagonal ``offset``."""
    check_tensors("diagflat", ("input", input))
    return diag_embed(input.reshape(-1), offset)


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-d tensor: powers ``0 .. N-1`` of each element (decreasing by default)."""
    check_tensors("vander", ("x", x))
    if N is not None:
        N = int_argument("vander", "N", 2, N)
    bool_argument("vander", "increasing", None, increasing)
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = promote_types(x.dtype, int64)
    if N == 0:
        return zeros((x.shape[0], 0), dtype=dtype)
    if N == 1:
        powers = x.new_ones((x.shape[0], 1), dtype=dtype)
    else:
        columns = cat([x.new_ones((x.shape[0], 1), dtype=dtype),
                       expand(x.to(dtype).reshape(-1, 1), (x.shape[0], N - 1))], dim=1)
        powers = cumprod(columns, dim=1)
    return powers if increasing else flip(powers, -1)


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in an array of ``shape`` (a tuple of integer tensors)."""
    if not isinstance(indices, Tensor):
        indices = tensor(indices)
    if indices.dtype.category != 1:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    size = math.prod(shape)
    flat = indices._data
    if NUMPY.any((flat < -size) | (flat >= size)):
        raise ValueError("'indices' must be in range [-" + str(size) + ", " + str(size - 1) + "]")
    flat = where(indices < 0, indices + size, indices)
    coordinates = []
    for extent in reversed(shape):
        coordinates.append(flat.remainder(extent))
        flat = flat.div(extent, rounding_mode="floor")
    return tuple(reversed(coordinates))


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Deprecated: ``start .. end`` with ``end`` included, in the default float dtype."""
    warnings.warn("chainrule.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use chainrule.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    start, end, step = (float(v) if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = int(math.floor((end - start) / step)) + 1
    values = NUMPY.arange(max(count, 0)) * step + start
    return tensor(values, dtype=dtype or get_default_dtype(), requires_grad=requires_grad)
