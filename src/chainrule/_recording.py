"""The seam between eager chainrule and ``chainrule.compile``'s recorder.

Eager code reads one attribute here at the few places the recorder must see (a recorded op, a
fresh tensor, an in-place write, a gradient landing on a leaf, a value leaving for Python). When
nothing is being recorded, ``state.recorder`` is None and each such check is one attribute load.
This module sits below the Tensor; ops mark array work the recorder must see with
``chainrule._ops._op.traced``.
"""

import functools
import threading

__all__ = ["state", "replayed_as_call", "RULE_HOOKS", "STATEFUL", "begin", "end", "current", "paused"]


class _State:
    """``recorder`` is None while no thread records (the check every op makes), else the router below."""

    __slots__ = ("recorder",)

    def __init__(self):
        self.recorder = None


state = _State()


class _ThreadRecording(threading.local):
    recording = None  # the recording this thread is making, if any


_this_thread = _ThreadRecording()
_lock = threading.Lock()
_recording_threads = [0]


class _Ignored:
    """What an eager hook does in a thread that is not recording (while another thread is)."""

    def op(self, out, node_class, inputs, saved, args):
        pass

    def traced(self, fn, operands):
        return fn(*[getattr(value, "_data", value) for value in operands])

    def made_tensor(self, tensor):
        pass

    def accumulate(self, leaf, grad_array, target_dtype):
        return False

    def write(self, tensor, result):
        pass

    def before_write(self, tensor):
        pass

    def opaque(self, method, args, kwargs):
        return method(*args, **kwargs)

    def set_grad(self, tensor, value):
        pass

    def to_python(self, tensor, what, value=None):
        pass

    def module_called(self, module):
        pass

    def fail(self, reason, site=None, recoverable=True):
        pass


_IGNORED = _Ignored()


class _Router:
    """``state.recorder`` while some thread records: each hook goes to the calling thread's own recording,
    so several threads can record their compiled calls at once, and a thread that is not recording is
    left alone."""

    __slots__ = ()

    def __getattr__(self, name):
        return getattr(_this_thread.recording or _IGNORED, name)


_ROUTER = _Router()


def begin(recording):
    """The calling thread starts ``recording``: from now on its eager hooks go there."""
    with _lock:
        _this_thread.recording = recording
        _recording_threads[0] += 1
        state.recorder = _ROUTER


def end():
    """The calling thread's recording is over."""
    with _lock:
        _this_thread.recording = None
        _recording_threads[0] -= 1
        if not _recording_threads[0]:
            state.recorder = None


def current():
    """The recording the calling thread is making, or None."""
    return _this_thread.recording


class paused:
    """Inside this block the calling thread's recording sees nothing (a stateful method runs for real)."""

    def __enter__(self):
        self._recording = _this_thread.recording
        _this_thread.recording = None

    def __exit__(self, *exc):
        _this_thread.recording = self._recording
        return False


RULE_HOOKS = []  # called with each node class ``derivative`` makes (some ops make theirs on first use)
STATEFUL = set()  # functions passed to traced_stateful: their calls are never merged or dropped


def replayed_as_call(method):
    """Mark a stateful Python method (``optimizer.step``) to be called again on every replay.

    Its effects live in Python objects the recorder cannot see through (learning rates, step
    counters, optimizer moments), so a replay runs it for real instead of copying its arrays.
    """

    @functools.wraps(method)
    def call(*args, **kwargs):
        recorder = state.recorder
        if recorder is None:
            return method(*args, **kwargs)
        return recorder.opaque(method, args, kwargs)

    return call
