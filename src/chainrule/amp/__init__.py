"""``chainrule.amp``: automatic mixed precision, as PyTorch's CPU build offers it (see autocast_mode)."""

from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler
from . import autocast_mode, grad_scaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler", "autocast_mode",
           "grad_scaler"]
