"""Matrix products against PyTorch: error types and messages, backward node names for every rank
combination of ``@``, the fused ``add*`` products in and out of place, einsum's call forms, matrix
powers, ``out=`` and second derivatives."""

import warnings

import numpy as np
import pytest
import torch
from matrix_checks import MODULES, double_in, ones_in, same_error

import chainrule


def _pair(array):
    return chainrule.tensor(array), torch.tensor(array)


ERRORS = {
    "mm inner": lambda m: m.mm(ones_in(m, 2, 3), ones_in(m, 2, 3)),
    "mm dtype": lambda m: m.mm(ones_in(m, 3, 4), double_in(m, 4, 3)),
    "mv 1-d": lambda m: m.mv(ones_in(m, 4), ones_in(m, 4)),
    "mv dtype": lambda m: m.mv(ones_in(m, 3, 4), double_in(m, 4)),
    "bmm dtype": lambda m: m.bmm(ones_in(m, 2, 3, 4), double_in(m, 2, 4, 3)),
    "bmm batch": lambda m: m.bmm(ones_in(m, 2, 3, 4), ones_in(m, 3, 4, 3)),
    "dot size": lambda m: m.dot(ones_in(m, 3), ones_in(m, 4)),
    "vdot 2-d": lambda m: m.vdot(ones_in(m, 3, 1), ones_in(m, 3)),
    "matmul 0-d": lambda m: m.matmul(m.tensor(1.0), ones_in(m, 2, 2)),
    "matmul 3d inner": lambda m: ones_in(m, 2, 3, 4) @ ones_in(m, 2, 5, 3),
    "matmul 3d@2d inner": lambda m: ones_in(m, 2, 3, 4) @ ones_in(m, 5, 3),
    "matmul 3d@1d inner": lambda m: ones_in(m, 2, 3, 4) @ ones_in(m, 5),
    "matmul 1d@3d inner": lambda m: ones_in(m, 4) @ ones_in(m, 2, 5, 3),
    "matmul batch": lambda m: ones_in(m, 2, 1, 2, 3) @ ones_in(m, 3, 1, 3, 4),
    "matmul dtype": lambda m: ones_in(m, 2, 3, 4) @ double_in(m, 2, 4, 3),
    "matmul long float": lambda m: m.ones(2, 3, dtype=m.int64) @ ones_in(m, 3, 2),
    "addmm inner": lambda m: m.addmm(ones_in(m, 3, 3), ones_in(m, 3, 4), ones_in(m, 3, 4)),
    "addmm input": lambda m: m.addmm(ones_in(m, 3, 3), ones_in(m, 3, 4), ones_in(m, 4, 4)),
    "addmm 1-d": lambda m: m.addmm(ones_in(m, 3, 3), ones_in(m, 4), ones_in(m, 4, 3)),
    "addmm dtypes": lambda m: m.addmm(ones_in(m, 3, 3), double_in(m, 3, 4), ones_in(m, 4, 3)),
    "addmm input dtype": lambda m: m.addmm(double_in(m, 3, 3), ones_in(m, 3, 4), ones_in(m, 4, 3)),
    "addmv size": lambda m: m.addmv(ones_in(m, 4), ones_in(m, 3, 4), ones_in(m, 4)),
    "addmv dtype": lambda m: m.addmv(ones_in(m, 3), ones_in(m, 3, 4), double_in(m, 4)),
    "baddbmm batch": lambda m: m.baddbmm(ones_in(m, 2, 3, 3), ones_in(m, 2, 3, 4), ones_in(m, 3, 4, 3)),
    "baddbmm dtype": lambda m: m.baddbmm(double_in(m, 3), ones_in(m, 2, 3, 4), ones_in(m, 2, 4, 3)),
    "addbmm batch": lambda m: m.addbmm(ones_in(m, 3, 3), ones_in(m, 2, 3, 4), ones_in(m, 3, 4, 3)),
    "addbmm sizes": lambda m: m.addbmm(ones_in(m, 3, 3), ones_in(m, 2, 3, 4), ones_in(m, 2, 5, 3)),
    "outer 2-d": lambda m: m.outer(ones_in(m, 3), ones_in(m, 3, 2)),
    "inner mismatch": lambda m: m.inner(ones_in(m, 2, 3), ones_in(m, 4)),
    "tensordot sizes": lambda m: m.tensordot(ones_in(m, 2, 3), ones_in(m, 4, 3), dims=1),
    "tensordot negative": lambda m: m.tensordot(ones_in(m, 2, 3), ones_in(m, 3, 4), dims=-1),
    "tensordot lists": lambda m: m.tensordot(ones_in(m, 2, 3), ones_in(m, 3, 4), dims=([1], [0, 1])),
    "tensordot dtype": lambda m: m.tensordot(ones_in(m, 2, 3), double_in(m, 3, 4), dims=1),
    "einsum sizes": lambda m: m.einsum("ij,jk->ik", ones_in(m, 2, 3), ones_in(m, 4, 5)),
    "einsum few operands": lambda m: m.einsum("ij,jk->ik", ones_in(m, 2, 3)),
    "einsum many operands": lambda m: m.einsum("ij->", ones_in(m, 2, 3), ones_in(m, 3, 4)),
    "einsum dims": lambda m: m.einsum("ij->i", ones_in(m, 2, 3, 4)),
    "einsum output": lambda m: m.einsum("ij->k", ones_in(m, 2, 3)),
    "einsum repeated output": lambda m: m.einsum("ij->ii", ones_in(m, 2, 3)),
    "einsum subscript": lambda m: m.einsum("i1->i", ones_in(m, 2, 3)),
    "einsum diagonal sizes": lambda m: m.einsum("ii->i", ones_in(m, 2, 3)),
    "einsum dtype": lambda m: m.einsum("ij,jk->ik", ones_in(m, 2, 3), double_in(m, 3, 4)),
    "matrix_exp non-square": lambda m: m.linalg.matrix_exp(ones_in(m, 2, 3)),
    "matrix_exp long": lambda m: m.linalg.matrix_exp(m.ones(2, 2, dtype=m.int64)),
    "matrix_power non-square": lambda m: m.linalg.matrix_power(ones_in(m, 2, 3), 2),
    "matrix_power 1-d": lambda m: m.linalg.matrix_power(ones_in(m, 3), 2),
    "matrix_power long inverse": lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.int64), -1),
    "cross length": lambda m: m.linalg.cross(ones_in(m, 2, 4), ones_in(m, 2, 4)),
    "cross broadcast": lambda m: m.linalg.cross(ones_in(m, 2, 3), ones_in(m, 3, 3)),
    "cross ranks": lambda m: m.linalg.cross(ones_in(m, 2, 3), ones_in(m, 3)),
    "multi_dot one": lambda m: m.linalg.multi_dot([ones_in(m, 2, 2)]),
    "multi_dot last 3-d": lambda m: m.linalg.multi_dot([ones_in(m, 2, 2), ones_in(m, 2, 2, 2)]),
    "multi_dot middle vector": lambda m: m.linalg.multi_dot([ones_in(m, 2, 2), ones_in(m, 2), ones_in(m, 2, 2)]),
    "multi_dot shapes": lambda m: m.linalg.multi_dot([ones_in(m, 2, 3), ones_in(m, 2, 2)]),
    "multi_dot dtype": lambda m: m.linalg.multi_dot([ones_in(m, 2, 2), double_in(m, 2, 2)]),
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_matches_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same_error(ERRORS[name])


# ---------------------------------------------------------------- matmul's route, by rank and requires_grad
MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)),
    ((1, 3), (5, 3, 4)), ((2, 3), (5, 3, 1)), ((5, 2, 3), (3,)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)), ((1, 1, 3), (5, 3, 4)), ((1, 2, 3), (1, 3, 4)), ((1, 2, 3), (2, 1, 3, 4)),
    ((5, 2, 3), (1, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((2, 3), (2, 5, 3, 4)), ((1, 2, 0), (5, 0, 4)),
    ((1, 2, 3), (0, 3, 4)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("requires_grad", [(True, True), (True, False), (False, True)], ids=str)
def test_matmul_node_names_and_values(shapes, requires_grad):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for m in MODULES:
        a, b = (m.tensor(x, requires_grad=r) for x, r in zip(arrays, requires_grad))
        out = a @ b
        out.backward(m.ones_like(out))
        grads = [t.grad.numpy() for t in (a, b) if t.requires_grad]
        results.append((type(out.grad_fn).__name__, out.detach().numpy(), grads))
    (name, value, grads), (torch_name, torch_value, torch_grads) = results
    assert name == torch_name
    np.testing.assert_allclose(value, torch_value, rtol=1e-12, atol=1e-12)
    for g, tg in zip(grads, torch_grads):
        np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-12)


def test_matmul_with_a_number_is_a_type_error():
    for m in MODULES:
        with pytest.raises(TypeError):
            ones_in(m, 2, 3) @ 2


@pytest.mark.parametrize("dtype", ["int64", "complex128"])
def test_matmul_of_other_dtypes(dtype):
    rng = np.random.default_rng(0)
    a = rng.integers(-3, 3, (2, 3)).astype(dtype)
    b = rng.integers(-3, 3, (3, 2)).astype(dtype)
    ours = chainrule.tensor(a) @ chainrule.tensor(b)
    theirs = torch.tensor(a) @ torch.tensor(b)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---------------------------------------------------------------- products
def test_addmm_with_beta_zero_ignores_nan_in_input():
    for m in MODULES:
        out = m.addmm(m.tensor([float("nan")]), m.ones(1, 1), m.ones(1, 1), beta=0)
        assert out.item() == 1.0


def test_addmm_saves_its_scalars():
    for m in MODULES:
        out = m.addmm(m.ones(2, requires_grad=True), m.ones(2, 3), m.ones(3, 2), beta=0.5, alpha=2)
        assert (out.grad_fn._saved_alpha, out.grad_fn._saved_beta) == (2, 0.5)


def test_fused_products_in_place():
    rng = np.random.default_rng(0)
    calls = {"addmm_": ((2, 2), (2, 3), (3, 2)), "addmv_": ((2,), (2, 3), (3,)),
             "baddbmm_": ((2, 2, 2), (2, 2, 3), (2, 3, 2)), "addbmm_": ((2, 2), (2, 2, 3), (2, 3, 2))}
    for name, shapes in calls.items():
        arrays = [rng.standard_normal(s) for s in shapes]
        results = []
        for m in MODULES:
            leaf = m.tensor(arrays[0], requires_grad=True)
            target = leaf.clone()
            returned = getattr(target, name)(*(m.tensor(a) for a in arrays[1:]), beta=0.5, alpha=2.0)
            assert returned is target
            target.sum().backward()
            results.append((type(target.grad_fn).__name__, target.detach().numpy(), leaf.grad.numpy()))
        assert results[0][0] == results[1][0]
        np.testing.assert_allclose(results[0][1], results[1][1])
        np.testing.assert_allclose(results[0][2], results[1][2])
    same_error(lambda m: m.ones(2).addmm_(m.ones(2, 3), m.ones(3, 2)))


def test_einsum_call_forms():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    for call in (lambda m, x, y: m.einsum("ij,jk", [x, y]),
                 lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [0, 2]),
                 lambda m, x, y: m.einsum(x, [0, Ellipsis], y, [Ellipsis, 2]),
                 lambda m, x, y: m.einsum(" i j , j k -> k i ", x, y)):
        ours = call(chainrule, chainrule.tensor(a), chainrule.tensor(b))
        theirs = call(torch, torch.tensor(a), torch.tensor(b))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_outer_records_a_product_of_a_reshape():
    for m in MODULES:
        out = m.outer(m.ones(3, requires_grad=True), m.ones(2))
        names = [type(n).__name__ for n, _ in out.grad_fn.next_functions]
        assert (type(out.grad_fn).__name__, names) == ("MulBackward0", ["ViewBackward0", "NoneType"])


def test_matrix_power_node_names():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    for n in (0, 1, 2, 3, 4, 6, -1, -3):
        names = []
        for m, x in zip(MODULES, _pair(a)):
            x.requires_grad_()
            out = m.linalg.matrix_power(x, n)
            names.append([type(out.grad_fn).__name__] + [type(f).__name__ for f, _ in out.grad_fn.next_functions])
        assert names[0] == names[1], n


def test_matrix_power_of_integers():
    a = np.array([[1, 2], [3, 4]])
    ours, theirs = _pair(a)
    np.testing.assert_array_equal(chainrule.linalg.matrix_power(ours, 5).numpy(),
                                  torch.linalg.matrix_power(theirs, 5).numpy())


def test_out_arguments():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2)
    for call in (lambda m, x, y, o: m.mm(x, y, out=o), lambda m, x, y, o: m.matmul(x, y, out=o),
                 lambda m, x, y, o: m.addmm(m.zeros(2, 2, dtype=x.dtype), x, y, out=o)):
        results = []
        for m in MODULES:
            out = m.empty(2, 2, dtype=m.float64)
            returned = call(m, m.tensor(a), m.tensor(b), out)
            assert returned is out
            results.append(out.numpy())
        np.testing.assert_allclose(*results)
    same_error(lambda m: m.mm(m.ones(2, 3, requires_grad=True), m.ones(3, 2), out=m.empty(2, 2)))


SECOND_ORDER = {
    "einsum": lambda m, x: m.einsum("ij,jk,ki->i", x, x, x),
    "matrix_exp": lambda m, x: m.linalg.matrix_exp(x),
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_torch(name):
    """Rules built from products and exponentials of the operands stay differentiable."""
    array = np.random.default_rng(0).standard_normal((3, 3)) + 2 * np.eye(3)
    results = []
    for m, x in zip(MODULES, _pair(array)):
        x.requires_grad_()
        y = SECOND_ORDER[name](m, x)
        (g,) = m.autograd.grad((y * y * y).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        results.append(gg.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-7, atol=1e-9)
