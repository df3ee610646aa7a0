"""Devices. The CPU holds NumPy arrays; a CUDA device would hold CuPy arrays of the same code."""

import numpy as np

__all__ = ["device", "device_of"]


class device:
    """``chainrule.device('cpu')``, ``device('cuda', 0)`` or ``device('cuda:0')``."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ":" in type:
            type, _, number = type.partition(":")
            index = int(number)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, meta device type at start of device string: {type}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def device_of(array):
    if array.__class__ is np.ndarray:
        return CPU
    return device("cuda", getattr(getattr(array, "device", None), "id", 0))
