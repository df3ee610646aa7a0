"""How losses reduce: the ``reduction`` argument, its legacy ``size_average``/``reduce`` form, and
division by a Python number recorded as PyTorch's ``DivBackward1``."""

import math
import warnings

from ..._array import namespace_of
from ..._dtype import float16, get_default_dtype, promote_types
from ..._ops._op import derivative, record
from ..._float_errors import silent_float_errors

__all__ = ["DivBackward1", "divide_by_number", "reduce_loss", "reduction_mode", "check_loss_dtypes",
           "check_reduction_text"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def check_loss_dtypes(input, target, kernel=None, writes_input=False, same=False):
    """PyTorch's dtype refusals for a loss of ``input`` and ``target``, as its kernels make them: ``same`` when
    both must have one dtype (binary cross entropy), ``writes_input`` when the result is written in the input's
    dtype (huber, soft margin), ``kernel`` the kernel that exists for floating dtypes only."""
    x, t = input.dtype, target.dtype
    if same and x != t:
        raise RuntimeError(f"Found dtype {t.scalar_type_name} but expected {x.scalar_type_name}")
    common = promote_types(x, t)
    if kernel is not None and not (common.is_floating_point or common.is_complex):  # integers: no kernel
        raise NotImplementedError(f'"{kernel}" not implemented for \'{common.scalar_type_name}\'')
    if writes_input:  # a loss computed in floats, written in the input's dtype
        written = common if common.is_floating_point or common.is_complex else get_default_dtype()
        if _CATEGORY[written.np.kind] > _CATEGORY[x.np.kind]:
            raise RuntimeError(f"result type {written.scalar_type_name} can't be cast to the desired output type "
                               f"{x.scalar_type_name}")
    if kernel is not None and common.is_complex:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{common.scalar_type_name}\'')


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


def check_reduction_text(reduction):
    """The TypeError of the losses PyTorch writes in Python, which name a wrong ``reduction`` by adding text to it."""
    if not isinstance(reduction, str):
        raise TypeError(f"unsupported operand type(s) for +: '{type(reduction).__name__}' and 'str'")


def reduce_loss(losses, reduction):
    """The per-element ``losses`` as they are, averaged, or summed."""
    if reduction == "none":
        return losses
    return losses.mean() if reduction == "mean" else losses.sum()


@silent_float_errors
def reduce_array(losses, reduction):
    """``reduce_loss`` for the array a one-node loss computes (the mean of nothing is nan). float16 losses
    add up in float32 and are rounded once, as PyTorch reduces them."""
    if reduction == "none":
        return losses
    if losses.dtype is float16.np:
        xp = namespace_of(losses)
        return reduce_array(losses.astype(xp.float32), reduction).astype(xp.float16)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / losses.size if losses.size else namespace_of(losses).full((), math.nan, dtype=losses.dtype)


def _divide_by_number_grad(grad, number):
    return grad / number


DivBackward1 = derivative("DivBackward1", _divide_by_number_grad)


def divide_by_number(input, number):
    """``input / number`` as PyTorch's kernels record it (``DivBackward1``, one edge)."""
    return record(input._data / number, DivBackward1, (input,), (), (number,))
