"""The three discrete Fourier transforms every function of ``chainrule.fft`` is made of, as PyTorch
makes them: complex to complex (``FftC2CBackward0``), real to complex (``FftR2CBackward0``, optionally
keeping only the non-negative frequencies of the last dim) and complex to real (``FftC2RBackward0``,
from those non-negative frequencies, Hermitian symmetry implied).

A transform is unnormalized, or scaled by ``1/sqrt(n)`` or ``1/n`` (``normalization`` 0, 1, 2, ``n`` the
product of the transformed sizes), and runs forward (``exp(-2 pi i jk/n)``) or backward. The arrays
come from the input namespace's ``fft`` module; results take PyTorch's dtypes (complex64 from float32).

Each rule is the adjoint transform, written with these same ops so that it differentiates again: a
C2C's adjoint is the C2C the other way; an R2C's is the real part of a backward C2C of its gradient
(zero-filled to the full length when one-sided); a C2R's is a one-sided R2C with the frequencies that
stand for two (all but the first and, for an even length, the last) counted twice.
"""

from .._array import namespace_of
from .._tensor import make_tensor
from ._op import derivative, record
from .complex import real
from .joining import cat
from .._float_errors import silent_float_errors

__all__ = ["fft_c2c", "fft_r2c", "fft_c2r", "NORMALIZATION"]

# norm argument -> (code of a forward transform, code of a backward one)
NORMALIZATION = {None: (0, 2), "backward": (0, 2), "ortho": (1, 1), "forward": (2, 0)}
# the NumPy norm name that scales a forward / backward transform by a code
_FORWARD_NORM = {0: "backward", 1: "ortho", 2: "forward"}
_BACKWARD_NORM = {2: "backward", 1: "ortho", 0: "forward"}
_COMPLEX = {"float32": "complex64", "float64": "complex128", "complex64": "complex64", "complex128": "complex128"}
_REAL = {"complex64": "float32", "complex128": "float64"}


def _complex_dtype(xp, x):
    return getattr(xp, _COMPLEX[x.dtype.name])


# ---------------------------------------------------------------- complex to complex
def _c2c_grad(grad, dims, normalization, forward):
    return fft_c2c(grad, dims, normalization, not forward)


FftC2CBackward0 = derivative("FftC2CBackward0", _c2c_grad)


@silent_float_errors
def fft_c2c(input, dims, normalization, forward):
    """The transform over ``dims`` of a complex tensor."""
    x = input._data
    xp = namespace_of(x)
    if dims:
        transform = xp.fft.fftn if forward else xp.fft.ifftn
        norm = (_FORWARD_NORM if forward else _BACKWARD_NORM)[normalization]
        data = transform(x, axes=dims, norm=norm).astype(x.dtype, copy=False)
    else:
        data = x.copy()
    return record(data, FftC2CBackward0, (input,), (), (tuple(dims), normalization, forward))


# ---------------------------------------------------------------- real to complex
def _r2c_grad(grad, dims, normalization, onesided, last_size):
    if onesided:
        last = dims[-1]
        kept = grad._data.shape[last]
        if kept < last_size:
            shape = list(grad._data.shape)
            shape[last] = last_size - kept
            xp = namespace_of(grad._data)
            grad = cat([grad, make_tensor(xp.zeros(tuple(shape), dtype=grad._data.dtype))], last)
    return real(fft_c2c(grad, dims, normalization, False))


FftR2CBackward0 = derivative("FftR2CBackward0", _r2c_grad)


@silent_float_errors
def fft_r2c(input, dims, normalization, onesided):
    """The forward transform over ``dims`` of a real tensor; ``onesided`` keeps ``n // 2 + 1`` frequencies of
    the last of them."""
    x = input._data
    xp = namespace_of(x)
    norm = _FORWARD_NORM[normalization]
    transform = xp.fft.rfftn if onesided else xp.fft.fftn
    data = transform(x, axes=dims, norm=norm).astype(_complex_dtype(xp, x), copy=False)
    return record(data, FftR2CBackward0, (input,), (), (tuple(dims), normalization, onesided, x.shape[dims[-1]]))


# ---------------------------------------------------------------- complex to real
def _c2r_grad(grad, dims, normalization, last_size):
    transformed = fft_r2c(grad, dims, normalization, True)
    kept = transformed._data.shape[dims[-1]]
    doubled = last_size - kept  # the frequencies whose mirror images the real output also holds
    if doubled <= 0:
        return transformed
    xp = namespace_of(grad._data)
    weights = xp.ones(kept, dtype=grad._data.dtype)
    weights[1:1 + doubled] = 2
    shape = [1] * transformed._data.ndim
    shape[dims[-1]] = kept
    return transformed * make_tensor(weights.reshape(tuple(shape)))


FftC2RBackward0 = derivative("FftC2RBackward0", _c2r_grad)


@silent_float_errors
def fft_c2r(input, dims, normalization, last_size):
    """The backward transform over ``dims`` of the non-negative frequencies of a Hermitian-symmetric signal:
    a real tensor whose last transformed dim has ``last_size`` elements."""
    x = input._data
    xp = namespace_of(x)
    sizes = [x.shape[d] for d in dims[:-1]] + [last_size]
    data = xp.fft.irfftn(x, s=sizes, axes=dims, norm=_BACKWARD_NORM[normalization])
    data = data.astype(getattr(xp, _REAL[x.dtype.name]), copy=False)
    return record(data, FftC2RBackward0, (input,), (), (tuple(dims), normalization, last_size))
