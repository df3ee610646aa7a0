"""``func.functionalize``, ``func.debug_unwrap`` and ``func.replace_all_batch_norm_modules_`` against PyTorch."""

import numpy as np
import torch
from matrix_checks import MODULES, same_error

import chainrule


def _add_in_place(a):
    a.add_(1)
    return a * 2


def test_functionalize_runs_the_function_with_its_side_effects():
    for remove in ("mutations", "mutations_and_views"):
        results = []
        for m in MODULES:
            x = m.ones(2)
            wrapped = m.func.functionalize(_add_in_place, remove=remove)
            assert wrapped.__name__ == "_add_in_place" and wrapped.__wrapped__ is _add_in_place
            results.append((wrapped(x).tolist(), x.tolist()))
        assert results[0] == results[1]
    same_error(lambda m: m.func.functionalize(_add_in_place, remove="views"))


def test_debug_unwrap_shows_the_batch_behind_vmap():
    shapes = []
    for m in MODULES:
        seen = []

        def inner(x, m=m, seen=seen):
            seen.append((tuple(m.func.debug_unwrap(x).shape), tuple(m.func.debug_unwrap(x, recurse=False).shape)))
            return x * 2

        x = m.arange(6.0).reshape(2, 3)
        m.func.vmap(inner)(x)
        m.func.vmap(m.func.vmap(inner))(x)
        assert m.func.debug_unwrap(x) is x
        shapes.append(seen)
    assert shapes[0] == shapes[1]


def test_replace_all_batch_norm_modules_matches_torch():
    results = []
    for m in MODULES:
        model = m.nn.Sequential(m.nn.BatchNorm1d(3), m.nn.Linear(3, 3), m.nn.Sequential(m.nn.BatchNorm2d(2)))
        assert m.func.replace_all_batch_norm_modules_(model) is model
        norm = model[0]
        results.append((repr(model), list(model.state_dict()), norm.running_mean, norm.running_var,
                        norm.num_batches_tracked, norm.track_running_stats))
    ours, theirs = results
    assert ours[0] == theirs[0] and ours[1:] == theirs[1:]


def test_batch_norm_without_running_statistics_runs_under_vmap():
    chainrule.manual_seed(0)
    model = chainrule.func.replace_all_batch_norm_modules_(chainrule.nn.BatchNorm1d(3))
    x = chainrule.randn(4, 5, 3)
    got = chainrule.func.vmap(model)(x)
    expected = torch.func.vmap(torch.func.replace_all_batch_norm_modules_(torch.nn.BatchNorm1d(3)))(
        torch.from_numpy(x.numpy()))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
