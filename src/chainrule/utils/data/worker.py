"""What runs inside a ``DataLoader`` worker process, and what a dataset sees of it (``get_worker_info``).

A worker seeds Python's, NumPy's and chainrule's random streams from the loader's base seed as
PyTorch's workers do, runs ``worker_init_fn``, then fetches and collates the batches the main process
asks for, one task at a time, until told to stop or until the main process is gone. An exception
travels back as text (type and traceback) and is raised again in the main process.
"""

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from ... import _random
from .fetch import make_fetcher

__all__ = ["WorkerInfo", "get_worker_info", "worker_numpy_seed"]

POLL_SECONDS = 5.0
_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """Which worker this process is: ``id`` in ``range(num_workers)``, the ``seed`` its random streams got,
    and its own copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """The ``WorkerInfo`` of the current worker process, or None in the main process."""
    return _worker_info


def worker_numpy_seed(base_seed, worker_id):
    """The four 32-bit words a worker seeds NumPy's global ``RandomState`` with: PyTorch's mix of the base
    seed and the worker id (a hash in the style of NumPy's ``SeedSequence``), so that NumPy draws in a
    worker equal PyTorch's for the same base seed."""
    mask = 0xFFFFFFFF
    hash_multiplier = [0x43B0D7E5]

    def hashed(value):
        value = (value ^ hash_multiplier[0]) & mask
        hash_multiplier[0] = (hash_multiplier[0] * 0x931E8875) & mask
        value = (value * hash_multiplier[0]) & mask
        return (value ^ (value >> 16)) & mask

    def mixed(x, y):
        result = ((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)
        result &= mask
        return (result ^ (result >> 16)) & mask

    pool = [hashed(word) for word in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for source in range(4):
        for target in range(4):
            if source != target:
                pool[target] = mixed(pool[target], hashed(pool[source]))
    words, multiplier = [], 0x8B51F9DD
    for value in pool:
        value = (value ^ multiplier) & mask
        multiplier = (multiplier * 0x58F38DED) & mask
        value = (value * multiplier) & mask
        words.append((value ^ (value >> 16)) & mask)
    return words


class KeyErrorMessage(str):
    """A KeyError's message prints as itself, not as the repr KeyError gives its argument."""

    __slots__ = ()

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process as its type and formatted traceback."""

    def __init__(self, where):
        kind, error, trace = sys.exc_info()
        self.exc_type = kind
        self.exc_msg = "".join(traceback.format_exception(kind, error, trace))
        self.where = where

    def reraise(self):
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            message = KeyErrorMessage(message)
        try:
            error = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        raise error


@dataclass(frozen=True)
class IterableEnd:
    """A worker's copy of an IterableDataset is exhausted."""

    worker_id: int


class Resume:
    """Start a new epoch: make a fresh fetcher (a persistent worker's IterableDataset restarts)."""


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs, sent to it once when it starts."""

    dataset: object
    iterable: bool
    batched: bool
    collate_fn: object
    drop_last: bool
    base_seed: int
    worker_init_fn: object
    worker_id: int
    num_workers: int


def _seed_everything(spec):
    seed = spec.base_seed + spec.worker_id
    random.seed(seed)
    _random.manual_seed(seed)
    np.random.seed(worker_numpy_seed(spec.base_seed, spec.worker_id))
    return seed


def worker_loop(spec, tasks, results, done):
    """The body of a worker process: answer each ``(task id, indices)`` from ``tasks`` on ``results``."""
    global _worker_info
    where = f"in DataLoader worker process {spec.worker_id}"
    parent = os.getppid()
    try:
        seed = _seed_everything(spec)
        _worker_info = WorkerInfo(spec.worker_id, spec.num_workers, seed, spec.dataset)
        failure = None
        try:
            if spec.worker_init_fn is not None:
                spec.worker_init_fn(spec.worker_id)
            fetcher = make_fetcher(spec.dataset, spec.iterable, spec.batched, spec.collate_fn, spec.drop_last)
        except Exception:
            failure = ExceptionWrapper(where)
        exhausted = False
        while os.getppid() == parent:
            try:
                task = tasks.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if task is None:
                break
            if isinstance(task, Resume):
                results.put((task, None))
                exhausted = False
                fetcher = make_fetcher(spec.dataset, spec.iterable, spec.batched, spec.collate_fn, spec.drop_last)
                continue
            if done.is_set() or exhausted:
                continue
            task_id, indices = task
            if failure is not None:
                data, failure = failure, None
            else:
                try:
                    data = fetcher.fetch(indices)
                except StopIteration:
                    if not spec.iterable:
                        data = ExceptionWrapper(where)
                    else:
                        data, exhausted = IterableEnd(spec.worker_id), True
                except Exception:
                    data = ExceptionWrapper(where)
            results.put((task_id, data))
            del data, task, indices
    except KeyboardInterrupt:
        pass
    if done.is_set():
        results.cancel_join_thread()
        results.close()
