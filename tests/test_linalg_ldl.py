"""The LDL factorization against PyTorch's: the same pivots and ``info``, ``LD`` and solutions to rounding,
for real, complex symmetric and complex Hermitian matrices (the op table covers real ones), PyTorch's
errors, and the node that refuses backward."""

import math

import numpy as np
import pytest
import torch

import chainrule

NAN, INF = math.nan, math.inf


def _matrices(rng, kind, n, batch=()):
    shape = batch + (n, n)
    if kind == "real":
        a = rng.standard_normal(shape)
        return a + np.swapaxes(a, -1, -2)
    z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    if kind == "hermitian":
        return z + np.swapaxes(z, -1, -2).conj()
    if kind == "complex symmetric":
        return z + np.swapaxes(z, -1, -2)
    return z  # any complex matrix: only its lower triangle is read


CASES = [(kind, n, batch) for kind in ("real", "hermitian", "complex symmetric", "complex lower")
         for n, batch in ((1, ()), (2, ()), (5, ()), (9, (2,)), (40, ()), (70, ()))]


@pytest.mark.parametrize("kind,n,batch", CASES)
@pytest.mark.parametrize("dtype", ["double", "single"])
def test_factor_and_solve_match_torch(kind, n, batch, dtype):
    rng = np.random.default_rng(n)
    a = _matrices(rng, kind, n, batch)
    b = rng.standard_normal(batch + (n, 3))
    if kind != "real":
        b = b + 1j * rng.standard_normal(b.shape)
    if dtype == "single":
        a = a.astype(np.complex64 if a.dtype.kind == "c" else np.float32)
        b = b.astype(a.dtype)
    hermitian = kind == "hermitian" or kind == "complex lower"
    results = {}
    for m in (chainrule, torch):
        LD, pivots, info = m.linalg.ldl_factor_ex(m.from_numpy(a.copy()), hermitian=hermitian)
        x = m.linalg.ldl_solve(LD, pivots, m.from_numpy(b.copy()), hermitian=hermitian)
        results[m] = [t.numpy() for t in (LD, pivots, info, x)]
    ours, theirs = results[chainrule], results[torch]
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[2], theirs[2])
    tol = 1e-10 if dtype == "double" else 2e-4
    np.testing.assert_allclose(ours[0], theirs[0], rtol=tol, atol=tol)
    assert ours[0].dtype == theirs[0].dtype and ours[1].dtype == theirs[1].dtype == np.int32
    scale = np.abs(theirs[3]).max(initial=1.0)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=tol * 100, atol=tol * 100 * scale)


def test_solution_solves_the_system():
    rng = np.random.default_rng(0)
    a = _matrices(rng, "hermitian", 6)
    b = rng.standard_normal((6, 2)) + 0j
    LD, pivots = chainrule.linalg.ldl_factor(chainrule.from_numpy(a), hermitian=True)
    x = chainrule.linalg.ldl_solve(LD, pivots, chainrule.from_numpy(b), hermitian=True).numpy()
    np.testing.assert_allclose(a @ x, b, atol=1e-10)


EDGES = {
    "2x2 block": [[0.0, 1.0], [1.0, 0.0]],
    "zero": [[0.0, 0.0], [0.0, 0.0]],
    "zero last": [[1.0, 0.0], [0.0, 0.0]],
    "nan everywhere": [[NAN, NAN], [NAN, NAN]],
    "nan diagonal": [[NAN, 1.0], [1.0, 2.0]],
    "nan last": [[2.0, 1.0], [1.0, NAN]],
    "nan first of a column": [[1.0, NAN, 0.5], [NAN, 2.0, 0.0], [0.5, 0.0, 3.0]],
    "nan later in a column": [[0.1, 0.5, NAN], [0.5, 2.0, 0.0], [NAN, 0.0, 3.0]],
    "nan diagonal, later singular": [[NAN, 1.0, 0.5], [1.0, 2.0, 0.0], [0.5, 0.0, 3.0]],
    "inf": [[INF, 1.0], [1.0, 2.0]],
    "inf column": [[1.0, INF, 2.0], [INF, 1.0, 3.0], [2.0, 3.0, 1.0]],
    "infinite pivot skips the update": [[INF, -INF, INF], [-INF, INF, -INF], [INF, -INF, INF]],
    "huge": [[1e308, -1e308, 1e308], [-1e308, -1e308, 1e308], [1e308, 1e308, 1e308]],
}


@pytest.mark.parametrize("name", EDGES)
def test_pivots_on_edge_values_match_torch(name):
    """LAPACK's choices where NaN and infinity meet its comparisons: a NaN wins a column's search only in
    first place, MAX lets a NaN lose, and a zero scale skips the rank-1 update."""
    ours = chainrule.linalg.ldl_factor_ex(chainrule.tensor(EDGES[name], dtype=chainrule.float64))
    theirs = torch.linalg.ldl_factor_ex(torch.tensor(EDGES[name], dtype=torch.float64))
    assert ours.pivots.tolist() == theirs.pivots.tolist()
    assert ours.info.tolist() == theirs.info.tolist()
    np.testing.assert_allclose(ours.LD.numpy(), theirs.LD.numpy(), rtol=1e-12, equal_nan=True)


def _outcome(call, m):
    try:
        return "ok", repr(call(m)).replace("chainrule", "torch")
    except Exception as error:  # compared with PyTorch's
        return type(error).__name__, str(error)


def _eye(m, *batch):
    return m.eye(2).expand(*batch, 2, 2)


def _pivots(m, *batch):
    return m.ones(*batch, 2, dtype=m.int32)


SAME_AS_TORCH = {
    "not square": lambda m: m.linalg.ldl_factor(m.zeros(2, 3)),
    "a vector": lambda m: m.linalg.ldl_factor_ex(m.zeros(3)),
    "integers": lambda m: m.linalg.ldl_factor(m.zeros(3, 3, dtype=m.int64)),
    "float16": lambda m: m.linalg.ldl_factor(m.eye(2, dtype=m.float16)),
    "float16 empty": lambda m: m.linalg.ldl_factor_ex(m.zeros(2, 0, 0, dtype=m.float16)),
    "empty batch": lambda m: m.linalg.ldl_factor(m.zeros(0, 2, 2)),
    "hermitian 2x2": lambda m: m.linalg.ldl_factor(m.tensor([[0.0, 1j], [-1j, 0.0]]), hermitian=True),
    "zero info": lambda m: m.linalg.ldl_factor_ex(m.zeros(2, 3, 3)).info,
    "positional hermitian": lambda m: m.linalg.ldl_factor(m.eye(2), True),
    "input keyword": lambda m: m.linalg.ldl_factor(input=m.eye(2)),
    "A keyword": lambda m: m.linalg.ldl_factor(A=m.eye(2)),
    "solve: vector B": lambda m: m.linalg.ldl_solve(m.eye(2), _pivots(m), m.ones(2)),
    "solve: rows of B": lambda m: m.linalg.ldl_solve(m.eye(2), _pivots(m), m.ones(3, 1)),
    "solve: broadcast B": lambda m: m.linalg.ldl_solve(m.eye(2), _pivots(m), m.ones(4, 2, 1)),
    "solve: broadcast LD": lambda m: m.linalg.ldl_solve(_eye(m, 4), _pivots(m, 4), m.ones(2, 1)),
    "solve: batches clash": lambda m: m.linalg.ldl_solve(_eye(m, 3), _pivots(m, 3), m.ones(4, 2, 1)),
    "solve: dtypes": lambda m: m.linalg.ldl_solve(m.eye(2), _pivots(m), m.ones(2, 1, dtype=m.float64)),
    "solve: int64 pivots": lambda m: m.linalg.ldl_solve(m.eye(2), m.ones(2, dtype=m.int64), m.ones(2, 1)),
    "solve: float pivots": lambda m: m.linalg.ldl_solve(m.eye(2), m.ones(2), m.ones(2, 1)),
    "solve: pivots shape": lambda m: m.linalg.ldl_solve(m.eye(2), _pivots(m)[:1], m.ones(2, 1)),
    "solve: LD vector": lambda m: m.linalg.ldl_solve(m.ones(2), _pivots(m), m.ones(2, 1)),
    "solve: LD integers": lambda m: m.linalg.ldl_solve(m.ones(2, 2, dtype=m.int64), _pivots(m),
                                                       m.ones(2, 1, dtype=m.int64)),
    "solve: pivot too big": lambda m: m.linalg.ldl_solve(m.eye(2), 5 * _pivots(m), m.ones(2, 1)),
    "solve: pivot zero": lambda m: m.linalg.ldl_solve(m.eye(2), 0 * _pivots(m), m.ones(2, 1)),
    "solve: no right-hand sides": lambda m: m.linalg.ldl_solve(m.eye(2), _pivots(m), m.ones(2, 0)),
    "solve: empty": lambda m: m.linalg.ldl_solve(m.ones(0, 0), m.ones(0, dtype=m.int32), m.ones(0, 3)),
    "solve: float16": lambda m: m.linalg.ldl_solve(m.eye(2, dtype=m.float16), _pivots(m),
                                                   m.ones(2, 0, dtype=m.float16)),
    "solve: float16 wrong rows": lambda m: m.linalg.ldl_solve(m.eye(2, dtype=m.float16), _pivots(m),
                                                              m.ones(3, 2, dtype=m.float16)),
    "solve: hermitian": lambda m: m.linalg.ldl_solve(*m.linalg.ldl_factor(m.tensor([[0.0, 1j], [-1j, 0.0]]),
                                                                          hermitian=True),
                                                     m.ones(2, 1, dtype=m.complex64), hermitian=True) + 0,
    "solve: out": lambda m: m.linalg.ldl_solve(m.eye(2), _pivots(m), m.ones(2, 1), out=m.empty(0)),
}


@pytest.mark.parametrize("name", SAME_AS_TORCH)
def test_results_and_errors_match_torch(name):
    """(``+ 0`` above: the sign of a zero real part from a complex division is the division routine's own.)"""
    assert _outcome(SAME_AS_TORCH[name], chainrule) == _outcome(SAME_AS_TORCH[name], torch)


def test_singular_d_raises_where_info_is_not_zero():
    """PyTorch raises an internal error here; chainrule's RuntimeError says which block of D is zero."""
    for call in (lambda m: m.linalg.ldl_factor(m.zeros(3, 3)),
                 lambda m: m.linalg.ldl_factor_ex(m.zeros(2, 3, 3), check_errors=True)):
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError, match=r"D\[1,1\] is exactly zero"):
            call(chainrule)


@pytest.mark.parametrize("function", ["ldl_factor", "ldl_factor_ex", "ldl_solve"])
def test_backward_refuses_as_in_torch(function):
    messages = []
    for m in (chainrule, torch):
        a = m.tensor([[0.0, 1.0], [1.0, 0.0]], requires_grad=True)
        if function == "ldl_solve":
            LD, pivots = m.linalg.ldl_factor(a.detach())
            out = m.linalg.ldl_solve(LD, pivots, m.ones(2, 1, requires_grad=True))
        else:
            out = getattr(m.linalg, function)(a)[0]
            assert not getattr(m.linalg, function)(a)[1].requires_grad
        assert type(out.grad_fn).__name__ == "NotImplemented" and out.requires_grad
        with pytest.raises(RuntimeError) as error:
            out.sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]
