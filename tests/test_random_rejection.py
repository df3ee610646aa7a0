"""The samplers with a varying number of draws per value (``_standard_gamma``, ``_sample_dirichlet``,
``binomial``) against PyTorch from the same seed, bit for bit, leaving the generator where PyTorch's is;
their reparameterised gradients (``_standard_gamma_grad``, ``_dirichlet_grad``) against PyTorch's on a
grid covering every branch, and against finite differences of the samples themselves."""

import numpy as np
import pytest
import torch

import chainrule


def same_seed(seed, ours, theirs):
    """Run both from ``seed``; check that the generators end in the same place (their next draws agree)."""
    chainrule.manual_seed(seed)
    torch.manual_seed(seed)
    ours_value, theirs_value = ours(), theirs()
    np.testing.assert_array_equal(chainrule.rand(5, dtype=chainrule.float64).numpy(),
                                  torch.rand(5, dtype=torch.float64).numpy())
    assert chainrule.randn(1).item() == torch.randn(1).item()  # the cached normal of a scalar draw too
    return ours_value.detach().numpy(), theirs_value.detach().numpy()


DTYPES = [("float32", np.float32), ("float64", np.float64)]
_rng = np.random.default_rng(11)
ALPHAS = np.concatenate([[0.0, 1e-30, 1e-4, 0.5, 0.999999, 1.0, 1.5, 2.0, 7.9, 8.1, 50.0, 1e4, 1e7],
                         np.exp(_rng.uniform(-6, 6, 200))])


@pytest.mark.parametrize("name,np_dtype", DTYPES)
def test_standard_gamma_follows_torch(name, np_dtype):
    alphas = ALPHAS.astype(np_dtype)
    ours, theirs = same_seed(0, lambda: chainrule._standard_gamma(chainrule.from_numpy(alphas)),
                             lambda: torch._standard_gamma(torch.from_numpy(alphas)))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == np_dtype


def test_standard_gamma_of_invalid_concentrations():
    alphas = np.array([-1.0, -1e-30, np.nan, np.inf, -np.inf])
    ours, theirs = same_seed(1, lambda: chainrule._standard_gamma(chainrule.from_numpy(alphas)),
                             lambda: torch._standard_gamma(torch.from_numpy(alphas)))
    np.testing.assert_array_equal(ours, theirs)


def test_standard_gamma_uses_and_leaves_the_cached_normal():
    alphas = np.array([0.3, 2.0, 5.0])

    def run(lib):
        return lib.cat([lib.randn(1, dtype=lib.float64), lib._standard_gamma(lib.tensor(alphas)),
                        lib.randn(3, dtype=lib.float64)])
    ours, theirs = same_seed(2, lambda: run(chainrule), lambda: run(torch))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name,np_dtype", DTYPES)
def test_sample_dirichlet_follows_torch(name, np_dtype):
    concentration = np.exp(_rng.uniform(-4, 3, (40, 5))).astype(np_dtype)
    concentration[0] = [1e-3, 1e-3, 1e-3, 1e-3, 1e-3]  # normalised gammas that underflow
    ours, theirs = same_seed(3, lambda: chainrule._sample_dirichlet(chainrule.from_numpy(concentration)),
                             lambda: torch._sample_dirichlet(torch.from_numpy(concentration)))
    if np_dtype == np.float32:
        np.testing.assert_array_equal(ours, theirs)
    else:  # the row sums are added in NumPy's order, PyTorch's depends on the CPU's vector width: 1 ulp apart
        np.testing.assert_allclose(ours, theirs, rtol=4e-16, atol=0)
    short = concentration[:, :4]  # four or fewer categories are summed in the same order
    ours, theirs = same_seed(4, lambda: chainrule._sample_dirichlet(chainrule.from_numpy(short)),
                             lambda: torch._sample_dirichlet(torch.from_numpy(short)))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name,np_dtype", DTYPES)
def test_binomial_follows_torch(name, np_dtype):
    counts = np.concatenate([[0, 1, 5, 10, 25, 100, 1e3, 1e5, 7, 3], np.floor(np.exp(_rng.uniform(0, 9, 150)))])
    probs = np.concatenate([[0.0, 0.01, 0.3, 0.5, 0.7, 0.99, 1.0, 0.05, 0.2, 0.8], _rng.uniform(0, 1, 150)])
    counts, probs = counts.astype(np_dtype), probs.astype(np_dtype)
    ours, theirs = same_seed(5, lambda: chainrule.binomial(chainrule.from_numpy(counts), chainrule.from_numpy(probs)),
                             lambda: torch.binomial(torch.from_numpy(counts), torch.from_numpy(probs)))
    np.testing.assert_array_equal(ours, theirs)


# PyTorch's binomial notes that it resizes its output when the counts and probabilities broadcast.
@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized:UserWarning")
def test_binomial_broadcasts_and_checks_dtypes():
    counts, probs = np.array([[5.0], [60.0]]), np.array([0.5, 0.2, 0.9])
    ours, theirs = same_seed(6, lambda: chainrule.binomial(chainrule.tensor(counts), chainrule.tensor(probs)),
                             lambda: torch.binomial(torch.tensor(counts), torch.tensor(probs)))
    np.testing.assert_array_equal(ours, theirs)
    for make in (lambda L: L.binomial(L.tensor([5, 6]), L.tensor([0.5, 0.3])),
                 lambda L: L.binomial(L.tensor([5.0]), L.tensor([0.5], dtype=L.float64)),
                 lambda L: L._standard_gamma(L.tensor([1, 2])),
                 lambda L: L._standard_gamma(L.tensor([1.0], dtype=L.float16)),
                 lambda L: L._sample_dirichlet(L.tensor([1, 2]))):
        errors = []
        for lib in (chainrule, torch):
            with pytest.raises(Exception) as caught:
                make(lib)
            errors.append((type(caught.value), str(caught.value)))
        assert errors[0] == errors[1]


def test_autograd_nodes_and_their_limits():
    for lib in (chainrule, torch):
        alpha = lib.tensor([0.5, 2.0], dtype=lib.float64, requires_grad=True)
        sample = lib._standard_gamma(alpha)
        assert type(sample.grad_fn).__name__ == "StandardGammaBackward0"
        (gradient,) = lib.autograd.grad(sample.sum(), alpha, create_graph=True)
        with pytest.raises(NotImplementedError, match="the derivative for '_standard_gamma_grad' is not implemented"):
            gradient.sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::_sample_dirichlet is not implemented"):
            lib._sample_dirichlet(alpha).sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::binomial is not implemented"):
            lib.binomial(lib.tensor([4.0, 5.0], dtype=lib.float64, requires_grad=True),
                         alpha.detach() / 3).sum().backward()


def _gamma_grid():
    """Concentrations from 1e-3 to 1e3, each with points below, around and above its mean: every branch of
    the approximation (the series below 0.8, the saddle point above alpha 8 near and away from the mean,
    the rational fit elsewhere)."""
    alphas = np.repeat(np.exp(np.linspace(np.log(1e-3), np.log(1e3), 25)), 8)
    xs = alphas * np.tile([1e-3, 0.1, 0.5, 0.92, 1.0, 1.08, 2.0, 5.0], 25)
    return (np.concatenate([alphas, [2.0, 3.0, 3.0, 10.0, 10.0, 10.0, 99.0, 0.5]]),
            np.concatenate([xs, [0.5, 0.79, 0.81, 9.0, 10.0, 11.0, 100.0, 1e-300]]))


@pytest.mark.parametrize("name,np_dtype", DTYPES)
def test_standard_gamma_grad_matches_torch(name, np_dtype):
    alphas, xs = (a.astype(np_dtype) for a in _gamma_grid())
    ours = chainrule._standard_gamma_grad(chainrule.from_numpy(alphas), chainrule.from_numpy(xs)).numpy()
    theirs = torch._standard_gamma_grad(torch.from_numpy(alphas), torch.from_numpy(xs)).numpy()
    rtol = 2e-6 if np_dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=0)


@pytest.mark.parametrize("name,np_dtype", DTYPES)
def test_dirichlet_grad_matches_torch(name, np_dtype):
    x, alpha, total = [], [], []
    for t in (0.5, 2.0, 5.0, 13.0, 40.0, 400.0):
        for share in (0.05, 0.3, 0.5, 0.7, 0.95):
            for v in (1e-6, 0.01, 0.2, 0.45, 0.5, 0.55, 0.8, 0.99, 1 - 1e-6):
                x.append(v)
                alpha.append(share * t)
                total.append(t)
    x, alpha, total = (np.array(a, dtype=np_dtype) for a in (x, alpha, total))
    ours = chainrule._dirichlet_grad(*(chainrule.from_numpy(a) for a in (x, alpha, total))).numpy()
    theirs = torch._dirichlet_grad(*(torch.from_numpy(a) for a in (x, alpha, total))).numpy()
    rtol = 1e-4 if np_dtype == np.float32 else 1e-10  # PyTorch sums float32 series in float32, we in float64
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-30)


def test_reparameterised_gradient_is_unbiased():
    """The implicit reparameterisation gradient is not the derivative of the sampler's own path, but its
    mean is the derivative of the mean: for Gamma(alpha, 1), d E[x] / d alpha = 1. Checked within five
    standard errors of 4000 samples per concentration."""
    samples = 4000
    alphas = np.array([0.2, 0.9, 1.7, 4.0, 20.0, 300.0])
    alpha = chainrule.tensor(np.repeat(alphas, samples), requires_grad=True)
    chainrule.manual_seed(9)
    chainrule._standard_gamma(alpha).sum().backward()
    gradients = alpha.grad.numpy().reshape(len(alphas), samples)
    standard_error = gradients.std(axis=1) / np.sqrt(samples)
    assert np.all(np.abs(gradients.mean(axis=1) - 1.0) < 5 * standard_error)
