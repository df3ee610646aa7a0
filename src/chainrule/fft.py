"""``chainrule.fft``: the discrete Fourier transforms of ``torch.fft``.

Each function is composed as PyTorch composes it, so results, dtypes and graphs (``grad_fn`` names)
agree: the signal is cut or zero-padded to the requested length (``SliceBackward0``,
``ConstantPadNdBackward0``), then transformed by one of the three transforms of ``_ops/fourier.py``,
conjugated where the definition asks (``ifft`` of a real signal is the conjugate of its forward
transform). Integer and bool inputs are computed in the default float dtype; half precision is refused,
as PyTorch's CPU build refuses it.
"""

import math

from ._creation import arange
from ._dtype import complex64, complex128, get_default_dtype
from ._ops._op import publish
from ._ops.complex import conj, conj_physical
from ._ops.fourier import NORMALIZATION, fft_c2c, fft_c2r, fft_r2c
from ._ops.indexing import narrow
from ._ops.joining import roll
from ._ops.pointwise_base import no_kernel_error, write_out
from ._signatures import Signatures, checking
from ._tensor import Tensor, _wrap_dim
from .nn.functional._windows import constant_pad

__all__ = ["Tensor", "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn",
           "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift"]

_COMPLEX_OF = {"float32": complex64, "float64": complex128}


# ---------------------------------------------------------------- arguments
def _codes(norm):
    """(normalization of a forward transform, of a backward one) for ``norm``."""
    codes = NORMALIZATION.get(norm)
    if codes is None:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return codes


def _floating(input, complex_allowed=True, name=None):
    """``input`` in a dtype the transforms take: integers and bools in the default float dtype."""
    kind = input._data.dtype.kind
    if kind in "biu":
        return input.to(get_default_dtype())
    if input._data.dtype.itemsize == 2:
        raise RuntimeError("Unsupported dtype Half")
    if kind == "c" and not complex_allowed:
        raise RuntimeError(f"{name} expects a real input tensor, but got {input.dtype.scalar_type_name}")
    return input


def _as_complex(input):
    return input if input._data.dtype.kind == "c" else input.to(_COMPLEX_OF[input._data.dtype.name])


def _one_dim(input, dim):
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, input._data.ndim)


def _signal_length(n):
    """A one-dimensional transform's ``n``: None or a positive number of points."""
    if n is None:
        return None
    _check_size(n)
    return [n]


def _check_size(size):
    if size < 1:
        raise RuntimeError(f"Invalid number of data points ({size}) specified")


def _dims_and_sizes(input, s, dim, default_last=None):
    """The transformed dims (wrapped, unique) and their signal sizes, from ``s`` and ``dim`` as PyTorch reads
    them: ``s`` alone takes the last ``len(s)`` dims; -1 in ``s`` keeps a size (the last one's default is
    ``default_last`` of it, when given)."""
    ndim = input._data.ndim
    if dim is None:
        dims = list(range(ndim - len(s), ndim)) if s is not None else list(range(ndim))
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        dims = [_wrap_dim(d, ndim) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    if s is None:
        sizes = [input._data.shape[d] for d in dims]
    else:
        sizes = [input._data.shape[d] if size == -1 else size for d, size in zip(dims, s)]
    if default_last is not None and dims and (s is None or s[-1] == -1):
        sizes[-1] = default_last(sizes[-1])
    for size in sizes:
        _check_size(size)
    return dims, sizes


def _resized(input, dims, sizes):
    """``input`` cut (``narrow``) or zero-padded (``constant_pad``) along each dim to its size."""
    ndim = input._data.ndim
    pads = [(0, 0)] * ndim
    for dim, size in zip(dims, sizes):
        current = input._data.shape[dim]
        if size < current:
            input = narrow(input, dim, 0, size)
        elif size > current:
            pads[dim] = (0, size - current)
    if any(after for _, after in pads):
        first = next(i for i, (_, after) in enumerate(pads) if after)
        input = constant_pad(input, tuple(pads[first:]))
    return input


# ---------------------------------------------------------------- one dimension
def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The one-dimensional discrete Fourier transform."""
    return write_out(_fft1(input, n, dim, norm, forward=True), out, "fft_fft")


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of ``fft``."""
    return write_out(_fft1(input, n, dim, norm, forward=False), out, "fft_ifft")


def _fft1(input, n, dim, norm, forward):
    x = _floating(input)
    dims, sizes = _dims_and_sizes(x, _signal_length(n), _one_dim(x, dim))
    x = _resized(x, dims, sizes)
    code = _codes(norm)[0 if forward else 1]
    if x._data.dtype.kind == "c":
        return fft_c2c(x, dims, code, forward)
    transformed = fft_r2c(x, dims, code, False)
    return transformed if forward else conj(transformed)


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The transform of a real signal: its ``n // 2 + 1`` non-negative frequencies."""
    x = _floating(input, complex_allowed=False, name="rfft")
    dims, sizes = _dims_and_sizes(x, _signal_length(n), _one_dim(x, dim))
    return write_out(fft_r2c(_resized(x, dims, sizes), dims, _codes(norm)[0], True), out, "fft_rfft")


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of ``rfft``: a real signal of length ``n`` (by default ``2 (m - 1)``)."""
    return write_out(_to_real(input, _signal_length(n), _one_dim(input, dim), norm, False), out, "fft_irfft")


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The transform of a Hermitian-symmetric signal given by its first half: a real spectrum."""
    return write_out(_to_real(input, _signal_length(n), _one_dim(input, dim), norm, True), out, "fft_hfft")


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of ``hfft``: the first half of a Hermitian-symmetric spectrum of a real signal."""
    x = _floating(input, complex_allowed=False, name="ihfft")
    dims, sizes = _dims_and_sizes(x, _signal_length(n), _one_dim(x, dim))
    return write_out(conj(fft_r2c(_resized(x, dims, sizes), dims, _codes(norm)[1], True)), out, "fft_ihfft")


def _to_real(input, s, dim, norm, hermitian):
    """``irfftn`` (``hermitian`` False) or ``hfftn``: the last dim's signal length is ``s[-1]`` (or twice
    the input's length less one), the input cut or padded to its ``n // 2 + 1`` frequencies."""
    x = _as_complex(_floating(input))
    dims, sizes = _dims_and_sizes(x, s, dim, default_last=lambda m: 2 * (m - 1))
    if not dims:
        raise RuntimeError("irfftn must transform at least one axis")
    x = _resized(x, dims, sizes[:-1] + [sizes[-1] // 2 + 1])
    forward, backward = _codes(norm)
    if not hermitian:
        return fft_c2r(x, dims, backward, sizes[-1])
    if len(dims) > 1:
        x = fft_c2c(x, dims[:-1], forward, True)
    return fft_c2r(conj(x), dims[-1:], forward, sizes[-1])


# ---------------------------------------------------------------- several dimensions
def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """The discrete Fourier transform over ``dim`` (all dims by default)."""
    return write_out(_fftn(input, s, dim, norm, True), out, "fft_fftn")


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of ``fftn``."""
    return write_out(_fftn(input, s, dim, norm, False), out, "fft_ifftn")


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return write_out(_fftn(input, s, dim, norm, True), out, "fft_fft2")


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return write_out(_fftn(input, s, dim, norm, False), out, "fft_ifft2")


def _fftn(input, s, dim, norm, forward):
    x = _as_complex(_floating(input))
    dims, sizes = _dims_and_sizes(x, s, dim)
    return fft_c2c(_resized(x, dims, sizes), dims, _codes(norm)[0 if forward else 1], forward)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The transform of a real signal over ``dim``, the last of them one-sided."""
    return write_out(_rfftn(input, s, dim, norm, "rfftn"), out, "fft_rfftn")


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return write_out(_rfftn(input, s, dim, norm, "rfftn"), out, "fft_rfft2")


def _rfftn(input, s, dim, norm, name):
    if input._data.dtype.kind == "c":
        raise RuntimeError(f"{name} expects a real-valued input tensor, but got {input.dtype.scalar_type_name}")
    x = _floating(input)
    dims, sizes = _dims_and_sizes(x, s, dim)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    return fft_r2c(_resized(x, dims, sizes), dims, _codes(norm)[0], True)


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of ``rfftn``."""
    return write_out(_to_real(input, s, dim, norm, False), out, "fft_irfftn")


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return write_out(_to_real(input, s, dim, norm, False), out, "fft_irfft2")


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The transform of a Hermitian-symmetric signal over ``dim``, given by the first half of the last."""
    return write_out(_to_real(input, s, dim, norm, True), out, "fft_hfftn")


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return write_out(_to_real(input, s, dim, norm, True), out, "fft_hfft2")


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of ``hfftn``: the conjugate of the one-sided transform, scaled as a backward one."""
    return write_out(_ihfftn(input, s, dim, norm), out, "fft_ihfftn")


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    return write_out(_ihfftn(input, s, dim, norm), out, "fft_ihfft2")


def _ihfftn(input, s, dim, norm):
    x = input
    if x._data.dtype.kind == "c":
        raise RuntimeError(f"Only supports floating-point dtypes, but found: {x.dtype.scalar_type_name}")
    x = _floating(x)
    dims, sizes = _dims_and_sizes(x, s, dim)
    if not dims:
        raise RuntimeError("ihfftn must transform at least one axis")
    backward = _codes(norm)[1]
    transformed = conj_physical(fft_r2c(_resized(x, dims, sizes), dims[-1:], backward, True))
    return fft_c2c(transformed, dims[:-1], backward, False) if len(dims) > 1 else transformed


# ---------------------------------------------------------------- frequencies and shifts
def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an ``n``-point transform: ``0, 1, ..., -(n // 2), ..., -1`` over ``d n``."""
    return _frequencies(n, d, dtype, requires_grad, one_sided=False)


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    """The non-negative sample frequencies of an ``n``-point ``rfft``: ``0, 1, ..., n // 2`` over ``d n``."""
    return _frequencies(n, d, dtype, requires_grad, one_sided=True)


def _frequencies(n, d, dtype, requires_grad, one_sided):
    dtype = get_default_dtype() if dtype is None else dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError(f"{'rfftfreq' if one_sided else 'fftfreq'} requires a floating point or complex dtype")
    if dtype.is_complex:  # PyTorch builds the frequencies with arange, which has no complex kernel
        raise no_kernel_error("arange_cpu", dtype.np)
    result = arange(n // 2 + 1 if one_sided else n, dtype=dtype)
    if not one_sided:
        result[(n + 1) // 2:] -= n
    result = result * (1.0 / (n * d) if n * d else math.inf)
    return result.requires_grad_(requires_grad) if requires_grad else result


def fftshift(input, dim=None):
    """The zero frequency moved to the middle: a roll by half of each size over ``dim`` (all dims)."""
    return _shift(input, dim, lambda size: size // 2)


def ifftshift(input, dim=None):
    """The inverse of ``fftshift``."""
    return _shift(input, dim, lambda size: (size + 1) // 2)


def _shift(input, dim, amount):
    ndim = input._data.ndim
    dims = list(range(ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    if not dims:
        raise RuntimeError("`shifts` required")
    dims = [_wrap_dim(d, ndim) for d in dims]
    return roll(input, [amount(input._data.shape[d]) for d in dims], dims)


publish([globals()[name] for name in __all__ if name != "Tensor"])

# PyTorch's signatures (its messages name the functions fft_*): a failed call whose arguments do not fit them
# raises PyTorch's TypeError; the frequencies are checked first, as they would take a float count.
_ONE = "Tensor input, int? n = None, int dim = -1, str? norm = None, *, Tensor? out = None"
_TWO = "Tensor input, int[1]? s = None, int[1] dim = (-2, -1), str? norm = None, *, Tensor? out = None"
_MANY = "Tensor input, int[1]? s = None, int[1]? dim = None, str? norm = None, *, Tensor? out = None"
_FREQUENCIES = ("int n, float d = 1.0, *, ScalarType? dtype = None, Layout? layout = None, Device? device = None, "
                "bool? requires_grad = False")
SIGNATURES = {
    **dict.fromkeys(("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"), _ONE),
    **dict.fromkeys(("fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2"), _TWO),
    **dict.fromkeys(("fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"), _MANY),
    **dict.fromkeys(("fftshift", "ifftshift"), "Tensor input, int[1]? dim = None"),
}
globals().update({name: checking(Signatures(f"fft_{name}", declaration), globals()[name], __name__, name)
                  for name, declaration in SIGNATURES.items()})
globals().update({name: checking(Signatures(f"fft_{name}", _FREQUENCIES, eager=True), globals()[name], __name__, name)
                  for name in ("fftfreq", "rfftfreq")})
