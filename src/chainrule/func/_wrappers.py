"""Helpers around the transforms: ``functionalize``, ``debug_unwrap`` and ``replace_all_batch_norm_modules_``.

``functionalize`` exists in PyTorch to hand compilers a program without in-place updates. chainrule's
transforms need no such rewrite (``grad``, ``vmap`` and ``compile`` all follow in-place ops as they are),
so the function it returns runs the original one: same results, same side effects on its inputs.
"""

import functools

from .._tensor import make_tensor
from ..nn.modules.normalization import _BatchNorm
from ._batched_array import BatchedArray, Fresh

__all__ = ["functionalize", "debug_unwrap", "replace_all_batch_norm_modules_"]

_REMOVE_OPTIONS = ("mutations", "mutations_and_views")


def functionalize(func, *, remove="mutations"):
    """``func`` as PyTorch's functionalized program computes it: here, ``func`` itself behind a wrapper."""
    if remove not in _REMOVE_OPTIONS:
        raise RuntimeError(
            f"functionalize(f, remove='mutations'): received invalid argument for remove={remove}. Valid options "
            "are:\n     remove='mutations': all inplace and out= operators will be removed from the program, and "
            "replaced with their out-of-place equivalents.\n     remove='mutations_and_views': In addition to the "
            "above, all aliasing operators {view} will be replaced with their non-aliasing counterparts, "
            "{view}_copy.\n")

    @functools.wraps(func)
    def functionalized(*args, **kwargs):
        return func(*args, **kwargs)

    return functionalized


def debug_unwrap(tensor, *, recurse=True):
    """Inside ``vmap``, the tensor of the whole batch behind a per-sample tensor (every level of nested
    ``vmap`` calls, or only the innermost with ``recurse=False``); any other tensor as it is."""
    data = tensor._data
    if not isinstance(data, BatchedArray):
        return tensor
    while isinstance(data, BatchedArray):
        data = data.value
        if not recurse or isinstance(data, Fresh):
            break
    if isinstance(data, Fresh):
        data = data.value
    return make_tensor(data)


def replace_all_batch_norm_modules_(root):
    """Stop every batch norm layer under ``root`` from tracking running statistics (``vmap`` cannot update
    one buffer per sample); returns ``root``, changed in place."""
    for module in root.modules():
        if isinstance(module, _BatchNorm):
            module.running_mean = None
            module.running_var = None
            module.num_batches_tracked = None
            module.track_running_stats = False
    return root
