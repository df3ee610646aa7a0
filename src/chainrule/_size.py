"""``chainrule.Size``: the tuple that ``.shape`` returns, printed as PyTorch prints it; and the checks every new
shape goes through."""

import operator

from ._errors import argument_type_error, type_name

__all__ = ["Size", "check_storage_size", "check_empty_shape", "numpy_cannot_hold", "allocation_error", "int_list"]

_INT64_MAX = 2 ** 63 - 1


class Size(tuple):
    """A tuple of dimension sizes; compares equal to plain tuples."""

    __slots__ = ()

    def __repr__(self):
        return "chainrule.Size([" + ", ".join(str(s) for s in self) + "])"

    __str__ = __repr__

    def numel(self):
        count = 1
        for s in self:
            count *= s
        return count

    def __getitem__(self, index):
        result = tuple.__getitem__(self, index)
        return Size(result) if isinstance(index, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


def check_storage_size(shape, itemsize):
    """PyTorch's refusals of a new tensor whose byte count or strides overflow a 64-bit integer, before any memory
    is asked for (NumPy would try, and fail with an error of its own or after reserving tens of GiB); and a clear
    refusal of the empty shapes PyTorch makes but a NumPy array cannot have."""
    count = 1
    for size in shape:
        count *= size
    if count * itemsize > _INT64_MAX:
        raise RuntimeError(f"Storage size calculation overflowed with sizes=[{', '.join(str(s) for s in shape)}]")
    if not count:  # with no zero, each stride is at most the element count, already checked
        stride = 1
        for size in reversed(shape[1:]):  # a contiguous tensor's strides, in elements, as PyTorch computes them
            stride *= size or 1
            if stride > _INT64_MAX:
                raise RuntimeError("Stride calculation overflowed")
        check_empty_shape(shape, itemsize)


def numpy_cannot_hold(shape, itemsize):
    """Whether a shape's sizes other than 0 multiply past 2**63 bytes: NumPy refuses it even beside a 0."""
    nonzero = 1
    for size in shape:
        nonzero *= size or 1
    return nonzero * itemsize > _INT64_MAX


def check_empty_shape(shape, itemsize):
    """Refuse, saying why, an empty shape PyTorch allows but a NumPy array cannot have (``empty(0, 2**62)``);
    NumPy's own error would name no tensor."""
    if numpy_cannot_hold(shape, itemsize):
        raise RuntimeError(f"chainrule cannot make an empty tensor of sizes=[{', '.join(str(s) for s in shape)}]: "
                           "its sizes other than 0 multiply past 2**63 bytes, which NumPy refuses even beside a 0")


def allocation_error(shape, itemsize):
    """PyTorch's error when the memory for a tensor of ``shape`` cannot be had (NumPy raises MemoryError)."""
    count = 1
    for size in shape:
        count *= size
    return RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate {count * itemsize} "
                        "bytes. Error code 12 (Cannot allocate memory)")


def int_list(function, argument, position, values):
    """A list-of-ints argument (``dims``, ``repeats``) as a tuple of ints, with PyTorch's TypeError otherwise.

    ``values`` is what the call got: one tuple or list (``x.tile((2, 3))``), or the ints themselves, spread
    (``x.tile(2, 3)``). Integers are whatever has ``__index__``: ints, NumPy integers, one-element integer tensors.
    """
    alone = len(values) == 1 and not isinstance(values[0], (tuple, list))
    if len(values) == 1 and not alone:
        values = values[0]
    result = []
    for i, value in enumerate(values):
        try:
            result.append(operator.index(value))
        except TypeError:
            expected = f"'{argument}' (position {position}) must be tuple of ints"
            if alone:
                raise TypeError(f"{function}(): argument {expected}, not {type_name(value)}") from None
            raise TypeError(f"{function}(): argument {expected}, but found element of type {type_name(value)} at "
                            f"pos {i}") from None
    return tuple(result)


def int_list_argument(function, argument, position, value):
    """``int_list`` for an argument that PyTorch takes only as a list (a function form's ``dims``), never as a
    bare int or spread out."""
    if not isinstance(value, (tuple, list)):
        raise argument_type_error(function, argument, position, "tuple of ints", value)
    return int_list(function, argument, position, (value,))
