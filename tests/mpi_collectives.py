"""Run under mpiexec by tests/test_distributed_ranks.py: every collective on every rank, against NumPy.

Each rank's input is a known function of its rank, so each rank computes what every collective must
give with NumPy. Rank 0 prints one line ``RESULTS <json>``: per check and rank, "ok" or what differed;
errors are reported as (exception type, message) for the test to compare with PyTorch's.
"""

import json
import sys
import traceback
import warnings

import numpy as np

import chainrule as torch
import chainrule.distributed as dist

results = {}
errors = {}


def check(name):
    def run(fn):
        try:
            fn()
            results[name] = "ok"
        except Exception:
            results[name] = traceback.format_exc(limit=3)
        return fn
    return run


def error_of(name, fn):
    try:
        fn()
        errors[name] = None
    except Exception as error:
        errors[name] = [type(error).__name__, str(error)]


error_of("not_initialized", lambda: dist.get_rank())
dist.init_process_group()
RANK, WORLD = dist.get_rank(), dist.get_world_size()


def equal(tensor, expected):
    np.testing.assert_array_equal(tensor.numpy(), expected)
    assert tensor.numpy().dtype == np.asarray(expected).dtype, (tensor.numpy().dtype, np.asarray(expected).dtype)


def floats(rank):
    return ((np.arange(6, dtype=np.float32) + 1) * (rank + 1) - 2 * rank).reshape(2, 3)


def ints(rank):
    return np.array([rank + 1, 3 * rank + 5, 7 - rank, 12 ^ rank], dtype=np.int64)


ALL_FLOATS = np.stack([floats(r) for r in range(WORLD)])
ALL_INTS = np.stack([ints(r) for r in range(WORLD)])
OPS = {"SUM": np.sum, "PRODUCT": np.prod, "MIN": np.min, "MAX": np.max}
BITWISE = {"BAND": np.bitwise_and.reduce, "BOR": np.bitwise_or.reduce, "BXOR": np.bitwise_xor.reduce}

for op_name, reduce_fn in OPS.items():
    @check(f"all_reduce_{op_name}")
    def _(op_name=op_name, reduce_fn=reduce_fn):
        x = torch.tensor(floats(RANK))
        dist.all_reduce(x, op=getattr(dist.ReduceOp, op_name))
        equal(x, reduce_fn(ALL_FLOATS, axis=0).astype(np.float32))
        y = torch.tensor(ints(RANK))
        dist.all_reduce(y, op=getattr(dist.ReduceOp, op_name))
        equal(y, reduce_fn(ALL_INTS, axis=0))

for op_name, reduce_fn in BITWISE.items():
    @check(f"all_reduce_{op_name}")
    def _(op_name=op_name, reduce_fn=reduce_fn):
        y = torch.tensor(ints(RANK))
        dist.all_reduce(y, op=getattr(dist.ReduceOp, op_name))
        equal(y, reduce_fn(ALL_INTS, axis=0))


@check("all_reduce_AVG")
def _():
    x = torch.tensor(floats(RANK), dtype=torch.float64)
    dist.all_reduce(x, op=dist.ReduceOp.AVG)
    equal(x, ALL_FLOATS.astype(np.float64).sum(0) / WORLD)


@check("all_reduce_bool_and_strided")
def _():
    flags = torch.tensor([RANK == 0, False, True])
    dist.all_reduce(flags)  # a sum of booleans is "any"
    equal(flags, np.array([True, False, True]))
    base = torch.tensor(floats(RANK))
    view = base.t()  # not contiguous: reduced through a copy written back
    before = view._version
    dist.all_reduce(view)
    equal(base, ALL_FLOATS.sum(0))
    assert view._version > before


@check("async_all_reduce")
def _():
    x = torch.tensor(floats(RANK))
    work = dist.all_reduce(x, async_op=True)
    assert work.wait() is True and work.is_completed()
    equal(x, ALL_FLOATS.sum(0))
    assert dist.all_reduce(torch.tensor(floats(RANK))) is None


@check("broadcast")
def _():
    x = torch.tensor(floats(RANK))
    dist.broadcast(x, src=WORLD - 1)
    equal(x, floats(WORLD - 1))
    y = torch.tensor(ints(RANK))
    dist.broadcast(y, src=0, async_op=True).wait()
    equal(y, ints(0))


@check("reduce")
def _():
    x = torch.tensor(floats(RANK))
    dist.reduce(x, dst=1, op=dist.ReduceOp.MAX)
    equal(x, ALL_FLOATS.max(0) if RANK == 1 else floats(RANK))


@check("all_gather")
def _():
    out = [torch.zeros(2, 3) for _ in range(WORLD)]
    dist.all_gather(out, torch.tensor(floats(RANK)))
    for r in range(WORLD):
        equal(out[r], floats(r))


@check("all_gather_into_tensor")
def _():
    flat = torch.zeros(WORLD * 2, 3)
    dist.all_gather_into_tensor(flat, torch.tensor(floats(RANK)))
    equal(flat, ALL_FLOATS.reshape(WORLD * 2, 3))
    stacked = torch.zeros(WORLD, 2, 3)
    dist.all_gather_into_tensor(stacked, torch.tensor(floats(RANK)), async_op=True).wait()
    equal(stacked, ALL_FLOATS)


@check("reduce_scatter_tensor")
def _():
    def full(rank):
        return np.arange(WORLD * 3, dtype=np.float32) * (rank + 1)

    out = torch.zeros(3)
    dist.reduce_scatter_tensor(out, torch.tensor(full(RANK)))
    total = sum(full(r) for r in range(WORLD))
    equal(out, total[3 * RANK:3 * RANK + 3])
    dist.reduce_scatter_tensor(out, torch.tensor(full(RANK)), op=dist.ReduceOp.AVG)
    equal(out, (total / WORLD)[3 * RANK:3 * RANK + 3])


@check("gather")
def _():
    gathered = [torch.zeros(4, dtype=torch.int64) for _ in range(WORLD)] if RANK == 0 else None
    dist.gather(torch.tensor(ints(RANK)), gathered, dst=0)
    if RANK == 0:
        for r in range(WORLD):
            equal(gathered[r], ints(r))


@check("scatter")
def _():
    x = torch.zeros(2, 3)
    pieces = [torch.tensor(floats(r) * 10) for r in range(WORLD)] if RANK == 1 else None
    dist.scatter(x, pieces, src=1)
    equal(x, floats(RANK) * 10)


@check("all_to_all")
def _():
    send = [torch.tensor([100.0 * RANK + j, -1.0 * j]) for j in range(WORLD)]
    out = [torch.zeros(2) for _ in range(WORLD)]
    dist.all_to_all(out, send)
    for i in range(WORLD):
        equal(out[i], np.array([100.0 * i + RANK, -1.0 * RANK], np.float32))
    single = torch.zeros(WORLD)
    dist.all_to_all_single(single, torch.arange(WORLD, dtype=torch.float32) + 10 * RANK)
    equal(single, np.array([10.0 * i + RANK for i in range(WORLD)], np.float32))


@check("send_recv")
def _():
    right, left = (RANK + 1) % WORLD, (RANK - 1) % WORLD
    incoming = torch.zeros(2, 3)
    if RANK % 2 == 0:
        dist.send(torch.tensor(floats(RANK)), dst=right)
        sender = dist.recv(incoming, src=left)
    else:
        sender = dist.recv(incoming, src=left)
        dist.send(torch.tensor(floats(RANK)), dst=right)
    assert sender == left
    equal(incoming, floats(left))


@check("isend_irecv")
def _():
    right, left = (RANK + 1) % WORLD, (RANK - 1) % WORLD
    incoming = torch.zeros(4, dtype=torch.int64)
    receiving = dist.irecv(incoming, src=left)
    sending = dist.isend(torch.tensor(ints(RANK)), dst=right)
    sending.wait()
    receiving.wait()
    equal(incoming, ints(left))
    anyone = torch.zeros(1)
    if RANK == 0:
        senders = sorted(dist.recv(anyone) for _ in range(WORLD - 1))  # from any source: who sent it
        assert senders == list(range(1, WORLD)), senders
    else:
        dist.send(torch.tensor([float(RANK)]), dst=0)


@check("new_group")
def _():
    members = [0, WORLD - 1]
    pair = dist.new_group(members)
    x = torch.tensor(floats(RANK))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist.all_reduce(x, group=pair)
    if RANK in members:
        equal(x, floats(0) + floats(WORLD - 1))
        assert dist.get_rank(pair) == members.index(RANK) and dist.get_world_size(pair) == 2
    else:
        equal(x, floats(RANK))  # not a member: untouched, with PyTorch's warning
        assert dist.get_rank(pair) == -1 and any("does not belong" in str(w.message) for w in caught)
    if RANK in members:
        y = torch.tensor(floats(RANK))
        dist.broadcast(y, src=WORLD - 1, group=pair)  # src is a global rank
        equal(y, floats(WORLD - 1))
    assert dist.get_process_group_ranks(pair) == members


@check("objects")
def _():
    values = [{"rank": RANK}, "text", None] if RANK == 1 else [None, None, None]
    dist.broadcast_object_list(values, src=1)
    assert values == [{"rank": 1}, "text", None], values
    gathered = [None] * WORLD
    dist.all_gather_object(gathered, ("rank", RANK, [RANK] * RANK))
    assert gathered == [("rank", r, [r] * r) for r in range(WORLD)], gathered


@check("barrier")
def _():
    assert dist.barrier() is None
    dist.barrier(async_op=True).wait()


error_of("root_out_of_range", lambda: dist.broadcast(torch.zeros(2), src=WORLD))
error_of("all_gather_list_length", lambda: dist.all_gather([torch.zeros(2)] * (WORLD + 1), torch.zeros(2)))
error_of("all_gather_shape", lambda: dist.all_gather([torch.zeros(3)] * WORLD, torch.zeros(2)))
error_of("gather_list_missing", lambda: dist.gather(torch.zeros(2), None, dst=RANK))
error_of("scatter_list_missing", lambda: dist.scatter(torch.zeros(2), None, src=RANK))
error_of("send_to_self", lambda: dist.send(torch.zeros(2), dst=RANK))
error_of("band_on_float", lambda: dist.all_reduce(torch.zeros(2), op=dist.ReduceOp.BAND))
error_of("avg_on_int", lambda: dist.all_reduce(torch.zeros(2, dtype=torch.int64), op=dist.ReduceOp.AVG))
error_of("init_twice", lambda: dist.init_process_group())
error_of("list_for_tensor", lambda: dist.all_reduce([torch.zeros(2)]))

everyone = [None] * WORLD
dist.all_gather_object(everyone, {"results": results, "errors": errors})
dist.destroy_process_group()
if RANK == 0:
    print("RESULTS " + json.dumps(everyone))
sys.stdout.flush()
