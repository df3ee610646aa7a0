"""Shape, joining, indexing and scatter ops: error messages, writes through ``x[index] = v`` and the
structure of multi-output nodes, compared with PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import chainrule


def _a(m):
    return m.arange(6.).reshape(2, 3)


def _x(m):
    return m.arange(60.).reshape(3, 4, 5)


ERRORS = {
    "cat empty": lambda m: m.cat([]),
    "cat 0-d": lambda m: m.cat([m.tensor(1.), m.tensor(2.)]),
    "cat sizes": lambda m: m.cat([_a(m), _a(m).t()]),
    "cat ndim": lambda m: m.cat([_a(m), m.ones(3)]),
    "cat dim": lambda m: m.cat([_a(m), _a(m)], 2),
    "cat one tensor": lambda m: m.cat(_a(m)),
    "stack empty": lambda m: m.stack([]),
    "stack sizes": lambda m: m.stack([_a(m), _a(m).t()]),
    "stack dim": lambda m: m.stack([_a(m), _a(m)], 3),
    "hstack empty": lambda m: m.hstack([]),
    "split zero": lambda m: _a(m).split(0),
    "split sizes": lambda m: _a(m).split([1, 3]),
    "split negative": lambda m: _a(m).split(-1),
    "split 0-d": lambda m: m.tensor(1.).split(1),
    "chunk zero": lambda m: _a(m).chunk(0),
    "unbind 0-d": lambda m: m.tensor(1.).unbind(),
    "tensor_split zero": lambda m: _a(m).tensor_split(0, 1),
    "tensor_split float": lambda m: _a(m).tensor_split(m.tensor(1.)),
    "repeat too few": lambda m: _a(m).repeat(2),
    "repeat negative": lambda m: _a(m).repeat(-1, 2),
    "flip repeated dim": lambda m: _a(m).flip(0, 0),
    "fliplr 1-d": lambda m: m.ones(3).fliplr(),
    "flipud 0-d": lambda m: m.tensor(1.).flipud(),
    "roll mismatch": lambda m: _a(m).roll((1, 2), (0,)),
    "rot90 1-d": lambda m: m.ones(3).rot90(),
    "rot90 same dims": lambda m: _a(m).rot90(1, [0, 0]),
    "rot90 one dim": lambda m: _a(m).rot90(1, [0]),
    "narrow past end": lambda m: _a(m).narrow(1, 2, 3),
    "narrow start": lambda m: _a(m).narrow(1, 5, 0),
    "narrow length": lambda m: _a(m).narrow(1, 0, -1),
    "tril 1-d": lambda m: m.ones(3).tril(),
    "triu 1-d": lambda m: m.ones(3).triu(),
    "diag 3-d": lambda m: m.zeros(2, 2, 2).diag(),
    "diagonal same dims": lambda m: _a(m).diagonal(0, 0, 0),
    "trace 1-d": lambda m: m.ones(3).trace(),
    "unfold too big": lambda m: _a(m).unfold(1, 4, 1),
    "unfold step": lambda m: _a(m).unfold(1, 2, 0),
    "unflatten sizes": lambda m: _a(m).unflatten(1, (2, 2)),
    "unflatten empty": lambda m: _a(m).unflatten(1, ()),
    "movedim repeated": lambda m: m.zeros(2, 3, 4).movedim((0, 0), (1, 2)),
    "movedim lengths": lambda m: m.zeros(2, 3, 4).movedim((0, 1), (1,)),
    "H 3-d": lambda m: m.zeros(2, 3, 4).H,
    "mT 1-d": lambda m: m.ones(3).mT,
    "index out of range": lambda m: _a(m)[5],
    "index out of range dim 1": lambda m: _a(m)[0, 7],
    "index negative": lambda m: _a(m)[-3],
    "index after ellipsis": lambda m: _x(m)[..., 9],
    "index tensor out of range": lambda m: m.ones(3)[m.tensor([0, 5])],
    "index array dims": lambda m: _x(m)[[1], :, [7]],
    "too many indices": lambda m: _a(m)[0, 0, 0],
    "0-d index": lambda m: m.tensor(2.)[0],
    "float index": lambda m: _a(m)[m.tensor([1.])],
    "float number index": lambda m: _a(m)[1.5],
    "mask shape": lambda m: _a(m)[m.tensor([True, False, True])],
    "mask shape after slice": lambda m: _x(m)[:, m.tensor([True, False, True])],
    "negative step": lambda m: _a(m)[::-1],
    "gather dims": lambda m: _a(m).gather(1, m.tensor([0])),
    "gather size": lambda m: _a(m).gather(1, m.zeros(3, 3, dtype=m.long)),
    "gather out of range": lambda m: _a(m).gather(1, m.tensor([[5]])),
    "gather float index": lambda m: _a(m).gather(1, m.tensor([[1.]])),
    "scatter dtype": lambda m: _a(m).scatter(1, m.tensor([[0]]), m.ones(1, 1, dtype=m.float64)),
    "scatter out of range": lambda m: _a(m).scatter(1, m.tensor([[9]]), 1.),
    "index_select matrix": lambda m: _a(m).index_select(0, m.tensor([[0]])),
    "index_select out of range": lambda m: _a(m).index_select(0, m.tensor([5])),
    "index_select float": lambda m: _a(m).index_select(0, m.tensor([1.])),
    "index_add count": lambda m: _a(m).index_add(0, m.tensor([0]), m.ones(2, 3)),
    "index_add dtype": lambda m: _a(m).index_add(0, m.tensor([0]), m.ones(1, 3, dtype=m.float64)),
    "index_copy count": lambda m: _a(m).index_copy(0, m.tensor([0]), m.ones(2, 3)),
    "index_fill vector value": lambda m: _a(m).index_fill(0, m.tensor([0]), m.ones(2)),
    "masked_fill float mask": lambda m: _a(m).masked_fill(m.ones(2, 3), 0.),
    "masked_fill shapes": lambda m: _a(m).masked_fill(m.ones(2, dtype=m.bool), 0.),
    "masked_select float mask": lambda m: _a(m).masked_select(_a(m)),
    "take out of range": lambda m: _a(m).take(m.tensor([6])),
    "take float": lambda m: _a(m).take(m.tensor([1.])),
}


def _failure(module, build):
    with pytest.raises(Exception) as info:
        build(module)
    return info.type, str(info.value).replace("chainrule.", "torch.")


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    assert _failure(chainrule, ERRORS[name]) == _failure(torch, ERRORS[name])


def _write(module, target, index, value):
    target[index] = value


WRITE_ERRORS = {
    "value too long": (lambda m: m.zeros(3, 4), 0, lambda m: m.ones(2)),
    "value too many dims": (lambda m: m.zeros(3, 4), 0, lambda m: m.ones(2, 4)),
    "advanced shape": (lambda m: m.zeros(3, 4), [0, 1], lambda m: m.ones(3, 4)),
    "string": (lambda m: m.zeros(3), 0, lambda m: "a"),
}


@pytest.mark.parametrize("name", list(WRITE_ERRORS))
def test_write_errors_match_torch(name):
    target, index, value = WRITE_ERRORS[name]

    def build(m):
        _write(m, target(m), index, value(m))

    assert _failure(chainrule, build) == _failure(torch, build)


def _leaf(module):
    return module.arange(6.).reshape(2, 3).clone().requires_grad_()


def test_write_into_leaf_refuses_with_the_view_message():
    for build in (lambda m, x: x.__setitem__(0, 1.), lambda m, x: x[0].__setitem__(0, 1.)):
        assert _failure(chainrule, lambda m: build(m, _leaf(m))) == _failure(torch, lambda m: build(m, _leaf(m)))


def test_write_under_no_grad_keeps_the_leaf():
    seen = []
    for m in (chainrule, torch):
        x = _leaf(m)
        with m.no_grad():
            x[0, 1] = 7.
        seen.append((x.is_leaf, x.grad_fn is None, x._version, repr(x).replace("torch", "chainrule")))
    assert seen[0] == seen[1]


def test_writing_a_tensor_that_requires_grad_makes_a_constant_a_non_leaf():
    texts = []
    for m in (chainrule, torch):
        x = m.tensor([1., 2.], requires_grad=True)
        t = m.zeros(3)
        t[1] = x[0]
        t.sum().backward()
        texts.append((repr(t), t.is_leaf, t._version, repr(x.grad)))
    assert texts[0] == texts[1]


@pytest.mark.parametrize("index", [0, (slice(None), 1), (Ellipsis,), ([0, 0],), (0, [1, 2]), (True,)])
def test_written_region_routes_gradients(index):
    results = []
    for m in (chainrule, torch):
        x = m.arange(6.).reshape(2, 3).requires_grad_()
        v = m.tensor(5., requires_grad=True)
        y = x * 2
        y[index] = v * 3
        (y * m.arange(6.).reshape(2, 3)).sum().backward()
        results.append((type(y.grad_fn).__name__, y._version, x.grad.tolist(), v.grad.item()))
    assert results[0] == results[1]


@pytest.mark.parametrize("write", [
    lambda y, v: y[1].__setitem__(slice(1, None), v * 3),
    lambda y, v: y.t()[:, 0].__setitem__(0, v),
    lambda y, v: y[:, 1:].diagonal().__setitem__(1, v),
    lambda y, v: y.view(6)[::2].__setitem__(1, v),
])
def test_writes_through_a_view_reach_the_base(write):
    results = []
    for m in (chainrule, torch):
        x = m.arange(6.).reshape(2, 3).requires_grad_()
        v = m.tensor(5., requires_grad=True)
        y = x * 2
        write(y, v)
        (y * m.arange(6.).reshape(2, 3)).sum().backward()
        results.append((repr(y).replace("chainrule", "torch"), x.grad.tolist(), v.grad.item()))
    assert results[0] == results[1]


@pytest.mark.parametrize("op", [lambda v, w: v.mul_(3), lambda v, w: v.mul_(w), lambda v, w: v.add_(w * 2)])
def test_in_place_op_on_a_view_is_recorded_on_its_base(op):
    """``write_through_view`` is what an in-place op on a view calls after taking over the view's node."""
    from chainrule._ops.view_writes import write_through_view

    results = []
    for m in (chainrule, torch):
        x = m.arange(6.).reshape(2, 3).requires_grad_()
        w = m.tensor(1.5, requires_grad=True)
        y = x * 1
        view = y[:, 1:]
        op(view, w)
        if m is chainrule and type(y.grad_fn).__name__ != "CopySlices":
            write_through_view(view, view.grad_fn)
        loss = (y * m.arange(6.).reshape(2, 3)).sum() + view.sum()
        grads = m.autograd.grad(loss, (x, w), allow_unused=True)
        results.append((type(y.grad_fn).__name__, type(view.grad_fn).__name__, y.tolist(),
                        [None if g is None else g.tolist() for g in grads]))
    assert results[0] == results[1]


def test_overwriting_a_saved_tensor_is_detected():
    x = chainrule.ones(3, requires_grad=True)
    y = x.exp()
    y[0] = 0.
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_split_outputs_share_one_node_and_the_version_counter():
    for m in (chainrule, torch):
        x = m.arange(6.).reshape(3, 2).requires_grad_()
        parts = x * 1
        a, b = parts.split([1, 2])
        assert a.grad_fn is b.grad_fn and (a.output_nr, b.output_nr) == (0, 1)
        b.sum().backward()
        assert x.grad.tolist() == [[0., 0.], [1., 1.], [1., 1.]]
        parts.add_(1)
        assert a._version == parts._version == 1


@pytest.mark.parametrize("call", [
    lambda m, x: x.unbind(1)[1].sum(), lambda m, x: x.chunk(3)[2].sum(), lambda m, x: m.cat(x.split(1), 1).sum(),
])
def test_multi_output_gradients(call):
    grads = []
    for m in (chainrule, torch):
        x = m.arange(6.).reshape(3, 2).requires_grad_()
        call(m, x).backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


IN_PLACE = {
    "masked_fill_": lambda m, y, v: y.masked_fill_(y > 3, 0.5),
    "masked_fill_ tensor": lambda m, y, v: y.masked_fill_(y > 3, v),
    "index_fill_": lambda m, y, v: y.index_fill_(1, m.tensor([0, 2]), v),
    "index_add_": lambda m, y, v: y.index_add_(0, m.tensor([1, 1]), v.expand(2, 3) * 1, alpha=2),
    "index_copy_": lambda m, y, v: y.index_copy_(0, m.tensor([1]), v.expand(1, 3) * 1),
    "scatter_": lambda m, y, v: y.scatter_(1, m.tensor([[2], [0]]), v.expand(2, 1) * 1),
    "scatter_add_": lambda m, y, v: y.scatter_add_(1, m.tensor([[2, 2], [0, 1]]), v.expand(2, 2) * 1),
}


@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_variants_match_torch(name):
    results = []
    for m in (chainrule, torch):
        x = m.arange(6.).reshape(2, 3).requires_grad_()
        v = m.tensor(7., requires_grad=True)
        y = x * 1
        r = IN_PLACE[name](m, y, v)
        grads = m.autograd.grad(r, (x, v), m.ones(2, 3), allow_unused=True)
        results.append((r is y, y._version, type(r.grad_fn).__name__, r.tolist(),
                        [None if g is None else g.tolist() for g in grads]))
    assert results[0] == results[1]


def test_repeated_indices_accumulate():
    for m in (chainrule, torch):
        x = m.arange(4.).requires_grad_()
        x[[0, 0, 3, 0]].sum().backward()
        assert x.grad.tolist() == [3., 0., 0., 1.]


def test_empty_chunks_and_tensor_split_bounds_match_torch():
    for build in (lambda m: m.zeros(0).chunk(2), lambda m: m.zeros(5).chunk(4),
                  lambda m: m.arange(3.).tensor_split([2, 1]), lambda m: m.zeros(0, 2).split(1)):
        ours, theirs = build(chainrule), build(torch)
        assert [tuple(t.shape) for t in ours] == [tuple(t.shape) for t in theirs]


def test_nonzero_and_argwhere_match_torch():
    data = np.array([[0., 1.5, 0.], [2., 0., -1.]])
    for args in [dict(), dict(as_tuple=True)]:
        ours = chainrule.nonzero(chainrule.tensor(data), **args)
        theirs = torch.nonzero(torch.tensor(data), **args)
        if args:
            assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]
        else:
            assert ours.tolist() == theirs.tolist() and ours.dtype == chainrule.int64
    assert [t.tolist() for t in chainrule.nonzero(chainrule.tensor(3.), as_tuple=True)] == [[0]]
    assert tuple(chainrule.argwhere(chainrule.tensor(3.)).shape) == (1, 0)


def test_diagonal_is_a_writeable_view():
    for m in (chainrule, torch):
        x = m.zeros(3, 3)
        x.diagonal().fill_(1.)
        assert x.tolist() == np.eye(3).tolist()


def test_views_return_the_tensor_itself_where_torch_does():
    for m in (chainrule, torch):
        v = m.ones(3, requires_grad=True)
        assert v.flatten() is v
        assert m.atleast_1d(v) is v


@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("with_tensor", [True, False])
def test_scatter_with_reduce_matches_torch(reduce, with_tensor):
    """The values PyTorch gives, its deprecation warning for a tensor source, and no derivative."""
    results = {}
    for lib in (chainrule, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        index = lib.tensor([[0, 1, 0], [1, 0, 1]])
        src = lib.full((2, 3), 2.0, dtype=lib.float64, requires_grad=True) if with_tensor else 3.0
        if with_tensor and lib is chainrule:  # PyTorch warns once per process, so only its first call would
            with pytest.warns(UserWarning, match="The reduce argument of torch.scatter with Tensor src is deprecated"):
                y = x.scatter(0, index, src, reduce=reduce)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = x.scatter(0, index, src, reduce=reduce)
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()
        integers = lib.arange(6).reshape(2, 3).scatter(0, index, 2, reduce=reduce)
        results[lib] = (y.tolist(), type(y.grad_fn).__name__, integers.tolist(), str(integers.dtype).split(".")[1])
        with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply."):
            x.scatter(0, index, 1.0, reduce="mean")
    assert results[chainrule] == results[torch]


ZERO_D_TRANSPOSES = {  # expression: PyTorch's deprecation warning (it warns once per process, so it is written here)
    "x.T": "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
    "x.mT": "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
    "x.mH": "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().",
    "x.H": "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
    "x.adjoint()": "adjoint() is deprecated on 0-D tensors. Consider using x.conj().",
}


@pytest.mark.parametrize("expression", ZERO_D_TRANSPOSES)
@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_matrix_transposes_of_a_0d_tensor_warn_and_compute_as_torch_does(expression, dtype):
    import warnings

    seen = {}
    for module in (chainrule, torch):
        x = module.tensor(0.5 + (0.25j if dtype == "complex64" else 0), dtype=getattr(module, dtype),
                          requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = eval(expression)  # the test's own fixed expressions
        seen[module] = (result is x, type(result.grad_fn).__name__, complex(result.resolve_conj().item()))
        if module is chainrule:
            assert [(str(w.message), w.category, w.filename) for w in caught] == [
                (ZERO_D_TRANSPOSES[expression], UserWarning, "<string>")]  # the line that asked
    assert seen[chainrule] == seen[torch]


def test_the_deprecation_of_T_beyond_two_dims_points_at_the_callers_line():
    x = chainrule.ones(2, 3, 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reversed_dims = x.T
    assert [(w.category, w.filename) for w in caught] == [(UserWarning, __file__)]
    assert "The use of `x.T` on tensors of dimension other than 2" in str(caught[0].message)
    assert reversed_dims.shape == (4, 3, 2)
