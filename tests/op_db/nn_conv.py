"""Op table entries: nn_conv (see tests/op_db/__init__.py)."""

OPS = []
