"""Refusals shared by families of functions, compared with PyTorch: the signatures a family declares (checked in
the function and in its Tensor method), the normalisations' parameter dtypes (``check_parameter_dtypes``) and
the losses' dtype rules (``check_loss_dtypes``). Each expression runs on chainrule and on PyTorch; the
exception types must agree, and the messages too where both come from one check. The bad-input table counts
the rest; these pin the shared helpers.
"""


import numpy as np
import pytest
import torch

import chainrule
from expression_outcome import evaluated


def _run(module, expression):
    """(exception class name or None, message, value) of ``expression`` on ``module``."""
    F = module.nn.functional
    namespace = {"T": module, "F": F, "x": module.linspace(-1, 1, 24, dtype=module.float64).reshape(2, 3, 4),
                 "w": module.ones(3, dtype=module.float64), "m": module.linspace(-1, 1, 6).reshape(2, 3),
                 "n": module.tensor([0, 2, 1, 2])}
    return evaluated(expression, namespace)


# (expression, whether the messages must agree too)
FAMILY_SIGNATURES = [
    ("T.hann_window(m, None)", False), ("T.kaiser_window(3, True, 'a')", True), ("T.tril_indices(m, 2)", True),
    ("T.bincount(n, 'abc')", True), ("n.bincount('abc')", True), ("T.histogram(m, 1.5)", False),
    ("T.dsplit(x, None)", False), ("x.dsplit('a')", False), ("T.fft.fft(None)", True),
    ("T.fft.fft2(m, s=('a',))", False), ("T.fft.fftfreq(1.5)", True), ("T.special.softmax(None, 0)", True),
    ("T.cholesky_inverse(m, 'a')", True), ("m.svd(None)", True), ("T.linalg.solve_triangular(None, m, upper=True)",
                                                                     True),
    ("T.lstsq(m)", False), ("m.float(None)", False), ("m.contiguous(T.contiguous_format)", False),
    ("T.arange(m, None)", False), ("T.promote_types(m, None)", True), ("T.poisson(None)", True),
]

PARAMETER_DTYPES = [
    "F.batch_norm(x, w, w, weight=w.float())", "F.batch_norm(x, w.long(), w, bias=w)",
    "F.batch_norm(x.long(), None, None, training=True)", "F.batch_norm(x, None, w, training=True)",
    "F.layer_norm(x.float(), (4,), T.ones(4, dtype=T.float64))", "F.layer_norm(x.long(), (4,))",
    "F.group_norm(x.int(), 1)", "F.instance_norm(x, w, w.bool(), weight=w)",
    "F.rms_norm(x.long(), (4,))", "F.local_response_norm(x.bool(), 2)",
]

LOSS_DTYPES = [
    "F.mse_loss(m, m.to(T.complex64))", "F.mse_loss(n, n)", "F.smooth_l1_loss(m.to(T.complex64), m)",
    "F.huber_loss(n, n.float())", "F.soft_margin_loss(m.bool(), m)",
    "F.soft_margin_loss(m.long(), m)", "F.kl_div(m, m.long(), reduction='sum')",
    "F.kl_div(m.to(T.complex64), m, reduction='sum')", "F.binary_cross_entropy(m.sigmoid(), m.double())",
    "F.binary_cross_entropy_with_logits(m.long(), m)", "F.binary_cross_entropy_with_logits(m, m.bool())",
    "F.nll_loss(m.long(), T.tensor([0, 1]))", "F.multi_margin_loss(m.long(), T.tensor([0, 1]))",
    "F.cosine_similarity(m, m.to(T.complex64))", "F.cosine_similarity(n, n, dim=0)",
    "F.bilinear(m, m.long(), T.ones(2, 3, 3))",
    "F.poisson_nll_loss(m, m, reduction=3)",
]

# Values of calls that used to be refused: computed as PyTorch computes them.
VALUES = [
    "F.instance_norm(x, w.long(), w.long())",
    "F.cosine_similarity(m, m.long(), dim=0)",
    "F.pairwise_distance(m.to(T.complex128), m.double())",
    "F.triplet_margin_loss(m.to(T.complex128), m.double(), -m.double())",
]


def _compare(expression, messages):
    ours, our_message, _ = _run(chainrule, expression)
    theirs, their_message, _ = _run(torch, expression)
    assert theirs is not None, f"PyTorch accepts {expression}"
    assert ours == theirs, (our_message, their_message)
    if messages:
        assert our_message == their_message


@pytest.mark.parametrize("expression, messages", FAMILY_SIGNATURES)
def test_family_signatures(expression, messages):
    _compare(expression, messages)


@pytest.mark.parametrize("expression", PARAMETER_DTYPES)
def test_parameter_dtypes(expression):
    _compare(expression, True)


@pytest.mark.parametrize("expression", LOSS_DTYPES)
def test_loss_dtypes(expression):
    _compare(expression, "bilinear" not in expression)  # (PyTorch names C++ types in bilinear's message)


@pytest.mark.parametrize("expression", VALUES)
def test_values(expression):
    ours, our_message, ours_value = _run(chainrule, expression)
    theirs, their_message, their_value = _run(torch, expression)
    assert ours is None and theirs is None, (our_message, their_message)
    assert str(ours_value.dtype).split(".")[-1] == str(their_value.dtype).split(".")[-1]
    np.testing.assert_allclose(ours_value.numpy(), their_value.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("expression", ["T.empty(2 ** 62, 2 ** 62)", "T.empty(2 ** 32, 2 ** 31)",
                                        "T.empty(3, 0, 2 ** 63 - 1, 2)"])
def test_sizes_past_64_bits_are_refused_as_torch_refuses_them(expression):
    _compare(expression, True)


@pytest.mark.parametrize("expression", ["T.empty(0, 2 ** 62)", "T.zeros(0, 2 ** 62)", "T.empty(0).reshape(0, 2 ** 62)",
                                        "T.empty(0).view(-1, 2 ** 62)", "T.empty(0, 1).expand(0, 2 ** 62)",
                                        "T.empty(0).unflatten(0, (0, 2 ** 62))"])
def test_an_empty_shape_numpy_cannot_hold_is_refused_with_the_reason(expression):
    assert eval(expression, {"T": torch}).shape == (0, 2 ** 62)  # PyTorch makes it; a NumPy array cannot
    with pytest.raises(RuntimeError, match=r"cannot make an empty tensor of sizes=\[0, 4611686018427387904\]: its"):
        eval(expression, {"T": chainrule})
    assert eval(expression.replace("62", "60"), {"T": chainrule}).shape == (0, 2 ** 60)
