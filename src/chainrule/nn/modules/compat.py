"""Layers kept for older code and for multi-device code run on one CPU: ``Container``, ``NLLLoss2d``,
``RNNCellBase``, ``SyncBatchNorm`` (a batch norm when there is one process) and ``DataParallel`` (the
wrapped module itself when there are no GPUs, as in PyTorch)."""

import warnings

from .loss import NLLLoss
from .module import Module
from .normalization import _BatchNorm
from .rnn_cell import _RNNCellBase

__all__ = ["Container", "NLLLoss2d", "RNNCellBase", "SyncBatchNorm", "DataParallel"]

RNNCellBase = _RNNCellBase


class Container(Module):
    """Deprecated: a Module holding the keyword arguments as submodules."""

    def __init__(self, **kwargs):
        super().__init__()
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now implemented in `nn.Module`. "
                      "Subclass that instead.", FutureWarning, stacklevel=2)
        for name, module in kwargs.items():
            self.add_module(name, module)


class NLLLoss2d(NLLLoss):
    """Deprecated: ``NLLLoss``."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.", FutureWarning,
                      stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class SyncBatchNorm(_BatchNorm):
    """Batch norm whose statistics would be shared across processes; with one process, ``BatchNorm``."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype=dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every batch norm replaced by a ``SyncBatchNorm`` holding the same state."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            if module.affine:
                converted.weight = module.weight
                converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


class DataParallel(Module):
    """Would split each batch across GPUs; with none (always here), it calls the module directly."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if device_ids:
            raise RuntimeError(f"chainrule has no GPU to run DataParallel on (device_ids={list(device_ids)})")
        self.module = module
        self.device_ids = []
        self.dim = dim
        self.output_device = None

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)

