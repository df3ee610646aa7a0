"""LAPACK's and BLAS's own routines through SciPy, where SciPy is installed.

NumPy's ``linalg`` has no LU factorization that returns its pivots (``getrf``), no triangular solve
(``trsm``), no LDL factorization (``sytrf``/``hetrf``) and no product of Householder reflectors
(``orgqr``/``ungqr``). Without SciPy chainrule computes them with
array loops of its own, one step per column or row: right, but each step is a few NumPy calls, so a
64 x 64 matrix takes 20-160 times PyTorch's time.
With SciPy (``pip install chainrule[fast]``) the same results come from the routines PyTorch calls too,
matrix by matrix. The loops stay for everything else: CuPy arrays, float16, integer dtypes, empty
matrices, and large batches of small matrices, where one vectorised step over the whole batch costs
less than a call per matrix (``chainrule._scipy``: ``CHAINRULE_SCIPY=0`` keeps the loops).
"""

import math

import numpy

from ..._scipy import module as scipy_module

__all__ = ["lu", "lu_solve", "solve_triangular", "ldl", "ldl_solve", "householder_product"]

_DTYPES = frozenset(numpy.dtype(code) for code in "fdFD")


def _usable(*arrays):
    """Whether SciPy's routines can take ``arrays``: non-empty NumPy matrices of a LAPACK dtype, few enough
    of them that a call per matrix costs less than the batched loop (a step per column or row), SciPy
    installed and not turned off."""
    for a in arrays:
        if a.__class__ is not numpy.ndarray or a.dtype not in _DTYPES or a.ndim < 2 or 0 in a.shape:
            return False
    steps = min(arrays[0].shape[-2:])
    calls = math.prod(arrays[0].shape[:-2])
    return calls <= 4 * steps and scipy_module("linalg.lapack") is not None


def lu(a):
    """``(LU, pivots, info)`` of ``lu._lu_arrays(a)`` by LAPACK's ``getrf``, or None where it cannot take
    ``a``. A matrix with a NaN is left to the loop: which entry is then taken as a pivot depends on the
    BLAS, and the loop's rule (a NaN counts as the largest) is the one that gives PyTorch's factors on the
    edge-value table's matrices."""
    if not _usable(a) or numpy.isnan(a).any():
        return None
    return _getrf(a)


def lu_solve(lu, pivots, b, left, adjoint):
    """``X`` with ``A X = B`` (``X A = B`` when not ``left``; ``A^H`` when ``adjoint``) for ``A`` given by
    ``getrf``'s ``lu, pivots``, by LAPACK's ``getrs``; or None where it cannot take them (pivots outside
    ``1..n`` included: LAPACK would read out of bounds)."""
    if lu.dtype != b.dtype or not _usable(lu, b) or pivots.__class__ is not numpy.ndarray or not pivots.size:
        return None
    n = lu.shape[-1]
    if pivots.min() < 1 or pivots.max() > n or lu.shape[-2] != n:
        return None
    # getrs solves A X = B, A^T X = B or A^H X = B: a right-hand system is turned into a left one
    complex_matrix = lu.dtype.kind == "c"
    if left:
        rhs, trans = b, (2 if adjoint else 0)
    elif adjoint:  # X A^H = B  <=>  A X^H = B^H
        rhs, trans = numpy.swapaxes(b, -1, -2).conj() if complex_matrix else numpy.swapaxes(b, -1, -2), 0
    else:  # X A = B  <=>  A^T X^T = B^T
        rhs, trans = numpy.swapaxes(b, -1, -2), 1
    batch = numpy.broadcast_shapes(lu.shape[:-2], pivots.shape[:-1], rhs.shape[:-2])
    factors, swaps, sides = _stacked(lu, batch), _stacked(pivots, batch, 1) - 1, _stacked(rhs, batch)
    routine = _routine("getrs", lu.dtype)
    x = numpy.empty(sides.shape, b.dtype)
    for i in range(len(x)):
        x[i] = routine(factors[i], swaps[i], sides[i], trans=trans)[0]
    x = x.reshape(batch + rhs.shape[-2:])
    if left:
        return x
    x = numpy.swapaxes(x, -1, -2)
    return x.conj() if adjoint and complex_matrix else x


def solve_triangular(a, b, upper, unitriangular):
    """``solvers.substitute(a, b, ...)`` by BLAS's ``trsm``, or None where it cannot take them. ``trsm``
    multiplies by the reciprocal of each pivot, where PyTorch's divides: the two agree but where the
    reciprocal is not a normal number (a subnormal pivot, or one above ``1 / tiny``), or a NaN or infinity
    takes part; those are left to the loop, which divides."""
    if a.dtype != b.dtype or not _usable(a, b) or not numpy.isfinite(a).all():
        return None
    if not unitriangular:
        sizes = numpy.abs(numpy.diagonal(a, axis1=-2, axis2=-1))
        tiny = numpy.finfo(a.dtype).tiny
        if not ((sizes >= tiny) & (sizes <= 1 / tiny)).all():
            return None
    return _trsm(a, b, upper, unitriangular)


def ldl(a, hermitian):
    """``ldl._ldl_arrays(a, hermitian)`` by LAPACK's ``sytrf`` (``hetrf`` for a Hermitian complex matrix), or
    None where it cannot take ``a``. Its pivots are PyTorch's (the same Bunch-Kaufman rule, from the lower
    triangle). A matrix with a NaN, an infinity or an entry whose square overflows is left to the loop, which
    follows PyTorch's build where the arithmetic overflows."""
    if not _usable(a) or a.shape[-1] != a.shape[-2]:
        return None
    if not numpy.abs(a).max() < numpy.sqrt(numpy.finfo(a.dtype).max):  # NaN fails this comparison too
        return None
    batch, n = a.shape[:-2], a.shape[-1]
    count = math.prod(batch)
    matrices = a.reshape(count, n, n)
    routine = _routine("hetrf" if hermitian and a.dtype.kind == "c" else "sytrf", a.dtype)
    ld = numpy.empty_like(matrices)
    pivots = numpy.empty((count, n), numpy.int32)
    info = numpy.empty(count, numpy.int32)
    for i in range(count):
        factor, pivots[i], info[i] = routine(matrices[i], lower=1)
        ld[i] = numpy.tril(factor)
    return ld.reshape(a.shape), pivots.reshape(batch + (n,)), info.reshape(batch)


def ldl_solve(ld, pivots, b, hermitian):
    """``ldl._ldl_solve_arrays`` by LAPACK's ``sytrs`` (``hetrs``), or None where it cannot take them: pivots
    that ``sytrf`` could not have made (a 2x2 block's pair not both negative and equal, or a block past
    the last row) are left to the loop, as LAPACK would read outside the matrix."""
    if ld.dtype != b.dtype or not _usable(ld, b) or pivots.__class__ is not numpy.ndarray:
        return None
    batch = numpy.broadcast_shapes(ld.shape[:-2], pivots.shape[:-1], b.shape[:-2])
    swaps = _stacked(pivots, batch, 1)
    if not all(_blocks_well_formed(row) for row in swaps.tolist()):
        return None
    factors, sides = _stacked(ld, batch), _stacked(b, batch)
    routine = _routine("hetrs" if hermitian and ld.dtype.kind == "c" else "sytrs", ld.dtype)
    x = numpy.empty(sides.shape, b.dtype)
    for i in range(len(x)):
        x[i] = routine(factors[i], swaps[i], sides[i], lower=1)[0]
    return x.reshape(batch + b.shape[-2:])


def _blocks_well_formed(pivots):
    """Whether 1-based ``pivots`` are ``sytrf``'s: each in ``1..n`` in size, negatives in equal pairs."""
    n = len(pivots)
    k = 0
    while k < n:
        p = pivots[k]
        if p > 0:
            if p > n:
                return False
            k += 1
        elif p == 0 or -p > n or k + 1 >= n or pivots[k + 1] != p:
            return False
        else:
            k += 2
    return True


def householder_product(a, tau):
    """``factorizations.householder_product``'s array by LAPACK's ``orgqr`` (``ungqr``), or None where it
    cannot take the arrays (no reflectors, a NaN or an infinity: left to the loop)."""
    if tau.__class__ is not numpy.ndarray or tau.dtype != a.dtype or not tau.shape[-1] or not _usable(a):
        return None
    if not (numpy.isfinite(a).all() and numpy.isfinite(tau).all()):
        return None
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    count = math.prod(batch)
    matrices = a.reshape(count, m, n)
    scales = tau.reshape(count, tau.shape[-1])
    routine = _routine("ungqr" if a.dtype.kind == "c" else "orgqr", a.dtype)
    q = numpy.empty_like(matrices)
    for i in range(count):
        q[i] = routine(matrices[i], scales[i])[0]
    return q.reshape(a.shape)


def _getrf(a):
    """LU with partial pivoting of each matrix of ``a`` (``_usable``): ``(LU, pivots, info)``, 1-based int32
    pivots as PyTorch gives them."""
    batch, (m, n) = a.shape[:-2], a.shape[-2:]
    count = math.prod(batch)
    matrices = a.reshape(count, m, n)
    routine = _routine("getrf", a.dtype)
    lu = numpy.empty_like(matrices)
    pivots = numpy.empty((count, min(m, n)), numpy.int32)
    info = numpy.empty(count, numpy.int32)
    for i in range(count):
        lu[i], swaps, info[i] = routine(matrices[i])
        pivots[i] = swaps + 1
    return lu.reshape(a.shape), pivots.reshape(batch + (min(m, n),)), info.reshape(batch)


def _trsm(a, b, upper, unitriangular):
    """``X`` with ``A @ X = B`` for each triangular ``A`` of ``a`` and matrix of ``b`` (batches broadcast;
    ``_usable``, one dtype): BLAS's ``trsm``, which divides by a zero pivot (inf and NaN) as PyTorch's does.
    It is asked for ``X^T`` from ``X^T A^T = B^T``: the transposes of row-major matrices are the column-major
    ones BLAS reads, so nothing is copied on the way in or out."""
    batch = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    matrices, sides = _stacked(a, batch), _stacked(b, batch)
    routine = _routine("trsm", a.dtype)
    x = numpy.empty(sides.shape, b.dtype)
    for i in range(len(x)):
        x[i] = routine(1.0, matrices[i].T, sides[i].T, side=1, lower=int(upper), diag=int(unitriangular)).T
    return x.reshape(batch + b.shape[-2:])


def _stacked(array, batch, dims=2):
    """``array`` broadcast over ``batch``, its last ``dims``-d blocks (matrices, or pivot vectors) stacked
    along one leading axis: the operands of a LAPACK call per matrix."""
    core = array.shape[array.ndim - dims:]
    return numpy.broadcast_to(array, batch + core).reshape((math.prod(batch),) + core)


def _routine(name, dtype):
    """SciPy's routine ``name`` for ``dtype`` (BLAS's for ``trsm``, else LAPACK's), looked up once."""
    key = (name, dtype)
    routine = _ROUTINES.get(key)
    if routine is None:
        find = scipy_module("linalg.blas").get_blas_funcs if name == "trsm" else \
            scipy_module("linalg.lapack").get_lapack_funcs
        routine = _ROUTINES[key] = find(name, dtype=dtype)
    return routine


_ROUTINES = {}
