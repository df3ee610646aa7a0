"""Forward-mode AD: ``dual_level``, ``make_dual`` and ``unpack_dual``.

Inside ``dual_level()``, ``make_dual(primal, tangent)`` gives a tensor whose ops also compute
``J · tangent`` (the op mechanism pushes tangents forward: ``chainrule._ops._forward``).
"""

from collections import namedtuple

from .._autograd import grad_mode
from .._ops._forward import enter_dual_level, exit_dual_level, state, track
from .._tensor import make_tensor

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


class dual_level:
    """Context manager for one level of forward AD."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` whose tangent is ``tangent``."""
    if state.depth == 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if tensor.requires_grad and grad_mode._state.enabled:
        dual = tensor.view(tensor.shape)  # PyTorch's dual is a view: ViewBackward0
    else:
        dual = make_tensor(tensor._data)
        dual._version_counter = tensor._version_counter
    dual._tangent = tangent
    track(dual)
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``; the tangent is None for a tensor that is not dual."""
    tangent = tensor._tangent
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = make_tensor(tensor._data)
    primal._version_counter = tensor._version_counter
    if tensor._requires_grad:
        primal._grad_fn = tensor._grad_fn
        primal._output_nr = tensor._output_nr
        primal._requires_grad = True
    return UnpackedDualTensor(primal, tangent)
