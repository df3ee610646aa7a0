"""The main-process side of ``DataLoader(num_workers=N)``: N worker processes and the batches they return.

Each worker has its own task queue; all answer on one result queue. Tasks (the indices of one batch)
go to the active workers in turn, at most ``prefetch_factor`` per worker ahead of what the loop has
consumed, and batches are handed out in task order (``in_order=False``: as they arrive), so a
map-style dataset yields the batches a single-process loader would. Each worker iterates its own
copy of an IterableDataset (sharding it is the dataset's job, through ``get_worker_info``); their
batches interleave in turn until each copy is exhausted.
"""

import itertools
import multiprocessing
import os
import queue
import time
import weakref

from .worker import ExceptionWrapper, IterableEnd, Resume, WorkerSpec, worker_loop

__all__ = ["WorkerPoolIterator"]

POLL_SECONDS = 5.0  # how often a wait for results checks that the workers are alive
GRACE_SECONDS = 2.0  # how long workers get to stop before they are terminated


def _shut_down(owner, workers, task_queues, results, done):
    """Ask every worker to stop, give them a moment to finish the task in hand, terminate the others.

    Only the process that started the pool does this: a process forked later (another loader's worker)
    inherits the pool object but must leave its workers alone. Terminating is safe here: the queues of
    this pool are never read again."""
    if os.getpid() != owner:
        return
    done.set()
    for tasks in task_queues:
        try:
            tasks.put(None)
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + GRACE_SECONDS
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
            worker.join()
    for tasks in task_queues:
        tasks.cancel_join_thread()
        tasks.close()
    results.cancel_join_thread()
    results.close()


class WorkerPoolIterator:
    """Iterates over a loader's batches, fetched by worker processes started when it is created."""

    def __init__(self, loader, base_seed):
        self.loader = loader
        self.iterable = loader._iterable
        self.workers_count = loader.num_workers
        self.prefetch = loader.prefetch_factor
        self.in_order = loader.in_order
        self.timeout = loader.timeout
        self.persistent = loader.persistent_workers
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self.results = context.Queue()
        self.done = context.Event()
        self.task_queues, self.workers = [], []
        for worker_id in range(self.workers_count):
            tasks = context.Queue()
            tasks.cancel_join_thread()
            spec = WorkerSpec(loader.dataset, self.iterable, loader._auto_collation, loader.collate_fn,
                              loader.drop_last, base_seed, loader.worker_init_fn, worker_id, self.workers_count)
            worker = context.Process(target=worker_loop, args=(spec, tasks, self.results, self.done), daemon=True)
            worker.start()
            self.task_queues.append(tasks)
            self.workers.append(worker)
        self._finalizer = weakref.finalize(self, _shut_down, os.getpid(), self.workers, self.task_queues,
                                           self.results, self.done)
        self._finalizer.atexit = False  # at exit, multiprocessing terminates daemonic workers without waiting
        self.reset(first=True)

    def __iter__(self):
        return self

    def __len__(self):
        return len(self.loader)

    def reset(self, first=False):
        """Start an epoch: a fresh pass over the sampler, and (for persistent workers) fresh fetchers."""
        self.indices = iter(self.loader._index_sampler)
        self.sent = 0  # id of the next task to send
        self.received = 0  # id of the next task to hand out
        self.tasks = {}  # task id -> (worker id,) while pending, (worker id, data) once it arrived early
        self.outstanding = 0
        self.active = [True] * self.workers_count
        self.turns = itertools.cycle(range(self.workers_count))
        if not first:
            for tasks in self.task_queues:
                tasks.put(Resume())
            acknowledged = 0
            while acknowledged < self.workers_count:  # anything before an acknowledgement is a stale result
                task_id, _ = self._get()
                acknowledged += isinstance(task_id, Resume)
        for _ in range(self.prefetch * self.workers_count):
            self._send_next()

    def _send_next(self):
        """Give the next batch's indices to the next active worker, if the sampler has any left."""
        try:
            indices = next(self.indices)
        except StopIteration:
            return
        for _ in range(self.workers_count):
            worker = next(self.turns)
            if self.active[worker]:
                break
        else:
            return
        self.task_queues[worker].put((self.sent, indices))
        self.tasks[self.sent] = (worker,)
        self.outstanding += 1
        self.sent += 1

    def _get(self):
        """The next (task id, data) from the workers, watching for dead workers and the loader's timeout."""
        start = time.monotonic()
        while True:
            wait = POLL_SECONDS if self.timeout <= 0 else min(POLL_SECONDS, self.timeout)
            try:
                return self.results.get(timeout=wait)
            except queue.Empty:
                dead = [w for i, w in enumerate(self.workers) if self.active[i] and not w.is_alive()]
                if dead:
                    self.shutdown()
                    pids = ", ".join(str(w.pid) for w in dead)
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
                if self.timeout > 0 and time.monotonic() - start >= self.timeout:
                    self.shutdown()
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None

    def __next__(self):
        while True:
            while self.received < self.sent:  # skip tasks given to workers whose stream has ended
                info = self.tasks.get(self.received)
                if info is not None and (len(info) == 2 or self.active[info[0]]):
                    break
                self.tasks.pop(self.received, None)
                self.received += 1
            else:
                if not self.persistent:
                    self.shutdown()
                raise StopIteration
            if len(self.tasks[self.received]) == 2:
                _, data = self.tasks.pop(self.received)
                self.received += 1
                return self._hand_out(data)
            task_id, data = self._get()
            self.outstanding -= 1
            if isinstance(data, IterableEnd):
                self.active[data.worker_id] = False
                self._send_next()
                continue
            if task_id == self.received or not self.in_order:
                self.tasks.pop(task_id)
                if task_id == self.received:
                    self.received += 1
                return self._hand_out(data)
            self.tasks[task_id] += (data,)

    def _hand_out(self, data):
        self._send_next()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def shutdown(self):
        finalizer = getattr(self, "_finalizer", None)  # absent when a worker failed to start
        if finalizer is not None:
            finalizer()

    def __del__(self):
        self.shutdown()
