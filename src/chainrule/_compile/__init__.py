"""``chainrule.compile``: record a function's array work once, replay it without the Python overhead.

The first calls with a new signature run eagerly while the recorder watches (``recorder.py``). Two
recordings that agree instruction for instruction become a plan (``plan.py``): a generated Python
function that makes only the array calls eager made, checked bit for bit against the recording
before it is trusted. Later calls whose guards pass run the plan; anything the recorder cannot
replay faithfully leaves that signature eager, with one warning naming the user's line.

Backward and gradient accumulation are recorded like any op, because the engine runs vjps written
in chainrule ops. ``optimizer.step()``, ``zero_grad()`` and scheduler steps are called again at each
replay (they keep Python state: learning rates, step counts, moments), so schedulers need no retrace.
"""

import functools
import math
import os
import threading
import time
import warnings
import weakref

import numpy as np

from .. import _recording
from .._float_errors import silent_float_errors
from .._tensor import Tensor
from .._autograd import grad_mode
from .._autograd.anomaly import _state as _anomaly_state
from .._ops._forward import state as _forward_state
from .ir import (Call, ConstRef, Fused, Load, ObjectSource, Opaque, ReturnArg, ReturnConst, ReturnGraph, ReturnItem,
                 ReturnSame, ReturnSlot, SlotRef, Traced)
from .joint import JointPlan, boundary_alias, start_joint, substituted
from .plan import Plan, ReplayMismatch
from .recorder import NotReplayable, Recording, recording_into
from .units import Unit

__all__ = ["compile", "CompiledFunction"]

_RECORDINGS_BEFORE_GIVING_UP = 4
_WAITING_FOR_BACKWARD = 4  # recordings whose backward has not come yet; beyond, calls run eagerly unrecorded
_WAITING_FOR_ANOTHER_THREAD_S = 30.0  # a call waits this long for another thread's recording, then runs eagerly


def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None, options=None, disable=False,
            max_signatures=8):
    """Compile ``model`` (a function or Module); usable as ``@chainrule.compile`` or ``@chainrule.compile()``.

    PyTorch's keyword arguments are accepted; ``disable=True`` (or ``CHAINRULE_COMPILE=0`` in the
    environment) returns a wrapper that always runs eagerly.
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable, max_signatures=max_signatures)
    _check_mode(mode, options, backend)
    if not callable(model):
        raise RuntimeError("compile() expects a callable or an nn.Module")
    return CompiledFunction(model, disable=disable, max_signatures=max_signatures)


_MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def _check_mode(mode, options, backend):
    """PyTorch's checks of ``mode``. Every mode means the same here: a replay already has no per-op overhead
    to reduce and no kernels to tune (docs/compile.md)."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if mode is not None and mode not in _MODES and (backend is None or backend == "inductor"):
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")


def _environment_disables():
    return os.environ.get("CHAINRULE_COMPILE", "1").strip().lower() in ("0", "false", "off", "no")


class _Entry:
    """What is known about one call signature.

    ``joint``: its calls return tensors that need gradients, so a recording goes on into their
    backward (``joint.py``); ``waiting`` holds those recordings until their backward comes.
    ``lock``: held while a thread records this signature or concludes a recording, so that calls from
    several threads record one after another and compare their recordings in the order they finished.
    ``last`` is always a recording that followed the op calls (``recorder.py``); ``plain`` says it replays
    no op as a whole call and so may be repeated by a recording that does not follow them, unless one such
    recording already failed to repeat it (``follow``: it is kept in ``unfollowed``, which the next
    recording, following them, may still repeat).
    """

    __slots__ = ("plans", "last", "plain", "read", "follow", "unfollowed", "recordings", "eager_reason", "joint",
                 "waiting", "lock")

    def __init__(self):
        self.plans = []
        self.last = None
        self.plain = False
        self.read = ()  # the tensors from outside (not arguments) that ``last`` read
        self.follow = False
        self.unfollowed = None
        self.recordings = 0
        self.eager_reason = None
        self.joint = False
        self.waiting = weakref.WeakSet()
        self.lock = threading.RLock()  # re-entered by a backward that concludes a recording inside a recording


class CompiledFunction:
    """The compiled wrapper: call it like the original function."""

    def __init__(self, fn, *, disable=False, max_signatures=8):
        functools.update_wrapper(self, fn, updated=())
        self._fn = fn
        self._disabled = disable or _environment_disables()  # read once, when the function is compiled
        self._max_signatures = max_signatures
        self._entries = {}
        self._label = getattr(fn, "__qualname__", type(fn).__name__)
        self.replays = 0
        self.recordings = 0
        self.planning_seconds = 0.0  # spent writing plans and checking them against the recordings

    # ----------------------------------------------------------------- calling
    @silent_float_errors  # recording, checking and replaying a plan make the ops' array calls: as silently
    def __call__(self, *args, **kwargs):
        if self._disabled or _recording.current() is not None or _anomaly_state.enabled or _forward_state.depth:
            return self._fn(*args, **kwargs)
        tensors = []
        key = _signature(args, kwargs, tensors)
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= self._max_signatures:
                self._warn(f"more than {self._max_signatures} signatures; new ones run eagerly")
                return self._fn(*args, **kwargs)
            entry = self._entries.setdefault(key, _Entry())  # another thread may have made it meanwhile
        if entry.eager_reason is not None:
            return self._fn(*args, **kwargs)
        for plan in entry.plans:
            if plan.admits():
                self.replays += 1
                return plan.replay(tensors, (args, kwargs))
        return self._record_in_turn(entry, tensors, args, kwargs)

    def _record_in_turn(self, entry, tensors, args, kwargs):
        """Record this call, unless another thread's recording of the signature, awaited here, made a plan
        that this call may replay. Replays themselves run in any number of threads at once."""
        if not entry.lock.acquire(timeout=_WAITING_FOR_ANOTHER_THREAD_S):
            return self._fn(*args, **kwargs)  # the other thread's function may be waiting for this one
        try:
            if entry.eager_reason is None and not any(plan.admits() for plan in entry.plans):
                if len(entry.waiting) >= _WAITING_FOR_BACKWARD:
                    return self._fn(*args, **kwargs)
                return self._record(entry, tensors, args, kwargs)
        finally:
            entry.lock.release()
        return self(*args, **kwargs)  # a plan (or a reason to stay eager) came while this call waited

    def _record(self, entry, tensors, args, kwargs):
        device = next((t.device for t in tensors if t.device.type != "cpu"), None)
        if device is not None:
            self.stay_eager(entry, f"a tensor on {device} is passed, and compiled replays run on the CPU only")
            return self._fn(*args, **kwargs)
        aliases = None
        if any(t._requires_grad for t in tensors) and (entry.joint or any(t._grad_fn is not None for t in tensors)):
            # the call's graph must end at its arguments: each is read through a boundary of its own
            aliases = [boundary_alias(t, p) if t._requires_grad else t for p, t in enumerate(tensors)]
            mapping = {id(t): alias for t, alias in zip(tensors, aliases)}
            args, kwargs = substituted(args, mapping), substituted(kwargs, mapping)
        follows_units = entry.follow or entry.last is None or not entry.plain
        recording = Recording(aliases or tensors, follows_units, () if follows_units else entry.read)
        self.recordings += 1
        entry.recordings += 1
        with recording_into(recording):
            result = self._fn(*args, **kwargs)
        outputs, tree = [], None
        if recording.failure is None:
            try:
                tree = _output_tree(result, recording, outputs)
            except NotReplayable as error:
                recording.fail(str(error), "return value")
            for _, _, where in recording.python_values.values():  # read out and used, not just returned
                recording.fail("the number it gives is used by Python code inside the compiled function, which a "
                               "replay does not run again; return it, or convert the returned tensor outside",
                               where)
                break
        if aliases is not None and recording.ran_backward:
            recording.fail("a backward runs inside a call whose arguments need gradients from outside", "backward")
        if recording.graph_outputs and recording.failure is None:
            entry.joint = True
            if aliases is None and any(t._requires_grad for t in tensors):
                return result  # eager's result; the next recording reads these arguments through boundaries
            return start_joint(self, entry, recording, outputs, tree, result, tensors, aliases)
        if aliases is not None:
            result = substituted(result, {id(alias): t for t, alias in zip(tensors, aliases)})
        if recording.failure is not None:
            self._failed(entry, recording)
            return result
        self._conclude(entry, _canonical(recording, outputs), lambda: self._plan(recording, outputs, tree), recording)
        return result

    def _plan(self, recording, outputs, tree):
        plan = Plan(recording.instructions, recording.values, outputs, tree, self._label,
                    grad_guards=recording.grad_guards.values(), modules=recording.modules.values())
        plan.verify(recording.values, recording.final_values)
        return plan

    def joint_recorded(self, pending, grad_slots):
        """The backward of a recording call is recorded too (``joint.py``): compare, and perhaps plan."""
        entry, recording = pending.entry, pending.recording
        with entry.lock:
            if entry.eager_reason is not None:
                return
            if recording.failure is not None:
                self._failed(entry, recording)
                return
            signature = _canonical(recording, pending.outputs) + (grad_slots, _canonical_value(pending.sources))
            self._conclude(entry, signature, lambda: JointPlan(pending, grad_slots, self._label), recording)

    def _failed(self, entry, recording):
        """A recording failed: the signature stays eager, unless following the op calls could have helped."""
        if recording.wants_units:
            entry.follow = True
        else:
            self.stay_eager(entry, recording.failure)

    def _conclude(self, entry, signature, build, recording):
        """A finished recording: two in a row that agree become a plan (``build``), checked against eager.

        It gives up only when the recording differs from the one before it: recordings still waiting for
        their backward (or made in other threads) count toward the limit but are not a difference. One that
        did not follow the op calls and differs is no difference either: the next recordings follow them."""
        if not recording.follows_units and entry.last != signature:
            entry.follow, entry.unfollowed = True, signature
            return
        if entry.last != signature and entry.unfollowed != signature:
            differs = entry.last is not None
            entry.last, entry.unfollowed = signature, None
            entry.plain = not any(i.__class__ is Traced and isinstance(i.fn, Unit) for i in recording.instructions)
            entry.read = tuple(i.source.tensor for i in recording.instructions
                               if i.__class__ is Load and i.source.__class__ is ObjectSource)
            if differs and entry.recordings >= _RECORDINGS_BEFORE_GIVING_UP:
                self.stay_eager(entry, "the function does not repeat the same operations from call to call")
            return
        entry.last, entry.unfollowed, entry.read = None, None, ()
        started = time.perf_counter()
        try:
            plan = build()
        except ReplayMismatch as error:
            self.stay_eager(entry, f"the replay would differ from eager ({error})")
            return
        except NotReplayable as error:
            self.stay_eager(entry, str(error))
            return
        except Exception as error:  # a plan that cannot be built or run: eager is still right
            self.stay_eager(entry, f"no plan could be built ({type(error).__name__}: {error})")
            return
        finally:
            self.planning_seconds += time.perf_counter() - started
        entry.plans.append(plan)
        entry.recordings = 0  # a new guard variant (another module mode, a replaced parameter) may follow
        if len(entry.plans) > self._max_signatures:
            self.stay_eager(entry, f"more than {self._max_signatures} guard variants")

    def stay_eager(self, entry, reason):
        entry.eager_reason = reason
        entry.plans.clear()
        self._warn(reason)

    def _warn(self, reason):
        warnings.warn(f"chainrule.compile({self._label}) runs eagerly: {reason}", UserWarning, stacklevel=4)

    def __getattr__(self, name):
        """A compiled Module still answers as the Module (``parameters()``, ``train()``, ``state_dict()``)."""
        if name == "_fn":
            raise AttributeError(name)
        return getattr(self._fn, name)

    @property
    def _orig_mod(self):
        """The compiled function or Module itself, under PyTorch's name."""
        return self._fn

    # ----------------------------------------------------------------- looking inside
    def explain(self):
        """What was recorded for each signature: its plan's source, or why it runs eagerly."""
        lines = [f"chainrule.compile({self._label}): {len(self._entries)} signature(s), "
                 f"{self.recordings} recording(s), {self.replays} replay(s), "
                 f"{self.planning_seconds * 1e3:.1f} ms writing and checking plans"]
        for number, entry in enumerate(self._entries.values(), 1):
            if entry.eager_reason is not None:
                lines.append(f"signature {number}: eager: {entry.eager_reason}")
                continue
            if not entry.plans:
                lines.append(f"signature {number}: recording ({entry.recordings} so far)")
            for plan in entry.plans:
                lines.append(f"signature {number}: replay of {len(plan.instructions)} instructions "
                             f"({plan.recorded_count} recorded), guarded by {len(plan.guards)} tensor(s), "
                             f"{len(plan.grad_guards)} gradient state(s), {len(plan.modules)} module mode(s)")
                lines.append(_summary(plan.instructions))
                lines.append(plan.source.rstrip())
        return "\n".join(lines)


def _summary(instructions):
    """How a plan replays: kernel calls, ops called whole, fused groups, stateful Python calls."""
    whole = sum(1 for i in instructions if i.__class__ is Traced and isinstance(i.fn, Unit))
    counts = {
        "kernel calls": sum(1 for i in instructions if i.__class__ is Call) + sum(
            1 for i in instructions if i.__class__ is Traced and not isinstance(i.fn, Unit)),
        "ops called whole": whole,
        "fused groups": sum(1 for i in instructions if i.__class__ is Fused),
        "Python calls (optimizer, schedulers)": sum(1 for i in instructions if i.__class__ is Opaque),
    }
    return "  " + ", ".join(f"{count} {name}" for name, count in counts.items())


# ----------------------------------------------------------------- argument and output structure
def _signature(args, kwargs, tensors):
    """The cache key of a call: grad mode and the arguments' structure; tensors are collected in order."""
    if not kwargs:
        for value in args:
            if value.__class__ is not Tensor:
                break
        else:  # the common case, only plain tensors
            tensors.extend(args)
            return (grad_mode._state.enabled,) + tuple(
                (t._data.shape, t._data.dtype, t._requires_grad, t._grad is None) for t in args)
    return (grad_mode._state.enabled, _structure(args, tensors), _structure(kwargs, tensors))


def _structure(value, tensors):
    """A hashable description of ``value`` that ignores tensor contents, collecting its tensors in order."""
    cls = value.__class__
    if cls is Tensor or isinstance(value, Tensor):
        tensors.append(value)
        data = value._data
        return ("T", data.shape, data.dtype.str, value._requires_grad, value._grad is None)
    if cls is tuple or cls is list:
        return (cls.__name__,) + tuple(_structure(v, tensors) for v in value)
    if cls is dict:
        return ("dict",) + tuple((k, _structure(v, tensors)) for k, v in value.items())
    if cls is float:
        return ("float", value.hex() if math.isfinite(value) else repr(value))
    if value is None or cls in (bool, int, str):
        return (cls.__name__, value)
    return ("id", id(value))


def _output_tree(value, recording, outputs):
    """The returned structure with each tensor replaced by where replay finds it."""
    cls = value.__class__
    if isinstance(value, Tensor):
        recording.returned += 1
        position = recording.arg_position.get(id(value))
        if position is not None:
            outputs.append(ReturnArg(position))
            return ("out", len(outputs) - 1, False)
        slot = recording.slot_of.get(id(value._data))
        if slot is None and id(value._data) in recording.constants:  # zeros or ones made inside: a fresh copy
            outputs.append(ReturnConst(value._data.copy()))
            return ("out", len(outputs) - 1, True)
        if slot is None or id(value) in recording.loaded:
            if id(value._data) in recording.made:
                raise NotReplayable(f"the returned tensor was made by {recording.made[id(value._data)]}")
            outputs.append(ReturnSame(value))
            return ("out", len(outputs) - 1, False)
        recording.final_values[slot] = value._data.copy()
        if value._requires_grad and not recording.ran_backward:  # it leaves with a graph: see joint.py
            known = recording.graph_outputs.get(id(value))
            if known is None:
                known = recording.graph_outputs[id(value)] = (value, recording.returned - 1,
                                                              len(recording.graph_outputs))
            outputs.append(ReturnGraph(slot, known[2]))
            return ("out", len(outputs) - 1, True)
        outputs.append(ReturnSlot(slot))
        return ("out", len(outputs) - 1, True)
    if cls is tuple or cls is list:
        return (cls, [_output_tree(v, recording, outputs) for v in value])
    if cls is dict:
        return (dict, [(k, _output_tree(v, recording, outputs)) for k, v in value.items()])
    if cls is float and id(value) in recording.python_values:
        _, slot, _ = recording.python_values.pop(id(value))
        outputs.append(ReturnItem(slot))
        return ("out", len(outputs) - 1, False)
    if value is None or cls in (bool, int, float, str):
        return ("value", value)
    raise NotReplayable(f"a returned {cls.__name__} is not replayed")


# ----------------------------------------------------------------- comparing recordings
def _canonical(recording, outputs):
    """Everything that must repeat for a recording to be a plan, as comparable data."""
    items = [_canonical_value(instruction) for instruction in recording.instructions]
    items.append(tuple(_canonical_value(o) for o in outputs))
    items.append(tuple((id(t), none) for t, none in recording.grad_guards.values()))
    items.append(tuple((id(m), training, tuple(map(id, members)))
                       for m, training, members in recording.modules.values()))
    return tuple(items)


def _canonical_value(value):
    canonical = _CANONICAL.get(value.__class__)
    if canonical is not None:  # the common classes, looked up at once
        return canonical(value)
    cls = value.__class__
    if isinstance(value, np.ndarray):
        return _canonical_array(value)
    if isinstance(value, np.dtype):
        return ("dtype", value.str)
    if isinstance(value, np.generic):
        return ("scalar", value.dtype.str, value.tobytes())
    if isinstance(value, Unit):
        return ("unit", id(value.fn), _canonical_value(value.arguments), _canonical_value(value.keywords),
                _canonical_value(value.outputs), value.kinds, _canonical_value(value.grad),
                _canonical_value(value.bumps))
    if isinstance(value, tuple):  # a named tuple: an instruction, an operand, a returned value
        _CANONICAL[cls] = _canonical_named_tuple  # its fields are compared, not its class's equality
        return _canonical_named_tuple(value)
    return ("id", id(value))


def _canonical_named_tuple(value):
    return (value.__class__.__name__,) + tuple(map(_canonical_value, value))


def _canonical_array(value):
    return ("array", value.dtype.str, value.shape, value.tobytes())


def _unchanged(value):
    return value


_CANONICAL = {
    float: lambda value: ("float", value.hex() if math.isfinite(value) else repr(value)),
    complex: lambda value: ("complex", _canonical_value(value.real), _canonical_value(value.imag)),
    type(None): _unchanged, bool: _unchanged, int: _unchanged, str: _unchanged,
    tuple: lambda value: ("tuple",) + tuple(map(_canonical_value, value)),
    list: lambda value: ("list",) + tuple(map(_canonical_value, value)),
    dict: lambda value: ("dict",) + tuple((k, _canonical_value(v)) for k, v in value.items()),
    slice: lambda value: ("slice", _canonical_value(value.start), _canonical_value(value.stop),
                          _canonical_value(value.step)),
    np.ndarray: _canonical_array,
    SlotRef: lambda ref: ("SlotRef", ref.slot),
    ConstRef: lambda ref: ("ConstRef", _canonical_value(ref.value)),
    Call: lambda call: ("Call", call.slot, _canonical_value(call.fn), tuple(map(_canonical_value, call.operands)),
                        call.template, call.name, call.site),  # slot: a number; template, name, site: text
}
