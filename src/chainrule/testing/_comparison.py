"""``assert_close``: compare two values (tensors, arrays, numbers, booleans, None, and sequences and
mappings of them) elementwise within PyTorch's default tolerances per dtype, with PyTorch's messages.

The comparison first pairs up the leaves of both structures (a structure mismatch or an input it cannot
compare fails at once), then compares each pair; the first failing pair is reported, naming its place
in the structure.
"""

import cmath
import collections.abc
import contextlib
import numbers

from .._array import NUMPY, is_array
from .._creation import as_tensor
from .._dtype import complex64, complex128, float16, float32, float64, int64, promote_types
from .._ops.pointwise_compare import isclose
from .._tensor import Tensor

__all__ = ["assert_close", "default_tolerances"]

# (rtol, atol) by dtype: about the resolution of each floating type; integers and booleans compare exactly.
_DTYPE_PRECISIONS = {float16: (0.001, 1e-5), float32: (1.3e-6, 1e-5), float64: (1e-7, 1e-7),
                     complex64: (1.3e-6, 1e-5), complex128: (1e-7, 1e-7)}
_NUMBER_DTYPES = {int: int64, float: float64, complex: complex128}


class _Failure(Exception):
    """A failed comparison: the exception type to raise, the message, and where in the structure."""

    def __init__(self, kind, message, place=()):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.place = place

    def to_error(self, msg=None):
        if isinstance(msg, str):
            return self.kind(msg)
        message = self.message
        if self.place:
            message += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.place)}"
        return self.kind(msg(message) if callable(msg) else message)


def default_tolerances(*inputs, dtype_precisions=None):
    """The loosest (rtol, atol) among the dtypes of ``inputs`` (tensors or dtypes)."""
    precisions = dtype_precisions or _DTYPE_PRECISIONS
    dtypes = [value.dtype if isinstance(value, Tensor) else value for value in inputs]
    rtols, atols = zip(*[precisions.get(d, (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def _tolerances(*dtypes, rtol, atol, place):
    if (rtol is None) != (atol is None):
        raise _Failure(ValueError, f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                                   f"{'rtol' if rtol is None else 'atol'}.", place)
    if rtol is not None:
        return rtol, atol
    return default_tolerances(*dtypes)


# ---------------------------------------------------------------- messages
def _difference_line(kind, diff, index, tolerance, exact):
    line = (f"{kind.title()} difference: {diff}" if index is None
            else f"Greatest {kind} difference: {diff} at index {index}")
    return line + ("" if exact else f" (up to {tolerance} allowed)") + "\n"


def _mismatch_message(identifier, extra, abs_diff, abs_index, atol, rel_diff, rel_index, rtol):
    exact = rtol == 0 and atol == 0
    message = f"{identifier} are not {'equal' if exact else 'close'}!\n\n{extra.strip()}\n"
    message += _difference_line("absolute", abs_diff, abs_index, atol, exact)
    message += _difference_line("relative", rel_diff, rel_index, rtol, exact)
    return message.strip()


def _scalar_message(actual, expected, rtol, atol, identifier="Scalars"):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_message(identifier, f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff,
                             None, rtol)


def _tensor_message(actual, expected, matches, rtol, atol):
    """How many elements differ, and the largest absolute and relative differences with their indices."""
    shape = tuple(matches.shape)
    count = matches.numel()
    mismatches = count - int(matches.sum())
    extra = f"Mismatched elements: {mismatches} / {count} ({mismatches / count:.1%})"
    actual, expected, matches = actual.flatten(), expected.flatten(), matches.flatten()
    if not actual.dtype.is_floating_point and not actual.dtype.is_complex:
        actual, expected = actual.to(int64), expected.to(int64)
    abs_diff = (actual - expected).abs()
    abs_diff[matches] = 0
    max_abs, abs_at = abs_diff.max(0)
    rel_diff = abs_diff / expected.abs()
    rel_diff[matches] = 0
    max_rel, rel_at = rel_diff.max(0)
    return _mismatch_message("Tensor-likes", extra, max_abs.item(), _unravel(int(abs_at), shape), atol,
                             max_rel.item(), _unravel(int(rel_at), shape), rtol)


def _unravel(flat_index, shape):
    index = []
    for size in reversed(shape):
        flat_index, position = divmod(flat_index, size)
        index.append(position)
    return tuple(reversed(index))


# ---------------------------------------------------------------- pairs of leaves
class _Unsupported(Exception):
    """This kind of pair cannot compare these inputs; the next kind is tried."""


class _NonePair:
    def __init__(self, actual, expected, place, **options):
        if not (actual is None or expected is None):
            raise _Unsupported
        self.actual, self.expected, self.place = actual, expected, place

    def compare(self):
        if not (self.actual is None and self.expected is None):
            raise _Failure(AssertionError, f"None mismatch: {self.actual} is not {self.expected}", self.place)


class _BooleanPair:
    def __init__(self, actual, expected, place, **options):
        if not all(isinstance(value, (bool, NUMPY.bool_)) for value in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected, self.place = bool(actual), bool(expected), place

    def compare(self):
        if self.actual is not self.expected:
            raise _Failure(AssertionError, f"Booleans mismatch: {self.actual} is not {self.expected}", self.place)


class _NumberPair:
    def __init__(self, actual, expected, place, rtol=None, atol=None, equal_nan=False, check_dtype=False,
                 **options):
        if not all(isinstance(value, (int, float, complex, NUMPY.number)) for value in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected = (v.item() if isinstance(v, NUMPY.number) else v for v in (actual, expected))
        self.place = place
        for value in (self.actual, self.expected):
            if type(value) not in _NUMBER_DTYPES:  # a bool against a number
                raise RuntimeError(f"Originating a NumberPair() at item {''.join(str([i]) for i in place)} with\n\n"
                                   f"{type(actual).__name__}(): {actual}\n\nand\n\n"
                                   f"{type(expected).__name__}(): {expected}\n\nresulted in an unexpected exception.")
        self.rtol, self.atol = _tolerances(*(_NUMBER_DTYPES[type(v)] for v in (self.actual, self.expected)),
                                           rtol=rtol, atol=atol, place=place)
        self.equal_nan = equal_nan
        self.check_dtype = check_dtype

    def compare(self):
        actual, expected = self.actual, self.expected
        if self.check_dtype and type(actual) is not type(expected):
            raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.",
                           self.place)
        if actual == expected:
            return
        if self.equal_nan and cmath.isnan(actual) and cmath.isnan(expected):
            return
        difference = abs(actual - expected)
        if cmath.isfinite(difference) and difference <= self.atol + self.rtol * abs(expected):
            return
        raise _Failure(AssertionError, _scalar_message(actual, expected, self.rtol, self.atol), self.place)


class _TensorPair:
    """Tensors, or NumPy arrays (and other array likes) compared with their own kind."""

    def __init__(self, actual, expected, place, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False):
        if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
            raise _Unsupported
        if not allow_subclasses and type(actual) is not type(expected):
            raise _Unsupported
        self.actual, self.expected = (self._as_tensor(value) for value in (actual, expected))
        self.place = place
        self.rtol, self.atol = _tolerances(self.actual.dtype, self.expected.dtype, rtol=rtol, atol=atol, place=place)
        self.equal_nan = equal_nan
        self.check_device, self.check_dtype, self.check_stride = check_device, check_dtype, check_stride

    @staticmethod
    def _as_tensor(value):
        if isinstance(value, Tensor):
            return value
        if not (is_array(value) or isinstance(value, (numbers.Number, collections.abc.Sequence))):
            raise _Unsupported
        try:
            return as_tensor(value)
        except Exception:
            raise _Unsupported from None

    def _mismatch(self, attribute, actual, expected):
        raise _Failure(AssertionError, f"The values for attribute '{attribute}' do not match: {actual} != {expected}.",
                       self.place)

    def compare(self):
        actual, expected = self.actual, self.expected
        if actual.shape != expected.shape:
            self._mismatch("shape", actual.shape, expected.shape)
        if self.check_stride and actual.stride() != expected.stride():
            self._mismatch("stride()", actual.stride(), expected.stride())
        if self.check_device and actual.device != expected.device:
            self._mismatch("device", actual.device, expected.device)
        if self.check_dtype and actual.dtype != expected.dtype:
            self._mismatch("dtype", actual.dtype, expected.dtype)
        if actual.dtype != expected.dtype:
            common = promote_types(actual.dtype, expected.dtype)
            actual, expected = actual.to(common), expected.to(common)
        actual, expected = actual.detach(), expected.detach()
        matches = isclose(actual, expected, rtol=self.rtol, atol=self.atol, equal_nan=self.equal_nan)
        if bool(matches.all()):
            return
        if actual.dim() == 0:
            message = _scalar_message(actual.item(), expected.item(), self.rtol, self.atol)
        else:
            message = _tensor_message(actual, expected, matches, self.rtol, self.atol)
        raise _Failure(AssertionError, message, self.place)


_PAIRS = (_NonePair, _BooleanPair, _NumberPair, _TensorPair)


def _pairs(actual, expected, place, options):
    """The leaf pairs of two structures; a structure that does not match, or leaves nothing can compare,
    fail at once."""
    if (isinstance(actual, collections.abc.Sequence) and not isinstance(actual, str)
            and isinstance(expected, collections.abc.Sequence) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                           place)
        return [pair for i in range(len(actual)) for pair in _pairs(actual[i], expected[i], place + (i,), options)]
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise _Failure(AssertionError, f"The keys of the mappings do not match:\n"
                                           f"Missing keys in the actual mapping: "
                                           f"{sorted(expected_keys - actual_keys)}\n"
                                           f"Additional keys in the actual mapping: "
                                           f"{sorted(actual_keys - expected_keys)}", place)
        keys = actual_keys
        with contextlib.suppress(Exception):
            keys = sorted(keys)
        return [pair for key in keys for pair in _pairs(actual[key], expected[key], place + (key,), options)]
    for pair_type in _PAIRS:
        try:
            return [pair_type(actual, expected, place, **options)]
        except _Unsupported:
            continue
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} "
                              f"and {type(expected)}.", place)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise (AssertionError, with PyTorch's message) unless ``actual`` and ``expected`` are close:
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise, same shape, and (by default) the
    same dtype and device. Without ``rtol``/``atol`` the tolerances are the dtype's. ``msg`` replaces
    the message (a string) or edits it (a callable)."""
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                   check_stride=check_stride)
    try:
        pairs = _pairs(actual, expected, (), options)
    except _Failure as failure:
        raise failure.to_error() from None
    for pair in pairs:
        try:
            pair.compare()
        except _Failure as failure:
            raise failure.to_error(msg) from None
