"""Shared checks for the random-stream tests: the same program in both libraries from the same seed must give
the same bits, and leave the two generators in the same state."""

import numpy as np
import torch

import chainrule


def as_array(value):
    if isinstance(value, (list, tuple)):
        return [as_array(v) for v in value]
    if isinstance(value, (chainrule.Tensor, torch.Tensor)):
        return value.detach().numpy()
    return value


def assert_identical(ours, theirs, label=""):
    """Same dtype, shape and bytes (lists compared element by element)."""
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), label
        for a, b in zip(ours, theirs):
            assert_identical(a, b, label)
        return
    if not isinstance(theirs, np.ndarray):
        assert ours == theirs, f"{label}: {ours} != {theirs}"
        return
    assert ours.dtype == theirs.dtype, f"{label}: dtype {ours.dtype} != {theirs.dtype}"
    assert ours.shape == theirs.shape, f"{label}: shape {ours.shape} != {theirs.shape}"
    ours, theirs = np.ascontiguousarray(ours), np.ascontiguousarray(theirs)
    if ours.tobytes() != theirs.tobytes():
        differ = np.flatnonzero(ours.reshape(-1).view(np.uint8) != theirs.reshape(-1).view(np.uint8))
        raise AssertionError(f"{label}: {len(differ)} bytes differ, first at byte {differ[0]}: "
                             f"{ours.reshape(-1)[:8]} vs {theirs.reshape(-1)[:8]}")


def assert_same_state(ours_generator=None, theirs_generator=None, label=""):
    ours = (ours_generator or chainrule.default_generator).get_state().numpy()
    theirs = (theirs_generator or torch.default_generator).get_state().numpy()
    assert ours.tobytes() == theirs.tobytes(), f"{label}: generator states differ"


def same_draws(program, seed=0, label=""):
    """Run ``program(lib)`` after ``lib.manual_seed(seed)`` in both libraries: equal results and states."""
    chainrule.manual_seed(seed)
    ours = as_array(program(chainrule))
    torch.manual_seed(seed)
    theirs = as_array(program(torch))
    assert_identical(ours, theirs, label or repr(program))
    assert_same_state(label=label)
    return ours


def dtype_pair(name):
    return getattr(chainrule, name), getattr(torch, name)
