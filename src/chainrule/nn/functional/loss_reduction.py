"""How losses reduce: the ``reduction`` argument, its legacy ``size_average``/``reduce`` form, and
division by a Python number recorded as PyTorch's ``DivBackward1``."""

import math
import warnings

from ..._array import namespace_of
from ..._ops._op import derivative, record
from ..._float_errors import silent_float_errors

__all__ = ["DivBackward1", "divide_by_number", "reduce_loss", "reduction_mode"]


def reduction_mode(reduction, size_average=None, reduce=None):
    """'none', 'mean' or 'sum'; the deprecated ``size_average``/``reduce`` pair wins when given."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      "instead.", UserWarning, stacklevel=3)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def reduce_loss(losses, reduction):
    """The per-element ``losses`` as they are, averaged, or summed."""
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


@silent_float_errors
def reduce_array(losses, reduction):
    """``reduce_loss`` for the array a one-node loss computes (the mean of nothing is nan)."""
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / losses.size if losses.size else namespace_of(losses).full((), math.nan, dtype=losses.dtype)


def _divide_by_number_grad(grad, number):
    return grad / number


DivBackward1 = derivative("DivBackward1", _divide_by_number_grad)


def divide_by_number(input, number):
    """``input / number`` as PyTorch's kernels record it (``DivBackward1``, one edge)."""
    return record(input._data / number, DivBackward1, (input,), (), (number,))
