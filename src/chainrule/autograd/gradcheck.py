"""``gradcheck`` and ``gradgradcheck``: compare autograd's derivatives with finite differences.

The numerical Jacobian perturbs each input element by ``±eps`` (central differences); the
analytical one runs one backward pass per output element. ``fast_mode`` compares a single random
projection ``vᵀ J u`` instead, which costs two passes whatever the sizes.

Complex numbers are checked as pairs of reals: the real and imaginary part of an input are
perturbed separately, and an output's imaginary part is seeded with ``1j``. The gradient autograd
returns for ``z = x + iy`` is ``dL/dx + i dL/dy``, so its real and imaginary parts are the two rows.
"""

import warnings

import numpy as np

from .._autograd.backward import grad as autograd_grad
from .._creation import tensor
from .._tensor import Tensor, make_tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck``/``gradgradcheck`` when derivatives disagree."""



def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _differentiable_outputs(func, inputs):
    outputs = _as_tuple(func(*inputs))
    return [o for o in outputs if isinstance(o, Tensor) and o._data.dtype.kind in "fc"]


def _parts(data):
    """The real directions of an array's elements: 1, and also 1j for complex numbers."""
    return (1, 1j) if data.dtype.kind == "c" else (1,)


def _as_reals(data):
    """An array as float64 numbers: a complex one as its real parts, then its imaginary parts."""
    if data.dtype.kind == "c":
        return np.concatenate([data.real.ravel(), data.imag.ravel()]).astype(np.float64, copy=False)
    return data.astype(np.float64).ravel()


def _real_size(data):
    return data.size * len(_parts(data))


def _numerical_jacobians(func, inputs, eps):
    """``J[i][j]``: d output i / d input j over real coordinates, shaped (reals of input_j, reals of output_i).

    ``func`` runs with grad mode as the caller has it: a function that differentiates inside
    (``gradgradcheck``'s first derivatives) needs its graph to compute its value at all.
    """
    outputs = _differentiable_outputs(func, inputs)
    columns = {}
    for j, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t._requires_grad):
            continue
        data = t._data
        rows = [np.zeros((_real_size(data), _real_size(o._data))) for o in outputs]
        for p, part in enumerate(_parts(data)):
            for k, index in enumerate(np.ndindex(data.shape)):
                original = data[index].item()
                data[index] = original + eps * part
                plus = [_as_reals(o._data) for o in _differentiable_outputs(func, inputs)]
                data[index] = original - eps * part
                minus = [_as_reals(o._data) for o in _differentiable_outputs(func, inputs)]
                data[index] = original
                for i in range(len(outputs)):
                    rows[i][p * data.size + k] = (plus[i] - minus[i]) / (2 * eps)
        columns[j] = rows
    return outputs, columns


def _analytical_jacobians(func, inputs):
    differentiable = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    positions = [j for j, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    outputs = _differentiable_outputs(func, inputs)
    result = {j: [np.zeros((_real_size(inputs[j]._data), _real_size(o._data))) for o in outputs]
              for j in positions}
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            continue
        size = out._data.size
        for p, part in enumerate(_parts(out._data)):
            for k in range(size):
                seed = np.zeros(size, dtype=out._data.dtype)
                seed[k] = part
                grads = autograd_grad(out, differentiable, make_tensor(seed.reshape(out._data.shape)),
                                      retain_graph=True, allow_unused=True)
                for j, g in zip(positions, grads):
                    if g is not None:
                        result[j][i][:, p * size + k] = _as_reals(g._data)
    return result


def _mismatch_message(i, j, numerical, analytical):
    return (f"Jacobian mismatch for output {i} with respect to input {j},\n"
            f"numerical:{tensor(numerical)}\nanalytical:{tensor(analytical)}\n")


def _fail(message, raise_exception):
    if raise_exception:
        raise GradcheckError(message)
    return False


def _check_inputs(inputs, name):
    tensors = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    if not tensors:
        raise ValueError(f"{name} expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")
    for index, t in enumerate(inputs):
        if isinstance(t, Tensor) and t._requires_grad and t._data.dtype not in (np.float64, np.complex128):
            warnings.warn(f"Input #{index} requires gradient and is not a double precision floating point or "
                          "complex. This check will likely fail if all the inputs are not of double precision "
                          "floating point or complex. ", UserWarning, stacklevel=3)


def gradcheck(func, inputs, *, eps=1e-06, atol=1e-05, rtol=0.001, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None):
    """True when the analytical Jacobian of ``func`` at ``inputs`` matches finite differences."""
    inputs = _as_tuple(inputs)
    _check_inputs(inputs, "gradcheck")
    if fast_mode:
        return _fast_gradcheck(func, inputs, eps, atol, rtol, raise_exception)
    outputs, numerical = _numerical_jacobians(func, inputs, eps)
    analytical = _analytical_jacobians(func, inputs)
    # Inputs are numbered among those that require grad, as PyTorch's message numbers them.
    for number, (j, per_output) in enumerate(numerical.items()):
        for i, num in enumerate(per_output):
            ana = analytical[j][i]
            if not np.allclose(ana, num, rtol=rtol, atol=atol, equal_nan=True):
                return _fail(_mismatch_message(i, number, num, ana), raise_exception)
    return True


def _random_like(rng, data):
    """Standard normal numbers shaped like ``data``; complex ones for a complex array."""
    if data.dtype.kind == "c":
        return rng.standard_normal(data.shape) + 1j * rng.standard_normal(data.shape)
    return rng.standard_normal(data.shape)


def _real_inner(a, b):
    """The real inner product ``Re(sum(conj(a) * b))``: complex numbers taken as pairs of reals."""
    return float(np.sum((np.conj(a) * b).real))


def _fast_gradcheck(func, inputs, eps, atol, rtol, raise_exception):
    """Compare ``vᵀ J u`` for random ``u`` (over inputs) and ``v`` (over outputs)."""
    rng = np.random.default_rng(0)
    positions = [j for j, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    directions = {j: _random_like(rng, inputs[j]._data) for j in positions}
    outputs = _differentiable_outputs(func, inputs)
    for j in positions:
        inputs[j]._data += eps * directions[j]
    plus = [o._data.astype(np.complex128) for o in _differentiable_outputs(func, inputs)]
    for j in positions:
        inputs[j]._data -= 2 * eps * directions[j]
    minus = [o._data.astype(np.complex128) for o in _differentiable_outputs(func, inputs)]
    for j in positions:
        inputs[j]._data += eps * directions[j]
    outputs = _differentiable_outputs(func, inputs)
    for i, out in enumerate(outputs):
        v = _random_like(rng, out._data)
        numerical = _real_inner(v, (plus[i] - minus[i]) / (2 * eps))
        if not out._requires_grad:
            analytical = 0.0
        else:
            seed = make_tensor(v.astype(out._data.dtype))
            grads = autograd_grad(out, [inputs[j] for j in positions], seed,
                                  retain_graph=True, allow_unused=True)
            analytical = sum(_real_inner(g._data, directions[j]) for j, g in zip(positions, grads)
                             if g is not None)
        if not np.isclose(analytical, numerical, rtol=rtol, atol=atol):
            return _fail(f"Jacobian mismatch for output {i} with respect to input 0,\n"
                         f"numerical:{numerical}\nanalytical:{analytical}\n", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-06, atol=1e-05, rtol=0.001,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """``gradcheck`` of the first derivatives themselves (second order), with fixed ``grad_outputs``."""
    inputs = _as_tuple(inputs)
    _check_inputs(inputs, "gradgradcheck")
    outputs = _differentiable_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(make_tensor(_random_like(rng, o._data).astype(o._data.dtype))
                             .requires_grad_() for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    count = len(inputs)
    differentiable = [j for j, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]

    def first_derivatives(*args):
        primal, seeds = args[:count], args[count:]
        outs = [o for o in _differentiable_outputs(func, primal) if o._requires_grad]
        wrt = [primal[j] for j in differentiable]
        grads = autograd_grad(outs, wrt, seeds[:len(outs)], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode)
