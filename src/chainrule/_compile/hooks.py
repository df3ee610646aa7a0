"""Where a recording looks from: the hooks that follow the op calls in progress, and the user's line of an op.

An op that cannot be recorded instruction by instruction is replayed as a whole call (``units.py``), so
the recorder must know which op calls are in progress. A Python trace hook tells it: Python calls it
when any Python function starts, and it gives only an op's frame a local hook, which sees that op return.
"""

import contextlib
import os
import sys

from .. import _recording
from .units import unit_of

__all__ = ["recording_into", "user_site"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_USER_FILES = {}  # id of a code object -> (the code, kept alive so the id stays its own; its file's base name, or
# None for chainrule's own code). Keyed by id: hashing a code object hashes its contents, and every recorded op asks


def _user_file(code):
    name = os.path.abspath(code.co_filename)
    name = None if name.startswith(_PACKAGE_DIR) else os.path.basename(name)
    _USER_FILES[id(code)] = (code, name)
    return name


def user_site():
    """``file:line`` of the innermost frame outside chainrule: where the user wrote the op (the walk starts
    here and passes over chainrule's own frames)."""
    frame = sys._getframe()
    files = _USER_FILES
    while frame is not None:
        code = frame.f_code
        known = files.get(id(code))
        name = known[1] if known is not None else _user_file(code)  # the code is kept: its id is its own
        if name is not None:
            return f"{name}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


@contextlib.contextmanager
def recording_into(recording):
    """The calling thread's ops go to ``recording`` inside this block (a compiled call, or its backward).

    The op calls in progress are followed with a trace hook, which Python calls only when a Python
    function starts (and, for an op, when it returns): far fewer calls than a profile hook, which
    runs on every call and return of C functions too. Under a debugger or coverage tool (a trace
    hook of its own) the profile hook is used; under both, ops cannot fall back to whole calls. A
    recording that does not follow units (``follows_units`` false) installs no hook at all.
    """
    _recording.begin(recording)  # this thread's ops go to this recording; other threads' are unaffected
    if not recording.follows_units:
        install = hook = None
    elif sys.gettrace() is None:
        install, hook = sys.settrace, _trace_hook(recording)
    elif sys.getprofile() is None:
        install, hook = sys.setprofile, _profile_hook(recording)
    else:
        install = hook = None
    if install is not None:
        install(hook)
    try:
        yield
    finally:
        if install is not None:
            install(None)
        _recording.end()


def _trace_hook(recording):
    """The ``sys.settrace`` hook for ``recording``: it tracks the op calls (units) in progress.

    It runs when any Python function starts; only an op's frame gets a local hook (without line
    events), which sees that op return. A closure over locals rather than a method, for speed.
    """
    codes, units, current = recording.unit_codes, recording.units, _recording.current
    enter, leave = recording.enter_unit, recording.leave_unit

    def returned(frame, event, arg):
        if event == "return" and units and units[-1].frame is frame:
            leave(units.pop(), arg)
        return returned

    def trace(frame, event, arg):
        if id(frame.f_code) in codes and current() is recording:
            fn = unit_of(frame)
            if fn is not None:
                enter(frame, fn)
                frame.f_trace_lines = False  # pragma: no mutate (speed only: ``returned`` passes line events by)
                return returned
        return None

    return trace


def _profile_hook(recording):
    """The ``sys.setprofile`` hook for ``recording``, used where a trace hook is already installed:
    it runs on every Python and C call and return, so it is a closure over locals rather than a method.
    """
    codes, units, current = recording.unit_codes, recording.units, _recording.current
    enter, leave = recording.enter_unit, recording.leave_unit

    def profile(frame, event, arg):
        if event == "call":
            if id(frame.f_code) in codes and current() is recording:
                fn = unit_of(frame)
                if fn is not None:
                    enter(frame, fn)
        elif event == "return" and units and units[-1].frame is frame:
            leave(units.pop(), arg)

    return profile
