"""Forward-mode AD inside the op mechanism: dual tensors carry a tangent that every op pushes forward.

Inside a dual level (``chainrule.autograd.forward_ad``), a tensor with a tangent makes every op also
compute ``J · tangent``. For an elementwise op the Jacobian is diagonal, so its vjp rule applied to the
tangent is the forward rule as well. Any other op's rule is transposed: the vjp is linear in its
cotangent ``u``, so the gradient of ``sum(vjp(u) * conj(tangent))`` with respect to ``u`` is the
Jacobian-vector product (an op with several outputs gets one cotangent per output, and all its tangents
from one backward pass). Every op with a derivative therefore works in forward mode.
"""

import weakref

from .._array import namespace_of
from .._autograd import grad_mode
from .._autograd.engine import run_backward
from .._autograd.graph import conjugate
from .._autograd.leaf import accumulator_of
from .._tensor import Tensor, make_tensor

__all__ = ["state", "enter_dual_level", "exit_dual_level", "track", "push_tangent", "push_tangents", "save_tangent",
           "restore_tangent"]


class _ForwardState:
    depth = 0  # how many dual levels are open; ops look at this first, so it must stay a plain attribute
    duals = []


state = _ForwardState()


def enter_dual_level():
    state.depth += 1
    state.duals.append([])
    return state.depth - 1


def exit_dual_level(*, level=None):
    """Close the innermost level: its dual tensors lose their tangents."""
    for ref in state.duals.pop():
        tensor = ref()
        if tensor is not None:
            tensor._tangent = None
    state.depth -= 1


def track(tensor):
    """Remember a dual tensor, so that closing its level takes its tangent away."""
    state.duals[-1].append(weakref.ref(tensor))


def save_tangent(tangent):
    """A saved output's tangent, with its dual level (the level's list of duals identifies it)."""
    return (tangent, state.duals[-1])


def restore_tangent(tensor, saved):
    """Give an output rebuilt for backward its tangent again, while its dual level is still open."""
    tangent, level = saved
    if state.duals and state.duals[-1] is level:
        tensor._tangent = tangent
        track(tensor)
    return tensor


class _Marker:
    """A stand-in edge: tells a node which inputs need a gradient while transposing its vjp."""

    next_functions = ()


_MARK = (_Marker(), 0)


def push_tangent(out, node_class, inputs, saved, args, output_marker):
    """Give ``out`` the tangent of the op that made it, if any input carries one."""
    push_tangents([out], node_class, inputs, saved, args, output_marker)


def push_tangents(outs, node_class, inputs, saved, args, output_marker):
    """Give each of the op's outputs (several for ``split``, ``unbind``, ``slogdet``: one node's) its tangent,
    if any input carries one. ``output_marker`` in ``saved`` stands for the first output."""
    tangents = [t._tangent if isinstance(t, Tensor) else None for t in inputs]
    if all(t is None for t in tangents):
        return
    state.depth, depth = 0, state.depth  # the tangent's own ops are not pushed forward again
    try:
        primal_outs = [_plain(out) for out in outs]
        values = [primal_outs[0] if v is output_marker else _plain(v) if isinstance(v, Tensor) else v for v in saved]
        if len(outs) == 1 and getattr(node_class, "elementwise", False):
            results = [_diagonal_jvp(node_class, tangents, values, args, primal_outs[0])]
        else:
            results = _transposed_vjp(node_class, inputs, tangents, values, args, primal_outs)
    finally:
        state.depth = depth
    for out, tangent in zip(outs, results):
        out._tangent = tangent
        track(out)


def _diagonal_jvp(node_class, tangents, values, args, out):
    """For an elementwise op each vjp multiplies by a diagonal Jacobian, so applied to a tangent it
    gives that input's share of J·t; the shares add up (broadcast to the output's shape)."""
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
    return make_tensor(tensor._data)


def _transposed_vjp(node_class, inputs, tangents, values, args, outs):
    """Each output's ``J t``: the gradient, with respect to that output's cotangent, of
    ``sum <vjp(cotangents), tangent>`` (one backward pass for all the outputs)."""
    edges = tuple(_MARK if t is not None else (None, 0) for t in tangents)
    meta = [(t._data.shape, t._data.dtype) if isinstance(t, Tensor) else None for t in inputs]
    recording = grad_mode._state.enabled
    xp = namespace_of(outs[0]._data)

    def zeros(out):
        return make_tensor(xp.zeros(out._data.shape, dtype=out._data.dtype))

    with grad_mode.enable_grad():
        cotangents = [zeros(out).requires_grad_(True) for out in outs]
        node = node_class(edges, tuple(values), args, meta)
        grads = node.apply(cotangents)
        total = None
        for g, t in zip(grads, tangents):
            if g is None or t is None:
                continue
            term = (g * conjugate(t)).sum()  # holomorphic in the cotangents, whose gradient is then J t
            total = term if total is None else total + term
        if total is None or not total.requires_grad:
            return [zeros(out) for out in outs]
        one = make_tensor(xp.ones((), dtype=total._data.dtype))
        sinks = [accumulator_of(cotangent) for cotangent in cotangents]
        found = run_backward([(total._grad_fn, total._output_nr)], [one], recording, recording, targets=sinks,
                             capture={(sink, 0): i for i, sink in enumerate(sinks)}, accumulate=False)
    results = []
    for out, tangent in zip(outs, found):
        if tangent is None:
            tangent = zeros(out)
        elif not recording:
            tangent = tangent.detach()
        results.append(tangent)
    return results
