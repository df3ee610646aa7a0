"""Forward mode on the whole op table, beside ``torch.func``: ``jvp`` of every differentiable sample, and
forward over reverse (``jvp`` of ``grad``: a Hessian-vector product) of every twice-differentiable one.

chainrule pushes tangents through each op's own derivative rule (``_ops/_forward.py``): an elementwise rule
multiplies the tangent, any other is transposed; forward over reverse also pushes them through the backward
pass, which reads the tangents of the values the forward saved. Everything is float64, with one fixed random
tangent per differentiable input. ``KNOWN`` and ``KNOWN_SECOND`` list the ops that still differ, with the
reason; the tests fail on a listed op that no longer does.
"""

import warnings

import numpy as np
import pytest
import torch

from op_db import all_ops
from side_by_side import check_known, on_both, refusal

# PyTorch has no forward formula for these (NotImplementedError), or none for a custom Function without a
# ``setup_context``; chainrule transposes their backward rules.
_NO_FORWARD_MODE_IN_PYTORCH = "accepted"
# PyTorch's forward formula divides the zero tangent of an empty mean by its zero count (NaN); chainrule's
# transposed rule gives 0.
_EMPTY_MEAN = "tangent"
KNOWN = {
    **dict.fromkeys([
        "F.ctc_loss", "F.multi_head_attention_forward", "F.multi_margin_loss", "F.multilabel_margin_loss",
        "F.pdist", "F.scaled_dot_product_attention 4-d", "Function.SinProductCos", "Function.SinProductCos.first",
        "Function.Sinh", "Tensor.igamma", "Tensor.igammac", "cdist", "embedding_bag", "embedding_bag weights",
        "grid_sample", "igamma", "igammac", "index_reduce", "special.gammainc", "special.gammaincc",
        "special.zeta", "special.zeta number self",
        "logcumsumexp",  # PyTorch's formula fails on the empty sample (max() of nothing)
    ], _NO_FORWARD_MODE_IN_PYTORCH),
    **dict.fromkeys([
        "F.binary_cross_entropy", "F.binary_cross_entropy_with_logits", "F.huber_loss", "F.l1_loss", "F.mse_loss",
        "F.smooth_l1_loss", "logsumexp", "special.logsumexp"], _EMPTY_MEAN),
    # PyTorch's forward formula disagrees with finite differences; chainrule's agrees.
    "cholesky_inverse": "tangent", "cholesky_inverse of cholesky": "tangent",
    # PyTorch's forward formula reads A's whole tangent, its backward only the triangle the solve reads;
    # chainrule's forward mode is the transposed backward, so it reads the triangle in both.
    "triangular_solve": "tangent",
    # PyTorch keeps only the real part of a real exponent's share of a complex power's tangent.
    "complex pow tensor": "tangent",
    # PyTorch gives a zero tangent; chainrule's agrees with finite differences.
    "scatter_reduce prod": "tangent",
    # scale_grad_by_freq scales the backward only; its transpose scales chainrule's tangent too.
    "embedding": "tangent",
}


# Forward over reverse runs PyTorch's forward formulas of its backward ops too, and it has none for some.
KNOWN_SECOND = {
    **dict.fromkeys([
        "F.hardsigmoid", "F.huber_loss", "F.multi_head_attention_forward", "F.multi_margin_loss",
        "F.multilabel_margin_loss", "F.pdist", "F.scaled_dot_product_attention 4-d", "F.soft_margin_loss",
        "Function.SinProductCos", "Function.SinProductCos.first", "Function.Sinh", "Tensor.igamma",
        "Tensor.igammac", "cdist", "embedding_bag", "embedding_bag weights", "grid_sample", "igamma", "igammac",
        "index_reduce", "logcumsumexp", "special.gammainc", "special.gammaincc", "special.zeta",
        "special.zeta number self",
        "F.mse_loss", "affine_grid",  # PyTorch fails inside (a ZeroTensor written to, a tensor without storage)
    ], _NO_FORWARD_MODE_IN_PYTORCH),
    "cholesky_inverse": "tangent", "cholesky_inverse of cholesky": "tangent", "complex pow tensor": "tangent",
}


# jvp on complex inputs (each float array given an imaginary part) differs from PyTorch's where real inputs do,
# and where the complex samples stop making sense: a symmetric positive-definite sample made complex is not
# Hermitian, and the factorization's rule and PyTorch's formula read different triangles of it.
KNOWN_COMPLEX = {
    **{name: kind for name, kind in KNOWN.items() if kind == "tangent"},
    "cholesky_solve": "tangent", "linalg.cholesky": "tangent", "linalg.cholesky upper": "tangent",
    "amax": "refused", "amin": "refused",  # an empty complex tensor: PyTorch's empty result needs no kernel
    # PyTorch has no complex kernel (softmax, a comparison) or no forward formula for these
    **dict.fromkeys(["F.multi_head_attention_forward", "F.poisson_nll_loss", "F.scaled_dot_product_attention",
                     "F.scaled_dot_product_attention 4-d", "Function.SinProductCos", "Function.SinProductCos.first",
                     "Function.Sinh", "index_reduce"], _NO_FORWARD_MODE_IN_PYTORCH),
}
for _name in ("F.binary_cross_entropy", "F.binary_cross_entropy_with_logits", "F.huber_loss", "F.mse_loss",
              "complex pow tensor"):  # refused for complex by both, or no complex samples
    KNOWN_COMPLEX.pop(_name, None)


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in _outputs(item)]
    return [result] if hasattr(result, "grad_fn") else []


def _numpy(t):
    if isinstance(t, torch.Tensor) and t._is_zerotensor():
        return np.zeros(tuple(t.shape), dtype=str(t.dtype).split(".")[1])
    return t.detach().resolve_conj().resolve_neg().numpy()


def _jvp(module, op, sample, positions, complex_inputs=False):
    args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in sample.args]
    rng = np.random.default_rng(7)
    if complex_inputs:
        imaginary = np.random.default_rng(5)
        args = [np.asarray(a + 1j * imaginary.uniform(-0.3, 0.3, a.shape)) if isinstance(a, np.ndarray)
                and a.dtype.kind == "f" else a for a in args]
    primals = tuple(module.from_numpy(args[i].copy()) for i in positions)
    tangents = tuple(module.from_numpy(
        rng.standard_normal(args[i].shape) + (1j * rng.standard_normal(args[i].shape) if complex_inputs else 0)
    ).to(primals[k].dtype) for k, i in enumerate(positions))

    def function(*inputs):
        full = [module.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a for a in args]
        for i, value in zip(positions, inputs):
            full[i] = value
        outputs = _outputs(op.call(module, *full, **sample.kwargs))
        return tuple(o for o in outputs if o.dtype.is_floating_point or o.dtype.is_complex)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, pushed = module.func.jvp(function, primals, tangents)
    return [_numpy(t) for t in pushed]


def _hessian_vector_product(module, op, sample, positions):
    """``jvp(grad(f))`` at the first differentiable input, ``f`` the sum of the outputs times fixed weights."""
    args = [a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in sample.args]
    at = positions[0]

    def scalar(x):
        full = [module.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a for a in args]
        full[at] = x
        total = 0
        for k, out in enumerate(_outputs(op.call(module, *full, **sample.kwargs))):
            if out.dtype.is_floating_point or out.dtype.is_complex:
                weighted = out * module.from_numpy(np.random.default_rng(k).standard_normal(tuple(out.shape)))
                total = total + (weighted.real if out.dtype.is_complex else weighted).sum()
        return total

    direction = module.from_numpy(np.random.default_rng(7).standard_normal(args[at].shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, product = module.func.jvp(module.func.grad(scalar), (module.from_numpy(args[at].copy()),), (direction,))
    return [_numpy(product)]


def _outcomes(op, compute=_jvp, kinds="fc"):
    for sample in op.samples(np.random.default_rng(1234)):
        positions = list(op.grad_inputs) if op.grad_inputs is not None else range(len(sample.args))
        positions = [i for i in positions if i < len(sample.args) and isinstance(sample.args[i], np.ndarray)
                     and sample.args[i].dtype.kind in kinds]
        if not positions:
            continue
        ours, theirs = on_both(lambda module: compute(module, op, sample, positions))
        refused = refusal(ours, theirs, compare_types=False)
        if refused is not None:
            if refused:
                yield sample, refused
            continue
        same = len(ours) == len(theirs) and all(a.shape == b.shape and np.allclose(
            a, b, rtol=1e-6, atol=1e-6, equal_nan=True) for a, b in zip(ours, theirs))
        yield sample, None if same else "tangent"


OPS = [op for op in all_ops() if op.differentiable]
TWICE = [op for op in OPS if op.gradgrad]


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_forward_mode_matches_torch(op):
    differences = [(sample.name, kind) for sample, kind in _outcomes(op) if kind is not None]
    check_known(differences, KNOWN.get(op.name), "KNOWN")


COMPLEX = [op for op in OPS if not op.name.startswith("complex ")]


@pytest.mark.parametrize("op", COMPLEX, ids=[op.name for op in COMPLEX])
def test_forward_mode_on_complex_inputs_matches_torch(op):
    def complex_jvp(module, op, sample, positions):
        return _jvp(module, op, sample, positions, complex_inputs=True)

    differences = [(sample.name, kind) for sample, kind in _outcomes(op, complex_jvp, "f") if kind is not None]
    check_known(differences, KNOWN_COMPLEX.get(op.name), "KNOWN_COMPLEX")


@pytest.mark.parametrize("op", TWICE, ids=[op.name for op in TWICE])
def test_forward_over_reverse_matches_torch(op):
    differences = [(sample.name, kind) for sample, kind in _outcomes(op, _hessian_vector_product, "f")
                   if kind is not None]
    check_known(differences, KNOWN_SECOND.get(op.name), "KNOWN_SECOND")
