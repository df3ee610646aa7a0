"""Op table entries for complex tensors: the pointwise, reduction, view and matrix ops on complex
inputs, and the ops that build or take apart complex numbers.

The table's tests hand ops real tensors, so a complex operand is sampled as float pairs along a
last axis of 2 and becomes complex through ``view_as_complex`` inside the call (complex64 from
float32, complex128 from float64); a complex result is returned as its real and imaginary parts.
Gradients and finite differences then check the complex derivative rules through real tensors.
Empty complex inputs are tested in ``tests/test_complex.py``: an empty NumPy array has zero strides,
which ``view_as_complex`` refuses.
"""

import numpy as np

from . import OpInfo, Sample


def _pairs(rng, *shape):
    """Complex numbers as float pairs, with imaginary parts kept away from the real axis (branch cuts)."""
    real = rng.uniform(-1.5, 1.5, shape)
    imag = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 1.2, shape)
    return np.stack([real, imag], axis=-1)


def _parts(module, result):
    """A complex result as (real, imaginary); real results pass through."""
    if isinstance(result, (tuple, list)):
        return tuple(part for r in result for part in _parts(module, r))
    if result.is_complex():
        return result.real, result.imag
    return (result,)


def _on_complex(fn):
    """``fn`` applied to complex tensors made from the sample's float pairs.

    Sample keywords: ``real`` lists argument positions that stay real tensors; ``transposed`` swaps
    the first two dimensions of each complex operand (a non-contiguous complex input).
    """

    def call(module, *args, real=(), transposed=False, **kwargs):
        values = []
        for i, a in enumerate(args):
            if isinstance(a, module.Tensor) and i not in real:
                a = module.view_as_complex(a)
                if transposed:
                    a = a.transpose(0, 1)
            values.append(a)
        return _parts(module, fn(module, *values, **kwargs))

    return call


def _unary_samples(rng):
    yield Sample((_pairs(rng),), name="0-d")
    yield Sample((_pairs(rng, 4),))
    yield Sample((_pairs(rng, 2, 3),))
    yield Sample((_pairs(rng, 3, 2),), {"transposed": True}, name="noncontiguous")


def _binary_samples(rng):
    yield Sample((_pairs(rng), _pairs(rng)), name="0-d")
    yield Sample((_pairs(rng, 2, 3), _pairs(rng, 2, 3)))
    yield Sample((_pairs(rng, 2, 3), _pairs(rng, 3)), name="broadcast")
    yield Sample((_pairs(rng, 3, 2), _pairs(rng, 3, 2)), {"transposed": True}, name="noncontiguous")
    yield Sample((_pairs(rng, 2, 3), 1.5 - 0.5j), name="python complex")
    yield Sample((_pairs(rng, 2, 3), rng.uniform(0.5, 1.5, 3)), {"real": (1,)}, name="real tensor")
    yield Sample((rng.uniform(0.5, 1.5, (2, 3)), _pairs(rng, 3)), {"real": (0,)}, name="real tensor first")


def _reduction_samples(rng):
    yield Sample((_pairs(rng),), name="0-d")
    yield Sample((_pairs(rng, 2, 3),))
    yield Sample((_pairs(rng, 2, 3), -1), {"keepdim": True}, name="negative dim keepdim")
    yield Sample((_pairs(rng, 3, 2), 0), {"transposed": True}, name="noncontiguous")


def _real_samples(rng):
    """Real tensors: the complex ops must return them (or their flat derivative) unchanged."""
    yield Sample((rng.uniform(0.5, 1.5, ()),), {"real": (0,)}, name="real 0-d")
    yield Sample((rng.uniform(-1.5, 1.5, (2, 3)) + 0.1,), {"real": (0,)}, name="real")


def _with_real(samples):
    def both(rng):
        yield from samples(rng)
        yield from _real_samples(rng)

    return both


def _matmul_samples(rng):
    yield Sample((_pairs(rng, 3), _pairs(rng, 3)), name="dot")
    yield Sample((_pairs(rng, 2, 3), _pairs(rng, 3)), name="mv")
    yield Sample((_pairs(rng, 2, 3), _pairs(rng, 3, 2)), name="mm")
    yield Sample((_pairs(rng, 2, 1, 3), _pairs(rng, 3, 2)), name="batch @ mat")
    yield Sample((_pairs(rng, 3), _pairs(rng, 2, 3, 1)), name="vec @ batch")
    yield Sample((_pairs(rng, 3, 2), _pairs(rng, 2, 3)), {"transposed": True}, name="noncontiguous")


def _fixed(*shapes, transposed=None):
    """Samples with one complex operand per shape; ``transposed``: the same again, transposed."""

    def samples(rng):
        yield Sample(tuple(_pairs(rng, *s) for s in shapes))
        if transposed is not None:
            yield Sample(tuple(_pairs(rng, *s) for s in transposed), {"transposed": True}, name="noncontiguous")

    return samples


def _parts_samples(rng):
    """Real and imaginary parts (or magnitude and angle) for ``complex`` and ``polar``."""
    yield Sample((rng.uniform(0.5, 1.5, ()), rng.uniform(-2, 2, ())), {"real": (0, 1)}, name="0-d")
    yield Sample((rng.uniform(0.5, 1.5, 0), rng.uniform(-2, 2, 0)), {"real": (0, 1)}, name="empty")
    yield Sample((rng.uniform(0.5, 1.5, (2, 3)), rng.uniform(-2, 2, 3)), {"real": (0, 1)}, name="broadcast")


def _view_as_complex_samples(rng):
    yield Sample((rng.standard_normal(2),), {"real": (0,)}, name="0-d result")
    yield Sample((rng.standard_normal((3, 2)),), {"real": (0,)})


def _index(module, x):
    return x[[0, 2, 2], 1:]


def _cat_stack(module, x, y):
    return module.cat([x, y]), module.stack([x, y], dim=-1)


def _positive_definite(module, a):
    return a @ a.mH + 3 * module.diag_embed(module.ones_like(a[..., 0]))


def _view_as_complex_copy(m, a):
    with m.no_grad():
        return m.view_as_complex_copy(a)


def _complex_op(name, fn, samples=_unary_samples, **options):
    return OpInfo(f"complex {name}", _on_complex(fn), samples, **options)


OPS = [
    _complex_op("add", lambda m, a, b: a + b, _binary_samples),
    _complex_op("add alpha", lambda m, a, b: m.add(a, b, alpha=2 - 1j), _fixed((2, 3), (2, 3))),
    _complex_op("sub", lambda m, a, b: a - b, _binary_samples),
    _complex_op("mul", lambda m, a, b: a * b, _binary_samples),
    _complex_op("div", lambda m, a, b: a / b, _binary_samples),
    _complex_op("rdiv", lambda m, a: (2 + 1j) / a),
    _complex_op("neg", lambda m, a: -a),
    _complex_op("pow scalar", lambda m, a: a ** 3),
    _complex_op("pow fractional", lambda m, a: a ** 0.5),
    _complex_op("pow complex", lambda m, a: a ** (1.5 - 0.5j)),
    _complex_op("pow tensor", lambda m, a, b: a ** b, _binary_samples),
    _complex_op("rpow", lambda m, a: 2 ** a),
    _complex_op("square", lambda m, a: m.square(a)),
    _complex_op("exp", lambda m, a: m.exp(a)),
    _complex_op("log", lambda m, a: m.log(a)),
    _complex_op("sqrt", lambda m, a: m.sqrt(a)),
    _complex_op("rsqrt", lambda m, a: m.rsqrt(a)),
    _complex_op("reciprocal", lambda m, a: m.reciprocal(a)),
    _complex_op("sin", lambda m, a: m.sin(a)),
    _complex_op("cos", lambda m, a: m.cos(a)),
    _complex_op("tan", lambda m, a: m.tan(a)),
    _complex_op("tanh", lambda m, a: m.tanh(a)),
    _complex_op("sinh", lambda m, a: m.sinh(a)),
    _complex_op("cosh", lambda m, a: m.cosh(a)),
    _complex_op("asin", lambda m, a: m.asin(a)),
    _complex_op("acos", lambda m, a: m.acos(a)),
    _complex_op("atan", lambda m, a: m.atan(a)),
    _complex_op("asinh", lambda m, a: m.asinh(a)),
    _complex_op("acosh", lambda m, a: m.acosh(a)),
    _complex_op("atanh", lambda m, a: m.atanh(a)),
    _complex_op("sigmoid", lambda m, a: m.sigmoid(a)),
    _complex_op("expm1", lambda m, a: m.expm1(a)),
    _complex_op("log1p", lambda m, a: m.log1p(a)),
    _complex_op("abs", lambda m, a: m.abs(a)),
    _complex_op("sgn", lambda m, a: m.sgn(a)),
    _complex_op("angle", lambda m, a: m.angle(a), _with_real(_unary_samples)),
    _complex_op("conj", lambda m, a: m.conj(a), _with_real(_unary_samples)),
    _complex_op("conj_physical", lambda m, a: m.conj_physical(a)),
    _complex_op("resolve_conj", lambda m, a: a.conj().resolve_conj()),
    _complex_op("real", lambda m, a: m.real(a), _with_real(_unary_samples)),
    _complex_op("imag", lambda m, a: m.imag(a)),
    _complex_op("view_as_real", lambda m, a: m.view_as_real(a)),
    _complex_op("view_as_complex", lambda m, a: m.view_as_complex(a), _view_as_complex_samples),
    # the copies record a clone after the view (PyTorch: one ViewAsRealBackward0_copy node)
    _complex_op("view_as_real_copy", lambda m, a: m.view_as_real_copy(a), check_grad_fn=False),
    # PyTorch refuses a gradient through it (a complex output): values only, called without recording
    _complex_op("view_as_complex_copy", _view_as_complex_copy, _view_as_complex_samples, differentiable=False),
    _complex_op("complex", lambda m, re, im: m.complex(re, im), _parts_samples),
    _complex_op("polar", lambda m, magnitude, angle: m.polar(magnitude, angle), _parts_samples),
    _complex_op("lerp", lambda m, a, b: m.lerp(a, b, 0.3 + 0.2j), _fixed((2, 3), (2, 3))),
    _complex_op("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=2 - 1j), _fixed((2, 3), (3,), (2, 1))),
    _complex_op("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=2 - 1j), _fixed((2, 3), (3,), (2, 1))),
    _complex_op("sum", lambda m, a, *dim, **kw: a.sum(*dim, **kw), _reduction_samples),
    _complex_op("mean", lambda m, a, *dim, **kw: a.mean(*dim, **kw), _reduction_samples),
    _complex_op("prod", lambda m, a, *dim, **kw: a.prod(*dim, **kw), _reduction_samples),
    _complex_op("matmul", lambda m, a, b: a @ b, _matmul_samples),
    _complex_op("mm", lambda m, a, b: m.mm(a, b), _fixed((2, 3), (3, 2), transposed=((3, 2), (2, 3)))),
    _complex_op("mv", lambda m, a, b: m.mv(a, b), _fixed((2, 3), (3,))),
    _complex_op("dot", lambda m, a, b: m.dot(a, b), _fixed((4,), (4,))),
    _complex_op("vdot", lambda m, a, b: m.vdot(a, b), _fixed((4,), (4,))),
    _complex_op("bmm", lambda m, a, b: m.bmm(a, b), _fixed((2, 2, 3), (2, 3, 1))),
    _complex_op("addmm", lambda m, c, a, b: m.addmm(c, a, b, beta=0.5 + 1j, alpha=2 - 1j),
           _fixed((2, 2), (2, 3), (3, 2))),
    _complex_op("einsum", lambda m, a, b: m.einsum("ij,jk->ik", a, b), _fixed((2, 3), (3, 2))),
    _complex_op("cross", lambda m, a, b: m.linalg.cross(a, b), _fixed((2, 3), (1, 3))),
    _complex_op("vecdot", lambda m, a, b: m.linalg.vecdot(a, b), _fixed((2, 3), (3,))),
    _complex_op("matrix_exp", lambda m, a: m.matrix_exp(a * 0.5), _fixed((2, 2))),
    _complex_op("linalg.pinv", lambda m, a: m.linalg.pinv(a), _fixed((3, 2), transposed=((2, 3),))),
    _complex_op("linalg.pinv wide", lambda m, a: m.linalg.pinv(a), _fixed((2, 3))),
    _complex_op("linalg.pinv hermitian", lambda m, a: m.linalg.pinv(a + a.mH, hermitian=True), _fixed((3, 3))),
    _complex_op("pinverse", lambda m, a: m.pinverse(a), _fixed((2, 2, 3))),
    _complex_op("linalg.cholesky upper", lambda m, a: m.linalg.cholesky(_positive_definite(m, a), upper=True),
                _fixed((3, 3))),
    _complex_op("reshape", lambda m, a: a.reshape(3, 2), _fixed((2, 3), transposed=((3, 2),))),
    _complex_op("view", lambda m, a: a.view(-1), _fixed((2, 3))),
    _complex_op("transpose", lambda m, a: a.transpose(0, -1), _fixed((2, 3))),
    _complex_op("permute", lambda m, a: a.permute(2, 0, 1), _fixed((2, 1, 3))),
    _complex_op("getitem", _index, _fixed((3, 2), transposed=((2, 3),))),
    _complex_op("cat stack", _cat_stack, _fixed((2, 3), (2, 3))),
]
