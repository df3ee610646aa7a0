"""LU, LDL, their solves, triangular solves and products of Householder reflectors computed both ways: by
SciPy's LAPACK and BLAS where SciPy is installed, and by chainrule's own loops (without SciPy, on CuPy, in
float16). Each way is compared with PyTorch."""

import numpy as np
import pytest
import torch

import chainrule
from chainrule import _scipy
from chainrule._ops.linalg import lapack

pytestmark = pytest.mark.torch_oracle

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
TOLERANCE = {np.float32: 2e-4, np.complex64: 2e-4, np.float64: 1e-10, np.complex128: 1e-10}


@pytest.fixture(params=["scipy", "loops"])
def path(request, monkeypatch):
    """Each test runs with SciPy's routines allowed, then with chainrule's loops only; it is told which, and
    counts the calls that reach SciPy."""
    calls = []
    if request.param == "loops":
        monkeypatch.setattr(_scipy, "ENABLED", False)
    original = lapack._routine
    monkeypatch.setattr(lapack, "_routine", lambda *args: calls.append(args[0]) or original(*args))
    return request.param, calls


def _matrices(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    return values.astype(dtype)


def _close(ours, theirs, dtype):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=TOLERANCE[dtype],
                               atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", [(1, 1), (6, 6), (5, 3), (3, 5), (2, 4, 4), (40, 3, 3)], ids=str)
def test_lu_factor_and_lu_match_pytorch(path, dtype, shape):
    a = _matrices(shape, dtype)
    LU, pivots = chainrule.linalg.lu_factor(chainrule.tensor(a))
    expected_LU, expected_pivots = torch.linalg.lu_factor(torch.tensor(a))
    assert pivots.tolist() == expected_pivots.tolist()
    _close(LU, expected_LU, dtype)
    for ours, theirs in zip(chainrule.linalg.lu(chainrule.tensor(a)), torch.linalg.lu(torch.tensor(a))):
        _close(ours, theirs, dtype)
    # LAPACK's call per matrix is for few large matrices; a batch of 40 3x3 ones takes the batched loop
    assert bool(path[1]) == (path[0] == "scipy" and shape != (40, 3, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.complex128], ids=lambda d: np.dtype(d).name)
def test_lu_gradients_match_pytorch(path, dtype):
    a = _matrices((5, 5), dtype, seed=1)
    ours_input = chainrule.tensor(a, requires_grad=True)
    theirs_input = torch.tensor(a, requires_grad=True)
    for module, A in ((chainrule, ours_input), (torch, theirs_input)):
        P, L, U = module.linalg.lu(A)
        (L.abs().sum() + U.abs().pow(2).sum()).backward()
    _close(ours_input.grad, theirs_input.grad, dtype)


def test_singular_and_nan_matrices_match_pytorch(path):
    """A zero pivot is reported in ``info``; a matrix with a NaN is left to the loop."""
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    ours = chainrule.linalg.lu_factor_ex(chainrule.tensor(singular))
    theirs = torch.linalg.lu_factor_ex(torch.tensor(singular))
    assert ours.info.item() == theirs.info.item() == 3 and ours.pivots.tolist() == theirs.pivots.tolist()
    with pytest.raises(RuntimeError, match=r"U\[3,3\] is zero"):
        chainrule.linalg.lu_factor(chainrule.tensor(singular))
    calls = len(path[1])
    all_nan = np.full((3, 3), np.nan)  # the loop's pivots; which a NaN gets differs between BLAS builds
    ours = chainrule.linalg.lu_factor(chainrule.tensor(all_nan))
    assert ours.pivots.tolist() == torch.linalg.lu_factor(torch.tensor(all_nan)).pivots.tolist()
    assert np.isnan(ours.LU.numpy()).all() and len(path[1]) == calls


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_pytorch(path, dtype, left, adjoint):
    a = _matrices((2, 5, 5), dtype)
    b = _matrices((5, 3) if left else (3, 5), dtype, seed=4)
    ours_inputs = [chainrule.tensor(v, requires_grad=True) for v in (a, b)]
    theirs_inputs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    results = []
    for module, (A, B) in ((chainrule, ours_inputs), (torch, theirs_inputs)):
        LU, pivots = module.linalg.lu_factor(A)
        X = module.linalg.lu_solve(LU, pivots, B, left=left, adjoint=adjoint)
        X.abs().sum().backward()
        results.append(X.resolve_conj())
    _close(*results, dtype)
    for mine, theirs in zip(ours_inputs, theirs_inputs):
        _close(mine.grad, theirs.grad, dtype)
    assert ("getrs" in path[1]) == (path[0] == "scipy")


def test_lu_solve_pivots_out_of_range_never_reach_lapack(path):
    LU, pivots = chainrule.linalg.lu_factor(chainrule.tensor(_matrices((3, 3), np.float64)))
    bad = chainrule.tensor([0, 2, 3], dtype=chainrule.int32)
    assert lapack.lu_solve(LU.numpy(), bad.numpy(), np.ones((3, 1)), True, False) is None
    assert lapack.lu_solve(LU.numpy(), (bad + 4).numpy(), np.ones((3, 1)), True, False) is None


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular_matches_pytorch(path, dtype, upper, left, unitriangular):
    a = _matrices((2, 6, 6), dtype) + 4 * np.eye(6, dtype=dtype)
    b = _matrices((6, 3) if left else (3, 6), dtype, seed=2)
    ours_inputs = [chainrule.tensor(v, requires_grad=True) for v in (a, b)]
    theirs_inputs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    results = []
    for module, (A, B) in ((chainrule, ours_inputs), (torch, theirs_inputs)):
        X = module.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unitriangular)
        X.abs().sum().backward()
        results.append(X)
    _close(*results, dtype)
    for mine, theirs in zip(ours_inputs, theirs_inputs):
        _close(mine.grad, theirs.grad, dtype)
    assert bool(path[1]) == (path[0] == "scipy")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("hermitian", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (7, 7), (2, 5, 5), (30, 3, 3)], ids=str)
def test_ldl_factor_and_solve_match_pytorch(path, dtype, hermitian, shape):
    a = _matrices(shape, dtype)
    a = a + (np.swapaxes(a, -1, -2).conj() if hermitian else np.swapaxes(a, -1, -2))
    b = _matrices(shape[:-1] + (2,), dtype, seed=5)
    ours = chainrule.linalg.ldl_factor(chainrule.tensor(a), hermitian=hermitian)
    theirs = torch.linalg.ldl_factor(torch.tensor(a), hermitian=hermitian)
    assert ours.pivots.tolist() == theirs.pivots.tolist()
    _close(ours.LD, theirs.LD, dtype)
    solved = chainrule.linalg.ldl_solve(ours.LD, ours.pivots, chainrule.tensor(b), hermitian=hermitian)
    _close(solved, torch.linalg.ldl_solve(theirs.LD, theirs.pivots, torch.tensor(b), hermitian=hermitian), dtype)
    names = {"sytrf", "hetrf", "sytrs", "hetrs"}
    assert bool(names & set(path[1])) == (path[0] == "scipy" and shape != (30, 3, 3))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape,reflectors", [((5, 3), 3), ((6, 4), 2), ((2, 7, 7), 7), ((3, 3), 0)], ids=str)
def test_householder_product_matches_pytorch(path, dtype, shape, reflectors):
    a = _matrices(shape, dtype)
    tau = _matrices(shape[:-2] + (reflectors,), dtype, seed=6)
    ours_inputs = [chainrule.tensor(v, requires_grad=True) for v in (a, tau)]
    theirs_inputs = [torch.tensor(v, requires_grad=True) for v in (a, tau)]
    results = []
    for module, (A, T) in ((chainrule, ours_inputs), (torch, theirs_inputs)):
        Q = module.linalg.householder_product(A, T)
        Q.abs().sum().backward()
        results.append(Q)
    _close(*results, dtype)
    for mine, theirs in zip(ours_inputs, theirs_inputs):
        if theirs.grad is not None:
            _close(mine.grad, theirs.grad, dtype)
    used = bool({"orgqr", "ungqr"} & set(path[1]))
    assert used == (path[0] == "scipy" and reflectors > 0)


@pytest.mark.parametrize("pivots", [[1, -2, 3], [-1, 2, 3], [1, 2, -3], [1, 4, 3], [-1, -2, 3]], ids=str)
def test_malformed_ldl_pivots_never_reach_lapack(pivots):
    ld = np.tril(_matrices((3, 3), np.float64)) + 3 * np.eye(3)
    assert lapack.ldl_solve(ld, np.array(pivots, np.int32), np.ones((3, 1)), False) is None
    assert lapack.ldl_solve(ld, np.array([1, -3, -3], np.int32), np.ones((3, 1)), False) is not None


@pytest.mark.parametrize("pivot", [0.0, 5e-324, 1e308], ids=["zero", "subnormal", "huge"])
def test_pivots_without_a_normal_reciprocal_divide_as_pytorch(path, pivot):
    """BLAS's trsm multiplies by each pivot's reciprocal: such systems are left to the loop, which divides."""
    a = np.triu(_matrices((4, 4), np.float64)) + 4 * np.eye(4)
    a[2, 2] = pivot
    b = _matrices((4, 2), np.float64, seed=3)
    ours = chainrule.linalg.solve_triangular(chainrule.tensor(a), chainrule.tensor(b), upper=True)
    theirs = torch.linalg.solve_triangular(torch.tensor(a), torch.tensor(b), upper=True)
    np.testing.assert_array_equal(np.isnan(ours.numpy()), np.isnan(theirs.numpy()))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    assert not path[1]


def test_cupy_and_float16_style_inputs_keep_the_loops():
    """Integer-free but non-LAPACK dtypes never reach SciPy (float16 is refused before, as in PyTorch)."""
    assert lapack.lu(np.ones((3, 3), np.float16)) is None
    assert lapack.lu(np.ones((0, 3))) is None
    assert lapack.solve_triangular(np.eye(3), np.ones((3, 2), np.float32), True, False) is None  # two dtypes
