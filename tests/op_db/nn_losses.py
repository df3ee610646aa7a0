"""Op table entries: nn.functional losses, each in every reduction (collected by nn_functional.py)."""

import numpy as np

from . import OpInfo, Sample, noncontiguous

REDUCTIONS = ("mean", "sum", "none")


def _F(module):
    return module.nn.functional


def _loss(name, samples, **options):
    def call(module, *args, **kwargs):
        return getattr(_F(module), name)(*args, **kwargs)

    return OpInfo(f"F.{name}", call, samples, **options)


def _every_reduction(make_args, extra_kwargs=({},)):
    """``make_args(rng)`` yields ``(name, args)``; each is sampled in every reduction and keyword variant."""

    def samples(rng):
        for name, args in make_args(rng):
            for kwargs in extra_kwargs:
                for reduction in REDUCTIONS:
                    label = " ".join([name, reduction] + [f"{k}={v}" for k, v in kwargs.items()])
                    yield Sample(args, dict(kwargs, reduction=reduction), name=label)

    return samples


def _regression_pairs(rng):
    n = rng.standard_normal
    yield "matrix", (n((2, 3)), n((2, 3)) * 2)
    yield "0-d", (n(()), n(()))
    yield "empty", (n((0, 3)), n((0, 3)))
    yield "noncontiguous", (noncontiguous(n((3, 4))), n((3, 4)))


def _logits_and_classes(rng):
    n = rng.standard_normal
    yield "batch", (n((3, 4)), rng.integers(0, 4, 3))
    yield "unbatched", (n(4), np.array(2))
    yield "spatial", (n((2, 3, 2)), rng.integers(0, 3, (2, 2)))
    yield "noncontiguous", (noncontiguous(n((3, 4))), rng.integers(0, 4, 3))


def _logits_and_probabilities(rng):
    n = rng.standard_normal
    probabilities = rng.dirichlet(np.ones(4), 3)
    yield "probabilities", (n((3, 4)), probabilities)


def _cross_entropy_samples(rng):
    yield from _every_reduction(_logits_and_classes, ({}, {"label_smoothing": 0.1}))(rng)
    yield from _every_reduction(_logits_and_probabilities, ({}, {"label_smoothing": 0.2}))(rng)
    n = rng.standard_normal
    weight = rng.uniform(0.5, 2.0, 4)
    for reduction in REDUCTIONS:
        yield Sample((n((3, 4)), np.array([0, 3, 1])), {"weight": weight, "reduction": reduction},
                     name=f"weight {reduction}")
        yield Sample((n((3, 4)), np.array([0, -100, 1])), {"ignore_index": -100, "reduction": reduction},
                     name=f"ignore_index {reduction}")
        yield Sample((n((3, 4)), np.array([0, 2, 1])), {"weight": weight, "label_smoothing": 0.1,
                                                         "reduction": reduction}, name=f"weight smoothing {reduction}")


def _nll_samples(rng):
    yield from _every_reduction(_logits_and_classes)(rng)
    n = rng.standard_normal
    for reduction in REDUCTIONS:
        yield Sample((n((3, 4)), np.array([0, 3, 1])), {"weight": rng.uniform(0.5, 2.0, 4), "reduction": reduction},
                     name=f"weight {reduction}")
        yield Sample((n((3, 4)), np.array([2, 1, 2])), {"ignore_index": 2, "reduction": reduction},
                     name=f"ignore_index {reduction}")


def _probabilities_and_labels(rng):
    u = rng.uniform
    yield "matrix", (u(0.05, 0.95, (2, 3)), u(0, 1, (2, 3)))
    yield "0-d", (u(0.05, 0.95, ()), u(0, 1, ()))
    yield "empty", (u(0.05, 0.95, (0,)), u(0, 1, (0,)))
    yield "noncontiguous", (noncontiguous(u(0.05, 0.95, (3, 4))), u(0, 1, (3, 4)))


def _bce_samples(rng):
    yield from _every_reduction(_probabilities_and_labels)(rng)
    for reduction in REDUCTIONS:
        yield Sample((rng.uniform(0.05, 0.95, (2, 3)), rng.uniform(0, 1, (2, 3))),
                     {"weight": rng.uniform(0.5, 2, (2, 3)), "reduction": reduction}, name=f"weight {reduction}")


def _logits_and_labels(rng):
    n = rng.standard_normal
    yield "matrix", (n((2, 3)) * 3, rng.uniform(0, 1, (2, 3)))
    yield "0-d", (n(()), rng.uniform(0, 1, ()))
    yield "empty", (n(0), rng.uniform(0, 1, 0))
    yield "large logits", (np.array([[-200.0, 50.0, 300.0]]), np.array([[0.0, 1.0, 0.5]]))


def _bce_logits_samples(rng):
    yield from _every_reduction(_logits_and_labels)(rng)
    for reduction in REDUCTIONS:
        yield Sample((rng.standard_normal((2, 3)), rng.uniform(0, 1, (2, 3))),
                     {"pos_weight": rng.uniform(0.5, 3, 3), "weight": rng.uniform(0.5, 2, (2, 3)),
                      "reduction": reduction}, name=f"pos_weight weight {reduction}")


def _constant_like(module, reference, array):
    """``array`` as a constant tensor of ``reference``'s dtype, where ``reference`` lives (for chainrule: in
    its array namespace, so that a sample run on a second namespace stays on it)."""
    if module.__name__ != "torch":
        from chainrule._array import namespace_of

        array = namespace_of(reference._data).from_host(array)
    return module.tensor(array, dtype=reference.dtype)


def _with_module_tensors(name):
    """Keyword tensors (``weight``, ``pos_weight``) built in the module under test, constant."""

    def call(module, *args, **kwargs):
        for key in ("weight", "pos_weight"):
            if key in kwargs and isinstance(kwargs[key], np.ndarray):
                kwargs[key] = _constant_like(module, args[0], kwargs[key])
        return getattr(_F(module), name)(*args, **kwargs)

    return call


def _kl_samples(rng):
    for reduction in ("batchmean", "sum", "none"):
        log_probabilities = np.log(rng.dirichlet(np.ones(3), 2))
        target = rng.dirichlet(np.ones(3), 2)
        yield Sample((log_probabilities, target), {"reduction": reduction}, name=reduction)
        yield Sample((log_probabilities, np.log(target + 0.1)), {"reduction": reduction, "log_target": True},
                     name=f"log_target {reduction}")


def _kl_zero_target_samples(rng):
    """A target with an exact 0 (whose term is defined as 0): differentiated in the input only, since
    finite differences in the target would step across the edge of its domain."""
    for reduction in ("batchmean", "none"):
        target = rng.dirichlet(np.ones(3), 2)
        target[0, 1] = 0.0
        yield Sample((np.log(rng.dirichlet(np.ones(3), 2)), target), {"reduction": reduction}, name=reduction)


def _paired_with_signs(rng):
    n = rng.standard_normal
    yield "batch", (n((3, 2)), n((3, 2)), np.array([1.0, -1.0, 1.0]))
    yield "unbatched", (n(3), n(3), np.array(-1.0))


def _ranking(rng):
    n = rng.standard_normal
    yield "vector", (n(4), n(4), np.array([1.0, -1.0, 1.0, -1.0]))
    yield "0-d", (n(()), n(()), np.array(1.0))


def _triplets(rng):
    n = rng.standard_normal
    yield "batch", (n((2, 3)), n((2, 3)), n((2, 3)))
    yield "1-d", (n(3), n(3), n(3))


def _poisson(rng):
    yield "matrix", (rng.standard_normal((2, 3)), rng.poisson(2.0, (2, 3)).astype(float))


def _poisson_samples(rng):
    yield from _every_reduction(_poisson, ({}, {"full": True}))(rng)
    for reduction in REDUCTIONS:
        yield Sample((rng.uniform(0.5, 3, (2, 3)), rng.poisson(2.0, (2, 3)).astype(float)),
                     {"log_input": False, "reduction": reduction}, name=f"rate {reduction}")


def _gaussian(rng):
    n = rng.standard_normal
    yield "same shape", (n((2, 3)), n((2, 3)), rng.uniform(0.5, 2, (2, 3)))
    yield "one variance per row", (n((2, 3)), n((2, 3)), rng.uniform(0.5, 2, 2))


def _signs(rng):
    n = rng.standard_normal
    yield "matrix", (n((2, 3)), rng.choice([-1.0, 1.0], (2, 3)))
    yield "0-d", (n(()), np.array(-1.0))


def _multilabel_samples(rng):
    n = rng.standard_normal
    for reduction in REDUCTIONS:
        yield Sample((n((2, 4)), np.array([[3, 0, -1, 1], [1, 2, 3, -1]])), {"reduction": reduction},
                     name=f"batch {reduction}")
        yield Sample((n(4), np.array([2, -1, 0, 1])), {"reduction": reduction}, name=f"unbatched {reduction}")


def _multilabel_soft_samples(rng):
    n = rng.standard_normal
    for reduction in REDUCTIONS:
        yield Sample((n((2, 3)), rng.choice([0.0, 1.0], (2, 3))), {"reduction": reduction}, name=reduction)
        yield Sample((n((2, 3)), rng.choice([0.0, 1.0], (2, 3))), {"weight": rng.uniform(0.5, 2, 3),
                                                                    "reduction": reduction},
                     name=f"weight {reduction}")


def _ctc_samples(rng):
    n = rng.standard_normal
    for reduction in REDUCTIONS:
        yield Sample((n((4, 2, 3)), np.array([[1, 2], [2, 0]]), np.array([4, 3]), np.array([2, 1])),
                     {"reduction": reduction}, name=f"padded {reduction}")
    yield Sample((n((4, 2, 3)), np.array([1, 1, 2]), (4, 4), (2, 1)), name="concatenated")
    yield Sample((n((4, 3)), np.array([2, 1]), np.array(4), np.array(2)), name="unbatched")
    yield Sample((n((3, 2, 3)), np.array([[1, 1], [2, 0]]), (2, 3), (2, 0)), {"zero_infinity": True},
                 name="impossible, zero_infinity")


def _ctc_of_log_softmax(module, logits, *args, **kwargs):
    """CTC's gradient is defined for log-probabilities, so the samples go through ``log_softmax`` first."""
    return _F(module).ctc_loss(_F(module).log_softmax(logits, -1), *args, **kwargs)


def _multi_margin_samples(rng):
    n = rng.standard_normal
    for reduction in REDUCTIONS:
        for p in (1, 2):
            yield Sample((n((3, 4)), rng.integers(0, 4, 3)), {"p": p, "reduction": reduction},
                         name=f"p={p} {reduction}")
        yield Sample((n((3, 4)), rng.integers(0, 4, 3)), {"margin": 0.5, "weight": rng.uniform(0.5, 2, 4),
                                                          "reduction": reduction}, name=f"weight {reduction}")


def _weighted_regression(rng):
    for reduction in REDUCTIONS:
        yield Sample((rng.standard_normal((2, 3)), rng.standard_normal((2, 3))),
                     {"weight": rng.uniform(0.5, 2, (2, 3)), "reduction": reduction}, name=f"weight {reduction}")


def _regression(rng):
    yield from _every_reduction(_regression_pairs)(rng)
    yield from _weighted_regression(rng)


def _smooth_l1(rng):
    yield from _every_reduction(_regression_pairs, ({}, {"beta": 0.5}, {"beta": 0.0}))(rng)


def _huber(rng):
    yield from _every_reduction(_regression_pairs, ({}, {"delta": 0.5}))(rng)
    yield from _weighted_regression(rng)


LOSS_OPS = [
    OpInfo("F.mse_loss", _with_module_tensors("mse_loss"), _regression, grad_inputs=(0, 1)),
    OpInfo("F.l1_loss", _with_module_tensors("l1_loss"), _regression, grad_inputs=(0, 1)),
    _loss("smooth_l1_loss", _smooth_l1),
    OpInfo("F.huber_loss", _with_module_tensors("huber_loss"), _huber, grad_inputs=(0, 1)),
    OpInfo("F.cross_entropy", _with_module_tensors("cross_entropy"), _cross_entropy_samples, grad_inputs=(0,)),
    OpInfo("F.nll_loss", _with_module_tensors("nll_loss"), _nll_samples, grad_inputs=(0,)),
    OpInfo("F.binary_cross_entropy", _with_module_tensors("binary_cross_entropy"), _bce_samples,
           grad_inputs=(0, 1)),
    OpInfo("F.binary_cross_entropy_with_logits", _with_module_tensors("binary_cross_entropy_with_logits"),
           _bce_logits_samples, grad_inputs=(0, 1)),
    _loss("kl_div", _kl_samples),
    _loss("kl_div", _kl_zero_target_samples, grad_inputs=(0,)),
    _loss("cosine_embedding_loss", _every_reduction(_paired_with_signs, ({}, {"margin": 0.2})), grad_inputs=(0, 1)),
    _loss("margin_ranking_loss", _every_reduction(_ranking, ({}, {"margin": 0.5})), grad_inputs=(0, 1)),
    _loss("triplet_margin_loss", _every_reduction(_triplets, ({}, {"swap": True, "p": 1.0}))),
    _loss("poisson_nll_loss", _poisson_samples, grad_inputs=(0,)),
    _loss("gaussian_nll_loss", _every_reduction(_gaussian, ({}, {"full": True}))),
    _loss("soft_margin_loss", _every_reduction(_signs), grad_inputs=(0,)),
    _loss("hinge_embedding_loss", _every_reduction(_signs, ({}, {"margin": 0.5})), grad_inputs=(0,)),
    _loss("triplet_margin_with_distance_loss", _every_reduction(_triplets, ({}, {"swap": True, "margin": 0.5}))),
    _loss("multilabel_margin_loss", _multilabel_samples, grad_inputs=(0,)),
    OpInfo("F.multilabel_soft_margin_loss", _with_module_tensors("multilabel_soft_margin_loss"),
           _multilabel_soft_samples, grad_inputs=(0,)),
    OpInfo("F.ctc_loss", _ctc_of_log_softmax, _ctc_samples, grad_inputs=(0,), gradgrad=False),
    OpInfo("F.multi_margin_loss", _with_module_tensors("multi_margin_loss"), _multi_margin_samples,
           grad_inputs=(0,)),
]
