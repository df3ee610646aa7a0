"""Anomaly detection: name the backward node that produced a NaN, and where its op was called.

Beyond PyTorch's message, the error points at the user's own source line that created the
forward op, recorded when the node was made while anomaly mode was on.
"""

import os
import traceback
import warnings

from .._array import namespace_of
from .._errors import add_note

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


class _AnomalyState:
    enabled = False
    check_nan = True


_state = _AnomalyState()


def is_anomaly_enabled():
    return _state.enabled


def is_anomaly_check_nan_enabled():
    return _state.check_nan


class set_detect_anomaly:
    """Turn anomaly detection on or off; also usable as a context manager."""

    def __init__(self, mode, check_nan=True):
        self._previous = (_state.enabled, _state.check_nan)
        _state.enabled = bool(mode)
        _state.check_nan = bool(check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _state.enabled, _state.check_nan = self._previous
        return False


class detect_anomaly:
    """Context manager (and decorator) that enables anomaly detection inside it."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should "
                      "only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self._previous = (_state.enabled, _state.check_nan)
        _state.enabled = True
        _state.check_nan = self.check_nan

    def __exit__(self, *exc):
        _state.enabled, _state.check_nan = self._previous
        return False

    def __call__(self, func):
        def decorated(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return decorated


def record_forward_trace(node):
    """Remember the user's call stack for ``node`` (only while anomaly mode is on)."""
    node.metadata["traceback_"] = traceback.extract_stack()[:-3]


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _user_frame(trace):
    """The innermost frame of the trace that is not inside chainrule's own package directory.

    A user's project may itself sit in a folder named ``chainrule`` (a clone does), so the test is
    the installed package's path, not a name in the path.
    """
    for frame in reversed(trace):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return frame
    return None


def check_for_nan(node, outputs):
    """Raise PyTorch's error when ``node`` returned NaN, after warning with the forward trace."""
    if not _state.check_nan:
        return
    for index, grad in enumerate(outputs):
        if grad is None or grad._data.dtype.kind not in "fc":
            continue
        if namespace_of(grad._data).isnan(grad._data).any():
            name = node.name()
            trace = node._metadata.get("traceback_") if node._metadata else None
            if trace:
                warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the error:\n"
                              + "".join(traceback.format_list(trace)), UserWarning, stacklevel=2)
            error = RuntimeError(f"Function '{name}' returned nan values in its {index}th output.")
            frame = _user_frame(trace) if trace else None
            if frame is not None:
                add_note(error, f"The forward op was called at {frame.filename}:{frame.lineno}: {frame.line}")
            raise error
