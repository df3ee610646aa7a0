"""Collectives on small picklable Python values (configurations, counts, strings), sent by MPI's pickling calls."""

from .process_group import resolve, root_rank, warn_not_member

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list"]


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Every rank's ``object_list`` is filled, in place, with ``src``'s objects."""
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("broadcast_object_list")
        return
    root = root_rank(pg, src, group_src, "src")
    received = pg.comm.bcast(list(object_list) if pg.rank() == root else None, root)
    if len(received) != len(object_list):
        raise RuntimeError(f"broadcast_object_list: this rank's list has {len(object_list)} entries, the source "
                           f"sent {len(received)}")
    object_list[:] = received


def all_gather_object(object_list, obj, group=None):
    """``object_list[i]`` becomes rank i's ``obj``, on every rank."""
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("all_gather_object")
        return
    for index, value in enumerate(pg.comm.allgather(obj)):
        object_list[index] = value  # a list shorter than the group raises IndexError, as in PyTorch


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """``dst``'s ``object_gather_list[i]`` becomes rank i's ``obj``."""
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("gather_object")
        return
    root = root_rank(pg, dst, group_dst, "dst")
    if pg.rank() == root and object_gather_list is None:
        raise ValueError("Argument ``object_gather_list`` must be specified on destination rank.")
    if pg.rank() != root and object_gather_list is not None:
        raise ValueError("Argument ``object_gather_list`` must NOT be specified on non-destination ranks.")
    gathered = pg.comm.gather(obj, root)
    if gathered is not None:
        for index, value in enumerate(gathered):
            object_gather_list[index] = value


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    """``scatter_object_output_list[0]`` becomes ``src``'s ``scatter_object_input_list[rank]``."""
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("scatter_object_list")
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size at least 1.")
    root = root_rank(pg, src, group_src, "src")
    values = list(scatter_object_input_list) if pg.rank() == root else None
    scatter_object_output_list[0] = pg.comm.scatter(values, root)
