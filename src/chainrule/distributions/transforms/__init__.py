"""Transforms between constrained spaces, with the log-determinants of their Jacobians (for
``TransformedDistribution`` and for ``biject_to``/``transform_to``)."""

from .base import Transform, _InverseTransform
from .cholesky import CorrCholeskyTransform, LowerCholeskyTransform, PositiveDefiniteTransform
from .combinators import (CatTransform, ComposeTransform, IndependentTransform, ReshapeTransform, StackTransform,
                          identity_transform)
from .elementwise import (AbsTransform, AffineTransform, CumulativeDistributionTransform, ExpTransform,
                          PowerTransform, SigmoidTransform, SoftplusTransform, TanhTransform)
from .simplex import SoftmaxTransform, StickBreakingTransform

__all__ = ["AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform", "CorrCholeskyTransform",
           "CumulativeDistributionTransform", "ExpTransform", "IndependentTransform", "LowerCholeskyTransform",
           "PositiveDefiniteTransform", "PowerTransform", "ReshapeTransform", "SigmoidTransform",
           "SoftplusTransform", "TanhTransform", "SoftmaxTransform", "StackTransform", "StickBreakingTransform",
           "Transform", "identity_transform"]
