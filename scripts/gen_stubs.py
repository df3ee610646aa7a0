"""Write type stubs (.pyi) for chainrule's public namespaces from what exists at runtime, so editors can
complete ``chainrule.ex<TAB>`` and ``t.su<TAB>``: ops are installed with ``globals().update`` and Tensor's
methods at import time, which no static analyser can follow.

    PYTHONPATH=src python scripts/gen_stubs.py [--out DIR]     (default: src/chainrule, beside the modules)

Each stubbed module lists every name the module has at runtime: functions with their signatures (from
``inspect``; ``(*args, **kwargs)`` where there is none), defaults written as ``...``; submodules as
imports; classes by name; other values by their type. The Tensor class lists every attribute of its
class hierarchy, the methods installed at runtime included. Return types: the type scripts/stub_types.py
gives the name, else a function's own annotation, else ``Tensor`` for a registered op (its named tuple
from ``chainrule.return_types`` for the ops that always return one, ``Any`` for the ops in
``MULTIPLE_RESULTS`` and those whose result depends on their arguments), else ``Any``. Tensor's
properties and Python operators are typed from scripts/stub_types.py too. Parameters are left untyped
but for a function's leading ``input``: a Tensor (or a number too, for stub_types.NUMBER_INPUT).

tests/test_stubs.py checks that the stubs list exactly what exists; tests/test_typing.py runs mypy over
the examples and over every public name, as an editor's user reaches it.
"""

import argparse
import inspect
import os
import re
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))

import chainrule  # noqa: E402
import chainrule.array_api  # noqa: E402
import chainrule.linalg  # noqa: E402
import chainrule.nn.functional  # noqa: E402
import chainrule.utils  # noqa: E402
from chainrule import _ops, return_types  # noqa: E402
from chainrule._tensor import Tensor  # noqa: E402
from stub_types import NUMBER_INPUT, OPERATORS, PROPERTIES, RETURNS  # noqa: E402

# Public namespaces, by the file their stub goes to (relative to the package): those whose names are
# installed at runtime (ops, with globals().update), or whose submodules are imported by others (nn.parallel,
# utils.data), which a type checker reading the source cannot see.
MODULES = {"__init__.pyi": chainrule, "linalg.pyi": chainrule.linalg,
           "nn/__init__.pyi": chainrule.nn, "nn/functional/__init__.pyi": chainrule.nn.functional,
           "utils/__init__.pyi": chainrule.utils, "array_api/__init__.pyi": chainrule.array_api}
# Submodules that `import chainrule` does not load (their own import does): not attributes of chainrule
# until imported, so not in its stub, whether or not this process imported them; a type checker finds
# them by that import.
EXPLICIT_IMPORTS = {"chainrule.array_api", "chainrule.coverage"}
TENSOR_STUB = "_tensor.pyi"
RETURN_TYPES_STUB = "return_types.pyi"
# How stub_types.py names a namespace's own functions ("F.pad"); the top-level namespace needs no prefix.
PREFIXES = {"chainrule.linalg": "linalg.", "chainrule.nn.functional": "F.", "chainrule._tensor": "Tensor."}

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
# The ops whose named tuple depends on their arguments: x.max() is a tensor, x.max(0) a named tuple.
NAMED_TUPLE_WITH_DIM = {"max", "min", "median", "nanmedian"}


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


def _parameters(function, input_type=None):
    """The parameter list, ``input`` annotated with ``input_type`` where it comes first."""
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
        annotated = input_type is not None and parameter.name == "input" and len(text) == 1
        if annotated:
            text[-1] += f": {input_type}"
        if parameter.default is not parameter.empty:
            text[-1] += " = ..." if annotated else "=..."
    positional_only = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_ONLY]
    if positional_only:
        text.insert(len(positional_only), "/")
    return ", ".join(text)


def _returns(name, function, prefix=""):
    listed = RETURNS.get(prefix + name, RETURNS.get(name))
    if listed is not None:
        return listed
    annotation = getattr(function, "__annotations__", {}).get("return")
    if isinstance(annotation, type):
        return "Tensor" if annotation is Tensor else "Any" if annotation.__module__ != "builtins" \
            else annotation.__name__
    op = name if name in REGISTERED else REGISTERED_NAME_OF.get(id(function))
    if op is None or op.rstrip("_") in MULTIPLE_RESULTS | NAMED_TUPLE_WITH_DIM:
        return "Any"
    if op in return_types.__all__:
        return f"chainrule.return_types.{op}"
    return "Any" if op.rstrip("_") in NAMED_TUPLES else "Tensor"


# Builtin types are written builtins.int: chainrule.int is a dtype, and Tensor.int a method.
_BUILTIN_TYPE = re.compile(r"(?<![.\w])(bool|int|float|complex|str|tuple|list)\b")


def qualified(annotation):
    return _BUILTIN_TYPE.sub(r"builtins.\1", annotation)


def function_stub(name, function, indent="", method=False, prefix=""):
    # A function's ``input`` is a tensor (a method's is self); a few of PyTorch's functions take a number too.
    input_type = None if method else qualified("Tensor | int | float | complex" if prefix + name in NUMBER_INPUT
                                                 else "Tensor")
    parameters = _parameters(function, input_type)
    if method and isinstance(function, (types.BuiltinFunctionType, types.MethodDescriptorType,
                                        types.WrapperDescriptorType)) and parameters == "*args, **kwargs":
        parameters = "self, *args, **kwargs"
    return f"{indent}def {name}({parameters}) -> {qualified(_returns(name, function, prefix))}: ..."


def value_stub(name, value, indent=""):
    """A submodule or class as an import from where it lives (so it stays a module or a type), any other
    value by its builtin type."""
    if isinstance(value, types.ModuleType):
        parent, _, leaf = value.__name__.rpartition(".")
        if leaf != name and value.__name__.startswith("chainrule."):  # a stub re-exports ``import a as b``
            # only where b is a: an assignment makes the other name public
            return f"{indent}{name} = {value.__name__}"
        return f"{indent}from {parent} import {leaf} as {name}" if parent else f"{indent}import {leaf} as {name}"
    if inspect.isclass(value) and "." not in value.__qualname__ and \
            getattr(sys.modules.get(value.__module__), value.__qualname__, None) is value:
        if value.__qualname__ != name and value.__module__.startswith("chainrule."):
            return f"{indent}{name} = {value.__module__}.{value.__qualname__}"
        return f"{indent}from {value.__module__} import {value.__qualname__} as {name}"
    kind = type(value)
    if value is None:
        return f"{indent}{name}: None"
    if kind.__module__ == "builtins":
        return f"{indent}{name}: {kind.__name__}"
    if kind.__module__.startswith("chainrule") and \
            getattr(sys.modules[kind.__module__], kind.__qualname__, None) is kind:
        return f"{indent}{name}: {kind.__module__}.{kind.__qualname__}"  # a dtype, a device...
    return f"{indent}{name}: Any"


def member_stub(name, value, indent="", prefix=""):
    if callable(value) and not inspect.isclass(value) and not isinstance(value, types.ModuleType):
        return function_stub(name, value, indent, prefix=prefix)
    return value_stub(name, value, indent)


def _with_imports(header, body):
    """``header`` and ``body``, with an import of each chainrule module that an annotation in ``body`` names."""
    words = (word for line in body if not line.startswith("from ")
             for word in line.replace(":", " ").replace("[", " ").replace("|", " ").split())
    modules = sorted({word.rsplit(".", 1)[0] for word in words
                      if word.startswith("chainrule.") and word.rsplit(".", 1)[0] in sys.modules})
    if any("builtins." in line for line in body):
        modules.insert(0, "builtins")
    return "\n".join(header + [f"import {module}" for module in modules] + [""] + body) + "\n"


HEADER = ["# Generated by scripts/gen_stubs.py from chainrule at runtime: edit the generator, not this file.",
          "from typing import Any", ""]


def module_stub(module):
    prefix = PREFIXES.get(module.__name__, "")
    body = [member_stub(name, getattr(module, name), prefix=prefix) for name in public_names(module)
            if name != "Tensor" and getattr(getattr(module, name), "__name__", None) not in EXPLICIT_IMPORTS]
    return _with_imports(HEADER + ["from chainrule._tensor import Tensor as Tensor"], body)


def return_types_stub():
    """The named tuples as NamedTuple classes of tensors, so that ``x.sort().values`` is a Tensor."""
    lines = []
    for name in public_names(return_types):
        value = getattr(return_types, name)
        if inspect.isclass(value) and value._fields:
            lines += ["", f"class {name}(NamedTuple):", *(f"    {field}: Tensor" for field in value._fields)]
        else:
            lines.append(member_stub(name, value))
    header = [HEADER[0], "from typing import Any, NamedTuple", "", "from chainrule._tensor import Tensor"]
    return _with_imports(header, lines)


def property_stub(name, raw):
    """A property, typed from stub_types.PROPERTIES, with a setter where Tensor has one."""
    kind = qualified(PROPERTIES.get(name, "Any"))
    lines = ["    @property", f"    def {name}(self) -> {kind}: ..."]
    if getattr(raw, "fset", None) is not None or isinstance(raw, types.MemberDescriptorType):
        lines += [f"    @{name}.setter", f"    def {name}(self, value: {kind}) -> None: ..."]
    return lines


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
        if name in OPERATORS:
            signature, _, comment = OPERATORS[name].partition(":  ")
            lines.append(f"    def {name}{qualified(signature)}: ...{'  ' + comment if comment else ''}")
        elif isinstance(raw, (property, types.GetSetDescriptorType, types.MemberDescriptorType)):
            lines += property_stub(name, raw)
        elif isinstance(raw, (staticmethod, classmethod)):
            lines += [f"    @{type(raw).__name__}",
                      function_stub(name, raw.__func__, "    ", method=True, prefix="Tensor.")]
        elif callable(raw):
            lines.append(function_stub(name, raw, "    ", method=True, prefix="Tensor."))
        else:
            lines.append(f"    {name}: Any")
    return _with_imports([HEADER[0], "from typing import Any, Iterator", ""], lines)


def write(out):
    """Write every stub under ``out``; returns the paths written."""
    stubs = {path: module_stub(module) for path, module in MODULES.items()}
    stubs[TENSOR_STUB] = tensor_stub()
    stubs[RETURN_TYPES_STUB] = return_types_stub()
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
