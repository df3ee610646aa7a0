"""Writing in place into a tensor that cannot take it, compared with PyTorch: an expanded tensor (several
elements on one memory location) refuses every in-place op that computes from its own elements, with
PyTorch's RuntimeError and message, once the op's arguments are checked, and is left as it was; ``detach_``
refuses views. Ops that only fill (``fill_``, ``zero_``, ``masked_fill_``, ...) and a few more, which PyTorch
lets write through an expanded tensor, are refused here with the same error (docs/differences.md says why);
the tensor is unchanged all the same.
"""

import numpy as np
import pytest
import torch

import chainrule
from expression_outcome import evaluated

REFUSED_BY_BOTH = [
    "e.add_(1)", "e.mul_(2)", "e.sub_(T.ones(3, 4))", "e.div_(2)", "e.pow_(2)", "e.neg_()", "e.abs_()",
    "e.exp_()", "e.floor_()", "e.sigmoid_()", "e.relu_()", "e.clamp_(0, 1)", "e.clamp_min_(0)",
    "e.nan_to_num_()", "e.addcmul_(e, e)", "e.lerp_(T.zeros(3, 4), 0.5)", "e.copy_(T.zeros(3, 4))",
    "e.scatter_(0, T.zeros(1, 4, dtype=T.long), 1.)", "e.index_add_(0, T.tensor([0]), T.ones(1, 4))",
    "e.masked_scatter_(T.ones(3, 4, dtype=T.bool), T.ones(12))", "e.put_(T.tensor([0]), T.tensor([1.]))",
    "e.uniform_()", "e.normal_()", "e.bernoulli_(0.5)", "e.random_(0, 5)", "e.exponential_()",
    "F.relu(e, inplace=True)", "T.exp_(e)",
]
FILLS = ["e.fill_(2)", "e.zero_()", "e.masked_fill_(T.ones(3, 4, dtype=T.bool), 1.)",
         "e.index_fill_(0, T.tensor([0]), 1.)", "T.nn.init.zeros_(e)", "e.copy_(e)", "e.tril_()", "e.triu_(1)",
         "e.fill_diagonal_(1.)", "e.conj_physical_()"]
RESHAPED_IN_PLACE = ["e.t_()", "e.squeeze_()", "e.unsqueeze_(0)"]
ARGUMENTS_FIRST = ["e.mul_()", "e.gcd_(1)", "e.exp_(1)", "e.index_add_(0)", "e.lerp_(1)"]


def _expanded(module, expression):
    row = module.arange(4.0).reshape(1, 4)
    namespace = {"T": module, "F": module.nn.functional, "e": row.expand(3, 4)}
    return evaluated(expression, namespace), row


@pytest.mark.parametrize("expression", REFUSED_BY_BOTH)
def test_an_expanded_tensor_refuses_in_place_ops_as_torch_does(expression):
    (ours, our_message, _), row = _expanded(chainrule, expression)
    (theirs, their_message, _), _ = _expanded(torch, expression)
    assert (ours, our_message) == (theirs, their_message) == ("RuntimeError", chainrule._ops.inplace.OVERLAP_MESSAGE)
    assert row.tolist() == [[0.0, 1.0, 2.0, 3.0]]


@pytest.mark.parametrize("expression", FILLS)
def test_fills_into_an_expanded_tensor_are_refused_and_change_nothing(expression):
    (ours, our_message, _), row = _expanded(chainrule, expression)
    (theirs, _, _), _ = _expanded(torch, expression)
    assert theirs is None  # PyTorch writes through; see docs/differences.md
    assert (ours, our_message) == ("RuntimeError", chainrule._ops.inplace.OVERLAP_MESSAGE)
    assert row.tolist() == [[0.0, 1.0, 2.0, 3.0]]


@pytest.mark.parametrize("expression", ARGUMENTS_FIRST)
def test_wrong_arguments_are_named_before_the_overlap_as_torch_does(expression):
    (ours, _, _), _ = _expanded(chainrule, expression)
    (theirs, _, _), _ = _expanded(torch, expression)
    assert ours == theirs == "TypeError"


@pytest.mark.parametrize("expression", RESHAPED_IN_PLACE)
def test_an_expanded_tensor_changes_shape_in_place_as_torch_does(expression):
    (ours, _, our_value), _ = _expanded(chainrule, expression)
    (theirs, _, their_value), _ = _expanded(torch, expression)
    assert ours is theirs is None
    assert (our_value.shape, our_value.stride()) == (their_value.shape, their_value.stride())


VIEWS = ["x[0]", "x.t()", "x.view(12)", "x.expand(2, 3, 4)", "x.detach()", "x", "(x * 2)[1:]", "y.view(12)"]


@pytest.mark.parametrize("view", VIEWS)
def test_detach_in_place_refuses_views_as_torch_does(view):
    outcomes = []
    for module in (chainrule, torch):
        x = module.ones(3, 4)
        namespace = {"x": x, "y": module.ones(3, 4, requires_grad=True) * 3}
        tensor = eval(view, namespace)  # the test's own fixed expressions
        outcome = evaluated("t.detach_()", {"t": tensor})
        outcomes.append((outcome[:2], tensor.requires_grad, tensor.grad_fn is None))
    assert outcomes[0] == outcomes[1]


def test_a_composite_op_written_in_place_keeps_what_its_inner_nodes_saved():
    """renorm_ is computed from norms of the tensor it then overwrites: the gradient must see the old values."""
    grads = []
    for module in (chainrule, torch):
        w = module.linspace(0.5, 3.0, 6, dtype=module.float64).reshape(2, 3).requires_grad_()
        h = w * 1.5 + 1
        h.renorm_(2, 0, 1.0)
        (h * module.arange(6.0, dtype=module.float64).reshape(2, 3)).sum().backward()
        grads.append(w.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
