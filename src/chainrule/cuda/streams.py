"""CUDA streams and events, as ``torch.cuda.Stream`` and ``torch.cuda.Event``, over CuPy's.

Ops run on the current stream (CuPy's, which ``with chainrule.cuda.stream(s):`` sets). Events time work
on the GPU: ``start.record(); ...; end.record(); end.synchronize(); start.elapsed_time(end)`` in ms.
"""

import contextlib

from .._device import MISSING_CUPY, registered
from .._device import device as _device_class
from .._device import namespace_for

__all__ = ["Stream", "Event", "current_stream", "default_stream", "stream"]


def _runtime(what):
    """The CUDA runtime; RuntimeError (PyTorch's type for streams and events) when there is no CUDA."""
    try:
        return namespace_for("cuda").runtime
    except AssertionError:
        raise RuntimeError(f"chainrule.cuda.{what} requires CUDA: {MISSING_CUPY}") from None


def _index(runtime, device):
    if device is None:
        return runtime.current()
    if isinstance(device, int):
        return device
    where = _device_class(device)
    return runtime.current() if where.index is None else where.index


class Stream:
    """A queue of GPU work; ``with chainrule.cuda.stream(s):`` makes ops run on it."""

    def __init__(self, device=None, priority=0, **kwargs):
        runtime = _runtime("Stream")
        self.device_index = _index(runtime, device)
        with runtime.using(self.device_index):
            self._stream = runtime.Stream(non_blocking=True, priority=priority or None)

    @classmethod
    def _wrapping(cls, backend_stream, device_index):
        made = cls.__new__(cls)
        made._stream = backend_stream
        made.device_index = device_index
        return made

    @property
    def device(self):
        return _device_class("cuda", self.device_index)

    @property
    def cuda_stream(self):
        return self._stream.ptr

    def synchronize(self):
        self._stream.synchronize()

    def query(self):
        return self._stream.done

    def wait_event(self, event):
        self._stream.wait_event(event._event)

    def wait_stream(self, stream):
        self.wait_event(stream.record_event())

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        self._stream.__enter__()
        return self

    def __exit__(self, *exc):
        return self._stream.__exit__(*exc)

    def __eq__(self, other):
        return isinstance(other, Stream) and self.cuda_stream == other.cuda_stream

    def __hash__(self):
        return hash(self.cuda_stream)

    def __repr__(self):
        return f"<chainrule.cuda.Stream device=cuda:{self.device_index} cuda_stream={self.cuda_stream:#x}>"


class Event:
    """A marker in a stream: to wait for, or to time the work between two of them."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        self._runtime = _runtime("Event")
        self._event = self._runtime.Event(block=blocking, disable_timing=not enable_timing,
                                          interprocess=interprocess)

    def record(self, stream=None):
        self._event.record(None if stream is None else stream._stream)

    def wait(self, stream=None):
        (current_stream() if stream is None else stream).wait_event(self)

    def query(self):
        return self._event.done

    def synchronize(self):
        self._event.synchronize()

    def elapsed_time(self, end_event):
        """Milliseconds between this event and ``end_event`` (both recorded, the end one completed)."""
        return self._runtime.elapsed_time(self._event, end_event._event)


def current_stream(device=None):
    runtime = _runtime("current_stream")
    index = _index(runtime, device)
    return Stream._wrapping(runtime.current_stream(index), index)


def default_stream(device=None):
    runtime = _runtime("default_stream")
    return Stream._wrapping(runtime.Stream(null=True), _index(runtime, device))


@contextlib.contextmanager
def stream(stream):
    """Within the block, ops run on ``stream`` (None: leave the current stream as it is)."""
    if stream is None:
        yield
        return
    with stream:
        yield


del registered
