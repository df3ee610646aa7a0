"""Lazy layers: the input size is read from the first input, and the layer then becomes the ordinary one.

``LazyLinear(10)`` holds ``UninitializedParameter``s until its first call; that call creates the
parameters at their real shape, initialises them exactly as the ordinary layer does (so the random
numbers drawn match PyTorch's), and turns the module into a ``Linear``.
"""

from ... import _creation
from ..._tensor import Tensor
from ..parameter import Parameter
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d)

__all__ = ["UninitializedParameter", "UninitializedBuffer", "LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d",
           "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]

_SHAPE_MESSAGE = ("Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
                  "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call "
                  "`forward` to initialize the parameters before accessing their attributes.")


class _Uninitialized:
    """What uninitialised parameters and buffers share: no shape until ``materialize``."""

    @property
    def shape(self):
        raise RuntimeError(_SHAPE_MESSAGE)

    def size(self, dim=None):
        raise RuntimeError(_SHAPE_MESSAGE)

    def numel(self):
        raise RuntimeError(_SHAPE_MESSAGE)

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (see the lazy layers)."""

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return Parameter.__new__(cls, _creation.empty(0, dtype=dtype), requires_grad)

    def materialize(self, shape, device=None, dtype=None):
        """A real parameter of ``shape`` (uninitialised values)."""
        return Parameter(_creation.empty(*shape, dtype=dtype or self.dtype), self.requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet."""

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        out = object.__new__(cls)
        out._init(_creation.empty(0, dtype=dtype)._data)
        return out

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        return _creation.empty(*shape, dtype=dtype or self.dtype)


class LazyModuleMixin:
    """A module that finishes its construction on its first input (``initialize_parameters``)."""

    cls_to_become = None

    def has_uninitialized_params(self):
        return any(isinstance(p, (UninitializedParameter, UninitializedBuffer))
                   for p in list(self._parameters.values()) + list(self._buffers.values()))

    def _start_lazily(self):
        self._lazy_hook = self.register_forward_pre_hook(_initialize_on_first_call)


def _initialize_on_first_call(module, args):
    module.initialize_parameters(*args)
    module._lazy_hook.remove()
    del module._lazy_hook
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dimension of the first input."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Linear.__init__(self, 0, 0, False, dtype=dtype)
        self.out_features = out_features
        self.weight = UninitializedParameter(dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)
        self._start_lazily()

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            Linear.reset_parameters(self)

    def initialize_parameters(self, input):
        self.in_features = input.shape[-1]
        self.weight = self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias = self.bias.materialize((self.out_features,))
        Linear.reset_parameters(self)


def _lazy_conv(name, base):
    """``base`` (a convolution) whose ``in_channels`` is dimension 1 of the first (batched) input."""

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, *args, dtype=None, device=None, **kwargs):
        base.__init__(self, 0, out_channels, kernel_size, stride, padding, *args, dtype=dtype, **kwargs)
        self.in_channels = 0
        self.weight = UninitializedParameter(dtype=dtype)
        if self.bias is not None:
            self.bias = UninitializedParameter(dtype=dtype)
        self._start_lazily()

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            base.reset_parameters(self)

    def initialize_parameters(self, input, *rest):
        channel_dim = 1 if input.dim() == len(self.kernel_size) + 2 else 0
        self.in_channels = input.shape[channel_dim]
        transposed = issubclass(base, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d))
        if transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + tuple(self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + tuple(self.kernel_size)
        self.weight = self.weight.materialize(shape)
        if self.bias is not None:
            self.bias = self.bias.materialize((self.out_channels,))
        base.reset_parameters(self)

    return type(name, (LazyModuleMixin, base), {"__init__": __init__, "reset_parameters": reset_parameters,
                                                 "initialize_parameters": initialize_parameters,
                                                 "cls_to_become": base, "__module__": __name__,
                                                 "__doc__": f"``{base.__name__}`` whose ``in_channels`` is read "
                                                            "from the first input."})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d)


def _lazy_norm(name, base, batch_norm, unbatched_dims):
    """``base`` (a batch or instance norm) whose ``num_features`` is the channel count of the first input."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        base.__init__(self, 0, eps, momentum, affine, track_running_stats, dtype=dtype)
        self._lazy_dtype = dtype
        if self.affine:
            self.weight = UninitializedParameter(dtype=dtype)
            self.bias = UninitializedParameter(dtype=dtype)
        if self.track_running_stats:
            self._buffers["running_mean"] = UninitializedBuffer(dtype=dtype)
            self._buffers["running_var"] = UninitializedBuffer(dtype=dtype)
        self._start_lazily()

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            base.reset_parameters(self)

    def initialize_parameters(self, input):
        channels = input.shape[0] if not batch_norm and input.dim() == unbatched_dims else input.shape[1]
        fresh = base(channels, self.eps, self.momentum, self.affine, self.track_running_stats, dtype=self._lazy_dtype)
        self.num_features = channels
        self._parameters.update(fresh._parameters)
        self._buffers.update(fresh._buffers)
        del self._lazy_dtype

    return type(name, (LazyModuleMixin, base), {"__init__": __init__, "reset_parameters": reset_parameters,
                                                 "initialize_parameters": initialize_parameters,
                                                 "cls_to_become": base, "__module__": __name__,
                                                 "__doc__": f"``{base.__name__}`` whose ``num_features`` is read "
                                                            "from the first input."})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, True, None)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, True, None)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, True, None)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, False, 2)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, False, 3)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, False, 4)
