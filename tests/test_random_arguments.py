"""Random draws called with their defaults and at their arguments' edges give PyTorch's numbers bit for bit
(chainrule's streams are PyTorch's): what tests passing every argument cannot show. Also ``out=`` tensors of the
factories, and generator states at the edges of what loads."""

import struct
import warnings

import numpy as np
import pytest
import torch

import chainrule
from random_helpers import assert_same_state

CALLS = {
    "uniform_ defaults": lambda m: m.empty(7).uniform_(),
    "normal_ defaults": lambda m: m.empty(7).normal_(),
    "normal_ std 0": lambda m: m.empty(7).normal_(2.5, 0.0),
    "bernoulli_ defaults": lambda m: m.empty(9).bernoulli_(),
    "rand": lambda m: m.rand(6),
    "randn complex64": lambda m: m.randn(5, dtype=m.complex64),
    "randn complex128": lambda m: m.randn(5, dtype=m.complex128),
    "randint defaults": lambda m: m.randint(10, (6,)),
    "exponential_ defaults": lambda m: m.empty(6).exponential_(),
    "geometric_ p=0.5": lambda m: m.empty(6).geometric_(0.5),
    "random_ bool": lambda m: m.empty(8, dtype=m.bool).random_(),
    "cauchy_ defaults": lambda m: m.empty(6).cauchy_(),
    "log_normal_ defaults": lambda m: m.empty(6).log_normal_(),
    "normal(mean tensor) default std": lambda m: m.normal(m.arange(5.0)),
    "multinomial defaults": lambda m: m.multinomial(m.tensor([1.0, 2.0, 3.0, 4.0]), 3),
    "randperm defaults": lambda m: m.randperm(7),
    "rand_like": lambda m: m.rand_like(m.zeros(4)),
    "randn_like": lambda m: m.randn_like(m.zeros(4, dtype=m.float64)),
    "randn_like complex64": lambda m: m.randn_like(m.zeros(5, dtype=m.complex64)),
    "randn_like complex128 from float": lambda m: m.randn_like(m.zeros(5), dtype=m.complex128),
    "randint_like(high)": lambda m: m.randint_like(m.zeros(5), 7),
    "randint(low, high, size)": lambda m: m.randint(-4, 3, (6,)),
    "randn": lambda m: m.randn(4),
    "uniform_(0, 5) float64": lambda m: m.empty(5, dtype=m.float64).uniform_(0, 5),
    "uniform_(-1, 1) float64": lambda m: m.empty(5, dtype=m.float64).uniform_(-1, 1),
    "uniform_(0, 5)": lambda m: m.empty(5).uniform_(0, 5),
    "uniform_(-1, 1)": lambda m: m.empty(5).uniform_(-1, 1),
    "uniform_(0, 5) float16": lambda m: m.empty(5, dtype=m.float16).uniform_(0, 5),
    "uniform_(-1, 1) float16": lambda m: m.empty(5, dtype=m.float16).uniform_(-1, 1),
    "uniform_ float16 defaults": lambda m: m.empty(5, dtype=m.float16).uniform_(),
}

# every argument by keyword: each one's name is part of the signature
KEYWORD_CALLS = {
    "uniform_": lambda m: m.empty(4).uniform_(**{"from": -2.0, "to": 3.0}),
    "normal_": lambda m: m.empty(4).normal_(mean=1.0, std=2.0),
    "bernoulli_": lambda m: m.empty(4).bernoulli_(p=0.25),
    "exponential_": lambda m: m.empty(4).exponential_(lambd=2.0),
    "geometric_": lambda m: m.empty(4).geometric_(p=0.25),
    "cauchy_": lambda m: m.empty(4).cauchy_(median=1.0, sigma=2.0),
    "log_normal_": lambda m: m.empty(4).log_normal_(mean=0.5, std=0.25),
    "random_(from, to)": lambda m: m.empty(4, dtype=m.int64).random_(**{"from": 2, "to": 9}),
    "random_(to)": lambda m: m.empty(4, dtype=m.int64).random_(to=9),
    "rand": lambda m: m.rand(size=(2,)),
    "randint": lambda m: m.randint(low=2, high=9, size=(3,)),
    "randint(high, size)": lambda m: m.randint(high=9, size=(3,)),
    "randint_like": lambda m: m.randint_like(input=m.zeros(3), low=2, high=5),
    "rand_like": lambda m: m.rand_like(input=m.zeros(3)),
    "randn_like": lambda m: m.randn_like(input=m.zeros(3)),
    "randperm": lambda m: m.randperm(n=4),
    "normal(float, float, size)": lambda m: m.normal(mean=1.0, std=2.0, size=(3,)),
    "normal(tensor, float)": lambda m: m.normal(mean=m.zeros(3), std=2.0),
    "normal(float, tensor)": lambda m: m.normal(mean=1.0, std=m.ones(3)),
    "multinomial": lambda m: m.multinomial(input=m.ones(3), num_samples=2, replacement=True),
    "bernoulli": lambda m: m.bernoulli(input=m.zeros(3), p=0.3),
    "poisson": lambda m: m.poisson(input=m.ones(3)),
}
CALLS.update({f"{name} by keyword": call for name, call in KEYWORD_CALLS.items()})


@pytest.mark.parametrize("name", sorted(CALLS))
def test_draws_with_defaults_and_edges_match_pytorch_bit_for_bit(name):
    def run(m):
        m.manual_seed(1234)
        result = CALLS[name](m)
        return str(result.dtype).split(".")[-1], result.requires_grad, result.numpy().tobytes()

    assert run(chainrule) == run(torch)


@pytest.mark.parametrize("std", [-1.0, -1e-300])
def test_a_negative_std_is_refused_as_in_pytorch(std):
    with pytest.raises(RuntimeError) as theirs:
        torch.empty(3).normal_(0.0, std)
    with pytest.raises(RuntimeError) as ours:
        chainrule.empty(3).normal_(0.0, std)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- out=
OUT_CALLS = {
    "rand into float64": lambda m: m.rand(3, out=m.empty(3, dtype=m.float64)),
    "randn into float64, resized": lambda m: m.randn(2, 3, out=m.empty(3, dtype=m.float64)),
    "rand into an empty tensor": lambda m: m.rand(3, out=m.empty(0)),
    "rand into a larger tensor": lambda m: m.rand(3, out=m.empty(5)),
    "rand into its own shape": lambda m: m.rand(2, 2, out=m.empty(2, 2)),
    "randint into float32, a wide range": lambda m: m.randint(0, 2 ** 40, (4,), out=m.empty(4)),
    "randint into int16": lambda m: m.randint(-5, 10, (4,), out=m.empty(4, dtype=m.int16)),
    "randperm into float16": lambda m: m.randperm(50, out=m.empty(5, dtype=m.float16)),
    "normal(float, float, size) into float64": lambda m: m.normal(0.5, 2.0, (3,), out=m.empty(3, dtype=m.float64)),
    "normal(tensor, float) into its shape": lambda m: m.normal(m.zeros(3), 2.0, out=m.empty(3)),
    "bernoulli into a smaller tensor": lambda m: m.bernoulli(m.full((4,), 0.3), out=m.empty(2)),
}


@pytest.mark.parametrize("name", sorted(OUT_CALLS))
def test_factories_draw_into_out_in_its_dtype_resizing_it(name):
    """PyTorch's ``rand(size, out=t)`` is ``t.resize_(size).uniform_()``: the draw is in ``t``'s dtype."""
    def run(m):
        m.manual_seed(77)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # randint's float-precision warning
            result = OUT_CALLS[name](m)
        return str(result.dtype).split(".")[-1], tuple(result.shape), result.numpy().tobytes()

    assert run(chainrule) == run(torch)


# ---------------------------------------------------------------- generator states at the edges
def _edited_state(start, draws, **fields):
    """PyTorch's state after ``draws`` 32-bit draws from seed ``start``, with header fields overwritten."""
    generator = torch.Generator().manual_seed(start)
    torch.rand(draws, generator=generator)  # a 32-bit word each
    state = bytearray(generator.get_state().numpy().tobytes())
    for name, value in fields.items():
        offset, layout = {"seed": (0, "<Q"), "left": (8, "<i"), "seeded": (12, "<i"), "next": (16, "<Q")}[name]
        struct.pack_into(layout, state, offset, value)
    return np.frombuffer(bytes(state), dtype=np.uint8).copy()


@pytest.mark.parametrize("draws", [0, 1, 623, 624, 625, 1248])
@pytest.mark.parametrize("fields", [{}, {"seed": 12345}], ids=["as drawn", "seed field edited"])
def test_a_loaded_state_saves_back_unchanged_and_draws_as_pytorch(draws, fields):
    """Every state PyTorch's generator passes through (fresh, one short of a twist, just past one), even one
    whose seed field does not match its words, reads back byte for byte and continues PyTorch's stream."""
    state = _edited_state(5, draws, **fields)
    ours, theirs = chainrule.Generator(), torch.Generator()
    ours.set_state(chainrule.tensor(state)), theirs.set_state(torch.tensor(state))
    assert ours.get_state().numpy().tobytes() == state.tobytes()
    assert_same_state(ours, theirs)
    assert ours.initial_seed() == theirs.initial_seed()
    assert chainrule.rand(700, generator=ours).numpy().tobytes() == torch.rand(700, generator=theirs).numpy().tobytes()
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("fields", [
    {"left": 0}, {"left": -1}, {"left": 625}, {"seeded": 0}, {"left": 1, "next": 625}])
def test_invalid_states_are_refused_as_in_pytorch(fields):
    state = _edited_state(3, 0, **fields)
    with pytest.raises(RuntimeError) as theirs:
        torch.Generator().set_state(torch.tensor(state))
    with pytest.raises(RuntimeError) as ours:
        chainrule.Generator().set_state(chainrule.tensor(state))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("draws, fields", [
    (0, {"left": 1, "next": 624}), (10, {"seeded": 2}), (623, {}), (1, {"left": 624, "next": 1})])
def test_valid_states_at_the_edges_load_as_in_pytorch(draws, fields):
    """The edges of the accepted header values: ``left`` from 1 to 624, ``next`` up to 624, any nonzero flag."""
    state = _edited_state(9, draws, **fields)
    ours = chainrule.Generator().set_state(chainrule.tensor(state))
    theirs = torch.Generator()
    theirs.set_state(torch.tensor(state))
    assert chainrule.rand(5, generator=ours).numpy().tobytes() == torch.rand(5, generator=theirs).numpy().tobytes()


# ---------------------------------------------------------------- argument checks on both sides of each edge
INF = float("inf")
EDGES = {
    "bernoulli_ p=0": lambda m: m.empty(5).bernoulli_(0.0),
    "bernoulli_ p=1": lambda m: m.empty(5).bernoulli_(1.0),
    "bernoulli_ p<0": lambda m: m.empty(5).bernoulli_(-0.25),
    "bernoulli p<0": lambda m: m.bernoulli(m.zeros(5), -0.25),
    "bernoulli p tensor at 0 and 1": lambda m: m.bernoulli(m.tensor([0.0, 1.0, 0.0, 1.0])),
    "bernoulli p tensor below 0": lambda m: m.bernoulli(m.tensor([0.5, -0.25])),
    "uniform_ from=to": lambda m: m.empty(4).uniform_(1.5, 1.5),
    "uniform_ to-from at float16's max": lambda m: m.empty(4, dtype=m.float16).uniform_(-32752.0, 32752.0),
    "uniform_ to-from over float16's max": lambda m: m.empty(4, dtype=m.float16).uniform_(-32768.0, 32752.0),
    "uniform_ to at float16's max": lambda m: m.empty(4, dtype=m.float16).uniform_(0.0, 65504.0),
    "uniform_ to over float16's max": lambda m: m.empty(4, dtype=m.float16).uniform_(0.0, 65536.0),
    "uniform_ from under float16's min": lambda m: m.empty(4, dtype=m.float16).uniform_(-65536.0, 0.0),
    "exponential_ lambda=0": lambda m: m.empty(3).exponential_(0.0),
    "exponential_ lambda=inf": lambda m: m.empty(3).exponential_(float("inf")),
    "exponential_ into int64": lambda m: m.empty(3, dtype=m.int64).exponential_(),
    "exponential_ into an empty int64": lambda m: m.empty(0, dtype=m.int64).exponential_(),
    "geometric_ p=0": lambda m: m.empty(3).geometric_(0.0),
    "geometric_ p=1": lambda m: m.empty(3).geometric_(1.0),
    "geometric_ into an empty bool": lambda m: m.empty(0, dtype=m.bool).geometric_(0.5),
    "cauchy_ sigma=0": lambda m: m.empty(3).cauchy_(0.0, 0.0),
    "cauchy_ into int64": lambda m: m.empty(3, dtype=m.int64).cauchy_(),
    "log_normal_ std=0": lambda m: m.empty(3).log_normal_(1.0, 0.0),
    "log_normal_ into an empty int64": lambda m: m.empty(0, dtype=m.int64).log_normal_(),
    "log_normal_ into int64": lambda m: m.empty(3, dtype=m.int64).log_normal_(),
    "normal std tensor with a zero": lambda m: m.normal(m.zeros(3), m.tensor([1.0, 0.0, 2.0])),
    "normal std=0": lambda m: m.normal(1.5, 0.0, (3,)),
    "random_ from=to": lambda m: m.empty(3, dtype=m.int64).random_(3, 3),
    "random_ to=from+1": lambda m: m.empty(3, dtype=m.int64).random_(3, 4),
    "random_ uint8 to 256": lambda m: m.empty(3, dtype=m.uint8).random_(0, 256),
    "random_ uint8 to 257": lambda m: m.empty(3, dtype=m.uint8).random_(0, 257),
    "random_ int8 from -128": lambda m: m.empty(3, dtype=m.int8).random_(-128, 0),
    "random_ int8 from -129": lambda m: m.empty(3, dtype=m.int8).random_(-129, 0),
    "random_ float32 to 2^24+1": lambda m: m.empty(3).random_(0, 2 ** 24 + 1),
    "random_ float32 to 2^24+2": lambda m: m.empty(3).random_(0, 2 ** 24 + 2),
    "random_ float32 from -2^24": lambda m: m.empty(3).random_(-2 ** 24, 0),
    "random_ float32 from -2^24-1": lambda m: m.empty(3).random_(-2 ** 24 - 1, 0),
    "random_ float16 from 2047 up": lambda m: m.empty(3, dtype=m.float16).random_(2047, None),
    "random_ float16 from 2048 up": lambda m: m.empty(3, dtype=m.float16).random_(2048, None),
    # bounds a float dtype cannot hold move inward as PyTorch's update_from / update_to move them
    "random_ float32 from 2^25+1": lambda m: m.empty(3).random_(2 ** 25 + 1, 2 ** 26),
    "random_ float32 to 2^25+4": lambda m: m.empty(3).random_(-2 ** 26, 2 ** 25 + 4),
    "random_ float16 from 4097": lambda m: m.empty(3, dtype=m.float16).random_(4097, 8192),
    "random_ float64 to 2^54+4": lambda m: m.empty(3, dtype=m.float64).random_(0, 2 ** 54 + 4),
    "random_ float32 from 2^25+1 up": lambda m: m.empty(3).random_(2 ** 25 + 1, None),
    "random_ float32 bounds that meet when moved": lambda m: m.empty(3).random_(2 ** 25 + 1, 2 ** 25 + 8),
    "random_ float32 bounds one step apart when moved": lambda m: m.empty(3).random_(2 ** 25 + 1, 2 ** 25 + 12),
    "random_ float to": lambda m: m.empty(3, dtype=m.int64).random_(0, 5.5),
    "random_ float from": lambda m: m.empty(3, dtype=m.int64).random_(1.5, 5),
    "random_ bool from 0 up": lambda m: m.empty(8, dtype=m.bool).random_(0, None),
    "random_ uint8 from 3 up": lambda m: m.empty(8, dtype=m.uint8).random_(3, None),
    "random_ int64 from the top": lambda m: m.empty(3, dtype=m.int64).random_(2 ** 63 - 2, None),
    "randint_like(high=)": lambda m: m.randint_like(m.zeros(5), high=7),
    "randperm(0)": lambda m: m.randperm(0),
    "randperm into int8 at 128": lambda m: m.randperm(128, dtype=m.int8),
    "randperm of a bool": lambda m: m.randperm(True),
    "randperm float16 at its largest": lambda m: m.randperm(2049, dtype=m.float16),
    "rand with a zero dimension": lambda m: m.rand(0, 3),
    "rand with a negative dimension": lambda m: m.rand(2, -1),
    "multinomial as many as the categories": lambda m: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 3),
    "multinomial one sample": lambda m: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 1, True),
    # 2**24 categories pass the size check and fail the next (cheaply, before any draw); one more fails it
    "multinomial 2^24 categories": lambda m: m.multinomial(m.full((1,), -1.0).expand(2 ** 24), 2, True),
    "multinomial 2^24+1 categories": lambda m: m.multinomial(m.full((1,), -1.0).expand(2 ** 24 + 1), 2, True),
    "multinomial with replacement, a negative entry": lambda m: m.multinomial(m.tensor([1.0, -1.0]), 2, True),
    "multinomial with replacement, NaN": lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 2, True),
    "multinomial with replacement, infinity first": lambda m: m.multinomial(m.tensor([INF, -1.0]), 2, True),
    "multinomial with replacement, a zero row first": lambda m: m.multinomial(m.tensor([[0.0, 0.0], [1, -1]]), 2, True),
    "multinomial with replacement, infinity in row 2": lambda m: m.multinomial(m.tensor([[1.0, 1], [0, INF]]), 2, True),
    "multinomial without replacement, infinity": lambda m: m.multinomial(m.tensor([1.0, INF]), 2),
    "multinomial one sample, a zero row": lambda m: m.multinomial(m.tensor([[1.0, 2.0], [0.0, 0.0]]), 1),
    "poisson rate 0": lambda m: m.poisson(m.zeros(3)),
    "multinomial of no rows": lambda m: m.multinomial(m.empty(0, 3), 2),
    "multinomial of no rows, with replacement": lambda m: m.multinomial(m.empty(0, 3), 4, True),
    "bernoulli_ p tensor of more dimensions": lambda m: m.empty(2, 3).bernoulli_(m.full((2, 1, 3), 0.5).double()),
    "bernoulli_ p tensor into a 0-d tensor": lambda m: m.empty(()).bernoulli_(m.full((3,), 0.5)),
    "bernoulli_ p tensor of a wrong size": lambda m: m.empty(2, 3).bernoulli_(m.full((4,), 0.5)),
    "bernoulli_ integer p tensor of a wrong size": lambda m: m.empty(2, 3).bernoulli_(m.full((4,), 2)),
    "bernoulli_ p tensor into complex": lambda m: m.empty(2, dtype=m.complex64).bernoulli_(m.full((4,), 2)),
    "bernoulli_ p by keyword": lambda m: m.empty(6).bernoulli_(p=0.25),
    "normal_ complex64": lambda m: m.empty(5, dtype=m.complex64).normal_(),
    "normal_ complex128, std 3": lambda m: m.empty(20, dtype=m.complex128).normal_(1.0, 3.0),
    "randperm into float64": lambda m: m.randperm(300, dtype=m.float64),
    "rand pinned": lambda m: m.rand(3, pin_memory=True),
    "rand pinned into out": lambda m: m.rand(3, pin_memory=True, out=m.empty(3)),
    "randn pinned": lambda m: m.randn(3, pin_memory=True),
    "randint pinned": lambda m: m.randint(3, (2,), pin_memory=True),
    "randperm pinned": lambda m: m.randperm(3, pin_memory=True),
    "normal pinned": lambda m: m.normal(0.0, 1.0, (2,), pin_memory=True),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_argument_edges_give_pytorchs_values_errors_and_warnings(name):
    def run(m):
        m.manual_seed(21)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = EDGES[name](m)
                outcome = (str(result.dtype).split(".")[-1], tuple(result.shape), result.numpy().tobytes())
            except Exception as error:  # noqa: BLE001 - the outcome compared is the exception
                outcome = (type(error).__name__, str(error))
        return outcome, [str(w.message).split(" (Triggered internally")[0] for w in caught]

    assert run(chainrule) == run(torch)


def _generators_at(state):
    ours = chainrule.Generator().set_state(chainrule.tensor(state))
    theirs = torch.Generator()
    theirs.set_state(torch.tensor(state))
    return ours, theirs


ZERO_UNIFORM_DRAWS = {
    "geometric_": lambda m, g: m.empty(3, dtype=m.float64).geometric_(0.3, generator=g),
    "exponential_": lambda m, g: m.empty(3, dtype=m.float64).exponential_(2.0, generator=g),
    "cauchy_": lambda m, g: m.empty(3, dtype=m.float64).cauchy_(1.0, 2.0, generator=g),
    "log_normal_": lambda m, g: m.empty(3, dtype=m.float64).log_normal_(1.0, 2.0, generator=g),
    "normal_": lambda m, g: m.empty(3, dtype=m.float64).normal_(1.0, 2.0, generator=g),
    "uniform_": lambda m, g: m.empty(3, dtype=m.float64).uniform_(-1.0, 2.0, generator=g),
    "bernoulli_": lambda m, g: m.empty(3, dtype=m.float64).bernoulli_(0.0, generator=g),
    # a zero exponential divides a zero weight into NaN, which PyTorch's topk and argmax rank first
    "multinomial, one sample": lambda m, g: m.multinomial(m.tensor([0.0, 1.0]), 1, generator=g),
    "multinomial without replacement": lambda m, g: m.multinomial(m.tensor([0.0, 1.0, 1.0]), 2, generator=g),
}


@pytest.mark.parametrize("name", sorted(ZERO_UNIFORM_DRAWS))
def test_a_zero_double_uniform_transforms_as_in_pytorch(name):
    """A double uniform of exactly 0 (two zero words in a row): the samplers' edge (``log(0)`` and the like)."""
    state = _edited_state(6, 1)
    state[24 + 8:24 + 24] = 0  # the next two words
    ours, theirs = _generators_at(state)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = ZERO_UNIFORM_DRAWS[name](chainrule, ours).numpy()
    assert drawn.tobytes() == ZERO_UNIFORM_DRAWS[name](torch, theirs).numpy().tobytes()
    assert_same_state(ours, theirs)


def test_poissons_rejection_sampler_draws_zero_counts_as_pytorch():
    """Rate 10, the first rate of the rejection sampler: a count of 0 is possible there (one in these 2000)."""
    chainrule.manual_seed(5)
    drawn = chainrule.poisson(chainrule.full((2000,), 10.0)).numpy()
    torch.manual_seed(5)
    assert drawn.tobytes() == torch.poisson(torch.full((2000,), 10.0)).numpy().tobytes()
    assert (drawn == 0).any()


def test_a_zero_word_is_drawn_as_zero():
    """The twister's outputs are taken whole, zero included (a bounded integer draw would skip it): a state whose
    next word is zero (tempering maps 0 to 0) gives a zero first, in every sampler's bits."""
    state = _edited_state(4, 1)
    state[24 + 8:24 + 16] = 0  # the second 64-bit word slot: the word drawn next
    ours, theirs = _generators_at(state)
    drawn = chainrule.rand(3, generator=ours).numpy()
    assert drawn[0] == 0
    assert drawn.tobytes() == torch.rand(3, generator=theirs).numpy().tobytes()
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("call", [lambda m: m.empty(3).random_(0, 2 ** 25),
                                  lambda m: m.randint(0, 2 ** 25, (3,), dtype=m.float32),
                                  lambda m: m.randint_like(m.zeros(3), 2 ** 40)])
def test_the_precision_warning_points_at_the_callers_line(call):
    def where(m):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(m)
        return [(w.filename, w.lineno, w.category) for w in caught]

    assert where(chainrule) == where(torch)
    assert where(chainrule)[0][0] == __file__


@pytest.mark.parametrize("form, n, dtype", [
    ("made", 2 ** 53, "float64"), ("made", 2 ** 53 + 1, "float64"), ("made", 2 ** 54, "float64"),
    ("out", 2 ** 53, "float64"), ("out", 2 ** 53 + 1, "float64"), ("out", 2 ** 53 + 2, "float64"),
    ("out", 2 ** 24 + 2, "float32")])
def test_a_permutation_too_large_for_memory_or_its_dtype_is_refused_as_torch_refuses_it(form, n, dtype):
    """PyTorch makes the result before checking that n fits its dtype; given ``out``, it checks first."""
    def call(lib):
        d = getattr(lib, dtype)
        return lib.randperm(n, dtype=d) if form == "made" else lib.randperm(n, out=lib.empty(0, dtype=d))

    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(chainrule)
    assert str(ours.value) in str(theirs.value)  # PyTorch's allocator message starts with where it failed
