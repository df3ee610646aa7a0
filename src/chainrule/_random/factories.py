"""Random tensors: ``rand randn randint randperm``, their ``_like`` forms, ``normal``, ``bernoulli``,
``multinomial`` and ``poisson``, each drawing what PyTorch draws in the order it draws it.

A factory is PyTorch's composition (``rand`` is ``empty(size).uniform_()``, ``normal(mean_tensor, std)``
is ``normal_(0, std)`` then ``+ mean`` ...), so the words come off the generator in the same order.
The draw, and any arithmetic on it, is one ``traced_stateful`` call, which a compiled function replays.
"""

import numpy as np

from .._array import INTEGER_TYPES
from .._creation import _size_args, keyword_size
from .._errors import argument_type_error
from .._size import allocation_error
from .._device import defaults as _device_defaults
from .._device import placement
from .._dtype import bool_, get_default_dtype, int64, to_dtype
from .._array import namespace_of
from .._ops._op import derivative, record
from .._ops._op import traced_stateful
from .._signatures import declared, is_int
from .._vmap_state import refuse_inside_vmap
from .._tensor import Tensor, make_tensor
from . import device as device_draws
from . import draws
from .fill import (bernoulli_tensor_values, bernoulli_values, check_probabilities, check_probability, cpp_number,
                   normal_values, not_implemented, random_plan, uniform_values, zero_gradient)
from .generator import default_generator
from .layout import device_of_draw, fill_like, fresh

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
           "multinomial", "poisson"]

NormalBackward1 = derivative("NormalBackward1", zero_gradient)  # normal(mean_tensor, std)
NormalBackward2 = derivative("NormalBackward2", zero_gradient)  # normal(mean, std_tensor)
NormalBackward3 = derivative("NormalBackward3", zero_gradient, zero_gradient)
BernoulliBackward0 = derivative("BernoulliBackward0", zero_gradient)
PoissonBackward0 = derivative("PoissonBackward0", zero_gradient)


def _generator(generator):
    return default_generator if generator is None else generator


def _shape(size):
    shape = _size_args(size)
    for length in shape:
        if length < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {length}: {list(shape)}")
    return shape


def _dtype(dtype, out, default):
    """The dtype to draw in: ``dtype``, else ``out``'s (PyTorch draws into ``out`` itself), else ``default``."""
    if out is None:
        return default if dtype is None else to_dtype(dtype)
    if dtype is not None and to_dtype(dtype) != out.dtype:
        raise RuntimeError(f"dtype {to_dtype(dtype).scalar_type_name} does not match dtype of out parameter "
                           f"({out.dtype.scalar_type_name})")
    return out.dtype


def _written(values, out):
    """``out`` resized to the values' shape (as PyTorch's ``resize_``, without a warning) and overwritten."""
    if tuple(out.shape) != values.shape:
        out.resize_(values.shape)
    out.copy_(make_tensor(values))
    return out


def _made(values, requires_grad, out):
    """Wrap a fresh array (or write it into ``out``), marking it as requiring grad if asked."""
    if out is not None:
        return _written(values, out)
    result = make_tensor(values)
    if requires_grad:
        result._set_requires_grad(True, "Only Tensors of floating point and complex dtype can require gradients")
    return result


def _on(device):
    """Where a factory draws: ``(namespace, index)`` of a GPU, None for the host (PyTorch's CPU generator)."""
    if device is None:
        device = _device_defaults.device
        if device is None:
            return None
    on = placement(device)
    return None if on[0].runtime is None else on


def _refuse_pinning(pin_memory, out):
    """Page-locked memory needs an accelerator's allocator: PyTorch's error without one (an ``out`` is used as is)."""
    if pin_memory and out is None:
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no pinned memory allocator "
                           "is available on this system.")


def _floating(d, kernel):
    if not (d.is_floating_point or d.is_complex):
        raise not_implemented(kernel, d.np)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **size_keyword):
    """Uniform values in [0, 1): ``empty(size).uniform_()``."""
    if size_keyword:
        size = keyword_size("rand", size, size_keyword)
    _refuse_pinning(pin_memory, out)
    d = _dtype(dtype, out, get_default_dtype())
    _floating(d, "check_uniform_bounds")
    values = traced_stateful(_fresh, _shape(size), d.np, uniform_values, _generator(generator), 0.0, 1.0,
                             _on(device))
    return _made(values, requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **size_keyword):
    """Standard normal values: ``empty(size).normal_()``."""
    if size_keyword:
        size = keyword_size("randn", size, size_keyword)
    _refuse_pinning(pin_memory, out)
    d = _dtype(dtype, out, get_default_dtype())
    _floating(d, "normal_kernel_cpu")
    std = 1.0 / np.sqrt(2) if d.is_complex else 1.0
    values = traced_stateful(_fresh, _shape(size), d.np, normal_values, _generator(generator), 0.0, std, _on(device))
    return _made(values, requires_grad, out)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False):
    """Integers in ``[low, high)`` (``randint(high, size)`` starts at 0): ``empty(size).random_(low, high)``."""
    if size is None:
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if high is None or size is None or not all(map(is_int, (low, high))):
        raise TypeError("randint(): the bounds are integers, and a size is required")  # the signatures' words
    _refuse_pinning(pin_memory, out)
    d = _dtype(dtype, out, int64)
    sample, parameters = random_plan(d.np, low, high)
    values = traced_stateful(_fresh, _shape((size,)), d.np, sample, _generator(generator), *parameters, _on(device))
    return _made(values, requires_grad, out)


def _fresh(shape, np_dtype, sample, *parameters_and_place):
    """``fresh`` with where to draw as the last argument (a traced call takes no keywords)."""
    *parameters, on = parameters_and_place
    return fresh(shape, np_dtype, sample, *parameters, on=on)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """A random permutation of ``0 .. n-1``: Fisher-Yates, one 32-bit word per position but the last."""
    if not isinstance(n, INTEGER_TYPES) or isinstance(n, bool):
        raise argument_type_error("randperm", "n", 1, "int", n)
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    _refuse_pinning(pin_memory, out)
    d = _dtype(dtype, out, int64)
    _check_permutation(n, d, out)
    values = traced_stateful(_permutation, n, d.np, _generator(generator), _on(device))
    return _made(values, requires_grad, out)


_LARGEST_PERMUTATION = {"float16": (2049, "2049"), "float32": (2 ** 24 + 1, "2^24+1"),
                        "float64": (2 ** 53 + 1, "2^53+1")}


def _check_permutation_dtype(n, d):
    """Every index below ``n`` must be exact in ``d``, as PyTorch checks."""
    if d is bool_ or d.is_complex:
        raise not_implemented("randperm", d.np)
    if d.is_floating_point:
        largest, written = _LARGEST_PERMUTATION[d.name]
        if n > largest:
            raise RuntimeError(f"n cannot be greater than {written} for {d.scalar_type_name} type.")
    elif n - 1 > np.iinfo(d.np).max:
        raise RuntimeError(f"value cannot be converted to type {d.name}_t without overflow")


def _permutation(n, np_dtype, generator, on):
    refuse_inside_vmap()
    if on is not None:
        return _on_device(on, generator, device_draws.permutation, n, np_dtype)
    return draws.permutation(generator, n).astype(np_dtype)


def _on_device(on, generator, draw, *args):
    """``draw(state, xp, *args)`` with the generator of GPU ``on``."""
    if generator is not default_generator:
        raise RuntimeError("Expected a 'cuda' device type for generator but found 'cpu'")
    xp, index = on
    with xp.runtime.using(index):
        return draw(xp.runtime.random(index), xp, *args)


def _like(input, dtype, requires_grad, sample, generator, *parameters, kernel):
    d = input.dtype if dtype is None else to_dtype(dtype)
    if kernel is not None:
        _floating(d, kernel)
    values = traced_stateful(_filled_like, input, d.np, sample, _generator(generator), *parameters)
    return _made(values, requires_grad, None)


def _filled_like(data, np_dtype, sample, *parameters):
    return fill_like(data, sample, *parameters, dtype=np_dtype, new=True)


_LIKE = ("*, object dtype = None, object layout = None, object device = None, object requires_grad = False, "
         "object memory_format = None, object generator = None")
# PyTorch's signatures, checked after a call failed (chainrule._signatures; the namespace wraps them)
_RANDINT = ("Tensor? out = None, ScalarType? dtype = None, Layout? layout = None, Device? device = None, "
            "bool? pin_memory = False, bool? requires_grad = False")
SIGNATURES = {
    "randint": (f"int high, SymInt[] size, *, Generator generator, {_RANDINT}",
                f"int high, SymInt[] size, *, {_RANDINT}",
                f"int low, int high, SymInt[] size, *, Generator generator, {_RANDINT}",
                f"int low, int high, SymInt[] size, *, {_RANDINT}"),
    "rand_like": f"Tensor input, {_LIKE}", "randn_like": f"Tensor input, {_LIKE}",
    "randint_like": (f"Tensor input, SymInt low, SymInt high, {_LIKE}", f"Tensor input, Tensor high, {_LIKE}",
                     f"Tensor input, SymInt high, {_LIKE}"),
    "bernoulli": ("Tensor input, *, Generator? generator = None, Tensor? out = None",
                  "Tensor input, float p, *, Generator? generator = None"),
    "poisson": "Tensor input, Generator? generator = None",
    "multinomial": "Tensor input, int num_samples, bool replacement = False, *, Generator? generator = None, "
                   "Tensor? out = None",
}


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
              generator=None):
    """``rand`` of ``input``'s shape (and storage order)."""
    return _like(input, dtype, requires_grad, uniform_values, generator, 0.0, 1.0, kernel="check_uniform_bounds")


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
               generator=None):
    d = input.dtype if dtype is None else to_dtype(dtype)
    std = 1.0 / np.sqrt(2) if d.is_complex else 1.0
    return _like(input, dtype, requires_grad, normal_values, generator, 0.0, std, kernel="normal_kernel_cpu")


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None):
    if high is None:
        low, high = 0, low
        if isinstance(high, Tensor):  # randint_like(input, Tensor high): the tensor's number, truncated
            if high.ndim:
                raise RuntimeError("high must be a scalar tensor and on CPU")
            high = int(high.item())
    if not all(map(is_int, (low, high))):
        raise TypeError("randint_like(): the bounds are integers")  # (the signatures word PyTorch's refusal)
    d = input.dtype if dtype is None else to_dtype(dtype)
    sample, parameters = random_plan(d.np, low, high)
    return _like(input, d, requires_grad, sample, generator, *parameters, kernel=None)


# ---------------------------------------------------------------- normal
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """Normal values: ``normal(mean, std, size)`` for numbers; with tensors, standard normals scaled by ``std``
    and shifted by ``mean`` (broadcast), as PyTorch composes them."""
    generator = _generator(generator)
    mean_is_tensor, std_is_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if std_is_tensor:
        _check_std_tensor(std)
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {cpp_number(std)}")
    if not mean_is_tensor and not std_is_tensor:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float), but "
                            "expected one of (Tensor mean, Tensor std) or (float mean, float std, tuple of ints size)")
        _refuse_pinning(pin_memory, out)
        d = _dtype(dtype, out, get_default_dtype())
        _floating(d, "normal_kernel_cpu")
        values = traced_stateful(_fresh, _shape((size,)), d.np, normal_values, generator, float(mean),
                                 float(std), _on(device))
        return _made(values, requires_grad, out)
    _floating((mean if mean_is_tensor else std).dtype, "normal_kernel_cpu")
    if mean_is_tensor and not std_is_tensor:
        values = traced_stateful(_normal_plus_mean, mean, float(std), generator)
        return _made_from(values, NormalBackward1, (mean,), out)
    if std_is_tensor and not mean_is_tensor:
        values = traced_stateful(_normal_scaled, float(mean), std, generator)
        return _made_from(values, NormalBackward2, (std,), out)
    values = traced_stateful(_normal_scaled_shifted, mean, std, generator)
    return _made_from(values, NormalBackward3, (mean, std), out)


def _check_std_tensor(std):
    if std.dtype.is_complex:
        raise RuntimeError("normal expects standard deviation to be non-complex")
    if std.numel() and not (std._data >= 0).all():
        raise RuntimeError("normal expects all elements of std >= 0.0")


def _standard(shape, np_dtype, generator, like, std=1.0):
    return fresh(shape, np_dtype, normal_values, generator, 0.0, std, on=device_of_draw(like))


def _normal_plus_mean(mean, std, generator):
    values = _standard(mean.shape, mean.dtype, generator, mean, std)
    values += mean
    return values


def _normal_scaled(mean, std, generator):
    values = _standard(std.shape, std.dtype, generator, std)
    values *= std
    values += std.dtype.type(mean)
    return values


def _normal_scaled_shifted(mean, std, generator):
    values = _standard(np.broadcast_shapes(mean.shape, std.shape), mean.dtype, generator, mean)
    xp = namespace_of(values)
    xp.multiply(values, std, out=values, casting="unsafe")
    xp.add(values, mean, out=values, casting="unsafe")
    return values


def _made_from(values, node, inputs, out):
    if out is not None:
        return _written(values, out)
    return record(values, node, inputs)


# ---------------------------------------------------------------- bernoulli / multinomial / poisson
def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability ``input`` (or ``p``) per element, else 0, in ``input``'s dtype (C order)."""
    generator = _generator(generator)
    if p is not None:  # PyTorch reads a tensor ``p`` as a float (0-d, no grad) and has no ``out`` beside a ``p``
        declared("bernoulli", SIGNATURES["bernoulli"]).check((input, p), {} if out is None else {"out": out})
        p = p.item() if isinstance(p, Tensor) else p
    if p is None:
        check_probabilities(input, input)
        values = traced_stateful(_fresh, input._data.shape, input._data.dtype, bernoulli_tensor_values, generator,
                                 input, device_of_draw(input._data))
    else:
        check_probability(p, input._data.dtype)
        values = traced_stateful(_fresh, input._data.shape, input._data.dtype, bernoulli_values, generator, float(p),
                                 device_of_draw(input._data))
    return _made_from(values, BernoulliBackward0, (input,), out)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from each row of ``input`` (non-negative weights, not necessarily summing to 1)."""
    weights = input._data
    if weights.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if weights.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype.scalar_type_name}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = weights.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if categories > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if weights.size == 0:
        return make_tensor(namespace_of(weights).empty(weights.shape[:-1] + (num_samples,), dtype=np.int64))
    rows = weights.reshape(-1, categories)
    if not replacement or num_samples == 1:
        if not ((weights >= 0) & namespace_of(weights).isfinite(weights)).all():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (rows.sum(axis=1) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    else:
        _check_rows_entry_by_entry(rows)
    values = traced_stateful(_multinomial, input, num_samples, replacement, _generator(generator))
    return _made(values, False, out)


def _check_rows_entry_by_entry(rows):
    """PyTorch's with-replacement kernel checks row by row, each entry (negative or NaN, then infinite) and then
    the row's sum: the first failure names the error."""
    negative = ~(rows >= 0)
    bad = negative | ~namespace_of(rows).isfinite(rows)
    failing = bad.any(axis=1) | (rows.sum(axis=1) <= 0)
    if not failing.any():
        return
    row = int(failing.argmax())
    if not bad[row].any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if negative[row, int(bad[row].argmax())]:
        raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
    raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")


def _multinomial(weights, samples, replacement, generator):
    refuse_inside_vmap()
    on = device_of_draw(weights)
    if on is not None:
        return _on_device(on, generator, device_draws.multinomial, weights, samples, replacement and samples > 1)
    if replacement and samples > 1:
        return draws.multinomial_with_replacement(generator, weights, samples)
    return draws.multinomial_by_exponentials(generator, weights, samples)


def poisson(input, generator=None):
    """Poisson counts with the rates in ``input``, in its dtype."""
    rates = input._data
    if rates.dtype.kind != "f":
        raise not_implemented("poisson_cpu", rates.dtype)
    if (rates < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    values = traced_stateful(_poisson, input, _generator(generator))
    return record(values, PoissonBackward0, (input,))


def _poisson(rates, generator):
    refuse_inside_vmap()
    on = device_of_draw(rates)
    if on is not None:
        return _on_device(on, generator, device_draws.poisson, rates)
    return draws.poisson(generator, np.ascontiguousarray(rates)).astype(rates.dtype).reshape(rates.shape)


def _check_permutation(n, d, out):
    """PyTorch makes the result first, then checks that ``n`` fits its dtype; given ``out=``, it checks first."""
    if out is None:
        _check_allocation(n, d)
    _check_permutation_dtype(n, d)
    if out is not None:
        _check_allocation(n, d)


def _check_allocation(n, d):
    """PyTorch's error when a permutation's memory cannot be had (NumPy would raise MemoryError, later)."""
    if n * d.itemsize > 1 << 30:  # smaller ones are had
        try:
            np.empty(n, d.np)
        except MemoryError:
            raise allocation_error((n,), d.itemsize) from None
