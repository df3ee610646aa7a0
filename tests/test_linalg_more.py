"""The later chainrule.linalg functions against PyTorch: error types and messages, printed named
results, edge values (singular and rank-deficient matrices, empty batches) and the gradients the
op table cannot compare with PyTorch."""

import math

import numpy as np
import pytest
import torch
from op_db.linalg_more import cond_norm_samples

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
    assert type(ours).__name__ == type(theirs).__name__.lstrip("_")
    assert str(ours).replace("chainrule.", "torch.") == str(theirs)


def _t(module, values, dtype="float64"):
    return module.tensor(np.asarray(values), dtype=getattr(module, dtype))


def _square(module):
    return _t(module, [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 2.0, 5.0]])


ERRORS = {
    "lu_factor 1-d": lambda m: m.linalg.lu_factor(m.ones(3)),
    "lu_factor integer": lambda m: m.linalg.lu_factor(m.ones(2, 2, dtype=m.int64)),
    "lu_factor singular": lambda m: m.linalg.lu_factor(m.zeros(2, 2)),
    "lu_factor singular second pivot": lambda m: m.linalg.lu_factor(_t(m, [[1.0, 2.0], [2.0, 4.0]])),
    "lu 1-d": lambda m: m.linalg.lu(m.ones(3)),
    "lu_solve 1-d B": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(_square(m)), _t(m, [1.0, 2.0, 3.0])),
    "lu_solve shapes": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(_square(m)), m.ones(2, 2, dtype=m.float64)),
    "lu_solve right shapes": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(_square(m)),
                                                         m.ones(3, 2, dtype=m.float64), left=False),
    "lstsq driver": lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 2), driver="foo"),
    "lstsq rows": lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(4, 2)),
    "lstsq 1-d": lambda m: m.linalg.lstsq(m.ones(3), m.ones(3)),
    "lstsq dtype": lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 2, dtype=m.float64)),
    "eig not square": lambda m: m.linalg.eig(m.ones(2, 3)),
    "eigvals not square": lambda m: m.linalg.eigvals(m.ones(2, 3)),
    "eig integer": lambda m: m.linalg.eig(m.ones(2, 2, dtype=m.int64)),
    "cond not square": lambda m: m.linalg.cond(m.ones(2, 3), 1),
    "cond 1-d": lambda m: m.linalg.cond(m.ones(3)),
    "cond order": lambda m: m.linalg.cond(m.ones(2, 2), 3),
    "cholesky_inverse not square": lambda m: m.cholesky_inverse(m.ones(2, 3)),
    "tensorinv ind": lambda m: m.linalg.tensorinv(m.ones(2, 2), ind=0),
    "tensorinv shape": lambda m: m.linalg.tensorinv(m.ones(2, 3), ind=1),
    "vander N": lambda m: m.linalg.vander(m.ones(3), N=1),
    "householder 1-d": lambda m: m.linalg.householder_product(m.ones(3), m.ones(1)),
    "householder wide": lambda m: m.linalg.householder_product(m.ones(2, 3), m.ones(2)),
    "householder tau long": lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(3)),
    "householder batch": lambda m: m.linalg.householder_product(m.ones(2, 3, 2), m.ones(3, 2)),
    "householder dtype": lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(2, dtype=m.float64)),
    "vander 0-d": lambda m: m.linalg.vander(m.tensor(2.0)),
    "lu_factor batch singular": lambda m: m.linalg.lu_factor(m.zeros(2, 2, 2)),
    "lu_factor pivot": lambda m: m.linalg.lu_factor(m.ones(2, 2), pivot=False),
    "lu pivot": lambda m: m.linalg.lu(m.ones(2, 2), pivot=False),
    "lu integer": lambda m: m.linalg.lu(m.ones(2, 2, dtype=m.int64)),
    "lstsq integer": lambda m: m.linalg.lstsq(m.ones(2, 2, dtype=m.int64), m.ones(2, 2, dtype=m.int64)),
    "cholesky_inverse integer": lambda m: m.cholesky_inverse(m.ones(2, 2, dtype=m.int64)),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch(name):
    _same_error(ERRORS[name])


def _same_values(call):
    ours, theirs = call(chainrule), call(torch)
    if isinstance(theirs, tuple):
        assert type(ours).__name__ == type(theirs).__name__
        for a, b in zip(ours, theirs):
            _close(a, b)
    else:
        _close(ours, theirs)


def _close(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    single = ours.dtype in (chainrule.float32, chainrule.complex64)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5 if single else 1e-7,
                               atol=1e-6 if single else 1e-10, equal_nan=True)


VALUES = {
    "lu singular": lambda m: m.linalg.lu(_t(m, [[1.0, 2.0], [2.0, 4.0]])),
    "lu zeros": lambda m: m.linalg.lu(m.zeros(2, 3, 2)),
    "lu ties": lambda m: m.linalg.lu(_t(m, [[1.0, 2.0, 0.0], [-1.0, 1.0, 3.0], [1.0, 0.0, 1.0]])),
    "lu empty batch": lambda m: m.linalg.lu(m.ones(0, 3, 2)),
    "lu_factor batch": lambda m: m.linalg.lu_factor(_t(m, [[[0.0, 1.0], [2.0, 1.0]], [[3.0, 1.0], [1.0, 2.0]]])),
    "lu_solve with torch pivots": lambda m: m.linalg.lu_solve(
        _t(m, [[2.0, 1.0], [0.5, 0.5]]), m.tensor([2, 2], dtype=m.int32), _t(m, [[1.0], [2.0]])),
    "lstsq rank deficient": lambda m: m.linalg.lstsq(_t(m, [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]),
                                                     _t(m, [[1.0], [2.0], [2.0]]), driver="gelsd"),
    "lstsq rank deficient residuals": lambda m: m.linalg.lstsq(_t(m, [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]),
                                                               _t(m, [[1.0], [2.0], [2.0]]), driver="gels")[2:],
    "lstsq float32": lambda m: m.linalg.lstsq(_t(m, [[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]], "float32"),
                                              _t(m, [1.0, 0.0, 2.0], "float32"), driver="gelss"),
    "eigvals real": lambda m: m.linalg.eigvals(_square(m)),
    "eigvals float32": lambda m: m.linalg.eigvals(_square(m).float()),
    "eigvals rotation": lambda m: m.linalg.eigvals(_t(m, [[0.0, -2.0], [2.0, 0.0]])),
    "cond singular 1": lambda m: m.linalg.cond(m.zeros(2, 2), 1),
    "cond singular svd": lambda m: m.linalg.cond(m.zeros(2, 2)),
    "cond singular nuc": lambda m: m.linalg.cond(m.zeros(2, 2), "nuc"),
    "cond -inf": lambda m: m.linalg.cond(_square(m), -math.inf),
    "vander integer": lambda m: m.linalg.vander(m.tensor([1, 2, 3])),
    "vander empty": lambda m: m.linalg.vander(m.ones(2, 0), N=3),
    "householder no reflectors": lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(0)),
    "cholesky_inverse reads one triangle": lambda m: m.cholesky_inverse(_square(m)),
    "cholesky_inverse upper reads one triangle": lambda m: m.cholesky_inverse(_square(m), upper=True),
    "tensorsolve": lambda m: m.linalg.tensorsolve(_square(m).reshape(3, 1, 3), _t(m, [[1.0], [2.0], [3.0]])),
}


@pytest.mark.parametrize("name", VALUES)
def test_values_match_torch(name):
    _same_values(VALUES[name])


def test_named_results_print_like_torch():
    for call in (lambda m: m.linalg.lu_factor(_square(m)), lambda m: m.linalg.lu(_square(m)),
                 lambda m: m.linalg.lstsq(_square(m), _t(m, [[1.0], [0.0], [1.0]]))):
        assert repr(call(chainrule)).replace("chainrule", "torch") == repr(call(torch))


def test_grad_fn_names_match_torch():
    calls = {
        "lu L": lambda m, a: m.linalg.lu(a).L,
        "lu_factor": lambda m, a: m.linalg.lu_factor(a).LU,
        "lu_solve": lambda m, a: m.linalg.lu_solve(*m.linalg.lu_factor(a), a),
        "lstsq residuals": lambda m, a: m.linalg.lstsq(a, a, driver="gelsd").residuals,
        "cholesky_inverse": lambda m, a: m.cholesky_inverse(a),
        "vander": lambda m, a: m.linalg.vander(a[0]),
        "tensorsolve": lambda m, a: m.linalg.tensorsolve(a, a[0]),
    }
    for name, call in calls.items():
        names = []
        for m in MODULES:
            a = _square(m).requires_grad_()
            names.append(type(call(m, a).grad_fn).__name__)
        assert names[0] == names[1], name


@pytest.mark.parametrize("sample", list(cond_norm_samples(np.random.default_rng(0))), ids=repr)
def test_cond_norm_orders_gradients(sample):
    """PyTorch cannot differentiate these orders (its backward trips over its own saved inverse)."""
    a, p = sample.args
    A = chainrule.tensor(np.ascontiguousarray(a), requires_grad=True)

    def fn(x):
        return chainrule.linalg.cond(x, p)

    assert chainrule.autograd.gradcheck(fn, (A,), eps=1e-6, atol=1e-5, rtol=1e-3)
    assert chainrule.autograd.gradgradcheck(fn, (A,), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_lu_factor_out_and_cholesky_inverse_method():
    A = _square(chainrule)
    LU, pivots = chainrule.empty(0, dtype=chainrule.float64), chainrule.empty(0, dtype=chainrule.int32)
    result = chainrule.linalg.lu_factor(A, out=(LU, pivots))
    assert result[0] is LU and result[1] is pivots
    _close(LU, torch.linalg.lu_factor(_square(torch)).LU)
    _close(A.cholesky_inverse(), _square(torch).cholesky_inverse())


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse_gradient_of_a_full_matrix(upper):
    """PyTorch reads one triangle but hands the gradient to the whole matrix; so does chainrule."""
    grads = []
    for m in MODULES:
        A = _square(m).requires_grad_()
        m.cholesky_inverse(A, upper=upper).sum().backward()
        grads.append(A.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-7, atol=1e-12)


def _eig_losses(module, A, weights):
    """Real losses of eig's outputs that do not depend on the eigenvectors' arbitrary phases."""
    values, vectors = module.linalg.eig(A)
    value_loss = (values.to(module.float64) * module.tensor(weights[0])).sum()
    vector_loss = ((vectors * vectors.conj()).to(module.float64) * module.tensor(weights[1])).sum()
    return value_loss + vector_loss, (module.linalg.eigvals(A).to(module.float64) * module.tensor(weights[0])).sum()


@pytest.mark.filterwarnings("ignore:Casting complex values to real")
@pytest.mark.parametrize("shape", [(3, 3), (4, 4), (2, 2, 2)])
def test_eig_gradients_match_torch(shape):
    """First order, through the real part (some samples have complex conjugate eigenvalue pairs)."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal(shape)
    weights = (rng.standard_normal(shape[:-1]), rng.standard_normal(shape))
    grads = []
    for m in MODULES:
        A = m.tensor(a, requires_grad=True)
        losses = _eig_losses(m, A, weights)
        grads.append([m.autograd.grad(loss, A)[0].numpy() for loss in losses])
        assert type(m.linalg.eig(A).eigenvalues.grad_fn).__name__ == "LinalgEigBackward0"
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-10)


def test_householder_product_rebuilds_the_q_of_geqrf():
    reflectors, tau = torch.geqrf(torch.tensor(np.random.default_rng(5).standard_normal((4, 3))))
    ours = chainrule.linalg.householder_product(chainrule.tensor(reflectors.numpy()), chainrule.tensor(tau.numpy()))
    _close(ours, torch.linalg.householder_product(reflectors, tau))
    _close(ours, torch.linalg.qr(torch.tensor(np.random.default_rng(5).standard_normal((4, 3)))).Q)
