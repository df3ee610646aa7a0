"""``Parameter`` and ``Buffer``: tensors a ``Module`` registers when they are assigned as attributes."""

from .._tensor import Tensor, make_tensor

__all__ = ["Parameter", "Buffer"]


def _share(cls, data):
    """A new ``cls`` object over ``data``'s array and version counter, as a fresh leaf."""
    out = object.__new__(cls)
    out._init(data._data)
    out._version_counter = data._version_counter
    return out


class Parameter(Tensor):
    """A leaf tensor that a module lists among its parameters (``requires_grad`` by default)."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = Tensor.__new__(Tensor, 0)
        out = _share(cls, data)
        out._set_requires_grad(bool(requires_grad),
                               "Only Tensors of floating point and complex dtype can require gradients")
        return out

    @classmethod
    def _from_tensor(cls, tensor):
        """``Parameter`` built by the legacy ``Tensor(...)`` constructor path."""
        return cls(tensor)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copy = type(self)(make_tensor(self._data.copy()), self._requires_grad)
        memo[id(self)] = copy
        return copy


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a module (``persistent`` by default).

    The module keeps a plain tensor over the same array; this wrapper only carries the flag.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = Tensor.__new__(Tensor, 0)
        out = _share(cls, data)
        out._requires_grad = data._requires_grad
        out.persistent = persistent
        return out

    def _as_tensor(self):
        out = _share(Tensor, self)
        out._requires_grad = self._requires_grad
        return out

    def _plain(self):
        """The plain tensor this stands for, with the attributes set on it (``persistent`` included)."""
        out = self._as_tensor()
        out.__dict__.update((k, v) for k, v in vars(self).items() if not hasattr(Buffer, k))
        return out

    def __reduce_ex__(self, protocol):
        """A Buffer pickles and copies as the plain tensor it stands for, as in PyTorch."""
        return self._plain().__reduce_ex__(protocol)

    def __deepcopy__(self, memo):
        return self._plain().__deepcopy__(memo)
