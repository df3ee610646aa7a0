"""``chainrule.nn.utils``: gradient clipping, parameters as one vector, packed sequences (``rnn``),
parametrizations (``parametrize``, ``parametrizations``), weight and spectral norm, BatchNorm fusion.

The parts built on ``nn.modules`` are loaded by ``chainrule.nn`` once its modules exist: ``nn.modules``
itself imports this package (for packed sequences), so importing them here would make an import circle.
"""

from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import rnn

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters", "rnn", "parametrize", "parametrizations",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "fuse_conv_bn_eval",
           "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights", "skip_init",
           "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]

_FROM_WEIGHT_HOOKS = {"weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"}
_FROM_FUSION = {"fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"}
_FROM_CONSTRUCTION = {"skip_init", "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"}


def __getattr__(name):
    """The functions of the submodules ``chainrule.nn`` loads after this package (see above)."""
    for submodule, names in (("weight_hooks", _FROM_WEIGHT_HOOKS), ("fusion", _FROM_FUSION),
                             ("construction", _FROM_CONSTRUCTION)):
        if name in names and submodule in globals():
            return getattr(globals()[submodule], name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
