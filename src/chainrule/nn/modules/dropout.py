"""Dropout layers: active in training mode, the identity in eval mode (``F`` decides from ``training``)."""

from .. import functional as F
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    function = ""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return getattr(F, self.function)(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    function = "dropout"


class Dropout1d(_DropoutNd):
    function = "dropout1d"


class Dropout2d(_DropoutNd):
    function = "dropout2d"


class Dropout3d(_DropoutNd):
    function = "dropout3d"


class AlphaDropout(_DropoutNd):
    function = "alpha_dropout"


class FeatureAlphaDropout(_DropoutNd):
    function = "feature_alpha_dropout"
