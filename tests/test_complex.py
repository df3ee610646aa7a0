"""Complex tensors: values and gradients against PyTorch for real losses, gradcheck on complex inputs,
the ops that build and take apart complex numbers, their errors and edge values.

Every expectation comes from running the same code on PyTorch.
"""

import math
import warnings

import numpy as np
import pytest
import torch

import chainrule

SEED = 7


def _complex(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _numpy(t):
    return t.detach().resolve_conj().numpy()


def _tensors(module, arrays, dtype):
    """Arrays as tensors requiring grad (complex ones in ``dtype``, real ones in its real dtype)."""
    real_dtype = {"complex64": "float32", "complex128": "float64"}[dtype]
    tensors = []
    for a in arrays:
        if isinstance(a, np.ndarray):
            kind = dtype if a.dtype.kind == "c" else real_dtype
            a = module.tensor(a, dtype=getattr(module, kind), requires_grad=True)
        tensors.append(a)
    return tensors


def _values_and_grads(module, fn, arrays, dtype, loss):
    inputs = _tensors(module, arrays, dtype)
    out = fn(module, *inputs)
    value = loss(out)
    grads = module.autograd.grad(value, [t for t in inputs if isinstance(t, module.Tensor)])
    return _numpy(out), [_numpy(g) for g in grads], type(out.grad_fn).__name__


def _squared_magnitude(out):
    return (out.abs() ** 2).sum()


def _real_part(out):
    return out.real.sum() if out.is_complex() else out.sum()


def _weighted(out):
    """A loss that weighs real and imaginary parts differently (catches a missing conjugate)."""
    if not out.is_complex():
        return (out * out).sum()
    return (out.real * 0.7 - out.imag * 1.3).sum() + (out.abs() ** 2).sum() * 0.1


def _compare(fn, arrays, dtype="complex128"):
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == "complex64" else dict(rtol=1e-7, atol=1e-9)
    for loss in (_squared_magnitude, _real_part, _weighted):
        ours = _values_and_grads(chainrule, fn, arrays, dtype, loss)
        theirs = _values_and_grads(torch, fn, arrays, dtype, loss)
        np.testing.assert_allclose(ours[0], theirs[0], **tol)
        assert len(ours[1]) == len(theirs[1])
        for a, b in zip(ours[1], theirs[1]):
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, **tol)
        assert ours[2] == theirs[2]


rng = np.random.default_rng(SEED)
Z, W, V = _complex(rng, 2, 3), _complex(rng, 2, 3), _complex(rng, 3)
R = rng.uniform(0.5, 1.5, (2, 3))
A, B = _complex(rng, 2, 3), _complex(rng, 3, 4)

CASES = {
    "add": (lambda m, a, b: a + b, (Z, W)),
    "add alpha": (lambda m, a, b: m.add(a, b, alpha=2 - 1j), (Z, W)),
    "sub": (lambda m, a, b: a - b, (Z, V)),
    "mul": (lambda m, a, b: a * b, (Z, W)),
    "mul number": (lambda m, a: a * (2 + 3j), (Z,)),
    "div": (lambda m, a, b: a / b, (Z, W)),
    "rdiv": (lambda m, a: (1 + 2j) / a, (Z,)),
    "neg": (lambda m, a: -a, (Z,)),
    "pow scalar": (lambda m, a: a ** 3, (Z,)),
    "pow complex scalar": (lambda m, a: a ** (0.5 + 1j), (Z,)),
    "pow tensor": (lambda m, a, b: a ** b, (Z, W)),
    "rpow": (lambda m, a: 2 ** a, (Z,)),
    "square": (lambda m, a: m.square(a), (Z,)),
    "sum": (lambda m, a: a.sum(), (Z,)),
    "sum dim": (lambda m, a: a.sum(-1, keepdim=True), (Z,)),
    "mean": (lambda m, a: a.mean(0), (Z,)),
    "matmul": (lambda m, a, b: a @ b, (A, B)),
    "matmul batch": (lambda m, a, b: a @ b, (_complex(rng, 2, 2, 3), _complex(rng, 3, 2))),
    "mm": (lambda m, a, b: m.mm(a, b), (A, B)),
    "mv": (lambda m, a, b: m.mv(a, b), (A, V)),
    "dot": (lambda m, a, b: m.dot(a, b), (V, _complex(rng, 3))),
    "vdot": (lambda m, a, b: m.vdot(a, b), (V, _complex(rng, 3))),
    "bmm": (lambda m, a, b: m.bmm(a, b), (_complex(rng, 2, 2, 3), _complex(rng, 2, 3, 2))),
    "addmm": (lambda m, c, a, b: m.addmm(c, a, b, beta=1 + 1j, alpha=2 - 1j), (_complex(rng, 2, 4), A, B)),
    "addmv": (lambda m, c, a, b: m.addmv(c, a, b, alpha=2 - 1j), (_complex(rng, 2), A, V)),
    "baddbmm": (lambda m, c, a, b: m.baddbmm(c, a, b, alpha=1j),
                (_complex(rng, 2, 2, 2), _complex(rng, 2, 2, 3), _complex(rng, 2, 3, 2))),
    "addbmm": (lambda m, c, a, b: m.addbmm(c, a, b, beta=-1j),
               (_complex(rng, 2, 2), _complex(rng, 2, 2, 3), _complex(rng, 2, 3, 2))),
    "einsum": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), (A, B)),
    "cross": (lambda m, a, b: m.linalg.cross(a, b), (Z, W)),
    "vecdot": (lambda m, a, b: m.linalg.vecdot(a, b), (Z, W)),
    "matrix_exp": (lambda m, a: m.matrix_exp(a), (_complex(rng, 3, 3) * 0.5,)),
    "lerp": (lambda m, a, b: m.lerp(a, b, 0.25 + 0.5j), (Z, W)),
    "addcmul": (lambda m, c, a, b: m.addcmul(c, a, b, value=1 - 2j), (Z, W, V)),
    "addcdiv": (lambda m, c, a, b: m.addcdiv(c, a, b, value=1 - 2j), (Z, W, V)),
    "reshape view": (lambda m, a: a.reshape(3, 2).view(6), (Z,)),
    "transpose permute": (lambda m, a: a.transpose(0, 1).permute(1, 0).t(), (Z,)),
    "indexing": (lambda m, a: a[[1, 0, 1], 1:], (Z,)),
    "cat stack": (lambda m, a, b: m.cat([a, b]) * m.stack([a, b]).sum(0).repeat(2, 1), (Z, W)),
    "conj": (lambda m, a: a.conj() * a, (Z,)),
    "conj_physical": (lambda m, a: m.conj_physical(a), (Z,)),
    "resolve_conj": (lambda m, a: a.conj().resolve_conj(), (Z,)),
    "real": (lambda m, a: a.real, (Z,)),
    "imag": (lambda m, a: a.imag, (Z,)),
    "real of conj": (lambda m, a: m.real(a.conj()), (Z,)),
    "angle": (lambda m, a: a.angle(), (Z,)),
    "abs": (lambda m, a: a.abs(), (Z,)),
    "sgn": (lambda m, a: a.sgn(), (Z,)),
    "view_as_real": (lambda m, a: m.view_as_real(a), (Z,)),
    "view_as_complex": (lambda m, a: m.view_as_complex(a), (rng.standard_normal((3, 2)),)),
    "complex": (lambda m, a, b: m.complex(a, b), (R, rng.standard_normal(3))),
    "polar": (lambda m, a, b: m.polar(a, b), (R, rng.standard_normal(3))),
    "mixed mul": (lambda m, a, b: a * b, (Z, R)),
    "mixed add": (lambda m, a, b: b + a, (V, R)),
    "mixed div": (lambda m, a, b: b / a, (Z, R)),
    "mixed pow": (lambda m, a, b: b ** a, (Z, R)),
}

UNARY = ("exp log sqrt rsqrt sin cos tan tanh sigmoid reciprocal sinh cosh asin acos atan asinh acosh atanh expm1 "
         "log1p exp2 log2 log10").split()


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_torch(name, dtype):
    fn, arrays = CASES[name]
    _compare(fn, arrays, dtype)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name", UNARY)
def test_unary_values_and_gradients_match_torch(name, dtype):
    _compare(lambda m, a: getattr(m, name)(a), (Z,), dtype)


# ---------------------------------------------------------------- finite differences on complex inputs
def _c128(array):
    return chainrule.tensor(array, dtype=chainrule.complex128, requires_grad=True)


GRADCHECK = {
    "mul": (lambda a, b: a * b, (Z, W)),
    "div": (lambda a, b: a / b, (Z, W)),
    "exp": (lambda a: a.exp(), (Z,)),
    "log": (lambda a: a.log(), (Z,)),
    "abs": (lambda a: a.abs(), (Z,)),
    "angle": (lambda a: a.angle(), (Z,)),
    "sgn": (lambda a: a.sgn(), (Z,)),
    "conj": (lambda a: a.conj() * a, (Z,)),
    "real imag": (lambda a: a.real * a.imag, (Z,)),
    "pow": (lambda a: a ** (1.5 - 0.5j), (Z,)),
    "matmul": (lambda a, b: a @ b, (A, B[:, :2])),
    "vdot": (lambda a, b: chainrule.vdot(a, b), (V, _complex(rng, 3))),
}


@pytest.mark.parametrize("name", list(GRADCHECK))
def test_gradcheck_complex128(name):
    fn, arrays = GRADCHECK[name]
    inputs = tuple(_c128(a) for a in arrays)
    assert chainrule.autograd.gradcheck(fn, inputs)
    assert chainrule.autograd.gradcheck(fn, inputs, fast_mode=True)


@pytest.mark.parametrize("name", ["mul", "exp", "abs", "angle", "sgn", "matmul"])
def test_gradgradcheck_complex128(name):
    fn, arrays = GRADCHECK[name]
    assert chainrule.autograd.gradgradcheck(fn, tuple(_c128(a) for a in arrays))


def test_gradcheck_mixes_real_and_complex_inputs_and_outputs():
    def fn(magnitude, z):
        return chainrule.polar(magnitude, z.angle()) * z, (z * z).abs()

    inputs = (chainrule.tensor(R[0], dtype=chainrule.float64, requires_grad=True), _c128(Z[0]))
    assert chainrule.autograd.gradcheck(fn, inputs)
    assert chainrule.autograd.gradcheck(fn, inputs, fast_mode=True)


class _MulWithoutConjugate(chainrule.autograd.Function):
    """``a * b`` whose backward forgets the conjugate: right for real numbers only."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_catches_a_missing_conjugate(fast_mode):
    inputs = (_c128(Z[0]), _c128(W[0]))
    assert not chainrule.autograd.gradcheck(_MulWithoutConjugate.apply, inputs, raise_exception=False,
                                            fast_mode=fast_mode)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        chainrule.autograd.gradcheck(_MulWithoutConjugate.apply, inputs, fast_mode=fast_mode)


# ---------------------------------------------------------------- node names, and real tensors left alone
def _grad_fn_name(module, fn):
    z = module.tensor(Z, requires_grad=True)
    r = module.tensor(R, requires_grad=True)
    return type(fn(module, z, r).grad_fn).__name__


NAMES = {
    "conj": lambda m, z, r: z.conj(),
    "conj function": lambda m, z, r: m.conj(z),
    "conj of conj": lambda m, z, r: z.conj().conj(),
    "conj_physical": lambda m, z, r: z.conj_physical(),
    "resolve_conj": lambda m, z, r: z.conj().resolve_conj(),
    "real": lambda m, z, r: z.real,
    "imag": lambda m, z, r: m.imag(z),
    "angle": lambda m, z, r: z.angle(),
    "angle of real": lambda m, z, r: r.angle(),
    "abs": lambda m, z, r: z.abs(),
    "sgn": lambda m, z, r: z.sgn(),
    "view_as_real": lambda m, z, r: m.view_as_real(z),
    "view_as_complex": lambda m, z, r: m.view_as_complex(m.view_as_real(z)),
    "complex": lambda m, z, r: m.complex(r, r),
    "polar": lambda m, z, r: m.polar(r, r),
    "vecdot": lambda m, z, r: m.linalg.vecdot(z, z),
    "mH": lambda m, z, r: z.mH,
}


@pytest.mark.parametrize("name", list(NAMES))
def test_grad_fn_names_match_torch(name):
    assert _grad_fn_name(chainrule, NAMES[name]) == _grad_fn_name(torch, NAMES[name])


def test_the_real_part_is_a_select_of_view_as_real_as_in_torch():
    for module in (chainrule, torch):
        z = module.tensor(Z, requires_grad=True)
        node = z.real.grad_fn
        assert type(node.next_functions[0][0]).__name__ == "ViewAsRealBackward0"


@pytest.mark.parametrize("name", ["conj", "conj_physical", "resolve_conj", "real"])
def test_real_tensors_are_returned_unchanged(name):
    for module in (chainrule, torch):
        r = module.tensor(R, requires_grad=True)
        assert getattr(module, name)(r) is r
        assert getattr(r, name)() is r if name != "real" else r.real is r


def test_integer_and_bool_tensors_are_returned_unchanged_by_conj():
    for module in (chainrule, torch):
        for values in ([1, 2], [True, False]):
            t = module.tensor(values)
            assert t.conj() is t and t.conj_physical() is t and t.real is t


def test_is_conj_and_resolve_conj_follow_torch():
    results = []
    for module in (chainrule, torch):
        z = module.tensor(Z)
        lazy = z.conj()
        resolved = lazy.resolve_conj()
        results.append((z.is_conj(), lazy.is_conj(), module.is_conj(lazy), resolved.is_conj(),
                        z.conj_physical().is_conj(), lazy.conj().is_conj(), z.resolve_conj() is z))
        np.testing.assert_array_equal(_numpy(resolved), np.conj(Z))
    assert results[0] == results[1]


def test_real_and_imag_are_views_that_write_into_the_complex_tensor():
    results = []
    for module in (chainrule, torch):
        z = module.tensor(Z)
        z.real.mul_(2)
        z.imag[0] = module.tensor([7.0, 8.0, 9.0], dtype=module.float64)
        z.real = module.tensor([1.0, 2.0, 3.0], dtype=module.float64)
        z.imag = module.tensor(-1.0, dtype=module.float64)
        results.append((_numpy(z), z.real.stride(), z.imag.is_contiguous()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    assert results[0][1:] == results[1][1:]


def test_view_as_real_and_view_as_complex_share_memory():
    for module in (chainrule, torch):
        z = module.tensor(Z)
        pairs = module.view_as_real(z)
        pairs[0, 0, 1] = 5.0
        assert z[0, 0].item() == complex(Z[0, 0].real, 5.0)
        back = module.view_as_complex(pairs)
        back[1, 2] = 3j
        assert pairs[1, 2].tolist() == [0.0, 3.0]


def test_complex_gradient_accumulates_on_a_complex_leaf():
    results = []
    for module in (chainrule, torch):
        z = module.tensor(Z, requires_grad=True)
        (z * z.conj()).real.sum().backward()
        (z.exp().abs()).sum().backward()
        results.append(_numpy(z.grad))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_higher_order_gradients_of_complex_ops_match_torch():
    results = []
    for module in (chainrule, torch):
        z = module.tensor(Z, requires_grad=True)
        loss = (z.sin() * z.conj()).abs().sum()
        (grad,) = module.autograd.grad(loss, z, create_graph=True)
        (second,) = module.autograd.grad((grad * grad.conj()).real.sum(), z)
        results.append((_numpy(grad), _numpy(second)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


@pytest.mark.parametrize("name", ["exp", "abs", "angle", "sgn", "conj", "real", "sum"])
def test_empty_complex_inputs(name):
    results = []
    for module in (chainrule, torch):
        z = module.zeros(0, 3, dtype=module.complex128, requires_grad=True)
        out = getattr(z, name)() if name != "real" else z.real
        (grad,) = module.autograd.grad(out.abs().sum(), z)
        results.append((tuple(out.shape), str(out.dtype).split(".")[-1], tuple(grad.shape)))
    assert results[0] == results[1]


# ---------------------------------------------------------------- edge values
def _same_values(fn):
    ours, theirs = fn(chainrule), fn(torch)
    for a, b in zip(ours, theirs):
        a, b = _numpy(a), _numpy(b)
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, equal_nan=True)


def test_gradients_at_zero_follow_torch():
    def grads(module):
        z = module.tensor([0j, 1 + 1j], requires_grad=True)
        return [module.autograd.grad(f(z).sum(), z)[0] for f in (module.abs, module.angle, lambda t: t.sgn().real)]

    _same_values(grads)


def test_angle_of_real_numbers_follows_torch():
    def angles(module):
        x = module.tensor([-0.0, 0.0, -2.0, math.nan, -math.inf, math.inf])
        return x.angle(), module.tensor([-1, 0, 3]).angle(), module.tensor([True, False]).angle()

    _same_values(angles)


def test_complex_and_polar_keep_inf_and_nan_parts():
    def built(module):
        a = module.tensor([math.inf, math.nan, 0.0, -1.0])
        b = module.tensor([math.nan, 1.0, math.inf, 0.0])
        return module.complex(a, b), module.polar(a.abs(), b), module.complex(a[0], b[0])

    _same_values(built)


def test_angle_and_complex_write_out():
    def written(module):
        out = module.empty(2)
        module.angle(module.tensor([1j, -1 + 0j]), out=out)
        target = module.empty(1, dtype=module.complex64)
        module.complex(module.ones(1), module.ones(1), out=target)
        return out, target

    _same_values(written)


# ---------------------------------------------------------------- errors
def _error(fn, module):
    with pytest.raises(Exception) as info:
        fn(module)
    return type(info.value), str(info.value).replace("torch.", "chainrule.")


ERRORS = {
    "imag of real": lambda m: m.tensor([1.0]).imag,
    "imag of int": lambda m: m.imag(m.tensor([1])),
    "view_as_real of real": lambda m: m.view_as_real(m.tensor([1.0])),
    "view_as_real of conj": lambda m: m.view_as_real(m.tensor([1j]).conj()),
    "view_as_complex int": lambda m: m.view_as_complex(m.ones(2, 3, dtype=m.int64)),
    "view_as_complex bool": lambda m: m.view_as_complex(m.ones(2, 2, dtype=m.bool)),
    "view_as_complex 0-d": lambda m: m.view_as_complex(m.tensor(1.0)),
    "view_as_complex size": lambda m: m.view_as_complex(m.ones(2, 3)),
    "view_as_complex last stride": lambda m: m.view_as_complex(m.ones(2, 4)[:, ::2]),
    "view_as_complex odd stride": lambda m: m.view_as_complex(m.ones(3, 3)[:, :2]),
    "view_as_complex offset": lambda m: m.view_as_complex(m.ones(8)[1:3]),
    "complex int": lambda m: m.complex(m.tensor([1]), m.tensor([1])),
    "complex bool": lambda m: m.complex(m.tensor([True]), m.tensor([True])),
    "complex of complex": lambda m: m.complex(m.tensor([1j]), m.tensor([1j])),
    "complex float and int": lambda m: m.complex(m.ones(2), m.ones(2, dtype=m.int64)),
    "complex mixed floats": lambda m: m.complex(m.ones(2), m.ones(2, dtype=m.float64)),
    "complex broadcast": lambda m: m.complex(m.ones(3), m.ones(2)),
    "complex number": lambda m: m.complex(m.ones(2), 2.0),
    "complex number first": lambda m: m.complex(1.0, m.ones(2)),
    "complex out dtype": lambda m: m.complex(m.ones(1), m.ones(1), out=m.empty(1)),
    "polar int": lambda m: m.polar(m.tensor([1]), m.tensor([1])),
    "polar mixed floats": lambda m: m.polar(m.ones(2), m.ones(2, dtype=m.float64)),
    "polar number": lambda m: m.polar(m.ones(2), 1.0),
    "conj number": lambda m: m.conj(1.0),
    "real number": lambda m: m.real(2.0),
    "angle number": lambda m: m.angle(2.0),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    assert _error(ERRORS[name], chainrule) == _error(ERRORS[name], torch)


def test_gradient_of_a_real_input_to_a_complex_op_is_real():
    results = []
    for module in (chainrule, torch):
        r = module.tensor(R, requires_grad=True)
        z = module.tensor(Z, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grads = module.autograd.grad(((r * z) ** 2).imag.sum(), (r, z))
        results.append([(str(g.dtype).split(".")[-1], _numpy(g)) for g in grads])
    for (dtype_a, a), (dtype_b, b) in zip(*results):
        assert dtype_a == dtype_b
        np.testing.assert_allclose(a, b, rtol=1e-12)
