"""The instructions of a recording and of a plan: a small typed set, with what each reads and makes.

A recording is a flat list of instructions over numbered slots (one array each). Operands name where a
value comes from (a slot, a constant, or a tuple or list of operands, as an index key holding index
arrays); a ``Load`` names where a tensor that existed before the call is found (an argument, an
object the function reads, or the ``.grad`` of one of those).
"""

from typing import Any, NamedTuple

__all__ = ["SlotRef", "ConstRef", "NestedRef", "ArgSource", "ObjectSource", "GradSource", "ArraySource", "Load",
           "Const", "Call", "Traced", "Fused", "Write", "AddInto", "SetGrad", "Opaque", "CALLS", "EFFECTS", "slots_in",
           "ReturnSlot", "ReturnGraph", "ReturnItem", "ReturnArg", "ReturnConst", "ReturnSame", "SLOT_RETURNS"]


# ---------------------------------------------------------------- operands
class SlotRef(NamedTuple):
    """The value held in ``slot``."""

    slot: int


class ConstRef(NamedTuple):
    """A fixed value passed as it is (a number, a dtype, a shape, a constant array)."""

    value: Any


class NestedRef(NamedTuple):
    """A tuple or list (``container``) of operands: an index key holding index arrays, a list of tensors."""

    container: type
    items: tuple


def slots_in(refs):
    """The slots that operands read, nested ones included."""
    for ref in refs:
        if ref.__class__ is SlotRef:
            yield ref.slot
        elif ref.__class__ is NestedRef:
            yield from slots_in(ref.items)


# ---------------------------------------------------------------- where a loaded tensor is found
class ArgSource(NamedTuple):
    """Positional tensor argument ``position`` of the compiled call."""

    position: int


class ObjectSource(NamedTuple):
    """A tensor the function reads that is not an argument (a parameter, a buffer, a closure's tensor)."""

    tensor: Any


class GradSource(NamedTuple):
    """The ``.grad`` of the tensor found at ``owner`` (whichever tensor it is at replay time)."""

    owner: Any


class ArraySource(NamedTuple):
    """Plain array ``position`` handed to the replay: a gradient flowing into a compiled backward, or a value
    its forward saved for it."""

    position: int


# ---------------------------------------------------------------- instructions
class Load(NamedTuple):
    """Read a tensor that exists before the call into ``slot``; ``guard`` is its (shape, dtype, requires_grad)
    when the plan must check it before replaying (tensors that are not arguments)."""

    slot: int
    source: Any
    guard: Any

    def reads(self):
        return ()

    def makes(self):
        return (self.slot,)


class Const(NamedTuple):
    """A value fixed by shapes (ones or zeros made during the call, or a folded constant)."""

    slot: int
    value: Any

    def reads(self):
        return ()

    def makes(self):
        return (self.slot,)


class Call(NamedTuple):
    """One kernel call: ``slot = fn(*operands)`` (``template``: the same call as an expression)."""

    slot: int
    fn: Any
    operands: tuple
    template: Any
    name: str
    site: str

    def reads(self):
        return tuple(slots_in(self.operands))

    def makes(self):
        return (self.slot,)


class Traced(NamedTuple):
    """A ``traced`` call, or an op called whole (``units.Unit``): its results go to ``slots``.

    An entry of ``slots`` that is a ``ConstRef`` is a number fixed by shapes, not a slot. ``unpack``:
    the function returns a tuple, one item per entry of ``slots``.
    """

    slots: tuple
    fn: Any
    operands: tuple
    template: Any
    name: str
    site: str
    unpack: bool = True

    def reads(self):
        return tuple(slots_in(self.operands))

    def makes(self):
        return tuple(s for s in self.slots if s.__class__ is not ConstRef)


class Fused(NamedTuple):
    """A group of elementwise calls run chunk by chunk (``fusion.py``); ``fn`` computes ``slots``."""

    slots: tuple
    fn: Any
    operands: tuple
    template: Any
    name: str
    site: str

    def reads(self):
        return tuple(slots_in(self.operands))

    def makes(self):
        return self.slots


class Write(NamedTuple):
    """An in-place write of ``value`` into ``target``'s array; ``owner`` is where the written tensor is
    found when it existed before the call (its version counter moves), else None; ``check`` a slot
    holding the value after the write (for verification only)."""

    target: int
    value: int
    owner: Any
    check: int

    def reads(self):
        return (self.target, self.value)

    def makes(self):
        return ()


class AddInto(NamedTuple):
    """``target += value`` in place (a gradient accumulated into an existing ``.grad``)."""

    target: int
    value: int
    check: int

    def reads(self):
        return (self.target, self.value)

    def makes(self):
        return ()


class SetGrad(NamedTuple):
    """Set the ``.grad`` of the tensor found at ``owner`` to the value in ``slot`` (None: clear it); ``copy``:
    to a copy of it (a constant of the plan, or a value merged with another, must not become a gradient)."""

    owner: Any
    slot: Any
    copy: bool = False

    def reads(self):
        return () if self.slot is None else (self.slot,)

    def makes(self):
        return ()


class Opaque(NamedTuple):
    """Call a stateful Python method again (``optimizer.step``)."""

    method: Any
    args: tuple
    kwargs: dict

    def reads(self):
        return ()

    def makes(self):
        return ()


CALLS = (Call, Traced, Fused)  # instructions that call a function over operands
EFFECTS = (AddInto, SetGrad, Opaque, Write)  # instructions whose effects outlive the plan's values


# ---------------------------------------------------------------- what the function returned, for the replay to return
class ReturnSlot(NamedTuple):
    """A tensor computed in the call: a new tensor around the replay's value in ``slot``."""

    slot: int


class ReturnGraph(NamedTuple):
    """A tensor computed in the call that carries the call's backward node, as its output ``output_nr``."""

    slot: int
    output_nr: int


class ReturnItem(NamedTuple):
    """A float the call read out of a tensor (``.item()``) and returned: converted again from ``slot``."""

    slot: int


class ReturnArg(NamedTuple):
    """A tensor argument returned as it is."""

    position: int


class ReturnConst(NamedTuple):
    """Ones or zeros made inside the call: a fresh copy of ``value`` each time."""

    value: Any


class ReturnSame(NamedTuple):
    """A tensor from outside the call (a parameter) returned as it is."""

    tensor: Any


SLOT_RETURNS = (ReturnSlot, ReturnGraph, ReturnItem)  # returned values read from a slot
