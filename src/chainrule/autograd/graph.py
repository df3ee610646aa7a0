"""The backward graph: nodes, their edges, saved tensors and gradient accumulation into leaves.

A node is created by an op when some input requires grad. It holds only what its derivative
rule reads (``saved``, checked against version counters when unpacked) and one edge per
differentiable input: ``next_functions``, a tuple of ``(node, output_nr)`` pairs where ``node``
is ``None`` for inputs that do not require grad. Nodes never point at their outputs, so a graph
is freed by reference counting alone as soon as the last tensor of it goes away.
"""

import itertools
import threading
import weakref

import numpy as np

from .. import _tensor  # partially initialised here; its functions are looked up at call time
from . import grad_mode

__all__ = ["Node", "AccumulateGrad", "SavedTensor", "RemovableHandle", "accumulator_of", "saved_tensors_hooks",
           "save_on_cpu"]

_next_sequence_nr = itertools.count().__next__
# Sequence numbers order ready nodes in backward (latest first); leaves' sinks always go first.
_ACCUMULATE_FIRST = 1 << 62

RELEASED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook out again."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class SavedTensor:
    """A tensor kept for backward, with the version it had when saved.

    Inputs are kept as the tensor itself. An op's own output is kept as its array only (holding
    the tensor would make a tensor -> node -> tensor cycle) and rebuilt on unpacking, attached to
    the node when the backward pass records a graph of its own.
    """

    __slots__ = ("tensor", "version", "output_of", "data", "unpack_hook")

    def __init__(self, tensor, output_of=None):
        self.version = tensor._version_counter[0]
        if _hooks_open.count and _saved_hooks.stack:
            self._pack(tensor, output_of)
            return
        self.unpack_hook = None
        if output_of is None:
            self.tensor = tensor
            self.output_of = None
        else:
            self.tensor = tensor._version_counter  # only the counter is shared with the output
            self.output_of = True
            self.data = tensor._data

    def _pack(self, tensor, output_of):
        """Hand the tensor to the innermost ``saved_tensors_hooks`` pair; keep only what it returns."""
        stack = _saved_hooks.stack
        pack, unpack = stack[-1]
        if output_of is not None:
            tensor = _tensor.make_tensor(tensor._data)  # the op's own output, without its grad_fn
        _saved_hooks.stack = []  # what the pack hook itself computes is not packed again
        try:
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
        out = _tensor.make_tensor(self.data)
        out._version_counter = self.tensor
        if grad_mode._state.enabled:
            out._grad_fn = node
            out._requires_grad = True
        return out


class _SavedHooks(threading.local):
    def __init__(self):
        self.stack = []


class _HooksOpen:
    """How many saved_tensors_hooks blocks are open in any thread: a cheap test before the per-thread one."""

    count = 0


_saved_hooks = _SavedHooks()
_hooks_open = _HooksOpen()


class saved_tensors_hooks:
    """Inside this block, every tensor saved for backward is stored as ``pack_hook(tensor)`` and
    given back to backward as ``unpack_hook(packed)`` (offload, compress, or recompute it)."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        _saved_hooks.stack.append((self.pack_hook, self.unpack_hook))
        _hooks_open.count += 1
        return self

    def __exit__(self, *exc):
        _saved_hooks.stack.pop()
        _hooks_open.count -= 1
        return False


class save_on_cpu(saved_tensors_hooks):
    """Keep saved tensors in host memory (a copy); on a CPU-only install this only copies."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack(tensor):
            return _tensor.make_tensor(_to_host_copy(tensor._data))

        super().__init__(pack, lambda packed: packed)


def _to_host_copy(array):
    get = getattr(array, "get", None)
    return get() if get is not None else np.array(array, copy=True)


def _modified_error(node, saved, tensor, current):
    from .anomaly_mode import is_anomaly_enabled

    if tensor is None:
        data, producer = saved.data, node
    else:
        data, producer = tensor._data, tensor._grad_fn
    from .._dtype import from_numpy_dtype

    kind = from_numpy_dtype(data.dtype).legacy_name
    shape = "[" + ", ".join(str(s) for s in data.shape) + "]"
    where = ""
    if producer is not None:
        name = producer.name()
        short = name.replace("Backward", "")
        if short.endswith("0") and not name.endswith("Backward"):
            short = short[:-1]
        where = f", which is output {0 if tensor is None else tensor._output_nr} of {short},"
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

    def __init__(self, next_functions, saved, args, input_meta):
        self.next_functions = next_functions
        self._saved = saved
        self._args = args
        self._input_meta = input_meta
        self._sequence_nr = _next_sequence_nr()
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

    def __getattr__(self, name):
        if name.startswith("_saved_"):
            key = name[len("_saved_"):]
            if key in self.saved_names:
                return self._unpack_saved()[self.saved_names.index(key)]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

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


class NodeHooks:
    """Everything hooked on a node; most nodes have none, so this is made on first use."""

    __slots__ = ("pre", "post", "tensor_pre", "retain_grad")

    def __init__(self):
        self.pre = []
        self.post = []
        self.tensor_pre = {}
        self.retain_grad = {}


class AccumulateGrad(Node):
    """The sink for a leaf: runs the leaf's hooks and adds the gradient into ``leaf.grad``."""

    __slots__ = ("variable",)
    __module__ = "builtins"  # so it prints as PyTorch's does: <AccumulateGrad object at 0x...>

    def __init__(self, variable):
        Node.__init__(self, (), None, (), ())
        self.variable = variable
        self._sequence_nr = _ACCUMULATE_FIRST + self._sequence_nr  # run as soon as ready, as PyTorch does

    @classmethod
    def name(cls):
        return "torch::autograd::AccumulateGrad"

    def apply(self, grads):
        _tensor.accumulate_into_leaf(self.variable, grads[0])
        return ()


def accumulator_of(leaf):
    """The leaf's AccumulateGrad node, shared by every graph that uses the leaf while one is alive."""
    ref = leaf._accumulator
    node = ref() if ref is not None else None
    if node is None:
        node = AccumulateGrad(leaf)
        leaf._accumulator = weakref.ref(node)
    return node
