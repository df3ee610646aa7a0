"""``assert_close``: tensors, numbers and nested sequences/mappings of them compared elementwise with
``|actual - expected| <= atol + rtol * |expected|``, default tolerances chosen by dtype as PyTorch does,
and PyTorch's failure messages (mismatch count, greatest differences and where)."""

import collections.abc
import math
import warnings

import numpy as np

from .. import _dtype
from .._creation import tensor
from .._tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

# (rtol, atol) by dtype, as PyTorch's defaults.
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}


def _tolerances(*dtypes):
    pairs = [_TOLERANCES.get(d.name, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _type_text(value):
    """``<class 'chainrule.Tensor'>`` for tensors (their public name), the type's repr otherwise."""
    return "<class 'chainrule.Tensor'>" if type(value) is Tensor else repr(type(value))


def _is_number(value):
    return isinstance(value, (bool, int, float, complex, np.number, np.bool_))


def _location(path):
    return "" if not path else "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close (see the module docstring)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    stack = [(actual, expected, ())]
    while stack:
        a, e, path = stack.pop()
        if isinstance(a, Tensor) or isinstance(e, Tensor) or (_is_number(a) and _is_number(e)):
            _compare(a, e, path, rtol, atol, equal_nan, check_dtype, msg)
        elif isinstance(a, collections.abc.Mapping) and isinstance(e, collections.abc.Mapping):
            if set(a) != set(e):
                raise AssertionError(f"The keys of the mappings do not match:\n{sorted(a)} != {sorted(e)}"
                                     f"{_location(path)}")
            stack.extend((a[k], e[k], path + (k,)) for k in reversed(list(e)))
        elif (isinstance(a, collections.abc.Sequence) and isinstance(e, collections.abc.Sequence)
              and not isinstance(a, str) and not isinstance(e, str)):
            if len(a) != len(e):
                raise AssertionError(f"The length of the sequences mismatch: {len(a)} != {len(e)}{_location(path)}")
            stack.extend((a[i], e[i], path + (i,)) for i in reversed(range(len(e))))
        else:
            raise TypeError(f"No comparison pair was able to handle inputs of type {_type_text(a)} and "
                            f"{_type_text(e)}.")


def _compare(a, e, path, rtol, atol, equal_nan, check_dtype, msg):
    if isinstance(a, Tensor) != isinstance(e, Tensor):
        raise TypeError(f"No comparison pair was able to handle inputs of type {_type_text(a)} and "
                            f"{_type_text(e)}.")
    if not isinstance(a, Tensor):
        if type(a) is not type(e) and not (isinstance(a, (int, float)) and isinstance(e, (int, float))):
            raise AssertionError(f"The values for attribute 'type' do not match: {type(a)} != {type(e)}."
                                 f"{_location(path)}")
        _compare_scalars(a, e, path, rtol, atol, equal_nan, msg)
        return
    if tuple(a.shape) != tuple(e.shape):
        raise AssertionError(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}."
                             f"{_location(path)}")
    if check_dtype and a.dtype is not e.dtype:
        raise AssertionError(f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}."
                             f"{_location(path)}")
    if rtol is None:
        rtol, atol = _tolerances(a.dtype, e.dtype)
    if a.dim() == 0:
        _compare_scalars(a.item(), e.item(), path, rtol, atol, equal_nan, msg)
        return
    x, y = a.detach().numpy(), e.detach().numpy()
    if a.dtype is not e.dtype:
        common = np.promote_types(x.dtype, y.dtype)
        x, y = x.astype(common), y.astype(common)
    exact = rtol == 0 and atol == 0 and not (a.dtype.is_floating_point or a.dtype.is_complex)
    with np.errstate(all="ignore"):
        close = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if close.all():
        return
    if msg is not None:
        raise AssertionError(msg(_default_message(x, y, close, rtol, atol, exact)) if callable(msg) else msg)
    raise AssertionError(_default_message(x, y, close, rtol, atol, exact) + _location(path))


def _default_message(x, y, close, rtol, atol, exact):
    mismatched = int((~close).sum())
    total = close.size
    wide = np.float64 if x.dtype.kind != "c" else np.complex128
    with np.errstate(all="ignore"):
        absolute = np.abs(x.astype(wide) - y.astype(wide))
        relative = absolute / np.abs(y.astype(wide))
    absolute = np.where(close, 0, absolute)
    relative = np.where(close, 0, relative)
    worst_abs = np.unravel_index(np.nanargmax(absolute) if not np.isnan(absolute).all() else 0, x.shape)
    worst_rel = np.unravel_index(np.nanargmax(relative) if not np.isnan(relative).all() else 0, x.shape)
    kind = "equal" if exact else "close"
    lines = [f"Tensor-likes are not {kind}!", "", f"Mismatched elements: {mismatched} / {total} "
             f"({mismatched / total:.1%})"]
    abs_value = absolute[worst_abs]
    rel_value = relative[worst_rel]
    if x.dtype.kind in "iub" and y.dtype.kind in "iub":
        abs_text = str(int(abs_value))
        rel_text = repr(float(np.float32(rel_value)))
    else:
        abs_text = repr(float(abs_value.astype(x.dtype).item() if x.dtype.kind == "f" else abs_value))
        rel_text = repr(float(np.asarray(rel_value).astype(x.dtype).item() if x.dtype.kind == "f" else rel_value))
    suffix_abs = "" if exact else f" (up to {atol:g} allowed)"
    suffix_rel = "" if exact else f" (up to {rtol:g} allowed)"
    lines.append(f"Greatest absolute difference: {abs_text} at index {tuple(int(i) for i in worst_abs)}{suffix_abs}")
    lines.append(f"Greatest relative difference: {rel_text} at index {tuple(int(i) for i in worst_rel)}{suffix_rel}")
    return "\n".join(lines)


def _compare_scalars(a, e, path, rtol, atol, equal_nan, msg):
    if rtol is None:
        rtol, atol = _tolerances(_dtype.float64 if isinstance(e, float) else _dtype.int64)
    both_nan = isinstance(a, (float, complex)) and isinstance(e, (float, complex)) and _is_nan(a) and _is_nan(e)
    if both_nan and equal_nan:
        return
    difference = abs(a - e)
    if not both_nan and difference <= atol + rtol * abs(e):
        return
    if msg is not None:
        raise AssertionError(msg if not callable(msg) else msg(""))
    relative = difference / abs(e) if e != 0 else (math.nan if difference == 0 else math.inf)
    exact = rtol == 0 and atol == 0 and isinstance(e, int)
    text = (f"Scalars are not {'equal' if exact else 'close'}!\n\nExpected {e} but got {a}.\n"
            f"Absolute difference: {difference}" + ("" if exact else f" (up to {atol:g} allowed)") +
            f"\nRelative difference: {relative}" + ("" if exact else f" (up to {rtol:g} allowed)"))
    raise AssertionError(text + _location(path))


def _is_nan(value):
    return value != value


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated: ``assert_close`` with NumPy-like inputs and ``equal_nan`` on by default."""
    warnings.warn("`chainrule.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `chainrule.testing.assert_close()` instead.", FutureWarning, stacklevel=2)
    actual = actual if isinstance(actual, Tensor) else tensor(actual)
    expected = expected if isinstance(expected, Tensor) else tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = _tolerances(actual.dtype, expected.dtype)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False,
                 msg=msg or None)
