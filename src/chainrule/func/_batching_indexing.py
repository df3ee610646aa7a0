"""Batching rules for ``x[key]`` and ``x[key] = value``.

A key of slices, integers, ``None`` and ``...`` only gets a leading ``slice(None)``: every sample is
indexed alike. A key with index arrays (NumPy's advanced indexing) selects the batch with an index of
its own, ``arange(B)`` shaped to broadcast against the other index arrays; a batched index array then
picks, for each sample, from that sample. NumPy puts the dimensions of index arrays first when they are
separated by a slice (as the batch index now is from them) and in place when they are adjacent, so the
result's dimensions are moved back to where one sample's indexing puts them.
"""

from .._array import is_array, namespace_of
from ._batched_array import BatchedArray, plain
from ._batching_core import parts, top_level, unbatched, wrap, writable
from ._batching_shapes import batched_like, pad_rank

__all__ = ["getitem", "setitem"]


def _key_tuple(key):
    return key if key.__class__ is tuple else (key,)


def _is_index_array(item, level):
    """An index array; a plain 0-d boolean adds a dimension as ``None`` does, the same in every sample."""
    if is_array(item) and item.ndim == 0 and item.dtype.kind == "b":
        return False
    return item.__class__ is BatchedArray or is_array(item) or item.__class__ is list


def getitem(x, key):
    key = plain(_key_tuple(key))
    level = top_level((x,) + key)
    if not level:
        return unbatched(lambda xp: _getter, (x, key), {})
    value, batched = parts(x, level)
    if _batched_mask(key, level) is not None:
        raise RuntimeError("vmap: We do not support batching operators that can output dynamic shape. Attempted to "
                           "vmap over aten::nonzero. Please file an issue at https://github.com/pytorch/pytorch/issues "
                           "if you need this feature.")
    if not any(_is_index_array(item, level) for item in key):
        if not batched:
            return value[key]
        return wrap(value[(slice(None),) + key], level)
    if not batched:
        value = batched_like(value, _size(key, level))
    physical, moved = _advanced_key(value, x.ndim, key, level)
    result = value[physical]
    return wrap(_moved_back(namespace_of(result), result, moved), level)


def setitem(x, key, item):
    key = plain(_key_tuple(key))
    level = top_level((x, item) + key)
    if not level:
        unbatched(lambda xp: _setter, (x, key, item), {})
        return
    source = next(v for v in (x, item) + key if v.__class__ is BatchedArray and v.level == level)
    value = writable(x, level, source).value
    item_value, item_batched = parts(item, level)
    mask = _batched_mask(key, level)
    if mask is not None:
        _masked_write(value, mask, item_value, item_batched)
        return
    if not any(_is_index_array(k, level) for k in key):
        if item_batched:
            region = value[(slice(None),) + key]
            item_value = pad_rank(item_value, region.ndim - 1)
        value[(slice(None),) + key] = item_value
        return
    physical, placement = _advanced_key(value, x.ndim, key, level)
    if is_array(item_value) and (item_batched or item_value.ndim):
        item_value = _in_physical_order(item_value, item_batched, value[physical].shape, placement)
    value[physical] = item_value


def _batched_mask(key, level):
    """The batched boolean mask of ``x[mask] = v`` (a mask that differs per sample), else None."""
    for item in key:
        if item.__class__ is BatchedArray and item.level == level and item.dtype.kind == "b":
            if len(key) != 1:
                raise RuntimeError("vmap: a batched boolean mask is supported as the only index of a write")
            return item.value
    return None


def _masked_write(value, mask, item, item_batched):
    """``x[mask] = item`` for each sample at once: ``item`` must be one value per sample (0-d), since
    how many elements each sample's mask selects differs."""
    xp = namespace_of(value)
    if getattr(item, "ndim", 0) > (1 if item_batched else 0):
        raise RuntimeError("vmap: writing through a batched boolean mask needs a single value per sample")
    mask = xp.reshape(mask, mask.shape + (1,) * (value.ndim - mask.ndim))
    if item_batched:
        item = xp.reshape(item, item.shape + (1,) * (value.ndim - 1))
    value[...] = xp.where(mask, item, value)


def _in_physical_order(item, batched, region_shape, placement):
    """``item`` broadcast to one sample's region and laid out as NumPy lays out the whole batch's region."""
    xp = namespace_of(item)
    order = _order(len(region_shape), placement)
    logical = tuple(region_shape[i] for i in order)  # the region in one sample's order, batch first
    if batched:
        full = xp.broadcast_to(pad_rank(item, len(logical) - 1), logical)
    else:
        full = xp.broadcast_to(item, logical[1:])[None]
    inverse = sorted(range(len(order)), key=order.__getitem__)
    return xp.transpose(full, inverse) if placement is not None else full


def _getter(x, key):
    return x[key]


def _setter(target, key, item):
    target[key] = item


def _size(key, level):
    """The batch size, read from the batched index array that made the key batched."""
    return next(item.value.shape[0] for item in key if item.__class__ is BatchedArray and item.level == level)


def _advanced_key(value, ndim, key, level):
    """The physical key for a key with index arrays, and (first, count, before) when NumPy will put the
    index dimensions first although one sample's indexing keeps them in place (else None)."""
    size = value.shape[0]
    xp = namespace_of(value)
    arrays = []
    items = []
    for item in key:
        if item.__class__ is list:
            item = xp.asarray(item)
        if item.__class__ is BatchedArray and item.level == level:
            arrays.append(item)
        elif is_array(item) and item.dtype.kind == "b":
            nonzero = item.nonzero()
            items.extend(nonzero)
            arrays.extend(nonzero)
            continue
        elif is_array(item):
            arrays.append(item)
        items.append(item)
    index_ndim = max(a.ndim for a in arrays)
    physical = [xp.reshape(xp.arange(size), (size,) + (1,) * index_ndim)]
    for item in items:
        if item.__class__ is BatchedArray and item.level == level:
            item = pad_rank(item.value, index_ndim)
        physical.append(item)
    return tuple(physical), _placement(items, ndim, index_ndim)


def _placement(items, ndim, index_ndim):
    """Where one sample's indexing puts the index dimensions, when NumPy would put them elsewhere."""
    positions = [i for i, item in enumerate(items) if not _basic(item)]
    adjacent = positions == list(range(positions[0], positions[-1] + 1))
    if not adjacent or positions[0] == 0:
        return None  # index dimensions first in one sample's result too
    before = 0
    for item in items[:positions[0]]:
        if item is Ellipsis:
            consumed = sum(1 for i in items if i is not None and i is not Ellipsis)
            before += ndim - consumed
        elif isinstance(item, slice) or item is None:
            before += 1
    return (1 + index_ndim, before)


def _basic(item):
    """Slices, ``None`` and ``...``; beside index arrays NumPy takes an integer as an index array too."""
    return isinstance(item, slice) or item is None or item is Ellipsis


def _order(ndim, placement):
    """The permutation from NumPy's layout of a batch's region to one sample's order (batch first)."""
    if placement is None:
        return list(range(ndim))
    end, before = placement
    return [0] + list(range(end, end + before)) + list(range(1, end)) + list(range(end + before, ndim))


def _moved_back(xp, result, placement):
    if placement is None:
        return result
    return xp.transpose(result, _order(result.ndim, placement))
