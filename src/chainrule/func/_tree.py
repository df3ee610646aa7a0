"""Nested containers of tensors (PyTorch's pytrees): tuples, lists, dicts and named tuples, flattened to
their leaves and rebuilt, so that the transforms take and return whatever structure a function uses."""

from collections import OrderedDict

__all__ = ["flatten", "unflatten", "TreeSpec", "broadcast_prefix"]


class TreeSpec:
    """The structure of a tree: its container type, its keys (dicts) and the specs of its children."""

    __slots__ = ("kind", "context", "children")

    def __init__(self, kind, context, children):
        self.kind, self.context, self.children = kind, context, children

    @property
    def num_leaves(self):
        return 1 if self.kind is None else sum(child.num_leaves for child in self.children)

    def __eq__(self, other):
        return isinstance(other, TreeSpec) and (self.kind, self.context, self.children) == \
            (other.kind, other.context, other.children)

    def __repr__(self):
        if self.kind is None:
            return "*"
        children = ", ".join(repr(child) for child in self.children)
        return f"TreeSpec({self.kind.__name__}, {self.context}, [{children}])"


_LEAF = TreeSpec(None, None, ())


def _is_named_tuple(value):
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def flatten(tree):
    """(the leaves in order, the spec that rebuilds the tree)."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    cls = type(tree)
    if cls is tuple or cls is list or _is_named_tuple(tree):
        return TreeSpec(cls, None, [_flatten(item, leaves) for item in tree])
    if cls is dict or cls is OrderedDict:
        keys = list(tree)
        return TreeSpec(cls, keys, [_flatten(tree[k], leaves) for k in keys])
    leaves.append(tree)
    return _LEAF


def unflatten(leaves, spec):
    iterator = iter(leaves)
    return _build(iterator, spec)


def _build(leaves, spec):
    if spec.kind is None:
        return next(leaves)
    items = [_build(leaves, child) for child in spec.children]
    if spec.kind is dict or spec.kind is OrderedDict:
        return spec.kind(zip(spec.context, items))
    if spec.kind is tuple or spec.kind is list:
        return spec.kind(items)
    if hasattr(spec.kind, "_make"):
        return spec.kind._make(items)  # a collections.namedtuple
    return spec.kind(items)  # a return type of an op (PyTorch's structseq), made from one sequence


def broadcast_prefix(prefix, spec):
    """``prefix`` (an option given once for a whole subtree, as ``in_dims`` is) repeated for each leaf of
    ``spec``; None when its structure does not match."""
    if not isinstance(prefix, (tuple, list, dict)) or _is_named_tuple(prefix) and spec.kind is not type(prefix):
        return [prefix] * spec.num_leaves
    if spec.kind is None or type(prefix) is not spec.kind and not (isinstance(prefix, (tuple, list))
                                                                   and spec.kind in (tuple, list)):
        return None
    if isinstance(prefix, dict):
        if list(prefix) != list(spec.context):
            return None
        prefix = [prefix[k] for k in spec.context]
    if len(prefix) != len(spec.children):
        return None
    result = []
    for item, child in zip(prefix, spec.children):
        expanded = broadcast_prefix(item, child)
        if expanded is None:
            return None
        result.extend(expanded)
    return result
