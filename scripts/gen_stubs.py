"""Write type stubs (.pyi) for chainrule's public namespaces from what exists at runtime, so editors can
complete ``chainrule.ex<TAB>`` and ``t.su<TAB>``: ops are installed with ``globals().update`` and Tensor's
methods at import time, which no static analyser can follow.

    PYTHONPATH=src python scripts/gen_stubs.py [--out DIR]     (default: src/chainrule, beside the modules)

Each stubbed module lists every name the module has at runtime: functions with their signatures (from
``inspect``; ``(*args, **kwargs)`` where there is none), defaults written as ``...``; submodules as
imports; classes by name; other values by their type. The Tensor class lists every attribute of its
class hierarchy, the methods installed at runtime included. Return types: a function's own annotation,
else ``Tensor`` for a registered op (``Any`` for the ops in ``MULTIPLE_RESULTS`` and those returning a
named tuple), else ``Any``. tests/test_stubs.py checks that the stubs list exactly what exists.
"""

import argparse
import inspect
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import chainrule  # noqa: E402
import chainrule.array_api  # noqa: E402, F401  (loaded lazily at runtime: listed whether or not it was used yet)
import chainrule.coverage  # noqa: E402, F401  (the same)
import chainrule.linalg  # noqa: E402
import chainrule.nn.functional  # noqa: E402
from chainrule import _ops, return_types  # noqa: E402
from chainrule._tensor import Tensor  # noqa: E402

# Public namespaces, by the file their stub goes to (relative to the package).
MODULES = {"__init__.pyi": chainrule, "linalg.pyi": chainrule.linalg,
           "nn/functional/__init__.pyi": chainrule.nn.functional}
TENSOR_STUB = "_tensor.pyi"

# Registered ops that return several tensors (a tuple or a list), beside those with a named tuple.
MULTIPLE_RESULTS = {
    "split", "chunk", "unbind", "tensor_split", "hsplit", "vsplit", "dsplit", "split_with_sizes", "meshgrid",
    "broadcast_tensors", "atleast_1d", "atleast_2d", "atleast_3d", "nonzero", "unique", "unique_consecutive",
    "frexp", "std_mean", "var_mean", "slogdet", "qr", "svd", "eig", "eigh", "lu", "lu_factor", "lu_unpack",
    "lstsq", "histogram", "where",
}


def _registered_ops():
    """The registered ops: their names and, by id, the functions themselves (Tensor's operators are ops
    under another name)."""
    ops = {**_ops.FUNCTIONS, **_ops.METHODS}
    for family in getattr(chainrule.nn.functional, "FAMILIES", ()):
        for name in (*getattr(family, "FUNCTIONS", ()), *getattr(family, "METHODS", ())):
            ops[name] = getattr(family, name)
    return {name: id(function) for name, function in ops.items()}


REGISTERED = _registered_ops()
REGISTERED_NAME_OF = {function: name for name, function in REGISTERED.items()}
NAMED_TUPLES = {name for name in dir(return_types) if not name.startswith("_")}


def public_names(module):
    """What ``from module import *`` would give, or every name not starting with an underscore."""
    names = getattr(module, "__all__", None)
    return sorted(names if names is not None else (n for n in vars(module) if not n.startswith("_")))


# What a class statement makes for itself, not API (Python 3.13 adds the last two).
CLASS_BOOKKEEPING = {"__dict__", "__weakref__", "__module__", "__qualname__", "__slots__", "__doc__",
                     "__firstlineno__", "__static_attributes__"}


def tensor_names():
    """Every attribute Tensor's class hierarchy defines (object's own excluded), runtime methods included."""
    names = set()
    for cls in Tensor.__mro__[:-1]:
        names |= set(vars(cls))
    return sorted(names - CLASS_BOOKKEEPING)


def _parameters(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return "*args, **kwargs"
    text, star_seen = [], False
    for parameter in signature.parameters.values():
        kind = parameter.kind
        if kind is parameter.POSITIONAL_ONLY:
            text.append(parameter.name)
        elif kind is parameter.VAR_POSITIONAL:
            text.append("*" + parameter.name)
            star_seen = True
            continue
        elif kind is parameter.VAR_KEYWORD:
            text.append("**" + parameter.name)
            continue
        elif kind is parameter.KEYWORD_ONLY and not star_seen:
            text.append("*")
            star_seen = True
        if kind is not parameter.POSITIONAL_ONLY:
            text.append(parameter.name)
        if parameter.default is not parameter.empty:
            text[-1] += "=..."
    positional_only = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_ONLY]
    if positional_only:
        text.insert(len(positional_only), "/")
    return ", ".join(text)


def _returns(name, function):
    annotation = getattr(function, "__annotations__", {}).get("return")
    if isinstance(annotation, type):
        return "Tensor" if annotation is Tensor else "Any" if annotation.__module__ != "builtins" \
            else annotation.__name__
    op = name if name in REGISTERED else REGISTERED_NAME_OF.get(id(function))
    if op is not None and op.rstrip("_") not in MULTIPLE_RESULTS | NAMED_TUPLES:
        return "Tensor"
    return "Any"


def function_stub(name, function, indent="", method=False):
    parameters = _parameters(function)
    if method and isinstance(function, (types.BuiltinFunctionType, types.MethodDescriptorType,
                                        types.WrapperDescriptorType)) and parameters == "*args, **kwargs":
        parameters = "self, *args, **kwargs"
    return f"{indent}def {name}({parameters}) -> {_returns(name, function)}: ..."


def value_stub(name, value, indent=""):
    """A submodule or class as an import from where it lives (so it stays a module or a type), any other
    value by its builtin type."""
    if isinstance(value, types.ModuleType):
        parent, _, leaf = value.__name__.rpartition(".")
        return f"{indent}from {parent} import {leaf} as {name}" if parent else f"{indent}import {leaf} as {name}"
    if inspect.isclass(value) and "." not in value.__qualname__ and \
            getattr(sys.modules.get(value.__module__), value.__qualname__, None) is value:
        return f"{indent}from {value.__module__} import {value.__qualname__} as {name}"
    kind = type(value)
    if kind.__module__ == "builtins":
        return f"{indent}{name}: {kind.__name__}"
    if kind.__module__.startswith("chainrule") and \
            getattr(sys.modules[kind.__module__], kind.__qualname__, None) is kind:
        return f"{indent}{name}: {kind.__module__}.{kind.__qualname__}"  # a dtype, a device...
    return f"{indent}{name}: Any"


def member_stub(name, value, indent=""):
    if callable(value) and not inspect.isclass(value) and not isinstance(value, types.ModuleType):
        return function_stub(name, value, indent)
    return value_stub(name, value, indent)


def _with_imports(header, body):
    """``header`` and ``body``, with an import of each chainrule module that an annotation in ``body`` names."""
    modules = sorted({word.rsplit(".", 1)[0] for line in body for word in line.replace(":", " ").split()
                      if word.startswith("chainrule.") and word.count(".") >= 1 and not line.startswith("from ")
                      and word.rsplit(".", 1)[0] in sys.modules})
    return "\n".join(header + [f"import {module}" for module in modules] + [""] + body) + "\n"


HEADER = ["# Generated by scripts/gen_stubs.py from chainrule at runtime: edit the generator, not this file.",
          "from typing import Any", ""]


def module_stub(module):
    body = [member_stub(name, getattr(module, name)) for name in public_names(module) if name != "Tensor"]
    return _with_imports(HEADER + ["from chainrule._tensor import Tensor as Tensor"], body)


def tensor_stub():
    """The _tensor module: Tensor with every attribute, and the module's other names for importers."""
    lines = []
    module = sys.modules[Tensor.__module__]
    for name in sorted(vars(module)):
        value = getattr(module, name)
        if name.startswith("__") or name == "Tensor":
            continue
        if inspect.isclass(value) and value.__module__ == module.__name__:  # defined here: no import of itself
            lines.append(f"class {name}: ...")
        else:
            lines.append(member_stub(name, value))
    lines += ["", "", "class Tensor:"]
    for name in tensor_names():
        raw = inspect.getattr_static(Tensor, name)
        if isinstance(raw, (property, types.GetSetDescriptorType, types.MemberDescriptorType)):
            lines += ["    @property", f"    def {name}(self) -> Any: ..."]
        elif isinstance(raw, (staticmethod, classmethod)):
            lines += [f"    @{type(raw).__name__}", function_stub(name, raw.__func__, "    ")]
        elif callable(raw):
            lines.append(function_stub(name, raw, "    ", method=True))
        else:
            lines.append(f"    {name}: Any")
    return _with_imports(HEADER, lines)


def write(out):
    """Write every stub under ``out``; returns the paths written."""
    stubs = {path: module_stub(module) for path, module in MODULES.items()}
    stubs[TENSOR_STUB] = tensor_stub()
    written = []
    for path, text in stubs.items():
        target = os.path.join(out, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
        written.append(target)
    return written


def main():
    options = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    options.add_argument("--out", default=os.path.join(HERE, "..", "src", "chainrule"),
                         help="the folder that stands for the chainrule package (default src/chainrule)")
    for path in write(options.parse_args().out):
        print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    main()
