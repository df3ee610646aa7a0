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

from .._tensor import make_tensor

__all__ = ["Plan", "ReplayDiverged"]


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
    return instruction[0] in ("add_into", "grad", "opaque")


def _inputs(instruction):
    kind = instruction[0]
    if kind in ("op", "traced"):
        return [ref[1] for ref in instruction[3] if ref[0] == "s"]
    if kind == "add_into":
        return [instruction[1], instruction[2]]
    if kind == "grad":
        return [] if instruction[2] is None else [instruction[2]]
    return []


def _outputs(instruction):
    kind = instruction[0]
    if kind in ("load", "const"):
        return [instruction[1]]
    if kind in ("op", "traced"):
        return [s for s in instruction[1] if not isinstance(s, tuple)]
    return []


def eliminate_dead_code(instructions, output_slots):
    live = set(output_slots)
    kept = []
    for instruction in reversed(instructions):
        if _effects(instruction) or any(s in live for s in _outputs(instruction)):
            kept.append(instruction)
            live.update(_inputs(instruction))
    kept.reverse()
    return kept


def eliminate_common_subexpressions(instructions, pure):
    """Merge repeated ``op`` calls with equal function, template and operands; returns (instructions, renames)."""
    seen = {}
    renames = {}
    result = []
    for instruction in instructions:
        kind = instruction[0]
        if kind in ("add_into", "opaque", "grad"):
            seen.clear()  # an in-place write or Python call: values before it may differ after it
        if kind == "op" and instruction[2] in pure:
            refs = tuple(("s", renames.get(r[1], r[1])) if r[0] == "s" else ("c", _constant_key(r[1]))
                         for r in instruction[3])
            key = (id(instruction[2]), instruction[4], refs)
            earlier = seen.get(key)
            if earlier is not None:
                renames[instruction[1][0]] = earlier
                continue
            seen[key] = instruction[1][0]
        result.append(_renamed(instruction, renames) if renames else instruction)
    return result, renames


def _constant_key(value):
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
        refs = tuple(("s", renames.get(r[1], r[1])) if r[0] == "s" else r for r in instruction[3])
        return instruction[:3] + (refs,) + instruction[4:]
    if kind == "add_into":
        return (kind, renames.get(instruction[1], instruction[1]), renames.get(instruction[2], instruction[2]))
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
        value = ref[1]
        return repr(value) if _is_literal(value) else self.bind(value, "c")


def _write(instructions, outputs, verify):
    """Python source for a replay (or, with ``verify``, a check of every value against the recording)."""
    source = _Source()
    body = []
    for instruction in instructions:
        kind = instruction[0]
        if kind == "load":
            _, slot, ref = instruction
            if verify:
                body.append(f"s{slot} = V[{slot}].copy()")
            elif ref[0] == "arg":
                body.append(f"s{slot} = A[{ref[1]}]._data")
            else:
                body.append(f"s{slot} = {source.bind(ref[1], 't')}._data")
        elif kind == "const":
            body.append(f"s{instruction[1]} = {source.bind(instruction[2], 'c')}")
        elif kind in ("op", "traced"):
            _, slots, fn, refs, template, name, site = instruction
            args = [source.operand(r) for r in refs]
            call = template.format(*args) if template else f"{source.bind(fn, 'k')}({', '.join(args)})"
            comment = f"  # {name} at {site}"
            if kind == "op":
                body.append(f"s{slots[0]} = {call}{comment}")
            else:
                body.append(f"r = {call}{comment}")
                for position, slot in enumerate(slots):
                    if not isinstance(slot, tuple):
                        body.append(f"s{slot} = r[{position}]" if len(slots) > 1 else f"s{slot} = r")
            if verify:
                body.extend(f"check({s}, s{s})" for s in slots if not isinstance(s, tuple))
        elif kind == "add_into":
            body.append(f"add(s{instruction[1]}, s{instruction[2]}, out=s{instruction[1]}, casting='unsafe')")
            if verify:
                body.append(f"check({instruction[1]}, s{instruction[1]})")
        elif kind == "grad" and not verify:
            _, ref, slot = instruction
            target = f"A[{ref[1]}]" if ref[0] == "arg" else source.bind(ref[1], "t")
            body.append(f"{target}._grad = {'None' if slot is None else f'wrap(asarray(s{slot}))'}")
        elif kind == "opaque" and not verify:
            _, method, args, kwargs = instruction
            body.append(f"{source.bind(method, 'k')}(*{source.bind(args, 'c')}, **{source.bind(kwargs, 'c')})")
    if verify:
        body.append("return None")
    else:
        body.append("return (" + "".join(_output_expression(o, source) + ", " for o in outputs) + ")")
    names = ", ".join(source.names.values())
    text = f"def make({names}):\n    def replay(A{', V, check' if verify else ''}):\n"
    text += "".join(f"        {line}\n" for line in body) + "    return replay\n"
    return text, source.values


def _output_expression(output, source):
    kind, value = output
    if kind == "s":
        return f"asarray(s{value})"
    if kind == "arg":
        return f"A[{value}]"
    return source.bind(value, "c")


_counter = [0]


def _compile_source(text, values, label):
    _counter[0] += 1
    filename = f"<chainrule.compile:{label}#{_counter[0]}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"add": np.add, "asarray": np.asarray, "wrap": make_tensor}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["make"](*values), text


class Plan:
    """A replay function and the conditions under which it may run."""

    def __init__(self, recording, outputs, label, pure):
        output_slots = [o[1] for o in outputs if o[0] == "s"]
        instructions = eliminate_dead_code(recording.instructions, output_slots)
        instructions, renames = eliminate_common_subexpressions(instructions, pure)
        outputs = [("s", renames.get(o[1], o[1])) if o[0] == "s" else o for o in outputs]
        self.recorded_count = len(recording.instructions)
        self.instructions = instructions
        self.outputs = outputs
        self.replay, self.source = _compile_source(*_write(instructions, outputs, verify=False), label)
        self._verify_text = _write(instructions, outputs, verify=True)
        self.guards = recording.guards
        self.grad_guards = list(recording.grad_guards.values())
        self.modules = list(recording.modules.values())
        self.label = label

    def verify(self, recording, arg_tensors):
        """Run the plan on the recorded inputs and compare every value with eager's, bit for bit."""
        replay, _ = _compile_source(*self._verify_text, self.label + ":verify")
        values = recording.values

        def check(slot, value):
            value = np.asarray(value)
            expected = values[slot]
            if value.dtype != expected.dtype or value.shape != expected.shape or \
                    value.tobytes() != np.ascontiguousarray(expected).tobytes():
                raise AssertionError(f"slot {slot}: {self._describe(slot)} differs from eager")

        replay(arg_tensors, values, check)

    def _describe(self, slot):
        for instruction in self.instructions:
            if instruction[0] in ("op", "traced") and slot in instruction[1]:
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
        for module, training in self.modules:
            if module.training != training:
                return False
        return True
