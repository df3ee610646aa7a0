"""The seam between eager chainrule and ``chainrule.compile``'s recorder.

Eager code reads one attribute here at the few places the recorder must see (a recorded op, a
fresh tensor, an in-place write, a gradient landing on a leaf, a value leaving for Python). When
nothing is being recorded, ``state.recorder`` is None and each such check is one attribute load.
"""

import functools

from . import _tensor

__all__ = ["state", "traced", "traced_stateful", "replayed_as_call", "STATEFUL"]


class _State:
    __slots__ = ("recorder",)

    def __init__(self):
        self.recorder = None


state = _State()


def traced(fn, *operands):
    """``fn(*operands)`` with each Tensor operand given as its array, seen by the recorder as one instruction.

    For array work inside an op that ``record`` does not describe, such as the masks a loss
    builds from its integer targets: replay then recomputes them from the new targets.
    """
    recorder = state.recorder
    if recorder is None:
        return fn(*[value._data if isinstance(value, _tensor.Tensor) else value for value in operands])
    return recorder.traced(fn, operands)


RULE_HOOKS = []  # called with each node class ``derivative`` makes (some ops make theirs on first use)
STATEFUL = set()  # functions passed to traced_stateful: their calls are never merged or dropped


def traced_stateful(fn, *operands):
    """``traced`` for a call with effects beyond its result: a draw from a generator (a replay draws again,
    advancing the generator as eager does), an update of running statistics."""
    STATEFUL.add(fn)
    return traced(fn, *operands)


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
