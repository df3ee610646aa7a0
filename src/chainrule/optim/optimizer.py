"""The optimizer base: parameter groups, per-parameter state, ``step``, ``zero_grad`` and state dicts.

A subclass names its defaults and writes ``_update_group(group)``: the update of one group's
parameters. Updates run without recording a graph, on the tensors' arrays and in place, so each
parameter stays the same object; its version counter moves once per step, as an in-place op's
would. Step counts are 0-d float tensors, as PyTorch keeps them, so a state dict round-trips
between the two libraries' layouts.
"""

import warnings
from collections import defaultdict

import numpy as np

from .._dtype import float32, float64, get_default_dtype
from .._errors import user_stacklevel
from .._recording import replayed_as_call
from .._tensor import Tensor, make_tensor
from .._autograd import grad_mode
from .._array import namespace_of
from .._device import device_of, moved
from ..utils.hooks import RemovableHandle

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a default that every parameter group must set (SGD's ``lr`` in old releases)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__") else f"{module}.{name}"


class Optimizer:
    """Holds parameter groups and their state; subclasses define the update."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._step_pre_hooks = []
        self._step_post_hooks = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for index, group in enumerate(self.param_groups):
            text += f"\nParameter Group {index}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ----------------------------------------------------------------- groups
    def add_param_group(self, param_group):
        """Add a group of parameters, filling in the optimizer's defaults for the options it leaves out."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(param)}")
            if not self.defaults.get("differentiable", None) and not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=user_stacklevel())
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ----------------------------------------------------------------- stepping
    @replayed_as_call
    def zero_grad(self, set_to_none=True):
        """Forget the gradients: drop them (the default) or fill them with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                grad = param._grad
                if grad is None:
                    continue
                if set_to_none:
                    param._grad = None
                    continue
                if grad._grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad._data[...] = 0
                grad._version_counter[0] += 1

    @replayed_as_call
    def step(self, closure=None):
        """One update of every parameter with a gradient; ``closure`` re-evaluates the loss first."""
        self._opt_called = True
        for hook in tuple(self._step_pre_hooks):
            hook(self, (closure,), {})
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                if self._complex_as_real and any(param._data.dtype.kind == "c" for param in group["params"]):
                    self._update_complex_group(group)
                else:
                    self._update_group(group)
        for hook in tuple(self._step_post_hooks):
            hook(self, (closure,), {})
        return loss

    # PyTorch updates a complex parameter as its real and imaginary parts side by side (``view_as_real``):
    # squares, maxima and square roots act on each part, not on the complex number. SGD's update is linear,
    # so it gives the same either way and skips the detour.
    _complex_as_real = True

    def _update_complex_group(self, group):
        """``_update_group`` on real views of the complex parameters, their gradients and their state."""
        swapped = []
        for param in group["params"]:
            data = param._data
            if data.dtype.kind != "c" or param._grad is None:
                continue
            state = self.state.get(param, {})
            tensors = [param, param._grad] + [value for value in state.values()
                                               if isinstance(value, Tensor) and value._data.shape == data.shape
                                               and value._data.dtype.kind == "c"]
            swapped.append((param, data.shape, [(tensor, tensor._data) for tensor in tensors]))
            for tensor in tensors:
                tensor._data = _real_view(tensor._data)
        try:
            self._update_group(group)
        finally:
            for param, shape, originals in swapped:
                for tensor, array in originals:
                    tensor._data = array
                for value in self.state.get(param, {}).values():  # state made during this step
                    if isinstance(value, Tensor) and value._data.shape == shape + (2,):
                        value._data = _complex_view(value._data)

    def _update_group(self, group):
        raise NotImplementedError

    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs before each ``step``."""
        self._step_pre_hooks.append(hook)
        return RemovableHandle(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` runs after each ``step``."""
        self._step_post_hooks.append(hook)
        return RemovableHandle(self._step_post_hooks, hook)

    # ----------------------------------------------------------------- state dicts
    def state_dict(self):
        """``{'state': {param index: state}, 'param_groups': [... 'params': [indices]]}``, as PyTorch lays it out.

        Parameters are numbered in group order; the state holds references to the live tensors.
        """
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed["params"] = [index_of[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {index_of[id(param)]: value for param, value in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore groups' options and per-parameter state saved by ``state_dict`` (of this or PyTorch's layout)."""
        saved_groups = state_dict["param_groups"]
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        param_of = {}
        for group, saved in zip(groups, saved_groups):
            for index, param in zip(saved["params"], group["params"]):
                param_of[index] = param
        state = defaultdict(dict)
        for index, value in state_dict["state"].items():
            if index in param_of:
                param = param_of[index]
                state[param] = {key: _restored(key, item, param) for key, item in value.items()}
            else:
                state[index] = _copied(value)
        new_groups = []
        for group, saved in zip(groups, saved_groups):
            restored = {key: _copied(value) for key, value in saved.items() if key != "params"}
            restored["params"] = group["params"]
            new_groups.append(restored)
        self.state = state
        self.param_groups = new_groups


def _copied(value):
    """A deep copy of a saved value, tensors cloned, so loading never aliases the caller's dict."""
    if isinstance(value, Tensor):
        return make_tensor(value._data.copy())
    if isinstance(value, dict):
        return value.__class__((key, _copied(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return value.__class__(_copied(item) for item in value)
    return value


def _restored(key, value, param):
    """State tensors move to their parameter's device and take its floating dtype; step counts keep theirs
    (on the CPU, as PyTorch keeps them)."""
    if isinstance(value, Tensor) and key != "step":
        data, target = value._data, param._data
        where = device_of(target)
        if device_of(data) != where:
            data = moved(data, namespace_of(target), where.index)
        if param.is_floating_point():
            return make_tensor(data.astype(target.dtype, copy=True))
        return make_tensor(data.copy() if data is value._data else data)
    return _copied(value)


# ------------------------------------------------------------------------- helpers for the update rules
def step_counter(start=0.0):
    """A fresh step count (or other running scalar): a 0-d float tensor, float64 when that is the default dtype."""
    dtype = float64 if get_default_dtype() is float64 else float32
    return make_tensor(np.full((), start, dtype=dtype.np))


def advance(step):
    """Count one more step and return the new count as a Python number."""
    step._data += 1
    step._version_counter[0] += 1
    return float(step._data)


def _real_view(array):
    """A complex array's real and imaginary parts as a trailing dimension of 2, sharing its memory."""
    return array[..., None].view(array.real.dtype)


def _complex_view(array):
    """The inverse of ``_real_view``."""
    return array.view(namespace_of(array).result_type(array.dtype, 1j))[..., 0]


def zeros_state(param):
    """A state tensor of zeros like ``param``, on its device (its array namespace)."""
    return make_tensor(namespace_of(param._data).zeros_like(param._data))


def touch(*tensors):
    """Record an in-place change of each tensor's array."""
    for tensor in tensors:
        tensor._version_counter[0] += 1


def muladd(scale, values, base, out=None):
    """``scale * values + base`` in ``base``'s dtype, written into ``out`` when given.

    PyTorch's CPU kernels fuse this into one rounding; two float32 roundings differ from it by at
    most an ulp per step, well inside float32 agreement, and cost a quarter of a float64 detour.
    """
    dtype = base.dtype
    xp = namespace_of(base)
    product = xp.multiply(values, xp.asarray(scale, dtype=dtype), dtype=dtype)
    return xp.add(product, base, out=product if out is None else out, casting="same_kind")


def gradient(param, maximize, weight_decay=0):
    """The gradient a rule follows: negated when maximizing, plus the L2 term ``weight_decay * param``."""
    grad = param._grad._data
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = muladd(weight_decay, param._data, grad)
    return grad


def add_scaled_(target, scale, values):
    """``target += scale * values`` in place, fused as PyTorch's ``add_(values, alpha=scale)``."""
    muladd(scale, values, target, out=target)


def add_product_(target, scale, first, second):
    """``target += scale * first * second`` in place, fused as PyTorch's ``addcmul_``."""
    muladd(scale * first, second, target, out=target)


def lerp_(start, end, weight):
    """``start`` moved ``weight`` of the way to ``end``, in place, with the two-sided formula that stays exact."""
    if weight < 0.5:
        muladd(weight, end - start, start, out=start)
    else:
        muladd(1 - weight, start - end, end, out=start)


def check_nonnegative(**values):
    """PyTorch's range checks: ``Invalid learning rate: -1`` and ``Invalid <name> value: -1``."""
    for name, value in values.items():
        if not 0.0 <= value:
            label = "learning rate" if name == "lr" else ("epsilon value" if name == "eps" else f"{name} value")
            raise ValueError(f"Invalid {label}: {value}")


def check_betas(betas):
    for index, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
