"""Elementwise fusion for large arrays: run a group of elementwise calls chunk by chunk.

Eager NumPy makes one pass over memory per op and a full-size temporary for each result. A group of
consecutive elementwise calls on arrays of one large shape is instead run over row chunks small
enough to stay in cache, and only the values needed after the group (saved for backward, reduced,
returned) are written to full-size arrays. Each chunk makes the same ufunc calls eager makes on the
same elements, so results are equal bit for bit; reductions stay whole-array calls after the group,
so their summation order is eager's too. Chunks are shared between a small thread pool, since
NumPy's loops release the GIL. On a CUDA device a group becomes one generated kernel instead
(``cuda_fusion``).
"""

import linecache
import os

import numpy as np

from .._array import namespace_of
from . import arithmetic_loops, cuda_fusion
from .ir import Call, Const, ConstRef, Fused, Load, SlotRef, Traced
from .kernels import ELEMENTWISE, fresh_gradient

__all__ = ["fuse", "MIN_ELEMENTS"]

MIN_ELEMENTS = 65536  # below this, call overhead dominates and fusing does not pay
CHUNK_BYTES = 512 * 1024  # 64K elements a chunk: measured fastest for float32 and float64 here
_pool = None


def _threads():
    return min(os.cpu_count() or 1, 4)


def _executor():
    global _pool
    if _pool is None:
        import concurrent.futures  # only once a large group runs

        _pool = concurrent.futures.ThreadPoolExecutor(_threads(), thread_name_prefix="chainrule-compile")
    return _pool


def _elementwise(instruction, values):
    if instruction.__class__ is not Call:
        return False
    fn = instruction.fn
    return isinstance(fn, np.ufunc) and fn.nout == 1 or fn in ELEMENTWISE or \
        cuda_fusion.on_gpu(fn, values[instruction.slot])


def _broadcasts_into(shape, target):
    if len(shape) > len(target):
        return False
    return all(s == 1 or s == t for s, t in zip(shape[::-1], target[::-1]))


def fuse(instructions, values, keep):
    """Replace each fusable group by one ``fused`` instruction; ``keep`` holds slots read after the plan.

    While a group is open, a pure instruction that reads none of its values moves before it (the seed
    of a backward pass between two groups), and one that reads them moves after it (the reduction of a
    forward pass), so a forward and its backward can run as one group.
    """
    readers = {}
    for position, instruction in enumerate(instructions):
        for slot in instruction.reads():
            readers.setdefault(slot, []).append(position)
    result = []
    group, before, after, after_slots = [], [], [], set()

    def close():
        result.extend(before)
        _close(group, result, values, readers, keep)
        result.extend(after)
        group.clear(), before.clear(), after.clear(), after_slots.clear()

    for position, instruction in enumerate(instructions):
        reads = set(instruction.reads())
        if group:
            members = {i.slot for _, i in group}
            if not reads & after_slots and _joins(instruction, group, values):
                group.append((position, instruction))
                continue
            if instruction.__class__ in (Call, Traced, Load, Const):
                if reads & (members | after_slots):
                    after.append(instruction)
                    after_slots.update(instruction.makes())
                else:
                    before.append(instruction)
                continue
            close()
        if _elementwise(instruction, values) and values[instruction.slot].size >= MIN_ELEMENTS \
                and _joins(instruction, [(position, instruction)], values):
            group.append((position, instruction))
        else:
            result.append(instruction)
    close()
    return result


def _joins(instruction, group, values):
    if not _elementwise(instruction, values):
        return False
    shape = values[group[0][1].slot].shape
    if values[instruction.slot].shape != shape:
        return False
    return all(_broadcasts_into(values[r.slot].shape, shape) for r in instruction.operands if r.__class__ is SlotRef)


def _close(group, result, values, readers, keep):
    if not group:
        return
    if len(group) == 1:
        result.append(group[0][1])
        return
    group = list(group)
    members = {instruction.slot for _, instruction in group}
    positions = {position for position, _ in group}
    outputs = [s for s in members if s in keep or any(p not in positions for p in readers.get(s, ()))]
    inputs = []
    for _, instruction in group:
        for ref in instruction.operands:
            if ref.__class__ is SlotRef and ref.slot not in members and ref.slot not in inputs:
                inputs.append(ref.slot)
    shape = values[group[0][1].slot].shape
    first = values[group[0][1].slot]
    if cuda_fusion.on_gpu(group[0][1].fn, first):  # a GPU group: one generated kernel
        instructions = [instruction for _, instruction in group]
        dtypes = {s: values[s].dtype for s in members | set(inputs)}
        if not cuda_fusion.can_generate(instructions, dtypes):
            result.extend(instructions)
            return
        runner = cuda_fusion.GpuGroup(instructions, inputs, sorted(outputs), dtypes, shape, namespace_of(first))
    else:
        outputs = sorted(outputs)
        runner = _Group([instruction for _, instruction in group], inputs, outputs,
                        {s: values[s] for s in inputs}, {s: values[s].dtype for s in members | set(outputs)}, shape,
                        [_axis_order(values[s]) for s in outputs])
    names = " ".join(instruction.name.replace("Backward0", "").replace("Backward1", "") for _, instruction in group)
    result.append(Fused(tuple(runner.outputs), runner, tuple(SlotRef(s) for s in inputs), None, f"fused[{names}]",
                        group[0][1].site))


class _Group:
    """A generated chunk function over one group, and the loop that runs it."""

    def __init__(self, instructions, inputs, outputs, input_values, dtypes, shape, layouts):
        self.outputs = outputs
        self.layouts = layouts  # each output's axis order in memory, as eager laid it out (None: C order)
        self.shape = shape
        self.output_dtypes = [dtypes[s] for s in outputs]
        self.dtypes = dtypes
        rows = shape[0]
        row_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * 8)
        self.step = max(1, CHUNK_BYTES // row_bytes)
        self.chunks = [(lo, min(lo + self.step, rows)) for lo in range(0, rows, self.step)]
        self.source = self._write(instructions, inputs, outputs, input_values, shape)
        namespace = {"empty": np.empty}
        filename = f"<chainrule.compile:fused group {id(self):x}>"
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        exec(compile(self.source, filename, "exec"), namespace)
        self.chunk = namespace["make"](*self.bound)

    def _write(self, instructions, inputs, outputs, input_values, shape):
        self.bound = []
        names = {}

        def bind(value):
            if id(value) not in names:
                names[id(value)] = f"k{len(self.bound)}"
                self.bound.append(value)
            return names[id(value)]

        lines = []
        full = set()  # slots whose chunk value has the chunk's whole shape
        for slot in inputs:
            sliced = input_values[slot].ndim == len(shape) and input_values[slot].shape[0] == shape[0] != 1
            lines.append(f"t{slot} = i{slot}[lo:hi]" if sliced else f"t{slot} = i{slot}")
            if input_values[slot].shape == shape:
                full.add(slot)
        runs = {} if any(self.layouts) else _arithmetic_runs(instructions, inputs, input_values, self.dtypes, shape)
        skip = set()
        for position, instruction in enumerate(instructions):
            if position in skip:
                continue
            run = runs.get(position)
            if run is not None:
                lines += self._write_run(instructions, position, run, outputs, full, shape, bind)
                skip.update(range(position, run))
                continue
            slot, fn, refs, template, name, site = instruction
            full.add(slot)
            args = [f"t{r.slot}" if r.__class__ is SlotRef else (repr(r.value) if _literal(r.value) else bind(r.value))
                    for r in refs]
            if slot in outputs and fn is fresh_gradient and refs[0].__class__ is SlotRef:
                lines.append(f"o{slot}[lo:hi] = t{refs[0].slot}  # {name} at {site}")  # the copy, written once
                lines.append(f"t{slot} = o{slot}[lo:hi]")
                continue
            if slot in outputs and isinstance(fn, np.ufunc):
                lines.append(f"t{slot} = {bind(fn)}({', '.join(args)}, out=o{slot}[lo:hi])  # {name} at {site}")
                continue
            call = template.format(*args) if template else f"{bind(fn)}({', '.join(args)})"
            lines.append(f"t{slot} = {call}  # {name} at {site}")
            if slot in outputs:
                lines.append(f"o{slot}[lo:hi] = t{slot}")
        parameters = ", ".join([f"i{s}" for s in inputs] + [f"o{s}" for s in outputs])
        text = f"def make({', '.join(f'k{i}' for i in range(len(self.bound)))}):\n"
        text += f"    def chunk(lo, hi, {parameters}):\n" + "".join(f"        {line}\n" for line in lines)
        return text + "    return chunk\n"

    def _write_run(self, instructions, start, end, outputs, full, shape, bind):
        """Lines calling one compiled loop for the arithmetic ``instructions[start:end]`` (``_arithmetic_runs``)."""
        run = instructions[start:end]
        made = {i.slot for i in run}
        later = {r.slot for i in instructions[end:] for r in i.operands if r.__class__ is SlotRef}
        results = [s for s in (i.slot for i in run) if s in later or s in outputs]
        dtype = self.dtypes[run[0].slot]
        inputs, arguments, expressions = [], [], []
        for instruction in run:
            slot, fn, refs = instruction.slot, instruction.fn, instruction.operands
            names = []
            for ref in refs:
                if ref.__class__ is ConstRef:
                    name = f"n{len(inputs)}"
                    inputs.append(("n", name))
                    arguments.append(bind(dtype.type(ref.value)))
                elif ref.slot in made:
                    name = f"t{ref.slot}"
                elif ref.slot in full:
                    name = f"t{ref.slot}"
                    if ("a", name) not in inputs:
                        inputs.append(("a", name))
                        arguments.append(f"t{ref.slot}.reshape(-1)")
                else:  # a one-element input, read as a number of the group's dtype
                    name = f"t{ref.slot}"
                    if ("n", name) not in inputs:
                        inputs.append(("n", name))
                        arguments.append(f"t{ref.slot}.reshape(-1)[0]")
                names.append(name)
            expressions.append((f"t{slot}", arithmetic_loops.OPERATORS[fn].format(*(f"{{{n}}}" for n in names))))
        loop = arithmetic_loops.compile_loop(expressions, inputs, [f"t{s}" for s in results])
        tail = bind(tuple(shape[1:]))
        lines = [f"t{s} = empty((hi - lo,) + {tail}, {bind(dtype)})" for s in results if s not in outputs]
        targets = [f"o{s}[lo:hi].reshape(-1)" if s in outputs else f"t{s}.reshape(-1)" for s in results]
        ordered = [a for (kind, _), a in zip(inputs, arguments) if kind == "a"] + \
            [a for (kind, _), a in zip(inputs, arguments) if kind == "n"]  # the loop takes arrays, then numbers
        lines.append(f"{bind(loop)}({', '.join(ordered + targets)})  # {len(run)} arithmetic ops in one loop")
        lines += [f"t{s} = o{s}[lo:hi]" for s in results if s in outputs]
        full.update(made)
        return lines

    def __call__(self, *inputs):
        outs = [_empty(self.shape, dtype, order) for dtype, order in zip(self.output_dtypes, self.layouts)]
        chunk = self.chunk
        arguments = list(inputs) + outs
        if len(self.chunks) >= 8 and _threads() > 1:
            halves = np.array_split(np.arange(len(self.chunks)), _threads())
            futures = [_executor().submit(self._run, [self.chunks[i] for i in part], arguments) for part in halves]
            for future in futures:
                future.result()
        else:
            for lo, hi in self.chunks:
                chunk(lo, hi, *arguments)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _run(self, chunks, arguments):
        chunk = self.chunk
        for lo, hi in chunks:
            chunk(lo, hi, *arguments)


def _axis_order(value):
    """The order of ``value``'s axes in memory, outermost first, or None for C order.

    A ufunc lays its result out like its operands (a transposed input gives a transposed result); a later
    reduction or product sums in memory order, so a fused group's outputs keep eager's layout.
    """
    if value.flags.c_contiguous or value.ndim < 2:
        return None
    return tuple(sorted(range(value.ndim), key=lambda axis: -value.strides[axis]))


def _empty(shape, dtype, order):
    if order is None:
        return np.empty(shape, dtype)
    return np.empty([shape[axis] for axis in order], dtype).transpose(np.argsort(order))


def _arithmetic_runs(instructions, inputs, input_values, dtypes, shape):
    """{first position: end position} of the runs of two or more arithmetic ops a compiled loop can take.

    Only for float32/float64 groups large enough to pay for a numba compile, and only when numba is
    installed. An operand must be a value of the group's dtype: a full chunk, one element, or a number.
    """
    size = int(np.prod(shape))
    if size < arithmetic_loops.MIN_ELEMENTS or not arithmetic_loops.available():
        return {}
    dtype = dtypes[instructions[0].slot]
    if dtype != np.float32 and dtype != np.float64:
        return {}
    runs = {}
    start = None
    for position, instruction in enumerate(instructions + [None]):
        if instruction is not None and _loopable(instruction, inputs, input_values, dtypes, dtype, shape):
            start = position if start is None else start
            continue
        if start is not None and position - start >= 2:
            runs[start] = position
        start = None
    return runs


def _loopable(instruction, inputs, input_values, dtypes, dtype, shape):
    slot, fn, refs = instruction.slot, instruction.fn, instruction.operands
    if fn not in arithmetic_loops.OPERATORS or dtypes[slot] != dtype:
        return False
    for ref in refs:
        if ref.__class__ is ConstRef:
            if ref.value.__class__ not in (int, float):
                return False
        elif ref.slot in inputs:
            value = input_values[ref.slot]
            if value.dtype != dtype or not (value.shape == shape or value.size == 1):
                return False
        elif dtypes.get(ref.slot) != dtype:
            return False
    return True


def _literal(value):
    return value is None or value.__class__ in (bool, int, str) or value.__class__ is float and np.isfinite(value)
