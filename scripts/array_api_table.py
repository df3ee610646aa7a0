"""Print the Markdown table of the Array API standard (2024.12) functions chainrule's namespace provides.

Run from the repository root: ``python scripts/array_api_table.py``. The standard's function list,
by section, is written out here so the table does not depend on any other package.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "src"))

import chainrule.array_api as xp  # noqa: E402 - after the path to the source tree is set

STANDARD_2024_12 = {
    "Creation": [
        "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like", "linspace",
        "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
    ],
    "Data types": ["astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type"],
    "Elementwise": [
        "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
        "bitwise_left_shift", "bitwise_invert", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "ceil", "clip",
        "conj", "copysign", "cos", "cosh", "divide", "equal", "exp", "expm1", "floor", "floor_divide", "greater",
        "greater_equal", "hypot", "imag", "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log1p",
        "log2", "log10", "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "maximum",
        "minimum", "multiply", "negative", "nextafter", "not_equal", "positive", "pow", "real", "reciprocal",
        "remainder", "round", "sign", "signbit", "sin", "sinh", "square", "sqrt", "subtract", "tan", "tanh",
        "trunc",
    ],
    "Indexing": ["take", "take_along_axis"],
    "Inspection": ["__array_namespace_info__"],
    "Linear algebra": ["matmul", "matrix_transpose", "tensordot", "vecdot"],
    "Manipulation": [
        "broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis", "permute_dims", "repeat",
        "reshape", "roll", "squeeze", "stack", "tile", "unstack",
    ],
    "Searching": ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where"],
    "Set": ["unique_all", "unique_counts", "unique_inverse", "unique_values"],
    "Sorting": ["argsort", "sort"],
    "Statistical": ["cumulative_prod", "cumulative_sum", "max", "mean", "min", "prod", "std", "sum", "var"],
    "Utility": ["all", "any", "diff"],
}
LINALG_EXTENSION_2024_12 = [
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank", "matrix_transpose", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot",
    "trace", "vecdot", "vector_norm",
]


def _row(section, names, namespace):
    provided = [name for name in names if callable(getattr(namespace, name, None))]
    missing = ", ".join(f"`{name}`" for name in names if name not in provided) or "-"
    return len(provided), f"| {section} | {len(provided)} / {len(names)} | {missing} |"


def table():
    """The Markdown lines: one row per section, the total, then the ``linalg`` extension."""
    lines = ["| Section | Provided | Missing |", "| --- | --- | --- |"]
    provided_total = 0
    standard_total = 0
    for section, names in STANDARD_2024_12.items():
        provided, line = _row(section, names, xp)
        provided_total += provided
        standard_total += len(names)
        lines.append(line)
    lines.append(f"| **Total** | **{provided_total} / {standard_total}** | |")
    lines.append(_row("`linalg` extension", LINALG_EXTENSION_2024_12, getattr(xp, "linalg", None))[1])
    return lines


if __name__ == "__main__":
    print("\n".join(table()))
