"""From a recording to a replay function: passes, generated source, and a check against eager.

The passes are the two that are always bit-safe: dead-code elimination (keep effects and what the
outputs need) and common-subexpression elimination of identical pure calls, scoped so that no
merge crosses an in-place write. The plan is then written out as one straight-line Python function
(calls bound as closure variables, ``+ - * / @`` as operators), compiled under a readable file name
registered with ``linecache`` so tracebacks show the generated line and, in its comment, the
user's line. 0-d tensors need no special case: NumPy returns scalars for 0-d results, so a replay of
scalar code runs on NumPy scalars with the same ufunc loops eager used.
"""

import itertools
import linecache
import math

import numpy as np

from .. import _random
from .._recording import STATEFUL
from .._tensor import make_tensor
from .fusion import fuse
from .ir import (EFFECTS, SLOT_RETURNS, AddInto, ArgSource, ArraySource, Call, Const, ConstRef, Fused, GradSource,
                 Load, NestedRef, ObjectSource, Opaque, ReturnArg, ReturnConst, ReturnGraph, ReturnItem, ReturnSlot,
                 SetGrad, SlotRef, Traced, Write)
from .kernels import fresh_gradient

__all__ = ["Plan", "ReplayDiverged", "ReplayMismatch", "module_members"]


def module_members(module):
    """The tensors a module holds as parameters and buffers: a replay reads those very objects."""
    return tuple(module._parameters.values()) + tuple(module._buffers.values())


class ReplayDiverged(RuntimeError):
    """Python state changed in a way the recording did not see (a gradient that should be unset is set)."""


class ReplayMismatch(Exception):
    """A plan, run on the recorded inputs, did not give eager's values bit for bit (it is never used)."""


def _is_literal(value):
    if value is None or value.__class__ in (bool, int, str):
        return True
    if value.__class__ is float:
        return math.isfinite(value)
    if value.__class__ is tuple:
        return all(_is_literal(v) for v in value)
    return False


def has_effects(instruction):
    """Whether ``instruction`` changes state besides its own values: a write, a gradient, a Python call, or an
    op called whole that draws random numbers or writes."""
    return instruction.__class__ in EFFECTS or instruction.__class__ is Traced and (
        instruction.fn in STATEFUL or getattr(instruction.fn, "effect", False))


def _written_operands(instructions):
    """The slots a traced call may write into: those its function names (``writes``: running statistics),
    or every operand of an op called whole with effects (index assignment). A constant among them gets a
    copy of its own on every replay."""
    written = set()
    for instruction in instructions:
        if instruction.__class__ is Traced:
            positions = getattr(instruction.fn, "writes", None)
            if positions is None:
                positions = range(len(instruction.operands)) if getattr(instruction.fn, "effect", False) else ()
            written.update(instruction.operands[p].slot for p in positions
                           if instruction.operands[p].__class__ is SlotRef)
    return written


def _renamed_ref(ref, renames):
    if ref.__class__ is SlotRef:
        return SlotRef(renames.get(ref.slot, ref.slot))
    if ref.__class__ is NestedRef:
        return NestedRef(ref.container, tuple(_renamed_ref(r, renames) for r in ref.items))
    return ref


def eliminate_dead_code(instructions, output_slots):
    live = set(output_slots)
    kept = []
    for instruction in reversed(instructions):
        if has_effects(instruction) or any(s in live for s in instruction.makes()):
            kept.append(instruction)
            live.update(instruction.reads())
    kept.reverse()
    return kept


def eliminate_common_subexpressions(instructions):
    """Merge repeated ``op`` calls with equal function, template and operands; returns (instructions, renames).

    A gradient's fresh copy is never merged: two leaves must not share one array."""
    seen = {}
    renames = {}
    result = []
    for instruction in instructions:
        if has_effects(instruction):
            seen.clear()  # an in-place write or Python call: values before it may differ after it
        if instruction.__class__ is Call and instruction.fn is not fresh_gradient:
            refs = tuple(ConstRef(_constant_key(r.value)) if r.__class__ is ConstRef else _renamed_ref(r, renames)
                         for r in instruction.operands)
            key = (id(instruction.fn), instruction.template, refs)
            earlier = seen.get(key)
            if earlier is not None:
                renames[instruction.slot] = earlier
                continue
            seen[key] = instruction.slot
        result.append(_renamed(instruction, renames) if renames else instruction)
    return result, renames


_FOLDED_SIZE = 64  # constant results up to this many elements are kept as constants


def fold_constants(instructions, values):
    """An op whose operands are all constants is replaced by its recorded result (a small one only).

    A backward pass starts from a constant gradient of ones, and the first rules scale it by numbers.
    """
    constants = set()
    result = []
    for instruction in instructions:
        if instruction.__class__ is Const:
            constants.add(instruction.slot)
        elif instruction.__class__ is Call and values[instruction.slot].size <= _FOLDED_SIZE and \
                all(r.__class__ is ConstRef or r.__class__ is SlotRef and r.slot in constants
                    for r in instruction.operands):
            slot = instruction.slot
            constants.add(slot)
            instruction = Const(slot, np.array(values[slot]))
        result.append(instruction)
    return result


_SHAPE_ONLY = (np.broadcast_to, np.expand_dims)  # kernels that rearrange a value without computing


def drop_multiplications_by_one(instructions, values, renames):
    """Skip ``x * 1`` where the result is ``x`` itself (same shape and dtype): multiplying by one is exact.

    A backward pass starts from a gradient of ones, and the first rules multiply by it.
    """
    ones = set()
    result = []
    for instruction in instructions:
        instruction = _renamed(instruction, renames) if renames else instruction
        cls = instruction.__class__
        if cls is Const and values[instruction.slot].size and np.all(values[instruction.slot] == 1):
            ones.add(instruction.slot)
        elif cls is Call and instruction.fn in _SHAPE_ONLY and instruction.operands[0].__class__ is SlotRef \
                and instruction.operands[0].slot in ones:
            ones.add(instruction.slot)
        elif cls is Call and instruction.fn is np.multiply:
            out = values[instruction.slot]
            kept = next((other for one, other in (instruction.operands, instruction.operands[::-1])
                         if (one.__class__ is SlotRef and one.slot in ones or one.__class__ is ConstRef
                             and one.value.__class__ in (int, float) and one.value == 1) and other.__class__ is SlotRef
                         and values[other.slot].shape == out.shape and values[other.slot].dtype == out.dtype), None)
            if kept is not None:
                renames[instruction.slot] = kept.slot
                continue
        result.append(instruction)
    return result, renames


def _constant_key(value):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, float):
        return ("f", repr(value))  # distinct for distinct floats, -0.0 included (equality merges 0.0 and -0.0)
    if isinstance(value, (int, bool, str, type(None))):
        return (type(value).__name__, value)
    if isinstance(value, tuple):
        return tuple(_constant_key(v) for v in value)
    return ("id", id(value))


def _renamed(instruction, renames):
    cls = instruction.__class__
    if cls is Call or cls is Traced:
        return instruction._replace(operands=tuple(_renamed_ref(r, renames) for r in instruction.operands))
    if cls is AddInto or cls is Write:
        return instruction._replace(target=renames.get(instruction.target, instruction.target),
                                    value=renames.get(instruction.value, instruction.value))
    if cls is SetGrad and instruction.slot in renames:
        return instruction._replace(slot=renames[instruction.slot], copy=True)
    return instruction


class _Source:
    """Names for the objects a generated function closes over."""

    def __init__(self):
        self.names = {}
        self.values = []

    def bind(self, value, prefix):
        key = id(value)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"{prefix}{len(self.values)}"
            self.values.append(value)
        return name

    def operand(self, ref):
        if ref.__class__ is SlotRef:
            return f"s{ref.slot}"
        if ref.__class__ is NestedRef:
            items = "".join(self.operand(r) + ", " for r in ref.items)
            return f"({items})" if ref.container is tuple else f"[{items}]"
        value = ref.value
        return repr(value) if _is_literal(value) else self.bind(value, "c")

    def owner(self, source):
        """The expression for the tensor an ``ArgSource``/``ObjectSource`` names."""
        return f"A[{source.position}]" if source.__class__ is ArgSource else self.bind(source.tensor, "t")


def _last_uses(instructions, large):
    """For each instruction, the large slots nothing after it reads: freed there, as eager frees them."""
    seen = set()
    frees = []
    for instruction in reversed(instructions):
        dead = list(dict.fromkeys(s for s in instruction.reads() + instruction.makes()
                                  if s in large and s not in seen))
        seen.update(dead)
        frees.append(dead)
    frees.reverse()
    return frees


def _write(instructions, outputs, verify, large=frozenset(), scalars=frozenset(), tree=None, arrays=frozenset(),
           saved=None, make_node=None, copies=frozenset()):
    """Python source for a replay (or, with ``verify``, a check of every value against the recording).

    With ``saved`` (a forward whose backward is a plan of its own), the replay ends by calling
    ``make_node(A, C, saved values)``: the graph node its returned tensors carry (``ReturnGraph``).

    A ``large`` slot is deleted after its last use (and its check), so big temporaries return to the
    allocator as soon as eager would return them: holding them all to the end costs page faults on every
    call, and on the check too, which would otherwise touch fresh memory for every value.
    A 0-d slot in ``scalars`` is read as a NumPy scalar: NumPy's scalar operators skip the array
    machinery (40 ns instead of 300 for a multiply) and round exactly as the 0-d ufunc call does.
    The outputs numbered in ``copies`` are returned as copies: a constant of the plan, or a value merged
    with another one, would otherwise be shared with later replays, other outputs or the inputs.
    """
    source = _Source()
    body = []
    kept = {o.slot for o in outputs if o.__class__ in SLOT_RETURNS} | set(saved or ())
    array_forms = {r.slot for i in instructions if i.__class__ is Call and i.template is None
                   and isinstance(i.fn, np.ufunc) for r in i.operands if r.__class__ is SlotRef}
    frees = _last_uses(instructions, large - kept)
    # a check reads the recorded inputs in place unless something may write into one (or into a view of one)
    copied = any(has_effects(i) for i in instructions)
    for instruction, dead in zip(instructions, frees):
        cls = instruction.__class__
        if cls is Load:
            slot, where = instruction.slot, instruction.source
            name = f"a{slot}" if slot in scalars else f"s{slot}"
            if verify:
                body.append(f"{name} = V[{slot}].copy(order='K')" if copied else f"{name} = V[{slot}]")
            elif where.__class__ is ArraySource:
                body.append(f"{name} = A[{where.position}]")
            elif where.__class__ is GradSource:
                body.append(f"{name} = grad_array({source.owner(where.owner)})")
            else:
                body.append(f"{name} = {source.owner(where)}._data")
            if slot in scalars:  # both forms: operators are faster on the scalar, ufunc calls on the array
                body.append(f"s{slot} = a{slot}[()]")
        elif cls is Const:
            slot, value = instruction.slot, instruction.value
            if slot in scalars:
                if slot in array_forms:
                    body.append(f"a{slot} = {source.bind(value, 'c')}")
                value = value[()]
            written = ".copy(order='K')" if slot in arrays else ""  # the constant itself stays as recorded
            body.append(f"s{slot} = {source.bind(value, 'c')}{written}")
        elif verify and cls is Traced and (instruction.fn in STATEFUL or getattr(instruction.fn, "stateful", False)) \
                and not hasattr(instruction.fn, "writes"):
            body.extend(f"s{s} = V[{s}]" for s in instruction.makes())  # no second draw
        elif cls is Call or cls is Traced or cls is Fused:
            fn, refs, template = instruction.fn, instruction.operands, instruction.template
            ufunc = template is None and isinstance(fn, np.ufunc)
            args = [f"a{r.slot}" if ufunc and r.__class__ is SlotRef and r.slot in scalars else source.operand(r)
                    for r in refs]
            call = template.format(*args) if template else f"{source.bind(fn, 'k')}({', '.join(args)})"
            comment = f"  # {instruction.name} at {instruction.site}"
            if cls is Call:
                if instruction.slot in arrays:
                    call = f"asarray({call})"  # written in place later: must stay an array, not a NumPy scalar
                body.append(f"s{instruction.slot} = {call}{comment}")
            else:
                body.append(f"r = {call}{comment}")
                unpack = cls is Fused and len(instruction.slots) > 1 or cls is Traced and instruction.unpack
                for position, slot in enumerate(instruction.slots):
                    if slot.__class__ is not ConstRef:
                        body.append(f"s{slot} = r[{position}]" if unpack else f"s{slot} = r")
                if not verify:  # an op called whole wrote into a tensor from outside, through a wrapper of its own
                    body.extend(f"{source.owner(where)}._version_counter[0] += {moved}"
                                for where, moved in getattr(fn, "bumps", ()))
            if verify:
                body.extend(f"check({s}, s{s})" for s in instruction.makes())
        elif cls is Write:
            body.append(f"copyto(s{instruction.target}, s{instruction.value}, casting='unsafe')")
            if verify:
                body.append(f"check({instruction.check}, s{instruction.target})")
            elif instruction.owner is not None:
                body.append(f"{source.owner(instruction.owner)}._version_counter[0] += 1")
        elif cls is AddInto:
            body.append(f"add(s{instruction.target}, s{instruction.value}, "
                        f"out=s{instruction.target}, casting='unsafe')")
            if verify:
                body.append(f"check({instruction.check}, s{instruction.target})")
        elif cls is SetGrad and not verify:
            copy = ".copy(order='K')" if instruction.copy else ""
            value = "None" if instruction.slot is None else f"wrap(asarray(s{instruction.slot}){copy})"
            body.append(f"{source.owner(instruction.owner)}._grad = {value}")
        elif cls is Opaque and not verify:
            body.append(f"{source.bind(instruction.method, 'k')}(*{source.bind(instruction.args, 'c')}, "
                        f"**{source.bind(instruction.kwargs, 'c')})")
        if dead:
            body.append("del " + ", ".join(f"s{s}" for s in dead))
    if verify:
        body.append("return (" + "".join(f"s{o.slot}, " for o in outputs if o.__class__ in (ReturnSlot, ReturnGraph))
                    + ")")
    else:
        if saved is not None:  # 0-d values are handed over as arrays, as the check hands them over
            values = "".join(f"asarray(s{s}), " if s in scalars else f"s{s}, " for s in saved)
            body.append(f"N = {source.bind(make_node, 'k')}(A, C, ({values}))")
        body.append("return " + _tree_expression(tree, outputs, source, copies))
    names = ", ".join(source.names.values())
    text = f"def make({names}):\n    def replay(A{', V, check' if verify else ', C=None'}):\n"
    text += "".join(f"        {line}\n" for line in body) + "    return replay\n"
    return text, source.values


def _tree_expression(tree, outputs, source, copies):
    """The expression rebuilding what the function returned: new tensors for computed values."""
    kind = tree[0]
    if kind == "out":
        output = outputs[tree[1]]
        cls = output.__class__
        if cls is ReturnSlot or cls is ReturnGraph:
            array = f"asarray(s{output.slot})" + (".copy(order='K')" if tree[1] in copies else "")
            return f"wrap({array})" if cls is ReturnSlot else f"N.output({array}, {output.output_nr})"
        if cls is ReturnConst:
            return f"wrap({source.bind(output.value, 'c')}.copy())"
        if cls is ReturnItem:
            return f"asarray(s{output.slot}).reshape(()).item()"
        return f"A[{output.position}]" if cls is ReturnArg else source.bind(output.tensor, "c")
    if kind == "value":
        return repr(tree[1]) if _is_literal(tree[1]) else source.bind(tree[1], "c")
    items = [_tree_expression(child, outputs, source, copies) for child in tree[1]] if kind is not dict else \
        [f"{source.operand(ConstRef(key))}: {_tree_expression(child, outputs, source, copies)}"
         for key, child in tree[1]]
    if kind is dict:
        return "{" + ", ".join(items) + "}"
    if kind is list:
        return "[" + ", ".join(items) + "]"
    return "(" + "".join(item + ", " for item in items) + ")"


def _grad_array(leaf):
    grad = leaf._grad
    if grad is None:
        raise ReplayDiverged("chainrule.compile: a gradient the recording accumulated into is unset at replay; "
                             "its .grad was cleared inside the compiled function in a way the recording did not see")
    return grad._data


_numbers = itertools.count()  # each generated function's file name is its own
_LARGE_BYTES = 65536


def _compile_source(text, values, label):
    filename = f"<chainrule.compile:{label}#{next(_numbers)}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"add": np.add, "asarray": np.asarray, "copyto": np.copyto, "wrap": make_tensor,
                 "grad_array": _grad_array}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["make"](*values), text


def _same_bits(a, b):
    """Whether two arrays of one dtype and shape hold the same bits, signed zeros included; two NaNs are the
    same whatever their sign and payload (see ``_same_but_nan_bits``).

    Small arrays compare as bytes objects (a twentieth of a ufunc call's time). Others compare as unsigned
    integers of the item's width, read where they lie (views included: copying them out first cost more than
    the comparison), complex ones part by part; an axis both arrays repeat (stride 0, as ``broadcast_to``
    makes) is compared once."""
    if a is b:
        return True
    repeats = 0 in a.strides  # pragma: no mutate (speed only: a repeated axis compared in full gives the same answer)
    if repeats and a.strides == b.strides:
        once = tuple(slice(0, 1) if stride == 0 else slice(None) for stride in a.strides)
        a, b = a[once], b[once]
    if a.nbytes < _LARGE_BYTES:  # pragma: no mutate (either way gives the same answer: this decides speed only)
        return a.tobytes() == b.tobytes() or _same_but_nan_bits(a, b)
    if a.dtype.kind == "c":
        return _same_bits(a.real, b.real) and _same_bits(a.imag, b.imag)
    unsigned = _UNSIGNED[a.itemsize]
    return bool(np.equal(a.view(unsigned), b.view(unsigned)).all()) or _same_but_nan_bits(a, b)


def _same_but_nan_bits(a, b):
    """Whether the arrays differ only in the bits of NaNs. Which NaN operand an operation passes on is
    decided by operand order, and NumPy's scalar arithmetic (which a replay uses on 0-d values) takes
    the other one than its ufuncs: ``np.multiply(nan, -nan)`` is ``nan``, the scalars' product ``-nan``."""
    if a.dtype.kind == "c":
        return _same_but_nan_bits(a.real, b.real) and _same_but_nan_bits(a.imag, b.imag)
    if a.dtype.kind != "f":
        return False
    nan = np.isnan(a)
    if not np.array_equal(nan, np.isnan(b)):
        return False
    unsigned = _UNSIGNED[a.itemsize]
    return bool(np.equal(np.where(nan, 0, a).view(unsigned), np.where(nan, 0, b).view(unsigned)).all())


_UNSIGNED = {8: np.uint64, 4: np.uint32, 2: np.uint16, 1: np.uint8}


def _slots_returned(outputs):
    return [o.slot for o in outputs if o.__class__ in SLOT_RETURNS]


class Plan:
    """A replay function and the conditions under which it may run.

    ``instructions`` and ``values`` come from a recording (or a part of one: the forward or the backward
    of a compiled call whose outputs need gradients); ``saved`` are slots the replay hands to
    ``make_node`` besides what it returns.
    """

    def __init__(self, instructions, values, outputs, tree, label, grad_guards=(), modules=(), saved=None,
                 make_node=None):
        # where the final values are recorded
        self._recorded_outputs = [o.slot for o in outputs if o.__class__ in (ReturnSlot, ReturnGraph)]
        self.recorded_count = len(instructions)
        needed = _slots_returned(outputs) + list(saved or ())
        instructions = eliminate_dead_code(instructions, needed)
        if not any(i.__class__ in (Write, AddInto) or i.__class__ is Traced and has_effects(i) for i in instructions):
            instructions = fold_constants(instructions, values)
        written = {i.target for i in instructions if i.__class__ in (AddInto, Write)} | _written_operands(instructions)
        renames = {}
        if not any(i.__class__ is Write or i.__class__ is Traced and has_effects(i) for i in instructions):
            # a write (or an op called whole that writes) could reach a merged twin through it
            instructions, renames = eliminate_common_subexpressions(instructions)
            instructions, renames = drop_multiplications_by_one(instructions, values, renames)
        # a returned value merged into another (or into a multiplicand) must not share its memory
        renamed = {n for n, o in enumerate(outputs) if o.__class__ in SLOT_RETURNS and o.slot in renames}
        outputs = [o._replace(slot=renames.get(o.slot, o.slot)) if o.__class__ in SLOT_RETURNS else o for o in outputs]
        if saved is not None:
            saved = [renames.get(slot, slot) for slot in saved]
        needed = _slots_returned(outputs) + list(saved or ())
        instructions = eliminate_dead_code(instructions, needed)
        instructions = fuse(instructions, values, set(needed))
        constants = {i.slot for i in instructions if i.__class__ is Const}  # the plan's own: never handed out
        copies = frozenset(n for n, o in enumerate(outputs)
                           if n in renamed or o.__class__ in SLOT_RETURNS and o.slot in constants)
        instructions = [i._replace(copy=True) if i.__class__ is SetGrad and i.slot in constants else i
                        for i in instructions]
        self.instructions = instructions
        self.outputs = outputs
        large = frozenset(slot for slot, value in enumerate(values) if value.nbytes >= _LARGE_BYTES)
        scalars = frozenset(i.slot for i in instructions
                            if i.__class__ in (Load, Const) and values[i.slot].ndim == 0 and i.slot not in written)
        arrays = frozenset(written)
        self.replay, self.source = _compile_source(
            *_write(instructions, outputs, False, large, scalars, tree, arrays, saved, make_node, copies), label)
        self._verify_text = _write(instructions, outputs, True, large, scalars=scalars, arrays=arrays)
        self.guards = [(i.source.tensor,) + i.guard for i in instructions
                       if i.__class__ is Load and i.source.__class__ is ObjectSource]
        self.grad_guards = list(grad_guards)
        self.modules = list(modules)
        self.label = label

    def verify(self, values, final_values):
        """Run the plan on the recorded inputs (``values``) and compare every value with eager's, bit for bit;
        ``final_values``: what the function returned, as it was when it returned."""
        replay, _ = _compile_source(*self._verify_text, self.label + ":verify")

        def check(slot, value, expected=None):
            value = np.asarray(value)
            expected = values[slot] if expected is None else expected
            if (value.dtype, value.shape) != (expected.dtype, expected.shape) or not _same_bits(value, expected):
                raise ReplayMismatch(f"slot {slot}: {self._describe(slot)} differs from eager")

        state = _random.default_generator.get_state()  # an op replayed as a whole call may draw: the user's
        try:                                           # stream must not move
            finals = replay(None, values, check)
        finally:
            _random.default_generator.set_state(state)
        for slot, final in zip(self._recorded_outputs, finals):
            check(slot, final, final_values[slot])  # what was returned, after any later in-place edit

    def _describe(self, slot):
        for instruction in self.instructions:
            if instruction.__class__ in (Call, Traced, Fused) and slot in instruction.makes():
                return f"{instruction.name} at {instruction.site}"
        return "a value"

    def admits(self):
        for tensor, shape, dtype, requires_grad in self.guards:
            data = tensor._data
            if data.shape != shape or data.dtype != dtype or tensor._requires_grad != requires_grad:
                return False
        for tensor, was_none in self.grad_guards:
            if (tensor._grad is None) != was_none:
                return False
        for module, training, members in self.modules:
            if module.training != training or len(module._parameters) + len(module._buffers) != len(members):
                return False
            for held, now in zip(members, module_members(module)):
                if held is not now:  # a parameter or buffer was replaced by another tensor
                    return False
        return True
