"""``chainrule.distributed``: PyTorch's ``torch.distributed`` over MPI.

Start the ranks with ``python -m chainrule.distributed.run --nproc-per-node N train.py`` (it sets the
environment torchrun sets) or with ``mpiexec -n N python train.py``; call ``init_process_group()``
and use the collectives on tensors. mpi4py is optional (``pip install mpi4py mpich``) and
is imported only by ``init_process_group``, never by ``import chainrule``. See docs/distributed.md.
"""

from .collectives import (Work, all_gather, all_gather_into_tensor, all_reduce, all_to_all, all_to_all_single,
                          barrier, broadcast, gather, irecv, isend, recv, reduce, reduce_scatter_tensor, scatter, send)
from .objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .process_group import (Backend, GroupMember, ProcessGroup, ReduceOp, destroy_process_group, get_backend,
                            get_global_rank, get_group_rank, get_process_group_ranks, get_rank, get_world_size, group,
                            init_process_group, is_available, is_gloo_available, is_initialized, is_mpi_available,
                            is_nccl_available, is_torchelastic_launched, new_group)

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "group", "is_available", "is_initialized",
           "is_mpi_available", "is_gloo_available", "is_nccl_available", "is_torchelastic_launched",
           "init_process_group", "destroy_process_group", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_global_rank", "get_group_rank", "get_process_group_ranks", "all_reduce", "broadcast", "reduce",
           "all_gather", "all_gather_into_tensor", "reduce_scatter_tensor", "gather", "scatter", "all_to_all",
           "all_to_all_single", "send", "recv", "isend", "irecv", "barrier", "broadcast_object_list",
           "all_gather_object", "gather_object", "scatter_object_list"]
