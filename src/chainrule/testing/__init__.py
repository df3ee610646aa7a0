"""``chainrule.testing``: ``assert_close`` with PyTorch's default tolerances and messages, and ``make_tensor``."""

from .comparison import assert_allclose, assert_close
from .creation import make_tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]
