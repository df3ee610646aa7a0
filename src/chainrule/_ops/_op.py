"""How an op is declared and recorded.

An op is a forward function on arrays plus a node class made by ``derivative``: PyTorch's
node name, one vjp per tensor input, and the names of what the vjps read. A vjp is written with
chainrule's own ops, receives ``(grad, *saved, *args)`` and returns the gradient for its input;
the node sums it back to the input's shape and dtype (``Node.apply``), so rules never undo
broadcasting themselves. Because vjps are ordinary differentiable code, every higher order
derivative comes for free.

``record`` is the single place where an op's result is wrapped and, when needed, attached to a
new node. Its fast path (grad mode off, or no input requiring grad) is one wrap.
"""

from .._array import NUMPY, as_array
from .._autograd import grad_mode
from .._autograd.anomaly import _state as _anomaly_state
from .._autograd.anomaly import record_forward_trace
from .._autograd.graph import RELEASED_MESSAGE, Node, SavedTensor, conjugate, sum_to_shape
from .._autograd.leaf import accumulator_of
from .._device import device_of
from .._dtype import _FROM_NUMPY
from .._recording import RULE_HOOKS, STATEFUL
from .._recording import state as _recorder_state
from .._tensor import Tensor, make_tensor
from ._forward import push_tangent, push_tangents, restore_tangent, save_tangent
from ._forward import state as _forward_state

__all__ = ["derivative", "record", "record_multi", "attach", "needs_grad", "OUTPUT", "as_array", "conjugate",
           "traced", "traced_stateful", "publish", "PUBLIC_OPS", "RULES"]

_grad_state = grad_mode._state
_ndarray = NUMPY.ndarray  # the common array class, tested first on the hot path
_inference = grad_mode._inference_anywhere
_new = object.__new__


class _Output:
    """Marker in a ``saved`` tuple: keep the op's own result."""

    __slots__ = ()


OUTPUT = _Output()


class OpNode(Node):
    """A node whose derivative is a table of vjps, one per input edge."""

    __slots__ = ()
    vjps = ()
    elementwise = False
    kernel = None  # how chainrule.compile repeats the op's array work (``_kernel.replays``)

    def apply(self, grads):
        if self.saved_names:
            saved = self._saved
            if saved is None:
                raise RuntimeError(RELEASED_MESSAGE)
            values = []
            for value in saved:
                if value.__class__ is SavedTensor:
                    tensor = value.tensor
                    # the common case inline: an input saved as itself, unchanged since
                    if value.output_of is None and value.unpack_hook is None \
                            and tensor._version_counter[0] == value.version:
                        value = tensor
                    elif value.tangent is None:
                        value = value.unpack(self)
                    else:
                        value = restore_tangent(value.unpack(self), value.tangent)
                values.append(value)
            if self._args:
                values.extend(self._args)
        else:
            values = self._args
        grad = grads[0] if self.num_outputs == 1 else grads
        meta = self._input_meta
        result = []
        vjps = self.vjps
        i = 0
        for next_node, _ in self.next_functions:
            if next_node is None:
                result.append(None)
            else:
                g = vjps[i](grad, *values)
                if meta is not None and g is not None and meta[i] is not None:
                    g = _to_input_meta(g, *meta[i])
                result.append(g)
            i += 1
        return result


def _to_input_meta(grad, shape, dtype, device=None):
    """Sum a gradient back over broadcast dimensions, cast it to its input's dtype and move it to the input's
    device (``device``: given only when it differs from the op's, as for a CPU scalar in a GPU op)."""
    if grad._data.shape != shape:
        grad = sum_to_shape(grad, shape)
    if grad._data.dtype != dtype:
        if grad._data.dtype.kind == "c" and dtype.kind != "c":
            grad = grad.real  # a real input to a complex result: its gradient is the real part
        grad = grad.to(_FROM_NUMPY[dtype])
    if device is not None:
        grad = grad.to(device)
    return grad


def _input_meta(data, out_data):
    """``_to_input_meta``'s arguments for an input whose array is of another class than the op's result: its
    shape, its dtype and, when it lives on another device, that device."""
    where = device_of(data)
    if where != device_of(out_data):
        return data.shape, data.dtype, where
    return data.shape, data.dtype


def derivative(node_name, *vjps, saves=(), outputs=1, elementwise=False, op=None):
    """Declare an op's backward node: PyTorch's name, one vjp per input, what the vjps read.

    ``derivative("MulBackward0", mul_grad_self, mul_grad_other, saves="self other")``.
    ``elementwise``: each output element depends on the matching (broadcast) input elements only.
    The Jacobian is then diagonal, so the vjps applied to tangents are the forward-mode rule too.
    ``op``: the rule's identity when several rules print the same PyTorch name (default: the name).
    """
    if isinstance(saves, str):
        saves = tuple(saves.split())
    identity = op or node_name
    if identity in RULES:
        raise ValueError(f"two derivative rules are declared for op {identity!r}; give one an identity of its own "
                         "with op=")
    node_class = type(node_name, (OpNode,), {
        "__slots__": (), "__module__": "builtins", "vjps": tuple(vjps), "saved_names": saves,
        "num_outputs": outputs, "elementwise": elementwise, "op": identity,
    })
    RULES[identity] = node_class
    for hook in RULE_HOOKS:
        hook(node_class)
    return node_class


RULES = {}  # op identity -> its node class: every derivative rule, declared once (``python -m chainrule.rules``)
_NO_EDGE = (None, 0)


def needs_grad(*inputs):
    """True when an op on ``inputs`` must be recorded (grad mode on and some tensor requires grad)."""
    if not _grad_state.enabled:
        return False
    for t in inputs:
        if t.__class__ is Tensor or isinstance(t, Tensor):
            if t._requires_grad:
                return True
    return False


def reads_args(*inputs):
    """True when ``record`` of an op on ``inputs`` uses its ``args``: the op is recorded for backward, for
    forward mode or by ``chainrule.compile``. An op whose args cost work can skip them otherwise."""
    return _recorder_state.recorder is not None or bool(_forward_state.depth) or needs_grad(*inputs)


def record(data, node_class, inputs, saved=(), args=()):
    """Wrap ``data`` as the op's result, recording ``node_class`` when an input requires grad.

    ``inputs`` are the op's differentiable operands in order (Tensors, or Python numbers that get
    a ``(None, 0)`` edge as in PyTorch); ``saved`` are the values its vjps read (tensors among them
    are version-checked; ``OUTPUT`` stands for the result); ``args`` are plain values passed after them.
    This is the hot path of every op, so the wrapping is written out here rather than called.
    """
    out = _new(Tensor)
    out._data = data if data.__class__ is _ndarray else as_array(data)
    out._requires_grad = False
    out._grad_fn = None
    out._output_nr = 0
    out._version_counter = [0]
    if _inference.active and _grad_state.inference:
        out._is_inference = True
    if _recorder_state.recorder is not None:
        _recorder_state.recorder.op(out, node_class, inputs, saved, args)
    if _forward_state.depth:
        push_tangent(out, node_class, inputs, saved, args, OUTPUT)
    if not _grad_state.enabled:
        return out
    for t in inputs:
        if t.__class__ is Tensor or isinstance(t, Tensor):
            if t._requires_grad:
                break
    else:
        return out
    if out._data.dtype.kind in "fc":
        attach(out, node_class, inputs, saved, args)
    return out


def record_multi(datas, node_class, inputs, saved=(), args=(), saves_outputs=False):
    """Like ``record`` for an op with several differentiable outputs (``split``, ``unbind``).

    Returns one tensor per array; they share one node and differ by ``output_nr``. ``saves_outputs``: the
    rule reads the outputs themselves (a factorization's ``U, S, Vh``), which the caller saves on the node.
    """
    outs = [make_tensor(as_array(d)) for d in datas]
    if _forward_state.depth and outs and outs[0]._data.dtype.kind in "fc":
        push_tangents(outs, node_class, inputs, outs if saves_outputs else saved, args, OUTPUT)
    if not outs or not needs_grad(*inputs) or outs[0]._data.dtype.kind not in "fc":
        return tuple(outs)
    node = attach(outs[0], node_class, inputs, saved, args)
    for nr, out in enumerate(outs[1:], start=1):
        out._grad_fn = node
        out._output_nr = nr
        out._requires_grad = True
    return tuple(outs)


def attach(out, node_class, inputs, saved=(), args=()):
    """Make ``out`` the output of a new ``node_class`` node over ``inputs``.

    An input whose shape and dtype equal the output's needs no metadata: ``OpNode.apply`` only
    reshapes or casts a gradient for inputs recorded in ``meta``.
    """
    out_data = out._data
    shape = out_data.shape
    dtype = out_data.dtype
    out_class = out_data.__class__
    edges = []
    meta = None
    i = 0
    for t in inputs:
        if t.__class__ is Tensor or isinstance(t, Tensor):
            node = t._grad_fn
            if node is not None:
                edges.append((node, t._output_nr))
            elif t._requires_grad:
                edges.append((accumulator_of(t), 0))
            else:
                edges.append(_NO_EDGE)
            data = t._data
            if data.dtype is not dtype or data.shape != shape or data.__class__ is not out_class:
                if meta is None:
                    meta = [None] * len(inputs)
                meta[i] = (data.shape, data.dtype) if data.__class__ is out_class else _input_meta(data, out_data)
            if t._is_inference:
                _raise_inference()
        else:
            edges.append(_NO_EDGE)
        i += 1
    if saved:
        kept = []
        for value in saved:
            if value is OUTPUT:
                saved_output = SavedTensor(out, 0)
                if out._tangent is not None:  # forward mode through a backward pass reads it (forward over reverse)
                    saved_output.tangent = save_tangent(out._tangent)
                kept.append(saved_output)
            elif value.__class__ is Tensor or isinstance(value, Tensor):
                kept.append(SavedTensor(value))
            else:
                kept.append(value)
    else:
        kept = ()
    node = node_class(tuple(edges), kept, args, meta)
    if _anomaly_state.enabled:
        record_forward_trace(node)
    out._grad_fn = node
    out._requires_grad = True
    return node


def _raise_inference():
    raise RuntimeError(
        "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode "
        "in computation tracked by autograd. To work around this, you can make a clone to get a normal tensor "
        "and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
    )


# ---------------------------------------------------------------- array work that ``record`` does not describe
def traced(fn, *operands):
    """``fn(*operands)`` with each Tensor operand given as its array, seen by the recorder as one instruction.

    For array work inside an op that ``record`` does not describe, such as the masks a loss
    builds from its integer targets: a compiled replay then recomputes them from the new targets.
    """
    recorder = _recorder_state.recorder
    if recorder is None:
        return fn(*[value._data if isinstance(value, Tensor) else value for value in operands])
    return recorder.traced(fn, operands)


def traced_stateful(fn, *operands):
    """``traced`` for a call with effects beyond its result: a draw from a generator (a replay draws again,
    advancing the generator as eager does), an update of running statistics."""
    STATEFUL.add(fn)
    return traced(fn, *operands)


# ---------------------------------------------------------------- the public ops of every namespace
PUBLIC_OPS = []  # every function a namespace offers (chainrule.*, Tensor methods and operators, nn.functional, linalg)


def publish(functions):
    """Record a namespace's public op functions (each namespace calls this once, as it registers them).

    ``chainrule.compile`` replays an op it cannot follow by calling it again; these are the calls it knows.
    """
    PUBLIC_OPS.extend(functions)
