"""Every random op draws from the distribution its parameters name, at asymmetric parameters.

The stream tests (test_random_streams.py, test_random_nn.py) show that a seed gives PyTorch's bits. These
tests check what the bits mean, independently of the stream: a sample of 50,000 draws must show the
distribution's mean and variance (or frequencies, or quantiles) within five standard errors. PyTorch's
draws are held to the same numbers, so each expectation is checked against the oracle as well. Parameters
are asymmetric (p = 0.2, never 0.5; a mean and a standard deviation that cannot be swapped) so that an
op reading the wrong parameter, or its complement, fails.
"""

import math

import numpy as np
import pytest
import torch

import chainrule

N = 50_000


def _moments(mean, variance):
    """Expect a sample mean and variance: five standard errors, the variance's from the fourth moment
    bound of a sample this size (loose enough for every distribution here, tight enough for a wrong one)."""
    def check(values, label):
        values = np.asarray(values, dtype=np.float64).ravel()
        assert abs(values.mean() - mean) <= 5 * math.sqrt(variance / values.size) + 1e-12, \
            f"{label}: mean {values.mean():.5f}, expected {mean:.5f}"
        assert abs(values.var() - variance) <= 0.05 * variance + 1e-12, \
            f"{label}: variance {values.var():.5f}, expected {variance:.5f}"
    return check


def _frequencies(expected):
    """Expect each value ``k`` with probability ``expected[k]`` (and no other value)."""
    def check(values, label):
        values = np.asarray(values).ravel()
        for k, p in expected.items():
            seen = np.mean(values == k)
            assert abs(seen - p) <= 5 * math.sqrt(p * (1 - p) / values.size), f"{label}: P({k}) = {seen:.4f}, not {p}"
        assert np.isin(values, list(expected)).all(), f"{label}: values outside {sorted(expected)}"
    return check


def _quantiles(expected):
    """Expect the given quantiles (for heavy tails, where moments do not exist)."""
    def check(values, label):
        values = np.asarray(values, dtype=np.float64).ravel()
        for q, value in expected.items():
            seen = np.quantile(values, q)
            assert abs(seen - value) <= 0.03 * max(1.0, abs(value)), f"{label}: quantile {q} = {seen:.4f}, not {value}"
    return check


def _log_normal(mu, sigma):
    return _moments(math.exp(mu + sigma ** 2 / 2), (math.exp(sigma ** 2) - 1) * math.exp(2 * mu + sigma ** 2))


def _truncated_normal(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / z
    variance = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - shift ** 2)
    return _moments(mean + std * shift, variance)


CASES = {
    "rand": (lambda m: m.rand(N), _moments(0.5, 1 / 12)),
    "rand float64 like": (lambda m: m.rand_like(m.zeros(N, dtype=m.float64)), _moments(0.5, 1 / 12)),
    "randn float64": (lambda m: m.randn(N, dtype=m.float64), _moments(0.0, 1.0)),
    "randn_like": (lambda m: m.randn_like(m.zeros(250, 200)), _moments(0.0, 1.0)),
    "uniform_(-3, 1)": (lambda m: m.empty(N).uniform_(-3, 1), _moments(-1.0, 16 / 12)),
    "normal_(1.5, 0.25)": (lambda m: m.empty(N).normal_(1.5, 0.25), _moments(1.5, 0.0625)),
    "normal(float, float, size)": (lambda m: m.normal(-2.0, 3.0, (N,)), _moments(-2.0, 9.0)),
    "normal(tensor mean, float std)": (lambda m: m.normal(m.full((N,), 0.75), 0.2), _moments(0.75, 0.04)),
    "normal(float mean, tensor std)": (lambda m: m.normal(0.75, m.full((N,), 2.5)), _moments(0.75, 6.25)),
    "normal(tensor, tensor)": (lambda m: m.normal(m.full((N,), -1.0), m.full((N,), 0.4)), _moments(-1.0, 0.16)),
    "exponential_(4)": (lambda m: m.empty(N).exponential_(4.0), _moments(0.25, 1 / 16)),
    "geometric_(0.2)": (lambda m: m.empty(N).geometric_(0.2), _moments(5.0, 20.0)),
    "log_normal_(0.2, 0.5)": (lambda m: m.empty(N).log_normal_(0.2, 0.5), _log_normal(0.2, 0.5)),
    "cauchy_(0.5, 2)": (lambda m: m.empty(N).cauchy_(0.5, 2.0), _quantiles({0.25: -1.5, 0.5: 0.5, 0.75: 2.5})),
    "bernoulli_(0.2)": (lambda m: m.empty(N).bernoulli_(0.2), _frequencies({0.0: 0.8, 1.0: 0.2})),
    "bernoulli(p tensor)": (lambda m: m.bernoulli(m.full((N,), 0.2)), _frequencies({0.0: 0.8, 1.0: 0.2})),
    "bernoulli(input, p)": (lambda m: m.bernoulli(m.zeros(N), 0.7), _frequencies({0.0: 0.3, 1.0: 0.7})),
    "random_(3, 10)": (lambda m: m.empty(N, dtype=m.int64).random_(3, 10),
                       _frequencies({k: 1 / 7 for k in range(3, 10)})),
    "random_(4)": (lambda m: m.empty(N, dtype=m.int64).random_(4), _frequencies({k: 1 / 4 for k in range(4)})),
    "randint(-2, 5)": (lambda m: m.randint(-2, 5, (N,)), _frequencies({k: 1 / 7 for k in range(-2, 5)})),
    "randint_like(3)": (lambda m: m.randint_like(m.zeros(N), 3), _frequencies({0.0: 1 / 3, 1.0: 1 / 3, 2.0: 1 / 3})),
    "poisson(3.5)": (lambda m: m.poisson(m.full((N,), 3.5)), _moments(3.5, 3.5)),
    "poisson(25)": (lambda m: m.poisson(m.full((N // 5,), 25.0)), _moments(25.0, 25.0)),
    "multinomial with replacement": (lambda m: m.multinomial(m.tensor([1.0, 2.0, 7.0]), N, True),
                                     _frequencies({0: 0.1, 1: 0.2, 2: 0.7})),
    "multinomial first pick": (lambda m: m.multinomial(m.tensor([[1.0, 2.0, 7.0]]).expand(N // 5, 3), 2)[:, 0],
                               _frequencies({0: 0.1, 1: 0.2, 2: 0.7})),
    "multinomial second pick": (lambda m: m.multinomial(m.tensor([[1.0, 2.0, 7.0]]).expand(N // 5, 3), 2)[:, 1],
                                _frequencies({0: 0.1 * (0.2 / 0.8 + 0.7 / 0.3), 1: 0.2 * (0.1 / 0.9 + 0.7 / 0.3),
                                              2: 0.7 * (0.1 / 0.9 + 0.2 / 0.8)})),
    "init.uniform_(-1, 3)": (lambda m: m.nn.init.uniform_(m.empty(N), -1.0, 3.0), _moments(1.0, 16 / 12)),
    "init.normal_(2, 0.5)": (lambda m: m.nn.init.normal_(m.empty(N), 2.0, 0.5), _moments(2.0, 0.25)),
    "init.trunc_normal_": (lambda m: m.nn.init.trunc_normal_(m.empty(N), 0.5, 1.0, -1.0, 2.0),
                           _truncated_normal(0.5, 1.0, -1.0, 2.0)),
    "init.xavier_uniform_": (lambda m: m.nn.init.xavier_uniform_(m.empty(400, 100), gain=2.0),
                             _moments(0.0, 4.0 * 2 / 500)),
    "init.kaiming_normal_ fan_out": (lambda m: m.nn.init.kaiming_normal_(m.empty(500, 100), mode="fan_out"),
                                     _moments(0.0, 2 / 500)),
    "rrelu(0.1, 0.3) slopes": (lambda m: -m.nn.functional.rrelu(-m.ones(N), 0.1, 0.3, training=True),
                               _moments(0.2, 0.04 / 12)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_draws_follow_the_named_distribution(name):
    draw, check = CASES[name]
    for m in (torch, chainrule):
        m.manual_seed(11)
        check(draw(m).numpy(), f"{m.__name__} {name}")


def test_randperm_is_a_uniform_permutation():
    for m in (torch, chainrule):
        m.manual_seed(5)
        firsts = np.array([int(m.randperm(5)[0]) for _ in range(4000)])
        _frequencies({k: 0.2 for k in range(5)})(firsts, f"{m.__name__} randperm(5)[0]")
        big = m.randperm(N).numpy()
        assert np.array_equal(np.sort(big), np.arange(N))
        assert abs(np.corrcoef(big, np.arange(N))[0, 1]) < 5 / math.sqrt(N)


# ---------------------------------------------------------------- dropout and the SELU family
@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_keeps_one_minus_p_and_scales_the_survivors(p):
    for m in (torch, chainrule):
        m.manual_seed(2)
        out = m.nn.functional.dropout(m.ones(N), p).numpy()
        _frequencies({0.0: p, np.float32(1 / (1 - p)): 1 - p})(out, f"{m.__name__} dropout p={p}")
        module = m.nn.Dropout(p)
        assert np.array_equal(module.eval()(m.ones(7)).numpy(), np.ones(7, np.float32))


@pytest.mark.parametrize("name", ["dropout1d", "dropout2d", "dropout3d"])
def test_channel_dropout_drops_whole_channels_with_probability_p(name):
    shape = {"dropout1d": (100, 100, 3), "dropout2d": (100, 100, 2, 2), "dropout3d": (100, 100, 1, 2, 2)}[name]
    for m in (torch, chainrule):
        m.manual_seed(3)
        out = getattr(m.nn.functional, name)(m.ones(shape), 0.2).numpy().reshape(100 * 100, -1)
        assert (out == out[:, :1]).all(), f"{m.__name__} {name}: a channel is partly dropped"
        _frequencies({0.0: 0.2, np.float32(1 / 0.8): 0.8})(out[:, 0], f"{m.__name__} {name}")


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
@pytest.mark.parametrize("p", [0.2, 0.6])
def test_alpha_dropout_keeps_zero_mean_and_unit_variance(name, p):
    """Alpha dropout of a standard normal input stays standard normal in mean and variance; a fraction p of
    the values (whole channels for the feature form) sits at one constant, SELU's saturation rescaled."""
    shape = (N,) if name == "alpha_dropout" else (N // 4, 4, 1)
    saturation_scaled = None
    for m in (torch, chainrule):
        m.manual_seed(4)
        x = m.randn(shape, dtype=m.float64)
        out = getattr(m.nn.functional, name)(x, p, training=True).numpy().ravel()
        _moments(0.0, 1.0)(out, f"{m.__name__} {name}")
        values, counts = np.unique(out, return_counts=True)
        constant = values[np.argmax(counts)]
        draws = out.size if name == "alpha_dropout" else out.size // 4  # one draw per channel of 4
        assert abs(counts.max() / out.size - p) <= 5 * math.sqrt(p * (1 - p) / draws)
        if saturation_scaled is None:
            saturation_scaled = constant
        assert constant == pytest.approx(saturation_scaled, rel=1e-12), f"{m.__name__} {name}: dropped value"


@pytest.mark.parametrize("tau", [0.25, 3.0])
def test_gumbel_softmax_temperature(tau):
    """For two equal logits, ``logit(y0) * tau`` is a difference of two Gumbel draws: logistic, variance pi^2/3."""
    for m in (torch, chainrule):
        m.manual_seed(6)
        y = m.nn.functional.gumbel_softmax(m.zeros(N, 2, dtype=m.float64), tau=tau).numpy()
        _moments(0.0, math.pi ** 2 / 3)(np.log(y[:, 0] / y[:, 1]) * tau, f"{m.__name__} gumbel_softmax tau={tau}")


def test_hard_gumbel_softmax_picks_categories_with_softmax_probabilities():
    logits = [0.0, math.log(4.0), math.log(5.0)]
    for m in (torch, chainrule):
        m.manual_seed(8)
        y = m.nn.functional.gumbel_softmax(m.tensor([logits]).expand(N, 3), tau=0.3, hard=True).numpy()
        assert (y.sum(1) == 1).all() and np.isin(y, [0.0, 1.0]).all()
        _frequencies({0: 0.1, 1: 0.4, 2: 0.5})(y.argmax(1), f"{m.__name__} hard gumbel_softmax")
