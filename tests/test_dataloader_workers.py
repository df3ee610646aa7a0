"""DataLoader(num_workers=2) with real worker processes, started by fork and by spawn, against PyTorch's loader:
the same batches where the order is defined, per-worker streams, seeds, worker_init_fn, errors and options."""

import random
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as torch_data

import chainrule
from chainrule.utils import data
from chainrule.utils.data import dataloader as loader_module
from chainrule.utils.data import worker as worker_module
from chainrule.utils.data import worker_pool

import loader_datasets as datasets

METHODS = ["fork", "spawn"]


def plain(batch):
    if hasattr(batch, "numpy"):
        return str(batch.dtype).split(".")[-1], batch.numpy().tolist()
    if isinstance(batch, (list, tuple)):
        return [plain(item) for item in batch]
    if isinstance(batch, dict):
        return {key: plain(value) for key, value in batch.items()}
    return batch


class TorchShardedStream(datasets.Sharded, torch_data.IterableDataset):
    pass


def torch_batches(dataset, **options):
    return [plain(b) for b in torch_data.DataLoader(dataset, num_workers=2, multiprocessing_context="fork", **options)]


MAP_OPTIONS = [dict(batch_size=3), dict(batch_size=4, drop_last=True), dict(batch_size=None),
               dict(batch_size=2, prefetch_factor=1), dict(batch_size=20)]


@pytest.mark.parametrize("method", METHODS)
def test_map_style_batches_match_torch(method):
    options = MAP_OPTIONS if method == "fork" else MAP_OPTIONS[:2]  # a spawned worker costs a second to start
    ours = [[plain(b) for b in data.DataLoader(datasets.Squares("chainrule"), num_workers=2,
                                               multiprocessing_context=method, **o)] for o in options]
    theirs = [torch_batches(datasets.Squares("torch"), **o) for o in options]
    assert ours == theirs


@pytest.mark.parametrize("method", METHODS)
def test_sharded_iterable_datasets_interleave_like_torch(method):
    ours = [plain(b) for b in data.DataLoader(datasets.ShardedStream("chainrule"), batch_size=2, num_workers=2,
                                              multiprocessing_context=method)]
    assert ours == torch_batches(TorchShardedStream("torch"), batch_size=2)


@pytest.mark.parametrize("options", [dict(batch_size=3, drop_last=True), dict(batch_size=None)])
def test_unsharded_iterable_datasets_repeat_in_every_worker_like_torch(options):
    ours = [plain(b) for b in data.DataLoader(datasets.ShardedStream("chainrule", size=5, shard=False),
                                              num_workers=2, multiprocessing_context="fork", **options)]
    assert ours == torch_batches(TorchShardedStream("torch", size=5, shard=False), **options)


def test_a_sampler_and_a_batch_sampler_drive_the_workers():
    sampler = data.BatchSampler([7, 1, 5, 3, 9, 0], batch_size=4, drop_last=False)
    ours = [plain(b) for b in data.DataLoader(datasets.Squares("chainrule"), batch_sampler=sampler, num_workers=2,
                                              multiprocessing_context="fork")]
    theirs = torch_batches(datasets.Squares("torch"), batch_sampler=torch_data.BatchSampler([7, 1, 5, 3, 9, 0], 4,
                                                                                              False))
    assert ours == theirs


@pytest.mark.parametrize("method", METHODS)
def test_workers_know_who_they_are_and_are_seeded_from_the_base_seed(method):
    generator = chainrule.Generator().manual_seed(123)
    loader = data.DataLoader(datasets.WhoAmI("chainrule"), batch_size=None, num_workers=2,
                             multiprocessing_context=method, worker_init_fn=datasets.remember_worker,
                             generator=generator)
    samples = list(loader)
    base_seed = loader_module.loader_base_seed(chainrule.Generator().manual_seed(123))
    assert [s["index"] for s in samples] == list(range(8))
    for sample in samples:
        worker = sample["id"]
        assert sample["id"] == sample["index"] % 2 and sample["workers"] == 2 and sample["same dataset"]
        assert sample["seed"] == base_seed + worker and sample["initialised"] == f"worker {worker}"
    for worker in (0, 1):
        mine = [s for s in samples if s["id"] == worker]
        seed = base_seed + worker
        python = random.Random(seed)
        numpy = np.random.RandomState(worker_module.worker_numpy_seed(base_seed, worker))
        stream = chainrule.Generator().manual_seed(seed)
        assert [s["python"] for s in mine] == [python.random() for _ in mine]
        assert [s["numpy"] for s in mine] == [numpy.rand() for _ in mine]
        assert [s["library"] for s in mine] == [chainrule.rand(1, generator=stream).item() for _ in mine]
    assert data.get_worker_info() is None


def test_the_numpy_seed_of_a_worker_is_pytorchs():
    from torch.utils.data._utils.worker import _generate_state

    rng = random.Random(0)
    for _ in range(200):
        base_seed, worker = rng.randrange(2 ** 63), rng.randrange(64)
        assert worker_module.worker_numpy_seed(base_seed, worker) == _generate_state(base_seed, worker)


def test_each_iteration_draws_one_base_seed_from_the_global_stream_as_torch_does():
    """Iterating a loader advances the default generator by the base-seed draw (single process included)."""
    def after_iterating(lib, module):
        lib.manual_seed(0)
        list(module.DataLoader(list(range(4)), batch_size=2))
        return lib.rand(1).item()

    assert after_iterating(torch, torch_data) != (torch.manual_seed(0), torch.rand(1).item())[1]
    chainrule.manual_seed(0)
    loader_module.loader_base_seed(None)
    expected = chainrule.rand(1).item()
    assert after_iterating(chainrule, data) == expected


def test_the_base_seed_is_drawn_the_way_pytorch_draws_it():
    """The draw PyTorch makes (``random_`` on an empty int64 tensor) where chainrule has it; until chainrule's
    generator follows PyTorch's, the seed is a 63-bit draw from the loader's generator."""
    seeds = [loader_module.loader_base_seed(chainrule.Generator().manual_seed(5)) for _ in range(2)]
    assert seeds[0] == seeds[1] and 0 <= seeds[0] < 2 ** 63
    if hasattr(chainrule.Tensor, "random_"):
        expected = torch.empty((), dtype=torch.int64).random_(generator=torch.Generator().manual_seed(5)).item()
        assert seeds[0] == expected


def torch_reraised(error, where):
    """What PyTorch's own wrapper makes of ``error`` raised in a worker (no abandoned PyTorch workers needed)."""
    from torch._utils import ExceptionWrapper

    try:
        raise error
    except type(error):
        wrapper = ExceptionWrapper(where=where)
    with pytest.raises(type(error)) as caught:
        wrapper.reraise()
    return caught.value


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("error", [ValueError("bad sample"), KeyError("missing")], ids=["ValueError", "KeyError"])
def test_a_worker_exception_is_raised_again_with_its_traceback_like_torch(method, error):
    with pytest.raises(type(error)) as ours:
        list(data.DataLoader(datasets.Failing(error), num_workers=2, multiprocessing_context=method))
    theirs = torch_reraised(error, "in DataLoader worker process 1")
    ours_lines, their_lines = str(ours.value).splitlines(), str(theirs).splitlines()
    assert ours_lines[0] == their_lines[0] == f"Caught {type(error).__name__} in DataLoader worker process 1."
    assert ours_lines[1] == their_lines[1] == "Original Traceback (most recent call last):"
    assert ours_lines[-1] == their_lines[-1] and "loader_datasets.py" in str(ours.value)


def test_an_exception_in_worker_init_fn_is_raised_like_torch():
    with pytest.raises(ValueError, match="worker 0 cannot start") as ours:
        list(data.DataLoader(datasets.Squares("chainrule"), num_workers=2, multiprocessing_context="fork",
                             worker_init_fn=datasets.failing_init))
    assert str(ours.value).startswith("Caught ValueError in DataLoader worker process 0.")


def test_persistent_workers_live_across_epochs_and_restart_their_streams():
    loader = data.DataLoader(datasets.Pids(), num_workers=2, multiprocessing_context="fork", persistent_workers=True)
    first, second = [b.tolist() for b in loader], [b.tolist() for b in loader]
    assert first == second and len({pid for batch in first for pid in batch}) == 2
    fresh = data.DataLoader(datasets.Pids(), num_workers=2, multiprocessing_context="fork")
    assert {b.item() for b in fresh}.isdisjoint(pid for batch in first for pid in batch)
    stream = data.DataLoader(datasets.ShardedStream("chainrule", size=6), batch_size=2, num_workers=2,
                             multiprocessing_context="fork", persistent_workers=True)
    epochs = [[b.tolist() for b in stream] for _ in range(2)]
    assert epochs[0] == epochs[1] == [[0, 2], [1, 3], [4], [5]]


def test_an_epoch_abandoned_midway_does_not_leak_into_the_next():
    loader = data.DataLoader(datasets.Squares("chainrule"), batch_size=2, num_workers=2,
                             multiprocessing_context="fork", persistent_workers=True)
    iterator = iter(loader)
    next(iterator)
    assert [plain(b) for b in loader] == [plain(b) for b in data.DataLoader(datasets.Squares("chainrule"),
                                                                            batch_size=2)]


def test_out_of_order_delivery_yields_every_batch():
    loader = data.DataLoader(datasets.Squares("chainrule"), batch_size=2, num_workers=2,
                             multiprocessing_context="fork", in_order=False)
    assert sorted(b[0].flatten().tolist() for b in loader) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10]]


def test_a_timeout_raises_like_torch():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(data.DataLoader(datasets.Slow(), num_workers=2, multiprocessing_context="fork", timeout=0.5))


def test_a_dead_worker_is_reported(monkeypatch):
    monkeypatch.setattr(worker_pool, "POLL_SECONDS", 0.2)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(data.DataLoader(datasets.Dying(), num_workers=2, multiprocessing_context="fork"))


OPTION_ERRORS = [dict(num_workers=0, prefetch_factor=2), dict(num_workers=2, prefetch_factor=-1),
                 dict(num_workers=0, persistent_workers=True), dict(num_workers=0, multiprocessing_context="fork"),
                 dict(num_workers=2, multiprocessing_context="thread"), dict(num_workers=2, multiprocessing_context=3)]


@pytest.mark.parametrize("options", OPTION_ERRORS, ids=[str(o) for o in OPTION_ERRORS])
def test_option_errors_match_torch(options):
    with pytest.raises((ValueError, TypeError)) as ours:
        data.DataLoader(list(range(4)), **options)
    with pytest.raises((ValueError, TypeError)) as theirs:
        torch_data.DataLoader(list(range(4)), **options)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


def test_pin_memory_is_accepted_with_torchs_warning():
    def batches_and_warnings(lib, module):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            batches = [b.tolist() for b in module.DataLoader(list(range(4)), batch_size=2, num_workers=2,
                                                             multiprocessing_context="fork", pin_memory=True)]
        return batches, [str(w.message) for w in caught if "pin_memory" in str(w.message)]

    assert batches_and_warnings(chainrule, data) == batches_and_warnings(torch, torch_data)


def test_a_timeout_without_workers_is_refused_like_torch():
    with pytest.raises(AssertionError) as ours:
        iter(data.DataLoader(list(range(4)), timeout=1))
    with pytest.raises(AssertionError) as theirs:
        iter(torch_data.DataLoader(list(range(4)), timeout=1))
    assert str(ours.value) == str(theirs.value)
