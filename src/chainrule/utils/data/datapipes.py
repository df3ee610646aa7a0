"""DataPipes: datasets built by chaining small steps, ``source.map(f).filter(g).batch(8)``.

``IterDataPipe`` (an ``IterableDataset``) and ``MapDataPipe`` (a ``Dataset``) find their chainable steps in
a registry that ``functional_datapipe("name")`` fills, as PyTorch's do; ``map``, ``filter`` and ``batch``
are registered here (batches are ``DataChunk`` lists). The typing helpers ``argument_validation`` and
``runtime_validation`` check that DataPipe arguments are DataPipes and that ``__iter__`` is what they
decorate; PyTorch's checks of the yielded items against generic type hints are not made.
"""

import functools
import inspect

from .dataset import Dataset, IterableDataset

__all__ = ["IterDataPipe", "MapDataPipe", "DFIterDataPipe", "DataChunk", "functional_datapipe",
           "argument_validation", "runtime_validation", "runtime_validation_disabled", "non_deterministic",
           "guaranteed_datapipes_determinism"]


class _Chainable:
    """The registry lookup both kinds of DataPipe share: an unknown attribute that names a registered step
    returns that step bound to this pipe."""

    functions = {}

    @classmethod
    def register_datapipe_as_function(cls, function_name, cls_to_register, enable_df_api_tracing=False):
        if function_name in cls.functions:
            raise Exception(f"Unable to add DataPipe function name {function_name} as it is already taken")

        def step(source, *args, **kwargs):
            return cls_to_register(source, *args, **kwargs)

        step.__name__ = function_name
        cls.functions[function_name] = step

    def __getattr__(self, attribute_name):
        step = type(self).functions.get(attribute_name)
        if step is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attribute_name}")
        return functools.partial(step, self)

    def __repr__(self):
        return type(self).__qualname__

    def __str__(self):
        return type(self).__qualname__


class IterDataPipe(_Chainable, IterableDataset):
    """A DataPipe read by iterating over it."""

    functions = {}


class MapDataPipe(_Chainable, Dataset):
    """A DataPipe read by index, with a length."""

    functions = {}


class DFIterDataPipe(IterDataPipe):
    """An IterDataPipe whose items are data frames."""

    def _is_dfpipe(self):
        return True


class DataChunk(list):
    """A batch: a list that prints as one and iterates over its items."""

    def __init__(self, items):
        super().__init__(items)
        self.items = items

    def as_str(self, indent=""):
        return indent + "[" + ", ".join(str(i) for i in iter(self)) + "]"

    def __iter__(self):
        yield from super().__iter__()

    def raw_iterator(self):
        yield from self.items


class functional_datapipe:
    """Class decorator: ``@functional_datapipe("name")`` makes ``pipe.name(...)`` build the decorated DataPipe
    with ``pipe`` as its first argument."""

    def __init__(self, name, enable_df_api_tracing=False):
        self.name = name
        self.enable_df_api_tracing = enable_df_api_tracing

    def __call__(self, cls):
        if issubclass(cls, IterDataPipe):
            IterDataPipe.register_datapipe_as_function(self.name, cls, self.enable_df_api_tracing)
        elif issubclass(cls, MapDataPipe):
            MapDataPipe.register_datapipe_as_function(self.name, cls)
        return cls


# ---------------------------------------------------------------- determinism and validation switches
class guaranteed_datapipes_determinism:
    """Within this context, building a DataPipe marked ``non_deterministic`` is an error."""

    prev = False
    active = False

    def __enter__(self):
        self.prev = guaranteed_datapipes_determinism.active
        guaranteed_datapipes_determinism.active = True

    def __exit__(self, exc_type, exc_value, traceback):
        guaranteed_datapipes_determinism.active = self.prev


def non_deterministic(arg):
    """Mark a DataPipe class as giving its items in an order that may change between runs (or, given a
    function of the class's arguments, only when that function says so)."""
    if isinstance(arg, type):
        if not issubclass(arg, IterDataPipe):
            raise TypeError(f"Only `IterDataPipe` can be decorated with `non_deterministic`, but {arg.__name__} "
                            f"is found")
        return _refused_when_determinism_guaranteed(arg, lambda *args, **kwargs: True)
    if not callable(arg):
        raise TypeError(f"{arg} can not be decorated by non_deterministic")

    def decorate(cls):
        return _refused_when_determinism_guaranteed(cls, arg)

    return decorate


def _refused_when_determinism_guaranteed(cls, decides):
    original = cls.__new__

    def new(kind, *args, **kwargs):
        if guaranteed_datapipes_determinism.active and decides(*args, **kwargs):
            raise TypeError(f"{cls.__name__} is non-deterministic, but you set 'guaranteed_datapipes_determinism'. "
                            f"You can turn off determinism for this DataPipe if that is acceptable for your "
                            f"application")
        return original(kind) if original is object.__new__ else original(kind, *args, **kwargs)

    cls.__new__ = new
    return cls


class runtime_validation_disabled:
    """Within this context, ``runtime_validation`` wrappers do nothing."""

    prev = True
    enabled = True

    def __enter__(self):
        self.prev = runtime_validation_disabled.enabled
        runtime_validation_disabled.enabled = False

    def __exit__(self, exc_type, exc_value, traceback):
        runtime_validation_disabled.enabled = self.prev


def _datapipe_annotation(annotation):
    origin = getattr(annotation, "__origin__", annotation)
    return origin if isinstance(origin, type) and issubclass(origin, (IterDataPipe, MapDataPipe)) else None


def argument_validation(f):
    """Check, at each call, that the arguments annotated as DataPipes are DataPipes of that kind."""
    signature = inspect.signature(f)
    hints = {name: _datapipe_annotation(p.annotation) for name, p in signature.parameters.items()}

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        for name, value in bound.arguments.items():
            expected = hints.get(name)
            if expected is not None and not isinstance(value, expected):
                raise TypeError(f"Expected argument '{name}' as a {expected.__name__}, but found {type(value)}")
        return f(*args, **kwargs)

    return wrapper


def runtime_validation(f):
    """Decorate a DataPipe's ``__iter__`` (the one method it is for); items pass through unchanged."""
    if f.__name__ != "__iter__":
        raise TypeError(f"Can not decorate function {f.__name__} with 'runtime_validation'")

    @functools.wraps(f)
    def wrapper(self):
        yield from f(self)

    return wrapper


# ---------------------------------------------------------------- the common steps
@functional_datapipe("map")
class MapperIterDataPipe(IterDataPipe):
    """Each item passed through ``fn``."""

    def __init__(self, datapipe, fn):
        self.datapipe = datapipe
        self.fn = fn

    def __iter__(self):
        for item in self.datapipe:
            yield self.fn(item)

    def __len__(self):
        return len(self.datapipe)


@functional_datapipe("filter")
class FilterIterDataPipe(IterDataPipe):
    """The items for which ``filter_fn`` is True (it must return a bool)."""

    def __init__(self, datapipe, filter_fn):
        self.datapipe = datapipe
        self.filter_fn = filter_fn

    def __iter__(self):
        for item in self.datapipe:
            keep = self.filter_fn(item)
            if not isinstance(keep, bool):
                raise ValueError("Boolean output is required for `filter_fn` of FilterIterDataPipe, got",
                                 type(keep))
            if keep:
                yield item


@functional_datapipe("batch")
class BatcherIterDataPipe(IterDataPipe):
    """Consecutive items in ``DataChunk`` lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, datapipe, batch_size, drop_last=False, wrapper_class=DataChunk):
        if batch_size <= 0:
            raise AssertionError("Batch size is required to be larger than 0!")
        self.datapipe = datapipe
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.wrapper_class = wrapper_class

    def __iter__(self):
        batch = []
        for item in self.datapipe:
            batch.append(item)
            if len(batch) == self.batch_size:
                yield self.wrapper_class(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.wrapper_class(batch)

    def __len__(self):
        count, rest = divmod(len(self.datapipe), self.batch_size)
        return count + (1 if rest and not self.drop_last else 0)


@functional_datapipe("map")
class MapperMapDataPipe(MapDataPipe):
    """Each item passed through ``fn`` when read."""

    def __init__(self, datapipe, fn):
        self.datapipe = datapipe
        self.fn = fn

    def __getitem__(self, index):
        return self.fn(self.datapipe[index])

    def __len__(self):
        return len(self.datapipe)
