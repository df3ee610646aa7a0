"""Building modules: ``skip_init``, and the memory-format conversions, which have nothing to change here."""

import inspect

from ..modules.module import Module

__all__ = ["skip_init", "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def skip_init(module_cls, *args, **kwargs):
    """A module whose parameters PyTorch leaves uninitialised; chainrule initialises them as usual
    (uninitialised memory may hold any values, these among them)."""
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)


def _convert_memory_format(module, memory_format):
    """Only the order of elements in memory would change; chainrule's results do not depend on it."""
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    return _convert_memory_format(module, memory_format)


def convert_conv3d_weight_memory_format(module, memory_format):
    return _convert_memory_format(module, memory_format)
