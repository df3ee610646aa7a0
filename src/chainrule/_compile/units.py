"""Ops replayed as whole calls: the fallback that lets any op compile.

A replay normally makes the array calls of an op's kernel (``kernels.py``). An op without a kernel,
or one whose work the recorder cannot follow (it wraps arrays itself, or reads a value into Python
to decide something), is instead replayed by calling the op again: the same chainrule function
with the same arguments, its tensors rebuilt around the replay's arrays, under ``no_grad``. That
keeps every data-dependent decision the op takes, at the price of its Python overhead. The units
are chainrule's public ops (functions, Tensor methods and operators, ``nn.functional``, ``linalg``)
and every derivative rule, which the engine calls during a recorded backward.
"""

import functools
import threading

import numpy as np

from .. import _recording
from .._tensor import Tensor, make_tensor
from .._autograd import grad_mode
from .._autograd.graph import SavedTensor, next_sequence_nr
from .._ops._op import PUBLIC_OPS, OpNode

__all__ = ["unit_of", "unit_codes", "call_arguments", "flatten_tensors", "internal_arrays", "Unit"]

_UNITS = None  # id of a code object -> the functions sharing it (closures made by one factory share code). Keyed by
# id: hashing a code object hashes its contents, and the recorder tests every call; the functions keep their codes alive


_building = threading.Lock()


def _registry():
    global _UNITS
    if _UNITS is not None:  # built: no lock (the recorder asks on every op call)
        return _UNITS
    with _building:  # threads that record at once build it once
        if _UNITS is None:
            functions = list(PUBLIC_OPS)
            pending = [OpNode]
            while pending:
                node_class = pending.pop()
                pending.extend(node_class.__subclasses__())
                functions += list(node_class.vjps)
            units = {}
            for fn in functions:
                _add_unit(fn, units)
            _UNITS = units
            _recording.RULE_HOOKS.append(lambda node_class: [_add_unit(fn, _UNITS) for fn in node_class.vjps])
    return _UNITS


def _add_unit(fn, units):
    if fn.__class__ is functools.partial:  # a rule made for one operand of a family (einsum): its function
        fn = fn.func
    code = getattr(fn, "__code__", None)
    if code is not None:
        group = units.get(id(code))
        if group is None:
            units[id(code)] = [fn]
        elif fn not in group:
            group.append(fn)


def unit_codes():
    """The ids of the code objects of every unit, for a quick first test of each call."""
    return _registry()


def unit_of(frame):
    """The op function ``frame`` runs, or None when it is not a unit."""
    candidates = (_UNITS or _registry()).get(id(frame.f_code))
    if candidates is None:
        return None
    if len(candidates) == 1:
        return candidates[0]
    names = frame.f_code.co_freevars
    local = frame.f_locals
    key = tuple(id(local.get(name, _MISSING)) for name in names)
    fn = _closures_of(candidates, names).get(key)
    if fn is not None:
        return fn
    for fn in candidates:  # closures of one factory: tell them apart by what they close over
        if all(local.get(name, _MISSING) is cell.cell_contents for name, cell in zip(names, fn.__closure__ or ())):
            return fn
    return None


_CLOSURES = {}  # (id of a code, how many functions share it) -> {ids of what each closes over: the function}


def _closures_of(candidates, names):
    """The functions sharing one code, by the ids of the values they close over (looked up, not searched:
    a factory can make hundreds of them, the operators of Tensor)."""
    key = (id(candidates[0].__code__), len(candidates))
    table = _CLOSURES.get(key)
    if table is None:
        table = {}
        for fn in reversed(candidates):  # the first made wins, as in a search
            cells = fn.__closure__ or ()
            try:
                table[tuple(id(cell.cell_contents) for cell in cells)] = fn
            except ValueError:  # an empty cell: found by the search
                pass
        _CLOSURES[key] = table
    return table


_MISSING = object()


def call_arguments(frame):
    """The positional and keyword arguments ``frame``'s function was called with."""
    code = frame.f_code
    local = frame.f_locals
    names = code.co_varnames
    positional = [local[n] for n in names[:code.co_argcount]]
    index = code.co_argcount + code.co_kwonlyargcount
    keywords = {n: local[n] for n in names[code.co_argcount:index]}
    if code.co_flags & 0x04:  # *args
        positional += list(local[names[index]])
        index += 1
    if code.co_flags & 0x08:  # **kwargs
        keywords.update(local[names[index]])
    return positional, keywords


def flatten_tensors(value, found):
    """``value``'s structure with each tensor (or array) replaced by its position in ``found``."""
    if value.__class__ in _PLAIN:  # most arguments: numbers, flags, names
        return ("v", value)
    if isinstance(value, Tensor):
        found.append(value)
        return ("T", len(found) - 1)
    if isinstance(value, np.ndarray):
        found.append(value)
        return ("A", len(found) - 1)
    if isinstance(value, (tuple, list)):
        return (type(value), [flatten_tensors(v, found) for v in value])
    if isinstance(value, dict):
        return (dict, [(k, flatten_tensors(v, found)) for k, v in value.items()])
    return ("v", value)


_PLAIN = frozenset((int, float, bool, str, type(None)))


def _rebuild(structure, tensors):
    kind, content = structure
    if kind == "T" or kind == "A":
        return tensors[content]
    if kind == "v":
        return content
    if kind is dict:
        return {k: _rebuild(v, tensors) for k, v in content}
    items = [_rebuild(v, tensors) for v in content]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)


def internal_arrays(results, first_node):
    """The arrays the nodes an op made (sequence number from ``first_node`` on) keep for backward.

    A later derivative rule reads them, so when the op is replayed as a whole call they are outputs
    of that call too. The walk is breadth first from the results, so a replay finds them in the same order.
    """
    arrays = []
    seen = set()
    queue = [t._grad_fn for t in results if isinstance(t, Tensor) and t._grad_fn is not None]
    while queue:
        node = queue.pop(0)
        if id(node) in seen or not isinstance(node, OpNode) or node._sequence_nr < first_node:
            continue
        seen.add(id(node))
        _collect_arrays(node._saved, arrays)
        _collect_arrays(node._args, arrays)
        queue.extend(n for n, _ in node.next_functions if n is not None)
    return arrays


def _collect_arrays(value, arrays):
    if value.__class__ is SavedTensor:
        arrays.append(value.data if value.output_of is not None else value.tensor._data)
    elif isinstance(value, Tensor):
        arrays.append(value._data)
    elif isinstance(value, np.ndarray):
        arrays.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _collect_arrays(v, arrays)


class Unit:
    """Calls ``fn`` again, its tensors wrapping the replay's arrays; returns the arrays of its result.

    ``kinds`` says which operands were tensors ("T") or plain arrays ("A"); ``grad`` holds, when the
    call's internal values are needed later, which tensors required grad and the positions of those
    values (``internal_arrays``) to return after the result's.
    """

    effect = False  # it writes into its arguments or draws random numbers: never dropped
    stateful = False  # it draws random numbers: a check against eager must not call it again
    bumps = ()  # (where a tensor from outside comes from, by how much the call moved its version)

    def __init__(self, fn, arguments, keywords, outputs, kinds, count, grad=None):
        self.fn = fn
        self.arguments = arguments
        self.keywords = keywords
        self.outputs = outputs  # the structure of the result, in which tensors are numbered
        self.kinds = kinds
        self.count = count
        self.grad = grad
        self.__name__ = getattr(fn, "__qualname__", "op")

    def __call__(self, *arrays):
        items = []
        for kind, a in zip(self.kinds, arrays):
            items.append(make_tensor(a if a.__class__ is np.ndarray else np.asarray(a)) if kind == "T" else a)
        state = grad_mode._state
        enabled = state.enabled
        if self.grad is None:
            state.enabled = False
        else:
            for item, requires in zip(items, self.grad[0]):
                item._requires_grad = requires
            state.enabled = True
            first_node = next_sequence_nr()
        try:
            result = self.fn(*_rebuild(self.arguments, items), **_rebuild(self.keywords, items))
            found = []
            flatten_tensors(result, found)
            values = [t._data if isinstance(t, Tensor) else t for t in found]
            if self.grad is not None:
                internals = internal_arrays(found, first_node)
                values += [internals[i] for i in self.grad[1]]
        finally:
            state.enabled = enabled
        return values[0] if self.count == 1 else tuple(values)
