"""nn.functional against PyTorch: error types and messages, warnings, edge values, in-place variants,
dropout's randomness and the softmax family's stability (values and gradients are in test_ops.py)."""

import warnings

import numpy as np
import pytest
import torch

import chainrule

MODULES = (chainrule, torch)


def _message(exc):
    return str(exc).replace("chainrule.", "torch.")


def assert_same_error(fn):
    """``fn(module)`` raises the same exception type with the same message in both libraries."""
    caught = []
    for module in MODULES:
        with pytest.raises(Exception) as info:
            fn(module)
        caught.append(info.value)
    ours, theirs = caught
    assert type(ours) is type(theirs) or isinstance(ours, type(theirs)), (ours, theirs)
    assert _message(ours) == _message(theirs)


def assert_same_warning(fn):
    messages = []
    for module in MODULES:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn(module)
        messages.append([_message(w.message) for w in caught if issubclass(w.category, UserWarning)])
    assert messages[0] == messages[1] and messages[0]


def _F(module):
    return module.nn.functional


def _t(module, data, **kwargs):
    return module.tensor(data, **kwargs)


def _grad_of(module, fn, data, upstream=None):
    """The gradient of ``fn(x)`` at ``data`` (summed, or against ``upstream``), as a list."""
    x = _t(module, data, requires_grad=True)
    out = fn(module, x)
    (out if upstream is None else out * _t(module, upstream)).sum().backward()
    return x.grad.numpy().tolist()


def assert_same_grad(fn, data, upstream=None):
    np.testing.assert_allclose(_grad_of(chainrule, fn, data, upstream), _grad_of(torch, fn, data, upstream),
                               rtol=1e-6, atol=1e-7, equal_nan=True)


def assert_same_value(fn):
    ours, theirs = fn(chainrule), fn(torch)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- loss errors and warnings
@pytest.mark.parametrize("case", [
    lambda m: _F(m).cross_entropy(m.ones(2, 3), _t(m, [0.0, 1.0])),
    lambda m: _F(m).cross_entropy(m.ones(2, 3), _t(m, [0, 1], dtype=m.int32)),
    lambda m: _F(m).cross_entropy(m.ones(2, 3), _t(m, [0, 3])),
    lambda m: _F(m).cross_entropy(m.ones(2, 3), _t(m, [0, -2])),
    lambda m: _F(m).cross_entropy(m.ones(2, 3), _t(m, [0, 1, 2])),
    lambda m: _F(m).cross_entropy(m.ones(2, 3), m.zeros(2, 3, dtype=m.int64)),
    lambda m: _F(m).cross_entropy(m.ones(2, 3), _t(m, [0, 1]), label_smoothing=1.5),
    lambda m: _F(m).nll_loss(_t(m, 1.0), _t(m, 0)),
    lambda m: _F(m).nll_loss(m.ones(2, 3, 4), m.zeros(2, 3, dtype=m.int64)),
    lambda m: _F(m).nll_loss(m.ones(2, 3), _t(m, [0, 1]), weight=m.ones(2)),
    lambda m: _F(m).mse_loss(m.ones(2), m.ones(2), reduction="average"),
    lambda m: _F(m).binary_cross_entropy(m.full((3,), 0.5), m.ones(2, 3)),
    lambda m: _F(m).binary_cross_entropy(_t(m, [1.5, 0.5]), m.ones(2)),
    lambda m: _F(m).binary_cross_entropy_with_logits(m.ones(2, 3), m.ones(3)),
    lambda m: _F(m).smooth_l1_loss(m.ones(2), m.ones(2), beta=-1.0),
    lambda m: _F(m).huber_loss(m.ones(2), m.ones(2), delta=0.0),
    lambda m: _F(m).margin_ranking_loss(m.ones(2, 3), m.ones(3), m.ones(3)),
    lambda m: _F(m).triplet_margin_loss(m.ones(2, 3), m.ones(3), m.ones(2, 3)),
    lambda m: _F(m).triplet_margin_loss(m.ones(2, 3), m.ones(2, 3), m.ones(2, 3), margin=0.0),
    lambda m: _F(m).cosine_embedding_loss(m.ones(2, 3), m.ones(2, 3), m.ones(2, 1)),
    lambda m: _F(m).cosine_embedding_loss(m.ones(3), m.ones(3), m.ones(2)),
    lambda m: _F(m).gaussian_nll_loss(m.ones(2, 3), m.ones(2, 3), m.ones(3, 3)),
    lambda m: _F(m).gaussian_nll_loss(m.ones(2, 3), m.ones(2, 3), -m.ones(2, 3)),
    lambda m: _F(m).kl_div(m.ones(2), m.ones(2), reduction="foo"),
    lambda m: _F(m).multi_margin_loss(m.ones(2, 3), _t(m, [0, 1]), p=3),
    lambda m: _F(m).multi_margin_loss(m.ones(2, 3), _t(m, [0, 3])),
], ids=lambda case: "")
def test_loss_errors(case):
    assert_same_error(case)


def test_mse_loss_warns_when_sizes_differ():
    assert_same_warning(lambda m: _F(m).mse_loss(m.ones(2, 3), m.ones(3)))


def test_legacy_reduction_arguments_warn_and_apply():
    assert_same_warning(lambda m: _F(m).l1_loss(m.ones(2), m.zeros(2), size_average=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_same_value(lambda m: _F(m).l1_loss(m.ones(2), m.zeros(2), reduce=False))


def test_kl_div_mean_warns():
    assert_same_warning(lambda m: _F(m).kl_div(m.zeros(2), m.full((2,), 0.5)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_clamps_log_at_minus_100(reduction):
    def loss(m, x):
        return _F(m).binary_cross_entropy(x, _t(m, [1.0, 0.0, 1.0]), reduction=reduction)

    assert_same_value(lambda m: loss(m, _t(m, [0.0, 1.0, 0.5])))
    assert_same_grad(loss, [1e-30, 0.25, 0.5])


def test_binary_cross_entropy_with_logits_is_finite_at_large_logits():
    def loss(m, x):
        return _F(m).binary_cross_entropy_with_logits(x, _t(m, [1.0, 0.0, 0.5, 1.0]), reduction="none")

    assert_same_value(lambda m: loss(m, _t(m, [-1000.0, 1000.0, 1000.0, 1000.0])))
    assert_same_grad(loss, [-1000.0, 1000.0, 1000.0, 1000.0])


def test_cross_entropy_ignores_every_target():
    assert_same_value(lambda m: _F(m).cross_entropy(m.ones(2, 3), _t(m, [-100, -100])))


@pytest.mark.parametrize("case,name", [
    (lambda m, x: _F(m).cross_entropy(x, _t(m, [[0.2, 0.8]])), "DivBackward1"),
    (lambda m, x: _F(m).cross_entropy(x, _t(m, [1]), label_smoothing=0.1), "AddBackward0"),
    (lambda m, x: _F(m).l1_loss(x, m.zeros(1, 2)), "MeanBackward0"),
    (lambda m, x: _F(m).nll_loss(x, _t(m, [1])), "NllLossBackward0"),
    (lambda m, x: _F(m).softmin(x, 1).grad_fn.next_functions[0][0], "NegBackward0"),
])
def test_composite_grad_fn_names(case, name):
    for module in MODULES:
        result = case(module, module.ones(1, 2, requires_grad=True))
        node = result if not isinstance(result, module.Tensor) else result.grad_fn
        assert type(node).__name__ == name


# ---------------------------------------------------------------- activations
@pytest.mark.parametrize("fn", [
    lambda m, x: _F(m).hardtanh(x),
    lambda m, x: _F(m).relu6(x * 6),
    lambda m, x: _F(m).relu(x),
    lambda m, x: _F(m).leaky_relu(x),
    lambda m, x: _F(m).elu(x, alpha=2.0),
    lambda m, x: _F(m).hardsigmoid(x * 3),
    lambda m, x: _F(m).hardswish(x * 3),
    lambda m, x: _F(m).softshrink(x),
    lambda m, x: _F(m).hardshrink(x * 0.5),
    lambda m, x: _F(m).threshold(x, 1.0, 5.0),
], ids=["hardtanh", "relu6", "relu", "leaky_relu", "elu", "hardsigmoid", "hardswish", "softshrink", "hardshrink",
        "threshold"])
def test_gradients_at_kinks(fn):
    assert_same_grad(fn, [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], upstream=[-1.0] * 7)


def test_blocked_gradients_are_positive_zero():
    grad = _grad_of(chainrule, lambda m, x: _F(m).hardtanh(x), [-2.0, 2.0], upstream=[-1.0, -1.0])
    assert [np.copysign(1, g) for g in grad] == [1.0, 1.0]


def test_softplus_is_finite_for_large_inputs():
    def fn(m, x):
        return _F(m).softplus(x, beta=2.0)

    assert_same_value(lambda m: fn(m, _t(m, [-1000.0, 1000.0, 9.0, 11.0])))
    assert_same_grad(fn, [-1000.0, 1000.0, 9.0, 11.0])


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "hardtanh", "threshold",
                                  "silu", "mish", "hardsigmoid", "hardswish", "relu_", "elu_", "leaky_relu_",
                                  "hardtanh_", "celu_", "selu_", "threshold_"])
def test_in_place_variants(name):
    results = []
    for module in MODULES:
        F = _F(module)
        x = module.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], requires_grad=True)
        y = x * 1
        args = (0.1, 3.0) if name.startswith("threshold") else ()
        z = getattr(F, name)(y, *args) if name.endswith("_") else getattr(F, name)(y, *args, inplace=True)
        (z * module.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
        results.append((z is y, type(z.grad_fn).__name__, z.detach().numpy().tolist(), x.grad.numpy().tolist()))
    assert results[0][:2] == results[1][:2]
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-6)
    np.testing.assert_allclose(results[0][3], results[1][3], rtol=1e-6)


def test_in_place_on_a_leaf_raises():
    assert_same_error(lambda m: _F(m).relu(m.ones(2, requires_grad=True), inplace=True))


@pytest.mark.parametrize("case", [
    lambda m: _F(m).hardtanh(m.ones(2), 2.0, 1.0),
    lambda m: _F(m).glu(_t(m, 1.0)),
    lambda m: _F(m).glu(m.ones(2, 3)),
    lambda m: _F(m).prelu(m.ones(2, 3), m.ones(2)),
    lambda m: _F(m).prelu(m.ones(3), m.ones(3)),
    lambda m: _F(m).softshrink(m.ones(2), -1.0),
    lambda m: _F(m).gelu(m.ones(2), approximate="exact"),
    lambda m: _F(m).celu(m.ones(2), alpha=0.0),
    lambda m: _F(m).softmax(m.ones(2, 3), 2),
    lambda m: _F(m).log_softmax(m.ones(2, 3), -3),
], ids=lambda case: "")
def test_activation_errors(case):
    assert_same_error(case)


# ---------------------------------------------------------------- softmax family
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_is_stable(name):
    def fn(m, x):
        return getattr(_F(m), name)(x, 0)

    data = [-1000.0, 1000.0, 999.0, 0.0]
    assert_same_value(lambda m: fn(m, _t(m, data)))
    assert_same_grad(fn, data, upstream=[1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_implicit_dim_warns(name):
    assert_same_warning(lambda m: getattr(_F(m), name)(m.ones(2, 3)))


def test_softmax_methods_and_dtype():
    for module in MODULES:
        x = module.ones(2, 3, requires_grad=True)
        assert type(x.softmax(1).grad_fn).__name__ == "SoftmaxBackward0"
        assert type(x.log_softmax(0).grad_fn).__name__ == "LogSoftmaxBackward0"
        assert _F(module).softmax(x, 1, dtype=module.float64).dtype == module.float64
    assert_same_value(lambda m: _F(m).softmax(_t(m, 3.0), 0))


# ---------------------------------------------------------------- dropout
def test_dropout_without_training_returns_the_input():
    x = chainrule.ones(3, requires_grad=True)
    F = chainrule.nn.functional
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.alpha_dropout(x, 0.5) is x


def test_dropout_masks_come_from_the_seeded_generator():
    F = chainrule.nn.functional
    chainrule.manual_seed(7)
    first = F.dropout(chainrule.ones(50, requires_grad=True), 0.4)
    chainrule.manual_seed(7)
    second = F.dropout(chainrule.ones(50, requires_grad=True), 0.4)
    assert np.array_equal(first.detach().numpy(), second.detach().numpy())
    values = first.detach().numpy()
    assert np.all((values == 0) | np.isclose(values, 1 / 0.6))
    assert type(first.grad_fn).__name__ == "MulBackward0"


def test_channel_dropout_zeroes_whole_channels():
    chainrule.manual_seed(0)
    out = chainrule.nn.functional.dropout2d(chainrule.ones(4, 6, 3, 3), 0.5).numpy()
    per_channel = out.reshape(4, 6, 9)
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))


@pytest.mark.parametrize("case", [
    lambda m: _F(m).dropout(m.ones(3), 1.5),
    lambda m: _F(m).alpha_dropout(m.ones(3), -0.1),
    lambda m: _F(m).dropout1d(m.ones(3), 0.5),
], ids=lambda case: "")
def test_dropout_errors(case):
    assert_same_error(case)


def test_dropout2d_warns_on_3d_input():
    assert_same_warning(lambda m: _F(m).dropout2d(m.ones(2, 3, 4), 0.5, training=False))


# ---------------------------------------------------------------- linear maps, distances, attention
@pytest.mark.parametrize("case", [
    lambda m: _F(m).linear(m.ones(2, 3), m.ones(4, 5)),
    lambda m: _F(m).linear(m.ones(2, 3, dtype=m.float64), m.ones(4, 3), m.ones(4)),
    lambda m: _F(m).linear(_t(m, 1.0), m.ones(4, 3)),
    lambda m: _F(m).scaled_dot_product_attention(m.ones(2, 3), m.ones(2, 3), m.ones(2, 3),
                                                 attn_mask=m.ones(2, 2, dtype=m.bool), is_causal=True),
], ids=lambda case: "")
def test_linear_and_attention_errors(case):
    assert_same_error(case)


def test_linear_grad_fn_names():
    for module in MODULES:
        F = _F(module)
        weight, bias = module.ones(4, 3, requires_grad=True), module.ones(4, requires_grad=True)
        assert type(F.linear(module.ones(2, 3), weight, bias).grad_fn).__name__ == "AddmmBackward0"
        assert type(F.linear(module.ones(2, 3), weight).grad_fn).__name__ == "MmBackward0"
        assert type(F.linear(module.ones(5, 2, 3), weight, bias).grad_fn).__name__ == "ViewBackward0"


def test_normalize_and_cosine_similarity_of_zero_vectors():
    assert_same_value(lambda m: _F(m).normalize(m.zeros(2, 3)))
    assert_same_grad(lambda m, x: _F(m).normalize(x), [[0.0, 0.0], [1.0, 2.0]])
    assert_same_value(lambda m: _F(m).cosine_similarity(m.zeros(2, 3), m.ones(2, 3)))
    assert_same_grad(lambda m, x: _F(m).cosine_similarity(x, m.ones(2, 2)), [[0.0, 0.0], [1.0, 2.0]])


@pytest.mark.parametrize("case", [
    lambda m: _F(m).pdist(m.ones(3)),
    lambda m: _F(m).pdist(m.ones(3, 2), p=-1),
    lambda m: _F(m).multilabel_margin_loss(m.ones(2, 4), m.zeros(2, 3, dtype=m.int64)),
    lambda m: _F(m).multilabel_margin_loss(m.ones(2, 4), m.zeros(2, 4)),
    lambda m: _F(m).multilabel_margin_loss(m.ones(2, 4), m.full((2, 4), 5, dtype=m.int64)),
    lambda m: _F(m).triplet_margin_with_distance_loss(m.ones(2), m.ones(2), m.ones(2), margin=-1.0),
], ids=lambda case: "")
def test_more_errors(case):
    assert_same_error(case)


# ---------------------------------------------------------------- random activations
def test_rrelu_draws_slopes_while_training():
    F = chainrule.nn.functional
    x = chainrule.full((200,), -1.0, requires_grad=True)
    chainrule.manual_seed(3)
    first = F.rrelu(x, 0.1, 0.3, training=True)
    chainrule.manual_seed(3)
    second = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = -first.detach().numpy()
    assert np.array_equal(slopes, -second.detach().numpy())
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0
    first.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-6)
    assert type(first.grad_fn).__name__ == "RreluWithNoiseBackward0"


def test_gumbel_softmax_samples():
    F = chainrule.nn.functional
    logits = chainrule.randn(4, 5, requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), np.ones(4), rtol=1e-6)
    hard = F.gumbel_softmax(logits, hard=True)
    assert sorted(np.unique(hard.detach().numpy()).tolist()) == [0.0, 1.0]
    assert np.all(hard.detach().numpy().sum(-1) == 1)
    assert type(hard.grad_fn).__name__ == "AddBackward0"
    assert type(soft.grad_fn).__name__ == "SoftmaxBackward0"


def test_normalize_into_out():
    for module in MODULES:
        out = module.empty(2, 3)
        assert _F(module).normalize(module.tensor([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0]]), out=out) is out
    assert_same_value(lambda m: _F(m).normalize(m.tensor([[1.0, 2.0, 2.0], [0.0, 0.0, 0.0]]), out=m.empty(2, 3)))
    assert_same_error(lambda m: _F(m).normalize(m.ones(2, 3, requires_grad=True), out=m.empty(2, 3)))


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
def test_ignored_targets_print_a_plain_zero(loss):
    """An ignored target's loss is 0., not -0. (which prints as ``-0.0000``)."""
    printed = []
    for module in MODULES:
        x = module.tensor([[0.5, 1.2, -0.3], [0.1, 0.2, 0.3], [1.0, 2.0, 3.0]])
        if loss == "nll_loss":
            x = x.abs()  # positive log-probabilities: -x * 0 would be -0.
        printed.append(str(getattr(module.nn.functional, loss)(x, module.tensor([1, 0, -100]), reduction="none")))
    assert printed[0] == printed[1]


_PDIST_SPECIAL_DIFFERS = {("inf", float("inf")), ("nan", 1.0), ("nan", 0.0)}  # docs/differences.md


@pytest.mark.parametrize("p,special", [(p, special) for p in (2.0, 1.0, 3.0, 0.5, 0.0, float("inf"))
                                       for special in (None, "inf", "nan")
                                       if (special, p) not in _PDIST_SPECIAL_DIFFERS])
def test_pdist_in_blocks_of_rows_as_pytorch(p, special):
    """Enough rows for the pairs' differences to be taken in several blocks: the distances, in PyTorch's pair
    order, and the gradient, whose sums cross the blocks (an infinite or NaN element included)."""
    x = np.random.default_rng(5).standard_normal((600, 10))
    x[::7] = x[3]  # repeated rows: zero distances
    if special is not None:
        x[17, 2] = float(special)
    grad = np.random.default_rng(6).standard_normal(600 * 599 // 2)
    results = []
    for module in (chainrule, torch):
        t = module.tensor(x, requires_grad=True)
        distances = module.nn.functional.pdist(t, p)
        results.append((distances.detach().numpy(), module.autograd.grad(distances, t, module.tensor(grad))[0].numpy()))
    (ours, our_grad), (theirs, their_grad) = results
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("rows,mode", [((30, 4), "use_mm_for_euclid_dist_if_necessary"),
                                       ((3, 4), "use_mm_for_euclid_dist"),
                                       ((30, 40), "donot_use_mm_for_euclid_dist"), ((3, 4), None)])
def test_cdist_euclidean_as_pytorch(rows, mode):
    """Over 25 rows (or asked to) the Euclidean distance is PyTorch's matrix product: its node names, its values
    (close points far from the origin come out at 0, as there), its first and second derivatives (0 at a zero
    distance), batched. Otherwise the differences' norm (PyTorch's CdistBackward0 has no second derivative)."""
    by_product = mode == "use_mm_for_euclid_dist" or rows[0] > 25 and mode != "donot_use_mm_for_euclid_dist"
    rng = np.random.default_rng(7)
    x1, x2 = rng.standard_normal((2, 1, rows[0], 3)), rng.standard_normal((3, rows[1], 3))
    x1[0, 0, 1], x2[1, 2] = [1e8, 1e8, 1e8], [1e8, 1e8, 1e8 + 1]  # 1 apart, where the product rounds to 0
    x2[0, 0] = x1[1, 0, 0]  # a zero distance
    grad = rng.standard_normal((2, 3, rows[0], rows[1]))
    results = []
    for module in (chainrule, torch):
        a, b = module.tensor(x1, requires_grad=True), module.tensor(x2, requires_grad=True)
        y = module.cdist(a, b) if mode is None else module.cdist(a, b, compute_mode=mode)
        names = [type(y.grad_fn).__name__] + [type(n).__name__ for n, _ in y.grad_fn.next_functions if n is not None]
        first = module.autograd.grad(y, (a, b), module.tensor(grad), create_graph=by_product)
        second = module.autograd.grad(sum((g * g).sum() for g in first), (a, b)) if by_product else ()
        results.append((names, [t.detach().numpy() for t in (y, *first, *second)]))
    assert results[0][0] == results[1][0] or not by_product
    for ours, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=1e-7)


def test_cdist_compute_mode_is_checked_first():
    for module in (chainrule, torch):
        with pytest.raises(ValueError, match="^bogus is not a valid value for compute_mode$"):
            module.cdist(None, None, compute_mode="bogus")
