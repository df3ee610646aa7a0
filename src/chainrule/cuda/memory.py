"""GPU memory through CuPy's memory pool: what arrays hold, what the pool has reserved, and the peak.

Without a loaded CUDA device the counters read 0 and ``empty_cache`` does nothing, as in PyTorch on a
machine without a GPU.
"""

from .._device import device as _device_class
from .._device import registered

__all__ = ["memory_allocated", "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats", "empty_cache"]


def _on(device):
    """(runtime, index) of the loaded CUDA device, or (None, None) when CUDA is not loaded."""
    namespace = registered("cuda")
    if namespace is None:
        return None, None
    runtime = namespace.runtime
    if device is None:
        return runtime, runtime.current()
    if isinstance(device, int):
        return runtime, device
    where = _device_class(device)
    return runtime, runtime.current() if where.index is None else where.index


def memory_allocated(device=None):
    """Bytes held by arrays on the GPU now."""
    runtime, index = _on(device)
    return 0 if runtime is None else runtime.memory_allocated(index)


def max_memory_allocated(device=None):
    """The most bytes arrays held at once since the start (or since ``reset_peak_memory_stats``)."""
    runtime, index = _on(device)
    return 0 if runtime is None else runtime.max_memory_allocated(index)


def memory_reserved(device=None):
    """Bytes CuPy's pool holds from the driver: what arrays hold plus the cached free blocks."""
    runtime, index = _on(device)
    return 0 if runtime is None else runtime.memory_reserved(index)


def reset_peak_memory_stats(device=None):
    runtime, index = _on(device)
    if runtime is not None:
        runtime.reset_peak(index)


def empty_cache():
    """Give the pool's cached free blocks back to the driver."""
    runtime, _ = _on(None)
    if runtime is not None:
        runtime.empty_cache()
