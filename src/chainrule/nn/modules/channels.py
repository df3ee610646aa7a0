"""Layers that rearrange or normalise across channels: ``ChannelShuffle``, ``CrossMapLRN2d``."""

from ..._creation import arange
from .. import functional as F
from .module import Module

__all__ = ["ChannelShuffle", "CrossMapLRN2d"]


class ChannelShuffle(Module):
    """Interleave the channels of ``groups`` groups (ShuffleNet)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class CrossMapLRN2d(Module):
    """Local response normalisation across channels of a 4-d input (the Lua Torch layer)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        return input * _cross_map_scale(input, self.size, self.alpha, self.k).pow(-self.beta)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _cross_map_scale(input, size, alpha, k):
    """``k + alpha/size *`` the sum of squares over the channel window of the Lua Torch layer: channels
    ``c - pre_pad + 1 .. c + pre_pad - 1``, where its running sum never drops channel 0 (kept as PyTorch has it)."""
    channels = input.shape[1]
    pre_pad = int((size - 1) / 2 + 1)
    squares = input * input
    running = squares.cumsum(1)
    c = arange(channels)
    upper = running.index_select(1, (c + pre_pad - 1).clamp(max=channels - 1))
    dropped = running.index_select(1, (c - pre_pad).clamp(min=0)) - squares[:, :1]
    window = upper - dropped * (c > pre_pad).to(input.dtype).reshape(1, -1, 1, 1)
    return window * (alpha / size) + k
