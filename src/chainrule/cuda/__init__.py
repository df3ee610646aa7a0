"""``chainrule.cuda``: NVIDIA GPUs through CuPy, with ``torch.cuda``'s functions.

CuPy is an optional extra (``pip install 'chainrule[cuda12]'`` or ``'chainrule[cuda13]'``). Without it,
or without a GPU, ``is_available()`` is False and the functions that need a device raise as a PyTorch
built without CUDA does (AssertionError), saying what to install; the memory counters read 0 and the
seeding functions only remember their seed, as PyTorch's do on a CPU-only machine. Nothing here imports
CuPy until a GPU is asked about.
"""

from .. import _cupy, _device
from .._device import device as _device_class
from .._errors import OutOfMemoryError
from .._device import namespace_for, registered
from .memory import (empty_cache, max_memory_allocated, memory_allocated, memory_reserved,
                     reset_peak_memory_stats)
from .random import initial_seed, manual_seed, manual_seed_all, seed, seed_all
from .streams import Event, Stream, current_stream, default_stream, stream

__all__ = ["OutOfMemoryError", "is_available", "device_count", "current_device", "set_device", "device",
           "synchronize", "init",
           "is_initialized", "get_device_name", "get_device_capability", "get_device_properties",
           "is_bf16_supported", "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats", "empty_cache",
           "Event", "Stream", "current_stream", "default_stream", "stream"]

_probe = {}  # the answer of CuPy about its devices, asked once


def _probed_count():
    """How many GPUs CuPy sees (0 without CuPy or without a driver), asked once without loading chainrule's
    CUDA device."""
    if "count" not in _probe:  # CuPy itself is imported only here and when a GPU is first used
        _probe["count"] = _cupy.device_count() if _cupy.importable() else 0
    return _probe["count"]


def is_available():
    """Whether a CUDA device can be used: CuPy is installed and sees a GPU (or a device is registered)."""
    return registered("cuda") is not None or _probed_count() > 0


def device_count():
    namespace = registered("cuda")
    return namespace.runtime.count() if namespace is not None else _probed_count()


def is_initialized():
    """Whether chainrule's CUDA device is loaded (the first GPU tensor, or ``init()``, loads it)."""
    return registered("cuda") is not None


def init():
    _runtime()


def _runtime():
    """The CUDA runtime, loading it; AssertionError (PyTorch's type) when there is no CUDA."""
    return namespace_for("cuda").runtime


def _index(device=None):
    """The GPU a ``device`` argument names (an index, ``'cuda:1'``, a device; None: the current one)."""
    runtime = _runtime()
    if device is None:
        return runtime.current()
    if isinstance(device, int):
        return device
    where = _device_class(device)
    if where.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {where}")
    return runtime.current() if where.index is None else where.index


def current_device():
    return _runtime().current()


def set_device(device):
    """Make ``device`` the current GPU (a negative index does nothing, as in PyTorch)."""
    index = _index(device)
    if index >= 0:
        _runtime().select(index)


class device:
    """``with chainrule.cuda.device(1):``: the GPU that is current inside the block."""

    def __init__(self, device):
        self.index = -1 if device is None else _index(device)
        self.previous = -1

    def __enter__(self):
        if self.index >= 0:
            runtime = _runtime()
            self.previous = runtime.current()
            runtime.select(self.index)
        return self

    def __exit__(self, *exc):
        if self.previous >= 0:
            _runtime().select(self.previous)
        return False


def synchronize(device=None):
    """Wait until the work queued on a GPU (the current one by default) has finished."""
    _runtime().synchronize(_index(device))


class _CudaDeviceProperties:
    """What ``get_device_properties`` reports."""

    def __init__(self, properties):
        self.name = properties["name"]
        self.major = properties["major"]
        self.minor = properties["minor"]
        self.total_memory = properties["total_memory"]
        self.multi_processor_count = properties["multi_processor_count"]

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None):
    return _CudaDeviceProperties(_runtime().properties(_index(device)))


def get_device_name(device=None):
    return get_device_properties(device).name


def get_device_capability(device=None):
    properties = get_device_properties(device)
    return properties.major, properties.minor


def is_bf16_supported(including_emulation=True):
    """False: chainrule has no bfloat16 dtype (PyTorch without a GPU answers False too)."""
    return False


del _device
