"""In-place changes of a tensor's shape (``unsqueeze_``, ``squeeze_``, ``t_``, ``transpose_``, ``swapaxes_``,
``as_strided_``, ``resize_``, ``resize_as_``) and in-place ``tril_``/``triu_``.

A shape change in place makes the tensor hold the view the out-of-place op returns, and take over its
node, whose PyTorch name then ends in ``1`` (``x.t_()`` records ``TBackward1``). The tensor's version
moves, as for any in-place op.
"""

from .._array import namespace_of
from .._tensor import Tensor
from .inplace import check_arguments_then_inplace_allowed, make_inplace
from .scatter_forms import as_strided
from .diagonals import tril, triu
from .shape import squeeze, t, transpose, unsqueeze

__all__ = ["unsqueeze_", "squeeze_", "t_", "transpose_", "swapaxes_", "swapdims_", "as_strided_", "resize_",
           "resize_as_", "tril_", "triu_"]
METHODS = __all__
FUNCTIONS = ["as_strided_", "resize_as_"]

_inplace_node_classes = {}


# PyTorch numbers the in-place forms after the out-of-place ones (squeeze has three of each).
_INPLACE_NAMES = {"SqueezeBackward0": "SqueezeBackward3", "SqueezeBackward1": "SqueezeBackward4",
                  "SqueezeBackward2": "SqueezeBackward5"}


def _inplace_node_class(node_class):
    """The node class of the in-place form: the same rule, under PyTorch's in-place name (``...Backward1``)."""
    made = _inplace_node_classes.get(node_class)
    if made is None:
        name = _INPLACE_NAMES.get(node_class.__name__, node_class.__name__[:-1] + "1")
        made = type(name, (node_class,), {"__slots__": (), "__module__": "builtins"})
        _inplace_node_classes[node_class] = made
    return made


def _become(tensor, view):
    """``tensor`` now holds ``view``'s array and history."""
    tensor._data = view._data
    if view._tangent is not None:  # forward mode: the tangent takes the new shape too
        tensor._tangent = view._tangent
    node = view._grad_fn
    if node is not None:
        node.__class__ = _inplace_node_class(type(node))
        tensor._grad_fn = node
        tensor._output_nr = view._output_nr
        tensor._requires_grad = True
    tensor._version_counter[0] += 1
    return tensor


def _shape_inplace(view_function, name):
    def inplace(self, *args, **kwargs):
        check_arguments_then_inplace_allowed(view_function, self, args, kwargs)
        return _become(self, view_function(self, *args, **kwargs))

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"In-place ``{name[:-1]}``: the tensor itself takes the new shape."
    return inplace


unsqueeze_ = _shape_inplace(unsqueeze, "unsqueeze_")
squeeze_ = _shape_inplace(squeeze, "squeeze_")
t_ = _shape_inplace(t, "t_")
transpose_ = _shape_inplace(transpose, "transpose_")
swapaxes_ = _shape_inplace(transpose, "swapaxes_")
swapdims_ = _shape_inplace(transpose, "swapdims_")
as_strided_ = _shape_inplace(as_strided, "as_strided_")
tril_ = make_inplace(tril, "tril")
triu_ = make_inplace(triu, "triu")


def resize_(input, *sizes, memory_format=None):
    """Give ``input`` a new shape, keeping its first elements in row-major order (new ones uninitialised)."""
    if not sizes:
        raise TypeError('resize_() missing 1 required positional arguments: "size"')
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    if input.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    x = input._data
    xp = namespace_of(x)
    count = 1
    for s in shape:
        count *= s
    if count == x.size:
        input._data = x.reshape(shape) if x.flags.c_contiguous else xp.ascontiguousarray(x).reshape(shape)
    else:
        resized = xp.empty(count, dtype=x.dtype)
        kept = min(count, x.size)
        resized[:kept] = x.reshape(-1)[:kept]
        input._data = resized.reshape(shape)
    input._version_counter[0] += 1
    return input


def resize_as_(input, the_template, *, memory_format=None):
    """``resize_`` to ``the_template``'s shape."""
    if not isinstance(the_template, Tensor):
        raise TypeError(f"resize_as_(): argument 'the_template' (position 2) must be Tensor, not "
                        f"{type(the_template).__name__}")
    return resize_(input, tuple(the_template.shape))
