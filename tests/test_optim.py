"""Optimizers against PyTorch: 100-step trajectories, state dicts, option checks and error messages."""

import warnings

import numpy as np
import pytest
import torch

import chainrule
from chainrule import optim

START = (np.array([-1.2, 0.5, 1.5, -0.3]), np.array([1.0, -0.4, 2.0, 0.2]))


def rosenbrock(x, y):
    """A curved valley in eight coordinates, written with + - * ** and sum only."""
    return ((1 - x) ** 2).sum() + (10 * (y - x ** 2) ** 2).sum()


def bowl(x, y):
    """A well-conditioned quartic bowl, where L-BFGS rounding differences do not grow."""
    return ((x - 0.5) ** 2).sum() + (2 * (y + 0.25) ** 2).sum() + 0.1 * (x ** 4).sum()


def negated_bowl(x, y):
    """What the ``maximize`` runs climb: a bounded maximum."""
    return -bowl(x, y)


def params(lib, dtype):
    cast = {torch: {np.float32: torch.float32, np.float64: torch.float64},
            chainrule: {np.float32: chainrule.float32, np.float64: chainrule.float64}}[lib][dtype]
    return [lib.tensor(start.astype(dtype), dtype=cast, requires_grad=True) for start in START]


def trajectory(lib, name, options, dtype=np.float32, steps=100):
    loss = negated_bowl if options.get("maximize") else rosenbrock
    x, y = params(lib, dtype)
    if lib is torch and name != "LBFGS":
        options = dict(options, foreach=False)
    optimizer = getattr(lib.optim, name)([x, y], **options)
    points = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss(x, y).backward()
        optimizer.step()
        points.append(np.concatenate([x.detach().numpy(), y.detach().numpy()]))
    return np.array(points), optimizer


CONFIGS = [
    ("SGD", dict(lr=1e-3)),
    ("SGD", dict(lr=1e-3, momentum=0.9, dampening=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=1e-3, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=1e-2, maximize=True, betas=(0.8, 0.99))),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, amsgrad=True, weight_decay=0.05)),
    ("RMSprop", dict(lr=1e-3)),
    ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.5, weight_decay=0.01)),
    ("RMSprop", dict(lr=1e-4, alpha=0.9, momentum=0.3, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
    ("Adamax", dict(lr=1e-2)),
    ("Adamax", dict(lr=1e-2, weight_decay=0.1, betas=(0.8, 0.9))),
    ("NAdam", dict(lr=1e-2)),
    ("NAdam", dict(lr=1e-2, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=1e-2)),
    ("RAdam", dict(lr=1e-2, weight_decay=0.1)),
    ("RAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
]


def _config_id(config):
    name, options = config
    return name + "-" + "-".join(f"{k}={v}" for k, v in options.items())


@pytest.mark.parametrize("config", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_trajectory_matches_torch(config, dtype):
    name, options = config
    expected, _ = trajectory(torch, name, options, dtype)
    actual, _ = trajectory(chainrule, name, options, dtype)
    assert actual.dtype == expected.dtype
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(actual, expected, **tolerance)


@pytest.mark.parametrize("config", CONFIGS, ids=[_config_id(c) for c in CONFIGS])
def test_state_dict_layout_matches_torch(config):
    name, options = config
    _, expected = trajectory(torch, name, options, steps=3)
    _, actual = trajectory(chainrule, name, options, steps=3)
    want, got = expected.state_dict(), actual.state_dict()
    want_groups = [{k: v for k, v in g.items() if k not in ("foreach",)} for g in want["param_groups"]]
    got_groups = [{k: v for k, v in g.items() if k not in ("foreach",)} for g in got["param_groups"]]
    assert got_groups == want_groups
    assert list(got["state"]) == list(want["state"])
    for index, state in want["state"].items():
        assert list(got["state"][index]) == list(state)
        for key, value in state.items():
            mine = got["state"][index][key]
            assert str(mine.dtype).replace("chainrule", "torch") == str(value.dtype)
            assert tuple(mine.shape) == tuple(value.shape)
            np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-5, atol=1e-7)


def test_step_is_a_float32_scalar_tensor():
    _, optimizer = trajectory(chainrule, "Adam", dict(lr=1e-2), steps=2)
    step = next(iter(optimizer.state.values()))["step"]
    assert step.dtype == chainrule.float32 and step.shape == () and step.item() == 2.0


@pytest.mark.parametrize("name,options", [("Adam", dict(lr=1e-2, amsgrad=True)), ("SGD", dict(momentum=0.9)),
                                          ("NAdam", dict()), ("Adagrad", dict(lr_decay=0.1))])
def test_load_state_dict_resumes_the_trajectory(name, options):
    whole, _ = trajectory(chainrule, name, options, steps=20)
    x, y = params(chainrule, np.float32)
    first = getattr(optim, name)([x, y], **options)
    for _ in range(10):
        first.zero_grad()
        rosenbrock(x, y).backward()
        first.step()
    saved = first.state_dict()
    second = getattr(optim, name)([x, y], **options)
    second.load_state_dict(saved)
    points = []
    for _ in range(10):
        second.zero_grad()
        rosenbrock(x, y).backward()
        second.step()
        points.append(np.concatenate([x.detach().numpy(), y.detach().numpy()]))
    np.testing.assert_array_equal(np.array(points), whole[10:])


def test_load_state_dict_from_torch_layout():
    _, reference = trajectory(torch, "Adam", dict(lr=1e-2), steps=5)
    saved = reference.state_dict()
    converted = {"state": {i: {k: chainrule.tensor(v.numpy()) for k, v in s.items()} for i, s in
                           saved["state"].items()}, "param_groups": saved["param_groups"]}
    x, y = params(chainrule, np.float32)
    optimizer = optim.Adam([x, y])
    optimizer.load_state_dict(converted)
    assert optimizer.param_groups[0]["lr"] == 1e-2
    assert optimizer.param_groups[0]["params"] == [x, y] or optimizer.param_groups[0]["params"][0] is x
    assert optimizer.state[x]["step"].item() == 5.0


def test_load_state_dict_size_errors():
    x, y = params(chainrule, np.float32)
    optimizer = optim.SGD([x, y], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optimizer.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optimizer.load_state_dict({"state": {}, "param_groups": [{"lr": 0.1, "params": [0]}]})


def test_parameter_stays_the_same_object_and_its_version_moves():
    x, y = params(chainrule, np.float32)
    optimizer = optim.Adam([x, y])
    data, version = x._data, x._version
    rosenbrock(x, y).backward()
    optimizer.step()
    assert x._data is data and x._version == version + 1


def test_param_groups_and_defaults():
    x, y = params(chainrule, np.float32)
    optimizer = optim.SGD([{"params": [x]}, {"params": y, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
    assert optimizer.param_groups[1]["params"] == [y] or optimizer.param_groups[1]["params"][0] is y
    assert optimizer.param_groups[1]["momentum"] == 0.9


def test_repr_matches_torch():
    tx, ty = params(torch, np.float32)
    cx, cy = params(chainrule, np.float32)
    expected = repr(torch.optim.Adam([{"params": [tx]}, {"params": [ty], "lr": 0.5}], foreach=False))
    actual = repr(optim.Adam([{"params": [cx]}, {"params": [cy], "lr": 0.5}], foreach=False))
    assert actual == expected


def test_zero_grad():
    x, y = params(chainrule, np.float32)
    optimizer = optim.SGD([x, y], lr=0.1)
    rosenbrock(x, y).backward()
    optimizer.zero_grad(set_to_none=False)
    assert x.grad is not None and not x.grad.numpy().any()
    optimizer.zero_grad()
    assert x.grad is None and y.grad is None


def test_step_with_closure_returns_the_loss():
    x, y = params(chainrule, np.float32)
    optimizer = optim.SGD([x, y], lr=1e-3)

    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(x, y)
        loss.backward()
        return loss

    with chainrule.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == pytest.approx(rosenbrock(*params(chainrule, np.float32)).item())


def test_step_hooks():
    x, y = params(chainrule, np.float32)
    optimizer = optim.SGD([x, y], lr=1e-3)
    calls = []
    pre = optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))
    optimizer.step()
    pre.remove()
    optimizer.step()
    assert calls == ["pre", "post", "post"]


def test_parameters_without_grad_are_skipped():
    x, y = params(chainrule, np.float32)
    optimizer = optim.Adam([x, y])
    (x ** 2).sum().backward()
    optimizer.step()
    assert y not in optimizer.state
    np.testing.assert_array_equal(y.detach().numpy(), START[1].astype(np.float32))


def _error(fn):
    try:
        fn()
    except Exception as error:  # the exception to compare
        return type(error), str(error).replace("chainrule.", "torch.")
    return None


BAD_OPTIONS = [
    ("SGD", dict(lr=-1)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1)),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=-0.1)), ("Adam", dict(eps=-1)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-2)), ("AdamW", dict(betas=(0.5, 1.5))),
    ("RMSprop", dict(alpha=-1)), ("RMSprop", dict(momentum=-1)), ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adadelta", dict(rho=1.5)), ("Adamax", dict(eps=-1)),
    ("NAdam", dict(momentum_decay=-1)), ("RAdam", dict(betas=(0.9, 1.0))), ("LBFGS", dict(lr=-1)),
]


@pytest.mark.parametrize("name,options", BAD_OPTIONS)
def test_invalid_options_raise_like_torch(name, options):
    expected = _error(lambda: getattr(torch.optim, name)(params(torch, np.float32), **options))
    actual = _error(lambda: getattr(optim, name)(params(chainrule, np.float32), **options))
    assert expected is not None and actual == expected


def _same_parameter_in_two_groups(lib):
    shared = lib.zeros(2, requires_grad=True)
    return lib.optim.SGD([{"params": [shared]}, {"params": [shared]}], lr=0.1)


@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.SGD([], lr=0.1),
    lambda lib: lib.optim.SGD(lib.zeros(2, requires_grad=True), lr=0.1),
    lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True) * 2], lr=0.1),
    lambda lib: lib.optim.SGD([1.0], lr=0.1),
    lambda lib: _same_parameter_in_two_groups(lib),
    lambda lib: lib.optim.SGD([{"params": {lib.zeros(2, requires_grad=True)}}], lr=0.1),
    lambda lib: lib.optim.LBFGS([{"params": [lib.zeros(1, requires_grad=True)]},
                                 {"params": [lib.zeros(1, requires_grad=True)]}]),
], ids=["empty", "tensor", "non-leaf", "number", "shared", "set", "lbfgs-groups"])
def test_bad_params_raise_like_torch(make):
    expected = _error(lambda: make(torch))
    actual = _error(lambda: make(chainrule))
    assert expected is not None and actual == expected


def test_duplicate_parameters_warn():
    x = chainrule.zeros(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optim.SGD([x, x], lr=0.1)
    assert any("duplicate parameters" in str(w.message) for w in caught)


# ------------------------------------------------------------------------- L-BFGS
def lbfgs_run(lib, options, loss, steps=8):
    x, y = params(lib, np.float32)
    optimizer = lib.optim.LBFGS([x, y], **options)

    def closure():
        optimizer.zero_grad()
        value = loss(x, y)
        value.backward()
        return value

    points = []
    for _ in range(steps):
        value = optimizer.step(closure)
        points.append(np.concatenate([x.detach().numpy(), y.detach().numpy(), [float(value)]]))
    return np.array(points), optimizer.state[x]


LBFGS_CONFIGS = [dict(), dict(line_search_fn="strong_wolfe"), dict(history_size=3, max_iter=5, lr=0.5),
                 dict(history_size=2, max_iter=4, line_search_fn="strong_wolfe"),
                 dict(max_iter=3, tolerance_change=1e-3)]


@pytest.mark.parametrize("options", LBFGS_CONFIGS, ids=[str(o) for o in LBFGS_CONFIGS])
def test_lbfgs_matches_torch(options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, torch_state = lbfgs_run(torch, options, bowl)
    actual, state = lbfgs_run(chainrule, options, bowl)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    assert (state["func_evals"], state["n_iter"]) == (torch_state["func_evals"], torch_state["n_iter"])


@pytest.mark.parametrize("options", LBFGS_CONFIGS[:2], ids=["plain", "strong_wolfe"])
def test_lbfgs_on_rosenbrock_counts_the_same_evaluations(options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, torch_state = lbfgs_run(torch, options, rosenbrock, steps=3)
    actual, state = lbfgs_run(chainrule, options, rosenbrock, steps=3)
    assert (state["func_evals"], state["n_iter"]) == (torch_state["func_evals"], torch_state["n_iter"])
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-4)


def test_lbfgs_unknown_line_search():
    x, y = params(chainrule, np.float32)
    optimizer = optim.LBFGS([x, y], line_search_fn="armijo")

    def closure():
        optimizer.zero_grad()
        value = bowl(x, y)
        value.backward()
        return value

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optimizer.step(closure)
