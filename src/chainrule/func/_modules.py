"""``functional_call`` and ``stack_module_state``: a Module as a function of its parameters and buffers,
so that ``grad`` differentiates with respect to them and ``vmap`` maps over stacks of them (ensembles)."""

from collections import OrderedDict

from .._autograd import grad_mode
from .._ops.joining import stack

__all__ = ["functional_call", "stack_module_state"]


def _owner(module, name):
    """(the submodule holding ``name``, the attribute's own name)."""
    *path, leaf = name.split(".")
    for part in path:
        module = module._modules[part]
    return module, leaf


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """Call ``module`` with the given tensors in place of its parameters and buffers (by name), then
    restore its own. Several dicts are merged; a name given twice is an error."""
    dicts = [parameter_and_buffer_dicts] if isinstance(parameter_and_buffer_dicts, dict) else \
        list(parameter_and_buffer_dicts)
    replacements = {}
    for mapping in dicts:
        for name, value in mapping.items():
            if name in replacements:
                raise ValueError(f"{name} appeared in multiple dictionaries; behavior of functional call is ambiguous")
            replacements[name] = value
    if strict:
        expected = {name for name, _ in module.named_parameters()} | {name for name, _ in module.named_buffers()}
        missing, unexpected = sorted(expected - set(replacements)), sorted(set(replacements) - expected)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                               + ("Unexpected key(s): " + ", ".join(repr(k) for k in unexpected) + ".\n\t"
                                  if unexpected else "")
                               + ("Missing key(s): " + ", ".join(repr(k) for k in missing) + "." if missing else ""))
    saved = []
    try:
        for name, value in replacements.items():
            owner, leaf = _owner(module, name)
            registry = owner._parameters if leaf in owner._parameters else owner._buffers \
                if leaf in owner._buffers else None
            if registry is None:
                saved.append((owner, leaf, None, owner.__dict__.get(leaf)))
                owner.__dict__[leaf] = value
            else:
                saved.append((owner, leaf, registry, registry[leaf]))
                registry[leaf] = value
        args = () if args is None else args if isinstance(args, tuple) else (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for owner, leaf, registry, old in reversed(saved):
            if registry is None:
                owner.__dict__.pop(leaf, None) if old is None else owner.__dict__.__setitem__(leaf, old)
            else:
                registry[leaf] = old


def stack_module_state(models):
    """``(parameters, buffers)``: each parameter and buffer of ``models`` (modules of one kind) stacked along a
    new first dimension, by name; the stacked parameters are new leaves that require grad."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({type(m) for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to be the same class, got: "
                           f"{set(type(m) for m in models)}")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    with grad_mode.no_grad():
        parameters = OrderedDict((name, stack([dict(m.named_parameters())[name] for m in models]))
                                 for name, _ in models[0].named_parameters())
        buffers = OrderedDict((name, stack([dict(m.named_buffers())[name] for m in models]))
                              for name, _ in models[0].named_buffers())
    for name, value in parameters.items():
        value.requires_grad_(dict(models[0].named_parameters())[name].requires_grad)
    return dict(parameters), dict(buffers)
