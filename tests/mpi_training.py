"""Run under mpiexec (or the launcher) by tests/test_distributed_ranks.py: DistributedDataParallel training.

Every rank also trains, in the same process, a reference copy of the model on the whole global batch
(all ranks' shares); after each step the DDP replica must equal the reference to float32 rounding.
Rank 0 prints ``RESULTS <json>``: per check and rank, "ok" or the failure.
"""

import json
import os
import sys
import traceback

import numpy as np

import chainrule as torch
import chainrule.distributed as dist
import chainrule.nn.functional as F
from chainrule.nn.parallel import DistributedDataParallel as DDP
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group(backend="gloo" if "--gloo-name" in sys.argv else None)
RANK, WORLD = dist.get_rank(), dist.get_world_size()
results = {}


def check(name):
    def run(fn):
        try:
            fn()
            results[name] = "ok"
        except Exception:
            results[name] = traceback.format_exc(limit=4)
        return fn
    return run


def same_parameters(ddp, reference, tolerance=1e-5):
    for (name, a), b in zip(ddp.module.named_parameters(), reference.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tolerance, atol=tolerance * 0.1,
                                   err_msg=name)


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(12, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.Tanh(),
                               torch.nn.Linear(32, 5))


class TinyTransformer(torch.nn.Module):
    def __init__(self, vocab=11, width=16, context=8):
        super().__init__()
        self.token = torch.nn.Embedding(vocab, width)
        self.position = torch.nn.Embedding(context, width)
        self.block = torch.nn.TransformerEncoderLayer(width, 2, dim_feedforward=32, dropout=0.0, batch_first=True,
                                                      norm_first=True)
        self.head = torch.nn.Linear(width, vocab)
        self.register_buffer("mask", torch.triu(torch.full((context, context), float("-inf")), diagonal=1))

    def forward(self, tokens):
        hidden = self.token(tokens) + self.position(torch.arange(tokens.shape[1]))
        return self.head(self.block(hidden, src_mask=self.mask, is_causal=True))


def replicas(make, seed=0):
    """A DDP replica (each rank starts from different weights: DDP must broadcast rank 0's) and a reference."""
    torch.manual_seed(seed + 100 * RANK)
    local = make()
    torch.manual_seed(seed)
    reference = make()
    if RANK == 0:
        local.load_state_dict(reference.state_dict())
    return local, reference


def mlp_loss(model, x, y):
    return F.cross_entropy(model(x), y)


def transformer_loss(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def mlp_batch(generator, size):
    return torch.randn(size, 12, generator=generator), torch.randint(0, 5, (size,), generator=generator)


def token_batch(generator, size):
    tokens = torch.randint(0, 11, (size, 9), generator=generator)
    return tokens[:, :-1], tokens[:, 1:]


def train_against_reference(make, loss_fn, batch_fn, steps=4, per_rank=3, **ddp_options):
    local, reference = replicas(make)
    ddp = DDP(local, bucket_cap_mb=0.002, **ddp_options)  # small buckets: several all-reduces per step
    assert len(ddp.reducer.buckets) > 1
    same_parameters(ddp, reference, 0)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    generator = torch.Generator().manual_seed(7)
    for _ in range(steps):
        x, y = batch_fn(generator, per_rank * WORLD)
        mine = slice(per_rank * RANK, per_rank * (RANK + 1))
        optimizer.zero_grad()
        loss_fn(ddp, x[mine], y[mine]).backward()
        optimizer.step()
        reference_optimizer.zero_grad()
        loss_fn(reference, x, y).backward()
        reference_optimizer.step()
        same_parameters(ddp, reference)


@check("mlp_matches_global_batch")
def _():
    train_against_reference(mlp, mlp_loss, mlp_batch)


@check("transformer_matches_global_batch")
def _():
    train_against_reference(TinyTransformer, transformer_loss, token_batch)


@check("no_sync_accumulation_equals_larger_batch")
def _():
    local, reference = replicas(mlp, seed=1)
    ddp = DDP(local)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(3)
    micro, accumulation = 2, 3
    for _ in range(2):
        x, y = mlp_batch(generator, micro * WORLD * accumulation)
        optimizer.zero_grad()
        for step in range(accumulation):
            start = (step * WORLD + RANK) * micro
            if step < accumulation - 1:
                with ddp.no_sync():
                    (mlp_loss(ddp, x[start:start + micro], y[start:start + micro]) / accumulation).backward()
            else:
                (mlp_loss(ddp, x[start:start + micro], y[start:start + micro]) / accumulation).backward()
        optimizer.step()
        reference_optimizer.zero_grad()
        mlp_loss(reference, x, y).backward()
        reference_optimizer.step()
        same_parameters(ddp, reference)


@check("uneven_final_batches")
def _():
    # 22 samples: DistributedSampler pads each rank's share to the same length, the last batch is short
    local, reference = replicas(mlp, seed=2)
    ddp = DDP(local)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.1)
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    data = TensorDataset(*mlp_batch(torch.Generator().manual_seed(5), 22))
    samplers = [DistributedSampler(data, WORLD, r, shuffle=True, seed=4) for r in range(WORLD)]
    loader = DataLoader(data, batch_size=4, sampler=samplers[RANK])
    shares = [list(s) for s in samplers]
    sizes = []
    for step, (x, y) in enumerate(loader):
        sizes.append(len(x))
        optimizer.zero_grad()
        mlp_loss(ddp, x, y).backward()
        optimizer.step()
        indices = [i for share in shares for i in share[4 * step:4 * step + 4]]
        reference_optimizer.zero_grad()
        mlp_loss(reference, data.tensors[0][indices], data.tensors[1][indices]).backward()
        reference_optimizer.step()
        same_parameters(ddp, reference)
    assert sizes[-1] < 4, sizes
    # ranks with different batch sizes: DDP averages each rank's mean loss, as PyTorch's does
    x, y = mlp_batch(torch.Generator().manual_seed(6), sum(2 + r for r in range(WORLD)))
    starts = np.cumsum([0] + [2 + r for r in range(WORLD)])
    optimizer.zero_grad()
    mlp_loss(ddp, x[starts[RANK]:starts[RANK + 1]], y[starts[RANK]:starts[RANK + 1]]).backward()
    optimizer.step()
    reference_optimizer.zero_grad()
    (sum(mlp_loss(reference, x[starts[r]:starts[r + 1]], y[starts[r]:starts[r + 1]]) for r in range(WORLD))
     / WORLD).backward()
    reference_optimizer.step()
    same_parameters(ddp, reference)


class Branches(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = torch.nn.Linear(4, 4)
        self.some_ranks = torch.nn.Linear(4, 4)
        self.never = torch.nn.Linear(4, 4)

    def forward(self, x, use_branch):
        x = self.shared(x)
        return self.some_ranks(x) if use_branch else x


@check("find_unused_parameters")
def _():
    torch.manual_seed(0)
    ddp = DDP(Branches(), find_unused_parameters=True)
    x = torch.ones(2, 4) * (RANK + 1)
    ddp(x, RANK == 0).sum().backward()
    assert ddp.module.never.weight.grad is None  # unused on every rank: left unset, as PyTorch does
    assert ddp.module.some_ranks.weight.grad is not None  # used on rank 0 only: its average reaches every rank
    everyone = [None] * WORLD
    dist.all_gather_object(everyone, ddp.module.some_ranks.weight.grad.numpy())
    for other in everyone:
        np.testing.assert_array_equal(other, everyone[0])
    torch.manual_seed(0)
    strict = DDP(Branches())
    strict(x, True).sum().backward()
    try:
        strict(x, True)
    except RuntimeError as error:
        assert "Expected to have finished reduction in the prior iteration" in str(error), error
        assert "find_unused_parameters=True" in str(error)
    else:
        raise AssertionError("an unused parameter without find_unused_parameters must fail the next forward")


@check("buffers_state_dict_and_module")
def _():
    model = mlp()
    model.register_buffer("seen", torch.full((3,), float(RANK)))
    ddp = DDP(model)
    assert ddp.module is model
    assert list(ddp.state_dict()) == ["module." + key for key in model.state_dict()]
    assert "module.0.weight" in ddp.state_dict()
    model.seen.fill_(10.0 + RANK)  # ranks drift apart; forward takes rank 0's again (broadcast_buffers)
    ddp(torch.zeros(1, 12))
    np.testing.assert_array_equal(model.seen.numpy(), np.full(3, 10.0, np.float32))
    quiet = DDP(mlp(), broadcast_buffers=False)
    quiet.module.register_buffer("seen", torch.full((1,), float(RANK)))
    quiet(torch.zeros(1, 12))
    np.testing.assert_array_equal(quiet.module.seen.numpy(), np.full(1, RANK, np.float32))


@check("compiled_step_replays_all_reduces")
def _():
    def make_step(ddp, optimizer):
        def step(x, y):
            optimizer.zero_grad()
            loss = mlp_loss(ddp, x, y)
            loss.backward()
            optimizer.step()
            return loss
        return step

    steps = []
    for compiled in (False, True):
        torch.manual_seed(3)
        ddp = DDP(mlp(), bucket_cap_mb=0.002)
        optimizer = torch.optim.Adam(ddp.parameters(), lr=0.01)
        step = make_step(ddp, optimizer)
        steps.append((ddp, torch.compile(step) if compiled else step))
    generator = torch.Generator().manual_seed(8)
    for index in range(6):
        x, y = mlp_batch(generator, 4)
        for ddp, step in steps:
            if index == 4:
                with ddp.no_sync():  # the plan recorded with averaging must not replay here
                    step(x, y)
            else:
                step(x, y)
        for (_, a), (_, b) in zip(steps[0][0].module.named_parameters(), steps[1][0].module.named_parameters()):
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())  # bit for bit
    compiled_step = steps[1][1]
    assert compiled_step.replays >= 2, (compiled_step.replays, compiled_step.explain())
    assert "_start_bucket" in compiled_step.explain() and "_finish_buckets" in compiled_step.explain()


def launcher_environment():
    assert os.environ["RANK"] == str(RANK) and os.environ["WORLD_SIZE"] == str(WORLD)
    assert os.environ["LOCAL_RANK"] == str(RANK) and os.environ["LOCAL_WORLD_SIZE"] == str(WORLD)
    assert os.environ["MASTER_ADDR"] and os.environ["MASTER_PORT"] == "29500"
    assert dist.is_torchelastic_launched()


if "--launched" in sys.argv:  # started by python -m chainrule.distributed.run
    check("launcher_environment")(launcher_environment)


everyone = [None] * WORLD
dist.all_gather_object(everyone, results)
if RANK == 0:
    print("RESULTS " + json.dumps(everyone))
sys.stdout.flush()
dist.destroy_process_group()
