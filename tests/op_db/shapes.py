"""Op table entries: shape, joining, indexing and scatter ops (see tests/op_db/__init__.py)."""

import numpy as np

from . import OpInfo, Sample, noncontiguous


def _n(rng, *shape):
    return rng.standard_normal(shape)


def _samples(*specs):
    """Samples from ``(builder, kwargs, name)`` specs; a builder maps ``rng`` to the positional args."""

    def samples(rng):
        for build, kwargs, name in specs:
            yield Sample(build(rng), kwargs, name)

    return samples


def _long(values):
    return np.array(values, dtype=np.int64)


def _method(name):
    """Call ``tensor.name(*args, **kwargs)``."""

    def call(module, tensor, *args, **kwargs):
        return getattr(tensor, name)(*args, **kwargs)

    return call


def _function(name):
    """Call ``module.name(*args, **kwargs)``."""

    def call(module, *args, **kwargs):
        return getattr(module, name)(*args, **kwargs)

    return call


def _joining(name):
    """Call ``module.name(list_of_tensors, **kwargs)``."""

    def call(module, *tensors, **kwargs):
        return getattr(module, name)(list(tensors), **kwargs)

    return call


def _setitem(module, y, index, value):
    """``y[index] = value`` on a non-leaf copy of ``y``."""
    y = y * 1
    if isinstance(index, tuple):
        index = tuple(module.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    y[index] = value
    return y


def _getitem(module, x, index):
    if isinstance(index, tuple):
        index = tuple(module.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    return x[index]


GETITEM_INDICES = [  # (shape, index)
    ((3, 4), True), ((3, 4), (slice(None), None, [0, 1])), ((2, 3, 2), ([0, 1], slice(None), [1, 0])),
    ((3, 4), (Ellipsis, [0, 1])), ((3, 4), (None, Ellipsis, None)), ((2, 3, 2), (1, Ellipsis, [0, 0])),
    ((3, 4), (np.array([True, False, True]), 1)), ((3, 4), (slice(None, None, 2), slice(1, None))),
    ((3, 4), (slice(5, 1),)), ((3, 4), ([],)), ((2, 3, 2), (0, 1, -1)), ((3, 4), ([[0, 1], [1, 2]],)),
    ((3, 4), (np.array([[True, False, True, False]] * 3),)), ((3, 4), (np.array([[0, 2], [2, 2]]), [[1], [3]])),
]

OPS = [
    OpInfo("movedim", _method("movedim"), _samples(
        (lambda r: (_n(r, 2, 3, 2), 0, -1), {}, ""), (lambda r: (_n(r, 2, 3, 2), (0, 1), (2, 0)), {}, "tuple"),
        (lambda r: (_n(r), 0, 0), {}, "0-d"))),
    OpInfo("moveaxis", _function("moveaxis"), _samples((lambda r: (_n(r, 2, 3), 1, 0), {}, ""))),
    OpInfo("unflatten", _method("unflatten"), _samples(
        (lambda r: (_n(r, 2, 6), 1, (3, 2)), {}, ""), (lambda r: (_n(r, 2, 6), -1, (-1, 2)), {}, "infer"),
        (lambda r: (_n(r, 0, 4), 1, (2, 2)), {}, "empty"))),
    OpInfo("view_as", lambda m, a, b: a.view_as(b), _samples((lambda r: (_n(r, 2, 3), _n(r, 3, 2)), {}, "")),
           grad_inputs=(0,)),
    OpInfo("reshape_as", lambda m, a, b: a.reshape_as(b),
           _samples((lambda r: (noncontiguous(_n(r, 2, 3)), _n(r, 6)), {}, "noncontiguous")), grad_inputs=(0,)),
    OpInfo("mT", lambda m, a: a.mT, _samples((lambda r: (_n(r, 2, 2, 3),), {}, ""))),
    OpInfo("mH", lambda m, a: a.mH, _samples((lambda r: (_n(r, 2, 3),), {}, ""))),
    OpInfo("H", lambda m, a: a.H, _samples((lambda r: (_n(r, 2, 3),), {}, ""))),
    OpInfo("squeeze dims", _method("squeeze"), _samples((lambda r: (_n(r, 1, 3, 1), (0, -1)), {}, ""))),
    OpInfo("atleast_3d", _function("atleast_3d"), _samples(
        (lambda r: (_n(r, 3),), {}, ""), (lambda r: (_n(r),), {}, "0-d"), (lambda r: (_n(r, 2, 2),), {}, "2-d"))),
    OpInfo("unfold", _method("unfold"), _samples(
        (lambda r: (_n(r, 2, 5), 1, 2, 1), {}, "overlapping"), (lambda r: (_n(r, 2, 5), -1, 2, 2), {}, "step"),
        (lambda r: (_n(r, 5, 2), 0, 3, 1), {}, "dim 0"), (lambda r: (_n(r), 0, 1, 1), {}, "0-d"))),
    OpInfo("diagonal", _method("diagonal"), _samples(
        (lambda r: (_n(r, 3, 3),), {}, ""), (lambda r: (_n(r, 3, 4), 1), {}, "offset"),
        (lambda r: (_n(r, 2, 3, 2), -1, 0, 2), {}, "dims"), (lambda r: (noncontiguous(_n(r, 3, 3)),), {}, "nc"))),
    OpInfo("diag_embed", _function("diag_embed"), _samples(
        (lambda r: (_n(r, 2, 3),), {}, ""), (lambda r: (_n(r, 3), 1, 0, 1), {}, "offset"))),
    OpInfo("diag", _function("diag"), _samples(
        (lambda r: (_n(r, 3),), {}, "1-d"), (lambda r: (_n(r, 3), -1), {}, "1-d offset"),
        (lambda r: (_n(r, 3, 4),), {}, "2-d"), (lambda r: (_n(r, 3, 4), 1), {}, "2-d offset"))),
    OpInfo("trace", _method("trace"), _samples((lambda r: (_n(r, 3, 4),), {}, ""))),
    OpInfo("tril", _function("tril"), _samples(
        (lambda r: (_n(r, 3, 4),), {}, ""), (lambda r: (_n(r, 2, 2, 3), -1), {}, "batch"))),
    OpInfo("triu", _method("triu"), _samples(
        (lambda r: (_n(r, 3, 4), 1), {}, ""), (lambda r: (noncontiguous(_n(r, 3, 3)),), {}, "nc"))),
    OpInfo("cat", _joining("cat"), _samples(
        (lambda r: (_n(r, 2, 3), _n(r, 1, 3)), {}, ""), (lambda r: (_n(r, 2, 1), _n(r, 2, 2)), {"dim": -1}, "neg dim"),
        (lambda r: (_n(r, 2, 2), _n(r, 0)), {}, "legacy empty"), (lambda r: (_n(r, 0, 2), _n(r, 2, 2)), {}, "empty"),
        (lambda r: (noncontiguous(_n(r, 2, 2)), _n(r, 2, 2), _n(r, 1, 2)), {}, "three nc"))),
    OpInfo("concatenate", _joining("concatenate"), _samples((lambda r: (_n(r, 2), _n(r, 3)), {"axis": 0}, ""))),
    OpInfo("stack", _joining("stack"), _samples(
        (lambda r: (_n(r, 2, 3), _n(r, 2, 3)), {}, ""), (lambda r: (_n(r), _n(r)), {}, "0-d"),
        (lambda r: (_n(r, 3), _n(r, 3)), {"dim": -1}, "neg dim"))),
    OpInfo("hstack", _joining("hstack"), _samples(
        (lambda r: (_n(r, 2), _n(r, 3)), {}, "1-d"), (lambda r: (_n(r, 2, 1), _n(r, 2, 2)), {}, "2-d"))),
    OpInfo("vstack", _joining("vstack"), _samples((lambda r: (_n(r, 3), _n(r, 2, 3)), {}, ""))),
    OpInfo("dstack", _joining("dstack"), _samples((lambda r: (_n(r, 3), _n(r, 3)), {}, ""))),
    OpInfo("column_stack", _joining("column_stack"), _samples(
        (lambda r: (_n(r, 3), _n(r, 3, 2)), {}, ""), (lambda r: (_n(r), _n(r)), {}, "0-d"))),
    OpInfo("split", _method("split"), _samples(
        (lambda r: (_n(r, 5, 2), 2), {}, "int"), (lambda r: (_n(r, 2, 5), [1, 4], -1), {}, "sizes"),
        (lambda r: (_n(r, 0, 2), 1), {}, "empty"))),
    OpInfo("split first", lambda m, a, *args: a.split(*args)[0], _samples((lambda r: (_n(r, 5, 2), 2), {}, ""))),
    OpInfo("chunk", _method("chunk"), _samples(
        (lambda r: (_n(r, 5, 2), 3), {}, ""), (lambda r: (_n(r, 2, 4), 2, 1), {}, "dim"))),
    OpInfo("tensor_split", _method("tensor_split"), _samples(
        (lambda r: (_n(r, 5, 2), 3), {}, "sections"), (lambda r: (_n(r, 2, 5), [1, 4], 1), {}, "indices"))),
    OpInfo("unbind", _method("unbind"), _samples(
        (lambda r: (_n(r, 3, 2),), {}, ""), (lambda r: (_n(r, 2, 3), -1), {}, "neg dim"))),
    OpInfo("repeat", _method("repeat"), _samples(
        (lambda r: (_n(r, 2, 3), (2, 1)), {}, ""), (lambda r: (_n(r, 3), (2, 1, 2)), {}, "new dims"),
        (lambda r: (_n(r), (3,)), {}, "0-d"), (lambda r: (_n(r, 2), (0,)), {}, "zero"))),
    OpInfo("tile", _function("tile"), _samples((lambda r: (_n(r, 2, 3), (2,)), {}, ""))),
    OpInfo("flip", _method("flip"), _samples(
        (lambda r: (_n(r, 2, 3), (0,)), {}, ""), (lambda r: (noncontiguous(_n(r, 2, 3)), (0, -1)), {}, "nc"))),
    OpInfo("fliplr", _function("fliplr"), _samples((lambda r: (_n(r, 2, 3),), {}, ""))),
    OpInfo("flipud", _function("flipud"), _samples((lambda r: (_n(r, 2, 3),), {}, ""))),
    OpInfo("roll", _method("roll"), _samples(
        (lambda r: (_n(r, 2, 3), 1), {}, "flat"), (lambda r: (_n(r, 2, 3), (1, -1), (0, 1)), {}, "dims"),
        (lambda r: (_n(r), 2), {}, "0-d"))),
    OpInfo("rot90", _method("rot90"), _samples(
        (lambda r: (_n(r, 2, 3),), {}, ""), (lambda r: (_n(r, 2, 3, 2), 3, (2, 0)), {}, "dims"))),
    OpInfo("narrow", _method("narrow"), _samples((lambda r: (_n(r, 3, 4), 1, -3, 2), {}, ""))),
    OpInfo("select", _method("select"), _samples((lambda r: (_n(r, 3, 4), -1, 2), {}, ""))),
    OpInfo("getitem advanced", _getitem, lambda rng: [
        Sample((rng.standard_normal(shape), index), name=repr(index)) for shape, index in GETITEM_INDICES]),
    OpInfo("setitem", _setitem, _samples(
        (lambda r: (_n(r, 3, 4), 0, _n(r, 4)), {}, "row"),
        (lambda r: (_n(r, 3, 4), (slice(None), 1), 2.5), {}, "number"),
        (lambda r: (_n(r, 3, 4), ([0, 2],), _n(r, 1, 4)), {}, "advanced broadcast"),
        (lambda r: (_n(r, 3, 4), (np.array([True, False, True]), slice(1, 3)), _n(r, 2)), {}, "mask"),
        (lambda r: (_n(r, 3), (Ellipsis,), _n(r)), {}, "all"))),
    OpInfo("gather", _method("gather"), _samples(
        (lambda r: (_n(r, 3, 4), 1, _long([[0, 3], [2, 2]])), {}, "smaller index"),
        (lambda r: (_n(r, 3, 2), -2, _long([[0, 1], [2, 0], [0, 0]])), {}, "neg dim"),
        (lambda r: (_n(r), 0, _long(0)), {}, "0-d"))),
    OpInfo("scatter", _method("scatter"), _samples(
        (lambda r: (_n(r, 3, 4), 1, _long([[0, 3], [2, 1]]), _n(r, 2, 2)), {}, "src"),
        (lambda r: (_n(r, 3, 4), 0, _long([[0, 1, 2, 0]]), 1.5), {}, "value"))),
    OpInfo("scatter_add", _function("scatter_add"), _samples(
        (lambda r: (_n(r, 3, 4), 1, _long([[0, 0], [2, 1]]), _n(r, 2, 2)), {}, "repeated"))),
    OpInfo("index_select", _method("index_select"), _samples(
        (lambda r: (_n(r, 3, 4), 1, _long([0, 3, 0])), {}, ""),
        (lambda r: (_n(r, 3, 2), -2, _long(2)), {}, "0-d index"))),
    OpInfo("index_add", _method("index_add"), _samples(
        (lambda r: (_n(r, 3, 4), 0, _long([0, 2, 0]), _n(r, 3, 4)), {}, ""),
        (lambda r: (_n(r, 3, 4), 1, _long([1]), _n(r, 3, 1)), {"alpha": 2.0}, "alpha"))),
    OpInfo("index_copy", _method("index_copy"),
           _samples((lambda r: (_n(r, 3, 4), 0, _long([2, 0]), _n(r, 2, 4)), {}, ""))),
    OpInfo("index_fill", _method("index_fill"), _samples(
        (lambda r: (_n(r, 3, 4), 1, _long([0, 2]), -1.0), {}, "number"),
        (lambda r: (_n(r, 3, 4), 0, _long([1]), _n(r)), {}, "tensor value"))),
    OpInfo("masked_fill", _method("masked_fill"), _samples(
        (lambda r: (_n(r, 3, 4), np.array([True, False, False, True]), 0.5), {}, "broadcast mask"),
        (lambda r: (_n(r, 2, 2), np.array([[True, False], [False, True]]), _n(r)), {}, "tensor value"))),
    OpInfo("masked_select", _method("masked_select"), _samples(
        (lambda r: (_n(r, 3, 4), np.array([True, False, False, True])), {}, ""),
        (lambda r: (_n(r, 4), np.array([[True, False, False, True], [True] * 4])), {}, "input broadcast"))),
    OpInfo("take", _method("take"), _samples((lambda r: (_n(r, 3, 4), _long([[0, -1], [5, 5]])), {}, ""))),
    OpInfo("take_along_dim", _function("take_along_dim"), _samples(
        (lambda r: (_n(r, 3, 4), _long([[0], [3], [1]]), 1), {}, "dim"),
        (lambda r: (_n(r, 3, 1), _long([[0, 2]]), 0), {}, "broadcast"),
        (lambda r: (_n(r, 3, 4), _long([0, 11])), {}, "flat"))),
]
