"""Recording one eager call as a flat list of array instructions.

While a compiled function runs eagerly, the recorder sees every array its ops compute: the op's
inputs become slots, a kernel (``kernels.py``) says how to recompute the output, and the few
Python-level effects a training step has (a gradient landing on a leaf, an optimizer step) become
instructions too. Backward needs nothing special: the engine runs vjps, which are chainrule ops.

Anything the recorder cannot replay faithfully (an op without a kernel, a tensor made by untracked
code, a value leaving for Python control flow) stops the recording with a reason and the user's
source line; that call signature then stays eager.
"""

import sys

import numpy as np

from .. import _recording
from .._array import is_array, namespace_of
from .._ops._op import OUTPUT
from .._tensor import Tensor, make_tensor
from .._autograd import grad_mode
from .._autograd.graph import next_sequence_nr
from .ir import (AddInto, ArgSource, ArraySource, Call, Const, ConstRef, GradSource, Load, NestedRef,
                 ObjectSource, Opaque, SetGrad, SlotRef, Traced, Write)
from .hooks import recording_into, user_site
from .kernels import Constant, build_kernel, fresh_gradient
from .plan import has_effects, module_members
from .units import Unit, call_arguments, flatten_tensors, internal_arrays, unit_codes

__all__ = ["Recording", "NotReplayable", "user_site", "recording_into"]

# code that wraps new arrays holding only values fixed by shape (ones, zeros), never read from data
_CONSTANT_MODULES = ("chainrule._creation", "chainrule._autograd", "chainrule.autograd")
_CONSTANT_FUNCTIONS = ("zeros_like_grad", "_eye", "_mask", "_causal_hint_mask")


class NotReplayable(Exception):
    """Why a recording cannot become a plan."""


def _writes_into_arguments(fn):
    """Whether op ``fn`` writes into a tensor it is given: an in-place method (``add_``, ``__iadd__``) or
    index assignment."""
    return fn.__name__.endswith("_") or fn.__name__ == "setitem"


def _owner(array):
    """The array at the end of ``array``'s chain of bases: the one whose memory it views."""
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


class Recording:
    """The instructions of one call, and what the plan must guard.

    Instructions and operands are the named tuples of ``ir.py``.
    """

    def __init__(self, arg_tensors, follows_units, read_before):
        # Following the op calls in progress (units) costs a hook on every Python call, several times the
        # eager call for small steps. A recording without it cannot replay an op as a whole call, nor see an
        # op return a value read from data: it is made only to repeat a recording that needed neither, and a
        # failure it could have recovered from only asks for a recording that follows units
        # (``wants_units``).
        self.follows_units = follows_units
        self.wants_units = False
        self.instructions = []
        self.values = []  # slot -> the eager value when it was made (what a replay must reproduce)
        self.slot_of = {}  # id(array) -> slot
        self.alive = []  # every array seen, so no id is reused while recording
        self.views = {}  # id of the array owning some memory -> slots whose values are views of it, by reference
        self.arg_position = {id(t): i for i, t in enumerate(arg_tensors)}
        self.made = {}  # id(array) -> where untracked code wrapped it as a tensor during the call
        self.constants = {}  # id(array) -> ones/zeros made during the call
        self.loaded = {}  # id(tensor) -> slot, tensors read from outside the call
        self.grad_guards = {}  # id(tensor) -> (tensor, grad was None) where gradients land before any opaque call
        self.grads_assigned = set()  # ids of tensors whose .grad the function assigned: their state is its own
        self.modules = {}  # id(module) -> (module, its training flag when called)
        self.units = []  # the op calls in progress, innermost last
        # id(array) -> a tensor passed to the call, or to an op, before anything read it: an op may use its array.
        # ``read_before``: the tensors from outside an earlier recording read (without units, ops are not seen)
        self.unread_arguments = {id(t._data): t for t in (*read_before, *arg_tensors)}
        self.unit_codes = unit_codes()
        self.discarded = set()  # slots made inside an op that is replayed as a whole call
        self.outside = set()  # ids of the arrays read from tensors that exist before the call
        self.reread = set()  # slots that read a tensor or a constant: read again if an op's call discards them
        self.failure = None
        self.ran_backward = False
        self.saw_opaque = False
        self.final_values = {}  # slot -> a returned value as it was when the function returned
        self.written = {}  # slot -> its live array, for the slots written in place (``before_write``)
        self.python_values = {}  # id(number) -> (number, slot, where): floats read out, fine if only returned
        self.returned = 0  # tensors met so far in the returned value
        self.graph_outputs = {}  # id(tensor) -> (tensor, its position among those, output number): returned
        # tensors that need gradients; their backward is recorded too, from ``forward_end`` on (joint.py)
        self.forward_end = None

    # ----------------------------------------------------------------- failing
    def fail(self, reason, site=None, recoverable=True):
        """Stop the recording, unless an enclosing op can be replayed as a whole call instead."""
        if recoverable:
            for unit in reversed(self.units):
                if self._callable(unit):
                    if unit.reason is None:
                        unit.reason = reason
                    return
            if self.failure is None and not self.follows_units:
                self.wants_units = True
        if self.failure is None:
            self.failure = f"{site or user_site()}: {reason}"

    # ----------------------------------------------------------------- ops replayed as whole calls
    def enter_unit(self, frame, fn):
        """An op call begins (the hooks of ``hooks.py`` call this and ``leave_unit``)."""
        positional, keywords = call_arguments(frame)
        found = []
        arguments, keyword_structure = flatten_tensors(positional, found), flatten_tensors(keywords, found)
        reachable = not (_holds_number_from_data(arguments) or keywords and _holds_number_from_data(keyword_structure))
        # A tensor not read yet is read where an op first uses it, as in a recording that follows no units
        # (so that both agree); only for an op called whole is it read before the call (``leave_unit``), with the
        # value it has now: kept now if the op may write into it, else known unchanged by its version.
        writes = _writes_into_arguments(fn) or "out" in keywords
        slot_of, discarded = self.slot_of, self.discarded
        versions = []
        unread = {}
        for value in found:
            if not isinstance(value, Tensor):
                versions.append(None)
                if reachable:
                    try:
                        reachable = self.operand(value) is not None
                    except NotReplayable:
                        reachable = False
                continue
            versions.append(value._version)
            if reachable:
                slot = slot_of.get(id(value._data))
                if slot is None or slot in discarded:
                    reachable = self._readable(value)
                    unread[id(value)] = value._data.copy(order="K") if writes else None
                    self.unread_arguments[id(value._data)] = value
        unit = _ActiveUnit(frame, fn, arguments, keyword_structure, reachable, len(self.instructions),
                           len(self.values))
        unit.found = found
        unit.versions = versions
        unit.unread = unread
        unit.grad_enabled = grad_mode._state.enabled
        unit.first_node = next_sequence_nr()
        self.units.append(unit)

    def _readable(self, tensor):
        """Whether ``slot_of_tensor`` can read ``tensor`` (asked without reading it)."""
        array = tensor._data
        slot = self.slot_of.get(id(array))
        if slot is not None and slot in self.discarded and slot not in self.reread:
            return False
        if id(array) in self.constants:
            return True
        if id(array) in self.made:
            return False
        return tensor._grad_fn is None or id(tensor) in self.arg_position

    def _written_unkept(self, unit):
        """Whether a tensor the op read first inside itself, its value not kept at the call, was written since."""
        for value, version in zip(unit.found, unit.versions):
            if version is not None and id(value) in unit.unread and unit.unread[id(value)] is None and \
                    value._version != version:
                return True
        return False

    def leave_unit(self, unit, result):
        found = []
        structure = flatten_tensors(result, found)
        arrays = [t._data if isinstance(t, Tensor) else t for t in found]
        if unit.reason is None and any(id(a) in self.made and id(a) not in self.slot_of for a in arrays):
            unit.reason = "it returns a tensor it made itself"
        if unit.reason is None and not _returns_python_data(structure):
            return
        if unit.reason is None:
            self.fail(f"{getattr(unit.fn, '__qualname__', 'an op')} returns a Python value computed from tensor "
                      "data, which the code after it may depend on", user_site())
            return
        if not self._callable(unit) or self._written_unkept(unit):
            self.fail(unit.reason, user_site())  # not callable again: the enclosing op, if any, is
            return
        inner = self.instructions[unit.start:]
        effect = any(has_effects(i) for i in inner) or _writes_into_arguments(unit.fn) or any(
            isinstance(v, Tensor) and v._version != version for v, version in zip(unit.found, unit.versions))
        stateful = any(i.__class__ is Traced and (i.fn in _recording.STATEFUL or getattr(i.fn, "stateful", False))
                       for i in inner)
        del self.instructions[unit.start:]
        self.discarded.update(range(unit.first_slot, len(self.values)))
        try:
            refs = [self.slot_of_tensor(v, unit.unread.get(id(v))) if isinstance(v, Tensor) else self.slot_of[id(v)]
                    for v in unit.found]
        except NotReplayable as error:
            self.fail(str(error), user_site())
            return
        slots = [self._new_slot(t._data if isinstance(t, Tensor) else t)[0] for t in found]
        grad = None
        if unit.grad_enabled and not effect and any(isinstance(t, Tensor) and t._grad_fn is not None for t in found):
            # later derivative rules read what the op's nodes saved: return those values too
            internals = internal_arrays(found, unit.first_node)
            positions = []
            for position, array in enumerate(internals):
                known = self.slot_of.get(id(array))
                if known is None or known in self.discarded:
                    positions.append(position)
                    slots.append(self._new_slot(array)[0])
            requires = tuple(isinstance(v, Tensor) and v._requires_grad for v in unit.found)
            grad = (requires, positions) if positions else None
        kinds = tuple("T" if isinstance(v, Tensor) else "A" for v in unit.found)
        call = Unit(unit.fn, unit.arguments, unit.keywords, structure, kinds, len(slots), grad)
        call.effect = effect  # a draw inside is an effect too (``has_effects``)
        call.stateful = stateful
        call.bumps = tuple((self.ref_of(v), v._version - version) for v, version in zip(unit.found, unit.versions)
                           if isinstance(v, Tensor) and v._version != version
                           and (id(v) in self.loaded or id(v) in self.arg_position))
        self.instructions.append(Traced(tuple(slots), call, tuple(SlotRef(r) for r in refs), None,
                                        f"{call.__name__} (called whole: {unit.reason})", user_site(),
                                        unpack=len(slots) > 1))

    def _callable(self, unit):
        """Whether ``unit`` can be called again: its arguments were all values the replay has when it began."""
        return unit.callable

    # ----------------------------------------------------------------- slots
    def _new_slot(self, array, copy=False, value=None):
        """A slot for ``array``. Its value is kept for verification: as a copy for an array read from
        outside (or a view of one: an optimizer step may change it later), by reference for a fresh
        result (a write into it copies it first, see ``before_write``); ``value``: that copy, made earlier."""
        if array.__class__ is not np.ndarray:
            if is_array(array) and namespace_of(array).device_type != "cpu":
                self.fail(f"a tensor on {namespace_of(array).device_type} is used, and compiled replays run on the "
                          "CPU only", recoverable=False)
            else:
                array = np.asarray(array)
        slot = len(self.values)
        if copy:
            self.outside.add(id(array))
        else:
            base = array.base
            while base is not None and not copy:  # memory owned by something else (numba's) ends the chain
                copy = id(base) in self.outside
                base = getattr(base, "base", None)
        kept = value if value is not None else array.copy(order="K") if copy else array
        self.values.append(kept)
        if kept is array and array.base is not None:  # a view: a later write into its memory must not change it
            self.views.setdefault(id(_owner(array)), []).append(slot)
        self.slot_of[id(array)] = slot
        self.alive.append(array)
        return slot, array

    def slot_of_tensor(self, tensor, value=None):
        """The slot holding ``tensor``'s array, reading it (a constant, or a tensor from outside) if needed;
        ``value``: what a tensor from outside held when an op called whole began, if it may have changed."""
        array = tensor._data
        slot = self.slot_of.get(id(array))
        if slot is not None:
            if slot not in self.discarded:
                return slot
            if slot not in self.reread:
                raise NotReplayable("a value computed inside an op that is replayed as a whole call is used")
        if id(array) in self.constants:
            return self._constant_slot(array, value)
        if id(array) in self.made:
            raise NotReplayable(f"{self.made[id(array)]} made a tensor the compiled replay cannot recompute")
        position = self.arg_position.get(id(tensor))
        if tensor._grad_fn is not None and position is None:  # an argument with history comes through a boundary
            raise NotReplayable("a tensor with autograd history from outside the compiled function is used; "
                                "pass its inputs instead")
        ref = ArgSource(position) if position is not None else ObjectSource(tensor)
        slot, _ = self._new_slot(array, copy=True, value=value)
        self.reread.add(slot)
        guard = None if position is not None else (array.shape, array.dtype, tensor._requires_grad)
        self.instructions.append(Load(slot, ref, guard))
        self.loaded[id(tensor)] = slot
        return slot

    def _constant_slot(self, array, value=None):
        """A slot for ones or zeros made during the call; the plan keeps a copy, since the function may
        write into the array or return it. ``value``: what it held when an op called whole began."""
        slot, _ = self._new_slot(array, value=value)
        self.reread.add(slot)
        self.instructions.append(Const(slot, (array if value is None else value).copy(order="K")))
        return slot

    def load_array(self, position, array):
        """Read plain array ``position`` of the replay's inputs (a gradient flowing into a compiled backward).

        Its value is kept by reference, in its own layout: the recording is checked before the array moves on."""
        slot, _ = self._new_slot(array)
        self.reread.add(slot)
        self.instructions.append(Load(slot, ArraySource(position), None))
        return slot

    def operand(self, value):
        if isinstance(value, Tensor):
            return SlotRef(self.slot_of_tensor(value))
        if isinstance(value, Constant):
            return ConstRef(value.value)
        if isinstance(value, np.ndarray):
            slot = self.slot_of.get(id(value))
            if slot is None or slot in self.discarded:
                owner = self.unread_arguments.get(id(value))  # the array of a tensor passed in: read it
                if owner is not None:
                    slot = self.slot_of_tensor(owner)
                elif id(value) in self.constants:
                    slot = self._constant_slot(value)
                else:
                    raise NotReplayable("an array computed outside the recorded ops is used")
            return SlotRef(slot)
        if value.__class__ in (list, tuple) and any(isinstance(v, (Tensor, np.ndarray, list, tuple)) for v in value):
            refs = tuple(self.operand(v) for v in value)  # an index key holding index arrays, a list of tensors
            return NestedRef(value.__class__, refs) if any(r.__class__ is not ConstRef for r in refs) else \
                ConstRef(value)
        return ConstRef(None if value is OUTPUT else value)

    def _emit(self, fn, operands, output, template, name):
        refs = tuple(self.operand(v) for v in operands)
        slot, _ = self._new_slot(output)
        self.instructions.append(Call(slot, fn, refs, template, name, user_site()))

    # ----------------------------------------------------------------- hooks called by eager code
    def op(self, out, node_class, inputs, saved, args):
        """``record`` made ``out``: note how to recompute it."""
        if self.failure is not None:
            return
        data = out._data
        if id(data) in self.slot_of:  # already computed by a traced call
            return
        try:
            kernel = build_kernel(data, node_class, inputs, saved, args)
            if kernel is None:
                raise NotReplayable(f"{node_class.__name__[:-9] or node_class.__name__} "
                                    f"({node_class.__name__}) has no compiled kernel for these inputs")
            self._emit(kernel.fn, kernel.operands, data, kernel.template, node_class.__name__)
        except NotReplayable as error:
            self.made[id(data)] = node_class.__name__  # a value the replay cannot make by itself
            self.alive.append(data)
            self.fail(str(error), user_site())

    def traced(self, fn, operands):
        arrays = [value._data if isinstance(value, Tensor) else value for value in operands]
        refs = None
        if self.failure is None:  # read before the call: it may write into some (``writes``)
            try:
                refs = tuple(self.operand(v) for v in operands)
            except NotReplayable as error:
                self.fail(str(error), user_site())
            for position in getattr(fn, "writes", ()):
                if isinstance(operands[position], Tensor):
                    self.before_write(operands[position])
        result = fn(*arrays)
        if self.failure is not None:
            return result
        outputs = result if isinstance(result, tuple) else (result,)
        kept = []
        for value in outputs:
            kept.append(value if value is None or value.__class__ in (int, float) else np.asarray(value))
        self._emit_traced(fn, refs, kept, isinstance(result, tuple))
        if isinstance(result, tuple):
            return tuple(kept)
        (value,) = kept
        return value

    def _emit_traced(self, fn, refs, outputs, unpack):
        slots = []
        for value in outputs:
            if isinstance(value, np.ndarray):
                slots.append(self._new_slot(value)[0])
            else:
                slots.append(ConstRef(value))  # a number fixed by shapes (a count): compared between recordings
        self.instructions.append(Traced(tuple(slots), fn, refs, None, fn.__name__, user_site(), unpack))

    def made_tensor(self, tensor):
        """``make_tensor`` wrapped an array outside ``record``."""
        array = tensor._data
        if id(array) in self.slot_of or id(array) in self.made or id(array) in self.constants:
            return
        unread = self.unread_arguments.get(id(array))
        if unread is not None:  # an op's argument not read yet, wrapped again: the same array, read now
            try:
                self.slot_of_tensor(unread)
                return
            except NotReplayable:
                pass
        caller = sys._getframe(2)
        if caller.f_code in _ALIASING:  # detach() / .data: the same array as a tensor the replay can read
            try:
                self.slot_of_tensor(caller.f_locals["self"])
                return
            except NotReplayable:
                pass
        self.alive.append(array)
        if caller.f_globals.get("__name__", "").startswith(_CONSTANT_MODULES) or \
                caller.f_code.co_name in _CONSTANT_FUNCTIONS:
            self.constants[id(array)] = array
        else:
            self.made[id(array)] = f"{caller.f_globals.get('__name__')}.{caller.f_code.co_name}"

    def accumulate(self, leaf, grad_array, target_dtype):
        """The engine adds a gradient into ``leaf.grad`` (grad mode off): do it, note it and return True; False
        leaves it to the engine (the recording has stopped)."""
        self.ran_backward = True
        if self.failure is not None:
            return False  # nothing more is recorded: the engine accumulates as in eager
        current = leaf._grad
        try:
            source = self.operand_slot(grad_array)
            ref = self.ref_of(leaf)
            if ref.__class__ is ObjectSource and not self.saw_opaque and id(leaf) not in self.grads_assigned:
                self.grad_guards.setdefault(id(leaf), (leaf, current is None))
            if current is None:
                fresh = fresh_gradient(grad_array, target_dtype)
                slot = self._emit_fresh(fresh, source, target_dtype)
                leaf._grad = _wrap(fresh)
                self.instructions.append(SetGrad(ref, slot))
                return True
            if current._grad_fn is not None or current._requires_grad or not current._data.flags.writeable:
                raise NotReplayable("a gradient with its own graph is accumulated")
            target = self.slot_of.get(id(current._data))
            if target is None:  # read through the leaf at replay: whichever tensor is its .grad then
                target, _ = self._new_slot(current._data, copy=True)
                self.instructions.append(Load(target, GradSource(ref), None))
            np.add(current._data, grad_array, out=current._data, casting="unsafe")
            check, _ = self._new_slot(current._data.copy())  # the sum, for verification only
            self.instructions.append(AddInto(target, source, check))
            return True
        except NotReplayable as error:  # raised before anything changed: the engine accumulates as in eager
            self.fail(str(error), user_site(), recoverable=False)
            return False

    def operand_slot(self, array):
        slot = self.slot_of.get(id(array))
        if slot is None or slot in self.discarded:
            raise NotReplayable("a value computed outside the recorded ops is written")
        return slot

    def _emit_fresh(self, fresh, source, dtype):
        slot, _ = self._new_slot(fresh)
        self.instructions.append(Call(slot, fresh_gradient, (SlotRef(source), ConstRef(dtype)), None,
                                  "AccumulateGrad", user_site()))
        return slot

    def ref_of(self, tensor):
        position = self.arg_position.get(id(tensor))
        if position is not None:
            return ArgSource(position)
        if id(tensor._data) in self.made or id(tensor._data) in self.constants:
            raise NotReplayable("a gradient lands on a leaf created inside the compiled function; pass it in")
        if id(tensor) in self.loaded or tensor._grad_fn is None:
            return ObjectSource(tensor)
        raise NotReplayable("a gradient lands on a tensor created inside the compiled function")

    def write(self, tensor, result):
        """An in-place op is about to copy ``result`` into ``tensor``'s array: note the write."""
        if self.failure is not None:
            return
        try:
            outside = id(tensor._data) not in self.slot_of
            if outside and result._grad_fn is not None:
                raise NotReplayable("an in-place op gives a tensor from outside the compiled function a graph")
            target = self.slot_of_tensor(tensor)
            self.before_write(tensor)
            source = self.operand_slot(result._data)
            ref = self.ref_of(tensor) if id(tensor) in self.loaded or id(tensor) in self.arg_position else None
            after = tensor._data.copy()
            np.copyto(after, result._data, casting="unsafe")
            check, _ = self._new_slot(after)  # the value after the write, for verification only
            self.instructions.append(Write(target, source, ref, check))
        except NotReplayable as error:
            self.fail(str(error), user_site())

    def before_write(self, tensor):
        """``tensor``'s array (and any array it views, or that views it) is about to change: keep the values
        they had."""
        array = tensor._data
        for slot in self.views.get(id(_owner(array)), ()):
            view = self.values[slot]
            if view.base is not None and np.may_share_memory(view, array):  # not copied yet, and overlapping
                self.values[slot] = view.copy(order="K")
        while array is not None:
            slot = self.slot_of.get(id(array))
            if slot is not None:
                self.written[slot] = array
                if self.values[slot] is array:
                    self.values[slot] = array.copy(order="K")
            array = getattr(array, "base", None)  # numba-owned memory ends the chain

    def opaque(self, method, args, kwargs):
        """A stateful method (``optimizer.step``): run it unrecorded now, and again on every replay."""
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, Tensor) and id(value._data) in self.slot_of:
                self.fail(f"{method.__qualname__} receives a tensor computed inside the compiled function",
                          recoverable=False)
        self.instructions.append(Opaque(method, args, kwargs))
        self.saw_opaque = True
        with _recording.paused():
            result = method(*args, **kwargs)
        if result is not None:
            self.fail(f"the value {method.__qualname__} returns is not replayed", recoverable=False)
        return result

    def set_grad(self, tensor, value):
        """User code assigns ``tensor.grad``."""
        self.grads_assigned.add(id(tensor))
        try:
            ref = self.ref_of(tensor)
            slot = None if value is None else self.slot_of_tensor(value)
            self.instructions.append(SetGrad(ref, slot))
        except NotReplayable as error:
            self.fail(str(error), user_site(), recoverable=False)

    def to_python(self, tensor, what, value=None):
        """A tensor's value leaves for Python (``.item()``, ``bool()``).

        A float from ``.item()`` or ``float()`` that the function only returns is replayed (the plan
        converts again); checked when the call returns (``python_values``). Any other use, or any other
        conversion, could steer Python code, so the call stays eager.
        """
        if id(tensor._data) in self.constants:
            return  # ones or zeros made here: their value is fixed
        try:
            slot = self.slot_of_tensor(tensor)  # a tensor from outside counts too: its value may change
        except NotReplayable:
            slot = None
        if value is not None and not self.units and slot is not None:
            self.python_values[id(value)] = (value, slot, f"{what} ({user_site()})")
            return
        self.fail(f"{what} reads a tensor's value into Python, and the code after it may depend on that value, "
                  "so this call stays eager (return the tensor, or return the number itself)", user_site())

    def module_called(self, module):
        if id(module) not in self.modules:  # its mode, and which tensors are its parameters and buffers
            self.modules[id(module)] = (module, module.training, module_members(module))


_ALIASING = (Tensor.detach.__code__, Tensor.data.fget.__code__)


class _ActiveUnit:
    """An op call in progress: where its instructions start, and why it must be called whole (if it must)."""

    __slots__ = ("frame", "fn", "arguments", "keywords", "callable", "start", "first_slot", "reason", "found",
                 "grad_enabled", "first_node", "versions", "unread")

    def __init__(self, frame, fn, arguments, keywords, callable, start, first_slot):
        self.frame, self.fn, self.arguments, self.keywords = frame, fn, arguments, keywords
        self.callable, self.start, self.first_slot, self.reason = callable, start, first_slot, None


def _holds_number_from_data(structure):
    """A NumPy scalar among an op's arguments was read out of some array: it cannot be taken as fixed."""
    kind, content = structure
    if kind == "v":
        return isinstance(content, np.generic)
    if kind in ("T", "A"):
        return False
    return any(map(_holds_number_from_data, _children(kind, content)))


def _returns_python_data(structure):
    """True when an op's result holds a bool (``equal``, ``allclose``): a decision read from the data."""
    kind, content = structure
    if kind == "v":
        return content.__class__ is bool or isinstance(content, np.generic)
    if kind in ("T", "A"):
        return False
    return any(map(_returns_python_data, _children(kind, content)))


def _children(kind, content):
    """The structures inside a list, tuple or dict structure (a dict's are its values')."""
    return (child for _, child in content) if kind is dict else content


def _wrap(array):
    return make_tensor(array)
