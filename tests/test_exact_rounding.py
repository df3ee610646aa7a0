"""Ops whose PyTorch kernels round once where NumPy's plain formulas round twice (a fused multiply-add), or
compute in an order of their own: ``linspace`` and ``lerp`` equal PyTorch's bit for bit."""

import numpy as np
import pytest
import torch

import chainrule

DTYPES = ["float16", "float32", "float64", "complex64", "complex128", "int64", "int32", "uint8"]


def _bounds(rng, dtype):
    if dtype.startswith(("int", "uint")):
        low = 0 if dtype == "uint8" else -50
        return tuple(int(v) for v in rng.integers(low, 100, 2))
    scale = 10.0 ** rng.integers(-3, 4, 2)
    if dtype.startswith("complex"):
        return tuple(complex(v) for v in (rng.standard_normal(2) + 1j * rng.standard_normal(2)) * scale)
    values = rng.standard_normal(2) * scale
    return tuple(float(v) for v in (values / 300 if dtype == "float16" else values))


@pytest.mark.parametrize("dtype", DTYPES)
def test_linspace_equals_torch_bit_for_bit(dtype):
    rng = np.random.default_rng(len(dtype))
    for _ in range(60):
        start, end = _bounds(rng, dtype)
        steps = int(rng.integers(0, 70))
        ours = chainrule.linspace(start, end, steps, dtype=getattr(chainrule, dtype)).numpy()
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
        np.testing.assert_array_equal(ours, theirs, err_msg=f"linspace({start}, {end}, {steps})")


def test_linspace_of_complex_bounds_infers_a_complex_dtype():
    for m in (chainrule, torch):
        assert str(m.linspace(0, 1 + 1j, 3).dtype).split(".")[1] == "complex64"
    messages = []
    for m in (chainrule, torch):
        with pytest.raises(RuntimeError) as error:
            m.linspace(0, 1 + 1j, 3, dtype=m.float32)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("weight", ["tensor", 0.3, 0.7, -0.2, 1.3])
def test_lerp_equals_torch_bit_for_bit(dtype, weight):
    rng = np.random.default_rng(3)
    start, end = (rng.standard_normal(4000).astype(dtype) for _ in range(2))
    weights = rng.uniform(-1.5, 2.5, 4000).astype(dtype)
    results = []
    for m in (chainrule, torch):
        w = m.from_numpy(weights) if weight == "tensor" else weight
        results.append(m.lerp(m.from_numpy(start), m.from_numpy(end), w).numpy())
    np.testing.assert_array_equal(results[0], results[1])


def test_lerp_keeps_the_sign_of_zero():
    """64 elements: PyTorch's vector loop (its scalar loop over the last few elements writes
    ``end - (end - start) * (1 - weight)``, whose zeros can take the other sign)."""
    values = [0.0, -0.0]
    for start in values:
        for end in values:
            for weight in values + [1.0, 0.75]:
                ours, theirs = (m.lerp(m.full((64,), start, dtype=m.float64), m.full((64,), end, dtype=m.float64),
                                       m.full((64,), weight, dtype=m.float64)) for m in (chainrule, torch))
                np.testing.assert_array_equal(np.signbit(ours.numpy()), np.signbit(theirs.numpy()))
