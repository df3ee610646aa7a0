"""Selection and scatter reductions on ties, NaNs, infinities and signed zeros, against PyTorch: which element
a running extreme copies, how ``scatter_reduce`` multiplies infinities and zeros and what gradient a zero gets,
and float16 sums that PyTorch accumulates in float32."""

import math

import numpy as np
import pytest
import torch

import chainrule

INF, NAN = math.inf, math.nan


def _assert_same(ours, theirs):
    """Equal shape, dtype, NaN positions, infinities, signs of zeros and values (to float rounding)."""
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    assert ours.shape == theirs.shape and str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg="NaN positions differ")
    zeros = theirs == 0
    np.testing.assert_array_equal(np.signbit(ours[zeros]), np.signbit(theirs[zeros]), err_msg="signs of zeros differ")
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0)


def _run(module, fn, values, dtype, grad):
    tensors = [module.tensor(v, dtype=getattr(module, dtype), requires_grad=grad and isinstance(v[0], (list, float)))
               if not isinstance(v, tuple) else module.tensor(v[0]) for v in values]
    out = fn(module, *tensors)
    outs = list(out) if isinstance(out, tuple) else [out]
    grads = []
    if grad:
        inputs = [t for t in tensors if t.requires_grad]
        grads = module.autograd.grad(outs[0], inputs, module.ones_like(outs[0]))
    return outs + list(grads)


def _compare(fn, *values, dtype="float32", grad=True):
    """``fn(module, *tensors)`` and its gradients for ones in both libraries; a tuple in ``values`` is an
    integer index tensor."""
    for ours, theirs in zip(_run(chainrule, fn, values, dtype, grad), _run(torch, fn, values, dtype, grad),
                            strict=True):
        _assert_same(ours, theirs)


# ---------------------------------------------------------------- cummax / cummin
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("values", [[0.0, -0.0, 0.0, -0.0], [-0.0, 1.0, 0.0, -0.0], [0.0, NAN, -0.0, 2.0]])
def test_running_extreme_copies_the_element_it_names(name, values, dtype):
    """PyTorch takes an element equal to the running extreme as the new one: after 0, a -0 is the value."""
    _compare(lambda m, x: getattr(m, name)(x, 0), values, dtype=dtype)


# ---------------------------------------------------------------- scatter_reduce prod
_INDEX = ([[0, 1], [0, 2], [2, 2], [0, 1]],)
_SELF = [[INF, 1.5], [-INF, 0.5], [2.0, 0.0]]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("src", [
    [[0.5, -INF], [2.0, INF], [1.0, -INF], [1.5, INF]],  # infinities times numbers, inf * -inf
    [[0.5, -0.0], [2.0, 0.0], [1.0, -0.0], [1.5, 0.0]],  # signed zeros: products' signs, single and double zeros
    [[0.0, 3.0], [2.0, -0.0], [1.0, 2.0], [1.5, 4.0]],  # one zero at a position: its gradient is the rest
    [[INF, 0.0], [2.0, 1.0], [0.0, 2.0], [1.5, 4.0]],  # inf * 0
])
def test_scatter_reduce_prod_multiplies_as_pytorch(src, include_self, dtype):
    """Infinities multiply to infinities (no NaN from the gradient's bookkeeping), zeros keep their signs,
    and the gradient at a zero is the product of the others, with PyTorch's NaN at an untouched infinity."""
    _compare(lambda m, x, s, i: x.scatter_reduce(0, i, s, "prod", include_self=include_self),
             _SELF, src, _INDEX, dtype=dtype)


@pytest.mark.parametrize("reduce", ["sum", "mean", "prod"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_gradients_at_zeros(reduce, include_self):
    _compare(lambda m, x, s, i: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
             [[0.0, 2.0], [3.0, -0.0], [0.0, 0.0]], [[-0.0, 2.0], [1.0, 0.0], [5.0, 0.0], [2.0, 3.0]], _INDEX)


# ---------------------------------------------------------------- float16 accumulation
@pytest.mark.parametrize("call", [
    lambda m, x, s, i: x.scatter_add(0, i, s),
    lambda m, x, s, i: x.scatter_reduce(0, i, s, "sum"),
    lambda m, x, s, i: x.scatter_reduce(0, i, s, "mean"),
    lambda m, x, s, i: x.scatter_reduce(0, i, s, "prod"),
    lambda m, x, s, i: x.index_reduce(0, i[:, 0], s, "mean"),  # index_reduce rounds every step
    lambda m, x, s, i: x.index_reduce(0, i[:, 0], s, "prod"),
])
def test_float16_scatter_sums_round_as_pytorch(call):
    """``0.15 - 65504 + 65504`` is 0.15 in float32 and 0 in float16 steps (and the product of the second
    column 14.484 or 14.49): PyTorch's scatter_add and scatter_reduce accumulate float16 in float32, its
    index_reduce in float16."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch's note that index_reduce is in beta
        _compare(call, [[0.15, 1.6240234375], [2.9, 1.0]], [[-65504.0, 1.8466796875], [65504.0, 2.65625],
                                                               [0.5, 1.818359375]],
                 ([[0, 0], [0, 0], [0, 0]],), dtype="float16", grad=False)


@pytest.mark.parametrize("reduce", ["sum", "mean", "prod"])
def test_scatter_reduce_records_pytorch_node_and_second_derivative(reduce):
    """The node is PyTorch's ``ScatterReduceBackward0``; for prod its gradient is differentiable again."""
    results = []
    for module in (chainrule, torch):
        x = module.tensor([[2.0, 3.0], [4.0, 5.0]], requires_grad=True)
        s = module.tensor([[1.5, 2.0], [3.0, 0.5]], requires_grad=True)
        y = x.scatter_reduce(0, module.tensor([[0, 1], [0, 0]]), s, reduce)
        results.append([type(y.grad_fn).__name__])
        if reduce == "prod":
            gx, gs = module.autograd.grad(y.sum(), (x, s), create_graph=True)
            results[-1] += [g.tolist() for g in module.autograd.grad((gx ** 2).sum() + (gs ** 2).sum(), (x, s))]
    assert results[0] == results[1]


_BAD_POSITIONS = [
    lambda m: m.zeros(3, 2).scatter_reduce(0, m.tensor([[3, 0]]), m.ones(1, 2), "amax"),
    lambda m: m.zeros(3, 2).scatter_reduce(0, m.tensor([[0, -1]]), m.ones(1, 2), "sum"),  # no wrapping around
    lambda m: m.zeros(3, 2).scatter_reduce(0, m.tensor([[0, 0, 0]]), m.ones(1, 3), "amax"),
    lambda m: m.zeros(3, 2).scatter_reduce(0, m.tensor([[0, 0]]), m.ones(1, 1), "prod"),  # src too small
    lambda m: m.tensor(1.0).scatter_reduce(0, m.tensor(1), m.tensor(2.0), "amin"),
    lambda m: m.zeros(3, 2).index_reduce(1, m.tensor([2]), m.ones(3, 1), "amax"),
    lambda m: m.zeros(3, 2).index_reduce(0, m.tensor([-1]), m.ones(1, 2), "prod"),
]


@pytest.mark.parametrize("call", _BAD_POSITIONS)
def test_scatter_reduce_refuses_positions_as_pytorch(call):
    """An index outside the target, negative or not, or larger than the source, is PyTorch's error."""
    import warnings

    errors = []
    for module in (chainrule, torch):
        with warnings.catch_warnings(), pytest.raises(Exception) as caught:
            warnings.simplefilter("ignore", UserWarning)
            call(module)
        errors.append((type(caught.value), str(caught.value)))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_of_a_0d_tensor(reduce):
    """A 0-d target takes its one element along dim 0 (a 0-d or one-element index)."""
    for index in ((0,), ([0],)):
        _compare(lambda m, x, s, i: x.scatter_reduce(0, i, s, reduce), 1.5, 2.0 if not index[0] else [2.0], index,
                 grad=False)


# ---------------------------------------------------------------- ordering ops
_ROWS = [[0.0, -0.0, 0.0, -0.0, 0.0], [NAN, 1.0, NAN, 2.0, 1.0], [-0.0, 3.0, 0.0, 1.0, -0.0],
         [2.0, 2.0, INF, -INF, 2.0], [1.0, -0.0, 1.0, 0.0, 5.0]]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("call,with_nan,grad", [
    (lambda m, x: x.median(1), True, True), (lambda m, x: x.nanmedian(1), True, True),
    (lambda m, x: x.mode(1), False, True), (lambda m, x: x.sort(dim=1, stable=True), True, True),
    (lambda m, x: x.sort(dim=1, descending=True, stable=True), True, True),
    (lambda m, x: x.argsort(dim=1, stable=True), True, False), (lambda m, x: x.msort(), True, True),
])
def test_ordering_ops_pick_tied_elements_as_pytorch(call, with_nan, grad, dtype):
    """Where PyTorch's choice among equal values is defined by index (stable sorts, ``median(dim)``, whose
    comparator breaks ties by index) or its sort is stable (``mode`` of up to 16 values, an insertion sort),
    chainrule picks the same elements: indices, signs of zeros and gradients. (``mode`` with NaN is left
    out: see docs/differences.md.)"""
    rows = [r for r in _ROWS if with_nan or not any(map(math.isnan, r))]
    _compare(call, rows, dtype=dtype, grad=grad)


@pytest.mark.parametrize("call", [lambda m, x: x.topk(3, 1), lambda m, x: x.topk(2, 1, largest=False),
                                  lambda m, x: x.kthvalue(2, 1), lambda m, x: x.kthvalue(4, 1)])
def test_selections_among_ties_agree_in_value(call):
    """``topk`` and ``kthvalue`` may pick another of several equal elements than PyTorch (its selection
    algorithms' swaps decide), but the values agree, NaNs ranked above infinity."""
    for ours, theirs in zip(call(chainrule, chainrule.tensor(_ROWS)), call(torch, torch.tensor(_ROWS))):
        if ours.dtype == chainrule.float32:
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
