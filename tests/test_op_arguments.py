"""Argument checks shared by the ops (``chainrule._ops._arguments``, and the dtype refusals declared beside each
op): a wrong argument raises PyTorch's exception with PyTorch's message, and a right one of another accepted
type (a NumPy integer, a one-element integer tensor) still works.

Each case runs the same expression on chainrule and on PyTorch. The bad-input table checks exception types
for every op; these pin the messages of the shared helpers, and the values around them.
"""


import numpy as np
import pytest
import torch

import chainrule
from expression_outcome import evaluated


def _run(module, expression):
    """(exception class name or None, message, value) of ``expression`` on ``module``."""
    namespace = {"T": module, "np": np, "x": module.arange(12.0, dtype=module.float64).reshape(4, 3),
                 "i": module.tensor([0, 2]), "v": module.arange(3.0, dtype=module.float64)}
    return evaluated(expression, namespace)


# A non-tensor where a tensor belongs (check_tensors, not_a_tensor, check_tensor_sequence).
NOT_A_TENSOR = [
    "T.special.bessel_j0(None)", "T.special.airy_ai('abc')", "T.polygamma(1, None)", "T.mvlgamma([1.0], 1)",
    "T.clamp(None, 0.0, 1.0)", "T.clamp_min(None, 0.0)", "T.lerp(None, x, 0.5)", "T.linalg.vector_norm(None)",
    "T.cumprod(None, 0)", "T.cummax('abc', 0)", "T.gather(x, 0, None)", "T.index_select(x, 0, [0])",
    "T.scatter_add(x, 0, i.reshape(2, 1).expand(2, 3), None)", "T.masked_fill(x, None, 1.0)",
    "T.cov(None)", "T.cdist(x, None)", "T.diff('abc')", "T.renorm(None, 2, 0, 1.0)", "T.tril(None)",
    "x.view_as(None)", "T.linalg.cross(None, x)", "T.linalg.matrix_power(None, 2)", "T.isclose(None, x)",
    "T.ldexp(x, None)", "T.channel_shuffle(None, 2)", "T.addr(x, None, v)", "T.where([True], x, x)",
    "T.slice_scatter(x, None)", "T.put(x, None, v)",
]

# A sequence whose elements must be tensors: PyTorch names the element and the argument.
TENSOR_SEQUENCES = [
    "T.meshgrid(v, None, indexing='ij')", "T.cartesian_prod(v, 'abc')", "T.broadcast_tensors(x, 1.5)",
    "T.block_diag(x, None)", "T.einsum('ij,jk', x, None)", "T.linalg.multi_dot([x, None])",
    "T.atleast_2d([x, None])", "T.index_put(x, (None,), v)",
]

# Integer and flag arguments (int_argument, bool_argument, int_list): no float truncated, no string converted.
INTEGERS_AND_FLAGS = [
    "T.tril(x, 1.5)", "T.triu(x, None)", "T.narrow(x, 0, 1.5, 1)", "T.select(x, 0, 1.5)", "T.chunk(x, 1.5)",
    "T.rot90(x, 1.5)", "T.roll(x, 'a')", "T.roll(x, (1,), ('a',))", "T.split(x, 'a')", "T.split(x, ['a', 1])",
    "T.movedim(x, 0, 'a')", "T.topk(v, 1.5)", "T.kthvalue(v, 1.5)", "T.linalg.matrix_power(x[:3], 1.5)",
    "T.renorm(x, 2, 1.5, 1.0)", "T.diff(x, 1.5)", "T.combinations(v, 1.5)", "T.vander(v, 1.5)",
    "x.max(0, keepdim='a')", "x.mode(0, keepdim=1)", "T.median(x, 0, keepdim=np.bool_(True))",
    "T.index_put(x, (i,), v, accumulate='a')", "T.put(x, i, v[:2], accumulate=0)",
    "T.scatter_reduce(x, 0, i.reshape(2, 1).expand(2, 3), x, 3)", "T.einsum(3, x)",
    "T.meshgrid(v, v, indexing=3)", "T.logsumexp(x, None)", "T.squeeze(x, None)",
    "T.as_strided(x, (2, 2), (1, 1), 1.5)", "T.index_fill(x, 0, i, None)", "T.masked_fill(x, x > 1, 'abc')",
]

# Dtypes an op refuses, declared beside it (pointwise_base.reject tables and inline checks).
REFUSED_DTYPES = [
    "T.sort(x.to(T.complex128))", "T.argsort(v.to(T.complex128))", "T.topk(v.bool(), 1)",
    "T.kthvalue(v.to(T.complex128), 1)", "T.median(v.bool())", "T.median(x.to(T.complex128), 0)",
    "T.nanmedian(v.to(T.complex128))", "T.mode(v.to(T.complex128))", "T.max(v.to(T.complex128))",
    "T.max(x.to(T.complex128), 0)", "T.amax(v.to(T.complex128))", "T.aminmax(v.to(T.complex128))",
    "T.argmax(v.bool())", "T.argmin(v.to(T.complex128))", "T.cummax(v.to(T.complex128), 0)",
    "T.nansum(v.to(T.complex128))", "T.nanmean(v.to(T.complex128))", "T.trace(x.bool())",
    "T.linalg.cross(x[:, :3].long(), x[:, :3])", "T.linalg.cross(x.bool(), x)",
    "T.einsum('ij,ij', x.bool(), x)", "T.bmm(x[None].bool(), x.T[None])", "T.meshgrid(v, v.long(), indexing='ij')",
    "T.clamp(x, min=x.to(T.complex128))", "T.clamp_max(x, x.to(T.complex128))", "T.deg2rad(v.to(T.complex64))",
    "T.logaddexp2(v.to(T.complex128), v)", "T.cov(x.bool())", "T.cov(x, aweights=v.long()[:3].repeat(1))",
    "T.cdist(x, x.long())", "T.trapezoid(x.bool())", "T.gradient(x.bool())", "T.linalg.vecdot(v.long(), v)",
    "T.linalg.vecdot(v, v.float())", "T.addbmm(x[:3], x[:3].repeat(2, 1, 1).long(), x[:3].repeat(2, 1, 1))",
    "T.index_put(x, (i,), v.long())", "T.put(x, i, v[:2].long())", "T.masked_scatter(x, x > 1, x.long())",
    "T.index_reduce(x, 0, i, x[:2].float(), 'prod')",
]

# Values PyTorch also accepts, which the checks must let through.
ACCEPTED = [
    "T.narrow(x, 0, np.int64(1), T.tensor(2))", "T.select(x, 1, np.int32(2))", "T.tril(x, np.int64(-1))",
    "T.topk(v, T.tensor(2)).values", "T.roll(x, (1, np.int64(2)), (0, 1))", "T.split(x, [1, np.int64(3)])[1]",
    "T.meshgrid([v, v], indexing='xy')[0]", "T.broadcast_tensors(x, v)[1]", "T.block_diag(x, v)",
    "T.where(x > 3, x, 0.0)", "T.scatter(x, 0, i.reshape(2, 1).expand(2, 3), np.float64(2.5))",
    "T.masked_fill(x, x > 3, np.float32(1.5))", "T.cummax(T.tensor(1j), 0).values", "T.sort(v.bool()).values",
    "T.median(T.ones(0, dtype=T.complex128))", "T.gradient(x, spacing=None)[0]", "T.squeeze(x[:1])",
    "T.trapezoid(x, dx=0.5)", "T.trapezoid(x, v)", "T.cross(x[:, :3], x[:, :3] + 1)",
    "T.cross(x[:1, :3], x[:3, :3])", "T.repeat_interleave(T.tensor([1, 2]))", "T.float_power(2, v)",
    "T.float_power(v, np.int64(2))", "T.xlogy(2, v)", "T.floor_divide(np.float64(7.0), v + 1)",
]

# A number where the tensor belongs: it becomes a tensor of its own type's dtype (not of the other operand's).
NUMBER_FIRST = [
    "T.add(1.5, i)", "T.sub(2, v)", "T.mul(1 + 1j, v)", "T.div(True, i)", "T.add(1.5, 2.0)", "T.mul(3, 4)",
    "T.add(np.float64(1.5), i)", "T.sub(2, 3.5)", "T.div(1 + 2j, 2)", "T.true_divide(3, i)", "T.sub(True, i.bool())",
    "T.add(1, v.float())", "T.mul(2.5, T.tensor(3))",
]

# alpha and beta against the result's dtype: refused for integers when fractional, taken as a bool for bools,
# truncated by the matrix products.
SCALING_FACTORS = [
    "T.add(i, i, alpha=0.5)", "T.sub(i, i, alpha=0.5)", "T.add(i, 2, alpha=1.0)", "T.add(i, 1.5, alpha=2)",
    "T.add(i > 0, i > 1, alpha=0.5)", "T.add(i > 0, i > 1, alpha=2)", "T.add(i > 0, i > 1, alpha=0)",
    "T.add(i, T.tensor(2), alpha=True)", "T.add(v, v, alpha=1j)", "T.add(i, i.double(), alpha=0.5)",
    "T.addr(x[:2, :2].long(), i, i, alpha=1.5)", "T.addr(x[:2, :2].long(), i, i, beta=0.5)",
    "T.addr(x[:2, :2] > 3, i > 0, i > 1, beta=2)",
    "T.addmm(x.long()[:2, :2], x.long()[:2, :2], x.long()[:2, :2], beta=0.5, alpha=2)",
    "T.addbmm(x.long()[:2, :2], x.long()[None, :2, :2], x.long()[None, :2, :2], alpha=0.5)",
    "T.baddbmm(x.long()[None, :2, :2], x.long()[None, :2, :2], x.long()[None, :2, :2], beta=-1.5)",
    "T.addmm(x[:2, :2] > 3, x[:2, :2] > 3, x[:2, :2] > 3)", "T.addmv(i > 0, x[:2, :2] > 3, i > 0)",
    "T.addbmm(x[:2, :2] > 3, x[None, :2, :2] > 3, x[None, :2, :2] > 3)",
]


def _check(expression, compare_message=True):
    ours, our_message, our_value = _run(chainrule, expression)
    theirs, their_message, their_value = _run(torch, expression)
    assert ours == theirs, (our_message, their_message)
    if theirs is not None and compare_message:
        assert our_message == their_message
    if theirs is None:
        np.testing.assert_allclose(np.asarray(our_value.detach().numpy()), np.asarray(their_value.detach().numpy()))


@pytest.mark.parametrize("expression", NOT_A_TENSOR)
def test_not_a_tensor(expression):
    """PyTorch's TypeError; its message where the function has one signature (others word theirs as a list of
    overloads, which chainrule does not copy)."""
    ours, our_message, _ = _run(chainrule, expression)
    theirs, their_message, _ = _run(torch, expression)
    assert ours == theirs == "TypeError", (our_message, their_message)
    if "invalid combination" not in their_message:
        assert our_message == their_message


@pytest.mark.parametrize("expression", TENSOR_SEQUENCES)
def test_tensor_sequences(expression):
    _check(expression)


@pytest.mark.parametrize("expression", INTEGERS_AND_FLAGS)
def test_integers_and_flags(expression):
    ours, our_message, _ = _run(chainrule, expression)
    theirs, their_message, _ = _run(torch, expression)
    assert ours == theirs == "TypeError", (our_message, their_message)


@pytest.mark.parametrize("expression", REFUSED_DTYPES)
def test_refused_dtypes(expression):
    _check(expression)


@pytest.mark.parametrize("expression", ACCEPTED)
def test_accepted_values(expression):
    _check(expression)


@pytest.mark.parametrize("expression", NUMBER_FIRST + SCALING_FACTORS)
def test_result_dtypes_and_refusals(expression):
    _check(expression)
    _, _, ours = _run(chainrule, expression)
    _, _, theirs = _run(torch, expression)
    if theirs is not None:
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
