"""Datasets and functions that DataLoader workers import by name: kept free of torch so that a worker
started with "spawn" imports only this module and chainrule (or torch, for the torch-side loaders)."""

import os
import random
import time

import numpy as np

import chainrule.utils.data as chainrule_data


def library(name):
    import importlib

    return importlib.import_module(name)


class Squares:
    """Map-style: sample ``i`` is ``(i, i * i)`` as tensors of the given library."""

    def __init__(self, lib, size=11):
        self.lib = lib
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        lib = library(self.lib)
        return lib.tensor([index]), lib.tensor(index * index)


class Sharded:
    """Iterable: each worker yields its share ``range(id, size, num_workers)``, as PyTorch's docs suggest."""

    def __init__(self, lib, size=13, shard=True):
        self.lib = lib
        self.size = size
        self.shard = shard

    def __iter__(self):
        info = library(self.lib + ".utils.data").get_worker_info()
        start, step = (info.id, info.num_workers) if info is not None and self.shard else (0, 1)
        return iter(range(start, self.size, step))


class ShardedStream(Sharded, chainrule_data.IterableDataset):
    """``Sharded`` as chainrule's IterableDataset (the torch-side twin lives in the test module)."""


class WhoAmI:
    """Sample ``i`` is what the worker fetching it knows: its id, seed, pid, and draws from each random stream."""

    def __init__(self, lib, size=8):
        self.lib = lib
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        lib = library(self.lib)
        info = library(self.lib + ".utils.data").get_worker_info()
        return {"index": index, "id": info.id, "workers": info.num_workers, "seed": info.seed, "pid": os.getpid(),
                "python": random.random(), "numpy": float(np.random.rand()), "library": lib.rand(1).item(),
                "same dataset": info.dataset is self,
                "initialised": os.environ.get("LOADER_WORKER_INIT")}


def remember_worker(worker_id):
    os.environ["LOADER_WORKER_INIT"] = f"worker {worker_id}"


class Failing:
    """Raises ``error`` when asked for ``bad_index``."""

    def __init__(self, error, bad_index=3, size=6):
        self.error = error
        self.bad_index = bad_index
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if index == self.bad_index:
            raise self.error
        return index


class Slow:
    def __len__(self):
        return 2

    def __getitem__(self, index):
        time.sleep(1)
        return index


class Dying:
    def __len__(self):
        return 4

    def __getitem__(self, index):
        if index == 1:
            os._exit(3)
        return index


def failing_init(worker_id):
    raise ValueError(f"worker {worker_id} cannot start")


class Pids:
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return os.getpid()


def row_sums(batch):
    return batch.sum(dim=1)
