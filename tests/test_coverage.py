"""The coverage report lists every name of the op set, and every listed name exists in PyTorch too."""

import io

import torch

from chainrule import coverage


def test_report_counts_and_names_are_real_pytorch_names():
    out = io.StringIO()
    status = coverage.main(out)
    text = out.getvalue()
    assert "total:" in text and status == 0, text
    assert all(hasattr(torch, n) for n in coverage.TORCH)
    assert all(hasattr(torch.Tensor, n) for n in coverage.TENSOR)
    assert all(hasattr(torch.nn.functional, n) for n in coverage.FUNCTIONAL)
    assert all(hasattr(torch.linalg, n) for n in coverage.LINALG)


def test_new_methods_match_torch():
    import chainrule

    ours, theirs = chainrule.ones(2, dtype=chainrule.float64), torch.ones(2, dtype=torch.float64)
    for name, args in [("new_zeros", (2, 3)), ("new_ones", (3,)), ("new_full", ((2,), 7.0)), ("new_tensor", ([1, 2],))]:
        a, b = getattr(ours, name)(*args), getattr(theirs, name)(*args)
        assert str(a).replace("chainrule.", "torch.") == str(b)
    assert ours.new_empty(4).shape == (4,)
