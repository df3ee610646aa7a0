"""The edge-value table (tests/edge_value_table.py): every op of the op table on NaN, ±inf, ±0, huge, tiny,
empty and 0-d inputs, in float64, float32 and float16, compared with PyTorch for values (NaN positions,
infinities, signs of zeros), gradients and warnings. What still differs is listed in
tests/edge_values_known.txt, which may only shrink; a floating-point warning is never listed."""

import pytest
import torch  # noqa: F401  (the table compares with it, which makes these tests torch_oracle)

import edge_value_table as table

OPS_BY_NAME = table.ops_by_name()
KNOWN = table.read_known()
# Rows whose outcome depends on the CPU's BLAS and LAPACK kernels (tests/edge_values_platform.txt): listed or
# not, they pass either way.
PLATFORM = table.read_known(table.PLATFORM_FILE)


@pytest.mark.parametrize("name", sorted(OPS_BY_NAME))
def test_edge_values_match_torch(name):
    found, _ = table.scan(OPS_BY_NAME[name])
    warned = sorted(row for row in found if row[3] == "warning")
    assert not warned, f"chainrule warns where PyTorch computes silently: {warned}"
    known = {row for row in KNOWN if row[0] == name}
    new, fixed = sorted(found - known - PLATFORM), sorted(known - found)
    assert not new, f"edge values that differ from PyTorch's, not in {table.KNOWN_FILE.name}: {new}"
    assert not fixed, f"listed in {table.KNOWN_FILE.name} but now as in PyTorch (remove the lines): {fixed}"


def test_known_differences_name_ops_of_the_table():
    assert {row[0] for row in KNOWN | PLATFORM} <= set(OPS_BY_NAME)
    assert all(len(row) == 4 and row[1] in table.DTYPES for row in KNOWN | PLATFORM)
    assert not KNOWN & PLATFORM
