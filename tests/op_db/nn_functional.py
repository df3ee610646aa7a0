"""Op table entries: nn_functional (see tests/op_db/__init__.py)."""

OPS = []
