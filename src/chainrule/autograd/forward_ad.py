"""Forward-mode AD: dual tensors carry a tangent that every op pushes forward.

Inside ``dual_level()``, ``make_dual(primal, tangent)`` gives a tensor whose ops also compute
``J · tangent``. For an elementwise op the Jacobian is diagonal, so its vjp rule applied to the
tangent is the forward rule as well. Any other op's rule is transposed: the vjp is linear in its
cotangent ``u``, so the gradient of ``<vjp(u), tangent>`` with respect to ``u`` is the
Jacobian-vector product. Every op with a derivative therefore works in forward mode.
"""

import weakref
from collections import namedtuple

import numpy as np

from . import grad_mode

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])


class _ForwardState:
    depth = 0  # how many dual levels are open; ops look at this first, so it must stay a plain attribute
    duals = []


_state = _ForwardState()


def enter_dual_level():
    _state.depth += 1
    _state.duals.append([])
    return _state.depth - 1


def exit_dual_level(*, level=None):
    """Close the innermost level: its dual tensors lose their tangents."""
    for ref in _state.duals.pop():
        tensor = ref()
        if tensor is not None:
            tensor._tangent = None
    _state.depth -= 1


class dual_level:
    """Context manager for one level of forward AD."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False


def _track(tensor):
    _state.duals[-1].append(weakref.ref(tensor))


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` whose tangent is ``tangent``."""
    from .._tensor import make_tensor

    if _state.depth == 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, make sure to "
                           "enter_dual_level() first.")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if tensor.requires_grad and grad_mode._state.enabled:
        dual = tensor[...]
    else:
        dual = make_tensor(tensor._data)
        dual._version_counter = tensor._version_counter
    dual._tangent = tangent
    _track(dual)
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``; the tangent is None for a tensor that is not dual."""
    from .._tensor import make_tensor

    tangent = tensor._tangent
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    primal = make_tensor(tensor._data)
    primal._version_counter = tensor._version_counter
    if tensor._requires_grad:
        primal._grad_fn = tensor._grad_fn
        primal._output_nr = tensor._output_nr
        primal._requires_grad = True
    return UnpackedDualTensor(primal, tangent)


class _Marker:
    """A stand-in edge: tells a node which inputs need a gradient while transposing its vjp."""

    next_functions = ()


_MARK = (_Marker(), 0)


def push_tangent(out, node_class, inputs, saved, args, output_marker):
    """Give ``out`` the tangent of the op that made it, if any input carries one."""
    from .._tensor import Tensor

    tangents = [t._tangent if isinstance(t, Tensor) else None for t in inputs]
    if all(t is None for t in tangents):
        return
    _state.depth, depth = 0, _state.depth  # the tangent's own ops are not pushed forward again
    try:
        primal_out = _plain(out)
        values = [primal_out if v is output_marker else _plain(v) if isinstance(v, Tensor) else v for v in saved]
        if getattr(node_class, "elementwise", False):
            tangent = _diagonal_jvp(node_class, tangents, values, args, primal_out)
        else:
            tangent = _transposed_vjp(node_class, inputs, tangents, values, args, primal_out)
    finally:
        _state.depth = depth
    out._tangent = tangent
    _track(out)


def _diagonal_jvp(node_class, tangents, values, args, out):
    """For an elementwise op each vjp multiplies by a diagonal Jacobian, so applied to a tangent it
    gives that input's share of J·t; the shares add up (broadcast to the output's shape)."""
    from .._ops.pointwise_base import conjugate

    total = None
    for vjp, tangent in zip(node_class.vjps, tangents):
        if tangent is None:
            continue
        # vjps follow the conjugate convention for complex values: J t = conj(vjp(conj(t)))
        share = conjugate(vjp(conjugate(tangent), *values, *args))
        total = share if total is None else total + share
    if total._data.shape != out._data.shape:
        total = total.expand(out._data.shape)
    if total._data.dtype != out._data.dtype:
        if total._data.dtype.kind == "c" and out._data.dtype.kind != "c":
            total = total.real
        total = total.to(out.dtype)
    return total


def _plain(tensor):
    from .._tensor import make_tensor

    return make_tensor(tensor._data)


def _transposed_vjp(node_class, inputs, tangents, values, args, out):
    from .._tensor import Tensor, make_tensor
    from . import grad as autograd_grad

    edges = tuple(_MARK if t is not None else (None, 0) for t in tangents)
    meta = [(t._data.shape, t._data.dtype) if isinstance(t, Tensor) else None for t in inputs]
    recording = grad_mode._state.enabled
    with grad_mode.enable_grad():
        cotangent = make_tensor(np.zeros(out._data.shape, dtype=out._data.dtype)).requires_grad_(True)
        node = node_class(edges, tuple(values), args, meta)
        grads = node.apply([cotangent])
        total = None
        for g, t in zip(grads, tangents):
            if g is None or t is None:
                continue
            term = (g * t).sum()
            total = term if total is None else total + term
        if total is None or not total.requires_grad:
            return make_tensor(np.zeros(out._data.shape, dtype=out._data.dtype))
        (tangent,) = autograd_grad(total, cotangent, allow_unused=True, create_graph=recording)
    if tangent is None:
        return make_tensor(np.zeros(out._data.shape, dtype=out._data.dtype))
    return tangent
