"""``chainrule.testing``: ``assert_close`` with PyTorch's tolerances and messages, ``make_tensor``, and the
deprecated ``assert_allclose``."""

import warnings

from .._creation import tensor
from .._dtype import float16, float32, float64
from .._tensor import Tensor
from ._comparison import assert_close, default_tolerances
from ._creation import make_tensor

__all__ = ["assert_close", "make_tensor", "assert_allclose"]

# assert_allclose's looser defaults (rtol, atol), from before assert_close existed.
_ALLCLOSE_PRECISIONS = {float16: (1e-3, 1e-3), float32: (1e-4, 1e-5), float64: (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated: ``assert_close`` with NaNs equal, dtypes free, and looser default tolerances."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = default_tolerances(actual, expected, dtype_precisions=_ALLCLOSE_PRECISIONS)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)
