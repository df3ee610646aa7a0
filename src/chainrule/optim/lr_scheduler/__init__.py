"""``chainrule.optim.lr_scheduler``: learning-rate schedules that rewrite ``group['lr']`` of an optimizer,
one ``step()`` per epoch (``base``: what every schedule shares; ``decay``, ``cyclic``, ``plateau`` and
``combined``: the schedules by kind).
"""

from ..._tensor import Tensor  # noqa: F401  (PyTorch's module offers it too)
from ..optimizer import Optimizer  # noqa: F401  (PyTorch's module offers it too)
from .base import LRScheduler
from .combined import ChainedScheduler, SequentialLR
from .cyclic import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from .decay import ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR, MultiStepLR, PolynomialLR, StepLR
from .plateau import ReduceLROnPlateau

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "OneCycleLR", "LinearLR", "SequentialLR", "ReduceLROnPlateau", "ConstantLR",
           "PolynomialLR", "MultiplicativeLR", "CyclicLR", "ChainedScheduler"]
