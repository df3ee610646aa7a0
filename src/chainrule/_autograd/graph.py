"""The backward graph: nodes, their edges, saved tensors and gradient accumulation into leaves.

A node is created by an op when some input requires grad. It holds only what its derivative
rule reads (``saved``, checked against version counters when unpacked) and one edge per
differentiable input: ``next_functions``, a tuple of ``(node, output_nr)`` pairs where ``node``
is ``None`` for inputs that do not require grad. Nodes never point at their outputs, so a graph
is freed by reference counting alone as soon as the last tensor of it goes away.
"""

import functools
import itertools
import threading

import numpy as np

from .._array import to_host
from .._dtype import from_numpy_dtype
from .._tensor import Tensor, make_tensor
from ..utils.hooks import RemovableHandle
from . import grad_mode
from .anomaly import is_anomaly_enabled

__all__ = ["Node", "NodeHooks", "SavedTensor", "saved_tensors_hooks", "save_on_cpu", "sum_to_shape", "conjugate",
           "check_hook_result", "RELEASED_MESSAGE", "next_sequence_nr"]

next_sequence_nr = itertools.count().__next__  # orders ready nodes in backward: the latest first

RELEASED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)


class SavedTensor:
    """A tensor kept for backward, with the version it had when saved.

    Inputs are kept as the tensor itself (``output_of`` None). An op's own output is kept as its array
    only (holding the tensor would make a tensor -> node -> tensor cycle), with ``output_of`` its output
    number, and rebuilt on unpacking: attached to the node as that output when the backward pass records
    a graph of its own.
    """

    __slots__ = ("tensor", "version", "output_of", "data", "unpack_hook", "tangent")

    def __init__(self, tensor, output_of=None):
        self.version = tensor._version_counter[0]
        self.tangent = None  # an output's forward-mode tangent, and the dual level it belongs to
        if _saved_hooks.stack:
            self._pack(tensor, output_of)
            return
        self.unpack_hook = None
        if output_of is None:
            self.tensor = tensor
            self.output_of = None
        else:
            self.tensor = tensor._version_counter  # only the counter is shared with the output
            self.output_of = output_of
            self.data = tensor._data

    def _pack(self, tensor, output_of):
        """Hand the tensor to the innermost ``saved_tensors_hooks`` pair; keep only what it returns."""
        stack = _saved_hooks.stack
        pack, unpack = stack[-1]
        if output_of is not None:
            tensor = make_tensor(tensor._data)  # the op's own output, without its grad_fn
        try:
            _saved_hooks.stack = []  # what the pack hook itself computes is not packed again
            self.data = pack(tensor)
        finally:
            _saved_hooks.stack = stack
        self.unpack_hook = unpack
        self.tensor = None
        self.output_of = None

    def unpack(self, node):
        if self.unpack_hook is not None:
            return self.unpack_hook(self.data)
        if self.output_of is None:
            tensor = self.tensor
            current = tensor._version_counter[0]
        else:
            current = self.tensor[0]
            tensor = None
        if current != self.version:
            raise _modified_error(node, self, tensor, current)
        if tensor is not None:
            return tensor
        out = make_tensor(self.data)
        out._version_counter = self.tensor
        if grad_mode._state.enabled:
            out._grad_fn = node
            out._output_nr = self.output_of
            out._requires_grad = True
        return out


class _SavedHooks(threading.local):
    def __init__(self):
        self.stack = []


_saved_hooks = _SavedHooks()


class saved_tensors_hooks:
    """Inside this block, every tensor saved for backward is stored as ``pack_hook(tensor)`` and
    given back to backward as ``unpack_hook(packed)`` (offload, compress, or recompute it)."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        _saved_hooks.stack.append((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        _saved_hooks.stack.pop()
        return False


class save_on_cpu(saved_tensors_hooks):
    """Keep saved tensors in host memory. As in PyTorch, a tensor already there is kept as it is (later
    in-place edits reach it), unless ``pin_memory`` asks for a copy in a buffer of its own."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(tensor):
            host = to_host(tensor._data)
            return make_tensor(host.copy() if pin_memory and host is tensor._data else host)

        super().__init__(pack, lambda packed: packed)


def _modified_error(node, saved, tensor, current):
    if tensor is None:
        data, producer = saved.data, node
    else:
        data, producer = tensor._data, tensor._grad_fn
    kind = from_numpy_dtype(data.dtype).legacy_name
    shape = "[" + ", ".join(str(s) for s in data.shape) + "]"
    where = ""
    if producer is not None:
        name = producer.name()
        short = name.replace("Backward", "")
        if short.endswith("0") and not name.endswith("Backward"):
            short = short[:-1]
        where = f", which is output {saved.output_of if tensor is None else tensor._output_nr} of {short},"
    if is_anomaly_enabled():
        hint = ("Hint: the backtrace further above shows the operation that failed to compute its gradient. "
                "The variable in question was changed in there or anywhere later. Good luck!")
    else:
        hint = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
                "with chainrule.autograd.set_detect_anomaly(True, check_nan=False).")
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[chainrule.{kind} {shape}]{where} is at version {current}; expected version {saved.version} instead. {hint}"
    )


class Node:
    """A step of the backward graph; subclasses implement ``apply``.

    ``apply`` gets the gradients of the node's outputs and returns one gradient per edge in
    ``next_functions``. ``saved_names`` lists what the node saved (exposed as ``_saved_<name>``).
    """

    __slots__ = ("next_functions", "_saved", "_args", "_input_meta", "_sequence_nr", "_hooks", "_metadata",
                 "__weakref__")
    saved_names = ()
    num_outputs = 1
    accumulates_into_leaf = False  # True for a leaf's sink (AccumulateGrad), which ``autograd.grad`` skips

    def __init__(self, next_functions, saved, args, input_meta):
        self.next_functions = next_functions
        self._saved = saved
        self._args = args
        self._input_meta = input_meta
        self._sequence_nr = next_sequence_nr()
        self._hooks = None
        self._metadata = None

    @classmethod
    def name(cls):
        return cls.__name__

    @property
    def metadata(self):
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def _unpack_saved(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(RELEASED_MESSAGE)
        return [s.unpack(self) if s.__class__ is SavedTensor else s for s in saved]

    def apply(self, grads):
        """Gradients for each edge in ``next_functions``, given the gradients of this node's outputs."""
        raise NotImplementedError

    def release(self):
        """Free saved tensors after a backward pass that did not ask to retain the graph."""
        if self.saved_names:
            self._saved = None

    def __init_subclass__(cls, **kwargs):
        # ``_saved_<name>`` as a property of each node class rather than a ``__getattr__``: a class with
        # ``__getattr__`` makes every attribute read of its instances slow, the engine's included.
        super().__init_subclass__(**kwargs)
        for index, key in enumerate(cls.__dict__.get("saved_names", ())):
            if "_saved_" + key not in cls.__dict__:
                setattr(cls, "_saved_" + key, property(functools.partial(_saved_value, index=index)))

    def _hook_lists(self):
        if self._hooks is None:
            self._hooks = NodeHooks()
        return self._hooks

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after the node; it may return new grad_inputs."""
        hooks = self._hook_lists().post
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before the node; it may return new grad_outputs."""
        hooks = self._hook_lists().pre
        hooks.append(fn)
        return RemovableHandle(hooks, fn)

    def _add_tensor_pre_hook(self, output_nr, fn):
        hooks = self._hook_lists().tensor_pre.setdefault(output_nr, [])
        hooks.append(fn)
        return RemovableHandle(hooks, fn)


def _saved_value(node, index):
    return node._unpack_saved()[index]


class NodeHooks:
    """Everything hooked on a node; most nodes have none, so this is made on first use."""

    __slots__ = ("pre", "post", "tensor_pre", "retain_grad")

    def __init__(self):
        self.pre = []
        self.post = []
        self.tensor_pre = {}
        self.retain_grad = {}


def check_hook_result(fn, old, new):
    """A gradient hook may replace a gradient, but not change its size (PyTorch's error names the hook)."""
    if new._data.shape != old._data.shape:
        name = getattr(fn, "__name__", type(fn).__name__)
        raise RuntimeError(f"hook '{name}' has changed the size of value")


# ---------------------------------------------------------------- conventions every derivative rule relies on
def sum_to_shape(grad, shape):
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, to get ``shape``.

    The one place where broadcasting is undone in backward: nodes call it, rules never do.
    """
    grad_shape = grad.shape
    if tuple(grad_shape) == tuple(shape):
        return grad
    lead = len(grad_shape) - len(shape)
    dims = list(range(lead))
    for i, size in enumerate(shape):
        if size == 1 and grad_shape[lead + i] != 1:
            dims.append(lead + i)
    if len(dims) == lead:  # only added dims (a bias's gradient): one sum gives the shape
        return grad.sum(dims) if dims else grad.reshape(shape)
    grad = grad.sum(dims, keepdim=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


def conjugate(value):
    """The complex conjugate of a tensor or number in a derivative rule; anything real comes back as is.

    For a real loss, the gradient of a complex input is ``grad * conj(f'(z))``: the rule of a real op
    with each factor conjugated. Real tensors, the common case, pay one dtype check and no op.
    """
    cls = value.__class__
    if cls is Tensor or isinstance(value, Tensor):
        return value.conj() if value._data.dtype.kind == "c" else value
    if cls is float or cls is int:
        return value
    return value.conjugate() if isinstance(value, (complex, np.complexfloating)) else value
