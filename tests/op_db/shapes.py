"""Op table entries: shapes (see tests/op_db/__init__.py)."""

OPS = []
