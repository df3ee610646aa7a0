"""Complex arithmetic on infinities, NaNs, signed zeros and the largest and smallest floats, against PyTorch.

PyTorch's complex ``add`` and ``sub`` multiply the second operand by ``alpha`` (1 or -1 included), its
complex64 product is ``(ac - bd) + (ad + bc)i`` without fused multiply-adds, and its reciprocal is a
complex division of 1; these tests pin the NaN parts, infinities and zero signs that follow.
"""

import itertools
import math

import numpy as np
import pytest
import torch

import chainrule

DTYPES = ["complex64", "complex128"]


def _special(dtype):
    """Complex numbers whose parts are edge values and a few ordinary ones, every pair of them."""
    info = np.finfo(np.dtype(dtype).type(0).real.dtype)
    parts = [0.0, -0.0, 1.0, -1.5, 0.7, math.inf, -math.inf, math.nan, float(info.max), -float(info.max),
             float(info.tiny), -float(info.smallest_subnormal)]
    return np.array([complex(re, im) for re, im in itertools.product(parts, parts)], dtype=dtype)


def _same(ours, theirs):
    """Equal NaN positions, infinities, zero signs, and finite parts to a last bit of rounding."""
    ours, theirs = np.atleast_1d(ours), np.atleast_1d(theirs)
    assert ours.dtype == theirs.dtype
    ours, theirs = ours.view(ours.real.dtype), theirs.view(theirs.real.dtype)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(np.signbit(ours[ours == 0]), np.signbit(theirs[ours == 0]))
    np.testing.assert_allclose(ours, theirs, rtol=4 * np.finfo(ours.dtype).eps, atol=0)


def _both(fn, *arrays):
    theirs = fn(torch, *[torch.from_numpy(a.copy()) for a in arrays])
    ours = fn(chainrule, *[chainrule.from_numpy(a.copy()) for a in arrays])
    return ours.numpy(), theirs.numpy()


def _pairs(dtype):
    """Every special number against every other, in pieces below the size from which chainrule's complex64
    product takes NumPy's fused loop."""
    z = _special(dtype)
    a, b = np.repeat(z, z.size), np.tile(z, z.size)
    return [(a[i:i + 2000], b[i:i + 2000]) for i in range(0, a.size, 2000)]


SUMS = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "add alpha": lambda m, a, b: m.add(a, b, alpha=1),
    "sub alpha": lambda m, a, b: m.sub(a, b, alpha=1),
    "add inf": lambda m, a, b: a + complex(math.inf, 0),
    "rsub": lambda m, a, b: 2 - a,
}


@pytest.mark.parametrize("name", sorted(SUMS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_sums_multiply_by_alpha_as_torch_does(name, dtype):
    for a, b in _pairs(dtype):
        _same(*_both(SUMS[name], a, b))


def test_sub_of_an_infinite_number_from_itself_is_nan_in_both_parts():
    ours, theirs = _both(lambda m, a: a - a, np.array([complex(math.inf, 0)]))
    assert np.isnan(theirs.real) and np.isnan(theirs.imag)
    _same(ours, theirs)


def test_complex64_product_is_not_fused():
    for a, b in _pairs("complex64"):
        _same(*_both(lambda m, x, y: x * y, a, b))
    largest = np.finfo(np.float32).max
    _same(*_both(lambda m, x, y: x * y, np.array(complex(largest, -largest), np.complex64),
                 np.array(complex(-largest, largest), np.complex64)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_reciprocal_is_a_complex_division(dtype):
    z = _special(dtype)
    for fn in (lambda m, x: m.reciprocal(x), lambda m, x: x ** -1, lambda m, x: 1 / x):
        _same(*_both(fn, z))
    ours, theirs = _both(lambda m, x: m.reciprocal(x), np.array([0j, complex(math.inf, 1.0)], dtype))
    assert theirs[0].real == math.inf and math.isnan(theirs[0].imag) and not np.signbit(theirs[1].imag)
    _same(ours, theirs)


@pytest.mark.parametrize("exponent", [0, 2, 3, 0.5, -2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_small_powers_of_one_number(exponent, dtype):
    """One number (PyTorch's loop without vectors): ``square(0 - 0j)`` is ``0 - 0j``."""
    for z in _special(dtype):
        _same(*_both(lambda m, x: x ** exponent, np.array(z)))
    _same(*_both(lambda m, x: m.square(x), np.array(complex(0.0, -0.0), dtype)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_rsqrt_gradient_at_an_infinite_real_part(dtype):
    def grad(module):
        z = module.tensor(complex(math.inf, 1.13), dtype=getattr(module, dtype), requires_grad=True)
        module.view_as_real(module.rsqrt(z)).sum().backward()
        return z.grad.numpy()

    _same(grad(chainrule), grad(torch))


@pytest.mark.parametrize("dtype", DTYPES)
def test_addcdiv_gradient_at_a_zero_divisor(dtype):
    """``value / tensor2`` in the gradient is a complex division: ``(2 - 1j) / 0j`` is ``inf + infj``."""
    def grads(module):
        arrays = (np.full(2, 1 + 1j), np.full(2, 0.5 - 1j), np.array([complex(0.0, -0.0), 1j]))
        x, a, b = (module.tensor(v, dtype=getattr(module, dtype), requires_grad=True) for v in arrays)
        module.view_as_real(module.addcdiv(x, a, b, value=2 - 1j)).sum().backward()
        return a.grad.numpy(), b.grad.numpy()

    for ours, theirs in zip(grads(chainrule), grads(torch)):
        _same(ours, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_polar_angle_gradient_near_the_largest_floats(dtype):
    """``real(conj(grad) * (result * 1j))``: multiplying ``conj(grad) * result`` first overflows to NaN."""
    largest = float(np.finfo(dtype).max)

    def grad(module):
        magnitude = module.tensor(largest, dtype=getattr(module, dtype), requires_grad=True)
        angle = module.tensor(-largest, dtype=getattr(module, dtype), requires_grad=True)
        module.view_as_real(module.polar(magnitude, angle)).sum().backward()
        return angle.grad.numpy()

    ours, theirs = grad(chainrule), grad(torch)
    assert np.isfinite(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
