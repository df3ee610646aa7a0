"""Recording one eager call as a flat list of array instructions.

While a compiled function runs eagerly, the recorder sees every array its ops compute: the op's
inputs become slots, a kernel (``kernels.py``) says how to recompute the output, and the few
Python-level effects a training step has (a gradient landing on a leaf, an optimizer step) become
instructions too. Backward needs nothing special: the engine runs vjps, which are chainrule ops.

Anything the recorder cannot replay faithfully (an op without a kernel, a tensor made by untracked
code, a value leaving for Python control flow) stops the recording with a reason and the user's
source line; that call signature then stays eager.
"""

import os
import sys

import numpy as np

from .. import _recording
from .._ops._op import OUTPUT
from .._tensor import Tensor
from . import fusion
from .fusion import ELEMENTWISE
from .kernels import build_kernel

__all__ = ["Recording", "NotReplayable", "user_site"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# code that wraps new arrays holding only values fixed by shape (ones, zeros), never read from data
_CONSTANT_MODULES = ("chainrule._creation", "chainrule.autograd")
_CONSTANT_FUNCTIONS = ("zeros_like_grad",)


class NotReplayable(Exception):
    """Why a recording cannot become a plan."""


_INSIDE = {}


def _inside_chainrule(filename):
    inside = _INSIDE.get(filename)
    if inside is None:
        inside = _INSIDE[filename] = os.path.abspath(filename).startswith(_PACKAGE_DIR)
    return inside


def user_site(depth=2):
    """``file:line`` of the innermost frame outside chainrule: where the user wrote the op."""
    frame = sys._getframe(depth)
    while frame is not None and _inside_chainrule(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


class Recording:
    """The instructions of one call, and what the plan must guard.

    Instructions are tuples whose first item names their kind:
    ``("load", slot, ref)`` reads a tensor that exists before the call (``ref`` is ``("arg", i)`` or
    ``("obj", tensor)``); ``("op", slots, fn, operands, template, name, site)`` computes new slots;
    ``("add_into", target, source)`` adds in place; ``("grad", ref, slot)`` sets ``.grad``;
    ``("opaque", fn, args, kwargs)`` calls Python again. Operands are ``("s", slot)`` or ``("c", value)``.
    """

    def __init__(self, arg_tensors):
        self.instructions = []
        self.values = []  # slot -> the eager value, copied when it was made (what replay must reproduce)
        self.slot_of = {}  # id(array) -> slot
        self.alive = []  # every array seen, so no id is reused while recording
        self.arg_position = {id(t): i for i, t in enumerate(arg_tensors)}
        self.made = {}  # id(array) -> where untracked code wrapped it as a tensor during the call
        self.constants = {}  # id(array) -> ones/zeros made during the call
        self.loaded = {}  # id(tensor) -> slot, tensors read from outside the call
        self.guards = []  # (tensor, shape, dtype, requires_grad) of tensors read from outside
        self.grad_guards = {}  # id(tensor) -> (tensor, grad was None) where gradients land before any opaque call
        self.modules = {}
        self.failure = None
        self.ran_backward = False

    # ----------------------------------------------------------------- failing
    def fail(self, reason, site=None):
        if self.failure is None:
            self.failure = f"{site or user_site(3)}: {reason}"

    # ----------------------------------------------------------------- slots
    def _new_slot(self, array):
        array = array if array.__class__ is np.ndarray else np.asarray(array)
        slot = len(self.values)
        self.values.append(array.copy())
        self.slot_of[id(array)] = slot
        self.alive.append(array)
        return slot, array

    def slot_of_tensor(self, tensor):
        array = tensor._data
        slot = self.slot_of.get(id(array))
        if slot is not None:
            return slot
        if id(array) in self.constants:
            slot, _ = self._new_slot(array)
            self.instructions.append(("const", slot, array))
            return slot
        if id(array) in self.made:
            raise NotReplayable(f"{self.made[id(array)]} made a tensor the compiled replay cannot recompute")
        if tensor._grad_fn is not None:
            raise NotReplayable("a tensor with autograd history from outside the compiled function is used; "
                                "pass its inputs instead")
        position = self.arg_position.get(id(tensor))
        ref = ("arg", position) if position is not None else ("obj", tensor)
        slot, _ = self._new_slot(array)
        self.instructions.append(("load", slot, ref))
        self.loaded[id(tensor)] = slot
        if position is None:
            self.guards.append((tensor, array.shape, array.dtype, tensor._requires_grad))
        return slot

    def operand(self, value):
        if isinstance(value, Tensor):
            return ("s", self.slot_of_tensor(value))
        if isinstance(value, np.ndarray):
            slot = self.slot_of.get(id(value))
            if slot is None:
                raise NotReplayable("an array computed outside the recorded ops is used")
            return ("s", slot)
        if isinstance(value, (list, tuple)) and any(isinstance(v, (Tensor, np.ndarray)) for v in value):
            raise NotReplayable("a list of tensors passed to an op is not supported yet")
        return ("c", None if value is OUTPUT else value)

    def _emit(self, fn, operands, outputs, template, name):
        refs = tuple(self.operand(v) for v in operands)
        slots = tuple(self._new_slot(out)[0] for out in outputs)
        self.instructions.append(("op", slots, fn, refs, template, name, user_site(4)))
        return slots

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
            self._emit(kernel.fn, kernel.operands, (data,), kernel.template, node_class.__name__)
        except NotReplayable as error:
            self.fail(str(error), user_site(4))

    def traced(self, fn, operands):
        arrays = [value._data if isinstance(value, Tensor) else value for value in operands]
        result = fn(*arrays)
        if self.failure is not None:
            return result
        outputs = result if isinstance(result, tuple) else (result,)
        kept = []
        for value in outputs:
            kept.append(value if value is None or isinstance(value, (int, float)) else np.asarray(value))
        try:
            arrays_out = [v for v in kept if isinstance(v, np.ndarray)]
            if len(arrays_out) != len(kept) and not all(v is None or isinstance(v, np.ndarray) for v in kept[1:]):
                raise NotReplayable(f"{fn.__name__} returns Python values")
            self._emit_traced(fn, operands, kept)
        except NotReplayable as error:
            self.fail(str(error), user_site(3))
        return tuple(kept) if isinstance(result, tuple) else kept[0]

    def _emit_traced(self, fn, operands, outputs):
        refs = tuple(self.operand(v) for v in operands)
        slots = []
        for value in outputs:
            if isinstance(value, np.ndarray):
                slots.append(self._new_slot(value)[0])
            else:
                slots.append(("c", value))  # a number fixed by shapes (a count): compared between recordings
        self.instructions.append(("traced", tuple(slots), fn, refs, None, fn.__name__, user_site(4)))

    def made_tensor(self, tensor):
        """``make_tensor`` wrapped an array outside ``record``."""
        array = tensor._data
        if id(array) in self.slot_of or id(array) in self.made or id(array) in self.constants:
            return
        caller = sys._getframe(2)
        self.alive.append(array)
        if caller.f_globals.get("__name__", "").startswith(_CONSTANT_MODULES) or \
                caller.f_code.co_name in _CONSTANT_FUNCTIONS:
            self.constants[id(array)] = array
        else:
            self.made[id(array)] = f"{caller.f_globals.get('__name__')}.{caller.f_code.co_name} ({user_site(3)})"

    def accumulate(self, leaf, grad_array, target_dtype):
        """The engine adds a gradient into ``leaf.grad`` (grad mode off): do it and note it."""
        self.ran_backward = True
        current = leaf._grad
        try:
            source = self.operand_slot(grad_array)
            ref = self.ref_of(leaf)
            if ref[0] == "obj" and not any(i[0] == "opaque" for i in self.instructions):
                self.grad_guards.setdefault(id(leaf), (leaf, current is None))
            if current is None:
                fresh = np.array(grad_array, dtype=target_dtype, order="C", copy=True)
                (slot,) = self._emit_fresh(fresh, source, target_dtype)
                leaf._grad = new = _wrap(fresh)
                self.instructions.append(("grad", ref, slot))
                return new
            if current._grad_fn is not None or current._requires_grad or not current._data.flags.writeable:
                raise NotReplayable("a gradient with its own graph is accumulated")
            target = self.slot_of_tensor(current)
            np.add(current._data, grad_array, out=current._data, casting="unsafe")
            self.values[target] = current._data.copy()
            self.instructions.append(("add_into", target, source))
            return current
        except NotReplayable as error:
            self.fail(str(error), user_site(3))
            if current is None:
                leaf._grad = _wrap(np.array(grad_array, dtype=target_dtype, order="C", copy=True))
            else:
                np.add(current._data, grad_array, out=current._data, casting="unsafe")
            return leaf._grad

    def operand_slot(self, array):
        slot = self.slot_of.get(id(array))
        if slot is None:
            raise NotReplayable("a gradient computed outside the recorded ops reaches a leaf")
        return slot

    def _emit_fresh(self, fresh, source, dtype):
        slot, _ = self._new_slot(fresh)
        self.instructions.append(("op", (slot,), _fresh_gradient, (("s", source), ("c", dtype)), None,
                                  "AccumulateGrad", user_site(4)))
        return (slot,)

    def ref_of(self, tensor):
        position = self.arg_position.get(id(tensor))
        if position is not None:
            return ("arg", position)
        if id(tensor._data) in self.made or id(tensor._data) in self.constants:
            raise NotReplayable("a gradient lands on a leaf created inside the compiled function; pass it in")
        if id(tensor) in self.loaded or tensor._grad_fn is None:
            return ("obj", tensor)
        raise NotReplayable("a gradient lands on a tensor created inside the compiled function")

    def opaque(self, method, args, kwargs):
        """A stateful method (``optimizer.step``): run it unrecorded now, and again on every replay."""
        for value in list(args) + list(kwargs.values()):
            if isinstance(value, Tensor) and id(value._data) in self.slot_of:
                self.fail(f"{method.__qualname__} receives a tensor computed inside the compiled function")
        self.instructions.append(("opaque", method, args, kwargs))
        _recording.state.recorder = None
        try:
            result = method(*args, **kwargs)
        finally:
            _recording.state.recorder = self
        if result is not None:
            self.fail(f"the value {method.__qualname__} returns is not replayed")
        return result

    def set_grad(self, tensor, value):
        """User code assigns ``tensor.grad``."""
        try:
            ref = self.ref_of(tensor)
            slot = None if value is None else self.slot_of_tensor(value)
            self.instructions.append(("grad", ref, slot))
        except NotReplayable as error:
            self.fail(str(error), user_site(3))

    def to_python(self, tensor, what):
        """A tensor's value leaves for Python (``.item()``, ``bool()``): replay could not follow it."""
        if id(tensor._data) in self.slot_of or id(tensor._data) in self.made:
            self.fail(f"{what} on a tensor computed inside the compiled function: Python code may depend on its "
                      "value, so this call stays eager (return the tensor and convert it outside)", user_site(3))

    def module_called(self, module):
        self.modules[id(module)] = (module, module.training)


def _fresh_gradient(grad, dtype):
    return np.array(grad, dtype=dtype, order="C", copy=True)


ELEMENTWISE.add(_fresh_gradient)
fusion._fresh_copy[0] = _fresh_gradient


def _wrap(array):
    from .._tensor import make_tensor

    return make_tensor(array)
