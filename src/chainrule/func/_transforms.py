"""``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd`` and ``hessian``:
derivatives of plain functions, as functions, composable with each other and with ``vmap``.

They are built on chainrule's autograd. Each transform differentiates with respect to fresh aliases of
its inputs; an input that already carries a graph (an outer transform differentiates through this one)
keeps it, and then the derivative is computed with a graph of its own, so transforms nest. ``jacrev``
is a ``vmap`` of vector-Jacobian products over the rows of the identity, ``jacfwd`` a ``vmap`` of
Jacobian-vector products over its columns.
"""

import functools

from .._autograd import grad_mode
from .._autograd.backward import grad as autograd_grad
from .._creation import zeros_like
from .._ops._forward import enter_dual_level, exit_dual_level, track
from .._tensor import Tensor, make_tensor
from ..autograd.forward_ad import make_dual, unpack_dual
from ._batching_core import base_namespace
from ._tree import flatten, unflatten
from ._vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian"]


def _checked_tensor(value):
    if not isinstance(value, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(value)}")
    return value


def _differentiable(value):
    """A tensor to differentiate with respect to: a graph-carrying alias of an input that has one (so an
    outer transform sees through), else a fresh leaf sharing the input's data and its forward-mode tangent
    (so a ``jvp`` outside sees through)."""
    _checked_tensor(value)
    if value.requires_grad:
        return value.view_as(value)
    leaf = make_tensor(value._data)
    if value._tangent is not None:
        leaf._tangent = value._tangent
        track(leaf)
    return leaf.requires_grad_(True)


def _argnums(argnums, args):
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for number in numbers:
        if not isinstance(number, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(number)}")
        if not -len(args) <= number < len(args):
            raise RuntimeError(f"Got argnum={number}, but only {len(args)} positional inputs")
    return numbers


def _split_aux(result, has_aux, api):
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise RuntimeError(f"{api}(f)(*args): output of function f should be a tuple: (output, aux) if has_aux is True")
    return result


def _nested(function, numbers, args):
    """``args`` with each tree at ``numbers`` made differentiable; (new args, flat inputs, their specs)."""
    args = list(args)
    inputs, specs = [], []
    for number in numbers:
        leaves, spec = flatten(args[number])
        made = [_differentiable(leaf) for leaf in leaves]
        args[number] = unflatten(made, spec)
        inputs.append(made)
        specs.append(spec)
    return args, inputs, specs


def _gradients(outputs, inputs, grad_outputs):
    """Gradients of ``outputs`` (with ``grad_outputs``) for each input; zeros where one is not used."""
    flat = [x for group in inputs for x in group]
    # an outer transform will differentiate these: keep the gradients' graphs (and tangents)
    needs_graph = any(x._grad_fn is not None or x._tangent is not None for x in flat)
    differentiable = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not differentiable:
        return [zeros_like(x) for x in flat]
    grads = autograd_grad([o for o, _ in differentiable], flat, [g for _, g in differentiable],
                          create_graph=needs_graph, retain_graph=True, allow_unused=True, materialize_grads=True)
    return list(grads)


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning ``(gradient, value)`` of ``func``'s scalar output with respect to its
    ``argnums`` input(s) (``((gradient, (value, aux))`` with ``has_aux``)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        numbers = _argnums(argnums, args)
        with grad_mode.enable_grad():
            new_args, inputs, specs = _nested(func, numbers, args)
            output, aux = _split_aux(func(*new_args, **kwargs), has_aux, "grad_and_value")
            if not isinstance(output, Tensor):
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(output)}")
            if output.dim() != 0:
                raise RuntimeError("grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                                   f"with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
            grads = _gradients([output], inputs, [None])
        grouped, position = [], 0
        for group, spec in zip(inputs, specs):
            grouped.append(unflatten(grads[position:position + len(group)], spec))
            position += len(group)
        gradient = grouped[0] if isinstance(argnums, int) else tuple(grouped)
        if not _tracked(args):  # no outer reverse transform: hand out results without this call's graph
            gradient = _without_graph(gradient)
            output = _without_graph(output)
        value = output
        return (gradient, (value, aux)) if has_aux else (gradient, value)

    return wrapper


def _without_graph(tree):
    """The tensors of ``tree`` without autograd history, keeping forward-mode tangents (``detach`` drops them)."""
    leaves, spec = flatten(tree)
    result = []
    for leaf in leaves:
        if isinstance(leaf, Tensor) and leaf.requires_grad:
            plain = make_tensor(leaf._data)
            if leaf._tangent is not None:
                plain._tangent = leaf._tangent
                track(plain)
            leaf = plain
        result.append(leaf)
    return unflatten(result, spec)


def _tracked(args):
    return any(isinstance(leaf, Tensor) and leaf.requires_grad for leaf in flatten(args)[0])


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of ``func``'s scalar output with respect to input(s) ``argnums``."""
    with_value = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = with_value(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives the vector-Jacobian products, one per primal."""
    with grad_mode.enable_grad():
        new_args, inputs, specs = _nested(func, range(len(primals)), primals)
        result, aux = _split_aux(func(*new_args), has_aux, "vjp")
    outputs, output_spec = flatten(result)
    for output in outputs:
        _checked_tensor(output)

    def vjp_fn(*cotangents):
        cotangent_leaves, cotangent_spec = flatten(cotangents[0] if len(cotangents) == 1 else cotangents)
        if len(cotangent_leaves) != len(outputs):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                               f"to the function. cotangents: {cotangent_spec}, primal output: {output_spec}")
        for cotangent, output in zip(cotangent_leaves, outputs):
            if tuple(cotangent.shape) != tuple(output.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {cotangent.shape} and output[0] "
                                   f"has a shape of {output.shape}.")
        with grad_mode.enable_grad():
            grads = _gradients(outputs, inputs, cotangent_leaves)
        grouped, position = [], 0
        for group, spec in zip(inputs, specs):
            grouped.append(unflatten(grads[position:position + len(group)], spec))
            position += len(group)
        return tuple(grouped)

    shown = unflatten(outputs, output_spec) if _tracked(primals) else _without_graph(unflatten(outputs, output_spec))
    return (shown, vjp_fn, aux) if has_aux else (shown, vjp_fn)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J(primals) @ tangents)`` by forward mode."""
    if not isinstance(primals, (tuple, list)):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to call "
                           "f(*primals).")
    primal_leaves, spec = flatten(tuple(primals))
    tangent_leaves, tangent_spec = flatten(tuple(tangents))
    if spec != tangent_spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be. "
                           f"Got primals with structure {spec} and tangents with structure {tangent_spec}")
    enter_dual_level()
    try:
        duals = [make_dual(_checked_tensor(p), t) for p, t in zip(primal_leaves, tangent_leaves)]
        result, aux = _split_aux(func(*unflatten(duals, spec)), has_aux, "jvp")
        outputs, output_spec = flatten(result)
        primal_out, tangent_out = [], []
        for output in outputs:
            primal, tangent = unpack_dual(_checked_tensor(output))
            primal_out.append(primal)
            tangent_out.append(zeros_like(primal) if tangent is None else tangent)
    finally:
        exit_dual_level()
    pair = (unflatten(primal_out, output_spec), unflatten(tangent_out, output_spec))
    return pair + (aux,) if has_aux else pair


def linearize(func, *primals):
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` gives the Jacobian-vector product at ``primals``."""
    output = func(*primals)

    def jvp_fn(*tangents):
        return jvp(func, primals, tangents)[1]

    return output, jvp_fn


def _basis(tensor):
    """The rows of the identity of ``tensor``'s numel, each shaped like ``tensor`` (one vmap batch)."""
    size = tensor.numel()
    eye = base_namespace().eye(size, dtype=tensor._data.dtype)
    return make_tensor(eye.reshape((size,) + tuple(tensor.shape)))


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None, _preallocate_and_copy=False):
    """The Jacobian of ``func`` with respect to input(s) ``argnums``, by reverse mode (a vmap of vjps)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        numbers = _argnums(argnums, args)
        wrt = [args[n] for n in numbers]

        def partial(*chosen):
            full = list(args)
            for n, value in zip(numbers, chosen):
                full[n] = value
            return func(*full, **kwargs)

        result = vjp(partial, *wrt, has_aux=has_aux)
        output, vjp_fn = result[0], result[1]
        outputs, output_spec = flatten(output)
        rows = []
        for position, out in enumerate(outputs):
            basis = _basis(out)

            def pull(cotangent, position=position):
                cotangents = [c if i != position else cotangent for i, c in
                              enumerate(zeros_like(o) for o in outputs)]
                return vjp_fn(unflatten(cotangents, output_spec))

            pulled = vmap(pull, chunk_size=chunk_size)(basis)
            rows.append([_shaped(j, out, w) for j, w in zip(flatten(pulled)[0], flatten(tuple(wrt))[0])])
        jacobian = _assembled(rows, output_spec, wrt, isinstance(argnums, int))
        return (jacobian, result[2]) if has_aux else jacobian

    return wrapper


def _shaped(jac, output, wrt):
    return jac.reshape(tuple(output.shape) + tuple(wrt.shape))


def _assembled(rows, output_spec, wrt, single):
    """Per output leaf, the Jacobians for each input (a single input: not in a tuple)."""
    wrt_leaves, wrt_spec = flatten(tuple(wrt))
    per_output = []
    for row in rows:
        by_input = unflatten(row, wrt_spec)
        per_output.append(by_input[0] if single else by_input)
    return unflatten(per_output, output_spec)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """The Jacobian of ``func`` with respect to input(s) ``argnums``, by forward mode (a vmap of jvps)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        numbers = _argnums(argnums, args)
        wrt = [args[n] for n in numbers]
        wrt_leaves, wrt_spec = flatten(tuple(wrt))
        columns = []
        for position, leaf in enumerate(wrt_leaves):
            basis = _basis(leaf)

            def push(tangent, position=position):
                tangents = [tangent if i == position else zeros_like(w) for i, w in enumerate(wrt_leaves)]

                def partial(*chosen):
                    full = list(args)
                    for n, value in zip(numbers, chosen):
                        full[n] = value
                    return func(*full, **kwargs)

                result = jvp(partial, tuple(unflatten(wrt_leaves, wrt_spec)), tuple(unflatten(tangents, wrt_spec)),
                             has_aux=has_aux)
                return result[1]

            pushed = vmap(push, randomness=randomness)(basis)
            columns.append(pushed)
        outputs_spec = flatten(columns[0])[1]
        rows = [[] for _ in range(outputs_spec.num_leaves)]
        for position, column in enumerate(columns):
            for out_index, jac in enumerate(flatten(column)[0]):
                leaf = wrt_leaves[position]
                moved = jac.movedim(0, -1) if jac.dim() else jac
                rows[out_index].append(moved.reshape(tuple(jac.shape[1:]) + tuple(leaf.shape)))
        jacobian = _assembled(rows, outputs_spec, wrt, isinstance(argnums, int))
        if has_aux:
            _, aux = _split_aux(func(*args, **kwargs), True, "jacfwd")
            return jacobian, aux
        return jacobian

    return wrapper


def hessian(func, argnums=0):
    """The Hessian of ``func``'s scalar output: forward-mode Jacobian of its reverse-mode gradient."""
    return jacfwd(jacrev(func, argnums), argnums)
