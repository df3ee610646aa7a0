"""chainrule.utils.data against torch.utils.data: batches and order where they are deterministic, coverage
and reproducibility where they are random, and the option errors."""

import warnings
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as torch_data

import chainrule
from chainrule.utils import data

FEATURES = np.arange(30, dtype=np.float32).reshape(10, 3)
LABELS = np.arange(10)
Pair = namedtuple("Pair", "left right")


def plain(value):
    """Batches as nested Python values tagged with dtype names, comparable across the two libraries."""
    if hasattr(value, "numpy"):
        return str(value.dtype).split(".")[-1], value.numpy().tolist()
    if isinstance(value, dict):
        return type(value).__name__, {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [plain(v) for v in value]
    return value


def tensor_dataset(lib):
    module = data if lib is chainrule else torch_data
    return module.TensorDataset(lib.tensor(FEATURES), lib.tensor(LABELS))


LOADER_OPTIONS = [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=4),
                  dict(batch_size=None), dict(batch_size=10), dict(batch_size=20, drop_last=True)]


@pytest.mark.parametrize("options", LOADER_OPTIONS, ids=[str(o) for o in LOADER_OPTIONS])
def test_tensor_dataset_batches_match_torch(options):
    ours = data.DataLoader(tensor_dataset(chainrule), **options)
    theirs = torch_data.DataLoader(tensor_dataset(torch), **options)
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]
    assert len(ours) == len(theirs)


class Records:
    """Samples mixing every kind default_collate handles."""

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"int": i, "float": i / 2, "array": np.ones(2) * i, "text": f"s{i}", "pair": Pair(i, [i, i + 1]),
                "scalar": np.float32(i), "flag": i % 2 == 0, "tuple": (i, 2.0),
                "ordered": OrderedDict(a=np.int16(i)), "zero_d": np.array(i * 1.5)}


@pytest.mark.parametrize("batch_size", [1, 2, None])
def test_default_collate_matches_torch(batch_size):
    ours = [plain(b) for b in data.DataLoader(Records(), batch_size=batch_size)]
    theirs = [plain(b) for b in torch_data.DataLoader(Records(), batch_size=batch_size)]
    assert ours == theirs


def test_collate_of_tensors_of_different_shapes_raises_like_torch():
    def collate(lib, module):
        return module.default_collate([lib.zeros(2), lib.zeros(3)])

    with pytest.raises(RuntimeError) as ours:
        collate(chainrule, data)
    with pytest.raises(RuntimeError) as theirs:
        collate(torch, torch_data)
    assert str(ours.value) == str(theirs.value)


def test_collate_of_unknown_objects_raises_type_error():
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        data.default_collate([object(), object()])


def test_custom_collate_fn_and_sampler():
    sampler = [4, 0, 2]
    loader = data.DataLoader(tensor_dataset(chainrule), batch_size=2, sampler=sampler, collate_fn=lambda b: b)
    batches = list(loader)
    assert [[int(sample[1]) for sample in batch] for batch in batches] == [[4, 0], [2]]


def test_batch_sampler_matches_torch():
    ours = data.DataLoader(tensor_dataset(chainrule), batch_sampler=[[1, 2], [9], [0, 5, 3]])
    theirs = torch_data.DataLoader(tensor_dataset(torch), batch_sampler=[[1, 2], [9], [0, 5, 3]])
    assert [plain(b) for b in ours] == [plain(b) for b in theirs]


def test_shuffle_covers_every_sample_once_and_follows_the_generator():
    def epoch(seed):
        generator = chainrule.Generator().manual_seed(seed)
        loader = data.DataLoader(tensor_dataset(chainrule), batch_size=3, shuffle=True, generator=generator)
        batches = list(loader)
        assert [len(b[1]) for b in batches] == [3, 3, 3, 1]
        for features, labels in batches:
            np.testing.assert_array_equal(features.numpy(), FEATURES[labels.numpy()])
        return np.concatenate([b[1].numpy() for b in batches])

    order = epoch(0)
    assert sorted(order.tolist()) == list(range(10))
    np.testing.assert_array_equal(epoch(0), order)
    assert any(not np.array_equal(epoch(seed), order) for seed in (1, 2, 3))


def test_shuffle_without_generator_changes_between_epochs():
    loader = data.DataLoader(tensor_dataset(chainrule), batch_size=10, shuffle=True)
    orders = [tuple(next(iter(loader))[1].tolist()) for _ in range(4)]
    assert all(sorted(order) == list(range(10)) for order in orders)
    assert len(set(orders)) > 1


def test_num_workers_is_accepted():
    ours = data.DataLoader(tensor_dataset(chainrule), batch_size=4, num_workers=2)
    assert [plain(b) for b in ours] == [plain(b) for b in data.DataLoader(tensor_dataset(chainrule), batch_size=4)]


class Stream(data.IterableDataset):
    def __iter__(self):
        return iter(range(7))


class TorchStream(torch_data.IterableDataset):
    def __iter__(self):
        return iter(range(7))


@pytest.mark.parametrize("options", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                     dict(batch_size=None)])
def test_iterable_dataset_matches_torch(options):
    assert [plain(b) for b in data.DataLoader(Stream(), **options)] == \
           [plain(b) for b in torch_data.DataLoader(TorchStream(), **options)]


# ------------------------------------------------------------------------- samplers
def test_sequential_and_batch_samplers_match_torch():
    assert list(data.SequentialSampler(range(5))) == list(torch_data.SequentialSampler(range(5)))
    for size, drop in [(3, False), (3, True), (7, False), (8, True)]:
        ours = data.BatchSampler(range(7), size, drop)
        theirs = torch_data.BatchSampler(range(7), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_random_sampler_properties():
    generator = chainrule.Generator().manual_seed(5)
    assert sorted(data.RandomSampler(range(9), generator=generator)) == list(range(9))
    longer = list(data.RandomSampler(range(4), num_samples=10, generator=generator))
    assert len(longer) == 10 and sorted(longer[:8]) == sorted(list(range(4)) * 2)
    drawn = list(data.RandomSampler(range(3), replacement=True, num_samples=70, generator=generator))
    assert len(drawn) == 70 and set(drawn) <= {0, 1, 2}
    assert len(data.RandomSampler(range(4), num_samples=10)) == 10


def test_subset_random_sampler_permutes_the_indices():
    sampler = data.SubsetRandomSampler([3, 8, 11, 20], generator=chainrule.Generator().manual_seed(2))
    assert sorted(sampler) == [3, 8, 11, 20] and len(sampler) == 4


def _error(fn):
    try:
        fn()
    except Exception as error:  # the exception to compare
        return type(error), str(error)
    return None


@pytest.mark.parametrize("make", [
    lambda m, ds: m.RandomSampler(ds, replacement=1),
    lambda m, ds: m.RandomSampler(ds, num_samples=0),
    lambda m, ds: m.BatchSampler(range(3), 0, False),
    lambda m, ds: m.BatchSampler(range(3), True, False),
    lambda m, ds: m.BatchSampler(range(3), 2, 1),
    lambda m, ds: m.DataLoader(ds, num_workers=-1),
    lambda m, ds: m.DataLoader(ds, sampler=[0, 1], shuffle=True),
    lambda m, ds: m.DataLoader(ds, batch_sampler=[[0]], batch_size=2),
    lambda m, ds: m.DataLoader(ds, batch_sampler=[[0]], drop_last=True),
    lambda m, ds: m.DataLoader(ds, batch_size=None, drop_last=True),
    lambda m, ds: m.random_split(ds, [3, 3]),
    lambda m, ds: m.ConcatDataset([]),
    lambda m, ds: m.ConcatDataset([ds])[-11],
    lambda m, ds: m.Dataset()[0],
])
def test_errors_match_torch(make):
    expected = _error(lambda: make(torch_data, tensor_dataset(torch)))
    actual = _error(lambda: make(data, tensor_dataset(chainrule)))
    assert expected is not None and actual == expected


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        data.TensorDataset(chainrule.zeros(3), chainrule.zeros(4))


# ------------------------------------------------------------------------- datasets
def test_subset_and_concat_match_torch():
    ours = data.ConcatDataset([data.Subset(range(10), [7, 2, 5]), range(100, 104)])
    theirs = torch_data.ConcatDataset([torch_data.Subset(range(10), [7, 2, 5]), range(100, 104)])
    assert len(ours) == len(theirs)
    assert [ours[i] for i in range(-7, 7)] == [theirs[i] for i in range(-7, 7)]
    assert ours.cumulative_sizes == theirs.cumulative_sizes
    added = data.TensorDataset(chainrule.zeros(2)) + data.TensorDataset(chainrule.ones(3))
    assert isinstance(added, data.ConcatDataset) and len(added) == 5


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.25, 0.25, 0.5], [0.33, 0.33, 0.34], [10, 0]])
def test_random_split_lengths_match_torch(lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = data.random_split(range(10), lengths, generator=chainrule.Generator().manual_seed(0))
        theirs = torch_data.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s) == list(range(10))


def test_random_split_follows_the_generator():
    def split(seed):
        parts = data.random_split(range(10), [4, 6], generator=chainrule.Generator().manual_seed(seed))
        return [list(part) for part in parts]

    assert split(3) == split(3)
    assert any(split(seed) != split(3) for seed in (4, 5, 6))


def test_random_split_warns_on_an_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split(range(2), [1.0, 0.0])
