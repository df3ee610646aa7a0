"""Activation checkpointing: trade compute for memory by recomputing a block's forward in backward.

``use_reentrant=True`` wraps the block in a custom Function (grad_fn ``CheckpointFunctionBackward``)
that runs it without recording and reruns it with recording inside backward. ``use_reentrant=False``
runs the block normally but, through ``saved_tensors_hooks``, keeps only the position of each saved
tensor; the first time backward needs one, the block is rerun and the fresh tensors are handed out.
Both restore the random-number state, so dropout masks match between the two runs.
"""

import warnings

from .. import _random
from ..autograd import backward as autograd_backward
from .._autograd import grad_mode
from ..autograd.function import Function
from .._autograd.graph import saved_tensors_hooks
from .._tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]

USE_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch 2.9, "
    "calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is recommended, but if "
    "you need to preserve the current default behavior, you can pass use_reentrant=True. Refer to docs for more "
    "details on the differences between the two variants."
)


def _noop_context_fn():
    from contextlib import nullcontext

    return nullcontext(), nullcontext()


class CheckpointFunction(Function):
    """Forward without a graph; backward reruns the block with one and backpropagates through it."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        ctx.run_function = run_function
        ctx.rng_state = _random.default_generator.get_state() if preserve_rng_state else None
        ctx.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.inputs = list(args)
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_positions])
        return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        inputs = list(ctx.inputs)
        for position, saved in zip(ctx.tensor_positions, ctx.saved_tensors):
            detached = saved.detach()
            detached.requires_grad_(saved.requires_grad)
            inputs[position] = detached
        if ctx.rng_state is not None:
            _random.default_generator.set_state(ctx.rng_state)
        with grad_mode.enable_grad():
            outputs = ctx.run_function(*inputs)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads) if o.requires_grad and g is not None]
        if pairs:
            autograd_backward([o for o, _ in pairs], [g for _, g in pairs])
        result = [None, None]
        for a in inputs:
            result.append(a.grad if hasattr(a, "grad") and getattr(a, "requires_grad", False) else None)
        return tuple(result)


def _checkpoint_without_reentrant(function, preserve_rng_state, args, kwargs):
    state = {"count": 0, "recomputed": None}
    rng_state = _random.default_generator.get_state() if preserve_rng_state else None

    def pack(tensor):
        position = state["count"]
        state["count"] += 1
        return position

    def unpack(position):
        if state["recomputed"] is None:
            recomputed = []
            if rng_state is not None:
                current = _random.default_generator.get_state()
                _random.default_generator.set_state(rng_state)
            with saved_tensors_hooks(_keep_into(recomputed), _identity), grad_mode.enable_grad():
                function(*args, **kwargs)
            if rng_state is not None:
                _random.default_generator.set_state(current)
            state["recomputed"] = recomputed
        return state["recomputed"][position]

    with saved_tensors_hooks(pack, unpack):
        return function(*args, **kwargs)


def _keep_into(store):
    def keep(tensor):
        store.append(tensor)
        return tensor

    return keep


def _identity(value):
    return value


def checkpoint(function, *args, use_reentrant=None, context_fn=_noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, preserve_rng_state=True, **kwargs):
    """``function(*args)``, keeping no intermediate values for backward; they are recomputed there."""
    if use_reentrant is None:
        warnings.warn(USE_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _checkpoint_without_reentrant(function, preserve_rng_state, args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list or Sequential) in ``segments`` checkpointed chunks; the last runs normally."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    size = max(1, len(functions) // segments)

    def run(start, end):
        def forward(x):
            for f in functions[start:end]:
                x = f(x)
            return x

        return forward

    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(end, len(functions))(input)
