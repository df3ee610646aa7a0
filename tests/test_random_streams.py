"""Random numbers equal PyTorch's bit for bit: the generator (seeding, state layout, Generator objects,
fork_rng) and every sampler, for several seeds, sizes around each path switch (the normal transform
changes at 16 elements, numba takes over at 65536), dtypes, shapes and storage orders, with the
generator state compared after every draw."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

import chainrule
from chainrule._random import fast
from random_helpers import assert_identical, assert_same_state, same_draws

SEEDS = [0, 1, 2 ** 32 + 5, 2 ** 63 + 11]
SIZES = [0, 1, 2, 15, 16, 17, 31, 33, 1001]
FLOATS = ["float16", "float32", "float64"]


# ---------------------------------------------------------------- the generator
@pytest.mark.parametrize("seed", [0, 7, -1, -2 ** 63, 2 ** 64 - 1, 2 ** 40 + 3, 3.7, "12", True])
def test_manual_seed_gives_pytorchs_state(seed):
    chainrule.manual_seed(seed)
    torch.manual_seed(seed)
    assert_same_state(label=str(seed))
    assert chainrule.initial_seed() == torch.initial_seed()


@pytest.mark.parametrize("seed", [2 ** 64, -2 ** 63 - 1])
def test_out_of_range_seeds_raise_as_in_pytorch(seed):
    with pytest.raises(ValueError) as ours:
        chainrule.manual_seed(seed)
    with pytest.raises(ValueError) as theirs:
        torch.manual_seed(seed)
    assert str(ours.value) == str(theirs.value)


def test_generator_objects_follow_pytorch():
    ours, theirs = chainrule.Generator(), torch.Generator()
    assert ours.initial_seed() == theirs.initial_seed()
    assert_same_state(ours, theirs)
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        ours.manual_seed(1.5)
    ours.manual_seed(99), theirs.manual_seed(99)
    assert_identical(chainrule.rand(5, generator=ours).numpy(), torch.rand(5, generator=theirs).numpy())
    assert_same_state(ours, theirs)
    twin_ours, twin_theirs = ours.clone_state(), theirs.clone_state()
    assert_identical(chainrule.randn(3, generator=twin_ours).numpy(), torch.randn(3, generator=twin_theirs).numpy())
    assert_same_state(ours, theirs)  # the clones moved, the originals did not
    assert_same_state(pickle.loads(pickle.dumps(twin_ours)), twin_theirs)
    assert str(ours.device) == "cpu"


def test_seed_draws_a_fresh_seed():
    first = chainrule.seed()
    assert first == chainrule.initial_seed() and 0 <= first < 2 ** 64
    assert chainrule.Generator().seed() != first


def test_an_unseeded_program_starts_from_a_fresh_seed():
    """PyTorch seeds its default generator from the operating system at start-up."""
    program = "import chainrule; print(chainrule.initial_seed())"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    seeds = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                            env=environment).stdout for _ in range(2)}
    assert len(seeds) == 2


@pytest.mark.parametrize("seed", SEEDS)
def test_states_load_across_libraries(seed):
    """A state saved by PyTorch mid-stream (with a cached normal) continues identically here, and back."""
    torch.manual_seed(seed)
    torch.randn(3), torch.rand(700)
    chainrule.set_rng_state(chainrule.tensor(torch.get_rng_state().numpy()))
    assert_same_state()
    assert_identical(chainrule.randn(5, dtype=chainrule.float64).numpy(), torch.randn(5, dtype=torch.float64).numpy())
    chainrule.manual_seed(seed + 1)
    chainrule.rand(10), chainrule.randn(1)
    torch.set_rng_state(torch.from_numpy(chainrule.get_rng_state().numpy()))
    assert_identical(chainrule.randn(4).numpy(), torch.randn(4).numpy())
    assert_same_state()


def test_fresh_generator_state_loads_both_ways():
    torch.manual_seed(3)
    chainrule.set_rng_state(chainrule.tensor(torch.get_rng_state().numpy()))
    assert_same_state()
    assert_identical(chainrule.rand(3).numpy(), torch.rand(3).numpy())


@pytest.mark.parametrize("state, error", [
    (lambda m: m.zeros(5056, dtype=m.int8), TypeError),
    (lambda m: m.zeros(10, dtype=m.uint8), RuntimeError),
    (lambda m: m.zeros(5056, dtype=m.uint8), RuntimeError),
])
def test_bad_states_raise_as_in_pytorch(state, error):
    with pytest.raises(error) as ours:
        chainrule.set_rng_state(state(chainrule))
    with pytest.raises(error) as theirs:
        torch.set_rng_state(state(torch))
    assert str(ours.value) == str(theirs.value)


def test_fork_rng_restores_the_stream():
    def program(lib):
        lib.manual_seed(4)
        with lib.random.fork_rng():
            inside = lib.rand(3)
        return [inside, lib.rand(3)]

    ours, theirs = program(chainrule), program(torch)
    assert_identical([t.numpy() for t in ours], [t.numpy() for t in theirs])
    assert_identical(ours[0].numpy(), ours[1].numpy())


# ---------------------------------------------------------------- factories
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOATS + ["complex64", "complex128"])
def test_rand_and_randn(seed, size, dtype):
    same_draws(lambda m: [m.rand(size, dtype=getattr(m, dtype)), m.randn(size, dtype=getattr(m, dtype)),
                          m.randn(size, dtype=getattr(m, dtype))], seed)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("numba", [True, False], ids=["numba", "numpy"])
def test_large_normal_draws(dtype, numba, monkeypatch):
    """Both transforms of large draws: numba's compiled loop (where installed) and the NumPy emulation."""
    if not numba:
        monkeypatch.setattr(fast, "_numba", lambda: None)
    for size in (65536, 65536 + 16 * 3 + 5):
        same_draws(lambda m: [m.randn(size, dtype=getattr(m, dtype)),
                              m.empty(size, dtype=getattr(m, dtype)).normal_(-2.5, 0.3)], seed=size)


@pytest.mark.parametrize("shape", [(), (4, 5), (2, 3, 8), (0, 3)])
def test_shapes(shape):
    same_draws(lambda m: [m.rand(shape), m.randn(*shape) if shape else m.randn(()), m.randn(shape),
                          m.randint(-3, 9, shape), m.rand(shape, dtype=m.float64)], 5)


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("dtype, low, high", [
    ("int64", 0, 10), ("int64", -7, 2 ** 40), ("int64", -2 ** 63, 2 ** 63 - 1), ("int32", -5, 5), ("int16", 0, 300),
    ("int8", -128, 127), ("uint8", 0, 256), ("bool", 0, 2), ("float32", 0, 10), ("float32", 3, 2 ** 33),
    ("float64", -2 ** 50, 2 ** 60), ("float16", -100, 2048)])
# beyond 2**24 (float32) and 2**53 (float64) not every integer is drawable: both libraries say so
@pytest.mark.filterwarnings("ignore:to - 1 is out of bounds:UserWarning")
def test_randint(seed, dtype, low, high):
    same_draws(lambda m: [m.randint(low, high, (37,), dtype=getattr(m, dtype)),
                          m.randint(high, (5,), dtype=getattr(m, dtype)) if low == 0 else m.rand(1)], seed)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 1000, 70000])
def test_randperm(n):
    same_draws(lambda m: [m.randperm(n), m.randperm(n, dtype=m.float32)[:20], m.randperm(n, dtype=m.int32),
                          m.randperm(min(n, 128), dtype=m.int8), m.randperm(min(n, 2049), dtype=m.float16)], n)


def test_like_forms_follow_the_inputs_storage_order():
    def program(m):
        base = m.zeros(5, 7, dtype=m.float64)
        transposed = base.t()
        return [m.rand_like(transposed), m.randn_like(transposed), m.randint_like(transposed, 3, 9),
                m.rand_like(base, dtype=m.float32), m.randn_like(base[:, ::2]), m.randint_like(base, 4)]

    same_draws(program, 3)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_normal_overloads(seed):
    def program(m):
        mean = m.tensor(np.linspace(-3, 3, 20), dtype=m.float32)
        std = m.tensor(np.linspace(0.1, 2, 20), dtype=m.float32).reshape(4, 5)
        return [m.normal(0.5, 2.0, (3, 6)), m.normal(mean, 1.5), m.normal(0.5, std), m.normal(mean.reshape(4, 5), std),
                m.normal(mean.reshape(4, 5)[:1], std), m.normal(2.0, 0.5, size=(17,), dtype=m.float64),
                m.normal(mean.double(), std.reshape(-1)), m.normal(mean[:3], 1.0)]

    same_draws(program, seed)


# ---------------------------------------------------------------- in-place samplers
def _sampler_cases():
    return [("uniform_", (), FLOATS), ("uniform_", (-3.3, 7.1), FLOATS), ("uniform_", (2, 2.5), FLOATS),
            ("normal_", (), FLOATS), ("normal_", (0.3, 2.5), FLOATS),
            ("exponential_", (1.5,), FLOATS), ("geometric_", (0.3,), FLOATS + ["int64", "int16", "uint8"]),
            ("cauchy_", (0.5, 2.0), FLOATS), ("log_normal_", (0.2, 0.7), FLOATS),
            ("bernoulli_", (0.3,), FLOATS + ["int64", "bool"]),
            ("random_", (), FLOATS + ["int64", "int32", "int16", "int8", "uint8", "bool"]),
            ("random_", (100,), FLOATS + ["int64", "int32", "uint8"]),
            ("random_", (-20, 20), FLOATS + ["int64", "int8"])]


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1001])
@pytest.mark.parametrize("method, args, dtypes", _sampler_cases(),
                         ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v)) if v else "default")
def test_in_place_samplers(seed, size, method, args, dtypes):
    for dtype in dtypes:
        same_draws(lambda m: getattr(m.empty(size, dtype=getattr(m, dtype)), method)(*args), seed, f"{method} {dtype}")


def test_random_over_the_whole_int64_range():
    same_draws(lambda m: [m.empty(9, dtype=m.int64).random_(-2 ** 63, None), m.empty(4).random_(5, None),
                          m.empty(4, dtype=m.int16).random_(-7, None)], 2)


def test_the_dataloader_seed_expression():
    """``empty((), dtype=int64).random_()``: how PyTorch's samplers and loaders seed their generators."""
    same_draws(lambda m: [m.empty((), dtype=m.int64).random_().item() for _ in range(3)], 9)


def test_cached_normal_carries_across_calls_and_dtypes():
    same_draws(lambda m: [m.randn(3), m.randn(1, dtype=m.float64), m.empty(5).normal_(1, 2), m.randn(2, 2).t(),
                          m.empty(1, dtype=m.float16).log_normal_()], 6)


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_samplers_fill_views_in_storage_order(seed):
    def program(m):
        base = m.zeros(6, 40)
        base.t().uniform_(-1, 1)
        base[:, ::3].normal_()  # not contiguous: the scalar path, in storage order
        base.t()[5:].exponential_()
        grid = m.zeros(4, 5, 6, dtype=m.float64)
        grid.permute(2, 0, 1).normal_()
        grid.transpose(0, 2).random_(-9, 9)
        return [base, grid]

    same_draws(program, seed)


@pytest.mark.parametrize("p_dtype", ["float32", "float64", "float16"])
def test_bernoulli_with_probability_tensors(p_dtype):
    def program(m):
        p = m.tensor(np.linspace(0, 1, 24), dtype=getattr(m, p_dtype)).reshape(4, 6)
        return [m.bernoulli(p), m.empty(4, 6, dtype=m.int64).bernoulli_(p), m.empty(3, 4, 6).bernoulli_(p[0]),
                m.bernoulli(p, 0.25), p.bernoulli(), m.empty(6, 4).t().bernoulli_(p)]

    same_draws(program, 3)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 400)])
def test_multinomial(dtype, shape):
    def program(m):
        weights = m.tensor(np.random.default_rng(sum(shape)).random(shape), dtype=getattr(m, dtype))
        samples = min(shape[-1], 4)
        drawn = [m.multinomial(weights, 1), m.multinomial(weights, samples), m.multinomial(weights, 9, True),
                 weights.multinomial(1, True)]
        if dtype != "float16":  # the order of equal keys is PyTorch's topk's (docs/differences.md); float16 has ties
            drawn.append(m.multinomial(weights, shape[-1]))
        return drawn

    same_draws(program, 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_poisson(dtype):
    def program(m):
        rates = m.tensor(np.r_[np.array([0.0, 0.5, 3.0, 9.99, 10.0, 25.0, 1e4] * 10),
                               np.random.default_rng(0).uniform(0, 40, 300)], dtype=getattr(m, dtype))
        return [m.poisson(rates), m.poisson(rates.reshape(-1, 10)[:, :4])]

    same_draws(program, 2)


# ---------------------------------------------------------------- autograd and errors
@pytest.mark.parametrize("program", [
    lambda m, x: (x * 2).uniform_(), lambda m, x: (x * 2).normal_(), lambda m, x: (x * 2).random_(),
    lambda m, x: (x * 2).random_(5), lambda m, x: (x * 2).random_(1, 5), lambda m, x: (x * 2).bernoulli_(0.3),
    lambda m, x: (x * 2).bernoulli_(m.full((3,), 0.4)), lambda m, x: (x * 2).exponential_(),
    lambda m, x: (x * 2).geometric_(0.3), lambda m, x: (x * 2).cauchy_(), lambda m, x: (x * 2).log_normal_(),
    lambda m, x: m.bernoulli(x * 0.5), lambda m, x: m.normal(x * 1, 1.0), lambda m, x: m.normal(1.0, x * 1),
    lambda m, x: m.normal(x * 1, x * 1), lambda m, x: m.poisson(x * 1)])
def test_gradients_through_samplers_are_zero(program):
    results = []
    for m in (chainrule, torch):
        m.manual_seed(0)
        x = m.ones(3, requires_grad=True)
        out = program(m, x)
        out.sum().backward()
        results.append((type(out.grad_fn).__name__, out.detach().numpy(), x.grad.numpy()))
    assert results[0][0] == results[1][0]
    assert_identical(results[0][1], results[1][1])
    assert_identical(results[0][2], results[1][2])


@pytest.mark.parametrize("program", [
    lambda m: m.zeros(3, dtype=m.int64).uniform_(), lambda m: m.zeros(3, dtype=m.int64).normal_(),
    lambda m: m.zeros(3, dtype=m.int64).exponential_(), lambda m: m.zeros(3, dtype=m.int64).cauchy_(),
    lambda m: m.zeros(3, dtype=m.int64).log_normal_(), lambda m: m.zeros(3, dtype=m.bool).geometric_(0.5),
    lambda m: m.rand(3, dtype=m.int64), lambda m: m.randn(3, dtype=m.int32),
    lambda m: m.zeros(2, dtype=m.complex64).random_(), lambda m: m.zeros(3).normal_(0, -1),
    lambda m: m.normal(m.zeros(3), -m.ones(3)), lambda m: m.normal(0., -1., (3,)), lambda m: m.zeros(3).uniform_(2, 1),
    lambda m: m.zeros(3).log_normal_(0, 0), lambda m: m.zeros(3).geometric_(1.5), lambda m: m.zeros(3).bernoulli_(1.5),
    lambda m: m.zeros(3).bernoulli_(m.tensor([0.5, 2.0, 0.1])), lambda m: m.zeros(3).random_(5, 2),
    lambda m: m.zeros(3, dtype=m.uint8).random_(0, 300), lambda m: m.randint(5, 2, (3,)), lambda m: m.randperm(-1),
    lambda m: m.multinomial(m.ones(3), 0), lambda m: m.multinomial(m.ones(3), 5),
    lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1), lambda m: m.multinomial(m.tensor([1.0, -1.0]), 1, True),
    lambda m: m.multinomial(m.ones(2, 2, 2), 1), lambda m: m.multinomial(m.ones(2, dtype=m.int64), 1),
    lambda m: m.multinomial(m.zeros(3), 1), lambda m: m.multinomial(m.zeros(3), 2, True),
    lambda m: m.multinomial(m.tensor([1.0, float("inf")]), 2, True),
    lambda m: m.multinomial(m.tensor([1.0, float("nan")]), 1), lambda m: m.poisson(m.tensor([-1.0])),
    lambda m: m.poisson(m.tensor([1])), lambda m: m.zeros(2).exponential_(-1), lambda m: m.zeros(2).cauchy_(0, -1),
    lambda m: m.bernoulli(m.ones(2, dtype=m.int64)), lambda m: m.zeros(2).random_(0, 2 ** 70),
    lambda m: m.randperm(2050, dtype=m.float16), lambda m: m.randperm(2 ** 24 + 2, dtype=m.float32),
    lambda m: m.randperm(129, dtype=m.int8), lambda m: m.randperm(257, dtype=m.uint8),
    lambda m: m.randperm(3, dtype=m.bool),
    # an out= tensor of another dtype
    lambda m: m.rand(3, dtype=m.float64, out=m.empty(3)), lambda m: m.randn(3, out=m.empty(3, dtype=m.int64)),
    lambda m: m.randperm(3000, out=m.empty(3, dtype=m.float16)), lambda m: m.rand(3, out=m.empty(3, dtype=m.int64))])
def test_errors_match_pytorch(program):
    with pytest.raises(Exception) as theirs:
        program(torch)
    with pytest.raises(type(theirs.value)) as ours:
        program(chainrule)
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- under chainrule.compile
def test_samplers_draw_afresh_on_every_replay():
    F = chainrule.nn.functional

    def step(x):
        noise = x.detach().clone().uniform_(-1, 1) + chainrule.normal(x.detach(), 0.5) + x.detach().clone().normal_()
        y = F.rrelu(x - 0.5, training=True) * chainrule.bernoulli(x.detach().sigmoid()) + F.alpha_dropout(x, 0.3, True)
        y = y + noise + chainrule.randint(0, 5, (6,)) + chainrule.rand(6, dtype=chainrule.float64)
        y.sum().backward()
        return y

    def bits(t):
        return t.detach().numpy().tobytes()

    compiled = chainrule.compile(step)
    chainrule.manual_seed(3)
    outputs = []
    for _ in range(5):
        x = chainrule.linspace(0, 1, 6).requires_grad_()
        outputs.append((bits(compiled(x)), bits(x.grad)))
    state = chainrule.get_rng_state().numpy()
    chainrule.manual_seed(3)
    for expected in outputs:
        x = chainrule.linspace(0, 1, 6).requires_grad_()
        assert (bits(step(x)), bits(x.grad)) == expected
    assert chainrule.get_rng_state().numpy().tobytes() == state.tobytes()
    assert compiled.replays == 3

