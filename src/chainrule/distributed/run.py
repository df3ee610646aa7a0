"""``python -m chainrule.distributed.run``: torchrun's command line, starting the ranks with ``mpiexec``.

    python -m chainrule.distributed.run --nproc-per-node 4 train.py --batch-size 32

runs ``mpiexec -n 4`` on ``train.py``; each rank finds RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
MASTER_ADDR and MASTER_PORT in its environment, as under torchrun, so a script written for torchrun
runs unchanged. An uncaught exception in any rank prints that rank's traceback and stops the whole job.
Several nodes: ``--nnodes N`` with a ``--hostfile`` (or inside a Slurm allocation, which MPICH's
``mpiexec`` reads by itself); see docs/distributed.md.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig

__all__ = ["main", "mpiexec_command", "find_mpiexec"]


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m chainrule.distributed.run",
        description="Start a chainrule training script on several processes through mpiexec (torchrun's options).")
    parser.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                        help="processes per node: a number, or 'auto'/'cpu' for one per CPU core (default 1)")
    parser.add_argument("--nnodes", default="1", help="number of nodes (a number, or MIN:MAX of which MAX is used)")
    parser.add_argument("--hostfile", "--host-file", default=None,
                        help="the nodes to run on, one per line (MPICH's -f, Open MPI's --hostfile)")
    parser.add_argument("--master-addr", "--master_addr", default="127.0.0.1",
                        help="exported as MASTER_ADDR (MPI needs no rendezvous address; scripts may read it)")
    parser.add_argument("--master-port", "--master_port", type=int, default=29500, help="exported as MASTER_PORT")
    parser.add_argument("--standalone", action="store_true", help="accepted for torchrun compatibility: one node")
    parser.add_argument("--node-rank", "--node_rank", type=int, default=0,
                        help="accepted for torchrun compatibility; MPI starts every node from one command")
    parser.add_argument("--rdzv-backend", "--rdzv_backend", default=None, help="accepted and unused (MPI rendezvous)")
    parser.add_argument("--rdzv-endpoint", "--rdzv_endpoint", default=None, help="accepted and unused")
    parser.add_argument("--rdzv-id", "--rdzv_id", default="none", help="exported as TORCHELASTIC_RUN_ID")
    parser.add_argument("--max-restarts", "--max_restarts", type=int, default=0,
                        help="only 0 is supported: a failed rank ends the job")
    parser.add_argument("-m", "--module", action="store_true",
                        help="run the script argument as a module, like python -m")
    parser.add_argument("--no-python", "--no_python", action="store_true",
                        help="run the script argument as a program, without python")
    parser.add_argument("--mpiexec", default=os.environ.get("CHAINRULE_MPIEXEC"),
                        help="the mpiexec to use (default: the one installed beside this Python, else on PATH)")
    parser.add_argument("--mpiexec-args", default="", help="more arguments for mpiexec, as one quoted string")
    parser.add_argument("training_script", help="the script (or module, or program) each rank runs")
    parser.add_argument("training_script_args", nargs=argparse.REMAINDER, help="its arguments")
    return parser


def _count(text, what):
    if text in ("auto", "cpu"):
        return os.cpu_count() or 1
    maximum = text.split(":")[-1]
    if not maximum.isdigit() or int(maximum) < 1:
        raise SystemExit(f"chainrule.distributed.run: {what} must be a positive number, got {text!r}")
    return int(maximum)


def find_mpiexec(given=None):
    """The mpiexec command: ``given``, else the one pip installed with this Python's packages (the MPICH
    wheel puts it among this environment's scripts), else the first on PATH."""
    if given:
        return shlex.split(given)
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        candidate = os.path.join(folder, "mpiexec")
        if os.path.exists(candidate):
            return [candidate]
    on_path = shutil.which("mpiexec")
    if on_path is None:
        raise SystemExit("chainrule.distributed.run: no mpiexec found; pip install mpi4py mpich "
                         "(from a chainrule checkout: pip install -e '.[distributed]'), or give one with --mpiexec")
    return [on_path]


def _is_open_mpi(mpiexec):
    try:
        version = subprocess.run(mpiexec + ["--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Open MPI" in version or "OpenRTE" in version


def mpiexec_command(args, environment):
    """The mpiexec command line for parsed launcher ``args``; ``environment`` lists the variables ranks need."""
    per_node = _count(args.nproc_per_node, "--nproc-per-node")
    nodes = _count(args.nnodes, "--nnodes")
    mpiexec = find_mpiexec(args.mpiexec)
    open_mpi = _is_open_mpi(mpiexec)
    command = mpiexec + ["-n", str(per_node * nodes)]
    if open_mpi:
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-run-as-root")  # Open MPI refuses root without it; MPICH does not ask
        for name in environment:
            command += ["-x", name]  # Open MPI forwards only the variables it is told to
        if args.hostfile:
            command += ["--hostfile", args.hostfile]
        if nodes > 1:
            command += ["--map-by", f"ppr:{per_node}:node"]
    else:
        if args.hostfile:
            command += ["-f", args.hostfile]
        if nodes > 1:
            command += ["-ppn", str(per_node)]
    command += shlex.split(args.mpiexec_args)
    if args.no_python:
        program = [args.training_script]
    else:
        program = [sys.executable, "-u", "-m", "chainrule.distributed._launched"]
        program += ["--module", args.training_script] if args.module else [args.training_script]
    return command + program + list(args.training_script_args)


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.max_restarts != 0:
        raise SystemExit("chainrule.distributed.run: --max-restarts must be 0 (a failed rank ends the MPI job)")
    per_node = _count(args.nproc_per_node, "--nproc-per-node")
    environment = {
        "MASTER_ADDR": args.master_addr,
        "MASTER_PORT": str(args.master_port),
        "WORLD_SIZE": str(per_node * _count(args.nnodes, "--nnodes")),
        "LOCAL_WORLD_SIZE": str(per_node),
        "TORCHELASTIC_RUN_ID": args.rdzv_id,
    }
    if per_node > 1 and "OMP_NUM_THREADS" not in os.environ:
        # as torchrun does: several ranks on one node each get one BLAS thread unless told otherwise
        print(f"chainrule.distributed.run: OMP_NUM_THREADS is set to 1 in each of the {per_node} processes "
              f"of a node; set it yourself to choose another number", file=sys.stderr)
        environment["OMP_NUM_THREADS"] = "1"
    command = mpiexec_command(args, environment)
    result = subprocess.run(command, env={**os.environ, **environment})
    if result.returncode != 0:
        print(f"chainrule.distributed.run: the job failed with exit code {result.returncode} "
              f"(the failing rank's traceback is above)", file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
