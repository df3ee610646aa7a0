"""``chainrule.func`` against ``torch.func``: the tutorials' programs, the transforms' errors, and vmap's
batching of values that ops read (checks), random draws and data-dependent control flow."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.func as reference

import chainrule
import chainrule.func as func

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _numbers(text):
    return [float(n) for n in re.findall(r"-?\d+\.\d+", text)]


def test_the_tutorials_print_pytorchs_numbers():
    """examples/func_transforms.py: per-sample gradients, ensembles, Jacobians, Hessians, a neural tangent kernel."""
    script = os.path.join(ROOT, "examples", "func_transforms.py")
    environment = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    ours = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True, env=environment).stdout
    theirs = subprocess.run([sys.executable, script, "--torch"], capture_output=True, text=True, check=True,
                            env=environment).stdout
    assert [line.split("  ")[0:2] for line in ours.splitlines()] == \
        [line.split("  ")[0:2] for line in theirs.splitlines()]
    np.testing.assert_allclose(_numbers(ours), _numbers(theirs), atol=2e-6, rtol=0)
    assert len(ours.splitlines()) == 15


def _both(program):
    return program(chainrule, func), program(torch, reference)


def _close(ours, theirs):
    ours = ours if isinstance(ours, (tuple, list)) else [ours]
    theirs = theirs if isinstance(theirs, (tuple, list)) else [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["jacrev", "jacfwd", "hessian", "nested vmap", "vmap of jacrev", "grad of grad",
                                  "jvp", "vjp", "linearize", "chunks", "out_dims", "nested inputs"])
@pytest.mark.filterwarnings("ignore:Attempted to insert a get_attr Node:UserWarning")  # torch.func.linearize's
def test_transforms_match_torch_func(name):
    x = np.random.default_rng(0).standard_normal((4, 3))

    def program(lib, F):
        t = lib.tensor(x)
        if name == "jacrev":
            return F.jacrev(lambda a: lib.sin(a) * a)(t[0])
        if name == "jacfwd":
            return F.jacfwd(lambda a: lib.sin(a) * a.sum())(t[0])
        if name == "hessian":
            return F.hessian(lambda a: (a.sin() * a).sum())(t[0])
        if name == "nested vmap":
            return F.vmap(F.vmap(lambda a: a.exp() * a.sum()))(t)
        if name == "vmap of jacrev":
            return F.vmap(F.jacrev(lambda a: a.tanh() @ a))(t)
        if name == "grad of grad":
            return F.grad(F.grad(lambda a: a ** 3 + a.sin()))(t[0, 0])
        if name == "jvp":
            return F.jvp(lambda a: (a.exp() * a).cumsum(0), (t[0],), (t[1],))
        if name == "vjp":
            out, pull = F.vjp(lambda a, b: (a * b).tanh(), t[0], t[1])
            return (out,) + pull(lib.ones_like(out))
        if name == "linearize":
            out, push = F.linearize(lambda a: a.sin().cumprod(0), t[0])
            return out, push(t[1])
        if name == "chunks":
            return F.vmap(lambda a: a.cumsum(0).softmax(0), chunk_size=3)(t)
        if name == "out_dims":
            return F.vmap(lambda a: (a.sin(), a.sum()), out_dims=(1, 0))(t)
        return F.vmap(lambda pair: pair[0] * pair[1]["y"], in_dims=((0, {"y": 1}),))((t, {"y": t.T}))

    ours, theirs = _both(program)
    _close(ours, theirs)


@pytest.mark.parametrize("randomness", ["same", "different"])
def test_random_draws_follow_the_randomness_mode_bit_for_bit(randomness):
    def program(lib, F):
        lib.manual_seed(0)
        return F.vmap(lambda a: lib.nn.functional.dropout(a, 0.5) + lib.rand(3), randomness=randomness)(lib.ones(4, 3))

    ours, theirs = _both(program)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("case", ["random", "control flow", "item", "dynamic shape", "no inputs", "bad in_dims",
                                  "bad in_dim", "sizes differ", "non-tensor output", "randomness"])
def test_errors_are_pytorchs(case):
    x = np.ones((3, 4))

    def program(lib, F):
        t = lib.tensor(x)
        if case == "random":
            return F.vmap(lambda a: a + lib.rand(4))(t)
        if case == "control flow":
            return F.vmap(lambda a: a if a.sum() > 0 else -a)(t)
        if case == "item":
            return F.vmap(lambda a: a.sum().item())(t)
        if case == "dynamic shape":
            return F.vmap(lambda a: a.nonzero())(t)
        if case == "no inputs":
            return F.vmap(lambda: 1)()
        if case == "bad in_dims":
            return F.vmap(lib.sin, in_dims="a")(t)
        if case == "bad in_dim":
            return F.vmap(lib.sin, in_dims=2)(t)
        if case == "sizes differ":
            return F.vmap(lib.add)(t, lib.ones(4, 4))
        if case == "non-tensor output":
            return F.vmap(lambda a: 1)(t)
        return F.vmap(lib.sin, randomness="sometimes")(t)

    with pytest.raises(Exception) as theirs:
        program(torch, reference)
    with pytest.raises(type(theirs.value)) as ours:
        program(chainrule, func)
    assert str(ours.value) == str(theirs.value) or case in ("dynamic shape",)


def test_an_ops_own_check_reads_the_samples_common_value():
    """cross_entropy checks its targets with a value read into Python: under vmap that is every sample's."""
    def program(lib, F):
        logits = lib.tensor(np.random.default_rng(1).standard_normal((5, 4)))
        targets = lib.tensor([0, 3, 1, 2, 1])
        return F.vmap(lambda z, y: lib.nn.functional.cross_entropy(z, y))(logits, targets)

    ours, theirs = _both(program)
    _close(ours, theirs)


def test_gradients_flow_from_outside_through_vmap():
    def program(lib, F):
        x = lib.tensor(np.arange(6.0).reshape(2, 3) / 7, requires_grad=True)
        y = F.vmap(lambda a: (a.exp() * a.cumsum(0)).sum())(x)
        (y * lib.tensor([1.0, -2.0])).sum().backward()
        return y, x.grad

    ours, theirs = _both(program)
    _close(ours, theirs)
