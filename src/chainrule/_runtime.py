"""Process-wide settings and type facts PyTorch scripts query: ``finfo``/``iinfo``, layouts and memory
formats, thread counts, determinism, float32 matmul precision, ``set_warn_always``.

chainrule computes on NumPy on one CPU, so several of these settings have nothing to switch: its
algorithms are deterministic whatever is asked, its matmuls are full float32, and its thread count is
the BLAS library's. They are still remembered and answered back (scripts read them and log them), with
PyTorch's validation of what may be set.
"""

import builtins
import os
import warnings

import numpy as np

from . import _dtype
from ._tensor import Tensor

__all__ = ["finfo", "iinfo", "layout", "strided", "memory_format", "contiguous_format", "preserve_format",
           "channels_last", "channels_last_3d", "get_num_threads", "set_num_threads", "get_num_interop_threads",
           "set_num_interop_threads", "init_num_threads", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "set_warn_always", "is_warn_always_enabled"]


def _default_float():
    return _dtype.get_default_dtype()


def _dtype_named(value):
    """A dtype, including those without tensors (bfloat16): finfo describes them all."""
    return value if isinstance(value, _dtype.dtype) else _dtype.to_dtype(value)


def _short(value):
    """A float as PyTorch prints it in ``finfo``'s repr (six significant digits)."""
    return f"{value:.6g}"


class finfo:
    """Facts about a floating-point dtype: ``bits``, ``eps``, ``max``, ``min``, ``tiny``, ``resolution``."""

    def __init__(self, type=None):
        dtype_value = _default_float() if type is None else _dtype_named(type)
        if not (dtype_value.is_floating_point or dtype_value.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        if dtype_value is _dtype.bfloat16:
            self.bits, self.eps, self.max, self.tiny, self.resolution = 16, 0.0078125, 3.3895313892515355e+38, \
                1.1754943508222875e-38, 0.01
        else:
            info = np.finfo(dtype_value.to_real().np)
            self.bits, self.eps, self.max = info.bits, float(info.eps), float(info.max)
            self.tiny, self.resolution = float(info.smallest_normal), 10.0 ** -int(info.precision)
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = dtype_value.to_real().name

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={_short(self.resolution)}, min={_short(self.min)}, max={_short(self.max)}, "
                f"eps={_short(self.eps)}, smallest_normal={_short(self.smallest_normal)}, tiny={_short(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """Facts about an integer dtype: ``bits``, ``min``, ``max``."""

    def __init__(self, type):
        dtype_value = _dtype_named(type)
        if dtype_value.category != _dtype.INTEGER and dtype_value is not _dtype.bool_:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(np.uint8 if dtype_value is _dtype.bool_ else dtype_value.np)
        self.bits, self.min, self.max = info.bits, int(info.min), int(info.max)
        self.dtype = dtype_value.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


class layout:
    """How a tensor's elements are laid out; chainrule has only ``strided`` (dense) tensors."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "chainrule." + self._name

    def __reduce__(self):
        return self._name


strided = layout("strided")
Tensor.layout = property(lambda self: strided, doc="How the elements are laid out: always ``strided`` here.")


class memory_format:
    """A requested memory order; NumPy arrays here are always laid out as views or C order."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return "chainrule." + self._name

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


class _Settings:
    num_threads = os.cpu_count() or 1
    num_interop_threads = os.cpu_count() or 1
    interop_threads_set = False
    deterministic = False
    deterministic_warn_only = False
    matmul_precision = "highest"
    warn_always = False


_settings = _Settings()


def get_num_threads():
    """The intra-op thread count last set (NumPy's BLAS picks its own threads; chainrule cannot change them)."""
    return _settings.num_threads


def set_num_threads(int):
    if not isinstance(int, builtins.int) or int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _settings.num_threads = int


def get_num_interop_threads():
    return _settings.num_interop_threads


def set_num_interop_threads(int):
    if _settings.interop_threads_set:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    if int <= 0:
        raise RuntimeError("Expected positive number of threads")
    _settings.num_interop_threads = int
    _settings.interop_threads_set = True


def init_num_threads():
    """Nothing to start: chainrule keeps no thread pool of its own."""


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Remembered only: every chainrule algorithm is already deterministic."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, not "
                        f"{type(mode).__name__}")
    _settings.deterministic = mode
    _settings.deterministic_warn_only = bool(warn_only) and mode


def are_deterministic_algorithms_enabled():
    return _settings.deterministic


def is_deterministic_algorithms_warn_only_enabled():
    return _settings.deterministic_warn_only


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode):
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _settings.deterministic:
        return 0
    return 1 if _settings.deterministic_warn_only else 2


def set_float32_matmul_precision(precision):
    """Remembered only: NumPy's float32 matmuls are always full precision ("highest")."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _settings.matmul_precision = precision


def get_float32_matmul_precision():
    return _settings.matmul_precision


def set_warn_always(b):
    _settings.warn_always = bool(b)


def is_warn_always_enabled():
    return _settings.warn_always
