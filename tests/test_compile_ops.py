"""Every op in the table, compiled: forward outputs and gradients equal eager bit for bit.

Every sample must replay (through kernels, or by calling the op again), except the few in
``STAYS_EAGER``, where the recorder cannot follow the op and the function runs eagerly instead.
"""

import warnings

import numpy as np
import pytest

import chainrule
from test_ops import CASES, _convert, _floating, _outputs

STAYS_EAGER = {
    # a number read out of a 0-d tensor bound decides the clamp: the op cannot be called again from its arguments
    "clamp tensors-0-0-d", "clamp tensor min-0-0-d", "clamp tensor max-0-0-d",
    # the smoothing term is built from a mask the loss makes itself
    "F.cross_entropy-9-unbatched mean label_smoothing=0.1", "F.cross_entropy-10-unbatched sum label_smoothing=0.1",
    "F.cross_entropy-11-unbatched none label_smoothing=0.1",
    "cat-2-legacy empty",  # the zeros an empty legacy operand contributes
    "instance_norm-1-running stats",  # running statistics written outside the op's recorded values
    # an in-place write through a view (CopySlices) reads positions in the base that no recorded op computed;
    # the same write by a built-in in-place op stays eager too
    "Function.DoubleInPlace.view-0-", "Function.DoubleInPlace.view-1-", "Function.DoubleInPlace.view-2-noncontiguous",
}
# Ops that write into a clone (out[region] = src): the joint plan replays them, but a forward-only plan
# whose outputs keep their graph cannot yet (the clone's recorded value is overwritten before the check).
FORWARD_STAYS_EAGER = STAYS_EAGER | {
    "slice_scatter-0-step", "slice_scatter-1-rows", "select_scatter-0-last row", "select_scatter-1-column",
    "diagonal_scatter-0-main", "diagonal_scatter-1-offset", "index_put-0-rows", "masked_scatter-0-mask",
    "masked_scatter-1-broadcast mask",
}


def _program(op, sample, positions):
    def program(*tensors):
        args = list(sample_args)
        for position, tensor in zip(positions, tensors):
            args[position] = tensor
        outputs = _outputs(op.call(chainrule, *args, **sample.kwargs))
        differentiable = [o for o in outputs if _floating(o) and o.requires_grad]
        grads = ()
        if differentiable and op.differentiable:
            cotangents = [chainrule.ones_like(o) for o in differentiable]
            grads = chainrule.autograd.grad(differentiable, tensors, cotangents, allow_unused=True)
        return tuple(o.detach() for o in outputs), tuple(grads)

    sample_args = _convert(chainrule, op, sample, np.float64, False)
    return program


def _bits(values):
    return [None if v is None else (v.dtype, tuple(v.shape), v.numpy().tobytes()) for v in values]


def _scaled(tensor, call):
    """The sample a little changed on each call, so a replay that ignored its inputs would be caught."""
    data = tensor.detach().numpy()
    return data * (1 + call * 1e-3) if data.dtype.kind in "fc" else data


@pytest.mark.parametrize("op,sample", CASES)
def test_compiled_op_matches_eager(op, sample, request):
    template = _convert(chainrule, op, sample, np.float64, True)
    positions = [i for i, a in enumerate(template) if isinstance(a, chainrule.Tensor) and a.requires_grad]
    if not positions:  # nothing to differentiate: the tensor arguments are the inputs
        positions = [i for i, a in enumerate(template) if isinstance(a, chainrule.Tensor)]
    program = _program(op, sample, positions)
    compiled = chainrule.compile(program)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in range(4):
            inputs = [chainrule.tensor(_scaled(template[i], call), requires_grad=template[i].requires_grad)
                      for i in positions]
            twins = [chainrule.tensor(t.detach().numpy(), requires_grad=t.requires_grad) for t in inputs]
            outputs, grads = compiled(*inputs)
            expected_outputs, expected_grads = program(*twins)
            assert _bits(outputs) == _bits(expected_outputs), call
            assert _bits(grads) == _bits(expected_grads), call
    case = request.node.callspec.id
    if case in STAYS_EAGER:
        assert compiled.replays == 0
    else:
        assert compiled.replays == 2, compiled.explain()


def _forward(op, sample, positions):
    """The op alone, its outputs handed out with their graph: their backward runs outside the compiled call."""
    def forward(*tensors):
        args = list(sample_args)
        for position, tensor in zip(positions, tensors):
            args[position] = tensor
        return tuple(_outputs(op.call(chainrule, *args, **sample.kwargs)))

    sample_args = _convert(chainrule, op, sample, np.float64, False)
    return forward


def _outside_backward(op, outputs, inputs):
    differentiable = [o for o in outputs if _floating(o) and o.requires_grad]
    if not differentiable or not op.differentiable:
        return ()
    cotangents = [chainrule.ones_like(o) for o in differentiable]
    return chainrule.autograd.grad(differentiable, inputs, cotangents, allow_unused=True)


@pytest.mark.parametrize("op,sample", CASES)
def test_compiled_forward_with_an_outside_backward_matches_eager(op, sample, request):
    """``compile(op)`` returns outputs with a graph of one node; their backward, run outside, is eager's."""
    template = _convert(chainrule, op, sample, np.float64, True)
    positions = [i for i, a in enumerate(template) if isinstance(a, chainrule.Tensor) and a.requires_grad]
    if not positions:
        positions = [i for i, a in enumerate(template) if isinstance(a, chainrule.Tensor)]
    forward = _forward(op, sample, positions)
    compiled = chainrule.compile(forward)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in range(4):  # inputs that need gradients: the first call finds the outputs need them too
            inputs = [chainrule.tensor(_scaled(template[i], call), requires_grad=template[i].requires_grad)
                      for i in positions]
            twins = [chainrule.tensor(t.detach().numpy(), requires_grad=t.requires_grad) for t in inputs]
            outputs, expected = compiled(*inputs), forward(*twins)
            assert _bits([o.detach() for o in outputs]) == _bits([o.detach() for o in expected]), call
            assert [o.requires_grad for o in outputs] == [o.requires_grad for o in expected]
            ours, eager = _outside_backward(op, outputs, inputs), _outside_backward(op, expected, twins)
            assert _bits(ours) == _bits(eager), call
    waits = not op.differentiable and any(o.requires_grad for o in outputs)  # for a backward the test never runs
    if request.node.callspec.id not in FORWARD_STAYS_EAGER and not waits:
        assert compiled.replays >= 1, compiled.explain()
