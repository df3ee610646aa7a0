"""SciPy's special functions in place of chainrule's kernels where that pays, and SciPy is installed
(``chainrule._scipy``): ``ndtri`` and the regularized incomplete gamma functions ``gammainc``/``gammaincc``,
about five times quicker. (For the others SciPy's ufuncs are no quicker than chainrule's kernels, or less
accurate: ``gammaln`` near the zeros of ``lgamma``; docs/special.md.)

SciPy computes them from the same Cephes sources PyTorch's kernels come from, and agrees with PyTorch as
closely as chainrule's kernels do: on the special values and a few thousand random ones, the same elements
differ from PyTorch's by more than 1e-12 (float64) or 1e-5 (float32), with either. float16, CuPy arrays and
mixed dtypes keep chainrule's kernels.
"""

import functools

import numpy

from ..._scipy import module as scipy_module

__all__ = ["or_scipy"]

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


def or_scipy(name):
    """Decorate a kernel of arrays (``series.in_float64``'s form): ``scipy.special.<name>`` computes it where
    SciPy takes the operands, else the kernel itself."""

    def decorate(kernel):
        @functools.wraps(kernel)
        def apply(*operands):
            special = scipy_module("special")
            if special is None or not _takes(operands):
                return kernel(*operands)
            return numpy.asarray(getattr(special, name)(*operands)).astype(operands[0].dtype, copy=False)

        return apply

    return decorate


def _takes(operands):
    """NumPy arrays (or the NumPy scalars a 0-d result becomes) of one dtype, float32 or float64 (SciPy's loops
    for both round once from float64)."""
    dtype = operands[0].dtype
    return dtype in _FLOATS and all(x.__class__ in _NUMPY_CLASSES and x.dtype == dtype for x in operands)


_NUMPY_CLASSES = (numpy.ndarray, numpy.float32, numpy.float64)
