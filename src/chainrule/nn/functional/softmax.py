"""nn.functional softmax family: ``softmax``, ``log_softmax``, ``softmin`` and ``gumbel_softmax``.

Each is computed from ``x - max(x)`` along ``dim``, so exponentials never overflow and inputs of
±1000 give finite values and gradients. The rules read only the result.
"""

import warnings

from ..._array import namespace_of
from ..._errors import argument_type_error
from ..._ops._kernel import Kernel, replays
from ..._ops._op import OUTPUT, derivative, record, traced, traced_stateful
from ..._ops.pointwise import exp
from ..._ops.pointwise_base import no_kernel_error
from ..._random import default_generator
from ..._random.fill import exponential_values
from ..._random.layout import device_of_draw, fresh
from ..._signatures import Signatures
from ..._tensor import _wrap_dim, make_tensor
from ..._float_errors import silent_float_errors

FUNCTIONS = ["softmax", "log_softmax", "softmin", "gumbel_softmax"]
METHODS = []
# PyTorch draws gumbel_softmax's noise with empty_like first, which words the errors
SIGNATURES = {"gumbel_softmax": Signatures("empty_like", "Tensor logits, object tau = 1, object hard = False, "
                                                         "object eps = 1e-10, object dim = -1")}


def _implicit_dim(name, ndim):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", UserWarning, stacklevel=4)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(name, input, dim, dtype):
    if dim is None:
        dim = _implicit_dim(name, input.dim())
    if dtype is not None:
        input = input.to(dtype)
    ndim = input.dim()
    dim = _wrap_dim(dim, ndim)
    # PyTorch's kernels take real floating dtypes only (one along the last dim, one along others), and an
    # empty tensor never reaches them
    if input._data.dtype.kind != "f" and input._data.size:
        along = "lastdim_" if dim == ndim - 1 or ndim == 0 else ""
        raise no_kernel_error(f"{name}_{along}kernel_impl", input._data.dtype)
    return input, dim


def _sum_over(t, dim):
    return t.sum(dim, keepdim=True) if t.dim() else t


def _softmax_grad(grad, result, dim):
    return result * (grad - _sum_over(grad * result, dim))


def _log_softmax_grad(grad, result, dim):
    return grad - exp(result) * _sum_over(grad, dim)


SoftmaxBackward0 = derivative("SoftmaxBackward0", _softmax_grad, saves="result")
LogSoftmaxBackward0 = derivative("LogSoftmaxBackward0", _log_softmax_grad, saves="result")


@silent_float_errors
def _shifted(x, dim):
    """``x`` minus its maximum along ``dim``: exponentials of it never overflow."""
    if x.ndim == 0:
        return x - x
    return x - x.max(axis=dim, keepdims=True)


def _softmax_array(x, dim):
    if x.size == 0:
        return x.copy()
    xp = namespace_of(x)
    if x.dtype == xp.float16:  # float32 intermediates, rounded once: a float16 sum of exponentials loses more
        return _softmax_array(x.astype(xp.float32), dim).astype(xp.float16)
    e = xp.exp(_shifted(x, dim))
    e /= e.sum(axis=dim if x.ndim else None, keepdims=True)
    return e


@silent_float_errors
def _log_softmax_array(x, dim):
    if x.size == 0:
        return x.copy()
    xp = namespace_of(x)
    if x.dtype == xp.float16:  # float32 intermediates, as for softmax
        return _log_softmax_array(x.astype(xp.float32), dim).astype(xp.float16)
    shifted = _shifted(x, dim)
    shifted -= xp.log(xp.exp(shifted).sum(axis=dim if x.ndim else None, keepdims=True))
    return shifted


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, computed from ``x - max`` so it stays finite."""
    input, dim = _softmax_input("softmax", input, dim, dtype)
    return record(_softmax_array(input._data, dim), SoftmaxBackward0, (input,), (OUTPUT,), (dim,))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x - logsumexp(x)`` along ``dim``: finite where ``log(softmax(x))`` would give ``-inf``."""
    input, dim = _softmax_input("log_softmax", input, dim, dtype)
    return record(traced(_log_softmax_array, input, dim), LogSoftmaxBackward0, (input,), (OUTPUT,), (dim,))


def _softmax_method(input, dim, dtype=None):
    """``x.softmax(dim)``: the method has no implicit dim (None is refused)."""
    if dim is None:
        raise argument_type_error("softmax", "dim", 1, "int", dim)
    return softmax(input, dim, dtype=dtype)


def _log_softmax_method(input, dim, dtype=None):
    if dim is None:
        raise argument_type_error("log_softmax", "dim", 1, "int", dim)
    return log_softmax(input, dim, dtype=dtype)


_softmax_method.__name__ = _softmax_method.__qualname__ = "softmax"
_log_softmax_method.__name__ = _log_softmax_method.__qualname__ = "log_softmax"
METHOD_FORMS = {"softmax": _softmax_method, "log_softmax": _log_softmax_method}


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmin", input.dim())
    return softmax(-input, dim, dtype=dtype)


def _exponentials(x):
    """PyTorch's ``exponential_`` draws for a tensor like ``x``: made on the host and moved to ``x``'s namespace,
    or on ``x``'s GPU by its generator."""
    drawn = fresh(x.shape, x.dtype, exponential_values, default_generator, 1.0, on=device_of_draw(x))
    xp = namespace_of(x)
    return drawn if namespace_of(drawn) is xp else xp.from_host(drawn)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A differentiable sample from the categorical distribution of ``logits`` (Gumbel noise ``-log`` of
    PyTorch's ``exponential_`` draws); ``hard=True`` returns the one-hot sample with the soft sample's gradient."""
    x = logits._data
    if x.dtype.kind not in "fc":
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {logits.dtype.scalar_type_name}")
    noise = -make_tensor(traced_stateful(_exponentials, logits)).log()
    soft = softmax((logits + noise) / tau, dim)
    if not hard:
        return soft
    dim = _wrap_dim(dim, x.ndim)
    xp = namespace_of(x)
    one_hot = xp.zeros(x.shape, dtype=x.dtype)
    xp.put_along_axis(one_hot, xp.expand_dims(soft._data.argmax(axis=dim), dim), 1, dim)
    return make_tensor(one_hot - soft._data) + soft


# ---------------------------------------------------------------- compiled replay (chainrule.compile)
@replays(SoftmaxBackward0)
def _softmax_kernel(out, inputs, saved, args):
    return Kernel(_softmax_array, (inputs[0], args[0]))
