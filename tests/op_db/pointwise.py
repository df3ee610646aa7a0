"""Op table entries: pointwise (see tests/op_db/__init__.py)."""

OPS = []
