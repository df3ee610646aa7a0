"""Runs of plain arithmetic in a fused group as one compiled loop (``pip install chainrule[fast]``).

Within a chunk, NumPy makes one pass over memory per operation. A run of ``+ - * /`` and negation
between two transcendental calls can instead be one loop that reads each element once and keeps the
intermediate values in registers. The loop is generated as Python source and compiled by numba, in
eager's operation order, without fast-math and with each number cast to the array dtype first (as
NumPy casts a Python number), so every result rounds exactly as NumPy's would. Transcendentals stay
NumPy calls: NumPy's SIMD ``tanh`` and ``exp`` are far faster than the scalar ones numba would call.

numba is imported on the first large group only, never by ``import chainrule``; without it, groups
run as plain NumPy calls.
"""

import numpy as np

__all__ = ["MIN_ELEMENTS", "available", "compile_loop", "OPERATORS"]

MIN_ELEMENTS = 500_000  # below this, a numba compile (0.3 s or more) does not pay for itself
OPERATORS = {np.add: "{0} + {1}", np.subtract: "{0} - {1}", np.multiply: "{0} * {1}", np.true_divide: "{0} / {1}",
             np.negative: "-{0}"}

_numba = []  # [module or None], once looked up
_loops = {}  # generated source -> compiled loop


def available():
    """numba, if it is installed (imported on first use)."""
    if not _numba:
        try:
            import numba
        except ImportError:
            numba = None
        _numba.append(numba)
    return _numba[0] is not None


def compile_loop(expressions, inputs, outputs):
    """A compiled ``loop(*arrays, *numbers, *outs)``: ``expressions`` are ``(name, expression)`` pairs
    over the names in ``inputs`` (``("a", name)`` for an array read element by element, ``("n", name)``
    for a number) and earlier names; ``outputs`` are the names written to the out arrays."""
    arrays = [name for kind, name in inputs if kind == "a"]
    numbers = [name for kind, name in inputs if kind == "n"]
    outs = [f"out_{name}" for name in outputs]
    lines = [f"def loop({', '.join(arrays + numbers + outs)}):", f"    for j in range({outs[0]}.shape[0]):"]
    lines += [f"        {name}_ = {name}[j]" for name in arrays]
    renamed = {name: f"{name}_" for name in arrays}
    renamed.update({name: name for name in numbers})
    for name, expression in expressions:
        lines.append(f"        {name} = {expression.format(**renamed)}")
        renamed[name] = name
    lines += [f"        out_{name}[j] = {renamed[name]}" for name in outputs]
    source = "\n".join(lines) + "\n"
    loop = _loops.get(source)
    if loop is None:
        namespace = {}
        exec(compile(source, "<chainrule.compile:arithmetic loop>", "exec"), namespace)
        loop = _loops[source] = _numba[0].njit(nogil=True, fastmath=False, error_model="numpy")(namespace["loop"])
    return loop
