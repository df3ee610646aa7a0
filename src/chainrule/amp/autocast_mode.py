"""``autocast``: mixed precision regions, as PyTorch's CPU build answers them.

Without CUDA, PyTorch turns a CUDA autocast region off with a warning; chainrule does the same. A CPU
region asking for a dtype autocast cannot use is turned off with PyTorch's warning too. A CPU region
that would really compute in float16 or bfloat16 raises ``NotImplementedError``: chainrule's ops do not
cast their operands by region, and silently computing in float32 would pretend otherwise.
``enabled=False`` regions (the usual way scripts switch autocast off on a CPU) work everywhere.
"""

import functools
import warnings

from .. import _dtype

__all__ = ["autocast", "is_autocast_available", "custom_fwd", "custom_bwd", "is_autocast_enabled",
           "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype", "AUTOCAST_FUNCTIONS"]

_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class _State:
    enabled = {}
    dtype = {"cpu": _dtype.bfloat16, "cuda": _dtype.float16}
    cache_enabled = True
    nesting = 0


_state = _State()


def _check_device_type(device_type):
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: "
                           f"{device_type}")


def is_autocast_available(device_type):
    """Whether PyTorch has autocast for this device type (chainrule answers as PyTorch's CPU build)."""
    return device_type in ("cpu", "cuda", "xpu", "mps", "hpu", "mtia", "maia", "xla")


def _refuse_cpu_half_precision(dtype):
    raise NotImplementedError(f"chainrule.autocast on the CPU with dtype {dtype} is not implemented: chainrule's ops "
                              "do not change their precision inside a region. Use enabled=False (or no autocast) "
                              "and compute in float32, or convert the model with .half().")


class autocast:
    """A region (context manager or decorator) in which ops would run in a lower precision."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        _check_device_type(device_type)
        self.device = device_type
        self.fast_dtype = _state.dtype.get(device_type, _dtype.float16) if dtype is None else dtype
        self._cache_enabled = _state.cache_enabled if cache_enabled is None else cache_enabled
        enabled = bool(enabled)
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", UserWarning,
                          stacklevel=2)
            enabled = False
        elif enabled and device_type == "cpu" and self.fast_dtype not in (_dtype.bfloat16, _dtype.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast "
                          "only supports dtypes of chainrule.bfloat16, chainrule.float16 currently.", UserWarning,
                          stacklevel=2)
            enabled = False
        elif enabled and device_type != "cpu":
            raise RuntimeError(f"chainrule has no {device_type} device, so it has no {device_type} autocast")
        self._enabled = enabled

    def __enter__(self):
        if self._enabled:
            _refuse_cpu_half_precision(self.fast_dtype)
        self._previous = (_state.enabled.get(self.device, False), _state.dtype.get(self.device),
                          _state.cache_enabled)
        _state.enabled[self.device] = False
        _state.cache_enabled = self._cache_enabled
        _state.nesting += 1
        return self

    def __exit__(self, *exc_info):
        enabled, dtype, cache = self._previous
        _state.enabled[self.device] = enabled
        if dtype is not None:
            _state.dtype[self.device] = dtype
        _state.cache_enabled = cache
        _state.nesting -= 1
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def in_region(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return in_region


def is_autocast_enabled(device_type=None):
    return _state.enabled.get("cuda" if device_type is None else device_type, False)


def set_autocast_enabled(device_type, enabled=None):
    """Switch autocast for a device type; switching it on refuses as an ``autocast`` region would."""
    if enabled is None:  # the old one-argument form speaks of CUDA
        device_type, enabled = "cuda", device_type
    _check_device_type(device_type)
    if enabled:
        if device_type == "cpu":
            _refuse_cpu_half_precision(_state.dtype["cpu"])
        raise RuntimeError(f"chainrule has no {device_type} device, so it has no {device_type} autocast")
    _state.enabled[device_type] = False


def get_autocast_dtype(device_type):
    _check_device_type(device_type)
    return _state.dtype.get(device_type, _dtype.float16)


def set_autocast_dtype(device_type, dtype):
    _check_device_type(device_type)
    _state.dtype[device_type] = dtype


def _deprecated(old, new, function):
    def call(*args):
        warnings.warn(f"chainrule.{old}() is deprecated. Please use chainrule.{new} instead.", DeprecationWarning,
                      stacklevel=2)
        return function(*args)

    call.__name__ = call.__qualname__ = old
    return call


def _nesting_step(step):
    def change():
        _state.nesting += step
        return _state.nesting

    return change


def _clear_autocast_cache():
    """Autocast keeps no cache of cast weights here: there is nothing to clear."""


def _set_cache_enabled(enabled):
    _state.cache_enabled = bool(enabled)


# Top-level functions of PyTorch's autocast state (chainrule.is_autocast_cpu_enabled, ...).
AUTOCAST_FUNCTIONS = {
    "is_autocast_enabled": is_autocast_enabled,
    "set_autocast_enabled": set_autocast_enabled,
    "get_autocast_dtype": get_autocast_dtype,
    "set_autocast_dtype": set_autocast_dtype,
    "is_autocast_cpu_enabled": _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')",
                                           lambda: is_autocast_enabled("cpu")),
    "set_autocast_cpu_enabled": _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)",
                                            lambda enabled: set_autocast_enabled("cpu", enabled)),
    "get_autocast_cpu_dtype": _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')",
                                          lambda: get_autocast_dtype("cpu")),
    "set_autocast_cpu_dtype": _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)",
                                          lambda dtype: set_autocast_dtype("cpu", dtype)),
    "get_autocast_gpu_dtype": _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')",
                                          lambda: get_autocast_dtype("cuda")),
    "set_autocast_gpu_dtype": _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)",
                                          lambda dtype: set_autocast_dtype("cuda", dtype)),
    "is_autocast_xla_enabled": _deprecated("is_autocast_xla_enabled", "is_autocast_enabled('xla')",
                                           lambda: is_autocast_enabled("xla")),
    "set_autocast_xla_enabled": _deprecated("set_autocast_xla_enabled", "set_autocast_enabled('xla', enabled)",
                                            lambda enabled: set_autocast_enabled("xla", enabled)),
    "get_autocast_xla_dtype": _deprecated("get_autocast_xla_dtype", "get_autocast_dtype('xla')",
                                          lambda: get_autocast_dtype("xla")),
    "set_autocast_xla_dtype": _deprecated("set_autocast_xla_dtype", "set_autocast_dtype('xla', dtype)",
                                          lambda dtype: set_autocast_dtype("xla", dtype)),
    "autocast_increment_nesting": _nesting_step(1),
    "autocast_decrement_nesting": _nesting_step(-1),
    "clear_autocast_cache": _clear_autocast_cache,
    "is_autocast_cache_enabled": lambda: _state.cache_enabled,
    "set_autocast_cache_enabled": _set_cache_enabled,
}


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorate a custom Function's forward; with autocast never on here, it runs the forward as is."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorate a custom Function's backward to run in the forward's autocast state (always off here)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
