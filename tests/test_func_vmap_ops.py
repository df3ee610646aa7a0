"""Every op of the op table under ``vmap``: the batched call equals the op applied to each sample.

Each sample's array arguments get a batch of three (the sample, and two perturbed copies) along a
batch dimension that differs per argument (first, last, or not batched for a second operand), and
``vmap`` of the op must give, bit for bit in float64, the stacked results of calling the op on each
sample alone. For differentiable ops the per-sample gradients from ``vmap(vjp)`` must equal the
gradients of each sample's own backward. Ops whose batching falls back to a loop over the batch are
counted: the fallback is correct but slow, and the count must not grow unnoticed.
"""

import warnings

import numpy as np
import pytest
from op_db import all_ops

import chainrule
from chainrule.func import vjp, vmap

SEED = 1234
BATCH = 3
# gather's index range check picks the out-of-range entries with a mask, a data-dependent shape vmap refuses
VMAP_REFUSED = {"Function.ArgmaxAndMax"}


def _cases():
    for op in all_ops():
        rng = np.random.default_rng(SEED)
        for i, sample in enumerate(op.samples(rng)):
            if op.name in VMAP_REFUSED or not _batchable(sample):
                continue
            yield pytest.param(op, sample, id=f"{op.name}-{i}-{sample.name or ''}")


def _batchable(sample):
    return any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in sample.args)


def _batched_args(op, sample):
    """(per-sample argument lists, batched arguments, in_dims): float arrays batched, others shared."""
    rng = np.random.default_rng(SEED + 1)
    samples = [list(sample.args) for _ in range(BATCH)]
    batched, in_dims = [], []
    first = True
    for position, value in enumerate(sample.args):
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            batched.append(chainrule.tensor(value) if isinstance(value, np.ndarray) else value)
            in_dims.append(None)
            continue
        copies = [value] + [np.asarray(value + rng.uniform(-0.1, 0.1, value.shape)) for _ in range(BATCH - 1)]
        for b in range(BATCH):
            samples[b][position] = copies[b]
        # complex operands are float pairs along the last axis, which view_as_complex needs with stride 1
        # (PyTorch refuses a batch dimension there too), so they are batched along the first
        dim = 0 if first or value.ndim == 0 or op.name.startswith("complex") else value.ndim
        first = False
        stacked = np.stack(copies, axis=dim)
        batched.append(chainrule.tensor(stacked))
        in_dims.append(dim)
    as_tensors = [[chainrule.tensor(a) if isinstance(a, np.ndarray) else a for a in args] for args in samples]
    return as_tensors, batched, tuple(in_dims)


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [r for r in result if isinstance(r, chainrule.Tensor)]
    return [result]


@pytest.mark.parametrize("op,sample", list(_cases()))
def test_vmap_of_an_op_equals_the_op_on_each_sample(op, sample):
    per_sample, batched, in_dims = _batched_args(op, sample)
    try:
        expected = [_outputs(op.call(chainrule, *args, **sample.kwargs)) for args in per_sample]
    except Exception as error:  # the op refuses a perturbed sample (a check on values): vmap must refuse too
        with pytest.raises(type(error)):
            vmap(lambda *a: op.call(chainrule, *a, **sample.kwargs), in_dims=in_dims)(*batched)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = _outputs(vmap(lambda *a: tuple(_outputs(op.call(chainrule, *a, **sample.kwargs))),
                            in_dims=in_dims)(*batched))
    _note_fallback(op, caught)
    assert len(got) == len(expected[0])
    for position, result in enumerate(got):
        stacked = np.stack([e[position].detach().numpy() for e in expected])
        np.testing.assert_allclose(result.detach().numpy(), stacked, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op,sample", [c for c in _cases() if c.values[0].differentiable])
def test_per_sample_gradients_equal_each_samples_backward(op, sample):
    per_sample, batched, in_dims = _batched_args(op, sample)
    positions = [i for i, d in enumerate(in_dims) if d is not None]
    expected = []
    try:
        for args in per_sample:
            leaves = [a.requires_grad_(True) if i in positions else a for i, a in enumerate(args)]
            outputs = [o for o in _outputs(op.call(chainrule, *leaves, **sample.kwargs))
                       if o.requires_grad and o.dtype.is_floating_point]
            if not outputs:
                return
            total = sum((o * o).sum() for o in outputs)
            expected.append(chainrule.autograd.grad(total, [leaves[i] for i in positions], allow_unused=True,
                                                    materialize_grads=True))
    except Exception:
        return  # a sample the op refuses is covered by the forward test

    def per_sample_gradient(*args):
        def function(*chosen):
            full = list(args)
            for i, value in zip(positions, chosen):
                full[i] = value
            outputs = [o for o in _outputs(op.call(chainrule, *full, **sample.kwargs)) if o.dtype.is_floating_point]
            return sum((o * o).sum() for o in outputs)

        value, pullback = vjp(function, *[args[i] for i in positions])
        return pullback(chainrule.ones_like(value))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = vmap(per_sample_gradient, in_dims=in_dims)(*batched)
    _note_fallback(op, caught)
    for position, gradient in enumerate(got):
        stacked = np.stack([e[position].detach().numpy() for e in expected])
        np.testing.assert_allclose(gradient.detach().numpy(), stacked, rtol=1e-10, atol=1e-10)


FALLBACKS = set()


def _note_fallback(op, caught):
    for warning in caught:
        if "have not yet implemented the batching rule" in str(warning.message):
            FALLBACKS.add((op.name, str(warning.message).split("rule for ")[1].split(".")[0]))
