"""DistributedDataParallel on 1 and 2 ranks of this machine: chainrule over MPI beside PyTorch over gloo.

Workloads (the per-rank batch is fixed, so 2 ranks do twice the work of 1: weak scaling):
  MLP 784-512-512-10, batch 128 per rank, SGD
  the char transformer of examples/char_transformer.py, batch 16 windows of 64 per rank, AdamW

For each library and rank count it prints the median step time (forward, backward with the gradients
averaged across ranks, optimizer step), the scaling efficiency (1-rank step time / 2-rank step time,
1.0 is perfect), and the share of all-reduce time hidden behind backward:
1 - (step time - step time under no_sync()) / (time of an all-reduce of all gradients on its own).

chainrule's ranks start with mpiexec, PyTorch's as processes joined through gloo (MASTER_ADDR/PORT);
every process uses one BLAS thread (OMP_NUM_THREADS=1), so each rank has one core.
Run: python benchmarks/bench_distributed.py [--repeat N]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKLOADS = {"MLP 784-512-512-10": (20, 128), "char transformer": (4, 16)}  # steps per timing, batch per rank


def mlp(nn):
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


def make_workload(name, torch, batch):
    """The model, its optimizer, and a function giving a batch and its loss function."""
    F = torch.nn.functional
    if name.startswith("MLP"):
        model = mlp(torch.nn)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        inputs, labels = torch.randn(batch, 784), torch.randint(0, 10, (batch,))
        return model, optimizer, lambda ddp: F.cross_entropy(ddp(inputs), labels)
    if torch.__name__ == "torch" and "--torch" not in sys.argv:
        sys.argv.append("--torch")  # the example picks its library from the command line when imported
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    from char_transformer import CharTransformer

    vocabulary, context = 65, 64
    model = CharTransformer(vocabulary, context)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    tokens = torch.randint(0, vocabulary, (batch, context + 1))

    def loss(ddp):
        logits = ddp(tokens[:, :-1])
        return F.cross_entropy(logits.reshape(-1, vocabulary), tokens[:, 1:].reshape(-1))

    return model, optimizer, loss


def timed(fn, number, repeat, barrier):
    fn()
    times = []
    for _ in range(repeat):
        barrier()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def worker(library, repeat):
    """One rank: time every workload, and print the results on rank 0."""
    if library == "torch":
        import torch
        import torch.distributed as dist

        torch.set_num_threads(1)
        dist.init_process_group("gloo")
    else:
        sys.path.insert(0, os.path.join(ROOT, "src"))
        import chainrule as torch
        import chainrule.distributed as dist

        dist.init_process_group()
    results = {}
    for name, (number, batch) in WORKLOADS.items():
        torch.manual_seed(dist.get_rank())
        model, optimizer, loss_of = make_workload(name, torch, batch)
        ddp = torch.nn.parallel.DistributedDataParallel(model)

        def step():
            optimizer.zero_grad()
            loss_of(ddp).backward()
            optimizer.step()

        def local_step():
            with ddp.no_sync():
                step()

        step_time = timed(step, number, repeat, dist.barrier)
        local_time = timed(local_step, number, repeat, dist.barrier)
        gradients = torch.zeros(sum(p.numel() for p in model.parameters()))
        reduce_time = timed(lambda: dist.all_reduce(gradients), number, repeat, dist.barrier)
        results[name] = {"step": step_time, "local": local_time, "all_reduce": reduce_time}
    if dist.get_rank() == 0:
        print("RESULTS " + json.dumps(results))
    dist.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(library, ranks, repeat):
    environment = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    command = [sys.executable, os.path.abspath(__file__), "--worker", library, "--repeat", str(repeat)]
    if library == "chainrule":
        sys.path.insert(0, os.path.join(ROOT, "src"))
        from chainrule.distributed.run import find_mpiexec

        processes = [subprocess.Popen(find_mpiexec() + ["-n", str(ranks)] + command, stdout=subprocess.PIPE, text=True,
                                      env=environment)]
    else:
        environment.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), WORLD_SIZE=str(ranks))
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                                      env=dict(environment, RANK=str(rank), LOCAL_RANK=str(rank)))
                     for rank in range(ranks)]
    outputs = [process.communicate()[0] for process in processes]
    for process in processes:
        if process.returncode:
            raise SystemExit(f"{library} on {ranks} ranks failed (exit {process.returncode})")
    line = next(line for output in outputs for line in output.splitlines() if line.startswith("RESULTS "))
    return json.loads(line[len("RESULTS "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--worker", choices=("chainrule", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.repeat)
        return
    measured = {(library, ranks): _launch(library, ranks, args.repeat)
                for library in ("chainrule", "torch") for ranks in (1, 2)}
    print(f"{'workload':22} {'library':10} {'1 rank':>10} {'2 ranks':>10} {'efficiency':>10} {'no_sync':>10} "
          f"{'all-reduce':>10} {'hidden':>7}")
    for name in WORKLOADS:
        for library, label in (("chainrule", "chainrule"), ("torch", "PyTorch")):
            one, two = measured[(library, 1)][name], measured[(library, 2)][name]
            exposed = max(two["step"] - two["local"], 0.0)
            hidden = max(0.0, 1 - exposed / two["all_reduce"])
            print(f"{name:22} {label:10} {one['step'] * 1e3:8.2f}ms {two['step'] * 1e3:8.2f}ms "
                  f"{one['step'] / two['step']:10.2f} {two['local'] * 1e3:8.2f}ms {two['all_reduce'] * 1e3:8.2f}ms "
                  f"{hidden:7.0%}")


if __name__ == "__main__":
    main()
