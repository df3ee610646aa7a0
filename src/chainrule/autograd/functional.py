"""``chainrule.autograd.functional``: ``vjp jvp jacobian hessian hvp vhp`` of plain functions.

Everything is built on ``autograd.grad``. ``jvp`` uses the double-vjp trick (the vjp is linear in
its cotangent, so differentiating it against a dummy cotangent gives Jv); ``jacobian`` stacks one
vjp per output element; ``hessian`` is the jacobian of the gradient.
"""


from .._autograd import grad_mode
from .._autograd.backward import grad as autograd_grad
from .._ops.joining import stack
from .._array import namespace_of
from .._tensor import Tensor, make_tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(value, arg_name, fn_name):
    """``(tuple_of_tensors, was_tuple)`` with PyTorch's TypeError for other types."""
    if isinstance(value, Tensor):
        return (value,), False
    if isinstance(value, tuple) and all(isinstance(v, Tensor) for v in value):
        return value, True
    if arg_name == "outputs of the user-provided function":
        raise TypeError(f"The outputs of the user-provided function given to {fn_name} must be either a Tensor or "
                        f"a tuple of Tensors but the given outputs of the user-provided function has type "
                        f"{type(value)}.")
    raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but the given "
                    f"{arg_name} has type {type(value)}.")


def _prepare_inputs(inputs, create_graph, fn_name):
    inputs, was_tuple = _as_tuple(inputs, "inputs", fn_name)
    prepared = []
    for t in inputs:
        if create_graph and t.requires_grad:
            prepared.append(t.view(t.shape))  # keeps the caller's graph, as a fresh tensor to differentiate
        else:
            prepared.append(t.detach().requires_grad_(True))
    return tuple(prepared), was_tuple


def _call(func, inputs, fn_name):
    with grad_mode.enable_grad():
        outputs = func(*inputs)
    return _as_tuple(outputs, "outputs of the user-provided function", fn_name)


def _zeros_like(t):
    return make_tensor(namespace_of(t._data).zeros(t._data.shape, dtype=t._data.dtype))


def _grads(outputs, inputs, cotangents, create_graph, strict, retain_graph=True):
    """``autograd.grad`` that tolerates outputs not requiring grad (zeros unless ``strict``)."""
    pairs = [(o, v) for o, v in zip(outputs, cotangents) if o.requires_grad]
    if strict:
        for i, o in enumerate(outputs):
            if not o.requires_grad:
                raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                                   "must be computed in a differentiable manner from the input when running in "
                                   "strict mode.")
    if not pairs:
        return tuple(_zeros_like(t) for t in inputs)
    grads = autograd_grad([o for o, _ in pairs], inputs, [v for _, v in pairs], retain_graph=retain_graph,
                          create_graph=create_graph, allow_unused=True)
    return tuple(_zeros_like(t) if g is None else g for t, g in zip(inputs, grads))


def _check_v(v, outputs, fn_name, against="output"):
    if v is None:
        if len(outputs) != 1 or outputs[0].numel() != 1:
            what = ("user-provided function returns a single Tensor with a single element" if against == "output"
                    else "input to the user-provided function is a single Tensor with a single element")
            raise RuntimeError(f"The vector v can only be None if the {what}.")
        return tuple(_ones_like(t) for t in outputs)
    v, _ = _as_tuple(v, "v", fn_name)
    for given, reference in zip(v, outputs):
        if given.shape != reference.shape:
            raise RuntimeError(f"v has invalid size: should be {reference.shape} but got {given.shape}.")
    return v


def _ones_like(t):
    return make_tensor(namespace_of(t._data).ones(t._data.shape, dtype=t._data.dtype))


def _finish(values, create_graph):
    return tuple(v if create_graph else v.detach() for v in values)


def _unwrap(values, was_tuple):
    return values if was_tuple else values[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ J)``."""
    inputs, inputs_tuple = _prepare_inputs(inputs, create_graph, "vjp")
    outputs, outputs_tuple = _call(func, inputs, "vjp")
    v = _check_v(v, outputs, "vjp")
    grads = _grads(outputs, inputs, v, create_graph, strict)
    return _unwrap(_finish(outputs, create_graph), outputs_tuple), _unwrap(_finish(grads, create_graph), inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)`` by differentiating a vjp with respect to its cotangent."""
    inputs, inputs_tuple = _prepare_inputs(inputs, create_graph, "jvp")
    v = _check_v(v, inputs, "jvp", against="input")
    outputs, outputs_tuple = _call(func, inputs, "jvp")
    dummies = tuple(_zeros_like(o).requires_grad_(True) for o in outputs)
    with grad_mode.enable_grad():
        vjps = _grads(outputs, inputs, dummies, True, strict)
        differentiable = [(g, w) for g, w in zip(vjps, v) if g.requires_grad]
        if differentiable:
            result = autograd_grad([g for g, _ in differentiable], dummies, [w for _, w in differentiable],
                                   create_graph=create_graph, allow_unused=True)
        else:
            result = (None,) * len(dummies)
    result = tuple(_zeros_like(o) if r is None else r for o, r in zip(outputs, result))
    return (_unwrap(_finish(outputs, create_graph), outputs_tuple),
            _unwrap(_finish(result, create_graph), outputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d outputs / d inputs, shaped ``output.shape + input.shape`` (nested tuples for tuples)."""
    inputs, inputs_tuple = _prepare_inputs(inputs, create_graph, "jacobian")
    outputs, outputs_tuple = _call(func, inputs, "jacobian")
    if strict:
        _grads(outputs, inputs, tuple(_zeros_like(o) for o in outputs), False, True)
    rows = []
    for out in outputs:
        flat = out.reshape(-1)
        per_input = [[] for _ in inputs]
        for k in range(flat.shape[0]):
            if out.requires_grad:
                grads = autograd_grad(flat[k], inputs, retain_graph=True, create_graph=create_graph,
                                      allow_unused=True)
            else:
                grads = (None,) * len(inputs)
            for j, (t, g) in enumerate(zip(inputs, grads)):
                per_input[j].append(_zeros_like(t) if g is None else g)
        blocks = []
        for j, t in enumerate(inputs):
            if per_input[j]:
                block = stack(per_input[j]).reshape(tuple(out.shape) + tuple(t.shape))
            else:
                block = _zeros_like(t).reshape(tuple(out.shape) + tuple(t.shape))
            blocks.append(block if create_graph else block.detach())
        rows.append(tuple(blocks) if inputs_tuple else blocks[0])
    return tuple(rows) if outputs_tuple else rows[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar function: ``input.shape + input.shape`` blocks."""
    inputs_tuple = isinstance(inputs, tuple)
    _as_tuple(inputs, "inputs", "hessian")

    def gradient(*args):
        outputs, _ = _call(func, args, "hessian")
        if len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        out = outputs[0]
        return _grads((out.reshape(()),), args, (_ones_like(out.reshape(())),), True, strict)

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict)
    return result if inputs_tuple else result[0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), vᵀ H)`` for a scalar function."""
    inputs, inputs_tuple = _prepare_inputs(inputs, create_graph, "vhp")
    outputs, _ = _call(func, inputs, "vhp")
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError("The function given in vhp should return a single Tensor")
    v = _check_v(v, inputs, "vhp", against="input")
    with grad_mode.enable_grad():
        first = _grads(outputs, inputs, (_ones_like(outputs[0]),), True, strict)
        result = _grads(first, inputs, v, create_graph, strict)
    return outputs[0].detach() if not create_graph else outputs[0], _unwrap(_finish(result, create_graph),
                                                                             inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``; the Hessian is symmetric, so this equals vhp."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)
