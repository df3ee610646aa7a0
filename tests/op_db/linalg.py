"""Op table entries: linalg (see tests/op_db/__init__.py)."""

OPS = []
