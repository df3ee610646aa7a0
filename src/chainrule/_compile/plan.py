"""From a recording to a replay function: passes, generated source, and a check against eager.

The passes are the two that are always bit-safe: dead-code elimination (keep effects and what the
outputs need) and common-subexpression elimination of identical pure calls, scoped so that no
merge crosses an in-place write. The plan is then written out as one straight-line Python function
(calls bound as closure variables, ``+ - * / @`` as operators), compiled under a readable file name
registered with ``linecache`` so tracebacks show the generated line and, in its comment, the
user's line. 0-d tensors need no special case: NumPy returns scalars for 0-d results, so a replay of
scalar code runs on NumPy scalars with the same ufunc loops eager used.
"""

import linecache
import math

import numpy as np

from .. import _random
from .._recording import STATEFUL
from .._tensor import make_tensor
from .fusion import fuse
from .kernels import fresh_gradient, slots_made, slots_read

__all__ = ["Plan", "ReplayDiverged", "module_members"]


def module_members(module):
    """The tensors a module holds as parameters and buffers: a replay reads those very objects."""
    return tuple(module._parameters.values()) + tuple(module._buffers.values())


class ReplayDiverged(RuntimeError):
    """Python state changed in a way the recording did not see (a gradient that should be unset is set)."""


def _is_literal(value):
    if value is None or value.__class__ in (bool, int, str):
        return True
    if value.__class__ is float:
        return math.isfinite(value)
    if value.__class__ is tuple:
        return all(_is_literal(v) for v in value)
    return False


def _effects(instruction):
    kind = instruction[0]
    return kind in ("add_into", "grad", "opaque", "write") or kind == "traced" and (
        instruction[2] in STATEFUL or getattr(instruction[2], "effect", False))


def _renamed_ref(ref, renames):
    if ref[0] == "s":
        return ("s", renames.get(ref[1], ref[1]))
    if ref[0] == "n":
        return ("n", ref[1], tuple(_renamed_ref(r, renames) for r in ref[2]))
    return ref


def eliminate_dead_code(instructions, output_slots):
    live = set(output_slots)
    kept = []
    for instruction in reversed(instructions):
        if _effects(instruction) or any(s in live for s in slots_made(instruction)):
            kept.append(instruction)
            live.update(slots_read(instruction))
    kept.reverse()
    return kept


def eliminate_common_subexpressions(instructions):
    """Merge repeated ``op`` calls with equal function, template and operands; returns (instructions, renames).

    A gradient's fresh copy is never merged: two leaves must not share one array."""
    seen = {}
    renames = {}
    result = []
    for instruction in instructions:
        kind = instruction[0]
        if _effects(instruction):
            seen.clear()  # an in-place write or Python call: values before it may differ after it
        if kind == "op" and instruction[2] is not fresh_gradient:
            refs = tuple(("c", _constant_key(r[1])) if r[0] == "c" else _renamed_ref(r, renames)
                         for r in instruction[3])
            key = (id(instruction[2]), instruction[4], refs)
            earlier = seen.get(key)
            if earlier is not None:
                renames[instruction[1][0]] = earlier
                continue
            seen[key] = instruction[1][0]
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
        kind = instruction[0]
        if kind == "const":
            constants.add(instruction[1])
        elif kind == "op" and values[instruction[1][0]].size <= _FOLDED_SIZE and \
                all(r[0] == "c" or r[0] == "s" and r[1] in constants for r in instruction[3]):
            slot = instruction[1][0]
            constants.add(slot)
            instruction = ("const", slot, np.array(values[slot]))
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
        kind = instruction[0]
        if kind == "const" and values[instruction[1]].size and np.all(values[instruction[1]] == 1):
            ones.add(instruction[1])
        elif kind == "op" and instruction[2] in _SHAPE_ONLY and instruction[3][0][0] == "s" \
                and instruction[3][0][1] in ones:
            ones.add(instruction[1][0])
        elif kind == "op" and instruction[2] is np.multiply:
            out = values[instruction[1][0]]
            for one, other in (instruction[3], instruction[3][::-1]):
                if (one[0] == "s" and one[1] in ones or one[0] == "c" and one[1].__class__ in (int, float)
                        and one[1] == 1) and other[0] == "s" and \
                        values[other[1]].shape == out.shape and values[other[1]].dtype == out.dtype:
                    renames[instruction[1][0]] = other[1]
                    break
            else:
                result.append(instruction)
            continue
        result.append(instruction)
    return result, renames


def _constant_key(value):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, float):
        return ("f", value.hex() if math.isfinite(value) else repr(value))
    if isinstance(value, (int, bool, str, type(None))):
        return (type(value).__name__, value)
    if isinstance(value, tuple):
        return tuple(_constant_key(v) for v in value)
    return ("id", id(value))


def _renamed(instruction, renames):
    kind = instruction[0]
    if kind in ("op", "traced"):
        refs = tuple(_renamed_ref(r, renames) for r in instruction[3])
        return instruction[:3] + (refs,) + instruction[4:]
    if kind in ("add_into", "write"):
        return (kind, renames.get(instruction[1], instruction[1]), renames.get(instruction[2], instruction[2])) \
            + instruction[3:]
    if kind == "grad" and instruction[2] is not None:
        return (kind, instruction[1], renames.get(instruction[2], instruction[2]))
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
        if ref[0] == "s":
            return f"s{ref[1]}"
        if ref[0] == "n":
            items = "".join(self.operand(r) + ", " for r in ref[2])
            return f"({items})" if ref[1] is tuple else f"[{items}]"
        value = ref[1]
        return repr(value) if _is_literal(value) else self.bind(value, "c")


def _last_uses(instructions, large):
    """For each instruction, the large slots nothing after it reads: freed there, as eager frees them."""
    seen = set()
    frees = []
    for instruction in reversed(instructions):
        dead = list(dict.fromkeys(s for s in slots_read(instruction) + slots_made(instruction)
                                  if s in large and s not in seen))
        seen.update(dead)
        frees.append(dead)
    frees.reverse()
    return frees


def _write(instructions, outputs, verify, large=frozenset(), scalars=frozenset(), tree=None, arrays=frozenset()):
    """Python source for a replay (or, with ``verify``, a check of every value against the recording).

    A ``large`` slot is deleted after its last use, so big temporaries return to the allocator as
    soon as eager would return them (holding them all to the end costs page faults on every call).
    A 0-d slot in ``scalars`` is read as a NumPy scalar: NumPy's scalar operators skip the array
    machinery (40 ns instead of 300 for a multiply) and round exactly as the 0-d ufunc call does.
    """
    source = _Source()
    body = []
    kept = {o[1] for o in outputs if o[0] in _SLOT_OUTPUTS}
    array_forms = {r[1] for i in instructions if i[0] == "op" and i[4] is None and isinstance(i[2], np.ufunc)
                   for r in i[3] if r[0] == "s"}
    frees = _last_uses(instructions, large - kept)
    for instruction, dead in zip(instructions, frees):
        kind = instruction[0]
        if kind == "load":
            _, slot, ref, _ = instruction
            name = f"a{slot}" if slot in scalars else f"s{slot}"
            if verify:
                body.append(f"{name} = V[{slot}].copy()")
            elif ref[0] == "arg":
                body.append(f"{name} = A[{ref[1]}]._data")
            elif ref[0] == "grad_of":
                owner = f"A[{ref[1][1]}]" if ref[1][0] == "arg" else source.bind(ref[1][1], "t")
                body.append(f"{name} = grad_array({owner})")
            else:
                body.append(f"{name} = {source.bind(ref[1], 't')}._data")
            if slot in scalars:  # both forms: operators are faster on the scalar, ufunc calls on the array
                body.append(f"s{slot} = a{slot}[()]")
        elif kind == "const":
            slot, value = instruction[1], instruction[2]
            if slot in scalars:
                if slot in array_forms:
                    body.append(f"a{slot} = {source.bind(value, 'c')}")
                value = value[()]
            body.append(f"s{slot} = {source.bind(value, 'c')}")
        elif verify and kind == "traced" and (instruction[2] in STATEFUL or getattr(instruction[2], "stateful", False)):
            body.extend(f"s{s} = V[{s}]" for s in instruction[1] if not isinstance(s, tuple))  # no second draw
        elif kind in ("op", "traced", "fused"):
            _, slots, fn, refs, template, name, site = instruction
            ufunc = template is None and isinstance(fn, np.ufunc)
            args = [f"a{r[1]}" if ufunc and r[0] == "s" and r[1] in scalars else source.operand(r) for r in refs]
            call = template.format(*args) if template else f"{source.bind(fn, 'k')}({', '.join(args)})"
            comment = f"  # {name} at {site}"
            if kind == "op":
                if slots[0] in arrays:
                    call = f"asarray({call})"  # written in place later: must stay an array, not a NumPy scalar
                body.append(f"s{slots[0]} = {call}{comment}")
            else:
                body.append(f"r = {call}{comment}")
                for position, slot in enumerate(slots):
                    if not isinstance(slot, tuple):
                        body.append(f"s{slot} = r[{position}]" if len(slots) > 1 else f"s{slot} = r")
            if verify:
                body.extend(f"check({s}, s{s})" for s in slots if not isinstance(s, tuple))
        elif kind == "write":
            _, target, source_slot, ref, check = instruction
            body.append(f"copyto(s{target}, s{source_slot}, casting='unsafe')")
            if verify:
                body.append(f"check({check}, s{target})")
            elif ref is not None:
                owner = f"A[{ref[1]}]" if ref[0] == "arg" else source.bind(ref[1], "t")
                body.append(f"{owner}._version_counter[0] += 1")
        elif kind == "add_into":
            body.append(f"add(s{instruction[1]}, s{instruction[2]}, out=s{instruction[1]}, casting='unsafe')")
            if verify:
                body.append(f"check({instruction[3]}, s{instruction[1]})")
        elif kind == "grad" and not verify:
            _, ref, slot = instruction
            target = f"A[{ref[1]}]" if ref[0] == "arg" else source.bind(ref[1], "t")
            body.append(f"{target}._grad = {'None' if slot is None else f'wrap(asarray(s{slot}))'}")
        elif kind == "opaque" and not verify:
            _, method, args, kwargs = instruction
            body.append(f"{source.bind(method, 'k')}(*{source.bind(args, 'c')}, **{source.bind(kwargs, 'c')})")
        if dead and not verify:
            body.append("del " + ", ".join(f"s{s}" for s in dead))
    if verify:
        body.append("return (" + "".join(f"s{o[1]}, " for o in outputs if o[0] == "s") + ")")
    else:
        body.append("return " + _tree_expression(tree, outputs, source))
    names = ", ".join(source.names.values())
    text = f"def make({names}):\n    def replay(A{', V, check' if verify else ''}):\n"
    text += "".join(f"        {line}\n" for line in body) + "    return replay\n"
    return text, source.values


def _tree_expression(tree, outputs, source):
    """The expression rebuilding what the function returned: new tensors for computed values."""
    kind = tree[0]
    if kind == "out":
        output_kind, value = outputs[tree[1]]
        if output_kind == "s":
            return f"wrap(asarray(s{value}))"
        if output_kind == "c":
            return f"wrap({source.bind(value, 'c')}.copy())"
        if output_kind == "item":
            return f"asarray(s{value}).reshape(()).item()"
        return f"A[{value}]" if output_kind == "arg" else source.bind(value, "c")
    if kind == "value":
        return repr(tree[1]) if _is_literal(tree[1]) else source.bind(tree[1], "c")
    items = [_tree_expression(child, outputs, source) for child in tree[1]] if kind is not dict else \
        [f"{source.operand(('c', key))}: {_tree_expression(child, outputs, source)}" for key, child in tree[1]]
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


_SLOT_OUTPUTS = ("s", "item")  # returned values read from a slot: a tensor, or a number converted from one
_counter = [0]
_LARGE_BYTES = 65536


def _compile_source(text, values, label):
    _counter[0] += 1
    filename = f"<chainrule.compile:{label}#{_counter[0]}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"add": np.add, "asarray": np.asarray, "copyto": np.copyto, "wrap": make_tensor,
                 "grad_array": _grad_array}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["make"](*values), text


class Plan:
    """A replay function and the conditions under which it may run."""

    def __init__(self, recording, outputs, tree, label):
        self._recorded_outputs = [o[1] for o in outputs if o[0] == "s"]  # where the final values are recorded
        instructions = eliminate_dead_code(recording.instructions, [o[1] for o in outputs if o[0] in _SLOT_OUTPUTS])
        if not any(i[0] in ("write", "add_into") or i[0] == "traced" and _effects(i) for i in instructions):
            instructions = fold_constants(instructions, recording.values)
        written = {i[1] for i in instructions if i[0] in ("add_into", "write")}
        renames = {}
        if not any(i[0] == "write" or i[0] == "traced" and _effects(i) for i in instructions):
            # a write (or an op called whole that writes) could reach a merged twin through it
            instructions, renames = eliminate_common_subexpressions(instructions)
            instructions, renames = drop_multiplications_by_one(instructions, recording.values, renames)
        outputs = [(o[0], renames.get(o[1], o[1])) if o[0] in _SLOT_OUTPUTS else o for o in outputs]
        instructions = eliminate_dead_code(instructions, [o[1] for o in outputs if o[0] in _SLOT_OUTPUTS])
        instructions = fuse(instructions, recording.values, {o[1] for o in outputs if o[0] in _SLOT_OUTPUTS})
        self.recorded_count = len(recording.instructions)
        self.instructions = instructions
        self.outputs = outputs
        values = recording.values
        large = frozenset(slot for slot, value in enumerate(values) if value.nbytes >= _LARGE_BYTES)
        scalars = frozenset(i[1] for i in instructions
                            if i[0] in ("load", "const") and values[i[1]].ndim == 0 and i[1] not in written)
        arrays = frozenset(written)
        self.replay, self.source = _compile_source(
            *_write(instructions, outputs, False, large, scalars, tree, arrays), label)
        self._verify_text = _write(instructions, outputs, True, scalars=scalars, arrays=arrays)
        self.guards = [(i[2][1],) + i[3] for i in instructions if i[0] == "load" and i[2][0] == "obj"]
        self.grad_guards = list(recording.grad_guards.values())
        self.modules = list(recording.modules.values())
        self.label = label

    def verify(self, recording, arg_tensors):
        """Run the plan on the recorded inputs and compare every value with eager's, bit for bit."""
        replay, _ = _compile_source(*self._verify_text, self.label + ":verify")
        values = recording.values

        def check(slot, value, expected=None):
            value = np.asarray(value)
            expected = values[slot] if expected is None else expected
            if value.dtype != expected.dtype or value.shape != expected.shape or \
                    value.tobytes() != np.ascontiguousarray(expected).tobytes():
                raise AssertionError(f"slot {slot}: {self._describe(slot)} differs from eager")

        state = _random.default_generator.get_state()  # an op replayed as a whole call may draw: the user's
        try:                                           # stream must not move
            finals = replay(arg_tensors, values, check)
        finally:
            _random.default_generator.set_state(state)
        for slot, final in zip(self._recorded_outputs, finals):
            check(slot, final, recording.final_values[slot])  # what was returned, after any later in-place edit

    def _describe(self, slot):
        for instruction in self.instructions:
            if instruction[0] in ("op", "traced", "fused") and slot in instruction[1]:
                return f"{instruction[5]} at {instruction[6]}"
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
