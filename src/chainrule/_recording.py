"""The seam between eager chainrule and ``chainrule.compile``'s recorder.

Eager code reads one attribute here at the few places the recorder must see (a recorded op, a
fresh tensor, an in-place write, a gradient landing on a leaf, a value leaving for Python). When
nothing is being recorded, ``state.recorder`` is None and each such check is one attribute load.
This module sits below the Tensor; ops mark array work the recorder must see with
``chainrule._ops._op.traced``.
"""

import functools

__all__ = ["state", "replayed_as_call", "RULE_HOOKS", "STATEFUL"]


class _State:
    __slots__ = ("recorder",)

    def __init__(self):
        self.recorder = None


state = _State()


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
