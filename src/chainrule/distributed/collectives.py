"""The tensor collectives and point-to-point messages, each one MPI call on the tensors' own memory.

A tensor's NumPy array is handed to MPI as it is when it is C-contiguous (no copy); a strided view
goes through a contiguous copy that is written back. ``async_op=True`` starts MPI's non-blocking
form and returns a ``Work`` whose ``wait()`` finishes it (the write-back, AVG's division).
"""

import numpy as np

from .._dtype import from_numpy_dtype
from .._tensor import Tensor
from . import _mpi
from .process_group import ReduceOp, resolve, root_rank, warn_not_member

__all__ = ["Work", "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
           "reduce_scatter_tensor", "gather", "scatter", "all_to_all", "all_to_all_single", "send", "recv", "isend",
           "irecv", "barrier"]


class Work:
    """A collective in flight: ``wait()`` blocks until it is done on this rank (and returns True)."""

    def __init__(self, requests, finish=None, outputs=(), source=None):
        self._requests = requests
        self._finish = finish
        self._outputs = outputs
        self._source = source
        self._done = False

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()

    def wait(self, timeout=None):
        if not self._done:
            _mpi.load().Request.Waitall(self._requests)
            self._complete()
        return True

    synchronize = wait

    def is_completed(self):
        if not self._done and _mpi.load().Request.Testall(self._requests):
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def exception(self):
        return None

    def result(self):
        self.wait()
        return list(self._outputs)

    def source_rank(self):
        """The global rank a ``recv`` from any source got its message from."""
        if self._source is None:
            raise RuntimeError("source_rank() is only available on the work of a receive (irecv)")
        self.wait()
        return self._source()


# ----------------------------------------------------------------- buffers
def _check_tensor(value, name):
    if not isinstance(value, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type chainrule.Tensor\n"
                        f"             but got {type(value)} instead.")


def _check_list(values, name):
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, Tensor) for v in values):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type List[chainrule.Tensor]\n"
                        f"             but got {type(values)} instead.")


class _Buffer:
    """A tensor's memory as MPI sees it: the array itself, or a contiguous copy written back at the end."""

    __slots__ = ("tensor", "array")

    def __init__(self, tensor):
        self.tensor = tensor
        data = tensor._data
        if data.__class__ is np.ndarray and data.flags.c_contiguous and data.flags.writeable:
            self.array = data
        else:
            self.array = np.ascontiguousarray(data)

    def written(self):
        """MPI wrote into the buffer: copy it back if it was a copy, and count the in-place write."""
        if self.array is not self.tensor._data:
            np.copyto(self.tensor._data, self.array.reshape(self.tensor._data.shape))
        self.tensor._version_counter[0] += 1


def _shape(tensor):
    return "(" + ", ".join(str(s) for s in tensor._data.shape) + ")"


def _launch(comm, call, arguments, async_op, finish=None, outputs=()):
    """Run MPI's ``call`` now, or its non-blocking form (``Iallreduce`` for ``Allreduce``) as a Work."""
    if async_op:
        request = getattr(comm, "I" + call.lower())(*arguments)
        return Work([request], finish, outputs)
    getattr(comm, call)(*arguments)
    if finish is not None:
        finish()
    return None


_BITWISE = ("BAND", "BOR", "BXOR")
# bool arrays reduce as bytes of 0/1: a sum or maximum is "any", a product or minimum is "all"
_BOOL_OPS = {"SUM": "MAX", "MAX": "MAX", "BOR": "MAX", "PRODUCT": "MIN", "MIN": "MIN", "BAND": "MIN", "BXOR": "BXOR"}


def _reduction(op, array, function):
    """The MPI operation for ``op`` on ``array``'s dtype, the array MPI reduces, and whether to divide (AVG)."""
    if not isinstance(op, ReduceOp.RedOpType):
        raise TypeError(f"{function}(): op must be a chainrule.distributed.ReduceOp (ReduceOp.SUM, ...), got {op!r}")
    MPI = _mpi.load()
    kind = array.dtype.kind
    name = op.name
    if name in ("PREMUL_SUM", "UNUSED"):
        raise RuntimeError(f"{function}(): ReduceOp.{name} is not supported by the MPI backend")
    if name in _BITWISE and kind not in "biu":
        raise RuntimeError(f"Cannot use ReduceOp.{name} with non-integral dtype")
    if name == "AVG":
        if kind not in "fc":
            dtype = from_numpy_dtype(array.dtype)
            raise RuntimeError(f"result type Float can't be cast to the desired output type {dtype.scalar_type_name}")
        return MPI.SUM, array, True
    if kind == "b":
        return getattr(MPI, _BOOL_OPS[name]), array.view(np.uint8), False
    return {"SUM": MPI.SUM, "PRODUCT": MPI.PROD, "MIN": MPI.MIN, "MAX": MPI.MAX, "BAND": MPI.BAND,
            "BOR": MPI.BOR, "BXOR": MPI.BXOR}[name], array, False


# ----------------------------------------------------------------- reductions
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Every rank's ``tensor`` becomes the reduction of all ranks' tensors."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("all_reduce")
        return None
    buffer = _Buffer(tensor)
    mpi_op, array, average = _reduction(op, buffer.array, "all_reduce")

    def finish():
        if average:
            np.divide(buffer.array, pg.size(), out=buffer.array)
        buffer.written()

    return _launch(pg.comm, "Allreduce", (_mpi.load().IN_PLACE, array, mpi_op), async_op, finish, [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """The reduction of all ranks' ``tensor`` lands in ``dst``'s tensor; the others keep theirs."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("reduce")
        return None
    root = root_rank(pg, dst, group_dst, "dst")
    buffer = _Buffer(tensor)
    mpi_op, array, average = _reduction(op, buffer.array, "reduce")
    MPI = _mpi.load()
    is_root = pg.rank() == root

    def finish():
        if is_root:
            if average:
                np.divide(buffer.array, pg.size(), out=buffer.array)
            buffer.written()

    arguments = (MPI.IN_PLACE, array, mpi_op, root) if is_root else (array, None, mpi_op, root)
    return _launch(pg.comm, "Reduce", arguments, async_op, finish, [tensor])


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """``input`` (``world_size`` equal blocks) is reduced across ranks; rank i keeps block i in ``output``."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("reduce_scatter_tensor")
        return None
    if input._data.size != output._data.size * pg.size():
        raise ValueError(f"input tensor must be the same size as output size times world size: input has "
                         f"{input._data.size} elements, output {output._data.size}, world size {pg.size()}")
    if input._data.dtype != output._data.dtype:
        raise TypeError(f"reduce_scatter_tensor: input and output must have the same dtype, got "
                        f"{from_numpy_dtype(input._data.dtype)} and {from_numpy_dtype(output._data.dtype)}")
    source = np.ascontiguousarray(input._data)
    buffer = _Buffer(output)
    mpi_op, array, average = _reduction(op, buffer.array, "reduce_scatter_tensor")
    send = source.view(np.uint8) if source.dtype.kind == "b" else source

    def finish():
        if average:
            np.divide(buffer.array, pg.size(), out=buffer.array)
        buffer.written()

    return _launch(pg.comm, "Reduce_scatter_block", (send, array, mpi_op), async_op, finish, [output])


# ----------------------------------------------------------------- moving data
def _bytes(array, blocks=1):
    """Any dtype travels as its bytes when nothing is computed on it (MPI counts a gathered or
    scattered buffer per rank: ``blocks`` is the group's size there)."""
    return [array, array.nbytes // blocks, _mpi.load().BYTE]


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Every rank's ``tensor`` becomes ``src``'s."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("broadcast")
        return None
    root = root_rank(pg, src, group_src, "src")
    buffer = _Buffer(tensor)
    return _launch(pg.comm, "Bcast", (_bytes(buffer.array), root), async_op, buffer.written, [tensor])


def _check_same(tensors, like, function, role):
    for index, tensor in enumerate(tensors):
        if tensor._data.shape != like._data.shape:
            raise RuntimeError(f"{function}: invalid tensor size at index {index} (expected {_shape(like)}, "
                               f"got {_shape(tensor)})")
        if tensor._data.dtype != like._data.dtype:
            raise RuntimeError(f"{function}: invalid tensor type at index {index} (expected "
                               f"{from_numpy_dtype(like._data.dtype)}, got {from_numpy_dtype(tensor._data.dtype)})")


def _unpack_into(tensors, blocks):
    """Copy block i of a gathered buffer into ``tensors[i]``."""
    for tensor, block in zip(tensors, blocks):
        np.copyto(tensor._data, block.reshape(tensor._data.shape))
        tensor._version_counter[0] += 1


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[i]`` becomes rank i's ``tensor``, on every rank."""
    _check_list(tensor_list, "tensor_list")
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("all_gather")
        return None
    if len(tensor_list) != pg.size():
        raise RuntimeError(f"all_gather: invalid output tensor list at index 0 (expected length {pg.size()}, "
                           f"got {len(tensor_list)})")
    _check_same(tensor_list, tensor, "all_gather", "output")
    source = np.ascontiguousarray(tensor._data)
    gathered = np.empty((pg.size(),) + source.shape, source.dtype)
    return _launch(pg.comm, "Allgather", (_bytes(source), _bytes(gathered, pg.size())), async_op,
                   lambda: _unpack_into(tensor_list, gathered), tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """``output_tensor`` (``world_size`` times the input's size) becomes every rank's input, in rank order."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("all_gather_into_tensor")
        return None
    if output_tensor._data.size != input_tensor._data.size * pg.size():
        raise ValueError(f"output tensor size must be equal to world_size times input tensor size: output has "
                         f"{output_tensor._data.size} elements, input {input_tensor._data.size}, "
                         f"world size {pg.size()}")
    if output_tensor._data.dtype != input_tensor._data.dtype:
        raise TypeError("output tensor must have the same type as input tensor")
    source = np.ascontiguousarray(input_tensor._data)
    buffer = _Buffer(output_tensor)
    target = _bytes(buffer.array, pg.size())
    return _launch(pg.comm, "Allgather", (_bytes(source), target), async_op, buffer.written, [output_tensor])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """``dst``'s ``gather_list[i]`` becomes rank i's ``tensor``."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("gather")
        return None
    root = root_rank(pg, dst, group_dst, "dst")
    is_root = pg.rank() == root
    if is_root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        _check_list(gather_list, "gather_list")
        if len(gather_list) != pg.size():
            raise RuntimeError(f"gather: Incorrect output list size {len(gather_list)}. Output list size should be "
                               f"{pg.size()}, same as size of the process group.")
        _check_same(gather_list, tensor, "gather", "output")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    source = np.ascontiguousarray(tensor._data)
    gathered = np.empty((pg.size(),) + source.shape, source.dtype) if is_root else None
    finish = (lambda: _unpack_into(gather_list, gathered)) if is_root else None
    target = _bytes(gathered, pg.size()) if is_root else None
    return _launch(pg.comm, "Gather", (_bytes(source), target, root), async_op, finish, gather_list or [])


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Rank i's ``tensor`` becomes ``src``'s ``scatter_list[i]``."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("scatter")
        return None
    root = root_rank(pg, src, group_src, "src")
    is_root = pg.rank() == root
    if is_root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        _check_list(scatter_list, "scatter_list")
        if len(scatter_list) != pg.size():
            raise RuntimeError(f"scatter: Incorrect input list size {len(scatter_list)}. Input list size should be "
                               f"{pg.size()}, same as size of the process group.")
        _check_same(scatter_list, tensor, "scatter", "input")
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    blocks = np.stack([np.ascontiguousarray(t._data) for t in scatter_list]) if is_root else None
    buffer = _Buffer(tensor)
    source = _bytes(blocks, pg.size()) if is_root else None
    return _launch(pg.comm, "Scatter", (source, _bytes(buffer.array), root), async_op, buffer.written, [tensor])


def _alltoallv(pg, sources, targets, async_op, finish, outputs):
    """Send ``sources[j]`` to rank j and receive rank j's message into ``targets[j]`` (bytes, any sizes)."""
    MPI = _mpi.load()
    send = np.concatenate([s.reshape(-1).view(np.uint8) for s in sources]) if sources else np.empty(0, np.uint8)
    receive = np.empty(sum(t.nbytes for t in targets), np.uint8)
    send_counts = [s.nbytes for s in sources]
    receive_counts = [t.nbytes for t in targets]

    def unpack():
        offset = 0
        for target, count in zip(targets, receive_counts):
            target.reshape(-1).view(np.uint8)[...] = receive[offset:offset + count]
            offset += count
        finish()

    arguments = ([send, (send_counts, np.cumsum([0] + send_counts[:-1]).tolist()), MPI.BYTE],
                 [receive, (receive_counts, np.cumsum([0] + receive_counts[:-1]).tolist()), MPI.BYTE])
    return _launch(pg.comm, "Alltoallv", arguments, async_op, unpack, outputs)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """Rank j's ``output_tensor_list[i]`` becomes rank i's ``input_tensor_list[j]``."""
    _check_list(output_tensor_list, "output_tensor_list")
    _check_list(input_tensor_list, "input_tensor_list")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("all_to_all")
        return None
    for name, tensors in (("output", output_tensor_list), ("input", input_tensor_list)):
        if len(tensors) != pg.size():
            raise RuntimeError(f"all_to_all: {name} tensor list size {len(tensors)} does not match world size "
                               f"{pg.size()}")
    dtypes = {t._data.dtype for t in list(output_tensor_list) + list(input_tensor_list)}
    if len(dtypes) > 1:
        raise RuntimeError(f"all_to_all: tensors must all have one dtype, got "
                           f"{', '.join(str(from_numpy_dtype(d)) for d in sorted(dtypes, key=str))}")
    sources = [np.ascontiguousarray(t._data) for t in input_tensor_list]
    buffers = [_Buffer(t) for t in output_tensor_list]

    def finish():
        for buffer in buffers:
            buffer.written()

    return _alltoallv(pg, sources, [b.array for b in buffers], async_op, finish, output_tensor_list)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None, async_op=False):
    """``all_to_all`` on two tensors split along their first dimension (equal blocks unless sizes are given)."""
    _check_tensor(output, "output")
    _check_tensor(input, "input")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("all_to_all_single")
        return None
    if output._data.dtype != input._data.dtype:
        raise RuntimeError("all_to_all_single: input and output tensors must have the same dtype")

    def blocks(array, sizes, name):
        if sizes is None:
            if array.shape[0] % pg.size():
                raise ValueError(f"all_to_all_single: the {name} tensor's first dimension {array.shape[0]} does not "
                                 f"split into {pg.size()} equal blocks")
            sizes = [array.shape[0] // pg.size()] * pg.size()
        if len(sizes) != pg.size() or sum(sizes) != array.shape[0]:
            raise ValueError(f"all_to_all_single: {name} split sizes {list(sizes)} do not cover the first dimension "
                             f"{array.shape[0]} in {pg.size()} blocks")
        return np.split(array, np.cumsum(sizes)[:-1].tolist())

    buffer = _Buffer(output)
    sources = blocks(np.ascontiguousarray(input._data), input_split_sizes, "input")
    targets = blocks(buffer.array, output_split_sizes, "output")
    return _alltoallv(pg, sources, targets, async_op, buffer.written, [output])


# ----------------------------------------------------------------- point to point
def _peer(pg, rank, group_rank, role):
    peer = root_rank(pg, rank, group_rank, role)
    if peer == pg.rank():
        word = "destination" if role == "dst" else "source"
        raise ValueError(f"Invalid {word} rank: {word} rank should not be the same as the rank of the current "
                         f"process.")
    return peer


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Start sending ``tensor`` to ``dst``; the Work's ``wait()`` returns once the buffer may be reused."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("isend")
        return None
    peer = _peer(pg, dst, group_dst, "dst")
    source = np.ascontiguousarray(tensor._data)
    return Work([pg.comm.Isend(_bytes(source), peer, tag)], outputs=[tensor])


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Start receiving into ``tensor`` from ``src`` (from any rank when ``src`` is None)."""
    _check_tensor(tensor, "tensor")
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("irecv")
        return None
    MPI = _mpi.load()
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _peer(pg, src, group_src, "src")
    buffer = _Buffer(tensor)
    status = MPI.Status()
    request = pg.comm.Irecv(_bytes(buffer.array), peer, tag)

    return _ReceiveWork(request, status, buffer.written, tensor, pg)


class _ReceiveWork(Work):
    """A receive remembers who sent the message (for ``recv`` from any source)."""

    def __init__(self, request, status, finish, tensor, pg):
        super().__init__([request], finish, [tensor], source=lambda: pg.ranks[status.Get_source()])
        self._status = status

    def wait(self, timeout=None):
        if not self._done:
            self._requests[0].Wait(self._status)
            self._complete()
        return True

    def is_completed(self):
        if not self._done and self._requests[0].Test(self._status):
            self._complete()
        return self._done


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Send ``tensor`` to ``dst`` and return once it is on its way."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into ``tensor`` from ``src`` (any rank when None); returns the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    return work.source_rank()


def barrier(group=None, async_op=False, device_ids=None):
    """Return once every rank of ``group`` has called ``barrier``."""
    pg = resolve(group)
    if not pg.is_member():
        warn_not_member("barrier")
        return None
    return _launch(pg.comm, "Barrier", (), async_op)
