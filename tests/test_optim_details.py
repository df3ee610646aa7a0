"""Optimizer details that trajectories do not show, pinned against PyTorch: defaults, boundary options,
version counters, parameters skipped by ``zero_grad``, the dtypes of loaded state, and the scheduler's
order warning. Each test here was written to catch a planted bug that the trajectory tests let through."""

import warnings

import numpy as np
import pytest
import torch

import chainrule

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]


def _options(lib, **options):
    return dict(options, foreach=False) if lib is torch else options


def _trajectory(lib, name, values, loss, steps, **options):
    """A float64 parameter's values after ``steps`` steps of optimizer ``name`` on ``loss``."""
    p = lib.tensor(values, dtype=lib.float64, requires_grad=True)
    optimizer = getattr(lib.optim, name)([p], **_options(lib, **options))
    for _ in range(steps):
        optimizer.zero_grad()
        loss(p).backward()
        optimizer.step()
    return p.detach().numpy().tolist()


@pytest.mark.parametrize("name", NAMES)
def test_defaults_match_torch(name):
    expected = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)]).defaults
    actual = getattr(chainrule.optim, name)([chainrule.zeros(1, requires_grad=True)]).defaults
    assert sorted(actual) == sorted(expected)
    assert {k: actual[k] for k in expected} == expected


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
@pytest.mark.parametrize("betas", [(0.0, 0.5), (0.3, 0.5)])
def test_small_betas_step_like_torch(name, betas):
    """A beta of 0 is allowed, and betas under 0.5 take the other side of the running averages' lerp."""
    results = [_trajectory(lib, name, [1.0, -2.0, 3.0, 0.1], lambda p: (p ** 3).sum(), 5, lr=0.1, betas=betas)
               for lib in (torch, chainrule)]
    if betas[0]:  # the updates round differently in the last bits (docs/differences.md, optimizer rounding)
        assert results[1] == pytest.approx(results[0], rel=1e-12)
    else:  # a weight of exactly 1 must take lerp's second side to give PyTorch's bits
        assert results[1] == results[0]


def test_hundreds_of_distinct_parameters_are_not_duplicates():
    for lib in (torch, chainrule):
        params = [lib.zeros(1, requires_grad=True) for _ in range(300)]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lib.optim.SGD(params, lr=0.1)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            lib.optim.SGD(params + params[:1], lr=0.1)


def _gradient_versions(lib):
    p = lib.zeros(2, requires_grad=True)
    optimizer = lib.optim.SGD([p], lr=0.1)
    versions = []
    for _ in range(2):
        (p * 2).sum().backward()
        versions.append(p.grad._version)
        (p * 3).sum().backward()  # accumulated in place
        versions.append(p.grad._version)
        optimizer.zero_grad(set_to_none=False)
        versions.append(p.grad._version)
    return versions


def test_gradient_version_counters_match_torch():
    assert _gradient_versions(chainrule) == _gradient_versions(torch)


def _step_versions(lib):
    p = lib.ones(2, requires_grad=True)
    optimizer = lib.optim.Adam([p], **_options(lib))
    versions = []
    for _ in range(3):
        (p ** 2).sum().backward()
        optimizer.step()
        versions.append(optimizer.state[p]["step"]._version)
    return versions


def test_step_count_versions_match_torch():
    assert _step_versions(chainrule) == _step_versions(torch)


@pytest.mark.parametrize("set_to_none", [False, True])
def test_zero_grad_reaches_parameters_after_one_without_gradient(set_to_none):
    for lib in (torch, chainrule):
        unused, used, last = (lib.ones(2, requires_grad=True) for _ in range(3))
        optimizer = lib.optim.SGD([unused, used, last], lr=0.1)
        (used * last).sum().backward()
        optimizer.zero_grad(set_to_none=set_to_none)
        assert unused.grad is None
        if set_to_none:
            assert used.grad is None and last.grad is None
        else:
            assert used.grad.tolist() == [0.0, 0.0] and last.grad.tolist() == [0.0, 0.0]


def _loaded_state_dtypes(lib, name, saved_dtype, loaded_dtype):
    p = lib.ones(3, dtype=saved_dtype(lib), requires_grad=True)
    optimizer = getattr(lib.optim, name)([p], **_options(lib))
    (p ** 2).sum().backward()
    optimizer.step()
    q = lib.ones(3, dtype=loaded_dtype(lib), requires_grad=True)
    restored = getattr(lib.optim, name)([q], **_options(lib))
    restored.load_state_dict(optimizer.state_dict())
    return {key: str(value.dtype).split(".")[-1] for key, value in restored.state[q].items()}


@pytest.mark.parametrize("name", ["Adam", "Adagrad", "Rprop"])
@pytest.mark.parametrize("saved, loaded", [("float64", "float32"), ("float32", "float64")])
def test_loaded_state_takes_the_parameter_dtype_but_step_keeps_its_own(name, saved, loaded):
    def dtype(name):
        return lambda lib: getattr(lib, name)

    expected = _loaded_state_dtypes(torch, name, dtype(saved), dtype(loaded))
    assert _loaded_state_dtypes(chainrule, name, dtype(saved), dtype(loaded)) == expected


def _scheduler_warnings(lib, step_optimizer_first):
    p = lib.ones(3, requires_grad=True)
    optimizer = lib.optim.SGD([p], lr=0.1)
    scheduler = lib.optim.lr_scheduler.StepLR(optimizer, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if step_optimizer_first:
            (p ** 2).sum().backward()
            optimizer.step()
        scheduler.step()
    return [str(w.message).split(".")[0] for w in caught]


@pytest.mark.parametrize("step_optimizer_first", [False, True])
def test_scheduler_order_warning_matches_torch(step_optimizer_first):
    expected = _scheduler_warnings(torch, step_optimizer_first)
    assert _scheduler_warnings(chainrule, step_optimizer_first) == expected
    assert bool(expected) is not step_optimizer_first


def test_an_infinite_parameter_without_weight_decay_stays_infinite():
    for lib in (torch, chainrule):
        p = lib.tensor([float("inf"), 1.0], requires_grad=True)
        optimizer = lib.optim.SGD([p], lr=0.1)
        (p * 2).sum().backward()
        optimizer.step()
        assert p.tolist() == [float("inf"), 0.8000000119209290]


def _built(text):
    """``text`` as a string made at run time, as keys read from a file are (not the interned literal)."""
    return "".join(list(text))


def test_group_keys_made_at_run_time_are_still_recognised():
    for lib in (torch, chainrule):
        p = lib.ones(2, requires_grad=True)
        optimizer = lib.optim.SGD([{_built("params"): [p], "lr": 0.5}], **_options(lib, lr=0.1))
        assert "params:" not in repr(optimizer)
        (p ** 2).sum().backward()
        optimizer.step()
        saved = optimizer.state_dict()
        rebuilt = {"state": saved["state"], "param_groups": [{_built(k): v for k, v in group.items()}
                                                              for group in saved["param_groups"]]}
        restored = lib.optim.SGD([p], **_options(lib, lr=0.1))
        restored.load_state_dict(rebuilt)
        assert restored.param_groups[0]["params"] == [p] or restored.param_groups[0]["params"][0] is p
        assert restored.param_groups[0]["lr"] == 0.5


@pytest.mark.parametrize("name", NAMES)
def test_step_updates_parameters_after_one_without_gradient(name):
    results = []
    for lib in (torch, chainrule):
        unused, used = (lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True) for _ in range(2))
        optimizer = getattr(lib.optim, name)([unused, used], **_options(lib))
        (used ** 2).sum().backward()
        optimizer.step()
        results.append((unused.tolist(), used.tolist(), len(optimizer.state)))
    (unused, used, states), (expected_unused, expected_used, expected_states) = results[1], results[0]
    assert unused == expected_unused == [1.0, -2.0] and states == expected_states
    assert used == pytest.approx(expected_used, rel=1e-12) and used != [1.0, -2.0]


def _complex_round_trip(lib):
    p = lib.tensor([1 + 2j, -1j], requires_grad=True)
    optimizer = lib.optim.Adam([p], **_options(lib, lr=0.1))
    (p.abs() ** 2).sum().backward()
    optimizer.step()
    restored = lib.optim.Adam([p], **_options(lib, lr=0.1))
    restored.load_state_dict(optimizer.state_dict())
    return {key: value.tolist() for key, value in restored.state[p].items()}


def test_complex_parameter_state_round_trips_like_torch():
    assert _complex_round_trip(chainrule) == _complex_round_trip(torch)


def test_loaded_state_is_a_copy_of_the_callers():
    """A deliberate difference (docs/differences.md): PyTorch's loaded state shares same-dtype tensors with
    the dict it was loaded from; chainrule's never does, so editing that dict cannot change the optimizer."""
    for dtype in (chainrule.float32, chainrule.complex64):
        p = chainrule.ones(2, dtype=dtype, requires_grad=True)
        optimizer = chainrule.optim.Adam([p])
        (p.abs() ** 2).sum().backward()
        optimizer.step()
        saved = optimizer.state_dict()
        restored = chainrule.optim.Adam([p])
        restored.load_state_dict(saved)
        before = restored.state[p]["exp_avg"].tolist()
        saved["state"][0]["exp_avg"].mul_(0)
        assert restored.state[p]["exp_avg"].tolist() == before


def test_a_group_after_a_tensor_is_refused_like_torch():
    messages = []
    for lib in (torch, chainrule):
        p = lib.ones(2, requires_grad=True)
        with pytest.raises(TypeError) as caught:
            lib.optim.SGD([p, {"params": [p]}], lr=0.1)
        messages.append(str(caught.value))
    assert messages[1] == messages[0]


def _complex_trajectory(lib, name):
    p = lib.tensor([1 + 2j, -1j, 0.5 - 0.25j], dtype=lib.complex128, requires_grad=True)
    optimizer = getattr(lib.optim, name)([p], **_options(lib, lr=0.1))
    for _ in range(4):
        optimizer.zero_grad()
        (p.abs() ** 3 - (2 * p).real).sum().backward()
        optimizer.step()
    state = {key: (value.tolist(), str(value.dtype).split(".")[-1]) for key, value in optimizer.state[p].items()}
    return p.tolist(), state


@pytest.mark.parametrize("name", NAMES)
def test_complex_parameters_step_like_torch(name):
    """PyTorch updates a complex parameter's real and imaginary parts side by side (squares and roots of
    each part, not of the complex number), and keeps its state complex."""
    (expected, expected_state), (actual, actual_state) = (_complex_trajectory(lib, name) for lib in (torch, chainrule))
    assert actual == pytest.approx(expected, rel=1e-12)
    assert sorted(actual_state) == sorted(expected_state)
    for key, (values, dtype) in expected_state.items():
        assert actual_state[key][1] == dtype
        assert actual_state[key][0] == pytest.approx(values, rel=1e-12)


def test_zero_grad_detaches_a_gradient_that_has_a_graph():
    for lib in (torch, chainrule):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        optimizer = lib.optim.SGD([p], lr=0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # both warn about the create_graph reference cycle
            (p ** 3).sum().backward(create_graph=True)
        assert p.grad.grad_fn is not None
        optimizer.zero_grad(set_to_none=False)
        assert p.grad.tolist() == [0.0, 0.0] and p.grad.grad_fn is None and not p.grad.requires_grad


@pytest.mark.parametrize("name", ["AdamW", "Adam"])
@pytest.mark.parametrize("weight_decay", [0.0, 1.0, 2.0, 0.5])
def test_weight_decay_of_any_value_steps_like_torch(name, weight_decay):
    """Every weight decay applies, 1 included (a test against 0 only must not skip other values)."""
    results = [_trajectory(lib, name, [1.0, -2.0, 3.0], lambda p: (p ** 2).sum(), 3, lr=0.1,
                           weight_decay=weight_decay) for lib in (torch, chainrule)]
    assert results[1] == pytest.approx(results[0], rel=1e-12)


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Adagrad"])
@pytest.mark.parametrize("shapes", [((), ()), ((3,), (2,))], ids=["0-d", "vectors"])
def test_a_group_of_real_and_complex_parameters_steps_like_torch(name, shapes):
    """Real parameters before and after a complex one in one group, 0-d ones included (a 0-d complex
    parameter's state holds a 0-d real step count beside its complex moments)."""
    results = []
    for lib in (torch, chainrule):
        real_shape, complex_shape = shapes
        first = lib.tensor(np.full(real_shape, 0.5), requires_grad=True)
        z = lib.tensor(np.full(complex_shape, 1.0 - 2.0j), requires_grad=True)
        last = lib.tensor(np.full(real_shape, -1.5), requires_grad=True)
        optimizer = getattr(lib.optim, name)([first, z, last], **_options(lib, lr=0.1))
        for _ in range(3):
            optimizer.zero_grad()
            ((first ** 2).sum() + (z * z.conj()).real.sum() * 3 + (last ** 3).sum()).backward()
            optimizer.step()
        results.append([complex(v) for p in (first, z, last) for v in p.detach().numpy().ravel()])
    assert results[1] == pytest.approx(results[0], rel=1e-12)


def test_lerp_at_one_half_takes_pytorchs_side():
    from chainrule.optim.optimizer import lerp_

    rng = np.random.default_rng(3)
    start, end = rng.standard_normal(1000), rng.standard_normal(1000) * 1e3
    ours = start.copy()
    lerp_(ours, end, 0.5)
    assert ours.tobytes() == torch.lerp(torch.tensor(start), torch.tensor(end), 0.5).numpy().tobytes()


def test_the_duplicate_parameters_warning_points_at_the_callers_line():
    """(PyTorch 2.13's warning points into its own torch/_compile.py wrapper; chainrule's at the user's line.)"""
    p = chainrule.zeros(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chainrule.optim.SGD([p, p], lr=0.1)
    assert [w.filename for w in caught] == [__file__] and "duplicate parameters" in str(caught[0].message)
