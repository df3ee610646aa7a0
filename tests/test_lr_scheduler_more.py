"""ConstantLR, PolynomialLR, MultiplicativeLR, CyclicLR and ChainedScheduler against PyTorch: the rates
(and cycled momenta) of 65 steps, jumps to an epoch, state dicts and the errors for bad arguments."""

import warnings

import pytest
import torch

import chainrule
from chainrule import optim

STEPS = 65


def make_optimizer(lib, name="SGD"):
    first = lib.zeros(2, requires_grad=True)
    second = lib.zeros(1, requires_grad=True)
    options = dict(momentum=0.9) if name == "SGD" else {}
    return getattr(lib.optim, name)([{"params": [first]}, {"params": [second], "lr": 0.3}], lr=0.1, **options)


class Halving:
    """A callable object: its attributes are saved in the state dict, unlike a plain function's."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, x):
        return self.rate ** x


SCHEDULES = {
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=7),
    "ConstantLR-default": lambda m, o: m.ConstantLR(o),
    "ConstantLR-zero-iters": lambda m, o: m.ConstantLR(o, factor=0.2, total_iters=0),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=40, power=2.0),
    "PolynomialLR-default": lambda m, o: m.PolynomialLR(o),
    "PolynomialLR-root": lambda m, o: m.PolynomialLR(o, total_iters=13, power=0.5),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lambda epoch: 0.95),
    "MultiplicativeLR-per-group": lambda m, o: m.MultiplicativeLR(
        o, [lambda epoch: 0.9 if epoch % 3 == 0 else 1.0, Halving(0.99)]),
    "CyclicLR-triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.5], step_size_up=4,
                                                    step_size_down=7, mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=0.3, step_size_up=6, mode="exp_range",
                                                  gamma=0.97, base_momentum=[0.7, 0.75], max_momentum=0.95),
    "CyclicLR-scale_fn-cycle": lambda m, o: m.CyclicLR(o, 0.01, 0.2, step_size_up=3, scale_fn=Halving(0.8)),
    "CyclicLR-scale_fn-iterations": lambda m, o: m.CyclicLR(o, 0.01, 0.2, step_size_up=9, step_size_down=2,
                                                            scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations"),
    "CyclicLR-no-momentum": lambda m, o: m.CyclicLR(o, 0.05, 0.15, step_size_up=8, cycle_momentum=False),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=4),
                                                         m.ExponentialLR(o, gamma=0.9)]),
    "ChainedScheduler-three": lambda m, o: m.ChainedScheduler(
        [m.PolynomialLR(o, total_iters=30), m.MultiplicativeLR(o, lambda epoch: 0.99), m.StepLR(o, 9, 0.5)],
        optimizer=o),
}


def run(lib, make, optimizer_name="SGD", steps=STEPS):
    optimizer = make_optimizer(lib, optimizer_name)
    scheduler = make(lib.optim.lr_scheduler, optimizer)
    rates = [tuple(scheduler.get_last_lr())]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        momenta = tuple(group.get("momentum", group.get("betas")) for group in optimizer.param_groups)
        lrs = tuple(group["lr"] for group in optimizer.param_groups)
        rates.append((tuple(scheduler.get_last_lr()), lrs, momenta, getattr(scheduler, "last_epoch", None)))
    return rates


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_matches_torch(name):
    assert run(chainrule, SCHEDULES[name]) == run(torch, SCHEDULES[name])


@pytest.mark.parametrize("name", ["CyclicLR-triangular", "CyclicLR-exp_range"])
def test_cyclic_lr_cycles_adam_betas_like_torch(name):
    assert run(chainrule, SCHEDULES[name], "Adam") == run(torch, SCHEDULES[name], "Adam")


def test_cyclic_lr_sets_the_momentum_bounds_on_the_groups_like_torch():
    def groups(lib):
        optimizer = make_optimizer(lib)
        SCHEDULES["CyclicLR-exp_range"](lib.optim.lr_scheduler, optimizer)
        return [{key: value for key, value in group.items() if key != "params"} for group in optimizer.param_groups]

    assert groups(chainrule) == groups(torch)


@pytest.mark.parametrize("name", ["ConstantLR", "ConstantLR-default", "PolynomialLR", "PolynomialLR-root"])
def test_closed_form_with_epoch_matches_torch(name):
    def jumps(lib):
        optimizer = make_optimizer(lib)
        scheduler = SCHEDULES[name](lib.optim.lr_scheduler, optimizer)
        rates = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 10, 7, 4, 21, 40, 2):
                optimizer.step()
                scheduler.step(epoch)
                rates.append(tuple(scheduler.get_last_lr()))
        return rates

    assert jumps(chainrule) == jumps(torch)


@pytest.mark.parametrize("name", ["ConstantLR", "PolynomialLR", "MultiplicativeLR-per-group", "CyclicLR-triangular2",
                                  "CyclicLR-scale_fn-cycle", "ChainedScheduler", "ChainedScheduler-three"])
def test_state_dict_round_trip_resumes_the_schedule(name):
    make = SCHEDULES[name]
    whole = run(chainrule, make, steps=30)
    optimizer = make_optimizer(chainrule)
    scheduler = make(optim.lr_scheduler, optimizer)
    for _ in range(12):
        optimizer.step()
        scheduler.step()
    saved_scheduler, saved_optimizer = scheduler.state_dict(), optimizer.state_dict()
    assert "optimizer" not in saved_scheduler
    fresh_optimizer = make_optimizer(chainrule)
    fresh = make(optim.lr_scheduler, fresh_optimizer)
    fresh_optimizer.load_state_dict(saved_optimizer)
    fresh.load_state_dict(saved_scheduler)
    resumed = [tuple(fresh.get_last_lr())]
    for _ in range(18):
        fresh_optimizer.step()
        fresh.step()
        resumed.append(tuple(fresh.get_last_lr()))
    assert resumed == [whole[12][0]] + [entry[0] for entry in whole[13:]]


def test_callable_object_state_is_saved_and_restored():
    optimizer = make_optimizer(chainrule)
    scheduler = SCHEDULES["CyclicLR-scale_fn-cycle"](optim.lr_scheduler, optimizer)
    state = scheduler.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.8}
    scheduler._scale_fn_custom.rate = 0.5
    scheduler.load_state_dict(state)
    assert scheduler._scale_fn_custom.rate == 0.8
    assert state["_scale_fn_custom"] == {"rate": 0.8}
    plain = SCHEDULES["CyclicLR-scale_fn-iterations"](optim.lr_scheduler, make_optimizer(chainrule))
    assert plain.state_dict()["_scale_fn_custom"] is None


IN_STEP_FLAGS = ("_in_step", "_get_lr_called_within_step")  # each library's name for its "inside step()" flag


def _comparable_state(state):
    """A state dict without the in-step flag and with nested schedules' states treated the same way."""
    state = {key: value for key, value in state.items() if key not in IN_STEP_FLAGS}
    if "_schedulers" in state:
        state["_schedulers"] = [_comparable_state(nested) for nested in state["_schedulers"]]
    return state


@pytest.mark.parametrize("name", ["ConstantLR", "PolynomialLR", "MultiplicativeLR-per-group",
                                  "CyclicLR-triangular2", "CyclicLR-exp_range", "CyclicLR-scale_fn-cycle",
                                  "ChainedScheduler"])
def test_state_dict_matches_torch(name):
    ours = _comparable_state(SCHEDULES[name](optim.lr_scheduler, make_optimizer(chainrule)).state_dict())
    theirs = _comparable_state(SCHEDULES[name](torch.optim.lr_scheduler, make_optimizer(torch)).state_dict())
    assert ours == theirs


def test_chained_scheduler_inside_sequential_lr_matches_torch():
    def make(m, o):
        chained = m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9)])
        return m.SequentialLR(o, [m.LinearLR(o, 0.2, total_iters=5), chained], milestones=[6])

    def steps(lib):
        optimizer = make_optimizer(lib)
        scheduler = make(lib.optim.lr_scheduler, optimizer)
        rates = []
        for _ in range(5):
            optimizer.step()
            scheduler.step()
            rates.append(tuple(scheduler.get_last_lr()))
        return rates

    assert steps(chainrule) == steps(torch)


def test_get_lr_outside_step_warns():
    scheduler = optim.lr_scheduler.PolynomialLR(make_optimizer(chainrule))
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        scheduler.get_lr()


def _error(fn):
    try:
        fn()
    except Exception as error:  # the exception to compare
        return type(error), str(error)
    return None


def _other_optimizer_scheduler(m):
    lib = torch if m is torch.optim.lr_scheduler else chainrule
    return m.StepLR(lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.5), 3)


BAD = [
    lambda m, o: m.ConstantLR(o, factor=1.5),
    lambda m, o: m.ConstantLR(o, factor=-0.1),
    lambda m, o: m.ConstantLR(object()),
    lambda m, o: m.MultiplicativeLR(o, [lambda e: 1.0]),
    lambda m, o: m.MultiplicativeLR(o, 0.5),
    lambda m, o: m.MultiplicativeLR(o, [lambda e: 1.0, "x"]),
    lambda m, o: m.CyclicLR(object(), 0.1, 1.0),
    lambda m, o: m.CyclicLR(o, [0.1], 1.0),
    lambda m, o: m.CyclicLR(o, 0.1, (1.0, 2.0, 3.0)),
    lambda m, o: m.CyclicLR(o, 0.1, 1.0, mode="sine"),
    lambda m, o: m.CyclicLR(o, 0.1, 1.0, base_momentum=[0.8, 0.8, 0.8]),
    lambda m, o: m.CyclicLR(o, 0.1, 1.0, max_momentum=[0.9]),
    lambda m, o: m.ChainedScheduler([]),
    lambda m, o: m.ChainedScheduler([m.StepLR(o, 2), m.ReduceLROnPlateau(o)]),
    lambda m, o: m.ChainedScheduler([m.StepLR(o, 2), _other_optimizer_scheduler(m)]),
    lambda m, o: m.ChainedScheduler([m.StepLR(o, 2), object()]),
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_invalid_arguments_raise_like_torch(index):
    expected = _error(lambda: BAD[index](torch.optim.lr_scheduler, make_optimizer(torch)))
    actual = _error(lambda: BAD[index](optim.lr_scheduler, make_optimizer(chainrule)))
    assert expected is not None and actual == expected


def test_cyclic_momentum_needs_an_optimizer_with_momentum_like_torch():
    def build(lib):
        return lib.optim.lr_scheduler.CyclicLR(make_optimizer(lib, "Adagrad"), 0.1, 1.0)

    expected = _error(lambda: build(torch))
    assert expected is not None and _error(lambda: build(chainrule)) == expected
    assert run(chainrule, SCHEDULES["CyclicLR-no-momentum"], "Adagrad") == \
        run(torch, SCHEDULES["CyclicLR-no-momentum"], "Adagrad")
