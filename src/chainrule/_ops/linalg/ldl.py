"""The LDL factorization of a symmetric or Hermitian, possibly indefinite, matrix: ``ldl_factor``,
``ldl_factor_ex``, ``ldl_solve``.

``A = P L D L^T P^T`` (``L^H`` when ``hermitian``) with Bunch and Kaufman's diagonal pivoting, in the
compact form of LAPACK's ``sytrf``/``hetrf`` that PyTorch returns: ``L`` (unit diagonal implied) below
the diagonal of ``LD``, the 1x1 and 2x2 blocks of ``D`` on its diagonal and first subdiagonal, and
1-based ``pivots`` where a negative pair marks a 2x2 block. The pivot choices follow LAPACK's rule step
for step (the same thresholds and ties, ``|re| + |im|`` as the size of a complex number), so ``LD`` and
``pivots`` match PyTorch's up to rounding (bit for bit on the random matrices tried). NaN and infinity
meet LAPACK's comparisons as in PyTorch's build: a NaN counts as a column's largest entry, Fortran's
``MAX`` lets a NaN lose, and an infinite pivot skips BLAS's rank-1 update. Only the lower triangle of
``A`` is read.

PyTorch has no derivative for either function: their outputs record a node that refuses backward.
"""

import functools
import math

from ... import return_types
from ..._array import host_values, namespace_of
from ..._tensor import make_tensor
from ..._float_errors import silent_float_errors
from .._broadcast import broadcast_shapes
from .._op import derivative, record
from ..pointwise_base import write_out
from . import lapack
from .checks import check_matrix

__all__ = ["ldl_factor", "ldl_factor_ex", "ldl_solve"]

_LdlFactor = return_types.make_return_type("linalg_ldl_factor", ("LD", "pivots"))
_LdlFactorEx = return_types.make_return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))

# Bunch and Kaufman's threshold: it bounds the growth of the entries of L
_ALPHA = (1 + math.sqrt(17)) / 8


def _refuse(op_name):
    def refuse(grad, *saved_and_args):
        raise RuntimeError(f"derivative for aten::{op_name} is not implemented")

    refuse.__name__ = f"_{op_name}_has_no_derivative"
    return refuse


LdlFactorBackward = derivative("NotImplemented", _refuse("linalg_ldl_factor_ex"), op="linalg_ldl_factor_ex")
LdlSolveBackward = derivative("NotImplemented", _refuse("linalg_ldl_solve"), _refuse("linalg_ldl_solve"),
                              op="linalg_ldl_solve")


# ---------------------------------------------------------------- the factorization of one matrix
def _size(x, xp):
    """LAPACK's size of an entry when choosing pivots: ``|re| + |im|`` for complex numbers."""
    return xp.abs(x.real) + xp.abs(x.imag) if x.dtype.kind == "c" else xp.abs(x)


def _larger(a, b):
    """Fortran's ``MAX(a, b)`` as LAPACK's compiled code evaluates it: ``b`` unless ``a > b`` (so NaN loses)."""
    return a if a > b else b


class _Factorization:
    """One matrix being factorized in place: ``a`` (its lower triangle is read and written), the
    transpose rule (``conj`` for Hermitian complex matrices) and the array namespace."""

    def __init__(self, a, hermitian):
        self.a = a
        self.xp = namespace_of(a)
        self.hermitian = hermitian and a.dtype.kind == "c"
        self.zero = self.xp.zeros((), dtype=a.real.dtype)[()]  # sizes stay in the matrix's precision

    def conj(self, x):
        return x.conj() if self.hermitian else x

    def diagonal_size(self, i):
        """A Hermitian matrix's diagonal is real: only its real part is measured."""
        value = self.a[i, i]
        return abs(value.real) if self.hermitian else _size(value, self.xp)

    def make_diagonal_real(self, *indices):
        if self.hermitian:
            for i in indices:
                self.a[i, i] = self.a[i, i].real

    def choose_pivot(self, k):
        """``(kp, step)``: swap ``kp`` into place ``k + step - 1`` and take a ``step``-by-``step`` block;
        ``kp`` is None when column ``k`` is zero (D is singular there)."""
        a, n = self.a, self.a.shape[0]
        diagonal = self.diagonal_size(k)
        column_max, imax = self.zero, k
        if k + 1 < n:
            imax, column_max = self.largest(a[k + 1:, k], k + 1)
        if _larger(diagonal, column_max) == 0:
            return None, 1
        if diagonal >= _ALPHA * column_max:
            return k, 1
        # the largest off-diagonal entry of row imax: left of the diagonal, then below it in column imax
        _, row_max = self.largest(a[imax, k:imax], k)
        if imax + 1 < n:
            row_max = _larger(row_max, self.largest(a[imax + 1:, imax], imax + 1)[1])
        if diagonal >= _ALPHA * column_max * (column_max / row_max):
            return k, 1
        if self.diagonal_size(imax) >= _ALPHA * row_max:
            return imax, 1
        return imax, 2

    def largest(self, entries, offset):
        """``(offset + i, size)`` of the largest entry, the first on ties; a NaN counts as the largest (the
        search of PyTorch's LAPACK stops at the first NaN, as ``argmax`` does)."""
        sizes = _size(entries, self.xp)
        i = int(self.xp.argmax(sizes))
        return offset + i, sizes[i]

    def swap(self, kk, kp):
        """Exchange rows and columns ``kk < kp`` of the trailing symmetric matrix, in the lower triangle."""
        a = self.a
        a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
        between = a[kk + 1:kp, kk].copy()
        a[kk + 1:kp, kk] = self.conj(a[kp, kk + 1:kp])
        a[kp, kk + 1:kp] = self.conj(between)
        a[kp, kk] = self.conj(a[kp, kk])
        a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
        self.make_diagonal_real(kk, kp)

    def eliminate_one(self, k):
        """A 1x1 block: ``L``'s column ``k`` and the rank-1 update of the trailing matrix."""
        a = self.a
        inverse = 1 / (a[k, k].real if self.hermitian else a[k, k])
        column = a[k + 1:, k]
        if inverse != 0:  # BLAS's rank-1 update returns at once for a zero scale, and skips zero entries
            update = column[:, None] * (inverse * self.conj(column))[None, :]
            zero = column == 0
            if zero.any():
                update[:, zero] = 0
            a[k + 1:, k + 1:] -= update
            self.make_diagonal_real(*range(k + 1, a.shape[0]))
        a[k + 1:, k] = column * inverse

    def eliminate_two(self, k):
        """A 2x2 block ``[[d_kk, .], [d_k1k, d_k1k1]]``: ``L``'s columns ``k, k+1`` and the rank-2 update."""
        a = self.a
        first, second = a[k + 2:, k].copy(), a[k + 2:, k + 1].copy()
        if self.hermitian:
            scale = abs(a[k + 1, k])
            d11, d22 = a[k + 1, k + 1].real / scale, a[k, k].real / scale
            d21 = a[k + 1, k] / scale
            factor = 1 / (d11 * d22 - 1) / scale
            w_first = factor * (d11 * first - d21 * second)
            w_second = factor * (d22 * second - d21.conjugate() * first)
        else:
            d21 = a[k + 1, k]
            d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
            factor = (1 / (d11 * d22 - 1)) / d21
            w_first = factor * (d11 * first - second)
            w_second = factor * (d22 * second - first)
        trailing = a[k + 2:, k + 2:]
        trailing -= first[:, None] * self.conj(w_first)[None, :]
        trailing -= second[:, None] * self.conj(w_second)[None, :]
        self.make_diagonal_real(*range(k + 2, a.shape[0]))
        a[k + 2:, k], a[k + 2:, k + 1] = w_first, w_second

    def run(self):
        """Factorize ``a`` in place; ``(pivots, info)`` as LAPACK reports them."""
        n = self.a.shape[0]
        pivots = [0] * n
        info = 0
        k = 0
        while k < n:
            kp, step = self.choose_pivot(k)
            if kp is None:
                info = info or k + 1
                self.make_diagonal_real(k)
                pivots[k] = k + 1
                k += 1
                continue
            kk = k + step - 1
            if kp != kk:
                self.swap(kk, kp)
                if step == 2:
                    self.a[[k + 1, kp], k] = self.a[[kp, k + 1], k]
            self.make_diagonal_real(*range(k, k + step))
            if step == 1:
                self.eliminate_one(k)
                pivots[k] = kp + 1
            else:
                self.eliminate_two(k)
                pivots[k] = pivots[k + 1] = -(kp + 1)
            k += step
        return pivots, info


def _ldl_arrays(a, hermitian):
    """``(LD, pivots, info)`` for each matrix of ``a``: one matrix at a time, as each pivots its own way; by
    LAPACK's ``sytrf`` where SciPy takes ``a`` (``lapack.ldl``)."""
    factored = lapack.ldl(a, hermitian)
    if factored is not None:
        return factored
    return namespace_of(a).matrix_kernel(functools.partial(_ldl_kernel, hermitian=hermitian), (2,), a)


@silent_float_errors
def _ldl_kernel(xp, a, *, hermitian):
    batch, n = a.shape[:-2], a.shape[-1]
    count = math.prod(batch)
    ld = a.reshape((count, n, n)).copy()
    pivots = xp.zeros((count, n), dtype=xp.int32)
    info = xp.zeros(count, dtype=xp.int32)
    for i in range(count):
        matrix_pivots, info[i] = _Factorization(ld[i], hermitian).run()
        pivots[i] = xp.asarray(matrix_pivots, dtype=xp.int32)
    ld = xp.tril(ld)
    return ld.reshape(a.shape), pivots.reshape(batch + (n,)), info.reshape(batch)


# ---------------------------------------------------------------- ldl_factor / ldl_factor_ex
def _singular_error(name, info):
    """PyTorch reports a zero block of D with an internal error; chainrule says what happened."""
    flat = info.reshape(-1).tolist()
    index = next(i for i, value in enumerate(flat) if value)
    prefix = f"(Batch element {index}): " if info.ndim else ""
    return RuntimeError(f"{name}: {prefix}D[{flat[index]},{flat[index]}] is exactly zero: the factorization "
                        "was completed, but the block diagonal D is singular")


def _factorize(name, A, hermitian, check_errors, recorded):
    """Both functions check their input as ``ldl_factor_ex``; an ``out=`` result records no node."""
    check_matrix("torch.linalg.ldl_factor_ex", A, float16=True)
    a = A._data
    if a.dtype.kind == "f" and a.dtype.itemsize < 4 and a.size:
        raise NotImplementedError(f'"ldl_factor_kernel_cpu" not implemented for \'{A.dtype.scalar_type_name}\'')
    ld, pivots, info = _ldl_arrays(a, hermitian)
    if check_errors and host_values(info).any():
        raise _singular_error(name, host_values(info))
    LD = record(ld, LdlFactorBackward, (A,)) if recorded else make_tensor(ld)
    return LD, make_tensor(pivots), make_tensor(info)


def ldl_factor_ex(input, *, hermitian=False, check_errors=False, out=None):
    """``(LD, pivots, info)``: ``info`` is 0, or the 1-based index of the first zero 1x1 block of ``D``."""
    result = _factorize("torch.linalg.ldl_factor_ex", input, hermitian, check_errors, out is None)
    return write_out(_LdlFactorEx(result), out, "linalg_ldl_factor_ex")


def ldl_factor(input, *, hermitian=False, out=None):
    """``(LD, pivots)``, the compact LDL factorization of ``A`` for ``ldl_solve``; a singular ``D`` raises."""
    LD, pivots, _ = _factorize("torch.linalg.ldl_factor", input, hermitian, True, out is None)
    return write_out(_LdlFactor((LD, pivots)), out, "linalg_ldl_factor")


# ---------------------------------------------------------------- ldl_solve
def _solve_one(ld, pivots, x, hermitian):
    """Overwrite ``x`` (``n x k``) with ``A^-1 x`` for ``A`` factorized as ``ld, pivots`` (0-based, negative
    for a 2x2 block), as LAPACK's ``sytrs``: ``L`` forward, the blocks of ``D``, then ``L^T`` backward."""
    n = ld.shape[0]
    conj = (lambda v: v.conj()) if hermitian else (lambda v: v)
    k = 0
    while k < n:  # L D y = P^T x
        if pivots[k] > 0:
            kp = pivots[k] - 1
            x[[k, kp]] = x[[kp, k]]
            x[k + 1:] -= ld[k + 1:, k, None] * x[k, None]
            x[k] *= 1 / (ld[k, k].real if hermitian else ld[k, k])
            k += 1
            continue
        kp = -pivots[k] - 1
        x[[k + 1, kp]] = x[[kp, k + 1]]
        x[k + 2:] -= ld[k + 2:, k, None] * x[k, None]
        x[k + 2:] -= ld[k + 2:, k + 1, None] * x[k + 1, None]
        off = ld[k + 1, k]
        first, second = ld[k, k] / conj(off), ld[k + 1, k + 1] / off
        denominator = first * second - 1
        top, bottom = x[k] / conj(off), x[k + 1] / off
        x[k], x[k + 1] = (second * top - bottom) / denominator, (first * bottom - top) / denominator
        k += 2
    k = n - 1
    while k >= 0:  # L^T P^T x = y
        step = 1 if pivots[k] > 0 else 2
        for column in range(k, k - step, -1):
            x[column] -= conj(ld[k + 1:, column]) @ x[k + 1:]
        kp = abs(pivots[k]) - 1
        x[[k, kp]] = x[[kp, k]]
        k -= step


def _check_solve_inputs(LD, pivots, B):
    check_matrix("torch.linalg.ldl_solve", LD, float16=True)
    if B._data.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(B._data.ndim, 1)}, "
                         f"{max(B._data.ndim, 1) - 1}], but got -2)")
    ld, piv, b = LD._data, pivots._data, B._data
    if piv.shape != ld.shape[:-1]:
        raise RuntimeError("torch.linalg.ldl_solve: Expected LD.shape[:-1] and pivots.shape to be the same, but "
                           f"got pivots with shape {list(piv.shape)} instead")
    if piv.dtype.kind not in "iu":
        raise RuntimeError("torch.linalg.ldl_solve: Expected pivots to be integers. Got "
                           f"{pivots.dtype.scalar_type_name}")
    if b.dtype != ld.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{B.dtype.scalar_type_name} and A of type {LD.dtype.scalar_type_name} instead.")
    n = ld.shape[-1]
    broadcast_shapes(b.shape[:-2], ld.shape[:-2])
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is {n} by {n} but "
                           f"each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    if ld.dtype.kind == "f" and ld.dtype.itemsize < 4 and ld.size:
        raise NotImplementedError(f'"ldl_solve_kernel_cpu" not implemented for \'{LD.dtype.scalar_type_name}\'')
    sizes = host_values(namespace_of(piv).abs(piv))
    if sizes.size and sizes.max() > n:
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| <= LD.size(-2). Did you properly "
                           "pass the result of ldl_factor?")
    if sizes.size and sizes.min() < 1:
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| >= 1. Did you properly pass the "
                           "result of ldl_factor?")


def _ldl_solve_arrays(ld, pivots, b, hermitian):
    solved = lapack.ldl_solve(ld, pivots, b, hermitian)
    if solved is not None:
        return solved
    kernel = functools.partial(_ldl_solve_kernel, hermitian=hermitian)
    return namespace_of(ld).matrix_kernel(kernel, (2, 1, 2), ld, pivots, b)


@silent_float_errors
def _ldl_solve_kernel(xp, ld, pivots, b, *, hermitian):
    batch = broadcast_shapes(b.shape[:-2], ld.shape[:-2])
    n = ld.shape[-1]
    count = math.prod(batch)
    ld = xp.broadcast_to(ld, batch + (n, n)).reshape((count, n, n))
    pivots = host_values(xp.broadcast_to(pivots, batch + (n,)).reshape((count, n))).tolist()
    x = xp.broadcast_to(b, batch + b.shape[-2:]).reshape((count,) + b.shape[-2:]).copy()
    for i in range(x.shape[0]):
        _solve_one(ld[i], pivots[i], x[i], hermitian)
    return x.reshape(batch + b.shape[-2:])


def ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """``X`` with ``A X = B`` for ``A`` given by ``ldl_factor``'s ``LD, pivots`` (and its ``hermitian``)."""
    _check_solve_inputs(LD, pivots, B)
    x = _ldl_solve_arrays(LD._data, pivots._data, B._data, hermitian and LD._data.dtype.kind == "c")
    return write_out(record(x, LdlSolveBackward, (LD, B)), out, "linalg_ldl_solve")
