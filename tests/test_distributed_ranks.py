"""chainrule.distributed on several processes: tests/mpi_collectives.py and tests/mpi_training.py run
under ``mpiexec`` with 2 and 4 ranks (and under the launcher), once each; a test reports every failed check.

Error types and messages are compared with PyTorch's, from a one-rank gloo group in this process.
"""

import json
import os
import socket
import subprocess
import sys

import pytest
import torch

from chainrule.distributed.run import find_mpiexec

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(os.path.dirname(HERE), "src")
MPIEXEC = find_mpiexec()[0]
COLLECTIVE_CHECKS = ["all_reduce_SUM", "all_reduce_PRODUCT", "all_reduce_MIN", "all_reduce_MAX", "all_reduce_BAND",
                     "all_reduce_BOR", "all_reduce_BXOR", "all_reduce_AVG", "all_reduce_bool_and_strided",
                     "async_all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
                     "reduce_scatter_tensor", "gather", "scatter", "all_to_all", "send_recv", "isend_irecv",
                     "new_group", "objects", "barrier"]
TRAINING_CHECKS = ["mlp_matches_global_batch", "transformer_matches_global_batch",
                   "no_sync_accumulation_equals_larger_batch", "uneven_final_batches", "find_unused_parameters",
                   "buffers_state_dict_and_module", "compiled_step_replays_all_reduces"]


def _environment():
    environment = dict(os.environ, PYTHONPATH=SOURCE + os.pathsep + os.environ.get("PYTHONPATH", ""),
                       OMP_NUM_THREADS="1")
    environment.pop("RANK", None)
    environment.pop("WORLD_SIZE", None)
    return environment


def _run(command, timeout=240):
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_environment(), cwd=HERE)
    return done


def _results(command):
    done = _run(command)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    assert done.returncode == 0 and lines, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(lines[0][len("RESULTS "):])


def _ranks_ran(script, ranks, launched=False):
    """Each rank's results of ``script``."""
    if launched:
        command = [sys.executable, "-m", "chainrule.distributed.run", "--nproc-per-node", str(ranks), script,
                   "--launched", "--gloo-name"]
    else:
        command = [MPIEXEC, "-n", str(ranks), sys.executable, script]
    return _results(command)


def _failures(reported, names):
    return {name: reported.get(name, "missing") for name in names if reported.get(name) != "ok"}


@pytest.mark.parametrize("ranks", [2, 4])
def test_every_collective_against_numpy_and_errors_as_pytorch(ranks, torch_errors):
    everyone = _ranks_ran("mpi_collectives.py", ranks)
    assert len(everyone) == ranks
    for rank, reported in enumerate(everyone):
        assert not _failures(reported["results"], COLLECTIVE_CHECKS), (rank, _failures(reported["results"],
                                                                                     COLLECTIVE_CHECKS))
        for name, expected in torch_errors.items():
            assert expected is not None, name
            kind, message = reported["errors"][name]
            assert kind == expected[0], (name, kind, message, expected)
            if name in SAME_MESSAGE:
                assert message == expected[1], (name, message, expected)


@pytest.mark.parametrize("ranks", [2, 4])
def test_ddp_training_equals_one_process_on_the_global_batch(ranks):
    everyone = _ranks_ran("mpi_training.py", ranks)
    assert len(everyone) == ranks
    for rank, reported in enumerate(everyone):
        assert not _failures(reported, TRAINING_CHECKS), (rank, _failures(reported, TRAINING_CHECKS))


def test_launcher_sets_torchrun_environment_and_trains():
    everyone = _ranks_ran("mpi_training.py", 2, launched=True)
    for rank, reported in enumerate(everyone):
        assert set(reported) == set(TRAINING_CHECKS) | {"launcher_environment"}
        assert all(outcome == "ok" for outcome in reported.values()), (rank, reported)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def torch_errors():
    """What PyTorch raises for the same mistakes, on a one-rank gloo group."""
    import torch.distributed as tdist

    errors = {}

    def note(name, fn):
        try:
            fn()
            errors[name] = None
        except Exception as error:
            errors[name] = (type(error).__name__, str(error))

    note("not_initialized", lambda: tdist.get_rank())
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0, world_size=1)
    try:
        note("root_out_of_range", lambda: tdist.broadcast(torch.zeros(2), src=1))
        note("all_gather_list_length", lambda: tdist.all_gather([torch.zeros(2)] * 2, torch.zeros(2)))
        note("all_gather_shape", lambda: tdist.all_gather([torch.zeros(3)], torch.zeros(2)))
        note("gather_list_missing", lambda: tdist.gather(torch.zeros(2), None, dst=0))
        note("scatter_list_missing", lambda: tdist.scatter(torch.zeros(2), None, src=0))
        note("send_to_self", lambda: tdist.send(torch.zeros(2), dst=0))
        note("band_on_float", lambda: tdist.all_reduce(torch.zeros(2), op=tdist.ReduceOp.BAND))
        note("avg_on_int", lambda: tdist.all_reduce(torch.zeros(2, dtype=torch.int64), op=tdist.ReduceOp.AVG))
        note("init_twice", lambda: tdist.init_process_group("gloo", rank=0, world_size=1))
        note("list_for_tensor", lambda: tdist.all_reduce([torch.zeros(2)]))
    finally:
        tdist.destroy_process_group()
    return errors


# the messages PyTorch words the same way (the others name gloo's internals or torch.Tensor)
SAME_MESSAGE = ["not_initialized", "gather_list_missing", "scatter_list_missing", "send_to_self", "band_on_float",
                "avg_on_int", "init_twice"]


def test_a_failing_rank_ends_the_job_with_its_traceback(tmp_path):
    script = tmp_path / "fails.py"
    script.write_text("import chainrule as torch\nimport chainrule.distributed as dist\n"
                      "dist.init_process_group()\n"
                      "if dist.get_rank() == 1:\n    raise ValueError('rank one gives up')\n"
                      "dist.all_reduce(torch.ones(2))  # the others wait here for rank 1\n"
                      "dist.barrier()\n")
    for command in ([MPIEXEC, "-n", "3", sys.executable, str(script)],
                    [sys.executable, "-m", "chainrule.distributed.run", "--nproc-per-node", "2", str(script)]):
        done = _run(command, timeout=120)  # a hang fails here by its timeout
        assert done.returncode != 0
        assert "[rank1]: ValueError: rank one gives up" in done.stderr
        assert "aborting all" in done.stderr


def test_ddp_example_runs_under_the_launcher():
    example = os.path.join(os.path.dirname(HERE), "examples", "ddp_char_transformer.py")
    done = _run([sys.executable, "-m", "chainrule.distributed.run", "--nproc-per-node", "2", example, "--steps", "3",
                 "--sample-length", "10"])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3 steps of 2 x 16 windows" in done.stdout and "sample:" in done.stdout
