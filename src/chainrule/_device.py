"""Devices: where a tensor's array lives, and how an array moves between them.

A device type is an array namespace (``chainrule._array``): the CPU is NumPy's, ``cuda`` is CuPy's,
loaded on first use so that ``import chainrule`` never imports CuPy (or a test's stand-in, registered
with ``register_device``). A namespace of device memory carries a runtime, which knows what NumPy does
not: which device an array is on, the current device, copies between devices, random numbers, memory.

The runtime of a device type offers ``count()``, ``current()``, ``select(index)``, ``using(index)`` (a
context in which ``index`` is current), ``index_of(array)``, ``from_host(array, index)``,
``copy_to(array, index)``, ``synchronize(index)``, ``random(index)`` (a generator with CuPy's
``random_sample``, ``standard_normal``, ``randint`` and ``poisson``), ``seed(index, value)``,
``properties(index)`` (name, capability, total memory), the memory counters ``memory_allocated``,
``max_memory_allocated``, ``memory_reserved``, ``reset_peak(index)``, ``empty_cache()``, and the classes
``Event`` and ``Stream``.
"""

import numpy as np

from ._array import NUMPY, is_array as _is_array, namespace_of, register

__all__ = ["device", "device_of", "CPU", "placement", "resolved", "moved", "register_device", "namespace_for",
           "set_default_device", "default_device", "seed_devices", "mixed_devices_error", "elementwise_operands",
           "devices_error"]

_ndarray = np.ndarray


class device:
    """``chainrule.device('cpu')``, ``device('cuda', 0)``, ``device('cuda:0')`` or ``device(0)`` (a GPU)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif isinstance(type, str) and ":" in type:
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{number}'")
            index = int(number)
        if type not in ("cpu", "cuda", "meta"):
            raise RuntimeError(f"Expected one of cpu, cuda, meta device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
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

    def __enter__(self):
        """``with chainrule.device('cuda'):``: factories without ``device=`` make tensors here inside the block."""
        defaults.stack.append(defaults.device)
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        defaults.device = defaults.stack.pop()
        return False


CPU = device("cpu")

# ---------------------------------------------------------------- device types and their namespaces
_NAMESPACES = {"cpu": NUMPY}

MISSING_CUPY = ("chainrule has no CUDA device: CuPy is not installed. Install chainrule with the CuPy wheel for "
                "your CUDA version: pip install 'chainrule[cuda12]' (CUDA 12.x) or 'chainrule[cuda13]' (CUDA 13.x)")


def register_device(namespace):
    """Make ``namespace`` the one of its device type; returns the namespace it replaces (None if none).

    CuPy's namespace registers itself on first use of ``cuda``; the tests register a CPU stand-in."""
    previous = _NAMESPACES.get(namespace.device_type)
    _NAMESPACES[namespace.device_type] = namespace
    register(namespace)
    return previous


def unregister_device(device_type, previous=None):
    """Undo ``register_device``: ``previous`` (what it returned) becomes the device type's namespace again."""
    if previous is None:
        _NAMESPACES.pop(device_type, None)
    else:
        _NAMESPACES[device_type] = previous


def registered(device_type):
    """The namespace of ``device_type`` if it is loaded, without loading it."""
    return _NAMESPACES.get(device_type)


def namespace_for(device_type):
    """The array namespace of a device type, loading CuPy's on the first use of ``cuda``.

    Without CuPy this raises AssertionError, as a PyTorch built without CUDA does, naming what to install."""
    namespace = _NAMESPACES.get(device_type)
    if namespace is not None:
        return namespace
    if device_type == "cuda":
        from . import _cupy  # CuPy is imported on first use of a CUDA device only

        if not _cupy.importable():
            raise AssertionError(MISSING_CUPY)
        namespace = _cupy.load()
        register_device(namespace)
        if defaults.seed is not None:
            seed_devices(defaults.seed)
        return namespace
    raise NotImplementedError(f"chainrule cannot make tensors on the '{device_type}' device: its devices are the "
                              "CPU (NumPy) and CUDA GPUs (CuPy)")


def placement(where):
    """``(namespace, index)`` for a device argument (``'cuda:1'``, ``device('cuda')``, ``0``): the index is the
    current device when none is named, None on the CPU."""
    d = where if where.__class__ is device else device(where)
    namespace = namespace_for(d.type)
    runtime = namespace.runtime
    if runtime is None:
        return namespace, None
    index = runtime.current() if d.index is None else d.index
    if index >= runtime.count():
        raise RuntimeError("CUDA error: invalid device ordinal")
    return namespace, index


def resolved(where):
    """The device a device argument names, with the current GPU's index when it names none."""
    namespace, index = placement(where)
    return CPU if index is None else device(namespace.device_type, index)


def device_of(array):
    """The device an array lives on."""
    if array.__class__ is _ndarray:
        return CPU
    namespace = namespace_of(array)
    if namespace.runtime is None:
        return CPU
    return device(namespace.device_type, namespace.runtime.index_of(array))


def moved(array, namespace, index):
    """``array`` on device ``index`` of ``namespace`` (itself when it is there already, else a copy)."""
    source = NUMPY if array.__class__ is _ndarray else namespace_of(array)
    runtime = namespace.runtime
    if source is namespace:
        if runtime is None or runtime.index_of(array) == index:
            return array
        return runtime.copy_to(array, index)
    host = source.to_host(array)
    if runtime is None:
        return host if source.runtime is not None else host.copy()
    return runtime.from_host(host, index)


# ---------------------------------------------------------------- the default device of factories
class _Defaults:
    device = None  # None: the CPU
    stack = []  # the defaults that ``with device(...)`` blocks replaced
    seed = None  # the last seed given to every GPU, applied again when CuPy's namespace loads


defaults = _Defaults()


def set_default_device(where):
    """Factories without ``device=`` make their tensors on ``where`` (None or ``'cpu'``: the CPU)."""
    if where is None or device(where) == CPU:
        defaults.device = None
        return
    defaults.device = resolved(where)  # a device that is not there is refused now, not at the next factory


def default_device():
    return defaults.device or CPU


def seed_devices(value, index=None):
    """Seed the GPU generators: device ``index`` (None: every one). Before CUDA is loaded this only remembers
    the value for every device, as PyTorch seeds lazily."""
    namespace = _NAMESPACES.get("cuda")
    if namespace is None:
        if index is None:
            defaults.seed = value
        return
    runtime = namespace.runtime
    for i in range(runtime.count()) if index is None else (index,):
        runtime.seed(i, value)


# ---------------------------------------------------------------- PyTorch's errors for tensors on two devices
def mixed_devices_error(first, second):
    return RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, {first} "
                        f"and {second}!")


def elementwise_operands(x, y):
    """``(x, y)`` on one device for an elementwise op whose array call refused them, or None when they are on
    one device already (the refusal was something else).

    A 0-d CPU array beside a GPU array is a number to PyTorch: it becomes a NumPy scalar, which CuPy takes
    as a kernel argument. Otherwise the devices differ and this raises PyTorch's error, the GPU named first."""
    dx = device_of(x) if _is_array(x) else None
    dy = device_of(y) if _is_array(y) else None
    if dx is None or dy is None or dx == dy:
        return None
    if dx == CPU and x.ndim == 0:
        return x[()], y
    if dy == CPU and y.ndim == 0:
        return x, y[()]
    first, second = (dx, dy) if dx != CPU else (dy, dx)
    raise mixed_devices_error(first, second)


def devices_error(*arrays):
    """PyTorch's error when ``arrays`` (None entries skipped) are not all on one device: the first array's
    device, then the first that differs."""
    first = None
    for array in arrays:
        if array is None:
            continue
        where = device_of(array)
        if first is None:
            first = where
        elif where != first:
            return mixed_devices_error(first, where)
    return None
