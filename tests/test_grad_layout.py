"""The layout of a leaf's first gradient, against PyTorch: the gradient layout contract (the leaf's strides
for a leaf whose elements fill their memory, else C order) and ``autograd.enforce_grad_layout_policy``,
which relaxes it, as a context manager, a decorator and a switch that acts when made."""

import warnings

import pytest
import torch

import chainrule

LEAVES = {
    "C order": lambda m: m.randn(3, 4),
    "transposed": lambda m: m.randn(4, 3).t(),
    "every other column": lambda m: m.randn(4, 6)[:, ::2],
    "permuted, with a size-1 dim": lambda m: m.randn(2, 1, 3).permute(2, 1, 0),
}
LOSSES = {
    "sum": lambda t: t.sum(),
    "product": lambda t: (t * 2).sum(),
    "contiguous product": lambda t: (t.contiguous() * 2).sum(),
}


def _first_gradient_stride(leaf, loss, create_graph=False):
    leaf.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about create_graph's reference cycle
        loss(leaf).backward(create_graph=create_graph)
    return leaf.grad.stride()


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("leaf", LEAVES)
def test_first_gradient_layout_matches_torch(leaf, loss):
    strides = {}
    for m in (chainrule, torch):
        x = LEAVES[leaf](m).requires_grad_()
        strides[m] = [_first_gradient_stride(x, LOSSES[loss]),
                      _first_gradient_stride(x, LOSSES[loss], create_graph=True)]
        with m.autograd.enforce_grad_layout_policy(False):
            strides[m].append(_first_gradient_stride(x, LOSSES[loss]))
        strides[m].append(_first_gradient_stride(x, LOSSES[loss]))
    assert strides[chainrule] == strides[torch]


def test_policy_as_decorator_and_switch_matches_torch():
    seen = {}
    for m in (chainrule, torch):
        policy = m.autograd.enforce_grad_layout_policy
        x = m.randn(4, 3).t().requires_grad_()
        contiguous = LOSSES["contiguous product"]

        @policy(False)
        def relaxed():
            return _first_gradient_stride(x, contiguous)

        seen[m] = [relaxed(), _first_gradient_stride(x, contiguous)]
        switch = policy(False)  # acts when made, as set_grad_enabled does
        seen[m].append(_first_gradient_stride(x, contiguous))
        with switch:
            pass
        try:
            seen[m] += [_first_gradient_stride(x, contiguous), switch.clone().mode,
                        m.autograd.grad_mode.enforce_grad_layout_policy is policy]
        finally:
            policy(True)  # acts when made: clone() above switched the policy off for the whole process
    assert seen[chainrule] == seen[torch]


def test_policy_refuses_a_non_bool_as_torch_does():
    for m in (chainrule, torch):
        with pytest.raises(TypeError, match="must be bool, not str"):
            m.autograd.enforce_grad_layout_policy("no")


def test_relaxed_policy_copies_a_gradient_the_caller_still_holds_as_torch_does():
    seen = {}
    for m in (chainrule, torch):
        x = m.zeros(3, 4, requires_grad=True)
        gradient = m.ones(3, 4)
        with m.autograd.enforce_grad_layout_policy(False):
            x.backward(gradient)
        gradient.add_(5)
        seen[m] = (x.grad.tolist(), x.grad.data_ptr() == gradient.data_ptr())
    assert seen[chainrule] == seen[torch] == ([[1.0] * 4] * 3, False)


def test_accumulating_into_an_expanded_gradient_is_refused_as_torch_does():
    outcomes = {}
    for m in (chainrule, torch):
        taken = m.zeros(3, 4, requires_grad=True)
        with m.autograd.enforce_grad_layout_policy(False):
            taken.sum().backward()  # the expanded ones of sum's backward, taken as they are
            first = (taken.grad.stride(), taken.grad.tolist())
            with pytest.raises(RuntimeError) as taken_again:
                taken.sum().backward()
        assigned = m.zeros(3, 4, requires_grad=True)
        assigned.grad = m.ones(1, 4).expand(3, 4)
        with pytest.raises(RuntimeError) as into_assigned:
            (assigned * 2).sum().backward()
        outcomes[m] = (first, str(taken_again.value), taken.grad.tolist(), str(into_assigned.value))
    assert outcomes[chainrule] == outcomes[torch]
    assert "more than one element of the written-to tensor" in outcomes[torch][1]


def test_a_read_only_gradient_the_user_assigned_is_replaced_by_the_sum_not_written():
    """PyTorch writes into a read-only NumPy array behind ``from_numpy`` (it warns that it cannot protect it);
    chainrule leaves the user's array as it was and gives the leaf the same sum in a new tensor."""
    import numpy as np

    values = np.full((3, 4), 1.5, dtype=np.float32)
    values.flags.writeable = False
    x = chainrule.zeros(3, 4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x.grad = chainrule.from_numpy(values)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [[3.5] * 4] * 3
    assert values.tolist() == [[1.5] * 4] * 3
