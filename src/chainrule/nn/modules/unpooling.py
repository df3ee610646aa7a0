"""``MaxUnpool1d/2d/3d`` (max pooling's values put back where they came from) and ``LPPool3d``."""

from .. import functional as F
from .module import Module

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "LPPool3d"]


def _tuple(value, count):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * count


class _MaxUnpoolNd(Module):
    rank = 0
    function = ""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _tuple(kernel_size, self.rank)
        self.stride = _tuple(stride if stride is not None else kernel_size, self.rank)
        self.padding = _tuple(padding, self.rank)

    def forward(self, input, indices, output_size=None):
        return getattr(F, self.function)(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    rank, function = 1, "max_unpool1d"


class MaxUnpool2d(_MaxUnpoolNd):
    rank, function = 2, "max_unpool2d"


class MaxUnpool3d(_MaxUnpoolNd):
    rank, function = 3, "max_unpool3d"


class LPPool3d(Module):
    """Power-average pooling over 3-d windows: ``(sum x^p)^(1/p)``."""

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")
