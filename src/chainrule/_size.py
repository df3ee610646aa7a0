"""``chainrule.Size``: the tuple that ``.shape`` returns, printed as PyTorch prints it."""

__all__ = ["Size"]


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
