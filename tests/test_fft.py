"""chainrule.fft beyond the op table: dtypes, the frequency helpers, graphs, ``out=`` and PyTorch's errors."""

import numpy as np
import pytest
import torch

import chainrule


def _both(fn):
    """``fn`` run on chainrule and on torch, results as NumPy arrays (conjugation resolved)."""
    results = []
    for module in (chainrule, torch):
        result = fn(module)
        results.append((str(result.dtype).split(".")[-1], tuple(result.shape), result.detach().resolve_conj().numpy()))
    return results


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float32", "float64", "complex64", "complex128"])
@pytest.mark.parametrize("name", ["fft", "ifft", "irfft", "hfft", "fftn", "ifft2", "irfftn", "hfft2"])
def test_dtypes_match_torch(name, dtype):
    values = np.arange(12).reshape(3, 4) % 3
    (ours_dtype, ours_shape, ours), (theirs_dtype, theirs_shape, theirs) = _both(
        lambda m: getattr(m.fft, name)(m.tensor(values).to(getattr(m, dtype))))
    assert (ours_dtype, ours_shape) == (theirs_dtype, theirs_shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["rfft", "ihfft", "rfftn", "ihfftn"])
@pytest.mark.parametrize("dtype", ["int64", "bool", "float32", "float64"])
def test_real_only_transforms_dtypes(name, dtype):
    values = np.arange(12).reshape(3, 4) % 3
    (ours_dtype, ours_shape, ours), (theirs_dtype, theirs_shape, theirs) = _both(
        lambda m: getattr(m.fft, name)(m.tensor(values).to(getattr(m, dtype))))
    assert (ours_dtype, ours_shape) == (theirs_dtype, theirs_shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_large_transforms_agree_with_torch_in_both_precisions():
    rng = np.random.default_rng(0)
    signal = rng.standard_normal((3, 1000)) + 1j * rng.standard_normal((3, 1000))
    for dtype, tolerance in (("complex64", 1e-4), ("complex128", 1e-10)):
        for name in ("fft", "ifft", "hfft"):
            (d1, s1, ours), (d2, s2, theirs) = _both(
                lambda m: getattr(m.fft, name)(m.tensor(signal).to(getattr(m, dtype))))
            assert (d1, s1) == (d2, s2)
            np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance * np.abs(theirs).max())


@pytest.mark.parametrize("n,d,dtype", [(5, 1.0, None), (8, 0.3, "float64"), (7, 2.5, "float32"), (1, 1.0, None),
                                       (0, 1.0, None)])
def test_frequencies_match_torch(n, d, dtype):
    for name in ("fftfreq", "rfftfreq"):
        (d1, s1, ours), (d2, s2, theirs) = _both(
            lambda m: getattr(m.fft, name)(n, d, **({} if dtype is None else {"dtype": getattr(m, dtype)})))
        assert (d1, s1) == (d2, s2)
        np.testing.assert_array_equal(ours, theirs)
    assert chainrule.fft.fftfreq(4, requires_grad=True).requires_grad


def test_shifts_of_integer_tensors_and_their_graphs():
    (d1, s1, ours), (d2, s2, theirs) = _both(lambda m: m.fft.fftshift(m.arange(10).reshape(2, 5)))
    assert (d1, s1) == (d2, s2) and np.array_equal(ours, theirs)
    x = chainrule.randn(3, 4, requires_grad=True)
    assert type(chainrule.fft.ifftshift(x, dim=(0,)).grad_fn).__name__ == "RollBackward0"


def _chain(tensor):
    names = []
    node = tensor.grad_fn
    while node is not None:
        names.append(type(node).__name__)
        node = node.next_functions[0][0] if node.next_functions else None
    return names


@pytest.mark.parametrize("call", [
    lambda m, x: m.fft.ifft(x), lambda m, x: m.fft.hfft(x), lambda m, x: m.fft.fft(x, n=9),
    lambda m, x: m.fft.irfft(x, n=3), lambda m, x: m.fft.fft2(x), lambda m, x: m.fft.ihfft2(x),
    lambda m, x: m.fft.hfftn(x),
], ids=["ifft", "hfft", "fft padded", "irfft cut", "fft2", "ihfft2", "hfftn"])
def test_graphs_are_pytorchs(call):
    """The whole chain of nodes, not only the last one: padding, cutting, conversions, conjugations."""
    values = np.random.default_rng(0).standard_normal((4, 6))
    chains = [_chain(call(m, m.tensor(values, requires_grad=True))) for m in (chainrule, torch)]
    assert chains[0] == chains[1]


def test_out_and_no_grad():
    out = chainrule.empty(0, dtype=chainrule.complex64)
    result = chainrule.fft.fft(chainrule.ones(4), out=out)
    assert result is out and out.shape == (4,)
    with chainrule.no_grad():
        assert not chainrule.fft.rfft(chainrule.randn(4, requires_grad=True)).requires_grad


def test_zero_dimensional_fftn_and_empty_batches():
    (d1, s1, ours), (d2, s2, theirs) = _both(lambda m: m.fft.fftn(m.tensor(2.0)))
    assert (d1, s1, ours) == (d2, s2, theirs)
    # PyTorch's CPU build fails on an empty batch (an MKL configuration error); chainrule transforms it
    assert chainrule.fft.fft(chainrule.zeros(0, 4)).shape == (0, 4)


_ERRORS = {
    "norm": lambda m: m.fft.fft(m.ones(4), norm="bad"),
    "n zero": lambda m: m.fft.fft(m.ones(4), n=0),
    "n negative": lambda m: m.fft.rfft(m.ones(4), n=-1),
    "dim": lambda m: m.fft.fft(m.ones(2, 3), dim=5),
    "0-d": lambda m: m.fft.fft(m.tensor(1.0)),
    "empty signal": lambda m: m.fft.fft(m.ones(0)),
    "s and dim": lambda m: m.fft.fftn(m.ones(2, 3), s=(2,), dim=(0, 1)),
    "repeated dims": lambda m: m.fft.fftn(m.ones(2, 3), dim=(0, 0)),
    "fft2 of a vector": lambda m: m.fft.fft2(m.ones(4)),
    "rfft complex": lambda m: m.fft.rfft(m.ones(4, dtype=m.complex64)),
    "ihfft complex": lambda m: m.fft.ihfft(m.ones(4, dtype=m.complex128)),
    "rfftn complex": lambda m: m.fft.rfftn(m.ones(4, dtype=m.complex64)),
    "ihfftn complex": lambda m: m.fft.ihfftn(m.ones(4, dtype=m.complex128)),
    "rfftn no dims": lambda m: m.fft.rfftn(m.ones(2, 3), dim=()),
    "irfft of one": lambda m: m.fft.irfft(m.ones(3, 1, dtype=m.complex64)),
    "half": lambda m: m.fft.fft(m.ones(4, dtype=m.float16)),
    "shift 0-d": lambda m: m.fft.fftshift(m.tensor(1.0)),
    "fftfreq integer": lambda m: m.fft.fftfreq(4, dtype=m.int64),
    "fftfreq complex": lambda m: m.fft.rfftfreq(4, dtype=m.complex64),
}


@pytest.mark.parametrize("name", sorted(_ERRORS))
def test_errors_match_torch(name):
    with pytest.raises(Exception) as theirs:
        _ERRORS[name](torch)
    with pytest.raises(theirs.type) as ours:
        _ERRORS[name](chainrule)
    assert str(ours.value).split("\n")[0] == str(theirs.value).split("\n")[0]
