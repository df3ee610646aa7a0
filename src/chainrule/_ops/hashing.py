"""``hash_tensor``: an order-free fingerprint of a tensor's values, as PyTorch computes it: each element widened
to 64 bits (float64 for floating point, int64 otherwise), its bits read as an unsigned integer, and the
results combined with exclusive or over the reduced dims. Not differentiable (an integer result)."""

from .._array import namespace_of
from .._tensor import make_tensor
from ._arguments import check_tensors
from ._along_dim import normalize_dims

__all__ = ["hash_tensor"]
FUNCTIONS = __all__
METHODS = __all__
SIGNATURES = {"hash_tensor": "Tensor input, int[1] dim = (), *, bool keepdim = False, int mode = 0, Tensor? out = None"}


def _reduced_dims(dim, ndim):
    if dim is None:
        return ()
    dims = normalize_dims(dim, max(ndim, 1))  # a 0-d tensor takes dims 0 and -1, as one of a single element
    return dims if ndim else ()


def hash_tensor(input, dim=(), *, keepdim=False, mode=0):
    """The exclusive or of the elements' 64-bit patterns over ``dim`` (every dim when it is empty or None)."""
    check_tensors("hash_tensor", ("input", input))
    if mode != 0:
        raise RuntimeError(f"Unknown hash_tensor mode: {mode}")
    x = input._data
    xp = namespace_of(x)
    if x.dtype.kind == "c":
        raise NotImplementedError(f'"xor_sum_cpu" not implemented for \'{input.dtype.scalar_type_name}\'')
    dims = _reduced_dims(dim, x.ndim) or tuple(range(x.ndim))
    if x.size == 0:
        if not _reduced_dims(dim, x.ndim):
            raise RuntimeError("hash_tensor: Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        for d in dims:
            if x.shape[d] == 0:
                raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
    wide = x.astype(xp.float64 if x.dtype.kind == "f" else xp.int64)
    bits = wide.view(xp.uint64)
    return make_tensor(xp.asarray(xp.bitwise_xor.reduce(bits, axis=dims, keepdims=keepdim)))
