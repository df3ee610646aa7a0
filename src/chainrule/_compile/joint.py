"""Compiled calls whose outputs need gradients: a forward and its backward, recorded together, split in two.

``model = chainrule.compile(model)`` with the loss and ``backward()`` written outside: the call returns
tensors that need gradients, so its replay must hand out a graph. A recording call therefore keeps
eager's graph behind one node (``RecordingBackward``); when the user's backward reaches that node, the
recording goes on through eager's backward, from the gradients flowing in to the gradients arriving at
the call's inputs. Two such recordings that agree become a ``JointPlan``: the forward plan, which hands
the values the backward reads (and nothing else) to the node it makes, and one backward plan per
pattern of output gradients. Each replayed call returns its tensors on one ``CompiledBackward`` node
whose edges lead to the call's inputs, as PyTorch's compiled autograd does.

The graph stops at the call's inputs: parameters (their gradient sinks) and tensor arguments that need
gradients, which the call reads through a ``BoundaryNode`` of their own (the identity), so gradients
are taken at the call's edge and never run into the caller's graph.

A backward with ``create_graph=True``, or with output gradients in a pattern no plan was recorded for,
computes the forward again eagerly (same inputs, same random draws) and differentiates eager's graph.
"""

import warnings

import numpy as np

from .. import _random, _recording
from .._autograd import grad_mode
from .._float_errors import silent_float_errors
from .._autograd.engine import run_backward
from .._autograd.graph import RELEASED_MESSAGE, Node, _modified_error
from .._autograd.leaf import AccumulateGrad, accumulator_of
from .._recording import STATEFUL
from .._tensor import Tensor, make_tensor
from .ir import ArgSource, ArraySource, Const, Load, ObjectSource, ReturnGraph, ReturnSlot, Traced
from .plan import Plan, eliminate_dead_code
from .recorder import NotReplayable, recording_into

__all__ = ["BoundaryNode", "boundary_alias", "start_joint", "substituted", "JointPlan"]

_grad_state = grad_mode._state


class BoundaryNode(Node):
    """Where a tensor argument that needs gradients enters a compiled call: the identity, leading to the
    argument's own edge, so the call's graph (and the gradients it computes) end at the call's edge."""

    __slots__ = ("position",)

    def __init__(self, edge, position):
        Node.__init__(self, (edge,), None, (), None)
        self.position = position

    def apply(self, grads):
        return grads


def _edge(tensor):
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    return (accumulator_of(tensor), 0)


def boundary_alias(tensor, position):
    """``tensor`` as the compiled call reads it: the same array and version, behind a ``BoundaryNode``."""
    alias = make_tensor(tensor._data)
    alias._version_counter = tensor._version_counter
    alias._grad_fn = BoundaryNode(_edge(tensor), position)
    alias._requires_grad = True
    alias._grad = tensor._grad
    return alias


def _sinks(outputs):
    """The ends of the graph of ``outputs``: leaves' sinks and argument boundaries, in a fixed order."""
    found = []
    seen = set()
    stack = [t._grad_fn for t in reversed(outputs)]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.__class__ is AccumulateGrad or node.__class__ is BoundaryNode:
            found.append(node)
        else:
            stack.extend(n for n, _ in reversed(node.next_functions) if n is not None)
    return found


def gradients_at(sinks, outputs, grads, create_graph):
    """The gradients ``grads`` of ``outputs`` arriving at each of ``sinks``; no ``.grad`` is touched.

    The graph is kept (a node's ``release`` frees it), so a backward with ``retain_graph`` can run again.
    """
    roots = [(out._grad_fn, out._output_nr) for out, grad in zip(outputs, grads) if grad is not None]
    if not roots:
        return [None] * len(sinks)
    capture = {(sink, 0): position for position, sink in enumerate(sinks)}
    captured = run_backward(roots, [g for g in grads if g is not None], True, create_graph, targets=sinks,
                            capture=capture, accumulate=False)
    return captured


class _CallNode(Node):
    """The one node a compiled call's outputs share; ``output`` makes each of them."""

    __slots__ = ("num_outputs", "_counters")
    __module__ = "chainrule.autograd.function"  # printed as PyTorch prints its compiled calls' node
    __qualname__ = "CompiledFunctionBackward"

    @classmethod
    def name(cls):
        return "CompiledFunctionBackward"

    def output(self, array, output_nr):
        """A returned tensor: output ``output_nr`` of this node (its version is watched if the backward reads it)."""
        tensor = make_tensor(array)
        tensor._grad_fn = self
        tensor._output_nr = output_nr
        tensor._requires_grad = True
        counters = self._counters
        if counters is not None and counters[output_nr] is not None:
            tensor._version_counter = counters[output_nr]
        return tensor


class RecordingBackward(_CallNode):
    """The node of a recording call: eager's graph behind it; its first backward is recorded."""

    __slots__ = ("_inner", "_sinks", "_pending")
    __module__ = _CallNode.__module__
    __qualname__ = _CallNode.__qualname__

    def __init__(self, inner, sinks, pending):
        edges = tuple(sink.next_functions[0] if sink.__class__ is BoundaryNode else (sink, 0) for sink in sinks)
        Node.__init__(self, edges, None, (), None)
        self.num_outputs = len(inner)
        self._counters = None
        self._inner, self._sinks, self._pending = inner, sinks, pending

    def output(self, array, output_nr):
        tensor = _CallNode.output(self, array, output_nr)
        tensor._version_counter = self._inner[output_nr]._version_counter  # eager's graph checks it
        return tensor

    @silent_float_errors  # the backward's plan is built, checked and replayed here
    def apply(self, grads):
        inner = self._inner
        if inner is None:
            raise RuntimeError(RELEASED_MESSAGE)
        pending, self._pending = self._pending, None
        if pending is None or _grad_state.enabled or not pending.can_record():
            return gradients_at(self._sinks, inner, grads, _grad_state.enabled)
        return pending.record_backward(self._sinks, inner, grads)

    def release(self):
        self._inner = None
        self._pending = None


class CompiledBackward(_CallNode):
    """The node of a replayed call: its backward is a plan, run on the values the forward saved."""

    __slots__ = ("_joint", "_versions", "_call")
    __module__ = _CallNode.__module__
    __qualname__ = _CallNode.__qualname__

    @silent_float_errors
    def apply(self, grads):
        saved = self._saved
        if saved is None:
            raise RuntimeError(RELEASED_MESSAGE)
        joint = self._joint
        for counter, version, owner in self._versions:
            if counter[0] != version:
                raise _modified_error(self, _Watched(owner, version), owner, counter[0])
        counters = self._counters
        if counters is not None:
            for nr, counter in enumerate(counters):
                if counter is not None and counter[0]:
                    raise _modified_error(self, _Watched(None, 0, nr, joint.output_likes[nr]), None, counter[0])
        plan = joint.backwards.get(tuple(g is not None for g in grads))
        if plan is None or _grad_state.enabled or not joint.cotangents_match(grads):
            return joint.eager_backward(self, grads)
        return plan.replay([None if g is None else g._data for g in grads] + list(saved))

    def release(self):
        self._saved = None
        self._call = None


class _Watched:
    """What the eager error about a modified saved tensor reads from a saved value."""

    __slots__ = ("version", "output_of", "data")

    def __init__(self, tensor, version, output_of=None, data=None):
        self.version, self.output_of = version, output_of
        self.data = data if tensor is None else tensor._data


# ----------------------------------------------------------------- the recording side
class PendingJoint:
    """A recording call's forward, waiting for the backward that completes its recording."""

    def __init__(self, compiled, entry, recording, outputs, tree, sources):
        self.compiled, self.entry, self.recording = compiled, entry, recording
        self.outputs, self.tree, self.sources = outputs, tree, sources
        self.pattern = None  # which outputs got a gradient in the recorded backward

    def can_record(self):
        return self.recording.failure is None and _recording.current() is None

    def record_backward(self, sinks, inner, grads):
        recording = self.recording
        self.pattern = tuple(grad is not None for grad in grads)
        with recording_into(recording):
            for output_nr, grad in enumerate(grads):
                if grad is not None:
                    recording.load_array(output_nr, grad._data)
            result = gradients_at(sinks, inner, grads, False)
            slots = []
            for grad in result:
                try:
                    slots.append(None if grad is None else recording.slot_of_tensor(grad))
                except NotReplayable as error:
                    recording.fail(str(error), "backward", recoverable=False)
        self.entry.waiting.discard(self)
        self.compiled.joint_recorded(self, tuple(slots))
        return result


def start_joint(compiled, entry, recording, outputs, tree, result, tensors, aliases):
    """The recording call's forward is done: hand out its result on a ``RecordingBackward`` node."""
    recording.forward_end = len(recording.instructions)
    # what a backward reads of a value the forward wrote into is its value now, not the one kept for the forward
    recording.values_after_forward = {slot: array.copy(order="K") for slot, array in recording.written.items()}
    inner = [tensor for tensor, _, _ in recording.graph_outputs.values()]  # in the order of their output numbers
    sinks = _sinks(inner)
    sources = []
    for sink in sinks:
        if sink.__class__ is BoundaryNode:
            sources.append(ArgSource(sink.position))
        elif _read_from_outside(sink.variable, recording):
            sources.append(ObjectSource(sink.variable))
        else:
            recording.fail("a gradient would land on a leaf created inside the compiled function; pass it in",
                           "return value", recoverable=False)
    if recording.failure is not None:
        compiled.stay_eager(entry, recording.failure)
    pending = PendingJoint(compiled, entry, recording, outputs, tree, tuple(sources))
    node = RecordingBackward(inner, sinks, pending if recording.failure is None else None)
    entry.waiting.add(pending)
    mapping = {id(tensor): node.output(tensor._data, nr) for nr, tensor in enumerate(inner)}
    recording.alive.append(inner)
    if aliases is not None:
        mapping.update((id(alias), tensor) for alias, tensor in zip(aliases, tensors) if alias is not tensor)
    return substituted(result, mapping)


def _read_from_outside(leaf, recording):
    """Whether the call read ``leaf`` rather than made it (a parameter, not a tensor created inside)."""
    key = id(leaf._data)
    return key in recording.slot_of and key not in recording.made and key not in recording.constants


def substituted(value, mapping):
    """``value`` with each tensor found in ``mapping`` (by identity) replaced."""
    if isinstance(value, Tensor):
        return mapping.get(id(value), value)
    if value.__class__ is tuple or value.__class__ is list:
        return value.__class__(substituted(v, mapping) for v in value)
    if value.__class__ is dict:
        return {k: substituted(v, mapping) for k, v in value.items()}
    return value


# ----------------------------------------------------------------- the replay side
class JointPlan:
    """A forward plan that makes a ``CompiledBackward`` node, and the backward plans that node runs."""

    def __init__(self, pending, grad_slots, label):
        recording, outputs = pending.recording, pending.outputs
        values = recording.values
        forward = recording.instructions[:recording.forward_end]
        backward = eliminate_dead_code(recording.instructions[recording.forward_end:],
                                       [s for s in grad_slots if s is not None])
        made = {slot: instruction for instruction in forward for slot in instruction.makes()}
        read = list(dict.fromkeys(slot for instruction in backward for slot in instruction.reads() if slot in made))
        saved = [slot for slot in read if made[slot].__class__ is not Const]
        self.count = count = len(recording.graph_outputs)
        prologue = [Load(slot, ArraySource(count + position), None) for position, slot in enumerate(saved)]
        prologue += [made[slot] for slot in read if made[slot].__class__ is Const]
        self._saved_slots = saved
        self._sources = pending.sources
        self._fixed_edges = None if any(s.__class__ is ArgSource for s in pending.sources) else \
            tuple((accumulator_of(s.tensor), 0) for s in pending.sources)
        self._watched_loads = [(made[slot].source, position) for position, slot in enumerate(saved)
                               if made[slot].__class__ is Load]
        graph_outputs = {o.output_nr: o.slot for o in outputs if o.__class__ is ReturnGraph}
        self._watched_outputs = _outputs_sharing_memory(values, graph_outputs, saved, count)
        self.output_likes = {nr: np.broadcast_to(np.zeros((), values[slot].dtype), values[slot].shape)
                             for nr, slot in graph_outputs.items()}  # shape and dtype, for the error message
        self.draws = any(i.__class__ is Traced and (i.fn in STATEFUL or getattr(i.fn, "stateful", False))
                         for i in forward)
        self._modules_called = [module for module, _, _ in recording.modules.values()]
        self.cotangents = {nr: (values[slot].shape, values[slot].dtype) for nr, slot in graph_outputs.items()}
        self._fn, self.label = pending.compiled._fn, label
        self._positions = [position for _, position, _ in recording.graph_outputs.values()]  # among returned tensors
        self.forward = Plan(forward, values, outputs, pending.tree, label, grad_guards=recording.grad_guards.values(),
                            modules=recording.modules.values(), saved=saved, make_node=self.make_node)
        tree = (tuple, [("out", kept, True) if slot is not None else ("value", None)
                        for kept, slot in _numbered(grad_slots)])
        returned = [ReturnSlot(slot) for slot in grad_slots if slot is not None]
        pattern = pending.pattern
        self.backwards = {pattern: Plan(prologue + backward, values, returned, tree, label + ":backward")}
        self.forward.verify(values, recording.final_values)
        after_forward = list(values)
        for slot, value in recording.values_after_forward.items():
            after_forward[slot] = value
        self.backwards[pattern].verify(after_forward, {slot: values[slot] for slot in grad_slots if slot is not None})
        self.guards, self.grad_guards = self.forward.guards, self.forward.grad_guards
        self.modules = self.forward.modules
        self.instructions = self.forward.instructions + self.backwards[pattern].instructions
        self.recorded_count = len(recording.instructions)
        self.source = self.forward.source + self.backwards[pattern].source
        self._warned = False

    # ------------------------------------------------------------- each call
    def admits(self):
        return self.forward.admits()

    def replay(self, tensors, call):
        if self.draws:
            call = call + (_random.default_generator.get_state(),)
        return self.forward.replay(tensors, call)

    def make_node(self, tensors, call, saved):
        """The node the forward's outputs carry: edges to the call's inputs, the saved values, their versions."""
        node = CompiledBackward.__new__(CompiledBackward)
        edges = self._fixed_edges
        if edges is None:
            edges = tuple(_edge(tensors[s.position]) if s.__class__ is ArgSource else (accumulator_of(s.tensor), 0)
                          for s in self._sources)
        Node.__init__(node, edges, saved, (), None)
        node.num_outputs = self.count
        node._joint = self
        node._call = (tensors,) + call
        node._counters = None if self._watched_outputs is None else [[0] if w else None for w in self._watched_outputs]
        versions = []
        for source, _ in self._watched_loads:
            owner = tensors[source.position] if source.__class__ is ArgSource else source.tensor
            versions.append((owner._version_counter, owner._version_counter[0], owner))
        node._versions = versions
        return node

    def cotangents_match(self, grads):
        for nr, grad in enumerate(grads):
            if grad is not None:
                data = grad._data
                shape, dtype = self.cotangents[nr]
                if data.__class__ is not np.ndarray or data.shape != shape or data.dtype != dtype:
                    return False
        return True

    # ------------------------------------------------------------- eager's graph, computed again
    def eager_backward(self, node, grads):
        """Run the call again eagerly on the same inputs (and random draws) and differentiate eager's graph."""
        if not self._warned:
            self._warned = True
            why = "create_graph=True" if _grad_state.enabled else "gradients for other outputs than recorded"
            warnings.warn(f"chainrule.compile({self.label}): a backward with {why} computes the forward "
                          "again eagerly and differentiates eager's graph", UserWarning, stacklevel=2)
        tensors, args, kwargs = node._call[:3]
        aliases = [boundary_alias(t, p) if t._requires_grad else t for p, t in enumerate(tensors)]
        generator = _random.default_generator
        now = generator.get_state() if self.draws else None
        if self.draws:
            generator.set_state(node._call[3])
        buffers = [(b, b._data.copy()) for m in self._modules_called for b in m._buffers.values() if b is not None]
        try:
            mapping = {id(tensor): alias for tensor, alias in zip(tensors, aliases)}
            with grad_mode.enable_grad():
                result = self._fn(*substituted(args, mapping), **substituted(kwargs, mapping))
        finally:
            for buffer, data in buffers:  # running statistics moved once already, by the forward
                np.copyto(buffer._data, data)
            if now is not None:
                generator.set_state(now)
        found = []
        _tensors_in(result, found)
        inner = [found[position] for position in self._positions]
        sinks = [aliases[s.position]._grad_fn if s.__class__ is ArgSource else accumulator_of(s.tensor)
                 for s in self._sources]
        return gradients_at(sinks, inner, grads, _grad_state.enabled)


def _outputs_sharing_memory(values, graph_outputs, saved, count):
    """For each output, whether the backward reads its memory (writing into it is then an error, as in eager)."""
    watched = [False] * count
    for nr, slot in graph_outputs.items():
        watched[nr] = any(np.may_share_memory(values[slot], values[s]) for s in saved)
    return watched if any(watched) else None


def _tensors_in(value, found):
    if isinstance(value, Tensor):
        found.append(value)
    elif value.__class__ in (tuple, list):
        for v in value:
            _tensors_in(v, found)
    elif value.__class__ is dict:
        for v in value.values():
            _tensors_in(v, found)


def _numbered(slots):
    kept = 0
    for slot in slots:
        yield kept, slot
        if slot is not None:
            kept += 1
