"""Turning what a sampler yields into a batch: the same code in the main process and in workers."""

__all__ = ["make_fetcher"]


class MapFetcher:
    """Samples of a map-style dataset at the given index (or list of indices, collated into a batch)."""

    def __init__(self, dataset, batched, collate_fn):
        self.dataset = dataset
        self.batched = batched
        self.collate_fn = collate_fn

    def fetch(self, index):
        if not self.batched:
            return self.collate_fn(self.dataset[index])
        many = getattr(self.dataset, "__getitems__", None)
        samples = many(index) if many else [self.dataset[i] for i in index]
        return self.collate_fn(samples)


class StreamFetcher:
    """The next sample (or batch of ``len(placeholders)`` samples) of an IterableDataset; StopIteration at
    its end, or when only a short last batch is left and ``drop_last`` is set."""

    def __init__(self, dataset, batched, collate_fn, drop_last):
        self.stream = iter(dataset)
        self.batched = batched
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, placeholders):
        if self.ended:
            raise StopIteration
        if not self.batched:
            return self.collate_fn(next(self.stream))
        samples = []
        for _ in placeholders:
            try:
                samples.append(next(self.stream))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(placeholders)):
            raise StopIteration
        return self.collate_fn(samples)


def make_fetcher(dataset, iterable, batched, collate_fn, drop_last):
    if iterable:
        return StreamFetcher(dataset, batched, collate_fn, drop_last)
    return MapFetcher(dataset, batched, collate_fn)
