"""Op table entries: reductions (see tests/op_db/__init__.py)."""

OPS = []
