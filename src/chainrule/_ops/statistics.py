"""Statistics and finite differences built from differentiable ops: ``cov``, ``corrcoef``, ``cdist``, ``dist``,
``renorm``, ``diff``, ``gradient``, ``trapezoid``/``trapz``, ``cumulative_trapezoid``.

Written as compositions (sums, products, norms, slices), so first and higher derivatives follow from
those ops' rules.
"""

import warnings

from .._array import all_true, any_true, namespace_of
from .._creation import tensor, zeros
from .._dtype import get_default_dtype
from .._errors import argument_type_error, type_name
from .._tensor import Tensor, _wrap_dim
from ._arguments import check_tensors, int_argument, number_argument
from .kernel_dtypes import check_kernel
from ._broadcast import broadcast_shapes
from ._op import OUTPUT, derivative, record
from .._float_errors import silent_float_errors
from .arithmetic import div, mul, sub
from .matmul import matmul
from .cumulative import cumsum
from .indexing import narrow, select
from .inplace import make_inplace
from .joining import cat
from .norms import vector_norm
from .pointwise import where
from .pointwise_binary import clamp
from .pointwise_compare import logical_xor
from .diagonals import diagonal
from .shape import unsqueeze

__all__ = ["cov", "corrcoef", "cdist", "dist", "renorm", "diff", "gradient", "trapezoid", "trapz",
           "cumulative_trapezoid"]
FUNCTIONS = __all__
METHODS = ["cov", "corrcoef", "dist", "renorm", "diff"]


def _floating(x):
    return x if x.dtype.is_floating_point or x.dtype.is_complex else x.to(get_default_dtype())


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the variables in the rows of ``input`` (observations in the columns)."""
    check_tensors("cov", ("input", input), *[(name, weights) for name, weights in
                                             (("fweights", fweights), ("aweights", aweights)) if weights is not None])
    if input.dtype.category == 0:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    if aweights is not None and not aweights.dtype.is_floating_point:
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                           f"{aweights.dtype.scalar_type_name} dtype")
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    for name, given in (("fweights", fweights), ("aweights", aweights)):
        if given is not None and not all_true(given._data >= 0):  # a NaN weight too, as in PyTorch
            raise RuntimeError(f"cov(): {name} cannot be negative")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    observations = x.shape[1]
    weights = fweights
    if aweights is not None:
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        average = x.mean(1) if x.dtype.is_floating_point or x.dtype.is_complex else _floating(x).mean(1)
        total = tensor(float(observations))
        norm_factor = total - correction
    else:
        total = weights.sum()
        if not any_true(total._data != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
        average = (_floating(x) * weights).sum(1) / total
        if aweights is None:
            norm_factor = total - correction
        else:
            norm_factor = total - correction * (weights * aweights).sum() / total
    if any_true(norm_factor._data <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm_factor = norm_factor.clamp(min=0)
    centred = _floating(x) - average.unsqueeze(1)
    weighted = centred if weights is None else centred * weights
    covariance = weighted @ centred.transpose(0, 1).conj()
    return div(covariance, norm_factor).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input``, clipped to [-1, 1]."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    stddev = diagonal(c).sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    if c.dtype.is_complex:
        return clamp(c.real, -1, 1) + 1j * clamp(c.imag, -1, 1)
    return clamp(c, -1, 1)


_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distance between each row of ``x1`` and each row of ``x2`` (batched).

    The Euclidean distance between more than 25 rows (or always, with ``use_mm_for_euclid_dist``) is PyTorch's
    matrix product ``|a|**2 - 2 a.b + |b|**2``: quick and without the (rows, rows, width) differences, but with
    the rounding PyTorch's has (close points far from the origin may come out at 0)."""
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    check_tensors("cdist", ("x1", x1), ("x2", x2))
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                           f"{x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if not x.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {x.dtype.scalar_type_name}")
        check_kernel("cdist", x._data)
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist" or compute_mode == _COMPUTE_MODES[0] and
                   (rows1 > 25 or rows2 > 25)):
        batch = tuple(broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
        width = x1.shape[-1]
        flat1 = x1.expand(batch + (rows1, width)).reshape(-1, rows1, width)
        flat2 = x2.expand(batch + (rows2, width)).reshape(-1, rows2, width)
        return _euclidean_dist(flat1, flat2).view(batch + (rows1, rows2))
    differences = unsqueeze(x1, -2) - unsqueeze(x2, -3)
    return vector_norm(differences, p, dim=-1)


@silent_float_errors
def _euclidean_dist_array(x1, x2):
    """PyTorch's form: rows padded so that one product gives ``|a|**2 - 2 a.b + |b|**2``, clamped at 0 before the
    square root (the rounding can make it negative)."""
    xp = namespace_of(x1)
    norms1, norms2 = (x1 * x1).sum(-1, keepdims=True), (x2 * x2).sum(-1, keepdims=True)
    padded1 = xp.concatenate([x1 * -2, norms1, xp.ones_like(norms1)], -1)
    padded2 = xp.concatenate([x2, xp.ones_like(norms2), norms2], -1)
    return xp.sqrt(xp.maximum(padded1 @ xp.swapaxes(padded2, -1, -2), 0))


def _distance_ratio(grad, result):
    """``grad / result``, 0 where the distance is 0 (PyTorch's choice of subgradient there)."""
    return where(result == 0, 0.0, grad / result)


def _euclidean_dist_grad_x1(grad, x1, x2, result):
    ratio = _distance_ratio(grad, result)
    return x1 * ratio.sum(-1, keepdim=True) - matmul(ratio, x2)


def _euclidean_dist_grad_x2(grad, x1, x2, result):
    ratio = _distance_ratio(grad, result)
    return x2 * ratio.sum(-2).unsqueeze(-1) - matmul(ratio.mT, x1)


EuclideanDistBackward0 = derivative("EuclideanDistBackward0", _euclidean_dist_grad_x1, _euclidean_dist_grad_x2,
                                    saves="x1 x2 result")


def _euclidean_dist(x1, x2):
    """``_euclidean_dist`` of two (batch, rows, width) tensors, recorded with PyTorch's rule."""
    return record(_euclidean_dist_array(x1._data, x2._data), EuclideanDistBackward0, (x1, x2), (x1, x2, OUTPUT))


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other``."""
    check_tensors("dist", ("input", input), ("other", other))
    return vector_norm(sub(input, other), p)


def renorm(input, p, dim, maxnorm):
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``."""
    check_tensors("renorm", ("input", input))
    dim = _wrap_dim(int_argument("renorm", "dim", 3, dim), input.dim())
    p, maxnorm = number_argument("renorm", "p", None, p), number_argument("renorm", "maxnorm", None, maxnorm)
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dim() <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.dim()} dimensions")
    others = [d for d in range(input.dim()) if d != dim]
    norms = vector_norm(input, p, dim=others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return mul(input, factor)


def _renorm_of_a_copy(input, p, dim, maxnorm):
    """renorm of a copy of ``input``: its norms' nodes keep the values the in-place write then replaces."""
    return renorm(input.clone(), p, dim, maxnorm)


renorm_ = make_inplace(_renorm_of_a_copy, "renorm")
METHOD_FORMS = {"renorm_": renorm_}


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim`` (``logical_xor`` for booleans)."""
    check_tensors("diff", ("input", input))
    n = int_argument("diff", "n", 2, n)
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    pieces = [t for t in (prepend, input, append) if t is not None]
    x = cat(pieces, dim) if len(pieces) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length <= 1:
            return narrow(x, dim, 0, 0)
        later, earlier = narrow(x, dim, 1, length - 1), narrow(x, dim, 0, length - 1)
        x = logical_xor(later, earlier) if x.dtype.category == 0 else sub(later, earlier)
    return x


def _spacing_per_dim(spacing, dims, input):
    if isinstance(spacing, (int, float)):
        return [float(spacing)] * len(dims)
    spacing = list(spacing)
    if len(spacing) == 1 and len(dims) > 1 and not isinstance(spacing[0], Tensor):
        spacing = spacing * len(dims)
    if len(spacing) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length "
                           f"{len(spacing)} and a dim argument of length {len(dims)}.")
    return spacing


def _one_gradient(f, h, dim, edge_order):
    size = f.shape[dim]
    if size < edge_order + 1:
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    part = lambda start, length: narrow(f, dim, start, length)  # noqa: E731
    if not isinstance(h, Tensor):
        interior = (part(2, size - 2) - part(0, size - 2)) / (2 * h)
        if edge_order == 1:
            first = (part(1, 1) - part(0, 1)) / h
            last = (part(size - 1, 1) - part(size - 2, 1)) / h
        else:
            first = (-1.5 * part(0, 1) + 2 * part(1, 1) - 0.5 * part(2, 1)) / h
            last = (0.5 * part(size - 3, 1) - 2 * part(size - 2, 1) + 1.5 * part(size - 1, 1)) / h
        return cat([first, interior, last], dim)
    shape = [1] * f.dim()
    shape[dim] = -1
    steps = (h[1:] - h[:-1]).to(f.dtype)
    dx1, dx2 = steps[:-1].reshape(shape), steps[1:].reshape(shape)
    a = -dx2 / (dx1 * (dx1 + dx2))
    b = (dx2 - dx1) / (dx1 * dx2)
    c = dx1 / (dx2 * (dx1 + dx2))
    interior = a * part(0, size - 2) + b * part(1, size - 2) + c * part(2, size - 2)
    d0, d1 = float(steps[0]), float(steps[1]) if size > 2 else float(steps[0])
    dl, dm = float(steps[-1]), float(steps[-2]) if size > 2 else float(steps[-1])
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / d0
        last = (part(size - 1, 1) - part(size - 2, 1)) / dl
    else:
        first = (-(2 * d0 + d1) / (d0 * (d0 + d1)) * part(0, 1) + (d0 + d1) / (d0 * d1) * part(1, 1)
                 - d0 / (d1 * (d0 + d1)) * part(2, 1))
        last = (dl / (dm * (dm + dl)) * part(size - 3, 1) - (dl + dm) / (dm * dl) * part(size - 2, 1)
                + (2 * dl + dm) / (dl * (dm + dl)) * part(size - 1, 1))
    return cat([first, interior, last], dim)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimated derivatives along each of ``dim`` by central differences (one-sided at the ends)."""
    check_tensors("gradient", ("input", input))
    int_argument("gradient", "edge_order", None, edge_order)
    if isinstance(spacing, str):
        raise argument_type_error("gradient", "spacing", 2, "tuple of Tensors", spacing)
    if spacing is None:
        spacing = 1
    if input.dtype.category == 0:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    if dim is None:
        dims = list(range(input.dim()))
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
    dims = [_wrap_dim(d, input.dim()) for d in dims]
    f = _floating(input)
    return tuple(_one_gradient(f, h, d, edge_order) for h, d in zip(_spacing_per_dim(spacing, dims, input), dims))


def _integrand(name, y, x, dx):
    """``(y, x, dx)`` of a trapezoid rule, checked as PyTorch checks them: ``x`` a tensor (or, positionally, the
    spacing), ``dx`` a number, neither given as None; no bool values."""
    check_tensors(name, ("y", y))
    if x is None or dx is None:
        raise TypeError(f"{name}(): argument '{'x' if x is None else 'dx'}' must be Tensor or Number, not NoneType")
    if x is not _UNSET and not isinstance(x, Tensor):  # a spacing is given by keyword only
        raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, {type_name(x)}), but "
                        f"expected one of:\n * (Tensor y, Tensor x, *, int dim = -1)\n"
                        f" * (Tensor y, *, Number dx = 1, int dim = -1)\n")
    if y.dtype.category == 0:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    if x is not _UNSET and x.dtype.category == 0:
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not supported")
    return _floating(y), (None if x is _UNSET else x), (1 if dx is _UNSET else dx)


_UNSET = object()  # trapezoid's x and dx when not given: None is refused, as in PyTorch


def trapezoid(y, x=_UNSET, *, dx=_UNSET, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, at points ``x`` or spacing ``dx``."""
    y, x, spacing = _integrand("trapezoid", y, x, dx)
    if y.dim() == 0:  # PyTorch names dim 0 when points are given
        raise IndexError(f"Dimension specified as {dim if x is None else 0} but tensor has no dimensions")
    length = y.shape[dim]
    if length == 0:
        return zeros(tuple(s for i, s in enumerate(y.shape) if i != dim % y.dim()), dtype=y.dtype)
    if x is not None:
        if x.dim() == 1:
            shape = [1] * y.dim()
            shape[dim] = -1
            x = x.reshape(shape)
        steps = diff(x, dim=dim)
        return ((narrow(y, dim, 1, length - 1) + narrow(y, dim, 0, length - 1)) * steps).sum(dim) / 2
    ends = select(y, dim, 0) + select(y, dim, -1)
    return (y.sum(dim) - ends * 0.5) * spacing


def trapz(y, x=_UNSET, *, dx=_UNSET, dim=-1):
    """The former name of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=_UNSET, *, dx=_UNSET, dim=-1):
    """The running integral of ``y`` along ``dim`` by the trapezoidal rule (one element shorter)."""
    y, x, spacing = _integrand("cumulative_trapezoid", y, x, dx)
    length = y.shape[dim]
    if length == 0:
        return y
    pairs = narrow(y, dim, 1, length - 1) + narrow(y, dim, 0, length - 1)
    if x is not None:
        if x.dim() == 1:
            shape = [1] * y.dim()
            shape[dim] = -1
            x = x.reshape(shape)
        return cumsum(pairs * diff(x, dim=dim) / 2, dim)
    return cumsum(pairs * (spacing / 2), dim)

