"""``utils.data``'s DataPipes against PyTorch's: chained steps, registration, batches, validation helpers."""

import warnings

import pytest
import torch
import torch.utils.data

import chainrule
import chainrule.utils.data

LIBRARIES = (chainrule.utils.data, torch.utils.data)


class Numbers(chainrule.utils.data.IterDataPipe):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


class TorchNumbers(torch.utils.data.IterDataPipe):  # the same pipe, PyTorch's kind (its DataLoader pickles it)
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def _numbers(data):
    return Numbers(7) if data is chainrule.utils.data else TorchNumbers(7)


def _keep_multiples_of_three(x):
    return x % 3 == 0


def _double(x):
    return 2 * x


def _both(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [call(data) for data in LIBRARIES]


@pytest.mark.parametrize("call", [
    lambda d: list(_numbers(d).map(_double).filter(_keep_multiples_of_three).batch(2)),
    lambda d: list(_numbers(d).batch(3, drop_last=True)),
    lambda d: [type(chunk).__name__ for chunk in _numbers(d).batch(3)],
    lambda d: (str(_numbers(d).batch(3)), repr(_numbers(d).map(_double))),
    lambda d: (isinstance(_numbers(d), d.IterableDataset), isinstance(_numbers(d), d.Dataset)),
    lambda d: [str(d.DataChunk([1, 2, 3])), repr(d.DataChunk([1])), d.DataChunk([4]).as_str("  "),
               list(d.DataChunk([5, 6]).raw_iterator())],
], ids=["map filter batch", "drop_last", "chunks", "names", "datasets", "chunk text"])
def test_chained_steps_match_torch(call):
    ours, theirs = _both(call)
    assert ours == theirs


def test_registered_steps_and_unknown_names():
    results = []
    for data in LIBRARIES:
        name = f"triple_{data.__name__.split('.')[0]}"

        @data.functional_datapipe(name)
        class Triple(data.IterDataPipe):
            def __init__(self, source):
                self.source = source

            def __iter__(self):
                return (3 * x for x in self.source)

        numbers = _numbers(data)
        with pytest.raises(AttributeError) as missing:
            _ = numbers.nothing
        results.append((list(getattr(numbers, name)()), str(missing.value).replace("TorchNumbers", "Numbers")))
    assert results[0] == results[1]


def test_map_datapipe_matches_torch():
    def build(data):
        class Tens(data.MapDataPipe):
            def __getitem__(self, i):
                return i * 10

            def __len__(self):
                return 4

        mapped = Tens().map(_double)
        return mapped[2], len(mapped), isinstance(mapped, data.Dataset)

    ours, theirs = _both(build)
    assert ours == theirs


def test_data_loader_reads_a_datapipe():
    loader = chainrule.utils.data.DataLoader(_numbers(chainrule.utils.data).map(float), batch_size=3)
    expected = torch.utils.data.DataLoader(_numbers(torch.utils.data).map(float), batch_size=3)
    assert [b.tolist() for b in loader] == [b.tolist() for b in expected]


def test_validation_helpers_match_torch():
    results = []
    for data in LIBRARIES:
        @data.argument_validation
        def takes_a_pipe(source: data.IterDataPipe, count: int):
            return count

        with pytest.raises(TypeError) as wrong:
            takes_a_pipe([1, 2], 3)
        with pytest.raises(TypeError) as not_iter:
            data.runtime_validation(_double)

        class Counted(data.IterDataPipe):
            @data.runtime_validation
            def __iter__(self):
                yield from range(3)

        @data.non_deterministic
        class Shuffled(data.IterDataPipe):
            def __iter__(self):
                yield 1

        with data.guaranteed_datapipes_determinism(), pytest.raises(TypeError) as refused:
            Shuffled()
        with data.runtime_validation_disabled():
            listed = list(Counted())
        if data is chainrule.utils.data:  # PyTorch's check of the items needs a typed pipe (IterDataPipe[int])
            assert list(Counted()) == [0, 1, 2]
        results.append((str(wrong.value), str(not_iter.value), listed, str(refused.value), list(Shuffled())))
    ours, theirs = results
    assert ours == theirs
