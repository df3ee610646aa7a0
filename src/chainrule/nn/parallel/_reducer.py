"""Gradient buckets for DistributedDataParallel: averaged across ranks while backward still runs.

Parameters are grouped into buckets (by dtype, in reverse registration order, which is roughly the
order backward produces their gradients). When every gradient of a bucket has been accumulated, the
bucket is copied into one flat array, pre-divided by the world size, and a non-blocking MPI
all-reduce (sum) starts on it; buckets start in order. When the last bucket has started, all are
waited for and the averages are copied back into each ``.grad``.

The array work is done by two module-level functions called through ``traced_stateful``,
so ``chainrule.compile`` records them as effects of a training step and a replay starts and finishes
the same all-reduces in the same order (the Python bookkeeping around them does not run on replay).
"""

import os

import numpy as np

from ..._ops._op import traced_stateful
from ..._recording import state as _recorder_state
from ..._tensor import Tensor, make_tensor
from ..._autograd import grad_mode
from ..._autograd.leaf import AccumulateGrad
from ...distributed import _mpi

__all__ = ["Reducer", "bucket_assignment"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # a small first bucket starts communication early, as PyTorch's does


def bucket_assignment(params, cap_bytes):
    """Lists of parameter indices, one per bucket: reverse order, one dtype per bucket, a bucket closed
    once it reaches its cap (at most 1 MiB for the first, ``cap_bytes`` after)."""
    buckets = []
    open_buckets = {}  # dtype -> [indices, bytes]
    for index in reversed(range(len(params))):
        data = params[index]._data
        current = open_buckets.setdefault(data.dtype, [[], 0])
        current[0].append(index)
        current[1] += data.nbytes
        cap = min(_FIRST_BUCKET_BYTES, cap_bytes) if not buckets else cap_bytes
        if current[1] >= cap:
            buckets.append(current[0])
            del open_buckets[data.dtype]
    buckets.extend(indices for indices, _ in open_buckets.values())
    return buckets


class _Bucket:
    """Some parameters' gradients, sent as one flat array."""

    __slots__ = ("indices", "buffer", "views", "request", "comm", "scale")

    def __init__(self, indices, params, comm):
        self.indices = indices
        dtype = params[indices[0]]._data.dtype
        self.buffer = np.empty(sum(params[i]._data.size for i in indices), dtype)
        self.views = []
        offset = 0
        for i in indices:
            shape = params[i]._data.shape
            size = params[i]._data.size
            self.views.append(self.buffer[offset:offset + size].reshape(shape))
            offset += size
        self.request = None
        self.comm = comm
        self.scale = dtype.type(1.0 / comm.Get_size())


def _start_bucket(bucket, earlier, *grads):
    """Copy the gradients (divided by the world size) into the bucket and start its all-reduce."""
    for view, grad in zip(bucket.views, grads):
        if grad is None:  # a parameter this rank did not use (find_unused_parameters)
            view[...] = 0
        else:
            np.multiply(grad, bucket.scale, out=view)
    MPI = _mpi.load()
    bucket.request = bucket.comm.Iallreduce(MPI.IN_PLACE, bucket.buffer, MPI.SUM)
    pending = [b.request for b in earlier if b.request is not None]
    if pending:
        MPI.Request.Testall(pending)  # lets MPI move the earlier buckets along while backward goes on


def _finish_buckets(buckets):
    """Wait for every bucket and return each parameter's averaged gradient (views into the buckets)."""
    requests = [b.request for b in buckets]
    test_all = _mpi.load().Request.Testall
    while not test_all(requests):
        os.sched_yield()  # a rank still computing may share this core: let it run rather than spin
    views = []
    for bucket in buckets:
        bucket.request = None
        views.extend(bucket.views)
    return views[0] if len(views) == 1 else tuple(views)


def _used_everywhere(comm, used):
    """Which parameters got a gradient on at least one rank (a small blocking all-reduce)."""
    flags = used.astype(np.int32)
    comm.Allreduce(_mpi.load().IN_PLACE, flags, _mpi.load().MAX)
    return flags.astype(bool)


UNFINISHED_REDUCTION = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`chainrule.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss.\nParameter indices which did not receive grad for rank {rank}: {indices}")


class Reducer:
    """The per-iteration bookkeeping: which gradients are ready, which buckets have started."""

    def __init__(self, params, comm, cap_bytes, find_unused_parameters):
        self.params = params
        self.comm = comm
        self.buckets = [_Bucket(indices, params, comm) for indices in bucket_assignment(params, cap_bytes)]
        self.place = {}  # parameter index -> (bucket number, position in the bucket)
        for number, bucket in enumerate(self.buckets):
            for position, index in enumerate(bucket.indices):
                self.place[index] = (number, position)
        self.find_unused_parameters = find_unused_parameters
        self.expect_backward = False
        self.unused = ()
        self._reset()
        self.handles = [p.register_post_accumulate_grad_hook(self._make_hook(i)) for i, p in enumerate(params)]

    def _reset(self):
        self.ready = [0] * len(self.buckets)
        self.marked = [False] * len(self.params)
        self.next_bucket = 0
        self.started = False

    def _make_hook(self, index):
        def gradient_ready(param):
            if self.expect_backward:
                self.mark_ready(index)

        return gradient_ready

    # ----------------------------------------------------------------- each iteration
    def prepare_for_backward(self, outputs):
        """Called by forward: the coming backward averages gradients; find the unused parameters if asked."""
        if self.started:
            missing = [i for i, marked in enumerate(self.marked) if not marked]
            raise RuntimeError(UNFINISHED_REDUCTION.format(rank=self.comm.Get_rank(),
                                                           indices=" ".join(map(str, missing))))
        self.expect_backward = True
        if self.find_unused_parameters:
            reached = _parameters_reached(outputs)
            self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]

    def skip_backward(self):
        self.expect_backward = False

    def mark_ready(self, index):
        if self.marked[index]:
            raise RuntimeError(f"Expected to mark a variable ready only once: parameter {index} got a gradient twice "
                               f"in one iteration (a second backward before the next forward needs no_sync())")
        if not self.started:
            self.started = True
            for unused in self.unused:  # they will get no gradient here: count them as ready (zeros)
                self._mark(unused)
        self._mark(index)

    def _mark(self, index):
        self.marked[index] = True
        number, _ = self.place[index]
        self.ready[number] += 1
        while self.next_bucket < len(self.buckets) and \
                self.ready[self.next_bucket] == len(self.buckets[self.next_bucket].indices):
            self._start(self.next_bucket)
            self.next_bucket += 1
        if self.next_bucket == len(self.buckets):
            self._finish()

    def _start(self, number):
        bucket = self.buckets[number]
        grads = [self.params[i].grad for i in bucket.indices]
        traced_stateful(_start_bucket, bucket, tuple(self.buckets[:number]), *grads)

    def _finish(self):
        averaged = traced_stateful(_finish_buckets, tuple(self.buckets))
        averaged = averaged if isinstance(averaged, tuple) else (averaged,)
        order = [i for bucket in self.buckets for i in bucket.indices]
        globally_used = None
        if self.unused:
            used = np.ones(len(self.params), bool)
            used[self.unused] = False
            globally_used = _used_everywhere(self.comm, used)
        recording = _recorder_state.recorder is not None
        with grad_mode.no_grad():
            for index, array in zip(order, averaged):
                param = self.params[index]
                grad = param.grad
                if grad is None:
                    if globally_used is not None and globally_used[index]:
                        param.grad = make_tensor(array).clone()
                # an op chainrule.compile sees as a write; CuPy's flags have no writeable (always writeable)
                elif recording or not getattr(grad._data.flags, "writeable", True):
                    grad.copy_(make_tensor(array))
                else:
                    np.copyto(grad._data, array)
                    grad._version_counter[0] += 1
        self.expect_backward = False
        self._reset()


def _parameters_reached(outputs):
    """The ids of the leaves whose AccumulateGrad nodes the outputs' graph reaches (an iterative walk)."""
    stack = []
    pending = [outputs]
    while pending:  # the output structure: tensors inside tuples, lists and dicts
        value = pending.pop()
        if isinstance(value, Tensor):
            if value.grad_fn is not None:
                stack.append(value.grad_fn)
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.values())
    reached, seen = set(), set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            reached.add(id(node.variable))
        stack.extend(next_node for next_node, _ in node.next_functions)
    return reached
