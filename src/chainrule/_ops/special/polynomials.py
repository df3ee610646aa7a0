"""The orthogonal polynomials of ``torch.special``: Chebyshev (T, U, V, W and their shifted forms on
[0, 1]), Hermite (physicists' H and probabilists' He), Laguerre and Legendre, ``p(x, n)``.

The rules are PyTorch's: ``n`` is truncated to an integer, negative degrees give 0, the endpoints of
the Chebyshev and Legendre families take their exact values, high degrees of the Chebyshev families
inside (-1, 1) use their trigonometric forms (``T_n(cos t) = cos(n t)``, ...), and everything else runs
the three-term recurrence. Each element recurs only as far as its own degree. PyTorch defines no
derivatives for them: the results never require grad.
"""

from ..._float_errors import silent_float_errors
from .._op import record
from ..pointwise_base import write_out
from .operands import float_operands, number_or_tensor
from .series import in_float64
from .unary import no_derivative

__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he", "laguerre_polynomial_l",
           "legendre_polynomial_p"]


# ---------------------------------------------------------------- three-term recurrences
def _recur(xp, x, n, first, step):
    """``p_n(x)`` for n >= 2: ``p_0 = 1``, ``p_1 = first(x)``, ``p_(k+1) = step(k, x, p_k, p_(k-1))``.

    The elements are put in order of falling degree, so those still recurring at step k are a prefix:
    each step works on slices, and an element's value is stored when its degree is reached."""
    order = xp.argsort(-n, kind="stable")
    x, n = x[order], n[order]
    falling = -n
    out = xp.empty_like(x)
    previous, current = xp.ones_like(x), first(x)
    k, recurring = 1, x.size
    while recurring:
        still = int(xp.searchsorted(falling, -k, side="left"))  # the elements whose degree is above k
        out[still:recurring] = current[still:recurring]
        recurring = still
        previous, current = current[:still], step(k, x[:still], current[:still], previous[:still])
        k += 1
    result = xp.empty_like(out)
    result[order] = out
    return result


def _chebyshev_step(k, x, current, previous):
    return (x + x) * current - previous


def _hermite_step(k, x, current, previous):
    return (x + x) * current - 2 * k * previous


def _hermite_e_step(k, x, current, previous):
    return x * current - k * previous


def _laguerre_step(k, x, current, previous):
    return ((k + k + (1 - x)) * current - k * previous) / (k + 1)


def _legendre_step(k, x, current, previous):
    return ((k + k + 1) * x * current - k * previous) / (k + 1)


_FIRST = {
    "t": lambda x: x + 0, "u": lambda x: x + x, "v": lambda x: x + x - 1, "w": lambda x: x + x + 1,
    "h": lambda x: x + x, "he": lambda x: x + 0, "l": lambda x: 1 - x, "p": lambda x: x + 0,
}
_STEP = {"t": _chebyshev_step, "u": _chebyshev_step, "v": _chebyshev_step, "w": _chebyshev_step, "h": _hermite_step,
         "he": _hermite_e_step, "l": _laguerre_step, "p": _legendre_step}


# ---------------------------------------------------------------- the Chebyshev families' closed forms
def _endpoints(xp, kind, y, n):
    """Values at y = +1 and y = -1 (the shifted forms' x = 1 and x = 0)."""
    sign = 1 - 2 * xp.remainder(n, 2)  # (-1)**n
    at_one = {"t": 1 + 0 * n, "u": n + 1, "v": 1 + 0 * n, "w": 2 * n + 1}[kind]
    at_minus_one = sign * {"t": 1 + 0 * n, "u": n + 1, "v": 2 * n + 1, "w": 1 + 0 * n}[kind]
    return xp.where(y > 0, at_one, at_minus_one)


def _trigonometric(xp, kind, y, n):
    """Inside (-1, 1) at high degrees: T_n = cos(n t), U_n = sin((n+1) t) / sin t, V_n = cos((n+1/2) t) / cos(t/2),
    W_n = sin((n+1/2) t) / sin(t/2), with y = cos t (the forms' removable limits as PyTorch takes them)."""
    angle = xp.arccos(y)
    if kind == "t":
        return xp.cos(n * angle)
    if kind == "u":
        sine = xp.sin(angle)
        return xp.where(sine != 0, xp.sin((n + 1) * angle) / sine, (n + 1) * xp.cos((n + 1) * angle) / y)
    half = angle / 2
    sign = 1 - 2 * xp.remainder(n, 2)
    if kind == "v":
        return xp.where(xp.sin(half) != 1, xp.cos((n + 0.5) * angle) / xp.cos(half), sign * (2 * n + 1))
    return xp.where(xp.cos(half) != 1, xp.sin((n + 0.5) * angle) / xp.sin(half),
                    xp.where(y > 0, 2 * n + 1, sign))


def _polynomial(kind, shifted=False):
    """The kernel of one family: ``kernel(x, n)`` on arrays of one floating dtype."""
    chebyshev = kind in "tuvw" and len(kind) == 1
    high_degree = 6 if kind == "t" or shifted else 8

    def kernel(xp, x, n):
        n = xp.trunc(n)
        y = x + x - 1 if shifted else x
        out = xp.where(n < 0, 0.0, 1.0)  # degree 0 is 1 (n truncated)
        done = n <= 0
        if chebyshev:
            edge = ~done & (xp.abs(y) == 1)
            if edge.any():
                out[edge] = _endpoints(xp, kind, y[edge], n[edge])
            closed = ~done & ~edge & (n > high_degree) & (xp.abs(y) < 1)
            if closed.any():
                out[closed] = _trigonometric(xp, kind, y[closed], n[closed])
            done = done | edge | closed
        elif kind == "l":
            done = done | (x == 0)
        elif kind == "p":
            edge = ~done & (xp.abs(x) == 1)
            if edge.any():
                out[edge] = xp.where(x[edge] > 0, 1.0, 1 - 2 * xp.remainder(n[edge], 2))
            done = done | edge
        first = ~done & (n == 1)
        out = xp.where(first, _FIRST[kind](y), out)
        rest = ~done & ~first
        if rest.any():
            out[rest] = _recur(xp, y[rest], n[rest], _FIRST[kind], _STEP[kind])
        return out

    kernel.__name__ = f"{'shifted_' if shifted else ''}{kind}_polynomial"
    return in_float64(kernel)


def _op(name, kernel):
    node_class = no_derivative(f"Special{name.title().replace('_', '')}Kernel")

    @silent_float_errors
    def op(input, n, *, out=None):
        number_or_tensor(f"special_{name}", input, n)
        x, degree = float_operands(f"{name}_cpu", input, n)
        result = record(kernel(x, degree), node_class, (), (input, n))
        return write_out(result, out, f"special_{name}")

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}(x, n)``; PyTorch defines no derivative for it."
    return op


chebyshev_polynomial_t = _op("chebyshev_polynomial_t", _polynomial("t"))
chebyshev_polynomial_u = _op("chebyshev_polynomial_u", _polynomial("u"))
chebyshev_polynomial_v = _op("chebyshev_polynomial_v", _polynomial("v"))
chebyshev_polynomial_w = _op("chebyshev_polynomial_w", _polynomial("w"))
shifted_chebyshev_polynomial_t = _op("shifted_chebyshev_polynomial_t", _polynomial("t", shifted=True))
shifted_chebyshev_polynomial_u = _op("shifted_chebyshev_polynomial_u", _polynomial("u", shifted=True))
shifted_chebyshev_polynomial_v = _op("shifted_chebyshev_polynomial_v", _polynomial("v", shifted=True))
shifted_chebyshev_polynomial_w = _op("shifted_chebyshev_polynomial_w", _polynomial("w", shifted=True))
hermite_polynomial_h = _op("hermite_polynomial_h", _polynomial("h"))
hermite_polynomial_he = _op("hermite_polynomial_he", _polynomial("he"))
laguerre_polynomial_l = _op("laguerre_polynomial_l", _polynomial("l"))
legendre_polynomial_p = _op("legendre_polynomial_p", _polynomial("p"))
