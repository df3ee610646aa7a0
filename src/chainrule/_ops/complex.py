"""Complex numbers: ``conj``, ``real``/``imag``, ``angle``, ``view_as_real``/``view_as_complex``,
``complex(real, imag)`` and ``polar(abs, angle)``.

The gradient of a complex input follows PyTorch's convention: for a real loss ``L`` of ``z = x + iy``
it is ``dL/dx + i dL/dy``, so a holomorphic op's rule multiplies by the conjugate of its derivative
(``pointwise_base.conjugate``). On a real tensor ``conj`` and ``real`` return the tensor itself: real
code pays nothing for them.

``real`` and ``imag`` are views taken as PyTorch does: the last axis of ``view_as_real`` selected, so
the graph has PyTorch's nodes and writing into them writes into the complex tensor. ``conj`` is a
copy here (NumPy has no lazy conjugate views); it is marked so that ``is_conj`` and
``resolve_conj`` answer as PyTorch's do.
"""

import math

from .._array import namespace_of
from .._dtype import _FROM_NUMPY, complex64, complex128, float16, float32, float64
from .._tensor import Tensor
from ._broadcast import broadcast_shapes
from ._op import OUTPUT, derivative, record
from ._arguments import check_tensors
from .indexing import select
from .pointwise import sgn, where
from .pointwise_base import float_array, write_out, zeros_like_grad
from .shape import record_view

__all__ = ["conj", "conj_physical", "resolve_conj", "is_conj", "real", "imag", "angle", "view_as_real",
           "view_as_complex", "complex", "polar"]

FUNCTIONS = __all__
METHODS = ["conj", "conj_physical", "resolve_conj", "is_conj", "angle"]
INPLACE = ["conj_physical"]

_COMPLEX_OF = {float16.np: complex64.np, float32.np: complex64.np, float64.np: complex128.np}


def _must_be_tensor(name, value, argument="input", position=1):
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


# ---------------------------------------------------------------- conj
def _conj_grad(grad):
    return grad.conj()


def _conj_physical_grad(grad):
    return grad.conj_physical()


ConjBackward0 = derivative("ConjBackward0", _conj_grad, elementwise=True)
ConjPhysicalBackward0 = derivative("ConjPhysicalBackward0", _conj_physical_grad, elementwise=True)


def conj(input):
    """The complex conjugate; a real tensor is returned as it is."""
    _must_be_tensor("conj", input)
    if input._data.dtype.kind != "c":
        return input
    x = input._data
    result = record(namespace_of(x).conj(x), ConjBackward0, (input,))
    if not is_conj(input):  # conjugating twice leaves nothing pending
        result._is_conj = True
    return result


def conj_physical(input, *, out=None):
    """The complex conjugate, always computed (PyTorch's non-lazy form)."""
    _must_be_tensor("conj_physical", input)
    if input._data.dtype.kind != "c":
        return input if out is None else write_out(input, out, "conj_physical")
    x = input._data
    result = record(namespace_of(x).conj(x), ConjPhysicalBackward0, (input,))
    return result if out is None else write_out(result, out, "conj_physical")


def is_conj(input):
    """True for the result of ``conj`` on a complex tensor (a lazy conjugate view in PyTorch)."""
    return getattr(input, "_is_conj", False)


def resolve_conj(input):
    """A tensor whose conjugation is no longer pending: a copy of a ``conj`` result, else ``input``."""
    check_tensors("resolve_conj", ("input", input))
    return input.clone() if is_conj(input) else input


# ---------------------------------------------------------------- view_as_real / view_as_complex
def _view_as_real_grad(grad):
    return view_as_complex(grad.contiguous())


def _view_as_complex_grad(grad):
    return _real_pairs(grad)


ViewAsRealBackward0 = derivative("ViewAsRealBackward0", _view_as_real_grad)
ViewAsComplexBackward0 = derivative("ViewAsComplexBackward0", _view_as_complex_grad)


def _real_pairs(input):
    """``input``'s array as float pairs along a new last axis, sharing its memory."""
    x = input._data
    return record_view(x[..., None].view(x.real.dtype), ViewAsRealBackward0, input, ())


def view_as_real(input):
    """A view of a complex tensor as real numbers: a last dimension of 2 holds (real, imaginary)."""
    _must_be_tensor("view_as_real", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    if is_conj(input):
        raise RuntimeError("view_as_real doesn't work on unresolved conjugated tensors.  To resolve the conjugate "
                           "tensor so you can view it as real, use self.resolve_conj(); however, be warned that the "
                           "resulting tensor will NOT alias the original.")
    return _real_pairs(input)


def _check_complex_layout(input):
    """PyTorch's conditions for reading (real, imaginary) pairs in place."""
    x = input._data
    if x.dtype not in _COMPLEX_OF:
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {_FROM_NUMPY[x.dtype].scalar_type_name}")
    if x.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if x.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if not x.size:  # NumPy gives empty arrays arbitrary strides
        return
    if x.strides[-1] != x.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(stride % (2 * x.itemsize) for stride in x.strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.data_ptr() % (2 * x.itemsize):
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")


def view_as_complex(input):
    """A view of real pairs along the last dimension (of size 2) as complex numbers.

    A half-precision tensor gives a complex64 copy: chainrule has no complex32.
    """
    _must_be_tensor("view_as_complex", input)
    _check_complex_layout(input)
    x = input._data
    if x.dtype == float16.np or not x.size:
        pairs = namespace_of(x).ascontiguousarray(x, dtype=float32.np if x.dtype == float16.np else x.dtype)
        return record(pairs.view(_COMPLEX_OF[x.dtype])[..., 0], ViewAsComplexBackward0, (input,))
    return record_view(x.view(_COMPLEX_OF[x.dtype])[..., 0], ViewAsComplexBackward0, input, ())


# ---------------------------------------------------------------- real / imag
def real(input):
    """The real part, a view; a real tensor is returned as it is."""
    _must_be_tensor("real", input)
    if input._data.dtype.kind != "c":
        return input
    return select(_real_pairs(input), -1, 0)


def imag(input):
    """The imaginary part of a complex tensor, a view."""
    _must_be_tensor("imag", input)
    if input._data.dtype.kind != "c":
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return select(_real_pairs(input), -1, 1)


def _set_real(input, value):
    real(input).copy_(value)


def _set_imag(input, value):
    imag(input).copy_(value)


Tensor.real = property(real, _set_real)
Tensor.imag = property(imag, _set_imag)


# ---------------------------------------------------------------- angle
def _angle_grad(grad, self):
    """``grad * i z / |z|^2`` (0 at 0) for complex ``z``; the angle of a real number is flat. As in PyTorch, only
    an exact 0 is 0: where ``|z|^2`` underflows, the division by it gives infinities and NaN."""
    if self._data.dtype.kind != "c":
        return zeros_like_grad(grad, None)
    magnitude2 = self.abs() ** 2
    at_zero = self == 0
    return where(at_zero, 0.0, grad * self / where(at_zero, 1.0, magnitude2) * 1j)


AngleBackward0 = derivative("AngleBackward0", _angle_grad, saves="self", elementwise=True)


def _real_angle_array(x):
    """``pi`` for negative numbers, 0 otherwise (``-0.0`` included), nan kept."""
    xp = namespace_of(x)
    return xp.where(xp.isnan(x), x, xp.where(x < 0, x.dtype.type(math.pi), x.dtype.type(0)))


def angle(input, *, out=None):
    """The argument of each element in ``(-pi, pi]``; integers and bools give the default float dtype."""
    _must_be_tensor("angle", input)
    x = input._data
    data = namespace_of(x).angle(x) if x.dtype.kind == "c" else _real_angle_array(float_array(input))
    result = record(data, AngleBackward0, (input,), (input,))
    return result if out is None else write_out(result, out, "angle")


# ---------------------------------------------------------------- complex(real, imag) / polar(abs, angle)
def _real_part_grad(grad, *saved):
    return grad.real


def _imag_part_grad(grad, *saved):
    return grad.imag


def _polar_grad_abs(grad, result):
    return (grad.conj() * sgn(result)).real


def _polar_grad_angle(grad, result):
    """PyTorch's ``real(conj(grad) * (result * 1j))``, in its order: near the largest floats the other order
    overflows to ``inf - inf``."""
    return (grad.conj() * (result * 1j)).real


ComplexBackward0 = derivative("ComplexBackward0", _real_part_grad, _imag_part_grad)
PolarBackward0 = derivative("PolarBackward0", _polar_grad_abs, _polar_grad_angle, saves="result")


def _check_parts(name, first, second, first_name, second_name):
    """Two float tensors of one dtype (PyTorch's checks for ``complex`` and ``polar``)."""
    _must_be_tensor(name, first, first_name, 1)
    _must_be_tensor(name, second, second_name, 2)
    a, b = first._data, second._data
    if a.dtype not in _COMPLEX_OF or b.dtype not in _COMPLEX_OF:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_FROM_NUMPY[a.dtype].scalar_type_name} and {_FROM_NUMPY[b.dtype].scalar_type_name}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"Expected object of scalar type {_FROM_NUMPY[a.dtype].scalar_type_name} but got scalar "
                           f"type {_FROM_NUMPY[b.dtype].scalar_type_name} for second argument")
    return namespace_of(a).empty(broadcast_shapes(a.shape, b.shape), dtype=_COMPLEX_OF[a.dtype])


def _write_parts(name, result, out):
    if out is None:
        return result
    if out._data.dtype != result._data.dtype:
        raise RuntimeError(f"Expected object of scalar type {result.dtype.scalar_type_name} but got scalar type "
                           f"{out.dtype.scalar_type_name} for argument 'out'")
    return write_out(result, out, name)


def complex(real, imag, *, out=None):
    """The complex tensor ``real + i imag`` (broadcast); each part is kept exactly, inf and nan included."""
    data = _check_parts("complex", real, imag, "real", "imag")
    data.real = real._data
    data.imag = imag._data
    return _write_parts("complex", record(data, ComplexBackward0, (real, imag)), out)


def polar(abs, angle, *, out=None):
    """The complex tensor ``abs * (cos(angle) + i sin(angle))`` (broadcast)."""
    data = _check_parts("polar", abs, angle, "abs", "angle")
    xp = namespace_of(data)
    with xp.errstate(invalid="ignore"):  # inf * 0 is nan, silently, as in PyTorch
        data.real = abs._data * xp.cos(angle._data)
        data.imag = abs._data * xp.sin(angle._data)
    return _write_parts("polar", record(data, PolarBackward0, (abs, angle), (OUTPUT,)), out)
