"""Reductions, scans and ordering ops: errors, edge values and gradients at ties and zeros, against PyTorch."""

import math
import warnings

import numpy as np
import pytest
import torch

import chainrule

INF = math.inf
NAN = math.nan


def _same_error(fn):
    """``fn(module)`` raises the same exception type and message in both libraries."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(theirs.type) as ours:
        fn(chainrule)
    assert str(ours.value).replace("chainrule.", "torch.") == str(theirs.value)


def _both(fn, *values, dtype="float32", grad=True):
    """``fn(module, *tensors)`` in both libraries: (ours, theirs) results and input tensors."""
    results = {}
    for module in (chainrule, torch):
        tensors = [module.tensor(v, dtype=getattr(module, dtype), requires_grad=grad) for v in values]
        results[module] = (fn(module, *tensors), tensors)
    return results[chainrule], results[torch]


def _grads(fn, *values, upstream=None, dtype="float32"):
    """Gradients of ``fn`` at ``values`` in both libraries (upstream defaults to ones)."""
    grads = []
    for module in (chainrule, torch):
        tensors = [module.tensor(v, dtype=getattr(module, dtype), requires_grad=True) for v in values]
        out = fn(module, *tensors)
        cotangent = module.ones_like(out) if upstream is None else module.full_like(out, upstream)
        out.backward(cotangent)
        grads.append([t.grad.numpy() for t in tensors])
    return grads


def _assert_grads_equal(fn, *values, upstream=None):
    ours, theirs = _grads(fn, *values, upstream=upstream)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=0, equal_nan=True)
        zeros = b == 0
        np.testing.assert_array_equal(np.signbit(a[zeros]), np.signbit(b[zeros]), err_msg="signs of zeros differ")


def _text(value):
    return repr(value).replace("chainrule.", "torch.")


# ---------------------------------------------------------------- named tuples
def test_named_tuple_prints_like_pytorch():
    data = [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]
    for call in (lambda m, x: x.max(0), lambda m, x: m.min(x, 1, keepdim=True), lambda m, x: x.sort(1),
                 lambda m, x: x.topk(2), lambda m, x: x.kthvalue(1, 0), lambda m, x: x.median(1),
                 lambda m, x: x.mode(1), lambda m, x: x.cummax(1), lambda m, x: x.cummin(0),
                 lambda m, x: m.aminmax(x, dim=0), lambda m, x: x.nanmedian(0)):
        (ours, _), (theirs, _) = _both(call, data)
        assert _text(ours) == repr(theirs)


def test_named_tuple_behaves_as_a_tuple():
    x = chainrule.tensor([[1.0, 5.0], [4.0, 2.0]])
    result = x.max(1)
    values, indices = result
    assert isinstance(result, tuple) and len(result) == 2
    assert result[0] is result.values and result[1] is result.indices is indices
    assert values.tolist() == [5.0, 4.0] and indices.tolist() == [1, 0]
    assert type(result).__name__ == "max" and chainrule.return_types.max.n_fields == 2
    assert chainrule.aminmax(x).min.item() == 1.0


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("call", [
    lambda m: m.tensor([]).max(),
    lambda m: m.tensor([]).min(),
    lambda m: m.tensor([]).max(0),
    lambda m: m.tensor([]).amax(),
    lambda m: m.zeros(3, 0).amax((0, 1)),
    lambda m: m.tensor([]).argmax(),
    lambda m: m.tensor([]).argmin(0),
    lambda m: m.tensor([]).kthvalue(1),
    lambda m: m.zeros(0, 3).median(0),
    lambda m: m.tensor([]).mode(),
    lambda m: m.aminmax(m.tensor([])),
    lambda m: m.aminmax(m.zeros(0, 3), dim=0),
    lambda m: m.ones(2, 3).max(5),
    lambda m: m.ones(2, 3).sum(-3),
    lambda m: m.ones(2, 3).amax((0, 0)),
    lambda m: m.ones(2, 3).sum((1, -1)),
    lambda m: m.ones(2, 3).cumsum(2),
    lambda m: m.ones(2, 3).sort(3),
    lambda m: m.tensor(3.0).max(1),
    lambda m: m.ones(2, 3).kthvalue(4),
    lambda m: m.ones(2, 3).kthvalue(0, 0),
    lambda m: m.ones(2, 3).topk(4),
    lambda m: m.ones(2, 3).topk(-1),
    lambda m: m.tensor([1, 2]).var(),
    lambda m: m.tensor([1, 2]).std(0),
    lambda m: m.ones(2, 3).var(unbiased=True, correction=1),
    lambda m: m.tensor([1, 2]).norm(),
    lambda m: m.tensor([]).norm(INF),
    lambda m: m.zeros(0, 3).norm(-INF, dim=0),
    lambda m: m.tensor([1, 2]).logcumsumexp(0),
    lambda m: m.tensor([1, 2]).mean(),
    lambda m: m.nanmean(m.tensor([1, 2])),
    lambda m: m.ones(2, 3).norm(p="abc"),
])
def test_errors_match_pytorch(call):
    _same_error(call)


def test_prod_over_several_dims_is_a_type_error():
    with pytest.raises(TypeError):
        chainrule.ones(2, 3).prod((0, 1))


def test_vector_norm_rejects_a_string_order():
    from chainrule._ops.norms import vector_norm

    with pytest.raises(TypeError) as ours:
        vector_norm(chainrule.ones(2), "fro")
    with pytest.raises(TypeError) as theirs:
        torch.linalg.vector_norm(torch.ones(2), "fro")
    assert str(ours.value) == str(theirs.value)


def test_out_writes_tensors_and_named_tuples():
    x = chainrule.tensor([[1.0, 5.0], [4.0, 2.0]])
    total = chainrule.empty(0)
    assert chainrule.sum(x, 0, out=total) is total and total.tolist() == [5.0, 7.0]
    values, indices = chainrule.empty(2), chainrule.empty(2, dtype=chainrule.long)
    result = chainrule.max(x, 1, out=(values, indices))
    assert result.values is values and values.tolist() == [5.0, 4.0] and indices.tolist() == [1, 0]


def test_inplace_scans_match_pytorch():
    results = []
    for module in (chainrule, torch):
        x = module.tensor([1.0, 2.0, 3.0], requires_grad=True)
        running_sum, running_product = x.clone(), x.clone()
        running_sum.cumsum_(0)
        running_product.cumprod_(0)
        (running_sum * running_product).sum().backward()
        results.append([_text(running_sum), _text(running_product), _text(x.grad)])
    assert results[0] == results[1]


def test_out_with_grad_is_refused():
    x = chainrule.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as ours:
        chainrule.sum(x, 0, out=chainrule.empty(0))
    with pytest.raises(RuntimeError) as theirs:
        torch.sum(torch.ones(2, requires_grad=True), 0, out=torch.empty(0))
    assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- values at the edges
@pytest.mark.parametrize("call", [
    lambda m: m.tensor([]).sum(),
    lambda m: m.tensor([]).mean(),
    lambda m: m.tensor([]).prod(),
    lambda m: m.tensor([]).logsumexp(0),
    lambda m: m.zeros(0, 3).logsumexp(0),
    lambda m: m.tensor([]).norm(),
    lambda m: m.tensor([]).median(),
    lambda m: m.zeros(0, 3).amax(1),
    lambda m: m.zeros(0, 3).max(1),
    lambda m: m.tensor([]).cummax(0),
    lambda m: m.tensor([]).sort(),
    lambda m: m.tensor([]).topk(0),
    lambda m: m.tensor([]).all(),
    lambda m: m.tensor([]).any(),
    lambda m: m.ones(2, 3).sum(()),
    lambda m: m.ones(2, 3).mean([]),
    lambda m: m.tensor([1000.0, 1000.0]).logsumexp(0),
    lambda m: m.tensor([-INF, -INF]).logsumexp(0),
    lambda m: m.tensor([INF, 1.0]).logsumexp(0),
    lambda m: m.tensor([1.0, NAN, 2.0]).max(),
    lambda m: m.tensor([1.0, NAN, 2.0]).max(0),
    lambda m: m.tensor([1.0, NAN, 2.0]).argmin(),
    lambda m: m.tensor([1.0, NAN, 2.0]).sort(descending=True),
    lambda m: m.tensor([1.0, NAN, 2.0]).sort(),
    lambda m: m.tensor([1.0, NAN, 2.0]).topk(2),
    lambda m: m.tensor([1.0, NAN, 2.0, NAN]).cummax(0),
    lambda m: m.tensor([1.0, NAN, 2.0, NAN]).cummin(0),
    lambda m: m.tensor([1.0, NAN, 2.0]).median(),
    lambda m: m.tensor([1.0, NAN, 1.0]).median(0),
    lambda m: m.tensor([NAN, 1.0, NAN]).nanmedian(0),
    lambda m: m.tensor([NAN, NAN]).nanmedian(0),
    lambda m: m.tensor([1.0, NAN, 2.0]).nanmedian(),
    lambda m: m.nansum(m.tensor([1.0, NAN, 2.0])),
    lambda m: m.nanmean(m.tensor([[1.0, NAN], [2.0, 4.0]]), 1),
    lambda m: m.tensor([3.0, 1.0, 3.0, 1.0, 2.0]).sort(descending=True),
    lambda m: m.tensor([3.0, 1.0, 3.0]).max(0),
    lambda m: m.tensor([[1, 2, 3], [4, 5, 6]]).cumsum(1),
    lambda m: m.tensor([True, False, True]).cumsum(0),
    lambda m: m.tensor([[1, 2], [3, 4]]).prod(1),
    lambda m: m.tensor([True, True]).prod(),
    lambda m: m.tensor([[1, 2, 3], [4, 5, 6]]).logsumexp(0),
    lambda m: m.tensor([1, 0, 2], dtype=m.uint8).all(),
    lambda m: m.tensor([[1.0, 0.0], [0.0, 0.0]]).count_nonzero(0),
    lambda m: m.tensor([[1, 0, 2]]).argmax(keepdim=True),
    lambda m: m.tensor([5.0, 1.0, 1.0, 5.0]).mode(0),
    lambda m: m.tensor(3.0).max(0),
    lambda m: m.tensor(3.0).sort(),
    lambda m: m.tensor(3.0).cumsum(0),
    lambda m: m.tensor(3.0).median(0),
    lambda m: m.tensor([1.0, 2.0]).var(correction=3),
    lambda m: m.tensor([[1.0, 2.0], [3.0, 5.0]]).var(0, True, True),
    lambda m: m.tensor([[1.0, 2.0], [3.0, 5.0]]).var(False),
    lambda m: m.var_mean(m.tensor([[1.0, 2.0], [3.0, 5.0]]), 1),
    lambda m: m.std_mean(m.tensor([[1.0, 2.0], [3.0, 5.0]]), correction=0),
    lambda m: m.tensor([[1.0, 2.0], [3.0, 5.0]]).norm(p="fro", dim=(0, 1)),
    lambda m: m.tensor([0.0, 3.0, 4.0]).norm(0),
    lambda m: m.tensor([0.0, 3.0, 4.0]).norm(-1),
    lambda m: m.unique(m.tensor([3, 1, 3]), return_inverse=True, return_counts=True),
    lambda m: m.tensor([[1, 1], [0, 0], [1, 1]]).unique(dim=0),
    lambda m: m.tensor([1.0, 2.0, 3.0], dtype=m.float16).sum(),
    lambda m: m.tensor([1.0, 2.0, 4.0], dtype=m.float16).var(),
    lambda m: m.tensor([1000.0, 2000.0, 3000.0], dtype=m.float16).mean(),
    lambda m: m.tensor([100.0, 200.0], dtype=m.float16).norm(),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float16).logsumexp(0),
])
def test_values_match_pytorch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = call(chainrule), call(torch)
    assert _text(ours) == repr(theirs)


def test_degrees_of_freedom_warning():
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0"):
        chainrule.tensor([1.0]).var()
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom is <= 0"):
        chainrule.tensor([1.0, 2.0]).std(correction=2)


# ---------------------------------------------------------------- gradients at ties, zeros and nan
@pytest.mark.parametrize("call,values", [
    (lambda m, x: x.max(), [1.0, 3.0, 3.0]),
    (lambda m, x: x.min(), [[1.0, 3.0], [1.0, 1.0]]),
    (lambda m, x: x.amax(), [1.0, 3.0, 3.0]),
    (lambda m, x: x.amin(1), [[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]]),
    (lambda m, x: m.aminmax(x)[0] * 2 + m.aminmax(x)[1] * 3, [1.0, 3.0, 3.0, 1.0]),
    (lambda m, x: x.max(0)[0], [1.0, 3.0, 3.0]),
    (lambda m, x: x.min(1, keepdim=True).values, [[2.0, 1.0, 1.0], [0.0, 5.0, 0.0]]),
    (lambda m, x: x.median(), [1.0, 3.0, 3.0, 4.0]),
    (lambda m, x: x.median(), [4.0, 1.0, 3.0, 2.0]),
    (lambda m, x: x.nanmedian(), [4.0, NAN, 3.0, 2.0]),
    (lambda m, x: x.max(), [1.0, NAN, 2.0]),
    (lambda m, x: x.sort()[0], [1.0, 3.0, 3.0]),
    (lambda m, x: x.cummax(0)[0], [1.0, 3.0, 3.0, 2.0]),
    (lambda m, x: x.cummin(0)[0], [3.0, 1.0, 1.0, 2.0]),
    (lambda m, x: x.prod(), [0.0, 2.0, 3.0]),
    (lambda m, x: x.prod(), [0.0, 2.0, 0.0]),
    (lambda m, x: x.prod(1), [[0.0, 2.0, 3.0], [1.0, 2.0, 3.0]]),
    (lambda m, x: x.cumprod(0), [2.0, 0.0, 3.0]),
    (lambda m, x: x.cumprod(1), [[2.0, 0.0, 3.0, 0.0], [1.0, 2.0, 0.0, 5.0]]),
    (lambda m, x: x.norm(), [0.0, 0.0, 0.0]),
    (lambda m, x: x.norm(dim=1), [[0.0, 0.0], [3.0, 4.0]]),
    (lambda m, x: x.norm(1), [0.0, 1.0, -2.0]),
    (lambda m, x: x.norm(INF), [0.0, 2.0, -2.0]),
    (lambda m, x: x.norm(3), [0.0, 0.0, 0.0]),
    (lambda m, x: x.norm(1.5), [0.0, 3.0, 4.0]),
    (lambda m, x: x.norm(0.5), [0.0, 1.0, 0.0]),
    (lambda m, x: x.std(), [1.0, 1.0]),
    (lambda m, x: x.std(), [1.0]),
    (lambda m, x: x.var(), [1.0]),
    (lambda m, x: x.logsumexp(0), [1000.0, 1000.0]),
    (lambda m, x: x.logsumexp(0), [-INF, -INF]),
    (lambda m, x: x.logcumsumexp(0), [1000.0, 1000.0, -1000.0]),
    (lambda m, x: m.nansum(x), [1.0, NAN, 2.0]),
    (lambda m, x: m.nanmean(x), [1.0, NAN, 2.0]),
])
@pytest.mark.parametrize("upstream", [1.0, -1.0])
def test_gradients_at_edges_match_pytorch(call, values, upstream):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_grads_equal(call, values, upstream=upstream)


@pytest.mark.parametrize("ord", [2, 3, 1.5, 0.5, 1, -1, INF, 0])
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_of_one_element_is_its_magnitude(ord, dim):
    """PyTorch gives a norm over one element its magnitude, so the largest and the smallest floats neither
    overflow nor underflow through their powers; the gradients follow."""
    values = [[1.7976931348623157e308], [-2.2250738585072014e-308], [-4.9e-324], [0.0]]
    outputs = []
    for m in (chainrule, torch):
        x = m.tensor(values, dtype=m.float64, requires_grad=True)
        y = m.linalg.vector_norm(x if dim else x[1], ord, dim=dim)
        grad = m.autograd.grad(y.sum(), x, allow_unused=True)[0] if ord != 0 else None
        outputs.append((y.detach().numpy(), None if grad is None else grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = outputs
    np.testing.assert_array_equal(ours, theirs)
    if their_grad is not None:
        np.testing.assert_array_equal(our_grad, their_grad)


def test_zero_order_norm_gives_no_gradient():
    x = chainrule.tensor([0.0, 2.0], requires_grad=True)
    y = x.norm(0)
    assert type(y.grad_fn).__name__ == "LinalgVectorNormBackward0"
    y.backward()
    assert x.grad is None


@pytest.mark.parametrize("call,values", [
    (lambda m, x: x.prod(), [0.0, 2.0, 3.0]),
    (lambda m, x: x.prod(), [0.0, 2.0, 0.0, 1.5]),
    (lambda m, x: x.prod(1), [[0.0, 2.0, 3.0], [1.0, 2.0, 3.0]]),
    (lambda m, x: x.cumprod(0), [2.0, 0.0, 3.0, 1.5]),
    (lambda m, x: x.cumprod(0), [0.0, 2.0, 0.0, 3.0]),
    (lambda m, x: x.cumprod(1), [[1.0, 0.5, 2.0], [0.0, -1.0, 2.0]]),
])
def test_second_derivative_at_zeros_matches_pytorch(call, values):
    """The rules stay differentiable where the input has zeros (``create_graph``)."""
    results = []
    for module in (chainrule, torch):
        x = module.tensor(values, dtype=module.float64, requires_grad=True)
        y = call(module, x)
        (grad,) = module.autograd.grad(y, x, module.ones_like(y) * 0.5, create_graph=True)
        (second,) = module.autograd.grad((grad * module.arange(1.0, grad.numel() + 1).reshape(grad.shape)).sum(), x)
        results.append((grad.detach().numpy(), second.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_unique_is_recorded_but_not_differentiable():
    (ours, _), (theirs, _) = _both(lambda m, x: m.unique(x), [3.0, 1.0, 3.0])
    assert _text(ours) == repr(theirs)
    with pytest.raises(NotImplementedError) as ours_error:
        ours.sum().backward()
    with pytest.raises(NotImplementedError) as theirs_error:
        theirs.sum().backward()
    assert str(ours_error.value) == str(theirs_error.value)


def test_binary_max_and_min_are_maximum_and_minimum():
    (ours, _), (theirs, _) = _both(lambda m, a, b: (m.max(a, b), m.min(a, other=b)), [1.0, 5.0], [3.0, 2.0])
    assert [_text(t) for t in ours] == [repr(t) for t in theirs]


def test_grad_fn_names():
    x = chainrule.randn(2, 3, requires_grad=True)
    names = {
        "x.sum()": x.sum(), "x.nansum(1)": x.nansum(1), "x.prod()": x.prod(), "x.prod(0)": x.prod(0),
        "x.var(0)": x.var(0), "x.std()": x.std(), "x.max()": x.max(), "x.max(0)": x.max(0)[0],
        "x.min(1)": x.min(1).values, "x.amax()": x.amax(), "x.amin(1)": x.amin(1), "x.norm()": x.norm(),
        "x.norm(1, dim=1)": x.norm(1, dim=1), "x.logsumexp(1)": x.logsumexp(1), "x.cumsum(0)": x.cumsum(0),
        "x.cumprod(1)": x.cumprod(1), "x.cummax(1)": x.cummax(1)[0], "x.cummin(1)": x.cummin(1)[0],
        "x.logcumsumexp(0)": x.logcumsumexp(0), "x.sort()": x.sort()[0], "x.msort()": x.msort(),
        "x.sort(stable=True)": x.sort(stable=True)[0], "x.topk(2)": x.topk(2)[0], "x.kthvalue(1)": x.kthvalue(1)[0],
        "x.median()": x.median(), "x.median(1)": x.median(1)[0], "x.nanmedian()": x.nanmedian(),
        "x.nanmedian(0)": x.nanmedian(0)[0], "x.mode(1)": x.mode(1)[0],
    }
    tx = torch.randn(2, 3, requires_grad=True)
    for expression, result in names.items():
        expected = eval(expression, {"x": tx})
        expected = expected[0] if isinstance(expected, tuple) else expected
        assert type(result.grad_fn).__name__ == type(expected.grad_fn).__name__, expression
    for call in (lambda m, t: m.var_mean(t, 1), lambda m, t: m.std_mean(t), lambda m, t: m.aminmax(t, dim=0)):
        ours, theirs = call(chainrule, x), call(torch, tx)
        assert [type(o.grad_fn).__name__ for o in ours] == [type(o.grad_fn).__name__ for o in theirs]
    assert x.argmax().grad_fn is None and x.argsort().grad_fn is None and x.all().grad_fn is None


def _gradient_graph(module, call, values):
    """The node and next nodes of ``call``'s gradient built with ``create_graph`` (None for a missing edge)."""
    x = module.tensor(values, dtype=module.float64, requires_grad=True)
    y = call(module, x)
    upstream = module.full_like(y, 2.0).requires_grad_()
    (grad,) = module.autograd.grad(y, x, upstream, create_graph=True)
    if grad.grad_fn is None:
        return ["the upstream gradient itself" if grad is upstream else "a leaf"]
    nodes = [type(grad.grad_fn).__name__] + [node and type(node).__name__ for node, _ in grad.grad_fn.next_functions]
    return [node and node.replace("torch::autograd::", "") for node in nodes]


_TIES = [[1.0, 5.0, 5.0], [2.0, 2.0, 0.0]]


@pytest.mark.parametrize("call,values", [
    (lambda m, x: x.max(1).values, _TIES), (lambda m, x: x.min(1, keepdim=True).values, _TIES),
    (lambda m, x: x.sort(1)[0], _TIES), (lambda m, x: x.topk(2)[0], _TIES), (lambda m, x: x.kthvalue(2, 1)[0], _TIES),
    (lambda m, x: x.median(1)[0], _TIES), (lambda m, x: x.mode(1)[0], _TIES), (lambda m, x: x.cummax(1)[0], _TIES),
    (lambda m, x: x.cummin(0)[0], _TIES), (lambda m, x: x.gather(1, m.tensor([[2, 2], [0, 1]])), _TIES),
    (lambda m, x: x.scatter(1, m.tensor([[1], [0]]), 0.0), _TIES), (lambda m, x: x.flip(0, 1), _TIES),
    (lambda m, x: x.cumsum(1), _TIES), (lambda m, x: x.cumsum(1), [[1.0], [2.0]]), (lambda m, x: x.cumsum(0), 3.0),
    (lambda m, x: x.max(0).values, 3.0), (lambda m, x: x.flip(0), 3.0),
])
def test_gradient_graphs_match_pytorch(call, values):
    """A value-selecting op sends its gradient back as PyTorch does: a scatter (for cummax, cummin and
    gather a scatter-add) into zeros, whose edge to the zeros is missing; a cumsum gradient is two flips
    around a cumsum, or the gradient itself when there is nothing to add up."""
    assert _gradient_graph(chainrule, call, values) == _gradient_graph(torch, call, values)
