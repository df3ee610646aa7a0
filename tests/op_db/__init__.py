"""The op table: every op with its sample inputs, checked by ``tests/test_ops.py``.

Each family file defines ``OPS``, a list of ``OpInfo``. An ``OpInfo`` names the op, calls it
through a module (``chainrule`` or ``torch``: the same function runs on both), and yields sample
inputs as NumPy arrays and plain values. The tests turn arrays into tensors of each library, so
the same samples drive forward values, gradients against PyTorch, ``gradcheck``/``gradgradcheck``
in float64 and grad_fn names.
"""

import warnings
from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np


@dataclass
class Sample:
    """Positional ``args`` (arrays become tensors; anything else is passed as is) and ``kwargs``."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    name: str = ""
    # False for a sample that sits on a kink or uses a convention rather than a derivative (PyTorch's own
    # gradcheck fails there too): its gradients are still compared with PyTorch, not with finite differences.
    finite_differences: bool = True

    def __repr__(self):
        shapes = [a.shape if isinstance(a, np.ndarray) else a for a in self.args]
        return f"Sample({self.name or shapes}, {self.kwargs})"


@dataclass
class OpInfo:
    """One op: ``call(module, *tensors, **kwargs)`` runs it; ``samples(rng)`` yields ``Sample``s.

    ``differentiable``: gradients are checked (against PyTorch, and by finite differences).
    ``gradgrad``: second order is checked too. ``float_only``: samples are floating point.
    ``grad_inputs``: indices of the array args that get ``requires_grad`` (default: every float array).
    ``atol``/``rtol``: tolerances against PyTorch in float32 (float64 uses 1e-7/1e-7).
    ``warns``: a UserWarning the call gives on purpose, as PyTorch's does (a deprecation, a note about a
    changed default), as a regular expression of its message; ``call`` ignores it, on both libraries.
    """

    name: str
    call: Callable
    samples: Callable
    differentiable: bool = True
    gradgrad: bool = True
    grad_inputs: tuple = None
    atol: float = 1e-5
    rtol: float = 1e-4
    check_grad_fn: bool = True
    warns: str = ""

    def __post_init__(self):
        if self.warns:
            self.call = _ignoring(self.call, self.warns)


def _ignoring(call, message):
    def call_ignoring_its_warning(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=message, category=UserWarning)
            return call(*args, **kwargs)

    return call_ignoring_its_warning


def standard_shapes():
    """Shapes every pointwise op is sampled on: 0-d, empty, a vector, a matrix."""
    return [(), (0,), (5,), (2, 3)]


def noncontiguous(array):
    """The same values in a non-contiguous layout (every other column of a wider array)."""
    if array.ndim == 0 or array.size == 0:
        return array
    wide = np.zeros(array.shape[:-1] + (array.shape[-1] * 2,), dtype=array.dtype)
    wide[..., ::2] = array
    return wide[..., ::2]


def well_conditioned(rng, n, batch=()):
    """A random square matrix kept away from singular by a multiple of the identity."""
    return rng.standard_normal(batch + (n, n)) + 3 * np.eye(n)


def all_ops():
    from . import (basic, complex_ops, composites, custom_functions, fft, linalg, nn_conv, nn_functional, nn_layers,
                   pointwise, products, reductions, shapes, special)

    families = (basic, pointwise, reductions, shapes, products, linalg, nn_functional, nn_conv, complex_ops,
                custom_functions, special, fft, composites, nn_layers)
    return [op for family in families for op in family.OPS]
