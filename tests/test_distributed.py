"""chainrule.distributed within one process: availability, errors before a group exists, a one-rank group,
DistributedSampler against PyTorch's, bucket assignment and the launcher's mpiexec command line.
(Several ranks: tests/test_distributed_ranks.py.)"""

import json
import os
import socket
import stat
import subprocess
import sys

import pytest
import torch
import torch.distributed as tdist
import torch.utils.data as tdata

import chainrule
import chainrule.distributed as dist
from chainrule.distributed import _mpi, run
from chainrule.nn.parallel._reducer import bucket_assignment
from chainrule.utils.data import DistributedSampler

SOURCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


def _python(code):
    environment = dict(os.environ, PYTHONPATH=SOURCE)
    for name in ("RANK", "WORLD_SIZE", "PMI_RANK", "PMI_SIZE", "PMI_FD"):
        environment.pop(name, None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=environment)


def test_import_chainrule_never_imports_mpi4py():
    done = _python("import sys, chainrule, chainrule.distributed, chainrule.nn.parallel\n"
                   "print('mpi4py' in sys.modules, chainrule.distributed.is_available())")
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_without_mpi4py_init_says_what_to_install(monkeypatch):
    monkeypatch.setattr(_mpi, "is_available", lambda: False)
    assert dist.is_available() is False
    hint = r"pip install mpi4py mpich \(from a chainrule checkout: pip install -e '\.\[distributed\]'\)"
    with pytest.raises(RuntimeError, match=hint):
        dist.init_process_group()


@pytest.mark.parametrize("call", ["get_rank", "get_world_size", "barrier", "all_reduce"])
def test_calls_before_init_raise_as_pytorch(call):
    arguments = {"all_reduce": lambda lib: (lib.ones(2),)}.get(call, lambda lib: ())
    with pytest.raises(Exception) as theirs:
        getattr(tdist, call)(*arguments(torch))
    with pytest.raises(Exception) as ours:
        getattr(dist, call)(*arguments(chainrule))
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
    assert dist.is_initialized() is False and tdist.is_initialized() is False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_rank_group_and_ddp_errors_match_pytorch():
    code = """
import json
import chainrule as torch, chainrule.distributed as dist
from chainrule.nn.parallel import DistributedDataParallel as DDP
errors = {}
try:
    dist.init_process_group(world_size=2)
except RuntimeError as error:
    errors["too_few"] = str(error)
dist.init_process_group()
x = torch.arange(3.)
dist.all_reduce(x, op=dist.ReduceOp.AVG)
for name, make in (("no_parameters", lambda: DDP(torch.nn.ReLU())),
                   ("device_ids", lambda: DDP(torch.nn.Linear(2, 2), device_ids=[0]))):
    try:
        make()
    except Exception as error:
        errors[name] = [type(error).__name__, str(error)]
print(json.dumps({"size": dist.get_world_size(), "rank": dist.get_rank(), "x": x.tolist(), "errors": errors,
                  "backend": dist.get_backend()}))
dist.destroy_process_group()
"""
    done = _python(code)
    assert done.returncode == 0, done.stderr
    ours = json.loads(done.stdout.splitlines()[-1])
    assert (ours["size"], ours["rank"], ours["x"], ours["backend"]) == (1, 0, [0.0, 1.0, 2.0], "mpi")
    assert "python -m chainrule.distributed.run --nproc-per-node 2" in ours["errors"]["too_few"]
    from torch.nn.parallel import DistributedDataParallel as TorchDDP

    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0, world_size=1)
    try:
        for name, make in (("no_parameters", lambda: TorchDDP(torch.nn.ReLU())),
                           ("device_ids", lambda: TorchDDP(torch.nn.Linear(2, 2), device_ids=[0]))):
            with pytest.raises(Exception) as theirs:
                make()
            assert ours["errors"][name] == [type(theirs.value).__name__, str(theirs.value)]
    finally:
        tdist.destroy_process_group()


@pytest.mark.parametrize("size", [1, 7, 10, 12])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_matches_pytorch_in_order(size, replicas, drop_last):
    for rank in range(replicas):
        theirs = tdata.DistributedSampler(range(size), replicas, rank, shuffle=False, drop_last=drop_last)
        ours = DistributedSampler(range(size), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_shuffles_by_seed_and_epoch(drop_last):
    size, replicas = 11, 3
    shares = [list(DistributedSampler(range(size), replicas, r, seed=5, drop_last=drop_last)) for r in range(replicas)]
    union = sorted(i for share in shares for i in share)
    if drop_last:
        assert len(union) == len(set(union)) == 9  # a tail is left out, nothing repeats
    else:
        assert set(union) == set(range(size)) and len(union) == 12  # every index, padded by repeating one
    again = [list(DistributedSampler(range(size), replicas, r, seed=5, drop_last=drop_last)) for r in range(replicas)]
    assert again == shares  # every rank draws the same permutation
    sampler = DistributedSampler(range(size), replicas, 0, seed=5, drop_last=drop_last)
    sampler.set_epoch(1)
    assert list(sampler) != shares[0] and len(sampler) == len(shares[0])
    assert list(DistributedSampler(range(size), replicas, 0, seed=6)) != \
        list(DistributedSampler(range(size), replicas, 0))


def test_distributed_sampler_invalid_rank_as_pytorch():
    with pytest.raises(ValueError) as theirs:
        tdata.DistributedSampler(range(4), 2, 2)
    with pytest.raises(ValueError) as ours:
        DistributedSampler(range(4), 2, 2)
    assert str(ours.value) == str(theirs.value)


def test_buckets_reverse_order_one_dtype_each_capped():
    params = [chainrule.zeros(1000), chainrule.zeros(10, dtype=chainrule.float64), chainrule.zeros(300000),
              chainrule.zeros(200000), chainrule.zeros(5)]
    buckets = bucket_assignment(params, cap_bytes=1_000_000)
    # from the last parameter: 4 and 3 (800 kB) stay under the cap, 2 closes the bucket; the float64
    # parameter opens a bucket of its own, before 0's, and both stay open to the end
    assert buckets == [[4, 3, 2], [1], [0]]
    # a 4 kB cap: the first bucket closes at once, 0 fills one by itself, the float64 one is left open
    assert bucket_assignment(params, cap_bytes=4000) == [[4, 3], [2], [0], [1]]


def _fake_mpiexec(tmp_path, version):
    path = tmp_path / "mpiexec"
    path.write_text(f"#!/bin/sh\necho '{version}'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_launcher_command_for_mpich_and_open_mpi(tmp_path):
    parser = run._parser()
    args = parser.parse_args(["--nproc-per-node", "4", "--nnodes", "2", "--hostfile", "hosts",
                              "--mpiexec", _fake_mpiexec(tmp_path, "HYDRA build details:"), "train.py", "--lr", "1"])
    command = run.mpiexec_command(args, {"MASTER_ADDR": "x"})
    assert command[1:] == ["-n", "8", "-f", "hosts", "-ppn", "4", sys.executable, "-u", "-m",
                           "chainrule.distributed._launched", "train.py", "--lr", "1"]
    (tmp_path / "openmpi").mkdir()
    args = parser.parse_args(["--nproc_per_node=2", "-m", "--mpiexec",
                              _fake_mpiexec(tmp_path / "openmpi", "mpirun (Open MPI) 4.1.6"), "trainer"])
    command = run.mpiexec_command(args, {"RANKS_NEED": "1"})
    assert command[1:3] == ["-n", "2"] and ["-x", "RANKS_NEED"] == command[command.index("-x"):][:2]
    assert ("--allow-run-as-root" in command) == (os.geteuid() == 0)
    assert command[-2:] == ["--module", "trainer"]
    with pytest.raises(SystemExit):
        run.main(["--max-restarts", "3", "train.py"])
