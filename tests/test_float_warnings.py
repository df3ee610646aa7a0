"""Floating-point edge cases are silent, as in PyTorch: ``log(0)`` is ``-inf`` and ``0 / 0`` is ``nan`` with no
RuntimeWarning, even for a user who turns every warning into an error, and chainrule leaves the user's warning
filters and NumPy error state as it found them. (Every op of the op table on edge values: test_edge_values.py.)"""

import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import chainrule

nan, inf = math.nan, math.inf

# Expressions run on chainrule and on torch (``T``; ``F`` is its nn.functional), values compared.
EXPRESSIONS = [
    "T.sqrt(T.tensor([-1., 0., -0., 4.]))",
    "T.log(T.tensor([0., -0., -1., inf]))",
    "T.log2(T.tensor([0., -1.]))", "T.log10(T.tensor([0., -1.]))", "T.log1p(T.tensor([-1., -2.]))",
    "T.tensor([1., -1., 0.]) / 0", "T.tensor([1., -1., 0.]) / T.tensor([0., -0., 0.])",
    "1 / T.tensor([0., -0.])", "T.reciprocal(T.tensor([0., -0.]))", "T.rsqrt(T.tensor([0., -1.]))",
    "T.exp(T.tensor([1000., -1000., inf, -inf]))", "T.expm1(T.tensor([1000.]))", "T.exp2(T.tensor([5000.]))",
    "T.tensor([inf, -inf, inf]) - T.tensor([inf, -inf, -inf])", "T.tensor([0., inf]) * T.tensor([inf, 0.])",
    "T.tensor([1e308]) * 10", "T.tensor([1e308]) + 1e308", "T.tensor([3e38], dtype=T.float32) * 2",
    "T.tensor([2.]) ** 5000", "T.tensor([0.]) ** -1", "T.tensor([-8.]) ** 0.5", "T.pow(T.tensor([0.]), -2.)",
    "T.fmod(T.tensor([1., inf]), T.tensor([0., 1.]))", "T.remainder(T.tensor([1., inf]), T.tensor([0., 1.]))",
    "T.acos(T.tensor([2., -2.])) ", "T.asin(T.tensor([2.]))", "T.acosh(T.tensor([0.5]))",
    "T.atanh(T.tensor([1., -1., 2.]))", "T.cosh(T.tensor([1000.]))", "T.sinh(T.tensor([-1000.]))",
    "T.tan(T.tensor([inf]))", "T.sin(T.tensor([inf]))", "T.logit(T.tensor([0., 1., 2.]))",
    "T.xlogy(T.tensor([0., 1.]), T.tensor([0., 0.]))", "T.atan2(T.tensor([0., inf]), T.tensor([0., inf]))",
    "T.lgamma(T.tensor([0., -1., -2.5, inf]))", "T.digamma(T.tensor([0., -1., -0., inf]))",
    "T.polygamma(1, T.tensor([0., -0.5]))", "T.polygamma(3, T.tensor([0., -2.5]))",
    "T.mvlgamma(T.tensor([0.5, 1.]), 2)",
    "T.erfinv(T.tensor([1., -1., 2.]))", "T.special.erfcx(T.tensor([-1000., inf, -inf]))",
    "T.special.log_ndtr(T.tensor([-inf, inf, -1e10]))", "T.special.ndtri(T.tensor([0., 1., 2.]))",
    "T.special.i0(T.tensor([1000., inf]))", "T.special.i1(T.tensor([1000.]))", "T.special.i0e(T.tensor([inf]))",
    "T.special.zeta(T.tensor([1., 0.5]), T.tensor([1., 0.]))", "T.special.xlog1py(T.tensor([0.]), T.tensor([-1.]))",
    "T.special.entr(T.tensor([0., -1., inf]))", "T.special.sinc(T.tensor([0., inf]))",
    "T.special.gammainc(T.tensor([0., 1.]), T.tensor([0., inf]))", "T.special.bessel_j0(T.tensor([inf]))",
    "T.special.bessel_y0(T.tensor([0., -1.]))", "T.special.modified_bessel_k0(T.tensor([0.]))",
    "T.special.chebyshev_polynomial_t(T.tensor([inf, 1e300]), 3)",
    "T.special.hermite_polynomial_h(T.tensor([1e300]), 5)",
    "T.softmax(T.tensor([[-inf, -inf], [0., -inf], [inf, inf]]), dim=1)",
    "T.log_softmax(T.tensor([[-inf, -inf], [inf, 0.]]), dim=1)", "T.logsumexp(T.tensor([-inf, -inf]), dim=0)",
    "F.scaled_dot_product_attention(T.ones(1, 2, 2), T.ones(1, 2, 2), T.ones(1, 2, 2), "
    "attn_mask=T.tensor([[True, False], [False, False]]))",
    "T.tensor([[inf, 1.], [0., 1.]]) @ T.tensor([[0., 1.], [1., 0.]])", "F.linear(T.tensor([[inf, 1.]]), T.ones(3, 2))",
    "T.sum(T.tensor([1e308, 1e308]))", "T.mean(T.tensor([1e308, 1e308]))", "T.mean(T.tensor([]))",
    "T.prod(T.tensor([1e200, 1e200]))", "T.cumprod(T.tensor([1e200, 1e200, 0.]), 0)",
    "T.cumsum(T.tensor([inf, -inf]), 0)", "T.tensor([1e10, nan, -inf]).to(T.float16)",
    "T.tensor([nan, inf, 1e20]).to(T.int32).dtype", "T.norm(T.tensor([1e308, 1e308]))",
    "T.linalg.det(T.tensor([[inf, 1.], [1., inf]]))", "T.var(T.tensor([inf, 1.]))",
    "F.normalize(T.zeros(2, 3))", "F.cosine_similarity(T.zeros(2, 3), T.ones(2, 3))",
    "F.binary_cross_entropy_with_logits(T.tensor([inf, -inf]), T.tensor([1., 0.]))",
    "F.layer_norm(T.tensor([[inf, 1.]]), (2,))", "F.gelu(T.tensor([-inf, nan, -1000.]))", "F.silu(T.tensor([-inf]))",
    "T.fft.fft(T.tensor([inf, 1.]))", "T.cross(T.tensor([inf, 0., 1.]), T.tensor([0., 1., 0.]), dim=0)",
]

# Gradients: (expression of x, x's values); the gradient of the sum is compared.
GRADIENTS = [
    ("T.sqrt(x)", [0., -1., 4.]), ("T.log(x)", [0., -0., -1.]), ("x / x", [0., inf]), ("T.exp(x)", [1000.]),
    ("x ** 0.5", [0., -1.]), ("T.acos(x)", [1., 2.]), ("T.atanh(x)", [1., -1.]), ("T.lgamma(x)", [0., -1.]),
    ("T.digamma(x)", [0., -0.]), ("T.erfinv(x)", [1., -1.]), ("T.norm(x)", [0., 0.]), ("T.softmax(x, 0)", [-inf, -inf]),
    ("T.special.xlog1py(x, x)", [0., -1.]), ("T.special.i1(x)", [1000.]), ("x.abs() ** 0.3", [0., 1.]),
]


def _run(module, expression):
    return eval(expression, {"T": module, "F": module.nn.functional, "inf": inf, "nan": nan})  # fixed test data


def _same(ours, theirs):
    if not isinstance(theirs, torch.Tensor):
        assert str(ours).replace("chainrule", "torch") == str(theirs)
        return
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    ours, theirs = ours.detach().numpy(), theirs.detach().numpy()
    for a, b in [(ours.real, theirs.real), (ours.imag, theirs.imag)] if ours.dtype.kind == "c" else [(ours, theirs)]:
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12, equal_nan=True)  # nan and inf where PyTorch has them
        np.testing.assert_array_equal(np.signbit(a[~np.isnan(b)]), np.signbit(b[~np.isnan(b)]))  # and signed zeros


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_edge_values_are_silent(expression):
    """A user who makes every warning an error gets PyTorch's nan and inf, not a RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _run(chainrule, expression)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's own notes (a deprecation, a TF32 hint) are not compared
        theirs = _run(torch, expression)
    _same(ours, theirs)


@pytest.mark.parametrize("expression,values", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_gradients_at_edge_values_are_silent(expression, values):
    results = []
    for module in (chainrule, torch):
        x = module.tensor(values, dtype=module.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error" if module is chainrule else "ignore")
            (grad,) = module.autograd.grad(eval(expression, {"T": module, "x": x}).sum(), x)  # fixed test data
        results.append(grad)
    _same(*results)


def _compiled_program(module, x):
    return (x.log() * 2 + x.sqrt()).exp().sum()


def test_compiled_replays_are_silent():
    """A compiled function's plans, forward and backward, run the ops' array calls outside the ops: silent too."""
    step = chainrule.compile(_compiled_program)
    expected = torch.tensor([0., -1., 1000., 2.], requires_grad=True)
    _compiled_program(torch, expected).backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(4):
            x = chainrule.tensor([0., -1., 1000., 2.], requires_grad=True)
            step(chainrule, x).backward()
            _same(x.grad, expected.grad)
    assert step.replays >= 1


def test_user_settings_are_left_alone():
    """Importing chainrule and running its ops changes neither the warning filters nor NumPy's error state: the
    user's own NumPy code still warns (or raises, if they asked for that)."""
    program = (
        "import warnings, numpy as np\n"
        "np.seterr(divide='raise')\n"
        "filters, state = list(warnings.filters), np.geterr()\n"
        "import chainrule\n"
        "x = chainrule.tensor([0., 1.])\n"
        "print((x.log() / 0).tolist())\n"
        "assert warnings.filters == filters, 'warning filters changed'\n"
        "assert np.geterr() == state, 'NumPy error state changed'\n"
        "try:\n"
        "    np.log(np.zeros(1))\n"
        "except FloatingPointError:\n"
        "    print('user numpy raises')\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": os.path.dirname(chainrule.__path__[0])}, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[-inf, nan]", "user numpy raises"]


def test_threads_share_the_silence():
    """The elementwise paths share one silent context, which one thread at a time can be in; the others set the
    state for themselves, still silently."""
    import threading

    errors = []
    x = chainrule.tensor(np.linspace(-1, 1, 50_000))

    def work():
        try:
            for _ in range(30):
                ((x.log() + x.sqrt()) / x).exp().sum()
        except Exception as error:  # reported below: a warning turned error, or a busy context
            errors.append(error)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors[:3]


@pytest.mark.parametrize("expression", ["x / 0", "x - T.tensor([inf])", "x.log()", "T.tensor([200], dtype=T.uint8) "
                                        "+ 1000", "1000 - T.tensor([3], dtype=T.uint8)", "x ** 5000"])
def test_ops_compute_silently_while_the_silent_context_is_in_use(expression):
    """What another thread holding the shared silent context at that moment looks like to an op: entering it
    fails, and the op silences NumPy for itself (deterministic here: the op runs inside the context)."""
    from chainrule._float_errors import call_silently

    namespaces = [{"T": module, "x": module.tensor([0.0, inf, -1.0]), "inf": inf} for module in (chainrule, torch)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = call_silently(eval, expression, namespaces[0])  # the test's own fixed expressions
    theirs = eval(expression, namespaces[1])
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
