"""Batching rules for matrix products, ``einsum`` and ``linalg``: the batch is one more leading dimension.

NumPy's products and matrix functions already work on stacks of matrices, so a batched operand's value
(batch dimension first) is a stack. Vectors are the exception: a batched vector ``(B, k)`` would read as
a matrix, so it becomes a batch of ``(1, k)`` or ``(k, 1)`` matrices and the extra dimension is dropped
from the result.
"""

import string

from .._array import namespace_of
from ._batching_core import loop, parts, shift_axis, top_level, unbatched, wrap
from ._batching_shapes import pad_rank

__all__ = ["matmul", "dot", "vdot", "outer", "einsum", "linalg_function", "solve", "norm"]


def matmul(a, b, **kwargs):
    level = top_level((a, b))
    if not level:
        return unbatched(lambda xp: xp.matmul, (a, b), kwargs)
    a_value, a_batched = parts(a, level)
    b_value, b_batched = parts(b, level)
    a_vector, b_vector = a.ndim == 1, b.ndim == 1
    if a_vector and a_batched:
        a_value = a_value[:, None, :]  # a batch of one-row matrices
    if b_vector and b_batched:
        b_value = b_value[..., None]  # a batch of one-column matrices
    ranks = [2 if vector else x.ndim for x, vector, batched in ((a, a_vector, a_batched), (b, b_vector, b_batched))
             if batched or not vector]
    rank = max(ranks)
    if a_batched:
        a_value = pad_rank(a_value, rank)
    if b_batched:
        b_value = pad_rank(b_value, rank)
    xp = namespace_of(a_value if a_batched else b_value)
    if a_value.ndim >= 2 and b_value.ndim >= 2 and a_value.shape[-1] == 1 and not kwargs:
        # outer products (a per-sample weight gradient): one product per element, so a broadcast multiply
        # gives the same values as matmul's stack of tiny matrix products, much faster
        result = xp.multiply(a_value, b_value)
    else:
        result = xp.matmul(a_value, b_value, **kwargs)
    if b_vector and b_batched:
        result = result[..., 0]
    if a_vector and a_batched:
        result = result[..., 0] if b_vector else result[..., 0, :]
    return wrap(result, level)


def dot(a, b, **kwargs):
    if a.ndim <= 2 and b.ndim <= 2 and (a.ndim and b.ndim):
        return matmul(a, b)
    return loop("dot", lambda xp: xp.dot, (a, b), kwargs)


def vdot(a, b):
    level = top_level((a, b))
    if not level:
        return unbatched(lambda xp: xp.vdot, (a, b), {})
    size = None
    values = []
    for x in (a, b):
        value, batched = parts(x, level)
        if batched:
            size = value.shape[0]
            values.append((namespace_of(value).reshape(value, (size, -1)), True))
        else:
            values.append((namespace_of(value).reshape(value, (-1,)), False))
    (a_value, _), (b_value, _) = values
    xp = namespace_of(a_value)
    return wrap(xp.sum(xp.conj(a_value) * b_value, axis=-1), level)


def outer(a, b, **kwargs):
    level = top_level((a, b))
    if not level:
        return unbatched(lambda xp: xp.outer, (a, b), kwargs)
    a_value, a_batched = parts(a, level)
    b_value, b_batched = parts(b, level)
    a_column = a_value.reshape(a_value.shape[:1] + (-1, 1)) if a_batched else a_value.reshape(-1, 1)
    b_row = b_value.reshape(b_value.shape[:1] + (1, -1)) if b_batched else b_value.reshape(1, -1)
    if b_batched and not a_batched:
        a_column = a_column[None]
    return wrap(namespace_of(a_column).multiply(a_column, b_row), level)


def einsum(subscripts, *operands, **kwargs):
    """A letter no operand uses is the batch dimension of every batched operand and of the result."""
    level = top_level((subscripts,) + operands)
    if not level:
        return unbatched(lambda xp: xp.einsum, (subscripts,) + operands, kwargs)
    if not isinstance(subscripts, str):
        return _interleaved_einsum((subscripts,) + operands, kwargs, level)
    inputs, _, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if "->" not in subscripts:
        letters = [c for c in inputs if c.isalpha()]
        output = ("..." if "..." in inputs else "") + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    batch = next(c for c in string.ascii_letters if c not in subscripts)
    values = []
    for term, operand in zip(terms, operands):
        value, batched = parts(operand, level)
        values.append(value)
        if batched:
            terms[terms.index(term)] = batch + term
    expression = ",".join(terms) + "->" + batch + output
    return wrap(namespace_of(values[0]).einsum(expression, *values, **kwargs), level)


def _interleaved_einsum(arguments, kwargs, level):
    """``einsum(x, labels, y, labels, ..., output_labels)``: an integer label no operand uses is the batch."""
    pairs = [(arguments[i], list(arguments[i + 1])) for i in range(0, len(arguments) - 1, 2)]
    output = list(arguments[-1]) if len(arguments) % 2 else None
    used = {label for _, labels in pairs for label in labels}
    batch = next(label for label in range(52) if label not in used)
    interleaved = []
    for operand, labels in pairs:
        value, batched = parts(operand, level)
        interleaved += [value, [batch] + labels if batched else labels]
    if output is None:
        letters = [label for _, labels in pairs for label in labels if label is not Ellipsis]
        output = ([Ellipsis] if Ellipsis in used else []) + sorted(c for c in set(letters) if letters.count(c) == 1)
    return wrap(namespace_of(interleaved[0]).einsum(*interleaved, [batch] + output, **kwargs), level)


def linalg_function(name):
    """A ``linalg`` function on (stacks of) matrices: a batched argument is one more stack dimension."""
    def call(x, *args, **kwargs):
        level = top_level((x,) + args + tuple(kwargs.values()))
        if not level:
            return unbatched(lambda xp: getattr(xp.linalg, name), (x,) + args, kwargs)
        value, batched = parts(x, level)
        if not batched or top_level(args + tuple(kwargs.values())) == level:
            return loop(f"linalg.{name}", lambda xp: getattr(xp.linalg, name), (x,) + args, kwargs)
        return wrap(getattr(namespace_of(value).linalg, name)(value, *args, **kwargs), level)

    call.__name__ = name
    return call


def solve(a, b):
    """``a x = b`` for stacks; a batched vector ``b`` becomes a batch of one-column matrices."""
    level = top_level((a, b))
    if not level:
        return unbatched(lambda xp: xp.linalg.solve, (a, b), {})
    a_value, a_batched = parts(a, level)
    b_value, b_batched = parts(b, level)
    vector = b.ndim == 1
    if b_batched and vector:
        b_value = b_value[..., None]
    elif b_batched:
        b_value = pad_rank(b_value, a.ndim)
    if a_batched and not b_batched and not vector:
        a_value = pad_rank(a_value, b.ndim)
    if vector and not b_batched:
        b_value = b_value[..., None]
    result = namespace_of(a_value if a_batched else b_value).linalg.solve(a_value, b_value)
    return wrap(result[..., 0] if vector else result, level)


def norm(x, ord=None, axis=None, keepdims=False):
    level = top_level((x,))
    if not level:
        return unbatched(lambda xp: xp.linalg.norm, (x,), {"ord": ord, "axis": axis, "keepdims": keepdims})
    value, batched = parts(x, level)
    if axis is None:
        return loop("linalg.norm", lambda xp: xp.linalg.norm, (x,), {"ord": ord, "keepdims": keepdims})
    return wrap(namespace_of(value).linalg.norm(value, ord=ord, axis=shift_axis(axis, value.ndim - 1),
                                                keepdims=keepdims), level)

