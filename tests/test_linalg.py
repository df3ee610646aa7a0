"""Matrix products and chainrule.linalg against PyTorch: error types and messages, backward node
names for every rank combination of ``@``, named results and edge values."""

import math
import warnings

import numpy as np
import pytest
import torch

import chainrule

MODULES = (chainrule, torch)


def _raised(module, call):
    try:
        call(module)
    except Exception as error:  # the comparison below checks the type and the message
        return error
    return None


def _same_error(call):
    ours, theirs = (_raised(m, call) for m in MODULES)
    assert theirs is not None, "PyTorch did not raise"
    assert ours is not None, f"chainrule did not raise; PyTorch raised {theirs!r}"
    if isinstance(theirs, torch.linalg.LinAlgError):
        assert isinstance(ours, chainrule.linalg.LinAlgError)
    assert type(ours).__name__ == type(theirs).__name__.lstrip("_")
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


def _ones(module, *shape, dtype=None):
    return module.ones(*shape, dtype=dtype or module.float32)


def _double(module, *shape):
    return module.ones(*shape, dtype=module.float64)


ERRORS = {
    "mm inner": lambda m: m.mm(_ones(m, 2, 3), _ones(m, 2, 3)),
    "mm dtype": lambda m: m.mm(_ones(m, 3, 4), _double(m, 4, 3)),
    "mv 1-d": lambda m: m.mv(_ones(m, 4), _ones(m, 4)),
    "mv dtype": lambda m: m.mv(_ones(m, 3, 4), _double(m, 4)),
    "bmm dtype": lambda m: m.bmm(_ones(m, 2, 3, 4), _double(m, 2, 4, 3)),
    "bmm batch": lambda m: m.bmm(_ones(m, 2, 3, 4), _ones(m, 3, 4, 3)),
    "dot size": lambda m: m.dot(_ones(m, 3), _ones(m, 4)),
    "vdot 2-d": lambda m: m.vdot(_ones(m, 3, 1), _ones(m, 3)),
    "matmul 0-d": lambda m: m.matmul(m.tensor(1.0), _ones(m, 2, 2)),
    "matmul 3d inner": lambda m: _ones(m, 2, 3, 4) @ _ones(m, 2, 5, 3),
    "matmul 3d@2d inner": lambda m: _ones(m, 2, 3, 4) @ _ones(m, 5, 3),
    "matmul 3d@1d inner": lambda m: _ones(m, 2, 3, 4) @ _ones(m, 5),
    "matmul 1d@3d inner": lambda m: _ones(m, 4) @ _ones(m, 2, 5, 3),
    "matmul batch": lambda m: _ones(m, 2, 1, 2, 3) @ _ones(m, 3, 1, 3, 4),
    "matmul dtype": lambda m: _ones(m, 2, 3, 4) @ _double(m, 2, 4, 3),
    "matmul long float": lambda m: m.ones(2, 3, dtype=m.int64) @ _ones(m, 3, 2),
    "addmm inner": lambda m: m.addmm(_ones(m, 3, 3), _ones(m, 3, 4), _ones(m, 3, 4)),
    "addmm input": lambda m: m.addmm(_ones(m, 3, 3), _ones(m, 3, 4), _ones(m, 4, 4)),
    "addmm 1-d": lambda m: m.addmm(_ones(m, 3, 3), _ones(m, 4), _ones(m, 4, 3)),
    "addmm dtypes": lambda m: m.addmm(_ones(m, 3, 3), _double(m, 3, 4), _ones(m, 4, 3)),
    "addmm input dtype": lambda m: m.addmm(_double(m, 3, 3), _ones(m, 3, 4), _ones(m, 4, 3)),
    "addmv size": lambda m: m.addmv(_ones(m, 4), _ones(m, 3, 4), _ones(m, 4)),
    "addmv dtype": lambda m: m.addmv(_ones(m, 3), _ones(m, 3, 4), _double(m, 4)),
    "baddbmm batch": lambda m: m.baddbmm(_ones(m, 2, 3, 3), _ones(m, 2, 3, 4), _ones(m, 3, 4, 3)),
    "baddbmm dtype": lambda m: m.baddbmm(_double(m, 3), _ones(m, 2, 3, 4), _ones(m, 2, 4, 3)),
    "addbmm batch": lambda m: m.addbmm(_ones(m, 3, 3), _ones(m, 2, 3, 4), _ones(m, 3, 4, 3)),
    "addbmm sizes": lambda m: m.addbmm(_ones(m, 3, 3), _ones(m, 2, 3, 4), _ones(m, 2, 5, 3)),
    "outer 2-d": lambda m: m.outer(_ones(m, 3), _ones(m, 3, 2)),
    "inner mismatch": lambda m: m.inner(_ones(m, 2, 3), _ones(m, 4)),
    "tensordot sizes": lambda m: m.tensordot(_ones(m, 2, 3), _ones(m, 4, 3), dims=1),
    "tensordot negative": lambda m: m.tensordot(_ones(m, 2, 3), _ones(m, 3, 4), dims=-1),
    "tensordot lists": lambda m: m.tensordot(_ones(m, 2, 3), _ones(m, 3, 4), dims=([1], [0, 1])),
    "tensordot dtype": lambda m: m.tensordot(_ones(m, 2, 3), _double(m, 3, 4), dims=1),
    "einsum sizes": lambda m: m.einsum("ij,jk->ik", _ones(m, 2, 3), _ones(m, 4, 5)),
    "einsum few operands": lambda m: m.einsum("ij,jk->ik", _ones(m, 2, 3)),
    "einsum many operands": lambda m: m.einsum("ij->", _ones(m, 2, 3), _ones(m, 3, 4)),
    "einsum dims": lambda m: m.einsum("ij->i", _ones(m, 2, 3, 4)),
    "einsum output": lambda m: m.einsum("ij->k", _ones(m, 2, 3)),
    "einsum repeated output": lambda m: m.einsum("ij->ii", _ones(m, 2, 3)),
    "einsum subscript": lambda m: m.einsum("i1->i", _ones(m, 2, 3)),
    "einsum diagonal sizes": lambda m: m.einsum("ii->i", _ones(m, 2, 3)),
    "einsum dtype": lambda m: m.einsum("ij,jk->ik", _ones(m, 2, 3), _double(m, 3, 4)),
    "inv non-square": lambda m: m.linalg.inv(_ones(m, 2, 3)),
    "inv 1-d": lambda m: m.linalg.inv(_ones(m, 3)),
    "inv long": lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.int64)),
    "inv singular": lambda m: m.linalg.inv(_ones(m, 3, 3)),
    "inv singular rank 1": lambda m: m.linalg.inv(m.tensor([[1.0, 2.0], [2.0, 4.0]])),
    "inv zeros": lambda m: m.linalg.inv(m.zeros(2, 2)),
    "inv batch singular": lambda m: m.linalg.inv(m.stack([m.eye(3), _ones(m, 3, 3)])),
    "inverse singular": lambda m: m.inverse(_ones(m, 3, 3)),
    "det non-square": lambda m: m.det(_ones(m, 2, 3)),
    "slogdet 1-d": lambda m: m.linalg.slogdet(_ones(m, 3)),
    "logdet non-square": lambda m: m.logdet(_ones(m, 2, 3)),
    "solve singular": lambda m: m.linalg.solve(_ones(m, 3, 3), _ones(m, 3)),
    "solve batch singular": lambda m: m.linalg.solve(m.stack([m.eye(3), _ones(m, 3, 3)]), _ones(m, 3)),
    "inv_ex check_errors": lambda m: m.linalg.inv_ex(_ones(m, 3, 3), check_errors=True),
    "cholesky_ex check_errors": lambda m: m.linalg.cholesky_ex(-m.eye(2), check_errors=True),
    "solve_ex check_errors": lambda m: m.linalg.solve_ex(_ones(m, 2, 2), _ones(m, 2), check_errors=True),
    "solve vector size": lambda m: m.linalg.solve(m.eye(3), _ones(m, 4)),
    "solve matrix size": lambda m: m.linalg.solve(m.eye(3), _ones(m, 4, 2)),
    "solve right vector": lambda m: m.linalg.solve(m.eye(3), _ones(m, 3), left=False),
    "solve dtype": lambda m: m.linalg.solve(m.eye(3), _double(m, 3)),
    "solve_triangular 1-d": lambda m: m.linalg.solve_triangular(m.eye(3), _ones(m, 3), upper=False),
    "solve_triangular upper": lambda m: m.linalg.solve_triangular(m.eye(3), _ones(m, 3, 2)),
    "solve_triangular shapes": lambda m: m.linalg.solve_triangular(m.eye(3), _ones(m, 4, 2), upper=True),
    "solve_triangular right": lambda m: m.linalg.solve_triangular(m.eye(3), _ones(m, 3, 2), upper=True, left=False),
    "matrix_exp non-square": lambda m: m.linalg.matrix_exp(_ones(m, 2, 3)),
    "matrix_exp long": lambda m: m.linalg.matrix_exp(m.ones(2, 2, dtype=m.int64)),
    "cholesky negative": lambda m: m.linalg.cholesky(-m.eye(3)),
    "cholesky indefinite": lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
    "cholesky batch": lambda m: m.linalg.cholesky(m.stack([m.eye(2), m.tensor([[1.0, 2.0], [2.0, 1.0]])])),
    "cholesky non-square": lambda m: m.linalg.cholesky(_ones(m, 2, 3)),
    "qr 1-d": lambda m: m.linalg.qr(_ones(m, 3)),
    "qr mode": lambda m: m.linalg.qr(_ones(m, 3, 3), mode="foo"),
    "qr long": lambda m: m.linalg.qr(m.ones(2, 2, dtype=m.int64)),
    "svd 1-d": lambda m: m.linalg.svd(_ones(m, 3)),
    "svdvals 1-d": lambda m: m.linalg.svdvals(_ones(m, 3)),
    "eigh non-square": lambda m: m.linalg.eigh(_ones(m, 2, 3)),
    "eigh UPLO": lambda m: m.linalg.eigh(m.eye(3), UPLO="X"),
    "eigvalsh non-square": lambda m: m.linalg.eigvalsh(_ones(m, 2, 3)),
    "pinv 1-d": lambda m: m.linalg.pinv(_ones(m, 3)),
    "matrix_norm 1-d": lambda m: m.linalg.matrix_norm(_ones(m, 3)),
    "matrix_norm ord": lambda m: m.linalg.matrix_norm(_ones(m, 3, 3), 3),
    "matrix_norm ord name": lambda m: m.linalg.matrix_norm(_ones(m, 3, 3), "foo"),
    "matrix_norm dims": lambda m: m.linalg.matrix_norm(_ones(m, 3, 3), dim=(0, 0)),
    "matrix_norm long": lambda m: m.linalg.matrix_norm(m.ones(3, 3, dtype=m.int64)),
    "norm 3-d with ord": lambda m: m.linalg.norm(_ones(m, 2, 3, 3), 2),
    "norm fro of vector": lambda m: m.linalg.norm(_ones(m, 3), "fro"),
    "matrix_power non-square": lambda m: m.linalg.matrix_power(_ones(m, 2, 3), 2),
    "matrix_power 1-d": lambda m: m.linalg.matrix_power(_ones(m, 3), 2),
    "matrix_power long inverse": lambda m: m.linalg.matrix_power(m.ones(2, 2, dtype=m.int64), -1),
    "cross length": lambda m: m.linalg.cross(_ones(m, 2, 4), _ones(m, 2, 4)),
    "cross broadcast": lambda m: m.linalg.cross(_ones(m, 2, 3), _ones(m, 3, 3)),
    "cross ranks": lambda m: m.linalg.cross(_ones(m, 2, 3), _ones(m, 3)),
    "multi_dot one": lambda m: m.linalg.multi_dot([_ones(m, 2, 2)]),
    "multi_dot last 3-d": lambda m: m.linalg.multi_dot([_ones(m, 2, 2), _ones(m, 2, 2, 2)]),
    "multi_dot middle vector": lambda m: m.linalg.multi_dot([_ones(m, 2, 2), _ones(m, 2), _ones(m, 2, 2)]),
    "multi_dot shapes": lambda m: m.linalg.multi_dot([_ones(m, 2, 3), _ones(m, 2, 2)]),
    "multi_dot dtype": lambda m: m.linalg.multi_dot([_ones(m, 2, 2), _double(m, 2, 2)]),
}


@pytest.mark.parametrize("name", ERRORS)
def test_error_matches_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same_error(ERRORS[name])


def test_linalg_error_is_a_runtime_error():
    assert issubclass(chainrule.linalg.LinAlgError, RuntimeError)
    with pytest.raises(chainrule.linalg.LinAlgError):
        chainrule.linalg.inv(chainrule.zeros(2, 2))


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
            _ones(m, 2, 3) @ 2


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
    _same_error(lambda m: m.ones(2).addmm_(m.ones(2, 3), m.ones(3, 2)))


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


# ---------------------------------------------------------------- linalg: results and edge values
def _pair(array):
    return chainrule.tensor(array), torch.tensor(array)


def test_named_results_have_pytorch_fields():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    calls = {"linalg_slogdet": (lambda m, x: m.linalg.slogdet(x), ("sign", "logabsdet")),
             "slogdet": (lambda m, x: m.slogdet(x), ("sign", "logabsdet")),
             "linalg_qr": (lambda m, x: m.linalg.qr(x), ("Q", "R")),
             "linalg_eigh": (lambda m, x: m.linalg.eigh(x), ("eigenvalues", "eigenvectors")),
             "linalg_svd": (lambda m, x: m.linalg.svd(x), ("U", "S", "Vh")),
             "svd": (lambda m, x: m.svd(x), ("U", "S", "V")),
             "linalg_inv_ex": (lambda m, x: m.linalg.inv_ex(x), ("inverse", "info")),
             "linalg_cholesky_ex": (lambda m, x: m.linalg.cholesky_ex(x), ("L", "info"))}
    for name, (call, fields) in calls.items():
        for m, x in zip(MODULES, _pair(a)):
            result = call(m, x)
            assert type(result).__name__ == name
            for i, field in enumerate(fields):
                assert getattr(result, field) is result[i]
            assert repr(result).startswith(f"{m.__name__}.return_types.{name}(\n{fields[0]}=")


def test_determinants_of_singular_and_empty_matrices():
    for array in (np.ones((3, 3)), np.zeros((0, 0)), np.zeros((2, 0, 0)), np.array([[0.0, 1.0], [1.0, 0.0]])):
        ours, theirs = _pair(array)
        np.testing.assert_allclose(chainrule.linalg.det(ours).numpy(), torch.linalg.det(theirs).numpy())
        for a, b in zip(chainrule.linalg.slogdet(ours), torch.linalg.slogdet(theirs)):
            np.testing.assert_allclose(a.numpy(), b.numpy())
        np.testing.assert_allclose(chainrule.logdet(ours).numpy(), torch.logdet(theirs).numpy())


SINGULAR = {"ones": np.ones((3, 3)), "rank 1": np.array([[1.0, 2.0], [2.0, 4.0]]), "zeros": np.zeros((2, 2)),
            "batch": np.stack([2 * np.eye(3), np.ones((3, 3))])}


@pytest.mark.parametrize("array", SINGULAR.values(), ids=SINGULAR.keys())
def test_determinant_gradient_of_singular_matrices(array):
    grads = []
    for m, x in zip(MODULES, _pair(array)):
        x.requires_grad_()
        m.linalg.det(x).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)


def test_ex_functions_report_failures_in_info():
    singular = np.stack([np.eye(3), np.ones((3, 3)), np.zeros((3, 3))])
    indefinite = np.stack([np.eye(2), -np.eye(2), np.array([[1.0, 2.0], [2.0, 1.0]])])
    calls = [(lambda m, x: m.linalg.inv_ex(x), singular), (lambda m, x: m.linalg.cholesky_ex(x), indefinite),
             (lambda m, x: m.linalg.solve_ex(x, m.ones(3, dtype=x.dtype)), singular),
             (lambda m, x: m.linalg.inv_ex(x), np.eye(2))]
    for call, array in calls:
        ours, theirs = (call(m, x) for m, x in zip(MODULES, _pair(array)))
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        assert ours[1].dtype == chainrule.int32
        ok = theirs[1].numpy() == 0
        np.testing.assert_allclose(ours[0].numpy()[ok], theirs[0].numpy()[ok])


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


def test_qr_gradient_errors():
    rng = np.random.default_rng(0)
    for mode, shape in (("r", (3, 2)), ("complete", (3, 2))):
        def call(m):
            x = m.tensor(rng.standard_normal(shape), requires_grad=True)
            Q, R = m.linalg.qr(x, mode=mode)
            (R if mode == "r" else Q).sum().backward()

        _same_error(call)


def test_qr_mode_r_returns_an_empty_q():
    ours, theirs = _pair(np.arange(6.0).reshape(3, 2))
    Q, R = chainrule.linalg.qr(ours, mode="r")
    tQ, tR = torch.linalg.qr(theirs, mode="r")
    assert tuple(Q.shape) == tuple(tQ.shape)
    np.testing.assert_allclose(np.abs(R.numpy()), np.abs(tR.numpy()), atol=1e-12)


def test_svd_without_vectors():
    ours, theirs = _pair(np.arange(6.0).reshape(3, 2))
    for a, b in zip(chainrule.svd(ours, compute_uv=False), torch.svd(theirs, compute_uv=False)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-12)


def test_pinv_of_a_rank_deficient_matrix():
    ours, theirs = _pair(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(chainrule.linalg.pinv(ours).numpy(), torch.linalg.pinv(theirs).numpy(), atol=1e-12)
    np.testing.assert_allclose(chainrule.pinverse(ours).numpy(), torch.pinverse(theirs).numpy(), atol=1e-12)


def test_solve_triangular_with_a_zero_pivot_and_mixed_dtypes():
    a, b = np.array([[0.0, 0.0], [1.0, 2.0]]), np.ones((2, 1), dtype=np.float32)
    ours = chainrule.linalg.solve_triangular(chainrule.tensor(a), chainrule.tensor(b), upper=False)
    theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=False)
    assert ours.dtype == chainrule.float64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_linalg_diagonal():
    a = np.arange(24.0).reshape(2, 3, 4)
    ours, theirs = _pair(a)
    np.testing.assert_array_equal(chainrule.linalg.diagonal(ours, offset=1).numpy(),
                                  torch.linalg.diagonal(theirs, offset=1).numpy())


def test_matrix_rank():
    for array in (np.array([[1.0, 2.0], [2.0, 4.0]]), np.eye(3), np.zeros((2, 3))):
        ours, theirs = _pair(array)
        assert chainrule.linalg.matrix_rank(ours).item() == torch.linalg.matrix_rank(theirs).item()


def test_norm_without_ord_flattens():
    ours, theirs = _pair(np.arange(24.0).reshape(2, 3, 4))
    assert math.isclose(chainrule.linalg.norm(ours).item(), torch.linalg.norm(theirs).item())
    assert type(chainrule.linalg.norm(ours.requires_grad_()).grad_fn).__name__ == "LinalgVectorNormBackward0"


def test_top_level_aliases_and_methods():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    ours, theirs = _pair(a)
    for name in ("det", "inverse", "logdet", "pinverse"):
        np.testing.assert_allclose(getattr(ours, name)().numpy(), getattr(theirs, name)().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.matrix_power(3).numpy(), theirs.matrix_power(3).numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(chainrule.cholesky(ours).numpy(), torch.cholesky(theirs).numpy())
    assert chainrule.linalg.matmul is chainrule.matmul


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
    _same_error(lambda m: m.mm(m.ones(2, 3, requires_grad=True), m.ones(3, 2), out=m.empty(2, 2)))
    for m in MODULES:
        out = (m.empty(0), m.empty(0))
        m.linalg.slogdet(m.eye(2) * 2, out=out)
        assert math.isclose(out[1].item(), math.log(4), rel_tol=1e-6)


SECOND_ORDER = {
    "inv": lambda m, x: m.linalg.inv(x),
    "det": lambda m, x: m.linalg.det(x),
    "slogdet": lambda m, x: m.linalg.slogdet(x)[1],
    "solve": lambda m, x: m.linalg.solve(x, x[0]),
    "cholesky": lambda m, x: m.linalg.cholesky(x @ x.mT + m.eye(3, dtype=x.dtype)),
    "qr": lambda m, x: m.linalg.qr(x)[1],
    "eigh": lambda m, x: m.linalg.eigh(x + x.mT)[1].abs(),
    "eigvalsh": lambda m, x: m.linalg.eigvalsh(x + x.mT),
    "svd": lambda m, x: m.linalg.svd(x)[2].abs(),
    "svdvals": lambda m, x: m.linalg.svdvals(x),
    "pinv": lambda m, x: m.linalg.pinv(x[:, :2]),
    "nuclear norm": lambda m, x: m.linalg.matrix_norm(x, "nuc"),
    "einsum": lambda m, x: m.einsum("ij,jk,ki->i", x, x, x),
    "matrix_exp": lambda m, x: m.linalg.matrix_exp(x),
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_match_torch(name):
    """Rules that read the op's own outputs must keep them in the graph, or second order goes wrong."""
    array = np.random.default_rng(0).standard_normal((3, 3)) + 2 * np.eye(3)
    results = []
    for m, x in zip(MODULES, _pair(array)):
        x.requires_grad_()
        y = SECOND_ORDER[name](m, x)
        (g,) = m.autograd.grad((y * y * y).sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        results.append(gg.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-7, atol=1e-9)
