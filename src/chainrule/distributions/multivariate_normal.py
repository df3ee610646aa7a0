"""``MultivariateNormal``: the Gaussian on vectors, given by its covariance, its precision or a lower
Cholesky factor ``L`` of its covariance. Everything is computed from ``L`` (kept unbroadcast, so a shared
covariance is factored once)."""

import math

from .._creation import eye
from .._ops.joining import flip
from .._ops.matmul import matmul
from .._ops.linalg.factorizations import cholesky_inverse
from .._size import Size
from ..linalg import cholesky, solve_triangular
from . import constraints
from .distribution import Distribution
from .utils import broadcast_shapes, lazy_property, standard_normal

__all__ = ["MultivariateNormal"]


def batch_mv(matrices, vectors):
    """Matrix-vector products with broadcast batch dimensions."""
    return matmul(matrices, vectors.unsqueeze(-1)).squeeze(-1)


def batch_mahalanobis(lower, x):
    """``|L^-1 x|^2`` for each vector of ``x``, whose batch dimensions end with (a broadcast of) ``L``'s.

    The leading dimensions of ``x`` that ``L`` lacks become columns of one triangular solve per
    matrix, so a sample of many vectors costs one solve, not one copy of ``L`` per vector.
    """
    outer = max(x.dim() - 1 - (lower.dim() - 2), 0)
    columns = x.reshape((-1,) + x.shape[outer:])  # (outer..., inner batch, n)
    columns = columns.permute(tuple(range(1, columns.dim())) + (0,))  # (inner batch, n, outer...)
    solved = solve_triangular(lower, columns, upper=False).pow(2).sum(-2)  # (inner batch, outer...)
    solved = solved.permute((solved.dim() - 1,) + tuple(range(solved.dim() - 1)))
    return solved.reshape(x.shape[:-1])


def precision_to_scale_tril(precision):
    """A lower Cholesky factor of the inverse of ``precision``, without inverting it: the Cholesky factor
    of the flipped matrix, flipped back, is an upper factor ``U`` with ``P = U.T U``; then ``L = U^-T``."""
    flipped_factor = cholesky(flip(precision, (-2, -1)))
    inverse_lower = flip(flipped_factor, (-2, -1)).transpose(-2, -1)
    return solve_triangular(inverse_lower, eye(precision.shape[-1], dtype=precision.dtype), upper=False)


class MultivariateNormal(Distribution):
    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {"scale_tril": scale_tril, "covariance_matrix": covariance_matrix,
                 "precision_matrix": precision_matrix}
        given = {name: matrix for name, matrix in given.items() if matrix is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        (name, matrix), = given.items()
        if matrix.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = precision_to_scale_tril(matrix)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape + self.event_shape)
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape + self.event_shape + self.event_shape))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return self._batch_shape + self._event_shape + self._event_shape

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        lower = self._unbroadcasted_scale_tril
        return matmul(lower, lower.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        return cholesky_inverse(self._unbroadcasted_scale_tril).expand(self._matrix_shape())

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=()):
        """``loc + L @ eps`` with standard normal noise ``eps``."""
        eps = standard_normal(self._extended_shape(sample_shape), self.loc.dtype)
        return self.loc + batch_mv(self._unbroadcasted_scale_tril, eps)

    def _half_log_det(self):
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        mahalanobis = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + mahalanobis) - self._half_log_det()

    def entropy(self):
        entropy = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return entropy if len(self._batch_shape) == 0 else entropy.expand(self._batch_shape)
