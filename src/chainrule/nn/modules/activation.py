"""Every activation of ``nn.functional`` as a module.

Each module stores its options as attributes and passes them to its functional form; its repr
lists those options the way PyTorch prints them (``inplace`` only when it is set).
"""

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Threshold", "ReLU", "RReLU", "Hardtanh", "ReLU6", "Sigmoid", "Tanh", "SiLU", "Mish", "Hardsigmoid",
           "Hardswish", "ELU", "CELU", "SELU", "GLU", "GELU", "Hardshrink", "LeakyReLU", "LogSigmoid", "Softplus",
           "Softshrink", "PReLU", "Softsign", "Tanhshrink", "Softmin", "Softmax", "Softmax2d", "LogSoftmax"]


class _Activation(Module):
    """An activation with options stored as attributes, printed by ``extra_repr`` in order."""

    shown = None  # the options printed by extra_repr; None prints them all

    def __init__(self, **options):
        super().__init__()
        self._options = tuple(options)
        for name, value in options.items():
            setattr(self, name, value)

    def extra_repr(self):
        names = self._options if self.shown is None else self.shown
        parts = [f"{name}={getattr(self, name)!r}" for name in names if name != "inplace"]
        if "inplace" in names and self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


class Threshold(_Activation):
    def __init__(self, threshold, value, inplace=False):
        super().__init__(threshold=threshold, value=value, inplace=inplace)

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)


class ReLU(_Activation):
    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)


class RReLU(_Activation):
    """Leaky ReLU with a random slope in ``[lower, upper]`` while training, their mean in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__(lower=lower, upper=upper, inplace=inplace)

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)


class Hardtanh(_Activation):
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise AssertionError
        super().__init__(min_val=min_val, max_val=max_val, inplace=inplace)

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)


class ReLU6(Hardtanh):
    shown = ("inplace",)

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)


class Sigmoid(_Activation):
    def forward(self, input):
        return input.sigmoid()


class Tanh(_Activation):
    def forward(self, input):
        return input.tanh()


class SiLU(_Activation):
    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)


class Mish(_Activation):
    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):
        return F.mish(input, inplace=self.inplace)


class Hardsigmoid(_Activation):
    shown = ()

    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_Activation):
    shown = ()

    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):
        return F.hardswish(input, self.inplace)


class ELU(_Activation):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(alpha=alpha, inplace=inplace)

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)


class CELU(_Activation):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(alpha=alpha, inplace=inplace)

    def forward(self, input):
        return F.celu(input, self.alpha, self.inplace)


class SELU(_Activation):
    def __init__(self, inplace=False):
        super().__init__(inplace=inplace)

    def forward(self, input):
        return F.selu(input, self.inplace)


class GLU(_Activation):
    def __init__(self, dim=-1):
        super().__init__(dim=dim)

    def forward(self, input):
        return F.glu(input, self.dim)


class GELU(_Activation):
    def __init__(self, approximate="none"):
        super().__init__(approximate=approximate)

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)


class Hardshrink(_Activation):
    def __init__(self, lambd=0.5):
        super().__init__(lambd=lambd)

    def extra_repr(self):
        return f"{self.lambd}"

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class LeakyReLU(_Activation):
    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__(negative_slope=negative_slope, inplace=inplace)

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)


class LogSigmoid(_Activation):
    def forward(self, input):
        return F.logsigmoid(input)


class Softplus(_Activation):
    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__(beta=beta, threshold=threshold)

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)


class Softshrink(Hardshrink):
    def forward(self, input):
        return F.softshrink(input, self.lambd)


class PReLU(Module):
    """Leaky ReLU whose negative slope is learned (one per channel, or one shared)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softsign(_Activation):
    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(_Activation):
    def forward(self, input):
        return F.tanhshrink(input)


class Softmin(_Activation):
    def __init__(self, dim=None):
        super().__init__(dim=dim)

    def forward(self, input):
        return F.softmin(input, self.dim)


class Softmax(_Activation):
    def __init__(self, dim=None):
        super().__init__(dim=dim)

    def forward(self, input):
        return F.softmax(input, self.dim)


class Softmax2d(Module):
    """Softmax over the channel dimension of a (C, H, W) or (N, C, H, W) input."""

    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)


class LogSoftmax(_Activation):
    def __init__(self, dim=None):
        super().__init__(dim=dim)

    def forward(self, input):
        return F.log_softmax(input, self.dim)


# PyTorch defines MultiheadAttention in this module; scripts refer to it here (nn.modules.activation.*).
from .transformer import MultiheadAttention  # noqa: E402,F401
