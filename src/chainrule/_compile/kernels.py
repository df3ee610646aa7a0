"""What a replay calls for one recorded op: the op's own kernel, declared beside the op.

Every op module registers its kernels with ``chainrule._ops._kernel.replays``; this module only asks
the node class for its builder. It also names the extra work a training step does on leaves: the
fresh copy a gradient gets when it first lands.
"""

from .._autograd.leaf import fresh_gradient
from .._ops._kernel import ELEMENTWISE, Constant, Kernel
from .._ops._op import OUTPUT

__all__ = ["Kernel", "Constant", "build_kernel", "fresh_gradient", "ELEMENTWISE"]

ELEMENTWISE.add(fresh_gradient)


def build_kernel(out, node_class, inputs, saved, args):
    """The kernel that recomputes ``out``, or None when ``node_class``'s op has none for this case."""
    builder = node_class.kernel
    if builder is None:
        return None
    saved = tuple(None if value is OUTPUT else value for value in saved)
    return builder(out, inputs, saved, args)
