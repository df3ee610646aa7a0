"""``func.rearrange``: einops-style reshaping and transposing by a pattern such as ``"b c (h w) -> b h w c"``.

A pattern names each input dimension (a name, a group of names in parentheses whose sizes multiply, ``()``
or ``1`` for a dimension of size 1, ``...`` for the dimensions not named); the right side lists the same
names in the order and grouping wanted. The work is one reshape into single axes, one permute, and one
reshape into the groups of the right side, so gradients flow as through those ops.
"""

import keyword
import math

from .._ops.joining import stack

__all__ = ["rearrange", "DimensionBindError"]

_ELLIPSIS = "..."


class DimensionBindError(Exception):
    """The sizes given or found for a pattern's dimensions do not fit the tensor (PyTorch's class name)."""


def _parse_side(text, pattern):
    """The groups of one side: a list of lists of names (``...`` a name of its own, ``[]`` a size-1 axis)."""
    groups, current = [], None
    for token in text.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            if current is not None:
                raise ValueError(f"Axis composition is one-level (brackets inside brackets not allowed) in {pattern}")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"Brackets are not balanced in {pattern}")
            groups.append(current)
            current = None
        else:
            if token == "1":
                name = None
            elif token == _ELLIPSIS or token.isidentifier() and not keyword.iskeyword(token):
                name = token
            elif token.isdecimal():
                raise ValueError("rearrange only supports unnamed axes of size 1")
            else:
                raise ValueError(f"Invalid axis identifier: {token}")
            if current is None:
                groups.append([] if name is None else [name])
            elif name is not None:
                current.append(name)
    if current is not None:
        raise ValueError(f"Brackets are not balanced in {pattern}")
    names = [name for group in groups for name in group]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"Indexing expression contains duplicate dimension '{repeated[0]}'")
    if any(name == _ELLIPSIS for group in groups if len(group) > 1 for name in group):
        raise ValueError(f"Ellipsis inside parenthesis in {pattern} is not supported")
    return groups


def _names(groups):
    return {name for group in groups for name in group}


def rearrange(tensor, pattern, **axes_lengths):
    """``tensor`` (or a list of tensors, stacked first) reshaped and permuted as ``pattern`` says."""
    if isinstance(tensor, (list, tuple)):
        tensor = stack(list(tensor))
    if pattern.count("->") != 1:
        raise ValueError("Pattern must contain a single '->' separator")
    left_text, right_text = pattern.split("->")
    left, right = _parse_side(left_text, pattern), _parse_side(right_text, pattern)
    if _ELLIPSIS in _names(right) and _ELLIPSIS not in _names(left):
        raise ValueError(f"Ellipsis found in right side, but not left side of a pattern {pattern}")
    one_sided = (_names(left) ^ _names(right)) - {_ELLIPSIS}
    if one_sided:
        raise ValueError(f"Identifiers only on one side of rearrange expression (should be on both): {one_sided}")
    unknown = set(axes_lengths) - _names(left)
    if unknown:
        raise ValueError(f"Identifiers not found in rearrange expression: {unknown}")
    shape = tuple(tensor.shape)
    if _ELLIPSIS in _names(left):
        at = left.index([_ELLIPSIS])
        extra = len(shape) - (len(left) - 1)
        if extra < 0:
            raise ValueError(f"Number of dimensions in pattern ({len(left) - 1}) must be at most the number of "
                             f"dimensions in the tensor ({len(shape)})")
        ellipsis_names = [f"{_ELLIPSIS}{i}" for i in range(extra)]
        left = left[:at] + [[name] for name in ellipsis_names] + left[at + 1:]
        right = [expanded for group in right
                 for expanded in ([[name] for name in ellipsis_names] if group == [_ELLIPSIS] else [group])]
    elif len(left) != len(shape):
        raise ValueError(f"Number of dimensions in pattern ({len(left)}) must be equal to the number of dimensions "
                         f"in the tensor ({len(shape)})")
    axes = [name for group in left for name in group]
    label = {name: f"d{index}" for index, name in enumerate(axes)}  # how PyTorch's errors call the axes
    sizes = {}
    for group, size in zip(left, shape, strict=True):
        known = [axes_lengths[name] for name in group if name in axes_lengths]
        unknown_names = [name for name in group if name not in axes_lengths]
        if len(unknown_names) > 1:
            raise DimensionBindError("cannot infer the sizes of two dimensions at once "
                                     + " and ".join(label[name] for name in unknown_names[:2]))
        product = math.prod(known)
        if unknown_names:
            if product == 0 or size % product:
                raise DimensionBindError(f"inferred dimension does not evenly fit into larger dimension: {size} vs "
                                         f"{tuple(known) + ('?',)}")
            sizes[unknown_names[0]] = size // product
        elif product != size:
            pack = ", ".join(label[name] for name in group) + ("," if len(group) == 1 else "")
            raise DimensionBindError(f"Dimension sizes to do not match ({size} != {product}) when matching "
                                     f"dimension pack ({pack})")
        for name in group:
            sizes.setdefault(name, axes_lengths.get(name))
    order = [axes.index(name) for group in right for name in group]
    single = tensor.reshape(tuple(sizes[name] for name in axes)) if axes or tensor.dim() else tensor.reshape(())
    moved = single.permute(*order) if order else single
    return moved.reshape(tuple(math.prod(sizes[name] for name in group) for group in right))
