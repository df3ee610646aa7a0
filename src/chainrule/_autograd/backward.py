"""The engine's two entry points: ``backward()`` (into ``.grad``) and ``grad()`` (returned).

Both turn the outputs into root edges with their starting gradients (ones for one-element outputs),
check what PyTorch checks, and hand the walk to ``engine.run_backward``.
"""

import warnings

from .._array import namespace_of
from .._errors import with_hint
from .._tensor import Tensor, make_tensor
from .engine import run_backward
from .leaf import accumulator_of

__all__ = ["backward", "grad"]

CREATE_GRAPH_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
    "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you "
    "have to use this function, make sure to reset the .grad fields of your parameters to None after use to break "
    "the cycle and avoid the leak."
)


def _as_tuple(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _root_edge(tensor):
    if tensor._grad_fn is not None:
        return (tensor._grad_fn, tensor._output_nr)
    return (accumulator_of(tensor), 0)


def _make_root_grads(outputs, grad_outputs):
    """One gradient per output: the given ones checked for shape, ones for one-element outputs."""
    grads = []
    for i, out in enumerate(outputs):
        given = grad_outputs[i] if grad_outputs is not None and i < len(grad_outputs) else None
        if given is None:
            if out._data.size != 1:
                raise with_hint(RuntimeError("grad can be implicitly created only for scalar outputs"),
                                "non_scalar_backward")
            if out._data.dtype.kind == "c":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {out.dtype}")
            grads.append(make_tensor(namespace_of(out._data).ones(out._data.shape, dtype=out._data.dtype)))
            continue
        if not isinstance(given, Tensor):
            raise TypeError(f"'{type(given).__name__}' object is not iterable")
        if given._data.shape != out._data.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {given.shape} and output[{i}] "
                               f"has a shape of {out.shape}.")
        grads.append(given)
    return grads


def _check_outputs(outputs):
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Add the gradients of ``tensors`` into the ``.grad`` of the leaves they depend on."""
    outputs = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    _check_outputs(outputs)
    grads = _make_root_grads(outputs, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    if create_graph:
        warnings.warn(CREATE_GRAPH_WARNING, UserWarning, stacklevel=3)
    roots = [_root_edge(t) for t in outputs]
    if inputs is None:
        run_backward(roots, grads, retain_graph, create_graph)
        return
    targets, capture = [], {}
    for t in inputs:
        edge = _root_edge(t)
        targets.append(edge[0])
        if t._grad_fn is not None:
            capture[edge] = len(capture)
    captured = run_backward(roots, grads, retain_graph, create_graph, targets=targets, capture=capture)
    for t in inputs:
        if t._grad_fn is not None:
            g = captured[capture[_root_edge(t)]]
            if g is not None:
                t._grad = g if t._grad is None else t._grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, materialize_grads=False):
    """The gradients of ``outputs`` with respect to each of ``inputs``, as a tuple; ``.grad`` is untouched.

    ``chainrule.autograd.grad`` adds ``is_grads_batched`` on top of this.
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: "
                         "allow_unused=False.")
    allow_unused = bool(allow_unused) or materialize_grads
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    _check_outputs(outputs)
    grads = _make_root_grads(outputs, grad_outputs)
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    edges = [_root_edge(t) for t in inputs]
    capture = {}
    for edge in edges:
        capture.setdefault(edge, len(capture))
    captured = run_backward([_root_edge(t) for t in outputs], grads, retain_graph, create_graph,
                            targets=[edge[0] for edge in edges], capture=capture, accumulate=False)
    result = []
    for i, (t, edge) in enumerate(zip(inputs, edges)):
        g = captured[capture[edge]]
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                g = make_tensor(namespace_of(t._data).zeros(t._data.shape, dtype=t._data.dtype))
        elif not create_graph and (g._grad_fn is not None or g._requires_grad):
            g = g.detach()
        result.append(g)
    return tuple(result)
