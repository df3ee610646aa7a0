"""The edge-value table: every op of the op table (tests/op_db) on NaN, ±inf, ±0, huge and tiny values, and on
its empty and 0-d samples, run on chainrule and on PyTorch in float64, float32 and float16.

Each call takes one of the op's samples and puts one kind of edge value into every floating-point array
argument: in every other element (the rest keep the sample's ordinary values, so an edge value meets
ordinary ones, as in ``nan + 1`` or ``max`` over a row with a NaN), or in every element (so edge meets edge,
as in ``inf - inf`` or ``0 / -0``). Integer arguments (indices, targets) are left alone. Both libraries get
the same arrays; the comparison is of

- the outcome: a result, or an exception of the same builtin class;
- each result: shape, dtype, NaN positions, infinities with their signs, the signs of zeros, and the finite
  values to the op table's tolerances (float16 to one float16 rounding more, since PyTorch computes float16
  ops in float32 and rounds once);
- the first-order gradients of the differentiable inputs, for a cotangent of ones, the same way;
- chainrule's floating-point warnings: an op computes ``log(0)`` or ``inf - inf`` silently, as PyTorch does.

What still differs is listed in tests/edge_values_known.txt, one line per op, dtype, edge kind and kind of
difference; tests/test_edge_values.py fails on a difference not listed and on a listed line that no longer
differs, so the list only shrinks. ``python tests/edge_value_table.py`` prints the counts
(``--write-known`` rewrites the list, ``--show NAME`` prints an op's differing calls).
"""

import collections
import math
import pathlib
import warnings
from dataclasses import dataclass

import numpy as np

from op_db import all_ops

SEED = 1234
DTYPES = ("float64", "float32", "float16")


def edge_values(kind, dtype):
    """The values of one edge kind in ``dtype``, in the order they are spread over an array."""
    info = np.finfo(dtype)
    return {
        "nan": [math.nan],
        "inf": [math.inf, -math.inf],
        "zero": [0.0, -0.0],
        "huge": [float(info.max), -float(info.max)],
        "tiny": [float(info.tiny), -float(info.smallest_subnormal), float(info.smallest_subnormal),
                 -float(info.tiny)],
    }[kind]


EDGE_KINDS = ("nan", "inf", "zero", "huge", "tiny")
SPREADS = ("some", "all")  # edge values in every other element, or in every element
# (op, edge kind) that crash PyTorch itself: its eigenvalue routine segfaults on a NaN or an infinity (MKL's
# GEBAL refuses the matrix, and the process dies).
CRASH_TORCH = {("linalg.eig", "nan"), ("linalg.eig", "inf"), ("linalg.eigvals", "nan"), ("linalg.eigvals", "inf")}


@dataclass(frozen=True)
class EdgeCall:
    """One op called once: ``sample``'s float arrays in ``dtype`` with ``edge`` values spread as ``spread``."""

    op: object
    sample: object
    dtype: str
    edge: str  # an EDGE_KINDS entry, or "empty" / "0-d" for a sample that is compared as it is
    spread: str = ""


def _float_arrays(sample):
    return [a for a in sample.args if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def chosen_samples(op):
    """At most three of ``op``'s samples: its first with several elements, its first 0-d and its first empty
    one (each where it has one and the sample has a floating-point array)."""
    chosen = {}
    for sample in op.samples(np.random.default_rng(SEED)):
        arrays = _float_arrays(sample)
        if not arrays:
            continue
        if any(a.size == 0 for a in arrays):
            chosen.setdefault("empty", sample)
        elif all(a.ndim == 0 for a in arrays):
            chosen.setdefault("0-d", sample)
        elif any(a.size > 1 for a in arrays):
            chosen.setdefault("several", sample)
    return chosen


def calls_of(op):
    """Every ``EdgeCall`` of one op: each edge kind and spread on its chosen samples, in each dtype."""
    for dtype in DTYPES:
        for shape_kind, sample in chosen_samples(op).items():
            if shape_kind == "empty":
                yield EdgeCall(op, sample, dtype, "empty")
                continue
            for edge in EDGE_KINDS:
                if (op.name, edge) in CRASH_TORCH:
                    continue
                for spread in SPREADS if shape_kind == "several" else ("all",):
                    yield EdgeCall(op, sample, dtype, edge, spread)


def edged(array, values, position, spread):
    """``array`` (a sample's float array) with ``values`` spread in: every element (``"all"``) or every other
    one, the ``position``-th float argument shifted by one so two arguments' edge values fall apart."""
    flat = array.reshape(-1).copy()
    for i in range(flat.size):
        if spread == "all":
            flat[i] = values[(i + position) % len(values)]
        elif (i + position) % 2 == 0:
            flat[i] = values[(i // 2 + position) % len(values)]
    return flat.reshape(array.shape)


def call_arrays(call):
    """The sample's arguments with every float array cast to the call's dtype and given its edge values."""
    values = None if call.edge == "empty" else edge_values(call.edge, call.dtype)
    args, position = [], 0
    for a in call.sample.args:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            with np.errstate(over="ignore"):  # an ordinary value beyond float16's range becomes inf there too
                a = a.astype(call.dtype)
            if values is not None:
                a = edged(a, values, position, call.spread)
            position += 1
        args.append(a)
    return args


def _grad_positions(op, args):
    if op.grad_inputs is not None:
        return set(op.grad_inputs)
    return {i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"}


def builtin_class(error):
    """The first builtin class of an exception (PyTorch's own classes derive from the builtin ones)."""
    for base in type(error).__mro__:
        if base.__module__ == "builtins":
            return base.__name__
    return type(error).__name__


@dataclass
class Outcome:
    """What one library did with a call: its results and gradients as NumPy arrays (None: no gradient), or the
    builtin class of what it raised; ``warnings``: the floating-point warnings it emitted."""

    error: str = None
    results: list = None
    grad_error: str = None
    grads: list = None
    warnings: tuple = ()


def _numpy(t):
    return t.detach().numpy(force=True)  # force: PyTorch hands some gradients out as ZeroTensors


def run(module, call):
    """``call`` on ``module`` (chainrule or torch): forward, then the gradients for a cotangent of ones."""
    op = call.op
    arrays = call_arrays(call)
    positions = _grad_positions(op, arrays) if op.differentiable else set()
    args = []
    for i, a in enumerate(arrays):
        if isinstance(a, np.ndarray):
            t = module.from_numpy(a.copy()) if a.ndim else module.tensor(a)
            if i in positions and a.dtype.kind == "f":
                t.requires_grad_(True)
            a = t
        args.append(a)
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = op.call(module, *args, **call.sample.kwargs)
        except Exception as error:  # an outcome to compare with the other library's
            outcome.error = builtin_class(error)
            result = None
        if result is not None:
            outputs = [r for r in (result if isinstance(result, (tuple, list)) else [result]) if r is not None]
            outcome.results = [_numpy(o) for o in outputs]
            _gradients(module, outcome, outputs, [a for a in args if isinstance(a, module.Tensor)
                                                  and a.requires_grad])
    outcome.warnings = tuple(sorted({str(w.message) for w in caught
                                     if issubclass(w.category, RuntimeWarning)}))
    return outcome


def _gradients(module, outcome, outputs, inputs):
    differentiable = [o for o in outputs if o.dtype.is_floating_point and o.requires_grad]
    if not inputs or not differentiable:
        return
    try:
        grads = module.autograd.grad(differentiable, inputs, [module.ones_like(o) for o in differentiable],
                                     allow_unused=True)
    except Exception as error:  # an outcome to compare with the other library's
        outcome.grad_error = builtin_class(error)
        return
    outcome.grads = [None if g is None else _numpy(g) for g in grads]


# ---------------------------------------------------------------- comparing two outcomes
def tolerances(op, dtype, gradient):
    """The op table's tolerances (tests/test_ops.py), and one float16 rounding more for float16."""
    if dtype == "float64":
        return (1e-7, 1e-6) if gradient else (1e-7, 1e-7)
    atol, rtol = (op.atol * 10, op.rtol * 10) if gradient else (op.atol, op.rtol)
    if dtype == "float16":
        atol, rtol = max(atol, 1e-3), max(rtol, 2e-3)
    return atol, rtol


def array_differences(ours, theirs, atol, rtol):
    """The kinds of difference between two results: shape, dtype, nan, inf, zero sign, value."""
    if ours.shape != theirs.shape:
        return {"shape"}
    if ours.dtype == theirs.dtype and ours.tobytes() == theirs.tobytes():
        return set()
    found = set()
    if ours.dtype != theirs.dtype:
        found.add("dtype")
    if ours.dtype.kind not in "fc" or theirs.dtype.kind not in "fc":
        if ours.dtype.kind in "fc" or theirs.dtype.kind in "fc" or not np.array_equal(ours, theirs):
            found.add("value")
        return found
    pairs = [(ours.real, theirs.real), (ours.imag, theirs.imag)] if "c" in ours.dtype.kind + theirs.dtype.kind \
        else [(ours, theirs)]
    for a, b in pairs:
        a, b = a.astype(np.float64), b.astype(np.float64)
        nan_a, nan_b = np.isnan(a), np.isnan(b)
        if (nan_a != nan_b).any():
            found.add("nan")
        both = ~nan_a & ~nan_b
        infinite = both & (np.isinf(a) | np.isinf(b))
        if (a[infinite] != b[infinite]).any():
            found.add("inf")
        zeros = both & (a == 0) & (b == 0)
        if (np.signbit(a[zeros]) != np.signbit(b[zeros])).any():
            found.add("zero sign")
        finite = both & ~infinite
        if not np.allclose(a[finite], b[finite], atol=atol, rtol=rtol):
            found.add("value")
    return found


def differences(call, ours, theirs):
    """The kinds of difference between chainrule's outcome (``ours``) and PyTorch's, as a set of strings."""
    found = {"warning"} if ours.warnings else set()
    if ours.error or theirs.error:
        if ours.error != theirs.error:
            found.add("accepted" if theirs.error and not ours.error else
                      "refused" if ours.error and not theirs.error else "other error")
        return found
    if len(ours.results) != len(theirs.results):
        return found | {"outputs"}
    for a, b in zip(ours.results, theirs.results):
        found |= array_differences(a, b, *tolerances(call.op, call.dtype, False))
    if ours.grad_error or theirs.grad_error:
        if ours.grad_error != theirs.grad_error:
            found.add("grad refused" if ours.grad_error and not theirs.grad_error else
                      "grad accepted" if theirs.grad_error and not ours.grad_error else "grad other error")
        return found
    if (ours.grads is None) != (theirs.grads is None):
        return found | {"grad missing"}
    for a, b in zip(ours.grads or (), theirs.grads or ()):
        if a is None or b is None:
            if (a if b is None else b) is not None and np.any(a if b is None else b):
                found.add("grad missing")
            continue
        found |= {"grad " + kind for kind in array_differences(a, b, *tolerances(call.op, call.dtype, True))}
    return found


def compare(call):
    """The set of differences of one call (empty when chainrule does what PyTorch does)."""
    import torch

    import chainrule

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own warnings (deprecations, its TF32 notes) are not compared
        theirs = run(torch, call)
    return differences(call, run(chainrule, call), theirs)


def ops_by_name():
    """{op name: [OpInfo]} of the ops with a floating-point tensor argument (the others have no edge values to
    take); a few names have two entries (two sample sets)."""
    by_name = {}
    for op in all_ops():
        if chosen_samples(op):
            by_name.setdefault(op.name, []).append(op)
    return by_name


def scan(ops):
    """{(op name, dtype, edge kind, kind of difference)} found, and a count of calls by kind of difference
    (``"calls"``: all of them, ``"same"``: those as in PyTorch)."""
    found, counts = set(), collections.Counter()
    for op in ops:
        for call in calls_of(op):
            kinds = compare(call)
            counts.update(["calls"] if kinds else ["calls", "same"])
            counts.update(kinds)
            found |= {(op.name, call.dtype, call.edge, kind) for kind in kinds}
    return found, counts


KNOWN_FILE = pathlib.Path(__file__).with_name("edge_values_known.txt")
# Rows that differ from PyTorch on some CPUs and not on others: BLAS and LAPACK pick their kernels by CPU
# (OpenBLAS's DYNAMIC_ARCH), and the kernels differ in the signs of tiny products' zeros, in what the largest
# floats overflow to, and in when an iteration gives up.
PLATFORM_FILE = pathlib.Path(__file__).with_name("edge_values_platform.txt")


def read_known(path=KNOWN_FILE):
    rows = set()
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            rows.add(tuple(line.split("\t")))
    return rows


def write_known(rows):
    rows = set(rows) - read_known(PLATFORM_FILE)
    header = ("# Ops whose results or gradients on edge values still differ from PyTorch's (tab-separated: op, dtype,\n"
              "# edge kind, kind of difference). Written by `python tests/edge_value_table.py --write-known`;\n"
              "# tests/test_edge_values.py fails on a difference not listed here and on a line that no longer\n"
              "# differs, so the list only shrinks.\n")
    KNOWN_FILE.write_text(header + "".join("\t".join(row) + "\n" for row in sorted(rows)))


def _show(name):
    import chainrule
    import torch

    for op in ops_by_name()[name]:
        for call in calls_of(op):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = run(torch, call)
            ours = run(chainrule, call)
            kinds = differences(call, ours, theirs)
            if kinds:
                print(call.dtype, call.edge, call.spread, call.sample.name, sorted(kinds))
                print("   args  ", [a.tolist() if isinstance(a, np.ndarray) else a for a in call_arrays(call)])
                print("   ours  ", ours.error or [r.tolist() for r in ours.results], ours.grad_error or
                      [g if g is None else g.tolist() for g in ours.grads or ()], ours.warnings)
                print("   torch ", theirs.error or [r.tolist() for r in theirs.results], theirs.grad_error or
                      [g if g is None else g.tolist() for g in theirs.grads or ()])


if __name__ == "__main__":
    import sys
    import time

    if "--show" in sys.argv:
        _show(sys.argv[sys.argv.index("--show") + 1])
        sys.exit()
    start = time.perf_counter()
    found, counts = scan([op for ops in ops_by_name().values() for op in ops])
    print(f"{counts.pop('calls')} calls, {counts.pop('same')} as in PyTorch ({time.perf_counter() - start:.1f} s); "
          "calls that differ, by kind of difference:")
    by_kind = collections.Counter(kind for *_, kind in found)
    for kind, count in counts.most_common():
        print(f"  {kind}: {count} calls ({by_kind[kind]} lines of the known list)")
    if "--write-known" in sys.argv:
        write_known(found)
