"""PyTorch's argument parser, for the errors it gives.

PyTorch checks every call of a builtin against the function's declared signatures before it does any
work, so a call with an argument of the wrong type fails with a ``TypeError`` naming the argument,
whatever else is wrong with it. chainrule declares the same signatures, once per function::

    SOFTPLUS = Signatures("softplus", "Tensor input, Scalar beta = 1, Scalar threshold = 20")

and asks them only when a call has already failed (``refusal``), or where a wrong type would otherwise
be accepted (``check``), so the success path pays nothing. The messages are PyTorch's:
``softplus(): argument 'beta' (position 2) must be Number, not str`` for a function with one signature,
``fill_() received an invalid combination of arguments - got (Tensor, NoneType), but expected one of:``
and the list of overloads for one with several.

Types are written as in PyTorch's declarations and printed as its messages print them: ``Tensor``,
``Scalar`` (a Number), ``float``, ``int``, ``bool``, ``str``, ``int[]`` (a tuple of ints), ``int[N]``
(a tuple of ints, or one int), ``SymInt[]`` (sizes, also given spread out), ``Tensor[]``,
``ScalarType``, ``Generator``, ``Device``, ``Layout``, ``MemoryFormat``; ``?`` lets None in, and
``*`` starts the keyword-only arguments.
"""

import functools
import numbers

from ._dtype import dtype as _dtype_class
from ._device import device as _device_class
from ._errors import type_name
from ._tensor import Tensor

__all__ = ["Signatures", "is_int", "refusal", "checking", "checking_method", "checked", "declared", "with_signatures"]

_SHOWN = {"Scalar": "Number", "int[]": "tuple of ints", "SymInt[]": "tuple of ints", "Tensor[]": "tuple of Tensors",
          "Tensor?[]": "tuple of Tensors",
          "ScalarType": "torch.dtype", "Generator": "torch.Generator", "Device": "torch.device",
          "Layout": "torch.layout", "MemoryFormat": "torch.memory_format"}


# ---------------------------------------------------------------- what each type accepts
def is_int(value):
    if isinstance(value, Tensor):
        return value.ndim == 0 and value._data.dtype.kind in "iu"
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and type(value).__name__ != "bool_"


def _is_number(value):
    if isinstance(value, Tensor):
        return value.ndim == 0 and not value.requires_grad
    return isinstance(value, numbers.Number)


def _is_float(value):
    if isinstance(value, Tensor):
        return value.ndim == 0 and not value.requires_grad and value._data.dtype.kind in "biuf"
    return isinstance(value, numbers.Real)


def _is_int_sequence(value):
    """PyTorch looks at the first element only; the others fail later, as they are unpacked (``unpack_error``)."""
    if isinstance(value, Tensor):
        return value.ndim <= 1 and value._data.dtype.kind in "iu"
    return isinstance(value, (tuple, list)) and (not value or is_int(value[0]))


def _is_layout(value):
    return type(value).__name__ == "layout"


_ACCEPTS = {
    "object": lambda v: True,  # an argument only Python code reads (``inplace``): anything goes
    "Tensor": lambda v: isinstance(v, Tensor),
    "Scalar": _is_number,
    "float": _is_float,
    "complex": _is_number,
    "int": is_int,
    "SymInt": is_int,
    "bool": lambda v: isinstance(v, bool),
    "str": lambda v: isinstance(v, str),
    "int[]": _is_int_sequence,
    "SymInt[]": _is_int_sequence,
    "Tensor[]": lambda v: isinstance(v, (tuple, list)),  # its elements are checked as they are unpacked
    "Tensor?[]": lambda v: isinstance(v, (tuple, list)) and all(t is None or isinstance(t, Tensor) for t in v),
    "ScalarType": lambda v: isinstance(v, _dtype_class),
    "Generator": lambda v: type(v).__name__ == "Generator",  # chainrule's Generator lives a layer above
    "Device": lambda v: isinstance(v, (_device_class, str)) or is_int(v),
    "Layout": _is_layout,
    "MemoryFormat": lambda v: type(v).__name__ == "memory_format",
}


class _Parameter:
    __slots__ = ("kind", "name", "default", "keyword_only", "accepts_none", "single_int", "shown")

    def __init__(self, text, keyword_only):
        declaration, _, default = text.partition(" = ")
        kind, self.name = declaration.split(" ")
        self.default = default or None
        self.keyword_only = keyword_only
        self.accepts_none = kind.endswith("?") or default == "None"
        kind = kind[:-1] if kind.endswith("?") else kind
        self.single_int = kind.startswith("int[") and kind != "int[]"  # int[2]: one int stands for all
        self.kind = "int[]" if self.single_int else kind
        shown = _SHOWN.get(self.kind, self.kind)
        self.shown = f"{shown} {self.name}" + (f" = {default}" if default else "")

    def accepts(self, value):
        if value is None and self.accepts_none:
            return True
        if self.single_int and is_int(value):
            return True
        return _ACCEPTS[self.kind](value)

    def type_error(self, function, value, position):
        """PyTorch's words for ``value`` refused here, ``position`` 1-based (None for a keyword)."""
        where = f"argument '{self.name}'" + (f" (position {position})" if position else "")
        shown = _SHOWN.get(self.kind, self.kind)
        if self.kind in ("int[]", "SymInt[]") and isinstance(value, (tuple, list)):
            return TypeError(f"{function}(): {where} must be {shown}, but found element of type "
                             f"{type_name(value[0])} at pos 0")
        return TypeError(f"{function}(): {where} must be {shown}, not {type_name(value)}")

    def unpack_error(self, function, value, index):
        """The error for a list of ints whose first element is an int and a later one is not, or for a list of
        tensors with an element that is not one (``index``: the parameter's, 0-based), else None."""
        if self.kind == "Tensor[]" and isinstance(value, (tuple, list)):
            for element, item in enumerate(value):
                if not isinstance(item, Tensor):
                    return TypeError(f"expected Tensor as element {element} in argument {index}, but got "
                                     f"{type_name(item)}")
        if self.kind in ("int[]", "SymInt[]") and isinstance(value, (tuple, list)):
            for index, item in enumerate(value):
                if not is_int(item):
                    return TypeError(f"{function}(): argument '{self.name}' failed to unpack the object at pos "
                                     f"{index + 1} with error \"type must be tuple of ints,but got {type_name(item)}\"")
        return None


def _split_commas(text):
    """``text`` split at the commas outside brackets (a default can be a tuple: ``int[] dim = (-2, -1)``)."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += char in "([" and 1 or (char in ")]" and -1 or 0)
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


class _Overload:
    """One signature: its parameters in order, the positional ones first."""

    __slots__ = ("parameters", "positional", "required", "text", "counted")

    def __init__(self, text):
        parts = [part.strip() for part in _split_commas(text) if part.strip()]
        self.parameters = []
        shown = []
        keyword_only = False
        for part in parts:
            if part == "*":
                keyword_only = True
                shown.append("*")
            else:
                self.parameters.append(_Parameter(part, keyword_only))
                shown.append(self.parameters[-1].shown)
        self.text = f"({', '.join(shown)})"
        self.positional = sum(not p.keyword_only for p in self.parameters)
        self.required = sum(p.default is None and not p.accepts_none for p in self.parameters)
        self.counted = len(parts)  # what PyTorch's report compares a call's argument count with, ``*`` included

    def error(self, function, args, kwargs):
        """(the TypeError PyTorch raises for this call of this signature or None when it fits, whether the error
        ends the parse at once: a list of ints that fails as it is unpacked)."""
        if len(args) > self.positional:
            return _too_many(function, self, len(args)), False
        unused = dict(kwargs)
        for index, parameter in enumerate(self.parameters):
            if index < len(args) and not parameter.keyword_only:
                if parameter.name in unused:
                    return TypeError(f"{function}() got multiple values for argument '{parameter.name}'"), False
                value, position = args[index], index + 1
            elif parameter.name in unused:
                value, position = unused.pop(parameter.name), None
            elif parameter.default is None and not parameter.accepts_none:
                missing = [p.name for p in self.parameters[index:]
                           if p.default is None and not p.accepts_none and p.name not in unused]
                names = ", ".join(f'"{name}"' for name in missing)
                return TypeError(f"{function}() missing {len(missing)} required positional arguments: {names}"), False
            else:
                continue
            if not parameter.accepts(value):
                return parameter.type_error(function, value, position), False
            unpacked = parameter.unpack_error(function, value, index)
            if unpacked is not None:
                return unpacked, True
        if unused:
            return TypeError(f"{function}() got an unexpected keyword argument '{next(iter(unused))}'"), False
        return None, False


    def reason(self, args, kwargs):
        """The "didn't match" line PyTorch adds under an overload taking as many arguments as the call gave."""
        counted = self.counted - (1 if any(p.name == "out" for p in self.parameters) and "out" not in kwargs else 0)
        if counted != len(args) + len(kwargs):
            return ""
        names = {p.name: p for p in self.parameters}
        wrong_keywords = [key for key in kwargs if key not in names]
        if wrong_keywords:
            return f"      didn't match because some of the keywords were incorrect: {', '.join(wrong_keywords)}\n"
        shown = []
        for index, value in enumerate(args):
            fits = index < len(self.parameters) and self.parameters[index].accepts(value)
            shown.append(type_name(value) if fits else f"!{type_name(value)}!")
        for key, value in kwargs.items():
            text = f"{key}={type_name(value)}"
            shown.append(text if names[key].accepts(value) else f"!{text}!")
        return f"      didn't match because some of the arguments have invalid types: ({', '.join(shown)})\n"


def _too_many(function, overload, given):
    low = sum(not p.keyword_only and p.default is None and not p.accepts_none for p in overload.parameters)
    high = overload.positional
    takes = f"from {low} to {high} positional arguments" if low != high else \
        f"{high} positional argument{'s' if high != 1 else ''}"
    return TypeError(f"{function}() takes {takes} but {given} {'was' if given == 1 else 'were'} given")


class Signatures:
    """A function's signatures as PyTorch declares them, one string per overload (without the name); ``hidden``
    overloads (deprecated forms) are accepted but never listed in a message. ``eager`` signatures are checked
    before every call, for functions that would otherwise accept what PyTorch refuses and cost enough that the
    check is nothing beside their work (a factorization)."""

    __slots__ = ("name", "overloads", "shown", "texts", "eager")

    def __init__(self, name, *overloads, hidden=(), eager=False):
        self.name = name
        self.eager = eager
        self.texts = (overloads, hidden)
        self.shown = [_Overload(text) for text in overloads]
        self.overloads = self.shown + [_Overload(text) for text in hidden]

    def method(self):
        """The signatures of the Tensor method: its ``self`` is no argument in PyTorch's messages."""
        overloads, hidden = self.texts
        def without_self(text):
            return ",".join(_split_commas(text)[1:])

        return Signatures(self.name, *map(without_self, overloads), hidden=list(map(without_self, hidden)),
                          eager=self.eager)

    def error(self, args, kwargs):
        """PyTorch's TypeError for a call that fits none of the signatures, or None when one fits."""
        overloads = self.overloads
        if len(overloads) == 1:
            return overloads[0].error(self.name, args, kwargs)[0]
        for overload in overloads:
            error, fatal = overload.error(self.name, args, kwargs)
            if error is None:
                return None
            if fatal:
                return error
        given = len(args) + len(kwargs)
        plausible = [o for o in self.shown if o.required <= given <= len(o.parameters)]
        if len(plausible) == 1:
            return plausible[0].error(self.name, args, kwargs)[0]
        got = ", ".join([type_name(value) for value in args] + [f"{k}={type_name(v)}" for k, v in kwargs.items()])
        if len(self.shown) == 1:
            expected = self.shown[0].text
        else:
            expected = "one of:\n" + "".join(f" * {o.text}\n{o.reason(args, kwargs)}" for o in self.shown)
        return TypeError(f"{self.name}() received an invalid combination of arguments - got ({got}), but expected "
                         f"{expected}")

    def check(self, args, kwargs):
        """Raise PyTorch's TypeError unless the call fits a signature (for calls that would otherwise succeed)."""
        error = self.error(args, kwargs)
        if error is not None:
            raise error


def refusal(signatures, error, args, kwargs):
    """What a failed call raises: PyTorch's argument error when the arguments do not fit (PyTorch checks them
    before anything else), else the error the call met."""
    return signatures.error(args, kwargs) or error


def checking(signatures, function, home=None, name=None):
    """``function``, whose failures are explained by ``signatures`` where the arguments do not fit them; ``home``
    is the module that offers it as ``name`` (where pickle looks a function up)."""
    if signatures.eager:
        def checked_first(*args, **kwargs):
            signatures.check(args, kwargs)
            return function(*args, **kwargs)

        return _wrapped(checked_first, function, signatures, home, name)

    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception:  # re-raised as it is unless the arguments explain it
            refused = signatures.error(args, kwargs)
            if refused is None:
                raise
            raise refused from None

    return _wrapped(call, function, signatures, home, name)


def _wrapped(wrapper, function, signatures, home, name):
    functools.update_wrapper(wrapper, function)
    wrapper.__signatures__ = signatures
    if home is not None:
        wrapper.__module__ = home
        wrapper.__name__ = wrapper.__qualname__ = name or function.__name__
    return wrapper


def checking_method(signatures, function):
    """``checking`` for a Tensor method: ``signatures`` are the function's, the method's are found from them."""
    signatures = signatures.method()
    if signatures.eager:
        def checked_first(self, *args, **kwargs):
            signatures.check(args, kwargs)
            return function(self, *args, **kwargs)

        return _wrapped(checked_first, function, signatures, None, None)

    def method(self, *args, **kwargs):
        try:
            return function(self, *args, **kwargs)
        except Exception:  # re-raised as it is unless the arguments explain it
            refused = signatures.error(args, kwargs)
            if refused is None:
                raise
            raise refused from None

    return _wrapped(method, function, signatures, None, None)


def checked(*overloads, name=None):
    """Decorator: the function's arguments are checked against ``overloads`` when (and only when) it fails."""
    def decorate(function):
        return checking(Signatures(name or function.__name__, *overloads), function)
    return decorate


def declared(name, declaration):
    """A family's ``SIGNATURES`` entry as Signatures: one overload's text, a tuple of them, or Signatures (for
    a function whose errors PyTorch words under another name, or with hidden overloads)."""
    if isinstance(declaration, Signatures):
        return declaration
    return Signatures(name, *((declaration,) if isinstance(declaration, str) else declaration))


def with_signatures(family, names=None, method=False, home=None):
    """``{name: function}`` for a family's ``FUNCTIONS`` (or ``names``), each named in its ``SIGNATURES`` wrapped by
    ``checking`` (``checking_method`` for Tensor methods); ``home`` is the namespace that will offer them."""
    declarations = getattr(family, "SIGNATURES", {})
    functions = {}
    for name in family.FUNCTIONS if names is None else names:
        function = getattr(family, name)
        if name in declarations:
            signatures = declared(name, declarations[name])
            function = checking_method(signatures, function) if method else \
                checking(signatures, function, home, name)
        functions[name] = function
    return functions
