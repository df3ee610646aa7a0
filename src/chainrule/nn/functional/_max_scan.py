"""Max pooling's search: the maximum of every window and its flat index, found as PyTorch's scan
finds them (the first of equal maxima, the last NaN, the scan's start where nothing beats the lowest
value), one spatial dim at a time and without a branch per element."""

import math

from ..._array import any_true, namespace_of


def lowest(xp, dtype):
    return -math.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def separable_maxima(x, axes, fallback, padded=None):
    """The maxima of windows and their flat indices, found the way PyTorch's scan finds them.

    PyTorch scans each window in row-major order; a value wins when it is greater than the best so
    far or NaN (the first of equal maxima stays, the last NaN wins), and a window where nothing beats
    the lowest value reports ``fallback``, the index its scan starts from. The same winner comes out
    of one such scan per spatial dim, innermost first, each over the previous one's winners: the
    first maximum in row-major order is the first row's first maximum, and likewise for NaN. A dim's
    scan costs a few passes over its (shrinking) result per window position; ``axes`` describes each
    dim's windows (see ``_scan_axis``), read from ``padded`` where given.
    """
    xp = namespace_of(x)
    size = x.shape[x.ndim - len(axes):]
    index_dtype = xp.int32 if math.prod(size) < 2 ** 31 else xp.int64
    with_nan = x.dtype.kind == "f" and x.size and any_true(xp.isnan(x.max()))
    values, index, winner = x if padded is None else padded, None, None
    for dim in reversed(range(len(axes))):
        reads, first, spacing = axes[dim]
        step = math.prod(size[dim + 1:])
        values, index, winner = _scan_axis(values, index, len(axes) - 1 - dim, reads,
                                           first.astype(index_dtype) * step, spacing * step, with_nan)
    index = xp.where(winner == 0, fallback, index)
    if values.dtype.kind == "f":
        _keep_first_zero(values, index, x, len(axes))
    return values, index


def _scan_axis(values, carried, after, reads, first, spacing, with_nan):
    """PyTorch's scan along the spatial dim followed by ``after`` dims: each window's best value, the
    flat plane index of its winner (``carried``: the inner dims' winners' indices) and the winner's
    position in the window plus one (0: none). ``reads[j]``: the selector reading position ``j`` of
    every window (a slice, or positions to take) and a mask of the windows it lies in (None: all);
    ``first``: each window's first coordinate times its dim's step, ``spacing``: the step between
    positions.

    Every update is arithmetic, without a branch per element: a masked copy mispredicts half of its
    branches on such data and costs ten times a pass. The best value is a running ``maximum`` (NaN
    sticks, as in PyTorch's scan), and as positions only grow, the winner is the greatest position
    that beat the best before it."""
    xp = namespace_of(values)
    tail = (1,) * after
    winner_dtype = xp.int8 if len(reads) < 127 else xp.int32
    best = winner = better = scratch = index = moved = None
    for position, (selector, valid) in enumerate(reads):
        view = fresh = _read(values, selector, after)
        if not after and isinstance(selector, slice) and selector.step != 1:
            fresh = xp.ascontiguousarray(view)  # one strided pass, not one per use
        if best is None:  # the first position (in every window) is the best so far where it beats the lowest
            best = fresh if fresh is not view or not isinstance(selector, slice) else xp.array(view)
            better = xp.greater(best, lowest(xp, values.dtype))
            if with_nan:
                better |= xp.isnan(best)
            winner = better.astype(winner_dtype)
            scratch = xp.empty(best.shape, dtype=winner_dtype)
            if carried is not None:
                index = xp.array(_read(carried, selector, after))
                moved = xp.empty(best.shape, dtype=carried.dtype)
            continue
        view = fresh
        xp.greater(view, best, out=better)
        if with_nan:
            better |= xp.isnan(view)
        if valid is not None:  # a position past a short window reads the window's last element again
            better &= valid.reshape((-1,) + tail)
        xp.maximum(best, view, out=best)
        xp.multiply(better, winner_dtype(position + 1), out=scratch)
        xp.maximum(winner, scratch, out=winner)
        if carried is not None:
            xp.subtract(_read(carried, selector, after), index, out=moved)
            moved *= better
            index += moved
    found = winner.astype(first.dtype)
    found -= 1
    found *= spacing
    found += first.reshape((-1,) + tail)
    return best, found if index is None else index + found, winner


def _keep_first_zero(values, index, x, rank):
    """Where a window's maximum is zero, the zero (+0. or -0.) its winner holds: ``maximum`` may
    return either of two equal zeros, PyTorch keeps the first."""
    xp = namespace_of(values)
    zero = values == 0
    if not any_true(zero):
        return
    planes = x.reshape((-1, math.prod(x.shape[x.ndim - rank:])))
    lead = xp.broadcast_to(xp.arange(planes.shape[0]).reshape(values.shape[:values.ndim - rank] + (1,) * rank),
                           values.shape)
    values[zero] = planes[lead[zero], index[zero]]


def strided_reads(kernel, spacing, count, stride):
    """For each of a dim's ``kernel`` window positions (``spacing`` apart) the slice reading it from all
    ``count`` windows (``stride`` apart), with no mask: every window has it."""
    return [(slice(j * spacing, j * spacing + (count - 1) * stride + 1, stride), None) for j in range(kernel)]


def _read(array, selector, after):
    """Every window's element at one position along the dim followed by ``after`` dims."""
    if isinstance(selector, slice):
        return array[(Ellipsis, selector) + (slice(None),) * after]
    return namespace_of(array).take(array, selector, axis=array.ndim - 1 - after)


def mesh_sum(xp, parts):
    """``parts[d]`` (one 1-d array per spatial dim) summed over the grid they span."""
    total = xp.zeros((1,) * len(parts), dtype=xp.int64)
    for dim, part in enumerate(parts):
        shape = [1] * len(parts)
        shape[dim] = -1
        total = total + part.reshape(shape)
    return total


def plane_steps(size):
    """How far apart neighbours along each spatial dim are in a flattened plane."""
    return [math.prod(size[dim + 1:]) for dim in range(len(size))]
