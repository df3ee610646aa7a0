"""What the derivative rules of the matrix functions share: the adjoint, constant matrices (identities,
triangle masks) made in the namespace and dtype of a tensor's array, and the recording of a
factorization whose rule reads all its own outputs."""

from ..._array import namespace_of
from ..._autograd.graph import SavedTensor
from ..._tensor import make_tensor
from .._forward import save_tangent
from .._op import conjugate, record_multi
from ..pointwise import where

__all__ = ["adjoint", "adjoint_array", "identity", "diag_embed", "lower", "upper", "off_diagonal_ratio",
           "record_factors", "outputs_of"]


def adjoint(x):
    """The conjugate transpose of the last two dims (a plain transpose for real tensors)."""
    return conjugate(x.transpose(-2, -1))


def adjoint_array(x):
    """``adjoint`` of an array: the conjugate transpose, the transposed view alone for real arrays."""
    transposed = namespace_of(x).swapaxes(x, -1, -2)
    return transposed.conj() if x.dtype.kind == "c" else transposed


def identity(rows, like, columns=None, offset=0):
    """A constant ``rows x columns`` matrix with ones on diagonal ``offset``, in ``like``'s namespace and dtype."""
    data = like._data
    return make_tensor(namespace_of(data).eye(rows, columns, offset, dtype=data.dtype))


def diag_embed(v):
    """Square matrices with ``v``'s last dimension on their diagonals."""
    return v.unsqueeze(-1) * identity(v.shape[-1], v)


def _triangle_mask(x, diagonal, lower_part):
    data = x._data
    xp = namespace_of(data)
    rows, columns = data.shape[-2:]
    if lower_part:
        return make_tensor(xp.tri(rows, columns, diagonal, dtype=data.dtype))
    return make_tensor(1 - xp.tri(rows, columns, diagonal - 1, dtype=data.dtype))


def lower(x, diagonal=0):
    """``x`` with everything above diagonal ``diagonal`` zeroed (``tril``, written as a product)."""
    return x * _triangle_mask(x, diagonal, True)


def upper(x, diagonal=0):
    """``x`` with everything below diagonal ``diagonal`` zeroed (``triu``, written as a product)."""
    return x * _triangle_mask(x, diagonal, False)


def off_diagonal_ratio(numerator, differences):
    """``numerator / differences`` off the diagonal and 0 on it (the differences vanish there)."""
    data = differences._data
    xp = namespace_of(data)
    on_diagonal = make_tensor(xp.eye(differences.shape[-1], dtype=xp.bool_))
    return where(on_diagonal, 0.0, numerator / where(on_diagonal, 1.0, differences))


def record_factors(datas, node_class, input, args=()):
    """Record a decomposition whose rule reads all its own outputs (``U, S, Vh``).

    Each output is kept like ``OUTPUT`` (its array and version only, no reference cycle);
    ``outputs_of`` gives them their output numbers back when the rule runs.
    """
    outs = record_multi(datas, node_class, (input,), (), args, saves_outputs=True)
    node = outs[0]._grad_fn
    if node is not None:
        node._saved = tuple(_saved_output(out, nr) for nr, out in enumerate(outs))
    return outs


def _saved_output(out, nr):
    saved = SavedTensor(out, output_of=nr)
    if out._tangent is not None:  # forward mode through the backward pass reads it (forward over reverse)
        saved.tangent = save_tangent(out._tangent)
    return saved


def outputs_of(*outputs):
    """The saved outputs of a factorization, numbered again as its node's outputs."""
    for nr, out in enumerate(outputs):
        out._output_nr = nr
    return outputs
