"""The bad-input table: generated wrong calls of every public callable, run on chainrule and on PyTorch.

Two sources of calls:
- every sample of the op table (tests/op_db) with one argument spoiled at a time: a tensor replaced by
  None, a string, a list, a tensor of another dtype or of a shape that does not fit; a dim or size replaced
  by an out-of-range, negative, fractional or string value; a keyword given a wrong value, or a keyword
  the op does not have;
- every function of ``chainrule``, ``chainrule.nn.functional`` and ``chainrule.linalg`` and every Tensor
  method that PyTorch has under the same name, called with a fixed set of wrong argument lists, and with a
  transposed, 0-d, empty, complex or integer first argument (self) followed by nothing, a 1, a 0 or a tensor
  of the same kind.

An outcome is ``"ok"`` or the exception's builtin class (PyTorch's own classes, such as its LinAlgError,
count as the builtin class they derive from). ``python tests/bad_input_table.py`` prints the scan.
"""

import math
import warnings

import numpy as np

from op_db import Sample, all_ops

# Calls that change process-wide state, read or write files, or start machinery: not called with junk.
SKIPPED = {
    "compile", "load", "save", "seed", "manual_seed", "initial_seed", "get_rng_state", "set_rng_state",
    "from_file", "from_numpy", "from_dlpack", "frombuffer", "no_grad", "enable_grad", "inference_mode",
    "is_grad_enabled", "is_inference_mode_enabled", "get_default_dtype", "typename", "is_tensor", "is_storage",
    "register_hook", "register_post_accumulate_grad_hook", "backward", "share_memory_", "pin_memory",
    "numpy", "tolist", "item", "data_ptr", "storage", "untyped_storage", "storage_offset", "cpu", "cuda", "to",
    "get_device", "is_pinned", "is_shared", "dim_order", "element_size", "nbytes", "itemsize",
    "vmap", "cond", "jit", "export", "sym_int", "sym_float", "sym_max", "sym_min", "sym_not", "sym_ite",
    "sym_sum", "sym_fresh_size", "chunk_mode", "rrelu_", "get_num_threads", "get_num_interop_threads",
}
SKIPPED_PREFIXES = ("set_", "use_", "_", "is_", "get_", "are_")


def outcome(call):
    """``"ok"``, or the builtin exception class that ``call()`` raised (with the exception itself)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except Exception as error:  # the point: every exception is an outcome to compare
        return builtin_class(type(error)), error
    return "ok", None


def builtin_class(cls):
    """The first builtin exception class in ``cls``'s ancestry: PyTorch's LinAlgError is a RuntimeError."""
    for base in cls.__mro__:
        if base.__module__ == "builtins":
            return base.__name__
    return cls.__name__


def is_numpy_error(error):
    """One of NumPy's own exception classes (``UFuncTypeError``, ``AxisError``...): never an answer to bad
    input, even where its builtin base class is the one PyTorch raises."""
    return type(error).__module__.startswith("numpy")


def is_internal(error):
    """An exception that is chainrule's or NumPy's own business, never an answer to bad input."""
    if error is None:
        return False
    if is_numpy_error(error):
        return True
    return isinstance(error, (AttributeError, AssertionError, UnboundLocalError, ZeroDivisionError, KeyError,
                              NameError, RecursionError))


# ---------------------------------------------------------------- op table samples, one argument spoiled
def _spoiled_arrays(array):
    """(label, value) for a tensor argument: values of a type, dtype or shape the op should refuse."""
    yield "None", None
    yield "str", "abc"
    yield "list", array.tolist() if isinstance(array, np.ndarray) else [1.0]
    if array.dtype.kind == "f":
        with np.errstate(invalid="ignore"):  # a sample's nan or inf becomes some integer: any will do here
            spoiled = array.astype(bool), array.astype(np.int64)
        yield "bool tensor", spoiled[0]
        yield "int tensor", spoiled[1]
        yield "complex tensor", array.astype(np.complex128)
    yield "shape (7, 5)", np.linspace(-1, 1, 35).reshape(7, 5)
    yield "shape (3, 1, 7)", np.linspace(-1, 1, 21).reshape(3, 1, 7)


def _spoiled_ints(value):
    yield "dim 100", 100
    yield "dim -100", -100
    yield "float", 1.5
    yield "str", "a"
    yield "None", None


def _spoiled_tuples(value):
    yield "repeated", (value[0], value[0])
    yield "out of range", (100,)
    yield "str element", ("a",)


def _spoiled_argument(value):
    if isinstance(value, np.ndarray):
        return _spoiled_arrays(value)
    if isinstance(value, bool) or value is None:
        return iter([("str", "abc")])
    if isinstance(value, int):
        return _spoiled_ints(value)
    if isinstance(value, float):
        return iter([("str", "abc"), ("None", None)])
    if isinstance(value, str):
        return iter([("bad string", "no-such-option"), ("int", 3)])
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, int) and not isinstance(v, bool)
                                                          for v in value):
        return _spoiled_tuples(value)
    return iter(())


def _in_float32(value):
    """A sample's value with its float64 arrays made float32."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32)
    return value


def _overflowing(sample, i=None, key=None):
    """``sample`` in float32 with one float argument (position ``i`` or keyword ``key``) beyond float32's
    range: PyTorch refuses to convert such a number for most ops that take one."""
    args = tuple(OVERFLOWING if n == i else _in_float32(a) for n, a in enumerate(sample.args))
    kwargs = {k: OVERFLOWING if k == key else _in_float32(v) for k, v in sample.kwargs.items()}
    return Sample(args, kwargs)


OVERFLOWING = 1e39


def _spoiled_samples(sample):
    """(label, Sample) for each single spoiled argument of ``sample``, and a keyword the op does not take."""
    for i, value in enumerate(sample.args):
        for label, bad in _spoiled_argument(value):
            args = sample.args[:i] + (bad,) + sample.args[i + 1:]
            yield f"arg {i}: {label}", Sample(args, dict(sample.kwargs))
        if isinstance(value, float):
            yield f"arg {i}: 1e39 on float32", _overflowing(sample, i=i)
    for key, value in sample.kwargs.items():
        for label, bad in _spoiled_argument(value):
            yield f"{key}: {label}", Sample(sample.args, {**sample.kwargs, key: bad})
        if isinstance(value, float):
            yield f"{key}: 1e39 on float32", _overflowing(sample, key=key)
    yield "unknown keyword", Sample(sample.args, {**sample.kwargs, "no_such_keyword": 1})


def _tensors(module, sample):
    return [module.tensor(a) if isinstance(a, np.ndarray) else a for a in sample.args]


def op_table_cases(samples_per_op=2):
    """(family, name, label, call(module)) for spoiled samples of every op in the op table."""
    for op in all_ops():
        rng = np.random.default_rng(0)
        for n, sample in enumerate(op.samples(rng)):
            if n >= samples_per_op:
                break
            for label, spoiled in _spoiled_samples(sample):
                def call(module, op=op, spoiled=spoiled):
                    return op.call(module, *_tensors(module, spoiled), **spoiled.kwargs)
                yield "op table", op.name, f"sample {n}, {label}", call


# ---------------------------------------------------------------- every public callable, fixed wrong calls
def _tensor(module, *shape, dtype=None):
    count = math.prod(shape)
    return module.linspace(-1, 1, count).reshape(shape).to(dtype or module.float32)


# Tensors of unusual layouts and kinds: each, as a method's self or a function's first argument, is called with no
# argument, a 1, a 0 and a tensor of its own kind.
SELVES = {
    "expanded": lambda m: _tensor(m, 1, 3).expand(2, 3),
    "transposed": lambda m: _tensor(m, 3, 2).t(),
    "0-d": lambda m: m.tensor(0.5),
    "empty": lambda m: m.ones(0, 3),
    "complex": lambda m: _tensor(m, 2, 3).to(m.complex64),
    "requires grad": lambda m: _tensor(m, 2, 3).requires_grad_(),
    "int": lambda m: m.arange(6).reshape(2, 3),
}


def _unusual_calls(kinds, label):
    """(label, kind, args(module)) for each of ``kinds`` with no argument, a 1, a 0 and a tensor of its kind."""
    for kind in kinds:
        yield f"{kind} {label}", kind, lambda m: ()
        yield f"{kind} {label}, 1", kind, lambda m: (1,)
        yield f"{kind} {label}, 0", kind, lambda m: (0,)
        yield f"{kind} {label}, {kind} tensor", kind, lambda m, kind=kind: (SELVES[kind](m),)


# (label, args(module) -> positional args, kwargs): a matrix-shaped first argument and something wrong
FUNCTION_CALLS = [
    ("None", lambda m: ((None,), {})),
    ("str", lambda m: (("abc",), {})),
    ("tensor, None", lambda m: ((_tensor(m, 2, 3), None), {})),
    ("tensor, str", lambda m: ((_tensor(m, 2, 3), "abc"), {})),
    ("tensor, dim 100", lambda m: ((_tensor(m, 2, 3), 100), {})),
    ("tensor, float", lambda m: ((_tensor(m, 2, 3), 1.5), {})),
    ("tensors that do not broadcast", lambda m: ((_tensor(m, 2, 3), _tensor(m, 4, 5)), {})),
    ("bool tensor", lambda m: ((_tensor(m, 2, 3, dtype=m.bool),), {})),
    ("int tensor", lambda m: ((_tensor(m, 2, 3, dtype=m.int64),), {})),
    ("tensor, dim=100", lambda m: ((_tensor(m, 2, 3),), {"dim": 100})),
    ("tensor, dim='a'", lambda m: ((_tensor(m, 2, 3),), {"dim": "a"})),
    ("unknown keyword", lambda m: ((_tensor(m, 2, 3),), {"no_such_keyword": 1})),
]
FUNCTION_CALLS += [(label, lambda m, kind=kind, extra=extra: ((SELVES[kind](m), *extra(m)), {}))
                   for label, kind, extra in _unusual_calls(("transposed", "0-d", "empty", "complex", "int"), "input")]

# Methods get the tensor as ``self``: (label, self's kind: a dtype's name, a key of SELVES or None, args(module)).
# An expanded self has one memory location under several elements: in-place methods must refuse to write it.
METHOD_CALLS = [
    ("None", None, lambda m: ((None,), {})),
    ("str", None, lambda m: (("abc",), {})),
    ("dim 100", None, lambda m: ((100,), {})),
    ("float", None, lambda m: ((1.5,), {})),
    ("tensor that does not broadcast", None, lambda m: ((_tensor(m, 4, 5),), {})),
    ("dim=100", None, lambda m: ((), {"dim": 100})),
    ("unknown keyword", None, lambda m: ((), {"no_such_keyword": 1})),
    ("bool self", "bool", lambda m: ((), {})),
    ("int self", "int64", lambda m: ((), {})),
    ("expanded self", "expanded", lambda m: ((), {})),
    ("expanded self, 1", "expanded", lambda m: ((1,), {})),
]
METHOD_CALLS += [(label, kind, lambda m, extra=extra: (extra(m), {}))
                 for label, kind, extra in _unusual_calls(("transposed", "0-d", "empty", "complex", "requires grad"),
                                                          "self")]


def _self(module, kind):
    if kind in SELVES:
        return SELVES[kind](module)
    return _tensor(module, 2, 3, dtype=getattr(module, kind) if kind else None)


def _public_names(ours, theirs):
    for name in sorted(set(dir(ours)) & set(dir(theirs))):
        if name in SKIPPED or name.startswith(SKIPPED_PREFIXES):
            continue
        a, b = getattr(ours, name, None), getattr(theirs, name, None)
        if callable(a) and callable(b) and not isinstance(a, type) and not isinstance(b, type):
            yield name


def namespaces():
    """(family, chainrule namespace, torch namespace) for every namespace of functions the table covers."""
    import torch
    import chainrule

    return [("chainrule", chainrule, torch), ("nn.functional", chainrule.nn.functional, torch.nn.functional),
            ("linalg", chainrule.linalg, torch.linalg)]


def public_function_cases():
    """(family, name, label, call(module)) for every public function called with each wrong argument list."""
    import torch
    import chainrule

    for family, ours, theirs in namespaces():
        for name in _public_names(ours, theirs):
            for label, make in FUNCTION_CALLS:
                def call(module, family=family, name=name, make=make):
                    namespace = {"chainrule": module, "nn.functional": module.nn.functional,
                                 "linalg": module.linalg}[family]
                    args, kwargs = make(module)
                    return getattr(namespace, name)(*args, **kwargs)
                yield family, name, label, call
    for name in _public_names(chainrule.Tensor, torch.Tensor):
        for label, dtype, make in METHOD_CALLS:
            def call(module, name=name, dtype=dtype, make=make):
                self = _self(module, dtype)
                args, kwargs = make(module)
                return getattr(self, name)(*args, **kwargs)
            yield "Tensor", name, label, call


def all_cases():
    yield from op_table_cases()
    yield from public_function_cases()


def compare(case):
    """(ours, theirs, our error, their error) for one case: outcomes on chainrule and on PyTorch."""
    import torch
    import chainrule

    family, name, label, call = case
    theirs, their_error = outcome(lambda: call(torch))
    ours, our_error = outcome(lambda: call(chainrule))
    return ours, theirs, our_error, their_error


def scan():
    """Every case's comparison: {(family, name, label): (ours, theirs, our error, their error)}."""
    return {case[:3]: compare(case) for case in all_cases()}


def summary(results):
    """Counts of equal outcomes, internal errors, accepted-where-refused, refused-where-accepted, other types."""
    counts = {"calls": 0, "compared": 0, "same": 0, "internal": 0, "accepted": 0, "refused": 0, "other type": 0}
    names = set()
    for (family, name, _), (ours, theirs, our_error, _) in results.items():
        counts["calls"] += 1
        names.add((family, name))
        counts["compared"] += 1
        if is_internal(our_error) and (ours != theirs or is_numpy_error(our_error)):
            counts["internal"] += 1
        elif ours == theirs:
            counts["same"] += 1
        elif ours == "ok":
            counts["accepted"] += 1
        elif theirs == "ok":
            counts["refused"] += 1
        else:
            counts["other type"] += 1
    counts["callables"] = len(names)
    return counts


def kind_of_difference(ours, theirs, our_error):
    if is_internal(our_error):
        return "internal"
    if ours == "ok":
        return "accepted"
    if theirs == "ok":
        return "refused"
    return "other type"


KNOWN_FILE = __import__("pathlib").Path(__file__).with_name("bad_input_known.txt")


def differences(results):
    """{(family, name, kind of difference)} for every call whose outcome differs from PyTorch's."""
    return {(key[0], key[1], kind_of_difference(ours, theirs, our_error))
            for key, (ours, theirs, our_error, _) in results.items() if ours != theirs or is_numpy_error(our_error)}


def read_known():
    rows = set()
    for line in KNOWN_FILE.read_text().splitlines():
        if line and not line.startswith("#"):
            family, name, kind = line.split("\t")
            rows.add((family, name, kind))
    return rows


def write_known(rows):
    header = ("# Callables whose bad-input outcomes still differ from PyTorch's, and how (tab-separated).\n"
              "# Written by `python tests/bad_input_table.py --write-known`; tests/test_bad_input.py fails on a\n"
              "# difference not listed here and on a line that no longer differs, so the list only shrinks.\n")
    KNOWN_FILE.write_text(header + "".join("\t".join(row) + "\n" for row in sorted(rows)))


if __name__ == "__main__":
    import collections
    import sys
    import time

    start = time.perf_counter()
    results = scan()
    elapsed = time.perf_counter() - start
    print(summary(results), f"{elapsed:.1f} s")
    if "--write-known" in sys.argv:
        write_known(differences(results))
        sys.exit()
    by_name = collections.defaultdict(list)
    for key, (ours, theirs, our_error, their_error) in results.items():
        if ours != theirs or is_numpy_error(our_error):
            by_name[key[:2]].append((key[2], ours, theirs, our_error, their_error))
    for (family, name), rows in sorted(by_name.items()):
        print(f"{family}.{name}: {len(rows)}")
        for label, ours, theirs, our_error, their_error in rows[:int(sys.argv[1]) if len(sys.argv) > 1 else 2]:
            print(f"    {label}: ours {ours} {str(our_error)[:100]!r} | torch {theirs} {str(their_error)[:80]!r}")
