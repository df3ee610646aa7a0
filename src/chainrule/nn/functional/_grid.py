"""``affine_grid`` and ``grid_sample``: sampling an image at arbitrary (normalised) positions.

Each output of ``grid_sample`` reads up to four input pixels (bilinear) or one (nearest). Where a
sample lands is a function of the grid that is linear piece by piece: ``position = slope * x +
offset``, the slope being 1 inside the image, 0 where ``'border'`` clamps and -1 on a reflected
stretch. Freezing slope, offset and the integer corner of each sample, the sample's weights are
ordinary chainrule expressions of the grid, so the vjps below (built from ``gather_flat`` and
``scatter_flat``) are differentiable again in the input, the grid and the incoming gradient.
"""

import itertools
import math
import warnings

from ..._array import namespace_of
from ..._ops._op import derivative, record
from ..._signatures import Signatures
from ..._tensor import Tensor, make_tensor
from ._windows import GatherFlatBackward, ScatterFlatBackward, plane_offsets, gather_flat, scatter_flat
from ..._float_errors import silent_float_errors
from ..._ops._arguments import bool_argument
from ..._ops.kernel_dtypes import check_kernel

FUNCTIONS = ["affine_grid", "grid_sample"]
METHODS = []
# (its Python layer checks the mode strings first, with a ValueError for anything else)
SIGNATURES = {"grid_sample": Signatures("grid_sampler", "Tensor input, Tensor grid, object mode = 'bilinear', "
                                                        "object padding_mode = 'zeros', bool? align_corners = None")}

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _align(align_corners):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool_argument("affine_grid_generator", "align_corners", 3, align_corners)


# ---------------------------------------------------------------- affine_grid
def _base_coordinates(xp, size, align_corners):
    """Normalised pixel centres along one dim."""
    if size == 1:
        return xp.zeros(1)
    line = xp.linspace(-1.0, 1.0, size)
    return line if align_corners else line * (size - 1) / size


def _base_grid(xp, spatial, align_corners, dtype):
    """(prod(spatial), rank + 1): each output position as homogeneous (x, y[, z], 1), x fastest."""
    axes = [_base_coordinates(xp, s, align_corners) for s in spatial]
    mesh = xp.meshgrid(*axes, indexing="ij")
    columns = [m.ravel() for m in mesh[::-1]] + [xp.ones(mesh[0].size)]
    return xp.stack(columns, axis=1).astype(dtype)


def _affine_grid_grad(grad, base):
    n, dims = grad.shape[0], grad.shape[-1]
    return grad.reshape(n, -1, dims).swapaxes(1, 2) @ base


AffineGridGeneratorBackward0 = derivative("AffineGridGeneratorBackward0", _affine_grid_grad)


@silent_float_errors
def affine_grid(theta, size, align_corners=None):
    """The sampling grid (N, *spatial, rank) that the affine maps ``theta`` (N, rank, rank + 1) give."""
    if isinstance(theta, Tensor) and not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    align_corners = _align(align_corners)
    if len(size) not in (4, 5):  # asked of the size as given, before its elements are read
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    size = tuple(int(s) for s in size)
    rank = len(size) - 2
    t = theta._data
    if t.ndim != 3 or t.shape[1:] != (rank, rank + 1) or t.shape[0] != size[0]:
        raise ValueError(f"Expected a batch of {rank}D affine matrices of shape Nx{rank}x{rank + 1} for size {size}. "
                         f"Got torch.Size({list(t.shape)}).")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation of "
                      "affine_grid for details.", UserWarning, stacklevel=2)
    base = _base_grid(namespace_of(t), size[2:], align_corners, t.dtype)
    out = (base @ t.swapaxes(1, 2)).reshape((size[0],) + size[2:] + (rank,))
    return record(out, AffineGridGeneratorBackward0, (theta,), (), (make_tensor(base),))


# ---------------------------------------------------------------- where samples land
def _reflect(x, low, high):
    """Fold ``x`` into ``[low, high]`` by reflection; returns the folded values and the slope (+1 or -1)."""
    xp = namespace_of(x)
    span = high - low
    if span <= 0:
        return xp.zeros_like(x), xp.zeros_like(x)
    distance = xp.abs(x - low)
    flips = xp.floor(distance / span)
    extra = xp.fmod(distance, span)
    forward = flips % 2 == 0
    folded = xp.where(forward, extra + low, span - extra + low)
    slope = xp.where(forward, 1.0, -1.0) * xp.where(x >= low, 1.0, -1.0)
    return folded, slope


@silent_float_errors
def _source_line(coordinate, size, padding_mode, align_corners):
    """Pixel positions of normalised ``coordinate`` (array) along a dim of ``size``, as (value, slope)."""
    xp = namespace_of(coordinate)
    scale = (size - 1) / 2 if align_corners else size / 2
    value = (coordinate + 1) * scale - (0 if align_corners else 0.5)
    slope = xp.full(value.shape, scale)
    if padding_mode == "reflection":
        low, high = (0, size - 1) if align_corners else (-0.5, size - 0.5)
        value, turn = _reflect(value, low, high)
        slope = slope * turn
    if padding_mode in ("border", "reflection"):
        inside = (value >= 0) & (value <= size - 1)
        value = xp.clip(value, 0, size - 1)
        slope = xp.where(inside, slope, 0.0)
    return value, slope


def _position_padding(mode, padding_mode):
    """Bicubic sampling pads each of its taps, not the sample position (as PyTorch does)."""
    return "zeros" if mode == "bicubic" else padding_mode


@silent_float_errors
def _plan(g, spatial, mode, padding_mode, align_corners):
    """What a sampling reads, fixed by where the samples land (found once per call, from the grid array).

    Per grid axis (x first): the slope and offset that make ``slope * grid + offset`` the sample position
    (the slope is also its derivative in the grid), and the position's floor; per pixel read (a corner):
    its flat index into the (…, H, W) plane, whether it lies inside, and its step from the floor along
    each axis. Nearest sampling reads one pixel and has no floors."""
    xp = namespace_of(g)
    slopes, offsets, positions = [], [], []
    for axis, size in enumerate(spatial[::-1]):
        coordinate = g[..., axis]
        value, slope = _source_line(coordinate, size, _position_padding(mode, padding_mode), align_corners)
        slope, offset = slope.astype(g.dtype), (value - slope * coordinate).astype(g.dtype)
        slopes.append(slope)
        offsets.append(offset)
        positions.append(coordinate * slope + offset)
    if mode == "nearest":
        lows, pixels, steps = None, [[xp.rint(p).astype(xp.int64) for p in positions]], [()]
    else:
        lows = [xp.floor(p).astype(xp.int64) for p in positions]
        if mode == "bicubic":
            taps = [[_padded_tap(low + step - 1, size, padding_mode, align_corners) for step in range(4)]
                    for low, size in zip(lows, spatial[::-1])]
            steps = list(itertools.product(range(4), repeat=len(lows)))
            pixels = [[tap[step] for tap, step in zip(taps, corner)] for corner in steps]
        else:
            steps = list(itertools.product(range(2), repeat=len(lows)))
            pixels = [[low + step for low, step in zip(lows, corner)] for corner in steps]
    corners = [(*_flat_and_valid(pixel, spatial), corner) for pixel, corner in zip(pixels, steps)]
    return slopes, offsets, lows, corners


def _factor_tables(fractions, mode):
    """Per axis, for each step from the floor: the factor it puts in a corner's weight, and the factor's
    derivative in the position (fractions: arrays, or chainrule tensors for a differentiable weight)."""
    if mode == "bicubic":
        return [_cubic_weights(f) for f in fractions]
    return [([1 - f, f], [-1, 1]) for f in fractions]


def _weight(valid, tables, corner):
    """A corner's weight: 0 outside the image, else the product of its factors along the axes."""
    weight = valid
    for table, step in zip(tables, corner):
        weight = weight * table[0][step]
    return weight


_CUBIC_A = -0.75  # PyTorch's cubic convolution constant


def _cubic_weights(t):
    """The weights of the taps at -1, 0, 1 and 2 from the floor for fractions ``t`` (a tensor), and their
    derivatives in ``t``, in PyTorch's formulas."""
    a = _CUBIC_A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    def near_slope(x):
        return (3 * (a + 2) * x - 2 * (a + 3)) * x

    def far_slope(x):
        return (3 * a * x - 10 * a) * x + 8 * a

    rest = 1 - t
    return ([far(t + 1), near(t), near(rest), far(rest + 1)],
            [far_slope(t + 1), near_slope(t), -near_slope(rest), -far_slope(rest + 1)])


def _padded_tap(tap, size, padding_mode, align_corners):
    """A bicubic tap's pixel along a dim of ``size``: clamped (border), reflected (reflection) or left
    as it is (zeros: a tap outside reads zero)."""
    if padding_mode == "zeros":
        return tap
    xp = namespace_of(tap)
    value = tap.astype(xp.float64)
    if padding_mode == "reflection":
        low, high = (0, size - 1) if align_corners else (-0.5, size - 0.5)
        value = _reflect(value, low, high)[0]
    return xp.clip(xp.rint(value), 0, size - 1).astype(xp.int64)


def _flat_and_valid(pixel, spatial):
    """Flat index into the (…, H, W) plane (clamped) and whether the pixel lies inside it."""
    xp = namespace_of(pixel[0])
    sizes = spatial[::-1]
    valid = xp.ones(pixel[0].shape, dtype=xp.bool_)
    flat = xp.zeros(pixel[0].shape, dtype=xp.int64)
    stride = 1
    for p, size in zip(pixel, sizes):
        valid &= (p >= 0) & (p < size)
        flat += xp.clip(p, 0, size - 1) * stride
        stride *= size
    return flat, valid


# ---------------------------------------------------------------- grid_sample
@silent_float_errors
def _sample(x, g, mode, plan):
    """The sampled values, on arrays: each pixel read, times its weight."""
    xp = namespace_of(x)
    slopes, offsets, lows, corners = plan
    tables = ()  # nearest: no factors
    if lows is not None:
        positions = [g[..., axis] * slope + offset for axis, (slope, offset) in enumerate(zip(slopes, offsets))]
        tables = _factor_tables([p - low.astype(p.dtype) for p, low in zip(positions, lows)], mode)
    values, starts = x.reshape(-1), plane_offsets(xp, x.shape[:2] + (math.prod(x.shape[2:]),), 1)
    result = None
    for flat, valid, corner in corners:
        picked = xp.take(values, flat.reshape(flat.shape[0], 1, -1) + starts)
        weight = _weight(valid.astype(x.dtype), tables, corner)
        term = picked * weight.reshape(weight.shape[0], 1, -1)
        result = term if result is None else result + term
    return result.reshape(x.shape[:2] + g.shape[1:-1])


@silent_float_errors
def _fractions(grid, plan):
    """Each position's distance past its floor, as chainrule expressions of ``grid``."""
    slopes, offsets, lows, _ = plan
    return [grid.select(-1, axis) * make_tensor(slope) + make_tensor(offset) - make_tensor(low.astype(slope.dtype))
            for axis, (slope, offset, low) in enumerate(zip(slopes, offsets, lows))]


def _flat_index(flat, shape):
    """A corner's flat pixel index repeated over the channels of ``shape``, as the flat gathers take it."""
    xp = namespace_of(flat)
    return xp.ascontiguousarray(xp.broadcast_to(flat[:, None], shape))


def _grid_sample_grad_input(grad, input, grid, mode, plan):
    corners = plan[3]
    tables = () if mode == "nearest" else _factor_tables(_fractions(grid, plan), mode)
    rank = input.dim() - 2
    total = None
    for flat, valid, corner in corners:
        weight = _weight(make_tensor(valid.astype(grad._data.dtype)), tables, corner)
        term = scatter_flat(grad * weight.unsqueeze(1), _flat_index(flat, grad.shape), tuple(input.shape), rank,
                            ScatterForSampling)
        total = term if total is None else total + term
    return total


def _grid_sample_grad_grid(grad, input, grid, mode, plan):
    if mode == "nearest":
        return grid * 0
    slopes, _, _, corners = plan
    tables = _factor_tables(_fractions(grid, plan), mode)
    rank = len(slopes)
    per_axis = [None] * rank
    for flat, valid, corner in corners:
        inside = make_tensor(valid[:, None].astype(grad._data.dtype))
        picked = gather_flat(input, _flat_index(flat, grad.shape), rank, GatherForSampling) * inside
        seen = (grad * picked).sum(1)
        for axis in range(rank):
            # the derivative of this corner's weight along ``axis``: that factor's derivative times the others
            slope = tables[axis][1][corner[axis]]
            if isinstance(slope, int):  # bilinear: the factor is f or 1 - f
                term = seen if slope > 0 else -seen
            else:
                term = seen * slope
            for other, (table, step) in enumerate(zip(tables, corner)):
                if other != axis:
                    term = term * table[0][step]
            per_axis[axis] = term if per_axis[axis] is None else per_axis[axis] + term
    basis = namespace_of(grid._data).eye(rank, dtype=grid._data.dtype)
    result = None
    for axis in range(rank):
        term = (per_axis[axis] * make_tensor(slopes[axis])).unsqueeze(-1) * make_tensor(basis[axis])
        result = term if result is None else result + term
    return result


GatherForSampling = GatherFlatBackward  # grid sampling gathers and scatters corners by flat index
ScatterForSampling = ScatterFlatBackward
_GRID_SAMPLER_NODES = {rank: derivative(f"GridSampler{rank}DBackward0", _grid_sample_grad_input, _grid_sample_grad_grid,
                                         saves="input grid") for rank in (2, 3)}


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at ``grid`` (N, Ho, Wo, 2) positions in [-1, 1] (x, then y), or a
    volume (N, C, D, H, W) at (N, Do, Ho, Wo, 3) positions."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    align_corners = _align(align_corners)
    x, g = input._data, grid._data
    if g.ndim == 0 or g.shape[-1] != x.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {x.ndim - 2} in last dimension, but got grid "
                           f"with sizes {list(g.shape)}")
    if x.ndim not in (4, 5) or g.ndim != x.ndim:
        raise RuntimeError(f"grid_sampler(): expected {x.ndim}D input and grid with same number of dimensions, but "
                           f"got input with sizes {list(x.shape)} and grid with sizes {list(g.shape)}")
    if mode == "bicubic" and x.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if x.shape[0] != g.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(x.shape)} and grid with sizes {list(g.shape)}")
    check_kernel(f"grid_sample{x.ndim - 2}d", x)
    if x.dtype != g.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_type_name} but found "
                           f"{grid.dtype.scalar_type_name}")
    plan = _plan(g, tuple(x.shape[2:]), mode, padding_mode, align_corners)
    return record(_sample(x, g, mode, plan), _GRID_SAMPLER_NODES[x.ndim - 2], (input, grid), (input, grid),
                  (mode, plan))
