"""DistributedDataParallel: one model replica per rank, gradients averaged across ranks in backward.

Each rank runs forward and backward on its own share of the batch; the reducer (``_reducer.py``)
averages the gradients while backward runs, so after ``loss.backward()`` every rank holds the same
gradients and an identical optimizer step keeps the replicas identical.
"""

import contextlib

import numpy as np

from ..._ops._op import traced_stateful
from ..._tensor import make_tensor
from ..._autograd import grad_mode
from ... import distributed as dist
from ..modules.module import Module
from ._reducer import Reducer

__all__ = ["DistributedDataParallel"]

_DEFAULT_BUCKET_CAP_MB = 25


def _broadcast_arrays(comm, *arrays):
    """Rank 0's values of ``arrays`` (fresh copies), broadcast in one message."""
    flat = np.concatenate([a.reshape(-1).view(np.uint8) for a in arrays])
    comm.Bcast([flat, flat.nbytes, dist._mpi.load().BYTE], 0)
    copies = []
    offset = 0
    for a in arrays:
        copies.append(flat[offset:offset + a.nbytes].view(a.dtype).reshape(a.shape))
        offset += a.nbytes
    return copies[0] if len(copies) == 1 else tuple(copies)


def _read_sync_marker(marker):
    """Does nothing: its call reads the marker, whose shape says whether gradients are averaged, so a
    compiled step recorded with averaging is not replayed under ``no_sync()`` (nor the other way)."""


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``loss.backward()`` leaves the gradients averaged over the process group.

    Parameters are broadcast from rank 0 when the wrapper is made, so every replica starts equal.
    ``module`` is the wrapped model (state_dict keys start with ``module.``). ``device_ids``,
    ``output_device``, ``gradient_as_bucket_view``, ``static_graph`` and the other GPU or tuning
    options of PyTorch are accepted; on the CPU they change nothing.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, bucket_cap_mb_list=None, batched_grad_copy=False,
                 forward_sync_buffers=None):
        super().__init__()
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        if device_ids is not None or output_device is not None:
            raise ValueError(f"DistributedDataParallel device_ids and output_device arguments only work with "
                             f"single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters "
                             f"{{device(type='cpu')}}.")
        self.module = module
        self.process_group = dist.process_group.resolve(process_group)
        self.dim = dim
        self.device_ids = None
        self.output_device = None
        self.broadcast_buffers = True if broadcast_buffers is None else broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.bucket_bytes_cap = int((_DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        object.__setattr__(self, "_sync_marker", make_tensor(np.empty(1)))
        self.require_forward_param_sync = True
        comm = self.process_group.comm
        self._check_same_model(params)
        if init_sync:
            self._broadcast_from_rank0(params + list(module.buffers()))
        object.__setattr__(self, "reducer", Reducer(params, comm, self.bucket_bytes_cap, find_unused_parameters))

    # ----------------------------------------------------------------- construction
    def _check_same_model(self, params):
        """Every rank must wrap the same model: compare parameter shapes and dtypes across ranks."""
        mine = [(tuple(p._data.shape), str(p._data.dtype)) for p in params]
        everyone = self.process_group.comm.allgather(mine)
        for rank, theirs in enumerate(everyone):
            if len(theirs) != len(mine):
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {self.process_group.rank()} "
                                   f"has {len(mine)} params, while rank {rank} has inconsistent {len(theirs)} params.")
            for index, (a, b) in enumerate(zip(mine, theirs)):
                if a != b:
                    raise RuntimeError(f"DDP expects same model across all ranks, but parameter {index} has shape "
                                       f"{list(a[0])} ({a[1]}) on rank {self.process_group.rank()} and {list(b[0])} "
                                       f"({b[1]}) on rank {rank}.")

    def _broadcast_from_rank0(self, tensors):
        tensors = [t for t in tensors if t is not None and t._data.size]
        if tensors and self.process_group.size() > 1:
            copies = _broadcast_arrays(self.process_group.comm, *[np.ascontiguousarray(t._data) for t in tensors])
            copies = copies if isinstance(copies, tuple) else (copies,)
            for tensor, value in zip(tensors, copies):
                np.copyto(tensor._data, value)

    # ----------------------------------------------------------------- gradient synchronisation switches
    @property
    def require_backward_grad_sync(self):
        return self._sync_marker._data.shape == (1,)

    @require_backward_grad_sync.setter
    def require_backward_grad_sync(self, value):
        self._sync_marker._data = np.empty(1 if value else 0)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally; the first backward after it averages them all."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # ----------------------------------------------------------------- forward
    def forward(self, *inputs, **kwargs):
        traced_stateful(_read_sync_marker, self._sync_marker)
        if self.broadcast_buffers and self.require_forward_param_sync:
            self._sync_buffers()
        output = self.module(*inputs, **kwargs)
        if grad_mode.is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare_for_backward(output)
        else:
            self.reducer.skip_backward()
        return output

    def _sync_buffers(self):
        """Every rank takes rank 0's buffers (running statistics) before forward."""
        buffers = [b for b in self.module.buffers() if b._data.size]
        if not buffers or self.process_group.size() == 1:
            return
        copies = traced_stateful(_broadcast_arrays, self.process_group.comm, *buffers)
        copies = copies if isinstance(copies, tuple) else (copies,)
        with grad_mode.no_grad():
            for buffer, value in zip(buffers, copies):
                buffer.copy_(make_tensor(value))
