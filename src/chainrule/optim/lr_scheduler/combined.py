"""Schedules of schedules: ``SequentialLR`` hands the optimizer from one to the next at milestones,
``ChainedScheduler`` steps several together. Their state holds each inner schedule's state.
"""

from bisect import bisect_right

from ..._recording import replayed_as_call
from .base import LRScheduler, current_lrs
from .plateau import ReduceLROnPlateau

__all__ = ["SequentialLR", "ChainedScheduler", "SchedulerOfSchedulers"]


def check_schedulers(name, schedulers, optimizer):
    """PyTorch's checks on the schedulers a combined schedule drives: all stepable, one optimizer."""
    for index, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{name} at index {index} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{name} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                             "kwargs to be specified when calling `step`, but got one at index "
                             f"{index} in the given schedulers sequence.")
        if optimizer != scheduler.optimizer:
            raise ValueError(f"{name} expects all schedulers to belong to the same optimizer, but got scheduler "
                             f"{scheduler.__class__.__name__} at index {index} has {scheduler.optimizer}, which "
                             f"is different from {optimizer.__class__.__name__}.")


class SchedulerOfSchedulers(LRScheduler):
    """A schedule that drives others: its state holds each of theirs."""

    def state_dict(self):
        state = {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, scheduler_state in zip(self._schedulers, saved):
            scheduler.load_state_dict(scheduler_state)


class SequentialLR(SchedulerOfSchedulers):
    """Hand the optimizer from one schedule to the next at the ``milestones`` epochs."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        name = self.__class__.__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
        check_schedulers(name, schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError("Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:
            _undo_initial_step(scheduler)
        first = self._schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    @replayed_as_call
    def step(self):
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


def _undo_initial_step(scheduler):
    """Take back the epoch a schedule counted when it was built (through nested sequences too)."""
    pending = [scheduler]
    while pending:
        current = pending.pop()
        if hasattr(current, "_schedulers"):
            pending.extend(current._schedulers)
        elif hasattr(current, "last_epoch"):
            current.last_epoch -= 1


class ChainedScheduler(SchedulerOfSchedulers):
    """Step several schedules of one optimizer together, each applying its change to the others' rates."""

    def __init__(self, schedulers, optimizer=None):
        name = self.__class__.__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler to be chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        check_schedulers(name, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = current_lrs(schedulers[-1].optimizer)

    @replayed_as_call
    def step(self):
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = current_lrs(self._schedulers[-1].optimizer)
