"""``chainrule.accelerator``: which accelerator the program may use; on a CPU-only machine, none."""

from . import cuda
from ._device import device

__all__ = ["is_available", "device_count", "current_accelerator", "current_device_index", "set_device_index",
           "synchronize", "empty_cache", "memory_allocated", "max_memory_allocated"]


def is_available():
    return cuda.is_available()


def device_count():
    return cuda.device_count()


def current_accelerator(check_available=False):
    """``device('cuda')`` where a GPU backend is available, else None (the CPU is not an accelerator)."""
    return device("cuda") if cuda.is_available() else None


def _no_accelerator(name):
    raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index():
    if not cuda.is_available():
        _no_accelerator("current_device_index")
    return cuda.current_device()


def set_device_index(device_index):
    if not cuda.is_available():
        _no_accelerator("set_device_index")
    cuda.set_device(device_index)


def synchronize(device_index=None):
    if not cuda.is_available():
        _no_accelerator("synchronize")
    cuda.synchronize(device_index)


def empty_cache():
    if not cuda.is_available():
        _no_accelerator("empty_cache")
    cuda.empty_cache()


def memory_allocated(device_index=None):
    if not cuda.is_available():
        _no_accelerator("memory_allocated")
    return cuda.memory_allocated(device_index)


def max_memory_allocated(device_index=None):
    if not cuda.is_available():
        _no_accelerator("max_memory_allocated")
    return cuda.max_memory_allocated(device_index)
