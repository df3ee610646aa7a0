"""The standard's linear algebra extension (``xp.linalg``), on chainrule.linalg.

The standard's results carry the field names chainrule's already use (``eigenvalues``, ``Q``/``R``,
``sign``/``logabsdet``, ``U``/``S``/``Vh``); what changes is argument names and two semantics:
``solve`` reads a right-hand side as a vector only when it is 1-d, and ``trace`` works on the last
two axes of a stack of matrices.
"""

import chainrule as _cr
from ._dtypes import as_operands
from ._manipulation import broadcast_arrays, matmul, matrix_transpose, tensordot, vecdot


def cholesky(x, /, *, upper=False):
    return _cr.linalg.cholesky(x, upper=upper)


def cross(x1, x2, /, *, axis=-1):
    """The cross product along ``axis`` of the broadcast operands (chainrule wants equal ranks)."""
    a, b = broadcast_arrays(*as_operands(x1, x2))
    return _cr.linalg.cross(a, b, dim=axis)


def det(x, /):
    return _cr.linalg.det(x)


def diagonal(x, /, *, offset=0):
    return _cr.linalg.diagonal(x, offset=offset)


def eigh(x, /):
    return _cr.linalg.eigh(x)


def eigvalsh(x, /):
    return _cr.linalg.eigvalsh(x)


def inv(x, /):
    return _cr.linalg.inv(x)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return _cr.linalg.matrix_norm(x, ord, (-2, -1), keepdims)


def matrix_power(x, n, /):
    return _cr.linalg.matrix_power(x, n)


def matrix_rank(x, /, *, rtol=None):
    return _cr.linalg.matrix_rank(x, rtol=rtol)


def outer(x1, x2, /):
    a, b = as_operands(x1, x2)
    return _cr.outer(a, b)


def pinv(x, /, *, rtol=None):
    return _cr.linalg.pinv(x, rtol=rtol)


def qr(x, /, *, mode="reduced"):
    return _cr.linalg.qr(x, mode)


def slogdet(x, /):
    return _cr.linalg.slogdet(x)


def solve(x1, x2, /):
    """``x1 @ result == x2``; a 1-d ``x2`` is a vector, anything else a stack of matrices.

    chainrule (like PyTorch) also reads ``x2`` as a stack of vectors when it has one axis fewer than
    ``x1``; a leading axis of size 1 keeps it a matrix, broadcasting to the same result.
    """
    a, b = as_operands(x1, x2)
    vector = b.ndim == 1
    if vector:
        b = b.unsqueeze(-1)
    if b.ndim == a.ndim - 1:
        b = b.unsqueeze(0)
    result = _cr.linalg.solve(a, b)
    return result.squeeze(-1) if vector else result


def svd(x, /, *, full_matrices=True):
    return _cr.linalg.svd(x, full_matrices)


def svdvals(x, /):
    return _cr.linalg.svdvals(x)


def trace(x, /, *, offset=0, dtype=None):
    return _cr.sum(_cr.linalg.diagonal(x, offset=offset), -1, dtype=dtype)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    return _cr.linalg.vector_norm(x, ord, axis, keepdims)


__all__ = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm",
           "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd",
           "svdvals", "tensordot", "trace", "vecdot", "vector_norm"]
