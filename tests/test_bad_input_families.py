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


# A number argument beyond the range of the element type PyTorch converts it to (the tensor's, or float32 where
# it computes float16 in float32): its overflow RuntimeError, message included (names: ``_numbers_namespace``).
OVERFLOWING_NUMBERS = [
    "T.full((2,), 1e39)", "T.full((2,), 7e4, dtype=T.float16)", "T.full_like(m, 1e39)", "m.new_full((2,), 1e39)",
    "m.clone().fill_(1e39)", "h.clone().fill_(7e4)", "F.hardtanh(m, -1.0, 1e39)", "F.hardtanh(h, -1.0, 7e4)",
    "F.leaky_relu(m, 1e39)", "F.leaky_relu(h, 1e39)", "F.elu(m, 1e39)", "F.celu(h, 1e39)", "F.softplus(m, 1e39)",
    "F.softplus(m, 1.0, 1e39)", "F.rrelu(m, 0.1, 1e39)", "F.hardshrink(m, 1e39)", "F.hardshrink(h, 7e4)",
    "F.softshrink(m, 1e39)", "F.softshrink(h, 7e4)", "F.softshrink(m, float('nan'))", "F.threshold(m, 1e39, 0.0)",
    "F.threshold(h, 1e39, 0.0)", "F.threshold(h, 0.5, 7e4)", "T.addcmul(m, m, m, value=1e39)",
    "T.addcdiv(h, h, h, value=1e39)", "T.lerp(m, m, 1e39)", "T.add(m, m, alpha=1e39)", "T.add(h, h, alpha=7e4)",
    "m.clamp(max=1e39)", "h.clamp(min=-7e4)", "m.masked_fill(m > 0, 1e39)", "m.masked_fill(m > 0, complex(0, 1e39))",
    "h.index_fill(0, n[:1] * 0, 7e4)", "m.scatter(0, n[:2].reshape(1, 2) * 0, 1e39)",
    "m.index_add(0, n[:1] * 0, m[:1], alpha=1e39)",
    "T.addmm(m, m, m.t().reshape(3, 3)[:, :3], beta=1e39)", "T.addmv(m[0], m.t(), m[0], alpha=1e39)",
    "m.clone().__setitem__(0, 1e39)", "m.to(T.complex64).clone().__setitem__(0, 1e39)",
    "i.clone().fill_(300)", "u.clone().fill_(-300)", "T.full((2,), float('nan'), dtype=T.int8)",
    "T.full_like(u, 1e39)", "i.clamp(max=300)", "i.masked_fill(i > 0, float('inf'))", "u.index_fill(0, n[:1] * 0, 256)",
    "i.scatter(0, n[:1] * 0, -129)", "i.clone().__setitem__(0, 2 ** 40)", "T.add(i, i, alpha=300)",
    "i.index_add(0, n[:1] * 0, i[:1], alpha=1000)", "F.threshold(u, 300, 0)", "n.clone().fill_(2 ** 63)",
    "m[:, :2].clone().fill_diagonal_(1e39)", "h[:, :2].clone().fill_diagonal_(7e4)",
    "i.reshape(3, 1).clone().fill_diagonal_(300)",
]


def _numbers_namespace(module):
    """float32 ``m``, float16 ``h``, int64 ``n``, int8 ``i`` and uint8 ``u``."""
    m = module.linspace(-1, 1, 6).reshape(2, 3)
    return {"T": module, "F": module.nn.functional, "m": m, "h": m.half(), "n": module.tensor([0, 2, 1, 2]),
            "i": module.tensor([1, -2, 3], dtype=module.int8), "u": module.tensor([1, 2, 3], dtype=module.uint8)}


@pytest.mark.parametrize("expression", OVERFLOWING_NUMBERS)
def test_a_number_beyond_its_element_type_is_refused(expression):
    (ours, our_message, _), (theirs, their_message, _) = (evaluated(expression, _numbers_namespace(module))
                                                          for module in (chainrule, torch))
    assert theirs == "RuntimeError", their_message
    assert (ours, our_message) == (theirs, their_message)


@pytest.mark.parametrize("expression", ["h.clone().__setitem__(0, 1e39)", "h.flatten()[:1].clone().fill_(1e39)",
                                        "F.threshold(h, 7e4, 0.0)", "F.leaky_relu(h, 7e4)", "T.lerp(h, h, 7e4)",
                                        "T.full((2,), 1e39, dtype=T.float64)", "T.add(m, 1e39)",
                                        "T.full((2,), -1, dtype=T.uint8)", "u.clone().fill_(-255)",
                                        "u.masked_fill(u > 1, -2)", "i.clamp(max=float('inf'))", "i.clamp(min=1.5)",
                                        "T.full((2,), 2 ** 63, dtype=T.bool)", "i.clone().fill_(2.9)",
                                        "h[:1, :2].clone().fill_diagonal_(1e39)"])
def test_a_number_within_what_torch_converts_it_to_is_taken(expression):
    (ours, _, our_value), (theirs, _, their_value) = (evaluated(expression, _numbers_namespace(module))
                                                      for module in (chainrule, torch))
    assert theirs is None and ours is None
    if their_value is not None:  # (setitem gives None)
        assert our_value.tolist() == their_value.tolist()


@pytest.mark.parametrize("expression", ["T.arange(12.).as_strided((3, 3), (4, 1), 10)",
                                        "T.arange(12., dtype=T.float64).as_strided((2, 2), (9, 1), 2)",
                                        "T.arange(12.).as_strided((2, 3), (-1, 2))",
                                        "T.arange(12.).as_strided_scatter(T.zeros(2), (2,), (-1,))",
                                        "T.arange(12.).as_strided((2,), (1, 1))"])
def test_as_strided_layouts_refused_with_torch_messages(expression):
    _compare(expression, True)
