"""Learning-rate schedules against PyTorch: the rates (and cycled momenta) of 60 steps, state dicts, errors."""

import warnings

import pytest
import torch

import chainrule
from chainrule import optim

STEPS = 60


def make_optimizer(lib, name="SGD"):
    first = lib.zeros(2, requires_grad=True)
    second = lib.zeros(1, requires_grad=True)
    options = dict(momentum=0.9) if name == "SGD" else {}
    return getattr(lib.optim, name)([{"params": [first]}, {"params": [second], "lr": 0.3}], lr=0.1, **options)


def _plateau_metric(epoch):
    return [5, 4, 4, 4, 4, 4, 3.9999, 4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4, 2, 4][epoch % 20]


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[5, 5, 20, 33], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=13, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
    "CosineAnnealingWarmRestarts-1": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=STEPS),
    "OneCycleLR-three-phase": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 2.0], epochs=6, steps_per_epoch=11,
                                                        three_phase=True, anneal_strategy="linear"),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=17),
    "LambdaLR": lambda m, o: m.LambdaLR(o, [lambda epoch: 0.97 ** epoch, lambda epoch: 1 / (epoch + 1)]),
    "SequentialLR": lambda m, o: m.SequentialLR(o, [m.LinearLR(o, 0.1, total_iters=10), m.ExponentialLR(o, 0.9),
                                                    m.CosineAnnealingLR(o, 8)], milestones=[10, 30]),
    "ReduceLROnPlateau": lambda m, o: m.ReduceLROnPlateau(o, patience=2, cooldown=1, factor=0.5,
                                                          min_lr=[0.0, 0.01]),
    "ReduceLROnPlateau-max-abs": lambda m, o: m.ReduceLROnPlateau(o, mode="max", threshold_mode="abs",
                                                                  patience=1, threshold=0.5),
}


def run(lib, make, optimizer_name="SGD", steps=STEPS):
    optimizer = make_optimizer(lib, optimizer_name)
    scheduler = make(lib.optim.lr_scheduler, optimizer)
    rates = [tuple(scheduler.get_last_lr())]
    for epoch in range(steps):
        optimizer.step()
        if isinstance(scheduler, lib.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(_plateau_metric(epoch))
        else:
            scheduler.step()
        momenta = tuple(group.get("momentum", group.get("betas")) for group in optimizer.param_groups)
        rates.append((tuple(scheduler.get_last_lr()), momenta, scheduler.last_epoch))
    return rates


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_matches_torch(name):
    assert run(chainrule, SCHEDULES[name]) == run(torch, SCHEDULES[name])


def test_one_cycle_cycles_adam_betas_like_torch():
    make = SCHEDULES["OneCycleLR"]
    assert run(chainrule, make, "Adam") == run(torch, make, "Adam")


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"])
def test_closed_form_with_epoch_matches_torch(name):
    def jumps(lib):
        optimizer = make_optimizer(lib)
        scheduler = SCHEDULES[name](lib.optim.lr_scheduler, optimizer)
        rates = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 10, 7, 21, 40):
                optimizer.step()
                scheduler.step(epoch)
                rates.append(tuple(scheduler.get_last_lr()))
        return rates

    assert jumps(chainrule) == jumps(torch)


def test_warm_restarts_with_fractional_epochs_matches_torch():
    def jumps(lib):
        optimizer = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2)
        rates = []
        for epoch in (0.5, 1.25, 4.0, 9.5, 20.0, 2.0):
            scheduler.step(epoch)
            rates.append((tuple(scheduler.get_last_lr()), scheduler.T_cur, scheduler.T_i))
        return rates

    assert jumps(chainrule) == jumps(torch)


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "SequentialLR", "ReduceLROnPlateau"])
def test_state_dict_round_trip_resumes_the_schedule(name):
    make = SCHEDULES[name]
    whole = run(chainrule, make, steps=30)
    optimizer = make_optimizer(chainrule)
    scheduler = make(optim.lr_scheduler, optimizer)
    for epoch in range(12):
        optimizer.step()
        if isinstance(scheduler, optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(_plateau_metric(epoch))
        else:
            scheduler.step()
    saved_scheduler, saved_optimizer = scheduler.state_dict(), optimizer.state_dict()
    assert "optimizer" not in saved_scheduler
    fresh_optimizer = make_optimizer(chainrule)
    fresh = make(optim.lr_scheduler, fresh_optimizer)
    fresh_optimizer.load_state_dict(saved_optimizer)
    fresh.load_state_dict(saved_scheduler)
    assert fresh.get_last_lr() == list(whole[12][0])
    assert fresh.last_epoch == whole[12][2]


def test_state_dict_keys_match_torch():
    for name in ("StepLR", "CosineAnnealingLR", "LinearLR", "ExponentialLR"):
        ours = SCHEDULES[name](optim.lr_scheduler, make_optimizer(chainrule)).state_dict()
        theirs = SCHEDULES[name](torch.optim.lr_scheduler, make_optimizer(torch)).state_dict()
        assert {k: ours[k] for k in ("base_lrs", "last_epoch", "_last_lr")} == \
               {k: theirs[k] for k in ("base_lrs", "last_epoch", "_last_lr")}


def test_step_before_optimizer_step_warns():
    optimizer = make_optimizer(chainrule)
    scheduler = optim.lr_scheduler.StepLR(optimizer, 3)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()


def test_get_lr_outside_step_warns():
    scheduler = optim.lr_scheduler.StepLR(make_optimizer(chainrule), 3)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        scheduler.get_lr()


def _error(fn):
    try:
        fn()
    except Exception as error:  # the exception to compare
        return type(error), str(error)
    return None


BAD = [
    lambda m, o: m.StepLR(object(), 3),
    lambda m, o: m.StepLR(o, 3, last_epoch=4),
    lambda m, o: m.LinearLR(o, start_factor=0.0),
    lambda m, o: m.LinearLR(o, end_factor=1.5),
    lambda m, o: m.LambdaLR(o, [lambda e: 1.0]),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="x"),
    lambda m, o: m.OneCycleLR(o, 1.0),
    lambda m, o: m.OneCycleLR(o, 1.0, total_steps=0),
    lambda m, o: m.OneCycleLR(o, 1.0, epochs=0, steps_per_epoch=3),
    lambda m, o: m.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
    lambda m, o: m.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
    lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
    lambda m, o: m.ReduceLROnPlateau(o, mode="mid"),
    lambda m, o: m.ReduceLROnPlateau(o, threshold_mode="log"),
    lambda m, o: m.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda m, o: m.SequentialLR(o, [], []),
    lambda m, o: m.SequentialLR(o, [m.StepLR(o, 2)], [3]),
    lambda m, o: m.SequentialLR(o, [m.StepLR(o, 2), m.ReduceLROnPlateau(o)], [3]),
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_invalid_arguments_raise_like_torch(index):
    expected = _error(lambda: BAD[index](torch.optim.lr_scheduler, make_optimizer(torch)))
    actual = _error(lambda: BAD[index](optim.lr_scheduler, make_optimizer(chainrule)))
    assert expected is not None and actual == expected


def test_one_cycle_past_the_end_raises_like_torch():
    def overrun(lib):
        optimizer = make_optimizer(lib)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(optimizer, 1.0, total_steps=3)
        for _ in range(4):
            optimizer.step()
            scheduler.step()

    assert _error(lambda: overrun(chainrule)) == _error(lambda: overrun(torch))
