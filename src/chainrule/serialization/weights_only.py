"""The weights-only unpickler: reads a checkpoint's pickle while allowing only what rebuilds data.

A pickle is a small program; a stock unpickler runs whatever it names (``os.system`` included). This
one interprets the opcodes itself and allows what PyTorch's ``weights_only=True`` loader allows:
numbers, strings, bytes, lists, tuples, dicts, sets, ``OrderedDict`` and ``Counter``, ``Size``,
dtypes, devices, tensors rebuilt from storages, Parameters, and the globals a user trusts through
``add_safe_globals``. Anything else is refused with PyTorch's message, before it is called. Lists
only get appended to, dicts only get items set, and only allowed classes are instantiated or built.
"""

import _compat_pickle
import pickletools
import struct
from collections import Counter, OrderedDict

from ..nn.parameter import Parameter
from .._tensor import Tensor
from .errors import InvalidFileError, UnsafeFileError, weights_only_message
from .torch_objects import TORCH_NAMES, set_state

__all__ = ["WeightsOnlyUnpickler", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "Refused", "LoadError", "global_names"]

BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_user_globals = set()


# ------------------------------------------------------------------------- the user's allowlist
def add_safe_globals(safe_globals):
    """Trust these classes and functions (or ``(object, "module.name")`` pairs) in weights-only loads."""
    global _user_globals
    _user_globals = _user_globals | set(safe_globals)


def get_safe_globals():
    return list(_user_globals)


def clear_safe_globals():
    global _user_globals
    _user_globals = set()


class safe_globals:
    """``with safe_globals([...]):`` trusts the given globals for the loads inside the block only."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        global _user_globals
        _user_globals = _user_globals - set(self.safe_globals)


def _user_allowed():
    """The user's allowlist as a name -> object dict."""
    allowed = {}
    for entry in _user_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple of "
                                 f"length: {len(entry)}")
            if type(entry[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(entry[1])}")
            allowed[entry[1]] = entry[0]
        else:
            allowed[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return allowed


# ------------------------------------------------------------------------- the unpickler
class Refused(Exception):
    """The pickle asks for something weights-only loading does not allow (PyTorch's wording in ``args[0]``)."""


class LoadError(RuntimeError):
    """An error about where the data goes (an unavailable device), not about the pickle: passed on unchanged."""


def _display_name(full_name):
    """PyTorch's spelling of a global in its messages: builtins lose their module prefix."""
    if full_name.startswith("builtins."):
        return full_name[len("builtins."):]
    return full_name


def _mapped(module, name):
    """Python 2 names, as protocol-2 pickles may hold them, in their Python 3 spelling."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class WeightsOnlyUnpickler:
    """``WeightsOnlyUnpickler(data, persistent_load).load()``: the object the pickle ``data`` describes.

    Raises ``Refused`` for anything disallowed and ``InvalidFileError`` for a malformed pickle.
    """

    def __init__(self, data, persistent_load, encoding="utf-8", start=0):
        self.data = bytes(data)
        self.position = start
        self.persistent_load = persistent_load
        self.encoding = encoding
        user = _user_allowed()
        self.allowed = {**user, **TORCH_NAMES}
        self.allowed_ids = {id(value) for value in self.allowed.values()}
        self.user_ids = {id(value) for value in user.values()}
        self.stack = []
        self.metastack = []
        self.memo = {}

    def take(self, count):
        start = self.position
        end = start + count
        if end > len(self.data):
            raise InvalidFileError("chainrule.load: the pickle ends in the middle of an instruction (truncated)")
        self.position = end
        return self.data[start:end]

    def line(self):
        end = self.data.find(b"\n", self.position)
        if end < 0:
            raise InvalidFileError("chainrule.load: the pickle ends in the middle of a GLOBAL (truncated)")
        text = self.data[self.position:end]
        self.position = end + 1
        return text.decode("utf-8")

    def load(self):
        try:
            while True:
                code = self.take(1)[0]
                handler = _HANDLERS.get(code)
                if handler is None:
                    raise Refused(f"Unsupported operand {code}")
                if handler(self):
                    return self.stack.pop()
        except (Refused, InvalidFileError, LoadError):
            raise
        except RecursionError:
            raise InvalidFileError("chainrule.load: the pickle nests too deeply") from None
        except (IndexError, KeyError, TypeError, ValueError, AttributeError, OverflowError, MemoryError,
                UnicodeDecodeError, RuntimeError, struct.error) as error:
            raise InvalidFileError(f"chainrule.load: the pickle is malformed ({type(error).__name__}: "
                                   f"{str(error)[:200]})") from None

    # ----------------------------------------------------------------- risky instructions
    def find_global(self, module, name):
        module, name = _mapped(module, name)
        full_name = f"{module}.{name}"
        if module in BLOCKED_MODULES:
            raise Refused(f"Trying to load unsupported GLOBAL {full_name} whose module {module} is blocked.")
        if full_name in self.allowed:
            return self.allowed[full_name]
        shown = _display_name(full_name)
        raise Refused(f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
                      f"`torch.serialization.add_safe_globals([{shown}])` or the "
                      f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this global if "
                      "you trust this class/function.")

    def new_object(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if cls is Parameter:
            self.stack.append(Parameter(*args))
        elif id(cls) in self.user_ids and isinstance(cls, type):
            self.stack.append(cls.__new__(cls, *args))
        else:
            raise Refused(f"Can only create new object for nn.Parameter or classes allowlisted via `add_safe_globals` "
                          f"but got {cls}")

    def reduce(self):
        args = self.stack.pop()
        function = self.stack[-1]
        if id(function) not in self.allowed_ids:
            message = f"Trying to call reduce for unrecognized function {function}"
            if hasattr(function, "__self__"):
                message += f" which belongs to {function.__self__}"
            raise Refused(message)
        if not isinstance(args, tuple):
            raise InvalidFileError("chainrule.load: the pickle calls a function with arguments that are not a tuple")
        self.stack[-1] = function(*args)

    def build(self):
        state = self.stack.pop()
        instance = self.stack[-1]
        kind = type(instance)
        if kind in (Tensor, Parameter):
            set_state(instance, state)
        elif kind is OrderedDict:
            if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
                raise InvalidFileError("chainrule.load: the state of an OrderedDict must be a dict of attributes")
            instance.__dict__.update(state)
        elif id(kind) in self.user_ids:
            if hasattr(instance, "__setstate__"):
                instance.__setstate__(state)
            else:
                slots = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slots = state
                if state:
                    instance.__dict__.update(state)
                for key, value in (slots or {}).items():
                    setattr(instance, key, value)
        else:
            raise Refused(f"Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                          f"`add_safe_globals`, but got {kind}")

    def persistent_id(self):
        pid = self.stack.pop()
        if type(pid) is not tuple and type(pid) is not int:
            raise Refused(f"persistent_load id must be tuple or int, but got {type(pid)}")
        if type(pid) is tuple and pid and _ascii(pid[0]) != "storage":
            raise Refused(f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
        self.stack.append(self.persistent_load(pid))

    # ----------------------------------------------------------------- containers
    def pop_mark(self):
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def set_items(self, pairs, opcode):
        target = self.stack[-1]
        if type(target) not in (dict, OrderedDict, Counter):
            raise Refused(f"Can only {opcode} for dict, collections.OrderedDict, collections.Counter, but got "
                          f"{type(target)}")
        for index in range(0, len(pairs) - 1, 2):
            target[pairs[index]] = pairs[index + 1]

    def extend(self, items, opcode):
        target = self.stack[-1]
        if type(target) is not list:
            verb = "append to" if opcode == "APPEND" else "extend"
            raise Refused(f"Can only {verb} lists, but got {type(target)}")
        target.extend(items)

    def add_items(self):
        items = self.pop_mark()
        target = self.stack[-1]
        if type(target) is not set:
            raise Refused(f"Can only add items to sets, but got {type(target)}")
        target.update(items)


def _ascii(value):
    return value.decode("ascii") if isinstance(value, bytes) else value


def _push(value):
    def handler(self):
        self.stack.append(value() if callable(value) else value)
    return handler


def _unpack(fmt, size):
    def handler(self):
        self.stack.append(struct.unpack(fmt, self.take(size))[0])
    return handler


def _text(length_format, length_size):
    def handler(self):
        (length,) = struct.unpack(length_format, self.take(length_size))
        self.stack.append(str(self.take(length), "utf-8", "surrogatepass"))
    return handler


def _binary(length_format, length_size):
    def handler(self):
        (length,) = struct.unpack(length_format, self.take(length_size))
        self.stack.append(self.take(length))
    return handler


def _short_binstring(self):
    data = self.take(self.take(1)[0])
    self.stack.append(data if self.encoding == "bytes" else data.decode(self.encoding, "strict"))


def _memo_get(length_format, length_size):
    def handler(self):
        (index,) = struct.unpack(length_format, self.take(length_size))
        self.stack.append(self.memo[index])
    return handler


def _memo_put(length_format, length_size):
    def handler(self):
        (index,) = struct.unpack(length_format, self.take(length_size))
        self.memo[index] = self.stack[-1]
    return handler


def _memoize(self):
    self.memo[len(self.memo)] = self.stack[-1]


def _mark(self):
    self.metastack.append(self.stack)
    self.stack = []


def _tuple_of(count):
    def handler(self):
        if count == 0:
            self.stack.append(())
            return
        if len(self.stack) < count:
            raise IndexError("stack underflow")
        items = tuple(self.stack[-count:])
        del self.stack[-count:]
        self.stack.append(items)
    return handler


def _global(self):
    module = self.line()
    self.stack.append(self.find_global(module, self.line()))


def _stack_global(self):
    name = self.stack.pop()
    module = self.stack.pop()
    if not isinstance(module, str) or not isinstance(name, str):
        raise InvalidFileError("chainrule.load: STACK_GLOBAL needs two strings")
    self.stack.append(self.find_global(module, name))


def _long1(self):
    self.stack.append(int.from_bytes(self.take(self.take(1)[0]), "little", signed=True))


def _proto(self):
    self.take(1)


def _frame(self):
    self.take(8)


def _stop(self):
    return True


def _frozenset(self):
    items = frozenset(self.pop_mark())  # before naming self.stack: pop_mark replaces it
    self.stack.append(items)


def _append(self):
    self.extend([self.stack.pop()], "APPEND")


def _appends(self):
    self.extend(self.pop_mark(), "APPENDS")


def _setitem(self):
    value = self.stack.pop()
    key = self.stack.pop()
    self.set_items([key, value], "SETITEM")


def _setitems(self):
    self.set_items(self.pop_mark(), "SETITEMS")


def _tuple(self):
    items = tuple(self.pop_mark())  # before naming self.stack: pop_mark replaces it
    self.stack.append(items)


_Unpickler = WeightsOnlyUnpickler
_HANDLERS = {
    ord("c"): _global, 0x93: _stack_global, 0x81: _Unpickler.new_object, ord("R"): _Unpickler.reduce,
    ord("b"): _Unpickler.build, ord("Q"): _Unpickler.persistent_id,
    ord("a"): _append, ord("e"): _appends, ord("s"): _setitem, ord("u"): _setitems,
    0x90: _Unpickler.add_items, 0x91: _frozenset,
    ord("("): _mark, ord("t"): _tuple, ord(")"): _tuple_of(0), 0x85: _tuple_of(1), 0x86: _tuple_of(2),
    0x87: _tuple_of(3),
    ord("N"): _push(None), 0x88: _push(True), 0x89: _push(False),
    ord("]"): _push(list), ord("}"): _push(dict), 0x8F: _push(set),
    ord("J"): _unpack("<i", 4), ord("K"): _unpack("<B", 1), ord("M"): _unpack("<H", 2),
    ord("G"): _unpack(">d", 8), 0x8A: _long1,
    ord("X"): _text("<I", 4), 0x8C: _text("<B", 1), 0x8D: _text("<Q", 8), ord("U"): _short_binstring,
    ord("B"): _binary("<I", 4), ord("C"): _binary("<B", 1), 0x8E: _binary("<Q", 8),
    ord("h"): _memo_get("<B", 1), ord("j"): _memo_get("<I", 4),
    ord("q"): _memo_put("<B", 1), ord("r"): _memo_put("<I", 4), 0x94: _memoize,
    0x80: _proto, 0x95: _frame, ord("."): _stop,
}


def global_names(data):
    """Every ``module.name`` the pickle ``data`` names (GLOBAL or STACK_GLOBAL), read without running it."""
    names = []
    strings = []
    try:
        for opcode, argument, _ in pickletools.genops(data):
            if opcode.name == "GLOBAL":
                module, _, name = argument.partition(" ")
                names.append(".".join(_mapped(module, name)))
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                names.append(".".join(_mapped(strings[-2], strings[-1])))
            elif isinstance(argument, str):
                strings.append(argument)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidFileError(f"chainrule.load: the pickle is malformed ({error})") from None
    return names


def refusal(error):
    """The ``UnsafeFileError`` for a ``Refused`` reason, in PyTorch's words."""
    return UnsafeFileError(weights_only_message(error.args[0]))
