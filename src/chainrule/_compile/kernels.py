"""What a replay calls for one recorded op: the op's own kernel, declared beside the op.

Every op module registers its kernels with ``chainrule._ops._kernel.replays``; this module only asks
the node class for its builder. It also names the extra work a training step does on leaves (the
fresh copy a gradient gets when it first lands), and what each plan instruction reads and makes.
"""

from .._autograd.leaf import fresh_gradient
from .._ops._kernel import ELEMENTWISE, Constant, Kernel
from .._ops._op import OUTPUT

__all__ = ["Kernel", "Constant", "build_kernel", "fresh_gradient", "slots_in", "slots_read", "slots_made",
           "ELEMENTWISE"]

ELEMENTWISE.add(fresh_gradient)


def slots_in(refs):
    """The slots that operands read, nested ones included (``("n", type, refs)``: a tuple or list of operands)."""
    for ref in refs:
        if ref[0] == "s":
            yield ref[1]
        elif ref[0] == "n":
            yield from slots_in(ref[2])


def slots_read(instruction):
    """The slots a plan instruction reads (see ``recorder.Recording`` for the kinds)."""
    kind = instruction[0]
    if kind in ("op", "traced", "fused"):
        return list(slots_in(instruction[3]))
    if kind in ("add_into", "write"):
        return [instruction[1], instruction[2]]
    if kind == "grad":
        return [] if instruction[2] is None else [instruction[2]]
    return []


def slots_made(instruction):
    """The slots a plan instruction gives a value."""
    kind = instruction[0]
    if kind in ("load", "const"):
        return [instruction[1]]
    if kind in ("op", "traced", "fused"):
        return [s for s in instruction[1] if not isinstance(s, tuple)]  # a traced call's numbers are not slots
    return []


def build_kernel(out, node_class, inputs, saved, args):
    """The kernel that recomputes ``out``, or None when ``node_class``'s op has none for this case."""
    builder = node_class.kernel
    if builder is None:
        return None
    saved = tuple(None if value is OUTPUT else value for value in saved)
    return builder(out, inputs, saved, args)
