"""``FractionalMaxPool2d``/``3d``: fractional max pooling as a layer (see ``F.fractional_max_pool2d``).

Each call draws new window steps from chainrule's generator unless ``_random_samples`` (a buffer) fixes them.
"""

from .. import functional as F
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d"]


def _tuple(value, count):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * count


class _FractionalMaxPoolNd(Module):
    rank = 0

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        self.kernel_size = _tuple(kernel_size, self.rank)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _tuple(output_size, self.rank) if output_size is not None else None
        self.output_ratio = _tuple(output_ratio, self.rank) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{type(self).__name__} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < ratio < 1 for ratio in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):
        pool = F.fractional_max_pool2d if self.rank == 2 else F.fractional_max_pool3d
        return pool(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                    _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-d max pooling over windows at pseudo-random steps that give ``output_size`` (or ``output_ratio``)."""

    rank = 2


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-d max pooling over windows at pseudo-random steps that give ``output_size`` (or ``output_ratio``)."""

    rank = 3
