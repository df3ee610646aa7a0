"""The error function kernels (``erf``, ``erfc``, ``erfinv`` on arrays) against reference values.

Each dtype is compared, in units in the last place, with the C library (``math.erf``, ``math.erfc``)
and SciPy's ``erfinv`` rounded to it, over the whole real line (far tails, subnormals, signed zeros,
infinities and nan included); the bounds are the worst errors measured on these grids, with one unit
to spare for another platform's ``exp``/``log``. Each is also compared with PyTorch at the op table's
tolerances. The op table checks gradients and the ops on a second array namespace (``test_ops``,
``test_ops_namespace``).
"""

import math

import numpy as np
import pytest
import torch
from scipy import special

from chainrule._ops.pointwise_special import erf_array, erfc_array, erfinv_array

MAX_ULP = {
    np.float64: {"erf": 4, "erfc": 8, "erfinv": 6},  # measured 3, 7, 5
    np.float32: {"erf": 3, "erfc": 9, "erfinv": 5},  # measured 2, 8, 4: float32 is computed in float32
    np.float16: {"erf": 2, "erfc": 2, "erfinv": 2},  # measured 1, 1, 1: float16 is computed in float32
}
TORCH_TOLERANCES = {np.float64: dict(rtol=1e-7, atol=1e-7), np.float32: dict(rtol=1e-4, atol=1e-5),
                    np.float16: dict(rtol=1e-3, atol=1e-3)}  # the op table's, and PyTorch's own for half


def _ulp_errors(got, expected):
    """``|got - expected|`` in units of the last place of ``expected``'s dtype (0 where both are nan or
    equal, infinities included; nan where only one is nan)."""
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    got, expected = np.where(same, 1, got), np.where(same, 1, expected)
    spacing = np.spacing(np.abs(expected)).astype(np.float64)
    return np.abs(got.astype(np.float64) - expected.astype(np.float64)) / spacing


def _real_line():
    """A dense grid over [-30, 30], geometric grids from the smallest subnormal up on both sides, and the
    special points: signed zeros, infinities, nan, the ends of Cody's ranges, the underflow of erfc."""
    tiny_to_large = np.geomspace(5e-324, 30, 40_001)
    ends = [0.46875, 4.0, 26.5, 27.2, 27.3, 28.0, 1e300]
    ends += [np.nextafter(v, -np.inf) for v in ends] + [np.nextafter(v, np.inf) for v in ends]
    specials = np.array([0.0, np.inf, np.nan] + ends)
    return np.concatenate([np.linspace(-30, 30, 300_001), tiny_to_large, -tiny_to_large, specials, -specials])


def _unit_interval():
    """``[-1, 1]`` densely, near ±1 down to the last representable step, near 0 down to 1e-300, and beyond."""
    to_one = 1 - np.geomspace(2.0 ** -53, 0.5, 40_001)
    near_zero = np.geomspace(1e-300, 0.5, 20_001)
    specials = np.array([0.0, 0.5, np.nextafter(0.5, 1), 1.0, 1.5, np.inf, np.nan])
    return np.concatenate([np.linspace(-1, 1, 200_001), to_one, -to_one, near_zero, -near_zero, specials, -specials])


_KERNELS = {"erf": erf_array, "erfc": erfc_array, "erfinv": erfinv_array}


def _reference(name, x):
    """float64 values from the C library (``erf``, ``erfc``) or SciPy (``erfinv``)."""
    if name == "erfinv":
        return special.erfinv(x)
    return np.array([getattr(math, name)(v) for v in x.tolist()])


def _grid(name, dtype):
    grid = _unit_interval() if name == "erfinv" else _real_line()
    with np.errstate(over="ignore"):  # 1e300 is inf in float32 and float16
        return grid.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_within_a_few_ulp_of_the_reference(name, dtype):
    x = _grid(name, dtype)
    expected = _reference(name, x.astype(np.float64)).astype(dtype)
    got = _KERNELS[name](x)
    assert got.dtype == dtype and got.shape == x.shape
    errors = _ulp_errors(got, expected)
    worst = errors.argmax()
    assert errors.max() <= MAX_ULP[dtype][name], f"{name}({x[worst]!r}) = {got[worst]!r}, not {expected[worst]!r}"
    zeros = expected == 0  # erf and erfinv are odd: a zero has the argument's sign (SciPy's erfinv(-0.0) is +0.0)
    np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit((expected if name == "erfc" else x)[zeros]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16], ids=lambda d: d.__name__)
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_agrees_with_torch(name, dtype):
    x = _grid(name, dtype)
    expected = getattr(torch, name)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(_KERNELS[name](x), expected, **TORCH_TOLERANCES[dtype])


def test_shapes_and_layouts_are_kept():
    x = np.linspace(-3, 3, 24).reshape(2, 3, 4)[:, ::2]
    for kernel in _KERNELS.values():
        for value in (x, x[0, 0, 0], x[:0]):
            argument = np.asarray(value / 4 if kernel is erfinv_array else value)
            got = kernel(argument)
            assert got.shape == argument.shape and got.dtype == argument.dtype
            np.testing.assert_array_equal(got, kernel(np.ascontiguousarray(argument).reshape(-1)).reshape(got.shape))


def test_float32_gelu_and_its_derivative_against_float64():
    """The float32 GELU kernels (one normal-tail evaluation for the value and the derivative) against
    ``x Phi(x)`` and ``Phi(x) + x phi(x)`` in float64 from SciPy's ``ndtr`` (accurate in the lower tail,
    where PyTorch's ``(1 + erf(x / sqrt 2)) / 2`` cancels to 0 even in float64): within 1e-6 relative
    (measured 7e-7) down to -5, 5e-6 in the far tail where ``x²`` rounds; signed zeros kept."""
    from chainrule._ops.erf_single import gelu_derivative_single, gelu_single

    x = np.concatenate([np.linspace(-14, 10, 240_001), [0.0, -0.0, 1e-30, -1e-30, -1e30, 20.0, -20.0]])
    x32 = x.astype(np.float32)
    wide = x32.astype(np.float64)
    cdf = special.ndtr(wide)
    expected = wide * cdf
    slope = cdf + wide * np.exp(-wide * wide / 2) / math.sqrt(2 * math.pi)
    got = gelu_single(x32)
    near = x32 > -5
    np.testing.assert_allclose(got[near], expected[near], rtol=1e-6, atol=0)
    np.testing.assert_allclose(got, expected, rtol=5e-6, atol=2e-44)  # (subnormal below -13: 14 steps of 1.4e-45)
    np.testing.assert_array_equal(np.signbit(got[expected == 0]), np.signbit(x32[expected == 0]))
    np.testing.assert_allclose(gelu_derivative_single(x32), slope, rtol=1e-6, atol=2e-7)
