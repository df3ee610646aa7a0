"""Every op of the op table rerun on complex inputs, beside PyTorch.

The op table's complex entries (``tests/op_db/complex_ops.py``) cover the ops written with complex numbers in
mind. This reruns every other op's samples with each float array given an imaginary part, so that a rule that
forgets a conjugate (a convolution, a running product, a solve, a determinant) or a kernel that exists only for
real numbers is caught. Where PyTorch computes, values and first-order gradients (for complex cotangents) must
agree; where it refuses, chainrule may refuse too. ``KNOWN`` lists the ops that still differ, with the reason;
the test fails on a listed op that no longer does, so the list only shrinks.
"""

import warnings

import numpy as np
import pytest

from op_db import all_ops
from side_by_side import check_known, on_both, refusal

# PyTorch refuses to differentiate these for complex outputs (or has no complex kernel); chainrule computes them.
_NO_COMPLEX_GRADIENT_IN_PYTORCH = "accepted"
KNOWN = {
    **dict.fromkeys([
        "F.bilinear", "F.log_softmax", "F.multi_head_attention_forward", "F.poisson_nll_loss",
        "F.scaled_dot_product_attention", "F.scaled_dot_product_attention 4-d", "F.silu", "F.soft_margin_loss",
        "F.softmax", "F.softmin", "Tensor.log_softmax", "Tensor.softmax", "cummax", "cummin", "embedding",
        "index_reduce", "nan_to_num", "scatter_reduce", "scatter_reduce prod", "select_scatter", "slice_scatter",
        "special.log_softmax", "special.softmax"], _NO_COMPLEX_GRADIENT_IN_PYTORCH),
    # The samples are triangular factors with a complex diagonal, which no Cholesky factorization gives;
    # PyTorch's LAPACK routines read only the diagonal's real part. (With a real diagonal both agree.)
    "cholesky_inverse": "differs", "cholesky_solve": "differs",
}


def _complex(array, rng):
    if isinstance(array, np.ndarray) and array.dtype.kind == "f":
        return np.asarray(array + 1j * rng.uniform(-0.3, 0.3, array.shape))
    return array


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in _outputs(item)]
    return [result] if hasattr(result, "grad_fn") else []


def _numpy(t):
    return t.detach().resolve_conj().resolve_neg().numpy()


def _run(module, op, args, kwargs, differentiated, second_order=False):
    """Values and gradients (for fixed complex cotangents) of ``op`` on ``module``; with ``second_order``,
    the gradients of a weighted sum of those gradients instead (None where no gradient has a graph)."""
    tensors = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            t = module.from_numpy(a.copy())
            tensors.append(t.requires_grad_(True) if i in differentiated else t)
        else:
            tensors.append(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = _outputs(op.call(module, *tensors, **kwargs))
    values = [_numpy(o) for o in outputs]
    leaves = [t for i, t in enumerate(tensors) if i in differentiated]
    recorded = [o for o in outputs if o.requires_grad]
    if not leaves or not recorded:
        return values, None
    rng = np.random.default_rng(0)
    cotangents = []
    for o in recorded:
        c = rng.standard_normal(tuple(o.shape)) + 1j * rng.standard_normal(tuple(o.shape))
        cotangents.append(module.from_numpy(c if o.dtype.is_complex else c.real.copy()).to(o.dtype))
    grads = module.autograd.grad(recorded, leaves, cotangents, allow_unused=True, create_graph=second_order)
    if second_order:
        weighted = [(g * module.from_numpy(rng.standard_normal(tuple(g.shape)) + 1j * rng.standard_normal(
            tuple(g.shape))).to(g.dtype)).real.sum() for g in grads if g is not None and g.requires_grad]
        if not weighted:
            return values, None
        grads = module.autograd.grad(sum(weighted), leaves, allow_unused=True)
    return values, [None if g is None else _numpy(g) for g in grads]


def _difference(ours, theirs):
    """What differs between two (values, gradients) results, or None."""
    (our_values, our_grads), (their_values, their_grads) = ours, theirs
    if len(our_values) != len(their_values):
        return "number of outputs"
    for a, b in zip(our_values, their_values):
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"output {a.shape} {a.dtype} against {b.shape} {b.dtype}"
        if not np.allclose(a, b, rtol=1e-6, atol=1e-6, equal_nan=True):
            return "values"
    if (our_grads is None) != (their_grads is None):
        return "which outputs have gradients"
    for a, b in zip(our_grads or (), their_grads or ()):
        if a is None and b is None:
            continue
        if a is None or b is None:
            if not np.all((b if a is None else a) == 0):
                return "which inputs get gradients"
        elif a.shape != b.shape or a.dtype != b.dtype or not np.allclose(a, b, rtol=1e-6, atol=1e-6,
                                                                          equal_nan=True):
            return "gradients"
    return None


def _outcomes(op, second_order=False):
    """Each sample's difference from PyTorch: ``accepted``, ``refused``, a description, or None."""
    rng = np.random.default_rng(5)
    for sample in op.samples(np.random.default_rng(1234)):
        if not any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in sample.args):
            continue
        args = tuple(_complex(a, rng) for a in sample.args)
        differentiated = set()
        if op.differentiable:
            differentiated = set(op.grad_inputs) if op.grad_inputs is not None else {
                i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "c"}
        ours, theirs = on_both(lambda module: _run(module, op, args, sample.kwargs, differentiated, second_order))
        refused = refusal(ours, theirs, compare_types=False)
        if refused is not None:
            if refused:
                yield sample, refused
            continue
        if second_order and (ours[1] is None or theirs[1] is None):
            continue  # a gradient constant in the input: one library keeps a graph for it, the other not
        yield sample, _difference(ours, theirs)


OPS = [op for op in all_ops() if not op.name.startswith("complex ")]


def _check(op, second_order):
    """A "differs" line stands for any description of a difference; an "accepted" one for exactly that.
    Second order differs where first order does, and is refused where it is."""
    differences = [(sample.name, kind) for sample, kind in _outcomes(op, second_order) if kind is not None]
    known = KNOWN.get(op.name)
    check_known(differences, known, "KNOWN", exact=known == _NO_COMPLEX_GRADIENT_IN_PYTORCH)


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_complex_inputs_match_torch(op):
    _check(op, second_order=False)


@pytest.mark.parametrize("op", [op for op in OPS if op.gradgrad], ids=[op.name for op in OPS if op.gradgrad])
def test_complex_second_order_matches_torch(op):
    _check(op, second_order=True)
