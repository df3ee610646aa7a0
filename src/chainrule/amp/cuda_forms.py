"""``chainrule.cuda.amp``: the older CUDA-only spellings, ``GradScaler(...)`` and ``autocast(...)`` for CUDA,
which on a machine without CUDA disable themselves with PyTorch's warnings."""

import warnings

from . import autocast_mode, grad_scaler

__all__ = ["GradScaler", "autocast", "custom_fwd", "custom_bwd"]


class GradScaler(grad_scaler.GradScaler):
    """Deprecated: ``chainrule.amp.GradScaler("cuda", ...)``."""

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`chainrule.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`chainrule.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


class autocast(autocast_mode.autocast):
    """Deprecated: ``chainrule.amp.autocast("cuda", ...)``."""

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`chainrule.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`chainrule.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        dtype = autocast_mode._dtype.float16 if dtype is None else dtype
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    return autocast_mode.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd=None):
    return autocast_mode.custom_bwd(bwd, device_type="cuda")
